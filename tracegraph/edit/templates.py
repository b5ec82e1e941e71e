"""A new document's text: the type's template with the title, number, date and author filled
in, and the header fields the template lacks written the way the type's other documents write
them (the newest one is the example)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import yaml

from ..parse import FIELD_LINE
from .meta import Opened, Place, find_status, front_matter, head_lines
from .source import Edit, Source
from .yamltext import normalise_key, scalar

#: tracegraph's own template syntax (``<!-- optional -->``, ``<!-- or: Decision Outcome -->``).
_ANNOTATION = re.compile(r"[ \t]*<!--\s*(?:optional|or:[^>]*?)\s*-->")
#: A comment standing alone on its lines, with the blank line after it.
_COMMENT_LINES = re.compile(r"^[ \t]*<!--.*?-->[ \t]*\n(?:[ \t]*\n)?", re.S | re.M)
_TRAILING_COMMENT = re.compile(r"\s*<!--.*$")
_BRACKETS = re.compile(r"\[[^\[\]\n]*\](?!\()")
_NUMBER = re.compile(r"\[(?:number|n|num|nnnn)\]|\bNNNN\b", re.I)
_ID_NUMBER = re.compile(r"\b([A-Za-z]+)-(?:\[(?:number|n|num|nnnn)\]|NNNN)", re.I)
_DATE_VALUE = re.compile(r"\[[^\]]*date[^\]]*\]|\byyyy-mm-dd\b", re.I)
#: Header fields, by what they hold: (kind, keys as tracegraph reads them).
FIELD_KINDS = (
    ("date", ("date", "created", "creation_date", "start_date")),
    ("author", ("author", "authors", "owner", "owners", "decision_makers", "deciders")),
)
_FILLED_DATES = ("date", "created", "creation_date", "start_date", "last_updated", "updated")
_FILLED_AUTHORS = FIELD_KINDS[1][1]


@dataclass(frozen=True)
class Filling:
    """What a new document's template is filled with."""

    title: str
    number: int | None
    doc_id: str | None
    today: str
    author: str | None


def instantiate(template: str, shipped: bool, fill: Filling) -> str:
    """The template's text filled in. tracegraph's template syntax goes; so do the comments of
    a template shipped with tracegraph (they explain the checks, not the document)."""
    text = _ANNOTATION.sub("", template.replace("\r\n", "\n"))
    if shipped:
        text = _COMMENT_LINES.sub("", text)
    src = Source.from_bytes("template.md", text.encode("utf-8"))
    edits = _title_edits(src, fill) + _field_edits(src, fill) + _front_matter_edits(src, fill)
    return src.applied(edits).text


def _title_edits(src: Source, fill: Filling) -> list[Edit]:
    for block in src.layout.blocks:
        if block.kind == "Heading" and block.level == 1:
            start, _end = src.char_offset(block.start), src.char_offset(block.end)
            line_end = src.line_span(src.line_of(start))[1]
            heading = src.text[start:line_end]
            marks = re.match(r"\s*#+\s*", heading)
            head = marks.end() if marks else 0
            return [Edit(start + head, line_end, _title_text(heading[head:], fill), "title")]
    return [Edit(_top(src), _top(src), f"# {fill.title}\n\n", "title")]


def _top(src: Source) -> int:
    from .meta import body_start

    at = body_start(src)
    return at + (len(src.text[at:]) - len(src.text[at:].lstrip("\n")))


def _title_text(heading: str, fill: Filling) -> str:
    """The H1 with its number and title placeholders filled ("# RFC-[Number]: [Title]")."""
    digits = fill.doc_id.rsplit("-", 1)[-1] if fill.doc_id else ""
    text = _ID_NUMBER.sub(lambda m: f"{m.group(1)}-{digits}" if digits else "", heading)
    text = _NUMBER.sub(str(fill.number) if fill.number is not None else "", text)
    if _BRACKETS.search(text):
        text = _BRACKETS.sub(lambda _m: fill.title, text, count=1)
        text = _BRACKETS.sub("", text)
    else:
        text = fill.title
    text = re.sub(r"^\s*[.:]\s*", "", text).strip()  # a number placeholder with nothing to fill
    return text or fill.title


def _field_edits(src: Source, fill: Filling) -> list[Edit]:
    """Dates and the author in the template's field lines (``**Created:** [Date]``)."""
    edits = []
    for _line, start, end in head_lines(src):
        match = FIELD_LINE.match(src.text[start:end])
        if match is None:
            continue
        key = normalise_key(match.group(1))
        v_start, v_end = start + match.start(2), start + match.end(2)
        value = src.text[v_start:v_end]
        if key in _FILLED_DATES:
            found = _DATE_VALUE.search(value) or _BRACKETS.fullmatch(value.strip())
            if found is not None:
                edits.append(Edit(v_start + found.start(), v_start + found.end(), fill.today))
        elif key in _FILLED_AUTHORS and fill.author:
            found = _BRACKETS.search(value)
            if found is not None:
                edits.append(Edit(v_start + found.start(), v_start + found.end(), fill.author))
    return edits


