"""``tracegraph check`` (health findings for CI) and ``tracegraph rules`` (the rule table)."""

from __future__ import annotations

import json
import os
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..errors import InputError, UsageError
from . import cli, emit, use_color
from .options import ALLOW_EMPTY_OPT, CONFIG_OPT, ROOT_OPT, parse_today, root_of
from .progress import scan_options, scan_settings

if TYPE_CHECKING:
    import hashlib

    from ..output import SinceNote
else:
    from .._lazy import hashlib  # imported on first use

FAIL_ON = ("error", "warning", "info", "never")
#: ``output.FORMATTERS``' names (a test keeps them in step): a warm rerun answered by
#: ``tracegraph.warm`` imports no formatter, rule or scanner.
FORMATS = ("text", "json", "github", "sarif", "junit", "markdown")


def _prefix(path: Path) -> str:
    """How paths under PATH look from the working directory (``""`` for ``.``)."""
    text = path.as_posix()
    if path.is_absolute():
        try:
            text = path.resolve().relative_to(Path.cwd().resolve()).as_posix()
        except ValueError:
            return text
    text = os.path.normpath(text).replace(os.sep, "/")
    return "" if text == "." else text


@cli.command()
@click.argument("paths", nargs=-1, metavar="[PATH | FILE...]", type=click.Path(path_type=Path))
@ROOT_OPT
@CONFIG_OPT
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="text, json (`tracegraph schema check`), github (workflow annotations), sarif "
    "(2.1.0), junit (one test case per rule) or markdown.",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to FILE (atomically).")
@click.option(
    "--select", multiple=True, metavar="CODE[,CODE]", help="Only these rules (prefixes: TG1)."
)
@click.option("--ignore", multiple=True, metavar="CODE[,CODE]", help="Skip these rules.")
@click.option(
    "--fail-on",
    type=click.Choice(FAIL_ON),
    default="error",
    show_default=True,
    help="Exit 1 when a finding at or above this severity remains.",
)
@click.option(
    "--baseline",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Silence the findings listed in FILE (matched by code, path and message).",
)
@click.option(
    "--write-baseline",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the current findings to FILE as a baseline and exit 0.",
)
@click.option("--today", metavar="YYYY-MM-DD", help="Date for TG501/TG502 (default: today).")
@click.option(
    "--since",
    metavar="REF",
    help="Report only the findings that the changes since git REF introduce (and list those "
    "they resolve); the tree at REF is checked with the current config.",
)
@scan_options
@ALLOW_EMPTY_OPT
def check(
    paths: tuple[Path, ...],
    root: Path | None,
    config_path: Path | None,
    fmt: str,
    output: str | None,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    fail_on: str,
    baseline: Path | None,
    write_baseline: Path | None,
    today: str | None,
    since: str | None,
    allow_empty: bool,
) -> None:
    """Check the documents under PATH (or -C DIR; default: .) and report findings.

    With FILE arguments (as pre-commit passes them), the whole tree under -C (default: .) is
    still read and checked, but only the findings located in those files are reported; files
    outside the tree are ignored.

    Exit status: 0 when nothing at or above --fail-on remains, 1 when something does, 2 for
    usage, config or input errors.
    """
    path, files = _split_paths(paths, root)
    when = parse_today(today) or date.today()
    if since is not None and write_baseline is not None:
        raise UsageError("--since and --write-baseline: a baseline lists every finding; give one")
    wanted = _root_relative(files, path) if files is not None else None
    listed = _read_baseline(baseline) if baseline is not None else None
    to_terminal = not output or output == "-"
    color = fmt == "text" and to_terminal and use_color(sys.stdout)
    # Everything besides the tree and the findings' own inputs that shapes what is printed:
    # the same shape on the same tree prints what the last such run printed.
    shape = ""
    if since is None and write_baseline is None:
        listed_digest = hashlib.sha256(listed.encode()).hexdigest() if listed is not None else ""
        reported = (sorted(wanted), len(files)) if wanted is not None and files else None
        shape = repr(
            (fmt, color, fail_on, path.as_posix(), _prefix(path), reported, str(baseline),
             listed_digest)
        )  # fmt: skip
    more = scan_settings(fmt)
    if shape and more["cache"]:  # printed before, on this very tree? (``tracegraph.warm``)
        from .. import warm

        key = warm.settings_key(
            shape, str(config_path), when, select, ignore, allow_empty, os.getcwd(),
            os.path.realpath(path), warm.library_state("networkx"),
        )  # fmt: skip
        seen = warm.seen_for(path, key)
        kept = warm.kept_output(seen)
        if kept is not None and (allow_empty or kept.documents):
            warm.alias_stamp(seen)
            emit(kept.text, output)
            _finish((), kept.failed)
            return
        more["seen"] = seen
    else:  # git runs on the other core while the run's modules are imported
        from .. import warm

        warm.begin_look(path)
    from ..memory import collector_paused

    with collector_paused():  # the run's modules (``memory.collector_paused``)
        from .. import api
        from ..checks import parse_codes, select_rules

    selected = parse_codes(select)
    ignored = parse_codes(ignore)
    note: SinceNote | None = None
    settings = {"config_path": config_path, "today": when, "select": selected,
                "ignore": ignored, "allow_empty": allow_empty, **more}  # fmt: skip
    if since is None:
        run = api.check_tree(path, shape=shape, keep=True, **settings)
        findings = run.findings
    else:
        from ..output import SinceNote

        changes = api.check_since(path, since, **settings)
        run, findings = changes.run, changes.introduced
        note = SinceNote(since, changes.commit, changes.unchanged, tuple(changes.resolved))
    if run.output is not None:  # printed before, on this very tree
        emit(run.output.text, output)
        _finish(run.notes if fmt == "text" else (), run.output.failed)
        return
    with collector_paused():  # imported once the run is done: a cold run's parse starts sooner
        from ..output import CheckResult, fails, render, render_pieces

    if wanted is not None:
        findings = [f for f in findings if f.path in wanted]
    if write_baseline is not None:
        from ..atomic import write_atomic
        from ..checks.baseline import dump_baseline

        write_atomic(write_baseline, dump_baseline(findings))
        click.echo(
            f"tracegraph: wrote {len(findings)} finding(s) to baseline {write_baseline}", err=True
        )
        return
    suppressed = 0
    if listed is not None:
        from ..checks.baseline import apply_baseline, load_baseline

        findings, suppressed = apply_baseline(findings, load_baseline(listed, str(baseline)))
    config = run.config
    result = CheckResult(
        root=run.root.as_posix(),
        documents=run.documents,
        references=run.references,
        findings=tuple(findings),
        rules=select_rules(selected, ignored, config),
        severities=dict(config.rules.severity),
        prefix=_prefix(path),
        suppressed=suppressed,
        checked_files=len(files) if files is not None else None,
        since=note,
    )
    failed = fails(findings, fail_on)
    if run.fingerprint and shape:  # kept for the next run (``api.keep_output``): whole
        text = render(result, fmt, color=color)
        emit(text, output)
        api.keep_output(run, shape, text, failed)
    else:  # written as it is made: 120k findings' JSON was ~90 MB at once
        emit(render_pieces(result, fmt, color=color), output)
    _finish(run.notes if fmt == "text" else (), failed)


