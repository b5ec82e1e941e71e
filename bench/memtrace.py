#!/usr/bin/env python3
"""Where the resident memory of one ``tracegraph`` command peaks, and in which code.

Usage::

    python bench/memtrace.py /tmp/tgbench/100k -- check . --no-cache --format json -q

Runs the command in this process (from inside the given folder, output to /dev/null) while a
thread reads ``/proc/self/statm`` every 50 ms together with the main thread's innermost
tracegraph frames. Prints, per function seen on top (tracegraph's own frames only), the highest
resident memory while it ran, in order of first appearance, then the stack at the peak.
Figures, never assertions (see RESULTS.md); Linux only.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import threading
import time
import traceback
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

PAGE = os.sysconf("SC_PAGE_SIZE")


def resident_mib() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * PAGE / 2**20


def where(frame_of_main: object) -> list[str]:
    """The main thread's stack, innermost last, tracegraph frames only (``module:function``)."""
    frames = traceback.extract_stack(frame_of_main)  # type: ignore[arg-type]
    return [
        f"{Path(f.filename).stem}:{f.name}"
        for f in frames
        if "/tracegraph/" in f.filename.replace("\\", "/")
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path, help="folder to run the command in")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- and tracegraph's arguments")
    parser.add_argument("--every", type=float, default=0.05, help="seconds between samples")
    parser.add_argument(
        "--stages", action="store_true",
        help="also print the resident memory and its peak so far (VmRSS, VmHWM) after the "
        "corpus is built and after each rule: exact, where sampling can miss a short peak",
    )  # fmt: skip
    args = parser.parse_args()
    command = [a for a in args.command if a != "--"] if args.command[:1] == ["--"] else args.command
    from tracegraph.cli import cli

    main_id = threading.main_thread().ident
    samples: list[tuple[float, float, list[str]]] = []
    done = threading.Event()

    def sample() -> None:
        start = time.perf_counter()
        while not done.wait(args.every):
            frame = sys._current_frames().get(main_id or 0)
            stack = where(frame) if frame is not None else []
            samples.append((time.perf_counter() - start, resident_mib(), stack))

    stages: list[tuple[str, int, int]] = []
    if args.stages:
        watch_stages(stages)
    os.chdir(args.root)
    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    with (
        open(os.devnull, "w") as sink,
        contextlib.redirect_stdout(sink),
        contextlib.suppress(SystemExit),
    ):
        cli.main(command, prog_name="tracegraph", standalone_mode=False)
    done.set()
    thread.join()
    highest: dict[str, tuple[float, float]] = {}
    for at, rss, stack in samples:
        top = stack[-1] if stack else "(outside tracegraph)"
        if top not in highest or rss > highest[top][1]:
            highest[top] = (highest.get(top, (at, 0.0))[0], rss)
    print("| innermost tracegraph function | first seen, s | highest RSS while on top, MiB |")
    print("|---|---:|---:|")
    for name, (first, rss) in sorted(highest.items(), key=lambda item: item[1][0]):
        print(f"| {name} | {first:.1f} | {rss:,.0f} |")
    if samples:
        at, rss, stack = max(samples, key=lambda s: s[1])
        print(f"\npeak {rss:,.0f} MiB at {at:.1f} s in:\n  " + "\n  ".join(stack))
    if stages:
        print("\n| after | RSS, MiB | peak so far, MiB |\n|---|---:|---:|")
        for name, now, peak in stages:
            print(f"| {name} | {now:,} | {peak:,} |")


def status_mib() -> tuple[int, int]:
    """This process's VmRSS and VmHWM (its peak so far), in MiB."""
    found = {}
    with open("/proc/self/status") as status:
        for line in status:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                found[key] = int(value.split()[0]) // 1024
    return found.get("VmRSS", 0), found.get("VmHWM", 0)


def watch_stages(stages: list[tuple[str, int, int]]) -> None:
    """Record memory after ``build_corpus`` (as the API imports it, from ``graph``, when it
    runs), after each rule and around each write of the caches (parse cache, result cache,
    stored graph)."""
    from tracegraph import cache, checks, graph, linkedit

    build, hits = graph.build_corpus, checks._hits

    def around(owner: Any, name: str, label: str) -> None:
        write = getattr(owner, name)

        def wrapped(*args: Any, **kwargs: Any) -> Any:
            stages.append((f"before {label}", *status_mib()))
            try:
                return write(*args, **kwargs)
            finally:
                stages.append((f"after {label}", *status_mib()))

        setattr(owner, name, wrapped)

    around(cache.ParseCache, "save", "parse cache written")
    around(cache.ResultCache, "put", "result stored")
    around(linkedit, "save_graph", "graph stored")

    def built(*args: Any, **kwargs: Any) -> Any:
        stages.append(("parse", *status_mib()))
        corpus = build(*args, **kwargs)
        stages.append(("resolve + graph", *status_mib()))
        return corpus

    def each_rule(rule: Any, context: Any) -> Any:
        yield from hits(rule, context)
        stages.append((rule.code, *status_mib()))

    graph.build_corpus = built
    checks._hits = each_rule


if __name__ == "__main__":
    main()
