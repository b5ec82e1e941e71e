"""The repository's own web addresses, so that links written as full URLs into it are internal.

Design documents often link their siblings by URL (``https://github.com/OWNER/REPO/blob/master/
text/0001-x.md``) instead of by relative path. With the repository's address known, such a URL is
resolved like a relative link: an edge when the file exists, TG101 when it does not, TG102 for a
bad ``#fragment``. Only file and folder views count (``blob``, ``tree``, ``raw``, ``blame``;
GitLab's ``-/blob`` too, and ``raw.githubusercontent.com`` for GitHub); pull requests, issues,
commits and the home page are web pages, so they stay external. A link pinned to a commit SHA is
a permalink: it names what the file said then, so it is an edge when the path still exists and
is never reported.

Where the addresses come from: the config key ``repository`` (one address or a list; ``false``
for none) decides alone. Without it, the git remote ``origin``, the address that well-known files
at the root declare (``book.toml``, ``mkdocs.yml``, ``package.json``...), and every address whose
file links mostly name paths that exist in the tree (a copy without ``.git``, a renamed or
forked repository) all count, each with the evidence for it.
"""

from __future__ import annotations

import posixpath
import re
import subprocess
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .gitcmd import GitError, run_git

#: The URL path segment that shows a file or folder (GitHub and GitLab spellings).
FILE_VIEWS = frozenset({"blob", "tree", "raw", "blame"})
#: An abbreviated or full commit SHA: a ref that never moves.
_SHA = re.compile(r"^[0-9a-fA-F]{7,40}$")
#: ``git@github.com:owner/repo.git`` (scp-like syntax: no scheme, a colon before the path).
_SCP = re.compile(r"^(?:[^@/]+@)?([^:/]+):(?!/)(.+)$")


@dataclass(frozen=True)
class OwnLink:
    """Where a URL into the repository points, relative to the scanned root.

    ``path`` is None when the target is in the repository but outside the scanned root (then
    ``repo_path`` says where); ``pinned`` marks a commit-SHA permalink."""

    path: str | None
    repo_path: str
    fragment: str | None
    pinned: bool


@dataclass(frozen=True)
class LinkEvidence:
    """What the links of the tree say about an address: how many branch or tag links to its
    file views there are (permalinks left out: they show history), and how many distinct
    paths they name that exist in the scanned tree and that do not (paths outside the scanned
    folder count as neither)."""

    links: int
    existing: int
    missing: int

    @property
    def convincing(self) -> bool:
        """Whether the links alone show that the address is this repository's: at least
        ``MIN_EXISTING`` distinct linked paths exist here, and at least two thirds of them do.

        >>> LinkEvidence(206, 86, 4).convincing, LinkEvidence(9, 2, 0).convincing
        (True, False)
        >>> LinkEvidence(40, 12, 30).convincing  # a copy that links its upstream
        False
        """
        return self.existing >= MIN_EXISTING and self.existing >= 2 * self.missing

    def describe(self) -> str:
        """``198 links: 86 of the 90 paths they name exist here``."""
        paths = self.existing + self.missing
        return (
            f"{self.links} link{'s' if self.links != 1 else ''}: {self.existing} of the "
            f"{paths} path{'s' if paths != 1 else ''} they name exist here"
        )


#: Distinct linked paths that must exist before links alone make an address the repository's.
MIN_EXISTING = 3


