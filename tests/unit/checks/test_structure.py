"""TG201-TG204 and TG601: the shape of the graph."""

from __future__ import annotations

import tempfile
from pathlib import Path

import networkx as nx
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.helpers import make_tree
from tests.unit.checks.conftest import TODAY, where
from tracegraph.api import scan
from tracegraph.checks import run_checks


def adr(number: int, status: str = "Accepted", body: str = "") -> str:
    return (
        f"# ADR-{number:04d}: Decision {number}\n\n## Status\n\n{status}\n\n## Context\n\n{body}\n"
    )


def test_orphan_typed_document(findings):
    found = findings({"adr/0001-x.md": adr(1), "notes.md": "# Notes\n"}, "TG201")
    assert where(found) == [("adr/0001-x.md", 1, 1, "TG201")]
    assert found[0].message == "orphan: ADR-0001 has no link to or from another document"


def test_artifact_and_external_links_do_not_connect_but_a_doc_index_does(findings):
    lonely = adr(1, body="See [code](src/a.py) and [web](https://example.com).")
    found = findings({"adr/0001-x.md": lonely, "src/a.py": "x = 1\n"}, "TG201")
    assert where(found) == [("adr/0001-x.md", 1, 1, "TG201")]
    indexed = {"adr/0001-x.md": adr(1), "README.md": "# Index\n\n- [first](adr/0001-x.md)\n"}
    assert findings(indexed, "TG201") == []


def test_uncovered_prd_and_rfc(findings):
    files = {
        "prd/PRD-0001-a.md": "---\nstatus: approved\n---\n# PRD-0001: A\n",
        "prd/PRD-0002-b.md": "---\nstatus: approved\n---\n# PRD-0002: B\n",
        "prd/PRD-0003-c.md": "---\nstatus: draft\n---\n# PRD-0003: C\n",
        "tdd/TDD-0001-b.md": "---\nstatus: draft\nimplements: PRD-0002\n---\n# TDD-0001: B\n",
    }
    found = findings(files, "TG202")
    assert where(found) == [("prd/PRD-0001-a.md", 2, 1, "TG202")]
    assert "no RFC or TDD rests on PRD-0001" in found[0].message


def test_coverage_rule_comes_from_config(findings):
    files = {
        "tracegraph.yaml": "types:\n  PRD:\n    needs: [ADR]\n",
        "prd/PRD-0001-a.md": "---\nstatus: approved\n---\n# PRD-0001: A\n",
        "tdd/TDD-0001-a.md": "---\nimplements: PRD-0001\n---\n# TDD-0001: A\n",
    }
    assert "no ADR rests on PRD-0001" in findings(files, "TG202")[0].message


def test_cycle_reported_once_at_first_edge(findings):
    files = {
        "rfc/RFC-0002-b.md": "---\nstatus: draft\ndepends_on: RFC-0003\n---\n# RFC-0002: B\n",
        "rfc/RFC-0003-c.md": "---\nstatus: draft\ndepends_on: RFC-0001\n---\n# RFC-0003: C\n",
        "rfc/RFC-0001-a.md": (
            "---\nstatus: draft\n---\n# RFC-0001: A\n\nDepends on [B](RFC-0002-b.md) "
            "and RFC-0002.\n"
        ),
    }
    found = findings(files, "TG203")
    assert where(found) == [("rfc/RFC-0001-a.md", 6, 12, "TG203")]
    assert found[0].message == "dependency cycle: RFC-0001 -> RFC-0002 -> RFC-0003 -> RFC-0001"


