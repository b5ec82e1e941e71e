"""Run tracegraph on a hostile tree as CI would: a real subprocess, 20 s, 2 GiB of address space.

A minimal helper for the limits cases (issue 13, classes 3 and 4); the gitsafe lane's
``tests/untrusted.py`` (``run_untrusted``/``assert_safe``) checks the same and more (sentinels,
leftover processes), and the two are meant to become one.
"""

from __future__ import annotations

import resource
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

#: What one run may take (seconds) and use (bytes of address space), as issue 13 says.
TIME_LIMIT = 20.0
MEMORY_LIMIT = 2 * 1024**3


@dataclass(frozen=True)
class BoundedRun:
    """A finished (or stopped) run."""

    code: int | None
    stdout: str
    stderr: str
    seconds: float


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def run_bounded(*args: str, cwd: Path) -> BoundedRun:
    """``python -m tracegraph ARGS`` in ``cwd`` under the limits; a run past the time limit is
    killed and has ``code`` None."""
    start = time.monotonic()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "tracegraph", *args],
            cwd=cwd,
            capture_output=True,
            text=True,
            errors="replace",
            timeout=TIME_LIMIT,
            preexec_fn=_limit_memory,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode(errors="replace") if isinstance(exc.stdout, bytes) else ""
        return BoundedRun(None, out, "", time.monotonic() - start)
    return BoundedRun(done.returncode, done.stdout, done.stderr, time.monotonic() - start)


def assert_bounded(run: BoundedRun, *codes: int) -> None:
    """The run ended in time with one of ``codes`` (default 0, 1 or 2) and no traceback."""
    assert run.code is not None, f"still running after {TIME_LIMIT:.0f} s"
    assert run.code in (codes or (0, 1, 2)), (run.code, run.stderr[-2000:])
    assert "Traceback" not in run.stderr and "internal error" not in run.stderr, run.stderr
