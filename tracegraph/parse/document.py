"""One file's bytes -> one Document (``parse_document``): the walk's facts, front matter,
field lines and recognition combined. Pure: no I/O, no global state, picklable result.

Compiled with the walk when the parser is (``tracegraph.parse.native``): everything around
the walk runs once per document, 10,000 times for a 10k tree.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Sequence
from dataclasses import replace
from operator import attrgetter
from typing import Any, Final

from ..config import Limits
from ..generated import is_generated
from ..model import Document, Heading, Problem, Reference, RefKind, Relation
from ..patterns import configured_regex
from .design import extract_design
from .frontmatter import FrontMatter, FrontMatterError, load_front_matter
from .ids import Recogniser
from .markdown import LineIndex, build, field_names, walk_markdown

#: A document's metadata file, as crawl read it: (path, bytes or None, read error or None).
Sidecar = tuple[str, bytes | None, str | None]

#: ``**Status:** Draft``, ``Status: Draft``, ``- Status: accepted``, ``__Author__: X``: the
#: key up to the line's first colon (``_FIELD_HEAD``), then the value.
_FIELD_HEAD_PATTERN = (
    r"^\s{0,3}(?:[-*+]\s+)?(?:\*\*|__)?([A-Za-z][A-Za-z /_-]{1,30}?)\s*(?:\*\*|__)?\s*:"
)
_FIELD_LINE: Final = re.compile(_FIELD_HEAD_PATTERN + r"\s*(?:\*\*|__)?\s*(.+?)\s*$")
#: The key alone: ``_FIELD_LINE`` matches exactly where this does and a character follows the
#: colon (nothing before the colon or after it can fail the rest), with the same key; the
#: value's lazy ``(.+?)\s*$`` costs a step per character, so it is read only for a wanted key.
_FIELD_HEAD: Final = re.compile(_FIELD_HEAD_PATTERN)
#: The field-line pattern, for editors that must find a field where parsing found it.
FIELD_LINE = _FIELD_LINE
FIELD_KEYS = frozenset(
    {
        "status",
        "author",
        "authors",
        "owner",
        "owners",
        "created",
        "date",
        "last_updated",
        "updated",
        "deciders",
        "reviewers",
        "approvers",
        "team",
        "version",
        "id",
        "type",
        "technical_story",
    }
)


_KEY_SEPARATORS: Final = re.compile(r"[\s-]+")
#: File stems of a folder's index page (see ``_recognise``).
_INDEX_STEMS = frozenset({"readme", "index"})
#: Front matter's opening line (the walk found none closed when this is all there is).
_UNCLOSED = re.compile(r"\A\ufeff?---[ \t]*\r?\n")
_NUMBER = re.compile(r"\d+")
_COMMENT = re.compile(r"<!--.*?(?:-->|$)")
_INLINE_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
#: Template text never filled in, in a title or a status: ``[Feature Name]``.
_UNFILLED = re.compile(r"\[[^\]\[]*[A-Za-z][^\]\[]*\]")


#: Key as written -> key as stored: every document repeats the same few (``Status``, ``id``).
_META_KEYS: Final[dict[str, str]] = {}


def _meta_key(key: str) -> str:
    known = _META_KEYS.get(key)
    if known is None:
        known = _KEY_SEPARATORS.sub("_", key.strip().lower())
        if len(key) <= 64:  # short keys repeat; the memory stays bounded
            if len(_META_KEYS) >= 4096:
                _META_KEYS.clear()
            _META_KEYS[key] = known
    return known


def _meta_value(value: Any, depth: int = 0) -> str:
    """A front-matter value as text, bounded in depth and length (front matter is untrusted)."""
    if depth > 8:
        return "..."
    if isinstance(value, list):
        parts: list[str] = []
        for item in value[:200]:
            parts.append(_meta_value(item, depth + 1))
        return ", ".join(parts)[:2000]
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, dict):
        items = list(value.items())[:100]
        text = ", ".join(f"{str(k)[:200]}: {_meta_value(v, depth + 1)}" for k, v in items)
        return text[:500]
    return str(value)[:2000]


_WIDE_BOMS = (
    codecs.BOM_UTF32_LE,
    codecs.BOM_UTF32_BE,
    codecs.BOM_UTF16_LE,
    codecs.BOM_UTF16_BE,
)
_BOMS = (codecs.BOM_UTF8, *_WIDE_BOMS)


def decode(data: bytes) -> tuple[str, Problem | None]:
    """Text of a file: UTF-8 (BOM stripped) or UTF-16/32 with a BOM; undecodable bytes are
    replaced and reported as a problem rather than raised."""
    for bom, encoding in (
        (codecs.BOM_UTF32_LE, "utf-32-le"),
        (codecs.BOM_UTF32_BE, "utf-32-be"),
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(encoding), None
            except UnicodeDecodeError as exc:
                text = data[len(bom) :].decode(encoding, "replace")
                return text, Problem(f"text is not valid {encoding.upper()}: {exc.reason}")
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        message = f"text is not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})"
        return data.decode("utf-8", "replace"), Problem(message, line, column)


def parse_document(
    path: str,
    data: bytes | None,
    recogniser: Recogniser,
    limits: Limits,
    read_error: str | None = None,
    sidecar: Sidecar | None = None,
) -> Document:
    """Parse one document. Never raises for bad input: problems are recorded on the result.

    ``sidecar`` is the document's metadata file (a KEP's ``kep.yaml``) when its type has one:
    its fields are read like front matter, and its relations are located in it."""
    stem = path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    recogniser = recogniser.for_path(path)  # a preset's settings in its own folder
    if data is None:
        type_name, doc_id = _recognise(recogniser, path, stem, {}, "", ())
        problem = Problem(read_error or "cannot read file")
        return _bare_document(path, type_name, doc_id, stem, problems=(problem,))
    if is_generated(data):  # tracegraph's own output (a report written into the tree): set apart
        return _bare_document(path, "DOC", None, stem, line_count=1, generated=True)
    problems: list[Problem] = []
    text, decode_problem = decode(data)
    if decode_problem is not None:
        problems.append(decode_problem)
    # Decoded as UTF-8 (a BOM or none), a NUL or CR character is that byte: looked for in the
    # bytes (memchr; the text of a document with one non-ASCII character is two bytes a
    # character, searched a character at a time).
    wide = data.startswith(_WIDE_BOMS)
    # (``bytes.find``: ``in`` on bytes tries the needle as an int first, raising and clearing
    # a TypeError, about 2,000 instructions.)
    nul = "\x00" in text if wide else data.find(b"\x00") >= 0
    if nul:
        offset = text.index("\x00")
        line = text.count("\n", 0, offset) + 1
        problems.append(Problem("file contains NUL bytes (binary data?)", line))
        text = text.replace("\x00", "\ufffd")
    if ("\r" in text) if wide else (data.find(b"\r") >= 0):
        # pulldown-cmark ends lines at a lone CR in prose but not around front matter; CR -> LF
        # keeps every offset (same length) and LineIndex counted CR as a line end already.
        text = re.sub(r"\r(?!\n)", "\n", text)
        decode_problem = decode_problem or Problem("", 0)  # force re-encoding below
    # Valid UTF-8 without a BOM encodes back to the same bytes: encode only text that was
    # changed (CR, NUL -> U+FFFD) or decoded from another encoding.
    same = decode_problem is None and not nul and not data.startswith(_BOMS)
    utf8 = data if same else text.encode("utf-8")
    facts, lines = walk_markdown(text, utf8, recogniser, recogniser.has_wikilinks(path))

    front: dict[str, Any] = {}
    meta_lines: dict[str, int] = {}
    references: list[Reference] = []
    loaded: FrontMatter | None = None
    fm_line = 0
    if facts.front_matter is not None:
        fm_text, fm_start = facts.front_matter
        fm_line = lines.position(fm_start)[0]
        if len(fm_text.encode("utf-8")) > limits.max_front_matter_bytes:
            problems.append(
                Problem(
                    "front matter is over the limit "
                    f"limits.max_front_matter_bytes={limits.max_front_matter_bytes}",
                    fm_line,
                )
            )
        else:
            try:
                loaded = load_front_matter(fm_text, limits.max_yaml_aliases)
            except FrontMatterError as exc:
                # YAML counts U+2028/U+2029/NEL as line breaks, tracegraph does not: keep the
                # line inside the front matter.
                fm_last = lines.position(facts.front_matter_end)[0]
                problems.append(Problem(str(exc), min(fm_line + exc.line, fm_last)))
            else:
                front = loaded.data
                for key, line in loaded.duplicates:
                    problems.append(
                        Problem(f"front matter key '{key}' is given twice", fm_line + line)
                    )
                for key, line in loaded.key_lines.items():
                    meta_lines[_meta_key(key)] = fm_line + line
    elif text.startswith(("---", "\ufeff---")) and _UNCLOSED.match(text):
        problems.append(Problem("front matter starts with '---' but is never closed", 1))

    side = _load_sidecar(sidecar, limits, problems) if sidecar is not None else None
    metadata: dict[str, str] = {}
    for key, value in front.items():
        metadata.setdefault(_meta_key(key), _meta_value(value))
    if side is not None:
        for key, value in side.data.items():
            metadata.setdefault(_meta_key(key), _meta_value(value))
    # Field lines are read below the front matter only: a YAML block that failed to load (or a
    # nested key such as ``review: {status: x}``) must not leak into the metadata.
    body_line = lines.position(facts.front_matter_end)[0] + 1 if facts.front_matter else 0
    keys = FIELD_KEYS | recogniser.field_keys
    _field_lines(text, lines, facts.first_h2_line, metadata, meta_lines, body_line, keys)

    title = metadata.get("title") or _first_title(facts)
    if not title:
        title = stem
    type_name, doc_id = _recognise(recogniser, path, stem, metadata, title, facts.headings)
    if not facts.headings and not metadata and _REDIRECT.match(text):
        # "Moved to [x](x.md)." is a forwarding note, not the document it names: it keeps its
        # link but claims no ID (Rust's text/2071-impl-trait-type-alias.md).
        type_name, doc_id = "DOC", None
    spec = recogniser.spec(type_name)
    if spec is not None and spec.title_from == "path":
        title = _title_from_stem(stem)
    status_key = _meta_key(spec.status_field) if spec is not None else "status"
    status_raw = metadata.get(status_key)
    status_line = meta_lines.get(status_key, 1)
    if status_raw is None and facts.status_section:
        status_raw = facts.status_section.splitlines()[0].strip()
        status_line = facts.status_section_line
    status = recogniser.normalise_status(status_raw, type_name) if status_raw else None
    if status is None and spec is not None:
        status = spec.default_status
    if loaded is not None:
        references.extend(
            _front_matter_references(recogniser, loaded, fm_line, type_name, RefKind.METADATA)
        )
        if status_raw and status_key in {_meta_key(k) for k in loaded.data}:
            references.extend(_status_references(recogniser, status_raw, status_line))
    if side is not None:
        references.extend(_front_matter_references(recogniser, side, 1, type_name, RefKind.SIDECAR))

    prose = spec is None or spec.prose_relations
    for ref in facts.references:
        if ref.kind is _MENTION and ref.target == doc_id:
            continue
        if not prose and ref.relation not in _PLAIN_RELATIONS:
            # Only metadata declares relations for this type: "Requires EIP-2718" in the text
            # is a citation, not a dependency (a false one could close a cycle).
            plain = Relation.MENTIONS if ref.kind is RefKind.MENTION else Relation.REFERENCES
            ref = replace(ref, relation=plain, reverse=False)
        references.append(ref)
    if len(references) > limits.max_references_per_file:
        problems.append(
            Problem(
                f"{len(references)} references, over the limit "
                f"limits.max_references_per_file={limits.max_references_per_file}; "
                "the rest are ignored"
            )
        )
        references = references[: limits.max_references_per_file]
    references.sort(key=_POSITION)
    # Only documents whose type maps its template onto the system are read again (issue 20);
    # a template, or a copy of one not filled in yet ("[Feature Name]"), describes nothing.
    mapping = spec.architecture if spec is not None else None
    unfilled = _UNFILLED.search(title) or _UNFILLED.match(status_raw or "")
    design = (
        extract_design(utf8, facts.headings, lines, mapping, facts.heading_starts)
        if mapping and not unfilled
        else None
    )

    # Built as ``Document(path=..., ...)`` would be, without its generated keyword
    # ``__init__`` (interpreted: about 30,000 instructions a document, 1.3% of the parse).
    return build(
        Document,
        _DOCUMENT_FIELDS,
        (
            path,
            type_name,
            doc_id,
            title,
            status,
            status_raw,
            tuple(sorted(metadata.items())),
            tuple(facts.headings),
            tuple(sorted(facts.anchors)),
            tuple(references),
            tuple(facts.placeholders),
            tuple(facts.questions),
            tuple(problems),
            frozenset(facts.ignored),
            lines.line_count,
            status_line,
            tuple(sorted(meta_lines.items())),
            tuple(sorted(set(facts.ignored_lines))),
            False,
            sidecar[0] if sidecar is not None else None,
            design,
        ),
    )


_REDIRECT = re.compile(
    r"\A\s*(?:this (?:rfc|document|file|page|proposal) (?:has )?(?:been |was |is )?)?"
    r"(?:moved|renamed|relocated) to\b[^\n]*\]\([^)\n]+\)[^\n]*\s*\Z",
    re.I,
)
_PLAIN_RELATIONS = frozenset({Relation.REFERENCES, Relation.MENTIONS})
#: Read once per reference: a compiled constant (an enum's attribute hook is slow).
_MENTION: Final = RefKind.MENTION
_POSITION = attrgetter("line", "column")
_STEM_NUMBER = re.compile(r"^\d+[-_ ]+")


def _title_from_stem(stem: str) -> str:
    """A title made from a file name: its leading number dropped, separators made spaces.

    >>> _title_from_stem("0001-private-fields"), _title_from_stem("3086-macro_metavar_expr")
    ('private fields', 'macro metavar expr')
    """
    words = _STEM_NUMBER.sub("", stem).replace("-", " ").replace("_", " ").strip()
    return words or stem


def _bare_document(
    path: str, type_name: str, doc_id: str | None, stem: str, **fields: Any
) -> Document:
    """A document with nothing read from its text (unreadable, or generated by tracegraph)."""
    return Document(
        path=path,
        type=type_name,
        id=doc_id,
        title=stem,
        status=None,
        status_raw=None,
        metadata=(),
        headings=(),
        anchors=(),
        references=(),
        **fields,
    )


def _load_sidecar(sidecar: Sidecar, limits: Limits, problems: list[Problem]) -> FrontMatter | None:
    """A sidecar's YAML mapping; what is wrong with it becomes a problem naming the file."""
    side_path, side_data, side_error = sidecar
    if side_data is None:
        problems.append(Problem(f"{side_path}: {side_error or 'cannot read file'}"))
        return None
    if len(side_data) > limits.max_front_matter_bytes:
        problems.append(
            Problem(
                f"{side_path}: over the limit "
                f"limits.max_front_matter_bytes={limits.max_front_matter_bytes}"
            )
        )
        return None
    side_text, side_problem = decode(side_data)
    if side_problem is not None:
        problems.append(Problem(f"{side_path}: {side_problem.message}"))
    try:
        return load_front_matter(side_text, limits.max_yaml_aliases)
    except FrontMatterError as exc:
        problems.append(Problem(f"{side_path}:{exc.line + 1}: {exc}"))
        return None


