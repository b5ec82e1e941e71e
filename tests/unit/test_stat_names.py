"""``warm.lstat_names``: the optional C build (``tracegraph/_stat.c``) gives what ``os.lstat``
gives, name for name, whatever the listing holds."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracegraph import warm


def _pure(prefix: str, names: list[str]) -> list[warm.FileStat | None]:
    saved = warm._STAT_NAMES
    warm._STAT_NAMES = None
    try:
        return warm.lstat_names(prefix, names)
    finally:
        warm._STAT_NAMES = saved


@pytest.fixture
def fast() -> None:
    if warm._STAT_NAMES is None:
        pytest.skip("tracegraph._stat is not built here (setup.py builds it on Linux)")


def _tree(root: Path) -> list[str]:
    """Every kind of name a listing can hold, and the names it holds."""
    (root / "docs" / "adr").mkdir(parents=True)
    (root / "docs" / "adr" / "0001-a.md").write_text("# A\n", encoding="utf-8")
    (root / "top.md").write_text("top\n", encoding="utf-8")
    (root / "docs" / "café.md").write_text("é\n", encoding="utf-8")
    (root / "docs" / "link.md").symlink_to("adr/0001-a.md")
    (root / "docs" / "dangling.md").symlink_to("nowhere.md")
    (root / "docs" / "folder-link").symlink_to("adr", target_is_directory=True)
    (root / "nested").mkdir()
    (root / "file.md").write_text("x\n", encoding="utf-8")
    names = [
        "top.md", "docs/adr/0001-a.md", "docs/café.md", "docs/link.md", "docs/dangling.md",
        "docs/folder-link", "docs/folder-link/0001-a.md", "nested/", "nested", "docs/gone.md",
        "gone/deeper/x.md", "file.md/under-a-file.md", "", "docs/adr", "./top.md",
        "docs/../top.md", "docs//adr/0001-a.md",
    ]  # fmt: skip
    if sys.platform.startswith("linux"):  # a name that is not UTF-8, as os.fsdecode shows it
        raw = os.fsencode(root) + b"/docs/bad-\xff.md"
        with open(raw, "wb") as handle:
            handle.write(b"x")
        names.append(os.fsdecode(b"docs/bad-\xff.md"))
    return names


def test_the_c_build_stats_every_kind_of_name_as_lstat_does(tmp_path: Path, fast: None) -> None:
    names = _tree(tmp_path / "ré po")
    prefix = os.path.join(os.fspath(tmp_path / "ré po"), "")
    assert warm.lstat_names(prefix, names) == _pure(prefix, names)
    got = warm.lstat_names(prefix, names)
    assert got[names.index("")] is None and got[names.index("docs/gone.md")] is None
    assert got[names.index("nested/")] is not None  # a folder git lists as a repository


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    order=st.lists(st.integers(min_value=0, max_value=16), max_size=40),
    long=st.integers(min_value=0, max_value=3),
)
def test_any_listing_order_stats_the_same(
    tmp_path_factory: pytest.TempPathFactory, fast: None, order: list[int], long: int
) -> None:
    """Names in any order and repeated (folders opened again and again), some longer than the
    C build's first buffer."""
    root = tmp_path_factory.mktemp("tree")
    base = _tree(root)
    deep = "/".join(["d" * 60] * (3 + long))
    (root / deep).mkdir(parents=True)
    (root / deep / "f.md").write_text("f\n", encoding="utf-8")
    names = [base[i % len(base)] for i in order] + [f"{deep}/f.md", f"{deep}/missing.md"]
    prefix = os.path.join(os.fspath(root), "")
    assert warm.lstat_names(prefix, names) == _pure(prefix, names)


def test_a_build_of_another_abi_is_not_used(monkeypatch: pytest.MonkeyPatch) -> None:
    """An edited ``_stat.c`` not compiled again (its ``ABI`` is not the one this source
    expects) is not used; nor is any build with ``TRACEGRAPH_PURE`` set."""
    monkeypatch.setattr(warm, "STAT_ABI", -1)
    assert warm._load_stat_names() is None
    monkeypatch.undo()
    monkeypatch.setenv("TRACEGRAPH_PURE", "1")
    assert warm._load_stat_names() is None
