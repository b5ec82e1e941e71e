"""Query output: impact trees and lists, change reports, chains and document cards, as text
and as the JSON of DESIGN.md section 7.

Both front ends use these: ``tracegraph impact/upstream/path/show`` print them, and the
language server's hover shows the same card fields and counts. Text taken from documents is
cleaned of control and bidi characters; colour is the caller's choice (``color=True`` adds ANSI
styles, for a terminal).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from .. import queries
from ..errors import UsageError
from ..generated import json_head
from ..graph import Corpus
from ..model import Document, Relation
from ..queries import Card, CardEdge, Chains, ChangeImpact, Hop, Traversal
from ..safetext import neutralise
from ..suspect import ChangeMarks, SuspectAnalysis, SuspectLink
from . import findings_block

#: Relations an edge can carry (``superseded_by`` is stored as ``supersedes``).
EDGE_RELATIONS = tuple(r.value for r in Relation if r is not Relation.SUPERSEDED_BY)
#: ``--format`` of ``impact`` and ``upstream``.
FORMATS = ("tree", "list", "json", "dot", "mermaid")
#: ``version`` of the JSON of impact, upstream, path and show (``tracegraph schema NAME``).
QUERY_JSON_VERSION = 1
TERMINAL_STATUSES = frozenset({"superseded", "deprecated", "rejected", "withdrawn"})

# How a document is reached, read from the document towards the one it hangs from.
# Downstream: the document rests on its parent ("implements RFC-0002"); upstream: the parent
# rests on it ("implemented by TDD-0002"). The second form continues a chain after ", which".
ACTIVE = {
    "implements": ("implements", "implements"),
    "depends_on": ("depends on", "depends on"),
    "supersedes": ("supersedes", "supersedes"),
    "related": ("related to", "is related to"),
    "references": ("references", "references"),
    "mentions": ("mentions", "mentions"),
}
PASSIVE = {
    "implements": ("implemented by", "is implemented by"),
    "depends_on": ("depended on by", "is depended on by"),
    "supersedes": ("superseded by", "is superseded by"),
    "related": ("related to", "is related to"),
    "references": ("referenced by", "is referenced by"),
    "mentions": ("mentioned by", "is mentioned by"),
}

_ANSI = {"bold": "1", "dim": "2", "cyan": "36", "yellow": "33"}


def clean(text: str) -> str:
    """Text taken from a document, safe for a terminal: control and bidi characters escaped
    (``tracegraph.safetext``, the rule of every text output).

    >>> clean("evil\\x1b[31mred\\u202e")
    'evil\\\\x1b[31mred\\\\u202e'
    """
    return neutralise(text)


def normalise_relation(value: str) -> str:
    """A relation as typed (``depends-on``, ``Depends_On``) in its stored spelling."""
    return value.strip().lower().replace("-", "_")


def check_relations(relations: Sequence[str]) -> tuple[str, ...] | None:
    """The relations to follow (None: all); raise UsageError for an unknown one."""
    for relation in relations:
        if relation not in EDGE_RELATIONS:
            raise UsageError(
                f"--relation: unknown relation '{relation}' (one of {', '.join(EDGE_RELATIONS)})"
            )
    return tuple(relations) or None


@dataclass(frozen=True)
class Filters:
    """What to show: types (upper-case, empty = all) and whether superseded documents count."""

    types: frozenset[str]
    include_superseded: bool

    def shows(self, corpus: Corpus, path: str) -> bool:
        """Whether a reached document is shown (the root always is)."""
        if self.types and corpus.graph.nodes[path]["type"].upper() not in self.types:
            return False
        return self.include_superseded or not queries.is_superseded(corpus, path)


#: Everything shown.
SHOW_ALL = Filters(frozenset(), True)


def make_filters(corpus: Corpus, types: Sequence[str], include_superseded: bool) -> Filters:
    """Filters for ``--type`` and ``--include/--exclude-superseded``; an unknown type is a
    UsageError listing the known ones."""
    wanted = frozenset(t.upper() for t in types)
    known = (
        {t.name.upper() for t in corpus.config.types}
        | {d.type.upper() for d in corpus.documents}
        | {"DOC"}
    )
    unknown = sorted(wanted - known)
    if unknown:
        raise UsageError(
            f"--type: unknown type {', '.join(unknown)} (known: {', '.join(sorted(known))})"
        )
    return Filters(wanted, include_superseded)


class Style:
    """ANSI styles for a terminal, or none.

    >>> Style(True)("x", bold=True), Style(False)("x", bold=True)
    ('\\x1b[1mx\\x1b[0m', 'x')
    """

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __call__(
        self, text: str, *, bold: bool = False, dim: bool = False, fg: str | None = None
    ) -> str:
        codes = [_ANSI[fg]] if fg else []
        codes += [_ANSI[name] for name, on in (("bold", bold), ("dim", dim)) if on]
        if not self.enabled or not text or not codes:
            return text
        return f"\x1b[{';'.join(codes)}m{text}\x1b[0m"


def name_of(corpus: Corpus, path: str) -> str:
    """A document's short name (its ID, or its path), cleaned for a terminal."""
    return clean(raw_name(corpus, path))


