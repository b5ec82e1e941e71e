"""The architecture view (issue 20): the system the documents describe, drawn the way C4
container diagrams look.

Components are rounded boxes with their technology in brackets and their responsibility,
tables are cylinders, endpoints small arrow shapes above the component that exposes them, and
externals (dependencies no document describes) grey boxes outside every document. Each
entity stands in a dashed box of the document that designs it (the C4 system boundary), and
its fill says how far that design is: proposed (dashed, light), planned (approved), built
(implemented), retired. Every node links to its document, at the line, with ``--link-base``.

``build_architecture_map`` is the only function here that looks at a Corpus; the DOT and
Mermaid renderers take the frozen ``ArchitectureMap`` it returns. Nothing taken from a
document stands outside a quoted DOT string or an entity-coded Mermaid label.
"""

from __future__ import annotations

import math
import re
import textwrap
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ..architecture import DEPENDS_ON, EXPOSES, KINDS, OWNS, Architecture, Entity
from ..errors import UsageError
from ..generated import DOT_COMMENT, MERMAID_COMMENT
from ..graph import Corpus
from ..model import short_title
from .dot import FONT, LegendEntry, _attrs, _html, _label, header_label, quote
from .mermaid import DASHED, escape_label
from .model import DIRECTIONS, Direction, _Slugs, document_href

#: How entities are grouped: one box per designing document, or none.
ARCH_CLUSTERS = ("document", "none")
#: States in the order the legend lists them.
STATE_ORDER = ("proposed", "planned", "built", "retired", "external")
WIDTH = 30


@dataclass(frozen=True)
class StateStyle:
    """Fill, text and border colour of one design state (C4's palette for built work)."""

    fill: str
    font: str
    border: str
    dashed: bool
    meaning: str


STATE_STYLES = {
    "proposed": StateStyle("#dbe9f7", "#0b1f33", "#438dd5", True, "draft or in review"),
    "planned": StateStyle("#438dd5", "#ffffff", "#2e6295", False, "approved, not built"),
    "built": StateStyle("#1168bd", "#ffffff", "#0b4884", False, "implemented"),
    "retired": StateStyle("#d9d9d9", "#555555", "#8c8c8c", True, "every design ended"),
    "external": StateStyle("#999999", "#ffffff", "#6b6b6b", False, "described by no document"),
}


@dataclass(frozen=True)
class KindStyle:
    """How one kind of entity is drawn: DOT shape and style words, Mermaid brackets."""

    dot_shape: str
    dot_style: str
    font_size: int
    mermaid_open: str
    mermaid_close: str
    description: str


KIND_STYLES = {
    "component": KindStyle("box", "rounded", 10, '["', '"]', "component: rounded box"),
    "endpoint": KindStyle("cds", "", 9, '>"', '"]', "endpoint: arrow"),
    "table": KindStyle("cylinder", "", 9, '[("', '")]', "table: cylinder"),
    "external": KindStyle("box", "rounded", 10, '["', '"]', "external: grey box"),
}


@dataclass(frozen=True)
class EdgeStyle:
    """How one relation is drawn."""

    color: str
    dot_style: str
    penwidth: float
    mermaid_arrow: str
    legend: str


EDGE_STYLES = {
    DEPENDS_ON: EdgeStyle("#374151", "solid", 1.2, "-->", "depends on"),
    OWNS: EdgeStyle("#1168bd", "bold", 1.6, "==>", "owns (writes)"),
    EXPOSES: EdgeStyle("#438dd5", "dashed", 1.2, "-.-", "exposes"),
}


@dataclass(frozen=True)
class ArchNode:
    """One entity on the map; ``cluster`` is the path of the document whose box holds it."""

    key: str
    kind: str
    name: str
    state: str
    slug: str
    lines: tuple[str, ...]
    tooltip: str
    href: str | None
    cluster: str | None
    focus: bool = False


@dataclass(frozen=True)
class ArchMapEdge:
    """One relation between two drawn entities (the documents and lines in its tooltip)."""

    source: str
    target: str
    relation: str
    slug: str
    tooltip: str


@dataclass(frozen=True)
class ArchCluster:
    """The box of one designing document."""

    key: str
    slug: str
    label: str
    href: str
    members: tuple[str, ...]


