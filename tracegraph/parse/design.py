"""What a document describes of the system: components, endpoints and tables (issue 20).

Extraction is declarative: a type's ``ArchMapping`` (config) names the sections, headings and
bold labels its template uses, and only documents of such a type are read here, after the main
walk, so parsing every other document costs nothing more. Only the mapped sections are parsed
again (with the same CommonMark parser), each on its own: a section starts at a heading, so its
text parses as it does inside the whole document. Text that holds nothing but plain lines,
``- `` items, bold labels, code spans, inline links and fenced code (``simple_blocks``: most of
a template's filled-in sections) is read into the same blocks without the parser.

- **Components**: in the components section, a heading that matches the mapping's heading
  (``Component {n}: {name}``) or is followed by one of its field labels (``**Technology:**``);
  the fields are read from the bold labels below it, up to the next heading. Dependencies and
  Interfaces are free text or a list, split into names at commas, semicolons and "and".
- **Endpoints**: in the endpoints section, a heading, list item, table row or paragraph that
  starts with an HTTP method and a path (``#### POST /v1/orders``, ``- `PATCH /v1/orders/{id}`:
  ...``); new, modified or breaking by the group heading it stands under (new by default).
- **Tables**: in the tables section, ``**Table: `orders`**`` labels, ``CREATE TABLE`` and
  ``ALTER TABLE`` in code blocks, and list items that start with a table name in code; new or
  modified by the group heading (``ALTER TABLE`` is always modified).

Template text that was never filled in (``[Name]``, ``[What it depends on]``) is skipped.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from functools import lru_cache
from typing import Any, Final

import pyromark

from ..config import ArchMapping, ComponentMapping, EndpointMapping, TableMapping
from ..model import Component, Design, Endpoint, Heading, Named, Table
from ..patterns import GroupMatcher, Pattern, compile_pattern, group_matcher, match_group
from .markdown import OPTIONS, LineIndex, build, field_names
from .slugs import github_slug

#: Bold text opens and closes with these in a block's rendered text (they never occur in it).
_BOLD_OPEN: Final = "\x01"
_BOLD_CLOSE: Final = "\x02"


def _unbold(text: str) -> str:
    """``text`` without the bold marks (two ``str.replace`` calls: cheaper than a regex sub)."""
    return text.replace(_BOLD_OPEN, "").replace(_BOLD_CLOSE, "")


METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
_ENDPOINT: Final = re.compile(
    r"^[\s`*_]*(" + "|".join(METHODS) + r")[ \t]+(/[^\s`*]*)"
)  # fmt: skip
#: SQL statements at the start of a line ([ \t]*, not \s*: a run of blank lines must not be
#: rescanned from every line start).
_CREATE = re.compile(
    r"^[ \t]*CREATE[ \t]+(?:OR[ \t]+REPLACE[ \t]+)?(?:(TEMP|TEMPORARY)[ \t]+|UNLOGGED[ \t]+)?"
    r"TABLE[ \t]+(?:IF[ \t]+NOT[ \t]+EXISTS[ \t]+)?(\"[^\"\n]+\"|`[^`\n]+`|[\w.$]+)",
    re.I | re.M,
)
_ALTER = re.compile(
    r"^[ \t]*ALTER[ \t]+TABLE[ \t]+(?:IF[ \t]+EXISTS[ \t]+)?(?:ONLY[ \t]+)?"
    r"(\"[^\"\n]+\"|`[^`\n]+`|[\w.$]+)",
    re.I | re.M,
)
#: Characters of a field value and of a name that are read (a longer value is prose, and every
#: pattern run on it stays cheap).
MAX_VALUE: Final = 2_000
MAX_NAME: Final = 200
_CODE_NAME = re.compile(r"^[\s*_]*`([\w.\"$]+)`")
#: A whole value that is template text never filled in: ``[What this component does]``.
_PLACEHOLDER: Final = re.compile(r"^\[[^\]]*\]\.?$")


def _placeholder(text: str) -> bool:
    """Whether ``text`` is template text never filled in (``_PLACEHOLDER``, tried only on
    text that starts with its bracket)."""
    return text.startswith("[") and _PLACEHOLDER.match(text) is not None


_NOTHING = frozenset({"", "none", "n/a", "na", "-", "—", "nothing", "tbd"})
_ARTICLE = re.compile(r"^(?:the|a|an)\s+", re.I)
_PARENS = re.compile(r"\s*\([^()]*\)")
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
#: Start tags that open a block of their own (a paragraph only outside other blocks).
_BLOCK_KINDS: Final = {"Item": "item", "TableRow": "row", "Paragraph": "para"}
_ENDS: Final = frozenset({"Heading", "Item", "TableRow"})
_SEPARATOR = re.compile(r" (?:and|&) ", re.I)
_PLAIN_SPLIT = re.compile(r"[,;]| (?:and|&) ", re.I)
#: A bold label that opens a line: ``**Technology:**`` or ``**Technology**:``.
_LABEL: Final = re.compile("\x01([^\x02]{1,60}?)\\s*(?::\x02|\x02\\s*:)\\s*")
#: What a list item keeps together: code spans, then (innermost first) remarks in
#: parentheses, which are dropped, and bracketed text.
_CODE_SPAN = re.compile(r"`[^`]*`")
_INNER_PARENS = re.compile(r"\s*\([^()]*\)")
_BRACKETS = re.compile(r"\[[^\[\]]*\]")
_HELD = re.compile("\x00(\\d+)\x00")


# The model's records as ``build`` makes them (the compiled walk's constructors; see there).
_NAMED = field_names(Named)
_COMPONENT = field_names(Component)
_ENDPOINT_FIELDS = field_names(Endpoint)
_TABLE = field_names(Table)
_DESIGN = field_names(Design)


class _Block:
    """A heading, paragraph, list item, table row or code block of a section, rendered as
    text lines (bold marked, code spans in backticks, links by their text), each with the
    source line it starts on."""

    __slots__ = ("_text", "kind", "lang", "level", "line", "lines")

    def __init__(self, kind: str, line: int, level: int = 0, lang: str = "") -> None:
        self.kind = kind  # heading | para | item | row | code
        self.line = line
        self.level = level  # a heading's level; 1 for a fenced code block
        self.lang = lang
        self.lines: list[tuple[int, list[str]]] = [(line, [])]
        self._text: str | None = None

    @property
    def text(self) -> str:
        """The block's text, one line per source line, bold marks removed (read once the
        block is complete, and kept)."""
        if self._text is None:
            self._text = _unbold(self.marked)
        return self._text

    @property
    def marked(self) -> str:
        """The block's text with bold marked."""
        return "\n".join("".join(parts) for _, parts in self.lines).strip()

    def add(self, text: str) -> None:
        self.lines[-1][1].append(text)

    def newline(self, line: int) -> None:
        if self.lines[-1][1]:
            self.lines.append((line, []))


