"""Which files make up the repository, and reading them: the only module that touches the tree.

Inside a git work tree the listing is ``git ls-files -co --exclude-standard`` (what the team
commits, plus new files it has not ignored); elsewhere a walk that skips VCS folders, virtualenvs
and build output. No path outside the root is ever opened: symlinks are resolved and checked.
"""

from __future__ import annotations

import logging
import os
import re
import stat
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from .config import MAX_CONFIG_BYTES, Config
from .declared import DECLARING_FILES, declared_address
from .errors import InputError
from .gitcmd import GitError, run_git
from .githistory import Repository as GitPlace
from .githistory import probe_repository
from .patterns import glob_regex
from .repository import ASK_GIT, KnownAddresses, find_addresses
from .safefs import (
    RealFolders,
    Unreadable,
    inside_root,
    inside_root_fast,
    read_limited,
    reason,
)
from .warm import (
    LIST_ARGS,
    LIST_TIMEOUT,
    WIKI_MARKER_FOLDERS,
    Seen,
    ask_git,
    display_name,
    list_files,
    look,
)
from .warm import dirs_of as _dirs_of

if TYPE_CHECKING:
    from .warm import Answer

log = logging.getLogger(__name__)


SKIP_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        "node_modules",
        ".venv",
        "venv",
        "env",
        ".tox",
        ".nox",
        "__pycache__",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        "build",
        "dist",
        "site",
        "_build",
        ".tracegraph",
        "target",
    }
)


@dataclass(frozen=True)
class FileIndex:
    """Every file of the tree (POSIX, relative) and the Markdown documents among them.

    ``aliases`` maps each symbolic link inside the root whose target is a listed file or folder
    inside the root to that target (both relative): the link is another name for it, not a
    document of its own. ``addresses`` is what config, git and the files at the root say of
    the repository's web addresses (links may add more once documents are parsed).
    """

    root: Path
    files: frozenset[str]
    documents: tuple[str, ...]
    dirs: frozenset[str]
    aliases: Mapping[str, str] = field(default_factory=dict)
    addresses: KnownAddresses = field(default_factory=KnownAddresses)
    #: Folders that could not be listed, with why (sorted): their files are unknown.
    unreadable: tuple[tuple[str, str], ...] = ()
    #: Where the root stood in git when it was listed (None: not asked).
    git: GitPlace | None = None


@dataclass(frozen=True)
class FileData:
    """One document's bytes, or why they could not be read (never both)."""

    path: str
    data: bytes | None
    error: str | None = None
    size: int = 0
    mtime_ns: int = 0


def crawl(
    root: Path,
    config: Config,
    stats: dict[str, tuple[int, int, int, int]] | None = None,
    seen: Seen | None = None,
) -> FileIndex:
    """List the files under ``root`` and pick the Markdown documents (sorted); ``stats``
    collects (size, mtime_ns, ctime_ns, mode) of each listed file where the listing took an
    ``lstat`` (git's), so that the result cache's tree state does not stat every file again;
    ``seen``: what this run asked git and saw of the files already (``warm.look``)."""
    if not root.exists():
        raise InputError(f"{root}: no such file or directory")
    if not root.is_dir():
        raise InputError(f"{root}: not a directory (give the folder to scan)")
    links: list[str] = []
    # One ``git rev-parse`` says where the root stands in git for the whole run: whether the
    # root is the work tree's top (never ignored itself), the prefix the repository's addresses
    # need, HEAD for TG503's key (``FileIndex.git``).
    # Without a stamp's ``seen``, the listing and the remote run beside ``rev-parse``
    # (``warm.look``); the remote only where the addresses may need it.
    # Without ``stats`` to collect, only each listed name's kind is read (no stamp is made).
    asked = seen or look(
        root, "", crawling=True, remote=config.repository is None, stat_all=stats is not None
    )
    repo = probe_repository(root, asked.probe)
    prefix = None if repo.status == "not-git" else repo.prefix
    listed = _git_files(root, links, stats, top=prefix == "", seen=asked)
    found, unreadable = listed if listed is not None else _walk(root, links)
    # git lists in order: sorting what is sorted takes a pass, sorting a set a real sort.
    files = sorted(found)
    every = frozenset(files)
    if len(every) != len(files):  # a name listed twice (an unmerged path)
        files = list(dict.fromkeys(files))
    dirs = _dirs_of(files)
    origin: str | None = ASK_GIT  # the remote's URL, asked when the addresses need it
    if seen is not None:
        seen.witness(dirs)  # before the links and marker folders are read for this run
    if asked.remote is not None:
        origin = _origin(asked.remote)
    aliases = _aliases(root, links, every, dirs)
    is_document = _document_test(config.include, config.exclude)
    if aliases:
        documents = tuple(p for p in files if p not in aliases and is_document(p))
    else:
        documents = tuple(filter(is_document, files))
    return FileIndex(
        root=root,
        files=every,
        documents=documents,
        dirs=dirs,
        aliases=aliases,
        addresses=find_addresses(
            root,
            config.repository,
            _declared(root, every, config),
            prefix=prefix,
            origin=origin,
        ),
        unreadable=tuple(sorted(set(unreadable))),
        git=repo,
    )