@dataclass(frozen=True)
class ArchitectureMap:
    """Everything the architecture renderers draw; sorted."""

    title: str
    nodes: tuple[ArchNode, ...]
    edges: tuple[ArchMapEdge, ...]
    clusters: tuple[ArchCluster, ...]
    focus: str | None = None

    @property
    def size(self) -> int:
        """Nodes Graphviz has to lay out."""
        return len(self.nodes)


def build_architecture_map(
    corpus: Corpus,
    *,
    focus: str | None = None,
    depth: int | None = None,
    direction: Direction = "both",
    kinds: Iterable[str] = (),
    states: Iterable[str] = (),
    cluster: str = "document",
    link_base: str | None = None,
    output_dir: str | Path | None = None,
    only: frozenset[str] | None = None,
) -> ArchitectureMap:
    """Select and style the part of the architecture to draw.

    ``focus`` is an entity (``component:"Order API"``) or a document (its entities): the
    entities within ``depth`` steps of it that it rests on (``up``), that rest on it
    (``down``), or both. ``kinds`` and ``states`` filter what is drawn (a focused entity
    always is); ``only`` draws exactly these entity keys.
    """
    if cluster not in ARCH_CLUSTERS:
        raise UsageError(f"--cluster {cluster}: the architecture view groups by document or none")
    if direction not in DIRECTIONS:
        raise UsageError(f"unknown direction '{direction}' (use up, down or both)")
    arch = corpus.architecture
    kind_filter, state_filter = _filters(kinds, states)
    seeds = _seeds(corpus, arch, focus) if focus is not None else set()
    if only is not None:
        keys = {key for key in only if key in arch.by_key}
    elif focus is not None:
        keys = _neighbourhood(arch, seeds, depth, direction)
    else:
        keys = set(arch.by_key)
    pinned = seeds if focus is not None and _names_entity(focus) else set()
    keys = {
        key
        for key in keys
        if key in pinned
        or (
            (not kind_filter or arch.by_key[key].kind in kind_filter)
            and (not state_filter or arch.by_key[key].state in state_filter)
        )
    }
    out_dir = Path(output_dir) if output_dir is not None else Path.cwd()
    slugs = _Slugs()
    entities = [e for e in arch.entities if e.key in keys]
    nodes = tuple(
        _node(corpus, entity, slugs, link_base, out_dir, entity.key in seeds, cluster)
        for entity in entities
    )
    edges = _edges(corpus, arch, keys, {n.key: n.slug for n in nodes})
    focus_key = next(iter(seeds)) if len(seeds) == 1 else None
    return ArchitectureMap(
        title=_title(corpus, focus, entities),
        nodes=nodes,
        edges=edges,
        clusters=_clusters(corpus, nodes, slugs, link_base, out_dir),
        focus=focus_key,
    )


def _filters(kinds: Iterable[str], states: Iterable[str]) -> tuple[set[str], set[str]]:
    """``--type`` and ``--status`` of the architecture view: entity kinds and design states."""
    kind_filter = {k.lower() for k in kinds}
    state_filter = {s.lower() for s in states}
    for value, known, option in (
        (kind_filter, KINDS, "--type"),
        (state_filter, STATE_ORDER, "--status"),
    ):
        unknown = sorted(value - set(known))
        if unknown:
            raise UsageError(
                f"{option} {unknown[0]}: in the architecture view one of {', '.join(known)}"
            )
    return kind_filter, state_filter


def _names_entity(focus: str) -> bool:
    return ":" in focus and focus.split(":", 1)[0].strip().lower() in KINDS


def _seeds(corpus: Corpus, arch: Architecture, focus: str) -> set[str]:
    """The entity ``focus`` names, or every entity a focused document speaks of."""
    if _names_entity(focus):
        return {arch.find(focus, _aliases(corpus)).key}
    doc = corpus.find(focus)
    found = {e.key for e in arch.entities if any(s.path == doc.path for s in e.sources)}
    if not found:
        raise UsageError(f"--focus {focus}: {doc.name} describes no component, endpoint or table")
    return found


