"""Architecture maps: a view model, pure DOT and Mermaid renderers, and the Graphviz adapter.

Reuse (impact queries, the HTML report)::

    build_map(corpus, *, focus=None, depth=None, direction="both", types=(), statuses=(),
              cluster="type", error_paths=frozenset(), link_base=None, output_dir=None,
              only=None) -> MapModel
    render_dot(model, *, legend=True, aspect=1.6) -> str
    render_mermaid(model, *, clicks=None) -> str
    render_graphviz(dot_text, fmt, engine="dot") -> bytes        # svg | png | pdf
    choose_engine(engine, size, sfdp_above) -> str               # dot | sfdp
    check_size(size, max_nodes, *, focused) -> None              # raises RenderError

``only`` draws an explicit set of document paths (an impact result); ``focus`` marks (and,
without ``only``, selects around) one document. Node ``id`` attributes in the SVG are the
model's slugs (``node-adr-0007``, ``ghost-...``), edges ``edge-<from>--<to>``, clusters
``cluster-<type>``, the legend ``legend``; classes say type, phase, ``error``, ``orphan``.
``tracegraph.api.render_map`` ties these together for the CLI.
"""

from __future__ import annotations

from .dot import render_dot
from .graphviz import check_size, choose_engine, render_graphviz
from .mermaid import render_mermaid
from .model import MapEdge, MapGhost, MapModel, MapNode, build_map

__all__ = [
    "MapEdge",
    "MapGhost",
    "MapModel",
    "MapNode",
    "build_map",
    "check_size",
    "choose_engine",
    "render_dot",
    "render_graphviz",
    "render_mermaid",
]
