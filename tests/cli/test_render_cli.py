"""``tracegraph render`` through click's CliRunner: formats, acceptance on sample_repo, errors."""

from __future__ import annotations

import os
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import unquote

import pytest
from click.testing import CliRunner, Result

from bench.map_quality import measure_svg
from tests.conftest import SAMPLE_REPO
from tests.unit.render.map_repo import PRD, make_map_repo
from tracegraph import api
from tracegraph.cli import cli
from tracegraph.generated import DOT_COMMENT, MERMAID_COMMENT

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz dot not installed")
needs_sample = pytest.mark.skipif(not SAMPLE_REPO.is_dir(), reason="sample_repo not present")
SVG = "{http://www.w3.org/2000/svg}"
XLINK = "{http://www.w3.org/1999/xlink}"
GOLDEN = Path(__file__).resolve().parent.parent / "golden" / "render"

#: Documents holding sample_repo's planted error defects (README table: TG101, TG102, TG103,
#: TG203); pinned so the goldens depend on the renderer and the corpus only.
SAMPLE_ERRORS = frozenset(
    {
        "docs/onboarding.md",
        "docs/rfc/RFC-0002-webhook-delivery.md",
        "docs/rfc/RFC-0003-notification-channel-routing.md",
        "docs/rfc/RFC-0004-recipient-preferences.md",
    }
)


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_map_repo(tmp_path / "repo")