def extract_design(
    data: bytes,
    headings: Sequence[Heading],
    lines: LineIndex,
    mapping: ArchMapping,
    heading_starts: Sequence[int] | None = None,
) -> Design | None:
    """The components, endpoints and tables a document describes, read from its mapped
    sections (``data`` is the document's UTF-8 text, ``lines`` its line index,
    ``heading_starts`` where each heading starts, as the walk found them: without them the
    line index is asked for its table of line starts); None when it describes none."""
    components: list[Component] = []
    endpoints: list[Endpoint] = []
    tables: list[Table] = []
    words = _WordsOf(headings, heading_starts)
    if mapping.components is not None:
        part = mapping.components
        labels = tuple(
            getattr(part, key).encode("utf-8") for key in ("responsibility", "technology",
                                                          "interfaces", "dependencies")
        )  # fmt: skip
        wanted = _has_any(labels)
        for blocks in _sections(data, headings, words, lines, part.section, wanted):
            components.extend(_components(blocks, part))
    if mapping.endpoints is not None:
        part_e = mapping.endpoints
        for blocks in _sections(data, headings, words, lines, part_e.section, _endpoint_body):
            endpoints.extend(_endpoints(blocks, part_e))
    if mapping.tables is not None:
        part_t = mapping.tables
        needles = (b"create", b"alter", part_t.label.encode("utf-8").lower(), b"`")
        found = _sections(
            data, headings, words, lines, part_t.section, _has_any_case(needles), keep_code=True
        )
        for blocks in found:
            tables.extend(_tables(blocks, part_t))
    if mapping.examples:  # what a copy of the template still holds is not a design
        examples = {" ".join(e.casefold().split()) for e in mapping.examples}
        components = [c for c in components if c.name.casefold() not in examples]
        endpoints = [e for e in endpoints if f"{e.method} {e.path}".casefold() not in examples]
        tables = [t for t in tables if t.name.casefold() not in examples]
    found_endpoints = _unique_endpoints(endpoints)
    found_tables = _unique_tables(tables)
    if not (components or found_endpoints or found_tables):  # ``Design.__bool__``
        return None
    return build(Design, _DESIGN, (tuple(components), found_endpoints, found_tables))


# --- sections and blocks ------------------------------------------------------------------------


#: Heading text -> its words (``heading_words``), at most ``_WORDS_KEPT`` of them.
_HEADING_WORDS: Final[dict[str, tuple[str, ...]]] = {}
_WORDS_KEPT: Final = 1024


def heading_words(text: str) -> tuple[str, ...]:
    """The words of a heading for matching sections: slugged, leading numbers and "and"
    dropped (as the template rules match sections). Remembered in a plain dict: from compiled
    code an ``lru_cache`` wrapper is a generic call (about 1,800 instructions a hit, against
    about 150 for the look-up).

    >>> heading_words("3. System Architecture (v2)")
    ('system', 'architecture', 'v2')
    """
    known = _HEADING_WORDS.get(text)
    if known is not None:
        return known
    words = [w for w in github_slug(text).split("-") if w and w != "and"]
    while words and words[0].isdigit():
        words.pop(0)
    known = tuple(words)
    if len(_HEADING_WORDS) >= _WORDS_KEPT:
        _HEADING_WORDS.clear()
    _HEADING_WORDS[text] = known
    return known


def _starts_with(text: str, names: Sequence[str]) -> bool:
    words = heading_words(text)
    return any((wanted := heading_words(name)) and words[: len(wanted)] == wanted for name in names)


