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
from collections.abc import Iterator
from dataclasses import dataclass, fields
from functools import lru_cache
from itertools import accumulate
from typing import Any, Final, TypeVar

import pyromark

from ..model import Heading, Placeholder, Question, Reference, RefKind, Relation, more_of
from .autolinks import AUTOLINK_LITERALS, emails, url_at, www_at
from .ids import Recogniser, matches_at
from .slugs import SlugCounter, github_slug

#: What GitHub parses in repository files (tables, task lists, footnotes, strikethrough) plus
#: front matter, which GitHub shows as a table. No heading attributes (``{#id}`` is text on
#: GitHub) and no wikilinks unless the tree is a wiki (``OPTIONS_WIKI``).
OPTIONS = (
    pyromark.Options.ENABLE_TABLES
    | pyromark.Options.ENABLE_YAML_STYLE_METADATA_BLOCKS
    | pyromark.Options.ENABLE_TASKLISTS
    | pyromark.Options.ENABLE_FOOTNOTES
    | pyromark.Options.ENABLE_STRIKETHROUGH
)
OPTIONS_WIKI = OPTIONS | pyromark.Options.ENABLE_WIKILINKS

#: ``id=`` and ``name=`` on any HTML element: GitHub keeps both (prefixed ``user-content-``,
#: which its pages resolve for ``#fragment`` links).
_HTML_ANCHOR = re.compile(
    r"""<[a-z][a-z0-9-]*\s[^>]*?(?<![\w-])(?:name|id)\s*=\s*["']?([^"'\s>]+)""", re.I
)
#: A closing code fence followed by a tab: pulldown-cmark (up to pyromark 0.10.3, the newest)
#: does not close the block there, CommonMark and cmark-gfm do. Tabs -> spaces (same length).
_FENCE_THEN_TAB = re.compile(r"(?m)(?<![^\s>])(`{3,}|~{3,})([ \t]*\t[ \t]*)(?=\r?$)")
#: Marks the start and end of an image's text inside a heading: GitHub's anchor is made from
#: the heading's HTML text, which has no image alt text. (NUL never reaches the parser.)
_IMAGE_MARK: Final = "\x00"
_IMAGE_TEXT: Final = re.compile("\x00[^\x00]*(?:\x00|$)")
_IGNORE = re.compile(r"<!--\s*tracegraph:\s*ignore\s+([A-Za-z0-9,\s]+?)\s*-->")
_IGNORE_NEXT = re.compile(r"<!--\s*tracegraph:\s*ignore-next-line\s+([A-Za-z0-9,\s]+?)\s*-->")
_PLACEHOLDER: Final = re.compile(r"\[(?![x ]?\])([^\[\]\n]{1,160})\]|\b(TBD|TODO|FIXME)\b")
#: Every placeholder match starts with one of these.
_PLACEHOLDER_LITERALS: Final = ("[", "TBD", "TODO", "FIXME")
_DUE: Final = re.compile(r"\bdue\b\s*:?\s*(\S+)", re.I)
_LETTER: Final = re.compile(r"[A-Za-z]")


def _search_due(text: str) -> re.Match[str] | None:
    """``_DUE.search(text)``, begun where "due" first occurs in any case (no letter folds onto
    d, u or e but their own capitals): case-insensitive, the regex has no literal prefix to
    skip ahead by and tries every place. The place is the lower-cased text's when lower-casing
    kept every character's place (the same length), else the start."""
    lowered = text.lower()
    at = lowered.find("due")
    if at < 0:
        return None
    return _DUE.search(text, at if len(lowered) == len(text) else 0)


_TRAILING_PARENS: Final = re.compile(r"\s*\(.*?\)\s*$")
#: Heading text as parsed -> (text shown, GitHub slug before numbering, section key): headings
#: repeat across documents ("Summary", "Motivation"), so each is worked out once per process.
_HEADING_KEYS: Final[dict[str, tuple[str, str, str]]] = {}

# Headings and references are the walk's most numerous results (450,000 at 10k documents):
# setting their slots directly costs a fraction of the generated frozen ``__init__`` (the same
# objects; tests/unit/parse/test_markdown.py compares them with the constructors'). Compiled,
# ``object.__setattr__(obj, "name", value)`` is one C call (mypyc makes it
# ``PyObject_GenericSetAttr``: the slot's descriptor, past the frozen class's ``__setattr__``);
# a slot descriptor's bound ``__set__``, as before, went through a tuple of its arguments and
# their parsing (about 700 instructions a slot). A reference's ``is_id``, ``reverse`` and
# ``text`` are one shared tuple (see ``Reference``): the walk's references have no text, so
# four tuples cover them.
_new: Final = object.__new__
#: The classes as compiled constants (a module global is a dict look-up per use).
_HEADING: Final = Heading
_REFERENCE: Final = Reference
# The four shared tuples as plain objects: typed as tuples, mypyc keeps a ``Final`` tuple
# unboxed and built a new one (eleven for the nested table this was) for every reference;
# ``more_of`` called as ``Any`` hands over the shared tuples themselves.
_more_of: Final[Any] = more_of
_MORE: Final[object] = _more_of(False, False, "")
_MORE_REVERSE: Final[object] = _more_of(False, True, "")
_MORE_ID: Final[object] = _more_of(True, False, "")
_MORE_ID_REVERSE: Final[object] = _more_of(True, True, "")


def new_heading(level: int, text: str, slug: str, line: int) -> Heading:
    """``Heading(level, text, slug, line)``, faster."""
    obj: Heading = _new(_HEADING)
    object.__setattr__(obj, "level", level)
    object.__setattr__(obj, "text", text)
    object.__setattr__(obj, "slug", slug)
    object.__setattr__(obj, "line", line)
    return obj


