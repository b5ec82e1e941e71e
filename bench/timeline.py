#!/usr/bin/env python3
"""The timeline of one cold ``tracegraph check``: what each process (and thread) does when.

Usage::

    python bench/timeline.py /tmp/tgbench/10k [--repeat 2]

Runs ``api.check_tree`` as ``tracegraph check --no-cache`` does, with the stages, the parse
chunks (this process's and each worker's), the decode of the workers' records, the history
thread and every rule wrapped to log when they ran (``time.perf_counter``: one clock for all
processes) and the CPU time they took (``time.thread_time``). Prints every interval per
process, then the stages' CPU per process and an **ideal wall time**: the stages in order,
each as long as its busiest process's CPU (the parse as its CPU over the processes sharing
it). On a loaded machine the wall times stretch but the CPU columns and the ideal stay
comparable, so two versions can be set side by side. Figures, never assertions.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from tracegraph import api, graph, workers  # noqa: E402
from tracegraph import checks as checks_module  # noqa: E402
from tracegraph.checks import parallel  # noqa: E402

LOG: list[str] = [""]


def _who() -> str:
    name = threading.current_thread().name
    return f"{os.getpid()}" + ("" if name == "MainThread" else f"/{name}")


def _faults() -> int:
    return resource.getrusage(resource.RUSAGE_THREAD).ru_minflt


def _write(label: str, start: float, end: float, used: float, faults: int = 0) -> None:
    line = f"{_who()}\t{label}\t{start:.6f}\t{end:.6f}\t{used:.6f}\t{faults}\n"
    descriptor = os.open(LOG[0], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(descriptor, line.encode())
    finally:
        os.close(descriptor)


def wrap(owner: Any, name: str, label: Callable[..., str] | str) -> None:
    """Replace ``owner.name`` by a version that logs each call's interval and CPU."""
    original = getattr(owner, name)

    def logged(*args: Any, **kwargs: Any) -> Any:
        start, used, faults = time.perf_counter(), time.thread_time(), _faults()
        try:
            return original(*args, **kwargs)
        finally:
            text = label(*args, **kwargs) if callable(label) else label
            _write(text, start, time.perf_counter(), time.thread_time() - used, _faults() - faults)

    setattr(owner, name, logged)


def instrument() -> None:
    wrap(api, "crawl", "crawl")
    wrap(api, "with_presets", "presets")
    wrap(api, "parse_files", "parse stage")
    wrap(graph, "build_corpus", "resolve + graph")
    wrap(api, "run_checks", "checks stage")
    wrap(api, "suspect_links", "TG503 history")
    wrap(workers, "_records", lambda paths, *a, **k: f"chunk ({len(paths)}) records")
    wrap(workers, "_parse_here", lambda paths, *a, **k: f"chunk ({len(paths)}) here")
    wrap(workers, "_message", "decode")
    wrap(parallel, "history_meanwhile", "child rules")
    wrap(parallel.Child, "result", "wait for a child")
    if hasattr(checks_module, "start_document_checks"):
        wrap(checks_module, "run_checks", "document rules")
        wrap(api, "start_document_checks", "fork for document rules")
        wrap(graph, "documents_corpus", "documents corpus")

    def hits(rule: Any, context: Any) -> Any:
        start, used = time.perf_counter(), time.thread_time()
        found = list(original(rule, context))
        _write(f"rule {rule.code}", start, time.perf_counter(), time.thread_time() - used)
        return iter(found)

    original = checks_module._hits
    checks_module._hits = hits


def report(path: Path, origin: float) -> None:
    rows = [line.split("\t") for line in path.read_text().splitlines()]
    processes: dict[str, list[tuple[str, float, float, float]]] = defaultdict(list)
    faults: dict[tuple[str, str], int] = defaultdict(int)
    for who, label, start, end, used, count in rows:
        processes[who].append((label, float(start) - origin, float(end) - origin, float(used)))
        faults[who, label] += int(count)
    parent = str(os.getpid())
    print("| process | what | from s | to s | wall s | CPU s | faults |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for who in sorted(processes, key=lambda w: (w != parent, w)):
        name = "main" if who == parent else who
        merged: dict[str, list[float]] = {}
        for label, start, end, used in sorted(processes[who], key=lambda r: r[1]):
            if label.startswith(("chunk", "decode")):  # many: one row per kind
                key = label.split(")")[-1] if label.startswith("chunk") else label
                row = merged.setdefault(key, [start, end, 0.0, 0.0, 0])
                row[1] = end
                row[2] += end - start
                row[3] += used
                row[4] += 1
                continue
            print(
                f"| {name} | {label} | {start:.3f} | {end:.3f} | {end - start:.3f} | {used:.3f} "
                f"| {faults[who, label]:,} |"
            )
        for key, (start, end, wall, used, count) in merged.items():
            what = f"{int(count)} x {key.strip()}"
            print(f"| {name} | {what} | {start:.3f} | {end:.3f} | {wall:.3f} | {used:.3f} |")
    stage = {label: (start, end, used) for label, start, end, used in processes[parent]}
    others = [w for w in processes if w != parent]

    def work(who: str, labels: tuple[str, ...]) -> float:
        return sum(u for label, _s, _e, u in processes[who] if label.startswith(labels))

    p_cpu = stage["parse stage"][2]
    b_cpu = stage["resolve + graph"][2]
    c_end, c_cpu = stage["checks stage"][1:]
    pre = sum(stage[k][2] for k in ("crawl", "presets") if k in stage)
    workers_cpu = sum(work(w, ("chunk",)) for w in others)
    early = sum(work(w, ("document rules",)) for w in others)
    child = sum(work(w, ("child rules",)) for w in others)
    ideal_parse = (p_cpu + workers_cpu) / 2
    ideal = pre + ideal_parse + max(b_cpu, early) + max(c_cpu, child)
    print(
        f"\nCPU s: crawl + presets {pre:.3f}; parse {p_cpu:.3f} here + {workers_cpu:.3f} in "
        f"workers; resolve + graph {b_cpu:.3f} here, document rules {early:.3f} in a child; "
        f"checks {c_cpu:.3f} here, {child:.3f} in a child (its git processes not counted)"
    )
    print(
        f"ideal on two idle cores: {ideal:.3f} s (crawl {pre:.3f} + parse {ideal_parse:.3f} + "
        f"resolve/graph {max(b_cpu, early):.3f} + checks {max(c_cpu, child):.3f}); "
        f"measured {c_end:.3f} s wall to the end of the checks"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    instrument()
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as folder:
            LOG[0] = str(Path(folder, "timeline.log"))
            origin = time.perf_counter()
            run = api.check_tree(args.root, today=date(2026, 1, 1), allow_empty=False)
            end = time.perf_counter()
            print(f"\n{args.root}: {run.documents:,} documents, {len(run.findings):,} findings, "
                  f"{end - origin:.3f} s wall; load {os.getloadavg()[0]:.1f}\n")  # fmt: skip
            report(Path(LOG[0]), origin)


if __name__ == "__main__":
    main()
