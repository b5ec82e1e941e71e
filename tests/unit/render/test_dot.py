"""DOT output: escaping, attributes for the interactive SVG, legend, determinism, real dot."""

from __future__ import annotations

import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.unit.render.hostile import HOSTILE, hostile_model
from tests.unit.render.map_repo import make_map_repo
from tracegraph.api import scan
from tracegraph.graph import Corpus
from tracegraph.render import build_map, render_dot, render_graphviz
from tracegraph.render.dot import quote

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz dot not installed")
SVG = "{http://www.w3.org/2000/svg}"
XLINK = "{http://www.w3.org/1999/xlink}"


@pytest.fixture
def corpus(tmp_path: Path) -> Corpus:
    return scan(make_map_repo(tmp_path / "repo"))


def test_quote_escapes_quotes_backslashes_entities_and_control_characters() -> None:
    assert quote('a "b"') == '"a \\"b\\""'
    assert quote("back\\") == '"back\\\\"'
    assert quote("x & y &#1;") == '"x &amp; y &amp;#1;"'
    assert quote("line\nbreak\x00") == '"line break "'
    assert quote("<b>{x|y}</b>") == '"<b>{x|y}</b>"'


def test_nodes_carry_id_class_tooltip_href_and_style(corpus: Corpus) -> None:
    text = render_dot(build_map(corpus, output_dir=corpus.root, error_paths=frozenset()))
    line = next(x for x in text.splitlines() if x.strip().startswith('"node-rfc-0001" ['))
    assert 'id="node-rfc-0001"' in line
    assert 'class="tg-node type-rfc phase-early"' in line
    assert 'href="docs/rfc/RFC-0001-payments-api.md"' in line
    assert 'tooltip="RFC-0001: Payments API (RFC, draft)"' in line
    assert 'label="RFC-0001\\nPayments API"' in line
    retired = next(x for x in text.splitlines() if '"node-adr-0001" [' in x)
    assert 'style="filled,rounded,dashed"' in retired and 'fillcolor="#d9d9d9"' in retired
    orphan = next(x for x in text.splitlines() if '"node-adr-0009" [' in x)
    assert "orphan" in orphan and 'color="#e67e00"' in orphan


def test_edges_have_stable_ids_and_labels_only_when_not_obvious(corpus: Corpus) -> None:
    text = render_dot(build_map(corpus))
    edges = [x.strip() for x in text.splitlines() if " -> " in x and 'id="edge-' in x]
    plain = next(e for e in edges if 'id="edge-adr-0001--rfc-0001"' in e)
    assert "label=" not in plain
    # an RFC implementing a PRD, an ADR superseding an ADR: the line style says it
    implements = next(e for e in edges if 'id="edge-rfc-0001--prd-0001"' in e)
    assert 'class="tg-edge rel-implements"' in implements and "label=" not in implements
    supersedes = next(e for e in edges if 'id="edge-adr-0002--adr-0001"' in e)
    assert "label=" not in supersedes
    # a TDD depending on an ADR is not the obvious relation between the two: labelled
    depends = next(e for e in edges if 'id="edge-tdd-0001--adr-0002"' in e)
    assert 'label="depends on"' in depends
    broken = next(e for e in edges if "ghost-docs-perf-missing-md" in e)
    assert 'color="#d62728"' in broken and "style=dashed" in broken


def test_type_bands_are_ranked_top_down_in_traceability_order(corpus: Corpus) -> None:
    text = render_dot(build_map(corpus))
    assert "rankdir=BT" in text
    assert "subgraph" not in text  # type bands are levels, not boxes that edges must go around
    levels = re.findall(r"\{ rank=same; (.*?) \}", text)
    chain = re.findall(r'^  "([^"]+)" -> "([^"]+)" \[style=invis, weight=0\];$', text, re.M)
    # follow the invisible chain from the bottom level to the top one
    below = {low: high for low, high in chain}
    start = next(low for low in below if low not in below.values())
    order = [start]
    while order[-1] in below:
        order.append(below[order[-1]])
    tops = [name.split("-")[1] for name in reversed(order)]
    assert tops[0] == "prd" and tops.index("rfc") < tops.index("adr") < tops.index("tdd")
    assert any("node-adr-0001" in level and "node-adr-0009" in level for level in levels)


def test_folder_clusters_are_boxes(corpus: Corpus) -> None:
    text = render_dot(build_map(corpus, cluster="folder"))
    assert 'subgraph "cluster_cluster-docs-adr"' in text