def _aliases(corpus: Corpus) -> dict[str, str]:
    from ..architecture import alias_map

    return alias_map(corpus.config.architecture)[0]


def _neighbourhood(
    arch: Architecture, seeds: set[str], depth: int | None, direction: Direction
) -> set[str]:
    """Entities within ``depth`` steps of the seeds over "rests on" edges."""
    import networkx as nx

    graph = arch.rests_on
    keys = set(seeds)
    for seed in seeds:
        if direction in ("up", "both"):
            keys |= set(nx.single_source_shortest_path_length(graph, seed, cutoff=depth))
        if direction in ("down", "both"):
            reverse = graph.reverse(copy=False)
            keys |= set(nx.single_source_shortest_path_length(reverse, seed, cutoff=depth))
    return keys


def _node(
    corpus: Corpus,
    entity: Entity,
    slugs: _Slugs,
    link_base: str | None,
    out_dir: Path,
    focus: bool,
    cluster: str,
) -> ArchNode:
    home = entity.home
    first = home or (entity.sources[0] if entity.sources else None)
    href = None
    if first is not None:
        href = document_href(corpus.root, first.path, out_dir, link_base)
        href += f"#L{first.line}" if link_base else ""
    return ArchNode(
        key=entity.key,
        kind=entity.kind,
        name=entity.name,
        state=entity.state,
        slug=slugs.make(entity.kind, entity.name),
        lines=label_lines(entity),
        tooltip=_tooltip(corpus, entity),
        href=href,
        cluster=home.path if home is not None and cluster == "document" else None,
        focus=focus,
    )


def label_lines(entity: Entity) -> tuple[str, ...]:
    """A node's label, C4 style: the name, ``[technology]``, the responsibility (wrapped and
    cut to a few lines); tables and externals say what they are.

    >>> from tracegraph.architecture import Entity
    >>> api = Entity("component:x", "component", "Order API", "built", (), "Go; k8s", "Orders.")
    >>> label_lines(api)
    ('Order API', '[Go]', 'Orders.')
    """
    if entity.kind == "endpoint":
        return tuple(_wrap_path(entity.name, 36))
    if entity.kind in ("table", "external"):
        return (*_wrap(entity.name, WIDTH, 2), f"[{entity.kind}]")
    lines = _wrap(entity.name, WIDTH, 2)
    technology = entity.technology.split(";", 1)[0].strip().rstrip(".")
    if technology:
        wrapped = _wrap(technology, WIDTH - 2, 2)
        wrapped[0] = "[" + wrapped[0]
        wrapped[-1] += "]"
        lines += wrapped
    if entity.responsibility:
        lines += _wrap(entity.responsibility, WIDTH, 3)
    return tuple(lines)


def _wrap_path(text: str, width: int) -> list[str]:
    """An endpoint wrapped after slashes, not inside a path segment.

    >>> _wrap_path("PUT /v1/recipients/{recipient_id}/preferences", 24)
    ['PUT /v1/recipients/', '{recipient_id}/', 'preferences']
    """
    lines = [""]
    for piece in re.split(r"(?<=/)", text):
        if lines[-1] and len(lines[-1]) + len(piece) > width:
            lines.append("")
        lines[-1] += piece
    return lines


def _wrap(text: str, width: int, most: int) -> list[str]:
    lines = textwrap.wrap(text, width, break_long_words=True, break_on_hyphens=False) or [""]
    if len(lines) > most:
        lines = lines[:most]
        lines[-1] = lines[-1][: width - 1].rstrip() + "…"
    return lines


def _tooltip(corpus: Corpus, entity: Entity) -> str:
    """Kind, name, state, and every document and line that describes or names it."""
    lines = [f"{entity.kind} {entity.name} ({entity.state})"]
    if entity.technology:
        lines.append(f"technology: {entity.technology}")
    if entity.interfaces:
        lines.append(f"interfaces: {'; '.join(entity.interfaces)}")
    if entity.description:
        lines.append(entity.description)
    for source in entity.sources:
        doc = corpus.by_path[source.path]
        verb = {"mentions": "named in", "describes": "described in"}.get(
            source.role, f"{source.role} in"
        )
        lines.append(f"{verb} {doc.name} ({doc.status or 'no status'}), line {source.line}")
    if entity.spellings:
        lines.append(f"also written: {', '.join(entity.spellings)}")
    return "\n".join(lines)