@dataclass(frozen=True)
class Repository:
    """One web address of the repository (``https://github.com/owner/repo``), the folder of the
    scanned root inside the repository (``""`` at its top), why the address counts (``sources``:
    ``config``, ``git remote origin``, a file that declares it such as ``book.toml``, or
    ``links``) and what the tree's links to it say (``evidence``, when it has any)."""

    url: str
    prefix: str = ""
    sources: tuple[str, ...] = ("config",)
    evidence: LinkEvidence | None = None

    @cached_property
    def key(self) -> str:
        """The address compared without case or ``www.`` (``github.com/owner/repo``)."""
        return address_key(self.url)

    def describe(self) -> str:
        """Why the address counts, for ``tracegraph scan``: ``from book.toml; inferred from
        198 links: 86 of the 90 paths they name exist here``."""
        named = [s for s in self.sources if s != "links"]
        parts = [f"from {' and '.join(named)}"] if named else []
        if self.evidence is not None:
            inferred = "inferred from " if "links" in self.sources else ""
            parts.append(inferred + self.evidence.describe())
        if self.prefix:
            parts.append(f"scanned folder {self.prefix}/")
        return "; ".join(parts)

    @cached_property
    def host(self) -> str:
        """The host name, lower-case (``github.com``)."""
        return urlsplit(self.url).netloc.lower()

    @cached_property
    def segments(self) -> tuple[str, ...]:
        """The repository's path segments, lower-case (``("owner", "repo")``)."""
        return tuple(s.lower() for s in urlsplit(self.url).path.split("/") if s)

    def locate(self, url: str) -> OwnLink | None:
        """Where ``url`` points inside this repository, or None when it is not a file or
        folder view of it (another site, a pull request, an issue, the home page).

        >>> repo = Repository("https://github.com/rust-lang/rfcs")
        >>> own = repo.locate("https://github.com/rust-lang/rfcs/blob/master/text/0001-x.md#scope")
        >>> own.path, own.fragment, own.pinned
        ('text/0001-x.md', 'scope', False)
        >>> repo.locate("https://github.com/rust-lang/rfcs/pull/195") is None
        True
        """
        if self._candidate.match(url) is None:  # most URLs point elsewhere: one regex
            return None
        parts = urlsplit(url)
        if parts.scheme.lower() not in ("http", "https"):
            return None
        host = parts.netloc.lower().rpartition("@")[2]
        host = host.removeprefix("www.")
        segments = parts.path.split("/")[1:]
        own = self.segments
        if host == "raw.githubusercontent.com" and self.host == "github.com":
            rest = segments[len(own) :]
            view_ok = True
        elif host == self.host.removeprefix("www."):
            rest = segments[len(own) :]
            if rest[:1] == ["-"]:  # GitLab: /group/repo/-/blob/REF/path
                rest = rest[1:]
            view_ok = bool(rest) and rest[0] in FILE_VIEWS
            rest = rest[1:]
        else:
            return None
        if tuple(s.lower() for s in segments[: len(own)]) != own or not view_ok or not rest:
            return None
        ref, path = rest[0], "/".join(rest[1:])
        if not ref:
            return None
        repo_path = posixpath.normpath(unquote(path).replace("\\", "/")) if path else ""
        repo_path = "" if repo_path == "." else repo_path
        # ``?plain=1`` shows a Markdown file's source, where fragments are line anchors.
        plain = "plain=1" in parts.query.split("&")
        fragment = parts.fragment if parts.fragment and not plain else None
        return OwnLink(self._inside(repo_path), repo_path, fragment, _SHA.match(ref) is not None)

    def may_contain(self, url: str) -> bool:
        """Whether ``url`` starts like a file or folder view of this repository (one regex;
        ``locate`` checks the rest)."""
        return self._candidate.match(url) is not None

    @cached_property
    def _candidate(self) -> re.Pattern[str]:
        """What every file or folder view of this repository starts with: the pull requests
        and issues that design documents link by the hundred are turned away here."""
        path = "/".join(re.escape(s) for s in self.segments)
        host = re.escape(self.host.removeprefix("www."))
        forms = [rf"(?:www\.)?{host}/{path}/(?:-/)?(?:{'|'.join(sorted(FILE_VIEWS))})/"]
        if self.host == "github.com":
            forms.append(rf"raw\.githubusercontent\.com/{path}/")
        return re.compile(rf"https?://(?:[^/@]*@)?(?:{'|'.join(forms)})", re.I)

    def _inside(self, repo_path: str) -> str | None:
        """``repo_path`` relative to the scanned root, or None when it lies outside it."""
        return _inside_folder(self.prefix, repo_path)