def test_legend_shows_only_what_the_map_uses(corpus: Corpus) -> None:
    text = render_dot(build_map(corpus))
    legend = re.search(r'<TABLE ID="legend".*?</TABLE>', text)
    assert legend is not None
    for word in ("hexagon", "superseded", "orphan", "missing target", "supersedes", "broken"):
        assert word in legend.group(0)
    assert "mentions<" not in legend.group(0)  # no mention is drawn on this map
    only_prd = build_map(corpus, types=["PRD"])
    small = re.search(r'<TABLE ID="legend".*?</TABLE>', render_dot(only_prd))
    assert small is not None and "rounded box" not in small.group(0)
    assert 'ID="legend"' not in render_dot(build_map(corpus), legend=False)


def test_colours_are_six_digit_hex_only(corpus: Corpus) -> None:
    text = render_dot(build_map(corpus, error_paths=frozenset(d.path for d in corpus.documents)))
    colours = re.findall(r'"(#[0-9a-fA-F]+)"', text)
    assert colours and all(len(c) == 7 for c in colours)


def test_implied_edges_are_left_out_and_named_in_the_tooltip(tree) -> None:  # type: ignore[no-untyped-def]
    root = tree(
        {
            "docs/prd/PRD-0001-a.md": "# A\n",
            "docs/rfc/RFC-0001-b.md": "---\nimplements: PRD-0001\n---\n# B\n",
            "docs/tdd/TDD-0001-c.md": "---\nimplements: [RFC-0001, PRD-0001]\n---\n# C\n",
        }
    )
    corpus = scan(root)
    text = render_dot(build_map(corpus))
    assert "edge-tdd-0001--prd-0001" not in text
    tdd = next(x for x in text.splitlines() if x.strip().startswith('"node-tdd-0001" ['))
    assert "also implements PRD-0001 (through RFC-0001)" in tdd
    assert "edge-tdd-0001--prd-0001" in render_dot(build_map(corpus, all_edges=True))


def test_same_graph_gives_the_same_bytes(corpus: Corpus) -> None:
    again = scan(corpus.root)
    assert render_dot(build_map(corpus)) == render_dot(build_map(again))


def test_hostile_text_stays_inside_quoted_strings() -> None:
    text = render_dot(hostile_model())
    for line in text.splitlines():
        # every double quote in a line is either escaped or pairs up
        unescaped = re.sub(r"\\.", "", line)
        assert unescaped.count('"') % 2 == 0, line
    assert "\t" not in text and "&#1;" not in text.replace("&amp;#1;", "")


@needs_dot
@pytest.mark.graphviz
def test_hostile_titles_render_with_dot_to_well_formed_svg() -> None:
    svg = render_graphviz(render_dot(hostile_model()), "svg", "dot")
    root = ET.fromstring(svg)
    texts = ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]
    assert any('Say "hi" <b>bold</b> \\ back\\' in t for t in texts), texts
    anchors = [a.get(f"{XLINK}title") for a in root.iter(f"{SVG}a")]
    assert any(a and "{x|y}" in a and "&amp;" in a for a in anchors)
    assert HOSTILE  # the fixture really holds the hostile characters


@needs_dot
@pytest.mark.graphviz
def test_hostile_repository_renders_with_dot(tree) -> None:  # type: ignore[no-untyped-def]
    root = tree(
        {
            "docs/adr/0001-x.md": '# ADR-1: "Quotes" <script>alert(1)</script> \\ {a|b} &#1;\n',
            'docs/we"ird <name>|{x}.md': "# Weird\n\n[ADR](adr/0001-x.md)\n",
        }
    )
    corpus = scan(root)
    svg = render_graphviz(render_dot(build_map(corpus, output_dir=root)), "svg", "dot")
    root_el = ET.fromstring(svg)
    hrefs = sorted(h for a in root_el.iter(f"{SVG}a") if (h := a.get(f"{XLINK}href")))
    assert hrefs == ["docs/adr/0001-x.md", "docs/we%22ird%20%3Cname%3E%7C%7Bx%7D.md"]
    assert b"<script>" not in svg


def test_very_long_text_is_cut_below_graphviz_string_limit() -> None:
    from tracegraph.render.dot import quote

    text = quote("&" * 100_000)
    assert len(text.encode()) < 16_384
    assert text.endswith('…"')