@needs_dot
@needs_sample
@pytest.mark.graphviz
def test_sample_repo_svg_is_a_clickable_map_with_ghosts_and_legend(
    tmp_path: Path,
) -> None:
    out = tmp_path / "maps" / "map.svg"
    result = run("render", str(SAMPLE_REPO), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert result.output == ""  # no Graphviz chatter, no warning for a readable map
    root = ET.parse(out).getroot()
    groups = {g.get("id"): g for g in root.iter(f"{SVG}g") if g.get("id")}
    assert not [g for g in root.iter(f"{SVG}g") if "cluster" in (g.get("class") or "").split()]
    corpus = api.scan(SAMPLE_REPO)
    model = api.map_model(corpus, error_paths=frozenset())
    for node in model.nodes:
        group = groups[node.slug]
        (anchor,) = [a for a in group.iter(f"{SVG}a") if a.get(f"{XLINK}href")]
        href = anchor.get(f"{XLINK}href") or ""
        assert (out.parent / unquote(href)).resolve() == (SAMPLE_REPO / node.key).resolve()
        assert node.name in (anchor.get(f"{XLINK}title") or "")
    ghosts = [g for g in root.iter(f"{SVG}g") if "tg-ghost" in (g.get("class") or "")]
    texts = [" ".join(t.text or "" for t in g.iter(f"{SVG}text")) for g in ghosts]
    assert any("docs/perf/load-test-2026.md" in t for t in texts), texts
    assert any("ADR-0042" in t for t in texts), texts
    legend = " ".join(t.text or "" for t in groups["a_legend"].iter(f"{SVG}text"))
    assert "hexagon" in legend and "missing target" in legend
    red = [g.get("id") for g in root.iter(f"{SVG}g") if " error" in (g.get("class") or "")]
    assert set(red) >= {"node-rfc-0002"}


@needs_dot
@pytest.mark.graphviz
def test_all_edges_and_no_legend(tmp_path: Path) -> None:
    default, every, bare = tmp_path / "a.svg", tmp_path / "b.svg", tmp_path / "c.svg"
    assert run("render", str(SAMPLE_REPO), "-o", str(default)).exit_code == 0
    assert run("render", str(SAMPLE_REPO), "--all-edges", "-o", str(every)).exit_code == 0
    assert run("render", str(SAMPLE_REPO), "--no-legend", "-o", str(bare)).exit_code == 0
    assert measure_svg(every.read_bytes()).edges > measure_svg(default.read_bytes()).edges
    assert b'id="a_legend"' in default.read_bytes() and b"a_legend" not in bare.read_bytes()


@needs_dot
@pytest.mark.graphviz
def test_a_map_too_big_to_read_warns_in_one_line(tree, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    root = tree({f"docs/prd/PRD-{n:04d}-x.md": f"# PRD {n}\n" for n in range(1, 320)})
    out = tmp_path / "big.svg"
    result = run("render", str(root), "--type", "PRD", "--engine", "dot", "-o", str(out))
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.output.splitlines() if line]
    assert len(warnings) == 1 and warnings[0].startswith("tracegraph: warning: the map has 319")
    quality = measure_svg(out.read_bytes())
    assert quality.aspect <= 2.5 and max(quality.width, quality.height) < 32_767


@needs_sample
def test_sample_repo_errors_come_from_the_checks(tmp_path: Path) -> None:
    assert api.find_error_paths(api.scan(SAMPLE_REPO)) == SAMPLE_ERRORS


@needs_sample
@pytest.mark.parametrize(
    ("fmt", "name"), [("dot", "sample_repo.dot"), ("mermaid", "sample_repo.mmd")]
)
def test_sample_repo_golden(fmt: str, name: str) -> None:
    corpus = api.scan(SAMPLE_REPO)
    model = api.map_model(corpus, error_paths=SAMPLE_ERRORS, output_dir=SAMPLE_REPO)
    text = api.render_model(model, fmt, config=corpus.config)
    assert isinstance(text, str)
    golden = GOLDEN / name
    if os.environ.get("TRACEGRAPH_UPDATE_GOLDEN") == "1":
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(text, encoding="utf-8")
    assert golden.is_file(), f"{golden} missing; run with TRACEGRAPH_UPDATE_GOLDEN=1"
    assert text == golden.read_text(encoding="utf-8")


def test_dot_and_mermaid_print_to_stdout(repo: Path) -> None:
    dot = run("render", str(repo))
    assert dot.exit_code == 0 and dot.output.startswith(f"{DOT_COMMENT}\ndigraph tracegraph {{")
    mermaid = run("render", str(repo), "--format", "mermaid")
    assert mermaid.exit_code == 0 and mermaid.output.startswith(
        f"{MERMAID_COMMENT}\nflowchart LR\n"
    )


@pytest.mark.parametrize(
    ("name", "start"),
    [
        ("map.dot", "digraph"),
        ("map.gv", "digraph"),
        ("map.mmd", "flowchart"),
        ("m.mermaid", "flow"),
    ],
)
def test_format_follows_the_suffix(repo: Path, tmp_path: Path, name: str, start: str) -> None:
    out = tmp_path / name
    result = run("render", str(repo), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").split("\n", 1)[1].startswith(start)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


@needs_dot
@pytest.mark.graphviz
@pytest.mark.parametrize(("name", "magic"), [("m.png", b"\x89PNG"), ("m.pdf", b"%PDF")])
def test_binary_formats(repo: Path, tmp_path: Path, name: str, magic: bytes) -> None:
    out = tmp_path / name
    assert run("render", str(repo), "-o", str(out)).exit_code == 0
    assert out.read_bytes().startswith(magic)


@needs_dot
@pytest.mark.graphviz
def test_focus_sfdp_and_link_base(repo: Path, tmp_path: Path) -> None:
    out = tmp_path / "focus.svg"
    base = "https://git.example/org/repo/blob/main/"
    args = ["--focus", "RFC-1", "--depth", "1", "--engine", "sfdp", "--link-base", base]
    result = run("render", str(repo), "-o", str(out), *args)
    assert result.exit_code == 0, result.output
    root = ET.parse(out).getroot()
    hrefs = sorted(h for a in root.iter(f"{SVG}a") if (h := a.get(f"{XLINK}href")))
    assert hrefs == [
        base + "docs/adr/0001-use-stripe.md",
        base + PRD,
        base + "docs/rfc/RFC-0001-payments-api.md",
        base + "docs/tdd/TDD-0001-payment-service.md",
    ]


def test_missing_dot_exits_2_with_install_hint(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    out = tmp_path / "map.svg"
    result = run("render", str(repo), "-o", str(out))
    assert result.exit_code == 2
    (line,) = result.stderr.splitlines()
    assert line.startswith("tracegraph: error: the Graphviz 'dot' executable is not installed")
    assert "apt-get install graphviz" in line and "brew install graphviz" in line
    assert "--format dot" in line and "--format mermaid" in line
    assert not out.exists()
    assert run("render", str(repo), "--format", "mermaid").exit_code == 0  # still works


def test_size_guard_suggests_focus(repo: Path, tmp_path: Path) -> None:
    config = tmp_path / "small.yaml"
    config.write_text("render:\n  max_nodes: 3\n", encoding="utf-8")
    result = run("render", str(repo), "--config", str(config), "-o", str(tmp_path / "m.svg"))
    assert result.exit_code == 2
    assert "more than render.max_nodes (3)" in result.stderr and "--focus" in result.stderr
    assert run("render", str(repo), "--config", str(config)).exit_code == 0  # DOT text: no guard


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-o", "map.txt"], "cannot tell the map format"),
        (["--format", "png"], "-o FILE"),
        (["--depth", "1"], "--depth needs --focus"),
        (["--focus", "ADR-0077"], "no document 'ADR-0077'"),
        (["--type", "SPECS"], "--type SPECS: unknown type"),
        (["--status", "aproved"], "--status aproved: unknown status"),
        (["--type", "PRD", "--status", "draft"], "nothing to draw"),
    ],
)
def test_usage_errors_exit_2(repo: Path, args: list[str], message: str) -> None:
    result = run("render", str(repo), *args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert "Traceback" not in result.output
