"""How right ``tracegraph fix`` is about broken anchors on the Rust RFCs repository.

Runs the repairs (nothing is written) over ``../shared/corpora/rust-rfcs`` and compares them
with ``tests/data/rust-rfcs-anchor-intents.tsv``, the heading each author meant, read from the
documents. Prints how many repairs were applied and how many of them were right, and for the
findings left to a human, how often the right heading is among the listed candidates.

    python bench/fix_eval.py [CORPUS]
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from tracegraph import api  # noqa: E402
from tracegraph.edit.commands import fix_links  # noqa: E402
from tracegraph.edit.history import Moves  # noqa: E402

INTENTS = HERE.parent / "tests" / "data" / "rust-rfcs-anchor-intents.tsv"


def intents() -> dict[str, str]:
    """``path:line:col`` -> the anchor meant (``-``: none can be told)."""
    out = {}
    for line in INTENTS.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            where, _written, meant = line.split("\t")
            out[where] = meant
    return out


def evaluate(corpus: Path) -> dict[str, int]:
    """Counts of applied / right / listed / listed-with-the-right-candidate repairs."""
    space = api.open_workspace(corpus, cache=False, today=date(2026, 11, 28))
    findings = api.check(space.corpus, select=["TG102"], today=date(2026, 11, 28))
    _changes, plan = fix_links(space, findings, Moves())
    meant = intents()
    counts = dict.fromkeys(("findings", "applied", "right", "listed", "listed_right"), 0)
    for repair in plan.repairs:
        counts["findings"] += 1
        want = meant[f"{repair.path}:{repair.line}:{repair.column}"]
        anchors = [c.rpartition("#")[2] for c in repair.candidates]
        if repair.applied:
            counts["applied"] += 1
            counts["right"] += anchors == [want]
        elif anchors:
            counts["listed"] += 1
            counts["listed_right"] += want in anchors
    return counts


def main() -> None:
    corpus = (
        Path(sys.argv[1])
        if len(sys.argv) > 1
        else HERE.parent.parent / "shared" / "corpora" / "rust-rfcs"
    )
    counts = evaluate(corpus)
    print(f"TG102 findings: {counts['findings']}")
    print(f"repaired: {counts['applied']}, right: {counts['right']}")
    print(f"listed with candidates: {counts['listed']}, the meant heading among them: "
          f"{counts['listed_right']}")  # fmt: skip


if __name__ == "__main__":
    main()
