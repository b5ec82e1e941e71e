"""Shared fixtures."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from tests.helpers import make_tree

PROJECT = Path(__file__).resolve().parent.parent
SAMPLE_REPO = PROJECT / "sample_repo"
CORPORA = PROJECT.parent / "shared" / "corpora"


@pytest.fixture
def tree(tmp_path: Path) -> Callable[[Mapping[str, str | bytes]], Path]:
    """Build a repository under tmp_path from a dict of files."""

    def build(files: Mapping[str, str | bytes]) -> Path:
        return make_tree(tmp_path / "repo", files)

    return build