#: Relation values that say "nothing" (``superseded-by: n/a``).
_NO_VALUE = frozenset({"", "n/a", "na", "none", "tbd", "todo", "-", "—", "~", "null", "nil"})
_LINK_VALUE = re.compile(r"^\[[^\]]*\]\(\s*<?([^)\s>]+)>?\s*\)$|^<([^>\s]+)>$")
#: ``github.com/owner/repo/...`` written without a scheme: a web address, not a path.
_HOST_VALUE = re.compile(r"^(?:www\.)?[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?::\d+)?/")


def _relation_values(value: Any, separator: str) -> list[tuple[int, str]]:
    """(item index, text) of each target in a relation field's value: a scalar, a list, a
    mapping (its values), or a string that ``separator`` splits (``requires: 161, 684``)."""
    if isinstance(value, dict):
        items = list(value.values())
    elif isinstance(value, list):
        items = value
    else:
        items = [value]
    out: list[tuple[int, str]] = []
    for index, item in enumerate(items[:1000]):
        if isinstance(item, bool) or not isinstance(item, str | int):
            continue
        text = str(item).strip()
        parts = (
            configured_regex(separator).split(text)
            if separator and isinstance(item, str)
            else [text]
        )
        out.extend((index, part.strip()) for part in parts)
    return out


