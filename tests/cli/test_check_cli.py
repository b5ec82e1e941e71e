"""``tracegraph check`` and ``tracegraph rules`` through the real CLI."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import PROJECT
from tests.helpers import make_tree
from tracegraph.cli import cli

GOLDEN = PROJECT / "tests" / "golden" / "check_sample_repo.json"
TODAY = "2026-11-28"
#: TG503 reads the git history of whatever checkout holds sample_repo (a shallow clone, a
#: tarball, new commits to the demo documents): tests that pin sample_repo's findings leave it
#: out; tests/unit/checks/test_suspect.py covers it on repositories built for the purpose.
NO_HISTORY = ("--ignore", "TG503")


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def in_project(monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(PROJECT)
    return PROJECT


def test_check_sample_repo_matches_the_golden_json(in_project):
    code, out, err = run("check", "sample_repo", "--format", "json", "--today", TODAY, *NO_HISTORY)
    assert code == 1, err
    if os.environ.get("TRACEGRAPH_UPDATE_GOLDEN") == "1":
        GOLDEN.write_text(out, encoding="utf-8")
    assert out == GOLDEN.read_text(encoding="utf-8")
    data = json.loads(out)
    assert data["summary"]["findings"] == {"error": 4, "warning": 7, "info": 0}
    assert len(data["findings"]) == 11


def test_check_text_output_and_summary(in_project):
    code, out, _ = run("check", "sample_repo", "--today", TODAY, *NO_HISTORY, env={"NO_COLOR": ""})
    assert code == 1
    lines = out.splitlines()
    assert lines[0] == (
        "sample_repo/docs/adr/0006-use-utc-timestamps-in-public-apis.md:1:1: TG201 [warning] "
        "orphan: ADR-0006 has no link to or from another document"
    )
    assert lines[-1] == "11 findings (4 errors, 7 warnings, 0 info) in 22 documents"
    assert "\x1b" not in out


def test_fail_on_and_select(in_project):
    assert run("check", "sample_repo", "--today", TODAY, "--select", "TG4")[0] == 0
    assert (
        run("check", "sample_repo", "--today", TODAY, "--select", "TG4", "--fail-on", "warning")[0]
        == 1
    )
    assert run("check", "sample_repo", "--today", TODAY, "--fail-on", "never")[0] == 0
    code, out, _ = run("check", "sample_repo", "--today", TODAY, "--ignore", "TG1,TG2,TG3,TG4")
    assert code == 0 and "TG502" in out and "TG101" not in out


def test_bad_options_exit_2_with_one_line(in_project):
    code, _, err = run("check", "sample_repo", "--today", "28/11/2026")
    assert (
        code == 2
        and err.strip() == "tracegraph: error: --today: '28/11/2026' is not a date (use YYYY-MM-DD)"
    )
    code, _, err = run("check", "sample_repo", "--select", "TG9")
    assert code == 2 and "unknown rule code 'TG9'" in err
    code, _, err = run("check", "no-such-folder")
    assert code == 2 and "Traceback" not in err


def test_output_file_and_formats(tmp_path, in_project):
    target = tmp_path / "out" / "report.sarif"
    code, out, _ = run(
        "check", "sample_repo", "--today", TODAY, "--format", "sarif", "-o", str(target),
        *NO_HISTORY,
    )  # fmt: skip
    assert code == 1 and out == ""
    log = json.loads(target.read_text(encoding="utf-8"))
    assert len(log["runs"][0]["results"]) == 11
    for fmt in ("github", "junit", "markdown"):
        code, out, _ = run("check", "sample_repo", "--today", TODAY, "--format", fmt)
        assert code == 1 and "TG203" in out


def test_baseline_round_trip(tmp_path):
    root = make_tree(
        tmp_path / "repo",
        {"a.md": "# A\n\n[gone](gone.md)\n", "adr/0001-x.md": "# 1. X\n\n## Status\n\nAccepted\n"},
    )
    baseline = tmp_path / "baseline.json"
    code, _, err = run("check", str(root), "--write-baseline", str(baseline))
    assert code == 0 and "wrote 5 finding(s)" in err
    code, out, _ = run("check", str(root), "--baseline", str(baseline))
    assert code == 0
    assert out.strip().endswith("no findings in 2 documents; 5 suppressed by the baseline")
    # edits above a baselined finding do not revive it; a new defect is the only one reported
    (root / "a.md").write_text("# A\n\nNew intro.\n\n[gone](gone.md)\n\n[new](new.md)\n")
    code, out, _ = run("check", str(root), "--baseline", str(baseline), "--format", "json")
    assert code == 1
    found = json.loads(out)["findings"]
    assert [(f["path"], f["line"], f["code"]) for f in found] == [("a.md", 7, "TG101")]


def test_broken_baseline_is_an_input_error(tmp_path):
    root = make_tree(tmp_path / "repo", {"a.md": "# A\n"})
    bad = tmp_path / "b.json"
    bad.write_text("{\n  nope", encoding="utf-8")
    code, _, err = run("check", str(root), "--baseline", str(bad))
    assert code == 2 and f"{bad}:2: baseline is not valid JSON" in err


def test_rules_table_and_one_rule():
    code, out, _ = run("rules")
    assert code == 0 and len(out.splitlines()) == 23
    assert out.splitlines()[1].split()[:3] == ["TG102", "broken-anchor", "error"]
    code, out, _ = run("rules", "tg102")
    assert code == 0 and out.startswith("TG102 broken-anchor (default severity: error)\n")
    assert "Why:" in out and "Fix:" in out
    code, out, _ = run("rules", "broken-link")
    assert code == 0 and out.startswith("TG101")
    code, _, err = run("rules", "TG1O2")
    assert code == 2 and "did you mean TG102" in err


def test_ignore_next_line_silences_only_the_line_below(tmp_path: Path) -> None:
    root = make_tree(
        tmp_path / "repo",
        {
            "docs/a.md": (
                "# A\n\n"
                "<!-- tracegraph: ignore-next-line TG101 -->\n"
                "[gone](missing-1.md)\n"
                "[gone too](missing-2.md)\n"
                "<!-- tracegraph: ignore-next-line TG102, TG2 -->\n"
                "[also gone](missing-3.md)\n"
                "text <!-- tracegraph: ignore-next-line TG1 -->\n"
                "[inline comment](missing-4.md)\n"
            )
        },
    )
    code, out, _ = run("check", str(root), "--format", "json", "--select", "TG101", "--no-cache")
    assert code == 1
    lines = [(f["line"], f["target"]) for f in json.loads(out)["findings"]]
    assert lines == [(5, "missing-2.md"), (7, "missing-3.md")]


def test_check_files_reports_only_their_findings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_tree(
        tmp_path / "repo",
        {
            "docs/a.md": "# A\n\n[gone](missing.md)\n",
            "docs/b.md": "# B\n\n[gone](missing.md) [a](a.md#nope)\n",
            "README.md": "# R\n\n[gone](nowhere.md)\n",
        },
    )
    monkeypatch.chdir(root)
    code, out, _ = run("check", "docs/b.md", "--format", "json", "--no-cache")
    assert code == 1
    found = json.loads(out)["findings"]
    assert {(f["path"], f["code"]) for f in found} == {
        ("docs/b.md", "TG101"),
        ("docs/b.md", "TG102"),
    }
    # pre-commit passes files relative to the repository; with -C docs, README.md is outside
    code, out, _ = run("check", "-C", "docs", "docs/a.md", "README.md", "--no-cache")
    assert code == 1
    assert out.splitlines()[0].startswith("docs/a.md:3:1: TG101")
    assert "(reported for the 2 files given)" in out.splitlines()[-1]
    code, _, err = run("check", "docs/nope.md")
    assert code == 2 and "docs/nope.md: no such file or directory" in err
    code, _, err = run("check", "docs", "README.md")
    assert code == 2 and "give the root with -C docs" in err
