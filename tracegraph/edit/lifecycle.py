"""``status`` and ``supersede``: lifecycle changes written where each document keeps them.

A supersession is recorded on both sides in each document's own convention, and the old
document is retired only once its successor has reached an agreed status (``--force`` says
otherwise); a partly recorded supersession is completed, a finished one left alone. Every plan
is checked on the repository as it would be before anything is written: the status reads back
as asked, the links resolve to the right documents with the right relation.
"""

from __future__ import annotations

import posixpath
from urllib.parse import unquote

from ..config import TypeSpec
from ..errors import RefusedError, UsageError
from ..graph import Corpus
from ..model import Document, Relation
from .changes import FileChange, file_changes
from .meta import (
    LinkTo,
    Opened,
    find_status,
    format_status,
    link_to,
    relation_edits,
    status_edit,
    status_value,
    updated_edits,
)
from .source import Edit, EditError, Source
from .templates import Filling, header_edits, header_style
from .workspace import Workspace, records

#: Statuses that mean "agreed": a successor at or past the first of them in its type's
#: lifecycle may retire its predecessor (KEP: implementable; EIP: final).
AGREED = ("approved", "accepted", "implementable", "final")
#: Terminal statuses that say "replaced by another", in order of preference.
RETIRED = ("superseded", "replaced")


def allowed_status(space: Workspace, doc: Document, value: str) -> str:
    """``value`` as the lifecycle word of the document's type ("In Review" -> ``in-review``);
    a UsageError lists the allowed ones."""
    spec = space.corpus.config.spec_for(doc.type, doc.path)
    if spec is None:
        raise UsageError(f"{doc.name} is untyped (DOC): it has no lifecycle to set a status in")
    word = space.recogniser.normalise_status(value, doc.type)
    if spec.statuses and word not in spec.statuses:
        raise UsageError(
            f"'{value}' is not a {spec.name} status; allowed: {', '.join(spec.statuses)}"
        )
    return word


def agreed(spec: TypeSpec | None, status: str | None) -> bool:
    """Whether ``status`` is an agreed stage (or later) of the type's lifecycle."""
    if spec is None or not status or status not in spec.lifecycle:
        return False
    stages = spec.lifecycle
    gate = next((stages.index(s) for s in AGREED if s in stages), len(stages) - 1)
    return stages.index(status) >= gate


def agreed_word(spec: TypeSpec) -> str:
    """The first agreed stage of a lifecycle, for messages."""
    return next((s for s in AGREED if s in spec.lifecycle), spec.lifecycle[-1])


def retired_status(spec: TypeSpec | None, name: str) -> str:
    """The status a superseded document of this type gets."""
    statuses = spec.statuses if spec is not None else ()
    for word in RETIRED:
        if word in statuses:
            return word
    raise UsageError(
        f"{name}: its type has no superseded status (allowed: {', '.join(statuses) or 'none'})"
    )


def _status_edits(
    space: Workspace, opened: Opened, word: str, successor: LinkTo | None
) -> tuple[list[tuple[Source, Edit]], bool]:
    """Edits that set the status (and, where the status can carry it, the successor link);
    True when the link went into the status."""
    spot = find_status(opened)
    if spot is None:
        example_doc = example(space, opened.doc)
        style = header_style(example_doc)
        if style is None or not style.has_status:
            raise EditError(
                f"{opened.doc.path}: no status to change, and no other {opened.doc.type} "
                "document shows where to write one; add a status line by hand"
            )
        like = find_status(example_doc) if example_doc is not None else None
        shown = format_status(word, like.written if like else None)
        fill = Filling(opened.doc.title, None, opened.doc.id, space.today, None)
        edits = header_edits(opened, style, shown, fill, {"date", "author"})
        return [(opened.source, e) for e in edits], False
    value = status_value(spot, word, successor, _madr(space, opened.doc))
    old = spot.written.strip()
    return [(spot.file, status_edit(spot, value, old))], value != format_status(word, old)


def _madr(space: Workspace, doc: Document) -> bool:
    """Whether the document's convention writes a successor into the status (MADR's
    ``status: "superseded by [ADR-0005](0005-x.md)"``)."""
    for name, base in space.corpus.config.applied_presets:
        if name in ("madr", "log4brains") and (not base or doc.path.startswith(base + "/")):
            return True
    return any(
        d.type == doc.type and (d.status_raw or "").lower().startswith("superseded by [")
        for d in space.corpus.documents
    )


def example(space: Workspace, doc: Document) -> Opened | None:
    """The example of how the type writes its header: the newest other document of the type
    that has a status, else (a convention whose documents write none) the newest one."""
    from .naming import document_number

    others = [d for d in records(space.corpus, doc.type) if d.path != doc.path]
    others.sort(key=lambda d: (document_number(d) or 0, d.path), reverse=True)
    newest: Opened | None = None
    for other in others[:20]:
        try:
            opened = space.open(other)
        except EditError:
            continue
        if find_status(opened) is not None:
            return opened
        newest = newest or opened
    return newest


