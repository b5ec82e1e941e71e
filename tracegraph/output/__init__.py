"""Check output formats: a registry of small formatter classes over one ``CheckResult``.

Every formatter is a pure function of the result (same findings, same bytes). Text taken from
documents is cleaned of control characters and escaped for the target format.
"""

from __future__ import annotations

import json
import posixpath
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import ClassVar

from ..checks import Rule
from ..generated import HTML_COMMENT, json_head
from ..model import SEVERITY_RANK, Finding, Severity, SuspectDetails
from ..safetext import neutralise


def clean(text: str) -> str:
    """Text without control characters (an ESC in a link target must not reach a terminal).

    >>> clean("a\\x1b[31mb")
    'a\\\\x1b[31mb'
    """
    return neutralise(text)


@dataclass(frozen=True)
class SinceNote:
    """``check --since REF``: the findings shown are those new since ``commit``; ``resolved``
    were there and are gone (their lines as they were), ``unchanged`` are in both."""

    ref: str
    commit: str
    unchanged: int
    resolved: tuple[Finding, ...]

    def describe(self) -> str:
        """The summary line's part: ``since main: 2 resolved, 11 unchanged``."""
        return f"since {self.ref}: {len(self.resolved)} resolved, {self.unchanged} unchanged"


@dataclass(frozen=True)
class CheckResult:
    """What ``tracegraph check`` found, ready to format.

    ``prefix`` is prepended to paths in formats read from the working directory (text, GitHub
    annotations, SARIF, JUnit, Markdown) so they stay clickable when PATH is not ``.``; JSON
    keeps paths relative to ``root`` as DESIGN.md section 7 says.
    """

    root: str
    documents: int
    references: int
    findings: tuple[Finding, ...]
    rules: tuple[Rule, ...]
    severities: dict[str, Severity] = field(default_factory=dict)
    prefix: str = ""
    suppressed: int = 0
    #: With ``check FILE...``: how many files were asked about (findings are theirs only).
    checked_files: int | None = None
    #: With ``check --since REF``: the revision, and what the findings are compared with there.
    since: SinceNote | None = None

    def counts(self) -> dict[str, int]:
        """Findings per severity, every severity present (0 when none)."""
        counter = Counter(f.severity.value for f in self.findings)
        return {s.value: counter.get(s.value, 0) for s in Severity}

    def shown_path(self, path: str) -> str:
        """A finding's path as the user's shell sees it."""
        return posixpath.join(self.prefix, path) if self.prefix else path

    def severity_of(self, rule: Rule) -> Severity:
        """The rule's severity after config overrides."""
        return self.severities.get(rule.code, rule.severity)

    def summary_line(self) -> str:
        """One line: how many findings of each severity in how many documents."""
        counts = self.counts()
        total = sum(counts.values())
        docs = f"{self.documents} document{'s' if self.documents != 1 else ''}"
        if total == 0:
            text = f"no findings in {docs}"
        else:
            parts = [
                f"{counts['error']} error{'s' if counts['error'] != 1 else ''}",
                f"{counts['warning']} warning{'s' if counts['warning'] != 1 else ''}",
                f"{counts['info']} info",
            ]
            text = f"{total} finding{'s' if total != 1 else ''} ({', '.join(parts)}) in {docs}"
        if self.checked_files is not None:
            files = f"{self.checked_files} file{'s' if self.checked_files != 1 else ''}"
            text += f" (reported for the {files} given)"
        if self.since is not None:
            text = f"{text.replace('finding', 'new finding', 1)}; {self.since.describe()}"
        if self.suppressed:
            text += f"; {self.suppressed} suppressed by the baseline"
        return text


def fails(findings: tuple[Finding, ...] | list[Finding], fail_on: str) -> bool:
    """Whether any finding is at or above ``fail_on`` (error, warning, info; never: no)."""
    if fail_on == "never":
        return False
    floor = SEVERITY_RANK[Severity(fail_on)]
    return any(SEVERITY_RANK[f.severity] >= floor for f in findings)


class Formatter:
    """Base of the output formats; subclasses set ``name`` and implement ``render`` (and
    ``pieces``, when the output is large enough to be worth writing piece by piece)."""

    name: ClassVar[str] = ""

    def render(self, result: CheckResult, *, color: bool = False) -> str:
        raise NotImplementedError

    def pieces(self, result: CheckResult, *, color: bool = False) -> Iterator[str]:
        """``render``'s text in consecutive pieces, made as they are written: the whole
        text of 100,000 findings and its copies held about 90 MB at once."""
        yield self.render(result, color=color)