def _edges(
    corpus: Corpus, arch: Architecture, keys: set[str], slugs: dict[str, str]
) -> tuple[ArchMapEdge, ...]:
    """One drawn edge per (source, relation, target) between drawn entities."""
    merged: dict[tuple[str, str, str], list[str]] = {}
    for edge in arch.edges:
        if edge.source in keys and edge.target in keys:
            where = f"{corpus.by_path[edge.path].name} line {edge.line}"
            merged.setdefault((edge.source, edge.relation, edge.target), []).append(where)
    out = []
    for (source, relation, target), places in sorted(merged.items()):
        names = (arch.by_key[source].name, arch.by_key[target].name)
        verb = EDGE_STYLES[relation].legend
        out.append(
            ArchMapEdge(
                source,
                target,
                relation,
                f"edge-{slugs[source]}--{slugs[target]}",
                f"{names[0]} {verb} {names[1]} ({', '.join(dict.fromkeys(places))})",
            )
        )
    return tuple(out)


def _clusters(
    corpus: Corpus,
    nodes: tuple[ArchNode, ...],
    slugs: _Slugs,
    link_base: str | None,
    out_dir: Path,
) -> tuple[ArchCluster, ...]:
    members: dict[str, list[str]] = {}
    for node in nodes:
        if node.cluster is not None:
            members.setdefault(node.cluster, []).append(node.key)
    out = []
    for path, keys in sorted(members.items()):
        doc = corpus.by_path[path]
        title = short_title(doc.title, doc.type)
        label = f"{doc.name}: {title}" if title and title != doc.name else doc.name
        out.append(
            ArchCluster(
                key=path,
                slug=slugs.make("cluster", doc.name),
                label=f"{label} ({doc.status or 'no status'})",
                href=document_href(corpus.root, path, out_dir, link_base),
                members=tuple(keys),
            )
        )
    return tuple(out)


def _title(corpus: Corpus, focus: str | None, entities: list[Entity]) -> str:
    counts = {kind: sum(1 for e in entities if e.kind == kind) for kind in KINDS}
    parts = [
        f"{count} {kind}{'s' if count != 1 else ''}" for kind, count in counts.items() if count
    ]
    where = f"around {focus}" if focus else f"of {corpus.root.resolve().name or corpus.root}"
    return f"Architecture {where}: {', '.join(parts) or 'nothing described'}"


# --- DOT ----------------------------------------------------------------------------------------


def render_architecture_dot(model: ArchitectureMap, *, legend: bool = True) -> str:
    """The DOT text of an architecture map, left to right: endpoints, the components that
    expose them, then what they own and depend on, externals last; one dashed box per
    document (the boxes stack, so the picture stays readable as documents add up)."""
    out = [
        DOT_COMMENT,
        "digraph architecture {",
        "  graph "
        + _attrs(
            [
                ("id", quote("tracegraph-architecture")),
                ("class", quote("tg-architecture")),
                ("rankdir", "LR"),
                ("newrank", "true"),
                ("compound", "true"),
                ("fontname", quote(FONT)),
                ("fontsize", "14"),
                ("label", _header(model, legend)),
                ("labelloc", "t"),
                ("nodesep", "0.3"),
                ("ranksep", "0.55"),
                ("bgcolor", quote("#ffffff")),
            ]
        )
        + ";",
        "  node " + _attrs([("fontname", quote(FONT)), ("margin", quote("0.14,0.07"))]) + ";",
        "  edge "
        + _attrs([("fontname", quote(FONT)), ("fontsize", "9"), ("arrowsize", "0.7")])
        + ";",
    ]
    by_key = {node.key: node for node in model.nodes}
    for cluster in model.clusters:
        out.append(f"  subgraph {quote('cluster_' + cluster.slug)} {{")
        out.append(
            "    graph "
            + _attrs(
                [
                    ("id", quote(cluster.slug)),
                    ("class", quote("tg-boundary")),
                    ("label", quote(cluster.label)),
                    ("tooltip", quote(cluster.label)),
                    ("href", quote(cluster.href)),
                    ("target", quote("_top")),
                    ("style", quote("dashed,rounded")),
                    ("color", quote("#8c8c8c")),
                    ("fontcolor", quote("#374151")),
                    ("fontsize", "11"),
                    ("labeljust", "l"),
                ]
            )
            + ";"
        )
        out += ["    " + _dot_node(by_key[key]) for key in cluster.members]
        out.append("  }")
    out += ["  " + _dot_node(node) for node in model.nodes if node.cluster is None]
    out += ["  " + _dot_edge(edge, by_key) for edge in model.edges]
    out += _placement(model)
    externals = [quote(n.slug) for n in model.nodes if n.kind == "external"]
    if externals:
        out.append("  { rank=max; " + " ".join(externals) + " }")
    out.append("}")
    return "\n".join(out) + "\n"