def with_files(
    index: FileIndex, config: Config, removed: Iterable[str], added: Iterable[str]
) -> FileIndex:
    """``index`` as it would be with ``removed`` files gone and ``added`` ones present (the
    tree at another revision); aliases and unreadable folders stay as they are."""
    files = sorted((index.files - frozenset(removed)) | frozenset(added))
    is_document = _document_test(config.include, config.exclude)
    documents = tuple(p for p in files if p not in index.aliases and is_document(p))
    return replace(index, files=frozenset(files), documents=documents, dirs=_dirs_of(files))


def _declared(root: Path, listed: frozenset[str], config: Config) -> list[tuple[str, str]]:
    """(address, file) for each file at the root that declares the repository's address
    (``book.toml``, ``package.json``...); read like a config file (at most
    ``MAX_CONFIG_BYTES``), and only when the config does not set ``repository`` itself."""
    if config.repository is not None:
        return []
    limit = min(config.limits.max_file_bytes, MAX_CONFIG_BYTES)
    out = []
    for name in DECLARING_FILES:
        if name not in listed:
            continue
        data = read_document(root, name, limit).data
        address = declared_address(name, data) if data is not None else None
        if address is not None:
            out.append((address, name))
    return out


def _aliases(
    root: Path, links: list[str], files: frozenset[str], dirs: frozenset[str]
) -> dict[str, str]:
    """Symbolic links whose real target is a listed file or a folder of listed files, inside
    the root: link -> target. Links out of the root, dangling links, loops and links to files
    the listing leaves out (ignored, skipped) are not aliases and stay as they are."""
    if not links:
        return {}
    real_root = os.path.realpath(root)
    out: dict[str, str] = {}
    for link in links:
        try:
            real = os.path.realpath(os.path.join(root, link), strict=True)
        except (OSError, ValueError):  # dangling, a loop, unreadable
            continue
        if real == real_root:
            target = ""
        elif real.startswith(real_root + os.sep):
            target = PurePosixPath(*Path(real[len(real_root) + 1 :]).parts).as_posix()
        else:
            continue
        if target != link and (target in files or (target in dirs and target not in files)):
            out[link] = target
    return out


#: How git (LC_ALL=C) says it could not list a folder of untracked files.
_GIT_UNREADABLE = re.compile(rb"could not open directory '(.*?)/?': (.*)")


