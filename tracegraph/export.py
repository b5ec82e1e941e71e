"""Graph export: node-link JSON, GraphML and a CSV traceability matrix (pure, deterministic)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .architecture import Entity
from .generated import CSV_COMMENT, json_head, mark_xml
from .graph import Corpus
from .safetext import neutralise

if TYPE_CHECKING:
    import networkx as nx
else:  # imported on first use: start-up without a graph stays fast
    from ._lazy import networkx as nx

#: Version of the node-link JSON (2: nodes keyed by ``id`` = path, the short name in ``name``).
EXPORT_JSON_VERSION = 2


def _node_attrs(corpus: Corpus, path: str) -> dict[str, Any]:
    """A node's exported attributes: the short name (ID, or path) as ``name``, since ``id``
    is the node's key in node-link data."""
    attrs = dict(corpus.graph.nodes[path])
    return {"name": attrs.pop("id"), **attrs}


def _sorted_edges(corpus: Corpus) -> list[tuple[str, str, dict[str, Any]]]:
    return sorted(
        corpus.graph.edges(data=True),
        key=lambda e: (e[0], e[1], e[2]["relation"], e[2]["line"], e[2]["column"]),
    )


def export_json(corpus: Corpus) -> str:
    """networkx node-link data that ``networkx.node_link_graph(data)`` loads as it is, with
    its default arguments (networkx 3.6 and later: nodes keyed by ``id``, edges under
    ``edges``): the node ``id`` is the document's path, its ID is ``name``; sorted."""
    nodes = [{"id": path, **_node_attrs(corpus, path)} for path in sorted(corpus.graph.nodes)]
    edges = [
        {"source": source, "target": target, **attrs, "index": number}
        for number, (source, target, attrs) in enumerate(_sorted_edges(corpus))
    ]
    data: dict[str, Any] = {
        **json_head(EXPORT_JSON_VERSION),
        "directed": True,
        "multigraph": True,
        "graph": {"root": corpus.root.as_posix()},
        "nodes": nodes,
        "edges": edges,
    }
    return json.dumps(data, indent=2, sort_keys=False, ensure_ascii=False) + "\n"


def export_graphml(corpus: Corpus) -> str:
    """GraphML (yEd, Gephi, Cytoscape); empty attributes written as empty strings."""
    graph = nx.MultiDiGraph()
    for node in sorted(corpus.graph.nodes):
        graph.add_node(node, **_node_attrs(corpus, node))
    for source, target, attrs in _sorted_edges(corpus):
        graph.add_edge(source, target, **attrs)
    return _graphml(graph)


def _graphml(graph: nx.MultiDiGraph) -> str:
    """GraphML text of ``graph``, every string made one XML 1.0 can hold, marked generated."""
    graph = nx.relabel_nodes(graph, _xml_safe, copy=True)
    for _, attrs in graph.nodes(data=True):
        attrs.update({k: _xml_safe(v) for k, v in attrs.items() if isinstance(v, str)})
    for _, _, attrs in graph.edges(data=True):
        attrs.update({k: _xml_safe(v) for k, v in attrs.items() if isinstance(v, str)})
    body = "\n".join(nx.generate_graphml(graph, prettyprint=True))
    return mark_xml('<?xml version="1.0" encoding="utf-8"?>\n' + body + "\n")


def export_csv(corpus: Corpus) -> str:
    """A traceability matrix: one row per edge, downstream document first, after a ``#``
    comment line that marks the file as generated (spreadsheets show it as a first row; pandas
    reads past it with ``comment="#"``)."""
    out = io.StringIO()
    out.write(CSV_COMMENT + "\n")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        [
            "downstream_id",
            "downstream_path",
            "downstream_type",
            "downstream_status",
            "relation",
            "upstream_id",
            "upstream_path",
            "upstream_type",
            "upstream_status",
            "declared_in",
            "line",
        ]
    )
    nodes = corpus.graph.nodes
    rows = sorted(
        (
            nodes[s]["id"],
            s,
            nodes[s]["type"],
            nodes[s]["status"],
            d["relation"],
            nodes[t]["id"],
            t,
            nodes[t]["type"],
            nodes[t]["status"],
            d["declared_by"],
            d["line"],
        )
        for s, t, d in corpus.graph.edges(data=True)
    )
    for row in rows:
        writer.writerow([_csv_safe(v) for v in row])
    return out.getvalue()


def _csv_safe(value: object) -> object:
    """Text taken from documents made inert: control characters escaped (a CR or LF in a file
    name cannot split a row) and spreadsheet formulas neutralised (CSV injection)."""
    if not isinstance(value, str):
        return value
    value = neutralise(value)
    if value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def _xml_safe(value: str) -> str:
    """A string XML 1.0 can hold: control characters (ESC, 0x01) escaped visibly."""
    return neutralise(value)


