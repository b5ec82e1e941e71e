"""What the editor asks about a place in a document, answered from the graph: the reference
under the cursor, where it leads, its card, what links to it, what to complete, how to repair
the outline (quick fixes are in ``actions.py``). Pure functions over a ``Corpus``; no pygls here.

Places are 0-based lines with start and end columns in code points (Python string indices);
the server converts them to the client's position encoding.
"""

from __future__ import annotations

import posixpath
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import unquote

from .. import HOMEPAGE, queries
from ..errors import NotFoundError
from ..graph import Corpus
from ..model import Document, Finding, Link, Reference, RefKind, Target
from ..output.queries import card_fields
from ..safetext import neutralise

#: The text of a file's lines (no line ends), for a root-relative path; () when unreadable.
Lines = Callable[[str], Sequence[str]]

_MENTION = re.compile(r"[A-Za-z][\w]*(?:-|\s?#|\s)?\d+")
_VALUE = re.compile(r"""["']?[^,\]\}\s"']+["']?""")
_WORD = re.compile(r"\S+")


@dataclass(frozen=True, order=True)
class Place:
    """A range in a file: root-relative path, 0-based line, start and end columns (code
    points); ``end_line`` when the range ends on another line."""

    path: str
    line: int
    start: int = 0
    end: int = 0
    end_line: int | None = None


# --- where references are written ------------------------------------------------------------


def _closing(text: str, start: int, opening: str, closing: str) -> int | None:
    """The index after the bracket that closes the one at ``start`` (escapes skipped)."""
    depth = 0
    index = start
    while index < len(text):
        char = text[index]
        if char == "\\":
            index += 2
            continue
        if char == opening:
            depth += 1
        elif char == closing:
            depth -= 1
            if depth == 0:
                return index + 1
        index += 1
    return None


def reference_span(line: str, ref: Reference) -> tuple[int, int]:
    """Where a reference is written on its line: (start, end) columns, 0-based, end exclusive.

    >>> from tracegraph.model import RefKind, Relation
    >>> ref = Reference(RefKind.LINK, "b.md#x", Relation.REFERENCES, 1, 5)
    >>> line = "See [B](b.md#x) too"
    >>> start, end = reference_span(line, ref); line[start:end]
    '[B](b.md#x)'
    """
    start = min(max(ref.column - 1, 0), len(line))
    kind = ref.kind
    end: int | None = None
    if kind in (RefKind.LINK, RefKind.IMAGE):
        bracket = start + 1 if line.startswith("!", start) else start
        if line.startswith("[", bracket):
            end = _closing(line, bracket, "[", "]")
            if end is not None and line.startswith("(", end):
                end = _closing(line, end, "(", ")") or len(line)
            elif end is not None and line.startswith("[", end):
                end = _closing(line, end, "[", "]") or end
    elif kind is RefKind.WIKILINK:
        found = line.find("]]", start)
        end = found + 2 if found >= 0 else None
    elif kind is RefKind.AUTOLINK:
        if line.startswith("<", start):
            found = line.find(">", start)
            end = found + 1 if found >= 0 else None
        else:
            for written in (ref.target, ref.target.removeprefix("http://"), ref.target[7:]):
                if written and line.startswith(written, start):
                    end = start + len(written)
                    break
    elif kind is RefKind.MENTION:
        match = _MENTION.match(line, start)
        end = match.end() if match else None
    elif kind in (RefKind.METADATA, RefKind.SIDECAR):
        match = _VALUE.match(line, start)
        end = match.end() if match else None
    if end is None or end <= start:
        match = _WORD.match(line, start)
        end = match.end() if match else len(line)
    if start >= len(line):
        return start, start
    return start, max(end, start + 1)


def link_at(links: Iterable[Link], lines: Sequence[str], line: int, column: int) -> Link | None:
    """The reference written at 0-based ``line``/``column`` of a document (None if none)."""
    if not 0 <= line < len(lines):
        return None
    text = lines[line]
    for link in links:
        ref = link.reference
        if ref.line - 1 != line or ref.kind is RefKind.SIDECAR:
            continue
        start, end = reference_span(text, ref)
        if start <= column <= end:
            return link
    return None


