"""The git helper behind ``impact --since``."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.chain_repo import make_chain
from tests.gitrepo import git, init_repo
from tracegraph import vcs
from tracegraph.errors import InputError, UsageError


def test_parse_name_status_takes_new_path_of_renames() -> None:
    out = b"M\0a.md\0R087\0old.py\0new.py\0C100\0x.md\0y.md\0D\0gone.md\0A\0new dir/f.md\0"
    assert vcs.parse_name_status(out) == ["a.md", "new.py", "y.md", "gone.md", "new dir/f.md"]
    assert vcs.parse_name_status(b"") == []


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return init_repo(make_chain(tmp_path / "repo"))


def test_changed_files_since_a_commit(repo: Path) -> None:
    (repo / "docs/adr/0001-use-stripe.md").write_text("# Use Stripe\n\nChanged.\n")
    (repo / "src/pay/service.py").write_text("print('changed')\n")
    git(repo, "mv", "src/refunds/api.py", "src/refunds/handlers.py")
    (repo / "NEW.md").write_text("# New\n")  # untracked
    assert vcs.changed_files(repo, "HEAD") == (
        "NEW.md",
        "docs/adr/0001-use-stripe.md",
        "src/pay/service.py",
        "src/refunds/handlers.py",
    )


def test_committed_changes_and_subfolder_paths(repo: Path) -> None:
    (repo / "docs/prd/PRD-0001-checkout.md").write_text("# Checkout\n\nv2\n")
    git(repo, "commit", "-qam", "second")
    assert vcs.changed_files(repo, "HEAD~1") == ("docs/prd/PRD-0001-checkout.md",)
    assert vcs.changed_files(repo, "HEAD") == ()
    # Scanning a folder inside the repository: paths are relative to that folder.
    assert vcs.changed_files(repo / "docs", "HEAD~1") == ("prd/PRD-0001-checkout.md",)


def test_unknown_revision_is_a_usage_error(repo: Path) -> None:
    with pytest.raises(UsageError, match="unknown git revision 'no-such-branch'"):
        vcs.changed_files(repo, "no-such-branch")
    with pytest.raises(UsageError, match="not a git revision"):
        vcs.changed_files(repo, "--output=/tmp/x")


def test_not_a_git_repository(tmp_path: Path) -> None:
    plain = make_chain(tmp_path / "plain")
    with pytest.raises(InputError, match="not inside a git work tree") as info:
        vcs.changed_files(plain, "HEAD")
    assert info.value.exit_code == 2
