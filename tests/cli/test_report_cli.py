"""``tracegraph report``: formats, history across runs, interrupted runs, CI gates."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import SAMPLE_REPO
from tracegraph import atomic
from tracegraph.cli import cli
from tracegraph.generated import HTML_COMMENT

Tree = Callable[[Mapping[str, str]], Path]

DOCS = {
    "docs/prd/PRD-0001-a.md": "# PRD-0001: Tracking\n\n**Status:** Approved\n",
    "docs/rfc/RFC-0001-a.md": (
        "---\nimplements: PRD-0001\n---\n# RFC-0001: Ingestion\n\n"
        "See [the load test](../perf/load-test.md).\n"
    ),
}


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["report", *args])
    return result.exit_code, result.stdout, result.stderr


def test_two_runs_with_a_defect_fixed_in_between(tree: Tree, tmp_path: Path) -> None:
    root = tree(DOCS)
    out = tmp_path / "report.json"
    code, _, err = run(str(root), "-o", str(out))
    assert code == 0, err
    first = json.loads(out.read_text())
    assert first["changes"] is None
    assert [f["code"] for f in first["findings"] if f["code"] == "TG101"] == ["TG101"]
    assert (root / ".tracegraph" / "history.db").is_file()

    (root / "docs/rfc/RFC-0001-a.md").write_text(
        "---\nimplements: PRD-0001\n---\n# RFC-0001: Ingestion\n\nNo load test yet.\n"
    )
    code, _, err = run(str(root), "-o", str(out))
    assert code == 0, err
    second = json.loads(out.read_text())
    resolved = second["changes"]["resolved_findings"]
    assert [(f["code"], f["path"]) for f in resolved] == [("TG101", "docs/rfc/RFC-0001-a.md")]
    assert second["changes"]["new_findings"] == []
    assert len(second["trend"]) == 2
    assert second["score"]["delta"] == second["score"]["value"] - first["score"]["value"]
    assert "1 resolved" in err

    md = tmp_path / "report.md"
    assert run(str(root), "-o", str(md))[0] == 0
    assert "### Since the previous run" in md.read_text()


def test_html_report_lists_resolved_and_has_a_two_point_trend(tree: Tree, tmp_path: Path) -> None:
    root = tree(DOCS)
    out = tmp_path / "site" / "report.html"
    history = tmp_path / "h.db"
    assert run(str(root), "-o", str(out), "--history", str(history))[0] == 0
    (root / "docs/rfc/RFC-0001-a.md").write_text("---\nimplements: PRD-0001\n---\n# RFC-0001: I\n")
    assert run(str(root), "-o", str(out), "--history", str(history))[0] == 0
    page = out.read_text()
    assert 'id="resolved-findings"' in page
    assert "Resolved findings (1)" in page
    assert page.count('class="point"') == 2
    assert not (root / ".tracegraph").exists()  # --history elsewhere


def _runs(history: Path) -> int:
    with sqlite3.connect(history) as db:
        return int(db.execute("SELECT count(*) FROM runs").fetchone()[0])


def test_interrupted_run_leaves_report_and_history_intact(
    tree: Tree, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tree(DOCS)
    out = tmp_path / "report.html"
    history = tmp_path / "history.db"
    assert run(str(root), "-o", str(out), "--history", str(history))[0] == 0
    before = out.read_bytes()
    (root / "docs/rfc/RFC-0001-a.md").write_text("# RFC-0001: changed\n")

    def killed(src: object, dst: object) -> None:
        raise KeyboardInterrupt  # the process is stopped between writing and renaming

    monkeypatch.setattr(atomic.os, "replace", killed)
    code, _, err = run(str(root), "-o", str(out), "--history", str(history))
    assert code == 130, err
    assert out.read_bytes() == before
    assert _runs(history) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["history.db", "repo", "report.html"]

    monkeypatch.undo()
    assert run(str(root), "-o", str(out), "--history", str(history))[0] == 0
    assert _runs(history) == 2


def test_failing_write_is_an_error_and_records_nothing(
    tree: Tree, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tree(DOCS)
    history = tmp_path / "history.db"
    assert run(str(root), "-o", str(tmp_path / "a.json"), "--history", str(history))[0] == 0

    def disk_full(path: object, text: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("tracegraph.report.write_atomic", disk_full)
    code, _, _ = run(str(root), "-o", str(tmp_path / "a.json"), "--history", str(history))
    assert code != 0
    assert _runs(history) == 1


def test_fail_under(tree: Tree, tmp_path: Path) -> None:
    root = tree(DOCS)
    out = str(tmp_path / "r.json")
    code, _, err = run(str(root), "-o", out, "--no-history", "--fail-under", "100")
    assert code == 1
    assert "below --fail-under 100" in err
    assert run(str(root), "-o", out, "--no-history", "--fail-under", "10")[0] == 0
    assert not (root / ".tracegraph").exists()


def test_corrupt_history_warns_and_still_reports(tree: Tree, tmp_path: Path) -> None:
    root = tree(DOCS)
    history = tmp_path / "history.db"
    history.write_bytes(b"garbage" * 1000)
    out = tmp_path / "r.html"
    code, _, err = run(str(root), "-o", str(out), "--history", str(history))
    assert code == 0
    assert "warning:" in err and "not a usable tracegraph history database" in err
    assert 'id="history-note"' in out.read_text()
    assert history.read_bytes() == b"garbage" * 1000


def test_format_from_suffix_or_option(tree: Tree, tmp_path: Path) -> None:
    root = tree(DOCS)
    code, _, err = run(str(root), "-o", str(tmp_path / "r.txt"), "--no-history")
    assert code == 2 and "use .html, .md or .json" in err
    code, _, _ = run(str(root), "-o", str(tmp_path / "r.txt"), "--no-history", "--format", "json")
    assert code == 0
    assert json.loads((tmp_path / "r.txt").read_text())["version"] == 1
    code, out, _ = run(str(root), "--no-history")
    assert code == 0 and out.startswith(f"{HTML_COMMENT}\n## Docs health: ")


def test_bad_options_exit_2(tree: Tree, tmp_path: Path) -> None:
    root = tree(DOCS)
    out = str(tmp_path / "r.html")
    assert run(str(root), "-o", out, "--today", "tomorrow")[0] == 2
    assert run(str(root), "-o", out, "--link-base", "javascript:alert(1)")[0] == 2
    assert run(str(root), "-o", out, "--history", "h.db", "--no-history")[0] == 2


def test_link_base_gives_line_anchors(tree: Tree, tmp_path: Path) -> None:
    root = tree(DOCS)
    out = tmp_path / "r.json"
    base = "https://github.com/acme/docs/blob/main"
    assert run(str(root), "-o", str(out), "--no-history", "--link-base", base)[0] == 0
    hrefs = [f["href"] for f in json.loads(out.read_text())["findings"]]
    assert f"{base}/docs/rfc/RFC-0001-a.md#L6" in hrefs


def test_without_graphviz_the_report_explains_the_map(
    tree: Tree, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tree(DOCS)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    out = tmp_path / "r.html"
    code, _, err = run(str(root), "-o", str(out), "--no-history")
    assert code == 0, err
    page = out.read_text()
    assert "The map needs Graphviz" in page and "apt-get install graphviz" in page
    assert 'id="map-canvas"' not in page


@pytest.mark.graphviz
def test_sample_repo_html_is_self_contained(tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    code, _, err = run(str(SAMPLE_REPO), "-o", str(out), "--no-history", "--today", "2026-11-28")
    assert code == 0, err
    page = out.read_text()
    assert 'id="map-canvas"' in page and 'id="node-rfc-0002"' in page
    for needle in ("<link ", 'src="http', "@import", "cdn"):
        assert needle not in page


@pytest.mark.parametrize("suffix", [".html", ".md", ".json"])
def test_same_input_same_bytes(tree: Tree, tmp_path: Path, suffix: str) -> None:
    from datetime import UTC, datetime

    from tracegraph.api import report

    root = tree(DOCS)
    now = datetime(2026, 11, 28, 6, 0, tzinfo=UTC)
    first, second = tmp_path / f"a{suffix}", tmp_path / f"b{suffix}"
    report(root, first, use_history=False, now=now)
    report(root, second, use_history=False, now=now)
    assert first.read_bytes() == second.read_bytes()
