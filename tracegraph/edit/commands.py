"""The write commands as plans: each returns a ChangeSet (nothing is written here), checked on
the repository as it will be, with the type's index page refreshed when it has an index block."""

from __future__ import annotations

from ..errors import UsageError
from ..graph import Corpus
from ..model import Document, Finding
from .changes import ChangeSet, FileChange, merge_changes
from .fix import FixPlan, plan_fixes
from .history import Moves
from .index import index_page, plan_index
from .lifecycle import (
    check_supersession,
    plan_status,
    plan_supersede,
    retired_status,
)
from .new import NewRequest, plan_new
from .workspace import Workspace


def _with_indexes(
    space: Workspace, changes: tuple[FileChange, ...], types: set[str]
) -> tuple[FileChange, ...]:
    """``changes`` plus the refresh of each affected type's index block, where one exists."""
    if not changes:
        return changes
    planned = space.planned(changes)
    refreshed = []
    for name in sorted(types):
        spec = planned.config.type_spec(name)
        if spec is None or not any(d.type == name for d in planned.documents):
            continue
        change = plan_index(space, planned, spec, create=False)
        written = {c.path for c in changes}
        if change is not None and change.path not in written and change.before != change.after:
            refreshed.append(change)
    return merge_changes(changes, tuple(refreshed))


def new_document(space: Workspace, request: NewRequest) -> ChangeSet:
    """``tracegraph new``."""
    plan = plan_new(space, request)
    types = {request.type.upper()}
    messages = list(plan.messages)
    if request.supersedes:
        old = space.find(request.supersedes)
        types.add(old.type)
        if any(c.path in (old.path, old.sidecar) for c in plan.changes):
            planned = space.planned(plan.changes)
            messages += _retired(planned, old, planned.by_path[plan.path])
    changes = _with_indexes(space, plan.changes, types)
    return ChangeSet(space.root, changes, tuple(messages), plan.path, plan.doc_id or plan.path)


def set_status(space: Workspace, query: str, value: str) -> ChangeSet:
    """``tracegraph status``."""
    doc = space.find(query)
    changes = plan_status(space, doc, value)
    messages: list[str] = []
    if not changes:
        messages.append(f"{doc.name} is already {doc.status}; nothing to change")
    changes = _with_indexes(space, changes, {doc.type})
    return ChangeSet(space.root, changes, tuple(messages), name=doc.name)


def supersede(space: Workspace, old_query: str, new_query: str, force: bool) -> ChangeSet:
    """``tracegraph supersede``."""
    old, new = space.find(old_query), space.find(new_query)
    changes, notes = plan_supersede(space, old, new, force)
    messages = list(notes)
    if changes:
        messages += _retired(space.planned(changes), old, new)
    changes = _with_indexes(space, changes, {old.type, new.type})
    return ChangeSet(space.root, changes, tuple(messages), name=old.name)


def _retired(planned: Corpus, old: Document, new: Document) -> list[str]:
    """Check a supersession on the planned repository (raises EditError when it would not
    read back on both sides); what still cites ``old`` is among the new findings."""
    retired = retired_status(planned.config.spec_for(old.type, old.path), old.name)
    check_supersession(planned, old, new, retired)
    return []


def write_index(space: Workspace, type_name: str | None, output: str | None) -> ChangeSet:
    """``tracegraph index``: one type, or every type that has documents."""
    corpus = space.corpus
    if type_name is not None:
        spec = corpus.config.type_spec(type_name)
        if spec is None:
            names = ", ".join(s.name for s in corpus.config.types)
            raise UsageError(f"unknown document type '{type_name}' (configured: {names})")
        specs = [spec]
    else:
        specs = [s for s in corpus.config.types if any(d.type == s.name for d in corpus.documents)]
        if not specs:
            raise UsageError("no typed documents to index")
    changes: dict[str, FileChange] = {}
    for spec in specs:
        page = index_page(corpus, spec, output)
        found = plan_index(space, corpus, spec, output, current=changes.get(page))
        if found is not None:
            changes[page] = found
    return ChangeSet(space.root, merge_changes(tuple(changes.values())))


def fix_links(space: Workspace, findings: list[Finding], moves: Moves) -> tuple[ChangeSet, FixPlan]:
    """``tracegraph fix``: the plan, and the changes of its unambiguous repairs."""
    plan = plan_fixes(space, findings, moves)
    types = {
        space.corpus.by_path[c.path].type for c in plan.changes if c.path in space.corpus.by_path
    }
    changes = _with_indexes(space, plan.changes, types)
    return ChangeSet(space.root, changes), plan


def planned_corpus(space: Workspace, changes: ChangeSet) -> Corpus:
    """The repository as it will be after ``changes``."""
    return space.planned(changes.changes)