def raw_name(corpus: Corpus, path: str) -> str:
    """A document's short name as stored (for JSON)."""
    return str(corpus.graph.nodes[path]["id"])


def _hop_ends(direction: str, hop: Hop) -> tuple[str, str]:
    """(nearer the root, further from it) for a hop of a traversal in ``direction``."""
    return (hop.target, hop.source) if direction == "downstream" else (hop.source, hop.target)


def how_reached(corpus: Corpus, direction: str, hops: Sequence[Hop]) -> str:
    """Describe a chain (root outward) from the far end: "implements RFC-0002, which references
    PRD-0001" downstream, "implemented by TDD-0002, ..." upstream."""
    table = ACTIVE if direction == "downstream" else PASSIVE
    parts = []
    for number, hop in enumerate(reversed(hops)):
        near, _ = _hop_ends(direction, hop)
        forms = table.get(hop.relation, (hop.relation, hop.relation))
        phrase = forms[0] if number == 0 else f"which {forms[1]}"
        parts.append(f"{phrase} {name_of(corpus, near)}")
    return ", ".join(parts)


def card_line(corpus: Corpus, path: str, style: Style) -> str:
    """One document on one line: ID, type, status, title and a superseded mark."""
    attrs = corpus.graph.nodes[path]
    status = str(attrs["status"]) or "-"
    parts = [
        style(name_of(corpus, path), bold=True),
        style(clean(str(attrs["type"])), fg="cyan"),
        style(clean(status), fg="yellow" if status in TERMINAL_STATUSES else None),
    ]
    title = clean(corpus.document(path).short_title)
    if title and title != name_of(corpus, path):
        parts.append(title)
    mark = superseded_mark(corpus, path)
    if mark:
        parts.append(style(mark, fg="yellow"))
    return "  ".join(parts)


def superseded_mark(corpus: Corpus, path: str) -> str:
    """``[superseded by ADR-0009]``, ``[superseded]`` or nothing."""
    by = queries.superseded_by(corpus, path)
    if by:
        return f"[superseded by {', '.join(name_of(corpus, p) for p in by)}]"
    return "[superseded]" if queries.is_superseded(corpus, path) else ""


# --- a traversal (impact, upstream) ----------------------------------------------------------


