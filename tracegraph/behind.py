"""Writes a command finishes after it has answered.

Some writes only make a later run faster: the stored result and the stored graph's rows after
an edit, the parse cache's records of the changed documents, the kept output and its stamp.
Losing one costs the next run time, never a different answer (each is written atomically and
checked when read). ``later`` takes such a write. Outside the command line it runs at once;
the command line (``cli.run``) asks first for them to wait (``defer_writes``), and once its
output is flushed and its children reaped, ``detach`` hands them to a child process in a
session of its own, its standard streams on /dev/null, and the command exits: whoever ran it
(a shell, an editor, a pre-commit hook, a CI step) has the answer and the exit status without
waiting for the disk, as ``git gc --auto`` detaches (10k documents, a link added to one file:
about 25 ms of a 0.25 s run). The child holds the root's writer lock while it writes
(``state.hold_writer_lock``) and every process waits for that lock before it first uses the
root's state (``state.usable_state``), so the next run starts from what this one stored.
The writes run in this process instead when the lock is taken (another writer is at work),
where there is no ``fork`` or ``flock``, while a thread is alive (a fork copies no thread),
with ``-v`` (their log lines must reach stderr) and with ``TRACEGRAPH_NO_DETACH`` set.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path

#: The writes ``later`` was given while ``defer_writes`` holds them: (root, write).
_QUEUE: list[tuple[Path, Callable[[], None]]] = []
#: The process that asked for its writes to wait (a child it forks writes at once).
_DEFERRING: list[int] = []


def defer_writes() -> None:
    """From now on, ``later`` queues this process's writes for ``detach`` (or ``finish``)."""
    _DEFERRING[:] = [os.getpid()]


def later(root: Path, write: Callable[[], None]) -> None:
    """Run ``write`` (a write of ``root``'s state that handles its own errors) now, or after
    the command's answer when the command line asked for that (``defer_writes``)."""
    if _DEFERRING and _DEFERRING[0] == os.getpid():
        _QUEUE.append((root, write))
    else:
        write()


def finish() -> None:
    """Run the queued writes here, in order, and stop queueing."""
    _DEFERRING.clear()
    while _QUEUE:
        _QUEUE.pop(0)[1]()


def _finish_quietly() -> None:
    """``finish`` in the detached child: a write that fails unexpectedly only loses itself."""
    while _QUEUE:
        with suppress(Exception):  # nothing to tell it to: its streams are closed
            _QUEUE.pop(0)[1]()


def detach() -> None:
    """Run the queued writes in a child that outlives this process, holding the writer lock
    of each root they write; here (``finish``) when that cannot be. Returns in this process
    only (which then ends: the queue is the child's now); the child ends when they are done."""
    _DEFERRING.clear()
    if not _QUEUE:
        return
    if not _may_fork():
        finish()
        return
    from .state import hold_writer_lock

    locks: list[int] = []
    roots = {os.path.abspath(root): root for root, _write in _QUEUE}  # each root as it was given
    for _real, root in sorted(roots.items()):
        lock = hold_writer_lock(root)
        if lock is None:
            _close(locks)
            finish()
            return
        locks.append(lock)
    try:
        pid = os.fork()
    except OSError:
        _close(locks)
        finish()
        return
    if pid:  # nothing more: every page touched now is copied (the child shares them all)
        _close(locks)  # the child's copies hold the locks until it ends
        return
    try:  # the child: nothing of it reaches the caller's streams, nor its signals
        os.setsid()
        devnull = os.open(os.devnull, os.O_RDWR)
        for stream in (0, 1, 2):
            os.dup2(devnull, stream)
        _finish_quietly()
    finally:
        os._exit(0)


def _may_fork() -> bool:
    return (
        hasattr(os, "fork")
        and hasattr(os, "setsid")
        and not os.environ.get("TRACEGRAPH_NO_DETACH")
        and threading.active_count() == 1
        and not logging.getLogger("tracegraph").isEnabledFor(logging.INFO)
    )


def _close(descriptors: list[int]) -> None:
    for descriptor in descriptors:
        os.close(descriptor)
