#!/usr/bin/env python3
"""Time ``tracegraph check`` against ``lychee --offline --include-fragments`` on generated corpora.

Usage::

    python bench/run_bench.py --sizes 1000,10000 --reps 3 --work /tmp/tgbench

For each size: generate the corpus (or reuse it), then per repetition run, alternating the two
tools so that both see the same machine load: lychee; tracegraph cold (``--no-cache``);
tracegraph cache build; tracegraph warm (nothing changed); tracegraph after one changed file.
Each run goes through ``/usr/bin/time -v`` for wall time and peak RSS. Prints a Markdown table
of medians and ratios, and checks that both tools found every planted broken link and fragment
of the manifest. Standard library only; no timed assertions anywhere.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
TIME = "/usr/bin/time"
TODAY = "2026-01-01"


def run(cmd: list[str], cwd: Path) -> tuple[float, int, str]:
    """(wall seconds, peak RSS KiB, stdout) of one command under /usr/bin/time -v."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as stats:
        proc = subprocess.run(
            [TIME, "-v", "-o", stats.name, *cmd], cwd=cwd, capture_output=True, text=True
        )
        text = stats.read()
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", text)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
    if wall is None or rss is None:
        raise SystemExit(f"no timing for {cmd}: {proc.stderr[-500:]}")
    if not proc.stdout.strip():
        raise SystemExit(f"no output from {cmd}: {proc.stderr[-500:]}")
    seconds = 0.0
    for part in wall.group(1).split(":"):
        seconds = seconds * 60 + float(part)
    return seconds, int(rss.group(1)), proc.stdout


def corpus(work: Path, docs: int) -> tuple[Path, dict[str, object]]:
    name = f"{docs // 1000}k" if docs % 1000 == 0 else str(docs)
    out = work / name
    manifest = work / f"{name}.manifest.json"
    if not manifest.is_file():
        subprocess.run(
            [sys.executable, str(HERE / "generate.py"), "--docs", str(docs), "--out", str(out)],
            check=True,
        )
    return out, json.loads(manifest.read_text())


def planted(manifest: dict[str, object]) -> set[tuple[str, int]]:
    defects = manifest["defects"]
    assert isinstance(defects, list)
    return {
        (d["path"], d["line"]) for d in defects if d["kind"] in ("broken-link", "broken-anchor")
    }


def tracegraph_found(stdout: str) -> set[tuple[str, int]]:
    data = json.loads(stdout)
    return {(f["path"], f["line"]) for f in data["findings"] if f["code"] in ("TG101", "TG102")}


def lychee_found(stdout: str, root: Path) -> set[tuple[str, int]]:
    data = json.loads(stdout)
    out: set[tuple[str, int]] = set()
    for source, errors in data.get("error_map", {}).items():
        rel = os.path.relpath(source, root) if os.path.isabs(source) else source
        rel = rel.removeprefix("./").removeprefix(f"{root.name}/")
        for error in errors:
            span = error.get("span") or {}
            out.add((rel, int(span.get("line", 0))))
    return out


def bench(work: Path, docs: int, reps: int, tracegraph: list[str]) -> dict[str, object]:
    root, manifest = corpus(work, docs)
    expected = planted(manifest)
    lychee = [
        "lychee", "--offline", "--include-fragments", "--no-progress", "--format", "json",
        "--root-dir", str(root), ".",
    ]  # fmt: skip
    check = [*tracegraph, "check", ".", "--format", "json", "--today", TODAY, "-q"]
    victim = sorted(root.rglob("*.md"))[len(expected) % 97]
    times: dict[str, list[float]] = {k: [] for k in ("lychee", "cold", "build", "warm", "one")}
    rss: dict[str, int] = {k: 0 for k in times}
    found: dict[str, set[tuple[str, int]]] = {}
    for _ in range(reps):
        shutil.rmtree(root / ".tracegraph", ignore_errors=True)
        steps: list[tuple[str, list[str]]] = [
            ("lychee", lychee),
            ("cold", [*check, "--no-cache"]),
            ("build", check),
            ("warm", check),
            ("one", check),
        ]
        for key, cmd in steps:
            if key == "one":
                with victim.open("a", encoding="utf-8") as handle:
                    handle.write("\nEdited for the benchmark.\n")
            seconds, peak, stdout = run(cmd, root)
            times[key].append(seconds)
            rss[key] = max(rss[key], peak)
            if key == "lychee":
                found["lychee"] = lychee_found(stdout, root)
            elif key in ("cold", "warm"):
                found[key] = tracegraph_found(stdout)
        text = victim.read_text(encoding="utf-8")
        victim.write_text(text.removesuffix("\nEdited for the benchmark.\n"), encoding="utf-8")
    shutil.rmtree(root / ".tracegraph", ignore_errors=True)
    median = {k: statistics.median(v) for k, v in times.items()}
    return {
        "docs": docs,
        "reps": reps,
        "median": median,
        "all": times,
        "rss_kib": rss,
        "planted": len(expected),
        "missed": {k: sorted(expected - v) for k, v in found.items()},
        "extra": {k: len(v - expected) for k, v in found.items()},
    }


def table(results: list[dict[str, object]]) -> str:
    head = (
        "| docs | lychee | tg cold | cold/lychee | tg warm | warm/cold | one changed | one/cold "
        "| RSS lychee | RSS tg cold | planted found (tg / lychee) |\n"
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n"
    )
    rows = []
    for r in results:
        m, rss, missed = r["median"], r["rss_kib"], r["missed"]
        assert isinstance(m, dict) and isinstance(rss, dict) and isinstance(missed, dict)
        n = r["planted"]
        found = f"{n - len(missed.get('cold', []))}/{n} / {n - len(missed.get('lychee', []))}/{n}"
        rows.append(
            f"| {r['docs']:,} | {m['lychee']:.2f} s | {m['cold']:.2f} s | "
            f"{m['cold'] / m['lychee']:.2f}x | {m['warm']:.2f} s | {m['warm'] / m['cold']:.2f}x | "
            f"{m['one']:.2f} s | {m['one'] / m['cold']:.2f}x | {rss['lychee'] / 1024:.0f} MiB | "
            f"{rss['cold'] / 1024:.0f} MiB | {found} |"
        )
    return head + "\n".join(rows) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000", help="comma-separated document counts")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--work", type=Path, default=Path("/tmp/tgbench"))
    parser.add_argument("--json", type=Path, help="also write the raw results here")
    args = parser.parse_args()
    if not Path(TIME).exists():
        raise SystemExit(f"{TIME} missing: apt-get install -y time")
    args.work.mkdir(parents=True, exist_ok=True)
    tracegraph = [sys.executable, "-m", "tracegraph"]
    results = []
    for size in (int(s) for s in args.sizes.split(",")):
        result = bench(args.work, size, args.reps, tracegraph)
        print(json.dumps(result, default=str), file=sys.stderr)
        results.append(result)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str) + "\n")
    print(table(results))


if __name__ == "__main__":
    main()