def new_reference(
    kind: RefKind, target: str, relation: Relation, line: int, column: int, is_id: bool,
    reverse: bool,
) -> Reference:  # fmt: skip
    """``Reference(kind, target, relation, line, column, is_id, reverse)``, faster."""
    obj: Reference = _new(_REFERENCE)
    object.__setattr__(obj, "kind", kind)
    object.__setattr__(obj, "target", target)
    object.__setattr__(obj, "relation", relation)
    object.__setattr__(obj, "line", line)
    object.__setattr__(obj, "column", column)
    if is_id:
        more = _MORE_ID_REVERSE if reverse else _MORE_ID
    else:
        more = _MORE_REVERSE if reverse else _MORE
    object.__setattr__(obj, "_more", more)
    return obj


_T = TypeVar("_T")


def build(cls: type[_T], names: tuple[str, ...], values: tuple[object, ...]) -> _T:
    """``cls(*values)`` for a frozen dataclass without ``__post_init__`` whose fields are
    ``names`` (``fields(cls)``, every one given, in order), faster from compiled code: the
    generated ``__init__`` runs as Python, a ``object.__setattr__`` per field."""
    if len(values) != len(names):
        raise TypeError(f"{cls.__name__} takes {len(names)} fields, got {len(values)}")
    obj: _T = _new(cls)
    for index in range(len(names)):
        object.__setattr__(obj, names[index], values[index])
    return obj


def field_names(cls: type) -> tuple[str, ...]:
    """A dataclass's field names, in order (for ``build``)."""
    return tuple(f.name for f in fields(cls))


_PLACEHOLDER_FIELDS: Final = field_names(Placeholder)
_QUESTION_FIELDS: Final = field_names(Question)


# The kinds and relations of the walk's references as compiled constants: reading an enum
# member from its class goes through the enum's attribute hook (about 900 instructions).
_MENTION: Final = RefKind.MENTION
_AUTOLINK: Final = RefKind.AUTOLINK
_LINK: Final = RefKind.LINK
_IMAGE: Final = RefKind.IMAGE
_WIKILINK: Final = RefKind.WIKILINK
_REFERENCES: Final = Relation.REFERENCES
_MENTIONS: Final = Relation.MENTIONS

