"""Mermaid text of a map (pure, deterministic), for GitHub and GitLab Markdown.

``flowchart LR`` with one ``subgraph`` per cluster, one ``classDef`` per status phase plus the
error, orphan, focus and missing markers, sanitised node IDs (``n_`` + the model's slug with
``_`` for ``-``, so never a keyword such as ``end``) and quoted labels in which every character
Mermaid could read as syntax is written as an entity code (``#quot;``, ``#lt;``, ``#35;``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ..generated import MERMAID_COMMENT
from ..model import Relation
from ..safetext import UNSAFE
from .model import MapEdge, MapModel
from .style import (
    BORDER,
    BROKEN_EDGE,
    EDGE_STYLES,
    ERROR_BORDER,
    MISSING_COLOR,
    MISSING_FILL,
    ORPHAN_BORDER,
    PHASE_STYLES,
    EdgeStyle,
    type_style,
)

_UNPRINTABLE = UNSAFE  # controls, C1, bidi overrides, separators: a space each
_ENTITIES = {
    "#": "#35;",
    '"': "#quot;",
    "<": "#lt;",
    ">": "#gt;",
    "&": "#amp;",
    # Mermaid reads labels as Markdown after decoding entities, so a backslash would escape
    # the next character (even the ``<br/>`` of a line break) and backticks open code spans:
    # both are shown as look-alike characters instead.
    "`": "\u02cb",
    "\\": "\u29f5",
}
_ENTITY_RE = re.compile("[" + re.escape("".join(_ENTITIES)) + "]")
DASHED = "stroke-dasharray:5 3"


def escape_label(text: str) -> str:
    """Text for a double-quoted Mermaid label: syntax characters become entity codes
    (backslashes and backticks look-alikes, since Mermaid reads labels as Markdown).

    >>> escape_label('a "b" <c> #1')
    'a #quot;b#quot; #lt;c#gt; #35;1'
    """
    text = _UNPRINTABLE.sub(" ", text)
    return _ENTITY_RE.sub(lambda m: _ENTITIES[m.group(0)], text)


def _label(lines: Iterable[str]) -> str:
    return '"' + "<br/>".join(escape_label(line) for line in lines) + '"'


def mermaid_id(slug: str) -> str:
    """A Mermaid node ID from a model slug: ``node-adr-0007`` -> ``n_adr_0007``."""
    body = slug.removeprefix("node-")
    prefix = "g_" if body.startswith("ghost-") else "n_"
    body = body.removeprefix("ghost-")
    return prefix + re.sub(r"[^A-Za-z0-9_]", "_", body)


def render_mermaid(model: MapModel, *, clicks: bool | None = None) -> str:
    """The Mermaid flowchart of ``model``.

    ``clicks`` adds ``click`` lines that open each document; by default only when the links
    are absolute (``--link-base``), since GitHub ignores relative ones.
    """
    ids = {node.key: mermaid_id(node.slug) for node in model.nodes}
    ids.update({ghost.key: mermaid_id(ghost.slug) for ghost in model.ghosts})
    out = [MERMAID_COMMENT, "flowchart LR"]
    for phase, phase_style in PHASE_STYLES.items():
        dashed = f",{DASHED}" if phase_style.dashed else ""
        out.append(
            f"  classDef phase_{phase.value} fill:{phase_style.fill},stroke:{BORDER},"
            f"color:{phase_style.font}{dashed}"
        )
    out += [
        f"  classDef orphan stroke:{ORPHAN_BORDER},stroke-width:2px",
        f"  classDef error stroke:{ERROR_BORDER},stroke-width:3px",
        "  classDef focus stroke-width:4px",
        f"  classDef missing fill:{MISSING_FILL},stroke:{MISSING_COLOR},color:{MISSING_COLOR},"
        f"{DASHED}",
    ]
    by_key = {node.key: node for node in model.nodes}
    clustered: set[str] = set()
    for number, cluster in enumerate(model.clusters, start=1):
        out.append(f"  subgraph c{number}[{_label([cluster.label])}]")
        for key in cluster.members:
            out.append("    " + _node(ids[key], by_key[key].type, by_key[key].label_lines))
            clustered.add(key)
        out.append("  end")
    out += [
        "  " + _node(ids[n.key], n.type, n.label_lines)
        for n in model.nodes
        if n.key not in clustered
    ]
    out += [f"  {ids[g.key]}[{_label(g.label_lines)}]" for g in model.ghosts]
    link_styles: dict[str, list[int]] = {}
    for index, edge in enumerate(model.edges):
        style = _edge_style(edge)
        arrow = style.mermaid_arrow
        label = f'|"{escape_label(style.label)}"|' if style.label and edge.labelled else ""
        out.append(f"  {ids[edge.source]} {arrow}{label} {ids[edge.target]}")
        dash = f",{DASHED}" if style.dot_style in ("dashed", "dotted") else ""
        css = f"stroke:{style.color},stroke-width:{style.penwidth}px{dash}"
        link_styles.setdefault(css, []).append(index)
    classes: dict[str, list[str]] = {}
    for node in model.nodes:
        classes.setdefault(f"phase_{node.phase.value}", []).append(ids[node.key])
        for flag, name in ((node.orphan, "orphan"), (node.error, "error"), (node.focus, "focus")):
            if flag:
                classes.setdefault(name, []).append(ids[node.key])
    if model.ghosts:
        classes["missing"] = [ids[g.key] for g in model.ghosts]
    order = [f"phase_{p.value}" for p in PHASE_STYLES] + ["orphan", "error", "focus", "missing"]
    out += [f"  class {','.join(classes[c])} {c}" for c in order if c in classes]
    out += [
        f"  linkStyle {','.join(map(str, indexes))} {css}"
        for css, indexes in sorted(link_styles.items(), key=lambda item: item[1][0])
    ]
    absolute = all(n.href and "://" in n.href for n in model.nodes)
    if clicks or (clicks is None and model.nodes and absolute):
        out += [
            f'  click {ids[n.key]} href "{n.href.replace(chr(34), "%22")}"'
            for n in model.nodes
            if n.href
        ]
    return "\n".join(out) + "\n"


def _node(node_id: str, type_name: str, lines: tuple[str, ...]) -> str:
    style = type_style(type_name)
    return f"{node_id}{style.mermaid_open}{_label(lines)}{style.mermaid_close}"


def _edge_style(edge: MapEdge) -> EdgeStyle:
    if edge.broken:
        return BROKEN_EDGE
    return EDGE_STYLES.get(Relation(edge.relation), EDGE_STYLES[Relation.REFERENCES])
