"""Atomic file writes: a temporary file in the same folder, fsync, then ``os.replace``.

An interrupted run therefore leaves the previous file intact (DESIGN.md section 8).
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import OutputError

if TYPE_CHECKING:
    from collections.abc import Iterable


def write_atomic(path: str | Path, content: str | bytes | Iterable[str] | Iterable[bytes]) -> None:
    """Replace ``path`` with ``content`` in one step (text is written as UTF-8; an iterable
    of text or byte pieces is written as it comes, never held whole).

    Any failure (no such folder, permission, disk full) leaves the previous file as it was,
    removes the temporary file and raises OutputError naming the file.
    """
    target = Path(path)
    if isinstance(content, str):
        pieces: Iterable[bytes] = (content.encode("utf-8", "replace"),)
    elif isinstance(content, bytes):
        pieces = (content,)
    else:
        pieces = (
            piece if isinstance(piece, bytes) else piece.encode("utf-8", "replace")
            for piece in content
        )
    folder = target.parent if str(target.parent) else Path(".")
    try:
        _write(target, folder, pieces)
    except OSError as exc:
        reason = exc.strerror or str(exc) or type(exc).__name__
        raise OutputError(f"{target}: cannot write: {reason}") from exc


def _write(target: Path, folder: Path, pieces: Iterable[bytes]) -> None:
    if _is_special(target):  # ``-o /dev/null``, a FIFO: renaming onto it would replace the device
        with open(target, "wb") as handle:
            handle.writelines(pieces)
        return
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = _create_temporary(folder, target.name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.writelines(pieces)
            handle.flush()
            os.fsync(handle.fileno())
        if target.exists():
            with contextlib.suppress(OSError):
                os.chmod(tmp, target.stat().st_mode & 0o777)
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


#: How ``tempfile.mkstemp`` opens its file: created here or failing, never through a link.
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL
_CREATE |= getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)


def _create_temporary(folder: Path, name: str) -> tuple[int, str]:
    """Create ``folder/.NAME.<random>.tmp`` for writing (mode 0600), as
    ``tempfile.mkstemp(prefix=".NAME.", suffix=".tmp", dir=folder)`` does, without importing
    tempfile, shutil and random: 3 ms of every run that writes its state (docs/decisions.md)."""
    for _ in range(100):  # tempfile.TMP_MAX tries
        tmp = os.path.join(folder, f".{name}.{os.urandom(6).hex()}.tmp")
        try:
            return os.open(tmp, _CREATE, 0o600), tmp
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no unused temporary file name", str(folder))


#: Where a symbolic link to a device is the operator's own (``-o /dev/stdout``, ``/dev/fd/3``).
_DEVICE_FOLDERS = ("/dev/", "/proc/")


def _is_special(target: Path) -> bool:
    """Whether ``target`` exists and is neither a regular file nor a folder (a device, a pipe,
    a socket): such a target is written into, not replaced.

    A symbolic link is followed to a device only under /dev or /proc (``-o /dev/stdout``); a
    link elsewhere, such as one a scanned repository planted at ``report.html`` pointing at a
    terminal or a FIFO, is replaced like a file, never written through."""
    try:
        mode = target.lstat().st_mode
        if stat.S_ISLNK(mode) and os.path.abspath(target).startswith(_DEVICE_FOLDERS):
            mode = target.stat().st_mode
    except (OSError, ValueError):
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode) or stat.S_ISLNK(mode))