#: Section headings (and bold labels) that give links below them a relation.
SECTION_RELATIONS: Final[dict[str, tuple[Relation | None, bool]]] = {
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
_LEAD_RELATIONS: Final[tuple[tuple[str, Relation, bool], ...]] = (
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
    ("previous proposal", Relation.RELATED, False),  # swift-evolution's header field
)
#: One regex for all phrases (group i = phrase i). Leading non-word characters and an optional
#: "Status" can be read only one way before a phrase, so the first alternative that matches is
#: the first phrase of the list that matches, as if each were tried in turn.
_LEAD_PHRASE: Final = re.compile(
    r"^\W*(?:status\W*)?(?:" + "|".join(rf"({p})\b" for p, _, _ in _LEAD_RELATIONS) + ")", re.I
)
#: The first two letters of every lead phrase and of "status", lower-case (see ``_may_lead``).
_LEAD_STARTS: Final = frozenset({phrase[:2] for phrase, _, _ in _LEAD_RELATIONS} | {"st"})
_ONLY_PUNCTUATION: Final = re.compile(r"\W*\Z")


def _may_lead(prefix: str) -> bool:
    """Whether ``_LEAD_PHRASE`` may match ``prefix``: its first word character and the next
    are the first two letters of a phrase or of "status" (most blocks start otherwise: "The",
    "In practice", and the case-insensitive 17-way regex costs about 4,000 instructions).
    Non-ASCII letters, which ``re.I`` may fold onto ASCII ones (``ſ``, ``K``), are left to the
    regex."""
    for index in range(len(prefix)):
        char = prefix[index]
        if char.isalnum() or char == "_":
            pair = prefix[index : index + 2]
            return not pair.isascii() or pair.lower() in _LEAD_STARTS
    return False


_UPSTREAM_LABEL: Final = re.compile(r"^\W*(prds?|product|requirements?|rfcs?|specs?)\b", re.I)


#: Prefilter: a literal is looked for only in runs that hold its least common character
#: (lower is rarer in prose; lower-case letters rank 50, other characters 10). A literal
#: whose rarest character is common (40 or more: most runs hold one) is looked for directly.
_RARITY: dict[str, int] = {" ": 100, ".": 40, ",": 40, "'": 40, "-": 20}
_RARITY.update((c, 30) for c in "BDEFGJKLNOQRUVXYZ0123456789")
_RARITY.update((c, 35) for c in "ACHIMPSTW")  # the capitals that start most sentences
_COMMON = 40


def _rarity(char: str) -> int:
    return _RARITY.get(char, 50 if char.isalpha() else 10)


@lru_cache(maxsize=8)
def _prefilter(
    mentions: bool, mention_literals: tuple[str, ...]
) -> tuple[tuple[str, tuple[str, ...]], ...] | None:
    """What every prose run that can hold a placeholder, an ID mention or a bare web or
    e-mail address contains (None: anything, when a type has its own ``id_pattern``): one
    of the literals, grouped by their rarest character (the pivot; no more literals when a
    literal is just its pivot). ``_wanted`` reads it: ``in`` finds a character at memchr
    speed, where one regex alternation of the literals tried every capital letter and
    ``w`` of a run (a fifth of the walk's instructions)."""
    if mentions and not mention_literals:
        return None
    groups: dict[str, set[str]] = {}
    alone: set[str] = set()
    for literal in (*_PLACEHOLDER_LITERALS, *AUTOLINK_LITERALS, *mention_literals):
        pivot = min(literal, key=_rarity)  # the first of the rarest
        if _rarity(pivot) >= _COMMON:
            pivot = ""  # always present: the literals themselves are looked for
        groups.setdefault(pivot, set())
        if literal == pivot:
            alone.add(pivot)
        else:
            groups[pivot].add(literal)
    return tuple(
        (pivot, () if pivot in alone else tuple(sorted(literals)))
        for pivot, literals in sorted(groups.items())
    )


def _wanted(text: str, plan: tuple[tuple[str, tuple[str, ...]], ...] | None) -> bool:
    """Whether a prose run holds a literal of the prefilter ``plan`` (see ``_prefilter``)."""
    if plan is None:
        return True
    for pivot, literals in plan:
        if pivot in text:
            if not literals:
                return True
            for literal in literals:
                if literal in text:
                    return True
    return False


def close_tabbed_fences(text: str) -> str:
    """``text`` with the tabs after closing code fences made spaces (same length, so every
    offset stays), working around pulldown-cmark's fence bug (see ``_FENCE_THEN_TAB``).

    >>> close_tabbed_fences("```\\ncode\\n```\\t\\n")
    '```\\ncode\\n``` \\n'
    """
    if "\t" not in text or ("```" not in text and "~~~" not in text):
        return text
    return _FENCE_THEN_TAB.sub(lambda m: m.group(1) + m.group(2).replace("\t", " "), text)


class LineIndex:
    """Maps UTF-8 byte offsets to 1-based (line, character column); CR, LF and CRLF all end
    lines.

    Text without a CR is answered by counting line feeds from the last answer (``bytes.count``
    over the distance moved); the table of line starts (``starts``) is built only when it is
    asked for, or at once for text with a CR. Splitting every document into line objects cost
    more than the walk's few hundred look-ups (about 15 us of a 13 KB document's 350 us).

    Line feeds are counted and found in a ``str`` with a character per byte (``_chars``): the
    decoded ``text`` when it is ASCII (given by the caller that has it), else the bytes read as
    Latin-1 (one copy). The compiled build calls ``str.count``, ``find`` and ``rfind``
    directly; the same methods of ``bytes`` went through a generic method call with their
    offsets boxed, about 700 instructions per look-up."""

    def __init__(self, data: bytes, text: str | None = None) -> None:
        self.data = data
        self._starts: list[int] | None = None
        self._ascii: dict[int, bool] = {}
        self._all_ascii = data.isascii()
        self._size = len(data)
        #: A character per byte, for the counting cursor (text without a CR; see above).
        self._chars = ""
        self._cursor = (0, 0, 1)  # (line index, byte offset, column) of the last answer
        # The counting cursor: the line index, line start and byte offset it stands at. The
        # line start is found only when a column is asked for (-1 until then: the line break
        # before it lies at or after ``_floor``).
        self._line = 0
        self._line_start = 0
        self._floor = 0
        self._at = 0
        if data.find(b"\r") >= 0:  # ``in`` on bytes raises and clears a TypeError first
            self._table()
        elif text is not None and self._all_ascii and len(text) == len(data):
            self._chars = text
        else:
            self._chars = data.decode("latin-1")

    def _table(self) -> list[int]:
        data = self.data
        # bytes.splitlines breaks at exactly CR, LF and CRLF (str.splitlines breaks at more).
        starts = list(accumulate(map(len, data.splitlines(keepends=True)), initial=0))
        if data and data[-1:] not in (b"\n", b"\r"):
            starts.pop()  # the last line has no break: no line starts after it
        self._starts = starts
        return starts

    @property
    def starts(self) -> list[int]:
        """The byte offset of each line's start (of the line after a final line break too)."""
        starts = self._starts
        return self._table() if starts is None else starts

    @property
    def line_count(self) -> int:
        """Number of lines (a final line break does not start a new line)."""
        if self._starts is None:
            count = self._line + self._chars.count("\n", self._at) + 1
            if count > 1 and self.data[-1:] == b"\n":
                count -= 1
            return count
        count = len(self._starts)
        if count > 1 and self._starts[-1] == len(self.data):
            count -= 1
        return max(count, 1)

    def _seek(self, offset: int) -> int:
        """Move the counting cursor to ``offset`` (text without a CR); its line index."""
        at = self._at
        if offset >= at:
            crossed = self._chars.count("\n", at, offset)
            if crossed:
                self._line += crossed
                self._line_start = -1
                self._floor = at
        elif offset < at - offset:  # nearer the start: count from there
            self._line = self._chars.count("\n", 0, offset)
            self._line_start = -1
            self._floor = 0
        else:
            crossed = self._chars.count("\n", offset, at)
            if crossed:
                self._line -= crossed
                self._line_start = -1
                self._floor = 0
        self._at = offset
        return self._line

    def _cursor_line_start(self) -> int:
        """The start of the counting cursor's line (found once per line, when asked)."""
        start = self._line_start
        if start < 0:
            start = self._line_start = self._chars.rfind("\n", self._floor, self._at) + 1
        return start

    def anchor(self, offset: int, line: int) -> None:
        """Tell the counting cursor that ``offset`` starts line index ``line`` (0-based), so
        that look-ups after it count from there (text without a CR; a no-op otherwise)."""
        if self._starts is None:
            self._at = self._line_start = offset
            self._line = line

    def line_start_at(self, offset: int) -> int:
        """The byte offset where the line holding ``offset`` starts."""
        starts = self._starts
        if starts is None:
            return self._chars.rfind("\n", 0, offset) + 1
        return starts[bisect_right(starts, offset) - 1]

    def next_line_start(self, offset: int) -> int:
        """The byte offset of the line after the one holding ``offset`` (-1: none follows)."""
        starts = self._starts
        if starts is None:
            found = self._chars.find("\n", offset)
            return found + 1 if found >= 0 else -1
        index = bisect_right(starts, offset)
        return starts[index] if index < len(starts) else -1

    def position(self, offset: int) -> tuple[int, int]:
        """(line, column), 1-based; the column counts characters, not bytes.

        >>> LineIndex("añb\\nc".encode()).position(3)
        (1, 3)
        """
        if offset < 0 or offset > self._size:
            offset = max(0, min(offset, self._size))
        starts = self._starts
        if starts is None:
            line = self._seek(offset)
            start = self._cursor_line_start()
        else:
            line = bisect_right(starts, offset) - 1
            start = starts[line]
        # Fast paths keep a 2 MB single-line file with 100,000 links linear, not quadratic.
        if self._all_ascii or self._line_is_ascii(line, start):
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
        offset = max(0, min(offset, self._size))
        starts = self._starts
        if starts is None:
            return self._seek(offset) + 1
        return bisect_right(starts, offset)

    def _line_is_ascii(self, line: int, start: int) -> bool:
        """Whether line ``line`` (starting at byte ``start``) is all ASCII."""
        known = self._ascii.get(line)
        if known is None:
            data = self.data
            starts = self._starts
            if starts is None and self._chars:  # the compiled build calls str methods directly
                chars = self._chars
                end = chars.find("\n", start)
                end = len(chars) if end < 0 else end + 1
                known = self._ascii[line] = chars[start:end].isascii()
                return known
            if starts is not None:
                end = starts[line + 1] if line + 1 < len(starts) else len(data)
            else:
                end = data.find(b"\n", start)
                end = len(data) if end < 0 else end + 1
            known = self._ascii[line] = data[start:end].isascii()
        return known


class MarkdownFacts:
    """Everything the walk found, before front matter and recognition are combined (a plain
    class: compiled, it is built without the generated dataclass ``__init__``)."""

    __slots__ = (
        "anchors", "first_h2_line", "front_matter", "front_matter_end", "heading_starts",
        "headings", "ignored", "ignored_lines", "placeholders", "questions", "references",
        "status_section", "status_section_line",
    )  # fmt: skip

    def __init__(self) -> None:
        self.front_matter: tuple[str, int] | None = None
        self.front_matter_end = 0
        self.headings: list[Heading] = []
        #: Where each heading starts (UTF-8 byte offset), in the order of ``headings``.
        self.heading_starts: list[int] = []
        self.anchors: set[str] = set()
        self.references: list[Reference] = []
        self.placeholders: list[Placeholder] = []
        self.questions: list[Question] = []
        self.ignored: set[str] = set()
        self.ignored_lines: list[tuple[int, tuple[str, ...]]] = []
        self.status_section: str | None = None
        self.status_section_line = 0
        self.first_h2_line = 0


class _Block:
    """A paragraph, list item or table cell being read: its text so far, its relation and
    where it starts and ends (byte offsets)."""

    __slots__ = ("cell", "decided", "end", "relation", "start", "text")

    def __init__(self, start: int, end: int, cell: bool) -> None:
        self.text: list[str] = []
        self.relation: tuple[Relation, bool] | None = None
        self.decided = False
        self.start = start
        self.end = end
        self.cell = cell


#: A heading's level as pyromark names it.
_LEVELS: Final[dict[str, int]] = {f"H{level}": level for level in range(1, 7)}
#: Start tags (given as plain strings) that open a block with its own text and relation.
_BLOCK_TAGS: Final = frozenset({"Paragraph", "Item", "TableCell"})
#: End tags that change the walker's state (besides the block ones).
_STATEFUL_ENDS: Final = frozenset(
    {
        "Link", "Image", "CodeBlock", "Heading", "List", "MetadataBlock", "FootnoteDefinition",
        "TableRow",
    }
)  # fmt: skip


class _Walker:
    """One pass over pyromark's events (a small state machine; see ``walk``).

    About 4 million events for 84 MB of Markdown: ``walk`` handles the common ones (prose text,
    paragraphs, list items) inline with local variables, and calls methods only for the rare
    ones; after such a call it re-reads the state the call may have changed.
    """

    def __init__(self, data: bytes, recogniser: Recogniser, text: str | None = None) -> None:
        self.data = data
        self.lines = LineIndex(data, text)
        self.rec = recogniser
        self.facts = MarkdownFacts()
        self.slugs = SlugCounter()
        self.code_depth = 0
        self.link_depth = 0
        self.heading: tuple[int, int, list[str]] | None = None
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
        #: Where the last bare web or e-mail link found ends (byte offset): what pulldown-cmark
        #: parses before it (a link, an ID) belongs to that link on GitHub.
        self.autolink_end = 0
        #: (chunk start, byte offset, bracket depth) of the last ``_in_brackets`` answer, so
        #: that a paragraph full of bare URLs is scanned once, not once per URL.
        self.brackets = (-1, 0, 0)
        #: Footnote definitions (label, first and end index into the references) and the
        #: labels referred to: GitHub shows only the footnotes that are referred to.
        self.footnotes: list[tuple[str, int, int]] = []
        #: Where the table being read starts, and whether its current row is code on GitHub.
        self.table_start = 0
        self.code_row = False
        self.footnote_refs: set[str] = set()

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
            lead = _LEAD_PHRASE.match(prefix) if _may_lead(prefix) else None
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
            new_reference(kind, target, relation, line, column, is_id, reverse)
        )

    def _scan(self, text: str, start: int, end: int) -> None:
        """Scan a run of adjacent prose text (bytes ``start`` to ``end``) for bare web and
        e-mail links, ID mentions and placeholders. Only called when the run contains a literal
        one of them needs (see ``walk``); what stands inside a link is not scanned further."""
        bare = "://" in text or "www." in text or "@" in text
        mentions = self.rec.find_mentions(text)
        head = self._text_before_run(text) if bare or mentions else None
        links = self._autolinks(text, start, end, head) if bare else []
        floor = self.autolink_end
        for match in matches_at(_PLACEHOLDER, text, _PLACEHOLDER_LITERALS):
            inner = match.group(1)
            if inner is not None and (not _LETTER.search(inner) or inner.startswith("^")):
                continue
            offset = start + len(text[: match.start()].encode())
            if offset < floor or _inside(links, offset):
                continue
            line, column = self.lines.position(offset)
            placeholder = (match.group(0), line, column, self.h2)
            self.facts.placeholders.append(build(Placeholder, _PLACEHOLDER_FIELDS, placeholder))
        if links:
            head = self._text_before_run(text)  # None once a bare link decided the relation
        for index, found in mentions:
            offset = start + len(text[:index].encode())
            if offset < floor or _inside(links, offset):
                continue
            before = None if head is None else head + text[:index]
            self._add_reference(_MENTION, found, offset, _MENTIONS, True, before)

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

    def _autolinks(
        self, text: str, start: int, end_of_run: int, head: str | None
    ) -> list[tuple[int, int]]:
        """Add the bare web and e-mail links GitHub sees in a prose run (its GFM autolink
        extension): (start, end) byte ranges, also kept in ``autolink_end``. ``head`` is the
        block's text in front of the run (see ``_text_before_run``). The run's bytes end at
        ``end_of_run``, not at ``start`` plus its text's length: an entity such as ``&amp;``
        is longer in the source than in the text."""
        data = self.data
        found: list[tuple[int, int, str]] = []
        if "://" in text or "www." in text:
            chunk_start, chunk_end = self._chunk()
            index = data.find(b":", start, end_of_run)
            candidates: list[int] = []
            while index >= 0:
                candidates.append(index)
                index = data.find(b":", index + 1, end_of_run)
            index = data.find(b"www.", start, end_of_run)
            while index >= 0:
                candidates.append(index)
                index = data.find(b"www.", index + 1, end_of_run)
            candidates.sort()
            reached = max(start, self.autolink_end)
            limit = -1
            for index in candidates:
                if index < reached:
                    continue
                if index >= limit:  # the end of the candidate's line (or of its table cell)
                    limit = data.find(b"\n", index, chunk_end)
                    limit = chunk_end if limit < 0 else limit
                if data[index] == 0x3A:
                    span = url_at(data, index, limit)
                else:
                    span = www_at(data, index, limit, chunk_start)
                if span is None or span[0] < reached or self._in_brackets(chunk_start, span[0]):
                    continue
                url = data[span[0] : span[1]].decode("utf-8", "replace")
                found.append((span[0], span[1], url if data[index] == 0x3A else "http://" + url))
                reached = span[1]
        if "@" in text:
            pieces = _outside(text, start, found, self.autolink_end)
            for piece, piece_start in pieces:
                for begin, finish, url in emails(piece):
                    offset = piece_start + len(piece[:begin].encode())
                    found.append((offset, piece_start + len(piece[:finish].encode()), url))
        found.sort()
        for begin, finish, url in found:
            before = None if head is None else head + data[start:begin].decode("utf-8", "replace")
            self._add_reference(_AUTOLINK, url, begin, _REFERENCES, False, before)
            head = None  # the first reference decides the block's relation
            self.autolink_end = max(self.autolink_end, finish)
        return [(begin, finish) for begin, finish, _url in found]

    def _in_brackets(self, chunk_start: int, index: int) -> bool:
        """Whether an unclosed ``[`` precedes ``index`` in its inline content: GitHub makes
        no bare link inside link text (or text that may still become one). Escaped brackets
        and brackets in code spans or HTML tags do not count."""
        known_start, i, depth = self.brackets
        if known_start != chunk_start or i > index:
            i, depth = chunk_start, 0
        data = self.data
        while i < index:
            byte = data[i]
            if byte == 0x5C:  # backslash escape
                i += 2
                continue
            if byte == 0x60:  # a code span: skip to the closing run of as many backticks
                run = i
                while run < index and data[run] == 0x60:
                    run += 1
                ticks = data[i:run]
                close = data.find(ticks, run, index)
                while close >= 0 and data[close + len(ticks) : close + len(ticks) + 1] == b"`":
                    close = data.find(ticks, close + len(ticks) + 1, index)
                i = close + len(ticks) if close >= 0 else run
                continue
            if byte == 0x3C:  # an HTML tag or <autolink>
                close = data.find(b">", i, index)
                after = data[i + 1 : i + 2]
                if close >= 0 and (after.isalpha() or after in (b"/", b"!")):
                    i = close + 1
                    continue
            if byte == 0x5B:
                depth += 1
            elif byte == 0x5D and depth:
                depth -= 1
            i += 1
        self.brackets = (chunk_start, i, depth)
        return depth > 0

    def _chunk(self) -> tuple[int, int]:
        """Byte range of the inline content being read (a heading, table cell, paragraph or
        list item)."""
        if self.heading is not None:
            return self.heading[1], len(self.data)
        if self.blocks:
            block = self.blocks[-1]
            return block.start, block.end
        return 0, len(self.data)

    def _extra_text(self, text: str) -> None:
        """Text for the open question or Status section being read (if any)."""
        if self.question is not None:
            self.question[2].append(text)
        if self.in_status:
            self.status_parts.append(text)

    def _append_text(self, text: str) -> None:
        if self.heading is not None:
            self.heading[2].append(text)
        if self.blocks:
            self.blocks[-1].text.append(text)
        if self.question is not None:
            self.question[2].append(text)
        if self.in_status:
            self.status_parts.append(text)

    # --- the walk ------------------------------------------------------------------------------

    def walk(self, text: str, options: pyromark.Options = OPTIONS) -> MarkdownFacts:
        # Prose runs are scanned only when they contain a literal that a placeholder or an ID
        # mention needs; with a type's own id_pattern there is no literal, so every run is.
        plan = _prefilter(self.rec.mention is not None, self.rec.mention_literals)
        blocks = self.blocks
        # A run of adjacent prose Text pieces: its pieces and the ranges of its first and last
        # piece (read only when the run is scanned or another piece may join it: most runs
        # are one piece that the prefilter turns down, and a range look-up is a dict's).
        run: list[str] = []
        first: dict[str, int] = {}
        last: dict[str, int] = {}
        # State the common events need, re-read after every call that may change it:
        # mode 0 = prose, 1 = link text (kept, not scanned), 2 = front matter or code block;
        # btext = the innermost block's text, hparts = the heading's; extra = an open question
        # or the Status section wants the text too.
        mode = 0
        btext: list[str] | None = None
        hparts: list[str] | None = None
        extra = False
        # Declared types let the compiled build (mypyc) use dict and str operations directly.
        events: Iterator[tuple[Any, Any]] = pyromark.events_with_range(text, options=options)
        span: dict[str, int]
        item: dict[str, Any]
        kind = ""
        value: Any = None
        tag = ""
        attrs: dict[str, Any]
        for event, span in events:
            if not isinstance(event, dict):  # SoftBreak, HardBreak, Rule
                if event == "Rule":
                    if run:
                        scan_text = run[0] if len(run) == 1 else "".join(run)
                        run.clear()
                        if _wanted(scan_text, plan):
                            self._scan(scan_text, first["start"], last["end"])
                    self.label = None
                elif event == "SoftBreak" or event == "HardBreak":
                    if btext is not None:
                        btext.append(" ")
                    if hparts is not None:
                        hparts.append("\n")
                    if extra:
                        self._extra_text(" ")
                continue
            item = event
            for kind, value in item.items():  # noqa: B007 (the one key; compiled: no method call)
                break
            if kind == "Text":
                if mode == 0:
                    if run and span["start"] != last["end"]:  # before it joins the block's text
                        scan_text = run[0] if len(run) == 1 else "".join(run)
                        run.clear()
                        if _wanted(scan_text, plan):
                            self._scan(scan_text, first["start"], last["end"])
                    if btext is not None:
                        btext.append(value)
                    if hparts is not None:
                        hparts.append(value)
                    if extra:
                        self._extra_text(value)
                    if not run:
                        first = span
                    run.append(value)
                    last = span
                elif mode == 1:
                    if btext is not None:
                        btext.append(value)
                    if hparts is not None:
                        hparts.append(value)
                    if extra:
                        self._extra_text(value)
                elif self.in_metadata or self.heading is not None:  # else code: nothing to keep
                    self._special_text(value, span["start"], span["end"])
                continue
            if run:
                scan_text = run[0] if len(run) == 1 else "".join(run)
                run.clear()
                if _wanted(scan_text, plan):
                    self._scan(scan_text, first["start"], last["end"])
            if kind == "Start":
                if isinstance(value, str):
                    tag = value  # typed: compiled, compares and look-ups on ``str``
                    if tag == "TableRow":
                        self._table_row(span["start"])
                        mode = 2 if self.code_depth else mode
                        continue
                    if tag in _BLOCK_TAGS:
                        if btext is not None:
                            btext.append(" ")
                        if hparts is not None:
                            hparts.append(" ")
                        if extra:
                            self._extra_text(" ")
                        block = _Block(span["start"], span["end"], tag == "TableCell")
                        blocks.append(block)
                        btext = block.text
                    continue
                attrs = value  # typed: compiled, dict operations without a method call
                heading: dict[str, Any] | None = attrs.get("Heading")
                if heading is not None:
                    hparts = []
                    self.heading = (_LEVELS[heading["level"]], span["start"], hparts)
                    self.label = None
                    continue
                if "List" in attrs:  # changes nothing the common events read
                    self.list_depth += 1
                    continue
                self._start(attrs, span["start"])
            elif kind == "End":
                if isinstance(value, str):
                    tag = value
                else:
                    attrs = value
                    if "Heading" in attrs:
                        self._end_heading()
                        hparts = None
                        extra = self.question is not None or self.in_status
                        continue
                    if "List" in attrs:
                        self._end_list()
                        continue
                    for tag in attrs:  # noqa: B007 (the one key; compiled: no call)
                        break
                if tag == "Paragraph" or tag == "Item":
                    if tag == "Paragraph":
                        self._end_paragraph(span["start"])
                    else:
                        self._end_item()
                    btext = blocks[-1].text if blocks else None
                    extra = self.question is not None or self.in_status
                    continue
                elif tag == "TableCell":
                    if blocks:
                        blocks.pop()
                    btext = blocks[-1].text if blocks else None
                    continue
                elif tag in _STATEFUL_ENDS:
                    self._end(tag)
                else:
                    continue
            else:
                self._other(kind, value, span["start"])
            # Something else than prose happened: re-read the state.
            btext = blocks[-1].text if blocks else None
            hparts = self.heading[2] if self.heading is not None else None
            extra = self.question is not None or self.in_status
            mode = 2 if self.in_metadata or self.code_depth else 1 if self.link_depth else 0
        if run:
            scan_text = run[0] if len(run) == 1 else "".join(run)
            if _wanted(scan_text, plan):
                self._scan(scan_text, first["start"], last["end"])
        if self.footnotes:
            self._drop_unused_footnotes()
        return self.facts

    def _drop_unused_footnotes(self) -> None:
        """Drop the references of footnotes GitHub does not show: those never referred to,
        and the second and later definitions of a label."""
        seen: set[str] = set()
        dropped: list[tuple[int, int]] = []
        for label, first, end in self.footnotes:
            if (label not in self.footnote_refs or label in seen) and end > first:
                dropped.append((first, end))
            seen.add(label)
        for first, end in reversed(dropped):
            del self.facts.references[first:end]

    def _special_text(self, text: str, start: int, end: int) -> None:
        """Text of the front matter or of a code block."""
        if self.in_metadata:
            # CRLF front matter comes as several Text events (the line breaks separately).
            before = self.facts.front_matter
            self.facts.front_matter = (before[0] + text, before[1]) if before else (text, start)
            self.facts.front_matter_end = end
        elif self.heading is not None:
            self.heading[2].append(text)

    def _other(self, kind: str, value: Any, start: int) -> None:
        if kind == "Code":
            self._append_text(value)
        elif kind == "Html" or kind == "InlineHtml":
            html = value or ""
            for match in _HTML_ANCHOR.finditer(html):
                self.facts.anchors.add(match.group(1))
            for match in _IGNORE.finditer(html):
                self.facts.ignored.update(c.upper() for c in re.split(r"[\s,]+", match.group(1)))
            for match in _IGNORE_NEXT.finditer(html):
                # The comment's last line; the finding it silences is on the line below.
                end = start + len(html[: match.end() - 1].encode("utf-8"))
                codes = tuple(sorted({c.upper() for c in re.split(r"[\s,]+", match.group(1))}))
                self.facts.ignored_lines.append((self.lines.position(end)[0] + 1, codes))
        elif kind == "FootnoteReference":
            self.footnote_refs.add(_footnote_label(value))
        elif kind == "TaskListMarker" and self._in_open_questions():
            line, _ = self.lines.position(start)
            self.question = (bool(value), line, [], self.list_depth)

    def _in_open_questions(self) -> bool:
        return any(name.startswith("open question") for _level, name, _ in self.section_stack)

    def _start(self, tag: dict[str, Any], start: int) -> None:
        """A start tag with attributes (plain-string tags are handled in ``walk``)."""
        name = ""
        value: Any = None
        for name, value in tag.items():  # noqa: B007 (the one key; compiled: no method call)
            break
        if name == "Heading":
            self.heading = (_LEVELS[value["level"]], start, [])
            self.label = None
        elif name == "Link" or name == "Image":
            self._link(name, value, start)
            self.link_depth += 1
            if name == "Image" and self.heading is not None:
                self.heading[2].append(_IMAGE_MARK)
        elif name == "CodeBlock":
            self.code_depth += 1
        elif name == "MetadataBlock":
            self.in_metadata = start == 0
        elif name == "List":
            self.list_depth += 1
        elif name == "FootnoteDefinition":
            self.footnotes.append((_footnote_label(value), len(self.facts.references), -1))
        elif name == "Table":
            self.table_start = start

    def _table_row(self, start: int) -> None:
        """A table row indented four columns more than its table is an indented code block on
        GitHub (cmark-gfm ends the table there), a row for pulldown-cmark: read it as code."""
        if _indent(self.data, start) >= _indent(self.data, self.table_start) + 4:
            self.code_row = True
            self.code_depth += 1

    def _end(self, name: str) -> None:
        """The end of a link, code block, heading, list or front matter."""
        if name == "Link" or name == "Image":
            self.link_depth = max(0, self.link_depth - 1)
            if name == "Image" and self.heading is not None:
                self.heading[2].append(_IMAGE_MARK)
        elif name == "CodeBlock":
            self.code_depth = max(0, self.code_depth - 1)
        elif name == "Heading":
            self._end_heading()
        elif name == "List":
            self._end_list()
        elif name == "MetadataBlock":
            self.in_metadata = False
        elif name == "TableRow" and self.code_row:
            self.code_row = False
            self.code_depth = max(0, self.code_depth - 1)
        elif name == "FootnoteDefinition" and self.footnotes:
            label, first, _end = self.footnotes[-1]
            self.footnotes[-1] = (label, first, len(self.facts.references))

    def _end_list(self) -> None:
        self.list_depth -= 1
        if self.label is not None and self.list_depth < self.label_list_depth:
            self.label = None

    def _end_heading(self) -> None:
        if self.heading is None:
            return
        level, start, parts = self.heading
        self.heading = None
        raw = "".join(parts)
        known = _HEADING_KEYS.get(raw)
        if known is None:
            if len(_HEADING_KEYS) >= 20_000:
                _HEADING_KEYS.clear()
            # GitHub's slug is made from the text exactly (no trimming, no collapsing), its
            # line breaks and images dropped; the text shown has its white space collapsed.
            if _IMAGE_MARK in raw:
                slug_text = _IMAGE_TEXT.sub("", raw)
                raw_shown = raw.replace(_IMAGE_MARK, "")
            else:
                slug_text = raw_shown = raw
            shown = " ".join(raw_shown.split())
            key = shown.lower()
            if "(" in key:
                key = _TRAILING_PARENS.sub("", key)
            known = _HEADING_KEYS[raw] = (shown, github_slug(slug_text), key.strip(" :"))
        text, base_slug, key = known
        slug = self.slugs.unique(base_slug)
        line = self.lines.line(start)
        facts = self.facts
        facts.headings.append(new_heading(level, text, slug, line))
        facts.heading_starts.append(start)
        facts.anchors.add(slug)
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
        block = self.blocks.pop() if self.blocks else _Block(0, 0, False)
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
            due = _search_due(text)
            self.facts.questions.append(
                build(
                    Question,
                    _QUESTION_FIELDS,
                    (text, checked, due.group(1).strip("*_.,;") if due else None, line),
                )
            )

    def _link(self, name: str, value: dict[str, Any], start: int) -> None:
        if self.code_depth or start < self.autolink_end:
            return  # in code, or inside a bare URL (GitHub reads it as part of the URL)
        dest = str(value.get("dest_url") or "")
        link_type = value.get("link_type")
        if isinstance(link_type, dict) and "WikiLink" in link_type:
            found = self.rec.normalise_id(dest.split("#", 1)[0])
            if found is not None:
                fragment = dest.partition("#")[2]
                target = f"{found}#{fragment}" if fragment else found
                self._add_reference(_WIKILINK, target, start, _REFERENCES, True)
            else:
                self._add_reference(_WIKILINK, dest, start, _REFERENCES)
            return
        if link_type == "Email":
            dest = dest if dest.startswith("mailto:") else f"mailto:{dest}"
        kind = (
            _IMAGE
            if name == "Image"
            else _AUTOLINK
            if link_type in ("Autolink", "Email")
            else _LINK
        )
        self._add_reference(kind, dest, start, _REFERENCES)