#: Which part of a heading's body to parse (None: nothing can be found in it).
Relevant = Callable[[Heading, bytes], bytes | None]
_FENCE_LINE = re.compile(rb"(?m)^ {0,3}(?:```|~~~)")
_METHOD_PATH = re.compile(rb"\b(?:" + b"|".join(m.encode() for m in METHODS) + rb")[ \t|`*]+/")


def _has_any(needles: tuple[bytes, ...]) -> Relevant:
    """Parse a body that contains one of ``needles`` (a field label) and bold text: a field's
    label is bold, so a body without ``**`` or ``__`` holds none (prose between components,
    most of what is tested, is then searched twice, not once per label)."""

    def relevant(_heading: Heading, body: bytes) -> bytes | None:
        if b"**" not in body and b"__" not in body:
            return None
        return body if any(needle in body for needle in needles) else None

    return relevant


def _has_any_case(needles: tuple[bytes, ...]) -> Relevant:
    """Parse a body that contains one of ``needles`` (lower-case) in any ASCII case; those
    without a letter are looked for first, in the body as it is (no lowered copy)."""
    caseless = tuple(n for n in needles if n.lower() == n.upper())
    cased = tuple(n for n in needles if n.lower() != n.upper())

    def relevant(_heading: Heading, body: bytes) -> bytes | None:
        if any(needle in body for needle in caseless):
            return body
        lowered = body.lower()
        return body if any(needle in lowered for needle in cased) else None

    return relevant


def _endpoint_body(heading: Heading, body: bytes) -> bytes | None:
    """Below an endpoint's heading only its description counts (it stands above the request
    and response examples, so parsing stops at the first code fence); elsewhere a body is
    parsed when a method and a path occur in it."""
    if _ENDPOINT.match(heading.text):
        fence = _FENCE_LINE.search(body)
        return body[: fence.start()] if fence else body
    return body if _METHOD_PATH.search(body) else None


class _WordsOf:
    """The words of a document's headings, worked out only for those that may start a
    section (their text contains its first word): most headings are never looked at. The
    first word is looked for in all the headings' lowered text at once (one ``find`` a
    section, not a test per heading)."""

    def __init__(self, headings: Sequence[Heading], starts: Sequence[int] | None) -> None:
        self.headings = headings
        self.starts = starts
        texts = [h.text for h in headings]
        joined = "\x00".join(texts)
        lowered = joined.lower()
        #: The lowered texts joined by NULs (a heading's index is the NULs before it), or
        #: None where a text holds a NUL or lowers to more characters: then one by one.
        self.lowered: str | None = lowered
        self.each: list[str] = []
        if len(lowered) != len(joined) or joined.count("\x00") != max(len(texts) - 1, 0):
            self.lowered = None
            self.each = [text.lower() for text in texts]

    def body(self, lines: LineIndex, index: int, size: int) -> tuple[int, int]:
        """The byte range from the line below heading ``index`` to the line of the heading
        after it (to the end when none follows); (-1, 0) when no line follows the heading.
        ``size`` is the document's length in bytes."""
        headings = self.headings
        starts = self.starts
        top = headings[index]
        after = index + 1 < len(headings)
        if starts is None or len(starts) != len(headings):
            table = lines.starts
            if top.line >= len(table):
                return -1, 0
            return table[top.line], table[headings[index + 1].line - 1] if after else size
        start = lines.next_line_start(starts[index])
        if start < 0:
            return -1, 0
        lines.anchor(start, top.line)
        return start, lines.line_start_at(starts[index + 1]) if after else size

    def starting(self, wanted: tuple[str, ...]) -> Iterator[int]:
        """The indexes of the headings whose words start with ``wanted``."""
        if not wanted:
            return
        first, size = wanted[0], len(wanted)
        headings, lowered = self.headings, self.lowered
        if lowered is None:
            for index, low in enumerate(self.each):
                if first in low and heading_words(headings[index].text)[:size] == wanted:
                    yield index
            return
        found = lowered.find(first)  # a word holds no NUL: a hit lies inside one heading
        while found >= 0:
            index = lowered.count("\x00", 0, found)
            if heading_words(headings[index].text)[:size] == wanted:
                yield index
            end = lowered.find("\x00", found)
            found = lowered.find(first, end + 1) if end >= 0 else -1


def _sections(
    data: bytes,
    headings: Sequence[Heading],
    words: _WordsOf,
    lines: LineIndex,
    name: str,
    relevant: Relevant,
    keep_code: bool = False,
) -> Iterator[list[_Block]]:
    """The blocks of each section headed ``name`` (its words starting the heading's, as in
    ``words``), from its heading to the next heading of the same or a higher level.

    Headings come from the main walk; of the text between two headings only what
    ``relevant`` keeps is parsed (each piece starts at a line, so it parses as it does in
    the whole document), so a long section costs little when little in it matters.
    ``keep_code`` keeps the text of code blocks."""
    for index in words.starting(heading_words(name)):
        heading = headings[index]
        inner = [heading]
        for later in headings[index + 1 :]:
            if later.level <= heading.level:
                break
            inner.append(later)
        blocks: list[_Block] = []
        for number, top in enumerate(inner):
            block = _Block("heading", top.line, top.level)
            block.add(top.text)
            blocks.append(block)
            start, stop = words.body(lines, index + number, len(data))
            if start < 0:
                continue
            piece = relevant(top, data[start:stop]) if stop > start else None
            if piece:
                text = piece.decode("utf-8", "replace")
                blocks.extend(_blocks(text, start, lines, keep_code))
        yield blocks


