#!/usr/bin/env python3
""" "Did you mean" suggestions for TG102 (anchors) and TG101 (paths): index against exhaustive.

Usage::

    python bench/suggest_bench.py                  # N = 500 .. 20000
    python bench/suggest_bench.py --sizes 2000,5000 --exhaustive-max 5000

For each N: one document with N headings and N broken anchors (each a one-letter slip of a
heading), and one folder of N files with N broken links (slips of file names). Prints the time
of the suggestion lookups through ``NameIndex`` (what TG101/TG102 use) and, up to
``--exhaustive-max``, of scoring every heading/file with the same difflib ratio (what the rules
did before), their ratio, the microseconds per lookup (flat when the work per finding is
bounded) and how often the two agree. Figures, not assertions.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from tests.helpers import WORDS  # noqa: E402
from tracegraph.checks.suggest import NameIndex, closest_match  # noqa: E402


def names(rng: random.Random, count: int, joiner: str = "-") -> list[str]:
    found: set[str] = set()
    while len(found) < count:
        found.add(joiner.join(rng.sample(WORDS, rng.randint(2, 4))))
    return sorted(found)


def slip(word: str, rng: random.Random) -> str:
    i = rng.randrange(1, len(word) - 1)
    return word[:i] + word[i + 1 :]


def timed(lookup: Callable[[str], str | None], words: list[str]) -> tuple[float, list[str | None]]:
    start = time.perf_counter()
    answers = [lookup(w) for w in words]
    return time.perf_counter() - start, answers


def row(
    kind: str,
    size: int,
    all_names: list[str],
    words: list[str],
    cutoff: float,
    key: Callable[[str], str],
    exhaustive: bool,
) -> None:
    build = time.perf_counter()
    index = NameIndex(all_names, key=key)
    build = time.perf_counter() - build
    new, answers = timed(lambda w: index.closest(w, cutoff), words)
    old_text, ratio, agree = "-", "-", "-"
    if exhaustive:
        old, expected = timed(lambda w: closest_match(w, all_names, cutoff), words)
        old_text, ratio = f"{old * 1000:10.0f}", f"{old / (new + build):7.0f}x"
        agree = f"{sum(a == e for a, e in zip(answers, expected, strict=True)) / len(words):.1%}"
    print(
        f"{kind:<7} {size:>6} {build * 1000:8.0f} {new * 1000:9.0f} {old_text:>10} {ratio:>8}"
        f" {new * 1e6 / len(words):9.0f} {agree:>7}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="500,1000,2000,5000,20000")
    parser.add_argument("--exhaustive-max", type=int, default=5000)
    args = parser.parse_args()
    print(
        f"{'kind':<7} {'N':>6} {'index ms':>8} {'lookup ms':>9} {'exhaust ms':>10}"
        f" {'ratio':>8} {'us/look':>9} {'agree':>7}"
    )
    for size in (int(s) for s in args.sizes.split(",")):
        rng = random.Random(size)
        anchors = names(rng, size)
        words = [slip(a, rng) for a in anchors]
        row("anchors", size, anchors, words, 0.6, str, size <= args.exhaustive_max)
        files = [f"docs/{n}.md" for n in names(rng, size, "_")]
        words = [f"docs/{slip(f[5:-3], rng)}.md" for f in files]
        row(
            "paths",
            size,
            files,
            words,
            0.75,
            lambda p: p.rpartition("/")[2].lower(),
            size <= args.exhaustive_max,
        )


if __name__ == "__main__":
    main()
