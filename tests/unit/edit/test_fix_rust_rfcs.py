"""``fix`` on the Rust RFCs repository: every anchor repair it would apply is the heading the
author meant (tests/data/rust-rfcs-anchor-intents.tsv; ``python bench/fix_eval.py`` prints the
figures)."""

from __future__ import annotations

from datetime import date

import pytest

from tests.conftest import CORPORA, PROJECT
from tracegraph import api
from tracegraph.edit.commands import fix_links
from tracegraph.edit.history import Moves

RUST = CORPORA / "rust-rfcs"
INTENTS = PROJECT / "tests" / "data" / "rust-rfcs-anchor-intents.tsv"


def _intents() -> dict[str, str]:
    rows = [line.split("\t") for line in INTENTS.read_text(encoding="utf-8").splitlines()]
    return {row[0]: row[2] for row in rows if row and not row[0].startswith("#")}


@pytest.mark.skipif(not RUST.is_dir(), reason="shared corpora not available")
def test_every_applied_anchor_repair_is_the_meant_heading() -> None:
    space = api.open_workspace(RUST, cache=False, today=date(2026, 11, 28))
    findings = api.check(space.corpus, select=["TG102"], today=date(2026, 11, 28))
    changes, plan = fix_links(space, findings, Moves())
    meant = _intents()
    assert {f"{f.path}:{f.line}:{f.column}" for f in findings} == set(meant)
    applied = [r for r in plan.repairs if r.applied]
    assert len(applied) >= 5
    for repair in applied:
        where = f"{repair.path}:{repair.line}:{repair.column}"
        assert repair.replacement is not None
        assert repair.replacement.rpartition("#")[2] == meant[where], where
    assert {c.path for c in changes.changes} == {r.path for r in applied}
