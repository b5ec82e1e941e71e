"""HealthReport: score formula, changes since the previous run, coverage and graph figures."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracegraph.api import check, scan
from tracegraph.model import Finding, Severity
from tracegraph.report.model import (
    PastFinding,
    PreviousRun,
    TrendPoint,
    build_report,
    count_downstream,
    find_longest_chains,
    health_score,
    score_document,
)

Tree = Callable[[Mapping[str, str]], Path]
NOW = "2026-11-28T00:00:00Z"


def finding(
    path: str,
    code: str = "TG101",
    severity: Severity = Severity.ERROR,
    line: int = 1,
    message: str = "m",
) -> Finding:
    return Finding(path, line, 1, code, severity, "rule", message)


def test_document_score_formula() -> None:
    assert score_document(0, 0, 0) == 100
    assert score_document(1, 0, 0) == 75
    assert score_document(0, 1, 0) == 90
    assert score_document(0, 0, 1) == 98
    assert score_document(2, 3, 1) == 18
    assert score_document(9, 0, 0) == 0  # clamped


def test_health_score_is_the_mean_of_document_scores() -> None:
    paths = ["a.md", "b.md", "c.md", "d.md"]
    assert health_score(paths, []) == 100
    assert health_score([], []) == 100
    assert health_score(paths, [finding("a.md")]) == 93.8  # (75 + 300) / 4 = 93.75
    # one hopeless document costs at most its share
    assert health_score(paths, [finding("a.md")] * 20) == 75
    # stray findings are charged to one extra virtual document
    assert health_score(["a.md"], [finding("gone.md")]) == 87.5


CHAIN = {
    "docs/prd/PRD-0001-a.md": "# PRD-0001: A\n\n**Status:** Approved\n",
    "docs/prd/PRD-0002-b.md": "# PRD-0002: B\n\n**Status:** Approved\n",
    "docs/rfc/RFC-0001-a.md": "---\nimplements: PRD-0001\n---\n# RFC-0001: A\n",
    "docs/tdd/TDD-0001-a.md": "---\nimplements: RFC-0001\n---\n# TDD-0001: A\n",
    "docs/adr/0001-a.md": "---\ndepends_on: RFC-0001\n---\n# ADR-0001: A\n",
    "docs/notes.md": "# Notes\n\nSee [PRD](prd/PRD-0002-b.md) and [TDD](tdd/TDD-0001-a.md).\n",
    "docs/lonely.md": "# Lonely\n",
}


def test_coverage_chains_hot_spots_and_islands(tree: Tree) -> None:
    corpus = scan(tree(CHAIN))
    report = build_report(corpus, [], generated_at=NOW)
    coverage = {
        report.name(c.prd): [(report.name(p), d) for p, d in c.chain] for c in report.coverage
    }
    assert coverage == {
        "PRD-0001": [("RFC-0001", 1), ("ADR-0001", 2), ("TDD-0001", 2)],
        "PRD-0002": [],  # an untyped page linking it is not a design resting on it
    }
    assert [report.name(p) for p in report.uncovered_prds] == ["PRD-0002"]
    # one chain per connected part; ties go to the path that sorts first (deterministic)
    assert [[report.name(p) for p in c] for c in report.longest_chains] == [
        ["ADR-0001", "RFC-0001", "PRD-0001"]
    ]
    assert report.hot_spots[0].name == "RFC-0001"
    assert report.hot_spots[0].depended_on_by == 2
    assert report.hot_spots[0].downstream == 3  # ADR, TDD and the notes page
    assert [len(i) for i in report.islands] == [6, 1]
    assert report.name(report.islands[1][0]) == "docs/lonely.md"
    assert report.figures.documents == 7
    assert dict(report.figures.by_type) == {"PRD": 2, "RFC": 1, "ADR": 1, "TDD": 1, "DOC": 2}
    assert report.changes is None
    assert len(report.trend) == 1


def test_longest_chains_ignore_cycles() -> None:
    graph = nx.DiGraph()
    for a, b in [("a", "b"), ("b", "a"), ("b", "c"), ("c", "d")]:
        graph.add_edge(a, b, relations={"depends_on"})
    graph.add_edge("x", "a", relations={"references"})  # not a chain relation
    chains = find_longest_chains(graph)
    assert chains[0] in (("a", "b", "c", "d"), ("b", "c", "d"))
    assert all(len(set(c)) == len(c) for c in chains)


def test_changes_match_findings_by_code_path_and_message_not_line(tree: Tree) -> None:
    corpus = scan(tree(CHAIN))
    path = "docs/notes.md"
    previous = PreviousRun(
        run_at="2026-11-27T00:00:00Z",
        commit="abc",
        score=100.0,
        findings=(
            PastFinding("TG101", "broken-link", "error", path, 3, 1, "kept"),
            PastFinding("TG402", "placeholder", "warning", path, 9, 1, "fixed"),
        ),
        documents=(path, "docs/removed.md"),
    )
    now = [finding(path, line=30, message="kept"), finding(path, "TG103", message="new")]
    report = build_report(
        corpus,
        now,
        generated_at=NOW,
        previous=previous,
        trend=[TrendPoint("2026-11-27T00:00:00Z", "abc", 100.0, 0, 2, 0)],
    )
    changes = report.changes
    assert changes is not None
    assert [f.message for f in changes.new_findings] == ["new"]
    assert [f.message for f in changes.resolved_findings] == ["fixed"]
    assert changes.removed_documents == ("docs/removed.md",)
    assert changes.new_documents is not None and path not in changes.new_documents
    assert len(changes.new_documents) == 6
    assert changes.score_delta == -7.1 and report.figures.score == 92.9  # (50 + 6 x 100) / 7
    assert [p.score for p in report.trend] == [100.0, report.figures.score]


def test_v1_previous_run_without_documents_gives_no_document_diff(tree: Tree) -> None:
    corpus = scan(tree(CHAIN))
    previous = PreviousRun("2026-11-27T00:00:00Z", None, 90.0, (), None)
    report = build_report(corpus, [], generated_at=NOW, previous=previous)
    assert report.changes is not None
    assert report.changes.new_documents is None
    assert report.changes.score_delta == 10


@pytest.mark.parametrize("today", ["2026-11-28"])
def test_sample_repo_headline_figures(today: str) -> None:
    from datetime import date

    from tests.conftest import SAMPLE_REPO

    corpus = scan(SAMPLE_REPO)
    findings = check(corpus, today=date.fromisoformat(today))
    report = build_report(corpus, findings, generated_at=NOW, today=today)
    fig = report.figures
    assert [fig.errors, fig.warnings, fig.infos] == [
        sum(f.severity == s for f in findings) for s in ("error", "warning", "info")
    ]
    assert fig.orphans == 1
    assert fig.cycles == 1
    assert fig.broken_references == 3
    assert 0 < fig.score < 100
    assert {g.key for g in report.by_rule} == {f.code for f in findings}


@settings(max_examples=150, deadline=None)
@given(
    edges=st.lists(
        st.tuples(st.integers(0, 25), st.integers(0, 25)).filter(lambda e: e[0] != e[1]),
        max_size=80,
    ),
    batch=st.sampled_from([1, 3, 8192]),
)
def test_count_downstream_agrees_with_ancestors(edges: list[tuple[int, int]], batch: int) -> None:
    graph = nx.DiGraph()
    graph.add_nodes_from(f"d{i:02d}" for i in range(26))
    graph.add_edges_from((f"d{a:02d}", f"d{b:02d}") for a, b in edges)
    expected = {node: len(nx.ancestors(graph, node)) for node in sorted(graph)}
    assert count_downstream(graph, batch=batch) == expected
