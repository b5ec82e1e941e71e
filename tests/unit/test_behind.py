"""Writes left for after a command's answer (``tracegraph.behind``) and the writer lock every
run waits for before it uses a root's state (``state.await_writer``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.helpers import make_tree
from tracegraph import behind, state

DOCS = {
    "docs/adr/0001-first.md": "# ADR-0001: First\n\nStatus: Accepted\n\nSee [gone](gone.md).\n",
    "docs/adr/0002-second.md": "# ADR-0002: Second\n\nStatus: Accepted\n\nAfter ADR-0001.\n",
}
CHECK = ["check", "--format", "json", "--today", "2026-01-01"]


@pytest.fixture(autouse=True)
def fresh(monkeypatch: pytest.MonkeyPatch) -> None:
    """No root waited for yet and no queue, in this process."""
    monkeypatch.setattr(state, "_AWAITED", set())
    monkeypatch.setattr(behind, "_QUEUE", [])
    monkeypatch.setattr(behind, "_DEFERRING", [])


def test_later_writes_at_once_unless_deferred_by_this_process(tmp_path: Path) -> None:
    done: list[str] = []
    behind.later(tmp_path, lambda: done.append("now"))
    assert done == ["now"]
    behind.defer_writes()
    behind.later(tmp_path, lambda: done.append("first"))
    behind.later(tmp_path, lambda: done.append("second"))
    assert done == ["now"]
    behind._DEFERRING[:] = [os.getpid() + 1]  # as in a child this process forked
    behind.later(tmp_path, lambda: done.append("child"))
    assert done == ["now", "child"]
    behind.finish()
    assert done == ["now", "child", "first", "second"] and not behind._QUEUE
    behind.later(tmp_path, lambda: done.append("after"))  # finish ends the deferral
    assert done[-1] == "after"


def test_a_run_waits_for_the_writer_before_it_uses_the_state(tmp_path: Path) -> None:
    """While a writer holds the lock, ``usable_state`` waits; it answers once the lock is
    let go (the writer's last write is there by then), and asks once per root."""
    lock = state.hold_writer_lock(tmp_path)
    assert lock is not None
    assert state.hold_writer_lock(tmp_path) is None  # one writer at a time
    written: list[str] = []

    def writer() -> None:
        written.append("last write")
        os.close(lock)

    state._AWAITED.clear()
    timer = threading.Timer(0.2, writer)
    timer.start()
    try:
        assert state.usable_state(tmp_path, "results.sqlite", create=False)
        assert written == ["last write"]
    finally:
        timer.join()
    assert os.path.abspath(tmp_path) in state._AWAITED


def test_a_writer_that_never_ends_is_waited_for_a_while_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lock = state.hold_writer_lock(tmp_path)
    assert lock is not None
    try:
        monkeypatch.setattr(state, "WRITER_WAIT_SECONDS", 0.05)
        state._AWAITED.clear()
        assert state.usable_state(tmp_path, "results.sqlite", create=False)
    finally:
        os.close(lock)


def test_the_lock_is_never_taken_through_a_link(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (tmp_path / "root" / ".tracegraph").mkdir(parents=True)
    (tmp_path / "root" / ".tracegraph" / "cache").symlink_to(outside, target_is_directory=True)
    assert state.hold_writer_lock(tmp_path / "root") is None
    assert not list(outside.iterdir())


def _launch(root: Path, code: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """The console script's entry point after ``code``, with stdout and stderr piped (as a
    caller that waits for both to close)."""
    script = f"import sys; sys.argv = ['tracegraph', *{CHECK!r}]\n{code}\n"
    script += "from tracegraph.launch import run\nrun()\n"
    return subprocess.run(
        [sys.executable, "-c", script], cwd=root, env=env, capture_output=True, text=True,
        timeout=60, check=False,
    )  # fmt: skip


def test_the_command_line_answers_before_its_writes_are_done(tmp_path: Path) -> None:
    """A write left for after the answer waits here for a FIFO this test opens only once the
    command has ended and closed its streams: the answer came first. The next run waits for
    the writer, then finds what it wrote."""
    root = make_tree(tmp_path / "repo", DOCS)
    fifo = tmp_path / "go"
    os.mkfifo(fifo)
    marker = tmp_path / "written"
    env = {k: v for k, v in os.environ.items() if k not in ("TRACEGRAPH_DEBUG",)}
    env.pop("TRACEGRAPH_NO_DETACH", None)
    slow = (
        "from tracegraph import behind\n"
        "from pathlib import Path\n"
        "def slow():\n"
        f"    Path({str(fifo)!r}).read_text()\n"
        f"    Path({str(marker)!r}).write_text('done')\n"
        "keep = behind.later\n"
        "def later(root, write):\n"
        "    keep(root, write)\n"
        "    if not getattr(behind, 'slowed', False):\n"
        "        behind.slowed = True\n"
        "        keep(root, slow)\n"
        "behind.later = later\n"
        "import tracegraph.api as api\n"
        "api.later = later\n"
    )
    first = _launch(root, slow, env)
    assert first.returncode == 1 and json.loads(first.stdout)["summary"]["documents"] == 2
    assert not marker.exists()  # the write still waits
    fifo.write_text("go")  # lets it go on
    state.await_writer(root)
    assert marker.read_text() == "done"
    second = _launch(root, "", env)
    assert (second.returncode, second.stdout) == (first.returncode, first.stdout)


def test_no_detach_writes_before_the_exit(tmp_path: Path) -> None:
    """``TRACEGRAPH_NO_DETACH``: the writes are done when the command ends (no lock taken)."""
    root = make_tree(tmp_path / "repo", DOCS)
    env = {k: v for k, v in os.environ.items() if k != "TRACEGRAPH_DEBUG"}
    env["TRACEGRAPH_NO_DETACH"] = "1"
    run = _launch(root, "", env)
    assert run.returncode == 1
    cache = root / ".tracegraph" / "cache"
    assert (cache / "results.sqlite").is_file()
    assert not (cache / state.WRITER_LOCK).exists()