def _blocks(text: str, base: int, lines: LineIndex, keep_code: bool) -> list[_Block]:
    """Parse one section's text (starting at byte ``base`` of the document whose line index
    is ``lines``) into blocks, in document order: by ``simple_blocks`` when it can, else by
    pyromark (``parsed_blocks``)."""
    found = simple_blocks(text, lines.line(base), keep_code)
    return found if found is not None else parsed_blocks(text, base, lines, keep_code)


#: What a simple line (``simple_blocks``) is made of: printable ASCII that opens no inline
#: construct (no ``*_`[]<&\\~|`` and no tab); code spans of one backtick whose text neither
#: starts nor ends with a space and holds no ``<&\\``; inline links and images whose text is
#: made of the same and whose address is a plain path.
_SIMPLE_CHAR: Final = r"[A-Za-z0-9 !\"#$%'()+,./:;=>?@^{}-]"
_SIMPLE_CODE: Final = r"`(?! )[ !\"#$%'()+,./0-9:;=>?@A-Z\[\]^_a-z{|}~-]++(?<! )`(?!`)"
_SIMPLE_LINK: Final = rf"!?\[(?:{_SIMPLE_CHAR}++|{_SIMPLE_CODE})++\]\([A-Za-z0-9/._#?=%+:@,;~-]++\)"
#: Possessive runs: a line is read once, in runs of plain characters (no backtracking).
_SIMPLE_RUN: Final = rf"(?:{_SIMPLE_CHAR}++|{_SIMPLE_CODE}|{_SIMPLE_LINK})"
#: Simple text (``simple_blocks``), matched whole: each line blank, a ``---`` rule, a fenced
#: code block of three backticks (closed), or a paragraph line or list item (``- ``) with a
#: bold label (``**Technology:**``), a letter, a code span or a link first.
_SIMPLE_TEXT: Final = re.compile(
    r"(?:(?:```[A-Za-z0-9_+.#-]*\n(?:(?! {0,3}```+[ \t]*(?:\n|\Z))[^\n]*\n)*+```|--- *"
    rf"|(?:- )?(?:\*\*(?! ){_SIMPLE_RUN}++(?<! )\*\*(?=[ :\n]|\Z)|(?=[A-Za-z]|`[^`]|\[[^ \]]))"
    rf"{_SIMPLE_RUN}*+| *)(?:\n|\Z))*+"
)
#: A code span or a link of a simple line: links are read as their text.
_SIMPLE_TOKEN: Final = re.compile(
    rf"{_SIMPLE_CODE}|!?\[((?:{_SIMPLE_CHAR}++|{_SIMPLE_CODE})++)\]\([^)]*\)"
)


def _link_text(match: re.Match[str]) -> str:
    text = match.group(1)
    return match.group(0) if text is None else text


def _links(text: str) -> str:
    """Text of a simple line with its links read as their text (``[PRD-0001](prd.md)``)."""
    return _SIMPLE_TOKEN.sub(_link_text, text) if "[" in text else text


def simple_blocks(text: str, first: int, keep_code: bool) -> list[_Block] | None:
    """The blocks of ``text`` (whose first line is line ``first``) when every line is blank,
    a ``---`` rule below a blank line, a fenced code block of three backticks, or a paragraph
    line or ``- `` list item made of what ``_SIMPLE_TEXT`` takes; None otherwise. Such text
    parses to exactly these blocks, without the cost of pyromark's events (a test compares
    the two on generated and real text)."""
    if "\r" in text or "\x00" in text or _SIMPLE_TEXT.fullmatch(text) is None:
        return None
    links = "[" in text  # then each line's links are read as their text
    out: list[_Block] = []
    open_block: _Block | None = None  # the paragraph or list item a plain line continues
    code: _Block | None = None
    content: list[str] = []
    blank = True
    for number, line in enumerate(text.split("\n"), first):
        if code is not None:
            if line != "```":
                content.append(line)
                continue
            if keep_code and content:
                code.add("\n".join(content) + "\n")
            out.append(code)
            code = None
            blank = True  # what follows a fence starts a block as after a blank line
            continue
        plain = line.rstrip(" ") if line.endswith(" ") else line
        if not plain:
            open_block = None
            blank = True
            continue
        if plain.startswith("```"):
            open_block = None
            code = _Block("code", number, 1, lang=line[3:])
            content = []
            continue
        if plain == "---":
            if blank and number > first:
                continue  # a thematic break
            return None  # below text it underlines a heading; first, it opens front matter
        blank = False
        head = 2 if plain.startswith("- ") else 0
        if head:
            open_block = _Block("item", number)
            out.append(open_block)
        elif open_block is None:
            open_block = _Block("para", number)
            out.append(open_block)
        else:
            open_block.newline(number)
        if plain.startswith("**", head):  # a bold label (the pattern took it: no ``*`` inside)
            close = plain.find("**", head + 2)
            label = plain[head + 2 : close]
            open_block.add(_BOLD_OPEN + (_links(label) if links else label) + _BOLD_CLOSE)
            head = close + 2
        rest = plain[head:] if head else plain
        open_block.add(_links(rest) if links else rest)
    return out


