#!/usr/bin/env python3
"""Cold checks of trees with and without history, two builds of tracegraph alternated.

Usage::

    python bench/history_bench.py --reps 7 /tmp/hist-1k /tmp/tgbench/1k \\
        --build main="python3 -m tracegraph" --build branch=/path/to/venv/bin/tracegraph

Each round runs every build on every tree (``check --no-cache --format json``, from inside
the tree, output thrown away), in an order that alternates between rounds, and prints per
tree and build the median wall seconds and CPU seconds of the whole command with every
process it started (this process is a child subreaper on Linux, so parse workers and git
processes that tracegraph leaves to exit on their own are reaped and counted here too), with
the load average of each round. Trees with history come from ``bench/history_tree.py``.
Standard library only.
"""

from __future__ import annotations

import argparse
import ctypes
import os
import resource
import shlex
import statistics
import subprocess
import sys
import time
from pathlib import Path

PR_SET_CHILD_SUBREAPER = 36


def subreaper() -> None:
    """Become the reaper of orphaned descendants (Linux), so their CPU is counted."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def reap_all() -> None:
    """Wait for every descendant left (orphans handed to this process)."""
    while True:
        try:
            os.wait()
        except ChildProcessError:
            return


def run(command: list[str], tree: Path) -> tuple[float, float]:
    """Wall and CPU seconds (user + system, every descendant) of one cold check of ``tree``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(
        [*command, "check", "--no-cache", "--format", "json", "--today", "2026-01-01"],
        cwd=tree, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False,
    )  # fmt: skip
    reap_all()
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):
        raise SystemExit(f"{command} in {tree}: exit {done.returncode}: {done.stderr[-300:]!r}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("trees", nargs="+", type=Path, help="trees to check (git work trees)")
    ap.add_argument("--build", action="append", required=True, metavar="NAME=COMMAND",
                    help="a tracegraph command line, named (give two or more)")  # fmt: skip
    ap.add_argument("--reps", type=int, default=5, help="rounds (default 5)")
    args = ap.parse_args(argv)
    builds = [(name, shlex.split(cmd)) for name, _, cmd in (b.partition("=") for b in args.build)]
    subreaper()
    figures: dict[tuple[str, str], list[tuple[float, float]]] = {}
    loads = []
    for rep in range(args.reps):
        loads.append(os.getloadavg()[0])
        order = builds if rep % 2 == 0 else builds[::-1]
        for tree in args.trees:
            for name, command in order:
                figures.setdefault((str(tree), name), []).append(run(command, tree))
    print(f"load {min(loads):.2f}-{max(loads):.2f} over {args.reps} rounds")
    print("| tree | build | wall s (median, min-max) | CPU s (median, min-max) |")
    print("|---|---|---|---|")
    for (tree, name), runs in figures.items():
        walls, cpus = [w for w, _ in runs], [c for _, c in runs]
        print(
            f"| {tree} | {name} | {statistics.median(walls):.3f} ({min(walls):.3f}-"
            f"{max(walls):.3f}) | {statistics.median(cpus):.3f} ({min(cpus):.3f}-{max(cpus):.3f}) |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
