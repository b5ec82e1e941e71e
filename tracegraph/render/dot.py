"""DOT text of a map (pure: the same ``MapModel`` gives the same bytes).

Node names are the model's slugs (``node-adr-0007``), so nothing taken from a document ever
stands unquoted; titles and paths appear only inside quoted strings, escaped by ``quote``.
Every node and edge has an ``id`` and a ``class``, which Graphviz copies into the SVG so the
HTML report can make the map interactive. Layout runs right to left (``rankdir=RL``): edges point
upstream, so upstream documents land on the left and the chain reads PRD -> RFC -> ADR -> TDD.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ..generated import DOT_COMMENT
from ..model import Relation
from ..safetext import UNSAFE
from .layout import TARGET_ASPECT, Plan, plan_layout, slot_size
from .model import MapEdge, MapGhost, MapModel, MapNode
from .style import (
    BORDER,
    BROKEN_EDGE,
    CLUSTER_BORDER,
    CLUSTER_FILL,
    EDGE_STYLES,
    ERROR_BORDER,
    MISSING_COLOR,
    MISSING_FILL,
    ORPHAN_BORDER,
    PHASE_STYLES,
    RELATION_PRECEDENCE,
    EdgeStyle,
    Phase,
    type_style,
)

FONT = "Helvetica"
NODESEP = 0.25
RANKSEP = 0.5
#: Up to this many edges, dot gets 4x the crossing-minimisation passes (mclimit=4): sample_repo
#: 9 -> 5 crossings; on a dense map of 1,000 edges it would cost 41 s instead of 12 s.
MCLIMIT_EDGES = 300
LEGEND_CHAR = 5.0  # rough width of a legend character in points (9 pt)
LEGEND_MIN_WIDTH = 360.0
_UNPRINTABLE = UNSAFE  # controls, C1, bidi overrides, separators: a space each


def quote(text: str) -> str:
    """A DOT double-quoted string that Graphviz shows as ``text`` and writes as valid XML.

    Control characters become spaces (XML 1.0 cannot hold them); ``&`` is written as the
    ``&amp;`` entity, because Graphviz passes entities such as ``&#1;`` through to the SVG.

    >>> quote('say "hi" \\\\ <b> & {x|y}')
    '"say \\\\"hi\\\\" \\\\\\\\ <b> &amp; {x|y}"'
    """
    return '"' + _escape(text) + '"'


#: Graphviz rejects quoted strings over 16,384 bytes; escaping can grow text five-fold (``&``).
MAX_TEXT = 2000


def _escape(text: str) -> str:
    if len(text) > MAX_TEXT:
        text = text[: MAX_TEXT - 1] + "…"
    text = _UNPRINTABLE.sub(" ", text).replace("&", "&amp;")
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _label(lines: Iterable[str]) -> str:
    """A multi-line label: each line escaped, joined with DOT's centred line break."""
    return '"' + "\\n".join(_escape(line) for line in lines) + '"'


def _attrs(pairs: Iterable[tuple[str, str | None]]) -> str:
    """``[a=b, ...]`` from already-quoted values; None values are left out."""
    return "[" + ", ".join(f"{k}={v}" for k, v in pairs if v is not None) + "]"


