"""The formats: stable JSON keys, escaped Markdown, escaped and self-contained HTML."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from pathlib import Path

from tracegraph.api import check, scan
from tracegraph.model import Finding, Severity, SuspectDetails
from tracegraph.report.html import clean_svg, render_html, script_json
from tracegraph.report.json import render_json
from tracegraph.report.links import LinkContext, check_link_base, is_safe_href
from tracegraph.report.markdown import md, render_markdown
from tracegraph.report.model import PreviousRun, build_report
from tracegraph.report.trend import trend_svg

Tree = Callable[[Mapping[str, str]], Path]
HOSTILE = '<img src=x onerror="window.__pwned=1"> </script> *bold* [x](javascript:y) @team'


SVG = "http://www.w3.org/2000/svg"


def _hostile_report(tree: Tree):  # type: ignore[no-untyped-def]
    root = tree(
        {
            "docs/adr/0001-x.md": f"---\ntitle: '{HOSTILE}'\n---\n# ADR-0001\n\nSee ADR-0099.\n",
            "docs/prd/PRD-0001-y.md": "# PRD-0001: Y\n",
        }
    )
    corpus = scan(root)
    findings = check(corpus)
    extra = Finding("docs/adr/0001-x.md", 2, 1, "TG402", Severity.WARNING, "placeholder", HOSTILE)
    details = SuspectDetails(
        HOSTILE, "docs/prd/PRD-0001-y.md", "a" * 40, "2026-01-01", "edit",
        (("b" * 40, "2026-01-02", "docs/prd/PRD-0001-y.md"),), (f"title x -> {HOSTILE}",),
    )  # fmt: skip
    suspect = Finding(
        "docs/adr/0001-x.md", 3, 5, "TG503", Severity.WARNING, "suspect-link",
        f"rests on {HOSTILE}", HOSTILE, "ADR-0001", details,
    )  # fmt: skip
    previous = PreviousRun("2026-01-01T00:00:00Z", None, 50.0, (), ("gone.md",))
    report = build_report(
        corpus,
        [*findings, extra, suspect],
        generated_at="2026-02-01T00:00:00Z",
        previous=previous,
        map_svg=f'<svg xmlns="{SVG}"><g id="node-adr-0001" class="node"/></svg>',
        map_slugs={"docs/adr/0001-x.md": "node-adr-0001"},
    )
    return root, report


def test_json_keys_are_stable(tree: Tree) -> None:
    root, report = _hostile_report(tree)
    data = json.loads(render_json(report, LinkContext(root, root)))
    assert list(data) == [
        "version",
        "generator",
        "root",
        "generated_at",
        "today",
        "commit",
        "score",
        "figures",
        "changes",
        "coverage",
        "uncovered_prds",
        "longest_chains",
        "hot_spots",
        "islands",
        "suspect",
        "findings",
        "by_rule",
        "by_document",
        "documents",
        "trend",
        "notes",
        "architecture",
    ]
    assert data["version"] == 1
    assert set(data["score"]) == {"value", "formula", "previous", "delta"}
    assert set(data["findings"][0]) >= {
        "code",
        "rule",
        "severity",
        "path",
        "line",
        "column",
        "message",
        "href",
    }
    assert data["changes"]["removed_documents"] == ["gone.md"]
    assert render_json(report) == render_json(report)  # deterministic


def test_markdown_escapes_document_text(tree: Tree) -> None:
    root, report = _hostile_report(tree)
    text = render_markdown(report, LinkContext(root, root))
    assert "<img" not in text and "</script>" not in text
    assert '&lt;img src=x onerror="window.\\_\\_pwned=1"&gt;' in text
    assert "\\@team" in text and "\\*bold\\*" in text
    assert "[x](javascript:" not in text and "\\[x\\](javascript:y)" in text
    assert "<details" in text
    assert md("a|b") == "a\\|b"
    assert "### Suspect links" in text and "<summary>Suspect links (1)</summary>" in text


def test_html_escapes_everything_from_documents(tree: Tree) -> None:
    root, report = _hostile_report(tree)
    page = render_html(report, LinkContext(root, root / "out"))
    assert "<img" not in page
    assert 'href="javascript:' not in page.lower()
    assert "&lt;img src=x onerror=&#34;window.__pwned=1&#34;&gt;" in page
    data = re.search(r'<script type="application/json" id="tg-data">(.*?)</script>', page, re.S)
    assert data is not None
    assert "<" not in data.group(1)
    assert json.loads(data.group(1))["nodes"]["docs/adr/0001-x.md"]["title"] == HOSTILE
    assert page.count("<script") == 2  # the data block and the page's own script
    assert "http://" not in page.replace("http://www.w3.org", "")  # no network, no CDN
    assert "Content-Security-Policy" in page
    assert "../docs/adr/0001-x.md" in page  # relative link from the report's folder
    assert 'id="suspect-table"' in page and ">ADR-0001:3</a>" in page


def test_script_json_cannot_close_the_script_element() -> None:
    text = script_json({"title": "</script><script>alert(1)</script>&"})
    assert "</script>" not in text and "<" not in text and "&" not in text
    assert json.loads(text)["title"] == "</script><script>alert(1)</script>&"


def test_links_never_become_scripts(tmp_path: Path) -> None:
    links = LinkContext(tmp_path, tmp_path)
    assert links.href("javascript:alert(1).md") == "javascript%3Aalert%281%29.md"
    assert is_safe_href(links.href("javascript:alert(1).md"))
    assert not is_safe_href(" JaVaScRiPt:alert(1)")
    assert not is_safe_href("data:text/html,x")
    base = LinkContext(tmp_path, tmp_path, check_link_base("https://github.com/o/r/blob/main/"))
    assert base.href("docs/a b.md", 12) == "https://github.com/o/r/blob/main/docs/a%20b.md#L12"
    for bad in ("javascript:alert(1)", "ftp://x", "github.com/o/r"):
        try:
            check_link_base(bad)
        except Exception as exc:  # UsageError
            assert "--link-base" in str(exc)
        else:
            raise AssertionError(bad)


def test_clean_svg_drops_scripts_handlers_and_bad_links() -> None:
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        'width="10pt" height="10pt" viewBox="0 0 10 10"><script>alert(1)</script>'
        '<g id="n" onclick="alert(2)"><a xlink:href="javascript:alert(3)"><text>t</text></a>'
        '<a xlink:href="docs/a.md"><text>u</text></a></g></svg>'
    )
    cleaned = clean_svg(svg)
    assert "script" not in cleaned and "onclick" not in cleaned and "javascript" not in cleaned
    assert 'xlink:href="docs/a.md"' in cleaned
    assert 'width="10pt"' not in cleaned and "viewBox" in cleaned


def test_trend_svg_escapes_labels() -> None:
    from tracegraph.report.model import TrendPoint

    svg = trend_svg(
        [TrendPoint("<b>", "</svg>", 50.0, 1, 2, 3), TrendPoint("2026-01-02", None, 60.0, 0, 0, 0)]
    )
    assert "<b>" not in svg and "</svg>" not in svg[:-6]
    assert svg.count('class="point"') == 2
    assert trend_svg([]) == ""


def test_large_repositories_keep_the_page_small(tree: Tree) -> None:
    files = {"prd/PRD-0001-p.md": "# P\n"}
    files |= {f"rfc/RFC-{i:04d}-r.md": "---\nimplements: [PRD-1]\n---\n# R\n" for i in range(1, 51)}
    root = tree(files)
    corpus = scan(root)
    report = build_report(corpus, check(corpus), generated_at="2026-02-01T00:00:00Z")
    page = render_html(report, LinkContext(root, root))
    assert "… 10 more (RFC 50)" in page
    data = re.search(r'<script type="application/json" id="tg-data">(.*?)</script>', page, re.S)
    assert data is not None and json.loads(data.group(1)) == {"nodes": {}, "edges": []}