def format_tree(
    corpus: Corpus, result: Traversal, filters: Filters = SHOW_ALL, color: bool = False
) -> str:
    """An indented tree: each shown document once, at its shortest depth, under the nearest
    shown document of its chain; further edges between shown documents as "(see above)"."""
    style = Style(color)
    direction = result.direction
    shown = {result.root} | {n.path for n in result.nodes if filters.shows(corpus, n.path)}
    depth_of = {result.root: 0} | {n.path: n.depth for n in result.nodes}
    # Tree children: (path, hops from the shown anchor to it).
    children: dict[str, list[tuple[str, tuple[Hop, ...]]]] = {}
    anchor_of: dict[str, str] = {}
    for node in result.nodes:
        if node.path not in shown:
            continue
        chain = [result.root] + [_hop_ends(direction, h)[1] for h in node.via]
        cut = max(i for i in range(len(chain) - 1) if i == 0 or chain[i] in shown)
        anchor_of[node.path] = chain[cut]
        children.setdefault(chain[cut], []).append((node.path, node.via[cut:]))
    # Further paths: a direct traversable edge between shown documents that is not a tree edge.
    refs: dict[str, list[tuple[str, tuple[Hop, ...]]]] = {}
    for hop in queries.traversal_edges(corpus, result):
        near, far = _hop_ends(direction, hop)
        if near not in shown or far not in shown or far == near:
            continue
        if anchor_of.get(far) == near and depth_of[far] == depth_of[near] + 1:
            continue
        if result.depth_limit is not None and depth_of[near] + 1 > result.depth_limit:
            continue
        refs.setdefault(near, []).append((far, (hop,)))

    lines = [card_line(corpus, result.root, style)]
    printed = {result.root}

    def walk(path: str, prefix: str) -> None:
        entries = [(c, hops, False) for c, hops in children.get(path, [])]
        entries += [(c, hops, True) for c, hops in refs.get(path, [])]
        entries.sort(key=lambda e: (name_of(corpus, e[0]), e[0], e[2]))
        for number, (child, hops, is_ref) in enumerate(entries):
            last = number == len(entries) - 1
            branch = "└── " if last else "├── "
            how = style(how_reached(corpus, direction, hops), dim=True)
            if is_ref:
                where = "see above" if child in printed else "see below"
                lines.append(
                    f"{prefix}{branch}{style(name_of(corpus, child), bold=True)}  ({how}; {where})"
                )
                continue
            lines.append(f"{prefix}{branch}{card_line(corpus, child, style)}  ({how})")
            printed.add(child)
            walk(child, prefix + ("    " if last else "│   "))

    walk(result.root, "")
    if not result.nodes:
        word = "rests on it" if direction == "downstream" else "it rests on"
        lines.append(f"(nothing {word})")
    return "\n".join(lines) + "\n"


def visible(corpus: Corpus, result: Traversal, filters: Filters) -> list[queries.Reached]:
    """The reached documents ``filters`` shows, by depth, then name."""
    nodes = [n for n in result.nodes if filters.shows(corpus, n.path)]
    return sorted(nodes, key=lambda n: (n.depth, name_of(corpus, n.path), n.path))


def format_list(
    corpus: Corpus, result: Traversal, filters: Filters = SHOW_ALL, color: bool = False
) -> str:
    """One line per shown document: depth, card, and the whole chain back to the root."""
    style = Style(color)
    lines = []
    for node in visible(corpus, result, filters):
        how = style(how_reached(corpus, result.direction, node.via), dim=True)
        lines.append(f"{node.depth}  {card_line(corpus, node.path, style)}  ({how})")
    return "\n".join(lines) + "\n" if lines else ""


def traversal_dict(
    corpus: Corpus, result: Traversal, filters: Filters = SHOW_ALL
) -> dict[str, Any]:
    """The query JSON of DESIGN.md section 7 (``via`` from the root outward)."""
    return {
        **json_head(QUERY_JSON_VERSION),
        "root": raw_name(corpus, result.root),
        "direction": result.direction,
        "nodes": [
            {
                "id": node.id,
                "path": node.path,
                "type": node.type,
                "status": node.status or None,
                "depth": node.depth,
                "via": [
                    [raw_name(corpus, h.source), h.relation, raw_name(corpus, h.target)]
                    for h in node.via
                ],
            }
            for node in visible(corpus, result, filters)
        ],
    }


def to_json(data: dict[str, Any]) -> str:
    """JSON output as every query command prints it."""
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def format_json(
    corpus: Corpus, result: Traversal, filters: Filters = SHOW_ALL, color: bool = False
) -> str:
    return to_json(traversal_dict(corpus, result, filters))


def diagram(corpus: Corpus, nodes: Iterable[str], focus: str | None, fmt: str) -> str:
    """Exactly ``nodes`` drawn by the map renderer as DOT or Mermaid text."""
    from ..render import build_map, render_dot, render_mermaid

    model = build_map(corpus, focus=focus, only=frozenset(nodes), error_paths=frozenset())
    return render_dot(model) if fmt == "dot" else render_mermaid(model)


