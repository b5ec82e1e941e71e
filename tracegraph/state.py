"""The state folder, ``.tracegraph/``: the parse and result caches and the run history.

Like ``.pytest_cache`` and ``.ruff_cache``, it holds its own ``.gitignore`` (``*``), so it never
shows up in ``git status`` nor in the file listing of the next scan, wherever it is created.
"""

from __future__ import annotations

import contextlib
import logging
import os
import stat
import time
from pathlib import Path

from .safefs import UnsafeState, state_path

STATE_DIR = ".tracegraph"
#: The caches' folder (parse, results, graph, git's history, fingerprints, suspect links).
CACHE_DIR = f"{STATE_DIR}/cache"
GITIGNORE = "# Created by tracegraph: its caches and run history. Nothing here is tracked.\n*\n"


def make_state_dir(folder: Path) -> None:
    """Create ``folder`` (and its parents); the ``.tracegraph`` folder it is or sits in gets its
    ``.gitignore`` when it has none. A folder elsewhere (``--history /srv/h.db``) is only
    created."""
    folder.mkdir(parents=True, exist_ok=True)
    for candidate in (folder, *folder.parents):
        if candidate.name == STATE_DIR:
            if candidate.is_symlink():
                return  # never write through a link (the scanned tree may have planted it)
            # Created only where nothing is, and never through a link.
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
            with contextlib.suppress(OSError):  # there already, or a read-only folder
                fd = os.open(candidate / ".gitignore", flags, 0o644)
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    handle.write(GITIGNORE)
            return


log = logging.getLogger(__name__)
#: The warnings given in this process (each once; ``warm`` takes back those of its silent try).
WARNED: set[str] = set()


#: Roots (real paths) whose ``.tracegraph`` holds files that git tracks (``shipped_state``).
_SHIPPED: set[str] = set()


def shipped_state(root: Path) -> None:
    """Mark ``root``: git tracks files in its ``.tracegraph`` (it never tracks what tracegraph
    writes there: the folder ignores itself), so they came with the repository. No cache
    there is read or written in this process: a cache is trusted only when tracegraph wrote
    it (a shipped one could fake a history or findings, and ``marshal`` is not safe to load
    from anyone else)."""
    _SHIPPED.add(os.path.realpath(root))


def usable_state(root: Path, name: str, *, create: bool, wait: bool = True) -> bool:
    """Whether ``.tracegraph/cache/NAME`` may be used: every folder on the way real (made
    when ``create``), the file and its SQLite companions regular or absent. Never through a
    symbolic link out of the root: a repository that plants one gets no cache (one warning),
    nor when the repository ships files in ``.tracegraph`` (``shipped_state``). Every cache
    file is read and written only after this answered True, and, but for a hint that may be
    read as it is (``wait`` False: a file written atomically that decides nothing), only once
    no command's writes are still going on there (``await_writer``)."""
    if _SHIPPED and os.path.realpath(root) in _SHIPPED:
        _warn_once(
            f"{root / STATE_DIR}: git tracks files in it (they came with the repository): the "
            "cache is not used (tracegraph trusts only state it wrote; `git rm -r --cached "
            f"{STATE_DIR}` stops tracking them)"
        )
        return False
    try:
        path = state_path(root, f"{CACHE_DIR}/{name}", create=create)
    except UnsafeState as exc:
        _warn_once(f"{exc}: the cache is not used (tracegraph never uses its state through a link)")
        return False
    except OSError as exc:
        log.info("cache folder %s not usable (%s)", root / CACHE_DIR, exc)
        return False
    if path is None:
        return False
    if create:
        make_state_dir(path.parent)  # the .gitignore, now that no link is on the way
    if wait and os.path.abspath(root) not in _AWAITED:  # the folder is safe to look into now
        await_writer(root)
    return True


def _warn_once(message: str) -> None:
    if message not in WARNED:
        WARNED.add(message)
        log.warning("%s", message)


#: The lock a process writing a root's state after its command answered holds while it writes
#: (``behind.detach``), in the caches' folder.
WRITER_LOCK = "writer.lock"
#: How long a run waits for such a writer before it reads the state anyway (it would then only
#: find less stored than there will be: every state file is written atomically).
WRITER_WAIT_SECONDS = 10.0
#: How often the lock is tried meanwhile.
WRITER_POLL_SECONDS = 0.002
#: The roots (absolute paths) this process has waited for, or writes for itself.
_AWAITED: set[str] = set()


def await_writer(root: Path) -> None:
    """Wait until no process writes ``root``'s state behind a command that has already
    answered (``behind.detach``), so that a run begins from everything the run before it
    stored, as when those writes came before that command's exit; at most
    ``WRITER_WAIT_SECONDS``. Once per root and process (``usable_state`` asks it first)."""
    _AWAITED.add(os.path.abspath(root))
    try:
        import fcntl
    except ImportError:  # no flock (Windows): nothing is written behind an answer there
        return
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0) | os.O_CLOEXEC
    try:
        fd = os.open(os.path.join(root, CACHE_DIR, WRITER_LOCK), flags)
    except (OSError, ValueError):  # none: no write was ever left behind here
        return
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return
        deadline = time.monotonic() + WRITER_WAIT_SECONDS
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() > deadline:
                    log.info("%s: still locked; the state is read as it is", root / CACHE_DIR)
                    return
                time.sleep(WRITER_POLL_SECONDS)
    except OSError:
        return
    finally:
        os.close(fd)


def hold_writer_lock(root: Path) -> int | None:
    """Take ``root``'s writer lock for writes left behind an answer (``behind.detach``): its
    descriptor (the lock lasts while any process holds it open), or None when the lock
    cannot be had at once (another process writes there) or at all."""
    _AWAITED.add(os.path.abspath(root))
    try:
        import fcntl
    except ImportError:
        return None
    if not usable_state(root, WRITER_LOCK, create=True):
        return None
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | os.O_CLOEXEC
    try:
        fd = os.open(os.path.join(root, CACHE_DIR, WRITER_LOCK), flags, 0o644)
    except (OSError, ValueError):
        return None
    try:
        if stat.S_ISREG(os.fstat(fd).st_mode):
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return fd
    except OSError:
        pass
    os.close(fd)
    return None