def parsed_blocks(text: str, base: int, lines: LineIndex, keep_code: bool) -> list[_Block]:
    """``_blocks`` through pyromark's events. Lines are looked up only where a block starts
    or a line breaks."""
    out: list[_Block] = []
    stack: list[_Block] = []
    code: _Block | None = None
    parts: list[str] | None = None  # where text goes: the open block's current line, or none
    events: Iterator[tuple[Any, Any]] = pyromark.events_with_range(text, options=OPTIONS)
    item: dict[str, Any]
    span: dict[str, int]
    kind = ""
    value: Any = None
    for event, span in events:
        if not isinstance(event, dict):  # SoftBreak, HardBreak, Rule
            if (event == "SoftBreak" or event == "HardBreak") and stack and code is None:
                stack[-1].newline(lines.line(base + span["start"]) + 1)
                parts = stack[-1].lines[-1][1]
            continue
        item = event
        for kind, value in item.items():  # noqa: B007 (the one key; compiled: no method call)
            break
        if kind == "Text":
            if parts is not None:
                parts.append(value)
            continue
        if kind == "Code":
            if parts is not None:
                parts.append(f"`{value}`")
            continue
        if kind != "Start" and kind != "End":
            continue  # Html, FootnoteReference, TaskListMarker (its value a bool), ...
        tag: str = value if isinstance(value, str) else next(iter(value))  # typed: str compares
        if kind == "Start":
            if tag == "Strong":
                if parts is not None:
                    parts.append(_BOLD_OPEN)
                continue
            if tag == "Heading":
                level = int(value["Heading"]["level"][1:])
                stack.append(_Block("heading", lines.line(base + span["start"]), level))
            elif tag in _BLOCK_KINDS and (tag != "Paragraph" or not stack):
                stack.append(_Block(_BLOCK_KINDS[tag], lines.line(base + span["start"])))
            elif tag == "Paragraph":
                stack[-1].newline(lines.line(base + span["start"]))
            elif tag == "TableCell":
                if parts is not None:
                    parts.append(" ")
                continue
            elif tag == "CodeBlock":
                fence = value["CodeBlock"]
                fenced = isinstance(fence, dict) and "Fenced" in fence
                lang = str(fence.get("Fenced") or "") if isinstance(fence, dict) else ""
                line = lines.line(base + span["start"])
                code = _Block("code", line, 1 if fenced else 0, lang=lang)
                parts = code.lines[-1][1] if keep_code else None
                continue
            else:
                continue
            parts = stack[-1].lines[-1][1]
        elif kind == "End":
            if tag == "Strong":
                if parts is not None:
                    parts.append(_BOLD_CLOSE)
                continue
            if tag == "CodeBlock" and code is not None:
                out.append(code)
                code = None
            elif stack and (tag in _ENDS or (tag == "Paragraph" and stack[-1].kind == "para")):
                out.append(stack.pop())
            else:
                continue
            parts = stack[-1].lines[-1][1] if stack else None
    out.sort(key=lambda b: b.line)
    return out


# --- components ---------------------------------------------------------------------------------


#: Punctuation that, with the white space around it, a template heading matches loosely.
_LOOSE: Final = ":-–—."
#: A template token -> its regex (``heading_regex``); any other token is literal text.
_HEADING_PARTS: Final = {
    "{name}": r"(?P<name>.+?)",
    "{n}": r"[\w.]+",
    " ": r"\s+",
    ":": r"\s*[:\-–—.]\s*",
}


def template_tokens(pattern: str) -> list[str]:
    """A template heading's tokens, ``{name}`` and ``{n}`` kept, white space as ``" "`` and a
    loose punctuation mark with the space around it as ``":"``. Written out rather than with
    ``re.split`` and ``re.findall``: their two patterns, compiled in every process that reads
    a design, cost about 0.45 ms.

    >>> template_tokens("Component {n}: {name}")
    ['Component', ' ', '{n}', ':', '{name}']
    """
    text = pattern.strip()
    out: list[str] = []
    at = 0
    while at < len(text):
        slot = text.find("{n", at)
        while slot >= 0 and not text.startswith(("{name}", "{n}"), slot):
            slot = text.find("{n", slot + 1)
        end = len(text) if slot < 0 else slot
        while at < end:  # the literal part: a loose mark, a space or a word
            stop = at
            while stop < end and text[stop].isspace():
                stop += 1
            if stop < end and text[stop] in _LOOSE:
                stop += 1
                while stop < end and text[stop].isspace():
                    stop += 1
                out.append(":")
            elif stop > at:
                out.append(" ")
            else:
                while stop < end and not text[stop].isspace() and text[stop] not in _LOOSE:
                    stop += 1
                out.append(text[at:stop])
            at = stop
        if slot >= 0:
            name = "{name}" if text.startswith("{name}", slot) else "{n}"
            out.append(name)
            at = slot + len(name)
    return out


