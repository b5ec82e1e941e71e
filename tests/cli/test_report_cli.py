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
    # --history elsewhere: nothing recorded in the tree (the parse cache may be, once the
    # documents are older than the racy window: that depends on the machine's load)
    assert not (root / ".tracegraph" / "history.db").exists()


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
    assert not (root / ".tracegraph" / "history.db").exists()  # the parse cache may be there


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


def test_one_call_with_several_outputs_records_one_run(tree: Tree, tmp_path: Path) -> None:
    root = tree(DOCS)
    history = tmp_path / "h.db"
    outs = [tmp_path / "a.html", tmp_path / "a.md", tmp_path / "a.json"]
    args = [str(root), "--history", str(history)]
    code, out, err = run(*args, *(x for o in outs for x in ("-o", str(o))))
    assert code == 0, err
    assert out == ""
    assert all(o.is_file() for o in outs)
    assert _runs(history) == 1
    assert "(recorded in the history)" in err
    data = json.loads(outs[2].read_text())
    assert data["changes"] is None and len(data["trend"]) == 1
    assert "<html" in outs[0].read_text() and "## Docs health" in outs[1].read_text()

    code, _, err = run(*args, "-o", str(outs[2]), "-o", str(outs[1]))  # the second call
    assert code == 0, err
    assert _runs(history) == 2
    second = json.loads(outs[2].read_text())
    assert second["changes"] is not None and len(second["trend"]) == 2
    assert "Compared with the run of" in outs[1].read_text()


def test_terminal_output_and_no_record_leave_the_history_alone(tree: Tree, tmp_path: Path) -> None:
    root = tree(DOCS)
    code, out, err = run(str(root))  # Markdown on the terminal
    assert code == 0 and "## Docs health" in out
    assert not (root / ".tracegraph" / "history.db").exists()
    history = tmp_path / "h.db"
    assert (
        run(str(root), "--no-record", "-o", str(tmp_path / "x.json"), "--history", str(history))[0]
        == 0
    )
    assert not history.exists()  # --no-record creates nothing either
    assert run(str(root), "-o", str(tmp_path / "x.json"), "--history", str(history))[0] == 0
    before = history.read_bytes()
    code, _, err = run(str(root), "--no-record", "-o", str(tmp_path / "y.json"), "--history",
                       str(history))  # fmt: skip
    assert code == 0 and "recorded" not in err
    assert history.read_bytes() == before
    data = json.loads((tmp_path / "y.json").read_text())
    assert data["changes"] is not None  # the history was read


def test_several_outputs_need_their_suffixes(tree: Tree, tmp_path: Path) -> None:
    root = tree(DOCS)
    a, b = str(tmp_path / "a.json"), str(tmp_path / "b.json")
    code, _, err = run(str(root), "-o", a, "-o", b, "--format", "json", "--no-history")
    assert code == 2 and "--format applies to one output" in err
    code, _, err = run(str(root), "-o", a, "-o", a, "--no-history")
    assert code == 2 and "the same file is given twice" in err


def test_default_history_folder_is_ignored_by_git(tree: Tree) -> None:
    from tests.gitrepo import git, init_repo

    root = init_repo(tree(DOCS))
    out = root / "site" / "report.html"
    assert run(str(root), "-o", str(out))[0] == 0
    assert (root / ".tracegraph" / "history.db").is_file()
    assert (root / ".tracegraph" / ".gitignore").read_text().splitlines()[-1] == "*"
    assert git(root, "status", "--porcelain") == "?? site/\n"


def test_markdown_report_of_a_large_tree_fits_a_github_comment(tmp_path: Path) -> None:
    import subprocess
    import sys
    from datetime import date

    from tests.conftest import PROJECT
    from tracegraph.api import report
    from tracegraph.report.links import LinkContext
    from tracegraph.report.markdown import render_markdown

    root = tmp_path / "big"
    subprocess.run(
        [sys.executable, str(PROJECT / "bench" / "generate.py"), "--docs", "3000", "--out",
         str(root), "--no-git"],
        check=True, capture_output=True,
    )  # fmt: skip
    md, js = tmp_path / "report.md", tmp_path / "report.json"
    done = report(root, [md, js], use_history=False, today=date(2026, 11, 28))
    text = md.read_text(encoding="utf-8")
    assert len(text) <= 60_000
    assert "lists shortened to fit 60,000 characters" in text
    assert "[the full report](report.json)" in text
    assert "… and" in text and "### Coverage" in text and "### Islands" in text
    links = LinkContext(root, tmp_path)
    unlimited = render_markdown(done.report, links, limit=None)
    assert len(unlimited) > 60_000  # the limit did the cutting
    url = "https://ci.example/run/1"
    smaller = render_markdown(done.report, links, limit=20_000, full_report=url)
    assert len(smaller) <= 20_000 and f"({url})" in smaller
    tiny = render_markdown(done.report, links, limit=2_000)
    assert len(tiny) <= 2_000


def test_empty_tree_is_exit_2_unless_allowed(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not markdown")
    code, _, err = run(str(tmp_path), "--no-history")
    assert code == 2 and "no documents found" in err and "--allow-empty" in err
    code, out, _ = run(str(tmp_path), "--no-history", "--allow-empty")
    assert code == 0 and "## Docs health: 100 / 100" in out
