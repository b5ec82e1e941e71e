"""The repository's own web address, so that links written as full URLs into it are internal.

Design documents often link their siblings by URL (``https://github.com/OWNER/REPO/blob/master/
text/0001-x.md``) instead of by relative path. With the repository's address known (config key
``repository``, else the git remote ``origin``), such a URL is resolved like a relative link:
an edge when the file exists, TG101 when it does not, TG102 for a bad ``#fragment``. Only file
and folder views count (``blob``, ``tree``, ``raw``, ``blame``; GitLab's ``-/blob`` too, and
``raw.githubusercontent.com`` for GitHub); pull requests, issues, commits and the home page are
web pages, so they stay external. A link pinned to a commit SHA is a permalink: it names what the
file said then, so it is an edge when the path still exists and is never reported.
"""

from __future__ import annotations

import posixpath
import re
import subprocess
from dataclasses import dataclass
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
class Repository:
    """The repository's web address (``https://github.com/owner/repo``), the folder of the
    scanned root inside the repository (``""`` at its top) and where the address came from."""

    url: str
    prefix: str = ""
    source: str = "config"

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

    @cached_property
    def _candidate(self) -> re.Pattern[str]:
        """What every URL into this repository starts with (checked fully by ``locate``)."""
        hosts = [re.escape(self.host.removeprefix("www."))]
        if self.host == "github.com":
            hosts.append(re.escape("raw.githubusercontent.com"))
        path = "/".join(re.escape(s) for s in self.segments)
        return re.compile(
            rf"https?://(?:[^/@]*@)?(?:www\.)?(?:{'|'.join(hosts)})/{path}(?:[/?#]|$)", re.I
        )

    def _inside(self, repo_path: str) -> str | None:
        """``repo_path`` relative to the scanned root, or None when it lies outside it."""
        if repo_path == ".." or repo_path.startswith("../"):
            return None
        if not self.prefix:
            return repo_path
        if repo_path == self.prefix:
            return ""
        if repo_path.startswith(self.prefix + "/"):
            return repo_path[len(self.prefix) + 1 :]
        return None


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


def find_repository(root: Path, setting: str | bool | None) -> Repository | None:
    """The repository ``root`` belongs to: the configured address (``setting``, already
    validated), or the git remote ``origin``; None when there is none or ``setting`` is false.
    The scanned root's folder inside the repository comes from git (top level when not in git).
    """
    if setting is False:
        return None
    prefix = _git_text(root, "rev-parse", "--show-prefix")
    if isinstance(setting, str):
        url = web_address(setting)
        if url is None:
            return None
        return Repository(url, (prefix or "").strip("/"), "config")
    if prefix is None:
        return None
    remote = _git_text(root, "remote", "get-url", "origin")
    url = web_address(remote) if remote else None
    if url is None:
        return None
    return Repository(url, prefix.strip("/"), "git remote origin")


def _git_text(root: Path, *args: str) -> str | None:
    """Git's one-line answer, or None when git fails (not a work tree, no such remote)."""
    try:
        proc = run_git(root, *args, timeout=30.0)
    except (OSError, subprocess.SubprocessError, GitError):
        return None
    if proc.returncode != 0:
        return None
    return proc.stdout.decode("utf-8", "replace").strip()
