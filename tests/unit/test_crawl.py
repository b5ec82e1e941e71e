"""The crawl: which files are documents, git awareness, globs, symlinks."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from tracegraph.config import config_from_mapping, default_config
from tracegraph.crawl import crawl, matches_glob, read_document
from tracegraph.errors import InputError

Tree = Callable[[Mapping[str, str | bytes]], Path]


def test_walk_skips_build_and_vendor_folders(tree: Tree) -> None:
    root = tree(
        {
            "a.md": "# A\n",
            "docs/b.markdown": "# B\n",
            "node_modules/pkg/README.md": "# no\n",
            "build/out.md": "# no\n",
            ".venv/x.md": "# no\n",
            "src/c.py": "",
        }
    )
    index = crawl(root, default_config())
    assert index.documents == ("a.md", "docs/b.markdown")
    assert "src/c.py" in index.files


def test_git_listing_respects_gitignore(tree: Tree) -> None:
    root = tree({"a.md": "# A\n", "ignored/b.md": "# B\n", ".gitignore": "ignored/\n"})
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    index = crawl(root, default_config())
    assert index.documents == ("a.md",)


def test_ignored_root_is_walked(tree: Tree) -> None:
    root = tree({".gitignore": "generated/\n", "generated/docs/a.md": "# A\n"})
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    assert crawl(root, default_config()).documents == ()  # the repo root publishes nothing
    assert crawl(root / "generated", default_config()).documents == ("docs/a.md",)


def test_include_exclude_globs(tree: Tree) -> None:
    root = tree({"docs/a.md": "", "docs/legacy/b.md": "", "CHANGELOG.md": ""})
    config = config_from_mapping({"exclude": ["docs/legacy", "CHANGELOG.md"]}, "t.yaml")
    assert crawl(root, config).documents == ("docs/a.md",)


@pytest.mark.parametrize(
    ("path", "pattern", "expected"),
    [
        ("a/b/c.md", "**/*.md", True),
        ("c.md", "**/*.md", True),
        ("a/b/c.md", "a/**", True),
        ("a/b/c.md", "a", True),
        ("ab/c.md", "a", False),
        ("a/c.txt", "**/*.md", False),
        ("a/c.md", "*.md", False),
    ],
)
def test_matches_glob(path: str, pattern: str, expected: bool) -> None:
    assert matches_glob(path, pattern) is expected


def test_missing_root_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        crawl(tmp_path / "nope", default_config())


def test_symlink_outside_root_is_not_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.md"
    secret.write_text("# secret\n")
    root = tmp_path / "repo"
    root.mkdir()
    os.symlink(secret, root / "link.md")
    data = read_document(root, "link.md", 1000)
    assert data.data is None
    assert data.error is not None and "outside" in data.error


def test_size_limit(tmp_path: Path) -> None:
    (tmp_path / "big.md").write_bytes(b"x" * 2000)
    data = read_document(tmp_path, "big.md", 1000)
    assert data.data is None
    assert data.error is not None and "limits.max_file_bytes=1000" in data.error


def test_a_huge_limit_reads_only_what_the_file_holds(tmp_path: Path) -> None:
    # read(limit) would allocate the whole limit up front: 300 MB for every file, or fail
    (tmp_path / "a.md").write_bytes(b"# A\n" * 1000)
    data = read_document(tmp_path, "a.md", 10**18)
    assert data.error is None and data.data == b"# A\n" * 1000
