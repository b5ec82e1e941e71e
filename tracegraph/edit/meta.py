"""Where a document keeps its status and its links, and the edits that change them there.

A status is kept in one of four places, found in the order the parser reads them: a front-matter
field, a sidecar file's field (a KEP's ``kep.yaml``), a field line near the top
(``**Status:** Draft``, ``- Status: accepted``), or the first line of a ``## Status`` section
(Nygard). Links are added where the document's convention puts them: front-matter or sidecar
relation keys beside a status kept there; otherwise the template's own places (a "Related
Documents" item labelled ``PRD:``, an ``**Implements:**`` line, the "Upstream Dependencies"
list), else a paragraph that opens with the relation's phrase ("Supersedes [ADR-0002](...)"),
in the Status section when there is one, else below the field lines or the title.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import quote

import yaml

from ..config import TypeSpec
from ..model import Document, Relation
from ..parse import FIELD_LINE
from ..parse.markdown import Block
from .source import Edit, EditError, Source
from .yamltext import Entry, YamlText, normalise_key, scalar

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
#: Bracketed template text that is not a link (``[Link to the PRD]``, ``[Date]``).
_PLACEHOLDER = re.compile(r"\[(?!\s*\])[^\[\]\n]*(?:\[[^\[\]\n]*\][^\[\]\n]*)*\](?![(\[])")
_COMMENT = re.compile(r"\s*<!--.*$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
#: Field keys of the "last updated" date, kept current when a command changes a document.
UPDATED_KEYS = ("last_updated", "updated")
#: Phrases that open a paragraph declaring a relation (the parser's lead phrases).
PHRASES = {
    Relation.IMPLEMENTS: "Implements",
    Relation.DEPENDS_ON: "Depends on",
    Relation.SUPERSEDES: "Supersedes",
    Relation.SUPERSEDED_BY: "Superseded by",
    Relation.RELATED: "Related",
}
#: Front-matter keys per relation (underscore and hyphen spellings).
FRONT_KEYS = {
    Relation.IMPLEMENTS: ("implements", "implements"),
    Relation.DEPENDS_ON: ("depends_on", "depends-on"),
    Relation.SUPERSEDES: ("supersedes", "supersedes"),
    Relation.SUPERSEDED_BY: ("superseded_by", "superseded-by"),
    Relation.RELATED: ("related", "see-also"),
}
#: Sidecar (``kep.yaml``) keys per relation, as Kubernetes spells them.
SIDECAR_KEYS = {
    Relation.SUPERSEDES: "replaces",
    Relation.SUPERSEDED_BY: "superseded-by",
    Relation.RELATED: "see-also",
}


class Place(StrEnum):
    """Where a document keeps its status."""

    FRONT_MATTER = "front matter"
    SIDECAR = "sidecar"
    FIELD_LINE = "field line"
    SECTION = "Status section"


@dataclass(frozen=True)
class Opened:
    """A document opened for editing: as parsed, its text, its sidecar's text, its type."""

    doc: Document
    source: Source
    sidecar: Source | None
    spec: TypeSpec | None

    @property
    def status_key(self) -> str:
        """The field that holds the status (``status``; Ember RFCs: ``stage``)."""
        return self.spec.status_field if self.spec is not None else "status"


@dataclass(frozen=True)
class StatusSpot:
    """Where a status is written: the file, the value's span, and (field lines and Status
    sections) the end of the paragraph that holds it and whether it opens that paragraph."""

    place: Place
    file: Source
    start: int
    end: int
    yaml: YamlText | None = None
    entry: Entry | None = None
    block_end: int = 0
    first_in_block: bool = True

    @property
    def written(self) -> str:
        """The status as written (a YAML value without its quotes)."""
        if self.entry is not None and isinstance(self.entry.node, yaml.ScalarNode):
            return str(self.entry.node.value)
        return self.file.text[self.start : self.end]

    @property
    def line(self) -> int:
        """The 1-based line of the status in its file."""
        return self.file.line_of(self.start)


@dataclass(frozen=True)
class LinkTo:
    """A document to link from another: its name, and the link's text and destination."""

    name: str
    text: str
    href: str
    doc: Document

    @property
    def markdown(self) -> str:
        """The Markdown link."""
        return f"[{self.text}]({self.href})"


