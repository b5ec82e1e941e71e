"""Entity queries on the command line: ``impact``, ``upstream`` and ``show`` given
``component:NAME``, ``endpoint:"METHOD /path"``, ``table:NAME`` or ``external:NAME``
(issue 20). The commands in ``query.py`` hand such an argument over here."""

from __future__ import annotations

from collections.abc import Sequence

from .. import api
from ..entity_queries import find_entity, show_entity, traverse_entity
from ..errors import UsageError
from ..graph import Corpus
from ..output.entities import (
    ENTITY_FORMATTERS,
    entity_card_dict,
    format_entity_card,
    shows,
    to_json,
)
from ..queries import Direction

KINDS = ("COMPONENT", "ENDPOINT", "TABLE", "EXTERNAL")


def entity_traversal(
    corpus: Corpus,
    query: str,
    direction: Direction,
    depth: int | None,
    relations: Sequence[str] | None,
    types: Sequence[str],
    include_superseded: bool,
    fmt: str,
) -> str:
    """``impact|upstream ENTITY`` in ``fmt`` (tree, list, json, dot, mermaid); ``--type``
    takes entity kinds and document types, ``--exclude-superseded`` hides ended documents
    and retired entities."""
    if relations:
        raise UsageError("--relation applies to document queries, not to an entity")
    wanted = frozenset(t.upper() for t in types)
    known = set(KINDS) | {"DOCUMENT"} | {s.name for s in corpus.config.types} | {"DOC"}
    unknown = sorted(wanted - known)
    if unknown:
        raise UsageError(
            f"--type: unknown {unknown[0]} (an entity kind: component, endpoint, table, "
            "external, or a document type)"
        )
    entity = find_entity(corpus, query)
    result = traverse_entity(corpus, entity, direction, depth)
    if fmt in ("dot", "mermaid"):
        keys = {entity.key} | {
            n.key
            for n in result.nodes
            if n.kind != "document" and shows(n, wanted, include_superseded)
        }
        model = api.architecture_map(corpus, focus=entity.query, only=frozenset(keys))
        text = api.draw_map(model, fmt, config=corpus.config).data
        assert isinstance(text, str)
        return text
    return ENTITY_FORMATTERS[fmt](corpus, result, wanted, include_superseded)


def entity_card(corpus: Corpus, query: str, fmt: str) -> str:
    """``show ENTITY`` as text or JSON."""
    card = show_entity(corpus, find_entity(corpus, query))
    return (
        to_json(entity_card_dict(corpus, card))
        if fmt == "json"
        else format_entity_card(corpus, card)
    )
