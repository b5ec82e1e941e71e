"""Issue 20 through the real CLI: ``export --view architecture``, ``render --view
architecture``, entity queries, TG701 from ``check``, and the goldens of sample_repo."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import unquote

import networkx as nx
import pytest
from click.testing import CliRunner
from jsonschema import Draft202012Validator

from tests.arch_repo import Part, tdd
from tests.conftest import PROJECT, SAMPLE_REPO
from tests.helpers import make_tree
from tracegraph import api
from tracegraph.cli import cli
from tracegraph.generated import DOT_COMMENT, MERMAID_COMMENT
from tracegraph.schemas import schema_text

GOLDEN = PROJECT / "tests" / "golden" / "architecture"
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz dot not installed")
SVG = "{http://www.w3.org/2000/svg}"
XLINK = "{http://www.w3.org/1999/xlink}"
T1 = "docs/tdd/TDD-0001-orders.md"
T2 = "docs/tdd/TDD-0002-billing.md"
T3 = "docs/tdd/TDD-0003-checkout.md"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def three(tmp_path: Path) -> Path:
    """Three TDDs written from the template; two design POST /v1/orders."""
    return make_tree(
        tmp_path / "repo",
        {
            T1: tdd(
                "Orders",
                "Implemented",
                components=[
                    Part(
                        "Order API", "Go", "REST, described below.", "Billing Service, PostgreSQL"
                    ),
                ],
                endpoints=["POST /v1/orders"],
                tables=["orders"],
            ),
            T2: tdd(
                "Billing",
                "Approved",
                components=[Part("Billing service", "Kotlin", "Writes `invoices`.", "Stripe")],
                tables=["invoices"],
            ),
            T3: tdd(
                "Checkout",
                "Draft",
                components=[Part("Checkout", dependencies="order-api, `orders`")],
                endpoints=["POST /v1/orders"],
                created="2026-02-01",
            ),
        },
    )


def test_export_of_three_tdds_gives_exactly_the_described_system(three: Path) -> None:
    code, out, err = run("export", str(three), "--view", "architecture", "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    Draft202012Validator(json.loads(schema_text("architecture"))).validate(data)
    assert [(n["kind"], n["name"]) for n in data["nodes"]] == [
        ("component", "Billing service"),
        ("component", "Checkout"),
        ("component", "Order API"),
        ("endpoint", "POST /v1/orders"),
        ("table", "invoices"),
        ("table", "orders"),
        ("external", "PostgreSQL"),
        ("external", "Stripe"),
        ("document", "TDD-0001"),
        ("document", "TDD-0002"),
        ("document", "TDD-0003"),
    ]
    edges = {
        (e["source"], e["relation"], e["target"])
        for e in data["edges"]
        if e["relation"] != "described_by"
    }
    assert edges == {
        ("component:order api", "depends_on", "component:billing"),
        ("component:order api", "depends_on", "external:postgresql"),
        ("component:order api", "exposes", "endpoint:POST /v1/orders"),
        ("component:billing", "depends_on", "external:stripe"),
        ("component:billing", "owns", "table:invoices"),
        ("component:checkout", "depends_on", "component:order api"),
        ("component:checkout", "depends_on", "table:orders"),
        (f"document:{T1}", "owns", "table:orders"),
        (f"document:{T3}", "exposes", "endpoint:POST /v1/orders"),
    }
    described = [e for e in data["edges"] if e["relation"] == "described_by"]
    assert len(described) == 7  # 3 components, the endpoint twice, 2 tables
    order_api = next(n for n in data["nodes"] if n["name"] == "Order API")
    line = (three / T1).read_text().splitlines().index("#### Component 1: Order API") + 1
    assert order_api["sources"] == [
        {
            "path": T1,
            "line": line,
            "role": "describes",
            "document": "TDD-0001",
            "status": "implemented",
        }
    ]
    graph = nx.node_link_graph(data, edges="edges")
    assert graph.number_of_nodes() == 11 and graph.number_of_edges() == len(data["edges"])


def test_check_reports_tg701_where_two_of_them_design_the_same_endpoint(three: Path) -> None:
    code, out, _ = run("check", str(three), "--select", "TG7", "--format", "json")
    assert code == 1
    findings = json.loads(out)["findings"]
    # "Billing Service" is TDD-0002's "Billing service": described, so no TG703
    assert [(f["code"], f["path"], f["severity"]) for f in findings] == [("TG701", T3, "error")]
    assert findings[0]["message"].startswith(
        "endpoint conflict: POST /v1/orders is also designed as new by TDD-0001 (line "
    )


def test_csv_and_graphml_exports(three: Path) -> None:
    code, out, _ = run("export", str(three), "--view", "architecture", "--format", "csv")
    assert code == 0
    rows = list(csv.reader(io.StringIO(out.split("\n", 1)[1])))
    assert rows[0] == [
        "source_kind", "source", "relation", "target_kind", "target", "change", "path", "line",
    ]  # fmt: skip
    assert ["component", "Checkout", "depends_on", "table", "orders", "", T3] in [
        r[:7] for r in rows
    ]
    assert len(rows) == 1 + 16  # the header, then every edge
    code, out, _ = run("export", str(three), "--view", "architecture", "--format", "graphml")
    assert code == 0 and "generated by tracegraph" in out
    graph = nx.parse_graphml(out.split("\n", 1)[1].split("\n", 1)[1], force_multigraph=True)
    line = (three / T3).read_text().splitlines().index("#### Component 1: Checkout") + 1
    assert graph.nodes["component:checkout"]["sources"] == f"{T3}:{line}"


def test_sample_repo_goldens(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(PROJECT)
    outputs = {
        "sample_repo.json": run("export", "sample_repo", "--view", "architecture")[1],
        "sample_repo.dot": run("render", "sample_repo", "--view", "architecture")[1],
        "sample_repo.mmd": run(
            "render", "sample_repo", "--view", "architecture", "--format", "mermaid"
        )[1],
    }
    for name, text in outputs.items():
        golden = GOLDEN / name
        if os.environ.get("TRACEGRAPH_UPDATE_GOLDEN") == "1":
            golden.parent.mkdir(parents=True, exist_ok=True)
            golden.write_text(text, encoding="utf-8")
        assert golden.is_file(), f"{golden} missing; run with TRACEGRAPH_UPDATE_GOLDEN=1"
        assert text == golden.read_text(encoding="utf-8"), name
    assert outputs["sample_repo.dot"].startswith(DOT_COMMENT)
    assert outputs["sample_repo.mmd"].startswith(f"{MERMAID_COMMENT}\nflowchart LR\n")
    data = json.loads(outputs["sample_repo.json"])
    kinds = [n["kind"] for n in data["nodes"]]
    assert [kinds.count(k) for k in ("component", "endpoint", "table", "external", "document")] == [
        8, 4, 4, 12, 4,
    ]  # fmt: skip


@needs_dot
@pytest.mark.graphviz
def test_rendered_svg_links_every_entity_to_its_document(tmp_path: Path) -> None:
    out = tmp_path / "maps" / "arch.svg"
    code, _, err = run("render", str(SAMPLE_REPO), "--view", "architecture", "-o", str(out))
    assert code == 0, err
    root = ET.parse(out).getroot()
    groups = {g.get("id"): g for g in root.iter(f"{SVG}g") if g.get("id")}
    model = api.architecture_map(api.scan(SAMPLE_REPO), output_dir=out.parent)
    assert len(model.nodes) == 28 and len(model.clusters) == 4
    for node in model.nodes:
        (anchor,) = [a for a in groups[node.slug].iter(f"{SVG}a") if a.get(f"{XLINK}href")]
        target = (out.parent / unquote(anchor.get(f"{XLINK}href") or "")).resolve()
        assert target.parent == (SAMPLE_REPO / "docs" / "tdd").resolve()
        assert node.name in (anchor.get(f"{XLINK}title") or "")
    boundary = groups["cluster-tdd-0001"]
    assert "TDD-0001: Tracking API and Event Ingestion (implemented)" in " ".join(
        t.text or "" for t in boundary.iter(f"{SVG}text")
    )
    assert "a_legend" in groups
    with_base = tmp_path / "b.svg"
    base = "https://git.example/parcel/blob/main"
    run(
        "render",
        str(SAMPLE_REPO),
        "--view",
        "architecture",
        "--link-base",
        base,
        "-o",
        str(with_base),
    )
    assert (
        f'{base}/docs/tdd/TDD-0001-tracking-api-and-event-ingestion.md#L64"'
        in with_base.read_text()
    )


def test_focus_filters_and_view_errors() -> None:
    repo = str(SAMPLE_REPO)
    code, out, _ = run(
        "render",
        repo,
        "--view",
        "architecture",
        "--focus",
        "table:usage_units",
        "--format",
        "mermaid",
    )
    assert code == 0
    assert "Metering consumer" in out and "Invoice exporter" in out and "Normaliser" not in out
    code, out, _ = run(
        "render", repo, "--view", "architecture", "--focus", "TDD-0001", "--depth", "0",
        "--type", "component", "--format", "dot",
    )  # fmt: skip
    assert code == 0 and "Normaliser" in out and "tracking_events" not in out
    for args, message in (
        (["--cluster", "folder"], "groups by document or none"),
        (["--all-edges"], "--all-edges applies to the documents view"),
        (["--type", "TDD"], "--type tdd: in the architecture view one of component"),
        (["--focus", "component:Nope"], "no component 'Nope'"),
    ):
        code, _, err = run("render", repo, "--view", "architecture", "--format", "dot", *args)
        assert code == 2 and message in err, err
    code, _, err = run("render", repo, "--cluster", "document", "--format", "dot")
    assert code == 2 and "applies to --view architecture" in err


def test_a_tree_without_designs_has_nothing_to_draw(tmp_path: Path) -> None:
    root = make_tree(tmp_path / "r", {"docs/adr/0001-x.md": "# 1. X\n\n## Status\n\nAccepted\n"})
    code, _, err = run("render", str(root), "--view", "architecture", "--format", "dot")
    assert code == 2 and "no component, endpoint or table to draw" in err
    code, out, _ = run("export", str(root), "--view", "architecture")
    assert code == 0 and json.loads(out)["nodes"] == []


def test_entity_queries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(PROJECT)
    code, out, _ = run("upstream", "component:Tracking API", "-C", "sample_repo")
    assert code == 0
    assert out.splitlines()[:3] == [
        'component:"Tracking API"  built  [Python 3.12, Starlette; code in src/tracking/api.py.]',
        "├── TDD-0001  TDD  implemented  Tracking API and Event Ingestion  "
        '(designs component:"Tracking API")',
        "│   ├── ADR-0003  ADR  accepted  Store tracking events in partitioned PostgreSQL  "
        "(related to TDD-0001)",
    ]
    assert out.splitlines()[-1] == (
        '└── external:"PostgreSQL read replicas"  external  '
        '(depended on by component:"Tracking API")'
    )
    code, out, _ = run("impact", "table:usage_units", "-C", "sample_repo", "--type", "component")
    assert code == 0 and out.splitlines() == [
        "table:usage_units  proposed",
        '├── component:"Invoice exporter"  proposed  (depends on table:usage_units)',
        '└── component:"Metering consumer"  proposed  (owns table:usage_units)',
    ]
    code, out, _ = run(
        "impact", "endpoint:get /v1/shipments/:id/events", "-C", "sample_repo", "--format", "json"
    )
    data = json.loads(out)
    Draft202012Validator(json.loads(schema_text("entity-impact"))).validate(data)
    assert (
        data["root"]["name"] == "GET /v1/shipments/{id}/events"
        and data["direction"] == "downstream"
    )
    code, out, _ = run("show", "component:normaliser", "-C", "sample_repo", "--format", "json")
    card = json.loads(out)
    Draft202012Validator(json.loads(schema_text("entity-show"))).validate(card)
    assert card["outbound"]["depends_on"][1]["name"] == 'external:"event stream"'
    code, _, err = run("impact", "component:Tracking", "-C", "sample_repo")
    assert code == 2 and 'did you mean component:"Tracking API"' in err
    code, _, err = run(
        "impact", "table:usage_units", "-C", "sample_repo", "--relation", "implements"
    )
    assert code == 2 and "--relation applies to document queries" in err


def test_report_has_an_architecture_section(tmp_path: Path) -> None:
    md, js = tmp_path / "r.md", tmp_path / "r.json"
    code, _, err = run("report", str(SAMPLE_REPO), "-o", str(md), "-o", str(js), "--no-history")
    assert code == 0, err
    text = md.read_text()
    assert (
        "### Architecture" in text and "8 components, 4 endpoints, 4 tables, 12 externals" in text
    )
    assert "| Tracking API | Python 3.12, Starlette; code in src/tracking/api.py. | built |" in text
    section = json.loads(js.read_text())["architecture"]
    assert section["counts"] == {"component": 8, "endpoint": 4, "table": 4, "external": 12}
    assert section["findings"] == 0
