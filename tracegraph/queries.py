"""Queries over the graph: downstream (impact), upstream, paths between two documents, a
document card, and what a set of changed files touches.

Direction (DESIGN.md section 2): an edge ``A -> B`` means A rests on B. Everything downstream of X
has a path *to* X, so ``downstream`` walks predecessors and ``upstream`` walks successors.

Every function is deterministic. A traversal is a breadth-first search whose neighbours are taken
in sorted path order, so each node's ``via`` is its shortest chain from the root and, among chains
of that length, the one whose sequence of paths sorts first. Node keys are paths; the short names
users see (IDs, or paths for documents without one) come from the ``id`` node attribute.
"""

from __future__ import annotations

import importlib
import posixpath
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from .graph import Corpus
from .model import Document, Finding, Link, Relation, Target

if TYPE_CHECKING:
    import networkx as nx
else:  # imported on first use: start-up without a graph stays fast
    from ._lazy import networkx as nx

Direction = Literal["downstream", "upstream"]

#: Strongest first: when two documents are joined by several edges, a hop shows the strongest.
RELATION_RANK = {relation.value: rank for rank, relation in enumerate(Relation)}

#: Relations whose edges mark their target as superseded.
SUPERSEDES = Relation.SUPERSEDES.value


@dataclass(frozen=True, slots=True)
class Hop:
    """One edge of a chain, in graph direction: ``source`` rests on ``target`` (paths)."""

    source: str
    relation: str
    target: str


@dataclass(frozen=True, slots=True)
class Reached:
    """A document reached by a traversal, at its shortest depth.

    ``via`` is the chain of edges that explains it, ordered from the root outward: the first hop
    touches the root, the last touches this document.
    """

    path: str
    id: str
    type: str
    status: str
    title: str
    depth: int
    via: tuple[Hop, ...]

    @property
    def parent(self) -> str:
        """The path of the document this one hangs from in the traversal tree."""
        last = self.via[-1]
        return last.target if last.source == self.path else last.source


@dataclass(frozen=True)
class Traversal:
    """The result of ``downstream`` or ``upstream``.

    ``nodes`` excludes the root and is in breadth-first order (depth, then chain);
    ``traversal_edges`` gives the further edges among them when a tree or diagram needs them.
    """

    root: str
    direction: Direction
    depth_limit: int | None
    relations: frozenset[str] | None
    nodes: tuple[Reached, ...]
    #: Documents reached through ``supersedes`` and not gone past (see ``traverse``).
    stopped: frozenset[str] = frozenset()

    def paths(self) -> tuple[str, ...]:
        """The root followed by every reached document, in traversal order."""
        return (self.root, *(n.path for n in self.nodes))


@dataclass(frozen=True)
class Chains:
    """Shortest chains between two documents; ``forward`` when ``source`` rests (transitively)
    on ``target``, ``backward`` when ``target`` rests on ``source``. Each chain is in graph
    direction. ``truncated`` says more chains of the same length exist than were kept."""

    source: str
    target: str
    forward: tuple[tuple[Hop, ...], ...]
    backward: tuple[tuple[Hop, ...], ...]
    truncated: bool = False

    @property
    def found(self) -> bool:
        """Whether the two documents are connected in either direction."""
        return bool(self.forward or self.backward)


@dataclass(frozen=True, slots=True)
class CardEdge:
    """One graph edge seen from a document card: the other end, where it is written."""

    relation: str
    other: str
    line: int
    column: int
    declared_by: str
    kind: str


@dataclass(frozen=True)
class Card:
    """Everything about one document: ``outbound`` is what it rests on (its out-edges, grouped
    by relation), ``inbound`` what rests on it; ``other`` lists references that resolve to no
    document (artifacts, external URLs, broken ones). ``findings`` is None when the checks are
    not available."""

    document: Document
    outbound: tuple[tuple[str, tuple[CardEdge, ...]], ...]
    inbound: tuple[tuple[str, tuple[CardEdge, ...]], ...]
    other: tuple[Link, ...]
    superseded_by: tuple[str, ...]
    findings: tuple[Finding, ...] | None


