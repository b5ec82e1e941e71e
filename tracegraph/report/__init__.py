"""The docs health report: a frozen ``HealthReport``, its formats, and the run history.

``produce_report`` is one run: read the previous run and the trend from the history, build the
report, record the run, render it, write the file atomically, and only then commit the history
transaction. An interruption anywhere before the commit leaves the previous report file and the
history as they were. This package never imports ``render``: the API layer passes the map's SVG
text in.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..atomic import write_atomic
from ..errors import UsageError
from ..graph import Corpus
from ..model import Finding
from .history import DEFAULT_HISTORY, HistoryError, open_history
from .html import GRAPHVIZ_HINT, render_html
from .json import render_json
from .links import LinkContext, check_link_base
from .markdown import render_markdown
from .model import HealthReport, PreviousRun, TrendPoint, build_report

Formatter = Callable[[HealthReport, LinkContext], str]

#: Output formats, by name.
FORMATS: Mapping[str, Formatter] = {
    "html": render_html,
    "markdown": render_markdown,
    "json": render_json,
}
SUFFIXES: Mapping[str, str] = {
    ".html": "html",
    ".htm": "html",
    ".md": "markdown",
    ".markdown": "markdown",
    ".json": "json",
}
DEFAULT_TREND_RUNS = 20

__all__ = [
    "DEFAULT_HISTORY",
    "FORMATS",
    "GRAPHVIZ_HINT",
    "HealthReport",
    "HistoryError",
    "ReportRun",
    "build_report",
    "choose_format",
    "produce_report",
]


def choose_format(output: str | Path | None, fmt: str | None) -> str:
    """The format named by ``fmt`` (``md`` means markdown), else by the output's suffix."""
    if fmt:
        name = "markdown" if fmt == "md" else fmt
        if name not in FORMATS:
            raise UsageError(f"unknown report format '{fmt}' (use html, md or json)")
        return name
    if output is None or str(output) == "-":
        return "markdown"
    suffix = Path(output).suffix.lower()
    if suffix not in SUFFIXES:
        raise UsageError(
            f"{output}: cannot tell the report format from the suffix '{suffix}'; use .html, "
            ".md or .json, or pass --format"
        )
    return SUFFIXES[suffix]


@dataclass(frozen=True)
class ReportRun:
    """What one report run produced."""

    report: HealthReport
    text: str
    format: str
    output: Path | None
    history: Path | None
    recorded: bool
    warnings: tuple[str, ...]


def _root_holding(root: Path, path: Path) -> Path | None:
    """``root`` when ``path`` lies inside it (then the untrusted tree must not redirect it)."""
    top, inner = os.path.abspath(root), os.path.abspath(path)
    return root if os.path.commonpath([top, inner]) == top else None


def produce_report(
    corpus: Corpus,
    findings: Sequence[Finding],
    *,
    output: Path | None,
    fmt: str,
    generated_at: str,
    history: Path | None,
    trend_runs: int = DEFAULT_TREND_RUNS,
    today: str | None = None,
    commit: str | None = None,
    link_base: str | None = None,
    map_svg: str | None = None,
    map_note: str | None = None,
    map_slugs: Mapping[str, str] | None = None,
    map_edges: Sequence[tuple[str, str, str]] = (),
    write: Callable[[Path, str], None] | None = None,
) -> ReportRun:
    """One report run (see the module docstring for the order of writes).

    A history file that cannot be used (corrupt, from a newer version) does not stop the run:
    the report renders without history and says why, and the run's warnings repeat it.
    """
    if trend_runs < 1:
        raise UsageError("--trend-runs must be 1 or more")
    base = check_link_base(link_base) if link_base else None
    report_dir = output.parent if output is not None else Path.cwd()
    links = LinkContext(corpus.root, report_dir, base)
    formatter = FORMATS[fmt]

    def build(
        previous: PreviousRun | None, trend: Sequence[TrendPoint], note: str | None
    ) -> HealthReport:
        return build_report(
            corpus,
            findings,
            generated_at=generated_at,
            previous=previous,
            trend=trend,
            today=today,
            commit=commit,
            map_svg=map_svg,
            map_note=map_note,
            map_slugs=map_slugs,
            map_edges=map_edges,
            history_note=note,
        )

    def finish(report: HealthReport) -> str:
        text = formatter(report, links)
        if output is not None:
            (write or write_atomic)(output, text)
        return text

    if history is None:
        report = build(None, (), None)
        return ReportRun(report, finish(report), fmt, output, None, False, ())
    try:
        with open_history(history, inside=_root_holding(corpus.root, history)) as store:
            try:
                previous = store.previous()
                trend = store.trend(trend_runs - 1)
            except sqlite3.DatabaseError as exc:
                raise HistoryError(f"{history}: cannot read the history database: {exc}") from None
            report = build(previous, trend, None)
            try:
                store.record(report)
            except sqlite3.DatabaseError as exc:
                raise HistoryError(f"{history}: cannot record this run: {exc}") from None
            text = finish(report)
            try:
                store.commit()
            except sqlite3.DatabaseError as exc:
                raise HistoryError(f"{history}: cannot record this run: {exc}") from None
            warnings: tuple[str, ...] = ()
            if store.migrated_from is not None:
                warnings = (
                    f"{history}: history migrated from schema version {store.migrated_from}",
                )
            return ReportRun(report, text, fmt, output, history, True, warnings)
    except HistoryError as exc:
        note = f"{exc}; this report shows no history or trend"
        report = build(None, (), note)
        return ReportRun(report, finish(report), fmt, output, history, False, (note,))
