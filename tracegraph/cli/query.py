"""``tracegraph impact``, ``upstream``, ``path`` and ``show``: impact queries over the graph."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from .. import api, queries
from ..errors import NoPathError, UsageError
from ..generated import json_head
from ..graph import Corpus
from ..model import Document, Relation
from ..queries import ChangeImpact, Hop, Traversal
from ..suspect import ChangeMarks, SuspectAnalysis, SuspectLink
from . import cli, emit, use_color
from .options import CONFIG_OPT, OUTPUT_OPT, reject_folder, stray_folder
from .progress import scan_options, scan_settings
from .review import format_diffs

#: Relations an edge can carry (``superseded_by`` is stored as ``supersedes``).
EDGE_RELATIONS = tuple(r.value for r in Relation if r is not Relation.SUPERSEDED_BY)
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

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def clean(text: str) -> str:
    """Text taken from a document, safe for a terminal: control and bidi characters escaped."""
    return _CONTROL.sub(
        lambda m: (
            f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else f"\\u{ord(m.group()):04x}"
        ),
        text,
    )


def _relation(value: str) -> str:
    return value.strip().lower().replace("-", "_")


ROOT_OPT = click.option(
    "-C",
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    default=".",
    show_default=True,
    help="The repository (or docs folder) to scan; DOC paths are taken relative to the current "
    "directory.",
)
DEPTH_OPT = click.option(
    "--depth", type=click.IntRange(min=1), help="Stop after N hops (default: no limit)."
)
RELATION_OPT = click.option(
    "--relation",
    "relations",
    multiple=True,
    metavar="R",
    callback=lambda _ctx, _param, values: tuple(_relation(v) for v in values),
    help=f"Follow only edges of relation R (repeatable; default all): {', '.join(EDGE_RELATIONS)}.",
)
TYPE_OPT = click.option(
    "--type",
    "types",
    multiple=True,
    metavar="T",
    help="Show only documents of type T (repeatable); the traversal still passes through others.",
)
SUPERSEDED_OPT = click.option(
    "--include-superseded/--exclude-superseded",
    default=True,
    show_default=True,
    help="Show superseded documents (marked), or leave them out of the output.",
)
THROUGH_OPT = click.option(
    "--through-supersedes",
    is_flag=True,
    help="Go on past a supersedes hop (by default a successor is listed, but what rests on it "
    "is not the superseded document's impact).",
)
FORMAT_OPT = click.option(
    "--format", "fmt", type=click.Choice(FORMATS), default="tree", show_default=True
)


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


def _filters(corpus: Corpus, types: Sequence[str], include_superseded: bool) -> Filters:
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


def _check_relations(relations: Sequence[str]) -> tuple[str, ...] | None:
    for relation in relations:
        if relation not in EDGE_RELATIONS:
            raise UsageError(
                f"--relation: unknown relation '{relation}' (one of {', '.join(EDGE_RELATIONS)})"
            )
    return tuple(relations) or None


@cli.command()
@click.argument("targets", nargs=-1, metavar="[DOC | --files PATH...]")
@ROOT_OPT
@CONFIG_OPT
@scan_options
@DEPTH_OPT
@RELATION_OPT
@TYPE_OPT
@SUPERSEDED_OPT
@THROUGH_OPT
@FORMAT_OPT
@click.option(
    "--since", metavar="REF", help="Start from the files changed between git REF and the work tree."
)
@click.option(
    "--files", "files_mode", is_flag=True, help="Start from the changed files given as arguments."
)
@OUTPUT_OPT
def impact(
    targets: tuple[str, ...],
    root: Path,
    config_path: Path | None,
    depth: int | None,
    relations: tuple[str, ...],
    types: tuple[str, ...],
    include_superseded: bool,
    through_supersedes: bool,
    fmt: str,
    since: str | None,
    files_mode: bool,
    output: str | None,
) -> None:
    """Everything downstream of DOC: the documents that rest on it, transitively.

    DOC is an ID in any spelling (adr-7, ADR-0007) or a path. With --since REF or --files, start
    from a change instead: changed documents, and the documents that link to changed files.
    """
    allowed = _check_relations(relations)
    if since is None and not files_mode:
        if len(targets) != 1:
            folder = stray_folder(list(targets[1:]))
            hint = f"; did you mean -C {folder}?" if folder else ""
            raise UsageError(
                "impact: give one DOC, or --since REF, or --files PATH... "
                f"(see tracegraph impact --help){hint}"
            )
        _traversal_command(
            "downstream",
            targets[0],
            root,
            config_path,
            depth,
            allowed,
            types,
            include_superseded,
            fmt,
            output,
            through_supersedes,
        )
        return
    if targets and not files_mode:
        raise UsageError("impact: --since takes no DOC; use --files to add changed paths")
    if files_mode and not targets:
        raise UsageError("impact --files: give at least one changed PATH")
    corpus = api.scan(root, config_path=config_path, **scan_settings(fmt))
    filters = _filters(corpus, types, include_superseded)
    files = [queries.relative_to_root(corpus, t) for t in targets]
    marks = None
    if since is not None:
        result = api.impact_since(corpus, since, files=files, depth=depth, relations=allowed)
        marks = api.suspect_marks(corpus, since, files)
    else:
        result = queries.affected_by_change(corpus, files, depth, allowed)
    emit(_format_change(corpus, result, filters, fmt, since, marks), output)


@cli.command("upstream")
@click.argument("doc", metavar="DOC")
@ROOT_OPT
@CONFIG_OPT
@scan_options
@DEPTH_OPT
@RELATION_OPT
@TYPE_OPT
@SUPERSEDED_OPT
@THROUGH_OPT
@FORMAT_OPT
@OUTPUT_OPT
def upstream_command(
    doc: str,
    root: Path,
    config_path: Path | None,
    depth: int | None,
    relations: tuple[str, ...],
    types: tuple[str, ...],
    include_superseded: bool,
    through_supersedes: bool,
    fmt: str,
    output: str | None,
) -> None:
    """Everything DOC rests on, transitively (ID in any spelling, or a path)."""
    _traversal_command(
        "upstream",
        doc,
        root,
        config_path,
        depth,
        _check_relations(relations),
        types,
        include_superseded,
        fmt,
        output,
        through_supersedes,
    )


def _traversal_command(
    direction: queries.Direction,
    doc: str,
    root: Path,
    config_path: Path | None,
    depth: int | None,
    relations: tuple[str, ...] | None,
    types: Sequence[str],
    include_superseded: bool,
    fmt: str,
    output: str | None,
    through_supersedes: bool = False,
) -> None:
    reject_folder(doc)
    corpus = api.scan(root, config_path=config_path, **scan_settings(fmt))
    filters = _filters(corpus, types, include_superseded)
    start = corpus.find(doc)
    result = queries.traverse(corpus, start, direction, depth, relations, through_supersedes)
    emit(FORMATTERS[fmt](corpus, result, filters), output)


# --- formatting a traversal -----------------------------------------------------------------


def _name(corpus: Corpus, path: str) -> str:
    return clean(str(corpus.graph.nodes[path]["id"]))


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
        parts.append(f"{phrase} {_name(corpus, near)}")
    return ", ".join(parts)


class _Style:
    """Terminal colours, or none (off a terminal and with NO_COLOR)."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __call__(self, text: str, **kwargs: Any) -> str:
        return click.style(text, **kwargs) if self.enabled and text else text


