"""The check stage split over a forked child gives what one process gives, byte for byte."""

from __future__ import annotations

import os
import sys
import threading
import time
from dataclasses import astuple
from pathlib import Path

import pytest

import tracegraph.checks as checks
from tests.conftest import SAMPLE_REPO
from tests.unit.checks.conftest import TODAY
from tests.unit.test_check_paths import generated
from tracegraph import procs
from tracegraph.api import scan
from tracegraph.checks import parallel, run_checks
from tracegraph.model import Finding

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="no fork here")


@pytest.fixture(autouse=True)
def _forkable(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fork although an earlier test of the session left a thread running (none of them holds
    a lock the rules need)."""
    monkeypatch.setattr(parallel, "can_fork", lambda: True)


def _both(root: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[list[Finding], list[Finding]]:
    corpus = scan(root)
    monkeypatch.setattr(parallel, "PARALLEL_DOCUMENTS", 10**9)
    alone = run_checks(corpus, today=TODAY)
    forked: list[object] = []
    start = parallel.start_in_child

    def spy(work):  # type: ignore[no-untyped-def]
        child = start(work)
        wait = child.result

        def result():  # type: ignore[no-untyped-def]
            forked.append(wait())
            return forked[-1]

        child.result = result  # type: ignore[method-assign]
        return child

    monkeypatch.setattr(parallel, "PARALLEL_DOCUMENTS", 1)
    monkeypatch.setattr(parallel, "start_in_child", spy)
    split = run_checks(corpus, today=TODAY)
    assert len(forked) == 1 and forked[0] is not None  # the child ran and answered
    return alone, split


@pytest.mark.parametrize("tree", ["sample_repo", "generated"])
def test_split_equals_one_process(
    tree: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = SAMPLE_REPO if tree == "sample_repo" else generated(tmp_path / "g")
    alone, split = _both(root, monkeypatch)
    assert {f.code for f in alone} & parallel.CHILD_RULES  # the child had something to find
    assert [astuple(f) for f in split] == [astuple(f) for f in alone]


def test_a_child_that_fails_or_dies_gives_none() -> None:
    assert parallel.start_in_child(lambda: [1, "two"]).result() == [1, "two"]
    assert parallel.start_in_child(lambda: 1 // 0).result() is None
    assert parallel.start_in_child(lambda: os._exit(3)).result() is None


def test_a_childs_result_comes_whole_or_not_at_all() -> None:
    big = ["x" * 1000] * 5000  # several pipes' worth: read as it is written
    assert parallel.start_in_child(lambda: big).result() == big
    assert parallel.start_in_child(threading.Lock).result() is None  # cannot be pickled
    child = parallel.start_in_child(lambda: time.sleep(60))
    assert child.alive()
    child.stop()
    assert not child.alive() and child.result() is None  # stopped: nothing to read
    done = parallel.start_in_child(lambda: 5)
    assert done.result() == 5
    done.stop()  # after the result: nothing left to end or close
    assert not done.alive()


def test_a_child_still_ending_after_its_result_is_reaped_later(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``result`` returns once the child's result is read: a child still ending then (its
    exit unmaps the pages it copied) is reaped by the next ``start_in_child`` once it has
    ended, or by ``reap_ending``."""
    parallel.reap_ending()
    first_go, first_release = os.pipe()
    second_go, second_release = os.pipe()
    gate = [first_go]  # each child keeps the one it was forked with
    send = parallel._send

    def send_then_wait(writer: int, value: object) -> None:
        send(writer, value)
        os.read(gate[0], 1)  # the child ends when the test says so

    monkeypatch.setattr(parallel, "_send", send_then_wait)
    first = parallel.start_in_child(lambda: 5)
    gate[0] = second_go
    second = parallel.start_in_child(lambda: 6)
    monkeypatch.undo()
    assert first.result() == 5 and second.result() == 6  # neither waited for
    assert [first, second] == parallel._ENDING and first.status is None
    os.write(first_release, b"x")  # the first ends; the next start reaps it
    for _ in range(200):
        parallel.start_in_child(lambda: 0).result()
        if first not in parallel._ENDING:
            break
        time.sleep(0.01)
    assert first not in parallel._ENDING and first.status is not None
    assert second in parallel._ENDING and second.alive()
    os.write(second_release, b"x")
    parallel.reap_ending()
    assert not parallel._ENDING and second.status is not None
    for child in (first, second):
        with pytest.raises(ChildProcessError):
            os.waitpid(child.pid, os.WNOHANG)  # nothing left to reap
    for descriptor in (first_go, first_release, second_go, second_release):
        os.close(descriptor)


def test_a_child_forks_its_own_children_beside_a_sibling_still_ending(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A child does not inherit this process's children still ending (not its own: it could
    neither wait for them nor ask whether they ended)."""
    parallel.reap_ending()
    go, release = os.pipe()
    send = parallel._send

    def send_then_wait(writer: int, value: object) -> None:
        send(writer, value)
        os.read(go, 1)

    monkeypatch.setattr(parallel, "_send", send_then_wait)
    ending = parallel.start_in_child(lambda: 1)
    monkeypatch.undo()
    assert ending.result() == 1 and [ending] == parallel._ENDING
    nested = parallel.start_in_child(
        lambda: (len(parallel._ENDING), parallel.start_in_child(lambda: 2).result()),
        forks=True,
    )
    assert nested.result() == (0, 2)
    os.write(release, b"x")
    parallel.reap_ending()
    for descriptor in (go, release):
        os.close(descriptor)


def test_a_rules_child_starts_no_helper_process_a_checking_child_may() -> None:
    assert parallel.start_in_child(procs.helpers_allowed).result() is False
    assert parallel.start_in_child(procs.helpers_allowed, forks=True).result() is True
    assert procs.helpers_allowed()  # this process is unchanged


def test_a_child_is_stopped_when_the_parent_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    corpus = scan(SAMPLE_REPO)
    started: list[parallel.Child[object]] = []
    start = parallel.start_in_child
    hits = checks._hits

    def keep(work):  # type: ignore[no-untyped-def]
        started.append(start(work))
        return started[-1]

    def failing(rule, ctx):  # type: ignore[no-untyped-def]
        if rule.code == "TG302":
            raise RuntimeError("rule failed")
        return hits(rule, ctx)

    monkeypatch.setattr(parallel, "PARALLEL_DOCUMENTS", 1)
    monkeypatch.setattr(parallel, "start_in_child", keep)
    monkeypatch.setattr(checks, "_hits", failing)
    with pytest.raises(RuntimeError, match="rule failed"):
        run_checks(corpus, today=TODAY)
    assert len(started) == 1 and not started[0].alive()


def test_a_failing_child_means_the_rules_run_here(monkeypatch: pytest.MonkeyPatch) -> None:
    corpus = scan(SAMPLE_REPO)
    alone = run_checks(corpus, today=TODAY)
    monkeypatch.setattr(parallel, "PARALLEL_DOCUMENTS", 1)
    start = parallel.start_in_child
    monkeypatch.setattr(parallel, "start_in_child", lambda work: start(lambda: 1 // 0))
    assert [astuple(f) for f in run_checks(corpus, today=TODAY)] == [astuple(f) for f in alone]


def test_no_fork_while_another_thread_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.undo()  # the real can_fork
    alone = parallel.can_fork()  # False when an earlier test left a thread running
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert not parallel.can_fork()
    finally:
        stop.set()
        thread.join()
    assert parallel.can_fork() == alone


def test_a_large_tree_keeps_its_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    """Above ``PARALLEL_MAX_DOCUMENTS`` no child is forked (its copied pages would double the
    memory of a large tree); the findings are the same."""
    corpus = scan(SAMPLE_REPO)
    expected = run_checks(corpus, today=TODAY)
    started: list[object] = []
    monkeypatch.setattr(parallel, "start_in_child", lambda work: started.append(work))
    monkeypatch.setattr(parallel, "PARALLEL_DOCUMENTS", 1)
    monkeypatch.setattr(parallel, "PARALLEL_MAX_DOCUMENTS", len(corpus.documents) - 1)
    assert run_checks(corpus, today=TODAY) == expected and started == []
    assert parallel.worth_forking(len(corpus.documents) - 1)


def test_the_child_reads_the_history_while_its_other_rules_run() -> None:
    class Rule:
        def __init__(self, code: str) -> None:
            self.code = code

    rules = [Rule("TG102"), Rule("TG503"), Rule("TG701")]
    events: list[str] = []
    started = threading.Event()

    def history() -> None:
        events.append(f"history in {threading.current_thread().name.split('_')[0]}")
        started.set()

    def run(rule: Rule) -> str:
        if rule.code == "TG102":
            assert started.wait(5)  # the history is read while the first rule runs
        events.append(rule.code)
        return rule.code.lower()

    found = parallel.history_meanwhile(rules, run, history, "TG503")
    assert found == ["tg102", "tg503", "tg701"]  # in the rules' order, whatever ran when
    assert events == ["history in tracegraph-history", "TG102", "TG701", "TG503"]
    events.clear()
    assert parallel.history_meanwhile(rules[::2], run, history, "TG503") == ["tg102", "tg701"]
    assert parallel.history_meanwhile(rules[1:2], run, history, "TG503") == ["tg503"]
    assert not any(e.startswith("history") for e in events)  # alone or absent: not ahead

    def broken() -> None:
        raise ValueError("no history")

    with pytest.raises(ValueError, match="no history"):
        parallel.history_meanwhile(rules[:2], lambda rule: rule.code, broken, "TG503")
