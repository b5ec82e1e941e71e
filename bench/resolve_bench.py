#!/usr/bin/env python3
"""Resolution with and without the repository's own addresses: what finding them costs.

Usage::

    python bench/resolve_bench.py PATH [PATH ...] [--repeat 10]

For each tree (e.g. the Rust RFCs repository, which links itself by URL, and a generated corpus
from ``bench/generate.py``, which does not) the documents are parsed once, then resolution and
the graph (``build_corpus``) are timed ``--repeat`` times (the three ways in turn), best run
kept:

- ``off``: ``repository: false`` (no address; every URL external; round 1 without a remote);
- ``fixed``: the addresses found, given as config (round 1 with ``repository:`` set);
- ``found``: zero config (the addresses declared at the root and shown by the links, settled
  during resolution: every web link collected, the documents that link a new address resolved
  again).

Prints the times, the ratios to ``off`` and the addresses found. Figures, not assertions.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from tracegraph import api  # noqa: E402
from tracegraph.config import load_config  # noqa: E402
from tracegraph.crawl import crawl, find_sidecars  # noqa: E402
from tracegraph.graph import build_corpus  # noqa: E402
from tracegraph.repository import KnownAddresses  # noqa: E402


def best_times(repeat: int, runs: dict[str, Callable[[], None]]) -> dict[str, float]:
    """The best time of each run over ``repeat`` rounds, the runs interleaved (in turn
    forward and backward) so that a busy moment of the machine hits them all alike."""
    times: dict[str, list[float]] = {name: [] for name in runs}
    for round_ in range(repeat):
        order = list(runs.items())
        for name, run in order if round_ % 2 else reversed(order):
            gc.collect()
            start = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - start)
    return {name: min(found) for name, found in times.items()}


def measure(root: Path, repeat: int) -> None:
    config = load_config(root)
    index = crawl(root, config)
    config = api.with_presets(root, config, index)
    wiki = api.wiki_scope(root, index.files, config)
    docs = api.parse_files(
        root, index.documents, config, sidecars=find_sidecars(index, config), wiki=wiki.paths
    )
    found = build_corpus(
        root, config, docs, index.files, aliases=index.aliases, addresses=index.addresses
    )
    ways = {
        "off": KnownAddresses(),
        "fixed": KnownAddresses(fixed=found.addresses),
        "found": index.addresses,
    }
    links = len(found.links)
    web = sum(1 for link in found.links if link.reference.target.startswith(("http:", "https:")))
    print(f"{root}: {len(docs)} documents, {links} references, {web} web links")

    def resolve(known: KnownAddresses) -> None:
        build_corpus(root, config, docs, index.files, aliases=index.aliases, addresses=known)

    with api.gc_paused():
        best = best_times(repeat, {name: partial(resolve, known) for name, known in ways.items()})
    for name, seconds in best.items():
        print(f"  {name:<6} {seconds * 1000:8.1f} ms   x{seconds / best['off']:.3f}")
    for address in found.addresses:
        print(f"  address {address.url}: {address.describe()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("paths", nargs="+", type=Path)
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    for path in args.paths:
        measure(path, args.repeat)


if __name__ == "__main__":
    main()