def _git_files(
    root: Path,
    links: list[str] | None = None,
    stats: dict[str, tuple[int, int, int, int]] | None = None,
    *,
    top: bool = False,
    seen: Seen | None = None,
) -> tuple[list[str], list[tuple[str, str]]] | None:
    """Tracked and untracked-but-not-ignored files and the folders git could not list, or None
    when not in a git work tree; ``links`` collects the symbolic links among the files,
    ``stats`` the ``lstat`` of each file listed under its listed name; ``top``: the root is
    known to be the work tree's top, which git never ignores; ``seen``: the listing and its
    ``lstat``s when this run has them."""
    answer = seen.listing if seen is not None else None
    if answer is None:
        answer = ask_git(root, LIST_ARGS, LIST_TIMEOUT)
    if isinstance(answer, GitError):
        log.warning("%s: %s; listing the folders instead", root, answer)
        return None
    if answer.returncode != 0:
        _explain_refusal(root, answer.stderr)
        return None
    if not top and _is_ignored(root):
        return None
    listed = seen.listed if seen is not None and seen.listing is answer else None
    if listed is None or (stats is not None and not listed.complete):
        listed = list_files(root, answer.stdout, stat_all=stats is not None)
    if links is not None:
        links += listed.links
    if stats is not None:
        stats.update(listed.stats)
    unreadable = [
        (display_name(os.fsdecode(m.group(1))), m.group(2).decode("utf-8", "replace").strip())
        for m in _GIT_UNREADABLE.finditer(answer.stderr)
    ]
    return listed.files, unreadable


def _origin(answer: Answer) -> str | None:
    """The remote's URL in git's answer to ``remote get-url origin`` (None: no such remote)."""
    if isinstance(answer, GitError) or answer.returncode != 0:
        return None
    return answer.stdout.decode("utf-8", "replace").strip()


def _is_ignored(root: Path) -> bool:
    """Whether git ignores the root itself (a generated or vendored tree): then the listing
    would be empty, and the user asked for that tree explicitly, so it is walked instead."""
    try:
        proc = run_git(root, "check-ignore", "-q", ".", timeout=LIST_TIMEOUT)
    except GitError:
        return False
    return proc.returncode == 0


def _explain_refusal(root: Path, stderr: bytes) -> None:
    """Say why git's listing is not used when git refused the repository on purpose (owned by
    another user, an embedded bare repository): the walk that replaces it also lists ignored
    files. Outside a work tree there is nothing to say."""
    message = os.fsdecode(stderr).strip()
    if "dubious ownership" in message:
        log.warning(
            "%s: git refuses this repository (owned by another user); listing the folders "
            "instead, ignored files included (add it to safe.directory in your own git config "
            "to use git's listing)",
            root,
        )
    elif "safe.bareRepository" in message:
        log.warning("%s: an embedded bare repository; listing the folders instead", root)


def _walk(root: Path, links: list[str] | None = None) -> tuple[list[str], list[tuple[str, str]]]:
    """Every file below ``root`` (symbolic links listed, never followed), skipping VCS folders,
    virtualenvs and build output, and the folders that could not be listed (with why);
    ``links`` collects the symbolic links among the files. Iterative: a tree 1,500 folders
    deep is no deeper for Python than a flat one."""
    out: list[str] = []
    unreadable: list[tuple[str, str]] = []
    pending = [(os.fspath(root), "")]
    while pending:
        folder, rel_dir = pending.pop()
        try:
            with os.scandir(folder) as entries:
                found = list(entries)
        except OSError as exc:
            if not rel_dir:
                raise InputError(f"{root}: cannot list the folder: {reason(exc)}") from None
            unreadable.append((display_name(rel_dir), reason(exc)))
            continue
        for entry in found:
            name = entry.name
            rel = f"{rel_dir}/{name}" if rel_dir else name
            if entry.is_symlink():
                out.append(display_name(rel))
                if links is not None:
                    links.append(out[-1])
            elif entry.is_dir(follow_symlinks=False):
                if (
                    name not in SKIP_DIRS
                    and not name.endswith(".egg-info")
                    and not os.path.exists(os.path.join(entry.path, "pyvenv.cfg"))
                ):
                    pending.append((entry.path, rel))
            else:
                out.append(display_name(rel))
    return out, unreadable