@lru_cache(maxsize=64)
def heading_regex(pattern: str) -> Pattern:
    """A template heading such as ``Component {n}: {name}`` as a regex: ``{name}`` is group
    ``name``, ``{n}`` a number or word, white space and punctuation (``:``, ``-``) loose.

    >>> heading_regex("Component {n}: {name}").match("component 2 - Order API").group("name")
    'Order API'
    """
    # the heading comes from the config: compiled for linear-time matching (RE2), as every
    # configured pattern is, though only its literal parts are the config's
    return compile_pattern(heading_pattern(pattern), ignore_case=True, max_length=None)


def heading_pattern(pattern: str) -> str:
    """The regex ``heading_regex`` compiles for a template heading."""
    out = [_HEADING_PARTS.get(token) or re.escape(token) for token in template_tokens(pattern)]
    return "^" + "".join(out) + r"\s*$"


#: (template, heading text) -> what ``component_name`` says: headings repeat ("Notes",
#: "Component 1: API"), and each RE2 match through its binding costs microseconds.
_COMPONENT_NAMES: Final[dict[tuple[str, str], tuple[bool, str]]] = {}


#: template -> ``group_matcher`` of its ``heading_regex`` for ``{name}`` (None: the binding's
#: own ``match`` is used).
_NAME_MATCHERS: Final[dict[str, GroupMatcher | None]] = {}


def _name_matcher(template: str) -> GroupMatcher | None:
    if template in _NAME_MATCHERS:
        return _NAME_MATCHERS[template]
    known = group_matcher(heading_regex(template), "name")
    if len(_NAME_MATCHERS) >= 64:
        _NAME_MATCHERS.clear()
    _NAME_MATCHERS[template] = known
    return known


#: template -> its heading regex compiled by Python's ``re`` for ASCII only (None: the
#: template is not ASCII), which matches short ASCII headings as RE2 does and in a fifth of
#: the time: ``plain`` text has no white space but single spaces (RE2's ``\s`` lacks ``\v``,
#: ``re.ASCII``'s has it) and neither side can fold case beyond ASCII. Only headings of up
#: to ``_TWIN_MAX`` characters use it: ``re`` backtracks, so a hostile long one goes to RE2.
_ASCII_TWINS: Final[dict[str, re.Pattern[str] | None]] = {}
_TWIN_MAX: Final = 120


def _ascii_twin(template: str) -> re.Pattern[str] | None:
    if template in _ASCII_TWINS:
        return _ASCII_TWINS[template]
    twin = (
        re.compile(heading_pattern(template), re.IGNORECASE | re.ASCII)
        if template.isascii()
        else None
    )
    if len(_ASCII_TWINS) >= 64:
        _ASCII_TWINS.clear()
    _ASCII_TWINS[template] = twin
    return twin


def _name_by_re2(template: str, plain: str) -> str | None:
    """The template's ``{name}`` in ``plain``, matched by RE2 (None: no match)."""
    matcher = _name_matcher(template)
    if matcher is not None:
        return match_group(matcher, plain)
    matched = heading_regex(template).match(plain)
    return matched.group("name") if matched else None


def component_name(template: str, heading: str) -> tuple[bool, str]:
    """(whether ``heading`` matches the template, the component's name: the template's
    ``{name}``, else the whole heading), both as plain text.

    >>> component_name("Component {n}: {name}", "Component 2: `Order` API")
    (True, 'Order API')
    >>> component_name("Component {n}: {name}", "Order   service")
    (False, 'Order service')
    """
    key = (template, heading)
    known = _COMPONENT_NAMES.get(key)
    if known is None:
        plain = _plain(heading)
        twin = _ascii_twin(template) if len(plain) <= _TWIN_MAX and plain.isascii() else None
        if twin is not None:
            twinned = twin.match(plain)
            found = twinned.group("name") if twinned is not None else None
        else:
            found = _name_by_re2(template, plain)
        name = _plain(found if found is not None else heading)[:MAX_NAME]
        known = (found is not None, name)
        if len(heading) <= MAX_NAME:  # short ones repeat; the memory stays bounded
            if len(_COMPONENT_NAMES) >= 20_000:
                _COMPONENT_NAMES.clear()
            _COMPONENT_NAMES[key] = known
    return known


def label_at(text: str) -> tuple[str, int] | None:
    """The bold label that opens ``text`` (stripped) and where its value starts, as ``_LABEL``
    matches them; the usual ``\x01Technology:\x02`` is read without the regex (its lazy
    group tries every length up to the colon).

    >>> label_at("\x01Technology:\x02  Python")
    ('Technology', 15)
    """
    close = text.find(_BOLD_CLOSE, 1)
    if close > 2 and text[close - 1] == ":":
        name = text[1 : close - 1]
        if name.strip() and len(name.rstrip()) <= 60:  # else the regex decides
            end = close + 1
            while end < len(text) and text[end].isspace():
                end += 1
            return name.strip(), end
    match = _LABEL.match(text)
    return (match.group(1).strip(), match.end()) if match is not None else None