EXPORTERS: dict[str, Callable[[Corpus], str]] = {
    "json": export_json,
    "graphml": export_graphml,
    "csv": export_csv,
}


# --- the architecture view (issue 20) -----------------------------------------------------------

#: Version of the architecture JSON (``tracegraph schema architecture``).
ARCHITECTURE_JSON_VERSION = 1


def entity_data(corpus: Corpus, entity: Entity) -> dict[str, Any]:
    """One entity as plain data: ``id`` (its key), ``kind``, ``name``, ``state``, the fields of
    its kind, other ``spellings`` and ``sources`` (every document and line that speaks of it)."""
    node: dict[str, Any] = {
        "id": entity.key,
        "kind": entity.kind,
        "name": entity.name,
        "state": entity.state,
    }
    if entity.kind == "component":
        node["technology"] = entity.technology
        node["responsibility"] = entity.responsibility
        node["interfaces"] = list(entity.interfaces)
    elif entity.kind == "endpoint":
        node["method"], _, node["path"] = entity.name.partition(" ")
        node["description"] = entity.description
    node["spellings"] = list(entity.spellings)
    node["sources"] = [
        {
            "path": source.path,
            "line": source.line,
            "role": source.role,
            "document": corpus.by_path[source.path].name,
            "status": corpus.by_path[source.path].status or "",
        }
        for source in entity.sources
    ]
    return node


def architecture_nodes(corpus: Corpus) -> list[dict[str, Any]]:
    """The architecture graph's nodes as plain data: every entity (``entity_data``), then
    the documents its ``described_by`` edges point at."""
    arch = corpus.architecture
    nodes = [entity_data(corpus, entity) for entity in arch.entities]
    for path in sorted(arch.documents):
        doc = corpus.by_path[path]
        nodes.append(
            {
                "id": f"document:{path}",
                "kind": "document",
                "name": doc.name,
                "path": path,
                "type": doc.type,
                "status": doc.status or "",
                "title": doc.title,
            }
        )
    return nodes


def architecture_edges(corpus: Corpus) -> list[dict[str, Any]]:
    """The architecture graph's edges as plain data, sorted; ``change`` only on the
    ``described_by`` edges of endpoints and tables."""
    out = []
    for edge in corpus.architecture.edges:
        item: dict[str, Any] = {
            "source": edge.source,
            "target": edge.target,
            "relation": edge.relation,
            "path": edge.path,
            "line": edge.line,
        }
        if edge.change:
            item["change"] = edge.change
        out.append(item)
    return out


def export_architecture_json(corpus: Corpus) -> str:
    """The architecture graph as node-link data (``networkx.node_link_graph(data)`` loads
    it, as the document export): node ``id`` is ``kind:normalised name`` or
    ``document:PATH``."""
    data: dict[str, Any] = {
        **json_head(ARCHITECTURE_JSON_VERSION),
        "view": "architecture",
        "directed": True,
        "multigraph": True,
        "graph": {"root": corpus.root.as_posix()},
        "nodes": architecture_nodes(corpus),
        "edges": architecture_edges(corpus),
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def export_architecture_graphml(corpus: Corpus) -> str:
    """The architecture graph as GraphML: lists and sources flattened to text."""
    graph = nx.MultiDiGraph()
    for node in architecture_nodes(corpus):
        attrs = {k: v for k, v in node.items() if k != "id"}
        for key in ("interfaces", "spellings"):
            if key in attrs:
                attrs[key] = "; ".join(attrs[key])
        if "sources" in attrs:
            attrs["sources"] = "; ".join(f"{s['path']}:{s['line']}" for s in attrs["sources"])
        graph.add_node(node["id"], **attrs)
    for edge in architecture_edges(corpus):
        attrs = {k: v for k, v in edge.items() if k not in ("source", "target")}
        graph.add_edge(edge["source"], edge["target"], **attrs)
    return _graphml(graph)


def export_architecture_csv(corpus: Corpus) -> str:
    """One row per architecture edge: both ends by kind and name, the relation, and the
    document and line that say it."""
    out = io.StringIO()
    out.write(CSV_COMMENT + "\n")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        ["source_kind", "source", "relation", "target_kind", "target", "change", "path", "line"]
    )
    names = {node["id"]: (node["kind"], node["name"]) for node in architecture_nodes(corpus)}
    for edge in architecture_edges(corpus):
        source, target = names[edge["source"]], names[edge["target"]]
        row = [source[0], source[1], edge["relation"], target[0], target[1]]
        row += [edge.get("change", ""), edge["path"], edge["line"]]
        writer.writerow([_csv_safe(v) for v in row])
    return out.getvalue()


ARCHITECTURE_EXPORTERS: dict[str, Callable[[Corpus], str]] = {
    "json": export_architecture_json,
    "graphml": export_architecture_graphml,
    "csv": export_architecture_csv,
}
