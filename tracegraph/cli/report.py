"""``tracegraph report``: the scheduled docs health report (HTML, Markdown or JSON)."""

from __future__ import annotations

from pathlib import Path

import click

from .. import api
from ..errors import UsageError
from ..report.links import is_safe_href
from ..safetext import neutralise
from . import cli
from .options import ALLOW_EMPTY_OPT, CONFIG_OPT, PATH_ARG, ROOT_OPT, parse_today, root_of
from .progress import scan_options, scan_settings

#: Exit code when the score is below ``--fail-under`` (as for findings at ``--fail-on``).
BELOW_THRESHOLD = 1


@cli.command()
@PATH_ARG
@ROOT_OPT
@click.option(
    "-o",
    "--output",
    "outputs",
    multiple=True,
    type=click.Path(dir_okay=False),
    help="Report file; the format comes from its suffix (.html, .md, .json). Repeat to write "
    "several formats of one run (-o report.html -o report.md). Default: Markdown on stdout.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["html", "md", "markdown", "json"]),
    help="Format, when the output's suffix does not say it (one output only).",
)
@click.option(
    "--history",
    "history",
    type=click.Path(dir_okay=False, path_type=Path),
    help="History database (default: ROOT/.tracegraph/history.db).",
)
@click.option("--no-history", is_flag=True, help="Neither read nor record the run history.")
@click.option(
    "--no-record",
    is_flag=True,
    help="Read the history (changes since the last run, trend) but do not record this run.",
)
@click.option(
    "--fail-under",
    type=click.FloatRange(0, 100),
    metavar="SCORE",
    help="Exit 1 when the health score is below SCORE (0-100).",
)
@click.option("--today", metavar="YYYY-MM-DD", help="Date for staleness and due dates.")
@click.option(
    "--link-base",
    metavar="URL",
    help="Link documents under this URL (e.g. https://github.com/OWNER/REPO/blob/main) with "
    "#L<line> anchors, instead of relative paths.",
)
@click.option(
    "--markdown-limit",
    type=click.IntRange(min=0),
    metavar="CHARS",
    help="Keep the Markdown report within CHARS characters, cutting the longest lists first "
    "(default: report.markdown_limit, 60000; 0: no limit).",
)
@click.option(
    "--full-report",
    metavar="URL",
    help="Where the whole report can be read (e.g. the CI run's artifacts page); linked from the "
    "Markdown report when lists are cut. Default: the HTML or JSON file of the same run.",
)
@click.option(
    "--trend-runs",
    type=click.IntRange(1, 1000),
    default=20,
    show_default=True,
    metavar="N",
    help="Runs shown in the trend (this one included).",
)
@CONFIG_OPT
@scan_options
@ALLOW_EMPTY_OPT
def report(
    path: Path | None,
    root: Path | None,
    outputs: tuple[str, ...],
    fmt: str | None,
    history: Path | None,
    no_history: bool,
    no_record: bool,
    fail_under: float | None,
    today: str | None,
    link_base: str | None,
    markdown_limit: int | None,
    full_report: str | None,
    trend_runs: int,
    config_path: Path | None,
    allow_empty: bool,
) -> None:
    """Write the docs health report for PATH (or -C DIR; default: .) and record the run in the
    history: once per call, however many -o files; never for a report printed to the terminal.

    Files are written atomically after the history transaction is prepared, so an interrupted
    run leaves the previous reports and history intact.
    """
    if history is not None and no_history:
        raise UsageError("--history and --no-history cannot be used together")
    if full_report is not None and not is_safe_href(full_report):
        raise UsageError(f"--full-report {full_report!r}: expected an http(s) URL or a path")
    run = api.report(
        root_of(path, root),
        list(outputs) or None,
        fmt=fmt,
        config_path=config_path,
        history=history,
        use_history=not no_history,
        record=not no_record,
        today=parse_today(today),
        link_base=link_base,
        trend_runs=trend_runs,
        markdown_limit=markdown_limit,
        full_report=full_report,
        allow_empty=allow_empty,
        **scan_settings(fmt),
    )
    for warning in run.warnings:
        click.echo(f"tracegraph: warning: {neutralise(warning)}", err=True)
    fig = run.report.figures
    changes = run.report.changes
    delta = f" ({changes.score_delta:+g})" if changes else ""
    if run.printed:
        click.echo(run.printed, nl=False)
    summary = (
        f"score {fig.score:g}{delta}: {fig.errors} errors, {fig.warnings} warnings, "
        f"{fig.infos} info in {fig.documents} document{'' if fig.documents == 1 else 's'}"
    )
    if changes:
        summary += f"; {len(changes.new_findings)} new, {len(changes.resolved_findings)} resolved"
    where = f"wrote {', '.join(str(p) for p in run.written)}: " if run.written else ""
    recorded = " (recorded in the history)" if run.recorded else ""
    click.echo(f"tracegraph: {where}{summary}{recorded}", err=True)
    if fail_under is not None and fig.score < fail_under:
        click.echo(
            f"tracegraph: score {fig.score:g} is below --fail-under {fail_under:g}", err=True
        )
        raise click.exceptions.Exit(BELOW_THRESHOLD)