def finding_span(line: str, finding: Finding, links: Iterable[Link] = ()) -> tuple[int, int]:
    """Where to underline a finding on its line: the reference written there, else the word at
    its column; a finding about the whole document (column 1, nothing written there) gets the
    whole line."""
    for link in links:
        ref = link.reference
        if ref.line == finding.line and ref.column == finding.column:
            return reference_span(line, ref)
    start = min(finding.column - 1, len(line))
    if finding.column <= 1:
        stripped = line.rstrip()
        return 0, max(len(stripped), 1) if stripped else 0
    match = _WORD.match(line, start)
    return start, match.end() if match else min(start + 1, len(line))


# --- definition, hover, references -----------------------------------------------------------


def heading_line(doc: Document, fragment: str | None) -> int:
    """The 0-based line of the heading a fragment names (the title without one; 0 when the
    fragment is an explicit ``id=`` anchor or unknown)."""
    if fragment:
        wanted = {fragment.lower(), unquote(fragment).lower()}
        wanted |= {w.removeprefix("user-content-") for w in wanted}
        for heading in doc.headings:
            if heading.slug.lower() in wanted:
                return heading.line - 1
        return 0
    titles = [h for h in doc.headings if h.level == 1]
    return titles[0].line - 1 if titles else 0


_LINE_ANCHOR = re.compile(r"^L(\d+)")


def definition(corpus: Corpus, link: Link) -> Place | None:
    """Where a reference leads: the document and heading, a file (at its ``#L10`` line), or
    nothing for web links and references that resolve to nothing."""
    if link.status in (Target.DOCUMENT, Target.SELF) and link.path is not None:
        doc = corpus.by_path.get(link.path)
        return Place(doc.path, heading_line(doc, link.fragment)) if doc is not None else None
    if link.status is Target.ARTIFACT and link.path is not None and link.path in corpus.files:
        match = _LINE_ANCHOR.match(link.fragment or "")
        return Place(link.path, int(match.group(1)) - 1 if match else 0)
    return None


def escape_markdown(text: str) -> str:
    """Text taken from a document, shown literally in a Markdown hover: no link, image, HTML,
    emphasis, code or table cell of its own, no heading or list where it starts a line, and no
    control or bidi character (escaped as every text output escapes them); IDs and paths
    (``ADR-0007``, ``a.md``) stay as they are.

    >>> escape_markdown("<b>[x](javascript:y)</b> *a*")
    '\\\\<b\\\\>\\\\[x\\\\](javascript:y)\\\\</b\\\\> \\\\*a\\\\*'
    >>> escape_markdown("# 7. Use Kafka"), escape_markdown("7. Use Kafka")
    ('\\\\# 7. Use Kafka', '7\\\\. Use Kafka')
    """
    text = re.sub(r"([\\`*_\[\]<>|~&])", r"\\\1", neutralise(" ".join(text.split())))
    return re.sub(r"^(?:([#+\-=])|(\d+)([.)]))", _escape_start, text)


def _escape_start(match: re.Match[str]) -> str:
    if match.group(1):
        return "\\" + match.group(1)
    return f"{match.group(2)}\\{match.group(3)}"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def hover_card(corpus: Corpus, path: str, findings: Sequence[Finding] = ()) -> str:
    """A document's card for a hover, in Markdown: ID, type, status and title, how many
    documents it rests on and rest on it (directly, and in all), then the fields of
    ``tracegraph show`` and the document's findings by severity."""
    doc = corpus.by_path[path]
    graph = corpus.graph
    up = {v for v in graph.succ[path] if v != path}
    down = {u for u in graph.pred[path] if u != path}
    up_all = len(queries.upstream(corpus, path).nodes)
    down_all = len(queries.downstream(corpus, path).nodes)
    status = doc.status or "no status"
    lines = [
        f"**{escape_markdown(doc.name)}** · {escape_markdown(doc.type)} · "
        f"{escape_markdown(status)}",
        "",
        escape_markdown(doc.short_title),
        "",
        f"rests on {_plural(len(up), 'document')} ({up_all} in all) · "
        f"{_plural(len(down), 'document')} {'rests' if len(down) == 1 else 'rest'} on it "
        f"({down_all} in all)",
        "",
    ]
    card = queries.Card(doc, (), (), (), queries.superseded_by(corpus, path), None)
    listed = {"id", "type", "title"}  # in the first lines already
    for key, value in card_fields(corpus, card, metadata=True, clean_text=escape_markdown):
        if key not in listed:
            listed.add(key)
            lines.append(f"- {key}: {value}")
    if findings:
        counts = Counter(f.severity.value for f in findings)
        shown = ", ".join(
            f"{counts[s]} info" if s == "info" else _plural(counts[s], s)
            for s in ("error", "warning", "info")
            if counts[s]
        )
        lines += ["", f"findings: {shown} (`tracegraph check`)"]
    return "\n".join(lines)


