"""What a document describes of the system: components, endpoints and tables (issue 20).

Extraction is declarative: a type's ``ArchMapping`` (config) names the sections, headings and
bold labels its template uses, and only documents of such a type are read here, after the main
walk, so parsing every other document costs nothing more. Only the mapped sections are parsed
again (with the same CommonMark parser), each on its own: a section starts at a heading, so its
text parses as it does inside the whole document.

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
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, cast

import pyromark

from ..config import ArchMapping, ComponentMapping, EndpointMapping, TableMapping
from ..model import Component, Design, Endpoint, Heading, Named, Table
from .markdown import OPTIONS, LineIndex
from .slugs import github_slug

#: Bold text opens and closes with these in a block's rendered text (they never occur in it).
_BOLD_OPEN, _BOLD_CLOSE = "\x01", "\x02"
_BOLD = re.compile("[\x01\x02]")
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
_ENDPOINT = re.compile(
    r"^[\s`*_]*(" + "|".join(METHODS) + r")[ \t]+(/[^\s`*]*)"
)  # fmt: skip
_CREATE = re.compile(
    r"^\s*CREATE\s+(?:OR\s+REPLACE\s+)?(?:(TEMP|TEMPORARY)\s+|UNLOGGED\s+)?TABLE\s+"
    r"(?:IF\s+NOT\s+EXISTS\s+)?([\w.\"`$]+)",
    re.I | re.M,
)
_ALTER = re.compile(r"^\s*ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?([\w.\"`$]+)", re.I | re.M)
_CODE_NAME = re.compile(r"^[\s*_]*`([\w.\"$]+)`")
#: A whole value that is template text never filled in: ``[What this component does]``.
_PLACEHOLDER = re.compile(r"^\[[^\]]*\]\.?$")
_NOTHING = frozenset({"", "none", "n/a", "na", "-", "—", "nothing", "tbd"})
_ARTICLE = re.compile(r"^(?:the|a|an)\s+", re.I)
_PARENS = re.compile(r"\s*\([^()]*\)")
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
#: Start tags that open a block of their own (a paragraph only outside other blocks).
_BLOCK_KINDS = {"Item": "item", "TableRow": "row", "Paragraph": "para"}
_ENDS = frozenset({"Heading", "Item", "TableRow"})
_SEPARATOR = re.compile(r" (?:and|&) ", re.I)


@dataclass
class _Block:
    """A heading, paragraph, list item, table row or code block of a section, rendered as
    text lines (bold marked, code spans in backticks, links by their text)."""

    kind: str  # heading | para | item | row | code
    line: int
    level: int = 0  # a heading's level; 1 for a fenced code block
    lines: list[tuple[int, list[str]]] = field(default_factory=list)
    lang: str = ""

    @property
    def text(self) -> str:
        """The block's text, one line per source line, bold marks removed."""
        return _BOLD.sub("", self.marked)

    @property
    def marked(self) -> str:
        """The block's text with bold marked."""
        return "\n".join("".join(parts) for _, parts in self.lines).strip()

    def add(self, text: str, line: int) -> None:
        if not self.lines:
            self.lines.append((line, []))
        self.lines[-1][1].append(text)

    def newline(self, line: int) -> None:
        self.lines.append((line, []))


def extract_design(
    data: bytes, headings: Sequence[Heading], lines: LineIndex, mapping: ArchMapping
) -> Design | None:
    """The components, endpoints and tables a document describes, read from its mapped
    sections (``data`` is the document's UTF-8 text, ``lines`` its line index); None when it
    describes none."""
    components: list[Component] = []
    endpoints: list[Endpoint] = []
    tables: list[Table] = []
    if mapping.components is not None:
        for blocks in _sections(data, headings, lines, mapping.components.section):
            components.extend(_components(blocks, mapping.components))
    if mapping.endpoints is not None:
        for blocks in _sections(data, headings, lines, mapping.endpoints.section):
            endpoints.extend(_endpoints(blocks, mapping.endpoints))
    if mapping.tables is not None:
        for blocks in _sections(data, headings, lines, mapping.tables.section):
            tables.extend(_tables(blocks, mapping.tables))
    design = Design(
        tuple(components), _unique_endpoints(endpoints), _unique_tables(tables)
    )  # fmt: skip
    return design or None