def _card_line(corpus: Corpus, path: str, style: _Style) -> str:
    attrs = corpus.graph.nodes[path]
    status = str(attrs["status"]) or "-"
    parts = [
        style(_name(corpus, path), bold=True),
        style(clean(str(attrs["type"])), fg="cyan"),
        style(clean(status), fg="yellow" if status in TERMINAL_STATUSES else None),
    ]
    title = clean(corpus.document(path).short_title)
    if title and title != _name(corpus, path):
        parts.append(title)
    mark = _superseded_mark(corpus, path)
    if mark:
        parts.append(style(mark, fg="yellow"))
    return "  ".join(parts)


def _superseded_mark(corpus: Corpus, path: str) -> str:
    by = queries.superseded_by(corpus, path)
    if by:
        return f"[superseded by {', '.join(_name(corpus, p) for p in by)}]"
    return "[superseded]" if queries.is_superseded(corpus, path) else ""


def format_tree(
    corpus: Corpus, result: Traversal, filters: Filters, color: bool | None = None
) -> str:
    """An indented tree: each shown document once, at its shortest depth, under the nearest
    shown document of its chain; further edges between shown documents as "(see above)"."""
    style = _Style(use_color() if color is None else color)
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

    lines = [_card_line(corpus, result.root, style)]
    printed = {result.root}

    def walk(path: str, prefix: str) -> None:
        entries = [(c, hops, False) for c, hops in children.get(path, [])]
        entries += [(c, hops, True) for c, hops in refs.get(path, [])]
        entries.sort(key=lambda e: (_name(corpus, e[0]), e[0], e[2]))
        for number, (child, hops, is_ref) in enumerate(entries):
            last = number == len(entries) - 1
            branch = "└── " if last else "├── "
            how = style(how_reached(corpus, direction, hops), dim=True)
            if is_ref:
                where = "see above" if child in printed else "see below"
                lines.append(
                    f"{prefix}{branch}{style(_name(corpus, child), bold=True)}  ({how}; {where})"
                )
                continue
            lines.append(f"{prefix}{branch}{_card_line(corpus, child, style)}  ({how})")
            printed.add(child)
            walk(child, prefix + ("    " if last else "│   "))

    walk(result.root, "")
    if not result.nodes:
        word = "rests on it" if direction == "downstream" else "it rests on"
        lines.append(f"(nothing {word})")
    return "\n".join(lines) + "\n"