def render_dot(model: MapModel, *, legend: bool = True, aspect: float = TARGET_ASPECT) -> str:
    """The DOT text of ``model``: a header (title and legend), folder clusters, nodes, ghosts,
    edges, then the layout plan (``layout.plan_layout``, type bands aiming at ``aspect``) as
    ranks; with ``cluster_mode`` "none" Graphviz ranks the documents by their edges alone."""
    plan = plan_layout(model, aspect=aspect) if model.cluster_mode != "none" else None
    out = [
        DOT_COMMENT,
        "digraph tracegraph {",
        "  graph "
        + _attrs(
            [
                ("id", quote("tracegraph-map")),
                ("class", quote("tg-map")),
                ("rankdir", "BT"),
                ("newrank", "true"),
                ("compound", "true"),
                ("fontname", quote(FONT)),
                ("fontsize", "14"),
                ("label", _header(model, plan, legend)),
                ("labelloc", "t"),
                ("nodesep", str(NODESEP)),
                ("mclimit", "4" if len(model.edges) <= MCLIMIT_EDGES else None),
                ("ranksep", str(RANKSEP)),
                ("bgcolor", quote("#ffffff")),
            ]
        )
        + ";",
        "  node "
        + _attrs(
            [
                ("fontname", quote(FONT)),
                ("fontsize", "10"),
                ("style", quote("filled")),
                ("color", quote(BORDER)),
                ("margin", quote("0.12,0.06")),
            ]
        )
        + ";",
        "  edge "
        + _attrs([("fontname", quote(FONT)), ("fontsize", "9"), ("arrowsize", "0.7")])
        + ";",
    ]
    by_key = {node.key: node for node in model.nodes}
    implied = model.implied_by_source
    clustered: set[str] = set()
    # type bands are levels, not boxes: a box would send the edges that cross it around it
    boxes = model.clusters if model.cluster_mode == "folder" else ()
    for cluster in boxes:
        out.append(f"  subgraph {quote('cluster_' + cluster.slug)} {{")
        out.append(
            "    graph "
            + _attrs(
                [
                    ("id", quote(cluster.slug)),
                    ("class", quote("tg-cluster")),
                    ("label", quote(cluster.label)),
                    ("tooltip", quote(cluster.label)),
                    ("style", quote("filled,rounded")),
                    ("fillcolor", quote(CLUSTER_FILL)),
                    ("color", quote(CLUSTER_BORDER)),
                    ("fontsize", "12"),
                ]
            )
            + ";"
        )
        for key in cluster.members:
            out.append("    " + _node(by_key[key], implied.get(key, ()), by_key))
            clustered.add(key)
        out.append("  }")
    out += [
        "  " + _node(node, implied.get(node.key, ()), by_key)
        for node in model.nodes
        if node.key not in clustered
    ]
    out += ["  " + _ghost(ghost) for ghost in model.ghosts]
    names = {node.key: node.slug for node in model.nodes}
    names.update({ghost.key: ghost.slug for ghost in model.ghosts})
    levels = plan.levels if plan is not None else {}
    out += ["  " + _edge(edge, names, levels) for edge in model.edges]
    if plan is not None:
        linked = {e.source for e in model.edges} | {e.target for e in model.edges}
        out += _ranks(plan, names, set(plan.levels) - linked)
    out.append("}")
    return "\n".join(out) + "\n"


def _ranks(plan: Plan, names: dict[str, str], alone: set[str]) -> list[str]:
    """One ``rank=same`` group per level, chained bottom to top by invisible edges that only
    order the levels (edges point upstream, and ``rankdir=BT`` puts upstream on top); the
    documents ``alone`` (no drawn edge) are also tied to the one at the same place on the next
    level, so rows of them line up as a grid instead of drifting sideways."""
    members = [[names[key] for key in level] for level in plan.level_members()]
    out = [
        "  { rank=same; " + " ".join(quote(name) for name in level) + " }"
        for level in members
        if len(level) > 1
    ]
    out += [
        f"  {quote(below[0])} -> {quote(above[0])} [style=invis, weight=0];"
        for above, below in itertools.pairwise(members)
    ]
    lonely = [[names[key] for key in level if key in alone] for level in plan.level_members()]
    out += [
        f"  {quote(low)} -> {quote(high)} [style=invis];"
        for above, below in itertools.pairwise(lonely)
        for high, low in zip(above, below, strict=False)
    ]
    return out


def _node(node: MapNode, implied: tuple[MapEdge, ...], by_key: dict[str, MapNode]) -> str:
    style = type_style(node.type)
    phase = PHASE_STYLES[node.phase]
    words = ["filled", *([style.dot_style] if style.dot_style else [])]
    if phase.dashed:
        words.append("dashed")
    classes = ["tg-node", f"type-{_css(node.type)}", f"phase-{node.phase.value}"]
    border, width = BORDER, "1"
    if node.orphan:
        classes.append("orphan")
        border, width = ORPHAN_BORDER, "2"
    if node.error:
        classes.append("error")
        border, width = ERROR_BORDER, "2.5"
    if node.focus:
        classes.append("focus")
    return (
        quote(node.slug)
        + " "
        + _attrs(
            [
                ("id", quote(node.slug)),
                ("class", quote(" ".join(classes))),
                ("label", _label(node.label_lines)),
                ("tooltip", _tooltip(node, implied, by_key)),
                ("href", quote(node.href) if node.href else None),
                ("target", quote("_top") if node.href else None),
                ("shape", style.dot_shape),
                ("style", quote(",".join(words))),
                ("fillcolor", quote(phase.fill)),
                ("fontcolor", quote(phase.font)),
                ("color", quote(border)),
                ("penwidth", width),
                ("peripheries", "2" if node.focus else None),
            ]
        )
        + ";"
    )


