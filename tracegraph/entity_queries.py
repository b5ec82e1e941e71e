"""Impact, upstream and show for an entity of the architecture graph (issue 20):
``tracegraph impact component:"Order API"`` and its siblings.

What "rests on" means across the two graphs (A -> B: A rests on B):

- a component rests on what it depends on and on the tables it owns (writes);
- an endpoint rests on the component that exposes it;
- an entity rests on the documents that design it, which rest on their own upstream
  documents (the document graph).

So ``upstream`` of a component lists what it depends on, its designs, and the RFCs, PRDs and
ADRs behind them: every box traced to the decisions behind it. ``impact`` (downstream) lists the
entities that rest on it, transitively, and the documents that design each of them and it (a
change to the table touches the designs of everything that reads or writes it), then what rests
on those documents. As in document queries, a ``supersedes`` hop is listed but not gone past.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .architecture import DESCRIBED_BY, EXPOSES, Architecture, Entity, alias_map, document_key
from .graph import Corpus
from .model import Finding
from .queries import SUPERSEDES, Direction, strongest_relation

if TYPE_CHECKING:
    import networkx as nx
else:  # imported on first use: start-up without a graph stays fast
    from ._lazy import networkx as nx

DOCUMENT_PREFIX = "document:"


@dataclass(frozen=True, slots=True)
class EntityHop:
    """One edge of a chain, in graph direction (``source`` rests on ``target``, or
    ``source`` exposes/owns ``target``); node keys are entity keys or ``document:PATH``."""

    source: str
    relation: str
    target: str


@dataclass(frozen=True, slots=True)
class EntityReached:
    """An entity or document reached at its shortest depth, with the chain from the root."""

    key: str
    kind: str
    name: str
    state: str
    depth: int
    via: tuple[EntityHop, ...]
    path: str | None = None
    type: str | None = None
    title: str = ""


@dataclass(frozen=True)
class EntityTraversal:
    """The result of ``traverse_entity``: the root entity and what was reached, by depth."""

    root: Entity
    direction: Direction
    nodes: tuple[EntityReached, ...]


@dataclass(frozen=True, slots=True)
class EntityEdge:
    """One edge of an entity card: the other end, and the document and line that say it."""

    relation: str
    other: str
    path: str
    line: int
    change: str = ""


@dataclass(frozen=True)
class EntityCard:
    """``tracegraph show component:NAME``: the entity, its edges by relation (outbound: what
    it depends on, exposes, owns, is designed in; inbound: what depends on it...), findings."""

    entity: Entity
    outbound: tuple[tuple[str, tuple[EntityEdge, ...]], ...]
    inbound: tuple[tuple[str, tuple[EntityEdge, ...]], ...]
    findings: tuple[Finding, ...] | None


def is_entity_query(text: str) -> bool:
    """Whether a DOC argument names an entity (``component:NAME``...) rather than a document.

    >>> is_entity_query('component:"Order API"'), is_entity_query("ADR-0007")
    (True, False)
    """
    kind = text.split(":", 1)[0].strip().lower()
    return ":" in text and kind in ("component", "endpoint", "table", "external")


def find_entity(corpus: Corpus, query: str) -> Entity:
    """The entity a ``kind:name`` argument names (aliases from the config applied)."""
    aliases, _shown = alias_map(corpus.config.architecture)
    return corpus.architecture.find(query, aliases)


def traverse_entity(
    corpus: Corpus, entity: Entity, direction: Direction, depth: int | None = None
) -> EntityTraversal:
    """Breadth-first search from an entity over the two graphs (see the module docstring);
    neighbours in sorted key order, so every result is deterministic."""
    arch = corpus.architecture
    stopped: set[str] = set()
    vias: dict[str, tuple[EntityHop, ...]] = {entity.key: ()}
    hops: dict[tuple[str, str], EntityHop] = {}

    def neighbours(node: str) -> Iterator[str]:
        if node in stopped:
            return
        found = {hop_target: hop for hop_target, hop in _steps(corpus, arch, node, direction)}
        for key in sorted(found):
            hops[(node, key)] = found[key]
            yield key

    graph = nx.DiGraph()
    graph.add_node(entity.key)  # generic_bfs_edges only needs the start node...
    limit = depth if depth is not None else len(arch.entities) + len(corpus.documents)
    nodes: list[EntityReached] = []  # ... and a depth limit (its default is the graph's size)
    for parent, child in nx.generic_bfs_edges(graph, entity.key, neighbours, depth_limit=limit):
        hop = hops[(parent, child)]
        if hop.relation == SUPERSEDES:
            stopped.add(child)
        vias[child] = (*vias[parent], hop)
        nodes.append(_reached(corpus, arch, child, vias[child]))
    return EntityTraversal(entity, direction, tuple(nodes))


def _steps(
    corpus: Corpus, arch: Architecture, node: str, direction: Direction
) -> Iterable[tuple[str, EntityHop]]:
    """(neighbour, hop) of one node: over "rests on" between entities, from an entity to its
    designs, and along the document graph between documents."""
    if node.startswith(DOCUMENT_PREFIX):
        path = node[len(DOCUMENT_PREFIX) :]
        graph = corpus.graph
        others = graph.pred[path] if direction == "downstream" else graph.succ[path]
        for other in others:
            if other == path:
                continue
            source, target = (other, path) if direction == "downstream" else (path, other)
            relation = strongest_relation(graph, source, target)
            assert relation is not None
            yield (
                document_key(other),
                EntityHop(document_key(source), relation, document_key(target)),
            )
        return
    rests = arch.rests_on
    downstream = direction == "downstream"
    pairs = (
        rests.in_edges(node, data="relation")
        if downstream
        else rests.out_edges(node, data="relation")
    )
    for source, target, relation in pairs:
        other = source if downstream else target
        if relation == EXPOSES:  # the endpoint rests on the component that exposes it
            yield other, EntityHop(target, EXPOSES, source)
        else:
            yield other, EntityHop(source, str(relation), target)
    for path in arch.by_key[node].documents:
        yield document_key(path), EntityHop(node, DESCRIBED_BY, document_key(path))


def _reached(
    corpus: Corpus, arch: Architecture, key: str, via: tuple[EntityHop, ...]
) -> EntityReached:
    if key.startswith(DOCUMENT_PREFIX):
        doc = corpus.by_path[key[len(DOCUMENT_PREFIX) :]]
        return EntityReached(
            key, "document", doc.name, doc.status or "", len(via), via, doc.path, doc.type,
            doc.short_title,
        )  # fmt: skip
    entity = arch.by_key[key]
    return EntityReached(key, entity.kind, entity.name, entity.state, len(via), via)


def show_entity(corpus: Corpus, entity: Entity) -> EntityCard:
    """An entity card: its edges grouped by relation, and the TG7xx findings about it."""
    arch = corpus.architecture
    outbound = [
        EntityEdge(e.relation, e.target, e.path, e.line, e.change)
        for e in arch.edges
        if e.source == entity.key
    ]
    inbound = [
        EntityEdge(e.relation, e.source, e.path, e.line, e.change)
        for e in arch.edges
        if e.target == entity.key
    ]
    return EntityCard(entity, _group(outbound), _group(inbound), _findings_about(corpus, entity))


def _group(edges: list[EntityEdge]) -> tuple[tuple[str, tuple[EntityEdge, ...]], ...]:
    groups: dict[str, list[EntityEdge]] = {}
    for edge in sorted(edges, key=lambda e: (e.relation, e.other, e.path, e.line)):
        groups.setdefault(edge.relation, []).append(edge)
    return tuple((relation, tuple(items)) for relation, items in groups.items())


def _findings_about(corpus: Corpus, entity: Entity) -> tuple[Finding, ...] | None:
    """The architecture findings whose target is this entity (None without the checks)."""
    try:
        checks = importlib.import_module("tracegraph.checks")
    except ModuleNotFoundError:  # the checks are optional for queries
        return None
    found: Iterable[Finding] = checks.run_checks(corpus, select=("TG7",))
    return tuple(f for f in found if f.target == entity.query)
