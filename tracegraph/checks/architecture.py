"""Rules about the system the documents describe: TG701-TG703 (issue 20)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from ..architecture import Entity, internal_reason
from .context import CheckContext, Hit, parse_date

#: Document -> the documents it supersedes directly (new -> old).
Succession = Mapping[str, tuple[str, ...]]


def find_endpoint_conflicts(ctx: CheckContext) -> Iterator[Hit]:
    """One endpoint (method and path) is designed as new by two active documents that do not
    supersede one another.

    Why: two designs of `POST /v1/orders` that both still stand mean two teams build the same
    contract, or one of them changes it without saying so; the API that ships will disagree
    with one of the documents.

    Example: `TDD-0001` and `TDD-0005`, both approved, list `#### POST /v1/orders` under "New
    Endpoints" (paths are compared with parameters unified: `{id}`, `:id`, `<id>`).

    Fix: make the later design supersede the earlier one (`Supersedes: TDD-0001`), or list
    the endpoint under its "Modified Endpoints" or "Breaking Changes" instead. Reported once
    per endpoint, in the newest of the documents (by `Created`, then path); ended documents
    (superseded, rejected...) never conflict.
    """
    yield from _conflicts(ctx, "endpoint", "Modified Endpoints")


def find_table_conflicts(ctx: CheckContext) -> Iterator[Hit]:
    """One table is created (New Tables, `CREATE TABLE`) by two active documents that do not
    supersede one another.

    Why: two documents that both create `orders` describe two different schemas for one
    table; the migration that runs second fails, or silently keeps the first schema.

    Example: `TDD-0002` and `TDD-0007` both have `**Table: \\`orders\\`**` under "New Tables".

    Fix: make the later design supersede the earlier one, or describe its change under
    "Modified Tables" (an `ALTER TABLE` is always a modification). Reported once per table, in
    the newest of the documents; ended documents never conflict.
    """
    yield from _conflicts(ctx, "table", "Modified Tables")


def find_undescribed_components(ctx: CheckContext) -> Iterator[Hit]:
    """A dependency looks like a component of this system but no document describes it.

    Why: a component that other designs depend on but that has no design of its own is a
    hole in the map: nobody can say what it is responsible for or what rests on it. External
    systems (PostgreSQL, an e-mail provider) are expected to be described nowhere, so only
    names that look internal count: named like a service (`Billing Service`, `ledger-svc`)
    or matching a glob of `architecture.internal` in the config (`acme-*`).

    Example: the Router's `**Dependencies:** Preference service` while no TDD has a
    component of that name (names are compared without case, hyphens or a "service" suffix).

    Fix: describe the component in the design that owns it, name it as its design does (or
    add the spelling to `architecture.aliases`), or list the name under
    `architecture.external` when it is not yours. Reported once per name, at its first
    mention.
    """
    config = ctx.config.architecture
    for entity in ctx.entities["external"]:
        reason = internal_reason(entity.name, config)
        if reason is None:
            continue
        first = entity.sources[0]
        others = len({s.path for s in entity.sources}) - 1
        also = f" (named in {others} more document{'s' if others != 1 else ''})" if others else ""
        yield Hit(
            first.path,
            first.line,
            1,
            f"undescribed component: '{entity.name}' looks like a component of this system "
            f"({reason}) but no document describes it{also}",
            target=entity.query,
            document=ctx.name(first.path),
        )


def _conflicts(ctx: CheckContext, kind: str, instead: str) -> Iterator[Hit]:
    """One hit per entity of ``kind`` created by two or more active documents that do not
    supersede one another, located in the newest of them."""
    succession: Succession | None = None  # built at the first rivalry
    for entity in ctx.entities[kind]:
        lines = _designers(ctx, entity)
        if len(lines) < 2:
            continue
        if succession is None:
            succession = _succession(ctx)
        rivals = _rivals(succession, lines)
        if not rivals:
            continue
        newest = max(rivals, key=lambda p: (_created(ctx, p), p))
        others = sorted(p for p in rivals if p != newest and not _related(succession, p, newest))
        named = [f"{ctx.name(p)} (line {lines[p]})" for p in others]
        listed = " and ".join([", ".join(named[:-1]), named[-1]] if len(named) > 1 else named)
        what = "created" if kind == "table" else "designed"
        neither = (
            "neither document supersedes the other"
            if len(named) == 1
            else "none of them supersedes another"
        )
        yield Hit(
            newest,
            lines[newest],
            1,
            f"{kind} conflict: {entity.name} is also {what} as new by {listed}, and "
            f"{neither}; supersede the older design, or list it under {instead}",
            target=entity.query,
            document=ctx.name(newest),
        )


def _rivals(succession: Succession, lines: dict[str, int]) -> set[str]:
    """The designers that some other designer neither supersedes nor is superseded by.

    A designer outside every supersession chain rivals all the others, so then all of them
    are rivals; only designers that are all in chains are compared pair by pair. (A shared
    table named in thousands of designs made the pairwise loop quadratic: 92M pairs at 100k.)
    """
    if any(path not in succession for path in lines):
        return set(lines)
    return {
        path
        for path in lines
        for other in lines
        if other != path and not _related(succession, path, other)
    }


def _designers(ctx: CheckContext, entity: Entity) -> dict[str, int]:
    """The active documents that create ``entity``, with the line where each does."""
    out: dict[str, int] = {}
    for source in entity.sources:
        doc = ctx.corpus.by_path.get(source.path)
        if source.role != "new" or doc is None or ctx.is_terminal(doc):
            continue
        out.setdefault(source.path, source.line)
    return out


def _created(ctx: CheckContext, path: str) -> str:
    """The creation date of a document as ``YYYY-MM-DD`` ("" when unknown): what "newest"
    means for a conflict's location."""
    doc = ctx.corpus.by_path[path]
    found = parse_date(doc.meta("created") or doc.meta("date"))
    return found.isoformat() if found else ""


def _succession(ctx: CheckContext) -> Succession:
    """The ``supersedes`` edges of the document graph (new -> old), both ends of each edge
    listed (plain tuples: importing networkx for two walks was ~10 MB, the peak of a check at
    100k documents)."""
    found: dict[str, dict[str, None]] = {}
    for source, target, _data in ctx.supersedes_edges:
        found.setdefault(source, {})[target] = None
        found.setdefault(target, {})
    return {path: tuple(olds) for path, olds in found.items()}


def _related(succession: Succession, a: str, b: str) -> bool:
    """Whether one of two documents supersedes the other, directly or through a chain."""
    if a not in succession or b not in succession:
        return False
    return _reaches(succession, a, b) or _reaches(succession, b, a)


def _reaches(succession: Succession, start: str, goal: str) -> bool:
    """Whether ``goal`` is ``start`` or one of the documents it supersedes, through a chain.

    >>> _reaches({"c": ("b",), "b": ("a",), "a": ()}, "c", "a"), _reaches({"a": ()}, "a", "b")
    (True, False)
    """
    seen = {start}
    todo = [start]
    while todo:
        path = todo.pop()
        if path == goal:
            return True
        for older in succession.get(path, ()):
            if older not in seen:
                seen.add(older)
                todo.append(older)
    return False
