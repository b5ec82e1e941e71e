"""parse: one file's bytes -> one Document. Pure: no I/O, no global state, picklable result."""

from __future__ import annotations

import codecs
import re
from typing import Any

from ..config import Limits
from ..model import Document, Problem, Reference, RefKind
from .frontmatter import FrontMatter, FrontMatterError, load_front_matter
from .ids import Recogniser, canonical_id
from .markdown import LineIndex, walk_markdown

__all__ = ["Recogniser", "decode", "parse_document"]

#: ``**Status:** Draft``, ``Status: Draft``, ``- Status: accepted``, ``__Author__: X``.
_FIELD_LINE = re.compile(
    r"^\s{0,3}(?:[-*+]\s+)?(?:\*\*|__)?([A-Za-z][A-Za-z /_-]{1,30}?)\s*(?:\*\*|__)?\s*:"
    r"\s*(?:\*\*|__)?\s*(.+?)\s*$"
)
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


_KEY_SEPARATORS = re.compile(r"[\s-]+")
_COMMENT = re.compile(r"<!--.*?(?:-->|$)")
_INLINE_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")


def _meta_key(key: str) -> str:
    return _KEY_SEPARATORS.sub("_", key.strip().lower())


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


_BOMS = (
    codecs.BOM_UTF32_LE,
    codecs.BOM_UTF32_BE,
    codecs.BOM_UTF8,
    codecs.BOM_UTF16_LE,
    codecs.BOM_UTF16_BE,
)


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
) -> Document:
    """Parse one document. Never raises for bad input: problems are recorded on the result."""
    stem = path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    if data is None:
        type_name, doc_id = _recognise(recogniser, path, stem, {}, "", set())
        return Document(
            path=path,
            type=type_name,
            id=doc_id,
            title=stem,
            status=None,
            status_raw=None,
            metadata=(),
            headings=(),
            anchors=frozenset(),
            references=(),
            problems=(Problem(read_error or "cannot read file"),),
        )
    problems: list[Problem] = []
    text, decode_problem = decode(data)
    if decode_problem is not None:
        problems.append(decode_problem)
    nul = "\x00" in text
    if nul:
        offset = text.index("\x00")
        line = text.count("\n", 0, offset) + 1
        problems.append(Problem("file contains NUL bytes (binary data?)", line))
        text = text.replace("\x00", "\ufffd")
    if "\r" in text:
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
                problems.append(Problem(str(exc), fm_line + exc.line))
            else:
                front = loaded.data
                for key, line in loaded.duplicates:
                    problems.append(
                        Problem(f"front matter key '{key}' is given twice", fm_line + line)
                    )
                for key, line in loaded.key_lines.items():
                    meta_lines[_meta_key(key)] = fm_line + line
                references.extend(_front_matter_references(recogniser, loaded, fm_line, path))
    elif re.match(r"\A\ufeff?---[ \t]*\r?\n", text):
        problems.append(Problem("front matter starts with '---' but is never closed", 1))

    metadata: dict[str, str] = {}
    for key, value in front.items():
        metadata.setdefault(_meta_key(key), _meta_value(value))
    # Field lines are read below the front matter only: a YAML block that failed to load (or a
    # nested key such as ``review: {status: x}``) must not leak into the metadata.
    body_line = lines.position(facts.front_matter_end)[0] + 1 if facts.front_matter else 0
    _field_lines(text, lines, facts.first_h2_line, metadata, meta_lines, body_line)

    title = metadata.get("title") or _first_title(facts)
    if not title:
        title = stem
    slugs = {h.slug for h in facts.headings if h.level >= 2}
    type_name, doc_id = _recognise(recogniser, path, stem, metadata, title, slugs)
    status_raw = metadata.get("status")
    status_line = meta_lines.get("status", 1)
    if status_raw is None and facts.status_section:
        status_raw = facts.status_section.splitlines()[0].strip()
        status_line = facts.status_section_line
    status = recogniser.normalise_status(status_raw, type_name) if status_raw else None

    for ref in facts.references:
        if ref.kind is RefKind.MENTION and ref.target == doc_id:
            continue
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
    references.sort(key=lambda r: (r.line, r.column))

    return Document(
        path=path,
        type=type_name,
        id=doc_id,
        title=title,
        status=status,
        status_raw=status_raw,
        metadata=tuple(sorted(metadata.items())),
        headings=tuple(facts.headings),
        anchors=frozenset(facts.anchors),
        references=tuple(references),
        placeholders=tuple(facts.placeholders),
        questions=tuple(facts.questions),
        problems=tuple(problems),
        ignored_rules=frozenset(facts.ignored),
        line_count=lines.line_count,
        status_line=status_line,
        metadata_lines=tuple(sorted(meta_lines.items())),
    )


