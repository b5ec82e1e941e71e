"""The view model of a map: which nodes, edges, ghosts and clusters to draw, and how.

``build_map`` is the only function here that looks at a Corpus; the renderers (``dot.py``,
``mermaid.py``) take the frozen ``MapModel`` it returns, so the impact queries and the HTML
report draw their own subsets by passing ``only=`` (an explicit set of document paths).
Everything is sorted, so the same graph gives the same model and therefore the same bytes.
"""

from __future__ import annotations

import os
import posixpath
import re
import textwrap
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Literal
from urllib.parse import quote

from ..errors import UsageError
from ..graph import Corpus
from ..model import Link, Relation, Target, short_title
from .style import (
    RELATION_PRECEDENCE,
    TYPE_ORDER,
    UNTYPED,
    Phase,
    status_phase,
    strongest,
)

if TYPE_CHECKING:
    import networkx as nx
else:  # imported on first use: start-up without a graph stays fast
    from .._lazy import networkx as nx

Direction = Literal["up", "down", "both"]
ClusterMode = Literal["type", "folder", "none"]
CLUSTER_MODES: tuple[str, ...] = ("type", "folder", "none")
DIRECTIONS: tuple[str, ...] = ("up", "down", "both")

BROKEN_TARGETS = {
    Target.MISSING: "missing",
    Target.UNKNOWN_ID: "unknown ID",
    Target.OUTSIDE: "outside the root",
}
TITLE_WIDTH = 26
TITLE_LINES = 3


@dataclass(frozen=True)
class MapNode:
    """One document on the map. ``key`` is its path; ``slug`` is unique and safe for DOM ids."""

    key: str
    name: str
    title: str
    type: str
    status: str
    phase: Phase
    slug: str
    href: str | None
    cluster: str | None
    error: bool = False
    orphan: bool = False
    focus: bool = False

    @property
    def label_lines(self) -> tuple[str, ...]:
        """The node's label: its short name, then its title wrapped to a few short lines."""
        name = short_name(self.name)
        return (name, *_wrap(self.title)) if self.title else (name,)

    @property
    def tooltip(self) -> str:
        """ID, title and status, shown on hover."""
        status = self.status or "no status"
        return f"{self.name}: {self.title} ({self.type}, {status})"


@dataclass(frozen=True)
class MapGhost:
    """A target that a broken reference points at (missing file, unknown ID, outside root)."""

    key: str
    target: str
    reason: str
    slug: str

    @property
    def label_lines(self) -> tuple[str, ...]:
        return (self.reason, *textwrap.wrap(self.target, 30, break_on_hyphens=False)[:3])

    @property
    def tooltip(self) -> str:
        return f"{self.reason}: {self.target}"


@dataclass(frozen=True)
class MapEdge:
    """All references from one node to another, merged; the strongest relation draws it.

    ``labelled`` is False for the obvious relation between two types (a TDD implementing an
    RFC, an ADR superseding an ADR, any plain reference): the line style says it already.
    ``via`` names the drawn chain that implies an edge left out of the picture.
    """

    source: str
    target: str
    relation: str
    relations: tuple[str, ...]
    count: int
    slug: str
    broken: bool = False
    labelled: bool = True
    via: tuple[str, ...] = ()


@dataclass(frozen=True)
class MapCluster:
    """A labelled group of nodes (one per type, or per folder)."""

    key: str
    label: str
    slug: str
    members: tuple[str, ...]


@dataclass(frozen=True)
class MapModel:
    """Everything a renderer draws; sorted, so renderers can emit it in order."""

    title: str
    nodes: tuple[MapNode, ...]
    edges: tuple[MapEdge, ...]
    ghosts: tuple[MapGhost, ...]
    clusters: tuple[MapCluster, ...]
    cluster_mode: str
    types: tuple[str, ...]
    focus: str | None = None
    implied: tuple[MapEdge, ...] = ()

    @property
    def implied_by_source(self) -> dict[str, tuple[MapEdge, ...]]:
        """The edges left out as implied, per source node key."""
        found: dict[str, list[MapEdge]] = {}
        for edge in self.implied:
            found.setdefault(edge.source, []).append(edge)
        return {key: tuple(edges) for key, edges in found.items()}

    def node(self, key: str) -> MapNode:
        """The node with path ``key``."""
        for node in self.nodes:
            if node.key == key:
                return node
        raise KeyError(key)

    @property
    def size(self) -> int:
        """Nodes Graphviz has to lay out (documents plus ghosts)."""
        return len(self.nodes) + len(self.ghosts)