def _indent(data: bytes, offset: int) -> int:
    """Columns of white space before ``offset`` on its line (0 when anything else is)."""
    prefix = data[data.rfind(b"\n", 0, offset) + 1 : offset]
    return len(prefix.expandtabs(4)) if not prefix.strip(b" \t") else 0


def _footnote_label(label: object) -> str:
    return " ".join(str(label).split()).casefold()


def _inside(ranges: list[tuple[int, int]], offset: int) -> bool:
    return any(start <= offset < end for start, end in ranges)


def _outside(
    text: str, start: int, ranges: list[tuple[int, int, str]], floor: int
) -> list[tuple[str, int]]:
    """The pieces of a prose run (text, first byte) outside the links found in it and past
    ``floor``: GitHub looks for e-mail addresses in text that is not already a link."""
    pieces: list[tuple[str, int]] = []
    data = text.encode("utf-8")
    cursor = max(start, floor)
    for begin, finish, _url in [*sorted(ranges), (start + len(data), 0, "")]:
        if begin > cursor:
            piece = data[cursor - start : begin - start].decode("utf-8", "replace")
            pieces.append((piece, cursor))
        cursor = max(cursor, finish)
    return pieces


def walk_markdown(
    text: str, data: bytes, recogniser: Recogniser, wikilinks: bool = False
) -> tuple[MarkdownFacts, LineIndex]:
    """Parse ``text`` (whose UTF-8 encoding is ``data``) and collect its facts; ``wikilinks``
    reads ``[[...]]`` as wikilinks (for wiki-style notes trees; GitHub renders none)."""
    walker = _Walker(data, recogniser, text)
    facts = walker.walk(close_tabbed_fences(text), OPTIONS_WIKI if wikilinks else OPTIONS)
    return facts, walker.lines


