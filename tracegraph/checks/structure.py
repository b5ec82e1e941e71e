"""Rules about the shape of the graph: TG201-TG204 and TG601."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..graph import EdgeKeys, Edges
from ..model import Document, Relation
from .context import CHAIN_RELATIONS, CheckContext, Edge, Hit

if TYPE_CHECKING:
    from ..graph import Corpus

#: Relations that make a dependency chain; cycles over them are errors.
#: Edge visits allowed, over all components, for looking beyond the first document of each
#: component for a shorter cycle; each component always gets one full search (linear).
SHORTEST_CYCLE_BUDGET = 2_000_000
#: Documents of a component named in the message beyond its cycle.
MAX_NAMED_MEMBERS = 10


def find_orphans(ctx: CheckContext) -> Iterator[Hit]:
    """A typed document has no edge to or from any other document.

    Why: a PRD, RFC, ADR or TDD that nothing cites and that cites nothing is invisible in
    every impact query; it is usually forgotten, misfiled, or its links were lost in a rename.
    Links to source files, images and web pages do not count: only document edges connect.

    Example: `ADR-0006` is linked or mentioned by no document and links to none.

    Fix: link it from the document it serves (the RFC that led to it, the TDD that follows
    it), or link upstream from it. Untyped pages (DOC) are never orphans.
    """
    succ, pred = ctx.corpus.edges.succ, ctx.corpus.edges.pred
    for doc in ctx.typed:
        path = doc.path
        out, into = succ[path], pred[path]
        # A neighbour other than itself (a self-edge is in both), counted without a set of
        # them for each document.
        if len(out) > (path in out) or len(into) > (path in into):
            continue
        yield Hit(
            doc.path,
            1,
            1,
            f"orphan: {doc.name} has no link to or from another document",
            document=doc.name,
        )


def find_uncovered(ctx: CheckContext) -> Iterator[Hit]:
    """A document has no downstream document of the types its type's coverage rule needs.

    Why: a PRD that no RFC or TDD implements is a requirement nobody designed for; an RFC with
    no ADR or TDD is a proposal that never turned into a decision or a design.

    Example: the approved `PRD-0004` is cited by no RFC and no TDD (default rules: a PRD
    needs an RFC or TDD, an RFC needs an ADR or TDD).

    Fix: link the PRD from the design that covers it (a TDD's "Related Documents"), or change
    the type's `needs:` in config. Documents in the first lifecycle stage (draft, proposed)
    and ended ones (superseded, rejected...) are not checked: they are not expected to be
    covered yet, or any more.
    """
    edges = ctx.corpus.edges
    for doc in ctx.typed:
        spec = ctx.spec(doc)
        if spec is None or not spec.needs or ctx.is_terminal(doc):
            continue
        if doc.status and spec.lifecycle and doc.status == spec.lifecycle[0]:
            continue
        if not _covered(edges, doc.path, spec.needs, ctx.corpus.by_path):
            needs = " or ".join(spec.needs)
            yield Hit(
                doc.path,
                doc.status_line,
                1,
                f"uncovered: no {needs} rests on {doc.name} ({spec.name} coverage rule)",
                document=doc.name,
            )


def _covered(edges: Edges, path: str, needs: Collection[str], docs: Mapping[str, Document]) -> bool:
    """Whether a document of a type in ``needs`` rests on ``path`` by an edge that is not
    ``supersedes`` (relations read without making the edges' attributes; a source's type
    read from its document, ``docs``, not through the node's attribute mapping)."""
    supersedes = Relation.SUPERSEDES.value
    for source, keyed in edges.pred[path].items():
        doc = docs.get(source)
        if source == path or doc is None or doc.type not in needs:
            continue
        if isinstance(keyed, EdgeKeys):
            if any(relation != supersedes for relation in keyed.relations):
                return True
        elif any(data.get("relation") != supersedes for data in keyed.values()):
            return True
    return False


def _chain_edges(ctx: CheckContext) -> dict[tuple[str, str], Mapping[str, Any]]:
    """The implements/depends_on edges, one per ordered pair of documents: the edge to report
    (declared by the source first, then the earliest line)."""
    first: dict[tuple[str, str], tuple[tuple[bool, int, int], Mapping[str, Any]]] = {}
    for source, target, data in ctx.chain_edges:
        if source == target:
            continue
        key = (source, target)
        rank = (data.get("declared_by") != source, data.get("line", 0), data.get("column", 0))
        old = first.get(key)
        if old is None or rank < old[0]:
            first[key] = (rank, data)
    return {key: data for key, (_rank, data) in first.items()}


def _acyclic(ctx: CheckContext) -> bool:
    """Whether the implements/depends_on edges form no cycle: a depth-first search over the
    documents each one rests on, from ``CheckContext.chain_edges`` (found once for five
    rules; walking the whole adjacency again read every node pair's relations: 0.05 s at
    10k documents), holding one state per document."""
    rests_on: dict[str, list[str]] = {}
    for source, target, _data in ctx.chain_edges:
        if source != target:
            rests_on.setdefault(source, []).append(target)
    done: dict[str, bool] = {}  # False while on the current path, True when left
    for start in rests_on:
        if start in done:
            continue
        done[start] = False
        stack = [(start, iter(rests_on[start]))]
        while stack:
            node, targets = stack[-1]
            for target in targets:
                state = done.get(target)
                if state is None:
                    done[target] = False
                    stack.append((target, iter(rests_on.get(target, ()))))
                    break
                if not state:  # back to a document on the current path
                    return False
            else:
                done[node] = True
                stack.pop()
    return True


def find_cycles(ctx: CheckContext) -> Iterator[Hit]:
    """Documents implement or depend on each other in a cycle.

    Why: "A rests on B" cannot hold both ways; a cycle means one of the links is reversed or
    mislabelled, and impact queries over it never reach a bottom.

    Example: `RFC-0003` depends on `RFC-0004`, which depends on `RFC-0003`: reported once as
    "RFC-0003 -> RFC-0004 -> RFC-0003" at the first edge.

    Fix: decide which document really rests on the other and turn the other link into a plain
    reference (or `related`). Only `implements` and `depends_on` edges count. Each group of
    documents that all rest on each other (a strongly connected component) is reported once,
    with a shortest cycle through it, starting at its smallest document name; when the group
    is larger than that cycle the message names the others too, so fix, rerun, repeat.
    """
    if _acyclic(ctx):
        return
    first = _chain_edges(ctx)
    chain: dict[str, list[str]] = {}
    for source, target in first:
        chain.setdefault(source, []).append(target)
        chain.setdefault(target, [])
    names = {path: ctx.name(path) for path in chain}

    def order(path: str) -> tuple[str, str]:
        return names[path], path

    components = [sorted(c, key=order) for c in find_strong_components(chain) if len(c) > 1]
    budget = SHORTEST_CYCLE_BUDGET
    for members in sorted(components, key=lambda c: order(c[0])):
        sub = _ordered_subgraph(chain, members)
        cycle, budget = shortest_cycle(sub, members, budget)
        start = min(range(len(cycle)), key=lambda i: order(cycle[i]))
        cycle = cycle[start:] + cycle[:start]
        shown = [names[p] for p in cycle] + [names[cycle[0]]]
        message = f"dependency cycle: {' -> '.join(shown)}"
        if len(members) > len(cycle):
            others = [names[p] for p in members if p not in set(cycle)]
            listed = ", ".join(others[:MAX_NAMED_MEMBERS])
            more = len(others) - MAX_NAMED_MEMBERS
            listed += f" and {more} more" if more > 0 else ""
            message += (
                f" (a shortest cycle; {len(members)} documents rest on each other in a "
                f"loop, also {listed})"
            )
        yield Hit.at_edge(
            cycle[0],
            first[(cycle[0], cycle[1])],
            message,
            target=names[cycle[1]],
            document=names[cycle[0]],
        )


def cycles_unchanged(before: Corpus, after: Corpus, changed: Iterable[str]) -> bool:
    """Whether ``find_cycles`` finds the same in ``after`` as in ``before``, when only the
    edges with an end in ``changed`` differ between the two and no document's name changed:
    so it is when no changed document lies on a cycle of implements/depends_on edges in
    either (then no edge that differs lies inside a strongly connected component, and every
    component, its edges and its members' names are as they were)."""
    return not any(
        _on_cycle(corpus.edges.succ, path) for corpus in (before, after) for path in changed
    )


def _on_cycle(succ: Mapping[str, Mapping[str, Any]], start: str) -> bool:
    """Whether the implements/depends_on edges lead from ``start`` back to it."""
    seen = {start}
    todo = [start]
    while todo:
        node = todo.pop()
        for target, keyed in succ.get(node, {}).items():
            if target == node or not any(
                data.get("relation") in CHAIN_RELATIONS for data in keyed.values()
            ):
                continue
            if target == start:
                return True
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return False


def find_strong_components(graph: Mapping[str, Sequence[str]]) -> list[list[str]]:
    """The strongly connected components of a digraph given as each node's successors (every
    node a key): Tarjan's algorithm, without recursion (a chain of 10,000 documents is
    deeper than Python's stack). Written out rather than taken from networkx, whose import
    was 80 ms, two fifths of a small tree's check, only to name a cycle (a test holds both
    equal).

    >>> sorted(map(sorted, find_strong_components({"a": ["b"], "b": ["a", "c"], "c": []})))
    [['a', 'b'], ['c']]
    """
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in graph:
        if root in index:
            continue
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        work = [(root, iter(graph[root]))]
        while work:
            node, targets = work[-1]
            for target in targets:
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(graph[target])))
                    break
                if target in on_stack:
                    low[node] = min(low[node], index[target])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component: list[str] = []
                    while not component or component[-1] != node:
                        component.append(stack.pop())
                        on_stack.discard(component[-1])
                    found.append(component)
    return found


