"""``tracegraph review``, ``show --suspect`` and ``impact --since`` marks through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.suspect_repo import ADR, PRD, RFC, TDD, HistoryRepo
from tracegraph.cli import cli


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), env={"NO_COLOR": "1"})
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def changed(tmp_path: Path) -> HistoryRepo:
    """The chain, then a PRD edit (RFC-0001 suspect) with a hostile control character."""
    repo = HistoryRepo(tmp_path / "repo")
    repo.commit("the chain")
    repo.replace(PRD, "in one step", "in two steps\x1b[31m")
    repo.commit("PRD: two steps")
    return repo


def test_review_diff_prints_what_to_reread_and_records_nothing(changed: HistoryRepo) -> None:
    code, out, _ = run("review", "RFC-0001", "--diff", "-C", str(changed.root))
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("== PRD-0001 (docs/prd/PRD-0001-checkout.md): 1 commit since ")
    assert lines[0].endswith("(2026-01-01, created): text")
    assert "-Customers pay for their basket in one step." in lines
    assert "+Customers pay for their basket in two steps\\x1b[31m." in lines
    assert "\x1b" not in out
    assert not (changed.root / ".tracegraph-reviews.yaml").exists()
    code, out, _ = run("review", "TDD-0001", "--diff", "-C", str(changed.root))
    assert (code, out) == (0, "TDD-0001: nothing to re-read (no suspect link)\n")


def test_review_errors_exit_2_with_one_line(changed: HistoryRepo, tmp_path: Path) -> None:
    code, _, err = run("review", "TDD-0001", "--of", "PRD-0001", "-C", str(changed.root))
    assert code == 2 and err == (
        "tracegraph: error: --of PRD-0001: TDD-0001 does not rest on PRD-0001 "
        "(it rests on ADR-0001, RFC-0001)\n"
    )
    code, _, err = run("review", "PRD-0001", "-C", str(changed.root))
    assert code == 2 and "PRD-0001 rests on no other document" in err
    code, _, err = run("review", "RFC-9", "-C", str(changed.root))
    assert code == 2 and "no document 'RFC-9'" in err
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "a.md").write_text("# A\n\n[b](b.md)\n")
    (plain / "b.md").write_text("# B\n")
    code, _, err = run("review", "a.md", "-C", str(plain))
    assert code == 2 and "review needs a git work tree with a commit" in err


def test_show_lists_both_directions_and_diffs(changed: HistoryRepo) -> None:
    code, out, _ = run("show", "PRD-0001", "-C", str(changed.root))
    assert code == 0
    assert out.split("suspect links (git history):\n")[1].startswith(
        "  made suspect: RFC-0001  1 commit since "
    )
    code, out, _ = run("show", "RFC-0001", "--suspect", "-C", str(changed.root))
    assert "  rests on changed: PRD-0001  1 commit since" in out
    assert "TG503 rests on PRD-0001, changed in 1 commit" in out
    assert "+Customers pay for their basket in two steps" in out
    code, out, _ = run("show", "RFC-0001", "--format", "json", "--suspect", "-C",
                       str(changed.root))  # fmt: skip
    data = json.loads(out)["suspect"]
    assert data["status"] == "ok" and data["made_suspect"] == []
    [item] = data["rests_on_changed"]
    assert (item["id"], item["path"], item["how"]) == ("PRD-0001", PRD, ["text"])
    assert item["diff"].startswith("diff --git a/docs/prd/PRD-0001-checkout.md")


def test_impact_since_marks_what_the_change_makes_suspect(changed: HistoryRepo) -> None:
    changed.replace(RFC, "status: draft", "status: accepted")  # counts
    changed.replace(PRD, "Customers", "Customers  ")  # whitespace only: no mark
    code, out, _ = run("impact", "--since", "HEAD", "-C", str(changed.root), "--format", "json")
    assert code == 0
    marks = {n["id"]: n["suspect"] for n in json.loads(out)["nodes"]}
    assert marks == {"PRD-0001": [], "RFC-0001": [], "ADR-0001": ["RFC-0001"],
                     "TDD-0001": ["RFC-0001"]}  # fmt: skip
    code, out, _ = run("impact", "--since", "HEAD", "-C", str(changed.root))
    [adr] = [line for line in out.splitlines() if "ADR-0001" in line]
    assert adr.endswith("(from PRD-0001, RFC-0001)  suspect: rests on changed RFC-0001")
    assert out.rstrip().endswith("becoming suspect (TG503 once committed): 2")
    # Editing the TDD in the same change reviews it (default mode); recording a review too.
    changed.replace(TDD, "calls Stripe", "calls Stripe once accepted")
    assert run("review", "ADR-0001", "--of", "RFC-0001", "-C", str(changed.root))[0] == 0
    code, out, _ = run("impact", "--since", "HEAD", "-C", str(changed.root), "--format", "json")
    assert all(n["suspect"] == [] for n in json.loads(out)["nodes"])


def test_rules_documents_tg503() -> None:
    code, out, _ = run("rules", "TG503")
    assert code == 0 and out.startswith("TG503 suspect-link (default severity: warning)\n")
    for part in ("Why:", "Example:", "Fix:", "tracegraph review", "fetch-depth: 0", "strict"):
        assert part in out
    assert ADR and TDD  # the chain's other documents take part through the fixture


def test_the_report_counts_lists_and_trends_suspect_links(changed: HistoryRepo, tmp_path: Path):
    out = tmp_path / "out"
    history = str(tmp_path / "history.db")
    args = ["report", "-C", str(changed.root), "--history", history, "-o"]
    assert run(*args, str(out / "r.json"), "-o", str(out / "r.md"))[0] == 0
    first = json.loads((out / "r.json").read_text(encoding="utf-8"))
    assert first["figures"]["suspect_links"] == 1
    [link] = first["suspect"]["links"]
    assert (link["document"], link["upstream"]["id"], link["commits"]) == (
        "RFC-0001", "PRD-0001", 1,
    )  # fmt: skip
    assert first["suspect"]["note"] is None
    markdown = (out / "r.md").read_text(encoding="utf-8")
    assert "| suspect links |" in markdown and "<summary>Suspect links (1)</summary>" in markdown
    changed.replace(RFC, "status: draft", "status: accepted")
    changed.commit("RFC accepted")
    assert run(*args, str(out / "r.json"))[0] == 0
    second = json.loads((out / "r.json").read_text(encoding="utf-8"))
    assert second["figures"]["suspect_links"] == 2
    assert [p["suspect_links"] for p in second["trend"]] == [1, 2]
    assert run(*args, str(out / "r.html"))[0] == 0
    page = (out / "r.html").read_text(encoding="utf-8")
    assert 'id="suspect-figure"' in page and 'class="suspect"' in page  # the trend's line


def test_the_report_says_when_suspect_links_are_off(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "a.md").write_text("# A\n\n[b](b.md)\n")
    (plain / "b.md").write_text("# B\n")
    code, out, _ = run("report", "-C", str(plain), "--format", "json", "--no-history")
    assert code == 0
    note = json.loads(out)["suspect"]["note"]
    assert note == f"Suspect links (TG503) are off: {plain} is not in a git work tree."


def test_review_diff_follows_a_rename(changed: HistoryRepo) -> None:
    changed.git("mv", PRD, "docs/prd/PRD-0001-basket.md")
    changed.replace("docs/prd/PRD-0001-basket.md", "# Checkout", "# Checkout and basket")
    changed.commit("PRD renamed and retitled")
    code, out, _ = run("review", "RFC-0001", "--diff", "-C", str(changed.root))
    assert code == 0
    assert "== PRD-0001 (docs/prd/PRD-0001-basket.md): 2 commits since" in out
    assert "title Checkout -> Checkout and basket" in out
    assert "--- a/docs/prd/PRD-0001-checkout.md\n+++ b/docs/prd/PRD-0001-basket.md\n" in out
    assert "-# Checkout\n+# Checkout and basket\n" in out
    assert "+Customers pay for their basket in two steps" in out  # both changes, one diff