_COLORS = {Severity.ERROR: "\x1b[31m", Severity.WARNING: "\x1b[33m", Severity.INFO: "\x1b[36m"}
_BOLD, _RESET = "\x1b[1m", "\x1b[0m"


class TextFormatter(Formatter):
    """``path:line:col: CODE [severity] message`` and a summary line."""

    name = "text"

    def render(self, result: CheckResult, *, color: bool = False) -> str:
        lines = []
        for f in result.findings:
            where = f"{clean(result.shown_path(f.path))}:{f.line}:{f.column}:"
            code = f"{f.code} [{f.severity.value}]"
            if color:
                where = f"{_BOLD}{where}{_RESET}"
                code = f"{_COLORS[f.severity]}{code}{_RESET}"
            lines.append(f"{where} {code} {clean(f.message)}")
        if result.since is not None:
            for f in result.since.resolved:
                where = f"{clean(result.shown_path(f.path))}:{f.line}:{f.column}:"
                lines.append(f"{where} {f.code} resolved: {clean(f.message)}")
        lines.append(result.summary_line())
        return "\n".join(lines) + "\n"


def findings_block(findings: Sequence[Finding] | None) -> list[str]:
    """The "findings:" lines that close a document or entity card (None: checks not run)."""
    lines = ["", "findings:"]
    if findings is None:
        lines.append("  (checks not available)")
    elif not findings:
        lines.append("  (none)")
    for f in findings or ():
        where = f"{neutralise(f.path)}:{f.line}:{f.column}"
        lines.append(f"  {where}: {f.code} {neutralise(f.message)}")
    return lines


def finding_dict(finding: Finding) -> dict[str, object]:
    """One finding as DESIGN.md section 7's JSON object."""
    out: dict[str, object] = {
        "code": finding.code,
        "rule": finding.rule,
        "severity": finding.severity.value,
        "path": finding.path,
        "line": finding.line,
        "column": finding.column,
        "message": finding.message,
    }
    if finding.target is not None:
        out["target"] = finding.target
    if finding.document is not None:
        out["document"] = finding.document
    if finding.suspect is not None:
        out["suspect"] = suspect_dict(finding.suspect)
    return out


def suspect_dict(details: SuspectDetails) -> dict[str, object]:
    """A TG503 finding's details: the upstream document, the review it is compared with and
    the upstream commits since (newest first), and how the upstream document changed."""
    return {
        "upstream": {"id": details.upstream_id, "path": details.upstream_path},
        "review": {
            "commit": details.review_commit,
            "date": details.review_date,
            "kind": details.review_kind,
        },
        "changes": [
            {"commit": commit, "date": date, "path": path} for commit, date, path in details.changes
        ],
        "how": list(details.how),
    }


class JsonFormatter(Formatter):
    """DESIGN.md section 7: version, root, summary, findings (paths relative to the root)."""

    name = "json"

    def render(self, result: CheckResult, *, color: bool = False) -> str:
        return "".join(self.pieces(result, color=color))

    def pieces(self, result: CheckResult, *, color: bool = False) -> Iterator[str]:
        head = {
            **json_head(1),
            "root": result.root,
            "summary": {
                "documents": result.documents,
                "references": result.references,
                "findings": result.counts(),
            },
        }
        # What ``json.dumps(..., indent=2, ensure_ascii=False)`` of the whole object writes,
        # byte for byte, with each finding written by hand: with an indent the json module
        # falls back to its pure-Python encoder, which cost more than the checks themselves.
        if result.since is not None:
            head["since"] = {
                "ref": result.since.ref,
                "commit": result.since.commit,
                "unchanged": result.since.unchanged,
                "resolved": [finding_dict(f) for f in result.since.resolved],
            }
        text = json.dumps(head, indent=2, ensure_ascii=False)
        if not result.findings:
            yield text[:-2] + ',\n  "findings": []\n}\n'
            return
        yield f'{text[:-2]},\n  "findings": [\n'
        findings = result.findings
        heads: dict[tuple[str, str, int], str] = {}
        for start in range(0, len(findings), _JSON_BATCH):
            batch = findings[start : start + _JSON_BATCH]
            items = _json_findings(batch, heads)
            yield items if start == 0 else ",\n" + items
        yield "\n  ]\n}\n"


_json_string = json.encoder.encode_basestring
#: Findings per piece of the JSON output (about 0.4 MB of text).
_JSON_BATCH = 1000


