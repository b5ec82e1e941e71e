"""File access that a scanned repository cannot turn against the machine it runs on.

Everything tracegraph reads from the repository (documents, the config file, templates) and
every file of its own state there (``.tracegraph/``: cache, history) goes through here:

- ``inside_root``: the real path (symlinks resolved) must stay inside the root;
- ``read_limited``: only a regular file is read (a FIFO or device would block or never end), the
  final component is opened without following a link, and no more than a limit is read;
- ``state_path``: each folder on the way to a state file is a real folder inside the root
  (created when missing, never a symbolic link), and the file and SQLite's companions are
  regular files with one link, or absent, so nothing is ever read or written through a link
  out of the root.
"""

from __future__ import annotations

import contextlib
import errno
import os
import posixpath
import stat
from pathlib import Path

#: SQLite writes these next to a database; each must be as safe as the database itself.
SQLITE_COMPANIONS = ("-journal", "-wal", "-shm")


class Unreadable(Exception):
    """A file that is not read; the message says why (one line, no path)."""

    def __init__(self, reason: str, size: int = 0, mtime_ns: int = 0) -> None:
        super().__init__(reason)
        self.size = size
        self.mtime_ns = mtime_ns


class UnsafeState(Exception):
    """tracegraph's state folder (or a file in it) is not a plain file inside the root."""


def inside_root(root: Path, rel: str) -> Path | None:
    """The real path of ``rel`` when it stays inside ``root`` (symlinks resolved), else None."""
    try:
        real_root = Path(os.path.realpath(root))
        real = Path(os.path.realpath(root / rel))
    except (OSError, ValueError):
        return None
    if real == real_root or real_root in real.parents:
        return real
    return None


#: Real paths of folders (relative path -> real path, None when outside the root), filled by
#: ``inside_root_fast`` during one batch of reads and dropped after it. Strings, without a
#: trailing slash (the root folder ``/`` is ""), joined to a file's name by ``+``.
RealFolders = dict[str, str | None]

_NOT_NAMES = ("", ".", "..")


def inside_root_fast(root: Path, rel: str, folders: RealFolders) -> str | Path | None:
    """What ``inside_root`` returns, resolving each folder once per batch instead of every
    path in full (two ``realpath`` walks per file were a fifth of the parse): a normalised
    ``rel`` whose last component is not a symbolic link lies where its folder's real path
    says. Anything else (a link, ``..``, a missing file) goes through ``inside_root``. The
    file is then opened without following a final link, as before; a folder swapped for a
    link during the batch is the same race as between ``inside_root`` and the open.

    The fast answer is a string (a ``Path`` built per file, and the normalisation of the whole
    path, cost more than the ``lstat``): 10,000 documents 0.050 -> 0.031 s."""
    folder, _, name = rel.rpartition("/")
    if name in _NOT_NAMES or rel.startswith("/"):
        return inside_root(root, rel)
    if folder in folders:  # only normalised folders are ever kept
        real_folder = folders[folder]
    elif folder and posixpath.normpath(folder) != folder:
        return inside_root(root, rel)
    else:
        real = inside_root(root, folder) if folder else _real(root)
        real_folder = folders[folder] = None if real is None else str(real).rstrip("/")
    if real_folder is None:
        return None
    path = real_folder + "/" + name
    try:
        mode = os.lstat(path).st_mode
    except (OSError, ValueError):
        return inside_root(root, rel)
    if stat.S_ISLNK(mode):
        return inside_root(root, rel)
    return path


def _real(root: Path) -> Path | None:
    try:
        return Path(os.path.realpath(root))
    except (OSError, ValueError):
        return None


def read_limited(path: str | Path, max_bytes: int, limit_name: str) -> tuple[bytes, int, int]:
    """The bytes of a regular file of at most ``max_bytes``, its size and mtime_ns.

    The final component is opened without following a link and without blocking, and the
    size is checked on the open descriptor (a file swapped or grown meanwhile is caught).
    Raises Unreadable (``limit_name`` names the setting in the message when too big).
    """
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except (OSError, ValueError) as exc:
        if isinstance(exc, OSError) and exc.errno == errno.ELOOP and os.path.islink(path):
            raise Unreadable("a symbolic link; not followed") from None
        raise Unreadable(f"cannot read file: {reason(exc)}") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise Unreadable("not a regular file (FIFO, device or folder); not read")
        if st.st_size > max_bytes:
            raise Unreadable(
                f"file is {st.st_size} bytes, over the limit {limit_name}={max_bytes}",
                st.st_size,
                st.st_mtime_ns,
            )
        # Never ask for more than the file holds: a read buffer is allocated at the size asked
        # for, whatever the file's size (a 300 MB limit cost 300 MB per file). Plain ``read``
        # calls on the descriptor: a buffered file object around it cost a third of the time.
        data = os.read(fd, min(max_bytes, st.st_size) + 1)
        # As long as fstat said (nearly always): all of it, without a second read to see the
        # end. Else a short read, or the file grew or shrank since fstat: read on to the end.
        while len(data) != st.st_size and len(data) <= max_bytes:
            more = os.read(fd, min(1 << 20, max_bytes + 1 - len(data)))
            if not more:
                break
            data += more
    except OSError as exc:
        raise Unreadable(f"cannot read file: {reason(exc)}") from None
    finally:
        os.close(fd)
    if len(data) > max_bytes:
        raise Unreadable(f"file is over the limit {limit_name}={max_bytes}", len(data))
    return data, st.st_size, st.st_mtime_ns


def reason(exc: BaseException) -> str:
    """An OS error in a few words ("symbolic link loop", "Permission denied")."""
    if isinstance(exc, OSError) and exc.errno == errno.ELOOP:
        return "symbolic link loop"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__


def state_path(root: Path, rel: str, *, create: bool) -> Path | None:
    """``root / rel`` for a file of tracegraph's own state, when it is safe to use.

    Every folder on the way must be a real folder (with ``create``, missing ones are made;
    without, a missing one gives None: there is no state yet). The file and its SQLite
    companions must be regular files with a single link, or absent. Raises UnsafeState,
    naming the offending path, for a symbolic link, a hard link or anything else.
    """
    current = root
    parts = rel.split("/")
    for part in parts[:-1]:
        current = current / part
        try:
            st = os.lstat(current)
        except FileNotFoundError:
            if not create:
                return None
            with contextlib.suppress(FileExistsError):
                os.mkdir(current)
            st = os.lstat(current)
        if not stat.S_ISDIR(st.st_mode):
            raise UnsafeState(f"{current}: {_kind(st.st_mode)}, not a folder")
    target = current / parts[-1]
    for candidate in (target, *(Path(f"{target}{suffix}") for suffix in SQLITE_COMPANIONS)):
        try:
            st = os.lstat(candidate)
        except FileNotFoundError:
            continue
        if not stat.S_ISREG(st.st_mode):
            raise UnsafeState(f"{candidate}: {_kind(st.st_mode)}, not a regular file")
        if st.st_nlink > 1:
            raise UnsafeState(f"{candidate}: a file with {st.st_nlink} hard links")
    return target


def _kind(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISREG(mode):
        return "a file"
    return "a FIFO, socket or device"