def _tooltip(node: MapNode, implied: tuple[MapEdge, ...], by_key: dict[str, MapNode]) -> str:
    """The node's tooltip, with the edges left out because the drawn chain implies them."""
    lines = [node.tooltip]
    for edge in implied:
        steps = " -> ".join(by_key[key].name for key in edge.via[1:-1] if key in by_key)
        target = by_key[edge.target].name if edge.target in by_key else edge.target
        lines.append(f"also {edge.relation.replace('_', ' ')} {target} (through {steps})")
    return '"' + "\\n".join(_escape(line) for line in lines) + '"'


def _ghost(ghost: MapGhost) -> str:
    return (
        quote(ghost.slug)
        + " "
        + _attrs(
            [
                ("id", quote(ghost.slug)),
                ("class", quote("tg-ghost")),
                ("label", _label(ghost.label_lines)),
                ("tooltip", quote(ghost.tooltip)),
                ("shape", "box"),
                ("style", quote("filled,dashed")),
                ("fillcolor", quote(MISSING_FILL)),
                ("fontcolor", quote(MISSING_COLOR)),
                ("color", quote(MISSING_COLOR)),
            ]
        )
        + ";"
    )


def _edge_style(edge: MapEdge) -> EdgeStyle:
    if edge.broken:
        return BROKEN_EDGE
    return EDGE_STYLES.get(Relation(edge.relation), EDGE_STYLES[Relation.REFERENCES])


def _edge(edge: MapEdge, names: dict[str, str], levels: Mapping[str, int]) -> str:
    style = _edge_style(edge)
    # an edge against the plan (an RFC citing a TDD) is drawn but does not move anything
    against = (
        edge.source in levels
        and edge.target in levels
        and levels[edge.target] >= levels[edge.source]
    )
    relations = ", ".join(edge.relations)
    times = f" ({edge.count} references)" if edge.count > 1 else ""
    kind = "broken" if edge.broken else edge.relation
    return (
        f"{quote(names[edge.source])} -> {quote(names[edge.target])} "
        + _attrs(
            [
                ("id", quote(edge.slug)),
                ("class", quote(f"tg-edge rel-{_css(kind)}")),
                ("label", quote(style.label) if style.label and edge.labelled else None),
                ("tooltip", quote(f"{edge.source} -> {edge.target}: {relations}{times}")),
                ("color", quote(style.color)),
                ("fontcolor", quote(style.color)),
                ("style", style.dot_style),
                ("penwidth", str(style.penwidth)),
                ("arrowhead", style.arrowhead),
                ("constraint", "false" if against else None),
            ]
        )
        + ";"
    )


def _header(model: MapModel, plan: Plan | None, legend: bool) -> str:
    """The graph label: the title and, under it, the legend as a compact grid of only what the
    map uses (an HTML-like label: tracegraph's own words and the escaped title, nothing else)."""
    entries = legend_entries(model) if legend else []
    return header_label(model.title, entries, _picture_width(model, plan))


def header_label(title: str, entries: list[LegendEntry], width: float) -> str:
    """An HTML-like graph label: ``title`` (escaped) and under it the legend ``entries`` as a
    grid of the fewest rows that fit ``width`` points (no legend without entries)."""
    heading = f'<TR><TD><FONT POINT-SIZE="14">{_html(title)}</FONT></TD></TR>'
    if not entries:
        return f'<<TABLE BORDER="0" CELLPADDING="2" CELLSPACING="0">{heading}</TABLE>>'
    rows = _legend_rows(entries, width)
    per_row = math.ceil(len(entries) / rows)
    grid = ""
    for start in range(0, len(entries), per_row):
        cells = [_legend_cells(entry) for entry in entries[start : start + per_row]]
        cells += ["<TD></TD><TD></TD>"] * (per_row - len(cells))
        grid += "<TR>" + '<TD WIDTH="10"></TD>'.join(cells) + "</TR>"
    legend_table = (
        '<TABLE ID="legend" TOOLTIP="Legend" TARGET="_self" BORDER="0" CELLBORDER="0" '
        f'CELLSPACING="2" CELLPADDING="1">{grid}</TABLE>'
    )
    return (
        '<<TABLE BORDER="0" CELLPADDING="2" CELLSPACING="0">'
        f"{heading}<TR><TD>{legend_table}</TD></TR></TABLE>>"
    )