@dataclass(frozen=True, slots=True)
class ChangeRoot:
    """A document a change starts from, and the changed files that make it one (its own path
    when the document itself changed, else the artifacts it links to)."""

    path: str
    files: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Affected:
    """A document a change touches: its shortest depth from any root and the roots (paths) it is
    reached from, itself included when it is a root."""

    path: str
    id: str
    type: str
    status: str
    title: str
    depth: int
    roots: tuple[str, ...]


@dataclass(frozen=True)
class ChangeImpact:
    """What a set of changed files touches. ``unmatched`` holds changed files that are neither
    documents nor linked from any document."""

    changed: tuple[str, ...]
    roots: tuple[ChangeRoot, ...]
    affected: tuple[Affected, ...]
    unmatched: tuple[str, ...]


def relation_key(data: Mapping[str, Any]) -> tuple[int, int, int]:
    """Sort key of an edge's attributes: strongest relation, then the earliest line."""
    return (
        RELATION_RANK.get(data.get("relation", ""), len(RELATION_RANK)),
        int(data.get("line", 0)),
        int(data.get("column", 0)),
    )


def strongest_relation(
    graph: nx.MultiDiGraph, source: str, target: str, relations: Collection[str] | None = None
) -> str | None:
    """The strongest relation among the edges ``source -> target`` (None when none qualifies).

    >>> g = nx.MultiDiGraph()
    >>> _ = g.add_edge("t.md", "r.md", relation="references", line=9)
    >>> _ = g.add_edge("t.md", "r.md", relation="implements", line=3)
    >>> strongest_relation(g, "t.md", "r.md")
    'implements'
    """
    if source not in graph or target not in graph.succ[source]:
        return None
    return _strongest(graph.succ[source][target], relations)


def _strongest(
    keyed: Mapping[Any, Mapping[str, Any]], relations: Collection[str] | None
) -> str | None:
    """The strongest relation among parallel edges (their attribute dicts, keyed)."""
    best: str | None = None
    best_key: tuple[int, int, int] | None = None
    for data in keyed.values():
        relation = data.get("relation", "")
        if relations is not None and relation not in relations:
            continue
        key = relation_key(data)
        if best_key is None or key < best_key:
            best, best_key = str(relation), key
    return best


def _neighbours(
    graph: nx.MultiDiGraph,
    direction: Direction,
    relations: Collection[str] | None,
    stopped: Collection[str] = (),
) -> Callable[[str], Iterator[str]]:
    """Sorted traversal neighbours: predecessors downstream, successors upstream; none for a
    node in ``stopped`` (looked up when the neighbours are first iterated, so a traversal can
    add to it as it goes)."""
    adjacency = graph.pred if direction == "downstream" else graph.succ
    edges = graph.in_edges if direction == "downstream" else graph.out_edges
    end = 0 if direction == "downstream" else 1

    def neighbours(node: str) -> Iterator[str]:
        if node in stopped:
            return
        if relations is None:
            found = set(adjacency[node])
        else:
            found = {e[end] for e in edges(node, data="relation") if e[2] in relations}
        found.discard(node)
        yield from sorted(found)

    return neighbours


def _hop(direction: Direction, parent: str, child: str, relation: str) -> Hop:
    if direction == "downstream":
        return Hop(child, relation, parent)
    return Hop(parent, relation, child)


def traverse(
    corpus: Corpus,
    doc: str | Document,
    direction: Direction,
    depth: int | None = None,
    relations: Iterable[str] | None = None,
    through_supersedes: bool = False,
) -> Traversal:
    """Breadth-first search from ``doc`` (a path, or anything ``Corpus.find`` accepts).

    A document reached through a ``supersedes`` hop (the successor of a superseded document, or
    upstream the document it replaced) is listed but not gone past: what rests on the successor
    is not the superseded document's impact. ``through_supersedes`` follows on.
    """
    root = _path_of(corpus, doc)
    allowed = frozenset(relations) if relations is not None else None
    graph = corpus.graph
    stopped: set[str] = set()
    neighbours = _neighbours(graph, direction, allowed, stopped)
    depths = {root: 0}
    vias: dict[str, tuple[Hop, ...]] = {root: ()}
    nodes: list[Reached] = []
    for parent, child in nx.generic_bfs_edges(graph, root, neighbours, depth_limit=depth):
        source, target = (child, parent) if direction == "downstream" else (parent, child)
        relation = strongest_relation(graph, source, target, allowed)
        assert relation is not None  # the neighbour function only yields allowed edges
        if relation == SUPERSEDES and not through_supersedes:
            stopped.add(child)
        depths[child] = depths[parent] + 1
        vias[child] = (*vias[parent], _hop(direction, parent, child, relation))
        attrs = graph.nodes[child]
        nodes.append(
            Reached(
                path=child,
                id=attrs["id"],
                type=attrs["type"],
                status=attrs["status"],
                title=attrs["title"],
                depth=depths[child],
                via=vias[child],
            )
        )
    return Traversal(
        root=root,
        direction=direction,
        depth_limit=depth,
        relations=allowed,
        nodes=tuple(nodes),
        stopped=frozenset(stopped),
    )


