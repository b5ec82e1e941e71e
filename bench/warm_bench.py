"""Warm reruns side by side: this checkout against another commit, in CPU seconds.

    python bench/warm_bench.py TREE [--base REF] [--reps 7] [--work /tmp/warm-bench]

Copies TREE twice under --work (one copy per side, so the two result caches never meet),
exports REF's ``tracegraph`` package with ``git archive`` (run through ``PYTHONPATH``), builds
each side's caches, then alternates warm ``check . --format json`` runs and prints the wall
and CPU seconds (user + system, the git children included) of each, their medians and the
ratio, and whether both printed the same bytes. Then the racy case: the stored result deleted,
one document saved just now, ``check`` three times in a row on each side.

CPU is what to compare on a shared machine: wall time there says more about the load.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tarfile
import time
from io import BytesIO
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
CHECK = ["-m", "tracegraph", "check", ".", "--format", "json", "-q"]


def timed(tree: Path, env: dict[str, str]) -> tuple[float, float, bytes]:
    """(wall s, CPU s of the run and its children, stdout) of one check in ``tree``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    out = subprocess.run([sys.executable, *CHECK], cwd=tree, env=env, capture_output=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, out.stdout


def side(work: Path, tree: Path, name: str, package: Path | None) -> tuple[Path, dict[str, str]]:
    """A copy of ``tree`` for one side and the environment that runs that side's package."""
    copy = work / f"tree-{name}"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(tree, copy, symlinks=True, ignore=shutil.ignore_patterns(".tracegraph"))
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    if package is not None:
        env["PYTHONPATH"] = str(package)
    return copy, env


def export(ref: str, work: Path) -> Path:
    """REF's ``tracegraph`` package under ``work/base`` (pure Python: no compiled parser)."""
    target = work / "base"
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    data = subprocess.run(
        ["git", "archive", ref, "tracegraph"], cwd=PROJECT, capture_output=True, check=True
    ).stdout
    with tarfile.open(fileobj=BytesIO(data)) as archive:
        archive.extractall(target, filter="data")
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("tree", type=Path)
    parser.add_argument("--base", default="main")
    parser.add_argument("--reps", type=int, default=7)
    parser.add_argument("--work", type=Path, default=Path("/tmp/warm-bench"))
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    sides = {
        "base": side(args.work, args.tree, "base", export(args.base, args.work)),
        "this": side(args.work, args.tree, "this", None),
    }
    for tree, env in sides.values():  # the cache build, then settle (racy files are not kept)
        timed(tree, env)
    time.sleep(2.1)
    results: dict[str, list[tuple[float, float]]] = {name: [] for name in sides}
    outputs: dict[str, bytes] = {}
    for _ in range(args.reps):
        for name, (tree, env) in sides.items():
            wall, cpu, out = timed(tree, env)
            results[name].append((wall, cpu))
            outputs[name] = out
    print(f"warm check, {args.reps} alternated runs, load {os.getloadavg()[0]:.1f}")
    medians = {}
    for name, runs in results.items():
        cpus = [cpu for _, cpu in runs]
        medians[name] = statistics.median(cpus)
        print(f"  {name}: CPU {' '.join(f'{c:.2f}' for c in cpus)} (median {medians[name]:.3f} s);"
              f" wall median {statistics.median(w for w, _ in runs):.3f} s")  # fmt: skip
    print(f"  CPU ratio this/base: {medians['this'] / medians['base']:.2f}x; same output: "
          f"{outputs['base'] == outputs['this']}")  # fmt: skip
    print("racy: no stored result, one document saved just now, three checks in a row")
    for name, (tree, env) in sides.items():
        (tree / ".tracegraph/cache/results.sqlite").unlink(missing_ok=True)
        victim = sorted(tree.rglob("*.md"))[len(list(tree.iterdir())) % 7]
        with victim.open("a", encoding="utf-8") as handle:
            handle.write(f"\nSaved just now ({time.time_ns()}).\n")
        runs = [timed(tree, env)[:2] for _ in range(3)]
        print(f"  {name}: " + ", ".join(f"{w:.2f} s wall / {c:.2f} s CPU" for w, c in runs))


if __name__ == "__main__":
    main()