def _front_matter_edits(src: Source, fill: Filling) -> list[Edit]:
    """Title, ID, dates and author in a template's own front matter."""
    matter = front_matter(src)
    if matter is None:
        return []
    values = {"title": fill.title, "id": fill.doc_id}
    values.update(dict.fromkeys(_FILLED_DATES, fill.today))
    values.update(dict.fromkeys(_FILLED_AUTHORS, fill.author))
    edits = []
    for entry in matter.entries:
        value = values.get(normalise_key(entry.key))
        if value and isinstance(entry.node, yaml.ScalarNode):
            edits.append(matter.set_value(entry, value, entry.key))
    return edits


@dataclass(frozen=True)
class HeaderStyle:
    """How the type's newest document writes its header: where its status is, and each field
    line (or front-matter key) for a date and an author, as a format with ``{}`` for the
    value, in the order they appear."""

    place: Place
    status_key: str
    lines: tuple[tuple[str, str], ...] = ()
    #: Whether the example writes a status at all (a merged Rust RFC does not).
    has_status: bool = True


def header_style(example: Opened | None) -> HeaderStyle | None:
    """The header style of an example document (None without one). One that writes no status
    (a merged Rust RFC) still shows its field lines (``- Start Date: ...``)."""
    if example is None:
        return None
    spot = find_status(example)
    src = example.source
    found: list[tuple[int, str, str]] = []
    place = spot.place if spot is not None else Place.FIELD_LINE
    if place in (Place.FIELD_LINE, Place.SECTION):
        if spot is not None and spot.place is Place.FIELD_LINE:
            start, end = src.line_span(spot.line)
            found.append((spot.line, "status", _format(src, start, end, spot.start, spot.end)))
        for line, start, end in head_lines(src):
            match = FIELD_LINE.match(src.text[start:end])
            if match is None:
                continue
            kind = _kind(normalise_key(match.group(1)))
            if kind and kind not in {k for _, k, _ in found}:
                v_start, v_end = start + match.start(2), start + match.end(2)
                found.append((line, kind, _format(src, start, end, v_start, v_end)))
    elif spot is not None and spot.place is Place.FRONT_MATTER and spot.yaml is not None:
        for entry in spot.yaml.entries:
            kind = _kind(normalise_key(entry.key))
            if kind and kind not in {k for _, k, _ in found}:
                found.append((src.line_of(entry.key_start), kind, entry.key))
    found.sort()
    if spot is None and not found:
        return None
    key = spot.entry.key if spot is not None and spot.entry is not None else example.status_key
    return HeaderStyle(place, key, tuple((kind, fmt) for _, kind, fmt in found), spot is not None)


def _kind(key: str) -> str | None:
    for kind, keys in FIELD_KINDS:
        if key in keys:
            return kind
    return None


def _format(src: Source, start: int, end: int, v_start: int, v_end: int) -> str:
    """A field line as a format (``- Status: {}``), without a comment after its value."""
    before = src.text[start:v_start]
    after = _TRAILING_COMMENT.sub("", src.text[v_end:end])
    return (
        before.replace("{", "{{").replace("}", "}}")
        + "{}"
        + after.replace("{", "{{").replace("}", "}}")
    )


def header_edits(
    opened: Opened, style: HeaderStyle, status: str, fill: Filling, has: set[str]
) -> list[Edit]:
    """Edits that give a new document the header fields it lacks (``has`` names the kinds it
    has: status, date, author), written in ``style``."""
    src = opened.source
    values = {"status": status, "date": fill.today, "author": fill.author or ""}
    wanted = [(k, f) for k, f in style.lines if k not in has and values.get(k)]
    edits: list[Edit] = []
    if style.place is Place.FRONT_MATTER:
        pairs = [(style.status_key, status)] if "status" not in has else []
        pairs += [(fmt, values[kind]) for kind, fmt in wanted]
        matter = front_matter(src)
        if matter is None:
            block = "".join(f"{k}: {scalar(v)}\n" for k, v in pairs)
            return [Edit(0, 0, f"---\n{block}---\n\n", "front matter")] if pairs else []
        return [matter.add_key(k, scalar(v), (), k) for k, v in reversed(pairs)]
    lines = [fmt.format(values[kind]) for kind, fmt in wanted]
    if lines:
        at = _after_title(src)
        edits.append(
            Edit(
                at,
                at,
                "\n\n" + "\n\n".join(lines)
                if style.place is Place.SECTION
                else "\n\n" + "\n".join(lines),
                "header",
            )
        )
    if "status" not in has and style.place is Place.SECTION:
        at = _before_sections(src)
        edits.append(Edit(at, at, f"## Status\n\n{status}\n\n", "status"))
    return edits


def _after_title(src: Source) -> int:
    for block in src.layout.blocks:
        if block.kind == "Heading" and block.level == 1:
            return src.line_span(src.line_of(src.char_offset(block.start)))[1]
    return _top(src)


def _before_sections(src: Source) -> int:
    for block in src.layout.blocks:
        if block.kind == "Heading" and block.level == 2:
            return src.char_offset(block.start)
    return len(src.text)
