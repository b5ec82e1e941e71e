"""The one module that knows the Markdown parser (pyromark, bindings to pulldown-cmark).

It walks the event stream once and collects what the pipeline needs: headings and anchors,
every link-like reference with the relation its context gives it, prose text for ID mentions and
placeholders, open questions, and ignore comments. Nothing inside code spans or code blocks is
taken. Ranges from the parser are UTF-8 byte offsets; ``LineIndex`` turns them into 1-based line
and character column.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import accumulate
from typing import Any

import pyromark

from ..model import Heading, Placeholder, Question, Reference, RefKind, Relation
from .ids import Recogniser, matches_at
from .slugs import SlugCounter, github_slug

OPTIONS = (
    pyromark.Options.ENABLE_TABLES
    | pyromark.Options.ENABLE_HEADING_ATTRIBUTES
    | pyromark.Options.ENABLE_YAML_STYLE_METADATA_BLOCKS
    | pyromark.Options.ENABLE_WIKILINKS
    | pyromark.Options.ENABLE_TASKLISTS
    | pyromark.Options.ENABLE_FOOTNOTES
    | pyromark.Options.ENABLE_STRIKETHROUGH
)

_HTML_ANCHOR = re.compile(r"""<a\s[^>]*?\b(?:name|id)\s*=\s*["']?([^"'\s>]+)""", re.I)
_HTML_ID = re.compile(r"""<[a-z][a-z0-9]*\s[^>]*?\bid\s*=\s*["']?([^"'\s>]+)""", re.I)
_IGNORE = re.compile(r"<!--\s*tracegraph:\s*ignore\s+([A-Za-z0-9,\s]+?)\s*-->")
_PLACEHOLDER = re.compile(r"\[(?![x ]?\])([^\[\]\n]{1,160})\]|\b(TBD|TODO|FIXME)\b")
#: Every placeholder match starts with one of these.
_PLACEHOLDER_LITERALS = ("[", "TBD", "TODO", "FIXME")
_DUE = re.compile(r"\bdue\b\s*:?\s*(\S+)", re.I)
_LETTER = re.compile(r"[A-Za-z]")
_TRAILING_PARENS = re.compile(r"\s*\(.*?\)\s*$")
#: Heading text -> (GitHub slug before numbering, section key): headings repeat across
#: documents ("Summary", "Motivation"), so each is worked out once per process.
_HEADING_KEYS: dict[str, tuple[str, str]] = {}

#: Section headings (and bold labels) that give links below them a relation.
SECTION_RELATIONS: dict[str, tuple[Relation | None, bool]] = {
    "related documents": (None, False),  # decided per item: PRD/RFC -> implements, else related
    "related documentation": (None, False),
    "upstream dependencies": (Relation.DEPENDS_ON, False),
    "upstream": (Relation.DEPENDS_ON, False),
    "depends on": (Relation.DEPENDS_ON, False),
    "dependencies": (Relation.DEPENDS_ON, False),
    "downstream impact": (Relation.DEPENDS_ON, True),
    "downstream": (Relation.DEPENDS_ON, True),
    "implements": (Relation.IMPLEMENTS, False),
    "supersedes": (Relation.SUPERSEDES, False),
    "superseded by": (Relation.SUPERSEDED_BY, False),
    "related": (Relation.RELATED, False),
    "see also": (Relation.RELATED, False),
}

#: Phrases that open a paragraph or list item and declare the relation of its links, in order
#: of precedence.
_LEAD_RELATIONS: tuple[tuple[str, Relation, bool], ...] = (
    ("superseded by", Relation.SUPERSEDED_BY, False),
    ("replaced by", Relation.SUPERSEDED_BY, False),
    ("supersedes", Relation.SUPERSEDES, False),
    ("replaces", Relation.SUPERSEDES, False),
    ("implements", Relation.IMPLEMENTS, False),
    ("depends on", Relation.DEPENDS_ON, False),
    ("requires", Relation.DEPENDS_ON, False),
    ("builds on", Relation.DEPENDS_ON, False),
    ("amends", Relation.DEPENDS_ON, False),
    ("clarifies", Relation.DEPENDS_ON, False),
    ("extends", Relation.DEPENDS_ON, False),
    ("amended by", Relation.DEPENDS_ON, True),
    ("clarified by", Relation.DEPENDS_ON, True),
    ("extended by", Relation.DEPENDS_ON, True),
    ("related", Relation.RELATED, False),
    ("see also", Relation.RELATED, False),
)
#: One regex for all phrases (group i = phrase i). Leading non-word characters and an optional
#: "Status" can be read only one way before a phrase, so the first alternative that matches is
#: the first phrase of the list that matches, as if each were tried in turn.
_LEAD_PHRASE = re.compile(
    r"^\W*(?:status\W*)?(?:" + "|".join(rf"({p})\b" for p, _, _ in _LEAD_RELATIONS) + ")", re.I
)
_ONLY_PUNCTUATION = re.compile(r"\W*\Z")
_UPSTREAM_LABEL = re.compile(r"^\W*(prds?|product|requirements?|rfcs?|specs?)\b", re.I)


@lru_cache(maxsize=8)
def _prefilter(mentions: bool, mention_literals: tuple[str, ...]) -> re.Pattern[str]:
    """A regex that finds something in every prose run that can hold a placeholder or an ID
    mention (everything, when a type has its own ``id_pattern``)."""
    if mentions and not mention_literals:
        return re.compile("")
    literals = (*_PLACEHOLDER_LITERALS, *mention_literals)
    return re.compile("|".join(re.escape(literal) for literal in literals))


class LineIndex:
    """Maps UTF-8 byte offsets to 1-based (line, character column); CR, LF and CRLF all end
    lines."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        # bytes.splitlines breaks at exactly CR, LF and CRLF (str.splitlines breaks at more).
        self.starts = list(accumulate(map(len, data.splitlines(keepends=True)), initial=0))
        if data and data[-1:] not in (b"\n", b"\r"):
            self.starts.pop()  # the last line has no break: no line starts after it
        self._ascii: dict[int, bool] = {}
        self._all_ascii = data.isascii()
        self._size = len(data)
        self._cursor = (0, 0, 1)  # (line index, byte offset, column) of the last answer

    @property
    def line_count(self) -> int:
        """Number of lines (a final line break does not start a new line)."""
        count = len(self.starts)
        if count > 1 and self.starts[-1] == len(self.data):
            count -= 1
        return max(count, 1)

    def position(self, offset: int) -> tuple[int, int]:
        """(line, column), 1-based; the column counts characters, not bytes.

        >>> LineIndex("añb\\nc".encode()).position(3)
        (1, 3)
        """
        if offset < 0 or offset > self._size:
            offset = max(0, min(offset, self._size))
        line = bisect_right(self.starts, offset) - 1
        start = self.starts[line]
        # Fast paths keep a 2 MB single-line file with 100,000 links linear, not quadratic.
        if self._all_ascii or self._line_is_ascii(line):
            return line + 1, offset - start + 1
        cur_line, cur_offset, cur_column = self._cursor
        if cur_line == line and start <= cur_offset <= offset:
            start, base = cur_offset, cur_column
        else:
            base = 1
        column = base + len(self.data[start:offset].decode("utf-8", "replace"))
        self._cursor = (line, offset, column)
        return line + 1, column

    def line(self, offset: int) -> int:
        """The 1-based line of a byte offset (``position(offset)[0]``, cheaper)."""
        return bisect_right(self.starts, max(0, min(offset, self._size)))

    def _line_is_ascii(self, line: int) -> bool:
        known = self._ascii.get(line)
        if known is None:
            end = self.starts[line + 1] if line + 1 < len(self.starts) else len(self.data)
            known = self._ascii[line] = self.data[self.starts[line] : end].isascii()
        return known


@dataclass
class MarkdownFacts:
    """Everything the walk found, before front matter and recognition are combined."""

    front_matter: tuple[str, int] | None = None
    front_matter_end: int = 0
    headings: list[Heading] = field(default_factory=list)
    anchors: set[str] = field(default_factory=set)
    references: list[Reference] = field(default_factory=list)
    placeholders: list[Placeholder] = field(default_factory=list)
    questions: list[Question] = field(default_factory=list)
    ignored: set[str] = field(default_factory=set)
    status_section: str | None = None
    status_section_line: int = 0
    first_h2_line: int = 0


class _Block:
    """A paragraph, list item or table cell being read: its text so far and its relation."""

    __slots__ = ("decided", "relation", "text")

    def __init__(self) -> None:
        self.text: list[str] = []
        self.relation: tuple[Relation, bool] | None = None
        self.decided = False


#: Start tags (given as plain strings) that open a block with its own text and relation.
_BLOCK_TAGS = frozenset({"Paragraph", "Item", "TableCell"})
#: End tags that change the walker's state (besides the block ones).
_STATEFUL_ENDS = frozenset({"Link", "Image", "CodeBlock", "Heading", "List", "MetadataBlock"})


class _Walker:
    """One pass over pyromark's events (a small state machine; see ``walk``).

    About 4 million events for 84 MB of Markdown: ``walk`` handles the common ones (prose text,
    paragraphs, list items) inline with local variables, and calls methods only for the rare
    ones; after such a call it re-reads the state the call may have changed.
    """

    def __init__(self, data: bytes, recogniser: Recogniser) -> None:
        self.data = data
        self.lines = LineIndex(data)
        self.rec = recogniser
        self.facts = MarkdownFacts()
        self.slugs = SlugCounter()
        self.code_depth = 0
        self.link_depth = 0
        self.heading: tuple[int, str | None, int, list[str]] | None = None
        #: (level, section key, relation of the innermost enclosing relation section or None).
        self.section_stack: list[tuple[int, str, tuple[Relation | None, bool] | None]] = []
        self.h2 = ""
        self.label: tuple[Relation | None, bool] | None = None
        self.label_list_depth = -1
        self.list_depth = 0
        self.blocks: list[_Block] = []
        self.question: tuple[bool, int, list[str], int] | None = None
        self.in_status = False
        self.status_parts: list[str] = []
        self.status_done = False
        self.in_metadata = False

    # --- helpers -------------------------------------------------------------------------------

    def _section_relation(self) -> tuple[Relation | None, bool] | None:
        if self.label is not None:
            return self.label
        return self.section_stack[-1][2] if self.section_stack else None

    def _relation(self, default: Relation, before: str | None = None) -> tuple[Relation, bool]:
        """The relation of a reference in the innermost block (``before``: the block's text
        in front of it, when that is not all the block's text so far). The block's first
        reference decides it for the whole block."""
        block = self.blocks[-1] if self.blocks else None
        if block is not None and not block.decided:
            block.decided = True
            prefix = "".join(block.text) if before is None else before
            lead = _LEAD_PHRASE.match(prefix)
            # A lead phrase declares a relation only when the reference follows it directly:
            # "Replaces [ADR-3](x.md)", "Superseded by: RFC-0009", not "Replaces the ... [x]".
            if lead is not None and _ONLY_PUNCTUATION.match(prefix, lead.end()):
                _phrase, rel, rev = _LEAD_RELATIONS[(lead.lastindex or 1) - 1]
                block.relation = (rel, rev)
            else:
                section = self._section_relation()
                if section is not None:
                    rel_or_none, rev = section
                    if rel_or_none is None:
                        rel_or_none = (
                            Relation.IMPLEMENTS
                            if _UPSTREAM_LABEL.match(prefix)
                            else Relation.RELATED
                        )
                    block.relation = (rel_or_none, rev)
        if block is not None and block.relation is not None:
            return block.relation
        section = self._section_relation()
        if section is not None and section[0] is not None:
            return section[0], section[1]
        return default, False

    def _add_reference(
        self,
        kind: RefKind,
        target: str,
        offset: int,
        default: Relation,
        is_id: bool = False,
        before: str | None = None,
    ) -> None:
        relation, reverse = self._relation(default, before)
        line, column = self.lines.position(offset)
        self.facts.references.append(
            Reference(kind, target, relation, line, column, is_id, reverse)
        )

    def _scan(self, text: str, start: int) -> None:
        """Scan a run of adjacent prose text (starting at byte ``start``) for ID mentions and
        placeholders. Only called when the run contains a literal they need (see ``walk``)."""
        for match in matches_at(_PLACEHOLDER, text, _PLACEHOLDER_LITERALS):
            inner = match.group(1)
            if inner is not None and (not _LETTER.search(inner) or inner.startswith("^")):
                continue
            line, column = self.lines.position(start + len(text[: match.start()].encode()))
            self.facts.placeholders.append(Placeholder(match.group(0), line, column, self.h2))
        mentions = self.rec.find_mentions(text)
        head = self._text_before_run(text) if mentions else None
        for index, found in mentions:
            offset = start + len(text[:index].encode())
            before = None if head is None else head + text[:index]
            self._add_reference(RefKind.MENTION, found, offset, Relation.MENTIONS, True, before)

    def _text_before_run(self, text: str) -> str | None:
        """The innermost block's text in front of the prose run ``text`` being scanned (the
        run is the block's latest text, at most a soft break after it), or None when the
        block has decided its relation already or there is no block."""
        block = self.blocks[-1] if self.blocks else None
        if block is None or block.decided:
            return None
        joined = "".join(block.text)
        for tail in (text, text + " "):
            if joined.endswith(tail):
                return joined[: len(joined) - len(tail)]
        return None

    def _extra_text(self, text: str) -> None:
        """Text for the open question or Status section being read (if any)."""
        if self.question is not None:
            self.question[2].append(text)
        if self.in_status:
            self.status_parts.append(text)

    def _append_text(self, text: str) -> None:
        if self.heading is not None:
            self.heading[3].append(text)
        if self.blocks:
            self.blocks[-1].text.append(text)
        if self.question is not None:
            self.question[2].append(text)
        if self.in_status:
            self.status_parts.append(text)

    # --- the walk ------------------------------------------------------------------------------

    def walk(self, text: str) -> MarkdownFacts:
        # Prose runs are scanned only when they contain a literal that a placeholder or an ID
        # mention needs; with a type's own id_pattern there is no literal, so every run is.
        wanted = _prefilter(self.rec.mention is not None, self.rec.mention_literals).search
        scan = self._scan
        blocks = self.blocks
        # A run of adjacent prose Text pieces: its pieces, first byte and end byte.
        run: list[str] = []
        run_start = run_end = -1
        # State the common events need, re-read after every call that may change it:
        # mode 0 = prose, 1 = link text (kept, not scanned), 2 = front matter or code block;
        # btext = the innermost block's text, hparts = the heading's; extra = an open question
        # or the Status section wants the text too.
        mode = 0
        btext: list[str] | None = None
        hparts: list[str] | None = None
        extra = False
        for event, span in pyromark.events_with_range(text, options=OPTIONS):
            if event.__class__ is not dict:  # SoftBreak, HardBreak, Rule
                if event == "Rule":
                    if run:
                        scan_text = run[0] if len(run) == 1 else "".join(run)
                        run = []
                        if wanted(scan_text):
                            scan(scan_text, run_start)
                    self.label = None
                elif event == "SoftBreak" or event == "HardBreak":
                    if btext is not None:
                        btext.append(" ")
                    if hparts is not None:
                        hparts.append(" ")
                    if extra:
                        self._extra_text(" ")
                continue
            kind, value = event.popitem()
            if kind == "Text":
                if mode == 0:
                    start = span["start"]
                    if run and start != run_end:  # before this text joins the block's text
                        scan_text = run[0] if len(run) == 1 else "".join(run)
                        run = []
                        if wanted(scan_text):
                            scan(scan_text, run_start)
                    if btext is not None:
                        btext.append(value)
                    if hparts is not None:
                        hparts.append(value)
                    if extra:
                        self._extra_text(value)
                    if not run:
                        run_start = start
                    run.append(value)
                    run_end = span["end"]
                elif mode == 1:
                    if btext is not None:
                        btext.append(value)
                    if hparts is not None:
                        hparts.append(value)
                    if extra:
                        self._extra_text(value)
                else:
                    self._special_text(value, span["start"], span["end"])
                continue
            if run:
                scan_text = run[0] if len(run) == 1 else "".join(run)
                run = []
                if wanted(scan_text):
                    scan(scan_text, run_start)
            if kind == "Start":
                if value.__class__ is str:
                    if value in _BLOCK_TAGS:
                        if btext is not None:
                            btext.append(" ")
                        if hparts is not None:
                            hparts.append(" ")
                        if extra:
                            self._extra_text(" ")
                        block = _Block()
                        blocks.append(block)
                        btext = block.text
                    continue
                heading = value.get("Heading")
                if heading is not None:
                    hparts = []
                    self.heading = (
                        int(heading["level"][1:]),
                        heading.get("id"),
                        span["start"],
                        hparts,
                    )
                    self.label = None
                    continue
                self._start(value, span["start"])
            elif kind == "End":
                if value.__class__ is not str:
                    if "Heading" in value:
                        self._end_heading()
                        hparts = None
                        extra = self.question is not None or self.in_status
                        continue
                    value = next(iter(value))
                if value == "Paragraph" or value == "Item":
                    if value == "Paragraph":
                        self._end_paragraph(span["start"])
                    else:
                        self._end_item()
                    btext = blocks[-1].text if blocks else None
                    extra = self.question is not None or self.in_status
                    continue
                elif value == "TableCell":
                    if blocks:
                        blocks.pop()
                    btext = blocks[-1].text if blocks else None
                    continue
                elif value in _STATEFUL_ENDS:
                    self._end(value)
                else:
                    continue
            else:
                self._other(kind, value, span["start"])
            # Something else than prose happened: re-read the state.
            btext = blocks[-1].text if blocks else None
            hparts = self.heading[3] if self.heading is not None else None
            extra = self.question is not None or self.in_status
            mode = 2 if self.in_metadata or self.code_depth else 1 if self.link_depth else 0
        if run:
            scan_text = run[0] if len(run) == 1 else "".join(run)
            if wanted(scan_text):
                scan(scan_text, run_start)
        return self.facts

    def _special_text(self, text: str, start: int, end: int) -> None:
        """Text of the front matter or of a code block."""
        if self.in_metadata:
            # CRLF front matter comes as several Text events (the line breaks separately).
            before = self.facts.front_matter
            self.facts.front_matter = (before[0] + text, before[1]) if before else (text, start)
            self.facts.front_matter_end = end
        elif self.heading is not None:
            self.heading[3].append(text)

    def _other(self, kind: str, value: Any, start: int) -> None:
        if kind == "Code":
            self._append_text(value)
        elif kind == "Html" or kind == "InlineHtml":
            html = value or ""
            for match in _HTML_ANCHOR.finditer(html):
                self.facts.anchors.add(match.group(1))
            for match in _HTML_ID.finditer(html):
                self.facts.anchors.add(match.group(1))
            for match in _IGNORE.finditer(html):
                self.facts.ignored.update(c.upper() for c in re.split(r"[\s,]+", match.group(1)))
        elif kind == "TaskListMarker" and self._in_open_questions():
            line, _ = self.lines.position(start)
            self.question = (bool(value), line, [], self.list_depth)

    def _in_open_questions(self) -> bool:
        return any(name.startswith("open question") for _level, name, _ in self.section_stack)

    def _start(self, tag: dict[str, Any], start: int) -> None:
        """A start tag with attributes (plain-string tags are handled in ``walk``)."""
        name, value = next(iter(tag.items()))
        if name == "Heading":
            level = int(value["level"][1:])
            self.heading = (level, value.get("id"), start, [])
            self.label = None
        elif name == "Link" or name == "Image":
            self._link(name, value, start)
            self.link_depth += 1
        elif name == "CodeBlock":
            self.code_depth += 1
        elif name == "MetadataBlock":
            self.in_metadata = start == 0
        elif name == "List":
            self.list_depth += 1

    def _end(self, name: str) -> None:
        """The end of a link, code block, heading, list or front matter."""
        if name == "Link" or name == "Image":
            self.link_depth = max(0, self.link_depth - 1)
        elif name == "CodeBlock":
            self.code_depth = max(0, self.code_depth - 1)
        elif name == "Heading":
            self._end_heading()
        elif name == "List":
            self.list_depth -= 1
            if self.label is not None and self.list_depth < self.label_list_depth:
                self.label = None
        elif name == "MetadataBlock":
            self.in_metadata = False

    def _end_heading(self) -> None:
        if self.heading is None:
            return
        level, explicit, start, parts = self.heading
        self.heading = None
        text = " ".join("".join(parts).split())
        known = _HEADING_KEYS.get(text)
        if known is None:
            if len(_HEADING_KEYS) >= 20_000:
                _HEADING_KEYS.clear()
            key = text.lower()
            if "(" in key:
                key = _TRAILING_PARENS.sub("", key)
            known = _HEADING_KEYS[text] = (github_slug(text), key.strip(" :"))
        base_slug, key = known
        slug = self.slugs.unique(base_slug)
        line = bisect_right(self.lines.starts, start)
        facts = self.facts
        facts.headings.append(Heading(level, text, slug, line))
        facts.anchors.add(slug)
        if explicit:
            facts.anchors.add(explicit)
        stack = self.section_stack
        while stack and stack[-1][0] >= level:
            stack.pop()
        stack.append((level, key, SECTION_RELATIONS.get(key, stack[-1][2] if stack else None)))
        if level <= 2:
            self.h2 = slug
            if level == 2 and not facts.first_h2_line:
                facts.first_h2_line = line
        if self.in_status:
            self.in_status = False
            self.status_done = True
        if level == 2 and key == "status" and not self.status_done:
            self.in_status = True

    def _end_paragraph(self, start: int) -> None:
        block = self.blocks.pop() if self.blocks else _Block()
        text = "".join(block.text).strip()
        if self.in_status and self.facts.status_section is None and text:
            self.facts.status_section = text
            self.facts.status_section_line = self.lines.position(start)[0]
            self.in_status = False
            self.status_done = True
        if text.endswith(":") and (label := text.lower().strip(" *_:")) in SECTION_RELATIONS:
            self.label = SECTION_RELATIONS[label]
            self.label_list_depth = self.list_depth + 1
        elif self.list_depth == 0:
            self.label = None

    def _end_item(self) -> None:
        if self.blocks:
            self.blocks.pop()
        if self.question is not None and self.question[3] == self.list_depth:
            checked, line, parts, _depth = self.question
            self.question = None
            text = " ".join("".join(parts).split())
            due = _DUE.search(text)
            self.facts.questions.append(
                Question(text, checked, due.group(1).strip("*_.,;") if due else None, line)
            )

    def _link(self, name: str, value: dict[str, Any], start: int) -> None:
        if self.code_depth:
            return
        dest = str(value.get("dest_url") or "")
        link_type = value.get("link_type")
        if isinstance(link_type, dict) and "WikiLink" in link_type:
            found = self.rec.normalise_id(dest.split("#", 1)[0])
            if found is not None:
                fragment = dest.partition("#")[2]
                target = f"{found}#{fragment}" if fragment else found
                self._add_reference(RefKind.WIKILINK, target, start, Relation.REFERENCES, True)
            else:
                self._add_reference(RefKind.WIKILINK, dest, start, Relation.REFERENCES)
            return
        if link_type == "Email":
            dest = dest if dest.startswith("mailto:") else f"mailto:{dest}"
        kind = (
            RefKind.IMAGE
            if name == "Image"
            else RefKind.AUTOLINK
            if link_type in ("Autolink", "Email")
            else RefKind.LINK
        )
        self._add_reference(kind, dest, start, Relation.REFERENCES)


def walk_markdown(
    text: str, data: bytes, recogniser: Recogniser
) -> tuple[MarkdownFacts, LineIndex]:
    """Parse ``text`` (whose UTF-8 encoding is ``data``) and collect its facts."""
    walker = _Walker(data, recogniser)
    return walker.walk(text), walker.lines
