#!/usr/bin/env python3
"""Time impact queries on a generated corpus once its graph is built.

Usage::

    python bench/query_bench.py                       # bench/corpora/10k, generated if missing
    python bench/query_bench.py --corpus bench/corpora/1k --repeat 20

Prints the time to build the graph (crawl + parse + resolve, for context) and then the median
and worst of ``--repeat`` runs of each query: ``impact`` of the most-cited PRD (the widest
downstream), ``upstream`` of a TDD, ``path`` between them, the change impact of ten files, and
the text tree the CLI prints for the impact. Figures, not assertions: see bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from tracegraph import api, queries  # noqa: E402
from tracegraph.graph import Corpus  # noqa: E402
from tracegraph.output.queries import Filters, format_tree  # noqa: E402


def timed(func: Callable[[], Any], repeat: int) -> tuple[float, float, float, Any]:
    """Median and best wall time and best CPU time in milliseconds, and the last result.

    The best of several runs and the CPU time are shown because a shared machine's load
    inflates wall times; the median says what a user typically waits.
    """
    walls, cpus = [], []
    result = None
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        result = func()
        walls.append((time.perf_counter() - wall) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
    return statistics.median(walls), min(walls), min(cpus), result


def ensure_corpus(path: Path, docs: int) -> None:
    """Generate the corpus with bench/generate.py when it is not there yet."""
    if path.exists():
        return
    print(f"generating {docs} documents into {path} ...", flush=True)
    subprocess.run(
        [
            sys.executable,
            str(HERE / "generate.py"),
            "--docs",
            str(docs),
            "--out",
            str(path),
            "--seed",
            "1",
        ],
        check=True,
    )


def most_cited(corpus: Corpus, type_name: str) -> str:
    """The document of a type with the most direct dependants (ties: first path)."""
    graph = corpus.graph
    candidates = [d.path for d in corpus.documents if d.type == type_name] or list(graph.nodes)
    return max(sorted(candidates), key=lambda p: graph.in_degree(p))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=HERE / "corpora" / "10k")
    parser.add_argument("--docs", type=int, default=10_000, help="size when generating")
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    ensure_corpus(args.corpus, args.docs)
    # bench/corpora is git-ignored, and inside a work tree the crawl lists what git lists:
    # stop git's discovery above the corpus so it is crawled as the plain folder it is.
    os.environ["GIT_CEILING_DIRECTORIES"] = str(args.corpus.resolve().parent)

    start = time.perf_counter()
    corpus = api.scan(args.corpus)
    build = time.perf_counter() - start
    graph = corpus.graph
    print(
        f"corpus {args.corpus}: {graph.number_of_nodes()} documents, "
        f"{graph.number_of_edges()} edges; graph built in {build:.2f} s"
    )

    prd = most_cited(corpus, "PRD")
    tdd = max(
        sorted(d.path for d in corpus.documents if d.type == "TDD") or sorted(graph.nodes),
        key=lambda p: graph.out_degree(p),
    )
    changed = [link.path for link in corpus.links if link.status.value == "artifact"][:5]
    changed += [d.path for d in corpus.documents[:: max(1, len(corpus.documents) // 5)]][:5]

    filters = Filters(frozenset(), True)
    cases: list[tuple[str, Callable[[], Any], Callable[[Any], str]]] = [
        (
            f"impact {graph.nodes[prd]['id']}",
            lambda: queries.downstream(corpus, prd),
            lambda r: (
                f"{len(r.nodes)} documents, depth {max((n.depth for n in r.nodes), default=0)}"
            ),
        ),
        (
            f"upstream {graph.nodes[tdd]['id']}",
            lambda: queries.upstream(corpus, tdd),
            lambda r: f"{len(r.nodes)} documents",
        ),
        (
            "path PRD..TDD",
            lambda: queries.paths_between(corpus, prd, tdd),
            lambda r: f"{len(r.forward) + len(r.backward)} shortest chains",
        ),
        (
            f"impact --files ({len(changed)} files)",
            lambda: queries.affected_by_change(corpus, changed),
            lambda r: f"{len(r.roots)} roots, {len(r.affected)} documents",
        ),
        (
            "impact tree text (CLI)",
            lambda: format_tree(corpus, queries.downstream(corpus, prd), filters, color=False),
            lambda r: f"{r.count(chr(10))} lines",
        ),
    ]
    print(f"{'query':<30} {'median ms':>10} {'best ms':>9} {'cpu ms':>8}  result")
    for name, func, describe in cases:
        med, best, cpu, result = timed(func, args.repeat)
        print(f"{name:<30} {med:>10.1f} {best:>9.1f} {cpu:>8.1f}  {describe(result)}")


if __name__ == "__main__":
    main()
