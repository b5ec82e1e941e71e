"""Queries over the graph: depths, ``via`` chains, paths, cards and change impact."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.chain_repo import ADR, PRD, RFC, TDD1, TDD2, make_chain
from tracegraph import api, queries
from tracegraph.config import default_config
from tracegraph.errors import NotFoundError
from tracegraph.graph import Corpus, Edges
from tracegraph.queries import Hop


@pytest.fixture
def corpus(tmp_path: Path) -> Corpus:
    return api.scan(make_chain(tmp_path / "repo"))


def _summary(result: queries.Traversal) -> list[tuple[str, int, list[tuple[str, str, str]]]]:
    return [
        (n.id, n.depth, [(h.source, h.relation, h.target) for h in n.via]) for n in result.nodes
    ]


def test_downstream_pins_depths_and_via_chains(corpus: Corpus) -> None:
    result = queries.downstream(corpus, "prd-1")
    assert result.root == PRD
    assert result.direction == "downstream"
    assert _summary(result) == [
        ("RFC-0001", 1, [(RFC, "implements", PRD)]),
        ("ADR-0001", 2, [(RFC, "implements", PRD), (ADR, "references", RFC)]),
        (
            "TDD-0001",
            3,
            [(RFC, "implements", PRD), (ADR, "references", RFC), (TDD1, "depends_on", ADR)],
        ),
        (
            "TDD-0002",
            3,
            [(RFC, "implements", PRD), (ADR, "references", RFC), (TDD2, "depends_on", ADR)],
        ),
    ]
    # The further path TDD-0002 -> TDD-0001 is kept among the edges for "(see above)".
    assert Hop(TDD2, "depends_on", TDD1) in queries.traversal_edges(corpus, result)


def test_upstream_pins_depths_and_via_chains(corpus: Corpus) -> None:
    result = queries.upstream(corpus, "TDD-0002")
    assert _summary(result) == [
        ("ADR-0001", 1, [(TDD2, "depends_on", ADR)]),
        ("TDD-0001", 1, [(TDD2, "depends_on", TDD1)]),
        ("RFC-0001", 2, [(TDD2, "depends_on", ADR), (ADR, "references", RFC)]),
        (
            "PRD-0001",
            3,
            [(TDD2, "depends_on", ADR), (ADR, "references", RFC), (RFC, "implements", PRD)],
        ),
    ]
    assert result.nodes[0].parent == TDD2
    assert result.nodes[2].parent == ADR


def test_depth_limit_and_relation_filter(corpus: Corpus) -> None:
    assert [n.id for n in queries.downstream(corpus, PRD, depth=2).nodes] == [
        "RFC-0001",
        "ADR-0001",
    ]
    only = queries.downstream(corpus, "ADR-0001", relations=["depends_on"])
    assert [(n.id, n.depth) for n in only.nodes] == [("TDD-0001", 1), ("TDD-0002", 1)]
    assert queries.downstream(corpus, PRD, relations=["depends_on"]).nodes == ()


def test_unknown_document_suggests(corpus: Corpus) -> None:
    with pytest.raises(NotFoundError) as info:
        queries.downstream(corpus, "TDD-0003")
    assert "did you mean" in str(info.value)
    assert "TDD-0001" in info.value.suggestions


def test_strongest_relation_wins_on_parallel_edges() -> None:
    graph = nx.MultiDiGraph()
    graph.add_edge("a.md", "b.md", relation="mentions", line=1, column=1)
    graph.add_edge("a.md", "b.md", relation="depends_on", line=9, column=1)
    assert queries.strongest_relation(graph, "a.md", "b.md") == "depends_on"
    assert queries.strongest_relation(graph, "a.md", "b.md", {"mentions"}) == "mentions"
    assert queries.strongest_relation(graph, "a.md", "b.md", {"related"}) is None


def test_ties_break_by_sorted_path() -> None:
    # d rests on both b and c, which both rest on a: d is reached through b (sorts first).
    corpus = _fake_corpus([("b", "a"), ("c", "a"), ("d", "c"), ("d", "b")])
    node = {n.path: n for n in queries.downstream(corpus, "a").nodes}["d"]
    assert node.via == (Hop("b", "references", "a"), Hop("d", "references", "b"))


def test_paths_between_either_direction(corpus: Corpus) -> None:
    chains = queries.paths_between(corpus, "PRD-0001", "TDD-0002")
    assert chains.forward == ()
    assert chains.backward == (
        (Hop(TDD2, "depends_on", ADR), Hop(ADR, "references", RFC), Hop(RFC, "implements", PRD)),
    )
    direct = queries.paths_between(corpus, "TDD-0002", "TDD-0001")
    assert direct.forward == ((Hop(TDD2, "depends_on", TDD1),),)
    assert not queries.paths_between(corpus, "NOTES.md", "PRD-0001").found


def test_paths_between_lists_all_shortest_chains() -> None:
    corpus = _fake_corpus([("d", "b"), ("d", "c"), ("b", "a"), ("c", "a")])
    chains = queries.paths_between(corpus, "d", "a")
    assert [[h.target for h in chain] for chain in chains.forward] == [["b", "a"], ["c", "a"]]
    assert not chains.truncated
    assert len(queries.paths_between(corpus, "d", "a", limit=1).forward) == 1


def test_show_groups_edges_by_relation_with_lines(corpus: Corpus) -> None:
    card = queries.show(corpus, "ADR-0001")
    assert card.document.path == ADR
    assert [(rel, [(e.other, e.line) for e in edges]) for rel, edges in card.outbound] == [
        ("references", [(RFC, 6)])
    ]
    assert [
        (rel, [(e.other, e.declared_by, e.line) for e in edges]) for rel, edges in card.inbound
    ] == [("depends_on", [(TDD1, TDD1, 3), (TDD2, TDD2, 3)])]
    tdd = queries.show(corpus, "TDD-0001")
    assert [(link.status.value, link.path) for link in tdd.other] == [
        ("artifact", "src/pay/service.py")
    ]


def test_affected_by_change_maps_code_to_documents(corpus: Corpus) -> None:
    result = queries.affected_by_change(
        corpus, ["src/pay/service.py", "src/refunds/api.py", "docs/adr/0001-use-stripe.md", "x.py"]
    )
    assert [(r.path, r.files) for r in result.roots] == [
        (ADR, (ADR,)),
        (TDD1, ("src/pay/service.py",)),
        (TDD2, ("src/refunds/api.py",)),  # through the link to the folder src/refunds/
    ]
    assert result.unmatched == ("x.py",)
    assert [(a.id, a.depth, a.roots) for a in result.affected] == [
        ("ADR-0001", 0, (ADR,)),
        ("TDD-0001", 0, (ADR, TDD1)),
        ("TDD-0002", 0, (ADR, TDD1, TDD2)),
    ]


def test_affected_by_change_follows_downstream(corpus: Corpus) -> None:
    result = queries.affected_by_change(corpus, ["./docs/prd/PRD-0001-checkout.md"])
    assert [(a.id, a.depth, a.roots) for a in result.affected] == [
        ("PRD-0001", 0, (PRD,)),
        ("RFC-0001", 1, (PRD,)),
        ("ADR-0001", 2, (PRD,)),
        ("TDD-0001", 3, (PRD,)),
        ("TDD-0002", 3, (PRD,)),
    ]


def test_deleted_file_still_touches_its_citers(tmp_path: Path) -> None:
    root = make_chain(tmp_path / "repo")
    (root / "src/pay/service.py").unlink()
    corpus = api.scan(root)
    result = queries.affected_by_change(corpus, ["src/pay/service.py"])
    assert [r.path for r in result.roots] == [TDD1]


def test_superseded_detection(tree) -> None:  # type: ignore[no-untyped-def]
    root = tree(
        {
            "adr/0001-old.md": "# 1. Old\n\n## Status\n\nSuperseded by [ADR-0002](0002-new.md)\n",
            "adr/0002-new.md": "# 2. New\n\n## Status\n\nAccepted\n\n"
            "Supersedes [ADR-0001](0001-old.md)\n",
        }
    )
    corpus = api.scan(root)
    assert queries.superseded_by(corpus, "adr/0001-old.md") == ("adr/0002-new.md",)
    assert queries.is_superseded(corpus, "adr/0001-old.md")
    assert not queries.is_superseded(corpus, "adr/0002-new.md")


# --- property: impact and upstream mirror each other ------------------------------------------


def _fake_corpus(edges: list[tuple[str, str]], nodes: list[str] | None = None) -> Corpus:
    graph = nx.MultiDiGraph()
    for node in sorted(set(nodes or []) | {n for e in edges for n in e}):
        graph.add_node(node, id=node, path=node, type="DOC", status="", title=node)
    for source, target in edges:
        graph.add_edge(source, target, relation="references", line=1, column=1)
    return Corpus(
        root=Path("."),
        config=default_config(),
        documents=(),
        files=frozenset(),
        links=(),
        edges=Edges.of(graph),
        by_path={},
        ids={},
    )


NAMES = [f"n{i:02d}" for i in range(12)]


@st.composite
def dags(draw: st.DrawFn) -> list[tuple[str, str]]:
    """Random DAGs: edges only from a later name to an earlier one."""
    pairs = [(NAMES[j], NAMES[i]) for i in range(len(NAMES)) for j in range(i + 1, len(NAMES))]
    return draw(st.lists(st.sampled_from(pairs), max_size=30, unique=True))


@settings(max_examples=150, deadline=None)
@given(dags(), st.sampled_from(NAMES), st.sampled_from(NAMES))
def test_impact_and_upstream_mirror_each_other(
    edges: list[tuple[str, str]], a: str, b: str
) -> None:
    corpus = _fake_corpus(edges, NAMES)
    down = {n.path: n for n in queries.downstream(corpus, a).nodes}
    up = {n.path: n for n in queries.upstream(corpus, b).nodes}
    assert (b in down) == (a in up)
    if b in down:
        assert down[b].depth == up[a].depth == nx.shortest_path_length(corpus.graph, b, a)


@settings(max_examples=100, deadline=None)
@given(dags(), st.sampled_from(NAMES))
def test_via_is_a_real_shortest_chain(edges: list[tuple[str, str]], a: str) -> None:
    corpus = _fake_corpus(edges, NAMES)
    result = queries.downstream(corpus, a)
    assert {n.path for n in result.nodes} == nx.ancestors(corpus.graph, a)
    for node in result.nodes:
        assert len(node.via) == node.depth
        assert node.via[0].target == a and node.via[-1].source == node.path
        for hop in node.via:
            assert corpus.graph.has_edge(hop.source, hop.target)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(NAMES), st.sampled_from(NAMES)), max_size=30),
    st.lists(st.sampled_from(NAMES), min_size=1, max_size=4, unique=True),
    st.one_of(st.none(), st.integers(min_value=1, max_value=3)),
)
def test_change_roots_agree_with_one_traversal_per_root(
    edges: list[tuple[str, str]], changed: list[str], depth: int | None
) -> None:
    # Any digraph, cycles included: the condensation shortcut must match per-root traversals.
    corpus = _fake_corpus(edges, NAMES)
    object.__setattr__(corpus, "by_path", dict.fromkeys(NAMES))
    result = queries.affected_by_change(corpus, changed, depth=depth)
    expected: dict[str, set[str]] = {}
    for root in changed:
        expected.setdefault(root, set()).add(root)
        for node in queries.downstream(corpus, root, depth=depth).nodes:
            expected.setdefault(node.path, set()).add(root)
    assert {a.path: set(a.roots) for a in result.affected} == expected