def _placement(model: ArchitectureMap) -> list[str]:
    """Tables that a document creates but no component claims stand in the column of the
    document's first component (storage beside its containers, as in C4), not left of it
    among the endpoints, where nothing would place them. On sample_repo that costs height
    (760 x 1153 pt against 760 x 1016) but reads right; right of the components (an
    invisible edge) it would be 1510 pt tall."""
    linked = {e.source for e in model.edges} | {e.target for e in model.edges}
    by_key = {node.key: node for node in model.nodes}
    out = []
    for cluster in model.clusters:
        members = [by_key[key] for key in cluster.members]
        first = next((n for n in members if n.kind == "component"), None)
        tables = [n for n in members if n.kind == "table" and n.key not in linked]
        if first is not None and tables:
            names = " ".join(quote(n.slug) for n in (first, *tables))
            out.append(f"  {{ rank=same; {names} }}")
    return out


def _dot_node(node: ArchNode) -> str:
    state, kind = STATE_STYLES[node.state], KIND_STYLES[node.kind]
    words = ["filled", *([kind.dot_style] if kind.dot_style else [])]
    if state.dashed:
        words.append("dashed")
    classes = f"tg-entity kind-{node.kind} state-{node.state}" + (" focus" if node.focus else "")
    return (
        quote(node.slug)
        + " "
        + _attrs(
            [
                ("id", quote(node.slug)),
                ("class", quote(classes)),
                ("label", _label(node.lines)),
                ("tooltip", quote(node.tooltip)),
                ("href", quote(node.href) if node.href else None),
                ("target", quote("_top") if node.href else None),
                ("shape", kind.dot_shape),
                ("style", quote(",".join(words))),
                ("fillcolor", quote(state.fill)),
                ("fontcolor", quote(state.font)),
                ("color", quote(state.border)),
                ("fontsize", str(kind.font_size)),
                ("penwidth", "2.5" if node.focus else "1.2"),
                ("peripheries", "2" if node.focus else None),
            ]
        )
        + ";"
    )


def _dot_edge(edge: ArchMapEdge, by_key: dict[str, ArchNode]) -> str:
    style = EDGE_STYLES[edge.relation]
    source, target = by_key[edge.source].slug, by_key[edge.target].slug
    # an endpoint sits above the component that exposes it: the edge runs endpoint ->
    # component for the layout and is drawn backwards
    ends = (target, source) if edge.relation == EXPOSES else (source, target)
    return (
        f"{quote(ends[0])} -> {quote(ends[1])} "
        + _attrs(
            [
                ("id", quote(edge.slug)),
                ("class", quote(f"tg-edge rel-{edge.relation.replace('_', '-')}")),
                ("tooltip", quote(edge.tooltip)),
                ("color", quote(style.color)),
                ("style", style.dot_style),
                ("penwidth", str(style.penwidth)),
                ("dir", "back" if edge.relation == EXPOSES else None),
                ("arrowtail", "none" if edge.relation == EXPOSES else None),
            ]
        )
        + ";"
    )


def _header(model: ArchitectureMap, legend: bool) -> str:
    """The title and, under it, a legend of only what the map uses."""
    entries = legend_entries(model) if legend else []
    return header_label(model.title, entries, max(360.0, math.sqrt(len(model.nodes)) * 150))


