#!/usr/bin/env python3
"""Give a generated corpus a history: a copy of it with N more commits of small edits.

Usage::

    python bench/history_tree.py /tmp/tgbench/10k /tmp/hist-10k --commits 200 --seed 1
    python bench/history_tree.py /tmp/tgbench/1k /tmp/hist-1k --commits 50 --seed 1

The benchmark trees are repositories of one commit, where TG503 (suspect links) reads no
history; real repositories have one. Each new commit edits a few documents (``--per-commit``):
text added to an upstream document (PRD, RFC), a status changed, a link added to another
document or one added before removed again, a whitespace-only edit (which never counts). The
source tree must be a git work tree with its corpus committed (``generate.py --git-commit``);
it is copied, never changed. Same arguments give the same commits (hashes included: authors
and dates are fixed). Standard library only.
"""

from __future__ import annotations

import argparse
import os
import posixpath
import random
import re
import shutil
import subprocess
import sys
from pathlib import Path

UPSTREAM = re.compile(r"/(prd|rfc)/[^/]+\.md$")
STATUS = re.compile(r"^status: (.*)$", re.MULTILINE)
STATUSES = ("Draft", "In Review", "Accepted", "Approved", "Implemented")
MARK = "<!-- history_tree link -->"


def git(tree: Path, *args: str, when: int = 0) -> str:
    """Run git in ``tree`` with a fixed author and a date ``when`` hours after 2026-01-01."""
    day, hour = divmod(when, 24)
    stamp = f"2026-{1 + day // 28:02d}-{1 + day % 28:02d}T{hour:02d}:00:00Z"
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "bench",
        "GIT_AUTHOR_EMAIL": "bench@example.com",
        "GIT_COMMITTER_NAME": "bench",
        "GIT_COMMITTER_EMAIL": "bench@example.com",
        "GIT_AUTHOR_DATE": stamp,
        "GIT_COMMITTER_DATE": stamp,
    }
    done = subprocess.run(
        ["git", "-C", str(tree), *args], check=True, env=env, capture_output=True, text=True
    )
    return done.stdout


def edit(tree: Path, path: str, kind: str, docs: list[str], rng: random.Random) -> None:
    """Apply one edit of ``kind`` to the document at ``path`` (relative to ``tree``)."""
    file = tree / path
    text = file.read_text(encoding="utf-8")
    if kind == "text":
        text = text.rstrip("\n") + f"\n\nRevision note {rng.randrange(10**6)}: scope refined.\n"
    elif kind == "status" and STATUS.search(text):
        text = STATUS.sub(f"status: {rng.choice(STATUSES)}", text, count=1)
    elif kind == "unlink" and MARK in text:
        text = "".join(line for line in text.splitlines(True) if MARK not in line)
    elif kind in ("link", "unlink"):
        target = rng.choice(docs)
        rel = posixpath.relpath(target, posixpath.dirname(path))
        name = posixpath.basename(target).split("-", 2)
        label = "-".join(name[:2]) if len(name) > 2 else posixpath.basename(target)
        text = text.rstrip("\n") + f"\n\nSee also [{label}]({rel}). {MARK}\n"
    else:  # whitespace only: never a change that counts
        text = text.replace("\n\n", "\n\n\n", 1)
    file.write_text(text, encoding="utf-8")


def build(src: Path, out: Path, commits: int, per_commit: int, seed: int) -> None:
    """Copy ``src`` to ``out`` and add ``commits`` commits of ``per_commit`` edits each."""
    if out.exists():
        raise SystemExit(f"{out} exists: remove it first")
    shutil.copytree(src, out, symlinks=True)
    shutil.rmtree(out / ".tracegraph", ignore_errors=True)
    docs = sorted(p for p in git(out, "ls-files", "-z").split("\0") if p.endswith(".md"))
    upstream = [p for p in docs if UPSTREAM.search(p)]
    rng = random.Random(seed)
    kinds = ("text", "text", "status", "link", "unlink", "space")
    for number in range(1, commits + 1):
        for _ in range(per_commit):
            kind = rng.choice(kinds)
            path = rng.choice(upstream if kind in ("text", "status") else docs)
            edit(out, path, kind, docs, rng)
        git(out, "add", "-A", when=number)
        git(out, "commit", "-q", "--no-gpg-sign", "--allow-empty", "-m", f"edit {number}",
            when=number)  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("src", type=Path, help="a generated corpus, committed (one commit)")
    ap.add_argument("out", type=Path, help="where the copy with history goes (must not exist)")
    ap.add_argument("--commits", type=int, default=200, help="commits to add (default 200)")
    ap.add_argument("--per-commit", type=int, default=5, help="documents edited a commit")
    ap.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    args = ap.parse_args(argv)
    build(args.src, args.out, args.commits, args.per_commit, args.seed)
    head = git(args.out, "rev-parse", "HEAD").strip()
    print(f"{args.out}: {args.commits} commits added, HEAD {head}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