def _json_findings(findings: Sequence[Finding], heads: dict[tuple[str, str, int], str]) -> str:
    """The findings as ``json.dumps`` writes each ``finding_dict(finding)`` at list depth 1,
    joined by ``,\n`` (a format string per finding, in one loop: a warm check at 10,000
    documents writes 12,000 of them; a call per finding was a fifth of it). ``heads``: the
    text up to the path, by code, rule and severity (a handful of them; the severity by its
    member's identity, an enum's hash being a Python call), made once per render."""
    s = _json_string
    out: list[str] = []
    add = out.append
    for finding in findings:
        code, rule, severity = finding.code, finding.rule, finding.severity
        head = heads.get((code, rule, id(severity)))
        if head is None:
            head = heads[(code, rule, id(severity))] = (
                f'    {{\n      "code": {s(code)},\n      "rule": {s(rule)},\n'
                f'      "severity": {s(severity.value)},\n      "path": '
            )
        target, document, suspect = finding.target, finding.document, finding.suspect
        add(
            f"{head}{s(finding.path)},\n"
            f'      "line": {finding.line},\n'  # plain ints: their str is their JSON
            f'      "column": {finding.column},\n'
            f'      "message": {s(finding.message)}'
            + ("" if target is None else f',\n      "target": {s(target)}')
            + ("" if document is None else f',\n      "document": {s(document)}')
            + ("" if suspect is None else _json_suspect(suspect))
            + "\n    }"
        )
    return ",\n".join(out)


def _json_suspect(details: SuspectDetails) -> str:
    nested = json.dumps(suspect_dict(details), indent=2, ensure_ascii=False)
    return ',\n      "suspect": ' + nested.replace("\n", "\n      ")


def _gh_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_property(text: str) -> str:
    return _gh_data(text).replace(":", "%3A").replace(",", "%2C")


_GH_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


class GithubFormatter(Formatter):
    """GitHub Actions workflow commands: ``::error file=…,line=…,col=…,title=…::message``."""

    name = "github"

    def render(self, result: CheckResult, *, color: bool = False) -> str:
        lines = []
        for f in result.findings:
            props = ",".join(
                (
                    f"file={_gh_property(clean(result.shown_path(f.path)))}",
                    f"line={f.line}",
                    f"col={f.column}",
                    f"title={_gh_property(f'{f.code} {f.rule}')}",
                )
            )
            lines.append(f"::{_GH_LEVEL[f.severity]} {props}::{_gh_data(clean(f.message))}")
        return "".join(line + "\n" for line in lines)


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#!~])")


def md_escape(text: str) -> str:
    """Text that Markdown shows literally (no links, HTML or table breaks).

    >>> md_escape("[x](javascript:y) <b>|")
    '\\\\[x\\\\](javascript:y) \\\\<b\\\\>\\\\|'
    """
    return _MD_SPECIAL.sub(r"\\\1", clean(text).replace("&", "&amp;")).replace("\n", " ")


class MarkdownFormatter(Formatter):
    """A Markdown summary and findings table (for pull-request comments and job summaries)."""

    name = "markdown"

    def render(self, result: CheckResult, *, color: bool = False) -> str:
        counts = result.counts()
        lines = [
            HTML_COMMENT,
            "# tracegraph check",
            "",
            f"{md_escape(result.summary_line())}.",
            "",
            "| errors | warnings | info |",
            "|---:|---:|---:|",
            f"| {counts['error']} | {counts['warning']} | {counts['info']} |",
        ]
        if result.findings:
            lines += [
                "",
                "| location | code | severity | message |",
                "|---|---|---|---|",
            ]
            for f in result.findings:
                where = md_escape(f"{result.shown_path(f.path)}:{f.line}:{f.column}")
                lines.append(
                    f"| {where} | {f.code} {f.rule} | {f.severity.value} | {md_escape(f.message)} |"
                )
        return "\n".join(lines) + "\n"


def _registry() -> dict[str, type[Formatter]]:
    from .junit import JunitFormatter
    from .sarif import SarifFormatter

    classes: tuple[type[Formatter], ...] = (
        TextFormatter,
        JsonFormatter,
        GithubFormatter,
        SarifFormatter,
        JunitFormatter,
        MarkdownFormatter,
    )
    return {cls.name: cls for cls in classes}


#: Output formats by name, in the order ``--format`` lists them.
FORMATTERS: dict[str, type[Formatter]] = _registry()


def render(result: CheckResult, fmt: str, *, color: bool = False) -> str:
    """Format a check result (``fmt`` is a FORMATTERS key)."""
    return FORMATTERS[fmt]().render(result, color=color)


def render_pieces(result: CheckResult, fmt: str, *, color: bool = False) -> Iterator[str]:
    """``render``'s text in consecutive pieces (see ``Formatter.pieces``)."""
    return FORMATTERS[fmt]().pieces(result, color=color)
