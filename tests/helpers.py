"""Test helpers: build small repositories from a dict (path -> text or bytes)."""

from __future__ import annotations

import os
import textwrap
from collections.abc import Mapping
from pathlib import Path


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
