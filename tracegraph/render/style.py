"""The one style table of the maps: shape per type, fill per status, stroke per relation.

Both renderers (DOT and Mermaid) and the README's legend read these tables, so a colour is
changed in one place. Colours are ``#rrggbb`` only: Debian's Graphviz 2.43 draws 3-digit hex
colours (``#eef``) black.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from ..config import TypeSpec
from ..model import Relation

#: Cluster order: the traceability chain first, then other typed documents, untyped last.
TYPE_ORDER: tuple[str, ...] = ("PRD", "RFC", "ADR", "TDD")
UNTYPED = "DOC"


@dataclass(frozen=True)
class TypeStyle:
    """How a document type is drawn: a Graphviz shape and the matching Mermaid brackets."""

    dot_shape: str
    dot_style: str  # extra Graphviz style words besides "filled"
    mermaid_open: str
    mermaid_close: str
    description: str


TYPE_STYLES: Mapping[str, TypeStyle] = {
    "PRD": TypeStyle("hexagon", "", "{{", "}}", "hexagon"),
    "RFC": TypeStyle("tab", "", "[/", "/]", "tab (parallelogram in Mermaid)"),
    "ADR": TypeStyle("box", "rounded", "(", ")", "rounded box"),
    "TDD": TypeStyle("component", "", "[[", "]]", "component box"),
    "DOC": TypeStyle("note", "", "[", "]", "note (plain box in Mermaid)"),
}
#: Types a team adds (SPEC, KEP, ...) share one shape.
OTHER_TYPE_STYLE = TypeStyle("octagon", "", "([", "])", "octagon (stadium in Mermaid)")


def type_style(type_name: str) -> TypeStyle:
    """The style of ``type_name``; configured extra types get ``OTHER_TYPE_STYLE``."""
    return TYPE_STYLES.get(type_name, OTHER_TYPE_STYLE)


class Phase(StrEnum):
    """Where a status stands in its lifecycle; the fill follows the phase, not the word."""

    EARLY = "early"
    ACTIVE = "active"
    DONE = "done"
    RETIRED = "retired"
    NONE = "none"


@dataclass(frozen=True)
class PhaseStyle:
    """Fill, text colour and border pattern of one lifecycle phase."""

    fill: str
    font: str
    dashed: bool
    label: str
    examples: str


PHASE_STYLES: Mapping[Phase, PhaseStyle] = {
    Phase.EARLY: PhaseStyle("#e3edfb", "#1f2937", False, "early", "draft, proposed, in-review"),
    Phase.ACTIVE: PhaseStyle("#7fb2e5", "#0b1f33", False, "agreed", "approved, accepted"),
    Phase.DONE: PhaseStyle("#1f4e8c", "#ffffff", False, "done", "implemented, shipped"),
    Phase.RETIRED: PhaseStyle(
        "#d9d9d9", "#555555", True, "retired", "superseded, deprecated, rejected, withdrawn"
    ),
    Phase.NONE: PhaseStyle("#ffffff", "#1f2937", False, "no status", "(none or unknown)"),
}

#: Status words with a fixed phase whatever the type's lifecycle says.
STATUS_PHASES: Mapping[str, Phase] = {
    "draft": Phase.EARLY,
    "proposed": Phase.EARLY,
    "in-review": Phase.EARLY,
    "provisional": Phase.EARLY,
    "approved": Phase.ACTIVE,
    "accepted": Phase.ACTIVE,
    "implementable": Phase.ACTIVE,
    "implemented": Phase.DONE,
    "shipped": Phase.DONE,
    "final": Phase.DONE,
    "superseded": Phase.RETIRED,
    "deprecated": Phase.RETIRED,
    "rejected": Phase.RETIRED,
    "withdrawn": Phase.RETIRED,
    "replaced": Phase.RETIRED,
    "obsolete": Phase.RETIRED,
    "deferred": Phase.RETIRED,
}


def status_phase(status: str | None, spec: TypeSpec | None = None) -> Phase:
    """The phase of a status: the fixed table first, then the type's own lifecycle.

    >>> status_phase("accepted")
    <Phase.ACTIVE: 'active'>
    >>> status_phase(None)
    <Phase.NONE: 'none'>
    """
    if not status:
        return Phase.NONE
    if status in STATUS_PHASES:
        return STATUS_PHASES[status]
    if spec is not None:
        if status in spec.terminal:
            return Phase.RETIRED
        if status in spec.lifecycle:
            index = spec.lifecycle.index(status)
            if index == len(spec.lifecycle) - 1 and index > 0:
                return Phase.DONE
            return Phase.EARLY if index == 0 else Phase.ACTIVE
    return Phase.NONE


BORDER = "#374151"
ERROR_BORDER = "#d62728"
ORPHAN_BORDER = "#e67e00"
MISSING_FILL = "#fde2e2"
MISSING_COLOR = "#d62728"
CLUSTER_FILL = "#f7f7f7"
CLUSTER_BORDER = "#bbbbbb"


@dataclass(frozen=True)
class EdgeStyle:
    """How one relation is drawn; ``label`` is empty for plain references."""

    color: str
    dot_style: str  # solid, dashed, dotted, bold
    penwidth: float
    arrowhead: str
    mermaid_arrow: str
    label: str


EDGE_STYLES: Mapping[Relation, EdgeStyle] = {
    Relation.IMPLEMENTS: EdgeStyle("#1f4e8c", "bold", 1.6, "normal", "==>", "implements"),
    Relation.DEPENDS_ON: EdgeStyle("#374151", "solid", 1.2, "normal", "-->", "depends on"),
    Relation.SUPERSEDES: EdgeStyle("#7f7f7f", "dashed", 1.2, "empty", "-.->", "supersedes"),
    Relation.RELATED: EdgeStyle("#6b7280", "dashed", 1.0, "open", "-.->", "related"),
    Relation.REFERENCES: EdgeStyle("#6b7280", "solid", 1.0, "normal", "-->", ""),
    Relation.MENTIONS: EdgeStyle("#9ca3af", "dotted", 1.0, "open", "-.->", "mentions"),
}
BROKEN_EDGE = EdgeStyle(MISSING_COLOR, "dashed", 1.4, "normal", "-.->", "")

#: When one document points at another several times, the strongest relation draws the edge.
RELATION_PRECEDENCE: tuple[Relation, ...] = (
    Relation.SUPERSEDES,
    Relation.IMPLEMENTS,
    Relation.DEPENDS_ON,
    Relation.RELATED,
    Relation.REFERENCES,
    Relation.MENTIONS,
)


def strongest(relations: set[str] | frozenset[str]) -> Relation:
    """The relation that draws an edge merged from several references.

    >>> strongest({"references", "implements"})
    <Relation.IMPLEMENTS: 'implements'>
    """
    for relation in RELATION_PRECEDENCE:
        if relation.value in relations:
            return relation
    return Relation.REFERENCES


def legend_markdown() -> str:
    """The legend as Markdown tables (kept in the README; a test checks they agree)."""
    lines = ["| type | shape |", "|---|---|"]
    for name, style in TYPE_STYLES.items():
        lines.append(f"| {name} | {style.description} |")
    lines.append(f"| other configured types | {OTHER_TYPE_STYLE.description} |")
    lines += ["", "| status | fill | border |", "|---|---|---|"]
    for phase_style in PHASE_STYLES.values():
        border = "dashed" if phase_style.dashed else "solid"
        lines.append(
            f"| {phase_style.label}: {phase_style.examples} | `{phase_style.fill}` | {border} |"
        )
    lines += ["", "| relation | line | label |", "|---|---|---|"]
    for relation in RELATION_PRECEDENCE:
        edge = EDGE_STYLES[relation]
        label = f"`{edge.label}`" if edge.label else "(none)"
        lines.append(f"| {relation.value} | {edge.dot_style} `{edge.color}` | {label} |")
    lines.append(f"| broken reference | dashed `{BROKEN_EDGE.color}` into a red ghost | (none) |")
    lines += [
        "",
        "| marker | meaning |",
        "|---|---|",
        f"| red border `{ERROR_BORDER}` | the document has an error finding (`tracegraph check`) |",
        f"| orange border `{ORPHAN_BORDER}` | orphan: a typed document with no document edge |",
        "| double border | the `--focus` document |",
        f"| red dashed box, fill `{MISSING_FILL}` | missing: a broken link, unknown ID or a "
        "link outside the root |",
    ]
    return "\n".join(lines) + "\n"
