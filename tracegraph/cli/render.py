"""``tracegraph render``: architecture maps as SVG, PNG, PDF, DOT or Mermaid."""

from __future__ import annotations

from pathlib import Path

import click

from .. import api
from ..atomic import write_atomic
from ..errors import UsageError
from ..graph import Corpus
from ..render.architecture import ARCH_CLUSTERS, ArchitectureMap
from ..render.graphviz import ENGINES
from ..render.model import CLUSTER_MODES, DIRECTIONS, MapModel
from ..safetext import neutralise
from . import cli, emit
from .options import (
    ALLOW_EMPTY_OPT,
    CONFIG_OPT,
    PATH_ARG,
    ROOT_OPT,
    VIEW_OPT,
    format_from_suffix,
    root_of,
)
from .progress import scan_options, scan_settings

#: Output file suffixes and the format each one means.
SUFFIX_FORMATS = {
    ".svg": "svg",
    ".png": "png",
    ".pdf": "pdf",
    ".dot": "dot",
    ".gv": "dot",
    ".mmd": "mermaid",
    ".mermaid": "mermaid",
}
BINARY_FORMATS = ("png", "pdf")


def choose_format(fmt: str | None, output: str | None) -> str:
    """The explicit ``--format``, else the output file's suffix, else DOT."""
    return format_from_suffix(fmt, output, SUFFIX_FORMATS, "dot", "map")


@cli.command()
@PATH_ARG
@ROOT_OPT
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the map to FILE.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(api.MAP_FORMATS),
    help="Output format (default: from the -o suffix; .mmd/.mermaid is mermaid; else dot).",
)
@click.option(
    "--focus",
    metavar="DOC",
    help="Draw the neighbourhood of one document (ID or path); in the architecture view also "
    'an entity: component:"Order API", endpoint:"POST /v1/orders", table:orders.',
)
@click.option("--depth", type=click.IntRange(min=0), help="Steps from --focus (default: all).")
@click.option(
    "--direction",
    type=click.Choice(DIRECTIONS),
    default="both",
    show_default=True,
    help="From --focus: up (what it rests on), down (what rests on it) or both.",
)
@click.option(
    "--type",
    "types",
    multiple=True,
    metavar="TYPE",
    help="Only this type (repeat); in the architecture view a kind: component, endpoint, "
    "table, external.",
)
@click.option(
    "--status",
    "statuses",
    multiple=True,
    metavar="STATUS",
    help="Only this status (repeat); in the architecture view a state: proposed, planned, "
    "built, retired, external.",
)
@click.option(
    "--cluster",
    type=click.Choice(tuple(dict.fromkeys((*CLUSTER_MODES, *ARCH_CLUSTERS)))),
    help="Group nodes by document type (the default), by folder, or not at all; in the "
    "architecture view by the document that designs them (the default), or not at all.",
)
@click.option(
    "--engine",
    type=click.Choice(ENGINES),
    default="auto",
    show_default=True,
    help="Graphviz layout; auto takes sfdp above render.sfdp_above nodes.",
)
@click.option(
    "--link-base",
    metavar="URL",
    help="Make node links absolute: URL + path (e.g. https://host/org/repo/blob/main/).",
)
@click.option(
    "--all-edges",
    is_flag=True,
    help="Draw every edge, also those a drawn chain implies (A -> C beside A -> B -> C).",
)
@click.option("--no-legend", is_flag=True, help="Leave the legend out of the picture.")
@CONFIG_OPT
@scan_options
@ALLOW_EMPTY_OPT
@VIEW_OPT
def render(
    path: Path | None,
    root: Path | None,
    output: str | None,
    fmt: str | None,
    focus: str | None,
    depth: int | None,
    direction: str,
    types: tuple[str, ...],
    statuses: tuple[str, ...],
    cluster: str | None,
    engine: str,
    link_base: str | None,
    all_edges: bool,
    no_legend: bool,
    config_path: Path | None,
    allow_empty: bool,
    view: str,
) -> None:
    """Draw the document graph under PATH (or -C DIR) as a map (SVG, PNG, PDF, DOT or Mermaid).

    Type bands top down in traceability order (PRD -> RFC -> ADR -> TDD), fill per status,
    red ghosts for broken references, red borders for documents with errors, and a legend of
    what the map uses. Edges that a drawn chain implies are left out (--all-edges draws them).
    Node links point at the Markdown files, relative to the output file.

    With --view architecture: the system the design documents describe, as a C4-style
    container diagram (components, endpoints, tables, externals), each in the box of the
    document that designs it, filled by how far that design is.
    """
    if depth is not None and focus is None:
        raise UsageError("--depth needs --focus DOC")
    fmt = choose_format(fmt, output)
    to_stdout = not output or output == "-"
    if to_stdout and fmt in BINARY_FORMATS:
        raise UsageError(f"--format {fmt} writes binary data; give an output file with -o FILE")
    architecture = view == "architecture"
    _check_view_options(architecture, cluster, all_edges)
    corpus = api.scan(
        root_of(path, root), config_path=config_path, allow_empty=allow_empty,
        **scan_settings(fmt),
    )  # fmt: skip
    out_dir = Path.cwd() if to_stdout else Path(output or ".").resolve().parent
    model: MapModel | ArchitectureMap
    if architecture:
        model = api.architecture_map(
            corpus, focus=focus, depth=depth, direction=direction, kinds=types,
            states=statuses, cluster=cluster or "document", link_base=link_base,
            output_dir=out_dir,
        )  # fmt: skip
        if not model.nodes:
            raise UsageError(
                "no component, endpoint or table to draw: no document of a type with an "
                "architecture mapping (TDD) describes one, or the filters leave none"
            )
    else:
        _check_filters(corpus, types, statuses)
        model = api.map_model(
            corpus,
            focus=focus,
            depth=depth,
            direction=direction,
            types=types,
            statuses=statuses,
            cluster=cluster or "type",
            link_base=link_base,
            output_dir=out_dir,
            all_edges=all_edges,
        )
        if not model.nodes:
            raise UsageError("no document matches the filters (--type/--status); nothing to draw")
    drawing = api.draw_map(model, fmt, config=corpus.config, engine=engine, legend=not no_legend)
    for note in drawing.warnings:
        click.echo(f"tracegraph: warning: {neutralise(note)}", err=True)
    result = drawing.data
    if isinstance(result, bytes):
        if to_stdout:
            click.echo(result.decode("utf-8"), nl=False)
        else:
            write_atomic(Path(output or ""), result)
        return
    emit(result, output)