def link_to(source_path: str, target: Document) -> LinkTo:
    """A link from the document at ``source_path`` to ``target``: its ID (or title) as text,
    its path relative to the source's folder, percent-encoded where Markdown needs it.

    >>> from tracegraph.model import Document
    >>> t = Document("docs/adr/0002-x y.md", "ADR", "ADR-0002", "X", None, None, (), (),
    ...              frozenset(), ())
    >>> link_to("docs/tdd/TDD-0001.md", t).markdown
    '[ADR-0002](../adr/0002-x%20y.md)'
    """
    rel = posixpath.relpath(target.path, posixpath.dirname(source_path) or ".")
    text = target.id or re.sub(r"([\\\[\]])", r"\\\1", target.title or target.path)
    return LinkTo(target.name, text, quote(rel, safe="/-._~!$&'*+,;=:@"), target)


# --- finding things --------------------------------------------------------------------------


def front_matter(src: Source) -> YamlText | None:
    """The front matter of a Markdown file as an editable mapping, or None."""
    span = src.layout.front_matter
    if span is None:
        return None
    start, end = src.char_offset(span[0]), src.char_offset(span[1])
    opening = _LINE_BREAK.search(src.text, start)
    if opening is None:
        return None
    closing = src.line_starts[src.line_of(max(end - 1, start)) - 1]
    return YamlText(
        src.text, opening.end(), max(closing, opening.end()), f"{src.path}: front matter"
    )


def sidecar_yaml(side: Source) -> YamlText:
    """A sidecar file (``kep.yaml``) as an editable mapping."""
    return YamlText(side.text, 0, len(side.text), side.path)


def body_start(src: Source) -> int:
    """Where the Markdown body starts: after the front matter and its line break."""
    span = src.layout.front_matter
    if span is None:
        return 0
    end = src.char_offset(span[1])
    found = _LINE_BREAK.match(src.text, end)
    return found.end() if found else end


def _block_at(src: Source, offset: int) -> Block | None:
    """The top-level block holding a character offset."""
    byte = src.utf8_offset(offset)
    for block in src.layout.blocks:
        if block.start <= byte < max(block.end, block.start + 1):
            return block
    return None


def _last_line(src: Source, block: Block) -> int:
    """The 1-based line of a block's last character that is not white space."""
    start, end = src.char_offset(block.start), src.char_offset(block.end)
    text = src.text[start:end].rstrip()
    return src.line_of(start + max(len(text) - 1, 0))


def _block_end(src: Source, block: Block) -> int:
    """The end of a block's last line (before its line break), blank lines after it aside."""
    return src.line_span(_last_line(src, block))[1]


def head_lines(src: Source, limit: int = 60) -> list[tuple[int, int, int]]:
    """(line, start, end) of the lines where field lines are read: after the front matter,
    before the first ``##`` heading, at most ``limit`` lines, none in code."""
    first = src.line_of(body_start(src))
    stop = first + limit
    for block in src.layout.blocks:
        if block.kind == "Heading" and block.level == 2:
            stop = min(stop, src.line_of(src.char_offset(block.start)))
            break
    out = []
    for line in range(first, min(stop, len(src.line_starts) + 1)):
        start, end = src.line_span(line)
        if not src.in_code(start, max(end, start + 1)):
            out.append((line, start, end))
    return out


def field_line(src: Source, keys: tuple[str, ...]) -> tuple[int, int, int] | None:
    """(line, value start, value end) of the first field line whose key is one of ``keys``;
    the value without a trailing comment and without ``**``/``__`` around it."""
    wanted = {normalise_key(k) for k in keys}
    for line, start, end in head_lines(src):
        match = FIELD_LINE.match(src.text[start:end])
        if match is None or normalise_key(match.group(1)) not in wanted:
            continue
        v_start, v_end = start + match.start(2), start + match.end(2)
        value = src.text[v_start:v_end]
        comment = _COMMENT.search(value)
        if comment is not None and comment.start() > 0:
            v_end = v_start + comment.start()
            value = value[: comment.start()]
        for wrapper in ("**", "__"):
            if value.endswith(wrapper) and len(value) > 2:
                v_end -= 2
                value = value[:-2]
            if value.startswith(wrapper) and len(value) > 2:
                v_start += 2
                value = value[2:]
        return line, v_start, v_end
    return None


def _heading_text(src: Source, block: Block) -> str:
    start, end = src.char_offset(block.start), src.char_offset(block.end)
    return src.text[start:end].strip().strip("#").strip().lower().strip(" :")


