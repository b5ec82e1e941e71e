#!/usr/bin/env python3
"""The parse stage's CPU beyond the parser: what a cold check spends around ``parse_document``
(reading files, records, ``marshal``, messages, the parent's decode, starting the pool).

Usage::

    python bench/parse_overhead.py /tmp/tgbench/10k [--repeat 2]

Runs ``api.parse_files`` as a cold check does (worker processes, no cache) with
``parse_document`` timed inside every process (``time.process_time``; each worker writes its
sum to a file after every chunk), and prints the stage's wall time, its CPU with its children
(``os.times()``), this process's share, the parser's CPU and the difference. CPU seconds, so
that runs on a busy machine can be compared side by side; figures, never assertions (see
RESULTS.md, "Round 7 (pipe)"). To compare another copy of tracegraph, copy this script into
its ``bench/`` folder and run it from there.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from tracegraph import api, workers  # noqa: E402
from tracegraph.config import load_config  # noqa: E402
from tracegraph.crawl import crawl, find_sidecars  # noqa: E402
from tracegraph.parse import parse_document  # noqa: E402


def cpu() -> tuple[float, float]:
    """CPU seconds of this process with its reaped children, and of this process alone."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system, t.user + t.system


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    root: Path = args.root
    config = load_config(root)
    index = crawl(root, config)
    config = api.with_presets(root, config, index)
    wiki = api.wiki_scope(root, index.files, config).paths
    sidecars = find_sidecars(index, config)
    spent = [0.0]
    parse = parse_document

    def timed(*a: Any, **k: Any) -> Any:
        start = time.process_time()
        try:
            return parse(*a, **k)
        finally:
            spent[0] += time.process_time() - start

    setattr(workers, "parse_document", timed)  # noqa: B010 (the parser as the workers call it)
    name = "_records" if hasattr(workers, "_records") else "_parse_chunk"  # older copies
    chunk: Callable[..., bytes] = getattr(workers, name)
    with tempfile.TemporaryDirectory() as folder:

        def reported(*a: Any, **k: Any) -> bytes:
            out = chunk(*a, **k)
            Path(folder, str(os.getpid())).write_text(repr(spent[0]))
            return out

        # Under the original's name, so an executor's workers find it by reference (pickle).
        reported.__name__ = reported.__qualname__ = name
        reported.__module__ = workers.__name__
        setattr(workers, name, reported)
        print(
            "| wall s | CPU s (with workers) | this process | parse_document "
            "(here + in workers) | beyond |"
        )
        print("|---:|---:|---:|---:|---:|")
        for _ in range(args.repeat):
            for old in Path(folder).iterdir():
                old.unlink()
            spent[0] = 0.0
            wall, (used, own) = time.perf_counter(), cpu()
            api.parse_files(root, index.documents, config, sidecars=sidecars, wiki=wiki)
            wall, (used, own) = time.perf_counter() - wall, (cpu()[0] - used, cpu()[1] - own)
            others = sum(float(p.read_text()) for p in Path(folder).iterdir())
            parsing = spent[0] + others
            split = f"{parsing:.2f} ({spent[0]:.2f} + {others:.2f})"
            print(f"| {wall:.2f} | {used:.2f} | {own:.2f} | {split} | {used - parsing:.2f} |")


if __name__ == "__main__":
    main()
