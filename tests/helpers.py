"""Test helpers: build small repositories from a dict (path -> text or bytes)."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from pathlib import Path

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


def statuses(corpus: Corpus, source: str) -> dict[str, tuple[Target, str | None]]:
    """What each reference of ``source`` resolved to: target as written -> (status, path)."""
    return {
        link.reference.target: (link.status, link.path)
        for link in corpus.links
        if link.source == source
    }
