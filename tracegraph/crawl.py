"""Which files make up the repository, and reading them: the only module that touches the tree.

Inside a git work tree the listing is ``git ls-files -co --exclude-standard`` (what the team
commits, plus new files it has not ignored); elsewhere a walk that skips VCS folders, virtualenvs
and build output. No path outside the root is ever opened: symlinks are resolved and checked.
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .config import Config
from .errors import InputError
from .gitcmd import GitError, run_git
from .safefs import Unreadable, inside_root, read_limited, reason

log = logging.getLogger(__name__)

#: git lists even a very large tree in about a second; longer means something is in its way
#: (a FIFO where git reads), and the folders are walked instead.
LIST_TIMEOUT = 15.0

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
    """Every file of the tree (POSIX, relative) and the Markdown documents among them."""

    root: Path
    files: frozenset[str]
    documents: tuple[str, ...]
    dirs: frozenset[str]
    #: Folders that could not be listed, with why (sorted): their files are unknown.
    unreadable: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class FileData:
    """One document's bytes, or why they could not be read (never both)."""

    path: str
    data: bytes | None
    error: str | None = None
    size: int = 0
    mtime_ns: int = 0


def crawl(root: Path, config: Config) -> FileIndex:
    """List the files under ``root`` and pick the Markdown documents (sorted)."""
    if not root.exists():
        raise InputError(f"{root}: no such file or directory")
    if not root.is_dir():
        raise InputError(f"{root}: not a directory (give the folder to scan)")
    listed = _git_files(root)
    found, unreadable = listed if listed is not None else _walk(root)
    files = sorted(set(found))
    documents = tuple(p for p in files if _is_document(p, config.include, config.exclude))
    return FileIndex(
        root=root,
        files=frozenset(files),
        documents=documents,
        dirs=_dirs_of(files),
        unreadable=tuple(sorted(set(unreadable))),
    )


#: How git (LC_ALL=C) says it could not list a folder of untracked files.
_GIT_UNREADABLE = re.compile(rb"could not open directory '(.*?)/?': (.*)")


def _git_files(root: Path) -> tuple[list[str], list[tuple[str, str]]] | None:
    """Tracked and untracked-but-not-ignored files and the folders git could not list, or None
    when not in a git work tree."""
    try:
        proc = run_git(root, "ls-files", "-co", "--exclude-standard", "-z", timeout=LIST_TIMEOUT)
    except GitError as exc:
        log.warning("%s: %s; listing the folders instead", root, exc)
        return None
    if proc.returncode != 0:
        _explain_refusal(root, proc.stderr)
        return None
    if _is_ignored(root):
        return None
    out: list[str] = []
    for raw in proc.stdout.split(b"\0"):
        if not raw:
            continue
        name = os.fsdecode(raw)
        full = root / name
        # ls-files lists deleted-but-tracked files too; only what exists counts.
        if full.is_symlink() or full.is_file():
            out.append(_display_name(name))
    unreadable = [
        (_display_name(os.fsdecode(m.group(1))), m.group(2).decode("utf-8", "replace").strip())
        for m in _GIT_UNREADABLE.finditer(proc.stderr)
    ]
    return out, unreadable


def _display_name(name: str) -> str:
    """A file name as valid Unicode: undecodable bytes (kept by ``os.fsdecode`` as lone
    surrogates, which no output format can encode) become U+FFFD; reading such a document
    then reports that its name is not UTF-8."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return name


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


def _walk(root: Path) -> tuple[list[str], list[tuple[str, str]]]:
    """Every file below ``root`` and the folders that could not be listed (with why).

    Iterative, so a tree 1,500 folders deep is no deeper for Python than a flat one; symbolic
    links to folders are not followed, and VCS, virtualenv and build folders are skipped.
    """
    files: list[str] = []
    unreadable: list[tuple[str, str]] = []
    stack = [""]
    while stack:
        rel_dir = stack.pop()
        try:
            with os.scandir(os.path.join(root, rel_dir) if rel_dir else root) as listing:
                entries = list(listing)
        except OSError as exc:
            if not rel_dir:
                raise InputError(f"{root}: cannot list the folder: {reason(exc)}") from None
            unreadable.append((_display_name(rel_dir), reason(exc)))
            continue
        folders = []
        for entry in entries:
            rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
            try:
                is_folder = entry.is_dir()
            except OSError:
                is_folder = False
            if not is_folder:
                files.append(_display_name(rel))
            elif not entry.is_symlink() and not _skipped_folder(entry.name, entry.path):
                folders.append(rel)
        stack.extend(sorted(folders, reverse=True))
    return files, unreadable


def _skipped_folder(name: str, path: str) -> bool:
    return (
        name in SKIP_DIRS
        or name.endswith(".egg-info")
        or os.path.exists(os.path.join(path, "pyvenv.cfg"))
    )


def _dirs_of(files: list[str]) -> frozenset[str]:
    dirs: set[str] = {""}
    for path in files:
        parent = path.rpartition("/")[0]
        while parent and parent not in dirs:
            dirs.add(parent)
            parent = parent.rpartition("/")[0]
    return frozenset(dirs)


@lru_cache(maxsize=256)
def _glob_regex(pattern: str) -> re.Pattern[str]:
    """Translate a glob with ``**`` (any folders, possibly none) into a regex."""
    parts: list[str] = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            parts.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            parts.append(".*")
            i += 2
        elif pattern[i] == "*":
            parts.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            parts.append("[^/]")
            i += 1
        else:
            parts.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(parts) + r"\Z")


def matches_glob(path: str, pattern: str) -> bool:
    """Whether a relative POSIX path matches a glob; ``**`` spans folders and a pattern that
    names a folder covers everything below it."""
    pattern = pattern.strip("/")
    if _glob_regex(pattern).match(path):
        return True
    return _glob_regex(pattern + "/**").match(path) is not None


def _is_document(path: str, include: tuple[str, ...], exclude: tuple[str, ...]) -> bool:
    if not any(matches_glob(path, g) for g in include):
        return False
    return not any(matches_glob(path, g) for g in exclude)


def read_document(root: Path, rel: str, max_bytes: int) -> FileData:
    """Read one document's bytes once; never raises, never blocks, never leaves the root.

    The path is resolved (symlinks followed) and must stay inside ``root``; only regular files
    are read (a FIFO or device named ``x.md`` would block or never end), the final component is
    opened without following links (O_NOFOLLOW) and non-blocking, and the size is checked on
    the open descriptor so that a file swapped or grown after the crawl is still caught.
    """
    if "\ufffd" in rel and not (root / rel).is_symlink() and not (root / rel).exists():
        return FileData(rel, None, "file name is not valid UTF-8 (shown with U+FFFD); rename it")
    real = inside_root(root, rel)
    if real is None:
        target = "symbolic link points" if (root / rel).is_symlink() else "path resolves"
        return FileData(rel, None, f"{target} outside the repository root; not read")
    try:
        data, size, mtime_ns = read_limited(real, max_bytes, "limits.max_file_bytes")
    except Unreadable as exc:
        return FileData(rel, None, str(exc), exc.size, exc.mtime_ns)
    return FileData(rel, data, None, size, mtime_ns)