def _relation_target(rec: Recogniser, text: str, type_name: str) -> tuple[str, bool] | None:
    """(target, is_id) for one relation value, or None when it names nothing: an ID (``KEP-3``,
    or a bare number meaning the document's own type), a link's destination, a web address
    without its scheme, or a path."""
    if text.lower().strip(".") in _NO_VALUE:
        return None
    link = _LINK_VALUE.match(text)
    if link:
        text = link.group(1) or link.group(2)
    if text.isdigit() and type_name != "DOC" and type_name in rec.type_names:
        return rec.canonical(type_name, text), True
    doc_id = rec.normalise_id(text)
    if doc_id is not None:
        return doc_id, True
    if _HOST_VALUE.match(text):
        return f"https://{text}", False
    return text, False


def _front_matter_references(
    rec: Recogniser, front: FrontMatter, first_line: int, type_name: str, kind: RefKind
) -> list[Reference]:
    """References declared by the relation keys of the document's type in front matter (or a
    sidecar); values are IDs, numbers, paths, links or lists of them."""
    keys = rec.relation_keys(type_name)
    spec = rec.spec(type_name)
    separator = spec.list_separator if spec is not None else ""
    out: list[Reference] = []
    for key, value in front.data.items():
        relation = keys.get(key) or keys.get(key.lower())
        if relation is None:
            continue
        positions = front.item_lines.get(key, [])
        for index, text in _relation_values(value, separator):
            found = _relation_target(rec, text, type_name)
            if found is None:
                continue
            line, column = positions[index] if index < len(positions) else (0, 0)
            out.append(
                Reference(
                    kind, found[0], relation, first_line + line, column + 1, found[1], text=key
                )
            )
    return out


