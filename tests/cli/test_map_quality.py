"""Issue 18's acceptance, measured on the rendered SVG (bench/map_quality.py): sample_repo's
default map has at most 40 edge crossings; every real corpus map has an aspect ratio of at
most 2.5 and a legend of at most 5% of the picture."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bench.map_quality import REFERENCE_MAPS, measure_svg, render_reference_map
from tests.conftest import SAMPLE_REPO

pytestmark = [
    pytest.mark.graphviz,
    pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz dot not installed"),
]
CORPORA = [(name, path) for name, path in REFERENCE_MAPS if path != SAMPLE_REPO]


@pytest.mark.skipif(not SAMPLE_REPO.is_dir(), reason="sample_repo not present")
def test_sample_repo_map_has_few_crossings() -> None:
    quality = measure_svg(render_reference_map(SAMPLE_REPO))
    assert quality.crossings <= 40, quality
    assert quality.aspect <= 2.5 and 0 < quality.legend_share <= 0.05, quality


@pytest.mark.parametrize(("name", "path"), CORPORA, ids=[name for name, _ in CORPORA])
def test_corpus_map_is_not_a_strip_and_has_a_small_legend(name: str, path: Path) -> None:
    if not path.is_dir():
        pytest.skip(f"{path} is not there")
    quality = measure_svg(render_reference_map(path))
    assert quality.aspect <= 2.5, quality
    assert 0 < quality.legend_share <= 0.05, quality


def test_the_measure_counts_crossings_edges_and_the_legend() -> None:
    svg = """<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 50">
      <g transform="translate(0 50)">
        <g class="node"><title>a</title><polygon points="0,0 10,0 10,-10 0,-10"/></g>
        <g class="edge"><title>a->b</title><path d="M0,-25C30,-25 70,-25 100,-25"/></g>
        <g class="edge"><title>c->d</title><path d="M50,0C50,-20 50,-30 50,-50"/></g>
        <g class="edge"><title>a->e</title><path d="M5,-5C5,-5 5,-40 5,-40"/></g>
        <g id="a_legend"><polygon points="60,-40 80,-40 80,-45 60,-45"/></g>
      </g></svg>"""
    quality = measure_svg(svg)
    assert quality.edges == 3
    assert quality.crossings == 2  # a->b crosses c->d and a->e (which shares a, but not there)
    assert quality.aspect == 2.0
    assert quality.legend_share == pytest.approx(100 / 5000)