def legend_entries(model: ArchitectureMap) -> list[LegendEntry]:
    """The kinds, states and relations the map uses, in reading order."""
    entries: list[LegendEntry] = []
    kinds = {node.kind for node in model.nodes}
    for kind in KINDS:
        if kind in kinds:
            shape = KIND_STYLES[kind].description.split(": ", 1)[1]
            entries.append(LegendEntry("", _html(kind), shape))
    states = {node.state for node in model.nodes}
    for name in STATE_ORDER:
        if name in states:
            state = STATE_STYLES[name]
            dashed = ' STYLE="dashed"' if state.dashed else ""
            attrs = f' BGCOLOR="{state.fill}" BORDER="1" COLOR="{state.border}"{dashed}'
            entries.append(LegendEntry(attrs, "    ", f"{name}: {state.meaning}"))
    relations = {edge.relation for edge in model.edges}
    for relation, edge_style in EDGE_STYLES.items():
        if relation in relations:
            line = "╌╌╌╌" if edge_style.dot_style == "dashed" else "───▶"
            line = f'<FONT COLOR="{edge_style.color}">{line}</FONT>'
            if edge_style.dot_style == "bold":
                line = f"<B>{line}</B>"
            entries.append(LegendEntry("", line, edge_style.legend))
    if model.clusters:
        entries.append(
            LegendEntry(' BORDER="1" COLOR="#8c8c8c" STYLE="dashed"', "    ", "designed in")
        )
    return entries


# --- Mermaid ------------------------------------------------------------------------------------


def render_architecture_mermaid(model: ArchitectureMap) -> str:
    """The Mermaid flowchart of an architecture map (``flowchart LR``, one subgraph per
    document, a class per state); ``click`` lines only for absolute links."""
    ids = {node.key: "a_" + node.slug.replace("-", "_") for node in model.nodes}
    out = [MERMAID_COMMENT, "flowchart LR"]
    for name in STATE_ORDER:
        state = STATE_STYLES[name]
        dashed = f",{DASHED}" if state.dashed else ""
        out.append(
            f"  classDef {name} fill:{state.fill},stroke:{state.border},color:{state.font}{dashed}"
        )
    out.append("  classDef focus stroke-width:4px")
    by_key = {node.key: node for node in model.nodes}
    for number, cluster in enumerate(model.clusters, start=1):
        out.append(f'  subgraph d{number}["{escape_label(cluster.label)}"]')
        out += ["    " + _mermaid_node(ids[key], by_key[key]) for key in cluster.members]
        out.append("  end")
    out += ["  " + _mermaid_node(ids[n.key], n) for n in model.nodes if n.cluster is None]
    styles: dict[str, list[int]] = {}
    for index, edge in enumerate(model.edges):
        style = EDGE_STYLES[edge.relation]
        source, target = ids[edge.source], ids[edge.target]
        if edge.relation == EXPOSES:
            source, target = target, source
        out.append(f"  {source} {style.mermaid_arrow} {target}")
        dash = f",{DASHED}" if style.dot_style == "dashed" else ""
        styles.setdefault(f"stroke:{style.color},stroke-width:{style.penwidth}px{dash}", []).append(
            index
        )
    classes: dict[str, list[str]] = {}
    for node in model.nodes:
        classes.setdefault(node.state, []).append(ids[node.key])
        if node.focus:
            classes.setdefault("focus", []).append(ids[node.key])
    out += [f"  class {','.join(classes[c])} {c}" for c in (*STATE_ORDER, "focus") if c in classes]
    out += [
        f"  linkStyle {','.join(map(str, indexes))} {css}"
        for css, indexes in sorted(styles.items(), key=lambda item: item[1][0])
    ]
    if model.nodes and all(n.href and "://" in n.href for n in model.nodes if n.href):
        out += [
            f'  click {ids[n.key]} href "{n.href.replace(chr(34), "%22")}"'
            for n in model.nodes
            if n.href and "://" in n.href
        ]
    return "\n".join(out) + "\n"


def _mermaid_node(node_id: str, node: ArchNode) -> str:
    kind = KIND_STYLES[node.kind]
    label = "<br/>".join(escape_label(line) for line in node.lines)
    return f"{node_id}{kind.mermaid_open}{label}{kind.mermaid_close}"