def _field_values(value: object) -> tuple[object, ...]:
    """A dataclass's field values, for ``__reduce__``: pickle restores an object attribute by
    attribute, which the compiled build's frozen classes refuse; built again from its fields
    instead, it is equal (same in the pure-Python build)."""
    return tuple(getattr(value, f.name) for f in fields(value))  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class LinkSpan:
    """Where a link or image stands in the source (UTF-8 byte offsets): the whole construct,
    its destination as parsed, and its reference label (empty for an inline link)."""

    start: int
    end: int
    dest: str
    label: str
    image: bool = False
    wiki: bool = False

    def __reduce__(self) -> tuple[type[LinkSpan], tuple[object, ...]]:
        return LinkSpan, _field_values(self)  # see _field_values


@dataclass(frozen=True, slots=True)
class Block:
    """A top-level block (``Paragraph``, ``Heading``, ``List``, ``CodeBlock``, ...) and its
    byte range; ``level`` is a heading's level (0 for other blocks)."""

    kind: str
    start: int
    end: int
    level: int = 0

    def __reduce__(self) -> tuple[type[Block], tuple[object, ...]]:
        return Block, _field_values(self)  # see _field_values


@dataclass(frozen=True, slots=True)
class SourceMap:
    """What an editor must know about a document's layout: the byte ranges that are code
    (spans and blocks: never edited) and HTML, every link, the top-level blocks, and the front
    matter's range (delimiters included). Offsets are into the UTF-8 encoding of the text."""

    code: tuple[tuple[int, int], ...]
    html: tuple[tuple[int, int], ...]
    links: tuple[LinkSpan, ...]
    blocks: tuple[Block, ...]
    front_matter: tuple[int, int] | None

    def __reduce__(self) -> tuple[type[SourceMap], tuple[object, ...]]:
        return SourceMap, _field_values(self)  # see _field_values

    def in_code(self, start: int, end: int) -> bool:
        """Whether the byte range ``[start, end)`` touches a code span or block.

        >>> source_map("a `b` c").in_code(2, 3), source_map("a `b` c").in_code(0, 1)
        (True, False)
        """
        return any((s < end and start < e) or s == start for s, e in self.code)


