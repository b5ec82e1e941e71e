"""Rules about statuses along the chain: TG301-TG304."""

from __future__ import annotations

from collections.abc import Iterator

from ..model import Document, Relation
from .context import CheckContext, Hit
from .structure import CHAIN_RELATIONS

#: Statuses that say a document no longer holds, whatever the type's config calls terminal.
ENDED = frozenset({"superseded", "deprecated", "rejected"})
#: The lifecycle stage names that mean "agreed"; TG304 applies from the first of them on.
APPROVED = ("approved", "accepted")


def find_cited_superseded(ctx: CheckContext) -> Iterator[Hit]:
    """An active document rests on a superseded, deprecated or rejected one.

    Why: the design builds on a decision the organisation has withdrawn; either the design is
    out of date or it cites the wrong document.

    Example: the approved `TDD-0002` lists `ADR-0002` under "Related Documents", and
    `ADR-0002` is "Superseded by ADR-0005".

    Fix: cite the successor (`ADR-0005`), or, when the old document is cited on purpose (for
    history), add `<!-- tracegraph: ignore TG301 -->`. Every outgoing edge except
    `supersedes` counts; the successor itself and documents that have ended are not checked.
    """
    graph = ctx.corpus.graph
    seen: set[tuple[str, str]] = set()
    edges = sorted(
        graph.edges(data=True),
        key=lambda e: (e[0], e[2].get("line", 0), e[2].get("column", 0), e[1]),
    )
    for source, target, data in edges:
        if source == target or data.get("relation") == Relation.SUPERSEDES.value:
            continue
        if (source, target) in seen:
            continue
        doc = ctx.corpus.by_path[source]
        cited = ctx.corpus.by_path[target]
        if doc.type == "DOC" or _ended(ctx, doc) or not _ended(ctx, cited):
            continue
        if graph.has_edge(source, target) and _supersedes(ctx, source, target):
            continue
        seen.add((source, target))
        successors = _successors(ctx, target)
        hint = f"; cite {', '.join(successors)} instead?" if successors else ""
        yield Hit(
            str(data.get("declared_by", source)),
            int(data.get("line", 1)),
            int(data.get("column", 1)),
            f"{doc.name} ({doc.status or 'no status'}) cites {cited.name}, which is "
            f"{cited.status}{hint}",
            target=cited.name,
            document=doc.name,
        )


def _ended(ctx: CheckContext, doc: Document) -> bool:
    return bool(doc.status) and (doc.status in ENDED or ctx.is_terminal(doc))


def _supersedes(ctx: CheckContext, new: str, old: str) -> bool:
    data = ctx.corpus.graph.get_edge_data(new, old) or {}
    return any(d.get("relation") == Relation.SUPERSEDES.value for d in data.values())


def _successors(ctx: CheckContext, old: str) -> list[str]:
    graph = ctx.corpus.graph
    return sorted(
        {
            ctx.name(new)
            for new, _o, d in graph.in_edges(old, data=True)
            if d.get("relation") == Relation.SUPERSEDES.value and new != old
        }
    )


def lifecycle_position(ctx: CheckContext, doc: Document) -> float | None:
    """How far along its type's lifecycle a document is, from 0 (first stage) to 1 (last);
    None for ended, unknown or missing statuses."""
    spec = ctx.spec(doc)
    if spec is None or not doc.status or doc.status not in spec.lifecycle:
        return None
    if len(spec.lifecycle) == 1:
        return 1.0
    return spec.lifecycle.index(doc.status) / (len(spec.lifecycle) - 1)


def find_status_inversions(ctx: CheckContext) -> Iterator[Hit]:
    """A document is further along its lifecycle than something it implements or depends on.

    Why: an approved design on top of a draft proposal is approved against something that can
    still change; the upstream document has to catch up, or the approval was premature.

    Example: the approved `TDD-0002` implements `RFC-0002`, which is still a draft.

    Fix: move the upstream document forward (review and accept the RFC) or the downstream one
    back. Positions come from each type's `lifecycle` in config, scaled so that types with
    different numbers of stages compare (an ADR's accepted equals a TDD's implemented); ended
    and unknown statuses are left to TG301 and TG303.
    """
    graph = ctx.corpus.graph
    seen: set[tuple[str, str]] = set()
    edges = sorted(
        graph.edges(data=True),
        key=lambda e: (e[0], e[2].get("line", 0), e[2].get("column", 0), e[1]),
    )
    for source, target, data in edges:
        if data.get("relation") not in CHAIN_RELATIONS or source == target:
            continue
        if (source, target) in seen:
            continue
        doc, upstream = ctx.corpus.by_path[source], ctx.corpus.by_path[target]
        mine, theirs = lifecycle_position(ctx, doc), lifecycle_position(ctx, upstream)
        if mine is None or theirs is None or mine <= theirs:
            continue
        seen.add((source, target))
        verb = "implements" if data.get("relation") == Relation.IMPLEMENTS.value else "depends on"
        yield Hit(
            str(data.get("declared_by", source)),
            int(data.get("line", 1)),
            int(data.get("column", 1)),
            f"status inversion: {doc.name} is {doc.status} but {verb} {upstream.name}, which "
            f"is only {upstream.status}",
            target=upstream.name,
            document=doc.name,
        )


def find_unknown_statuses(ctx: CheckContext) -> Iterator[Hit]:
    """A document's status is not one its type's lifecycle allows.

    Why: an unknown status cannot be ordered, so lifecycle rules (TG301, TG302, TG304, TG501)
    cannot judge the document, and readers cannot tell whether it holds.

    Example: an ADR with status "Done" (ADR statuses: proposed, accepted, deprecated,
    superseded, rejected).

    Fix: use one of the listed statuses, or teach tracegraph the team's word:
    `status_aliases: {done: accepted}` or the type's `lifecycle`/`terminal` in config.
    """
    for doc in ctx.typed:
        spec = ctx.spec(doc)
        if spec is None or not doc.status or not spec.statuses or doc.status in spec.statuses:
            continue
        written = doc.status_raw or doc.status
        if len(written) > 60:
            written = written[:57] + "..."
        yield Hit(
            doc.path,
            doc.status_line,
            1,
            f"unknown status '{written}' for {spec.name}; allowed: {', '.join(spec.statuses)}",
            document=doc.name,
        )


def find_missing_approvals(ctx: CheckContext) -> Iterator[Hit]:
    """A document is approved (or further) while its Approval section still holds placeholders.

    Why: the status claims sign-off that the document does not record; auditors and readers
    cannot see who approved it and when.

    Example: `**Status:** Approved` at the top, and under `## Approval` the line
    `**Engineering Lead:** [Name] - [Date]`.

    Fix: fill in the approvers and dates, or set the status back to in-review. "Approved or
    further" is the first of approved/accepted in the type's lifecycle and every stage after.
    """
    for doc in ctx.typed:
        spec = ctx.spec(doc)
        if spec is None or not doc.status or doc.status not in spec.lifecycle:
            continue
        gate = next((spec.lifecycle.index(s) for s in APPROVED if s in spec.lifecycle), None)
        if gate is None or spec.lifecycle.index(doc.status) < gate:
            continue
        open_slots = [p for p in doc.placeholders if p.section == "approval"]
        if not open_slots:
            continue
        first = open_slots[0]
        yield Hit(
            doc.path,
            first.line,
            first.column,
            f"approval missing: {doc.name} is {doc.status} but its Approval section still has "
            f"{len(open_slots)} placeholder(s) such as {first.text}",
            document=doc.name,
        )