def _ordered_subgraph(
    chain: Mapping[str, Sequence[str]], members: list[str]
) -> dict[str, list[str]]:
    """The component as its own digraph (each node's successors), nodes and each node's
    successors in ``members`` order, so that searches over it are deterministic."""
    rank = {path: index for index, path in enumerate(members)}
    return {
        path: sorted((t for t in chain[path] if t in rank), key=rank.__getitem__)
        for path in members
    }


def shortest_cycle(
    graph: Mapping[str, Sequence[str]], starts: list[str], budget: int
) -> tuple[list[str], int]:
    """A shortest cycle of a strongly connected ``graph`` (each node's successors) and the
    budget left.

    A breadth-first search from a node finds the shortest cycle through it (the nearest
    predecessor of the node, reached from it); every start in ``starts`` order is tried while
    ``budget`` (edge visits) lasts, but the first always is, so a cycle is always found and the
    work stays linear once the budget is spent. Searches stop at the depth of the best cycle
    so far; the earliest start wins ties, and among the nearest predecessors the first in
    ``graph``'s order.

    >>> shortest_cycle({"a": ["b"], "b": ["c"], "c": ["a", "b"]}, ["a", "b", "c"], 100)[0]
    ['b', 'c']
    """
    size = len(graph) + sum(map(len, graph.values()))
    best: list[str] = []
    for index, start in enumerate(starts):
        if index and budget < size:
            break
        budget -= size
        cutoff = len(best) - 2 if best else None
        if cutoff is not None and cutoff < 1:
            break  # two documents are the shortest cycle there is
        came_from, depth = _search(graph, start, cutoff)
        ends = [p for p, targets in graph.items() if p in depth and start in targets]
        if not ends:
            continue
        end = min(ends, key=depth.__getitem__)
        if best and depth[end] + 1 >= len(best):
            continue
        path = [end]
        while path[-1] != start:
            path.append(came_from[path[-1]])
        best = path[::-1]
    return best, budget