_HTML_EVENTS = frozenset({"Html", "InlineHtml"})


def source_map(text: str, wikilinks: bool = False) -> SourceMap:
    """The layout of ``text`` as GitHub parses it (see ``SourceMap``); same-length rewriting
    as for parsing, so offsets hold for the text as given (lone CRs count as line ends)."""
    prepared = close_tabbed_fences(re.sub(r"\r(?!\n)", "\n", text))
    code: list[tuple[int, int]] = []
    html: list[tuple[int, int]] = []
    links: list[LinkSpan] = []
    blocks: list[Block] = []
    front: tuple[int, int] | None = None
    depth = 0
    options = OPTIONS_WIKI if wikilinks else OPTIONS
    for event, span in pyromark.events_with_range(prepared, options=options):
        if event.__class__ is not dict:
            if depth == 0:
                blocks.append(Block(str(event), span["start"], span["end"]))
            continue
        kind, value = next(iter(event.items()))
        if kind == "Code":
            code.append((span["start"], span["end"]))
            continue
        if kind in _HTML_EVENTS:
            html.append((span["start"], span["end"]))
            continue
        if kind not in ("Start", "End"):
            continue
        name = value if isinstance(value, str) else next(iter(value))
        if kind == "Start":
            if name == "CodeBlock":
                code.append((span["start"], span["end"]))
            if name == "MetadataBlock":
                front = (span["start"], span["end"])
            elif name in ("Link", "Image"):
                data = value[name]
                link_type = data.get("link_type")
                links.append(
                    LinkSpan(
                        span["start"],
                        span["end"],
                        str(data.get("dest_url") or ""),
                        str(data.get("id") or "") if link_type != "Inline" else "",
                        name == "Image",
                        isinstance(link_type, dict) and "WikiLink" in link_type,
                    )
                )
            if depth == 0 and name not in ("Link", "Image"):
                level = 0
                if name == "Heading":
                    level = int(str(value[name]["level"]).lstrip("H"))
                blocks.append(Block(name, span["start"], span["end"], level))
            if name not in ("Link", "Image"):
                depth += 1
        elif name not in ("Link", "Image"):
            depth -= 1
    return SourceMap(tuple(code), tuple(html), tuple(links), tuple(blocks), front)
