#!/usr/bin/env python3
"""Time the parse stage alone: every document of a corpus read into memory once, then
``parse_document`` over all of them, serially, best of ``--repeat`` (CPU time of this process,
so other load on the machine matters less than for wall-clock figures).

Usage::

    python bench/parse_bench.py /tmp/tgbench/10k --repeat 3

Also prints how long pyromark alone takes to produce the events (the floor for the walk) and
the Python cost per event on top of it. Figures, not assertions: see bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import pyromark  # noqa: E402

from tracegraph.config import load_config  # noqa: E402
from tracegraph.crawl import crawl, read_document  # noqa: E402
from tracegraph.parse import Recogniser, decode, parse_document  # noqa: E402
from tracegraph.parse.markdown import OPTIONS  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    config = load_config(args.corpus)
    recogniser = Recogniser.from_config(config)
    limits = config.limits
    files = []
    for rel in crawl(args.corpus, config).documents:
        data = read_document(args.corpus, rel, limits.max_file_bytes)
        files.append((rel, data.data, data.error))
    size = sum(len(data) for _, data, _ in files if data)
    texts = [decode(data)[0] for _, data, _ in files if data]
    gc.disable()  # as the scan does while parsing

    def events() -> int:
        count = 0
        for text in texts:
            for _ in pyromark.events_with_range(text, options=OPTIONS):
                count += 1
        return count

    def parse() -> int:
        for rel, data, error in files:
            parse_document(rel, data, recogniser, limits, error)
        return 0

    timings = {}
    for name, run in (("pyromark events", events), ("parse_document", parse)):
        best = float("inf")
        for _ in range(args.repeat):
            start = time.process_time()
            result = run()
            best = min(best, time.process_time() - start)
            gc.collect()
        timings[name] = (best, result)
    count = timings["pyromark events"][1]
    floor, total = timings["pyromark events"][0], timings["parse_document"][0]
    print(f"{len(files):,} documents, {size / 1e6:.1f} MB, {count:,} events")
    print(f"pyromark events only: {floor:.2f} s")
    print(
        f"parse_document: {total:.2f} s = {size / 1e6 / total:.1f} MB/s, "
        f"{total / count * 1e6:.2f} us per event ({(total - floor) / count * 1e6:.2f} in Python)"
    )


if __name__ == "__main__":
    main()