def section_blocks(src: Source, names: tuple[str, ...], level: int = 0) -> list[Block] | None:
    """The blocks under the first heading whose text is one of ``names`` (lower-case; with
    ``level``, only headings of that level), up to the next heading of its level or higher;
    None when there is no such heading."""
    blocks = src.layout.blocks
    for index, block in enumerate(blocks):
        if block.kind != "Heading" or (level and block.level != level):
            continue
        if _heading_text(src, block) not in names:
            continue
        out = []
        for after in blocks[index + 1 :]:
            if after.kind == "Heading" and after.level <= block.level:
                break
            out.append(after)
        return out
    return None


def find_status(opened: Opened) -> StatusSpot | None:
    """Where the document's status is written, in the order the parser reads it."""
    key = opened.status_key
    src = opened.source
    matter = front_matter(src)
    entry = matter.find(key) if matter is not None else None
    if matter is not None and entry is not None and isinstance(entry.node, yaml.ScalarNode):
        return StatusSpot(Place.FRONT_MATTER, src, entry.start, entry.end, matter, entry)
    if entry is not None:
        raise EditError(
            f"{src.path}: '{entry.key}' in the front matter is not a single value; not edited"
        )
    if opened.sidecar is not None:
        side = sidecar_yaml(opened.sidecar)
        entry = side.find(key)
        if entry is not None and isinstance(entry.node, yaml.ScalarNode):
            return StatusSpot(Place.SIDECAR, opened.sidecar, entry.start, entry.end, side, entry)
    found = field_line(src, (key,))
    if found is not None:
        line, start, end = found
        block = _block_at(src, start)
        first = block is None or src.line_of(src.char_offset(block.start)) == line
        block_end = _block_end(src, block) if block is not None else src.line_span(line)[1]
        return StatusSpot(
            Place.FIELD_LINE, src, start, end, block_end=block_end, first_in_block=first
        )
    blocks = section_blocks(src, ("status",), level=2)
    if blocks and blocks[0].kind == "Paragraph":
        para = blocks[0]
        start, end = src.line_span(src.line_of(src.char_offset(para.start)))
        start = src.char_offset(para.start)
        return StatusSpot(Place.SECTION, src, start, end, block_end=_block_end(src, para))
    return None


# --- writing a status ------------------------------------------------------------------------


def format_status(word: str, like: str | None) -> str:
    """A lifecycle word written the way ``like`` (the status as written before) is: "In
    Review" for "Draft", "in-review" for "draft", "LAST CALL" for "DRAFT".

    >>> format_status("in-review", "Draft"), format_status("in-review", "draft")
    ('In Review', 'in-review')
    >>> format_status("superseded", "[Proposed / Accepted / Superseded by ...]")
    'Superseded'
    """
    words = re.sub(r"[^A-Za-z]", " ", like or "").split()
    if not words:
        return word
    if words[0].isupper() and len(words[0]) > 1:
        return word.replace("-", " ").upper()
    if words[0][0].isupper():
        return " ".join(part.capitalize() for part in word.split("-"))
    return word


def status_value(spot: StatusSpot, word: str, successor: LinkTo | None, madr: bool) -> str:
    """The text a status becomes: the word in the document's spelling, and for a successor
    ``Superseded by [ADR-0009](...)`` where the status can carry the link (a field line or
    Status section opening its paragraph, a MADR front-matter status)."""
    shown = format_status(word, spot.written)
    if successor is None:
        return shown
    if spot.place in (Place.FIELD_LINE, Place.SECTION) and spot.first_in_block:
        return f"{shown} by {successor.markdown}"
    if spot.place is Place.FRONT_MATTER and madr:
        return f"{shown} by {successor.markdown}"
    return shown


def status_edit(spot: StatusSpot, value: str, old_shown: str) -> Edit:
    """The edit that writes ``value`` where ``spot`` is."""
    what = f"status: {old_shown or 'none'} -> {value} (line {spot.line})"
    if spot.yaml is not None and spot.entry is not None:
        return spot.yaml.set_value(spot.entry, value, what)
    return Edit(spot.start, spot.end, value, what)


