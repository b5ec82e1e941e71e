"""The HTML report driven in headless Chromium: filter, sort, map chain, no errors, no XSS."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tests.conftest import SAMPLE_REPO
from tracegraph.cli import cli

pytestmark = [pytest.mark.browser, pytest.mark.graphviz]

HOSTILE = '<img src=x onerror="window.__pwned=1">'


def _report(root: Path, out: Path, *extra: str) -> Path:
    result = CliRunner().invoke(
        cli, ["report", str(root), "-o", str(out), "--no-history", "--today", "2026-11-28", *extra]
    )
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def sample_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _report(SAMPLE_REPO, tmp_path_factory.mktemp("report") / "report.html")


@pytest.fixture
def page(browser: Any) -> Iterator[tuple[Any, list[str]]]:
    """A fresh page that collects console errors and uncaught exceptions."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    errors: list[str] = []
    tab.on("console", lambda m: errors.append(m.text) if m.type in ("error", "warning") else None)
    tab.on("pageerror", lambda e: errors.append(str(e)))
    yield tab, errors
    context.close()


def test_filter_box_filters_the_findings(page: tuple[Any, list[str]], sample_report: Path) -> None:
    tab, errors = page
    tab.goto(sample_report.as_uri())
    rows = tab.locator("#findings-table tbody tr")
    total = rows.count()
    assert total >= 10
    tab.fill("#finding-filter", "TG402")
    visible = tab.locator("#findings-table tbody tr:not([hidden])")
    assert visible.count() == 3
    assert all("TG402" in text for text in visible.all_inner_texts())
    assert tab.inner_text("#finding-count") == f"3 of {total}"
    tab.fill("#finding-filter", "no-such-finding-anywhere")
    assert visible.count() == 0
    assert tab.is_visible("#no-match")
    tab.fill("#finding-filter", "")
    assert visible.count() == total
    assert errors == []


def test_headers_sort_the_table(page: tuple[Any, list[str]], sample_report: Path) -> None:
    tab, errors = page
    tab.goto(sample_report.as_uri())
    header = tab.locator("#findings-table thead th", has_text="Line")
    header.click()
    lines = [int(t) for t in tab.locator("#findings-table tbody td:nth-child(5)").all_inner_texts()]
    assert lines == sorted(lines)
    assert header.get_attribute("aria-sort") == "ascending"
    header.click()
    lines = [int(t) for t in tab.locator("#findings-table tbody td:nth-child(5)").all_inner_texts()]
    assert lines == sorted(lines, reverse=True)
    assert errors == []


def test_clicking_a_map_node_highlights_its_chain(
    page: tuple[Any, list[str]], sample_report: Path
) -> None:
    tab, errors = page
    tab.goto(sample_report.as_uri())
    tab.locator("#node-rfc-0002").click()
    assert (
        tab.get_attribute("#map-card", "data-selected") == "docs/rfc/RFC-0002-webhook-delivery.md"
    )
    assert "RFC-0002" in tab.inner_text("#map-card")
    # upstream: RFC-0002 implements PRD-0002, which rests on PRD-0001
    for upstream in ("#node-prd-0002", "#node-prd-0001"):
        assert "sel-up" in (tab.get_attribute(upstream, "class") or "")
    # downstream: TDD-0002 implements RFC-0002
    assert "sel-down" in (tab.get_attribute("#node-tdd-0002", "class") or "")
    # unrelated documents are not highlighted
    assert "sel-" not in (tab.get_attribute("#node-adr-0006", "class") or "")
    assert tab.locator("g.edge.sel-up").count() >= 2
    assert tab.url == sample_report.as_uri()  # the click selected; it did not navigate
    tab.keyboard.press("Escape")
    assert tab.locator("svg.has-selection").count() == 0
    assert errors == []


