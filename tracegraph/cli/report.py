"""``tracegraph report``: the scheduled docs health report (HTML, Markdown or JSON)."""

from __future__ import annotations

from pathlib import Path

import click

from .. import api
from ..errors import UsageError
from . import cli
from .options import CONFIG_OPT, PATH_ARG, parse_today
from .progress import scan_options, scan_settings

#: Exit code when the score is below ``--fail-under`` (as for findings at ``--fail-on``).
BELOW_THRESHOLD = 1


@cli.command()
@PATH_ARG
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    help="Report file; the format comes from its suffix (.html, .md, .json). Default: Markdown "
    "on stdout.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["html", "md", "markdown", "json"]),
    help="Format, when the output's suffix does not say it.",
)
@click.option(
    "--history",
    "history",
    type=click.Path(dir_okay=False, path_type=Path),
    help="History database (default: PATH/.tracegraph/history.db).",
)
@click.option("--no-history", is_flag=True, help="Neither read nor record the run history.")
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
    "--trend-runs",
    type=click.IntRange(1, 1000),
    default=20,
    show_default=True,
    metavar="N",
    help="Runs shown in the trend (this one included).",
)
@CONFIG_OPT
@scan_options
def report(
    path: Path,
    output: str | None,
    fmt: str | None,
    history: Path | None,
    no_history: bool,
    fail_under: float | None,
    today: str | None,
    link_base: str | None,
    trend_runs: int,
    config_path: Path | None,
) -> None:
    """Write the docs health report for PATH (default: .) and record the run in the history.

    The report file is written atomically after the history transaction is prepared, so an
    interrupted run leaves the previous report and history intact.
    """
    if history is not None and no_history:
        raise UsageError("--history and --no-history cannot be used together")
    run = api.report(
        path,
        output,
        fmt=fmt,
        config_path=config_path,
        history=history,
        use_history=not no_history,
        today=parse_today(today),
        link_base=link_base,
        trend_runs=trend_runs,
        **scan_settings(fmt),
    )
    for warning in run.warnings:
        click.echo(f"tracegraph: warning: {warning}", err=True)
    fig = run.report.figures
    changes = run.report.changes
    delta = f" ({changes.score_delta:+g})" if changes else ""
    if run.output is None:
        click.echo(run.text, nl=False)
    summary = (
        f"score {fig.score:g}{delta}: {fig.errors} errors, {fig.warnings} warnings, "
        f"{fig.infos} info in {fig.documents} documents"
    )
    if changes:
        summary += f"; {len(changes.new_findings)} new, {len(changes.resolved_findings)} resolved"
    where = f"wrote {run.output}: " if run.output else ""
    click.echo(f"tracegraph: {where}{summary}", err=True)
    if fail_under is not None and fig.score < fail_under:
        click.echo(
            f"tracegraph: score {fig.score:g} is below --fail-under {fail_under:g}", err=True
        )
        raise click.exceptions.Exit(BELOW_THRESHOLD)