def hover_unresolved(link: Link) -> str:
    """What a reference that leads to no document is, for a hover."""
    ref = link.reference
    target = escape_markdown(ref.target)
    what = {
        Target.MISSING: f"{target}: no such file in the repository",
        Target.UNKNOWN_ID: f"{target}: no document has this ID",
        Target.OUTSIDE: f"{target}: outside the repository root (never read)",
        Target.EXTERNAL: f"{target}: a web link (not followed)",
        Target.ARTIFACT: f"{escape_markdown(link.path or ref.target)}: a file, not a document",
    }.get(link.status, target)
    return f"{what} · {ref.relation.value}"


def edge_place(
    corpus: Corpus, hop: queries.Hop, lines: Lines, links_of: Callable[[str], Iterable[Link]]
) -> Place | None:
    """Where the edge of a hop is written: the declaring file, line and reference span."""
    keyed = corpus.graph.succ.get(hop.source, {}).get(hop.target, {})
    matching = sorted(
        (d for d in keyed.values() if d.get("relation") == hop.relation), key=queries.relation_key
    )
    if not matching:
        return None
    data = matching[0]
    owner = str(data["declared_by"])
    file = str(data.get("file") or owner)
    line, column = int(data["line"]), int(data["column"])
    text = lines(file)
    if 0 < line <= len(text):
        for link in links_of(owner):
            ref = link.reference
            if ref.line == line and ref.column == column:
                start, end = reference_span(text[line - 1], ref)
                return Place(file, line - 1, start, end)
    return Place(file, line - 1, column - 1, column - 1)


def references_to(
    corpus: Corpus,
    path: str,
    lines: Lines,
    links_of: Callable[[str], Iterable[Link]],
    with_impact: bool = True,
) -> list[Place]:
    """Every place that links to document ``path``, and, with ``with_impact``, where each
    document further downstream (what ``tracegraph impact`` lists) declares the edge it is
    reached by."""
    places: set[Place] = set()
    for link in corpus.links:
        if link.path != path or link.status is not Target.DOCUMENT:
            continue
        source = corpus.by_path[link.source]
        file = source.located(link.reference)
        text = lines(file)
        line = link.reference.line - 1
        if 0 <= line < len(text):
            start, end = reference_span(text[line], link.reference)
        else:
            start = end = link.reference.column - 1
        places.add(Place(file, line, start, end))
    if with_impact:
        for node in queries.downstream(corpus, path).nodes:
            if node.depth > 1:
                found = edge_place(corpus, node.via[-1], lines, links_of)
                if found is not None:
                    places.add(found)
    return sorted(places)


# --- completion ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """One completion: what to insert over columns ``start`` to the cursor, and how to show it."""

    label: str
    insert: str
    start: int
    kind: str  # document | heading | file
    detail: str = ""
    sort: str = ""


_HEADING_IN_LINK = re.compile(
    r"(?:\]\(<?|^\s*\[[^\]]+\]:\s*<?|\[\[)([^()\s#<>\[\]|]*)#([^()\s#<>\[\]|]*)$"
)
_IN_WIKILINK = re.compile(r"\[\[([^\[\]|#]*)$")
_PATH_IN_LINK = re.compile(r"\]\(<?([^()\s#<>]*)$")
_TYPED_ID = re.compile(r"(?<![\w/.-])([A-Za-z][A-Za-z0-9]*)-(\d*)$")


def _document_detail(doc: Document) -> str:
    return " · ".join(part for part in (doc.type, doc.status or "", doc.short_title) if part)


def _target_of(corpus: Corpus, source: str, written: str, wiki: bool) -> Document | None:
    """The document a path or ID being typed in ``source`` names (itself when empty)."""
    if not written:
        return corpus.by_path.get(source)
    if wiki:
        try:
            return corpus.find(written)
        except NotFoundError:
            pass
    folder = posixpath.dirname(source)
    written = unquote(written)
    path = written.lstrip("/") if written.startswith("/") else posixpath.join(folder, written)
    path = posixpath.normpath(path)
    if path in corpus.by_path:
        return corpus.by_path[path]
    for index in ("README.md", "index.md"):
        candidate = posixpath.join(path, index)
        if candidate in corpus.by_path:
            return corpus.by_path[candidate]
    return None