def _visible(corpus: Corpus, result: Traversal, filters: Filters) -> list[queries.Reached]:
    nodes = [n for n in result.nodes if filters.shows(corpus, n.path)]
    return sorted(nodes, key=lambda n: (n.depth, _name(corpus, n.path), n.path))


def format_list(corpus: Corpus, result: Traversal, filters: Filters) -> str:
    """One line per shown document: depth, card, and the whole chain back to the root."""
    style = _Style(use_color())
    lines = []
    for node in _visible(corpus, result, filters):
        how = style(how_reached(corpus, result.direction, node.via), dim=True)
        lines.append(f"{node.depth}  {_card_line(corpus, node.path, style)}  ({how})")
    return "\n".join(lines) + "\n" if lines else ""


def traversal_dict(corpus: Corpus, result: Traversal, filters: Filters) -> dict[str, Any]:
    """The query JSON of DESIGN.md section 7 (``via`` from the root outward)."""

    def name(path: str) -> str:
        return str(corpus.graph.nodes[path]["id"])

    return {
        **json_head(QUERY_JSON_VERSION),
        "root": name(result.root),
        "direction": result.direction,
        "nodes": [
            {
                "id": node.id,
                "path": node.path,
                "type": node.type,
                "status": node.status or None,
                "depth": node.depth,
                "via": [[name(h.source), h.relation, name(h.target)] for h in node.via],
            }
            for node in _visible(corpus, result, filters)
        ],
    }


def format_json(corpus: Corpus, result: Traversal, filters: Filters) -> str:
    return json.dumps(traversal_dict(corpus, result, filters), indent=2, ensure_ascii=False) + "\n"


def _diagram(corpus: Corpus, nodes: Iterable[str], focus: str | None, fmt: str) -> str:
    """The documents drawn by ``tracegraph.render`` (DOT or Mermaid): exactly ``nodes``."""
    model = api.map_model(corpus, focus=focus, only=frozenset(nodes), error_paths=frozenset())
    text = api.render_model(model, fmt, config=corpus.config)
    assert isinstance(text, str)
    return text


def format_dot(corpus: Corpus, result: Traversal, filters: Filters) -> str:
    nodes = [result.root] + [n.path for n in _visible(corpus, result, filters)]
    return _diagram(corpus, nodes, result.root, "dot")


def format_mermaid(corpus: Corpus, result: Traversal, filters: Filters) -> str:
    nodes = [result.root] + [n.path for n in _visible(corpus, result, filters)]
    return _diagram(corpus, nodes, result.root, "mermaid")


FORMATTERS: dict[str, Callable[[Corpus, Traversal, Filters], str]] = {
    "tree": format_tree,
    "list": format_list,
    "json": format_json,
    "dot": format_dot,
    "mermaid": format_mermaid,
}


# --- what a change touches -----------------------------------------------------------------


def change_dict(
    corpus: Corpus,
    result: ChangeImpact,
    filters: Filters,
    since: str | None,
    marks: ChangeMarks | None = None,
) -> dict[str, Any]:
    """JSON for ``impact --since/--files``: the roots and each affected document's roots; with
    ``--since``, each node's ``suspect``: the changed documents it rests on whose change makes
    it suspect."""

    def name(path: str) -> str:
        return str(corpus.graph.nodes[path]["id"])

    def suspect(path: str) -> dict[str, Any]:
        if marks is None:
            return {}
        return {"suspect": [name(p) for p in marks.marks.get(path, ())]}

    return {
        **json_head(QUERY_JSON_VERSION),
        "since": since,
        "changed": list(result.changed),
        "roots": [
            {"id": name(r.path), "path": r.path, "files": list(r.files)} for r in result.roots
        ],
        "unmatched": list(result.unmatched),
        "nodes": [
            {
                "id": a.id,
                "path": a.path,
                "type": a.type,
                "status": a.status or None,
                "depth": a.depth,
                "roots": [name(r) for r in a.roots],
                **suspect(a.path),
            }
            for a in result.affected
            if a.depth == 0 or filters.shows(corpus, a.path)
        ],
    }


