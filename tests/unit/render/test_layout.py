"""The layout plan: type bands top down, resting-on depth inside a band, wrapped logs."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from tests.unit.render.map_repo import ADR1, ADR2, ORPHAN, PRD, RFC, TDD, make_map_repo
from tracegraph.api import scan
from tracegraph.render import build_map
from tracegraph.render.layout import plan_layout

Tree = Callable[[Mapping[str, str]], Path]


def test_bands_run_prd_rfc_adr_tdd_and_supersession_reads_old_to_new(tmp_path: Path) -> None:
    model = build_map(scan(make_map_repo(tmp_path / "repo")))
    level = plan_layout(model).levels
    assert level[PRD] < level[RFC] < level[ADR1] < level[TDD]
    assert level[ADR1] < level[ADR2]  # ADR-0002 supersedes ADR-0001: old above new
    assert level[ORPHAN] == level[ADR1]
    for edge in model.edges:  # every drawn edge between bands runs upward (rests on)
        if not edge.broken and edge.source != edge.target:
            assert level[edge.target] < level[edge.source] or {edge.source, edge.target} <= {
                ADR1,
                ADR2,
                ORPHAN,
            }


def test_a_log_of_one_type_becomes_a_grid_not_a_column(tree: Tree) -> None:
    files = {f"docs/adr/{n:04d}-decision-{n}.md": f"# {n}. Decision {n}\n" for n in range(1, 41)}
    model = build_map(scan(tree(files)))
    plan = plan_layout(model)
    rows = plan.level_members()
    assert 4 <= len(rows) <= 10, [len(r) for r in rows]
    assert all(len(row) <= plan.breadth for row in rows)
    assert rows[0][0].endswith("0001-decision-1.md")  # number order, row by row


def test_islands_are_packed_side_by_side(tree: Tree) -> None:
    files: dict[str, str] = {}
    for n in range(1, 31, 2):  # 15 pairs: each new record supersedes the one before
        files[f"docs/adr/{n:04d}-a.md"] = f"# {n}. A\n"
        files[f"docs/adr/{n + 1:04d}-b.md"] = f"---\nsupersedes: ADR-{n}\n---\n# {n + 1}. B\n"
    plan = plan_layout(build_map(scan(tree(files))))
    assert plan.depth < 15  # not 15 pairs stacked
    assert max(len(level) for level in plan.level_members()) > 2