_STATUS_RELATION = re.compile(r"^\W*(superseded by|replaced by|supersedes|replaces)\b", re.I)
_STATUS_TARGET = re.compile(r"\]\(\s*<?([^)\s>]+)>?\s*\)")


def _status_references(rec: Recogniser, status: str, line: int) -> list[Reference]:
    """Links and IDs in a front-matter status such as MADR's ``superseded by
    [ADR-0005](0005-x.md)``: the supersession it declares."""
    lead = _STATUS_RELATION.match(status)
    if lead is None:
        return []
    word = lead.group(1).lower()
    relation = Relation.SUPERSEDED_BY if word.endswith(" by") else Relation.SUPERSEDES
    links = [m.group(1) for m in _STATUS_TARGET.finditer(status)]
    if links:
        return [Reference(RefKind.METADATA, t, relation, line, 1, text="status") for t in links]
    return [
        Reference(RefKind.METADATA, found, relation, line, 1, True, text="status")
        for _offset, found in rec.find_mentions(status)
    ]


def _first_title(facts: Any) -> str:
    for heading in facts.headings:
        if heading.level == 1:
            return str(heading.text)
    return str(facts.headings[0].text) if facts.headings else ""


def _field_lines(
    text: str,
    lines: LineIndex,
    first_h2_line: int,
    metadata: dict[str, str],
    meta_lines: dict[str, int],
    body_line: int = 0,
    keys: frozenset[str] = FIELD_KEYS,
) -> None:
    """Read ``**Status:** Draft``-style lines at the top of the document (before the first
    ``##`` section, at most 60 lines); front matter wins where both give a field."""
    limit = first_h2_line - 1 if first_h2_line else 60
    in_fence = False
    count = min(limit, 60)
    if count <= 0:
        return
    # Split as LineIndex does (str.splitlines also breaks at \f, \x1c, U+2028 ...).
    if "\r" in text:
        head = _LINE_BREAK.split(text, maxsplit=count)[:count]
    else:
        head = text.split("\n", count)[:count]
    for number, line in enumerate(head[body_line:], start=body_line + 1):
        if ("`" in line or "~" in line) and line.strip().startswith(("```", "~~~")):
            in_fence = not in_fence
            continue
        if in_fence or ":" not in line:  # every field line has a colon
            continue
        found = _FIELDS.get(line)
        if found is None:
            start = _FIELD_HEAD.match(line)
            found = (_meta_key(start.group(1)), None) if start and start.end() < len(line) else ()
            _remember_field(line, found)
        if not found:
            continue
        key, value = found
        if key not in keys or key in metadata:
            continue
        if value is None:
            value = _clean_field(field_value(line))
            _remember_field(line, (key, value))
        if value:
            metadata[key] = value
            meta_lines[key] = number


