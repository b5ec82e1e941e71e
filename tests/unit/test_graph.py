"""Resolution and the graph: targets, direction, IDs, folders, root-relative links."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from tests.helpers import statuses
from tracegraph import api
from tracegraph.model import Target

Tree = Callable[[Mapping[str, str | bytes]], Path]


def test_resolution_targets(tree: Tree) -> None:
    root = tree(
        {
            "docs/guide.md": """
                # Guide

                [sibling](other.md) [up](../README.md) [rooted](/src/app.py#L10)
                [folder](../src/) [docs-folder](sub) [missing](nope.md) [escape](../../x.md)
                [web](https://example.com) [self](#guide) [pct](my%20file.md) [file](file:///etc/passwd)
                [adr](adr) See ADR-7 and ADR-99.
                """,
            "docs/other.md": "# Other\n",
            "docs/my file.md": "# Spaces\n",
            "docs/sub/index.md": "# Sub index\n",
            "docs/adr/0007-x.md": "# X\n",
            "README.md": "# Readme\n",
            "src/app.py": "print()\n",
        }
    )
    corpus = api.scan(root)
    got = statuses(corpus, "docs/guide.md")
    assert got == {
        "other.md": (Target.DOCUMENT, "docs/other.md"),
        "../README.md": (Target.DOCUMENT, "README.md"),
        "/src/app.py#L10": (Target.ARTIFACT, "src/app.py"),
        "../src/": (Target.ARTIFACT, "src"),
        "sub": (Target.DOCUMENT, "docs/sub/index.md"),
        "nope.md": (Target.MISSING, "docs/nope.md"),
        "../../x.md": (Target.OUTSIDE, "../x.md"),
        "https://example.com": (Target.EXTERNAL, None),
        "#guide": (Target.SELF, "docs/guide.md"),
        "my%20file.md": (Target.DOCUMENT, "docs/my file.md"),
        "file:///etc/passwd": (Target.OUTSIDE, None),
        "adr": (Target.ARTIFACT, "docs/adr"),
        "ADR-0007": (Target.DOCUMENT, "docs/adr/0007-x.md"),
        "ADR-0099": (Target.UNKNOWN_ID, None),
    }


def test_edge_direction_and_reversal(tree: Tree) -> None:
    root = tree(
        {
            "prd/PRD-0001-a.md": "# A\n",
            "rfc/RFC-0001-b.md": "---\nimplements: [PRD-1]\n---\n# B\n",
            "tdd/TDD-0001-c.md": """
                # C

                **Related Documents:**
                - RFC: [RFC-1](../rfc/RFC-0001-b.md)

                ## Dependencies

                ### Downstream Impact
                - [Billing](../tdd/TDD-0002-d.md)
                """,
            "tdd/TDD-0002-d.md": "# D\n",
            "adr/0001-old.md": "# 1. Old\n\n## Status\n\nSuperseded by [ADR-2](0002-new.md)\n",
            "adr/0002-new.md": "# 2. New\n\n## Status\n\nAccepted\n",
        }
    )
    corpus = api.scan(root)
    edges = sorted((s, t, d["relation"]) for s, t, d in corpus.graph.edges(data=True))
    assert edges == [
        ("adr/0002-new.md", "adr/0001-old.md", "supersedes"),
        ("rfc/RFC-0001-b.md", "prd/PRD-0001-a.md", "implements"),
        ("tdd/TDD-0001-c.md", "rfc/RFC-0001-b.md", "implements"),
        ("tdd/TDD-0002-d.md", "tdd/TDD-0001-c.md", "depends_on"),
    ]
    supersedes = next(
        d for _, _, d in corpus.graph.edges(data=True) if d["relation"] == "supersedes"
    )
    assert supersedes["declared_by"] == "adr/0001-old.md"


def test_node_attributes(tree: Tree) -> None:
    root = tree({"adr/0003-x.md": "# 3. Use X\n\n## Status\n\nProposed\n", "notes.md": "# N\n"})
    corpus = api.scan(root)
    assert corpus.graph.nodes["adr/0003-x.md"] == {
        "id": "ADR-0003",
        "path": "adr/0003-x.md",
        "type": "ADR",
        "status": "proposed",
        "title": "3. Use X",
    }
    assert corpus.graph.nodes["notes.md"]["id"] == "notes.md"


def test_find_by_any_spelling_and_suggestions(tree: Tree) -> None:
    root = tree({"adr/0007-x.md": "# X\n", "adr/0008-y.md": "# Y\n"})
    corpus = api.scan(root)
    assert corpus.find("adr-7").path == "adr/0007-x.md"
    assert corpus.find("ADR-0007").path == "adr/0007-x.md"
    assert corpus.find("adr/0008-y.md").id == "ADR-0008"
    try:
        corpus.find("ADR-0009")
    except Exception as exc:  # NotFoundError
        assert "did you mean" in str(exc)
        assert "ADR-0008" in str(exc)
    else:
        raise AssertionError("expected NotFoundError")


def test_direct_graph_build_equals_networkx_public_api() -> None:
    """graph.py fills networkx's adjacency dicts directly for speed; this pins that the result
    is exactly what ``add_edge`` builds, so a networkx upgrade that changes internals fails
    here rather than silently."""
    import networkx as nx

    from tests.conftest import SAMPLE_REPO
    from tracegraph.graph import edge_of

    corpus = api.scan(SAMPLE_REPO)
    public = nx.MultiDiGraph()
    for node, attrs in corpus.graph.nodes(data=True):
        public.add_node(node, **attrs)
    for link in corpus.links:
        edge = edge_of(link)
        if edge is not None:
            source, target, relation = edge
            ref = link.reference
            public.add_edge(
                source,
                target,
                relation=relation.value,
                line=ref.line,
                column=ref.column,
                kind=ref.kind.value,
                declared_by=link.source,
            )
    assert list(corpus.graph.nodes(data=True)) == list(public.nodes(data=True))
    built = sorted(corpus.graph.edges(keys=True, data=True), key=repr)
    assert built == sorted(public.edges(keys=True, data=True), key=repr)
    assert dict(corpus.graph.pred) == dict(public.pred)
    assert corpus.graph.number_of_edges() == public.number_of_edges() > 50


def test_compact_edges_read_as_networkx_dicts() -> None:
    """The adjacency's inner levels are compact read-only mappings (``EdgeKeys``,
    ``EdgeAttrs``): networkx's views, copies and algorithms read them as the dicts they
    replace, and they compare equal to those dicts both ways."""
    import networkx as nx
    import pytest

    from tests.conftest import SAMPLE_REPO
    from tracegraph.graph import EdgeAttrs, EdgeKeys

    corpus = api.scan(SAMPLE_REPO)
    graph = corpus.graph
    u, v, k = next(iter(graph.edges(keys=True)))
    keyed = graph.get_edge_data(u, v)
    attrs = graph.edges[u, v, k]
    assert isinstance(keyed, EdgeKeys) and isinstance(attrs, EdgeAttrs)
    plain = dict(attrs)
    assert set(plain) >= {"relation", "line", "column", "kind", "declared_by"}
    assert attrs == plain and plain == attrs and dict(keyed)[k] == plain
    assert attrs.get("file") is None and "nope" not in attrs and k in keyed
    assert len(keyed) not in keyed and "0" not in keyed and -1 not in keyed
    with pytest.raises(KeyError):
        attrs["nope"]
    assert graph.has_edge(u, v, k) and not graph.has_edge(u, v, len(keyed))
    copied = graph.copy()
    assert sorted(copied.edges(keys=True, data=True), key=repr) == sorted(
        graph.edges(keys=True, data=True), key=repr
    )
    nodes = sorted({u, v, *graph.successors(v)})
    sub = graph.subgraph(nodes).copy()
    assert all(isinstance(d, dict) for _, _, d in sub.edges(data=True))
    assert sub.number_of_edges() == sum(
        len(graph.get_edge_data(a, b)) for a in nodes for b in graph.successors(a) if b in nodes
    )
    assert graph.degree(u) == sum(map(len, graph.succ[u].values())) + sum(
        map(len, graph.pred[u].values())
    )
    reversed_view = graph.reverse(copy=False)
    assert dict(reversed_view.succ[v][u]) == dict(keyed)
    assert nx.condensation(graph).number_of_nodes() <= graph.number_of_nodes()


def test_edge_keys_hold_links_and_read_attributes() -> None:
    """A pair's ``EdgeKeys`` holds its links and makes each ``EdgeAttrs`` when read (equal
    each time); ``relations`` reads the relations without them, for links and mappings."""
    from tests.conftest import SAMPLE_REPO
    from tracegraph.graph import EdgeAttrs, EdgeKeys

    corpus = api.scan(SAMPLE_REPO)
    pairs = [keyed for targets in corpus.edges.succ.values() for keyed in targets.values()]
    assert len(pairs) > 20
    for keyed in pairs:
        assert isinstance(keyed, EdgeKeys)
        read = list(keyed.values())
        assert all(type(d) is EdgeAttrs for d in read) and read == list(keyed.values())
        assert keyed.relations == tuple(d["relation"] for d in read)
        assert [keyed[k] for k in keyed] == read == list(keyed.edges)
    first = pairs[0][0]
    mixed = EdgeKeys((first.link, {"relation": "mentions"}))
    assert mixed.relations == (first["relation"], "mentions")
    assert list(mixed.values()) == [first, {"relation": "mentions"}]
    mixed.add(first.link)
    assert len(mixed) == 3 and mixed[2] == first and mixed.relations[2] == first["relation"]


def test_links_resolved_once_per_folder_equal_each_link_resolved_alone(tree: Tree) -> None:
    """A folder's documents that link the same targets reuse the first answer (``links_of``);
    every link equals what a fresh resolver makes of it alone, including links to the
    document itself, ``#fragment`` links, IDs and a folder left and
    entered again (docs/adr/sub sorts between two documents of docs/adr)."""
    from tracegraph.graph import _resolver

    body = (
        "[b](0002-b.md) [b part](0002-b.md#Part) [top](#top) [gone](missing.md)"
        " [rooted](/docs/adr/0001-a.md) [out](../../../out.md) [dir](sub) [img](x.png)"
        " [web](https://example.com/a) ADR-1 ADR-2 ADR-9 see ADR-0002 and ADR-0001.\n"
    )
    root = tree(
        {
            "docs/adr/0001-a.md": f"# 1. A\n\n{body}",
            "docs/adr/0002-b.md": f"# 2. B\n\n## Part\n\n{body}",
            "docs/adr/sub/index.md": f"# Sub\n\n{body}",
            "docs/adr/0003-c.md": f"# 3. C\n\n{body}[again](0002-b.md)\n",
            "docs/adr/x.png": b"\x89PNG",
        }
    )
    corpus = api.scan(root)
    ids = {doc_id: paths for doc_id, paths in corpus.ids.items()}
    alone = []
    for doc in corpus.documents:
        for ref in doc.references:
            fresh = _resolver(corpus.config, dict(corpus.by_path), ids, corpus.files, None)
            alone.append(fresh.resolve(doc, ref))
    assert list(corpus.links) == alone
    got = statuses(corpus, "docs/adr/0002-b.md")
    assert got["0002-b.md"] == (Target.SELF, "docs/adr/0002-b.md")
    assert got["#top"] == (Target.SELF, "docs/adr/0002-b.md")
    assert got["ADR-0001"] == (Target.DOCUMENT, "docs/adr/0001-a.md")
    assert statuses(corpus, "docs/adr/0003-c.md")["0002-b.md"] == (
        Target.DOCUMENT,
        "docs/adr/0002-b.md",
    )


def test_edges_grouped_by_relation_in_the_graphs_order() -> None:
    """``Edges.grouped`` (the rules' chain and ``supersedes`` edges) equals filtering every
    edge by its relation, in the graph's order: for the compact adjacency, a networkx graph's
    dicts and a pair of several edges."""
    import networkx as nx

    from tests.conftest import SAMPLE_REPO
    from tracegraph.graph import EdgeKeys, Edges

    groups = {"implements": 0, "depends_on": 0, "supersedes": 1}

    def expected(edges: Edges) -> list[list[tuple[str, str, dict[str, object]]]]:
        found: list[list[tuple[str, str, dict[str, object]]]] = [[], []]
        for source, targets in edges.succ.items():
            for target, keyed in targets.items():
                for data in keyed.values():
                    if data["relation"] in groups:
                        found[groups[data["relation"]]].append((source, target, dict(data)))
        return found

    def plain(found: list[list[tuple[str, str, Mapping[str, object]]]]) -> object:
        return [[(s, t, dict(d)) for s, t, d in group] for group in found]

    corpus = api.scan(SAMPLE_REPO)
    want = expected(corpus.edges)
    assert len(want[0]) > 5 and len(want[1]) > 0
    assert plain(corpus.edges.grouped(groups, 2)) == want
    assert plain(Edges.of(nx.MultiDiGraph(corpus.graph)).grouped(groups, 2)) == want
    source, targets = next((s, t) for s, t in corpus.edges.succ.items() if t)
    target, keyed = next(iter(targets.items()))
    assert isinstance(keyed, EdgeKeys)
    link = next(iter(keyed.edges)).link  # type: ignore[attr-defined]
    several = EdgeKeys((link, {"relation": "supersedes", "line": 9}, {"relation": "related"}))
    edges = Edges({}, {source: {target: several}, "z.md": {}}, {})
    got = plain(edges.grouped(groups, 2))
    assert got == expected(edges) and got[1] == [
        (source, target, {"relation": "supersedes", "line": 9})
    ]
    twice = Edges({}, {source: {target: EdgeKeys((link, link)), "y.md": several}}, {})
    assert plain(twice.grouped(groups, 2)) == expected(twice)
    relation = next(iter(keyed.edges))["relation"]  # a pair of several links: each one's edge
    attributes = dict(next(iter(keyed.edges)))
    assert plain(twice.grouped({relation: 0}, 1)) == [
        [(source, target, attributes), (source, target, attributes), (source, "y.md", attributes)]
    ]
