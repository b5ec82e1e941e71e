"""Text and JSON of entity queries (``tracegraph impact|upstream|show component:NAME``)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from ..architecture import DESCRIBED_BY, DOCUMENT, Entity, entity_query
from ..entity_queries import (
    DOCUMENT_PREFIX,
    EntityCard,
    EntityHop,
    EntityReached,
    EntityTraversal,
)
from ..export import entity_data
from ..generated import json_head
from ..graph import Corpus
from ..safetext import neutralise
from . import finding_dict, findings_block

#: ``version`` of the entity query JSON (``tracegraph schema entity-impact``, ``entity-show``).
ENTITY_JSON_VERSION = 1
#: How a node is reached, read from it towards the node it hangs from: (downstream, upstream).
_PHRASES = {
    "depends_on": ("depends on", "depended on by"),
    "owns": ("owns", "owned by"),
    "exposes": ("exposed by", "exposes"),
    DESCRIBED_BY: ("designs", "designs"),
    "implements": ("implements", "implemented by"),
    "supersedes": ("supersedes", "superseded by"),
    "related": ("related to", "related to"),
    "references": ("references", "referenced by"),
    "mentions": ("mentions", "mentioned by"),
}
TERMINAL = frozenset({"superseded", "deprecated", "rejected", "withdrawn", "retired"})


#: Text from a document, safe for a terminal (control and bidi characters escaped).
clean = neutralise


def node_name(corpus: Corpus, key: str) -> str:
    """How a node is named in chains: an entity as ``kind:name``, a document by its ID."""
    if key.startswith(DOCUMENT_PREFIX):
        return corpus.by_path[key[len(DOCUMENT_PREFIX) :]].name
    entity = corpus.architecture.by_key[key]
    return entity_query(entity.kind, entity.name)


def shows(node: EntityReached, kinds: frozenset[str], include_ended: bool) -> bool:
    """Whether a reached node is shown: ``kinds`` are entity kinds or document types
    (upper-case), and ended documents or retired entities only with ``include_ended``."""
    if kinds and node.kind.upper() not in kinds and (node.type or "").upper() not in kinds:
        return False
    return include_ended or node.state not in TERMINAL


def _how(corpus: Corpus, result: EntityTraversal, node: EntityReached) -> str:
    """How ``node`` is reached, from it towards its parent: "depends on component:X"."""
    hop = node.via[-1]
    downstream = result.direction == "downstream"
    phrase = _PHRASES.get(hop.relation, (hop.relation, hop.relation))[0 if downstream else 1]
    parent = _parent(hop, node.key)
    return f"{phrase} {node_name(corpus, parent)}"


def _parent(hop: EntityHop, key: str) -> str:
    return hop.target if hop.source == key else hop.source


def _card(kind: str, name: str, state: str, title: str = "", doc_type: str | None = None) -> str:
    """One node as a line: ``kind:name  state`` for an entity, ``ID  TYPE  status  title``
    for a document."""
    if kind == DOCUMENT:
        words = [clean(name), doc_type or "DOC", state or "-"]
    else:
        words = [clean(entity_query(kind, name)), state or "-"]
    if title and title != name:
        words.append(clean(title))
    return "  ".join(words)


def format_entity_tree(
    corpus: Corpus, result: EntityTraversal, kinds: frozenset[str], include_ended: bool
) -> str:
    """An indented tree: each shown node once, under the node it is reached from."""
    root = result.root
    lines = [_card(root.kind, root.name, root.state, _technology(root))]
    children: dict[str, list[EntityReached]] = {}
    shown = [n for n in result.nodes if shows(n, kinds, include_ended)]
    keys = {root.key} | {n.key for n in shown}
    for node in shown:
        chain = [root.key] + [_far(hop, before) for hop, before in _walk(node, root.key)]
        anchor = next(k for k in reversed(chain[:-1]) if k in keys)
        children.setdefault(anchor, []).append(node)

    def walk(key: str, prefix: str) -> None:
        items = sorted(children.get(key, []), key=lambda n: (n.depth, n.kind, n.name, n.key))
        for number, node in enumerate(items):
            last = number == len(items) - 1
            card = _card(node.kind, node.name, node.state, node.title, node.type)
            how = _how(corpus, result, node)
            lines.append(f"{prefix}{'└── ' if last else '├── '}{card}  ({how})")
            walk(node.key, prefix + ("    " if last else "│   "))

    walk(root.key, "")
    if not shown:
        downstream = result.direction == "downstream"
        lines.append("(nothing rests on it)" if downstream else "(it rests on nothing)")
    return "\n".join(lines) + "\n"


def _walk(node: EntityReached, root: str) -> list[tuple[EntityHop, str]]:
    """The hops of a node's chain with the key each starts from (root outward)."""
    out = []
    current = root
    for hop in node.via:
        out.append((hop, current))
        current = _far(hop, current)
    return out


def _far(hop: EntityHop, near: str) -> str:
    return hop.target if hop.source == near else hop.source