_LINE_BREAK: Final = re.compile(r"\r\n|\r|\n")
#: ``Document``'s fields in order, for ``build`` (the last lines of ``parse_document``; a test
#: checks the order against the dataclass).
_DOCUMENT_FIELDS: Final = field_names(Document)


def field_value(line: str) -> str:
    """The value ``_FIELD_LINE`` reads from a line ``_FIELD_HEAD`` matches with something after
    the colon (its group 2, "" without a match), mostly without the regex, whose lazy value
    tries ``\\s*$`` after every character. The head's colon is the line's first (no character
    before it can be one); the regex's first choices (white space, a bold mark, white space,
    the rest up to trailing white space: ``str.strip`` and ``\\s`` agree on what is white space)
    are its answer unless they leave nothing, where it backtracks: then the regex answers."""
    value = line[line.find(":") + 1 :].lstrip()
    if value.startswith("**") or value.startswith("__"):
        value = value[2:].lstrip()
    value = value.rstrip()
    if value and "\n" not in value:
        return value
    match = _FIELD_LINE.match(line)
    return match.group(2) if match is not None else ""


def _type_from_sections(rec: Recogniser, headings: Sequence[Heading]) -> str | None:
    """The type whose template's sections the document's ``##`` and deeper headings show."""
    return rec.type_from_sections({h.slug for h in headings if h.level >= 2})


