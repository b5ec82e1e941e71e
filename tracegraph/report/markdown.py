"""The report as GitHub-flavoured Markdown that fits an issue or pull-request comment.

Long lists sit in collapsible ``<details>`` blocks, at most ``MAX_ROWS`` rows each; past a
character limit (default 60,000, under GitHub's 65,536 for an issue or comment body) the longest
lists are cut first, and a note links the full report. Text taken from documents (titles, paths,
messages) is HTML-escaped and its Markdown punctuation backslash-escaped, so a title cannot
inject markup, links or @-mentions; control characters are written as visible escapes
(``safetext``).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from ..generated import HTML_COMMENT
from ..model import Finding
from ..safetext import neutralise
from .links import LinkContext
from .model import HealthReport, PastFinding

#: Rows shown in one list before "... and N more".
MAX_ROWS = 150
#: Characters the Markdown report stays within by default (GitHub caps a body at 65,536).
DEFAULT_MARKDOWN_LIMIT = 60_000
#: Names listed per PRD in the coverage table before "… and N more".
CHAIN_NAMES = 12
#: Punctuation that means something mid-line in GitHub Markdown (md() output never starts a line).
_SPECIAL = re.compile(r"([\\`*_\[\]|~@])")


def md(text: object) -> str:
    """Escape ``text`` for Markdown prose and table cells (one line).

    >>> md("<img src=x> *a* | b")
    '&lt;img src=x&gt; \\\\*a\\\\* \\\\| b'
    """
    flat = neutralise(" ".join(str(text).split()))
    return _SPECIAL.sub(r"\\\1", html.escape(flat, quote=False))


def _link(label: str, href: str) -> str:
    return f"[{md(label)}]({href.replace(')', '%29').replace(' ', '%20')})"


def _signed(value: float) -> str:
    return f"+{value:g}" if value > 0 else f"{value:g}"


@dataclass
class _List:
    """A list the character limit may shorten: its rows, how many are shown, and its layout
    (``wrap`` gets the rows shown and how many are hidden)."""

    rows: list[str]
    wrap: Callable[[list[str], int], list[str]]
    cap: int = MAX_ROWS

    def lines(self) -> list[str]:
        shown = self.rows[: self.cap]
        return self.wrap(shown, len(self.rows) - len(shown))

    def size(self) -> int:
        return sum(len(line) + 1 for line in self.lines())


Part = str | _List


def _table(header: Sequence[str], more: str) -> Callable[[list[str], int], list[str]]:
    def wrap(rows: list[str], hidden: int) -> list[str]:
        tail = ["", f"… and {hidden} more ({more})"] if hidden else []
        return [*header, *rows, *tail] if rows else tail[1:]

    return wrap


def _names(lead: str, more: str) -> Callable[[list[str], int], list[str]]:
    """A one-line list of names (``lead`` + comma-separated)."""

    def wrap(names: list[str], hidden: int) -> list[str]:
        tail = f" … and {hidden} more ({more})" if hidden else ""
        return [lead + ", ".join(names) + tail]

    return wrap


def _bullets(more: str) -> Callable[[list[str], int], list[str]]:
    def wrap(rows: list[str], hidden: int) -> list[str]:
        return [*rows, *([f"- … and {hidden} more ({more})"] if hidden else [])]

    return wrap


def _details(summary: str, body: Sequence[Part], open_: bool = False) -> list[Part]:
    return [
        f"<details{' open' if open_ else ''}><summary>{summary}</summary>",
        "",
        *body,
        "",
        "</details>",
        "",
    ]


def _lines(parts: Sequence[Part]) -> list[str]:
    out: list[str] = []
    for part in parts:
        out.extend(part.lines() if isinstance(part, _List) else (part,))
    return out


def fit(parts: Sequence[Part], limit: int) -> bool:
    """Shorten the lists among ``parts`` until the text is at most ``limit`` characters,
    always cutting the longest list first (and never below the next longest in one step);
    returns whether anything was cut."""
    lists = [p for p in parts if isinstance(p, _List)]
    total = sum(len(line) + 1 for line in _lines(parts))
    cut = False
    while total > limit:
        sized = sorted(
            ((lst.size(), i) for i, lst in enumerate(lists) if lst.cap > 0), reverse=True
        )
        if not sized:
            break
        size, index = sized[0]
        runner_up = sized[1][0] if len(sized) > 1 else 0
        longest = lists[index]
        goal = max(size - (total - limit), runner_up)
        while longest.cap > 0:
            longest.cap = min(longest.cap, len(longest.rows)) - 1
            if longest.size() <= goal:
                break
        total += longest.size() - size
        cut = True
    return cut


def _finding_rows(
    report: HealthReport, findings: Iterable[Finding | PastFinding], links: LinkContext
) -> list[str]:
    rows = []
    for f in findings:
        where = _link(f"{report.name(f.path)}:{f.line}", links.href(f.path, f.line))
        rows.append(f"| {where} | {md(f.code)} {md(f.rule)} | {md(f.severity)} | {md(f.message)} |")
    return rows


FINDING_HEADER = ("| where | rule | severity | message |", "|---|---|---|---|")


def render_markdown(
    report: HealthReport,
    links: LinkContext,
    *,
    limit: int | None = DEFAULT_MARKDOWN_LIMIT,
    full_report: str | None = None,
) -> str:
    """The Markdown text, at most ``limit`` characters (None: no limit). ``full_report`` (a URL,
    or a path relative to the Markdown file) is linked when lists had to be cut."""
    more = (
        f"see [the full report]({_href(full_report)})"
        if full_report
        else "see the HTML or JSON report"
    )
    parts = _parts(report, links, more)
    if limit is None or not fit(parts, limit - NOTE_ROOM):
        return "\n".join(_lines(parts)) + "\n"
    where = (
        f"the full lists are in [the full report]({_href(full_report)})"
        if full_report
        else "the full lists are in the HTML or JSON report (`tracegraph report -o report.html`)"
    )
    note = f"> **Note:** lists shortened to fit {limit:,} characters; {where}."
    lines = _lines(parts)
    text = "\n".join([*lines[:2], "", note, *lines[2:]]) + "\n"
    if len(text) > limit:  # the fixed parts alone are too long: cut the text itself
        tail = "\n\n… (cut at the character limit)\n"
        text = text[: limit - len(tail)] + tail
    return text


#: Room kept for the note that says lists were cut.
NOTE_ROOM = 400


def _href(target: str | None) -> str:
    return (target or "").replace(")", "%29").replace(" ", "%20")


def _suspect_part(report: HealthReport, links: LinkContext, more: str) -> list[Part]:
    """The "Suspect links" section: documents resting on one that changed since their last
    review (TG503), most changes first."""
    out: list[Part] = ["### Suspect links", ""]
    if report.suspect_note:
        out += [f"> **Note:** {md(report.suspect_note)}", ""]
    if not report.suspect:
        if not report.suspect_note:
            out += ["No document rests on one that changed since it was last reviewed.", ""]
        return out
    count = len(report.suspect)
    out += [
        f"{count} link{'s' if count != 1 else ''} where a document rests on one that changed "
        "since the document was last reviewed (edited, or recorded with `tracegraph review`). "
        "`tracegraph review DOC --diff` shows what to re-read; `tracegraph review DOC` records "
        "the review.",
        "",
    ]
    rows = [
        f"| {_link(f'{r.document}:{r.line}', links.href(r.path, r.line))} | "
        f"{_link(r.upstream_name, links.href(r.upstream))} | {r.commits} | "
        f"{md(r.review_commit[:7])}, {md(r.review_date)} ({md(r.review_kind)}) | "
        f"{md(', '.join(r.how))} |"
        for r in report.suspect
    ]
    header = (
        "| document | rests on | commits since | last reviewed | how it changed |",
        "|---|---|---:|---|---|",
    )
    return [*out, *_details(f"Suspect links ({count})", [_List(rows, _table(header, more))])]


def _architecture_parts(report: HealthReport, links: LinkContext, more: str) -> list[Part]:
    """The architecture section: what the design documents describe, a table of components
    and, folded, the endpoints, tables and externals (nothing when no document describes
    the system)."""
    section = report.architecture
    if section is None:
        return []
    counts = ", ".join(f"{n} {k}{'s' if n != 1 else ''}" for k, n in section.counts if n)
    designs = ", ".join(md(report.name(p)) for p in section.documents)
    conflicts = f"; **{section.findings}** architecture findings" if section.findings else ""
    out: list[Part] = [
        "### Architecture",
        "",
        f"{counts}, designed in {designs}{conflicts}. The map: "
        "`tracegraph render --view architecture -o architecture.svg`.",
        "",
    ]

    def designed_in(sources: Sequence[tuple[str, int]]) -> str:
        return ", ".join(_link(report.name(p), links.href(p, line)) for p, line in sources)

    rows = [
        f"| {md(r.name)} | {md(r.detail)} | {md(r.state)} | {designed_in(r.sources)} |"
        for r in section.entities
        if r.kind == "component"
    ]
    header = ("| component | technology | state | designed in |", "|---|---|---|---|")
    out += [_List(rows, _table(header, more)), ""]
    others = [
        f"| {md(r.name)} | {r.kind} | {md(r.state)} | {md(r.detail)} | {designed_in(r.sources)} |"
        for r in section.entities
        if r.kind != "component"
    ]
    if others:
        header = (
            "| entity | kind | state | detail | designed or named in |",
            "|---|---|---|---|---|",
        )
        out += _details(
            f"Endpoints, tables and externals ({len(others)})",
            [_List(others, _table(header, more))],
        )
    return out


def _parts(report: HealthReport, links: LinkContext, more: str) -> list[Part]:
    """The report as lines and shortenable lists."""
    fig = report.figures
    changes = report.changes
    delta = f" ({_signed(changes.score_delta)} since the previous run)" if changes else ""
    out: list[Part] = [
        HTML_COMMENT,
        f"## Docs health: {fig.score:g} / 100{delta}",
        "",
        f"{md(report.root)} · generated {md(report.generated_at)}"
        + (f" · commit {md(report.commit[:12])}" if report.commit else ""),
        "",
        "| documents | references | errors | warnings | info | orphans | broken references "
        "| cycles | stale | suspect links |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        f"| {fig.documents} | {fig.references} | {fig.errors} | {fig.warnings} | {fig.infos} "
        f"| {fig.orphans} | {fig.broken_references} | {fig.cycles} | {fig.stale} "
        f"| {fig.suspect_links} |",
        "",
        f"Score: {md(report.formula)}.",
        "",
    ]
    for note in (report.history_note, report.map_note):
        if note:
            out += [f"> **Note:** {md(note)}", ""]
    out += ["### Since the previous run", ""]
    findings_table = _table(FINDING_HEADER, more)
    if changes is None:
        out += ["First recorded run: nothing to compare with yet.", ""]
    else:
        when = md(changes.previous_run_at)
        if changes.previous_commit:
            when += f" at {md(changes.previous_commit[:12])}"
        out += [
            f"Compared with the run of {when}: score {changes.previous_score:g} → {fig.score:g} "
            f"({_signed(changes.score_delta)}), **{len(changes.new_findings)} new** and "
            f"**{len(changes.resolved_findings)} resolved** findings.",
            "",
        ]
        if changes.new_documents is not None:
            for label, paths in (
                ("New documents", changes.new_documents),
                ("Removed documents", changes.removed_documents or ()),
            ):
                if paths:
                    names = [md(report.name(p)) for p in paths]
                    out.append(_List(names, _names(f"- {label}: ", more)))
            out.append("")
        if changes.new_findings:
            out += _details(
                f"New findings ({len(changes.new_findings)})",
                [_List(_finding_rows(report, changes.new_findings, links), findings_table)],
                open_=True,
            )
        if changes.resolved_findings:
            out += _details(
                f"Resolved findings ({len(changes.resolved_findings)})",
                [_List(_finding_rows(report, changes.resolved_findings, links), findings_table)],
            )
    out += ["### Findings by rule", ""]
    if not report.findings:
        out += ["No findings.", ""]
    else:
        out += ["| rule | severity | findings |", "|---|---|---:|"]
        for group in report.by_rule:
            out.append(
                f"| {md(group.label)} | {md(group.findings[0].severity)} | {len(group.findings)} |"
            )
        out.append("")
        out += _details(
            f"All findings ({len(report.findings)})",
            [_List(_finding_rows(report, report.findings, links), findings_table)],
        )
        rows = [
            f"| {_link(group.label, links.href(group.key))} | "
            f"{sum(1 for f in group.findings if f.severity == 'error')} | "
            f"{sum(1 for f in group.findings if f.severity == 'warning')} | "
            f"{sum(1 for f in group.findings if f.severity == 'info')} |"
            for group in report.by_document
        ]
        header = ("| document | errors | warnings | info |", "|---|---:|---:|---:|")
        out += _details(
            f"Findings by document ({len(report.by_document)})", [_List(rows, _table(header, more))]
        )
    out += _suspect_part(report, links, more)
    out += _architecture_parts(report, links, more)
    out += ["### Coverage", ""]
    if not report.coverage:
        out += ["No PRDs.", ""]
    else:
        rows = []
        for cov in report.coverage:
            names = [md(report.name(p)) for p, _ in cov.chain]
            extra = f" … and {len(names) - CHAIN_NAMES} more" if len(names) > CHAIN_NAMES else ""
            chain = ", ".join(names[:CHAIN_NAMES]) + extra or "**none**"
            rows.append(f"| {_link(report.name(cov.prd), links.href(cov.prd))} | {chain} |")
        header = ("| PRD | rests on it (nearest first) |", "|---|---|")
        out += [_List(rows, _table(header, more)), ""]
        if report.uncovered_prds:
            names = [md(report.name(p)) for p in report.uncovered_prds]
            out += [_List(names, _names("PRDs with no design resting on them: ", more)), ""]
    if report.longest_chains:
        out += [
            "### Longest chains",
            "",
            "Each arrow reads *rests on* (implements/depends on).",
            "",
        ]
        out += [
            "1. " + " → ".join(md(report.name(p)) for p in chain) for chain in report.longest_chains
        ]
        out.append("")
    if report.hot_spots:
        out += [
            "### Most depended-on documents",
            "",
            "| document | direct dependents | everything downstream |",
            "|---|---:|---:|",
        ]
        out += [
            f"| {_link(r.name, links.href(r.path))} | {r.depended_on_by} | {r.downstream} |"
            for r in report.hot_spots
        ]
        out.append("")
    out += ["### Islands", ""]
    big = [i for i in report.islands if len(i) > 1]
    single = [i[0] for i in report.islands if len(i) == 1]
    out.append(
        f"{len(report.islands)} weakly connected parts: {len(big)} groups of linked documents "
        f"and {len(single)} documents on their own."
    )
    out.append("")
    if len(report.islands) > 1:
        body: list[Part] = [
            _List(
                [
                    f"- {len(i)} documents: "
                    + ", ".join(md(report.name(p)) for p in i[:30])
                    + (" …" if len(i) > 30 else "")
                    for i in big
                ],
                _bullets(more),
            )
        ]
        if single:
            names = [md(report.name(p)) for p in single]
            body.append(_List(names, _names("- on their own: ", more)))
        out += _details("Islands", body)
    out += [
        "### Documents by type and status",
        "",
        "| type | documents | statuses |",
        "|---|---:|---|",
    ]
    statuses = dict(fig.by_status)
    for type_name, count in fig.by_type:
        words = ", ".join(f"{md(s)} {n}" for s, n in statuses.get(type_name, ()))
        out.append(f"| {md(type_name)} | {count} | {words} |")
    out.append("")
    if len(report.trend) > 1:
        trend_rows = [
            f"| {md(p.run_at)} | {md((p.commit or '')[:10])} | {p.score:g} | {p.errors} "
            f"| {p.warnings} | {p.infos} | {'–' if p.suspect_links is None else p.suspect_links} |"
            for p in report.trend
        ]
        header = (
            "| run | commit | score | errors | warnings | info | suspect links |",
            "|---|---|---:|---:|---:|---:|---:|",
        )
        out += _details(
            f"Trend (last {len(report.trend)} runs)", [_List(trend_rows, _table(header, more))]
        )
    out.append("<sub>Generated by tracegraph.</sub>")
    return out