def completions(corpus: Corpus, source: str, before: str) -> list[Candidate]:
    """What to offer when the text of the line up to the cursor is ``before`` in document
    ``source``: headings after ``#`` in a link (or wikilink) to a document, documents inside
    ``[[``, document IDs after a type prefix (``ADR-``), document paths after ``](``."""
    column = len(before)
    match = _HEADING_IN_LINK.search(before)
    if match:
        target = _target_of(corpus, source, match.group(1), match.group(0).startswith("[["))
        if target is None:
            return []
        start = column - len(match.group(2))
        seen: set[str] = set()
        out = []
        for number, heading in enumerate(target.headings):
            if heading.slug in seen:
                continue
            seen.add(heading.slug)
            detail = f"{'#' * heading.level} {heading.text}"
            out.append(
                Candidate(heading.text, heading.slug, start, "heading", detail, f"{number:05d}")
            )
        return out
    match = _IN_WIKILINK.search(before)
    if match:
        start = column - len(match.group(1))
        return [
            Candidate(doc.name, doc.name, start, "document", _document_detail(doc), doc.name)
            for doc in corpus.documents
        ]
    match = _PATH_IN_LINK.search(before)
    if match:
        start = column - len(match.group(1))
        folder = posixpath.dirname(source) or "."
        out = []
        for doc in corpus.documents:
            if doc.path == source:
                continue
            relative = posixpath.relpath(doc.path, folder)
            detail = f"{doc.name} · {_document_detail(doc)}"
            out.append(Candidate(relative, relative, start, "file", detail, relative))
        return out
    match = _TYPED_ID.search(before)
    if match:
        prefix = match.group(1).upper()
        docs = [d for d in corpus.documents if d.id and d.type.upper() == prefix]
        start = column - len(match.group(0))
        return [
            Candidate(
                d.id or d.name, d.id or d.name, start, "document", _document_detail(d), d.id or ""
            )
            for d in docs
        ]
    return []


# --- symbols ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Section:
    """A heading and the lines its section spans (0-based, end inclusive), with subsections."""

    name: str
    level: int
    line: int
    end_line: int
    children: tuple[Section, ...] = ()


def outline(doc: Document, line_count: int) -> list[Section]:
    """The document's headings as a tree of sections."""
    headings = sorted(doc.headings, key=lambda h: h.line)
    ends = []
    for index, heading in enumerate(headings):
        end = line_count - 1
        for later in headings[index + 1 :]:
            if later.level <= heading.level:
                end = later.line - 2
                break
        ends.append(max(end, heading.line - 1))

    def build(first: int, stop: int, level: int) -> list[Section]:
        out: list[Section] = []
        index = first
        while index < stop:
            heading = headings[index]
            child_stop = index + 1
            while child_stop < stop and headings[child_stop].level > heading.level:
                child_stop += 1
            children = build(index + 1, child_stop, heading.level)
            out.append(
                Section(heading.text, heading.level, heading.line - 1, ends[index], tuple(children))
            )
            index = child_stop
        return out

    return build(0, len(headings), 0)


def matching_documents(corpus: Corpus, query: str, limit: int = 500) -> list[Document]:
    """Documents whose ID, title or path contain every word of ``query`` (any case)."""
    words = query.lower().split()
    out = []
    for doc in corpus.documents:
        haystack = f"{doc.name} {doc.title} {doc.path}".lower()
        if all(word in haystack for word in words):
            out.append(doc)
            if len(out) >= limit:
                break
    return out


def rule_href(code: str) -> str:
    """The rule's documentation: its row in the README's rule table."""
    return f"{HOMEPAGE}#{code.lower()}"


__all__ = [
    "Candidate",
    "Place",
    "Section",
    "completions",
    "definition",
    "edge_place",
    "finding_span",
    "heading_line",
    "hover_card",
    "hover_unresolved",
    "link_at",
    "matching_documents",
    "outline",
    "reference_span",
    "references_to",
    "rule_href",
]
