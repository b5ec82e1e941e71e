"""Writes a command finishes after it has answered.

A write whose loss costs a later run only time (the stored graph's rows after a link edit:
without them the next run rechecks the whole tree, which is right, only slower) may run in a
thread of its own while the command renders and prints its output: the database's commit
waits on the disk (two ``fsync`` calls, 5-25 ms at 10,000 documents) with the processor
idle. ``finish`` waits for every such write; the command line calls it before the process
ends without teardown (``cli.run``), and a caller that forks must call it first.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

_PENDING: list[threading.Thread] = []


def write_behind(work: Callable[[], None]) -> None:
    """Run ``work`` in a thread of its own (not a daemon: an interpreter that exits normally
    waits for it); ``work`` handles its own errors."""
    thread = threading.Thread(target=work, name="tracegraph-write-behind")
    thread.start()
    _PENDING.append(thread)


def finish() -> None:
    """Wait for every write started by ``write_behind``."""
    while _PENDING:
        _PENDING.pop().join()