def _technology(entity: Entity) -> str:
    return f"[{entity.technology}]" if entity.technology else ""


def format_entity_list(
    corpus: Corpus, result: EntityTraversal, kinds: frozenset[str], include_ended: bool
) -> str:
    """One line per shown node: depth, card, and the whole chain back to the root."""
    lines = []
    for node in result.nodes:
        if not shows(node, kinds, include_ended):
            continue
        chain = " <- ".join(node_name(corpus, hop_far) for hop_far in _chain(node, result))
        card = _card(node.kind, node.name, node.state, node.title, node.type)
        lines.append(f"{node.depth}  {card}  ({_how(corpus, result, node)}; {chain})")
    return "\n".join(lines) + "\n" if lines else ""


def _chain(node: EntityReached, result: EntityTraversal) -> list[str]:
    keys = [result.root.key]
    for hop, before in _walk(node, result.root.key):
        keys.append(_far(hop, before))
    return list(reversed(keys))


def entity_traversal_dict(
    corpus: Corpus, result: EntityTraversal, kinds: frozenset[str], include_ended: bool
) -> dict[str, Any]:
    """``impact|upstream ENTITY --format json`` (``tracegraph schema entity-impact``)."""
    root = result.root
    nodes = []
    for node in result.nodes:
        if not shows(node, kinds, include_ended):
            continue
        item: dict[str, Any] = {"id": node.key, "kind": node.kind, "name": node.name}
        if node.kind == DOCUMENT:
            item.update(path=node.path, type=node.type, status=node.state or None)
        else:
            item["state"] = node.state
        item["depth"] = node.depth
        item["via"] = [
            [node_name(corpus, h.source), h.relation, node_name(corpus, h.target)] for h in node.via
        ]
        nodes.append(item)
    return {
        **json_head(ENTITY_JSON_VERSION),
        "root": {"id": root.key, "kind": root.kind, "name": root.name, "state": root.state},
        "direction": result.direction,
        "nodes": nodes,
    }


def entity_card_dict(corpus: Corpus, card: EntityCard) -> dict[str, Any]:
    """``show ENTITY --format json`` (``tracegraph schema entity-show``)."""

    def edges(groups: Sequence[tuple[str, Sequence[Any]]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for relation, items in groups:
            out[relation] = []
            for edge in items:
                item = {"id": edge.other, "name": node_name(corpus, edge.other)}
                item.update(path=edge.path, line=edge.line)
                if edge.change:
                    item["change"] = edge.change
                out[relation].append(item)
        return out

    return {
        **json_head(ENTITY_JSON_VERSION),
        **entity_data(corpus, card.entity),
        "outbound": edges(card.outbound),
        "inbound": edges(card.inbound),
        "findings": None if card.findings is None else [finding_dict(f) for f in card.findings],
    }


#: How a card names the edges of each relation, outbound and inbound.
_CARD_HEADINGS = {
    "depends_on": ("depends on", "depended on by"),
    "owns": ("owns", "owned by"),
    "exposes": ("exposes", "exposed by"),
    DESCRIBED_BY: ("designed in", "designs"),
}


def format_entity_card(corpus: Corpus, card: EntityCard) -> str:
    """The text card of ``tracegraph show ENTITY``."""
    entity = card.entity
    fields = [("kind", entity.kind), ("state", entity.state)]
    fields += [
        (name, value)
        for name, value in (
            ("technology", entity.technology),
            ("responsibility", entity.responsibility),
            ("interfaces", "; ".join(entity.interfaces)),
            ("description", entity.description),
            ("also written", ", ".join(entity.spellings)),
        )
        if value
    ]
    width = max(len(k) for k, _ in fields) + 1
    lines = [clean(entity.query)]
    lines += [f"  {(k + ':').ljust(width)} {clean(v)}" for k, v in fields]
    lines += ["", "sources:"]
    for source in entity.sources:
        doc = corpus.by_path[source.path]
        status = doc.status or "no status"
        lines.append(f"  {doc.name}  {status}  {source.role}  {clean(source.path)}:{source.line}")
    for index, groups in ((0, card.outbound), (1, card.inbound)):
        for relation, items in groups:
            lines += ["", f"{_CARD_HEADINGS.get(relation, (relation, relation))[index]}:"]
            for edge in items:
                where = f"{clean(edge.path)}:{edge.line}"
                change = f"  ({edge.change})" if edge.change else ""
                lines.append(f"  {clean(node_name(corpus, edge.other))}  {where}{change}")
    lines += findings_block(card.findings)
    return "\n".join(lines) + "\n"


def to_json(data: dict[str, Any]) -> str:
    """JSON text as every query prints it."""
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


EntityFormatter = Callable[[Corpus, EntityTraversal, frozenset[str], bool], str]
ENTITY_FORMATTERS: dict[str, EntityFormatter] = {
    "tree": format_entity_tree,
    "list": format_entity_list,
    "json": lambda c, r, k, i: to_json(entity_traversal_dict(c, r, k, i)),
}
