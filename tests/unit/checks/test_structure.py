"""TG201-TG204 and TG601: the shape of the graph."""

from __future__ import annotations

import itertools
import tempfile
from pathlib import Path
from random import Random

import networkx as nx
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tests.helpers import layered_ring, make_tree
from tests.unit.checks.conftest import TODAY, where
from tracegraph.api import scan
from tracegraph.checks import run_checks, structure


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


def test_one_finding_per_strongly_connected_group_with_a_shortest_cycle(findings):
    files = {
        "rfc/RFC-0001-a.md": "---\ndepends_on: [RFC-0002, RFC-0003]\n---\n# RFC-0001: A\n",
        "rfc/RFC-0002-b.md": "---\ndepends_on: RFC-0001\n---\n# RFC-0002: B\n",
        "rfc/RFC-0003-c.md": "---\nimplements: RFC-0001\n---\n# RFC-0003: C\n",
        "rfc/RFC-0004-d.md": "# RFC-0004: D\n\nSee [C](RFC-0005-e.md).\n",
        "rfc/RFC-0005-e.md": "# RFC-0005: E\n\nSee [D](RFC-0004-d.md).\n",
    }
    messages = [f.message for f in findings(files, "TG203")]
    assert messages == [
        "dependency cycle: RFC-0001 -> RFC-0002 -> RFC-0001 (a shortest cycle; 3 documents "
        "rest on each other in a loop, also RFC-0003)"
    ]


def test_a_long_cycle_is_reported(findings):
    found = findings(layered_ring(14), "TG203")
    names = " -> ".join(f"RFC-{n:04d}" for n in [*range(1, 15), 1])
    assert [f.message for f in found] == [f"dependency cycle: {names}"]
    assert where(found) == [("rfc/RFC-0001-x.md", 2, 14, "TG203")]


def test_a_dense_group_without_short_cycles_is_reported_once(findings):
    # 56 documents, 224 edges, every cycle at least 14 long: the case that took a minute when
    # cycles up to a length were enumerated.
    found = findings(layered_ring(14, width=4), "TG203")
    assert len(found) == 1
    message = found[0].message
    cycle = message.split(": ", 1)[1].split(" (")[0].split(" -> ")
    assert len(cycle) == 15 and cycle[0] == cycle[-1] == "RFC-0001"
    assert "56 documents rest on each other" in message and "and 32 more" in message


RELATION_KEYS = ("depends_on", "implements", "related")


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(1, 7), st.integers(1, 7), st.sampled_from(RELATION_KEYS)),
        max_size=16,
    )
)
def test_cycle_rule_agrees_with_networkx(edges):
    files = {}
    for node in range(1, 8):
        front = "".join(
            f"{key}: [{', '.join(f'RFC-{b}' for a, b, k in edges if a == node and k == key)}]\n"
            for key in RELATION_KEYS
        )
        files[f"rfc/RFC-000{node}-x.md"] = f"---\n{front}---\n# RFC-000{node}: X\n"
    with tempfile.TemporaryDirectory() as tmp:
        corpus = scan(make_tree(Path(tmp), files))
        found = run_checks(corpus, today=TODAY, select=["TG203"])
    chain = nx.DiGraph(
        (a, b)
        for a, b, relation in corpus.graph.edges(data="relation")
        if relation in ("implements", "depends_on") and a != b
    )
    assert bool(found) == (not nx.is_directed_acyclic_graph(chain))
    groups = [c for c in nx.strongly_connected_components(chain) if len(c) > 1]
    assert len(found) == len(groups)
    by_name = {corpus.by_path[p].name: p for p in chain}
    for finding in found:
        names = finding.message.split(": ", 1)[1].split(" (")[0].split(" -> ")
        cycle = [by_name[n] for n in names]
        assert all(chain.has_edge(a, b) for a, b in itertools.pairwise(cycle))
        group = next(g for g in groups if cycle[0] in g)
        assert len(cycle) - 1 == min(len(c) for c in nx.simple_cycles(chain.subgraph(group)))


def _shortest_cycle_by_networkx(
    graph: nx.DiGraph, starts: list[str], budget: int
) -> tuple[list[str], int]:
    """``structure.shortest_cycle`` as it was written over networkx (the reference)."""
    size = graph.number_of_nodes() + graph.number_of_edges()
    best: list[str] = []
    for index, start in enumerate(starts):
        if index and budget < size:
            break
        budget -= size
        cutoff = len(best) - 2 if best else None
        if cutoff is not None and cutoff < 1:
            break
        preds, depth = nx.predecessor(graph, start, cutoff=cutoff, return_seen=True)
        ends = [p for p in graph.predecessors(start) if p in depth]
        if not ends:
            continue
        end = min(ends, key=depth.__getitem__)
        if best and depth[end] + 1 >= len(best):
            continue
        path = [end]
        while path[-1] != start:
            path.append(preds[path[-1]][0])
        best = path[::-1]
    return best, budget


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 7), st.integers(0, 7)), min_size=4, max_size=30),
    st.randoms(use_true_random=False),
    st.integers(0, 300),
)
@example([(0, 1), (0, 2), (1, 3), (2, 3), (3, 0)], Random(0), 100)  # two shortest: the first
def test_components_and_shortest_cycles_are_those_networkx_gives(edges, random, budget):
    """The cycle rule's own search (no networkx import) against networkx's algorithms: the
    same groups, and the same cycle (ties included) for any order of the group and budget."""
    chain: dict[str, list[str]] = {}
    for a, b in dict.fromkeys((f"n{a}", f"n{b}") for a, b in edges if a != b):
        chain.setdefault(a, []).append(b)
        chain.setdefault(b, [])
    reference = nx.DiGraph()
    reference.add_nodes_from(chain)
    reference.add_edges_from((a, b) for a, targets in chain.items() for b in targets)
    groups = structure.find_strong_components(chain)
    assert sorted(map(sorted, groups)) == sorted(
        map(sorted, nx.strongly_connected_components(reference))
    )
    for group in groups:
        if len(group) < 2:
            continue
        shuffled = sorted(group)
        random.shuffle(shuffled)
        for first in range(len(shuffled)):  # each member the first start once
            members = shuffled[first:] + shuffled[:first]
            rank = {path: index for index, path in enumerate(members)}
            sub = nx.DiGraph()
            sub.add_nodes_from(members)
            for path in members:
                targets = sorted((t for t in chain[path] if t in rank), key=rank.__getitem__)
                sub.add_edges_from((path, t) for t in targets)
            ours = structure.shortest_cycle(
                structure._ordered_subgraph(chain, members), members, budget
            )
            assert ours == _shortest_cycle_by_networkx(sub, members, budget)


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