# --- sections and blocks ------------------------------------------------------------------------


@lru_cache(maxsize=1024)
def heading_words(text: str) -> tuple[str, ...]:
    """The words of a heading for matching sections: slugged, leading numbers and "and"
    dropped (as the template rules match sections).

    >>> heading_words("3. System Architecture (v2)")
    ('system', 'architecture', 'v2')
    """
    words = [w for w in github_slug(text).split("-") if w and w != "and"]
    while words and words[0].isdigit():
        words.pop(0)
    return tuple(words)


def _starts_with(text: str, names: Sequence[str]) -> bool:
    words = heading_words(text)
    return any((wanted := heading_words(name)) and words[: len(wanted)] == wanted for name in names)


def _sections(
    data: bytes, headings: Sequence[Heading], lines: LineIndex, name: str
) -> Iterator[list[_Block]]:
    """The blocks of each section headed ``name`` (its words starting the heading's), from
    its heading to the next heading of the same or a higher level."""
    for index, heading in enumerate(headings):
        if not _starts_with(heading.text, (name,)):
            continue
        end_line = 0
        for later in headings[index + 1 :]:
            if later.level <= heading.level:
                end_line = later.line
                break
        start = lines.starts[heading.line - 1]
        end = lines.starts[end_line - 1] if end_line else len(data)
        text = data[start:end].decode("utf-8", "replace")
        yield _blocks(text, heading.line)


def _blocks(text: str, first_line: int) -> list[_Block]:
    """Parse one section's text into blocks, in document order."""
    index = LineIndex(text.encode("utf-8"))
    out: list[_Block] = []
    stack: list[_Block] = []
    code: _Block | None = None
    for event, span in pyromark.events_with_range(text, options=OPTIONS):
        line = index.line(span["start"]) + first_line - 1
        if isinstance(event, str):  # SoftBreak, HardBreak, Rule
            if event in ("SoftBreak", "HardBreak") and stack:
                stack[-1].newline(line + 1)
            continue
        kind, value = cast("tuple[str, Any]", next(iter(event.items())))
        if kind == "Text" or kind == "Code":
            piece = str(value) if kind == "Text" else f"`{value}`"
            if code is not None:
                code.add(piece, line)
            elif stack:
                stack[-1].add(piece, line)
            continue
        tag = value if isinstance(value, str) else str(next(iter(value)))
        if kind == "Start":
            if tag == "Heading":
                stack.append(_Block("heading", line, int(value["Heading"]["level"][1:])))
            elif tag in _BLOCK_KINDS and (tag != "Paragraph" or not stack):
                stack.append(_Block(_BLOCK_KINDS[tag], line))
            elif tag == "Paragraph" and stack[-1].lines:
                stack[-1].newline(line)
            elif tag in ("TableCell", "Strong") and stack:
                stack[-1].add(" " if tag == "TableCell" else _BOLD_OPEN, line)
            elif tag == "CodeBlock":
                fence = value["CodeBlock"]
                fenced = isinstance(fence, dict) and "Fenced" in fence
                lang = str(fence.get("Fenced") or "") if isinstance(fence, dict) else ""
                code = _Block("code", line, 1 if fenced else 0, lang=lang)
        elif kind == "End":
            if tag == "Strong" and stack:
                stack[-1].add(_BOLD_CLOSE, line)
            elif tag == "CodeBlock" and code is not None:
                out.append(code)
                code = None
            elif stack and (tag in _ENDS or (tag == "Paragraph" and stack[-1].kind == "para")):
                out.append(stack.pop())
    out.sort(key=lambda b: b.line)
    return out


