"""Where each document goes on a map: its level, counted from the upstream (top) side.

The picture reads top down along the chain PRD -> RFC -> ADR -> TDD: each type is a *band* of
levels, in the model's type order. Inside a band a document stands one level below the
documents of its own type that it rests on (a supersession chain reads old -> new, in date
order). A band whose levels would grow wider than the picture is tall is *wrapped*: its islands
(documents connected inside the band) are packed in stripes, one under the other, so an ADR log
becomes a grid and 300 unconnected PRDs a block, not a 32,767 px strip.

Pure and deterministic: the same model gives the same plan. The DOT renderer turns the plan into
``rank=same`` groups chained by invisible edges, and drops the layout constraint of edges that
run against it (an RFC citing a TDD), so every other edge runs one way.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .model import MapGhost, MapModel, MapNode

if TYPE_CHECKING:
    import networkx as nx
else:  # imported on first use: start-up without a graph stays fast
    from .._lazy import networkx as nx

#: Width over height that a wrapped map aims at (a landscape screen or slide).
TARGET_ASPECT = 1.6
#: Rough size of a node's slot in points (label font 10 pt), used only to choose the wrap.
CHAR_WIDTH = 5.8
NODE_PADDING = 24.0
LINE_HEIGHT = 12.0
MIN_HEIGHT = 36.0  # Graphviz's default node height, 0.5 in
RANK_GAP = 36.0  # ranksep 0.5 in
NODE_GAP = 18.0  # nodesep 0.25 in


@dataclass(frozen=True)
class Island:
    """Documents of one band that are connected inside it, with their levels (from 0)."""

    levels: Mapping[str, int]

    @property
    def depth(self) -> int:
        """How many levels the island spans."""
        return max(self.levels.values()) + 1

    @property
    def breadth(self) -> int:
        """The most documents side by side on one of its levels."""
        counts: dict[int, int] = {}
        for level in self.levels.values():
            counts[level] = counts.get(level, 0) + 1
        return max(counts.values())


@dataclass(frozen=True)
class Plan:
    """The level of every document (0 = top), how many levels there are, and how many
    documents a wrapped band puts side by side at most."""

    levels: Mapping[str, int]
    depth: int
    breadth: int

    def level_members(self) -> list[list[str]]:
        """The documents of each level, top to bottom, each level in key order."""
        members: list[list[str]] = [[] for _ in range(self.depth)]
        for key, level in sorted(self.levels.items()):
            members[level].append(key)
        return members


def plan_layout(model: MapModel, *, aspect: float = TARGET_ASPECT) -> Plan:
    """Levels for every document of ``model``: type bands in the model's order, resting-on
    depth inside a band, and bands wrapped into stripes so the picture's width over height
    comes close to ``aspect``.

    >>> plan_layout(MapModel("t", (), (), (), (), "type", ())).depth
    0
    """
    # a missing target stands in the band of the first document that points at it
    band_of = {n.key: n.type for n in model.nodes}
    for edge in model.edges:
        if edge.broken:
            band_of.setdefault(edge.target, band_of[edge.source])
    bands = [sorted(k for k, t in band_of.items() if t == name) for name in model.types]
    islands = [_islands(band, model) for band in bands if band]
    if not islands:
        return Plan(levels={}, depth=0, breadth=0)
    step_across, step_down = slot_size((*model.nodes, *model.ghosts))
    widest = max((i.breadth for band in islands for i in band), default=1)
    total = sum(i.depth * i.breadth for band in islands for i in band)
    best: tuple[float, int] | None = None
    for breadth in range(widest, max(widest, total) + 1):
        width = max(_band_breadth(band, breadth) for band in islands) * step_across
        height = sum(_band_depth(band, breadth) for band in islands) * step_down
        score = abs(math.log(width / height / aspect))
        if best is None or score < best[0] - 1e-9:
            best = (score, breadth)
        if width > aspect * height:
            break  # wider stripes only make the picture wider still
    breadth = best[1] if best else 1
    levels: dict[str, int] = {}
    offset = 0
    for band in islands:
        for stripe in _stripes(band, breadth):
            for island in stripe:
                levels.update({key: offset + level for key, level in island.levels.items()})
            offset += max(island.depth for island in stripe)
    return Plan(levels=levels, depth=offset, breadth=breadth)


def _islands(band: Sequence[str], model: MapModel) -> list[Island]:
    """The band's documents (and missing targets) connected inside it, each with its resting-on
    depth as level, ordered by their first document (so a log keeps its number order)."""
    keys = set(band)
    graph = nx.DiGraph()
    graph.add_nodes_from(sorted(keys))
    graph.add_edges_from(
        (e.source, e.target)
        for e in model.edges
        if e.source in keys and e.target in keys and e.source != e.target
    )
    condensed = nx.condensation(graph)
    members = condensed.graph["mapping"]
    depth: dict[int, int] = {}
    for part in reversed(list(nx.topological_sort(condensed))):
        depth[part] = 1 + max((depth[s] for s in condensed.successors(part)), default=-1)
    islands = []
    for component in nx.weakly_connected_components(graph):
        islands.append(Island({key: depth[members[key]] for key in sorted(component)}))
    return sorted(islands, key=lambda island: min(island.levels))


def _stripes(band: list[Island], breadth: int) -> list[list[Island]]:
    """Islands packed in order into stripes at most ``breadth`` documents wide (next fit):
    connected ones first, then the lone documents, which so fill whole rows of a grid."""
    stripes: list[list[Island]] = []
    used = 0
    ordered = [i for i in band if len(i.levels) > 1] + [i for i in band if len(i.levels) == 1]
    for island in ordered:
        if stripes and used + island.breadth <= breadth:
            stripes[-1].append(island)
            used += island.breadth
        else:
            stripes.append([island])
            used = island.breadth
    return stripes


def _band_depth(band: list[Island], breadth: int) -> int:
    return sum(max(i.depth for i in stripe) for stripe in _stripes(band, breadth))


def _band_breadth(band: list[Island], breadth: int) -> int:
    return max(sum(i.breadth for i in stripe) for stripe in _stripes(band, breadth))


def slot_size(nodes: Sequence[MapNode | MapGhost]) -> tuple[float, float]:
    """The average width and height a node takes in the picture, gaps included."""
    if not nodes:
        return 1.0, 1.0
    widths = [max(len(line) for line in n.label_lines) * CHAR_WIDTH + NODE_PADDING for n in nodes]
    heights = [max(MIN_HEIGHT, len(n.label_lines) * LINE_HEIGHT + 10) for n in nodes]
    return sum(widths) / len(widths) + NODE_GAP, sum(heights) / len(heights) + RANK_GAP
