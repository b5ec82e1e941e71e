"""The repository's own web address: remote URL forms, which URLs point into it, and where."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.gitrepo import git, init_repo
from tracegraph.repository import KnownAddresses, Repository, find_addresses, web_address


@pytest.mark.parametrize(
    ("remote", "address"),
    [
        ("https://github.com/rust-lang/rfcs", "https://github.com/rust-lang/rfcs"),
        ("https://github.com/rust-lang/rfcs.git", "https://github.com/rust-lang/rfcs"),
        ("https://github.com/rust-lang/rfcs/", "https://github.com/rust-lang/rfcs"),
        ("https://token@GitHub.com/rust-lang/rfcs.git", "https://github.com/rust-lang/rfcs"),
        ("http://github.com/o/r", "https://github.com/o/r"),
        ("git@github.com:rust-lang/rfcs.git", "https://github.com/rust-lang/rfcs"),
        ("github.com:o/r", "https://github.com/o/r"),
        ("ssh://git@github.com/o/r.git", "https://github.com/o/r"),
        ("ssh://git@gitlab.example.com:2222/group/sub/repo.git", "https://gitlab.example.com/group/sub/repo"),
        ("git://github.com/o/r.git", "https://github.com/o/r"),
        ("https://ghe.example.com:8443/o/r.git", "https://ghe.example.com:8443/o/r"),
    ],
)  # fmt: skip
def test_web_address_of_remote_forms(remote: str, address: str) -> None:
    assert web_address(remote) == address


@pytest.mark.parametrize(
    "remote", ["/srv/git/repo.git", "../other", "file:///srv/repo.git", "https://github.com/o", ""]
)
def test_local_and_incomplete_remotes_have_no_web_address(remote: str) -> None:
    assert web_address(remote) is None


REPO = Repository("https://github.com/rust-lang/rfcs")
GH = "https://github.com/rust-lang/rfcs"
SHA = "de235887a80555427314c7eb25c6214523d50cce"
RAW = "https://raw.githubusercontent.com/rust-lang/rfcs"


@pytest.mark.parametrize(
    ("url", "path", "fragment", "pinned"),
    [
        (GH + "/blob/master/text/0001-x.md", "text/0001-x.md", None, False),
        (GH + "/blob/master/text/0001-x.md#motivation", "text/0001-x.md", "motivation", False),
        (GH + "/tree/master/text", "text", None, False),
        (GH + "/tree/master/", "", None, False),
        (GH + "/raw/HEAD/img/a.png", "img/a.png", None, False),
        (GH + "/blame/master/README.md", "README.md", None, False),
        ("http://www.github.com/Rust-Lang/RFCs/blob/master/README.md", "README.md", None, False),
        (RAW + "/master/text/0002-y.md", "text/0002-y.md", None, False),
        (GH + "/blob/master/text/my%20file.md", "text/my file.md", None, False),
        (GH + "/blob/master/text/../README.md", "README.md", None, False),
        (GH + "/blob/master/text/x.md?plain=1#L10", "text/x.md", None, False),
        (GH + "/blob/de23588/text/0000-x.md#a", "text/0000-x.md", "a", True),
        (f"{GH}/blob/{SHA}/x.md", "x.md", None, True),
    ],
)  # fmt: skip
def test_file_and_folder_views_point_into_the_repository(
    url: str, path: str, fragment: str | None, pinned: bool
) -> None:
    own = REPO.locate(url)
    assert own is not None
    assert (own.path, own.fragment, own.pinned) == (path, fragment, pinned)


@pytest.mark.parametrize(
    "url",
    [
        "https://github.com/rust-lang/rfcs",  # the home page
        "https://github.com/rust-lang/rfcs/",
        "https://github.com/rust-lang/rfcs/pull/195",
        "https://github.com/rust-lang/rfcs/issues/744",
        "https://github.com/rust-lang/rfcs/commit/de235887a80555427314c7eb25c6214523d50cce",
        "https://github.com/rust-lang/rfcs/compare/a...b",
        "https://github.com/rust-lang/rfcs/wiki/Page",
        GH + "/blob/",
        "https://github.com/rust-lang/rfcs-other/blob/master/README.md",
        "https://github.com/rust-lang/rust/blob/master/README.md",
        "https://gitlab.com/rust-lang/rfcs/blob/master/README.md",
        "ftp://github.com/rust-lang/rfcs/blob/master/README.md",
    ],
)
def test_pages_that_are_not_files_and_other_repositories_are_external(url: str) -> None:
    assert REPO.locate(url) is None


def test_gitlab_file_views() -> None:
    repo = Repository("https://gitlab.example.com/group/sub/repo")
    own = repo.locate("https://gitlab.example.com/group/sub/repo/-/blob/main/docs/a.md#x")
    assert own is not None and (own.path, own.fragment) == ("docs/a.md", "x")
    assert repo.locate("https://gitlab.example.com/group/sub/repo/-/merge_requests/3") is None


def test_a_scanned_subfolder_maps_paths_and_leaves_the_rest_outside() -> None:
    repo = Repository("https://github.com/o/r", prefix="docs")
    base = "https://github.com/o/r/blob/main/"
    located = [repo.locate(base + "docs/a.md"), repo.locate(base + "docs")]
    assert [(o.path, o.repo_path) for o in located if o] == [("a.md", "docs/a.md"), ("", "docs")]
    for url in (base + "src/app.py", base + "README.md", base + "docs-old/a.md", base + "../x"):
        own = repo.locate(url)
        assert own is not None and own.path is None, url


def test_the_address_comes_from_config_or_the_origin_remote(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    (root / "docs").mkdir(parents=True)
    (root / "docs" / "a.md").write_text("# A\n")
    init_repo(root)
    declared = [("https://github.com/owner/book", "book.toml")]
    # A work tree without a remote: nothing fixed, links may still show addresses.
    assert find_addresses(root, None, declared) == KnownAddresses((), tuple(declared), True, "")
    git(root, "remote", "add", "origin", "git@github.com:Owner/Repo.git")
    found = find_addresses(root / "docs", None, [])
    origin = Repository("https://github.com/Owner/Repo", "docs", ("git remote origin",))
    assert found == KnownAddresses((origin,), (), True, "docs")
    configured = find_addresses(root, ("https://gitlab.com/team/docs",), declared)
    config_only = (Repository("https://gitlab.com/team/docs"),)
    assert configured == KnownAddresses(config_only, (), False, "")
    assert find_addresses(root, False, declared) == KnownAddresses()


def test_outside_git_only_the_configured_addresses_are_fixed(tmp_path: Path) -> None:
    assert find_addresses(tmp_path, None, []) == KnownAddresses((), (), True, None)
    assert find_addresses(tmp_path, ("https://github.com/o/r", "git@github.com:O/R"), []) == (
        KnownAddresses((Repository("https://github.com/o/r"),), (), False, None)
    )
