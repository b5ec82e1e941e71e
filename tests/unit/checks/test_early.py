"""The rules that read documents alone run in a child while the graph is built
(``checks.start_document_checks``): what they find is what one process finds, byte for byte."""

from __future__ import annotations

import shutil
import sys
from dataclasses import astuple, replace
from pathlib import Path
from typing import Any

import pytest

import tracegraph.api as api
import tracegraph.checks as checks
from tests.conftest import CORPORA, SAMPLE_REPO
from tests.suspect_repo import PRD, RFC, HistoryRepo
from tests.unit.checks.conftest import TODAY
from tests.unit.test_check_paths import generated
from tracegraph.checks import parallel, run_checks, start_document_checks
from tracegraph.graph import Corpus, with_links
from tracegraph.model import Finding, Link

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="no fork here")


@pytest.fixture(autouse=True)
def _forkable(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fork although an earlier test of the session left a thread running (none of them holds
    a lock the rules need), and for the document rules (and the architecture rules with
    them) from one document."""
    monkeypatch.setattr(parallel, "can_fork", lambda: True)
    monkeypatch.setattr(parallel, "DOCUMENT_RULES_FROM", 1)
    monkeypatch.setattr(parallel, "SUCCESSION_RULES_FROM", 1)


def tree(name: str, tmp_path: Path) -> Path:
    if name == "sample_repo":
        return SAMPLE_REPO
    if name == "generated":
        return generated(tmp_path / "g")
    if not (CORPORA / name).is_dir():
        pytest.skip(f"{CORPORA / name} is absent")
    return shutil.copytree(CORPORA / name, tmp_path / name, symlinks=True)


def rows(findings: list[Finding]) -> list[tuple[object, ...]]:
    return [astuple(f) for f in findings]


def scanned(root: Path) -> tuple[Corpus, Corpus]:
    """The corpus of ``root`` and the corpus of its documents alone, as ``scan`` gives it to
    ``meanwhile`` before any reference is resolved."""
    before: list[Corpus] = []
    corpus = api.scan(root, meanwhile=before.append)
    assert len(before) == 1 and not before[0].links and not before[0].edges.succ
    return corpus, before[0]


@pytest.mark.parametrize("name", ["sample_repo", "generated", "adr-tools", "log4brains"])
def test_document_rules_find_the_same_without_links_or_edges(name: str, tmp_path: Path) -> None:
    corpus, documents = scanned(tree(name, tmp_path))
    assert documents.documents == corpus.documents and documents.ids == corpus.ids
    codes = sorted(parallel.DOCUMENT_RULES)
    alone = run_checks(documents, today=TODAY, select=codes, fork=False)
    assert rows(alone) == rows(run_checks(corpus, today=TODAY, select=codes, fork=False))
    assert {f.code for f in alone} <= parallel.DOCUMENT_RULES
    assert alone or name == "adr-tools"  # they had something to find


def spy_children(monkeypatch: pytest.MonkeyPatch, fail: int | None = None) -> list[object]:
    """Record every child started (and make the ``fail``-th fail from the start)."""
    started: list[object] = []
    start = parallel.start_in_child

    def spy(work):  # type: ignore[no-untyped-def]
        if len(started) == fail:
            work = lambda: 1 // 0  # noqa: E731
        started.append(start(work))
        return started[-1]

    monkeypatch.setattr(parallel, "start_in_child", spy)
    return started


@pytest.mark.parametrize("name", ["sample_repo", "generated"])
@pytest.mark.parametrize("fail", [None, 0])
def test_a_check_with_the_document_rules_ahead_equals_one_process(
    name: str, fail: int | None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tree(name, tmp_path)
    monkeypatch.setattr(parallel, "PARALLEL_DOCUMENTS", 10**9)
    alone = api.check_tree(root, today=TODAY).findings
    started = spy_children(monkeypatch, fail)
    monkeypatch.setattr(parallel, "PARALLEL_DOCUMENTS", 1)
    split = api.check_tree(root, today=TODAY).findings
    assert len(started) == 1  # the document rules' child (failed or not), no second one
    assert {f.code for f in alone} & parallel.DOCUMENT_RULES
    assert rows(split) == rows(alone)


def test_only_where_both_processes_have_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    _corpus, documents = scanned(SAMPLE_REPO)
    monkeypatch.setattr(parallel, "PARALLEL_DOCUMENTS", 1)
    started = spy_children(monkeypatch)
    for select in (["TG401", "TG402"], ["TG101"]):
        assert start_document_checks(documents, today=TODAY, select=select) is None
    no_document_rules = ["TG3", "TG4", "TG5", "TG6"]
    assert start_document_checks(documents, today=TODAY, ignore=no_document_rules) is None
    monkeypatch.setattr(parallel, "PARALLEL_MAX_DOCUMENTS", len(documents.documents) - 1)
    assert start_document_checks(documents, today=TODAY) is None  # a large tree: its memory
    assert started == []
    monkeypatch.undo()
    monkeypatch.setattr(parallel, "can_fork", lambda: True)
    started = spy_children(monkeypatch)
    monkeypatch.setattr(parallel, "DOCUMENT_RULES_FROM", len(documents.documents) + 1)
    monkeypatch.setattr(parallel, "PARALLEL_DOCUMENTS", 1)
    assert start_document_checks(documents, today=TODAY) is None  # a small tree: its CPU
    monkeypatch.setattr(parallel, "DOCUMENT_RULES_FROM", len(documents.documents))
    ahead = start_document_checks(documents, today=TODAY)
    assert ahead is not None and len(started) == 1
    assert ahead.result() is not None


def test_the_child_is_stopped_when_this_process_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "PARALLEL_DOCUMENTS", 1)
    started = spy_children(monkeypatch)
    hits = checks._hits

    def failing(rule, ctx):  # type: ignore[no-untyped-def]
        if rule.code == "TG302":
            raise RuntimeError("rule failed")
        return hits(rule, ctx)

    monkeypatch.setattr(checks, "_hits", failing)
    with pytest.raises(RuntimeError, match="rule failed"):
        api.check_tree(SAMPLE_REPO, today=TODAY)
    assert len(started) == 1  # the document rules' child (no second one beside it)
    assert not any(child.alive() for child in started)  # type: ignore[attr-defined]
    monkeypatch.undo()
    monkeypatch.setattr(parallel, "can_fork", lambda: True)
    monkeypatch.setattr(parallel, "DOCUMENT_RULES_FROM", 1)
    monkeypatch.setattr(parallel, "PARALLEL_DOCUMENTS", 1)
    started = spy_children(monkeypatch)

    def broken(*args: object, **kwargs: object) -> Corpus:
        raise RuntimeError("no graph")

    monkeypatch.setattr("tracegraph.graph.build_corpus", broken)
    with pytest.raises(RuntimeError, match="no graph"):
        api.check_tree(SAMPLE_REPO, today=TODAY)
    assert len(started) == 1
    assert not started[0].alive()  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", ["sample_repo", "generated", "adr-tools", "rust-rfcs"])
def test_link_rules_find_the_same_with_the_links_they_read_alone(name: str, tmp_path: Path) -> None:
    corpus, documents = scanned(tree(name, tmp_path))
    linked = replace(
        documents,
        links=tuple(link for link in corpus.links if link.status in checks.LINK_STATUSES),
    )
    assert len(linked.links) < len(corpus.links)
    codes = sorted(parallel.LINK_RULES)
    alone = run_checks(linked, today=TODAY, select=codes, fork=False)
    assert rows(alone) == rows(run_checks(corpus, today=TODAY, select=codes, fork=False))
    assert alone or name == "adr-tools"  # they had something to find


@pytest.mark.parametrize("name", ["sample_repo", "generated", "adr-tools", "rust-rfcs"])
def test_architecture_rules_find_the_same_with_the_links_sent_alone(
    name: str, tmp_path: Path
) -> None:
    """What the document rules' child is sent (the link rules' links and those that make
    ``supersedes`` edges) and the edges they make are all the architecture rules read."""
    corpus, documents = scanned(tree(name, tmp_path))
    sent: list[tuple[Link, ...]] = []
    ahead = checks.EarlyChecks(frozenset(), (), (), None, parallel.SUCCESSION_RULES, Sink(sent))  # type: ignore[arg-type]
    ahead.send_links(corpus.links)
    assert sent and len(sent[0]) < len(corpus.links)
    codes = sorted(parallel.SUCCESSION_RULES)
    alone = run_checks(with_links(documents, sent[0]), today=TODAY, select=codes, fork=False)
    assert rows(alone) == rows(run_checks(corpus, today=TODAY, select=codes, fork=False))
    assert alone or name != "generated"  # something to find
    if name == "generated":
        assert any(link.reference.relation in checks.SUPERSEDING for link in sent[0])


class Sink:
    """A ``parallel.Feed`` that keeps what it is sent."""

    def __init__(self, sent: list[tuple[Link, ...]]) -> None:
        self.sent = sent

    def send(self, value: tuple[Link, ...]) -> bool:
        self.sent.append(value)
        return True

    def close(self) -> None:
        pass


def spy_early(monkeypatch: pytest.MonkeyPatch) -> list[tuple[list[Finding], bool] | None]:
    """Record what the document rules' child sent back."""
    sent: list[tuple[list[Finding], bool] | None] = []
    result = checks.EarlyChecks.result

    def spy(self: checks.EarlyChecks) -> tuple[list[Finding], bool] | None:
        sent.append(result(self))
        return sent[-1]

    monkeypatch.setattr(checks.EarlyChecks, "result", spy)
    return sent


