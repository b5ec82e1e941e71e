"""``tracegraph scan``, ``export`` and ``init``."""

from __future__ import annotations

import json
from pathlib import Path

import click

from .. import api
from ..config import CONFIG_NAMES, STARTER_CONFIG
from ..errors import UsageError
from ..export import ARCHITECTURE_EXPORTERS, EXPORTERS
from ..presets import preset_config_text, preset_names
from ..safetext import neutralise
from . import cli, emit
from .options import (
    ALLOW_EMPTY_OPT,
    CONFIG_OPT,
    OUTPUT_OPT,
    PATH_ARG,
    ROOT_OPT,
    VIEW_OPT,
    format_from_suffix,
    root_of,
)
from .progress import scan_options, scan_settings


@cli.command()
@PATH_ARG
@ROOT_OPT
@CONFIG_OPT
@scan_options
@ALLOW_EMPTY_OPT
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@OUTPUT_OPT
def scan(
    path: Path | None,
    root: Path | None,
    config_path: Path | None,
    allow_empty: bool,
    fmt: str,
    output: str | None,
) -> None:
    """Summarise the documents and references under PATH (or -C DIR; default: .)."""
    corpus = api.scan(
        root_of(path, root), config_path=config_path, allow_empty=allow_empty,
        **scan_settings(fmt),
    )  # fmt: skip
    summary = api.summarise(corpus)
    if fmt == "json":
        emit(json.dumps(summary, indent=2) + "\n", output)
        return
    emit(_summary_text(summary), output)


def _summary_text(summary: dict[str, object]) -> str:
    by_type = summary["by_type"]
    by_status = summary["by_status"]
    wiki = summary["wikilinks"]
    assert isinstance(by_type, dict) and isinstance(by_status, dict) and isinstance(wiki, dict)
    presets = summary.get("presets") or []
    assert isinstance(presets, list)
    lines = [
        f"{neutralise(str(summary['root']))}: {summary['documents']} documents, "
        f"{summary['references']} "
        f"references ({summary['unresolved']} unresolved), {summary['edges']} document edges",
        *(f"detected: {p['title']} in {p['folder']}" for p in presets),
        f"wikilinks: {wiki['summary']}",
        "",
        "documents:",
    ]
    for type_name, count in by_type.items():
        statuses = ", ".join(
            f"{neutralise(s)} {n}" for s, n in by_status.get(type_name, {}).items()
        )
        lines.append(f"  {neutralise(type_name):<5} {count:>5}   {statuses}")
    for title, key in (("references by kind:", "by_kind"), ("resolved to:", "by_target")):
        lines.append("")
        lines.append(title)
        values = summary[key]
        assert isinstance(values, dict)
        for name, count in values.items():
            lines.append(f"  {neutralise(name):<11} {count:>6}")
    generated = summary["generated"]
    assert isinstance(generated, list)
    if generated:
        lines += [
            "",
            f"skipped {len(generated)} file{'s' if len(generated) != 1 else ''} that tracegraph "
            f"generated (reports, maps, exports): {neutralise(', '.join(generated[:5]))}"
            + (", ..." if len(generated) > 5 else ""),
        ]
    addresses = summary.get("repository")
    if isinstance(addresses, list) and addresses:
        lines.append("")
        lines += [f"links into {a['url']} are internal ({a['summary']})" for a in addresses]
    aliases = summary.get("aliases")
    if isinstance(aliases, dict) and aliases:
        lines += ["", f"symbolic links read as their targets: {len(aliases)}"]
    if summary["parse_problems"]:
        lines += ["", f"parse problems: {summary['parse_problems']} (see `tracegraph check`)"]
    return "\n".join(lines) + "\n"


#: Export file suffixes and the format each one means.
EXPORT_SUFFIXES = {".json": "json", ".graphml": "graphml", ".csv": "csv"}


@cli.command()
@PATH_ARG
@ROOT_OPT
@CONFIG_OPT
@scan_options
@ALLOW_EMPTY_OPT
@click.option(
    "--format",
    "fmt",
    type=click.Choice(sorted(EXPORTERS)),
    help="json: networkx node-link data; graphml; csv: a traceability matrix (one row per "
    "edge). Default: from the -o suffix (.json, .graphml, .csv), else json.",
)
@VIEW_OPT
@OUTPUT_OPT
def export(
    path: Path | None,
    root: Path | None,
    config_path: Path | None,
    allow_empty: bool,
    fmt: str | None,
    view: str,
    output: str | None,
) -> None:
    """Export the document graph under PATH (or -C DIR; default: .), or with --view
    architecture the system its design documents describe."""
    fmt = format_from_suffix(fmt, output, EXPORT_SUFFIXES, "json", "export")
    corpus = api.scan(
        root_of(path, root), config_path=config_path, allow_empty=allow_empty,
        **scan_settings(fmt),
    )  # fmt: skip
    exporters = ARCHITECTURE_EXPORTERS if view == "architecture" else EXPORTERS
    emit(exporters[fmt](corpus), output)


@cli.command()
@PATH_ARG
@ROOT_OPT
@click.option("--force", is_flag=True, help="Overwrite an existing config file.")
@click.option(
    "--preset",
    "preset",
    type=click.Choice(preset_names()),
    help="Write out a convention's preset as explicit, commented config to adapt.",
)
@click.option(
    "--folder",
    help="With --preset: the folder it applies to (default: the one found in PATH, else the "
    "convention's usual folder, e.g. keps).",
)
def init(
    path: Path | None, root: Path | None, force: bool, preset: str | None, folder: str | None
) -> None:
    """Write a commented starter tracegraph.yaml into PATH (or -C DIR; default: .), or a
    preset's config."""
    path = root_of(path, root)
    target = path / CONFIG_NAMES[0]
    if target.exists() and not force:
        raise UsageError(f"{target}: already exists (use --force to overwrite)")
    if not path.is_dir():
        raise UsageError(f"{path}: not a directory")
    from ..atomic import write_atomic

    text = STARTER_CONFIG
    if preset is not None:
        base = folder.strip("/") if folder is not None else api.preset_folder(path, preset)
        text = preset_config_text(preset, base)
    write_atomic(target, text)
    click.echo(f"wrote {target}")