#: A line -> its field line's (key, value), or () when it is none (see ``_field_lines``); the
#: value is None until a document wants that key.
_FIELDS: Final[dict[str, tuple[str, str | None] | tuple[()]]] = {}


def _remember_field(line: str, found: tuple[str, str | None] | tuple[()]) -> None:
    """Keep what ``line`` reads as (short lines repeat: "**Status:** Draft"; the memory stays
    bounded)."""
    if len(line) <= 200:
        if len(_FIELDS) >= 20_000:
            _FIELDS.clear()
        _FIELDS[line] = found


def _clean_field(value: str) -> str:
    """A field line's value as text: comments dropped, ``[text](url)`` -> text."""
    if "<!--" in value:
        value = _COMMENT.sub("", value)
    if "](" in value:
        value = _INLINE_LINK.sub(_link_text, value)
    return value.strip().strip("*_").strip()


def _link_text(match: re.Match[str]) -> str:
    return match.group(1)


def _recognise(
    rec: Recogniser,
    path: str,
    stem: str,
    metadata: dict[str, str],
    title: str,
    headings: Sequence[Heading],
) -> tuple[str, str | None]:
    """(type, canonical ID or None) by DESIGN.md section 4's order; first match wins."""
    # A convention's layout (``keps/<sig>/<NNNN>-<slug>/README.md``) is the surest clue: there,
    # a front-matter ``type:`` is the convention's own metadata (an EIP's "Standards Track").
    claimed = rec.type_from_path(path)
    fm_type = (metadata.get("type") or "").strip().upper()
    type_name = claimed or (fm_type if fm_type in rec.type_names or fm_type == "DOC" else None)
    fm_id_raw = (metadata.get("id") or "").strip()
    fm_id = rec.normalise_id(fm_id_raw) if fm_id_raw else None
    doc_id: str | None = None
    if fm_id is not None and (claimed is None or fm_id.startswith(claimed + "-")):
        doc_id = fm_id
        type_name = type_name or fm_id.split("-", 1)[0]
    elif fm_id_raw and claimed is None:
        doc_id = fm_id_raw
    specs = [s for s in rec.types if s.name == claimed] if claimed else list(rec.types)
    for spec in specs:
        if doc_id is None and spec.number_field and metadata.get(_meta_key(spec.number_field)):
            number = _NUMBER.findall(metadata[_meta_key(spec.number_field)])
            if number:
                type_name = type_name or spec.name
                doc_id = rec.canonical(spec.name, number[0])
    from_file = rec.type_from_filename(stem)
    if from_file is not None:
        type_name = type_name or from_file[0]
        if doc_id is None and from_file[0] == type_name:
            doc_id = from_file[1]
    # A README.md or index.md standing in a type's folder (``docs/adr/README.md``) is that
    # folder's index page, not one more record: only its own metadata or title can type it.
    parent = path.rpartition("/")[0].rpartition("/")[2]
    index_page = stem.lower() in _INDEX_STEMS and parent.lower() in rec.folders
    type_name = (
        type_name
        or (None if index_page else rec.type_from_folders(path))
        or rec.type_from_title(title)
        or (None if index_page else _type_from_sections(rec, headings))
        or "DOC"
    )
    if doc_id is None and type_name != "DOC":
        doc_id = rec.id_from_number(type_name, stem, title, path)
    return type_name, doc_id