@pytest.mark.parametrize("select", [(), ("TG4", "TG2"), ("TG1", "TG5")])
def test_the_link_rules_run_in_the_document_rules_child_once_sent_the_links(
    select: tuple[str, ...], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = generated(tmp_path / "g")
    monkeypatch.setattr(parallel, "PARALLEL_DOCUMENTS", 10**9)
    alone = api.check_tree(root, today=TODAY, select=select).findings
    monkeypatch.setattr(parallel, "PARALLEL_DOCUMENTS", 1)
    sent = spy_early(monkeypatch)
    split = api.check_tree(root, today=TODAY, select=select).findings
    assert rows(split) == rows(alone)
    assert len(sent) == 1 and sent[0] is not None
    found, linked = sent[0]
    codes = {f.code for f in found}
    if "TG1" in select or not select:  # the link rules were sent their links, and ran there
        assert (
            linked
            and {"TG101", "TG103"} <= codes
            and codes <= (parallel.DOCUMENT_RULES | parallel.LINK_RULES | parallel.SUCCESSION_RULES)
        )
    else:  # none selected: nothing sent, the document rules alone
        assert not linked and codes <= parallel.DOCUMENT_RULES


def test_a_feed_reaches_a_busy_child_or_says_it_cannot() -> None:
    feed: parallel.Feed[bytes] = parallel.Feed()

    def work() -> int:
        feed.listen()
        got = feed.received()
        return -1 if got is None else len(got)

    child = parallel.start_in_child(work)
    feed.forked()
    assert feed.send(b"x" * 1_000_000)  # more than a pipe holds: read as it comes
    assert child.result() == 1_000_000
    closed: parallel.Feed[bytes] = parallel.Feed()
    waiting = parallel.start_in_child(lambda: (closed.listen(), closed.received())[1])
    closed.forked()
    closed.close()  # nothing will come: the child reads None
    assert waiting.result() is None
    gone: parallel.Feed[bytes] = parallel.Feed()
    ended = parallel.start_in_child(lambda: 7)
    gone.forked()
    assert ended.result() == 7
    assert not gone.send(b"y" * 1_000_000) and not gone.sent  # nobody reads it any more


def test_links_sent_but_not_read_are_checked_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = generated(tmp_path / "g")
    monkeypatch.setattr(parallel, "PARALLEL_DOCUMENTS", 10**9)
    alone = api.check_tree(root, today=TODAY).findings
    monkeypatch.setattr(parallel, "PARALLEL_DOCUMENTS", 1)
    monkeypatch.setattr(parallel.Feed, "received", lambda self: None)  # lost on the way
    sent = spy_early(monkeypatch)
    split = api.check_tree(root, today=TODAY).findings
    assert len(sent) == 1 and sent[0] is not None and not sent[0][1]
    assert {f.code for f in alone} & parallel.LINK_RULES
    assert rows(split) == rows(alone)


def test_with_the_link_rules_in_the_child_the_findings_come_in_one_process_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The child's document and link rules' findings, merged with this process's, are sorted
    as one process sorts them (``checks.merge_sorted`` reads sorted lists)."""
    root = generated(tmp_path / "g")
    monkeypatch.setattr(parallel, "DOCUMENT_RULES_FROM", 10**9)
    monkeypatch.setattr(parallel, "PARALLEL_DOCUMENTS", 10**9)
    alone = api.check_tree(root, today=TODAY).findings  # no child at all
    monkeypatch.setattr(parallel, "DOCUMENT_RULES_FROM", 1)
    monkeypatch.setattr(parallel, "PARALLEL_DOCUMENTS", 1)
    sent = spy_early(monkeypatch)
    split = api.check_tree(root, today=TODAY).findings
    assert len(sent) == 1 and sent[0] is not None and sent[0][1]  # the link rules ran there
    assert {f.code for f in alone} & parallel.LINK_RULES
    assert {f.code for f in alone} & parallel.DOCUMENT_RULES
    assert rows(split) == rows(alone)


def test_below_succession_rules_from_the_architecture_rules_run_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In a smaller tree the document rules' child runs the link rules alone and this process
    the architecture rules (``parallel.SUCCESSION_RULES_FROM``): the same findings."""
    root = generated(tmp_path / "g")
    monkeypatch.setattr(parallel, "PARALLEL_DOCUMENTS", 10**9)
    alone = api.check_tree(root, today=TODAY).findings  # no child at all
    monkeypatch.setattr(parallel, "PARALLEL_DOCUMENTS", 1)
    sent = spy_early(monkeypatch)
    links: list[tuple[Link, ...]] = []
    send = parallel.Feed.send

    def spy_send(self: parallel.Feed[tuple[Link, ...]], value: tuple[Link, ...]) -> bool:
        links.append(value)
        return send(self, value)

    monkeypatch.setattr(parallel.Feed, "send", spy_send)
    for least, where in ((10**9, "here"), (1, "child")):
        monkeypatch.setattr(parallel, "SUCCESSION_RULES_FROM", least)
        sent.clear()
        links.clear()
        split = api.check_tree(root, today=TODAY).findings
        assert rows(split) == rows(alone)
        assert len(sent) == 1 and sent[0] is not None and sent[0][1]  # the link rules ran there
        codes = {f.code for f in sent[0][0]}
        assert {"TG101", "TG103"} <= codes
        superseding = [k for k in links[0] if k.reference.relation in checks.SUPERSEDING]
        if where == "here":
            assert not codes & parallel.SUCCESSION_RULES and not superseding
        else:
            assert codes & parallel.SUCCESSION_RULES and superseding
    assert {f.code for f in alone} & parallel.SUCCESSION_RULES


def test_tg503_beside_the_last_rules_finds_what_one_process_finds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the link rules in the document rules' child, TG503 runs in this process, its
    history read in a thread beside the other rules (no second child): the same suspect links."""
    repo = HistoryRepo(tmp_path / "repo")
    repo.commit("the chain")
    repo.replace(PRD, "in one step", "in two steps")
    repo.commit("PRD: two steps")
    monkeypatch.setattr(parallel, "DOCUMENT_RULES_FROM", 10**9)
    monkeypatch.setattr(parallel, "PARALLEL_DOCUMENTS", 10**9)
    alone = api.check_tree(repo.root, today=TODAY).findings
    monkeypatch.setattr(parallel, "DOCUMENT_RULES_FROM", 1)
    monkeypatch.setattr(parallel, "PARALLEL_DOCUMENTS", 1)
    sent = spy_early(monkeypatch)
    threads: list[str] = []
    meanwhile = parallel.history_meanwhile

    def spy(rules: list[Any], *args: Any) -> list[Any]:
        threads.append(",".join(sorted(rule.code for rule in rules)))
        return meanwhile(rules, *args)

    monkeypatch.setattr(parallel, "history_meanwhile", spy)
    split = api.check_tree(repo.root, today=TODAY).findings
    assert len(sent) == 1 and sent[0] is not None and sent[0][1]  # the link rules ran there
    assert [(f.code, f.path) for f in alone if f.code == "TG503"] == [("TG503", RFC)]
    assert any("TG503" in codes for codes in threads)  # here, beside the last rules
    assert rows(split) == rows(alone)