# --- components ---------------------------------------------------------------------------------


@lru_cache(maxsize=64)
def heading_regex(pattern: str) -> re.Pattern[str]:
    """A template heading such as ``Component {n}: {name}`` as a regex: ``{name}`` is group
    ``name``, ``{n}`` a number or word, white space and punctuation (``:``, ``-``) loose.

    >>> heading_regex("Component {n}: {name}").match("component 2 - Order API").group("name")
    'Order API'
    """
    out = []
    for part in re.split(r"(\{name\}|\{n\})", pattern.strip()):
        if part == "{name}":
            out.append(r"(?P<name>.+?)")
        elif part == "{n}":
            out.append(r"[\w.]+")
        else:  # spaces next to punctuation belong to it: "Component {n}: {name}"
            for token in re.findall(r"\s*[:\-–—.]\s*|\s+|[^\s:\-–—.]+", part):
                if not token.strip():
                    out.append(r"\s+")
                elif token.strip() in ":-–—.":
                    out.append(r"\s*[:\-–—.]\s*")
                else:
                    out.append(re.escape(token))
    return re.compile("^" + "".join(out) + r"\s*$", re.I)


def _fields(block: _Block, labels: dict[str, str]) -> list[tuple[str, str, int]]:
    """(field, value, line) for each mapped bold label that opens a line of the block
    (``**Technology:** Python``, ``**Technology**: Python``); a value runs to the next label."""
    found: list[tuple[str, list[str], int]] = []
    for line, parts in block.lines:
        text = "".join(parts).strip()
        label = re.match(r"^\x01([^\x02]{1,60}?)\s*(?::\x02|\x02\s*:)\s*", text)
        key = labels.get(label.group(1).strip().lower()) if label else None
        if label is not None and key is not None:
            found.append((key, [_BOLD.sub("", text[label.end() :])], line))
        elif found:
            found[-1][1].append(_BOLD.sub("", text))
    return [(key, " ".join(" ".join(v).split()), line) for key, v, line in found]