def matches_glob(path: str, pattern: str) -> bool:
    """Whether a relative POSIX path matches a glob; ``**`` spans folders and a pattern that
    names a folder covers everything below it.

    >>> matches_glob("docs/a.md", "**/*.md"), matches_glob("x.md/b.txt", "**/*.md")
    (True, True)
    >>> matches_glob("docs/a.mdx", "**/*.md"), matches_glob("vendor/x/y.md", "vendor")
    (False, True)
    """
    return _glob_test(pattern)(path)


_WILDCARDS = frozenset("*?[/")


@lru_cache(maxsize=1024)
def _glob_test(pattern: str) -> Callable[[str], bool]:
    """The test ``matches_glob`` applies for ``pattern``: the file-suffix form that include
    globs take (``**/*.md``) as string tests (the regexes cost microseconds per file, and every
    listed file meets every include glob on every run), any other glob through its regexes."""
    suffix = _glob_suffix(pattern)
    if suffix is not None:
        # (?:.*/)?[^/]*SUFFIX: the path ends with SUFFIX; below such a folder: SUFFIX/ inside.
        inside = suffix + "/"
        return lambda path: path.endswith(suffix) or inside in path
    pattern = pattern.strip("/")
    whole, below = glob_regex(pattern), glob_regex(pattern + "/**")
    return lambda path: bool(whole.match(path)) or below.match(path) is not None


def _glob_suffix(pattern: str) -> str | None:
    """SUFFIX when ``pattern`` is ``**/*SUFFIX`` with no wildcard in SUFFIX, else None."""
    pattern = pattern.strip("/")
    suffix = pattern.removeprefix("**/*")
    if suffix != pattern and suffix and not _WILDCARDS.intersection(suffix):
        return suffix
    return None


def _document_test(include: tuple[str, ...], exclude: tuple[str, ...]) -> Callable[[str], bool]:
    """Whether a path is a document: it matches an include glob and no exclude glob (each
    glob's test looked up once, not per file: this runs for every file of the tree)."""
    suffixes = tuple(map(_glob_suffix, include))
    if not exclude and suffixes and None not in suffixes:  # the usual ``**/*.md`` globs
        ends = tuple(s for s in suffixes if s is not None)
        inside = tuple(s + "/" for s in ends)
        if len(inside) == 1:  # one suffix: two string tests, no generator per file
            within = inside[0]
            return lambda path: path.endswith(ends) or within in path
        return lambda path: path.endswith(ends) or any(i in path for i in inside)
    wanted = tuple(map(_glob_test, include))
    unwanted = tuple(map(_glob_test, exclude))

    def test(path: str) -> bool:
        return any(t(path) for t in wanted) and not any(t(path) for t in unwanted)

    return test


def read_document(
    root: Path, rel: str, max_bytes: int, folders: RealFolders | None = None
) -> FileData:
    """Read one document's bytes once; never raises, never blocks, never leaves the root.

    The path is resolved (symlinks followed) and must stay inside ``root``; only regular files
    are read (a FIFO or device named ``x.md`` would block or never end), the final component is
    opened without following links (O_NOFOLLOW) and non-blocking, and the size is checked on
    the open descriptor so that a file swapped or grown after the crawl is still caught.
    """
    if "\ufffd" in rel and not (root / rel).is_symlink() and not (root / rel).exists():
        return FileData(rel, None, "file name is not valid UTF-8 (shown with U+FFFD); rename it")
    real = inside_root(root, rel) if folders is None else inside_root_fast(root, rel, folders)
    if real is None:
        target = "symbolic link points" if (root / rel).is_symlink() else "path resolves"
        return FileData(rel, None, f"{target} outside the repository root; not read")
    try:
        data, size, mtime_ns = read_limited(real, max_bytes, "limits.max_file_bytes")
    except Unreadable as exc:
        return FileData(rel, None, str(exc), exc.size, exc.mtime_ns)
    return FileData(rel, data, None, size, mtime_ns)


