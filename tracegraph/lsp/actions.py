"""Quick fixes: the repairs ``tracegraph fix`` would make, and ``supersede``/``status`` where a
finding asks for them, offered in the editor.

The write lane's fix planner (``tracegraph.edit.fix``) decides, from git renames and the tree,
what a broken link, anchor or ID should become; here it plans on the editor's buffers instead
of the files on disk, and each repair becomes one text replacement in the buffer. An
unambiguous repair (what ``tracegraph fix --write`` applies) is the preferred fix; when several
targets are close ("did you mean #retry-policy or #retry-policies?") each is offered. No pygls
here: places are 0-based lines and code-point columns.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from functools import partial
from pathlib import Path

from ..edit.changes import ChangeSet
from ..edit.commands import set_status, supersede
from ..edit.fix import FIXABLE, Repair, locate, plan_fixes
from ..edit.history import Moves, git_moves
from ..edit.source import EditError, Source
from ..edit.workspace import Workspace as EditWorkspace
from ..errors import TracegraphError
from ..graph import Corpus
from ..model import Finding, Link
from ..parse import Recogniser


@dataclass(frozen=True)
class Buffers(EditWorkspace):
    """The write commands' view of the repository, reading open buffers instead of files."""

    texts: Mapping[str, str] = field(default_factory=dict)

    def read(self, path: str) -> bytes:
        text = self.texts.get(path)
        return text.encode("utf-8") if text is not None else super().read(path)


@dataclass(frozen=True)
class QuickFix:
    """Replace lines ``line``..``end_line`` from ``start`` to ``end`` (code points) by
    ``text``; ``preferred`` when it is the unambiguous repair."""

    title: str
    finding: Finding
    line: int
    start: int
    end_line: int
    end: int
    text: str
    preferred: bool


def renames(root: Path) -> Moves:
    """What git saw move (empty outside a git work tree): evidence for repairs."""
    return git_moves(root)


def quick_fixes(
    corpus: Corpus,
    recogniser: Recogniser,
    moves: Moves,
    texts: Mapping[str, str],
    findings: Iterable[Finding],
    links: Iterable[Link],
) -> list[QuickFix]:
    """The fixes of ``findings`` (those of one file, whose text is ``texts[path]``, with the
    document's resolved ``links``)."""
    space = Buffers(corpus, recogniser, "", texts)
    by_place: dict[tuple[int, int], list[Link]] = {}
    for link in links:
        by_place.setdefault((link.reference.line, link.reference.column), []).append(link)
    out: list[QuickFix] = []
    for finding in findings:
        if finding.code not in FIXABLE or finding.path not in texts:
            continue
        try:
            plan = plan_fixes(space, [finding], moves)
            source = Source.from_bytes(finding.path, texts[finding.path].encode("utf-8"))
        except EditError:
            continue
        source = replace(source, wiki=recogniser.has_wikilinks(finding.path))
        for repair in plan.repairs:
            out += _fixes(source, finding, repair, by_place, recogniser)
    return out


def _fixes(
    source: Source,
    finding: Finding,
    repair: Repair,
    by_place: dict[tuple[int, int], list[Link]],
    recogniser: Recogniser,
) -> list[QuickFix]:
    options = [repair.replacement] if repair.replacement else list(repair.candidates)
    found = []
    for link in by_place.get((finding.line, finding.column), []):
        for option in options:
            edit = locate(source, link, replace(repair, replacement=option), recogniser)
            if edit is None:
                continue
            line, start = _position(source, edit.start)
            end_line, end = _position(source, edit.end)
            if repair.replacement:
                title = f"Fix {finding.code}: {repair.written} -> {option} ({repair.reason})"
            else:
                title = f"Did you mean {option}?"
            preferred = bool(repair.replacement)
            found.append(QuickFix(title, finding, line, start, end_line, end, edit.new, preferred))
        if found:
            break
    return found


def _position(source: Source, offset: int) -> tuple[int, int]:
    line = source.line_of(offset)
    return line - 1, offset - source.line_starts[line - 1]


@dataclass(frozen=True)
class Rewrite:
    """A write command's change, as a code action: ``files`` are (path, text now, text after)."""

    title: str
    finding: Finding
    files: tuple[tuple[str, str, str], ...]


def lifecycle_rewrites(
    corpus: Corpus, recogniser: Recogniser, texts: Mapping[str, str], findings: Iterable[Finding]
) -> list[Rewrite]:
    """``tracegraph supersede`` for a one-sided supersession (TG204) and ``tracegraph status``
    for a status outside the lifecycle (TG303), planned on the buffers (``texts``, path ->
    text; other files as on disk). A change the command refuses is not offered."""
    space = Buffers(corpus, recogniser, date.today().isoformat(), texts)
    out: list[Rewrite] = []
    for finding in findings:
        plans: list[tuple[str, Callable[[], ChangeSet]]] = []
        if finding.code == "TG204" and finding.document and finding.target:
            try:
                old, new = _supersession(corpus, finding.document, finding.target)
            except TracegraphError:
                continue
            plans.append(
                (
                    f"Record that {new} supersedes {old} in both (tracegraph supersede)",
                    partial(supersede, space, old, new, False),
                )
            )
        doc = corpus.by_path.get(finding.path)
        spec = corpus.config.type_spec(doc.type) if doc is not None else None
        if finding.code == "TG303" and doc is not None and spec is not None:
            for value in spec.statuses:
                plans.append(
                    (
                        f"Set the status to {value} (tracegraph status)",
                        partial(set_status, space, doc.path, value),
                    )
                )
        for title, plan in plans:
            try:
                changes = plan()
            except TracegraphError:
                continue
            files = tuple(
                (c.path, space.read(c.path).decode("utf-8"), c.after.decode("utf-8"))
                for c in changes.changes
                if c.before is not None and c.before != c.after
            )
            if files:
                out.append(Rewrite(title, finding, files))
    return out


def _supersession(corpus: Corpus, document: str, target: str) -> tuple[str, str]:
    """(old, new) of a TG204 finding: its document declared the edge, one way or the other."""
    here, there = corpus.find(document).path, corpus.find(target).path
    says = corpus.graph.succ.get(here, {}).get(there, {})
    if any(d.get("relation") == "supersedes" for d in says.values()):
        return target, document
    return document, target