def test_hostile_title_does_not_run(
    page: tuple[Any, list[str]],
    tree: Callable[[Mapping[str, str]], Path],
    tmp_path: Path,
) -> None:
    root = tree(
        {
            "docs/adr/0001-x.md": f"""
                ---
                title: '{HOSTILE}'
                ---
                # {HOSTILE}

                ## Status

                Accepted

                ## Context

                Links to [a bad one](javascript:alert(1)) and
                [[</script><script>window.__pwned=2</script>]].
                See ADR-0002.
            """,
            "docs/adr/0002-y.md": """
                ---
                title: "</script><script>window.__pwned=3</script>"
                ---
                # ADR-0002: "</script><svg onload=window.__pwned=4>"

                ## Status

                Accepted
            """,
        }
    )
    out = _report(root, tmp_path / "out" / "report.html")
    tab, errors = page
    tab.goto(out.as_uri())
    tab.locator("g.node").first.click()
    tab.fill("#finding-filter", "x")
    assert tab.evaluate("typeof window.__pwned") == "undefined"
    assert tab.locator("img").count() == 0
    assert HOSTILE in tab.inner_text("body")  # shown as text
    hrefs = tab.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
    assert not [h for h in hrefs if h.lower().startswith(("javascript:", "data:"))]
    assert errors == []


def _open_map(tab: Any, report: Path) -> None:
    tab.goto(report.as_uri())
    tab.locator("#map-canvas").scroll_into_view_if_needed()


def _view(tab: Any) -> list[float]:
    return [float(v) for v in (tab.get_attribute("#map-canvas svg", "viewBox") or "").split()]


def _zoom_until(tab: Any, holds: Callable[[float], bool]) -> float:
    """The map's zoom once ``holds`` is true of it (wheel events arrive asynchronously; the
    report's CSP forbids the eval that ``wait_for_function`` needs)."""
    zoom = 0.0
    for _ in range(100):
        zoom = float(tab.get_attribute("#map-canvas", "data-zoom") or 0)
        if holds(zoom):
            return zoom
        tab.wait_for_timeout(20)
    raise AssertionError(f"zoom stayed at {zoom}")


def _centre(tab: Any, selector: str) -> tuple[float, float]:
    box = tab.locator(selector).bounding_box()
    assert box is not None
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def test_the_map_zooms_with_the_wheel_around_the_pointer(
    page: tuple[Any, list[str]], sample_report: Path
) -> None:
    tab, errors = page
    _open_map(tab, sample_report)
    home = _view(tab)
    x, y = _centre(tab, "#node-rfc-0002")
    tab.mouse.move(x, y)
    tab.mouse.wheel(0, -400)
    _zoom_until(tab, lambda zoom: zoom > 1.5)
    zoomed = _view(tab)
    assert zoomed[2] < home[2] / 1.5
    after = _centre(tab, "#node-rfc-0002")  # the point under the pointer stays put
    assert abs(after[0] - x) < 3 and abs(after[1] - y) < 3
    tab.mouse.wheel(0, 400)
    _zoom_until(tab, lambda zoom: zoom < 1.01)
    assert errors == []


def test_the_map_pans_with_a_drag_that_does_not_select(
    page: tuple[Any, list[str]], sample_report: Path
) -> None:
    tab, errors = page
    _open_map(tab, sample_report)
    tab.click("#map-zoom-in")
    tab.click("#map-zoom-in")
    before = _view(tab)
    x, y = _centre(tab, "#node-rfc-0002")  # start the drag on a document
    tab.mouse.move(x, y)
    tab.mouse.down()
    tab.mouse.move(x + 60, y + 30, steps=6)
    tab.mouse.move(x + 120, y + 60, steps=6)
    tab.mouse.up()
    after = _view(tab)
    assert after[0] < before[0] and after[1] < before[1]  # dragged right and down
    assert after[2:] == before[2:]
    assert tab.get_attribute("#map-card", "data-selected") is None  # a drag is not a click
    assert errors == []


