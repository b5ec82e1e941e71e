"""``new``: the next document of a type, named and numbered as the repository does it."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from pathlib import Path

from ..checks.templating import template_text
from ..config import TypeSpec
from ..errors import UsageError
from ..graph import Corpus
from ..model import Document, Relation
from .changes import FileChange, file_changes, merge_changes
from .lifecycle import agreed, agreed_word, allowed_status, example, plan_supersede
from .meta import (
    Opened,
    Place,
    field_line,
    find_status,
    format_status,
    front_matter,
    link_to,
    relation_edits,
    status_edit,
)
from .naming import Convention, detect_convention, document_number
from .source import EditError
from .templates import FIELD_KINDS, Filling, HeaderStyle, header_edits, header_style, instantiate
from .workspace import Workspace, records
from .yamltext import scalar

#: A template for types that have none: a title and nothing else.
BARE_TEMPLATE = "# [Title]\n"


@dataclass(frozen=True)
class NewRequest:
    """What ``tracegraph new`` was asked for."""

    type: str
    title: str
    implements: tuple[str, ...] = ()
    depends_on: tuple[str, ...] = ()
    supersedes: str | None = None
    status: str | None = None
    author: str | None = None
    folder: str | None = None


@dataclass(frozen=True)
class NewPlan:
    """A new document's path and ID, the files to write, and what to tell the user."""

    path: str
    doc_id: str | None
    convention: Convention
    changes: tuple[FileChange, ...]
    messages: tuple[str, ...]


def _spec(space: Workspace, name: str) -> TypeSpec:
    spec = space.corpus.config.type_spec(name)
    if spec is None:
        names = ", ".join(s.name for s in space.corpus.config.types)
        raise UsageError(f"unknown document type '{name}' (configured: {names})")
    return spec


def _title(title: str) -> str:
    cleaned = " ".join(title.split())
    if not cleaned:
        raise UsageError("the title is empty")
    if any(ord(c) < 32 for c in title if c not in "\t\n"):
        raise UsageError("the title holds control characters")
    return cleaned


def _targets(space: Workspace, queries: tuple[str, ...]) -> list[Document]:
    found: list[Document] = []
    for query in queries:
        doc = space.find(query)
        if doc not in found:
            found.append(doc)
    return found


def next_number(corpus: Corpus, spec: TypeSpec, documents: list[Document]) -> int:
    """One more than the highest number any document of the type has (by ID or file name)."""
    numbers = [n for d in documents if (n := document_number(d)) is not None]
    prefix = spec.name + "-"
    numbers += [
        int(i[len(prefix) :])
        for i in corpus.ids
        if i.startswith(prefix) and i[len(prefix) :].isdigit()
    ]
    return max(numbers, default=0) + 1


def plan_new(space: Workspace, request: NewRequest) -> NewPlan:
    """The files ``tracegraph new`` writes (the document, its sidecar, a supersession's other
    side), checked on the repository as it would be."""
    corpus = space.corpus
    spec = _spec(space, request.type)
    title = _title(request.title)
    implements = _targets(space, request.implements)
    depends_on = _targets(space, request.depends_on)
    old = space.find(request.supersedes) if request.supersedes else None
    documents = records(corpus, spec.name)
    typed = sorted({posixpath.dirname(d.path) for d in corpus.documents if d.type != "DOC"})
    folder = None
    if request.folder is not None:
        folder = posixpath.normpath(request.folder.replace("\\", "/")).strip("/")
        folder = "" if folder == "." else folder
        if folder == ".." or folder.startswith("../") or Path(request.folder).is_absolute():
            raise UsageError(f"--folder {request.folder}: give a folder inside the repository")
    convention = detect_convention(documents, spec, typed, folder)
    number = next_number(corpus, spec, documents)
    doc_id = None if convention.dated else space.recogniser.canonical(spec.name, number)
    path = convention.name_for(number, title, space.today)
    if path in corpus.files or (space.root / path).exists():
        raise EditError(f"{path} already exists; give another title")
    spec = corpus.config.spec_for(spec.name, path) or spec  # a preset's own settings there
    first = spec.lifecycle[0] if spec.lifecycle else None
    probe = Document(path, spec.name, doc_id, title, None, None, (), (), (), ())
    word = allowed_status(space, probe, request.status or first or "draft")
    fill = Filling(title, None if convention.dated else number, doc_id, space.today, request.author)
    found = template_text(corpus.config, space.root, spec)
    text, shipped = (found[0], found[2]) if found else (BARE_TEMPLATE, True)
    body = instantiate(text, shipped, fill)
    side_path, side = _sidecar(spec, path, title, doc_id, word, fill)
    sample = example(space, probe)
    opened = _with_status(
        space, path, body, side, side_path, word, fill, header_style(sample), sample
    )
    opened = _with_links(space, opened, implements, depends_on, old)
    written = [(path, opened.source.data)]
    if side_path and opened.sidecar is not None:
        written.append((side_path, opened.sidecar.data))
    changes = tuple(FileChange(p, None, data) for p, data in written)
    messages = [f"convention: {convention.described}"]
    if request.author is None:
        messages.append("author: not filled in (no git user.name; give --author)")
    created = space.parse(path, opened.source.data, side, side_path)
    if old is not None:
        if agreed(spec, word):
            retire, notes = plan_supersede(space, old, created, new_opened=opened)
            changes = merge_changes(changes, tuple(c for c in retire if c.path != path))
            messages += notes
        else:
            wanted = agreed_word(spec) if spec.lifecycle else "agreed"
            messages.append(
                f"{old.name} stays {old.status or 'as it is'} until {doc_id or path} is "
                f"{wanted}: then run `tracegraph supersede {old.name} --by {doc_id or path}` "
                "(until then `tracegraph check` reports the one-sided supersession, TG204)"
            )
    _check_created(space, changes, path, spec, doc_id, word, implements, depends_on, old)
    return NewPlan(path, doc_id, convention, changes, tuple(messages))