def updated_edits(opened: Opened, today: str) -> list[tuple[Source, Edit]]:
    """Keep a "Last Updated" date current: a front-matter, sidecar or field-line value that is
    a date or a ``[Date]`` placeholder becomes ``today``. Nothing is added where there is none."""
    out: list[tuple[Source, Edit]] = []
    keys = (*UPDATED_KEYS, "last-updated")
    for file, mapping in _mappings(opened):
        entry = mapping.find(*keys)
        if entry is not None and isinstance(entry.node, yaml.ScalarNode):
            value = str(entry.node.value).strip()
            if value != today and (_DATE.match(value) or _PLACEHOLDER.fullmatch(value)):
                what = f"{entry.key}: {value} -> {today}"
                out.append((file, mapping.set_value(entry, today, what)))
            return out
    found = field_line(opened.source, keys)
    if found is not None:
        line, start, end = found
        value = opened.source.text[start:end].strip()
        if value != today and (_DATE.match(value) or _PLACEHOLDER.fullmatch(value)):
            what = f"last updated: {value} -> {today} (line {line})"
            out.append((opened.source, Edit(start, end, today, what)))
    return out


def _mappings(opened: Opened) -> list[tuple[Source, YamlText]]:
    out = []
    matter = front_matter(opened.source)
    if matter is not None:
        out.append((opened.source, matter))
    if opened.sidecar is not None:
        out.append((opened.sidecar, sidecar_yaml(opened.sidecar)))
    return out


# --- adding links ----------------------------------------------------------------------------


def relation_edits(
    opened: Opened, relation: Relation, targets: list[LinkTo], spot: StatusSpot | None
) -> list[tuple[Source, Edit]]:
    """Edits that make ``opened`` declare ``relation`` to each target, where its convention
    keeps such links (see the module docstring)."""
    if not targets:
        return []
    what = f"{relation.value.replace('_', ' ')} {', '.join(t.name for t in targets)}"
    if spot is not None and spot.place is Place.SIDECAR and relation in SIDECAR_KEYS:
        side = sidecar_yaml(spot.file)
        values = [_repository_path(t.doc) for t in targets]
        key = SIDECAR_KEYS[relation]
        return [(spot.file, e) for e in _add_values(side, (key,), values, what, block=True)]
    if spot is not None and spot.place is Place.FRONT_MATTER and spot.yaml is not None:
        matter = spot.yaml
        hyphens = any("-" in e.key for e in matter.entries) and not any(
            "_" in e.key for e in matter.entries
        )
        keys = FRONT_KEYS[relation]
        values = [t.doc.id or t.href for t in targets]
        ordered = (keys[1], keys[0]) if hyphens else keys
        return [(spot.file, e) for e in _add_values(matter, ordered, values, what)]
    src = opened.source
    edits: list[tuple[Source, Edit]] = []
    rest: list[LinkTo] = []
    if relation is Relation.IMPLEMENTS:  # "- PRD: [Link to ...]" items, one per type
        for kind in dict.fromkeys(t.doc.type for t in targets):
            group = [t for t in targets if t.doc.type == kind]
            label = _ITEM.format(label=re.escape(kind) + "s?")
            edit = _labelled(src, label, group, what)
            if edit is None:
                rest += group
            else:
                edits.append((src, edit))
    else:
        rest = list(targets)
    if rest:
        edit = _template_place(src, relation, rest, what)
        if edit is None:
            at, before, after = paragraph_anchor(src, spot)
            links = ", ".join(t.markdown for t in rest)
            edit = Edit(at, at, f"{before}{PHRASES[relation]} {links}{after}", what)
        edits.append((src, edit))
    return edits


def _repository_path(doc: Document) -> str:
    """A KEP's way to name another: its folder from the repository root (``/keps/sig-x/N-y``)."""
    if doc.path.endswith("/README.md"):
        return "/" + doc.path.rsplit("/", 1)[0]
    return "/" + doc.path


def _add_values(
    mapping: YamlText, keys: tuple[str, ...], values: list[str], what: str, block: bool = False
) -> list[Edit]:
    """Add ``values`` under the first of ``keys`` (added when missing: a ``[a, b]`` list after
    the status, or for a sidecar a quoted block list at the end, as KEPs write them)."""
    entry = mapping.find(*keys)
    quote = '"' if block else None
    if entry is None:
        if block:
            return [mapping.add_key(keys[0], [scalar(v, quote) for v in values], (), what)]
        items = ", ".join(scalar(v) for v in values)
        relations = {k for pair in FRONT_KEYS.values() for k in pair}
        last = [e.key for e in mapping.entries if e.key.lower() in relations][-1:]
        return [mapping.add_key(keys[0], f"[{items}]", (*last, "status"), what)]
    return [mapping.add_items(entry, values, what, quote)]