def build_map(
    corpus: Corpus,
    *,
    focus: str | None = None,
    depth: int | None = None,
    direction: Direction = "both",
    types: Iterable[str] = (),
    statuses: Iterable[str] = (),
    cluster: ClusterMode = "type",
    error_paths: frozenset[str] = frozenset(),
    link_base: str | None = None,
    output_dir: str | Path | None = None,
    only: frozenset[str] | None = None,
    all_edges: bool = False,
) -> MapModel:
    """Select and style the part of ``corpus`` to draw.

    - ``focus`` (an ID in any spelling or a path) keeps the documents within ``depth`` steps
      upstream (``up``), downstream (``down``) or both of it; without ``depth``, all of them.
      Traversal runs over the whole graph, then ``types``/``statuses`` filter what is drawn
      (the focus document is always drawn).
    - ``only`` draws exactly these document paths (an impact result); ``focus`` then only marks
      its document.
    - ``error_paths`` get a red border; hrefs are relative to ``output_dir`` (default: the
      working folder) or, with ``link_base``, absolute URLs.
    - Without ``all_edges`` an edge A -> C that a drawn chain A -> B -> C already implies (over
      edges at least as strong) is left out of ``edges`` and kept in ``implied``.
    """
    if cluster not in CLUSTER_MODES:
        raise UsageError(f"unknown cluster mode '{cluster}' (use {', '.join(CLUSTER_MODES)})")
    if direction not in DIRECTIONS:
        raise UsageError(f"unknown direction '{direction}' (use up, down or both)")
    if depth is not None and depth < 0:
        raise UsageError("--depth must be 0 or more")
    graph = corpus.graph
    focus_key = corpus.find(focus).path if focus is not None else None
    if only is not None:
        keys = {key for key in only if key in graph}
    elif focus_key is not None:
        keys = _neighbourhood(graph, focus_key, depth, direction)
    else:
        keys = set(graph.nodes)
    type_filter = {t.upper() for t in types}
    status_filter = {s.lower() for s in statuses}
    keys = {
        key
        for key in keys
        if key == focus_key
        or (
            (not type_filter or graph.nodes[key]["type"] in type_filter)
            and (not status_filter or (graph.nodes[key]["status"] or "none") in status_filter)
        )
    }
    out_dir = Path(output_dir) if output_dir is not None else Path.cwd()
    slugs = _Slugs()
    nodes = tuple(
        _node(corpus, key, slugs, cluster, error_paths, link_base, out_dir, focus_key)
        for key in sorted(keys)
    )
    ghosts, broken = _ghosts(corpus.links, keys, slugs)
    types_of = {n.key: n.type for n in nodes}
    edges = _edges(graph, keys, broken, {n.key: n.slug for n in nodes}, ghosts, types_of)
    implied: tuple[MapEdge, ...] = ()
    if not all_edges:
        edges, implied = reduce_edges(edges)
    present = tuple(_ordered_types({n.type for n in nodes}, corpus))
    return MapModel(
        title=_title(corpus, focus_key, len(nodes)),
        nodes=nodes,
        edges=edges,
        ghosts=ghosts,
        clusters=_clusters(nodes, cluster, present),
        cluster_mode=cluster,
        types=present,
        focus=focus_key,
        implied=implied,
    )


def _neighbourhood(
    graph: nx.MultiDiGraph, start: str, depth: int | None, direction: Direction
) -> set[str]:
    """Documents within ``depth`` steps of ``start``; edges point upstream (A rests on B)."""
    keys = {start}
    if direction in ("up", "both"):
        keys |= set(nx.single_source_shortest_path_length(graph, start, cutoff=depth))
    if direction in ("down", "both"):
        keys |= set(
            nx.single_source_shortest_path_length(graph.reverse(copy=False), start, cutoff=depth)
        )
    return keys