def _format_change(
    corpus: Corpus,
    result: ChangeImpact,
    filters: Filters,
    fmt: str,
    since: str | None,
    marks: ChangeMarks | None = None,
) -> str:
    if fmt == "json":
        data = change_dict(corpus, result, filters, since, marks)
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    shown = [a for a in result.affected if a.depth == 0 or filters.shows(corpus, a.path)]
    if fmt in ("dot", "mermaid"):
        return _diagram(corpus, [a.path for a in shown], None, fmt)
    return format_change_text(corpus, result, shown, marks)


def format_change_text(
    corpus: Corpus,
    result: ChangeImpact,
    shown: Sequence[queries.Affected],
    marks: ChangeMarks | None = None,
) -> str:
    """Changed files (and the documents they start from), then each affected document with
    the roots it is reached from, and whether the change makes it suspect (``--since``)."""
    style = _Style(use_color())
    lines = [f"changed files: {len(result.changed)}"]
    starts: dict[str, list[str]] = {}
    for root in result.roots:
        for file in root.files:
            starts.setdefault(file, []).append(_name(corpus, root.path))
    for file in result.changed:
        if file in corpus.by_path:
            lines.append(f"  {clean(file)}  (document {_name(corpus, file)})")
        elif file in starts:
            lines.append(f"  {clean(file)}  (linked from {', '.join(starts[file])})")
        else:
            lines.append(f"  {clean(file)}  (no document links to it)")
    lines += ["", f"affected documents: {len(shown)}"]
    for item in shown:
        roots = ", ".join(_name(corpus, r) for r in item.roots)
        reason = "changed" if item.depth == 0 and item.path in result.changed else f"from {roots}"
        if item.depth == 0 and item.path not in result.changed:
            reason = "links to a changed file"
        changed_upstream = marks.marks.get(item.path, ()) if marks is not None else ()
        names = ", ".join(_name(corpus, p) for p in changed_upstream)
        suspect = "  " + style(f"suspect: rests on changed {names}", bold=True) if names else ""
        lines.append(
            f"  {item.depth}  {_card_line(corpus, item.path, style)}  "
            f"{style('(' + reason + ')', dim=True)}{suspect}"
        )
    if marks is not None and marks.marks:
        lines += ["", f"becoming suspect (TG503 once committed): {len(marks.marks)}"]
    return "\n".join(lines) + "\n"


# --- path and show ----------------------------------------------------------------------------


def _chain_text(corpus: Corpus, chain: Sequence[Hop]) -> str:
    text = _name(corpus, chain[0].source)
    for hop in chain:
        text += f" -[{hop.relation}]-> {_name(corpus, hop.target)}"
    return text


@cli.command("path")
@click.argument("source", metavar="A")
@click.argument("target", metavar="B")
@ROOT_OPT
@CONFIG_OPT
@scan_options
@RELATION_OPT
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@OUTPUT_OPT
def path_command(
    source: str,
    target: str,
    root: Path,
    config_path: Path | None,
    relations: tuple[str, ...],
    fmt: str,
    output: str | None,
) -> None:
    """All shortest chains between documents A and B, in either direction (exit 1 if none)."""
    allowed = _check_relations(relations)
    reject_folder(source)
    reject_folder(target)
    corpus = api.scan(root, config_path=config_path, **scan_settings(fmt))
    a, b = corpus.find(source), corpus.find(target)
    if a.path == b.path:
        raise UsageError(f"path: A and B are the same document ({a.name})")
    result = queries.paths_between(corpus, a, b, allowed)
    if not result.found:
        only = f" over {', '.join(allowed)} edges" if allowed else ""
        raise NoPathError(
            f"no path between {a.name} and {b.name}{only}: neither rests on the other"
        )
    if fmt == "json":
        data = {
            **json_head(QUERY_JSON_VERSION),
            "from": a.name,
            "to": b.name,
            "chains": [
                [
                    [_raw_name(corpus, h.source), h.relation, _raw_name(corpus, h.target)]
                    for h in chain
                ]
                for chain in (*result.forward, *result.backward)
            ],
            "truncated": result.truncated,
        }
        emit(json.dumps(data, indent=2, ensure_ascii=False) + "\n", output)
        return
    lines = []
    for chains, upper, lower in (
        (result.forward, a.path, b.path),
        (result.backward, b.path, a.path),
    ):
        if not chains:
            continue
        hops = len(chains[0])
        lines.append(
            f"{_name(corpus, upper)} rests on {_name(corpus, lower)} "
            f"({len(chains)} shortest chain{'s' if len(chains) != 1 else ''}, "
            f"{hops} hop{'s' if hops != 1 else ''}):"
        )
        lines += [f"  {_chain_text(corpus, chain)}" for chain in chains]
    if result.truncated:
        lines.append("(more chains of the same length exist; showing the first ones)")
    emit("\n".join(lines) + "\n", output)


