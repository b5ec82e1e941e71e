"""``tracegraph scan``, ``export`` and ``init``."""

from __future__ import annotations

import json
from pathlib import Path

import click

from .. import api
from ..config import CONFIG_NAMES, STARTER_CONFIG
from ..errors import UsageError
from ..export import EXPORTERS
from . import cli, emit
from .options import CONFIG_OPT, OUTPUT_OPT, PATH_ARG
from .progress import scan_options, scan_settings


@cli.command()
@PATH_ARG
@CONFIG_OPT
@scan_options
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@OUTPUT_OPT
def scan(path: Path, config_path: Path | None, fmt: str, output: str | None) -> None:
    """Summarise the documents and references under PATH (default: .)."""
    corpus = api.scan(path, config_path=config_path, **scan_settings(fmt))
    summary = api.summarise(corpus)
    if fmt == "json":
        emit(json.dumps(summary, indent=2) + "\n", output)
        return
    emit(_summary_text(summary), output)


def _summary_text(summary: dict[str, object]) -> str:
    by_type = summary["by_type"]
    by_status = summary["by_status"]
    assert isinstance(by_type, dict) and isinstance(by_status, dict)
    lines = [
        f"{summary['root']}: {summary['documents']} documents, {summary['references']} "
        f"references ({summary['unresolved']} unresolved), {summary['edges']} document edges",
        "",
        "documents:",
    ]
    for type_name, count in by_type.items():
        statuses = ", ".join(f"{s} {n}" for s, n in by_status.get(type_name, {}).items())
        lines.append(f"  {type_name:<5} {count:>5}   {statuses}")
    for title, key in (("references by kind:", "by_kind"), ("resolved to:", "by_target")):
        lines.append("")
        lines.append(title)
        values = summary[key]
        assert isinstance(values, dict)
        for name, count in values.items():
            lines.append(f"  {name:<11} {count:>6}")
    repository = summary.get("repository")
    if isinstance(repository, dict):
        folder = f", scanned folder {repository['folder']}/" if repository["folder"] else ""
        lines += [
            "",
            f"links into {repository['url']} are internal (from {repository['source']}{folder})",
        ]
    aliases = summary.get("aliases")
    if isinstance(aliases, dict) and aliases:
        lines += ["", f"symbolic links read as their targets: {len(aliases)}"]
    if summary["parse_problems"]:
        lines += ["", f"parse problems: {summary['parse_problems']} (see `tracegraph check`)"]
    return "\n".join(lines) + "\n"


@cli.command()
@PATH_ARG
@CONFIG_OPT
@scan_options
@click.option(
    "--format",
    "fmt",
    type=click.Choice(sorted(EXPORTERS)),
    default="json",
    show_default=True,
    help="json: networkx node-link data; graphml; csv: a traceability matrix (one row per edge).",
)
@OUTPUT_OPT
def export(path: Path, config_path: Path | None, fmt: str, output: str | None) -> None:
    """Export the document graph under PATH."""
    corpus = api.scan(path, config_path=config_path, **scan_settings(fmt))
    emit(EXPORTERS[fmt](corpus), output)


@cli.command()
@click.argument(
    "path", required=False, default=".", type=click.Path(file_okay=False, path_type=Path)
)
@click.option("--force", is_flag=True, help="Overwrite an existing config file.")
def init(path: Path, force: bool) -> None:
    """Write a commented starter tracegraph.yaml into PATH."""
    target = path / CONFIG_NAMES[0]
    if target.exists() and not force:
        raise UsageError(f"{target}: already exists (use --force to overwrite)")
    if not path.is_dir():
        raise UsageError(f"{path}: not a directory")
    from ..atomic import write_atomic

    write_atomic(target, STARTER_CONFIG)
    click.echo(f"wrote {target}")