def _search(
    graph: Mapping[str, Sequence[str]], start: str, cutoff: int | None
) -> tuple[dict[str, str], dict[str, int]]:
    """A breadth-first search from ``start``, no deeper than ``cutoff`` edges (None: all):
    the node each reached one was first reached from, and its depth."""
    came_from: dict[str, str] = {}
    depth = {start: 0}
    level, reached = [start], 0
    while level:
        reached += 1
        ahead: list[str] = []
        for node in level:
            for target in graph[node]:
                if target not in depth:
                    came_from[target] = node
                    depth[target] = reached
                    ahead.append(target)
        if cutoff and cutoff <= reached:
            break
        level = ahead
    return came_from, depth


def find_supersession_mismatches(ctx: CheckContext) -> Iterator[Hit]:
    """One side of a supersession is missing or names a different document.

    Why: readers of the old document must learn that it no longer holds and what replaced it;
    readers of the new one must see what it replaces. When only one side says so, the old
    decision still looks current to anyone who lands on it.

    Example: `ADR-0005` says "Supersedes ADR-0002", but `ADR-0002` still says "Accepted" (or
    "Superseded by ADR-0004"); or `ADR-0002` says "Superseded by ADR-0005" and `ADR-0005` never
    mentions that it supersedes it.

    Fix: write both sides: "Supersedes [ADR-0002](...)" in the new document and status
    "Superseded by [ADR-0005](...)" in the old one (or `supersedes`/`superseded_by` in front
    matter).
    """
    yield from _supersession_mismatches(ctx, ctx.supersedes_edges)