def format_dot(
    corpus: Corpus, result: Traversal, filters: Filters = SHOW_ALL, color: bool = False
) -> str:
    nodes = [result.root] + [n.path for n in visible(corpus, result, filters)]
    return diagram(corpus, nodes, result.root, "dot")


def format_mermaid(
    corpus: Corpus, result: Traversal, filters: Filters = SHOW_ALL, color: bool = False
) -> str:
    nodes = [result.root] + [n.path for n in visible(corpus, result, filters)]
    return diagram(corpus, nodes, result.root, "mermaid")


class TraversalFormatter(Protocol):
    def __call__(
        self, corpus: Corpus, result: Traversal, filters: Filters = ..., color: bool = ...
    ) -> str: ...


FORMATTERS: dict[str, TraversalFormatter] = {
    "tree": format_tree,
    "list": format_list,
    "json": format_json,
    "dot": format_dot,
    "mermaid": format_mermaid,
}


# --- what a change touches -------------------------------------------------------------------


def change_dict(
    corpus: Corpus,
    result: ChangeImpact,
    filters: Filters,
    since: str | None,
    marks: ChangeMarks | None = None,
) -> dict[str, Any]:
    """JSON for ``impact --since/--files``: the roots and each affected document's roots; with
    ``marks`` (``--since``), each node's ``suspect``: the changed documents it rests on whose
    change makes it suspect."""

    def suspect(path: str) -> dict[str, Any]:
        if marks is None:
            return {}
        return {"suspect": [raw_name(corpus, p) for p in marks.marks.get(path, ())]}

    return {
        **json_head(QUERY_JSON_VERSION),
        "since": since,
        "changed": list(result.changed),
        "roots": [
            {"id": raw_name(corpus, r.path), "path": r.path, "files": list(r.files)}
            for r in result.roots
        ],
        "unmatched": list(result.unmatched),
        "nodes": [
            {
                "id": a.id,
                "path": a.path,
                "type": a.type,
                "status": a.status or None,
                "depth": a.depth,
                "roots": [raw_name(corpus, r) for r in a.roots],
                **suspect(a.path),
            }
            for a in result.affected
            if a.depth == 0 or filters.shows(corpus, a.path)
        ],
    }


def format_change(
    corpus: Corpus,
    result: ChangeImpact,
    filters: Filters,
    fmt: str,
    since: str | None,
    color: bool = False,
    marks: ChangeMarks | None = None,
) -> str:
    """``impact --since/--files`` in any of ``FORMATS`` (tree and list are the same text);
    ``marks``: the documents the change makes suspect (``--since``)."""
    if fmt == "json":
        return to_json(change_dict(corpus, result, filters, since, marks))
    shown = [a for a in result.affected if a.depth == 0 or filters.shows(corpus, a.path)]
    if fmt in ("dot", "mermaid"):
        return diagram(corpus, [a.path for a in shown], None, fmt)
    return format_change_text(corpus, result, shown, color, marks)


def format_change_text(
    corpus: Corpus,
    result: ChangeImpact,
    shown: Sequence[queries.Affected],
    color: bool = False,
    marks: ChangeMarks | None = None,
) -> str:
    """Changed files (and the documents they start from), then each affected document with
    the roots it is reached from, and whether the change makes it suspect (``marks``)."""
    style = Style(color)
    lines = [f"changed files: {len(result.changed)}"]
    starts: dict[str, list[str]] = {}
    for root in result.roots:
        for file in root.files:
            starts.setdefault(file, []).append(name_of(corpus, root.path))
    for file in result.changed:
        if file in corpus.by_path:
            lines.append(f"  {clean(file)}  (document {name_of(corpus, file)})")
        elif file in starts:
            lines.append(f"  {clean(file)}  (linked from {', '.join(starts[file])})")
        else:
            lines.append(f"  {clean(file)}  (no document links to it)")
    lines += ["", f"affected documents: {len(shown)}"]
    for item in shown:
        roots = ", ".join(name_of(corpus, r) for r in item.roots)
        reason = "changed" if item.depth == 0 and item.path in result.changed else f"from {roots}"
        if item.depth == 0 and item.path not in result.changed:
            reason = "links to a changed file"
        changed_upstream = marks.marks.get(item.path, ()) if marks is not None else ()
        names = ", ".join(name_of(corpus, p) for p in changed_upstream)
        suspect = "  " + style(f"suspect: rests on changed {names}", bold=True) if names else ""
        lines.append(
            f"  {item.depth}  {card_line(corpus, item.path, style)}  "
            f"{style('(' + reason + ')', dim=True)}{suspect}"
        )
    if marks is not None and marks.marks:
        lines += ["", f"becoming suspect (TG503 once committed): {len(marks.marks)}"]
    return "\n".join(lines) + "\n"