def test_buttons_and_keys_zoom_pan_and_fit(
    page: tuple[Any, list[str]], sample_report: Path
) -> None:
    tab, errors = page
    _open_map(tab, sample_report)
    home = _view(tab)
    tab.click("#map-zoom-in")
    assert tab.get_attribute("#map-canvas", "data-zoom") == "1.250"
    assert tab.inner_text("#map-zoom-level") == "125%"
    tab.click("#map-zoom-out")
    assert tab.get_attribute("#map-canvas", "data-zoom") == "1.000"
    tab.focus("#map-canvas")
    tab.keyboard.press("+")
    tab.keyboard.press("+")
    zoomed = _view(tab)
    tab.keyboard.press("ArrowRight")
    assert _view(tab)[0] > zoomed[0]
    tab.keyboard.press("0")
    assert _view(tab) == home
    tab.click("#map-zoom-in")
    tab.click("#map-fit")
    assert _view(tab) == home
    assert errors == []


def test_a_click_still_highlights_the_chain_after_zooming(
    page: tuple[Any, list[str]], sample_report: Path
) -> None:
    tab, errors = page
    _open_map(tab, sample_report)
    x, y = _centre(tab, "#node-rfc-0002")
    tab.mouse.move(x, y)
    tab.mouse.wheel(0, -600)
    _zoom_until(tab, lambda zoom: zoom > 2)
    tab.mouse.click(*_centre(tab, "#node-rfc-0002"))
    assert (
        tab.get_attribute("#map-card", "data-selected") == "docs/rfc/RFC-0002-webhook-delivery.md"
    )
    assert "sel-up" in (tab.get_attribute("#node-prd-0002", "class") or "")
    assert "sel-down" in (tab.get_attribute("#node-tdd-0002", "class") or "")
    assert tab.locator("g.edge.sel-up").count() >= 1
    assert errors == []


def test_the_architecture_section_shows_the_map_and_sorts(
    page: tuple[Any, list[str]], sample_report: Path
) -> None:
    tab, errors = page
    tab.goto(sample_report.as_uri() + "#architecture")
    section = tab.locator("#architecture")
    assert "8 components, 4 endpoints, 4 tables, 12 externals" in section.inner_text()
    nodes = tab.locator("#architecture svg.arch-svg g.node")
    assert nodes.count() == 28
    box = tab.locator("#architecture .arch-canvas").bounding_box()
    assert box is not None and box["height"] > 300
    first = tab.locator("#components-table tbody tr").first
    assert first.inner_text().startswith("Dispatcher")
    tab.click("#components-table thead th:nth-child(3)")  # sort by state
    assert tab.locator("#components-table tbody tr").first.inner_text().split("\t")[2] in (
        "built",
        "proposed",
    )
    link = tab.locator("#architecture svg g.node a").first.get_attribute("xlink:href") or ""
    assert link.endswith(".md") and not link.startswith("javascript")
    assert errors == []


def test_hostile_design_names_do_not_run(page: tuple[Any, list[str]], tmp_path: Path) -> None:
    from tests.conftest import PROJECT

    corpus = PROJECT / "tests" / "fixtures" / "hostile" / "corpus"
    root = tmp_path / "repo" / "docs" / "tdd"
    root.mkdir(parents=True)
    design = corpus / "TDD-0666-hostile-design.md"
    (root / design.name).write_text(design.read_text(encoding="utf-8"), encoding="utf-8")
    (root / "TDD-0667-x.md").write_text(
        f"# TDD-0667: {HOSTILE}\n\n**Status:** Draft\n\n## System Architecture\n\n"
        f"#### Component 1: Shop\n**Technology:** {HOSTILE}\n**Dependencies:** {HOSTILE}\n",
        encoding="utf-8",
    )
    out = _report(tmp_path / "repo", tmp_path / "out" / "report.html")
    tab, errors = page
    tab.goto(out.as_uri() + "#architecture")
    assert tab.locator("#architecture svg.arch-svg g.node").count() >= 10
    tab.click("#architecture details summary")
    assert tab.evaluate("typeof window.__pwned") == "undefined"
    assert tab.locator("img").count() == 0 and tab.locator("#architecture script").count() == 0
    assert '"API"' in tab.inner_text("#architecture")
    hrefs = tab.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
    assert not [h for h in hrefs if h.lower().startswith(("javascript:", "data:"))]
    assert errors == []
