"""Issue 13, class 5: worker processes die with their parent.

A real process parses in worker processes (each file made slow, so the parse is still running);
the test kills the parent with SIGTERM or SIGKILL and then looks for any process that still
carries the run's token in its environment.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.untrusted import (
    PROJECT,
    TOKEN_VARIABLE,
    kill_quietly,
    processes_with,
    wait_for_leftovers,
)

pytestmark = pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to find processes")

SLOW_PARSE = r"""
import sys, time
from pathlib import Path
from tracegraph import api, procs, workers
from tracegraph.config import default_config

if sys.argv[2] == "watch-only":  # as where PR_SET_PDEATHSIG does not exist
    procs._PRCTL = None

real = workers.parse_one
def slow(*args, **kwargs):
    time.sleep(0.05)
    return real(*args, **kwargs)
workers.parse_one = slow

root = Path(sys.argv[1])
paths = tuple(sorted(p.name for p in root.glob("*.md")))
print("parsing", flush=True)
api.parse_files(root, paths, default_config(), parallel_threshold=2)
print("finished", flush=True)
"""


def _workers_of(token: str, parent: int) -> list[str]:
    return [p for p in processes_with(token) if int(p.split()[0]) != parent]


@contextlib.contextmanager
def _started(
    script: str, *args: str, token: str, path: str | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    """``python -c script ARGS`` carrying ``token``, in its own session (a signal then reaches
    the parent only, as a CI runner's kill would); everything with the token killed after."""
    env = {**os.environ, "PYTHONPATH": str(PROJECT), TOKEN_VARIABLE: token}
    if path is not None:
        env["PATH"] = path
    proc = subprocess.Popen(
        [sys.executable, "-c", script, *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        yield proc
    finally:
        for entry in processes_with(token):
            kill_quietly(int(entry.split()[0]))
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.mark.parametrize("how", ["kernel", "watch-only"])
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_workers_die_with_their_parent(tmp_path: Path, signum: int, how: str) -> None:
    for number in range(600):
        (tmp_path / f"doc-{number:04}.md").write_text(
            f"# Doc {number}\n\n[next](doc-{number + 1:04}.md)\n"
        )
    token = uuid.uuid4().hex
    with _started(SLOW_PARSE, str(tmp_path), how, token=token) as proc:
        assert proc.stdout is not None and proc.stdout.readline() == b"parsing\n"
        deadline = time.monotonic() + 20
        while len(_workers_of(token, proc.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(_workers_of(token, proc.pid)) >= 2, "the parse did not start its workers"
        time.sleep(0.3)  # well inside the parse: workers busy or waiting on their queue
        os.kill(proc.pid, signum)
        proc.wait(timeout=10)
        assert proc.returncode == -signum
        left = wait_for_leftovers(token)
        assert left == (), f"workers outlived their parent: {left}"


SLOW_DOT = r"""
import sys
from tracegraph.render.graphviz import run_graphviz
print("drawing", flush=True)
run_graphviz("digraph { a -> b }", "svg")
"""


def test_graphviz_dies_with_its_parent(tmp_path: Path) -> None:
    """A long layout (here a ``dot`` that never ends) does not outlive a killed tracegraph."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "dot").write_text("#!/bin/sh\nexec sleep 60\n")
    (bin_dir / "dot").chmod(0o755)
    token = uuid.uuid4().hex
    path = f"{bin_dir}{os.pathsep}{os.environ['PATH']}"
    with _started(SLOW_DOT, token=token, path=path) as proc:
        assert proc.stdout is not None and proc.stdout.readline() == b"drawing\n"
        deadline = time.monotonic() + 20
        while not _workers_of(token, proc.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _workers_of(token, proc.pid), "dot did not start"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        left = wait_for_leftovers(token)
        assert left == (), f"dot outlived its parent: {left}"