# --- chains between two documents ------------------------------------------------------------


def chain_text(corpus: Corpus, chain: Sequence[Hop]) -> str:
    """``TDD-0002 -[depends_on]-> ADR-0001 -[implements]-> PRD-0001``."""
    text = name_of(corpus, chain[0].source)
    for hop in chain:
        text += f" -[{hop.relation}]-> {name_of(corpus, hop.target)}"
    return text


def chains_dict(corpus: Corpus, result: Chains) -> dict[str, Any]:
    """``path --format json``: every chain as ``[from, relation, to]`` hops."""
    return {
        **json_head(QUERY_JSON_VERSION),
        "from": raw_name(corpus, result.source),
        "to": raw_name(corpus, result.target),
        "chains": [
            [[raw_name(corpus, h.source), h.relation, raw_name(corpus, h.target)] for h in chain]
            for chain in (*result.forward, *result.backward)
        ],
        "truncated": result.truncated,
    }


def format_chains(corpus: Corpus, result: Chains) -> str:
    """``path`` as text: for each direction with a chain, a heading and the chains."""
    lines = []
    for chains, upper, lower in (
        (result.forward, result.source, result.target),
        (result.backward, result.target, result.source),
    ):
        if not chains:
            continue
        hops = len(chains[0])
        lines.append(
            f"{name_of(corpus, upper)} rests on {name_of(corpus, lower)} "
            f"({len(chains)} shortest chain{'s' if len(chains) != 1 else ''}, "
            f"{hops} hop{'s' if hops != 1 else ''}):"
        )
        lines += [f"  {chain_text(corpus, chain)}" for chain in chains]
    if result.truncated:
        lines.append("(more chains of the same length exist; showing the first ones)")
    return "\n".join(lines) + "\n"


# --- a document card (show, and the editor's hover) ------------------------------------------


def card_dict(corpus: Corpus, card: Card) -> dict[str, Any]:
    """``show --format json``."""
    doc = card.document

    def edges(groups: tuple[tuple[str, tuple[CardEdge, ...]], ...]) -> dict[str, Any]:
        return {
            relation: [
                {
                    "id": raw_name(corpus, e.other),
                    "path": e.other,
                    "declared_by": e.declared_by,
                    "line": e.line,
                    "column": e.column,
                    "kind": e.kind,
                }
                for e in items
            ]
            for relation, items in groups
        }

    return {
        **json_head(QUERY_JSON_VERSION),
        "id": doc.id,
        "path": doc.path,
        "type": doc.type,
        "status": doc.status,
        "status_raw": doc.status_raw,
        "title": doc.title,
        "metadata": dict(doc.metadata),
        "superseded_by": [raw_name(corpus, p) for p in card.superseded_by],
        "outbound": edges(card.outbound),
        "inbound": edges(card.inbound),
        "other": [
            {
                "target": link.reference.target,
                "status": link.status.value,
                "path": link.path,
                "relation": link.reference.relation.value,
                "line": link.reference.line,
                "column": link.reference.column,
            }
            for link in card.other
        ],
        "findings": None
        if card.findings is None
        else [
            {
                "code": f.code,
                "rule": f.rule,
                "severity": f.severity.value,
                "path": f.path,
                "line": f.line,
                "column": f.column,
                "message": f.message,
            }
            for f in card.findings
        ],
    }