def supersession_mismatches_near(ctx: CheckContext, paths: Collection[str]) -> Iterator[Hit]:
    """The hits of ``find_supersession_mismatches`` for the supersessions with an end in
    ``paths`` (a set), from their edges and the other claims on their superseded documents
    alone: an edit changes only the pairs whose edges it changed."""
    supersedes = Relation.SUPERSEDES.value
    near = list(ctx.edges_at(paths))
    olds = sorted({old for _new, old, data in near if data.get("relation") == supersedes})
    pred = ctx.corpus.edges.pred
    rivals = [
        (new, old, data)
        for old in olds
        if old not in paths
        for new, keyed in pred[old].items()
        if new not in paths
        for data in keyed.values()
    ]
    yield from _supersession_mismatches(ctx, [*near, *rivals], paths)


def _supersession_mismatches(
    ctx: CheckContext, edges: Iterable[Edge], near: Collection[str] | None = None
) -> Iterator[Hit]:
    """TG204 over ``edges`` (every edge of a node pair, or none of them), for the pairs with
    an end in ``near`` (default: all)."""
    # (new, old) -> {declaring path: (line, column, file written in: a sidecar or itself)}
    claims: dict[tuple[str, str], dict[str, tuple[int, int, str]]] = {}
    for new, old, data in edges:
        if data.get("relation") != Relation.SUPERSEDES.value or new == old:
            continue
        declared = str(data.get("declared_by", new))
        spot = (
            int(data.get("line", 1)),
            int(data.get("column", 1)),
            str(data.get("file") or declared),
        )
        sides = claims.setdefault((new, old), {})
        sides[declared] = min(spot, sides.get(declared, spot))
    successors: dict[str, set[str]] = {}
    for (new, old), sides in claims.items():
        if old in sides:
            successors.setdefault(old, set()).add(new)
    for (new, old), sides in sorted(claims.items()):
        if near is not None and new not in near and old not in near:
            continue
        old_doc = ctx.corpus.by_path[old]
        new_name, old_name = ctx.name(new), ctx.name(old)
        if new in sides and old not in sides:
            named = sorted(ctx.name(p) for p in successors.get(old, set()))
            line, column, written = sides[new]
            if named:
                message = (
                    f"supersession mismatch: {new_name} supersedes {old_name}, but {old_name} "
                    f"names {', '.join(named)} as its successor"
                )
            elif old_doc.status in ("superseded", "replaced"):
                continue  # "Superseded" (a KEP's "replaced") without the successor: enough
            else:
                message = (
                    f"supersession mismatch: {new_name} supersedes {old_name}, but {old_name} "
                    f"does not say it is superseded (status: {old_doc.status or 'none'})"
                )
            yield Hit(written, line, column, message, target=old_name, document=new_name)
        elif old in sides and new not in sides:
            line, column, written = sides[old]
            yield Hit(
                written,
                line,
                column,
                f"supersession mismatch: {old_name} says it is superseded by {new_name}, but "
                f"{new_name} does not say it supersedes {old_name}",
                target=new_name,
                document=old_name,
            )


def find_duplicate_ids(ctx: CheckContext) -> Iterator[Hit]:
    """Two or more documents claim the same ID.

    Why: every mention of the ID becomes ambiguous; links by ID resolve to the first path
    only, so the other documents silently lose their inbound edges.

    Example: `adr/0007-use-kafka.md` and `adr/0007-use-nats.md` are both ADR-0007 (two
    branches picked the next free number at the same time).

    Fix: renumber one of them (and the references to it), or set its `id:` in front matter.
    Each claiming document gets a finding that lists all the paths.
    """
    for doc_id, paths in sorted(ctx.corpus.ids.items()):
        if len(paths) < 2:
            continue
        listing = ", ".join(sorted(paths))
        for path in sorted(paths):
            doc = ctx.corpus.by_path[path]
            line = doc.meta_line("id") if doc.meta("id") else 1
            yield Hit(
                path,
                line,
                1,
                f"duplicate ID: {doc_id} is claimed by {len(paths)} documents: {listing}",
                document=doc_id,
            )