def _read_baseline(baseline: Path) -> str:
    try:
        return baseline.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or exc
        raise InputError(f"{baseline}: cannot read baseline: {reason}") from None


def _finish(notes: tuple[str, ...], failed: bool) -> None:
    """After the output: the notes (for people: after it, so a failed write stays the one line
    on stderr; only with text, so machine formats read from a merged stream stay parseable),
    then exit 1 when ``failed``."""
    for line in notes:
        click.echo(f"tracegraph: note: {line}", err=True)
    if failed:
        click.get_current_context().exit(1)


def _split_paths(
    paths: tuple[Path, ...], root: Path | None
) -> tuple[Path, tuple[Path, ...] | None]:
    """(the root, the files to report on or None): one folder is the root (as PATH), anything
    else is a list of files under -C (default: .)."""
    if len(paths) == 1 and paths[0].is_dir():
        return root_of(paths[0], root), None
    if not paths:
        return root_of(None, root), None
    for given in paths:
        if given.is_dir():
            raise UsageError(
                f"{given}: a folder among FILE arguments; give the root with -C {given}, or "
                "files only"
            )
        if not given.exists():
            raise UsageError(f"{given}: no such file or directory")
    return root or Path("."), paths


def _root_relative(files: tuple[Path, ...], root: Path) -> frozenset[str]:
    """The FILE arguments as POSIX paths relative to the root; files outside it drop out
    (pre-commit passes every changed Markdown file of the repository)."""
    base = root.resolve()
    out = set()
    for file in files:
        try:
            out.add(file.resolve().relative_to(base).as_posix())
        except ValueError:
            continue
    return frozenset(out)


@cli.command()
@click.argument("code", required=False)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def rules(code: str | None, fmt: str) -> None:
    """List the rules, or print the documentation of one rule (e.g. TG102)."""
    from ..checks import ALL_RULES, RULES_BY_CODE
    from ..generated import json_head

    if code is None:
        if fmt == "json":
            data = {
                **json_head(1),
                "rules": [
                    {
                        "code": r.code,
                        "name": r.name,
                        "severity": r.severity.value,
                        "summary": r.summary,
                    }
                    for r in ALL_RULES
                ],
            }
            click.echo(json.dumps(data, indent=2))
            return
        width = max(len(r.name) for r in ALL_RULES)
        for item in ALL_RULES:
            click.echo(
                f"{item.code}  {item.name:<{width}}  {item.severity.value:<7}  {item.summary}"
            )
        return
    by_name = {r.name: r for r in ALL_RULES}
    rule = RULES_BY_CODE.get(code.strip().upper()) or by_name.get(code.strip().lower())
    if rule is None:
        names = list(RULES_BY_CODE) + [r.name for r in ALL_RULES]
        import difflib

        close = difflib.get_close_matches(code.upper(), names, n=3) or difflib.get_close_matches(
            code.lower(), names, n=3
        )
        hint = f"; did you mean {', '.join(close)}?" if close else " (see `tracegraph rules`)"
        raise UsageError(f"unknown rule '{code}'{hint}")
    if fmt == "json":
        payload = {
            **json_head(1),
            "code": rule.code,
            "name": rule.name,
            "severity": rule.severity.value,
            "summary": rule.summary,
            "doc": rule.doc,
        }
        click.echo(json.dumps(payload, indent=2))
        return
    click.echo(f"{rule.code} {rule.name} (default severity: {rule.severity.value})\n")
    click.echo(rule.doc)


@cli.command()
@click.argument("name", required=False)
def schema(name: str | None) -> None:
    """Print the JSON Schema of a JSON output (check, scan, export, impact, upstream, path,
    show, report, rules, baseline), or list them."""
    from ..schemas import SCHEMAS, schema_text, schema_title

    if name is None:
        width = max(len(n) for n in SCHEMAS)
        for item in SCHEMAS:
            summary = schema_title(item).split(":", 1)[0].strip("`")
            click.echo(f"{item:<{width}}  {summary}")
        return
    click.echo(schema_text(name.strip().lower()), nl=False)
