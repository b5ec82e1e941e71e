"""Child processes that never outlive tracegraph.

On Linux a child asks the kernel for SIGKILL when its parent dies (``PR_SET_PDEATHSIG``, through
ctypes); everywhere, a worker also watches its parent and leaves when it is gone, so a SIGTERM or
SIGKILL of the main process during a parallel parse leaves no worker blocked on its queue.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time
from collections.abc import Callable

_PR_SET_PDEATHSIG = 1
#: How often a worker looks whether its parent is still there (the fallback to the signal).
WATCH_SECONDS = 0.5


def _load_prctl() -> Callable[..., int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl: Callable[..., int] = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    return prctl


# Loaded once, before any fork: a pre-exec function must not load libraries in the child.
_PRCTL = _load_prctl()


def find_program(name: str, avoid: str | None = None) -> str | None:
    """``name`` on an absolute ``PATH`` entry (a relative or empty entry would run a program the
    scanned repository ships, in CI where the working folder is the repository), never one
    inside the folder ``avoid``; None when there is none."""
    real_avoid = os.path.realpath(avoid) if avoid is not None else None
    for entry in os.environ.get("PATH", os.defpath).split(os.pathsep):
        if not os.path.isabs(entry):
            continue
        candidate = os.path.join(entry, name)
        if not (os.path.isfile(candidate) and os.access(candidate, os.X_OK)):
            continue
        real = os.path.realpath(candidate)
        if real_avoid is not None and (
            real == real_avoid or real.startswith(real_avoid.rstrip(os.sep) + os.sep)
        ):
            continue
        return candidate
    return None


def die_with_parent() -> None:
    """Have the kernel SIGKILL this process when its parent dies (Linux; nothing elsewhere)."""
    if _PRCTL is not None:
        _PRCTL(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def dies_with(parent: int) -> Callable[[], None]:
    """A pre-exec function for a program started by process ``parent``: the kernel kills it
    when ``parent`` dies, and it leaves at once when ``parent`` died between the fork and the
    signal being set (the kernel would never send it then, and the program would run on)."""

    def preexec() -> None:
        die_with_parent()
        if _PRCTL is not None and os.getppid() != parent:
            os._exit(1)

    return preexec


#: False in a forked child that runs beside its parent's own work (a check's rules' child,
#: ``checks.parallel.start_in_child``): both cores are busy, so it starts no helper process
#: (the fingerprints' worker of ``suspect``).
_helpers = True


def forbid_helpers() -> None:
    """In a child that runs beside its parent's work: ``helpers_allowed`` is False from now."""
    global _helpers
    _helpers = False


def helpers_allowed() -> bool:
    """Whether this process may start helper processes of its own (``forbid_helpers``)."""
    return _helpers


def leave_with_parent(parent: int) -> None:
    """In a worker started for process ``parent``: die with it, and if it is already gone (it
    died before this worker got here) leave at once; a daemon thread keeps watching where the
    kernel signal is not available. (Under a fork server the worker's own parent is the server,
    which also ends with ``parent``; both are watched.)"""
    die_with_parent()
    if os.getppid() != parent and not _alive(parent):
        os._exit(1)
    thread = threading.Thread(
        target=_watch, args=(parent, os.getppid()), name="parent-watch", daemon=True
    )
    thread.start()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _watch(parent: int, own_parent: int) -> None:
    while os.getppid() == own_parent and _alive(parent):
        time.sleep(WATCH_SECONDS)
    os._exit(1)


#: Children that had sent everything they had to say but were still ending when their parent
#: went on (``reap_later``): a process's exit unmaps every page it wrote before its parent can
#: reap it, 2 ms for a parse worker at 1,000 documents, which the parent need not wait for.
_ending: list[int] = []


def reap_later(pid: int) -> None:
    """Reap the child ``pid`` once it has ended: at the next ``reap_ended`` that finds it
    ended, or at ``reap_ending``."""
    _ending.append(pid)


def reap_ended() -> None:
    """Reap the children of ``reap_later`` that have ended, without waiting for the others."""
    _ending[:] = [pid for pid in _ending if not _reaped(pid, os.WNOHANG)]


def reap_ending() -> None:
    """Wait for every child of ``reap_later`` (the command line calls it just before it exits,
    so that ``time`` and ``getrusage`` count their CPU as the command's)."""
    while _ending:
        _reaped(_ending.pop(), 0)


def forget_ending() -> None:
    """In a forked child: its parent's children are not its own (waiting for them raises)."""
    _ending.clear()


def _reaped(pid: int, options: int) -> bool:
    try:
        return os.waitpid(pid, options)[0] == pid
    except ChildProcessError:  # reaped elsewhere already
        return True


def read_exactly(descriptor: int, size: int) -> bytearray:
    """``size`` bytes from a pipe, into one buffer made at once (a read of a large maximum
    would allocate that much each time, and a reader woken early gets a page or two per
    read); EOFError when the pipe ends before them. The parse pool's and the rules'
    children's messages are read this way."""
    buffer = bytearray(size)
    view = memoryview(buffer)
    got = 0
    while got < size:
        count = os.readv(descriptor, [view[got:]])
        if not count:
            raise EOFError("the pipe ended before its message")
        got += count
    return buffer