def _raw_name(corpus: Corpus, path: str) -> str:
    return str(corpus.graph.nodes[path]["id"])


@cli.command("show")
@click.argument("doc", metavar="DOC")
@ROOT_OPT
@CONFIG_OPT
@scan_options
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.option(
    "--suspect",
    "diffs",
    is_flag=True,
    help="Also print the git diff of each suspect upstream document since DOC's last review "
    "(as `tracegraph review DOC --diff`).",
)
@OUTPUT_OPT
def show_command(
    doc: str, root: Path, config_path: Path | None, fmt: str, diffs: bool, output: str | None
) -> None:
    """A document card: metadata, what it rests on and what rests on it, with line numbers,
    other references, its findings and its suspect links (TG503)."""
    reject_folder(doc)
    settings = scan_settings(fmt)
    corpus = api.scan(root, config_path=config_path, **settings)
    document = corpus.find(doc)
    suspects = api.suspect_links(corpus, cache=bool(settings["cache"]))
    findings = api.check(corpus, suspects=suspects)
    card = queries.show(corpus, document, findings)
    if fmt == "json":
        data = card_dict(corpus, card)
        data["suspect"] = suspect_dict(corpus, suspects, document, diffs)
        emit(json.dumps(data, indent=2, ensure_ascii=False) + "\n", output)
        return
    text = format_card(corpus, card) + format_suspects(corpus, suspects, document)
    if diffs:
        text += "\n" + format_diffs(corpus, suspects, document)
    emit(text, output)


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
    corpus: Corpus, analysis: SuspectAnalysis, document: Document, diffs: bool = False
) -> dict[str, Any]:
    """``show --format json``'s ``suspect``: the documents this one rests on that changed
    since its last review (with their diff when asked), and the ones it made suspect."""
    rests_on = []
    texts = dict(
        (link.upstream, text) for link, text in api.suspect_diffs(corpus, analysis, document)
    ) if diffs and analysis.status == "ok" else {}  # fmt: skip
    for link in analysis.of_downstream(document.path):
        item = _suspect_item(link, link.upstream, link.upstream_name)
        if diffs:
            item["diff"] = texts.get(link.upstream, "")
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


def format_suspects(corpus: Corpus, analysis: SuspectAnalysis, document: Document) -> str:
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


def card_dict(corpus: Corpus, card: queries.Card) -> dict[str, Any]:
    """``show --format json``."""
    doc = card.document

    def edges(groups: tuple[tuple[str, tuple[queries.CardEdge, ...]], ...]) -> dict[str, Any]:
        return {
            relation: [
                {
                    "id": _raw_name(corpus, e.other),
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
        "superseded_by": [_raw_name(corpus, p) for p in card.superseded_by],
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


def format_card(corpus: Corpus, card: queries.Card) -> str:
    """The text card of ``tracegraph show``."""
    style = _Style(use_color())
    doc = card.document
    status = clean(doc.status or "-")
    if doc.status_raw and doc.status_raw != doc.status:
        status += f' (written "{clean(doc.status_raw)}")'
    fields = [
        ("path", clean(doc.path)),
        ("type", clean(doc.type)),
        ("id", clean(doc.id or "(none)")),
        ("status", status),
    ]
    if card.superseded_by:
        fields.append(("superseded by", ", ".join(_name(corpus, p) for p in card.superseded_by)))
    fields += [(clean(k), clean(v)) for k, v in doc.metadata]
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
                lines.append(f"    {_name(corpus, e.other)}  {title}  {where}")
    if card.other:
        lines += ["", "other references:"]
        for link in card.other:
            lines.append(
                f"  line {link.reference.line}  {link.status.value}  {clean(link.reference.target)}"
            )
    lines += ["", "findings:"]
    if card.findings is None:
        lines.append("  (checks not available)")
    elif not card.findings:
        lines.append("  (none)")
    for f in card.findings or ():
        lines.append(f"  {f.path}:{f.line}:{f.column}: {f.code} {clean(f.message)}")
    return "\n".join(lines) + "\n"
