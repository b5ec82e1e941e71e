#!/usr/bin/env python3
"""Cold ``tracegraph check`` with the compiled parser, with the pure-Python one
(``TRACEGRAPH_PURE=1``) and lychee, side by side on one corpus, alternating per repetition so
that all three see the same load.

Usage::

    python bench/compiled_bench.py /tmp/cold-bench/10k --reps 3

The corpus is one that ``bench/generate.py`` (or ``run_bench.py``) wrote; nothing in it is
changed (``--no-cache``). Prints the median wall and CPU seconds (this process's children) of
each, the ratios, and the load average before and after. Figures, not assertions: see
RESULTS.md, "Round 4".
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def lychee_path() -> str | None:
    beside = Path(sys.executable).with_name("lychee")
    return str(beside) if beside.is_file() else shutil.which("lychee")


def timed(cmd: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    """(wall, CPU) seconds of one run; CPU is user + system of the finished children."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode not in (0, 1, 2) or (proc.returncode == 2 and "lychee" not in cmd[0]):
        raise SystemExit(f"{cmd} failed ({proc.returncode}): {proc.stderr[-500:]!r}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args()
    root = args.corpus.resolve()
    base = {k: v for k, v in os.environ.items() if k != "TRACEGRAPH_PURE"}
    check = [sys.executable, "-m", "tracegraph", "check", ".", "--format", "json", "--no-cache"]
    runs: dict[str, tuple[list[str], dict[str, str]]] = {
        "tracegraph, compiled parser": (check, base),
        "tracegraph, pure Python": (check, {**base, "TRACEGRAPH_PURE": "1"}),
    }
    lychee = lychee_path()
    if lychee:
        runs["lychee"] = (
            [lychee, "--offline", "--include-fragments", "--no-progress", "--format", "json",
             "--root-dir", str(root), "."],
            base,
        )  # fmt: skip
    status = subprocess.run(
        [sys.executable, "-c", "import tracegraph.parse.native as n; print(n.status())"],
        env=base, capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in runs}
    for _ in range(args.reps):
        for name, (cmd, env) in runs.items():
            times[name].append(timed(cmd, root, env))
    after = " ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"{root.name}: {args.reps} reps, parser in this install: {status}")
    print(f"load average {load} -> {after}\n")
    print("| run | wall s, median (min-max) | CPU s, median | vs lychee |")
    print("|---|---:|---:|---:|")
    base_wall = statistics.median(w for w, _ in times["lychee"]) if lychee else None
    for name, values in times.items():
        walls = [w for w, _ in values]
        wall = statistics.median(walls)
        cpu = statistics.median(c for _, c in values)
        ratio = f"{wall / base_wall:.2f}x" if base_wall else "-"
        print(f"| {name} | {wall:.2f} ({min(walls):.2f}-{max(walls):.2f}) | {cpu:.2f} | {ratio} |")


if __name__ == "__main__":
    main()
