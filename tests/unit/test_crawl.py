"""The crawl: which files are documents, git awareness, globs, symlinks."""

from __future__ import annotations

import os
import stat
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from tracegraph import api, gitcmd, safefs, warm
from tracegraph import crawl as crawl_module
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


def test_a_crawl_asks_git_once_where_the_root_stands(
    tree: Tree, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One ``rev-parse`` answers for the whole run (prefix, HEAD, shallow); the listing and the
    remote start beside it and are asked once; the work tree's top is never ignored, so only a
    folder below it asks ``check-ignore``."""
    root = tree({"a.md": "# A\n", "docs/b.md": "# B\n"})
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    asked: list[str] = []
    popen = gitcmd._popen

    def spy(command: list[str], *args: Any, **kwargs: Any) -> Any:
        asked.append(command[4] if command[3] == "--no-pager" else command[3])
        return popen(command, *args, **kwargs)

    monkeypatch.setattr(gitcmd, "_popen", spy)
    index = crawl(root, default_config())
    assert index.git is not None and (index.git.status, index.git.prefix) == ("empty", "")
    assert index.documents == ("a.md", "docs/b.md")
    assert sorted(a for a in asked if a != "config") == ["ls-files", "remote", "rev-parse"]
    asked.clear()
    below = crawl(root / "docs", default_config())
    assert below.git is not None and below.git.prefix == "docs/"
    assert sorted(a for a in asked if a != "config") == [
        "check-ignore",
        "ls-files",
        "remote",
        "rev-parse",
    ]
    assert below.documents == ("b.md",)
    asked.clear()
    fixed = replace(default_config(), repository=("https://github.com/o/r",))
    assert crawl(root, fixed).documents == ("a.md", "docs/b.md")
    assert sorted(a for a in asked if a != "config") == ["ls-files", "rev-parse"]


def test_a_crawl_outside_git_asks_for_the_listing_once(
    tree: Tree, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Outside a work tree the listing begun beside ``rev-parse`` is the answer the crawl
    reads (git's refusal), not asked again; the folders are walked."""
    root = tree({"a.md": "# A\n"})
    asked: list[str] = []
    popen = gitcmd._popen

    def spy(command: list[str], *args: Any, **kwargs: Any) -> Any:
        asked.append(command[4] if command[3] == "--no-pager" else command[3])
        return popen(command, *args, **kwargs)

    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(root.parent))
    monkeypatch.setattr(gitcmd, "_popen", spy)
    index = crawl(root, default_config())
    assert index.documents == ("a.md",)
    assert index.git is not None and index.git.status == "not-git"
    assert asked.count("ls-files") == 1


@pytest.mark.parametrize(
    "include",
    [("**/*.md", "**/*.markdown"), ("**/*.md",), ("**/*.txt", "/**/*.md/"), ("docs/**/*.md",)],
)
def test_the_document_test_answers_as_the_globs_do(include: tuple[str, ...]) -> None:
    paths = [
        "a.md", "docs/b.markdown", "x.md/inner.txt", "y.markdown/z.png", "c.mdx", "d.MD",
        "docs/e.txt", "docs/f.md.bak", "md", ".md", "docs/.md/g", "notes.txt",
    ]  # fmt: skip
    test = crawl_module._document_test(include, ())
    for path in paths:
        assert test(path) == any(matches_glob(path, glob) for glob in include), path
    excluded = crawl_module._document_test(include, ("docs",))
    for path in paths:
        assert excluded(path) == (test(path) and not matches_glob(path, "docs")), path


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


def test_folder_cache_resolves_as_inside_root_does(tmp_path: Path) -> None:
    """``inside_root_fast`` (folders resolved once per batch) gives ``inside_root``'s answer for
    plain files, links to files and folders inside and outside, ``..`` and missing paths."""
    outside = tmp_path / "outside"
    (outside / "sub").mkdir(parents=True)
    (outside / "secret.md").write_text("# secret\n")
    (outside / "sub" / "x.md").write_text("# x\n")
    root = tmp_path / "repo"
    (root / "docs" / "deep").mkdir(parents=True)
    for rel in ("a.md", "docs/b.md", "docs/deep/c.md"):
        (root / rel).write_text("# doc\n")
    os.symlink(outside / "secret.md", root / "docs" / "out.md")
    os.symlink("b.md", root / "docs" / "in.md")
    os.symlink(outside / "sub", root / "escape")
    os.symlink("docs", root / "alias")
    rels = ["a.md", "docs/b.md", "docs/deep/c.md", "docs/out.md", "docs/in.md", "escape/x.md",
            "alias/b.md", "alias/deep/c.md", "docs/../a.md", "../outside/secret.md",
            "docs/missing.md", "escape/missing.md", "docs//b.md", "./a.md", "docs/./b.md",
            "docs/", "docs/..", "/a.md", "docs/deep/../b.md"]  # fmt: skip
    folders: safefs.RealFolders = {}
    for _ in range(2):  # the second round answers from the filled folder cache
        for rel in rels:
            fast, full = safefs.inside_root_fast(root, rel, folders), safefs.inside_root(root, rel)
            assert (fast if fast is None else Path(fast)) == full, rel
    assert safefs.inside_root_fast(root, "escape/x.md", folders) is None
    assert read_document(root, "escape/x.md", 1000, folders).data is None
    assert read_document(root, "alias/deep/c.md", 1000, folders).data == b"# doc\n"


