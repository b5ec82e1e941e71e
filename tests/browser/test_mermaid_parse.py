"""Mermaid output validated by Mermaid itself: ``mermaid.parse()`` and ``mermaid.render()`` in
headless Chromium (Debian's /usr/bin/chromium driven by playwright; never ``playwright install``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.mermaid_js import MermaidUnavailable, fetch_mermaid_js
from tests.conftest import SAMPLE_REPO
from tests.unit.render.hostile import hostile_model
from tests.unit.render.map_repo import make_map_repo
from tracegraph.api import scan
from tracegraph.render import build_map, render_mermaid

pytestmark = pytest.mark.browser
CHECK = """async (text) => {
  try {
    await mermaid.parse(text);
    const { svg } = await mermaid.render('m' + Math.random().toString(36).slice(2), text);
    return { ok: true, svg };
  } catch (error) {
    return { ok: false, error: String((error && error.message) || error) };
  }
}"""


@pytest.fixture(scope="module")
def mermaid_page(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, browser: Any
) -> Iterator[Any]:
    # pytest's cache folder keeps the file between runs; without it, this session's tmp
    cache = getattr(request.config, "cache", None)
    folder = Path(cache.mkdir("tracegraph-mermaid")) if cache else tmp_path_factory.mktemp("mm")
    try:
        script = fetch_mermaid_js(folder)
    except MermaidUnavailable as exc:
        pytest.skip(str(exc))
    page = browser.new_page()
    page.set_content("<!doctype html><html><body></body></html>")
    page.add_script_tag(path=str(script))
    page.evaluate("() => mermaid.initialize({ startOnLoad: false, securityLevel: 'strict' })")
    yield page
    page.close()


def check(page: Any, text: str) -> str:
    """Parse and render ``text``; return the SVG or fail with Mermaid's own message."""
    result = page.evaluate(CHECK, text)
    assert result["ok"], f"{result['error']}\n---\n{text}"
    return str(result["svg"])


def test_small_repository_parses_and_renders(mermaid_page: Any, tmp_path: Path) -> None:
    corpus = scan(make_map_repo(tmp_path / "repo"))
    svg = check(mermaid_page, render_mermaid(build_map(corpus, focus="RFC-0001")))
    assert "Payments API" in svg and "unknown ID" in svg


def test_click_lines_parse(mermaid_page: Any, tmp_path: Path) -> None:
    corpus = scan(make_map_repo(tmp_path / "repo"))
    text = render_mermaid(build_map(corpus, link_base="https://git.example/r/blob/main/"))
    assert "click " in text
    check(mermaid_page, text)


def test_hostile_labels_parse_and_show_their_text(mermaid_page: Any) -> None:
    svg = check(mermaid_page, render_mermaid(hostile_model()))
    assert (
        'Say "hi" &lt;b&gt;bold&lt;/b&gt; \u29f5<br>back\u29f5 {x|y} [z] &amp;amp; &amp;#1;' in svg
    )
    assert "#quot; end" in svg and "Unsupported markdown" not in svg
    assert "<b>" not in svg


@pytest.mark.skipif(not SAMPLE_REPO.is_dir(), reason="sample_repo not present")
def test_sample_repo_golden_parses(mermaid_page: Any) -> None:
    golden = Path(__file__).resolve().parent.parent / "golden" / "render" / "sample_repo.mmd"
    check(mermaid_page, golden.read_text(encoding="utf-8"))


@pytest.mark.skipif(not SAMPLE_REPO.is_dir(), reason="sample_repo not present")
def test_architecture_golden_parses_and_shows_components(mermaid_page: Any) -> None:
    golden = Path(__file__).resolve().parent.parent / "golden" / "architecture" / "sample_repo.mmd"
    svg = check(mermaid_page, golden.read_text(encoding="utf-8"))
    assert "Tracking API" in svg and "tracking_events" in svg and "TDD-0001" in svg


def test_hostile_architecture_labels_parse(mermaid_page: Any, tmp_path: Path) -> None:
    from tests.arch_repo import Part, tdd
    from tests.helpers import make_tree
    from tracegraph.render.architecture import build_architecture_map, render_architecture_mermaid

    hostile = 'Say "hi" <b>x</b> end `a` \\ #1 {x|y}'
    root = make_tree(
        tmp_path / "h",
        {
            "docs/tdd/TDD-0001-x.md": tdd(
                hostile, components=[Part(hostile, hostile, dependencies=hostile)]
            )
        },
    )
    text = render_architecture_mermaid(
        build_architecture_map(scan(root), link_base="https://git.example/r/blob/main/")
    )
    svg = check(mermaid_page, text)
    assert "<b>" not in svg and "click " in text
