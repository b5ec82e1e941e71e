"""Rules about statuses along the chain: TG301-TG304."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator

from ..model import Document, Relation
from .context import CHAIN_RELATIONS, CheckContext, Edge, Hit

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
    `supersedes` counts, or those of the relations in the type's `cites` (the presets' proposals
    count only `depends_on` and `implements`: citing a withdrawn proposal for history is
    normal); the successor itself and documents that have ended are not checked.
    """
    yield from _cited_superseded(ctx, None, ctx.corpus.by_path)


def cited_superseded_near(ctx: CheckContext, paths: Collection[str]) -> Iterator[Hit]:
    """The hits of ``find_cited_superseded`` for the edges with an end in ``paths`` (a set),
    from those edges alone: after an edit that changed no status, no ID and no
    ``supersedes`` edge, only the node pairs whose edges changed can change."""
    edges = list(ctx.edges_at(paths))
    yield from _cited_superseded(ctx, lambda: edges, {end for e in edges for end in e[:2]})


def _cited_superseded(
    ctx: CheckContext, edges: Callable[[], Iterable[Edge]] | None, paths: Iterable[str]
) -> Iterator[Hit]:
    """TG301 over the edges ``edges()`` gives (each pass: every edge of a node pair, or none
    of them), whose ends are among ``paths``; None: every edge of the graph."""
    by_path = ctx.corpus.by_path
    ended = {path for path in paths if _ended(ctx, by_path[path])}
    if not ended:
        return
    supersedes = Relation.SUPERSEDES.value
    if edges is None:  # every edge: only those into ended documents (few) are read
        superseding = {(s, t) for s, t, _d in ctx.supersedes_edges}
        # Sorted below: the same edges in the same order as sorting every edge (edges that
        # sort equal share source and target, and ``in_edges`` gives a pair's edges in the
        # graph's order).
        pred = ctx.corpus.edges.pred
        into: Iterable[Edge] = (
            (source, target, data)
            for target in ended
            if target in pred
            for source, data in ctx.corpus.edges.in_edges(target)
        )
    else:
        superseding = {(s, t) for s, t, d in edges() if d.get("relation") == supersedes}
        into = edges()
    # Filter per edge first (cheap, and most edges do not cite an ended document), then sort
    # the few left: the same edges in the same order as sorting everything first.
    candidates = [
        (source, target, data)
        for source, target, data in into
        if target in ended
        and source != target
        and data.get("relation") != supersedes
        and source not in ended
        and by_path[source].type != "DOC"
        and (source, target) not in superseding
        and _cites(ctx, by_path[source], data.get("relation"))
    ]
    candidates.sort(key=_edge_order)
    seen: set[tuple[str, str]] = set()
    for source, target, data in candidates:
        if (source, target) in seen:
            continue
        doc = by_path[source]
        cited = by_path[target]
        seen.add((source, target))
        successors = _successors(ctx, target)
        hint = f"; cite {', '.join(successors)} instead?" if successors else ""
        yield Hit.at_edge(
            source,
            data,
            f"{doc.name} ({doc.status or 'no status'}) cites {cited.name}, which is "
            f"{cited.status}{hint}",
            target=cited.name,
            document=doc.name,
        )


def _successors(ctx: CheckContext, old: str) -> list[str]:
    """The names of the documents that supersede ``old``, sorted, each once."""
    supersedes = Relation.SUPERSEDES.value
    return sorted(
        {
            ctx.name(new)
            for new, keyed in ctx.corpus.edges.pred[old].items()
            if new != old and any(d.get("relation") == supersedes for d in keyed.values())
        }
    )


def _cites(ctx: CheckContext, doc: Document, relation: object) -> bool:
    """Whether an edge of this relation counts as citing for the document's type (a
    proposal's `see-also` or mention of a withdrawn one is history, its `requires` is not)."""
    spec = ctx.spec(doc)
    return spec is None or not spec.cites or relation in spec.cites


def _edge_order(edge: Edge) -> tuple[str, int, int, str]:
    """Edges in document order: source, line, column, target."""
    data = edge[2]
    return (edge[0], data.get("line", 0), data.get("column", 0), edge[1])


def _ended(ctx: CheckContext, doc: Document) -> bool:
    return bool(doc.status) and (doc.status in ENDED or ctx.is_terminal(doc))


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
    yield from _status_inversions(ctx, ctx.chain_edges, ctx.corpus.by_path, chained=True)


def status_inversions_near(ctx: CheckContext, paths: Collection[str]) -> Iterator[Hit]:
    """The hits of ``find_status_inversions`` for the edges with an end in ``paths`` (a set):
    after an edit that changed no status, only the node pairs whose edges changed can
    change."""
    edges = list(ctx.edges_at(paths))
    yield from _status_inversions(ctx, edges, {end for e in edges for end in e[:2]})


def _status_inversions(
    ctx: CheckContext, edges: Iterable[Edge], paths: Iterable[str], *, chained: bool = False
) -> Iterator[Hit]:
    """TG302 over ``edges`` (every edge of a node pair, or none of them), whose ends are
    among ``paths``; ``chained``: they are all implements/depends_on edges already
    (``CheckContext.chain_edges``: their relations are not read again, 3,000 at 1,000
    documents)."""
    by_path = ctx.corpus.by_path
    positions = {path: lifecycle_position(ctx, by_path[path]) for path in paths}
    candidates = []
    for edge in edges:
        source, target, data = edge
        if source == target or (not chained and data.get("relation") not in CHAIN_RELATIONS):
            continue
        mine, theirs = positions[source], positions[target]
        if mine is None or theirs is None or mine <= theirs:
            continue
        candidates.append(edge)
    candidates.sort(key=_edge_order)
    seen: set[tuple[str, str]] = set()
    for source, target, data in candidates:
        if (source, target) in seen:
            continue
        doc, upstream = by_path[source], by_path[target]
        seen.add((source, target))
        verb = "implements" if data.get("relation") == Relation.IMPLEMENTS.value else "depends on"
        yield Hit.at_edge(
            source,
            data,
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
