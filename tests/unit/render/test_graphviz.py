"""The Graphviz adapter: engine choice, size guard, missing executable, errors."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tracegraph.errors import RenderError
from tracegraph.render.graphviz import (
    READABLE_NODES,
    check_size,
    choose_engine,
    readability_warning,
    render_graphviz,
    run_graphviz,
    summarise_warnings,
)

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz dot not installed")


def test_auto_engine_switches_to_sfdp_above_the_threshold() -> None:
    assert choose_engine("auto", 400, 400) == "dot"
    assert choose_engine("auto", 401, 400) == "sfdp"
    assert choose_engine("dot", 5000, 400) == "dot"
    with pytest.raises(RenderError):
        choose_engine("neato", 1, 400)


def test_size_guard_applies_only_without_focus() -> None:
    check_size(1500, 1500, focused=False)
    check_size(5000, 1500, focused=True)
    with pytest.raises(RenderError, match="--focus"):
        check_size(1501, 1500, focused=False)


def test_missing_dot_says_how_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(RenderError) as caught:
        render_graphviz("digraph { a }", "svg")
    message = str(caught.value)
    assert "apt-get install graphviz" in message and "brew install graphviz" in message
    assert "--format dot" in message and "--format mermaid" in message
    assert "\n" not in message


@needs_dot
@pytest.mark.graphviz
def test_renders_svg_png_and_pdf() -> None:
    assert render_graphviz("digraph { a -> b }", "svg").lstrip().startswith(b"<?xml")
    assert render_graphviz("digraph { a -> b }", "png").startswith(b"\x89PNG")
    assert render_graphviz("digraph { a -> b }", "pdf").startswith(b"%PDF")
    assert b"<svg" in render_graphviz("digraph { a -> b }", "svg", "sfdp")


@needs_dot
@pytest.mark.graphviz
def test_invalid_dot_is_a_render_error() -> None:
    with pytest.raises(RenderError, match="Graphviz 'dot' failed"):
        render_graphviz("digraph { a -> }", "svg")


@needs_dot
@pytest.mark.graphviz
def test_graphviz_warnings_are_captured_not_printed(capfd: pytest.CaptureFixture[str]) -> None:
    drawing = run_graphviz('digraph { a [shape=nosuchshape]; a -> b [color="nosuch"] }', "svg")
    assert drawing.data.lstrip().startswith(b"<?xml")
    assert drawing.warnings and capfd.readouterr().err == ""
    summary = summarise_warnings(drawing.warnings)
    assert summary is not None and summary.startswith("Graphviz printed 2 warnings, the first:")
    assert "\n" not in summary


def test_a_map_too_big_to_read_says_what_to_do() -> None:
    assert readability_warning(READABLE_NODES) is None
    message = readability_warning(READABLE_NODES + 1) or ""
    assert "--focus" in message and "--type" in message and "--cluster folder" in message
