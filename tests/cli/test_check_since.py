"""``tracegraph check --since REF``: only what the changes introduce, and what they resolve."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tests.conftest import SAMPLE_REPO
from tracegraph import api
from tracegraph.checks import parallel
from tracegraph.cli import cli
from tracegraph.errors import InputError


def git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@t", *args],
        check=True, capture_output=True,
    )  # fmt: skip


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(SAMPLE_REPO, root)
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "base")
    return root


def run(*args: str, cache: bool = False) -> tuple[int, str, str]:
    more = [] if cache else ["--no-cache"]
    result = CliRunner().invoke(cli, ["check", *args, "--today", "2026-01-01", *more])
    return result.exit_code, result.stdout, result.stderr


def test_nothing_changed_reports_nothing(repo: Path) -> None:
    code, out, _ = run(str(repo), "--since", "HEAD")
    assert code == 0
    assert out.endswith("no new findings in 22 documents; since HEAD: 0 resolved, 10 unchanged\n")


def test_new_and_resolved_findings(repo: Path) -> None:
    adr = repo / "docs/adr/0006-use-utc-timestamps-in-public-apis.md"
    extra = "\nSee [the plan](nowhere.md) and [TDD-0004](../tdd/TDD-0004-usage-metering.md).\n"
    adr.write_text(adr.read_text() + extra, encoding="utf-8")
    code, out, _ = run(str(repo), "--since", "HEAD")
    assert code == 1
    lines = out.splitlines()
    assert "TG101 [error] broken link: nowhere.md does not exist" in lines[0]
    assert "TG201 resolved: orphan: ADR-0006 has no link" in out
    assert lines[-1].endswith("since HEAD: 1 resolved, 9 unchanged")
    code, out, _ = run(str(repo), "--since", "HEAD", "--format", "json")
    data = json.loads(out)
    assert [f["code"] for f in data["findings"]] == ["TG101"]
    assert data["since"]["ref"] == "HEAD" and data["since"]["unchanged"] == 9
    assert [f["code"] for f in data["since"]["resolved"]] == ["TG201"]


def test_only_warnings_new_passes_at_fail_on_error(repo: Path) -> None:
    tdd = next((repo / "docs/tdd").glob("TDD-0001-*.md"))
    tdd.write_text(tdd.read_text() + "\nOwner: [Name]\n", encoding="utf-8")
    code, out, _ = run(str(repo), "--since", "HEAD")
    assert code == 0 and "TG402 [warning] placeholder: [Name]" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--since", "no-such-ref"], "unknown git revision 'no-such-ref'"),
        (["--since", "HEAD", "--write-baseline", "b.json"], "--since and --write-baseline"),
    ],
)
def test_usage_errors(repo: Path, args: list[str], message: str) -> None:
    code, _, err = run(str(repo), *args)
    assert code == 2 and message in err and len(err.splitlines()) == 1


def test_outside_git(tmp_path: Path) -> None:
    shutil.copytree(SAMPLE_REPO, tmp_path / "plain")
    code, _, err = run(str(tmp_path / "plain"), "--since", "HEAD")
    assert code == 2 and "git" in err


@pytest.fixture
def in_child(monkeypatch: pytest.MonkeyPatch) -> None:
    """Check the tree at REF in a forked child, as a large tree is (even when an earlier test
    left a thread running)."""
    monkeypatch.setattr(api, "SINCE_CHILD_DOCUMENTS", 0)
    monkeypatch.setattr(parallel, "can_fork", lambda: True)


def test_an_error_at_ref_in_the_child_is_one_line(
    repo: Path, monkeypatch: pytest.MonkeyPatch, in_child: None
) -> None:
    here, at_ref = os.getpid(), api._findings_at

    def failing(*args: Any) -> Any:
        if os.getpid() != here:
            raise InputError("docs/adr/0001.md:3: cannot be read at REF")
        return at_ref(*args)

    monkeypatch.setattr(api, "_findings_at", failing)
    (repo / "docs" / "new.md").write_text("# New\n", encoding="utf-8")
    code, out, err = run(str(repo), "--since", "HEAD")
    assert (code, out) == (2, "")
    assert err == "tracegraph: error: docs/adr/0001.md:3: cannot be read at REF\n"


@pytest.mark.parametrize("use_cache", [False, True], ids=["no-cache", "cache"])
def test_a_child_that_dies_leaves_the_check_at_ref_here(
    repo: Path, monkeypatch: pytest.MonkeyPatch, in_child: None, use_cache: bool
) -> None:
    (repo / "docs" / "new.md").write_text("# New\n\n[gone](nowhere.md)\n", encoding="utf-8")
    args = (str(repo), "--since", "HEAD", "--format", "json")
    expected = run(*args)
    assert expected[0] == 1 and '"TG101"' in expected[1]
    here, at_ref = os.getpid(), api._findings_at

    died = repo.parent / "died"

    def dying(*args: Any) -> Any:
        if os.getpid() != here:
            died.touch()
            os._exit(3)
        return at_ref(*args)

    monkeypatch.setattr(api, "_findings_at", dying)
    assert run(*args, cache=use_cache) == expected
    assert died.exists()
