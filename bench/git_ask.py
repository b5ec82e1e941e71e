#!/usr/bin/env python3
"""What a cold check waits for git before its first stage: ``rev-parse`` (where the root
stands), the listing with an ``lstat`` of every listed name, and the remote ``origin``.

Usage::

    python bench/git_ask.py /tmp/tgbench/1k [--repeat 40]

Times, alternately in one process, the three asked one after another (as the crawl did before
round 9 (start)) and begun together (``warm.look(root, "", crawling=True)``: the listing and
the remote start beside ``rev-parse``), and prints the medians, minima and their ratio. The
configuration probe that ``run_git`` makes first is reused by both (it is cached for two
seconds), so it is not in either figure. Wall time: the gain is git running on the other core,
so it shrinks on a loaded machine (report the load average shown); figures, never assertions.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from tracegraph import warm  # noqa: E402
from tracegraph.gitcmd import GitError  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path)
    parser.add_argument("--repeat", type=int, default=40)
    options = parser.parse_args()
    root: Path = options.root.resolve()

    def one_after_another() -> None:
        warm.ask_git(root, warm.PROBE_ARGS, warm.PROBE_TIMEOUT)
        listing = warm.ask_git(root, warm.LIST_ARGS, warm.LIST_TIMEOUT)
        if not isinstance(listing, GitError) and listing.returncode == 0:
            warm.list_files(root, listing.stdout)
        warm.ask_git(root, warm.REMOTE_ARGS, warm.REMOTE_TIMEOUT)

    def together() -> None:
        warm.look(root, "", crawling=True)

    ways: dict[str, Callable[[], None]] = {"one after another": one_after_another}
    ways["begun together"] = together
    times: dict[str, list[float]] = {name: [] for name in ways}
    for way in ways.values():
        way()  # the probe, the page cache
    for turn in range(options.repeat):
        order = list(ways.items()) if turn % 2 == 0 else list(reversed(ways.items()))
        for name, way in order:
            started = time.perf_counter()
            way()
            times[name].append(time.perf_counter() - started)
    for name, spent in times.items():
        print(
            f"{name:18s} median {statistics.median(spent) * 1000:6.1f} ms"
            f"  min {min(spent) * 1000:6.1f} ms  (n={len(spent)})"
        )
    before, after = (statistics.median(spent) for spent in times.values())
    print(f"begun together / one after another: {after / before:.2f}x (medians)")
    print("load average", " ".join(f"{value:.1f}" for value in os.getloadavg()))


if __name__ == "__main__":
    main()
