"""The style table: phases, precedence, and the README legend that documents it."""

from __future__ import annotations

import re
from pathlib import Path

from tracegraph.cli.render import render
from tracegraph.config import DEFAULT_TYPES, TypeSpec
from tracegraph.model import Relation
from tracegraph.render.style import (
    EDGE_STYLES,
    PHASE_STYLES,
    Phase,
    legend_markdown,
    status_phase,
    strongest,
)

README = Path(__file__).resolve().parents[3] / "README.md"


def test_every_builtin_status_has_a_phase() -> None:
    for spec in DEFAULT_TYPES:
        for status in spec.statuses:
            assert status_phase(status, spec) is not Phase.NONE, (spec.name, status)


def test_custom_lifecycles_fall_back_on_position() -> None:
    kep = TypeSpec("KEP", lifecycle=("idea", "agreed-on", "live"), terminal=("dropped",))
    assert [status_phase(s, kep) for s in ("idea", "agreed-on", "live", "dropped", "odd")] == [
        Phase.EARLY,
        Phase.ACTIVE,
        Phase.DONE,
        Phase.RETIRED,
        Phase.NONE,
    ]


def test_strongest_relation_and_plain_references_have_no_label() -> None:
    assert strongest(frozenset({"mentions", "depends_on"})) is Relation.DEPENDS_ON
    assert [r for r, s in EDGE_STYLES.items() if not s.label] == [Relation.REFERENCES]


def test_colours_are_six_digit_hex() -> None:
    text = legend_markdown()
    assert all(len(c) == 7 for c in re.findall(r"#[0-9a-fA-F]+", text))
    assert all(len(s.fill) == 7 for s in PHASE_STYLES.values())


def test_readme_carries_the_legend_and_every_render_option() -> None:
    readme = README.read_text(encoding="utf-8")
    assert legend_markdown() in readme
    for param in render.params:
        for opt in getattr(param, "opts", []):
            if opt.startswith("--"):
                assert f"`{opt}" in readme or f"/{opt}" in readme, opt