def test_size_limit(tmp_path: Path) -> None:
    (tmp_path / "big.md").write_bytes(b"x" * 2000)
    data = read_document(tmp_path, "big.md", 1000)
    assert data.data is None
    assert data.error is not None and "limits.max_file_bytes=1000" in data.error


def _locked(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """Make listing the folder ``name`` fail as it would without read permission (the tests
    run as root too, which reads every folder)."""
    real = os.scandir

    def scandir(path: str) -> object:
        if os.path.basename(os.fspath(path)) == name:
            raise PermissionError(13, "Permission denied", path)
        return real(path)

    monkeypatch.setattr(crawl_module.os, "scandir", scandir)


UNREADABLE_TREE = {
    "a.md": "# A\n\n[inside](locked/inside.md) [gone](gone.md)\n",
    "locked/inside.md": "# Inside\n",
}


def test_an_unreadable_folder_is_a_finding_not_broken_links(
    tree: Tree, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tree(UNREADABLE_TREE)
    _locked(monkeypatch, "locked")
    index = crawl(root, default_config())
    assert index.unreadable == (("locked", "Permission denied"),)
    assert index.documents == ("a.md",)
    findings = api.check(api.scan(root, index=index))
    assert [(f.code, f.path) for f in findings] == [("TG101", "a.md"), ("TG602", "locked")]
    assert "gone.md" in findings[0].message
    assert findings[1].message == (
        "folder cannot be read (Permission denied): the files in it are not scanned"
    )


def test_git_says_which_folders_it_could_not_list(
    tree: Tree, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tree(UNREADABLE_TREE)
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    real = warm.begin_git  # the listing is begun beside ``rev-parse`` (``warm.look``)

    def begin_git(
        where: Path, *args: str, timeout: float = 120.0, spool: bool = False
    ) -> gitcmd.PendingGit:
        pending = real(where, *args, timeout=timeout, spool=spool)
        answer = pending.answer

        def doctored() -> subprocess.CompletedProcess[bytes]:
            done = answer()
            if args[0] == "ls-files":  # as git prints it when it may not open the folder
                done.stdout = b"a.md\0"
                done.stderr = b"warning: could not open directory 'locked/': Permission denied\n"
            return done

        monkeypatch.setattr(pending, "answer", doctored)
        return pending

    monkeypatch.setattr(warm, "begin_git", begin_git)
    index = crawl(root, default_config())
    assert index.unreadable == (("locked", "Permission denied"),)


def test_the_unreadable_root_is_an_input_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    _locked(monkeypatch, "repo")
    with pytest.raises(InputError, match="cannot list the folder: Permission denied"):
        crawl(root, default_config())


def test_a_huge_limit_reads_only_what_the_file_holds(tmp_path: Path) -> None:
    # read(limit) would allocate the whole limit up front: 300 MB for every file, or fail
    (tmp_path / "a.md").write_bytes(b"# A\n" * 1000)
    data = read_document(tmp_path, "a.md", 10**18)
    assert data.error is None and data.data == b"# A\n" * 1000


@pytest.mark.parametrize("change", [-5, 5, 0])
def test_a_file_that_changed_size_since_fstat_is_read_to_its_end(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: int
) -> None:
    """One read where the file holds what ``fstat`` said; where it grew or shrank since (told
    here by a ``fstat`` that lies), reads go on to the end, within the limit."""
    path = tmp_path / "a.md"
    path.write_bytes(b"x" * 100)
    real_fstat = os.fstat
    reads: list[int] = []
    real_read = os.read

    def fstat(descriptor: int) -> os.stat_result:
        st = real_fstat(descriptor)
        fields = list(st)
        fields[stat.ST_SIZE] = st.st_size + change
        return os.stat_result(fields)

    def read(descriptor: int, size: int) -> bytes:
        reads.append(size)
        return real_read(descriptor, size)

    monkeypatch.setattr(safefs.os, "fstat", fstat)
    monkeypatch.setattr(safefs.os, "read", read)
    data, _size, _mtime = safefs.read_limited(path, 1000, "limit")
    assert data == b"x" * 100
    assert len(reads) == (1 if change == 0 else 2 if change > 0 else 3)
    with pytest.raises(safefs.Unreadable, match="over the limit"):
        safefs.read_limited(path, 97, "limit")  # fstat says 95: more than that comes


def test_a_name_listed_twice_or_out_of_order_is_one_file_in_order(
    tree: Tree, monkeypatch: pytest.MonkeyPatch
) -> None:
    """git lists an unmerged path once per stage, and untracked files after the tracked: the
    files and documents are each name once, sorted, as a set of them sorted would be."""
    root = tree({"a.md": "# A\n", "b.md": "# B\n", "c/d.md": "# D\n", "e.txt": ""})
    listed = ["b.md", "e.txt", "c/d.md", "a.md", "b.md"]
    monkeypatch.setattr(crawl_module, "_git_files", lambda *args, **kwargs: (listed, []))
    index = crawl(root, default_config())
    assert index.files == frozenset(listed)
    assert index.documents == ("a.md", "b.md", "c/d.md")
    assert index.dirs == frozenset({"", "c"})
