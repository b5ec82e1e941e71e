"""The map view model: selection, styling flags, ghosts, clusters, links."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import pytest

from tests.unit.render.map_repo import ADR1, ADR2, NOTES, ORPHAN, PRD, RFC, TDD, make_map_repo
from tracegraph.api import scan
from tracegraph.errors import NotFoundError, UsageError
from tracegraph.graph import Corpus
from tracegraph.model import Relation
from tracegraph.render import build_map
from tracegraph.render.model import (
    MapEdge,
    document_href,
    is_obvious,
    reduce_edges,
    short_name,
    short_title,
)
from tracegraph.render.style import Phase


@pytest.fixture
def corpus(tmp_path: Path) -> Corpus:
    return scan(make_map_repo(tmp_path / "repo"))


def keys(model: object) -> set[str]:
    return {node.key for node in model.nodes}  # type: ignore[attr-defined]


def test_every_document_is_a_node_in_path_order(corpus: Corpus) -> None:
    model = build_map(corpus)
    assert [n.key for n in model.nodes] == sorted(d.path for d in corpus.documents)


def test_clusters_follow_traceability_order_with_doc_last(corpus: Corpus) -> None:
    model = build_map(corpus)
    assert [c.key for c in model.clusters] == ["PRD", "RFC", "ADR", "TDD", "DOC"]
    assert model.clusters[2].members == (ADR1, ADR2, ORPHAN)
    assert model.types == ("PRD", "RFC", "ADR", "TDD", "DOC")


def test_cluster_by_folder_and_none(corpus: Corpus) -> None:
    by_folder = build_map(corpus, cluster="folder")
    assert [c.label for c in by_folder.clusters] == [
        "docs/adr",
        "docs/prd",
        "docs/rfc",
        "docs/tdd",
        "notes",
    ]
    assert build_map(corpus, cluster="none").clusters == ()


def test_phases_orphans_and_errors(corpus: Corpus) -> None:
    model = build_map(corpus, error_paths=frozenset({RFC}))
    phases = {n.key: n.phase for n in model.nodes}
    assert phases[ADR1] is Phase.RETIRED
    assert phases[ADR2] is Phase.ACTIVE
    assert phases[RFC] is Phase.EARLY
    assert phases[TDD] is Phase.DONE
    assert phases[NOTES] is Phase.NONE
    assert [n.key for n in model.nodes if n.orphan] == [ORPHAN]
    assert [n.key for n in model.nodes if n.error] == [RFC]


def test_broken_references_become_ghosts_with_edges(corpus: Corpus) -> None:
    model = build_map(corpus)
    assert [(g.reason, g.target) for g in model.ghosts] == [
        ("missing", "docs/perf/missing.md"),
        ("unknown ID", "ADR-0042"),
    ]
    broken = [(e.source, e.target) for e in model.edges if e.broken]
    assert broken == [(RFC, "missing:docs/perf/missing.md"), (RFC, "unknown-id:ADR-0042")]


def test_parallel_references_merge_into_one_edge_drawn_by_the_strongest(tree) -> None:  # type: ignore[no-untyped-def]
    root = tree(
        {
            "docs/prd/PRD-0001-a.md": "# A\n",
            "docs/rfc/RFC-0001-b.md": """
                ---
                implements: PRD-0001
                ---
                # B

                See [A](../prd/PRD-0001-a.md) and PRD-0001.
                """,
        }
    )
    (edge,) = build_map(scan(root)).edges
    assert edge.relation == "implements"
    assert edge.relations == ("implements", "mentions", "references")
    assert edge.count == 3
    assert edge.slug == "edge-rfc-0001--prd-0001"


def test_focus_directions_and_depth(corpus: Corpus) -> None:
    assert keys(build_map(corpus, focus="RFC-1", direction="up")) == {RFC, PRD}
    assert keys(build_map(corpus, focus="RFC-0001", direction="down")) == {RFC, ADR1, TDD, ADR2}
    assert keys(build_map(corpus, focus="RFC-0001", direction="down", depth=1)) == {
        RFC,
        ADR1,
        TDD,
    }
    both = build_map(corpus, focus="rfc-0001", depth=1)
    assert keys(both) == {RFC, PRD, ADR1, TDD}
    assert both.focus == RFC
    assert [n.key for n in both.nodes if n.focus] == [RFC]
    assert "around RFC-0001" in both.title


def test_filters_keep_the_focus_document(corpus: Corpus) -> None:
    assert keys(build_map(corpus, types=["adr"])) == {ADR1, ADR2, ORPHAN}
    assert keys(build_map(corpus, statuses=["accepted", "none"])) == {ADR2, NOTES}
    assert keys(build_map(corpus, focus="TDD-0001", types=["PRD"])) == {TDD, PRD}


def test_only_draws_an_explicit_set_and_edges_between_it(corpus: Corpus) -> None:
    model = build_map(corpus, only=frozenset({TDD, RFC, "no/such.md"}), focus="TDD-0001")
    assert keys(model) == {TDD, RFC}
    assert [(e.source, e.target) for e in model.edges if not e.broken] == [(TDD, RFC)]
    assert model.node(TDD).focus


def test_bad_options_are_usage_errors(corpus: Corpus) -> None:
    with pytest.raises(NotFoundError):
        build_map(corpus, focus="ADR-0077")
    with pytest.raises(UsageError):
        build_map(corpus, cluster="colour")  # type: ignore[arg-type]
    with pytest.raises(UsageError):
        build_map(corpus, focus="RFC-0001", direction="sideways")  # type: ignore[arg-type]


def test_hrefs_are_relative_to_the_output_folder_or_absolute(corpus: Corpus) -> None:
    inside = build_map(corpus, output_dir=corpus.root / "out")
    assert inside.node(PRD).href == "../docs/prd/PRD-0001-checkout.md"
    based = build_map(corpus, link_base="https://git.example/org/repo/blob/main")
    assert based.node(PRD).href == (
        "https://git.example/org/repo/blob/main/docs/prd/PRD-0001-checkout.md"
    )
    assert document_href(Path("/r"), 'a "b"#c.md', Path("/r"), None) == "a%20%22b%22%23c.md"


def test_slugs_are_unique_for_duplicate_ids(tree) -> None:  # type: ignore[no-untyped-def]
    root = tree(
        {
            "adr/0001-a.md": "# ADR-0001: A\n",
            "adr/old/0001-b.md": "# ADR-0001: B\n",
        }
    )
    slugs = [n.slug for n in build_map(scan(root)).nodes]
    assert slugs == ["node-adr-0001", "node-adr-0001-2"]


def test_short_title_drops_what_the_id_says() -> None:
    assert short_title("Technical Design Document (TDD): Usage Metering", "TDD") == (
        "Usage Metering"
    )
    assert short_title("7. Fail over between two SMS providers", "ADR") == (
        "Fail over between two SMS providers"
    )
    assert short_title("RFC-12: Webhooks", "RFC") == "Webhooks"
    assert short_title("RFC 7231 explained", "DOC") == "RFC 7231 explained"
    assert short_title("1.", "ADR") == "1."


def test_same_corpus_gives_an_equal_model(corpus: Corpus) -> None:
    assert build_map(corpus) == build_map(corpus)


def _edge(source: str, target: str, relation: str, broken: bool = False) -> MapEdge:
    return MapEdge(source, target, relation, (relation,), 1, f"edge-{source}--{target}", broken)


def test_reduction_hides_what_a_chain_of_edges_at_least_as_strong_implies() -> None:
    edges = (
        _edge("tdd", "rfc", "implements"),
        _edge("rfc", "prd", "implements"),
        _edge("tdd", "prd", "implements"),  # implied by tdd -> rfc -> prd
        _edge("adr", "rfc", "mentions"),
        _edge("doc", "adr", "mentions"),
        _edge("doc", "rfc", "depends_on"),  # a chain of mentions does not imply depends_on
        _edge("new", "old", "supersedes"),
        _edge("new", "x", "references"),
        _edge("x", "old", "references"),
    )
    drawn, implied = reduce_edges(edges)
    assert [(e.source, e.target) for e in implied] == [("tdd", "prd")]
    assert implied[0].via == ("tdd", "rfc", "prd")
    assert len(drawn) == len(edges) - 1


def test_reduction_keeps_cycles_and_preserves_reachability() -> None:
    edges = tuple(
        _edge(a, b, "depends_on")
        for a, b in [("a", "b"), ("b", "a"), ("a", "c"), ("b", "c"), ("c", "d"), ("a", "d")]
    )
    drawn, implied = reduce_edges(edges)
    assert {(e.source, e.target) for e in implied} == {("a", "d")}
    graph = nx.DiGraph([(e.source, e.target) for e in drawn])
    full = nx.DiGraph([(e.source, e.target) for e in edges])
    assert all(nx.descendants(graph, n) == nx.descendants(full, n) for n in full)


def test_obvious_relations_carry_no_label(corpus: Corpus) -> None:
    model = build_map(corpus)
    labelled = {(e.source, e.target): e.labelled for e in model.edges}
    assert labelled[(RFC, PRD)] is False  # implements, downstream type -> upstream type
    assert labelled[(ADR2, ADR1)] is False  # supersedes within a type
    assert labelled[(TDD, ADR2)] is True  # depends on
    assert is_obvious(Relation.IMPLEMENTS, "PRD", "TDD") is False
    assert is_obvious(Relation.SUPERSEDES, "ADR", "RFC") is False


def test_path_named_documents_show_a_short_name() -> None:
    assert short_name("docs/adr/20201026-the-core-api-is-responsible-for-x.md").endswith("…")
    assert short_name("README.md") == "README.md"
