#!/usr/bin/env python3
"""Where a cold ``tracegraph check`` spends its time: the stages of one in-process run.

Usage::

    python bench/stages.py /tmp/tgbench/10k [--rules]

Config, crawl, preset detection, parse (worker processes, no cache), resolve + graph, checks
and the JSON output, each with wall time and CPU time (this process and its workers) and this
process's resident memory after the stage and at its peak so far (Linux); with ``--rules``,
each rule alone on the built corpus. Figures, never assertions (see RESULTS.md).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TypeVar

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from tracegraph import api  # noqa: E402
from tracegraph.checks import ALL_RULES, RULES_BY_CODE  # noqa: E402
from tracegraph.config import load_config  # noqa: E402
from tracegraph.crawl import crawl, find_sidecars  # noqa: E402
from tracegraph.graph import Corpus, build_corpus  # noqa: E402
from tracegraph.memory import collector_paused  # noqa: E402
from tracegraph.output import CheckResult, render  # noqa: E402

T = TypeVar("T")
TODAY = date(2026, 1, 1)


def cpu() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def memory() -> tuple[float, float]:
    """This process's resident set now and at its peak, in MiB (Linux ``/proc``)."""
    fields = dict.fromkeys(("VmRSS", "VmHWM"), 0.0)
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in fields:
                fields[key] = int(value.split()[0]) / 1024
    except OSError:
        pass
    return fields["VmRSS"], fields["VmHWM"]


Row = tuple[str, float, float, float, float]


def timed(rows: list[Row], name: str, work: Callable[[], T]) -> T:
    wall, used = time.perf_counter(), cpu()
    result = work()
    rss, peak = memory()
    rows.append((name, time.perf_counter() - wall, cpu() - used, rss, peak))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path)
    parser.add_argument("--rules", action="store_true", help="also time each rule alone")
    args = parser.parse_args()
    root: Path = args.root
    rows: list[Row] = []
    config = timed(rows, "config", lambda: load_config(root))
    index = timed(rows, "crawl (git ls-files, globs)", lambda: crawl(root, config))
    config = timed(rows, "preset detection", lambda: api.with_presets(root, config, index))
    wiki = api.wiki_scope(root, index.files, config)
    docs = timed(
        rows,
        f"read + parse {len(index.documents):,} documents",
        lambda: api.parse_files(
            root, index.documents, config, sidecars=find_sidecars(index, config), wiki=wiki.paths
        ),
    )

    def build() -> object:
        with collector_paused():
            return build_corpus(
                root, config, docs, index.files, aliases=index.aliases,
                addresses=index.addresses, unreadable=index.unreadable,
            )  # fmt: skip

    corpus = timed(rows, "resolve + graph", build)
    assert isinstance(corpus, Corpus)
    findings = timed(rows, "checks (every rule)", lambda: api.check(corpus, today=TODAY))
    result = CheckResult(str(root), len(corpus.documents), len(corpus.links), tuple(findings),
                         ALL_RULES)  # fmt: skip
    timed(rows, f"JSON of {len(findings):,} findings", lambda: render(result, "json"))
    total_wall, total_cpu = sum(r[1] for r in rows), sum(r[2] for r in rows)
    print(f"| stage ({root.name}) | wall s | share | CPU s | RSS after, MiB | peak RSS, MiB |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, wall, used, rss, peak in rows:
        share = wall / total_wall
        print(f"| {name} | {wall:.2f} | {share:.0%} | {used:.2f} | {rss:,.0f} | {peak:,.0f} |")
    print(f"| total | {total_wall:.2f} | | {total_cpu:.2f} | | |")
    if args.rules:
        print("\n| rule | s |\n|---|---:|")
        times = []
        for code in sorted(RULES_BY_CODE):
            start = time.perf_counter()
            api.check(corpus, today=TODAY, select=[code])
            times.append((time.perf_counter() - start, code))
        for seconds, code in sorted(times, reverse=True):
            print(f"| {code} | {seconds:.3f} |")


if __name__ == "__main__":
    main()
