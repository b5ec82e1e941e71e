"""Standard output when it is a pipe.

A check's JSON or SARIF output is megabytes (4.5 MB for 12,000 findings at 10,000 documents);
through a pipe of Linux's default 64 KB, each write waits for the reader to empty it, many
times over, while the output's next part is not being made. Asked for a larger pipe (1 MB,
Linux's ordinary limit for anyone), the reader empties it on the other core while the output
goes on being made: a link edit at 10,000 documents read through a pipe by its caller, 220 ->
199 ms (the time it takes to /dev/null).
"""

from __future__ import annotations

import os
import stat
import sys
from contextlib import suppress
from typing import TextIO

#: The pipe size asked for (more needs privileges where ``/proc/sys/fs/pipe-max-size`` is the
#: default 1 MB); below this many bytes of output, nothing is asked.
PIPE_BYTES = 2**20
LARGE_OUTPUT = 64 * 2**10
_WIDENED: set[int] = set()


def widen_pipe(stream: TextIO, size: int) -> None:
    """Ask for a ``PIPE_BYTES`` pipe under ``stream`` when it is a pipe and ``size`` bytes
    (about) are to be written there (Linux; once per descriptor; a refusal changes nothing)."""
    if size < LARGE_OUTPUT or not sys.platform.startswith("linux"):
        return
    with suppress(OSError, ValueError, AttributeError):
        descriptor = stream.fileno()
        if descriptor in _WIDENED:
            return
        _WIDENED.add(descriptor)
        if stat.S_ISFIFO(os.fstat(descriptor).st_mode):
            import fcntl

            fcntl.fcntl(descriptor, fcntl.F_SETPIPE_SZ, PIPE_BYTES)