def downstream(
    corpus: Corpus,
    doc: str | Document,
    depth: int | None = None,
    relations: Iterable[str] | None = None,
    through_supersedes: bool = False,
) -> Traversal:
    """Everything that rests on ``doc``, transitively: its impact (a successor ends its
    chain unless ``through_supersedes``).

    >>> [n.id for n in downstream(scan("sample_repo"), "RFC-0002").nodes]  # doctest: +SKIP
    ['TDD-0002', 'TDD-0003']
    """
    return traverse(corpus, doc, "downstream", depth, relations, through_supersedes)


def upstream(
    corpus: Corpus,
    doc: str | Document,
    depth: int | None = None,
    relations: Iterable[str] | None = None,
    through_supersedes: bool = False,
) -> Traversal:
    """Everything ``doc`` rests on, transitively (a replaced document ends its chain unless
    ``through_supersedes``)."""
    return traverse(corpus, doc, "upstream", depth, relations, through_supersedes)


def traversal_edges(corpus: Corpus, result: Traversal) -> tuple[Hop, ...]:
    """Every traversable edge among the root and the reached documents (one per pair, with the
    strongest relation), in graph direction and sorted: the tree edges and the further paths."""
    members = set(result.paths())
    expanded = 0 if result.direction == "downstream" else 1  # the end the traversal went from
    best: dict[tuple[str, str], tuple[tuple[int, int, int], str]] = {}
    for source, target, data in corpus.graph.out_edges(sorted(members), data=True):
        if target not in members or target == source:
            continue
        if (target, source)[expanded] in result.stopped:  # not followed past a successor
            continue
        relation = data.get("relation", "")
        if result.relations is not None and relation not in result.relations:
            continue
        key = relation_key(data)
        if (source, target) not in best or key < best[source, target][0]:
            best[source, target] = (key, relation)
    return tuple(Hop(s, best[s, t][1], t) for s, t in sorted(best))


def paths_between(
    corpus: Corpus,
    a: str | Document,
    b: str | Document,
    relations: Iterable[str] | None = None,
    limit: int = 100,
) -> Chains:
    """All shortest chains between two documents, in either direction (at most ``limit`` per
    direction), each hop with its strongest relation."""
    source, target = _path_of(corpus, a), _path_of(corpus, b)
    allowed = frozenset(relations) if relations is not None else None
    graph: nx.MultiDiGraph = corpus.graph
    if allowed is not None:
        graph = nx.subgraph_view(
            graph, filter_edge=lambda u, v, k: corpus.graph.edges[u, v, k]["relation"] in allowed
        )
    forward, cut_f = _shortest_chains(graph, source, target, allowed, limit)
    backward, cut_b = _shortest_chains(graph, target, source, allowed, limit)
    return Chains(source, target, forward, backward, cut_f or cut_b)


def _shortest_chains(
    graph: nx.MultiDiGraph,
    source: str,
    target: str,
    relations: frozenset[str] | None,
    limit: int,
) -> tuple[tuple[tuple[Hop, ...], ...], bool]:
    if source == target or not nx.has_path(graph, source, target):
        return (), False
    found: list[list[str]] = []
    # The graph is built in sorted order, so which chains are kept past ``limit`` is stable.
    for nodes in nx.all_shortest_paths(graph, source, target):
        found.append(nodes)
        if len(found) > limit:
            break
    found.sort()
    chains = tuple(
        tuple(
            Hop(u, strongest_relation(graph, u, v, relations) or "", v) for u, v in pairwise(nodes)
        )
        for nodes in found[:limit]
    )
    return chains, len(found) > limit