# --- wiki-style notes trees ---------------------------------------------------------------------

#: Folders and files that mark a wiki-style notes tree, whose ``[[...]]`` are wikilinks.
assert all(name.startswith(".") for name in WIKI_MARKER_FOLDERS)  # find_wiki_scope's filter
WIKI_MARKER_FILES = {".dendron.yml": "a Dendron workspace"}
assert all(name.startswith(".") for name in WIKI_MARKER_FILES)  # find_wiki_scope's filter
MKDOCS_CONFIGS = ("mkdocs.yml", "mkdocs.yaml")
#: mkdocs plugins and Markdown extensions that read ``[[...]]`` as links (wikilinks, roamlinks,
#: ezlinks, obsidian-*, Python-Markdown's ``wikilinks``, ``mdx_wikilink_plus``).
_WIKI_PLUGIN = re.compile(r"wiki_?links?|roamlinks|ezlink|obsidian", re.I)


@dataclass(frozen=True)
class WikiScope:
    """Where ``[[...]]`` is read as a wikilink, and why: folders (POSIX, relative to the root;
    "" is the whole tree), each with the reason, sorted. Empty: nowhere (GitHub's rule)."""

    folders: tuple[tuple[str, str], ...] = ()
    configured: bool | None = None

    @property
    def paths(self) -> tuple[str, ...]:
        """The folders alone."""
        return tuple(folder for folder, _reason in self.folders)

    def describe(self) -> str:
        """One line for ``tracegraph scan``: whether wikilinks are on, where and why."""
        if self.configured is False:
            return "off (wikilinks: false in the config)"
        if not self.folders:
            return "off (GitHub renders none, and no wiki markers were found)"
        where = [
            f"{folder + '/' if folder else 'the whole tree'} ({why})"
            for folder, why in self.folders
        ]
        return "on in " + "; ".join(where)


def find_wiki_scope(
    root: Path,
    files: frozenset[str],
    setting: bool | None,
    max_bytes: int,
    dirs: frozenset[str] | None = None,
) -> WikiScope:
    """Where wikilinks are on: everywhere or nowhere when the config says so (``setting``),
    else in each folder that holds a wiki marker (``.obsidian/``, ``.foam/``, ``.dendron.yml``,
    an mkdocs config with a wikilink plugin). Marker folders are also found when git ignores
    them (Obsidian's folder often is), by one ``lstat`` per folder of the tree."""
    if setting is True:
        return WikiScope((("", "wikilinks: true in the config"),), True)
    if setting is False:
        return WikiScope((), False)
    found: dict[str, str] = {}
    # Every marker's name starts with a dot but mkdocs': the few paths that may hold one, by
    # string tests alone (this runs over every file of the tree).
    maybe = [p for p in files if "/." in p or p[:1] == "." or "mkdocs.y" in p]
    for path in sorted(maybe):
        dotted = path.startswith(".") or "/." in path
        if not dotted and not path.endswith(MKDOCS_CONFIGS):
            continue
        folder, _sep, name = path.rpartition("/")
        if name in WIKI_MARKER_FILES:
            found.setdefault(folder, f"{path}: {WIKI_MARKER_FILES[name]}")
        elif name in MKDOCS_CONFIGS:
            docs = _mkdocs_wiki_docs(root, path, max_bytes)
            if docs is not None:
                found.setdefault(docs, f"{path}: an mkdocs site with a wikilink plugin")
        if not dotted:
            continue
        for marker, what in WIKI_MARKER_FOLDERS.items():
            at = ("/" + path).find(f"/{marker}/")
            if at >= 0:
                found.setdefault(path[: max(at - 1, 0)], f"{path[:at]}{marker}/: {what}")
    for folder in _dirs_of(list(files)) if dirs is None else dirs:
        for marker, what in WIKI_MARKER_FOLDERS.items():
            marker_path = f"{folder}/{marker}" if folder else marker
            try:
                is_dir = stat.S_ISDIR(os.lstat(root / marker_path).st_mode)
            except (OSError, ValueError):
                continue
            if is_dir:
                found.setdefault(folder, f"{marker_path}/: {what}")
    # A folder inside another wiki folder adds nothing.
    kept = sorted(
        (folder, reason)
        for folder, reason in found.items()
        if not any(
            other != folder and (not other or folder.startswith(other + "/")) for other in found
        )
    )
    return WikiScope(tuple(kept), None)


