#!/usr/bin/env python3
"""Resolution with and without the repository's own addresses: what finding them costs.

Usage::

    python bench/resolve_bench.py PATH [PATH ...] [--repeat 5]

For each tree (e.g. the Rust RFCs repository, which links itself by URL, and a generated corpus
from ``bench/generate.py``, which does not) the documents are parsed once, then resolution and
the graph (``build_corpus``) are timed ``--repeat`` times, best run kept, three ways:

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


def best_of(repeat: int, run: Callable[[], None]) -> float:
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


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

    base = 0.0
    for name, known in ways.items():
        with api.gc_paused():
            seconds = best_of(repeat, partial(resolve, known))
        base = base or seconds
        print(f"  {name:<6} {seconds * 1000:8.1f} ms   x{seconds / base:.3f}")
    for address in found.addresses:
        print(f"  address {address.url}: {address.describe()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("paths", nargs="+", type=Path)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    for path in args.paths:
        measure(path, args.repeat)


if __name__ == "__main__":
    main()