def superseded_by(corpus: Corpus, path: str) -> tuple[str, ...]:
    """The documents (paths) that declare they supersede ``path``."""
    graph = corpus.graph
    return tuple(
        sorted({u for u, _, rel in graph.in_edges(path, data="relation") if rel == SUPERSEDES})
    )


def is_superseded(corpus: Corpus, path: str) -> bool:
    """Whether a document is superseded: by its status, or by another document's
    ``supersedes`` edge."""
    return corpus.graph.nodes[path]["status"] == "superseded" or bool(superseded_by(corpus, path))


def show(corpus: Corpus, doc: str | Document, findings: Iterable[Finding] | None = None) -> Card:
    """A document card: metadata, edges grouped by relation, other references, findings
    (``findings``: the corpus's, when the caller has them; else the checks run here)."""
    path = _path_of(corpus, doc)
    graph = corpus.graph
    outbound = _group(
        CardEdge(d["relation"], v, d["line"], d["column"], d["declared_by"], d["kind"])
        for _, v, d in graph.out_edges(path, data=True)
    )
    inbound = _group(
        CardEdge(d["relation"], u, d["line"], d["column"], d["declared_by"], d["kind"])
        for u, _, d in graph.in_edges(path, data=True)
    )
    other = tuple(
        sorted(
            (
                link
                for link in corpus.links
                if link.source == path and link.status is not Target.DOCUMENT
            ),
            key=lambda link: (link.reference.line, link.reference.column, link.reference.target),
        )
    )
    return Card(
        document=corpus.document(path),
        outbound=outbound,
        inbound=inbound,
        other=other,
        superseded_by=superseded_by(corpus, path),
        findings=_findings_of(corpus, path)
        if findings is None
        else tuple(sorted(f for f in findings if f.path == path)),
    )


def _group(edges: Iterable[CardEdge]) -> tuple[tuple[str, tuple[CardEdge, ...]], ...]:
    groups: dict[str, list[CardEdge]] = {}
    for edge in edges:
        groups.setdefault(edge.relation, []).append(edge)
    return tuple(
        (
            relation,
            tuple(sorted(items, key=lambda e: (e.other, e.declared_by, e.line, e.column))),
        )
        for relation, items in sorted(
            groups.items(), key=lambda kv: (RELATION_RANK.get(kv[0], 99), kv[0])
        )
    )


def _findings_of(corpus: Corpus, path: str) -> tuple[Finding, ...] | None:
    """The findings located in ``path``, or None when ``tracegraph.checks`` is not installed
    (the checks are optional for queries; imported lazily to keep queries independent)."""
    try:
        checks = importlib.import_module("tracegraph.checks")
    except ModuleNotFoundError as exc:
        if exc.name in ("tracegraph.checks", "tracegraph"):
            return None
        raise
    run = getattr(checks, "check", None) or getattr(checks, "run_checks", None)
    if run is None:
        return None
    findings: Iterable[Finding] = run(corpus)
    return tuple(sorted(f for f in findings if f.path == path))


def affected_by_change(
    corpus: Corpus,
    changed_paths: Iterable[str],
    depth: int | None = None,
    relations: Iterable[str] | None = None,
) -> ChangeImpact:
    """What a change touches: changed documents are roots; a changed non-document file makes
    every document that links to it (or to a folder holding it) a root; then everything
    downstream of each root. Paths are POSIX, relative to the root."""
    changed = tuple(sorted({_normalise(p) for p in changed_paths} - {""}))
    allowed = frozenset(relations) if relations is not None else None
    linked_by = _artifact_links(corpus)
    root_files: dict[str, set[str]] = {}
    unmatched: list[str] = []
    for path in changed:
        if path in corpus.by_path:
            root_files.setdefault(path, set()).add(path)
            continue
        sources = _documents_linking(linked_by, path)
        if not sources:
            unmatched.append(path)
        for source in sources:
            root_files.setdefault(source, set()).add(path)
    roots = tuple(ChangeRoot(p, tuple(sorted(files))) for p, files in sorted(root_files.items()))
    root_paths = [root.path for root in roots]
    best = _multi_source_depths(corpus.graph, root_paths, depth, allowed)
    reach = _reaching_roots(corpus.graph, root_paths, best, depth, allowed)
    reached_from = {
        path: tuple(r for i, r in enumerate(root_paths) if bits >> i & 1)
        for path, bits in reach.items()
    }
    graph = corpus.graph
    affected = tuple(
        Affected(
            path=path,
            id=graph.nodes[path]["id"],
            type=graph.nodes[path]["type"],
            status=graph.nodes[path]["status"],
            title=graph.nodes[path]["title"],
            depth=best[path],
            roots=reached_from[path],
        )
        for path in sorted(best, key=lambda p: (best[p], graph.nodes[p]["id"], p))
    )
    return ChangeImpact(changed, roots, affected, tuple(unmatched))