def _fields(block: _Block, labels: dict[str, str]) -> list[tuple[str, str, int]]:
    """(field, value, line) for each mapped bold label that opens a line of the block
    (``**Technology:** Python``, ``**Technology**: Python``); a value runs to the next label."""
    found: list[tuple[str, list[str], int]] = []
    for line, parts in block.lines:
        text = "".join(parts).strip()
        label = label_at(text) if text[:1] == _BOLD_OPEN else None
        key = labels.get(label[0].lower()) if label is not None else None
        if label is not None and key is not None:
            found.append((key, [_unbold(text[label[1] :])], line))
        elif found:
            found[-1][1].append(_unbold(text))
    return [(key, " ".join(" ".join(v)[:MAX_VALUE].split()), line) for key, v, line in found]


def _components(blocks: list[_Block], mapping: ComponentMapping) -> Iterator[Component]:
    labels = {
        getattr(mapping, key).strip().lower(): key
        for key in ("responsibility", "technology", "interfaces", "dependencies")
    }
    for index, block in enumerate(blocks):
        if block.kind != "heading" or index == 0:
            continue  # the first block is the section's own heading
        matched, name = component_name(mapping.heading, block.text[:MAX_VALUE])
        values: dict[str, str] = {}
        lists: dict[str, list[Named]] = {}
        pending: str | None = None  # a list field whose items follow ("**Dependencies:**")
        for later in range(index + 1, len(blocks)):  # no copy of the rest per heading
            body = blocks[later]
            if body.kind == "heading":
                break
            fields = _fields(body, labels) if body.kind in ("para", "item") else []
            if body.kind == "item" and pending is not None and not fields:
                lists.setdefault(pending, []).extend(split_names(body.text, body.line))
                continue
            pending = None
            for key, value, line in fields:
                value = "" if _placeholder(value) else value
                if key in ("interfaces", "dependencies"):
                    lists.setdefault(key, []).extend(split_names(value, line))
                    pending = key if not value else None
                elif value:
                    values.setdefault(key, value)
        if not (matched or values or lists) or not name or _placeholder(name):
            continue
        yield build(
            Component,
            _COMPONENT,
            (
                name,
                block.line,
                values.get("responsibility", ""),
                values.get("technology", ""),
                tuple(lists.get("interfaces", ())),
                tuple(lists.get("dependencies", ())),
            ),
        )


def split_names(text: str, line: int) -> list[Named]:
    """The names in a free-text list: split at commas, semicolons, "and" and "&" (not inside
    parentheses, brackets or code), each without remarks in parentheses, a leading article or
    a final full stop; "none" and unfilled template text give nothing.

    >>> [n.text for n in split_names("Kafka cluster and PostgreSQL 16 (platform team).", 3)]
    ['Kafka cluster', 'PostgreSQL 16']
    >>> [n.text for n in split_names("the event stream; `usage_units` rollups", 3)]
    ['event stream', '`usage_units` rollups']
    """
    names = _NAMES.get(text)
    if names is None:
        names = _names(text)
        if len(text) <= MAX_NAME:  # short values repeat ("PostgreSQL"); memory stays bounded
            if len(_NAMES) >= 20_000:
                _NAMES.clear()
            _NAMES[text] = names
    return [build(Named, _NAMED, (name, line)) for name in names]


#: Free-text list -> its names (``split_names``), for the short ones.
_NAMES: Final[dict[str, tuple[str, ...]]] = {}


def _names(text: str) -> tuple[str, ...]:
    text = " ".join(text.split())
    if "](" in text:  # only then can a link match: a ``\1`` template costs ``sub`` a Python call
        text = _LINK.sub(r"\1", text)
    if "`" not in text and "(" not in text and "[" not in text:
        return _named(_PLAIN_SPLIT.split(text))
    held: list[str] = []

    def hold(match: re.Match[str]) -> str:
        held.append(match.group(0))
        return f"\x00{len(held) - 1}\x00"

    masked = _CODE_SPAN.sub(hold, text) if "`" in text else text
    while "(" in masked:  # remarks go, innermost first
        masked, count = _INNER_PARENS.subn("", masked)
        if not count:
            break
    if "[" in masked:
        masked = _BRACKETS.sub(hold, masked)
    parts = _PLAIN_SPLIT.split(masked)
    while any("\x00" in part for part in parts):  # held text may hold held text
        parts = [
            _HELD.sub(lambda m: held[int(m.group(1))], part) if "\x00" in part else part
            for part in parts
        ]
    return _named(parts)


def _named(parts: Sequence[str]) -> tuple[str, ...]:
    """Names from the pieces of a list: trimmed, without an article or a final full stop;
    "none" and template text dropped."""
    out: list[str] = []
    for part in parts:
        name = part.strip().rstrip(".").strip()
        if name[:1] in ("t", "T", "a", "A"):  # only then can an article lead it
            name = _ARTICLE.sub("", name)
        name = name.strip()[:MAX_NAME]
        if name.lower() in _NOTHING or name.startswith("["):  # "[" covers template text
            continue
        out.append(name)
    return tuple(out)


def _plain(text: str) -> str:
    """Heading or field text without Markdown code marks and extra space."""
    return " ".join(text.replace("`", " ").split())


# --- endpoints ----------------------------------------------------------------------------------


