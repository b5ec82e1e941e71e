"""Graph export: node-link JSON, GraphML and a CSV traceability matrix (pure, deterministic)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .graph import Corpus
from .safetext import neutralise

if TYPE_CHECKING:
    import networkx as nx
else:  # imported on first use: start-up without a graph stays fast
    from ._lazy import networkx as nx

NODE_FIELDS = ("id", "path", "type", "status", "title")


def export_json(corpus: Corpus) -> str:
    """networkx node-link data; nodes keyed by path (``key``), edges sorted."""
    data: dict[str, Any] = nx.node_link_data(corpus.graph, edges="edges", name="key")
    data["nodes"] = sorted(data["nodes"], key=lambda n: n["key"])
    data["edges"] = sorted(
        data["edges"],
        key=lambda e: (e["source"], e["target"], e["relation"], e["line"], e["column"]),
    )
    for number, edge in enumerate(data["edges"]):
        edge.pop("key", None)
        edge["index"] = number
    data["graph"] = {"root": corpus.root.as_posix(), "version": 1}
    return json.dumps(data, indent=2, sort_keys=False, ensure_ascii=False) + "\n"


def export_graphml(corpus: Corpus) -> str:
    """GraphML (yEd, Gephi, Cytoscape); empty attributes written as empty strings."""
    graph = nx.MultiDiGraph()
    for node in sorted(corpus.graph.nodes):
        graph.add_node(node, **corpus.graph.nodes[node])
    edges = sorted(
        corpus.graph.edges(data=True),
        key=lambda e: (e[0], e[1], e[2]["relation"], e[2]["line"], e[2]["column"]),
    )
    for source, target, attrs in edges:
        graph.add_edge(source, target, **attrs)
    graph = nx.relabel_nodes(graph, _xml_safe, copy=True)
    for _, attrs in graph.nodes(data=True):
        attrs.update({k: _xml_safe(v) for k, v in attrs.items() if isinstance(v, str)})
    for _, _, attrs in graph.edges(data=True):
        attrs.update({k: _xml_safe(v) for k, v in attrs.items() if isinstance(v, str)})
    body = "\n".join(nx.generate_graphml(graph, prettyprint=True))
    return '<?xml version="1.0" encoding="utf-8"?>\n' + body + "\n"


def export_csv(corpus: Corpus) -> str:
    """A traceability matrix: one row per edge, downstream document first."""
    out = io.StringIO()
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
