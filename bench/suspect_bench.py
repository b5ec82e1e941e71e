#!/usr/bin/env python3
"""Measure TG503 (suspect links from git history) on a generated corpus with a long history.

Usage::

    python bench/suspect_bench.py --docs 10000 --commits 50000 --work /tmp/tgsuspect

Builds (or reuses) a corpus from ``bench/generate.py`` and gives it a seeded git history through
``git fast-import``: a first commit with every file, then commits that edit documents the ways
teams do (a body edit, whitespace only, another front-matter field or field line, a status
change, a rename that keeps the ID, several documents at once), commits that touch only a
source file, and every 25th commit a merged side branch. ``--doc-share`` is the share of
commits that touch a document (the rest change code beside the docs, as in a monorepo).

Then it times, each ``--reps`` times (medians printed):

- ``git log`` alone: the one pass tracegraph makes (its floor);
- the suspect analysis cold (history and blob caches empty, parse cache warm) and warm
  (same HEAD), through ``tracegraph.api``;
- ``tracegraph check --select TG503`` end to end: cold (``--no-cache``) and warm.

Prints a Markdown table with the ratios. Standard library plus tracegraph; no assertions.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ENV = {
    **os.environ,
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}
START = 1_600_000_000  # commit times: one every ten minutes from here
SIDE_EVERY = 25  # every this many commits, a side branch of a few commits is merged
SENTENCES = (
    "The rollout now waits for the canary to stay healthy for an hour.",
    "Retries back off exponentially and give up after five attempts.",
    "The API returns 409 when two writers race on the same record.",
    "Quotas are enforced per tenant, not per API key.",
    "The migration runs in batches of ten thousand rows.",
)


def corpus(work: Path, docs: int) -> Path:
    """The generated corpus folder (generated once, without git)."""
    out = work / f"corpus-{docs}"
    if not (work / f"corpus-{docs}.manifest.json").is_file():
        subprocess.run(
            [sys.executable, str(HERE / "generate.py"), "--docs", str(docs), "--out", str(out),
             "--no-git", "--force"],
            check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip
    return out


class History:
    """A fast-import stream that edits the corpus commit by commit (seeded)."""

    def __init__(self, files: dict[str, bytes], seed: int, doc_share: float) -> None:
        self.files = dict(files)
        self.docs = sorted(p for p in files if p.endswith(".md"))
        self.rng = random.Random(seed)
        self.doc_share = doc_share
        self.mark = 0
        self.when = START
        self.out: list[bytes] = []
        self.counts: dict[str, int] = {}

    def _data(self, content: bytes) -> None:
        self.out.append(b"data %d\n" % len(content))
        self.out.append(content)
        self.out.append(b"\n")

    def commit(
        self,
        branch: str,
        message: str,
        changes: list[tuple[str, str, bytes | None]],
        parent: int | None = None,
        merge: int | None = None,
    ) -> int:
        """One commit on ``branch``; changes are (op, path, content) with op M, D or R."""
        self.mark += 1
        self.when += 600
        self.out.append(f"commit refs/heads/{branch}\nmark :{self.mark}\n".encode())
        stamp = f"bench <bench@example.com> {self.when} +0000\n"
        self.out.append(f"author {stamp}committer {stamp}".encode())
        self._data(message.encode())
        if parent is not None:
            self.out.append(f"from :{parent}\n".encode())
        if merge is not None:
            self.out.append(f"merge :{merge}\n".encode())
        for op, path, content in changes:
            if op == "M" and content is not None:
                self.out.append(f"M 100644 inline {path}\n".encode())
                self._data(content)
            elif op == "D":
                self.out.append(f"D {path}\n".encode())
            elif op == "R" and content is not None:
                self.out.append(f'R "{path}" "{content.decode()}"\n'.encode())
        return self.mark

    def edit(self, kinds: dict[str, float]) -> list[tuple[str, str, bytes | None]]:
        """The changes of one commit that edits documents."""
        kind = self.rng.choices(list(kinds), weights=list(kinds.values()))[0]
        self.counts[kind] = self.counts.get(kind, 0) + 1
        if kind == "code":
            path = f"src/module{self.rng.randrange(200)}.py"
            line = f"VALUE = {self.rng.randrange(10**6)}\n".encode()
            self.files[path] = self.files.get(path, b"") + line
            return [("M", path, self.files[path])]
        count = self.rng.randint(2, 5) if kind == "several" else 1
        out: list[tuple[str, str, bytes | None]] = []
        for path in self.rng.sample(self.docs, count):
            out.extend(self._edit_one(path, "body" if kind == "several" else kind))
        return out

    def _edit_one(self, path: str, kind: str) -> list[tuple[str, str, bytes | None]]:
        text = self.files[path]
        if kind == "body":
            sentence = self.rng.choice(SENTENCES).encode()
            text = text.rstrip(b"\n") + b"\n\n" + sentence + b" (r%d)\n" % self.mark
        elif kind == "whitespace":
            text = text.rstrip(b"\n") + b"\n\n\n" if not text.endswith(b"\n\n\n") else text[:-1]
        elif kind == "metadata":
            text = _bump_metadata(text, self.mark)
        elif kind == "status":
            text = _flip_status(text)
        elif kind == "rename":
            folder, _, name = path.rpartition("/")
            stem, _, _ = name.partition(".md")
            new = f"{folder}/{stem}-r{self.mark}.md" if folder else f"{stem}-r{self.mark}.md"
            if "-r" in stem:  # renamed before: keep names short
                new = f"{folder}/{stem.rsplit('-r', 1)[0]}-r{self.mark}.md"
            self.files[new] = self.files.pop(path)
            self.docs[self.docs.index(path)] = new
            return [("R", path, new.encode())]
        self.files[path] = text
        return [("M", path, text)]

    def build(self, commits: int) -> bytes:
        """The whole stream: a first commit with every file, then ``commits - 1`` more."""
        self.commit("main", "corpus", [("M", p, c) for p, c in sorted(self.files.items())])
        tip = self.mark
        kinds = {
            "body": 0.55 * self.doc_share,
            "whitespace": 0.12 * self.doc_share,
            "metadata": 0.15 * self.doc_share,
            "status": 0.05 * self.doc_share,
            "rename": 0.03 * self.doc_share,
            "several": 0.10 * self.doc_share,
            "code": 1 - self.doc_share,
        }
        made = 1
        while made < commits:
            if made % SIDE_EVERY == 0 and commits - made > 6:
                fork = tip
                side = fork
                side_changes: dict[str, bytes] = {}
                for _ in range(3):
                    changes = self.edit({k: v for k, v in kinds.items() if k != "rename"})
                    side = self.commit("side", f"side {self.mark}", changes, parent=side)
                    side_changes.update((p, c) for op, p, c in changes if op == "M" and c)
                    made += 1
                tip = self.commit(
                    "main", "merge side", [("M", p, c) for p, c in side_changes.items()],
                    parent=tip, merge=side,
                )  # fmt: skip
                made += 1
                continue
            tip = self.commit("main", f"edit {self.mark}", self.edit(kinds), parent=tip)
            made += 1
        return b"".join(self.out)


def _bump_metadata(text: bytes, mark: int) -> bytes:
    """Change a field that is not title, ID or status: an author or a date."""
    lines = text.split(b"\n")
    for number, line in enumerate(lines[:40]):
        for key in (b"author: ", b"**Author:** ", b"Date: ", b"**Last Updated:** ", b"updated: "):
            if line.startswith(key):
                lines[number] = (
                    key + b"Editor %d" % mark
                    if b"uthor" in key
                    else key + (b"2026-%02d-%02d" % (mark % 12 + 1, mark % 28 + 1))
                )
                return b"\n".join(lines)
    return text


def _flip_status(text: bytes) -> bytes:
    """Move the status along (Draft <-> In Review, Proposed <-> Accepted...)."""
    pairs = ((b"Draft", b"In Review"), (b"In Review", b"Draft"), (b"Accepted", b"Deprecated"),
             (b"Approved", b"Implemented"), (b"Implemented", b"Approved"),
             (b"Proposed", b"Accepted"), (b"Deprecated", b"Accepted"))  # fmt: skip
    lines = text.split(b"\n")
    for number, line in enumerate(lines[:40]):
        if line.startswith((b"status: ", b"**Status:** ")) or (
            number and lines[number - 1] == b"" and number > 1 and lines[number - 2] == b"## Status"
        ):
            for old, new in pairs:
                if old in line:
                    lines[number] = line.replace(old, new, 1)
                    return b"\n".join(lines)
    return text


def make_repo(work: Path, docs: int, commits: int, seed: int, doc_share: float) -> Path:
    """The corpus as a git repository with the generated history (built once per settings)."""
    repo = work / f"repo-{docs}-{commits}-{seed}-{doc_share:g}"
    if (repo / ".git").is_dir():
        return repo
    source = corpus(work, docs)
    files = {
        p.relative_to(source).as_posix(): p.read_bytes()
        for p in sorted(source.rglob("*"))
        if p.is_file()
    }
    history = History(files, seed, doc_share)
    started = time.perf_counter()
    stream = history.build(commits)
    if repo.exists():
        shutil.rmtree(repo)
    repo.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True, env=ENV)
    subprocess.run(["git", "-C", str(repo), "fast-import", "--quiet"], input=stream, check=True,
                   env=ENV)  # fmt: skip
    subprocess.run(["git", "-C", str(repo), "checkout", "-q", "-f", "main"], check=True, env=ENV)
    subprocess.run(["git", "-C", str(repo), "branch", "-q", "-D", "side"], env=ENV,
                   stderr=subprocess.DEVNULL)  # fmt: skip
    # As a clone from a server would be: one delta-compressed pack and a commit-graph file.
    subprocess.run(["git", "-C", str(repo), "repack", "-a", "-d", "-f", "-q"], check=True, env=ENV)
    subprocess.run(["git", "-C", str(repo), "commit-graph", "write", "--reachable"], check=True,
                   env=ENV)  # fmt: skip
    took = time.perf_counter() - started
    print(f"built {repo.name}: {commits} commits in {took:.0f}s; edits: {history.counts}",
          file=sys.stderr)  # fmt: skip
    return repo


def cpu() -> tuple[float, float]:
    """CPU seconds so far: this process, and the git processes it waited for."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


