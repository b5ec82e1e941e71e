"""The write commands: ``new``, ``supersede``, ``status``, ``index`` and ``fix``.

Each plans its changes through ``tracegraph.api`` (checked on the repository as it will be),
then writes them atomically, or shows them as a unified diff (``--dry-run``; ``fix`` without
``--write``). What changed goes to stdout, one line per edit; notes and the findings ``check``
would newly report go to stderr.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path
from typing import Any

import click

from .. import api
from ..edit.changes import ChangeSet, FileChange
from ..edit.fix import Repair
from ..errors import UsageError
from ..generated import json_head
from . import cli
from .options import CONFIG_OPT, ROOT_OPT, parse_today

TODAY_OPT = click.option(
    "--today", metavar="YYYY-MM-DD", help="The date written into documents (default: today)."
)
DRY_RUN_OPT = click.option(
    "--dry-run", is_flag=True, help="Show the changes as a unified diff; write nothing."
)


def _shown(root: Path, path: str) -> str:
    """A root-relative path as seen from the working directory (clickable in a terminal)."""
    full = root / path
    try:
        return full.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except (ValueError, OSError):
        return os.path.normpath(full).replace(os.sep, "/")


def _report(run: api.WriteRun, dry_run: bool, quiet_stdout: bool = False) -> None:
    """Write the changes (or show their diff) and say what changed."""
    changes = run.changes
    if dry_run:
        diff = changes.diff()
        if diff:
            click.echo(diff, nl=False)
    else:
        changes.write()
        if not quiet_stdout:
            _print_changes(changes, err=False)
    _notes(run, err=True)


def _print_changes(changes: ChangeSet, err: bool) -> None:
    for change in changes.changes:
        if change.before == change.after:
            continue
        shown = _shown(changes.root, change.path)
        if change.created:
            click.echo(f"created {shown}", err=err)
        for note in change.notes if not change.created else ():
            click.echo(f"updated {shown}: {note}", err=err)


def _notes(run: api.WriteRun, err: bool) -> None:
    """Notes, then the findings ``check`` would newly report: each with its message (what
    still cites a retired document, a status now ahead of its upstream), or counted by file
    where there are many of one kind (a new document's unfilled template text)."""
    for message in run.changes.messages:
        click.echo(f"note: {message}", err=err)
    if not run.new_findings:
        return
    root = run.changes.root
    click.echo(f"check: {len(run.new_findings)} new finding(s) after this change:", err=err)
    counts = Counter((f.code, f.path) for f in run.new_findings)
    shown: set[tuple[str, str]] = set()
    for finding in run.new_findings:
        key = (finding.code, finding.path)
        if counts[key] > 3:
            if key not in shown:
                shown.add(key)
                click.echo(
                    f"  {finding.code} {finding.rule} x{counts[key]} in "
                    f"{_shown(root, finding.path)}",
                    err=err,
                )
            continue
        where = f"{_shown(root, finding.path)}:{finding.line}:{finding.column}"
        click.echo(f"  {where}: {finding.code} {finding.message}", err=err)


def _root(root: Path | None) -> Path:
    return root or Path(".")


@cli.command("new")
@click.argument("type_name", metavar="TYPE")
@click.argument("title")
@click.option(
    "--implements",
    "implements",
    multiple=True,
    metavar="DOC",
    help="A document the new one implements (repeatable).",
)
@click.option(
    "--depends-on",
    "depends_on",
    multiple=True,
    metavar="DOC",
    help="A document the new one depends on (repeatable).",
)
@click.option(
    "--supersedes",
    metavar="DOC",
    help="The document the new one supersedes (retired only once the new one has "
    "an agreed status, e.g. with --status accepted).",
)
@click.option(
    "--status",
    metavar="STATUS",
    help="The new document's status (default: the first of its lifecycle).",
)
@click.option("--author", metavar="NAME", help="The author (default: git config user.name).")
@click.option(
    "--folder",
    metavar="DIR",
    help="The folder, relative to the root (default: where the type's documents "
    "are, e.g. a KEP's SIG folder).",
)
@TODAY_OPT
@DRY_RUN_OPT
@ROOT_OPT
@CONFIG_OPT
def new_command(
    type_name: str,
    title: str,
    implements: tuple[str, ...],
    depends_on: tuple[str, ...],
    supersedes: str | None,
    status: str | None,
    author: str | None,
    folder: str | None,
    today: str | None,
    dry_run: bool,
    root: Path | None,
    config_path: Path | None,
) -> None:
    """Create the next document of TYPE titled TITLE, numbered, named and placed as the
    repository's documents of that type are, from the type's template.

    Prints the new document's path on stdout (what changed besides, on stderr).
    """
    base = _root(root)
    run = api.new_document(
        base,
        type_name,
        title,
        implements=implements,
        depends_on=depends_on,
        supersedes=supersedes,
        status=status,
        author=author,
        folder=folder,
        today=parse_today(today),
        config_path=config_path,
    )
    _report(run, dry_run, quiet_stdout=True)
    if not dry_run:
        _print_changes(run.changes, err=True)
        click.echo(_shown(base, run.changes.created or ""))


@cli.command("status")
@click.argument("doc")
@click.argument("value")
@TODAY_OPT
@DRY_RUN_OPT
@ROOT_OPT
@CONFIG_OPT
def status_command(
    doc: str,
    value: str,
    today: str | None,
    dry_run: bool,
    root: Path | None,
    config_path: Path | None,
) -> None:
    """Set DOC's status to VALUE where the document keeps it (front matter, a field line, its
    Status section or its sidecar), checked against its type's lifecycle."""
    run = api.set_status(_root(root), doc, value, today=parse_today(today), config_path=config_path)
    _report(run, dry_run)


@cli.command("supersede")
@click.argument("old")
@click.option("--by", "new", required=True, metavar="NEW", help="The successor document.")
@click.option(
    "--force",
    is_flag=True,
    help="Record it even though NEW has no agreed status yet, or OLD names another successor.",
)
@TODAY_OPT
@DRY_RUN_OPT
@ROOT_OPT
@CONFIG_OPT
def supersede_command(
    old: str,
    new: str,
    force: bool,
    today: str | None,
    dry_run: bool,
    root: Path | None,
    config_path: Path | None,
) -> None:
    """Record that NEW supersedes OLD in both documents, each in its own convention, and set
    OLD's status to its type's retired status, once NEW has an agreed status (exit 1 and
    nothing written before that, unless --force)."""
    run = api.supersede(
        _root(root), old, new, force=force, today=parse_today(today), config_path=config_path
    )
    _report(run, dry_run)


@cli.command("index")
@click.argument("type_name", metavar="[TYPE]", required=False)
@click.option(
    "-o",
    "--output",
    metavar="FILE",
    help="The page to write the index into, relative to the root (default: the "
    "README.md or index.md of the type's folder).",
)
@click.option(
    "--check",
    "check_only",
    is_flag=True,
    help="Write nothing; show the diff and exit 1 when the index is out of date.",
)
@TODAY_OPT
@DRY_RUN_OPT
@ROOT_OPT
@CONFIG_OPT
def index_command(
    type_name: str | None,
    output: str | None,
    check_only: bool,
    today: str | None,
    dry_run: bool,
    root: Path | None,
    config_path: Path | None,
) -> None:
    """Write or refresh the index of TYPE's documents (every type's, without TYPE): ID,
    title, status, date and supersessions, between marker comments in the folder's README;
    the rest of the page is left alone."""
    base = _root(root)
    run = api.write_index(
        base,
        type_name,
        output=_inside(base, output),
        today=parse_today(today),
        config_path=config_path,
    )
    if check_only:
        _exit_if_changed(run)
        return
    _report(run, dry_run)
    if run.changes.empty:
        click.echo("index: up to date", err=True)


def _exit_if_changed(run: api.WriteRun) -> None:
    diff = run.changes.diff()
    if diff:
        click.echo(diff, nl=False)
        raise SystemExit(1)


def _inside(root: Path, path: str | None) -> str | None:
    """A path given on the command line as a path relative to the root: as written when it
    is relative to the root already, else resolved from the working directory."""
    if path is None:
        return None
    given = Path(path)
    try:
        inside = given.resolve().relative_to(root.resolve()).as_posix()
    except (ValueError, OSError):
        inside = None
    if inside is not None and (
        given.is_absolute() or (Path.cwd() / given).exists() or not (root / given).parent.exists()
    ):
        return inside
    if given.is_absolute():
        raise UsageError(f"{path}: outside the repository root {root}")
    return given.as_posix()


@cli.command("fix")
@click.argument("path", required=False)
@click.option("--write", "write", is_flag=True, help="Apply the unambiguous repairs.")
@click.option(
    "--check",
    "check_only",
    is_flag=True,
    help="Write nothing, show no diff; exit 1 when a repair is available.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text, or json (`tracegraph schema fix`) for every repair considered.",
)
@TODAY_OPT
@ROOT_OPT
@CONFIG_OPT
def fix_command(
    path: str | None,
    write: bool,
    check_only: bool,
    fmt: str,
    today: str | None,
    root: Path | None,
    config_path: Path | None,
) -> None:
    """Repair broken links, anchors and IDs (TG101, TG102, TG103) in PATH (default: the whole
    tree): a renamed or moved target from git history, the one file of that name or ID
    elsewhere, the closest heading. Without --write: the unified diff, exit 1 when anything
    would change. Ambiguous repairs are listed with their candidates, never applied."""
    if write and check_only:
        raise UsageError("--write and --check exclude each other")
    base = _root(root)
    run = api.fix_links(
        base, _inside(base, path), today=parse_today(today), config_path=config_path
    )
    changes = run.changes
    if write:
        changes.write()
    if fmt == "json":
        click.echo(json.dumps(_fix_json(run, write), indent=2, ensure_ascii=False))
    elif check_only:
        _list_repairs(run.repairs, base, err=False)
    elif write:
        _list_repairs([r for r in run.repairs if r.applied], base, err=False)
        _list_repairs([r for r in run.repairs if not r.applied], base, err=True)
        _print_changes(ChangeSet(changes.root, _others(changes, run.repairs)), err=True)
    else:
        diff = changes.diff()
        if diff:
            click.echo(diff, nl=False)
        _list_repairs(run.repairs, base, err=True)
    if not write and not changes.empty:
        raise SystemExit(1)


def _others(changes: ChangeSet, repairs: tuple[Repair, ...]) -> tuple[FileChange, ...]:
    """Changes besides the repairs themselves (an index page refreshed with them)."""
    repaired = {r.path for r in repairs if r.applied}
    return tuple(c for c in changes.changes if c.path not in repaired)


def _list_repairs(repairs: list[Repair] | tuple[Repair, ...], root: Path, err: bool) -> None:
    for repair in repairs:
        where = f"{_shown(root, repair.path)}:{repair.line}:{repair.column}"
        if repair.applied:
            click.echo(
                f"{where}: {repair.code} {repair.written} -> {repair.replacement} "
                f"({repair.reason})",
                err=err,
            )
        elif repair.candidates:
            click.echo(
                f"{where}: {repair.code} {repair.written}: not repaired, {repair.reason}; "
                f"candidates: {', '.join(repair.candidates)}",
                err=err,
            )
        else:
            click.echo(
                f"{where}: {repair.code} {repair.written}: not repaired, {repair.reason}", err=err
            )


def _fix_json(run: api.WriteRun, written: bool) -> dict[str, Any]:
    changes = run.changes
    return {
        **json_head(1),
        "root": changes.root.as_posix(),
        "written": written,
        "changed": [c.path for c in changes.changes if c.before != c.after],
        "repairs": [
            {
                "code": r.code,
                "path": r.path,
                "line": r.line,
                "column": r.column,
                "written": r.written,
                "replacement": r.replacement,
                "candidates": list(r.candidates),
                "reason": r.reason,
                "applied": r.applied,
            }
            for r in run.repairs
        ],
    }
