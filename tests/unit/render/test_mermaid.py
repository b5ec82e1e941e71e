"""Mermaid output: sanitised IDs, escaped labels, classes, determinism."""

from __future__ import annotations

import re
from pathlib import Path

from tests.unit.render.hostile import hostile_model
from tests.unit.render.map_repo import make_map_repo
from tracegraph.api import scan
from tracegraph.generated import MERMAID_COMMENT
from tracegraph.render import build_map, render_mermaid
from tracegraph.render.mermaid import escape_label, mermaid_id


def test_escape_label_writes_syntax_characters_as_entities() -> None:
    assert escape_label('"a" <b> & #c') == "#quot;a#quot; #lt;b#gt; #amp; #35;c"
    assert escape_label("one\ntwo") == "one two"
    # Mermaid reads labels as Markdown: no backslash escapes, no code spans
    assert escape_label("a\\ `d`") == "a\u29f5 \u02cbd\u02cb"


def test_ids_are_prefixed_and_safe() -> None:
    assert mermaid_id("node-adr-0007") == "n_adr_0007"
    assert mermaid_id("node-end") == "n_end"
    assert mermaid_id("ghost-docs-x-md") == "g_docs_x_md"


def test_flowchart_with_subgraphs_classes_and_labelled_edges(tmp_path: Path) -> None:
    corpus = scan(make_map_repo(tmp_path / "repo"))
    text = render_mermaid(
        build_map(corpus, error_paths=frozenset({"docs/rfc/RFC-0001-payments-api.md"}))
    )
    lines = text.splitlines()
    assert lines[:2] == [MERMAID_COMMENT, "flowchart LR"]
    assert [x.strip() for x in lines if x.strip().startswith("subgraph")] == [
        'subgraph c1["PRD"]',
        'subgraph c2["RFC"]',
        'subgraph c3["ADR"]',
        'subgraph c4["TDD"]',
        'subgraph c5["DOC"]',
    ]
    assert '    n_prd_0001{{"PRD-0001<br/>Checkout"}}' in lines
    assert "  n_rfc_0001 ==> n_prd_0001" in lines  # the obvious relation: no label
    assert '  n_tdd_0001 -->|"depends on"| n_adr_0002' in lines
    assert "  n_adr_0001 --> n_rfc_0001" in lines  # plain reference: no label
    assert "  n_rfc_0001 -.-> g_docs_perf_missing_md" in lines
    assert "  class n_adr_0001 phase_retired" in lines
    assert "  class n_adr_0009 orphan" in lines
    assert "  class n_rfc_0001 error" in lines
    assert "  class g_docs_perf_missing_md,g_adr_0042 missing" in lines
    assert not any(x.strip().startswith("click") for x in lines)  # relative links: no clicks
    assert all(len(c) == 7 for c in re.findall(r"#[0-9a-f]{3,8}\b", text))


def test_link_base_adds_click_lines(tmp_path: Path) -> None:
    corpus = scan(make_map_repo(tmp_path / "repo"))
    text = render_mermaid(build_map(corpus, link_base="https://git.example/r/blob/main/"))
    assert (
        '  click n_prd_0001 href "https://git.example/r/blob/main/docs/prd/PRD-0001-checkout.md"'
        in text.splitlines()
    )


def test_hostile_labels_hold_no_raw_quotes_or_angle_brackets() -> None:
    text = render_mermaid(hostile_model())
    for line in text.splitlines():
        for label in re.findall(r'"([^"]*)"', line):
            assert "<" not in label.replace("<br/>", "") and ">" not in label.replace("<br/>", "")
        assert line.count('"') % 2 == 0, line
    assert "\t" not in text


def test_same_graph_gives_the_same_text(tmp_path: Path) -> None:
    root = make_map_repo(tmp_path / "repo")
    assert render_mermaid(build_map(scan(root))) == render_mermaid(build_map(scan(root)))