def _mkdocs_wiki_docs(root: Path, rel: str, max_bytes: int) -> str | None:
    """The docs folder of an mkdocs config that turns on a wikilink plugin or extension, else
    None. The YAML is only composed (no tag is constructed: mkdocs configs use Python tags)."""
    import yaml

    # A config file: at most MAX_CONFIG_BYTES, as tracegraph's own (YAML is parsed in Python).
    data = read_document(root, rel, min(max_bytes, MAX_CONFIG_BYTES))
    if data.data is None:
        return None
    try:
        node = yaml.compose(data.data.decode("utf-8", "replace"), Loader=yaml.SafeLoader)
    except (yaml.YAMLError, RecursionError):
        return None
    if not isinstance(node, yaml.MappingNode):
        return None
    docs_dir = "docs"
    wiki = False
    for key, value in node.value:
        if not isinstance(key, yaml.ScalarNode):
            continue
        if key.value == "docs_dir" and isinstance(value, yaml.ScalarNode):
            docs_dir = str(value.value)
        elif key.value in ("plugins", "markdown_extensions"):
            items = value.value if isinstance(value, yaml.SequenceNode) else [value]
            for item in items:
                names = [item] if isinstance(item, yaml.ScalarNode) else []
                if isinstance(item, yaml.MappingNode):
                    names = [k for k, _v in item.value]
                wiki = wiki or any(
                    isinstance(n, yaml.ScalarNode) and _WIKI_PLUGIN.search(str(n.value))
                    for n in names
                )
    if not wiki:
        return None
    base = rel.rpartition("/")[0]
    docs = PurePosixPath(docs_dir.replace("\\", "/"))
    if docs.is_absolute() or ".." in docs.parts:
        docs = PurePosixPath("docs")
    joined = PurePosixPath(base, docs).as_posix() if base else docs.as_posix()
    return "" if joined == "." else joined


def find_sidecars(index: FileIndex, config: Config) -> dict[str, str]:
    """Document -> its sidecar metadata file: for a document that a type with a ``sidecar``
    claims by its ``paths``, the file of that name beside it, when the tree has one.

    >>> from tracegraph.config import TypeSpec, Config
    >>> kep = TypeSpec("KEP", paths=("keps/*/*/README.md",), sidecar="kep.yaml")
    >>> files = frozenset({"keps/sig-a/1-x/README.md", "keps/sig-a/1-x/kep.yaml"})
    >>> find_sidecars(FileIndex(Path("."), files, ("keps/sig-a/1-x/README.md",), frozenset()),
    ...               Config(types=(kep,)))
    {'keps/sig-a/1-x/README.md': 'keps/sig-a/1-x/kep.yaml'}
    """
    owners = [
        (spec.paths, spec.sidecar)
        for spec in config.scoped + config.types
        if spec.sidecar and spec.paths
    ]
    if not owners:
        return {}
    found: dict[str, str] = {}
    for path in index.documents:
        for globs, name in owners:
            if any(glob_regex(g).match(path) for g in globs):
                folder = path.rpartition("/")[0]
                candidate = f"{folder}/{name}" if folder else name
                if candidate in index.files:
                    found[path] = candidate
                break
    return found


def read_head(root: Path, rel: str, size: int = 4096) -> str:
    """The start of a document as text (for recognising a convention), "" when unreadable."""
    data = read_document(root, rel, 10 * 1024 * 1024)
    if data.data is None:
        return ""
    return data.data[:size].decode("utf-8", "replace")
