"""DOT text of a map (pure: the same ``MapModel`` gives the same bytes).

Node names are the model's slugs (``node-adr-0007``), so nothing taken from a document ever
stands unquoted; titles and paths appear only inside quoted strings, escaped by ``quote``.
Every node and edge has an ``id`` and a ``class``, which Graphviz copies into the SVG so the
HTML report can make the map interactive. Layout runs right to left (``rankdir=RL``): edges point
upstream, so upstream documents land on the left and the chain reads PRD -> RFC -> ADR -> TDD.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable

from ..generated import DOT_COMMENT
from ..model import Relation
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
    UNTYPED,
    EdgeStyle,
    type_style,
)

FONT = "Helvetica"
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f\ufffe\uffff]")


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


def render_dot(model: MapModel, *, legend: bool = True, order_clusters: bool = True) -> str:
    """The DOT text of ``model``: clusters, nodes, ghosts, edges, then the legend."""
    out = [
        DOT_COMMENT,
        "digraph tracegraph {",
        "  graph "
        + _attrs(
            [
                ("id", quote("tracegraph-map")),
                ("class", quote("tg-map")),
                ("rankdir", "RL"),
                ("newrank", "true"),
                ("compound", "true"),
                ("fontname", quote(FONT)),
                ("fontsize", "14"),
                ("label", quote(model.title)),
                ("labelloc", "t"),
                ("tooltip", quote(model.title)),
                ("nodesep", "0.25"),
                ("ranksep", "0.7"),
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
    clustered: set[str] = set()
    for cluster in model.clusters:
        out.append(f"  subgraph {quote('cluster_' + cluster.slug)} {{")
        out.append(
            "    graph "
            + _attrs(
                [
                    ("id", quote(cluster.slug)),
                    ("class", quote("tg-cluster")),
                    ("rank", "same" if model.cluster_mode == "type" else None),
                    ("label", quote(cluster.label)),
                    ("style", quote("filled,rounded")),
                    ("fillcolor", quote(CLUSTER_FILL)),
                    ("color", quote(CLUSTER_BORDER)),
                    ("fontsize", "12"),
                ]
            )
            + ";"
        )
        for key in cluster.members:
            out.append("    " + _node(by_key[key]))
            clustered.add(key)
        out.append("  }")
    out += ["  " + _node(node) for node in model.nodes if node.key not in clustered]
    out += ["  " + _ghost(ghost) for ghost in model.ghosts]
    names = {node.key: node.slug for node in model.nodes}
    names.update({ghost.key: ghost.slug for ghost in model.ghosts})
    out += ["  " + _edge(edge, names) for edge in model.edges]
    if order_clusters and model.cluster_mode == "type":
        out += _cluster_order(model)
    if legend:
        out += _legend(model)
    out.append("}")
    return "\n".join(out) + "\n"


def _node(node: MapNode) -> str:
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
                ("tooltip", quote(node.tooltip)),
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


def _edge(edge: MapEdge, names: dict[str, str]) -> str:
    style = _edge_style(edge)
    relations = ", ".join(edge.relations)
    times = f" ({edge.count} references)" if edge.count > 1 else ""
    kind = "broken" if edge.broken else edge.relation
    return (
        f"{quote(names[edge.source])} -> {quote(names[edge.target])} "
        + _attrs(
            [
                ("id", quote(edge.slug)),
                ("class", quote(f"tg-edge rel-{_css(kind)}")),
                ("label", quote(style.label) if style.label else None),
                ("tooltip", quote(f"{edge.source} -> {edge.target}: {relations}{times}")),
                ("color", quote(style.color)),
                ("fontcolor", quote(style.color)),
                ("style", style.dot_style),
                ("penwidth", str(style.penwidth)),
                ("arrowhead", style.arrowhead),
            ]
        )
        + ";"
    )


def _cluster_order(model: MapModel) -> list[str]:
    """Invisible edges that keep the type clusters in traceability order, DOC aside."""
    firsts = [c.members[0] for c in model.clusters if c.key != UNTYPED and c.members]
    names = {node.key: node.slug for node in model.nodes}
    return [
        f"  {quote(names[later])} -> {quote(names[earlier])} [style=invis, weight=0];"
        for earlier, later in itertools.pairwise(firsts)
    ]


def _legend(model: MapModel) -> list[str]:
    """A compact legend cluster of what the map shows: the type shapes as small real nodes, and
    one HTML-table node for fills, markers and line styles. The table holds only tracegraph's
    own words, never document text, so an HTML-like label is safe here."""
    out = [
        f"  subgraph {quote('cluster_legend')} {{",
        "    graph "
        + _attrs(
            [
                ("id", quote("legend")),
                ("class", quote("tg-legend")),
                ("label", quote("Legend")),
                ("style", quote("rounded")),
                ("color", quote(CLUSTER_BORDER)),
                ("fontsize", "12"),
            ]
        )
        + ";",
        '    node [fontsize=9, width=0.5, height=0.3, fillcolor="#ffffff"];',
    ]
    names: list[str] = []
    for type_name in model.types:
        style = type_style(type_name)
        words = ",".join(["filled", *([style.dot_style] if style.dot_style else [])])
        name = f"legend-type-{_css(type_name)}"
        names.append(name)
        attrs = [("label", quote(type_name)), ("shape", style.dot_shape), ("style", quote(words))]
        out.append(f"    {quote(name)} {_attrs(attrs)};")
    rows: list[str] = []
    phases = {node.phase for node in model.nodes}
    for phase, phase_style in PHASE_STYLES.items():
        if phase in phases:
            dashed = ' STYLE="dashed"' if phase_style.dashed else ""
            rows.append(
                _legend_row(
                    f'<TD BGCOLOR="{phase_style.fill}" BORDER="1"{dashed}>'
                    f'<FONT COLOR="{phase_style.font}">{phase_style.label}</FONT></TD>',
                    phase_style.examples,
                )
            )
    markers = [
        (any(n.error for n in model.nodes), "error", ERROR_BORDER, "has an error finding"),
        (
            any(n.orphan for n in model.nodes),
            "orphan",
            ORPHAN_BORDER,
            "no link to or from a document",
        ),
        (bool(model.ghosts), "missing", MISSING_COLOR, "broken link or unknown ID"),
    ]
    for shown, text, color, meaning in markers:
        if shown:
            rows.append(_legend_row(f'<TD BORDER="2" COLOR="{color}">{_html(text)}</TD>', meaning))
    drawn = {edge.relation for edge in model.edges if not edge.broken}
    samples: list[tuple[str, EdgeStyle]] = [
        (r.value, EDGE_STYLES[r]) for r in RELATION_PRECEDENCE if r.value in drawn
    ]
    if any(edge.broken for edge in model.edges):
        samples.append(("broken", BROKEN_EDGE))
    for relation, edge_style in samples:
        line = {"dashed": "- - - -", "dotted": "· · · · ·"}.get(edge_style.dot_style, "────")
        weight = ("<B>", "</B>") if edge_style.dot_style == "bold" else ("", "")
        rows.append(
            _legend_row(
                f'<TD><FONT COLOR="{edge_style.color}">{weight[0]}{line} ▶{weight[1]}</FONT></TD>',
                relation.replace("_", " "),
            )
        )
    table = (
        '<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="3" CELLPADDING="2">'
        + "".join(rows)
        + "</TABLE>>"
    )
    out.append(f'    "legend-key" [shape=plaintext, margin=0, label={table}];')
    out.append("    { rank=same; " + " ".join(quote(n) for n in [*names, "legend-key"]) + " }")
    out.append("  }")
    return out


def _legend_row(sample: str, text: str) -> str:
    return f'<TR>{sample}<TD ALIGN="LEFT"><FONT POINT-SIZE="9">{_html(text)}</FONT></TD></TR>'


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _css(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"
