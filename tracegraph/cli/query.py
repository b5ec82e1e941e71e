"""``tracegraph impact``, ``upstream``, ``path`` and ``show``: impact queries over the graph.

The commands parse options, call the library and print what ``tracegraph.output.queries``
formats (the language server shows the same cards).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import click

from .. import api, queries
from ..entity_queries import is_entity_query
from ..errors import NoPathError, UsageError
from ..output.queries import (
    EDGE_RELATIONS,
    FORMATS,
    FORMATTERS,
    card_dict,
    chains_dict,
    check_relations,
    format_card,
    format_chains,
    format_change,
    format_suspects,
    make_filters,
    normalise_relation,
    suspect_dict,
    to_json,
)
from . import cli, emit, use_color
from .entities import entity_card, entity_traversal
from .options import CONFIG_OPT, OUTPUT_OPT, reject_folder, stray_folder
from .progress import scan_options, scan_settings
from .review import format_diffs

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
    callback=lambda _ctx, _param, values: tuple(normalise_relation(v) for v in values),
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
    DOC may also be an entity of the architecture view: component:NAME, endpoint:"METHOD /path",
    table:NAME, external:NAME.
    """
    allowed = check_relations(relations)
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
    filters = make_filters(corpus, types, include_superseded)
    files = [queries.relative_to_root(corpus, t) for t in targets]
    marks = None
    if since is not None:
        result = api.impact_since(corpus, since, files=files, depth=depth, relations=allowed)
        marks = api.suspect_marks(corpus, since, files)
    else:
        result = queries.affected_by_change(corpus, files, depth, allowed)
    emit(format_change(corpus, result, filters, fmt, since, use_color(), marks), output)


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
    """Everything DOC rests on, transitively (ID in any spelling, or a path; or an entity:
    component:NAME, endpoint:"METHOD /path", table:NAME, external:NAME)."""
    _traversal_command(
        "upstream",
        doc,
        root,
        config_path,
        depth,
        check_relations(relations),
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
    if is_entity_query(doc):  # component:NAME, endpoint:"METHOD /path", table:NAME (issue 20)
        text = entity_traversal(
            corpus, doc, direction, depth, relations, types, include_superseded, fmt
        )
        emit(text, output)
        return
    filters = make_filters(corpus, types, include_superseded)
    start = corpus.find(doc)
    result = queries.traverse(corpus, start, direction, depth, relations, through_supersedes)
    emit(FORMATTERS[fmt](corpus, result, filters, use_color()), output)


# --- what a change touches -----------------------------------------------------------------


# --- path and show ----------------------------------------------------------------------------


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
    allowed = check_relations(relations)
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
    text = to_json(chains_dict(corpus, result)) if fmt == "json" else format_chains(corpus, result)
    emit(text, output)


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
    other references, its findings and its suspect links (TG503); or an entity's card
    (component:NAME, ...)."""
    reject_folder(doc)
    settings = scan_settings(fmt)
    corpus = api.scan(root, config_path=config_path, **settings)
    if is_entity_query(doc):
        emit(entity_card(corpus, doc, fmt), output)
        return
    document = corpus.find(doc)
    suspects = api.suspect_links(corpus, cache=bool(settings["cache"]))
    card = queries.show(corpus, document, api.check(corpus, suspects=suspects))
    if fmt == "json":
        texts = None
        if diffs:
            found = api.suspect_diffs(corpus, suspects, document) if suspects.status == "ok" else []
            texts = {link.upstream: text for link, text in found}
        data = card_dict(corpus, card)
        data["suspect"] = suspect_dict(suspects, document, texts)
        emit(to_json(data), output)
        return
    text = format_card(corpus, card, use_color()) + format_suspects(suspects, document)
    if diffs:
        text += "\n" + format_diffs(corpus, suspects, document)
    emit(text, output)
