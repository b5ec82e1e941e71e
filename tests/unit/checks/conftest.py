"""Fixtures for rule tests: build a small tree, scan it, run selected rules."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date
from pathlib import Path

import pytest

from tests.helpers import make_tree
from tracegraph.api import scan
from tracegraph.checks import run_checks
from tracegraph.model import Finding

TODAY = date(2026, 11, 28)

RunChecks = Callable[..., list[Finding]]


@pytest.fixture
def findings(tmp_path: Path) -> RunChecks:
    """``findings(files, "TG101")`` -> the findings of the selected rules over ``files``."""

    counter = iter(range(1_000_000))

    def run(
        files: Mapping[str, str | bytes], *codes: str, today: date = TODAY, **kw: Iterable[str]
    ) -> list[Finding]:
        root = make_tree(tmp_path / f"repo{next(counter)}", files)
        return run_checks(scan(root), today=today, select=codes, **kw)

    return run


def where(found: list[Finding]) -> list[tuple[str, int, int, str]]:
    """Findings reduced to (path, line, column, code) for compact assertions."""
    return [(f.path, f.line, f.column, f.code) for f in found]
