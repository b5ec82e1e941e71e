"""Issue 13, class 5: worker processes die with their parent.

A real process parses in worker processes (each file made slow, so the parse is still running);
the test kills the parent with SIGTERM or SIGKILL and then looks for any process that still
carries the run's token in its environment.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.untrusted import (
    PROJECT,
    TOKEN_VARIABLE,
    kill_quietly,
    processes_with,
    wait_for_leftovers,
)
from tracegraph.procs import dies_with

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
        while not _workers_of(token, proc.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _workers_of(token, proc.pid), "the parse did not start its workers"
        time.sleep(0.3)  # well inside the parse: workers busy or waiting on their queue
        os.kill(proc.pid, signum)
        proc.wait(timeout=10)
        assert proc.returncode == -signum
        left = wait_for_leftovers(token)
        assert left == (), f"workers outlived their parent: {left}"


def _killed_once_started(
    proc: subprocess.Popen[bytes],
    token: str,
    line: bytes,
    what: str,
    started: Callable[[], list[str]],
) -> None:
    """Once ``proc`` has printed ``line`` and ``started()`` finds its child (``what``, within
    20 s), SIGKILL it: nothing carrying ``token`` may be left after the grace period."""
    assert proc.stdout is not None and proc.stdout.readline() == line
    deadline = time.monotonic() + 20
    while not started() and time.monotonic() < deadline:
        time.sleep(0.05)
    if not started():
        proc.kill()
        _, err = proc.communicate(timeout=10)
        pytest.fail(f"{what} did not start: {err.decode(errors='replace')[-2000:]}")
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    left = wait_for_leftovers(token)
    assert left == (), f"{what} outlived its parent: {left}"


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
        _killed_once_started(proc, token, b"drawing\n", "dot", lambda: _workers_of(token, proc.pid))


KILLED_WORKER = r"""
import os, signal, sys, time
from tracegraph import cli, workers

parent = os.getpid()
real = workers.parse_one
def crash_in_worker(*args, **kwargs):
    if os.getpid() != parent:  # a worker: as the kernel's out-of-memory killer would
        os.kill(os.getpid(), signal.SIGKILL)
    time.sleep(0.02)  # the main process is slow: the worker surely takes a chunk
    return real(*args, **kwargs)
workers.parse_one = crash_in_worker
workers.PARALLEL_THRESHOLD = 2
sys.argv = ["tracegraph", "check", "--no-cache", sys.argv[1]]
cli.run()
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the fork pool is Linux's")
def test_a_killed_parse_worker_is_a_one_line_error(tmp_path: Path) -> None:
    for number in range(200):
        (tmp_path / f"doc-{number:04}.md").write_text(f"# Doc {number}\n\n[next](doc-0.md)\n")
    env = {**os.environ, "PYTHONPATH": str(PROJECT)}
    run = subprocess.run(
        [sys.executable, "-c", KILLED_WORKER, str(tmp_path)],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert run.returncode == 2, run.stderr[-2000:]
    lines = run.stderr.splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(
        "tracegraph: error: a parse worker was killed (SIGKILL) while parsing doc-"
    )
    assert "Traceback" not in run.stderr


SLOW_GIT = r"""
import sys
from pathlib import Path
from tracegraph import gitcmd
if sys.argv[2] == "pre-exec":  # as where setpriv is missing or too old
    gitcmd._setpriv = ""
print("listing", flush=True)
gitcmd.run_git(Path(sys.argv[1]), "ls-files")
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
@pytest.mark.parametrize("launcher", ["setpriv", "pre-exec"])
def test_git_dies_with_its_parent(tmp_path: Path, launcher: str) -> None:
    """A git that does not end (here one that sleeps instead of listing) is killed with a
    killed tracegraph, whether ``setpriv`` or a pre-exec function set its parent-death
    signal."""
    real_git = shutil.which("git")
    if launcher == "setpriv" and shutil.which("setpriv") is None:
        pytest.skip("util-linux's setpriv is not installed")
    assert real_git is not None
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "git").write_text(
        f'#!/bin/sh\ncase " $* " in *" config "*) exec {real_git} "$@";; esac\nexec sleep 60\n'
    )
    (bin_dir / "git").chmod(0o755)
    repo = tmp_path / "repo"
    repo.mkdir()
    token = uuid.uuid4().hex
    path = f"{bin_dir}{os.pathsep}{os.environ['PATH']}"
    with _started(SLOW_GIT, str(repo), launcher, token=token, path=path) as proc:
        _killed_once_started(proc, token, b"listing\n", "git", lambda: _sleeping(token, proc.pid))


def _sleeping(token: str, parent: int) -> list[str]:
    return [p for p in _workers_of(token, parent) if "sleep" in p]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
@pytest.mark.parametrize("parent_gone", [False, True])
def test_a_program_whose_parent_died_before_the_signal_was_set_leaves(parent_gone: bool) -> None:
    """The pre-exec function git and dot get (``procs.dies_with``): when tracegraph died between
    the fork and the death signal being set, the kernel never sends it, so the child leaves by
    itself; while tracegraph lives, the child goes on to run the program."""
    parent = os.getpid()
    child = os.fork()
    if child == 0:  # pragma: no cover (the child)
        try:
            dies_with(parent + 999_999 if parent_gone else parent)()
        finally:
            os._exit(0)
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == (1 if parent_gone else 0)