def web_address(remote: str) -> str | None:
    """The web address of a git remote URL (https, ssh or scp-like), or None for local paths.

    >>> web_address("git@github.com:rust-lang/rfcs.git")
    'https://github.com/rust-lang/rfcs'
    >>> web_address("ssh://git@gitlab.example.com:2222/group/sub/repo.git")
    'https://gitlab.example.com/group/sub/repo'
    >>> web_address("https://user@github.com/owner/repo/") is None, web_address("/srv/repo.git")
    (False, None)
    """
    text = remote.strip()
    if "://" in text:
        parts = urlsplit(text)
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https", "ssh", "git", "git+ssh", "ssh+git"):
            return None
        host = (parts.hostname or "").lower()
        if parts.port is not None and scheme in ("http", "https"):
            host = f"{host}:{parts.port}"  # a web port is part of the address; ssh's is not
        path = parts.path
    else:
        match = _SCP.match(text)
        if match is None:
            return None
        host, path = match.group(1).lower(), match.group(2)
    path = path.strip("/").removesuffix(".git").strip("/")
    if not host or "/" not in path:
        return None
    return f"https://{host}/{path}"


def address_key(url: str) -> str:
    """An address as compared: host and path, lower-case, without ``www.`` or a final slash.

    >>> address_key("https://www.GitHub.com/Rust-Lang/RFCs/")
    'github.com/rust-lang/rfcs'
    """
    parts = urlsplit(url)
    host = parts.netloc.lower().rpartition("@")[2].removeprefix("www.")
    return "/".join([host, *(s.lower() for s in parts.path.split("/") if s)])


def repository_address(text: str) -> str | None:
    """The repository's web address in a URL that a project file gives for it: a clone URL
    (``git+https://…/repo.git``, ``git@host:o/r``), npm's ``github:o/r`` and ``o/r``
    shorthands, or a page of the repository (``…/o/r/tree/main/docs``); None when it names
    no repository.

    >>> repository_address("git+https://github.com/o/r.git")
    'https://github.com/o/r'
    >>> repository_address("https://github.com/rust-lang/rfcs/tree/master/text")
    'https://github.com/rust-lang/rfcs'
    >>> repository_address("gitlab:group/repo"), repository_address("https://example.com")
    ('https://gitlab.com/group/repo', None)
    """
    value = text.strip().removeprefix("git+")
    short = _SHORTHAND.match(value)
    if short is not None:
        host = _SHORTHAND_HOSTS[(short.group(1) or "github").lower()]
        value = f"https://{host}/{short.group(2)}"
    url = web_address(value)
    if url is None:
        return None
    parts = urlsplit(url)
    segments = [s for s in parts.path.split("/") if s]
    if parts.netloc in _TWO_SEGMENT_HOSTS:
        segments = segments[:2]
    elif "-" in segments[2:]:  # GitLab: /group/sub/repo/-/tree/main
        segments = segments[: segments.index("-", 2)]
    else:
        views = [i for i, s in enumerate(segments) if i >= 2 and s in FILE_VIEWS]
        segments = segments[: views[0]] if views else segments
    if len(segments) < 2:
        return None
    return f"https://{parts.netloc}/{'/'.join(segments)}"


#: Hosts whose repositories are always ``owner/name``.
_TWO_SEGMENT_HOSTS = frozenset({"github.com", "bitbucket.org", "codeberg.org"})
#: npm's repository shorthands: ``github:o/r``, ``gitlab:o/r``, ``bitbucket:o/r``, ``o/r``.
_SHORTHAND = re.compile(r"^(?:(github|gitlab|bitbucket):)?([\w.-]+/[\w.-]+)$", re.I)
_SHORTHAND_HOSTS = {"github": "github.com", "gitlab": "gitlab.com", "bitbucket": "bitbucket.org"}


@dataclass(frozen=True)
class FileView:
    """A URL that shows one file or folder of some repository: the repository's ``address``,
    the ``ref`` and the ``path`` inside the repository (``""`` for its top)."""

    address: str
    ref: str
    path: str

    @property
    def pinned(self) -> bool:
        """Whether the ref is a commit SHA (a permalink)."""
        return _SHA.match(self.ref) is not None


