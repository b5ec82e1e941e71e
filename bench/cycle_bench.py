#!/usr/bin/env python3
"""TG203 (dependency cycles) on graphs built to defeat cycle enumeration.

Usage::

    python bench/cycle_bench.py              # layers of 14, widths 1..4 (old) and up to 256

Each corpus is ``14`` layers of ``W`` RFCs, every RFC depending on every RFC of the next layer
and the last layer on the first: one strongly connected group, ``W**14`` cycles, none shorter
than 14 documents (the red-team case is ``W = 4``: 56 documents, 232 KB). For each width the
script prints the time of the rule as it is (one finding per group, a shortest cycle by
breadth-first search) and, up to ``--old-max-width``, of the former enumeration (networkx
``simple_cycles`` with ``length_bound=12``, at most 50 cycles), with their ratio, and the time
per edge, which stays flat when the work is linear. Figures, not assertions.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import networkx as nx

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from tests.helpers import layered_ring, make_tree  # noqa: E402
from tracegraph import api  # noqa: E402
from tracegraph.checks import run_checks  # noqa: E402
from tracegraph.checks.structure import CHAIN_RELATIONS  # noqa: E402


def old_rule(graph: nx.MultiDiGraph) -> int:
    """The enumeration TG203 used before: bounded simple cycles per component."""
    chain = nx.DiGraph(
        (a, b) for a, b, r in graph.edges(data="relation") if r in CHAIN_RELATIONS and a != b
    )
    found = 0
    for component in nx.strongly_connected_components(chain):
        if len(component) < 2:
            continue
        for count, _cycle in enumerate(
            nx.simple_cycles(chain.subgraph(component), length_bound=12), 1
        ):
            found += 1
            if count >= 50:
                break
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--widths", default="1,2,3,4,16,64,256")
    parser.add_argument("--old-max-width", type=int, default=4)
    args = parser.parse_args()
    print(
        f"{'width':>5} {'docs':>6} {'edges':>7} {'new ms':>9} {'old ms':>9} {'old/new':>8}"
        f" {'new us/edge':>11}"
    )
    for width in (int(w) for w in args.widths.split(",")):
        with tempfile.TemporaryDirectory() as tmp:
            corpus = api.scan(make_tree(Path(tmp), layered_ring(14, width)))
            edges = corpus.graph.number_of_edges()
            start = time.perf_counter()
            found = run_checks(corpus, select=["TG203"])
            new = (time.perf_counter() - start) * 1000
            assert len(found) == 1, found
            old_text, ratio = "-", "-"
            if width <= args.old_max_width:
                start = time.perf_counter()
                old_rule(corpus.graph)
                old = (time.perf_counter() - start) * 1000
                old_text, ratio = f"{old:9.1f}", f"{old / new:8.0f}x"
            print(
                f"{width:>5} {14 * width:>6} {edges:>7} {new:9.1f} {old_text:>9} {ratio:>8}"
                f" {new * 1000 / edges:11.1f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