class _Slugs:
    """Unique, DOM-safe slugs (``adr-0007``), suffixed ``-2``, ``-3`` on collision."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def make(self, prefix: str, text: str) -> str:
        base = re.sub(r"[^a-z0-9]+", "-", text.lower()[:200]).strip("-")[:60] or "x"
        slug = f"{prefix}-{base}"
        number = 1
        while slug in self.used:
            number += 1
            slug = f"{prefix}-{base}-{number}"
        self.used.add(slug)
        return slug


def _node(
    corpus: Corpus,
    key: str,
    slugs: _Slugs,
    cluster: ClusterMode,
    error_paths: frozenset[str],
    link_base: str | None,
    out_dir: Path,
    focus_key: str | None,
) -> MapNode:
    doc = corpus.document(key)
    spec = corpus.config.spec_for(doc.type, doc.path)
    degree = corpus.graph.degree(key)
    return MapNode(
        key=key,
        name=doc.name,
        title=short_title(doc.title, doc.type),
        type=doc.type,
        status=doc.status or "",
        phase=status_phase(doc.status, spec),
        slug=slugs.make("node", doc.name),
        href=document_href(corpus.root, key, out_dir, link_base),
        cluster=_cluster_key(key, doc.type, cluster),
        error=key in error_paths,
        orphan=doc.type != UNTYPED and degree == 0,
        focus=key == focus_key,
    )


def short_name(name: str) -> str:
    """A document's name as a label shows it: a path-named document (no ID) by its file name,
    cut to a few words (the tooltip keeps the whole path).

    >>> short_name("docs/adr/20200924-use-markdown-architectural-decision-records.md")
    '20200924-use-markdown-architect…'
    >>> short_name("ADR-0007"), short_name("docs/glossary.md")
    ('ADR-0007', 'glossary.md')
    """
    base = posixpath.basename(name) or name
    limit = TITLE_WIDTH + 6
    return base if len(base) <= limit else base[: limit - 1] + "…"


def _wrap(title: str) -> list[str]:
    lines = textwrap.wrap(title, TITLE_WIDTH, break_long_words=True, break_on_hyphens=False)
    if len(lines) > TITLE_LINES:
        lines = lines[:TITLE_LINES]
        lines[-1] = lines[-1][: TITLE_WIDTH - 1].rstrip() + "…"
    return lines


def document_href(root: Path, key: str, out_dir: Path, link_base: str | None) -> str:
    """A URL-quoted link to the document: under ``link_base``, or relative to ``out_dir``.

    >>> document_href(Path("/r"), "docs/a b.md", Path("/r/out"), None)
    '../docs/a%20b.md'
    >>> document_href(Path("/r"), "docs/a.md", Path("."), "https://x.test/blob/main/")
    'https://x.test/blob/main/docs/a.md'
    """
    if link_base:
        return link_base.rstrip("/") + "/" + quote(key)
    target = os.path.abspath(root / key)
    relative = os.path.relpath(target, os.path.abspath(out_dir))
    return quote(Path(relative).as_posix())


def _cluster_key(key: str, type_name: str, cluster: ClusterMode) -> str | None:
    if cluster == "type":
        return type_name
    if cluster == "folder":
        return posixpath.dirname(key) or "."
    return None


def _ordered_types(present: set[str], corpus: Corpus) -> list[str]:
    """PRD, RFC, ADR, TDD, then configured types in config order, others sorted, DOC last."""
    order = [t for t in TYPE_ORDER if t in present]
    order += [s.name for s in corpus.config.types if s.name in present and s.name not in order]
    order += sorted(t for t in present if t not in order and t != UNTYPED)
    if UNTYPED in present:
        order.append(UNTYPED)
    return order


def _clusters(
    nodes: tuple[MapNode, ...], cluster: ClusterMode, types: tuple[str, ...]
) -> tuple[MapCluster, ...]:
    if cluster == "none":
        return ()
    groups: dict[str, list[str]] = {}
    for node in nodes:
        assert node.cluster is not None
        groups.setdefault(node.cluster, []).append(node.key)
    order = list(types) if cluster == "type" else sorted(groups)
    slugs = _Slugs()
    return tuple(
        MapCluster(
            key=key,
            label=key if cluster == "type" or key != "." else "(root)",
            slug=slugs.make("cluster", key if key != "." else "root"),
            members=tuple(groups[key]),
        )
        for key in order
        if key in groups
    )


def _ghosts(
    links: tuple[Link, ...], keys: set[str], slugs: _Slugs
) -> tuple[tuple[MapGhost, ...], dict[tuple[str, str], set[str]]]:
    """Ghost nodes for broken references out of drawn documents, and the edges into them."""
    found: dict[str, tuple[str, str]] = {}
    broken: dict[tuple[str, str], set[str]] = {}
    for link in links:
        reason = BROKEN_TARGETS.get(link.status)
        if reason is None or link.source not in keys:
            continue
        target = link.path if link.status is not Target.UNKNOWN_ID and link.path else None
        target = target or link.reference.target.partition("#")[0] or link.reference.target
        key = f"{link.status.value}:{target}"
        found[key] = (target, reason)
        broken.setdefault((link.source, key), set()).add(link.reference.relation.value)
    ghosts = tuple(
        MapGhost(key=key, target=target, reason=reason, slug=slugs.make("ghost", target))
        for key, (target, reason) in sorted(found.items())
    )
    return ghosts, broken


def _edges(
    graph: nx.MultiDiGraph,
    keys: set[str],
    broken: dict[tuple[str, str], set[str]],
    node_slugs: dict[str, str],
    ghosts: tuple[MapGhost, ...],
    types_of: dict[str, str],
) -> tuple[MapEdge, ...]:
    merged: dict[tuple[str, str], list[str]] = {}
    for source, target, data in graph.edges(data=True):
        if source in keys and target in keys:
            merged.setdefault((source, target), []).append(data["relation"])
    ghost_slugs = {g.key: g.slug for g in ghosts}
    edges = [
        _edge(source, target, relations, (node_slugs[source], node_slugs[target]), False, types_of)
        for (source, target), relations in merged.items()
    ]
    edges += [
        _edge(source, key, sorted(relations), (node_slugs[source], ghost_slugs[key]), True, {})
        for (source, key), relations in broken.items()
    ]
    return tuple(sorted(edges, key=lambda e: (e.source, e.target)))


def _edge(
    source: str,
    target: str,
    relations: list[str],
    slugs: tuple[str, str],
    broken: bool,
    types_of: dict[str, str],
) -> MapEdge:
    distinct = frozenset(relations)
    relation = strongest(distinct)
    from_slug, to_slug = (slug.removeprefix("node-") for slug in slugs)
    return MapEdge(
        source=source,
        target=target,
        relation=relation.value,
        relations=tuple(sorted(distinct)),
        count=len(relations),
        slug=f"edge-{from_slug}--{to_slug}",
        broken=broken,
        labelled=not broken
        and not is_obvious(relation, types_of.get(source, ""), types_of.get(target, "")),
    )


def is_obvious(relation: Relation, source_type: str, target_type: str) -> bool:
    """Whether ``relation`` is what an edge between these two types usually means, so the line
    style says enough and a label would only add ink: a plain reference; a later type in the
    chain implementing an earlier one (TDD -> RFC); a document superseding one of its own type.

    >>> is_obvious(Relation.IMPLEMENTS, "TDD", "RFC"), is_obvious(Relation.IMPLEMENTS, "PRD", "TDD")
    (True, False)
    >>> is_obvious(Relation.SUPERSEDES, "ADR", "ADR"), is_obvious(Relation.DEPENDS_ON, "RFC", "RFC")
    (True, False)
    """
    if relation is Relation.REFERENCES:
        return True
    if relation is Relation.SUPERSEDES:
        return source_type == target_type
    if relation is Relation.IMPLEMENTS and source_type in TYPE_ORDER and target_type in TYPE_ORDER:
        return TYPE_ORDER.index(source_type) > TYPE_ORDER.index(target_type)
    return False


def reduce_edges(edges: tuple[MapEdge, ...]) -> tuple[tuple[MapEdge, ...], tuple[MapEdge, ...]]:
    """Split ``edges`` into the drawn ones and those a drawn chain implies (the transitive
    reduction of "rests on", relation by relation).

    An edge A -> C is implied when another chain A -> B -> ... -> C exists whose every edge is
    at least as strong (``RELATION_PRECEDENCE``), so a chain of mentions never hides an
    ``implements``. Supersession is a statement about lifecycle, not resting on: those edges,
    broken references and the edges inside a cycle are always drawn.
    """
    ranked = [e for e in edges if not e.broken and e.relation != Relation.SUPERSEDES]
    strength = {r.value: i for i, r in enumerate(RELATION_PRECEDENCE)}
    implied: dict[tuple[str, str], tuple[str, ...]] = {}
    for level in sorted({strength[e.relation] for e in ranked}):
        strong = nx.DiGraph()
        strong.add_edges_from((e.source, e.target) for e in ranked if strength[e.relation] <= level)
        condensed = nx.condensation(strong)
        members = condensed.graph["mapping"]
        kept = nx.transitive_reduction(condensed)
        for edge in ranked:
            if strength[edge.relation] != level:
                continue
            tail, head = members[edge.source], members[edge.target]
            if tail != head and not kept.has_edge(tail, head):
                strong.remove_edge(edge.source, edge.target)
                implied[(edge.source, edge.target)] = tuple(
                    nx.shortest_path(strong, edge.source, edge.target)
                )
                strong.add_edge(edge.source, edge.target)
    drawn = tuple(e for e in edges if (e.source, e.target) not in implied)
    hidden = tuple(
        replace(e, via=implied[(e.source, e.target)])
        for e in edges
        if (e.source, e.target) in implied
    )
    return drawn, hidden


def _title(corpus: Corpus, focus_key: str | None, count: int) -> str:
    name = corpus.root.resolve().name or corpus.root.as_posix()
    noun = "document" if count == 1 else "documents"
    if focus_key is not None:
        return f"{name}: around {corpus.document(focus_key).name} ({count} {noun})"
    return f"{name} ({count} {noun})"