@dataclass(frozen=True)
class LegendEntry:
    """One legend entry: a sample (a swatch, a border or a line) and the words that explain it.

    ``sample`` holds the attributes and text of the sample's HTML cell, fixed by tracegraph.
    """

    sample_attrs: str
    sample_text: str
    text: str

    @property
    def width(self) -> float:
        """A rough width in points (9 pt Helvetica), to choose how many rows the legend takes."""
        return len(self.text) * LEGEND_CHAR + 44


def _legend_cells(entry: LegendEntry) -> str:
    sample = f'<FONT POINT-SIZE="9">{entry.sample_text}</FONT>' if entry.sample_text else " "
    return (
        f"<TD{entry.sample_attrs}>{sample}</TD>"
        f'<TD ALIGN="LEFT"><FONT POINT-SIZE="9">{_html(entry.text)}</FONT></TD>'
    )


def _legend_rows(entries: list[LegendEntry], width: float) -> int:
    """The fewest rows whose grid (columns as wide as their widest entry) fits ``width``."""
    for rows in range(1, len(entries) + 1):
        per_row = math.ceil(len(entries) / rows)
        columns = [entries[i::per_row] for i in range(per_row)]
        if sum(max(e.width for e in column) for column in columns) <= width:
            return rows
    return len(entries)


def _picture_width(model: MapModel, plan: Plan | None) -> float:
    """Roughly how wide the drawing will be, in points (the legend wraps to it)."""
    if plan is None or not plan.depth:
        return LEGEND_MIN_WIDTH
    across, _ = slot_size(model.nodes)
    widest = max(len(level) for level in plan.level_members())
    return max(LEGEND_MIN_WIDTH, widest * across)


def legend_entries(model: MapModel) -> list[LegendEntry]:
    """What the map uses, in reading order: the type shapes, statuses (the words found, by
    fill), markers, and the relations drawn."""
    entries: list[LegendEntry] = []
    for type_name in model.types:
        shape = type_style(type_name).description.split(" (")[0]
        entries.append(LegendEntry("", _html(type_name), shape))
    statuses: dict[Phase, set[str]] = {}
    for node in model.nodes:
        statuses.setdefault(node.phase, set()).add(node.status or "no status")
    for phase, phase_style in PHASE_STYLES.items():
        if phase in statuses:
            words = sorted(statuses[phase])
            text = ", ".join(words[:3]) + (", …" if len(words) > 3 else "")
            dashed = ' STYLE="dashed"' if phase_style.dashed else ""
            attrs = f' BGCOLOR="{phase_style.fill}" BORDER="1" COLOR="{BORDER}"{dashed}'
            entries.append(LegendEntry(attrs, "    ", text))
    markers = [
        (any(n.error for n in model.nodes), ERROR_BORDER, "", "has an error"),
        (any(n.orphan for n in model.nodes), ORPHAN_BORDER, "", "orphan"),
        (any(n.focus for n in model.nodes), BORDER, "", "focus (double border)"),
        (bool(model.ghosts), MISSING_COLOR, ' STYLE="dashed"', "missing target"),
    ]
    for shown, color, dashed, text in markers:
        if shown:
            entries.append(LegendEntry(f' BORDER="2" COLOR="{color}"{dashed}', "    ", text))
    drawn = {edge.relation for edge in model.edges if not edge.broken}
    samples: list[tuple[str, EdgeStyle]] = [
        (r.value, EDGE_STYLES[r]) for r in RELATION_PRECEDENCE if r.value in drawn
    ]
    if any(edge.broken for edge in model.edges):
        samples.append(("broken", BROKEN_EDGE))
    for relation, edge_style in samples:
        line = {"dashed": "╌╌╌", "dotted": "┈┈┈"}.get(edge_style.dot_style, "───")
        line = f'<FONT COLOR="{edge_style.color}">{line}▶</FONT>'
        if edge_style.dot_style == "bold":
            line = f"<B>{line}</B>"
        entries.append(LegendEntry("", line, relation.replace("_", " ")))
    return entries


def _html(text: str) -> str:
    """Text for an HTML-like label: control characters as spaces, ``& < >`` as entities."""
    if len(text) > MAX_TEXT:
        text = text[: MAX_TEXT - 1] + "…"
    text = _UNPRINTABLE.sub(" ", text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _css(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"
