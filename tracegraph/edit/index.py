"""``index``: a generated table of a type's documents between two marker comments in the
folder's README (or index) page; the rest of the page is left as it is.

The block lists ID, title (linked), status and date, supersession shown both ways; it is
rewritten whole on each run, so edits inside the markers are lost and edits outside kept. The
page is a real document (it links every record, so none is an orphan) and carries no
"generated" marker: only the block is generated.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass

from ..config import TypeSpec
from ..errors import UsageError
from ..graph import Corpus
from ..model import Document, Relation
from ..report.markdown import md
from .changes import FileChange
from .meta import format_status, link_to
from .naming import document_number
from .source import Edit, EditError, Source
from .workspace import Workspace, records

_MARKER = re.compile(r"<!--\s*tracegraph-index\s+([A-Za-z][A-Za-z0-9_]*)\s+(begin|end)\b[^>]*-->")
INDEX_NAMES = ("README.md", "readme.md", "Readme.md", "index.md")
DATE_KEYS = ("date", "created", "creation_date", "start_date")


def begin_marker(type_name: str) -> str:
    """The comment that opens a type's index block."""
    return (
        f"<!-- tracegraph-index {type_name} begin: written by `tracegraph index`; "
        "what stands between the markers is replaced on each run -->"
    )


def end_marker(type_name: str) -> str:
    """The comment that closes a type's index block."""
    return f"<!-- tracegraph-index {type_name} end -->"


@dataclass(frozen=True)
class Block:
    """A type's index block found on a page: where its content starts and ends."""

    type: str
    start: int
    end: int


def find_blocks(src: Source) -> list[Block]:
    """The index blocks on a page (markers inside code are examples, not blocks)."""
    opened: dict[str, int] = {}
    out = []
    for match in _MARKER.finditer(src.text):
        if src.in_code(match.start(), match.end()):
            continue
        name, which = match.group(1).upper(), match.group(2)
        if which == "begin":
            opened[name] = match.end()
        elif name in opened:
            out.append(Block(name, opened.pop(name), match.start()))
    return out


def index_page(corpus: Corpus, spec: TypeSpec, output: str | None = None) -> str:
    """The page that holds a type's index: ``output``, else the README.md (or index.md) of
    the folder that holds all the type's documents (created when missing)."""
    if output is not None:
        return output
    docs = records(corpus, spec.name)
    if not docs:
        raise UsageError(f"no {spec.name} documents to index")
    folder = posixpath.commonpath([posixpath.dirname(d.path) for d in docs])
    while True:
        pages = [f"{folder}/{n}" if folder else n for n in INDEX_NAMES]
        page = next((p for p in pages if p in corpus.files), pages[0])
        own = corpus.by_path.get(page)
        if own is None or own.type != spec.name or not folder:
            return page
        folder = posixpath.dirname(folder)


def rows(corpus: Corpus, spec: TypeSpec, page: str) -> list[str]:
    """The index table of a type's documents, as Markdown lines, links relative to ``page``
    (no ID column when none of them has an ID, as in a log4brains log)."""
    docs = sorted(
        (d for d in records(corpus, spec.name) if d.path != page),
        key=lambda d: (document_number(d) is None, document_number(d) or 0, d.path),
    )
    with_ids = any(d.id for d in docs)
    lines = ["| ID | Title | Status | Date |", "|---|---|---|---|"]
    if not with_ids:
        lines = ["| Title | Status | Date |", "|---|---|---|"]
    for doc in docs:
        cells = [f"[{md(doc.short_title)}]({link_to(page, doc).href})",
                 _status(corpus, spec, doc, page), md(_date(doc))]  # fmt: skip
        if with_ids:
            cells.insert(0, doc.id or "—")
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def _status(corpus: Corpus, spec: TypeSpec, doc: Document, page: str) -> str:
    spec = corpus.config.spec_for(doc.type, doc.path) or spec
    if doc.status and doc.status in spec.statuses:
        shown = format_status(doc.status, "X")
    else:
        shown = md(doc.status_raw or doc.status or "—")
    old, new = _supersession(corpus, doc.path)
    notes = []
    if new:
        notes.append("by " + ", ".join(_name(corpus, p, page) for p in new))
    if old:
        notes.append("supersedes " + ", ".join(_name(corpus, p, page) for p in old))
    # "Superseded (by ...)", never "Superseded by ...": a lead phrase would declare a relation.
    return f"{shown} ({'; '.join(notes)})" if notes else shown


def _name(corpus: Corpus, path: str, page: str) -> str:
    """A document in a status cell: its ID, or its title linked when it has none."""
    doc = corpus.by_path[path]
    if doc.id:
        return doc.id
    return f"[{md(doc.short_title)}]({link_to(page, doc).href})"


def _supersession(corpus: Corpus, path: str) -> tuple[list[str], list[str]]:
    """(paths the document supersedes, paths that supersede it)."""
    old = {
        t
        for _s, t, d in corpus.graph.out_edges(path, data=True)
        if d.get("relation") == Relation.SUPERSEDES.value and t != path
    }
    new = {
        s
        for s, _t, d in corpus.graph.in_edges(path, data=True)
        if d.get("relation") == Relation.SUPERSEDES.value and s != path
    }
    return sorted(old), sorted(new)


def _date(doc: Document) -> str:
    for key in DATE_KEYS:
        value = doc.meta(key)
        if value:
            return value
    return ""


def plan_index(
    space: Workspace,
    corpus: Corpus,
    spec: TypeSpec,
    output: str | None = None,
    create: bool = True,
    current: FileChange | None = None,
) -> FileChange | None:
    """The change that writes or refreshes a type's index block in its page (``corpus`` is
    the repository as it will be; ``current`` is the page as this command already changes it).
    Without ``create``, only a block that exists is refreshed (None when there is none)."""
    page = index_page(corpus, spec, output)
    if page.startswith(("../", "/")) or page == "..":
        raise UsageError(f"{page}: the index page must be inside the repository")
    table = "\n".join(rows(corpus, spec, page))
    block = f"{begin_marker(spec.name)}\n\n{table}\n\n{end_marker(spec.name)}"
    if current is not None:
        before, data = current.before, current.after
    elif (space.root / page).exists():
        before = data = space.read(page)
    elif not create:
        return None
    else:
        heading = f"# {spec.name} documents\n\n"
        return FileChange(
            page,
            None,
            (heading + block + "\n").encode("utf-8"),
            (f"new page with the {spec.name} index",),
        )
    src = Source.from_bytes(page, data)
    found = [b for b in find_blocks(src) if b.type == spec.name]
    if len(found) > 1:
        raise EditError(f"{page}: {len(found)} {spec.name} index blocks; keep one")
    if found:
        edit = Edit(
            found[0].start, found[0].end, f"\n\n{table}\n\n", f"{spec.name} index refreshed"
        )
    elif create:  # after the page's last text; its trailing line breaks stay after the block
        at = len(src.text.rstrip())
        edit = Edit(
            at, at, ("\n\n" if src.text.strip() else "") + block, f"{spec.name} index added"
        )
    else:
        return None
    notes = (current.notes if current is not None else ()) + (edit.what,)
    return FileChange(page, before, src.apply([edit]), notes)