def plan_status(space: Workspace, doc: Document, value: str) -> tuple[FileChange, ...]:
    """Set a document's status where it keeps it (and its "Last Updated" date, if it has
    one); nothing when it already has that status."""
    word = allowed_status(space, doc, value)
    opened = space.open(doc)
    if opened.doc.status == word and find_status(opened) is not None:
        return ()
    edits, _ = _status_edits(space, opened, word, None)
    edits += updated_edits(opened, space.today)
    changes = file_changes(edits)
    planned = space.planned(changes)
    if planned.by_path[doc.path].status != word:
        raise EditError(
            f"{doc.path}: the status would read back as "
            f"'{planned.by_path[doc.path].status}', not '{word}'; not written"
        )
    return changes


def supersession_declared(corpus: Corpus, new: str, old: str, by: str) -> bool:
    """Whether document ``by`` declares that ``new`` supersedes ``old``."""
    edges = corpus.graph.get_edge_data(new, old) or {}
    return any(
        d.get("relation") == Relation.SUPERSEDES.value and d.get("declared_by") == by
        for d in edges.values()
    )


def successors(corpus: Corpus, old: str) -> list[str]:
    """Documents that ``old`` itself names as its successors."""
    out = []
    for new, _target, data in corpus.graph.in_edges(old, data=True):
        if data.get("relation") == Relation.SUPERSEDES.value and data.get("declared_by") == old:
            out.append(new)
    return sorted(set(out))


def plan_supersede(
    space: Workspace,
    old: Document,
    new: Document,
    force: bool = False,
    new_opened: Opened | None = None,
) -> tuple[tuple[FileChange, ...], list[str]]:
    """Record that ``new`` supersedes ``old`` in both documents, and retire ``old``.

    Refused (RefusedError, nothing written) while ``new`` has not reached an agreed status,
    or when ``old`` already names another successor; ``force`` overrides both. ``new_opened``
    is the successor's text when it is being created in the same command."""
    if old.path == new.path:
        raise UsageError(f"{old.name} cannot supersede itself")
    corpus = space.corpus
    new_spec = corpus.config.spec_for(new.type, new.path)
    retired = retired_status(corpus.config.spec_for(old.type, old.path), old.name)
    messages: list[str] = []
    old_opened = space.open(old)
    new_opened = new_opened or space.open(new)
    done = old_opened.doc.status == retired and supersession_declared(
        corpus, new.path, old.path, old.path
    )
    if done and _declares(new_opened, old):
        return (), [f"{old.name} is already superseded by {new.name}; nothing to change"]
    if not agreed(new_spec, new.status) and not force:
        wanted = agreed_word(new_spec) if new_spec is not None and new_spec.lifecycle else None
        need = f"once it is {wanted}" if wanted else "once it has an agreed status"
        raise RefusedError(
            f"{new.name} is {new.status or 'without a status'}: {old.name} "
            f"({old.status or 'no status'}) is retired only {need}; nothing was changed "
            "(--force records the supersession now)"
        )
    named = [p for p in successors(corpus, old.path) if p != new.path]
    if named and not force:
        names = ", ".join(corpus.by_path[p].name for p in named)
        raise RefusedError(
            f"{old.name} already names {names} as its successor; nothing was changed "
            f"(--force records {new.name} as well)"
        )
    edits: list[tuple[Source, Edit]] = []
    successor = link_to(old.path, new)
    if not done:
        linked = False
        if old_opened.doc.status != retired or not named:
            status_edits, linked = _status_edits(space, old_opened, retired, successor)
            edits += status_edits
        if not linked and not supersession_declared(corpus, new.path, old.path, old.path):
            spot = find_status(old_opened)
            edits += relation_edits(old_opened, Relation.SUPERSEDED_BY, [successor], spot)
        edits += updated_edits(old_opened, space.today)
    if not _declares(new_opened, old):
        spot = find_status(new_opened)
        edits += relation_edits(new_opened, Relation.SUPERSEDES, [link_to(new.path, old)], spot)
    return file_changes(edits), messages


def _declares(opened: Opened, old: Document) -> bool:
    """Whether an opened document already declares that it supersedes ``old``."""
    base = posixpath.dirname(opened.doc.path)
    for ref in opened.doc.references:
        if ref.relation is not Relation.SUPERSEDES:
            continue
        raw = unquote(ref.target.partition("#")[0])
        if ref.is_id:
            if raw == old.id:
                return True
            continue
        joined = raw.lstrip("/") if raw.startswith("/") else posixpath.join(base, raw)
        target = posixpath.normpath(joined)
        if target in (old.path, posixpath.dirname(old.path)):
            return True
    return False


def check_supersession(planned: Corpus, old: Document, new: Document, retired: str) -> None:
    """Raise EditError unless the planned repository says, on both sides, that ``new``
    supersedes ``old``, and ``old`` is retired."""
    status = planned.by_path[old.path].status
    if status != retired:
        raise EditError(
            f"{old.path}: the status would read back as '{status}', not "
            f"'{retired}'; nothing was written"
        )
    for by in (old.path, new.path):
        if not supersession_declared(planned, new.path, old.path, by):
            raise EditError(
                f"{by}: the supersession would not read back as written; nothing was written "
                "(please report this with the document's layout)"
            )