def _groups(
    blocks: list[_Block], groups: dict[str, tuple[str, ...]], default: str
) -> Iterator[tuple[_Block, str]]:
    """Each block of a section with the group it stands in: the innermost heading that names a
    group (``New Endpoints``), else ``default``."""
    stack: list[tuple[int, str | None]] = []
    wanted = [(g, [heading_words(n) for n in names]) for g, names in groups.items()]
    current = default  # worked out again only where the stack changes: at a heading
    for block in blocks[1:]:
        if block.kind == "heading":
            while stack and stack[-1][0] >= block.level:
                stack.pop()
            words = heading_words(block.text)
            named = next(
                (g for g, prefixes in wanted for w in prefixes if w and words[: len(w)] == w),
                None,
            )
            stack.append((block.level, named))
            current = next((g for _, g in reversed(stack) if g is not None), default)
        yield block, current


def _endpoints(blocks: list[_Block], mapping: EndpointMapping) -> Iterator[Endpoint]:
    groups = {"new": mapping.new, "modified": mapping.modified, "breaking": mapping.breaking}
    labels = {"description": "description"}
    last: Endpoint | None = None
    for block, change in _groups(blocks, groups, "new"):
        if block.kind == "code":
            continue
        match = _ENDPOINT.match(block.text)
        if match is not None:
            path = match.group(2).split("?", 1)[0].rstrip(".,:;)")
            if last is not None:
                yield last
            last = _endpoint(match.group(1), path or "/", block.line, change, "")
            if block.kind != "heading":
                yield last
                last = None
            continue
        if block.kind == "heading":
            if last is not None:
                yield last
            last = None
        elif last is not None and block.kind == "para" and not last.description:
            found = [v for k, v, _ in _fields(block, labels) if k == "description"]
            if found and not _placeholder(found[0]):
                last = _endpoint(last.method, last.path, last.line, last.change, found[0])
    if last is not None:
        yield last


def _endpoint(method: str, path: str, line: int, change: str, description: str) -> Endpoint:
    return build(Endpoint, _ENDPOINT_FIELDS, (method, path, line, change, description))


def _unique_endpoints(endpoints: list[Endpoint]) -> tuple[Endpoint, ...]:
    """One endpoint per method and path in a document (the first place it is designed)."""
    seen: dict[tuple[str, str], Endpoint] = {}
    for endpoint in endpoints:
        seen.setdefault((endpoint.method, endpoint.path.rstrip("/").lower()), endpoint)
    return tuple(seen.values())


# --- tables -------------------------------------------------------------------------------------


def _tables(blocks: list[_Block], mapping: TableMapping) -> Iterator[Table]:
    groups = {"new": mapping.new, "modified": mapping.modified}
    label = _label_regex(mapping.label)
    for block, change in _groups(blocks, groups, ""):
        if block.kind == "code":
            for match in _CREATE.finditer(block.text):
                if not match.group(1):  # a temporary table is no part of the design
                    yield _table(_table_name(match.group(2)), _at(block, match.start()), "new")
            for match in _ALTER.finditer(block.text):
                yield _table(_table_name(match.group(1)), _at(block, match.start()), "modified")
            continue
        if block.kind == "heading":
            continue
        for number, (line, parts) in enumerate(block.lines):
            found = label.match("".join(parts))
            if found is not None:
                yield _table(_table_name(found.group(1)), line, change or "new")
            elif number == 0 and block.kind == "item" and change:
                named = _CODE_NAME.match(block.text)
                if named is not None:
                    yield _table(_table_name(named.group(1)), line, change)


#: A table mapping's label -> its regex (``re.compile`` with an f-string per document was an
#: interpreted call through ``re``'s cache each time).
_LABELS: Final[dict[str, re.Pattern[str]]] = {}


def _label_regex(label: str) -> re.Pattern[str]:
    """The line that names a table: ``**Table:** `orders```."""
    found = _LABELS.get(label)
    if found is None:
        found = re.compile(rf"^[\s\x01]*{re.escape(label)}\s*:\s*\x02?\s*`?([\w.\"$]+)`?", re.I)
        if len(_LABELS) >= 64:
            _LABELS.clear()
        _LABELS[label] = found
    return found


def _table(name: str, line: int, change: str) -> Table:
    return build(Table, _TABLE, (name, line, change))


def _at(block: _Block, offset: int) -> int:
    """The line of a character offset in a code block's text (a fenced block's text starts
    below its fence; ``level`` is 1 for fenced blocks)."""
    return block.line + block.level + block.text.count("\n", 0, offset)


def _table_name(text: str) -> str:
    return text.strip('"`').replace('"', "").replace("`", "")


def _unique_tables(tables: list[Table]) -> tuple[Table, ...]:
    """One table per name in a document: where it is first named, ``new`` if it is created
    anywhere in the document (a name that is nothing but quotes is none)."""
    seen: dict[str, Table] = {}
    created: set[str] = set()
    for table in tables:
        if not table.name.strip():
            continue
        key = table.name.lower()
        seen.setdefault(key, table)
        if table.change == "new":
            created.add(key)
    return tuple(
        _table(t.name, t.line, "new") if k in created and t.change != "new" else t
        for k, t in seen.items()
    )
