"""Incremental checks: findings carried over when a changed document still says the same.

Findings are a function of the parsed documents (plus the listing, the config, the templates,
"today" and the selection, all part of the result cache's key). When the documents that changed
since a stored result parse to the same records as before, apart from where their lines fall
(a paragraph added, a typo fixed, text appended), the stored findings still hold: only their
line numbers in those documents move. The records are compared with every line number taken
out and the lines' order and equalities kept (so an ``ignore-next-line`` comment that no longer
stands above its line, or a reference moved under another heading's line, is a difference);
anything else, a link, a heading, a status, a placeholder, is a difference and the caller runs
the whole check.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from .cache import Record, encode
from .model import Document, Finding

#: Which fields of a record (``cache.encode``) hold line numbers: field -> column of the line in
#: each row (None: the field itself is a line). Columns are compared as they are.
_LINE_FIELDS: dict[int, int | None] = {
    7: 3,  # headings (level, text, slug, line)
    9: 3,  # references (kind, target, relation, line, column, ...)
    10: 1,  # placeholders (text, line, column, section)
    11: 3,  # questions (text, checked, due, line)
    12: 1,  # problems (message, line, column)
    15: None,  # status line
    16: 1,  # metadata lines (key, line)
    17: 0,  # ignored lines (line, codes)
}
#: The number of lines: no rule reads it (only whether it is 0, an unreadable file).
_LINE_COUNT = 14
#: What the document describes of the system (``cache.encode_design``): components (name,
#: line, ..., interfaces (text, line), dependencies (text, line)), endpoints (method, path,
#: line, ...) and tables (name, line, ...).
_DESIGN = 20
#: Rules whose messages name lines of other documents ("also designed by TDD-0003 (line 12)"):
#: such a finding is not carried when a line it names moved.
CITES_LINES = frozenset({"TG701", "TG702"})


def _take(rows: Any, column: int, lines: list[int]) -> tuple[Any, ...]:
    out = []
    for row in rows:
        lines.append(row[column])
        out.append(row[:column] + row[column + 1 :])
    return tuple(out)


def _design_skeleton(design: Any, lines: list[int]) -> Any:
    if design is None:
        return None
    components, endpoints, tables = design
    shapes = []
    for name, line, *rest, interfaces, dependencies in components:
        lines.append(line)
        shapes.append((name, *rest, _take(interfaces, 1, lines), _take(dependencies, 1, lines)))
    return (tuple(shapes), _take(endpoints, 2, lines), _take(tables, 1, lines))


def _skeleton(record: Record) -> tuple[tuple[Any, ...], list[int]]:
    """``record`` without its line numbers, and the line numbers in the order taken out."""
    lines: list[int] = []
    fields: list[Any] = list(record)
    for index, column in _LINE_FIELDS.items():
        value = record[index]
        if column is None:
            lines.append(value)
            fields[index] = None
            continue
        fields[index] = _take(value, column, lines)
    fields[_LINE_COUNT] = bool(record[_LINE_COUNT])
    if len(record) > _DESIGN:
        fields[_DESIGN] = _design_skeleton(record[_DESIGN], lines)
    return tuple(fields), lines


def _ranks(lines: list[int]) -> list[int]:
    order = {line: rank for rank, line in enumerate(sorted(set(lines)))}
    return [order[line] for line in lines]


def line_map(old: Record, new: Record) -> dict[int, int] | None:
    """How the lines of a document's old record moved in its new one, or None when the records
    differ in anything but line numbers, or the lines' order or equalities changed.

    >>> from tracegraph.cache import encode
    >>> from tracegraph.model import Document, Heading
    >>> def doc(line):
    ...     return encode(Document("a.md", "DOC", None, "A", None, None, (),
    ...                            (Heading(2, "B", "b", line),), frozenset({"b"}), ()))
    >>> line_map(doc(3), doc(5))
    {3: 5, 1: 1}
    """
    old_shape, old_lines = _skeleton(old)
    new_shape, new_lines = _skeleton(new)
    if old_shape != new_shape or _ranks(old_lines) != _ranks(new_lines):
        return None
    return dict(zip(old_lines, new_lines, strict=True))


def carry_findings(
    findings: Iterable[Finding],
    moved: Mapping[str, Mapping[int, int]],
    names: Mapping[str, str] | None = None,
) -> list[Finding] | None:
    """``findings`` with the lines of those in the ``moved`` documents mapped to where they
    are now, sorted as the rules sort them; None when a finding there stands on a line the map
    does not know (then the whole check must run). Line 1 is also the document's start (where
    whole-document findings stand): it stays, unless something moved onto it or away from it.
    A finding of ``CITES_LINES`` elsewhere that names a moved line of a changed document
    (``names``: path -> the name findings use, its ID) is not carried either: None."""
    from .checks import sort_key

    cited = {
        path: {f"{(names or {}).get(path, path)} (line {a})" for a, b in lines.items() if a != b}
        for path, lines in moved.items()
    }
    out: list[Finding] = []
    for finding in findings:
        if finding.code in CITES_LINES and any(
            mark in finding.message
            for path, marks in cited.items()
            if path != finding.path
            for mark in marks
        ):
            return None
        lines = moved.get(finding.path)
        if lines is None:
            pass
        elif finding.line == 1:  # the start, or something on line 1: both must stay there
            if any((old == 1) != (new == 1) for old, new in lines.items()):
                return None
        elif finding.line in lines:
            finding = replace(finding, line=lines[finding.line])
        else:
            return None  # not a line of the record: who knows where it went
        out.append(finding)
    out.sort(key=sort_key)
    return out


def architecture_moves(old: Document, new: Document) -> dict[int, int] | None:
    """How the lines of what ``old`` describes of the system moved in ``new`` (``{}``: it
    describes nothing, before and after), or None when the architecture rules may see a
    difference: what it describes, its type, name, status, creation date or ignore comments
    changed, or the lines of its design and of its ``ignore-next-line`` comments changed
    their order or equalities. The architecture findings (TG701-TG703) of ``old`` then hold for
    ``new`` with ``carry_findings`` and this map."""
    if not old.design and not new.design:
        return {}
    shapes = []
    lines: list[list[int]] = [[], []]
    for doc, taken in zip((old, new), lines, strict=True):
        facts = (doc.type, doc.name, doc.status, doc.meta("created"), doc.meta("date"),
                 doc.ignored_rules)  # fmt: skip
        record = encode(doc)
        design = _design_skeleton(record[_DESIGN] if len(record) > _DESIGN else None, taken)
        shapes.append((facts, design, _take(doc.ignored_lines, 0, taken)))
    if shapes[0] != shapes[1] or _ranks(lines[0]) != _ranks(lines[1]):
        return None
    return dict(zip(lines[0], lines[1], strict=True))