def test_two_cycles_through_one_node_and_no_cycle_over_plain_references(findings):
    files = {
        "rfc/RFC-0001-a.md": "---\ndepends_on: [RFC-0002, RFC-0003]\n---\n# RFC-0001: A\n",
        "rfc/RFC-0002-b.md": "---\ndepends_on: RFC-0001\n---\n# RFC-0002: B\n",
        "rfc/RFC-0003-c.md": "---\nimplements: RFC-0001\n---\n# RFC-0003: C\n",
        "rfc/RFC-0004-d.md": "# RFC-0004: D\n\nSee [C](RFC-0005-e.md).\n",
        "rfc/RFC-0005-e.md": "# RFC-0005: E\n\nSee [D](RFC-0004-d.md).\n",
    }
    messages = [f.message for f in findings(files, "TG203")]
    assert messages == [
        "dependency cycle: RFC-0001 -> RFC-0002 -> RFC-0001",
        "dependency cycle: RFC-0001 -> RFC-0003 -> RFC-0001",
    ]


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 5), st.integers(1, 5)), max_size=8))
def test_cycle_rule_agrees_with_networkx(edges):
    graph = nx.DiGraph((a, b) for a, b in edges if a != b)
    files = {}
    for node in range(1, 6):
        deps = sorted({b for a, b in edges if a == node and b != node})
        front = f"---\ndepends_on: [{', '.join(f'RFC-{d}' for d in deps)}]\n---\n" if deps else ""
        files[f"rfc/RFC-000{node}-x.md"] = f"{front}# RFC-000{node}: X\n"
    with tempfile.TemporaryDirectory() as tmp:
        root = make_tree(Path(tmp), files)
        found = run_checks(scan(root), today=TODAY, select=["TG203"])
    assert bool(found) == (not nx.is_directed_acyclic_graph(graph))
    assert len(found) == len({f.message for f in found})


def test_supersession_both_sides_is_fine(findings):
    files = {
        "adr/0001-a.md": adr(1, "Superseded by [ADR-0002](0002-b.md)"),
        "adr/0002-b.md": adr(2, "Accepted\n\nSupersedes [ADR-0001](0001-a.md)"),
    }
    assert findings(files, "TG204") == []


def test_supersession_one_sided_both_directions(findings):
    files = {
        "adr/0001-a.md": adr(1, "Accepted"),
        "adr/0002-b.md": adr(2, "Accepted\n\nSupersedes [ADR-0001](0001-a.md)"),
        "adr/0003-c.md": adr(3, "Superseded by [ADR-0004](0004-d.md)"),
        "adr/0004-d.md": adr(4, "Accepted"),
    }
    found = findings(files, "TG204")
    assert where(found) == [("adr/0002-b.md", 7, 12, "TG204"), ("adr/0003-c.md", 5, 15, "TG204")]
    assert "ADR-0001 does not say it is superseded (status: accepted)" in found[0].message
    assert "ADR-0004 does not say it supersedes ADR-0003" in found[1].message


def test_supersession_naming_another_successor(findings):
    files = {
        "adr/0001-a.md": adr(1, "Superseded by [ADR-0003](0003-c.md)"),
        "adr/0002-b.md": adr(2, "Accepted\n\nSupersedes [ADR-0001](0001-a.md)"),
        "adr/0003-c.md": adr(3, "Accepted\n\nSupersedes [ADR-0001](0001-a.md)"),
    }
    found = findings(files, "TG204")
    assert [f.message for f in found] == [
        "supersession mismatch: ADR-0002 supersedes ADR-0001, but ADR-0001 names ADR-0003 as "
        "its successor"
    ]


def test_duplicate_id_lists_every_path(findings):
    files = {"adr/0007-a.md": adr(7), "adr/0007-b.md": adr(7), "adr/0008-c.md": adr(8)}
    found = findings(files, "TG601")
    assert where(found) == [("adr/0007-a.md", 1, 1, "TG601"), ("adr/0007-b.md", 1, 1, "TG601")]
    assert found[0].message == (
        "duplicate ID: ADR-0007 is claimed by 2 documents: adr/0007-a.md, adr/0007-b.md"
    )


def test_a_lead_phrase_in_prose_is_no_supersession(findings):
    files = {
        "adr/0001-a.md": adr(1, "Accepted"),
        "adr/0002-b.md": adr(
            2, "Accepted\n\nReplaces the pairing precompiles of [ADR-0001](0001-a.md) for speed."
        ),
    }
    assert findings(files, "TG204") == []
