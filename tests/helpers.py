"""Test helpers: build small repositories from a dict (path -> text or bytes), read what a run
stored."""

from __future__ import annotations

import os
import sqlite3
import textwrap
from collections.abc import Mapping
from pathlib import Path

from tracegraph.cache import CachedResult, ResultCache
from tracegraph.graph import Corpus
from tracegraph.model import Target


def make_tree(root: Path, files: Mapping[str, str | bytes]) -> Path:
    """Write ``files`` under ``root`` (text is dedented) and return ``root``."""
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")
    return root


def remove_tree(top: Path) -> None:
    """Delete a folder tree without recursion (``shutil.rmtree`` on Python 3.11, and so
    pytest's own clean-up, hit the recursion limit on a tree 1,500 folders deep)."""
    folders: list[str] = []
    pending = [os.fspath(top)]
    while pending:
        folder = pending.pop()
        folders.append(folder)
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    pending.append(entry.path)
                else:
                    os.unlink(entry.path)
    for folder in reversed(folders):
        os.rmdir(folder)


def statuses(corpus: Corpus, source: str) -> dict[str, tuple[Target, str | None]]:
    """What each reference of ``source`` resolved to: target as written -> (status, path)."""
    return {
        link.reference.target: (link.status, link.path)
        for link in corpus.links
        if link.source == source
    }


def layered_ring(size: int, width: int = 1) -> dict[str, str]:
    """``size`` layers of ``width`` RFCs; each depends on every RFC of the next layer, the
    last layer on the first: strongly connected, and no cycle shorter than ``size``."""
    files = {}
    for layer in range(size):
        for slot in range(width):
            number = layer * width + slot + 1
            nxt = (layer + 1) % size
            deps = ", ".join(f"RFC-{nxt * width + s + 1:04d}" for s in range(width))
            files[f"rfc/RFC-{number:04d}-x.md"] = (
                f"---\ndepends_on: [{deps}]\n---\n# RFC-{number:04d}: X\n"
            )
    return files


#: Common words of design documents, for generated headings and file names.
WORDS = (
    "service",
    "queue",
    "cache",
    "schema",
    "event",
    "retry",
    "backoff",
    "tenant",
    "billing",
    "invoice",
    "ledger",
    "audit",
    "storage",
    "index",
    "search",
    "shard",
    "replica",
    "quota",
    "token",
    "session",
    "gateway",
    "webhook",
    "export",
    "import",
    "report",
    "alert",
    "metric",
    "trace",
    "budget",
    "owner",
    "review",
    "status",
    "phase",
    "milestone",
    "overview",
    "design",
    "model",
    "security",
    "performance",
    "rollout",
    "migration",
    "decision",
    "context",
    "options",
)


def latest_result(root: Path) -> CachedResult:
    """The result the last check of ``root`` stored in its result cache."""
    store = ResultCache(root)
    with sqlite3.connect(store.path) as db:
        (key,) = db.execute("SELECT key FROM results ORDER BY created DESC LIMIT 1").fetchone()
    found = store.get(key)
    assert found is not None
    return found
