"""The docs health report: a frozen ``HealthReport``, its formats, and the run history.

``produce_report`` is one run: read the previous run and the trend from the history, build the
report, record the run, render it in every format asked for, write each file atomically, and
only then commit the history transaction (one run, however many files). An interruption anywhere
before the commit leaves the previous report files and the history as they were. This package
never imports ``render``: the API layer passes the map's SVG text in.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..atomic import write_atomic
from ..errors import UsageError
from ..graph import Corpus
from ..model import Finding
from .history import DEFAULT_HISTORY, HistoryError, open_history
from .html import GRAPHVIZ_HINT, render_html
from .json import render_json
from .links import LinkContext, check_link_base
from .markdown import DEFAULT_MARKDOWN_LIMIT, render_markdown
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
    "DEFAULT_MARKDOWN_LIMIT",
    "FORMATS",
    "GRAPHVIZ_HINT",
    "HealthReport",
    "HistoryError",
    "MapDrawing",
    "ReportOutput",
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
class ReportOutput:
    """One place a report run writes to: a file, or ``None`` for the returned text (stdout)."""

    path: Path | None
    format: str


@dataclass(frozen=True)
class MapDrawing:
    """The map of the HTML report, drawn for one output folder (node links are relative to
    it), or the note saying why there is none."""

    svg: str | None = None
    note: str | None = None
    slugs: Mapping[str, str] = field(default_factory=dict)
    edges: Sequence[tuple[str, str, str]] = ()
    #: The architecture map (issue 20), or why there is none.
    architecture_svg: str | None = None
    architecture_note: str | None = None


@dataclass(frozen=True)
class ReportRun:
    """What one report run produced: the report, and each output with its text."""

    report: HealthReport
    outputs: tuple[tuple[ReportOutput, str], ...]
    history: Path | None
    recorded: bool
    warnings: tuple[str, ...]

    @property
    def written(self) -> tuple[Path, ...]:
        """The files written, in the order given."""
        return tuple(o.path for o, _ in self.outputs if o.path is not None)

    @property
    def printed(self) -> str:
        """The text meant for stdout (the outputs without a file), or ``""``."""
        return "".join(text for o, text in self.outputs if o.path is None)


def _root_holding(root: Path, path: Path) -> Path | None:
    """``root`` when ``path`` lies inside it (then the untrusted tree must not redirect it)."""
    top, inner = os.path.abspath(root), os.path.abspath(path)
    return root if os.path.commonpath([top, inner]) == top else None


def produce_report(
    corpus: Corpus,
    findings: Sequence[Finding],
    *,
    outputs: Sequence[ReportOutput],
    generated_at: str,
    history: Path | None,
    record: bool = True,
    trend_runs: int = DEFAULT_TREND_RUNS,
    today: str | None = None,
    commit: str | None = None,
    link_base: str | None = None,
    draw_map: Callable[[Path], MapDrawing] | None = None,
    markdown_limit: int | None = DEFAULT_MARKDOWN_LIMIT,
    full_report: str | None = None,
    write: Callable[[Path, str], None] | None = None,
    suspect_note: str | None = None,
) -> ReportRun:
    """One report run, written to every output (see the module docstring for the order).

    The run is recorded once, whatever the number of outputs, and only when ``record`` is set
    and at least one output is a file: a report printed to the terminal records nothing. Without
    ``record`` an existing history is still read (the previous run, the trend), never written.
    A history file that cannot be used (corrupt, from a newer version) does not stop the run:
    the report renders without history and says why, and the run's warnings repeat it.
    """
    if trend_runs < 1:
        raise UsageError("--trend-runs must be 1 or more")
    if not outputs:
        outputs = (ReportOutput(None, "markdown"),)
    base = check_link_base(link_base) if link_base else None
    record = record and any(o.path is not None for o in outputs)

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
            history_note=note,
            suspect_note=suspect_note,
        )

    def render(report: HealthReport) -> tuple[tuple[ReportOutput, str], ...]:
        maps: dict[Path, MapDrawing] = {}
        done = []
        for output in outputs:
            folder = output.path.parent if output.path is not None else Path.cwd()
            links = LinkContext(corpus.root, folder, base)
            shown = report
            if output.format == "html" and draw_map is not None:
                drawing = maps.get(folder) or maps.setdefault(folder, draw_map(folder))
                shown = with_map(report, drawing)
            if output.format == "markdown":
                full = full_report or _sibling_report(output, outputs)
                text = render_markdown(shown, links, limit=markdown_limit, full_report=full)
            else:
                text = FORMATS[output.format](shown, links)
            done.append((output, text))
        return tuple(done)

    def finish(rendered: tuple[tuple[ReportOutput, str], ...]) -> None:
        for output, text in rendered:
            if output.path is not None:
                (write or write_atomic)(output.path, text)

    if history is None or (not record and not history.is_file()):
        report = build(None, (), None)
        rendered = render(report)
        finish(rendered)
        return ReportRun(report, rendered, history, False, ())
    try:
        with open_history(history, inside=_root_holding(corpus.root, history)) as store:
            try:
                previous = store.previous()
                trend = store.trend(trend_runs - 1)
            except sqlite3.DatabaseError as exc:
                raise HistoryError(f"{history}: cannot read the history database: {exc}") from None
            report = build(previous, trend, None)
            if record:
                try:
                    store.record(report)
                except sqlite3.DatabaseError as exc:
                    raise HistoryError(f"{history}: cannot record this run: {exc}") from None
            rendered = render(report)
            finish(rendered)
            if record:
                try:
                    store.commit()
                except sqlite3.DatabaseError as exc:
                    raise HistoryError(f"{history}: cannot record this run: {exc}") from None
            warnings: tuple[str, ...] = ()
            if store.migrated_from is not None and record:
                warnings = (
                    f"{history}: history migrated from schema version {store.migrated_from}",
                )
            return ReportRun(report, rendered, history, record, warnings)
    except HistoryError as exc:
        note = f"{exc}; this report shows no history or trend"
        report = build(None, (), note)
        rendered = render(report)
        finish(rendered)
        return ReportRun(report, rendered, history, False, (note,))


def with_map(report: HealthReport, drawing: MapDrawing) -> HealthReport:
    """``report`` with the maps drawn for one output."""
    section = report.architecture
    if section is not None:
        section = replace(section, svg=drawing.architecture_svg, note=drawing.architecture_note)
    return replace(
        report,
        map_svg=drawing.svg,
        map_note=drawing.note,
        map_slugs=tuple(sorted(drawing.slugs.items())),
        map_edges=tuple(sorted(drawing.edges)),
        architecture=section,
    )


def _sibling_report(markdown: ReportOutput, outputs: Sequence[ReportOutput]) -> str | None:
    """Where the Markdown report's shortened lists are whole: the HTML (else JSON) file of the
    same run, relative to the Markdown file's folder."""
    if markdown.path is None:
        return None
    for wanted in ("html", "json"):
        for other in outputs:
            if other.format == wanted and other.path is not None:
                return os.path.relpath(other.path, markdown.path.parent).replace(os.sep, "/")
    return None
