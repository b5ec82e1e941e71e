"""The report as GitHub-flavoured Markdown that fits an issue or pull-request comment.

Long lists sit in collapsible ``<details>`` blocks and are capped so the text stays under
GitHub's 65,536-character comment limit. Text taken from documents (titles, paths, messages) is
HTML-escaped and its Markdown punctuation backslash-escaped, so a title cannot inject markup,
links or @-mentions.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence

from ..generated import HTML_COMMENT
from ..model import Finding
from .links import LinkContext
from .model import HealthReport, PastFinding

#: Rows shown in one list before "... and N more".
MAX_ROWS = 150
#: Names listed per PRD in the coverage table before "… and N more".
CHAIN_NAMES = 12
#: Punctuation that means something mid-line in GitHub Markdown (md() output never starts a line).
_SPECIAL = re.compile(r"([\\`*_\[\]|~@])")


def md(text: object) -> str:
    """Escape ``text`` for Markdown prose and table cells (one line).

    >>> md("<img src=x> *a* | b")
    '&lt;img src=x&gt; \\\\*a\\\\* \\\\| b'
    """
    flat = " ".join(str(text).split())
    return _SPECIAL.sub(r"\\\1", html.escape(flat, quote=False))


def _link(label: str, href: str) -> str:
    return f"[{md(label)}]({href.replace(')', '%29').replace(' ', '%20')})"


def _signed(value: float) -> str:
    return f"+{value:g}" if value > 0 else f"{value:g}"


def _details(summary: str, body: Sequence[str], open_: bool = False) -> list[str]:
    return [
        f"<details{' open' if open_ else ''}><summary>{summary}</summary>",
        "",
        *body,
        "",
        "</details>",
        "",
    ]


def _capped(rows: list[str], header: Sequence[str]) -> list[str]:
    if len(rows) <= MAX_ROWS:
        return [*header, *rows]
    return [
        *header,
        *rows[:MAX_ROWS],
        "",
        f"… and {len(rows) - MAX_ROWS} more (see the HTML or JSON report)",
    ]


def _finding_rows(
    report: HealthReport, findings: Iterable[Finding | PastFinding], links: LinkContext
) -> list[str]:
    rows = []
    for f in findings:
        where = _link(f"{report.name(f.path)}:{f.line}", links.href(f.path, f.line))
        rows.append(f"| {where} | {md(f.code)} {md(f.rule)} | {md(f.severity)} | {md(f.message)} |")
    return rows


FINDING_HEADER = ("| where | rule | severity | message |", "|---|---|---|---|")


def render_markdown(report: HealthReport, links: LinkContext) -> str:
    """The Markdown text."""
    fig = report.figures
    changes = report.changes
    delta = f" ({_signed(changes.score_delta)} since the previous run)" if changes else ""
    out = [
        HTML_COMMENT,
        f"## Docs health: {fig.score:g} / 100{delta}",
        "",
        f"{md(report.root)} · generated {md(report.generated_at)}"
        + (f" · commit {md(report.commit[:12])}" if report.commit else ""),
        "",
        "| documents | references | errors | warnings | info | orphans | broken references "
        "| cycles | stale |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        f"| {fig.documents} | {fig.references} | {fig.errors} | {fig.warnings} | {fig.infos} "
        f"| {fig.orphans} | {fig.broken_references} | {fig.cycles} | {fig.stale} |",
        "",
        f"Score: {md(report.formula)}.",
        "",
    ]
    for note in (report.history_note, report.map_note):
        if note:
            out += [f"> **Note:** {md(note)}", ""]
    out += ["### Since the previous run", ""]
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
                    out.append(f"- {label}: " + ", ".join(md(report.name(p)) for p in paths))
            out.append("")
        if changes.new_findings:
            out += _details(
                f"New findings ({len(changes.new_findings)})",
                _capped(_finding_rows(report, changes.new_findings, links), FINDING_HEADER),
                open_=True,
            )
        if changes.resolved_findings:
            out += _details(
                f"Resolved findings ({len(changes.resolved_findings)})",
                _capped(_finding_rows(report, changes.resolved_findings, links), FINDING_HEADER),
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
            _capped(_finding_rows(report, report.findings, links), FINDING_HEADER),
        )
        rows = [
            f"| {_link(group.label, links.href(group.key))} | "
            f"{sum(1 for f in group.findings if f.severity == 'error')} | "
            f"{sum(1 for f in group.findings if f.severity == 'warning')} | "
            f"{sum(1 for f in group.findings if f.severity == 'info')} |"
            for group in report.by_document
        ]
        out += _details(
            f"Findings by document ({len(report.by_document)})",
            _capped(rows, ("| document | errors | warnings | info |", "|---|---:|---:|---:|")),
        )
    out += ["### Coverage", ""]
    if not report.coverage:
        out += ["No PRDs.", ""]
    else:
        rows = []
        for cov in report.coverage:
            names = [md(report.name(p)) for p, _ in cov.chain]
            more = f" … and {len(names) - CHAIN_NAMES} more" if len(names) > CHAIN_NAMES else ""
            chain = ", ".join(names[:CHAIN_NAMES]) + more or "**none**"
            rows.append(f"| {_link(report.name(cov.prd), links.href(cov.prd))} | {chain} |")
        out += _capped(rows, ("| PRD | rests on it (nearest first) |", "|---|---|"))
        out.append("")
        if report.uncovered_prds:
            out += [
                "PRDs with no design resting on them: "
                + ", ".join(md(report.name(p)) for p in report.uncovered_prds),
                "",
            ]
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
        body = [
            f"- {len(i)} documents: "
            + ", ".join(md(report.name(p)) for p in i[:30])
            + (" …" if len(i) > 30 else "")
            for i in big
        ]
        if single:
            body.append("- on their own: " + ", ".join(md(report.name(p)) for p in single))
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
        body = [
            "| run | commit | score | errors | warnings | info |",
            "|---|---|---:|---:|---:|---:|",
        ]
        body += [
            f"| {md(p.run_at)} | {md((p.commit or '')[:10])} | {p.score:g} | {p.errors} "
            f"| {p.warnings} | {p.infos} |"
            for p in report.trend
        ]
        out += _details(f"Trend (last {len(report.trend)} runs)", body)
    out.append("<sub>Generated by tracegraph.</sub>")
    return "\n".join(out) + "\n"