def _multi_source_depths(
    graph: nx.MultiDiGraph, roots: list[str], depth: int | None, relations: frozenset[str] | None
) -> dict[str, int]:
    """Shortest downstream distance from any of ``roots`` (0 for the roots themselves)."""
    neighbours = _neighbours(graph, "downstream", relations)
    best = dict.fromkeys(roots, 0)
    frontier = sorted(roots)
    level = 0
    while frontier and (depth is None or level < depth):
        level += 1
        following = []
        for node in frontier:
            for other in neighbours(node):
                if other not in best:
                    best[other] = level
                    following.append(other)
        frontier = following
    return best


def _reaching_roots(
    graph: nx.MultiDiGraph,
    roots: list[str],
    reached: dict[str, int],
    depth: int | None,
    relations: frozenset[str] | None,
) -> dict[str, int]:
    """For each reached document, a bit set of the roots (by index) it is downstream of.

    One pass over the condensation of the reached part of the graph (cycles collapse into one
    component), instead of one traversal per root; with a depth limit, ``depth`` rounds of
    propagation, since a root then only counts within that distance.
    """
    neighbours = _neighbours(graph, "downstream", relations)
    own = {root: 1 << number for number, root in enumerate(roots)}
    if depth is not None:
        bits = dict(own)
        for _ in range(depth):
            following = dict(bits)
            for node, mask in bits.items():
                for other in neighbours(node):
                    following[other] = following.get(other, 0) | mask
            if following == bits:
                break
            bits = following
        return bits
    flow = nx.DiGraph()
    flow.add_nodes_from(reached)
    flow.add_edges_from((node, other) for node in reached for other in neighbours(node))
    condensed = nx.condensation(flow)
    member_of = condensed.graph["mapping"]
    comp_bits = [0] * condensed.number_of_nodes()
    for root, mask in own.items():
        comp_bits[member_of[root]] |= mask
    for comp in nx.topological_sort(condensed):
        for following in condensed.successors(comp):
            comp_bits[following] |= comp_bits[comp]
    return {node: comp_bits[member_of[node]] for node in reached}


def _artifact_links(corpus: Corpus) -> dict[str, set[str]]:
    """Target path -> documents linking to it, for links to non-documents (existing artifacts
    and folders, and missing files, so that deleting a file still touches its citers)."""
    out: dict[str, set[str]] = {}
    for link in corpus.links:
        if link.status in (Target.ARTIFACT, Target.MISSING) and link.path:
            out.setdefault(link.path, set()).add(link.source)
    return out


def _documents_linking(linked_by: dict[str, set[str]], path: str) -> set[str]:
    """Documents linking to ``path`` itself or to any folder above it."""
    found = set(linked_by.get(path, ()))
    parent = posixpath.dirname(path)
    while parent:
        found |= linked_by.get(parent, set())
        parent = posixpath.dirname(parent)
    return found


def _normalise(path: str) -> str:
    cleaned = posixpath.normpath(path.replace("\\", "/"))
    return "" if cleaned == "." else cleaned.removeprefix("./")


def relative_to_root(corpus: Corpus, path: str, cwd: Path | None = None) -> str:
    """A path given on the command line, as POSIX relative to the scanned root: resolved
    against ``cwd`` when that lands inside the root, else taken as already root-relative."""
    base = (cwd or Path.cwd()) / path
    try:
        return _normalise(base.resolve().relative_to(corpus.root.resolve()).as_posix())
    except (ValueError, OSError):
        return _normalise(path)


def _path_of(corpus: Corpus, doc: str | Document) -> str:
    if isinstance(doc, Document):
        return doc.path
    if doc in corpus.graph:
        return doc
    return corpus.find(doc).path