def _check_view_options(architecture: bool, cluster: str | None, all_edges: bool) -> None:
    """Reject options that the chosen view does not have."""
    if architecture and all_edges:
        raise UsageError("--all-edges applies to the documents view (the architecture view "
                         "draws every edge)")  # fmt: skip
    if architecture and cluster not in (None, *ARCH_CLUSTERS):
        raise UsageError(f"--cluster {cluster}: the architecture view groups by document or none")
    if not architecture and cluster not in (None, *CLUSTER_MODES):
        raise UsageError(f"--cluster {cluster} applies to --view architecture")


def _check_filters(corpus: Corpus, types: tuple[str, ...], statuses: tuple[str, ...]) -> None:
    """Reject a --type or --status that no configured type knows (a typo draws nothing)."""
    known_types = {spec.name for spec in corpus.config.types} | {"DOC"}
    known_types |= {doc.type for doc in corpus.documents}
    for name in types:
        if name.upper() not in known_types:
            raise UsageError(
                f"--type {name}: unknown type (known: {', '.join(sorted(known_types))})"
            )
    specs = corpus.config.types + corpus.config.scoped
    known = {"none"} | {s for spec in specs for s in spec.statuses}
    known |= {doc.status for doc in corpus.documents if doc.status}
    for status in statuses:
        if status.lower() not in known:
            raise UsageError(
                f"--status {status}: unknown status (known: {', '.join(sorted(known))})"
            )