def _sidecar(
    spec: TypeSpec, path: str, title: str, doc_id: str | None, word: str, fill: Filling
) -> tuple[str | None, bytes | None]:
    """A new sidecar metadata file (a KEP's ``kep.yaml``) with the document's fields."""
    if not spec.sidecar:
        return None, None
    lines = [f"title: {scalar(title)}"]
    if spec.number_field and doc_id:
        lines.append(f"{spec.number_field}: {doc_id.rsplit('-', 1)[-1].lstrip('0') or '0'}")
    if fill.author:
        lines.append(f"authors:\n  - {scalar(fill.author)}")
    lines.append(f"{spec.status_field}: {word}")
    lines += [f"creation-date: {fill.today}", f"last-updated: {fill.today}"]
    return f"{path.rpartition('/')[0]}/{spec.sidecar}", ("\n".join(lines) + "\n").encode()


def _with_status(
    space: Workspace,
    path: str,
    body: str,
    side: bytes | None,
    side_path: str | None,
    word: str,
    fill: Filling,
    style: HeaderStyle | None,
    example: Opened | None,
) -> Opened:
    """The new document with its status (and a date and author the template lacks) written
    where the template has them, else where the type's newest document has them."""
    opened = space.opened(path, body.encode("utf-8"), side, side_path)
    spot = find_status(opened)
    like = find_status(example) if example is not None else None
    shown = format_status(word, like.written if like is not None else None)
    has = {kind for kind, keys in FIELD_KINDS if _has_field(opened, keys)}
    if spot is not None:
        edit = status_edit(spot, format_status(word, spot.written), "")
        if spot.file is opened.source:
            body_data, side = opened.source.apply([edit]), side
        else:
            body_data, side = opened.source.data, spot.file.apply([edit])
        opened = space.opened(path, body_data, side, side_path)
        has.add("status")
    style = style or HeaderStyle(Place.FRONT_MATTER, "status", (("date", "date"),))
    if not style.has_status and opened.doc.status == word:
        has.add("status")  # the convention's default status, which its documents never write
    edits = header_edits(opened, style, shown, fill, has)
    return space.opened(path, opened.source.applied(edits).data, side, side_path)


def _has_field(opened: Opened, keys: tuple[str, ...]) -> bool:
    matter = front_matter(opened.source)
    if matter is not None and matter.find(*keys) is not None:
        return True
    return field_line(opened.source, keys) is not None


def _with_links(
    space: Workspace,
    opened: Opened,
    implements: list[Document],
    depends_on: list[Document],
    old: Document | None,
) -> Opened:
    """The new document with its upstream links, each relation where the template (or the
    document's convention) keeps it."""
    path = opened.doc.path
    for relation, targets in (
        (Relation.IMPLEMENTS, implements),
        (Relation.DEPENDS_ON, depends_on),
        (Relation.SUPERSEDES, [old] if old is not None else []),
    ):
        if not targets:
            continue
        spot = find_status(opened)
        links = [link_to(path, t) for t in targets]
        edits = relation_edits(opened, relation, links, spot)
        changes = file_changes(edits)
        data = {c.path: c.after for c in changes}
        side_path = opened.sidecar.path if opened.sidecar is not None else None
        side = data.get(side_path or "", opened.sidecar.data if opened.sidecar else None)
        opened = space.opened(path, data.get(path, opened.source.data), side, side_path)
    return opened


def _check_created(
    space: Workspace,
    changes: tuple[FileChange, ...],
    path: str,
    spec: TypeSpec,
    doc_id: str | None,
    word: str,
    implements: list[Document],
    depends_on: list[Document],
    old: Document | None,
) -> None:
    """Raise EditError unless the new document reads back as planned: its type, ID, status
    and each upstream link with its relation."""
    planned = space.planned(changes)
    doc = planned.by_path.get(path)
    if doc is None or doc.type != spec.name or (doc_id and doc.id != doc_id):
        got = f"{doc.type} {doc.id}" if doc is not None else "nothing"
        raise EditError(
            f"{path}: would read back as {got}, not {spec.name} {doc_id or ''}; "
            "the template or config does not fit this type"
        )
    if doc.status != word:
        raise EditError(f"{path}: the status would read back as '{doc.status}', not '{word}'")
    wanted = [(t.path, Relation.IMPLEMENTS) for t in implements]
    wanted += [(t.path, Relation.DEPENDS_ON) for t in depends_on]
    wanted += [(old.path, Relation.SUPERSEDES)] if old is not None else []
    for target, relation in wanted:
        edges = planned.graph.get_edge_data(path, target) or {}
        if not any(d.get("relation") == relation.value for d in edges.values()):
            raise EditError(
                f"{path}: the link to {target} would not read as '{relation.value}' "
                "(the template has no place for it that tracegraph reads that way)"
            )