def _components(blocks: list[_Block], mapping: ComponentMapping) -> Iterator[Component]:
    labels = {
        getattr(mapping, key).strip().lower(): key
        for key in ("responsibility", "technology", "interfaces", "dependencies")
    }
    pattern = heading_regex(mapping.heading)
    for index, block in enumerate(blocks):
        if block.kind != "heading" or index == 0:
            continue  # the first block is the section's own heading
        matched = pattern.match(_plain(block.text))
        name = _plain(matched.group("name") if matched else block.text)
        values: dict[str, str] = {}
        lists: dict[str, list[Named]] = {}
        pending: str | None = None  # a list field whose items follow ("**Dependencies:**")
        for body in blocks[index + 1 :]:
            if body.kind == "heading":
                break
            fields = _fields(body, labels) if body.kind in ("para", "item") else []
            if body.kind == "item" and pending is not None and not fields:
                lists.setdefault(pending, []).extend(split_names(body.text, body.line))
                continue
            pending = None
            for key, value, line in fields:
                value = "" if _PLACEHOLDER.match(value) else value
                if key in ("interfaces", "dependencies"):
                    lists.setdefault(key, []).extend(split_names(value, line))
                    pending = key if not value else None
                elif value:
                    values.setdefault(key, value)
        if not (matched or values or lists) or not name or _PLACEHOLDER.match(name):
            continue
        yield Component(
            name=name,
            line=block.line,
            responsibility=values.get("responsibility", ""),
            technology=values.get("technology", ""),
            interfaces=tuple(lists.get("interfaces", ())),
            dependencies=tuple(lists.get("dependencies", ())),
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
    text = _LINK.sub(r"\1", " ".join(text.split()))
    parts: list[str] = []
    depth, ticks, start, i = 0, False, 0, 0
    while i < len(text):
        char = text[i]
        if char == "`":
            ticks = not ticks
        elif not ticks and char in "([":
            depth += 1
        elif not ticks and char in ")]" and depth:
            depth -= 1
        elif not ticks and depth == 0 and char in ",;":
            parts.append(text[start:i])
            start = i + 1
        elif not ticks and depth == 0 and char == " ":
            joint = _SEPARATOR.match(text, i)
            if joint is not None:
                parts.append(text[start:i])
                start = i = joint.end()
                continue
        i += 1
    parts.append(text[start:])
    out: list[Named] = []
    for part in parts:
        # remarks in parentheses go, but not inside code: `Route(event) -> [Message]`
        pieces = part.split("`")
        pieces[::2] = [_PARENS.sub("", piece) for piece in pieces[::2]]
        name = "`".join(pieces).strip().rstrip(".").strip()
        name = _ARTICLE.sub("", name).strip()
        if name.lower() in _NOTHING or _PLACEHOLDER.match(name) or name.startswith("["):
            continue
        out.append(Named(name, line))
    return out


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
    for block in blocks[1:]:
        if block.kind == "heading":
            while stack and stack[-1][0] >= block.level:
                stack.pop()
            named = next(
                (g for g, names in groups.items() if _starts_with(block.text, names)), None
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
            last = Endpoint(match.group(1), path or "/", block.line, change)
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
            if found and not _PLACEHOLDER.match(found[0]):
                last = Endpoint(last.method, last.path, last.line, last.change, found[0])
    if last is not None:
        yield last


def _unique_endpoints(endpoints: list[Endpoint]) -> tuple[Endpoint, ...]:
    """One endpoint per method and path in a document (the first place it is designed)."""
    seen: dict[tuple[str, str], Endpoint] = {}
    for endpoint in endpoints:
        seen.setdefault((endpoint.method, endpoint.path.rstrip("/").lower()), endpoint)
    return tuple(seen.values())


# --- tables -------------------------------------------------------------------------------------


def _tables(blocks: list[_Block], mapping: TableMapping) -> Iterator[Table]:
    groups = {"new": mapping.new, "modified": mapping.modified}
    label = re.compile(rf"^[\s\x01]*{re.escape(mapping.label)}\s*:\s*\x02?\s*`?([\w.\"$]+)`?", re.I)
    for block, change in _groups(blocks, groups, ""):
        if block.kind == "code":
            for match in _CREATE.finditer(block.text):
                if not match.group(1):  # a temporary table is no part of the design
                    yield Table(_table_name(match.group(2)), _at(block, match.start()), "new")
            for match in _ALTER.finditer(block.text):
                yield Table(_table_name(match.group(1)), _at(block, match.start()), "modified")
            continue
        if block.kind == "heading":
            continue
        for number, (line, parts) in enumerate(block.lines):
            found = label.match("".join(parts))
            if found is not None:
                yield Table(_table_name(found.group(1)), line, change or "new")
            elif number == 0 and block.kind == "item" and change:
                named = _CODE_NAME.match(block.text)
                if named is not None:
                    yield Table(_table_name(named.group(1)), line, change)


def _at(block: _Block, offset: int) -> int:
    """The line of a character offset in a code block's text (a fenced block's text starts
    below its fence; ``level`` is 1 for fenced blocks)."""
    return block.line + block.level + block.text.count("\n", 0, offset)


def _table_name(text: str) -> str:
    return text.strip('"`').replace('"', "").replace("`", "")


def _unique_tables(tables: list[Table]) -> tuple[Table, ...]:
    """One table per name in a document: where it is first named, ``new`` if it is created
    anywhere in the document."""
    seen: dict[str, Table] = {}
    created: set[str] = set()
    for table in tables:
        key = table.name.lower()
        seen.setdefault(key, table)
        if table.change == "new":
            created.add(key)
    return tuple(
        Table(t.name, t.line, "new") if k in created and t.change != "new" else t
        for k, t in seen.items()
    )