def paragraph_anchor(src: Source, spot: StatusSpot | None) -> tuple[int, str, str]:
    """Where a new paragraph goes, with what precedes and follows it: the end of the Status
    section, else after the paragraph of the status field line (or of the first field lines),
    else after the title, else at the top of the body."""
    paragraphs = [
        b for b in section_blocks(src, ("status",), level=2) or [] if b.kind == "Paragraph"
    ]
    if paragraphs:  # after the section's last paragraph (never after code standing there)
        return _block_end(src, paragraphs[-1]), "\n\n", ""
    if spot is not None and spot.place is Place.FIELD_LINE and spot.file is src:
        return spot.block_end, "\n\n", ""
    for line, start, _end in head_lines(src):
        if FIELD_LINE.match(src.text[start:_end]):
            block = _block_at(src, start)
            if block is not None:
                return _block_end(src, block), "\n\n", ""
            return src.line_span(line)[1], "\n\n", ""
    for block in src.layout.blocks:
        if block.kind == "Heading" and block.level == 1:
            return _block_end(src, block), "\n\n", ""
    return body_start(src), "", "\n\n"


_ITEM = r"^(\s*[-*+]\s+)(?:\*\*|__)?{label}(?:\*\*|__)?\s*:(?:\*\*|__)?[ \t]*"
_LABEL = r"^(\s*)(?:\*\*|__)?{label}(?:\*\*|__)?\s*:(?:\*\*|__)?[ \t]*"


def _labelled(src: Source, pattern: str, targets: list[LinkTo], what: str) -> Edit | None:
    """Fill the first head line that ``pattern`` labels (a Related Documents item, an
    ``**Implements:**`` line) with links to ``targets``."""
    regex = re.compile(pattern, re.I)
    for _line, start, end in head_lines(src):
        match = regex.match(src.text[start:end])
        if match is not None:
            return _fill(
                src, start + match.end(), end, ", ".join(t.markdown for t in targets), what
            )
    return None


def _template_place(
    src: Source, relation: Relation, targets: list[LinkTo], what: str
) -> Edit | None:
    """The template's own place for a link, when the document has it: an
    ``**Implements:**``/``**Depends on:**`` line, or the list under "Upstream Dependencies"."""
    if relation is Relation.IMPLEMENTS:
        return _labelled(src, _LABEL.format(label="implements"), targets, what)
    if relation is not Relation.DEPENDS_ON:
        return None
    edit = _labelled(src, _LABEL.format(label="depends on"), targets, what)
    if edit is not None:
        return edit
    blocks = section_blocks(
        src, ("upstream dependencies (must exist first)", "upstream dependencies", "depends on")
    )
    if blocks and blocks[0].kind == "List":
        return _list_item(src, blocks[0], ", ".join(t.markdown for t in targets), what)
    return None


def _fill(src: Source, start: int, end: int, links: str, what: str) -> Edit:
    """Put ``links`` in a labelled line's value: over its placeholder, into an empty value, or
    after what is there."""
    value = src.text[start:end]
    placeholder = _PLACEHOLDER.search(value)
    if placeholder is not None:
        return Edit(start + placeholder.start(), start + placeholder.end(), links, what)
    if not value.strip() or value.strip().lower() in ("none", "n/a", "-", "tbd"):
        return Edit(start, end, links, what)
    return Edit(end, end, ", " + links, what)


def _list_item(src: Source, block: Block, links: str, what: str) -> Edit:
    """Add ``links`` to a list: over its only item when that is a placeholder, else as a new
    item after the last, with the first item's marker."""
    first = src.line_of(src.char_offset(block.start))
    last = _last_line(src, block)
    start, end = src.line_span(first)
    marker = re.match(r"\s*[-*+]\s+", src.text[start:end])
    prefix = marker.group(0) if marker else "- "
    item = src.text[start + len(prefix) : end].strip()
    if first == last and _PLACEHOLDER.fullmatch(item):
        return Edit(start + len(prefix), end, links, what)
    at = src.line_span(last)[1]
    return Edit(at, at, "\n" + prefix + links, what)