def _front_matter_references(
    rec: Recogniser, front: FrontMatter, first_line: int, path: str
) -> list[Reference]:
    """References declared by front-matter relation keys; values are IDs, paths or lists."""
    type_hint = str(front.data.get("type") or "").upper()
    keys = rec.relation_keys(type_hint)
    out: list[Reference] = []
    for key, value in front.data.items():
        relation = keys.get(key) or keys.get(key.lower())
        if relation is None:
            continue
        values = value if isinstance(value, list) else [value]
        positions = front.item_lines.get(key, [])
        for index, item in enumerate(values):
            if not isinstance(item, str | int) or isinstance(item, bool) or item == "":
                continue
            text = str(item).strip()
            line, column = positions[index] if index < len(positions) else (0, 0)
            doc_id = rec.normalise_id(text)
            out.append(
                Reference(
                    RefKind.METADATA,
                    doc_id or text,
                    relation,
                    first_line + line,
                    column + 1,
                    is_id=doc_id is not None,
                    text=key,
                )
            )
    return out


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
) -> None:
    """Read ``**Status:** Draft``-style lines at the top of the document (before the first
    ``##`` section, at most 60 lines); front matter wins where both give a field."""
    limit = first_h2_line - 1 if first_h2_line else 60
    in_fence = False
    # Split as LineIndex does (str.splitlines also breaks at \f, \x1c, U+2028 ...).
    head = re.split(r"\r\n|\r|\n", text, maxsplit=min(limit, 60))[: min(limit, 60)]
    for number, line in enumerate(head, start=1):
        if number <= body_line:
            continue
        stripped = line.strip()
        if stripped.startswith(("```", "~~~")):
            in_fence = not in_fence
            continue
        if in_fence or ":" not in line:  # every field line has a colon
            continue
        match = _FIELD_LINE.match(line)
        if not match:
            continue
        key = _meta_key(match.group(1))
        if key not in FIELD_KEYS or key in metadata:
            continue
        value = _clean_field(match.group(2))
        if value:
            metadata[key] = value
            meta_lines[key] = number


def _clean_field(value: str) -> str:
    """A field line's value as text: comments dropped, ``[text](url)`` -> text."""
    value = _COMMENT.sub("", value)
    value = _INLINE_LINK.sub(r"\1", value)
    return value.strip().strip("*_").strip()


def _recognise(
    rec: Recogniser,
    path: str,
    stem: str,
    metadata: dict[str, str],
    title: str,
    slugs: set[str],
) -> tuple[str, str | None]:
    """(type, canonical ID or None) by DESIGN.md section 4's order; first match wins."""
    fm_type = (metadata.get("type") or "").strip().upper()
    type_name = fm_type if fm_type in rec.type_names or fm_type == "DOC" else None
    fm_id_raw = (metadata.get("id") or "").strip()
    fm_id = rec.normalise_id(fm_id_raw) if fm_id_raw else None
    doc_id: str | None = None
    if fm_id is not None:
        doc_id = fm_id
        type_name = type_name or fm_id.split("-", 1)[0]
    elif fm_id_raw:
        doc_id = fm_id_raw
    for spec in rec.types:
        if doc_id is None and spec.number_field and metadata.get(_meta_key(spec.number_field)):
            number = re.findall(r"\d+", metadata[_meta_key(spec.number_field)])
            if number:
                type_name = type_name or spec.name
                doc_id = canonical_id(spec.name, number[0])
    from_file = rec.type_from_filename(stem)
    if from_file is not None:
        type_name = type_name or from_file[0]
        if doc_id is None and from_file[0] == type_name:
            doc_id = from_file[1]
    type_name = (
        type_name
        or rec.type_from_folders(path)
        or rec.type_from_title(title)
        or rec.type_from_sections(slugs)
        or "DOC"
    )
    if doc_id is None and type_name != "DOC":
        doc_id = rec.id_from_number(type_name, stem, title)
    return type_name, doc_id