def parse_file_view(url: str) -> FileView | None:
    """The file or folder view of any repository that ``url`` shows (``https://HOST/OWNER/
    REPO/blob/REF/PATH``, GitLab's ``/-/blob/``, ``raw.githubusercontent.com``), else None.

    >>> parse_file_view("https://github.com/o/r/blob/main/text/0001-x.md#a")
    FileView(address='https://github.com/o/r', ref='main', path='text/0001-x.md')
    >>> parse_file_view("https://gitlab.com/g/sub/r/-/tree/v1/docs/").path
    'docs'
    >>> parse_file_view("https://github.com/o/r/pull/3") is None
    True
    """
    # Substring tests first (20 times faster than a regex search): only URLs with a file
    # view or GitHub's raw host can be one.
    if not (
        "/blob/" in url
        or "/tree/" in url
        or "/raw/" in url
        or "/blame/" in url
        or "githubusercontent.com/" in url
    ):
        return None
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        return None
    host = parts.netloc.lower().rpartition("@")[2].removeprefix("www.")
    segments = parts.path.split("/")[1:]
    if host == "raw.githubusercontent.com":
        host, owner, rest = "github.com", segments[:2], segments[2:]
    else:
        if len(segments) > 2 and segments[2] in FILE_VIEWS:
            owner, rest = segments[:2], segments[2:]
        elif "-" in segments[2:]:  # GitLab: /group/sub/repo/-/blob/REF/path
            cut = segments.index("-", 2)
            owner, rest = segments[:cut], segments[cut + 1 :]
        else:
            return None
        if not rest or rest[0] not in FILE_VIEWS:
            return None
        rest = rest[1:]
    if len(owner) < 2 or not all(owner) or not rest or not rest[0]:
        return None
    path = posixpath.normpath(unquote("/".join(rest[1:])).replace("\\", "/"))
    return FileView(f"https://{host}/{'/'.join(owner)}", rest[0], "" if path == "." else path)


@dataclass(frozen=True)
class KnownAddresses:
    """What is known of the repository's addresses before its documents are read: the
    ``fixed`` ones (from config, or the git remote ``origin`` with the scanned folder git
    reports), those that files at the root ``declare`` (address, file name), whether links may
    add more (``infer``: no ``repository`` in the config) and the scanned root's folder in its
    git work tree (``git_prefix``, None outside git)."""

    fixed: tuple[Repository, ...] = ()
    declared: tuple[tuple[str, str], ...] = ()
    infer: bool = False
    git_prefix: str | None = None


#: ``find_addresses``' prefix when the caller has not asked git for it.
ASK_GIT = "?"


def find_addresses(
    root: Path,
    setting: tuple[str, ...] | bool | None,
    declared: Iterable[tuple[str, str]],
    *,
    prefix: str | None = ASK_GIT,
    origin: str | None = ASK_GIT,
) -> KnownAddresses:
    """What config and git say of the repository's addresses. ``setting`` is the config's
    ``repository`` (validated addresses, False for none, None to find them); ``declared`` are
    (address, file) pairs read from files at the root. The scanned folder comes from git (the
    top outside git): ``prefix`` is git's ``--show-prefix`` when the caller knows it (None
    outside a work tree), else git is asked; ``origin``, likewise, the remote ``origin``'s
    URL (None: there is none)."""
    if setting is False:
        return KnownAddresses()
    if prefix == ASK_GIT:
        prefix = _git_text(root, "rev-parse", "--show-prefix")
    folder = (prefix or "").strip("/")
    git_prefix = None if prefix is None else folder
    if isinstance(setting, tuple):
        urls = (web_address(address) for address in setting)
        fixed = _merged(Repository(url, folder, ("config",)) for url in urls if url is not None)
        return KnownAddresses(fixed, (), False, git_prefix)
    remote = None
    if prefix is not None:
        remote = _git_text(root, "remote", "get-url", "origin") if origin == ASK_GIT else origin
    url = web_address(remote) if remote else None
    fixed = (Repository(url, folder, ("git remote origin",)),) if url else ()
    return KnownAddresses(fixed, tuple(declared), True, git_prefix)