def measure(function: Callable[[], object], reps: int, before: Callable[[], None]) -> Figures:
    """Median wall time and CPU (own, git) of ``reps`` calls, ``before`` run before each."""
    walls, owns, gits = [], [], []
    for _ in range(reps):
        before()
        own, git = cpu()
        started = time.perf_counter()
        function()
        walls.append(time.perf_counter() - started)
        after_own, after_git = cpu()
        owns.append(after_own - own)
        gits.append(after_git - git)
    return Figures(statistics.median(walls), statistics.median(owns), statistics.median(gits))


@dataclass(frozen=True)
class Figures:
    """One measurement: wall seconds, CPU seconds in tracegraph and in git."""

    wall: float
    own: float
    git: float

    def row(self, label: str, base: Figures | None = None, *, child: bool = False) -> str:
        """A table row; ``child``: the run was a tracegraph process of its own (its CPU, git's
        included, is one figure)."""
        ratio = f"{self.wall / base.wall:.2f}" if base and base.wall else ""
        split = "| – | – " if child else f"| {self.own:.2f} | {self.git:.2f} "
        return (f"| {label} | {self.wall:.2f} {split}| {self.own + self.git:.2f} | "
                f"{ratio} |")  # fmt: skip


def bench(repo: Path, reps: int) -> list[str]:
    """The measurements of one repository, as Markdown table rows."""
    from tracegraph.api import scan, suspect_links
    from tracegraph.githistory import probe_repository, read_log

    cache = repo / ".tracegraph" / "cache"

    def drop(*names: str) -> Callable[[], None]:
        def run() -> None:
            for name in names:
                (cache / name).unlink(missing_ok=True)

        return run

    corpus = scan(repo, cache=True)  # the parse cache is warm from here on
    probe = probe_repository(repo)
    log = measure(lambda: read_log(repo, probe, cache=False), reps, lambda: None)
    everything = ("git-log.marshal", "git-fingerprints.marshal", "git-suspects.marshal")
    cold = measure(lambda: suspect_links(corpus, cache=True), reps, drop(*everything))
    found = suspect_links(corpus, cache=True)
    history_warm = measure(
        lambda: suspect_links(corpus, cache=True), reps, drop("git-suspects.marshal")
    )
    warm = measure(lambda: suspect_links(corpus, cache=True), reps, lambda: None)
    check = [sys.executable, "-m", "tracegraph", "check", "-C", str(repo), "--select", "TG503",
             "--format", "json", "-q", "-o", os.devnull]  # fmt: skip
    check_cold = measure(
        lambda: subprocess.run([*check, "--no-cache"], check=False), max(1, reps - 1), lambda: None
    )
    check_warm = measure(lambda: subprocess.run(check, check=False), reps, lambda: None)
    commits = subprocess.run(["git", "-C", str(repo), "rev-list", "--count", "HEAD"],
                             capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    return [
        f"{repo.name}: {len(corpus.documents)} documents, {commits} commits, "
        f"{len(found.links)} suspect links",
        "",
        "| run | wall s | tracegraph CPU s | git CPU s | CPU s | wall / cold |",
        "|---|---:|---:|---:|---:|---:|",
        log.row("`git log` pass alone (read_log, no cache)", cold),
        cold.row("suspect links, cold (no history, fingerprint or result cache)", cold),
        history_warm.row("same HEAD, result cache dropped (history, fingerprints cached)", cold),
        warm.row("warm (same HEAD, same reviews and edges)", cold),
        check_cold.row(
            "`check --select TG503 --no-cache` (parses every document too)", cold, child=True
        ),
        check_warm.row("`check --select TG503`, nothing changed", cold, child=True),
        "",
    ]


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--docs", type=int, default=10000)
    ap.add_argument("--commits", type=int, default=50000)
    ap.add_argument("--doc-share", type=float, default=1.0, help="share of commits editing docs")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--work", type=Path, default=Path("/tmp/tgsuspect"))
    ap.add_argument("--build-only", action="store_true")
    args = ap.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    repo = make_repo(args.work, args.docs, args.commits, args.seed, args.doc_share)
    if args.build_only:
        print(repo)
        return 0
    load = os.getloadavg()[0]
    print(f"machine: {os.cpu_count()} CPUs, load average {load:.1f} at the start\n")
    print("\n".join(bench(repo, args.reps)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