def card_fields(
    corpus: Corpus, card: Card, *, metadata: bool = True, clean_text: Callable[[str], str] = clean
) -> list[tuple[str, str]]:
    """The card's header fields: path, type, ID, status (and how it was written), successor,
    then the metadata (unless ``metadata=False``), each value passed through ``clean_text``."""
    doc = card.document
    status = clean_text(doc.status or "-")
    if doc.status_raw and doc.status_raw != doc.status:
        status += f' (written "{clean_text(doc.status_raw)}")'
    fields = [
        ("path", clean_text(doc.path)),
        ("type", clean_text(doc.type)),
        ("id", clean_text(doc.id or "(none)")),
        ("status", status),
    ]
    if card.superseded_by:
        names = ", ".join(clean_text(raw_name(corpus, p)) for p in card.superseded_by)
        fields.append(("superseded by", names))
    if metadata:
        fields += [(clean_text(k), clean_text(v)) for k, v in card.document.metadata]
    return fields


def format_card(corpus: Corpus, card: Card, color: bool = False) -> str:
    """The text card of ``tracegraph show``."""
    style = Style(color)
    doc = card.document
    fields = card_fields(corpus, card)
    width = max(len(k) for k, _ in fields) + 1
    lines = [style(f"{clean(doc.name)}  {clean(doc.short_title)}".rstrip(), bold=True)]
    lines += [f"  {(k + ':').ljust(width)} {v}" for k, v in fields]
    for heading, groups in (
        ("rests on (outbound)", card.outbound),
        ("rested on by (inbound)", card.inbound),
    ):
        lines += ["", f"{heading}:"]
        if not groups:
            lines.append("  (none)")
        for relation, items in groups:
            lines.append(f"  {relation}")
            for e in items:
                title = clean(corpus.document(e.other).short_title)
                where = style(f"{clean(e.declared_by)}:{e.line}", dim=True)
                lines.append(f"    {name_of(corpus, e.other)}  {title}  {where}")
    if card.other:
        lines += ["", "other references:"]
        for link in card.other:
            lines.append(
                f"  line {link.reference.line}  {link.status.value}  {clean(link.reference.target)}"
            )
    lines += findings_block(card.findings)
    return "\n".join(lines) + "\n"


# --- suspect links on a document card ----------------------------------------------------------


def _suspect_item(link: SuspectLink, path: str, name: str) -> dict[str, Any]:
    return {
        "id": name,
        "path": path,
        "review": {
            "commit": link.review.commit,
            "date": link.review.date,
            "kind": link.review.kind,
        },
        "changes": [{"commit": c.commit, "date": c.date, "path": c.path} for c in link.changes],
        "how": list(link.how),
    }


def suspect_dict(
    analysis: SuspectAnalysis, document: Document, diffs: dict[str, str] | None = None
) -> dict[str, Any]:
    """``show --format json``'s ``suspect``: the documents this one rests on that changed
    since its last review (each with its ``diff`` when ``diffs``, by upstream path, is given),
    and the ones it made suspect."""
    rests_on = []
    for link in analysis.of_downstream(document.path):
        item = _suspect_item(link, link.upstream, link.upstream_name)
        if diffs is not None:
            item["diff"] = diffs.get(link.upstream, "")
        rests_on.append(item)
    return {
        "status": analysis.status,
        "reason": analysis.reason or None,
        "rests_on_changed": rests_on,
        "made_suspect": [
            _suspect_item(link, link.downstream, link.downstream_name)
            for link in analysis.through(document.path)
        ],
    }


def format_suspects(analysis: SuspectAnalysis, document: Document) -> str:
    """The card's suspect-links part: what changed upstream since this document's last
    review, and which documents became suspect through it."""
    lines = ["", "suspect links (git history):"]
    if analysis.status != "ok":
        word = "off" if analysis.status == "off" else "unknown"
        return "\n".join([*lines, f"  ({word}: {clean(analysis.reason)})"]) + "\n"
    rows = [("rests on changed", link.upstream_name, link) for link in analysis.of_downstream(
        document.path)] + [
        ("made suspect", link.downstream_name, link) for link in analysis.through(document.path)
    ]  # fmt: skip
    if not rows:
        lines.append("  (none)")
    for label, name, link in rows:
        count = len(link.changes)
        how = f": {', '.join(link.how)}" if link.how else ""
        lines.append(
            f"  {label}: {clean(name)}  {count} commit{'s' if count != 1 else ''} since "
            f"{link.review.commit[:7]} ({link.review.date}, {link.review.kind}){clean(how)}"
        )
    return "\n".join(lines) + "\n"