def settle_addresses(
    known: KnownAddresses, urls: Iterable[str], exists: Callable[[str], bool]
) -> tuple[Repository, ...]:
    """Every address of the repository: the fixed ones, the declared ones, and those whose
    file links (``urls``: every web link of the tree that no fixed address claims) mostly name
    paths that ``exists`` finds in the scanned tree, each with its evidence.

    The scanned folder of a declared or inferred address is the one git reports or the top,
    whichever more linked paths exist under (a copy inside an unrelated work tree is its own
    top). A team's copy of a convention that links its upstream repository names upstream
    paths that mostly do not exist here, so upstream is not taken for this repository.
    """
    if not known.infer:
        return known.fixed
    linked: dict[str, _Linked] = {}
    views: dict[str, FileView | None] = {}  # the same file is often linked at many anchors
    for url in urls:
        page = url.partition("#")[0]
        view = views[page] if page in views else views.setdefault(page, parse_file_view(page))
        if view is None or view.pinned or not view.path:
            continue
        entry = linked.get(address_key(view.address))
        if entry is None:
            entry = linked[address_key(view.address)] = _Linked()
        entry.spellings[view.address] += 1
        entry.links += 1
        entry.paths.add(view.path)
    folders = [known.git_prefix] if known.git_prefix else []
    folders.append("")
    settled: list[Repository] = []
    # The git remote's folder is git's; a declared address may be a copy's own top.
    candidates = [(repo, [repo.prefix]) for repo in known.fixed]
    candidates += [(Repository(url, folders[0], (name,)), folders) for url, name in known.declared]
    for repo, choices in candidates:
        entry = linked.get(repo.key)
        if entry is not None:
            folder, evidence = _weigh(entry, choices, exists)
            sources = repo.sources + (("links",) if evidence.convincing else ())
            repo = replace(repo, prefix=folder, sources=sources, evidence=evidence)
        settled.append(repo)
    known_keys = {repo.key for repo in settled}
    for key in sorted(linked.keys() - known_keys):
        entry = linked[key]
        folder, evidence = _weigh(entry, folders, exists)
        if evidence.convincing:
            spelling = min(entry.spellings, key=lambda s: (-entry.spellings[s], s))
            settled.append(Repository(spelling, folder, ("links",), evidence))
    return _merged(settled)


@dataclass
class _Linked:
    """The links of the tree to one address (a working record, not a result)."""

    spellings: Counter[str] = field(default_factory=Counter)
    links: int = 0
    paths: set[str] = field(default_factory=set)


def _weigh(
    entry: _Linked, folders: list[str], exists: Callable[[str], bool]
) -> tuple[str, LinkEvidence]:
    """The scanned folder (of ``folders``, first wins a tie) under which most linked paths
    exist, and the evidence there."""
    best: tuple[str, LinkEvidence] | None = None
    for folder in folders:
        existing = missing = 0
        for path in entry.paths:
            inside = _inside_folder(folder, path)
            if inside is None:
                continue
            if exists(inside):
                existing += 1
            else:
                missing += 1
        if best is None or existing > best[1].existing:
            best = (folder, LinkEvidence(entry.links, existing, missing))
    assert best is not None
    return best


def _merged(repos: Iterable[Repository]) -> tuple[Repository, ...]:
    """One entry per address (the first's spelling and folder), sources joined in order."""
    out: dict[str, Repository] = {}
    for repo in repos:
        seen = out.get(repo.key)
        if seen is None:
            out[repo.key] = repo
            continue
        sources = seen.sources + tuple(s for s in repo.sources if s not in seen.sources)
        out[repo.key] = replace(seen, sources=sources, evidence=seen.evidence or repo.evidence)
    return tuple(out.values())


def _inside_folder(prefix: str, repo_path: str) -> str | None:
    """``repo_path`` relative to the scanned folder ``prefix``, or None outside it."""
    if repo_path == ".." or repo_path.startswith("../"):
        return None
    if not prefix:
        return repo_path
    if repo_path == prefix:
        return ""
    if repo_path.startswith(prefix + "/"):
        return repo_path[len(prefix) + 1 :]
    return None


def _git_text(root: Path, *args: str) -> str | None:
    """Git's one-line answer, or None when git fails (not a work tree, no such remote)."""
    try:
        proc = run_git(root, *args, timeout=30.0)
    except (OSError, subprocess.SubprocessError, GitError):
        return None
    if proc.returncode != 0:
        return None
    return proc.stdout.decode("utf-8", "replace").strip()
