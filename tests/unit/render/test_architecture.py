"""The architecture view's model and renderers (issue 20): pure, deterministic, escaped."""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.arch_repo import Part, tdd
from tests.helpers import make_tree
from tests.unit.render.hostile import HOSTILE
from tracegraph.api import scan
from tracegraph.architecture import Entity
from tracegraph.render.architecture import (
    KIND_STYLES,
    STATE_STYLES,
    build_architecture_map,
    label_lines,
    legend_entries,
    render_architecture_dot,
    render_architecture_mermaid,
)
from tracegraph.render.graphviz import render_graphviz

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz dot not installed")
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def hostile_repo(tmp_path: Path) -> Path:
    line = " ".join(HOSTILE.split())
    return make_tree(
        tmp_path / "h",
        {
            "docs/tdd/TDD-0001-x.md": tdd(
                "Hostile",  # a title with [z] in it would be a template not filled in
                components=[Part(line, line, line, f"{line}, Kafka")],
                endpoints=['POST /v1/a&b="c"\\d'],
                tables=["orders"],
            ),
        },
    )


@needs_dot
@pytest.mark.graphviz
def test_hostile_names_give_valid_svg_with_the_text_shown(hostile_repo: Path) -> None:
    model = build_architecture_map(scan(hostile_repo), output_dir=hostile_repo)
    svg = render_graphviz(render_architecture_dot(model), "svg", "dot")
    root = ET.fromstring(svg)
    texts = " ".join(t.text or "" for t in root.iter(f"{SVG}text"))
    # inline HTML in a heading is markup on GitHub: its text stays, the tags go
    assert 'Say "hi" bold \\ back\\ {x|y} [z]' in texts
    assert 'POST /v1/a&b="c"\\d' in texts
    assert not list(root.iter(f"{SVG}script")) and not list(root.iter(f"{SVG}b"))


def test_the_same_corpus_gives_the_same_bytes(hostile_repo: Path) -> None:
    first = scan(hostile_repo)
    second = scan(hostile_repo)
    for render in (render_architecture_dot, render_architecture_mermaid):
        a = render(build_architecture_map(first, output_dir=hostile_repo))
        b = render(build_architecture_map(second, output_dir=hostile_repo))
        assert a == b


def test_labels_say_name_technology_and_responsibility() -> None:
    component = Entity(
        "component:order api", "component", "Order API", "built", (),
        "Go 1.22 and gRPC; deployed on Kubernetes", "Takes orders and hands them to billing.",
    )  # fmt: skip
    assert label_lines(component) == (
        "Order API",
        "[Go 1.22 and gRPC]",
        "Takes orders and hands them to",
        "billing.",
    )
    table = Entity("table:orders", "table", "orders", "planned", ())
    assert label_lines(table) == ("orders", "[table]")
    put = "PUT /v1/recipients/{recipient_id}/preferences"
    endpoint = Entity("endpoint:x", "endpoint", put, "built", ())
    assert label_lines(endpoint) == ("PUT /v1/recipients/{recipient_id}/", "preferences")


def test_legend_lists_only_what_the_map_uses(tmp_path: Path) -> None:
    root = make_tree(
        tmp_path / "r",
        {
            "docs/tdd/TDD-0001-x.md": tdd(
                "X", "Implemented", components=[Part("A", dependencies="Kafka")]
            )
        },
    )
    model = build_architecture_map(scan(root))
    words = [entry.text for entry in legend_entries(model)]
    assert words == [
        "rounded box",
        "grey box",
        "built: implemented",
        "external: described by no document",
        "depends on",
        "designed in",
    ]
    assert set(KIND_STYLES) == {"component", "endpoint", "table", "external"}
    assert set(STATE_STYLES) == {"proposed", "planned", "built", "retired", "external"}


def test_a_focused_entity_is_marked_and_kept_through_filters(tmp_path: Path) -> None:
    root = make_tree(
        tmp_path / "r",
        {
            "docs/tdd/TDD-0001-x.md": tdd(
                "X", components=[Part("A", dependencies="Kafka, B service")]
            )
        },
    )
    corpus = scan(root)
    model = build_architecture_map(corpus, focus="external:Kafka", kinds=("component",))
    assert [(n.name, n.focus) for n in model.nodes] == [("A", False), ("Kafka", True)]
    assert model.title == "Architecture around external:Kafka: 1 component, 1 external"
    down = build_architecture_map(corpus, focus="component:A", direction="down")
    assert [n.name for n in down.nodes] == ["A"]
