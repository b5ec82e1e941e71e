"""The parse cache and the parallel parse: same results as a plain serial parse, always."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tests.helpers import make_tree
from tracegraph import api, cache
from tracegraph.cli import cli
from tracegraph.config import load_config
from tracegraph.crawl import crawl

DOCS = {
    "docs/prd/PRD-0001-search.md": "---\nid: PRD-0001\nstatus: Approved\n---\n# Search\n\n"
    "## Goals\n\nFind things.\n",
    "docs/rfc/RFC-0001-index.md": "---\nimplements: PRD-0001\n---\n# RFC-0001: Index\n\n"
    "See [the PRD](../prd/PRD-0001-search.md#goals) and [gone](missing.md).\n",
    "docs/adr/0001-use-sqlite.md": "# 1. Use SQLite\n\n## Status\n\nAccepted\n\n"
    "## Context\n\nRFC-0001 asks for an index, [anchor](../rfc/RFC-0001-index.md#nope).\n",
    "README.md": "# Docs\n\n- [ADR 1](docs/adr/0001-use-sqlite.md)\n",
}
OLD = 1_600_000_000  # a 2020 mtime: older than RACY_SECONDS, so records are stored


def _age(root: Path) -> None:
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            if name.endswith(".md"):
                os.utime(os.path.join(dirpath, name), (OLD, OLD))


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    make_tree(root, DOCS)
    _age(root)
    return root


def _parse(root: Path, **kwargs: object) -> list[object]:
    config = load_config(root, None)
    index = crawl(root, config)
    return list(api.parse_files(root, index.documents, config, **kwargs))  # type: ignore[arg-type]


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every path the serial parse reads."""
    seen: list[str] = []
    import tracegraph.workers as workers

    original = workers.read_document

    def spy(root: Path, rel: str, *args: Any) -> object:
        seen.append(rel)
        return original(root, rel, *args)

    monkeypatch.setattr(workers, "read_document", spy)
    return seen


def test_record_round_trip_is_equal(repo: Path) -> None:
    for doc in _parse(repo):
        assert cache.decode(cache.encode(doc)) == doc  # type: ignore[arg-type]


def test_stored_documents_share_equal_headings_as_they_are_loaded(tmp_path: Path) -> None:
    """A loaded parse cache builds one object for equal headings of nearby documents (as a
    worker's chunk does); the documents equal those parsed afresh."""
    root = tmp_path / "repo"
    adr = "# {n}. Choice {n}\n\n## Status\n\nAccepted\n\n## Context\n\nWhy {n}.\n"
    make_tree(root, {f"docs/adr/000{n}-choice.md": adr.format(n=n) for n in range(1, 5)})
    _age(root)
    fresh = _parse(root, cache=True)
    loaded = cache.ParseCache(root, load_config(root, None)).entries
    docs = [loaded[doc.path][2] for doc in fresh]  # type: ignore[attr-defined]
    assert docs == fresh
    status = {id(h) for d in docs for h in d.headings if h.text == "Status"}  # type: ignore[union-attr]
    assert len(status) == 1 and len(docs) == 4


def test_unchanged_rerun_reads_no_markdown(repo: Path, reads: list[str]) -> None:
    first = _parse(repo, cache=True)
    assert (repo / cache.CACHE_DIR / cache.CACHE_FILE).is_file()
    assert (repo / ".tracegraph" / ".gitignore").read_text().splitlines()[-1] == "*"
    reads.clear()
    assert _parse(repo, cache=True) == first
    assert reads == []


def test_changed_file_is_parsed_again(repo: Path, reads: list[str]) -> None:
    _parse(repo, cache=True)
    target = repo / "docs/adr/0001-use-sqlite.md"
    target.write_text("# 1. Use Postgres\n\n## Status\n\nSuperseded\n", encoding="utf-8")
    os.utime(target, (OLD + 60, OLD + 60))
    reads.clear()
    docs = _parse(repo, cache=True)
    assert reads == ["docs/adr/0001-use-sqlite.md"]
    titles = {d.path: d.title for d in docs}  # type: ignore[attr-defined]
    assert titles["docs/adr/0001-use-sqlite.md"] == "1. Use Postgres"
    assert docs == _parse(repo)


def test_deleted_file_disappears(repo: Path) -> None:
    _parse(repo, cache=True)
    (repo / "README.md").unlink()
    docs = _parse(repo, cache=True)
    assert "README.md" not in {d.path for d in docs}  # type: ignore[attr-defined]
    with sqlite3.connect(repo / cache.CACHE_DIR / cache.CACHE_FILE) as db:
        paths = {row[0] for row in db.execute("SELECT path FROM documents")}
    assert "README.md" not in paths and len(paths) == 3


@pytest.mark.parametrize("garbage", [b"", b"not a database at all" * 100, b"SQLite format 3\0xx"])
def test_corrupt_cache_is_ignored_and_rebuilt(repo: Path, reads: list[str], garbage: bytes) -> None:
    expected = _parse(repo)
    path = repo / cache.CACHE_DIR / cache.CACHE_FILE
    path.parent.mkdir(parents=True)
    path.write_bytes(garbage)
    reads.clear()
    assert _parse(repo, cache=True) == expected
    assert len(reads) == 4
    reads.clear()
    assert _parse(repo, cache=True) == expected  # rebuilt: the rerun reads nothing
    assert reads == []


def test_corrupt_record_is_parsed_again(repo: Path, reads: list[str]) -> None:
    expected = _parse(repo, cache=True)
    with sqlite3.connect(repo / cache.CACHE_DIR / cache.CACHE_FILE) as db:
        db.execute("UPDATE documents SET record = x'00ff' WHERE path = 'README.md'")
    reads.clear()
    assert _parse(repo, cache=True) == expected
    assert reads == ["README.md"]


def test_another_versions_cache_is_ignored(
    repo: Path, reads: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = _parse(repo, cache=True)
    monkeypatch.setattr(cache, "__version__", "999.0")
    reads.clear()
    assert _parse(repo, cache=True) == expected
    assert len(reads) == 4


def test_config_change_invalidates(repo: Path, reads: list[str]) -> None:
    _parse(repo, cache=True)
    (repo / "tracegraph.yaml").write_text("status_aliases:\n  accepted: approved\n")
    reads.clear()
    _parse(repo, cache=True)
    assert len(reads) == 4


def test_racily_fresh_files_are_not_stored(tmp_path: Path) -> None:
    root = tmp_path / "fresh"
    make_tree(root, DOCS)  # mtimes are now: a same-size edit within the tick would be missed
    _parse(root, cache=True)
    assert not (root / cache.CACHE_DIR).exists()


def test_parallel_parse_equals_serial(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for n in range(40):
        (repo / f"docs/tdd/TDD-{n:04d}-x.md").parent.mkdir(parents=True, exist_ok=True)
        (repo / f"docs/tdd/TDD-{n:04d}-x.md").write_text(
            f"# TDD-{n:04d}\n\nImplements RFC-0001, [x](../adr/0001-use-sqlite.md#context).\n"
        )
    serial = _parse(repo, parallel_threshold=10**9)
    import tracegraph.workers as workers

    monkeypatch.setattr(workers.os, "cpu_count", lambda: 2)
    calls: list[int] = []
    original = workers.parse_parallel

    def spy(*args: object, **kwargs: object) -> object:
        calls.append(args[4])  # type: ignore[arg-type]
        return original(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(workers, "parse_parallel", spy)
    parallel = _parse(repo, parallel_threshold=2)
    assert calls == [2]
    assert parallel == serial
    assert [d.path for d in parallel] == sorted(d.path for d in serial)  # type: ignore[attr-defined]


def test_progress_reaches_the_total(repo: Path) -> None:
    seen: list[tuple[int, int]] = []
    _parse(repo, progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (4, 4)


@pytest.mark.parametrize(
    "args",
    [
        ["check", "--format", "json", "--today", "2026-01-01"],
        ["export", "--format", "json"],
    ],
)
def test_cli_output_is_byte_identical_with_and_without_cache(repo: Path, args: list[str]) -> None:
    runner = CliRunner()
    plain = runner.invoke(cli, [*args, str(repo), "--no-cache"])
    assert not (repo / cache.CACHE_DIR).exists()
    cold = runner.invoke(cli, [*args, str(repo)])
    assert (repo / cache.CACHE_DIR / cache.CACHE_FILE).is_file()
    warm = runner.invoke(cli, [*args, str(repo)])
    assert plain.exit_code == cold.exit_code == warm.exit_code
    assert plain.stdout_bytes == cold.stdout_bytes == warm.stdout_bytes
    assert b"TG101" in plain.stdout_bytes or b"nodes" in plain.stdout_bytes


def test_quiet_and_no_cache_are_accepted_everywhere(repo: Path) -> None:
    runner = CliRunner()
    for args in (
        ["scan", str(repo)],
        ["impact", "PRD-0001", "--root", str(repo)],
        ["show", "ADR-0001", "--root", str(repo)],
        ["render", str(repo), "--format", "mermaid"],
    ):
        result = runner.invoke(cli, [*args, "--no-cache", "-q"])
        assert result.exit_code == 0, result.output
        assert "parsed" not in result.stderr


def test_wikilink_mode_is_part_of_the_fingerprint(repo: Path, reads: list[str]) -> None:
    (repo / "README.md").write_text("# Docs\n\n- [[ADR-0001]]\n")
    _age(repo)
    plain = api.scan(repo, cache=True)
    assert {r.kind.value for d in plain.documents for r in d.references} >= {"mention"}
    (repo / ".obsidian").mkdir()  # git-ignored in real vaults: no listed file changes
    reads.clear()
    wiki = api.scan(repo, cache=True)
    assert len(reads) == 4  # every document parsed again
    readme = wiki.by_path["README.md"]
    assert [r.kind.value for r in readme.references] == ["wikilink"]


def test_designs_are_cached_and_a_mapping_change_reparses(tmp_path: Path, reads: list[str]) -> None:
    from tests.arch_repo import Part, tdd

    root = make_tree(
        tmp_path / "arch",
        {"docs/tdd/TDD-0001-orders.md": tdd("Orders", components=[Part("Order API")])},
    )
    _age(root)
    (fresh,) = _parse(root, cache=True)
    assert fresh.design is not None  # type: ignore[attr-defined]
    assert cache.decode(cache.encode(fresh)) == fresh  # type: ignore[arg-type]
    reads.clear()
    assert _parse(root, cache=True) == [fresh] and reads == []
    (root / "tracegraph.yaml").write_text("types:\n  TDD:\n    architecture: false\n")
    (again,) = _parse(root, cache=True)
    assert reads == ["docs/tdd/TDD-0001-orders.md"] and again.design is None  # type: ignore[attr-defined]


def test_a_planted_design_record_is_a_miss_not_a_crash() -> None:
    from tests.arch_repo import Part, tdd
    from tracegraph.config import Limits, default_config
    from tracegraph.parse import Recogniser, parse_document

    text = tdd("Orders", components=[Part("Order API", dependencies="Kafka")], tables=["orders"])
    doc = parse_document(
        "docs/tdd/TDD-0001-x.md", text.encode(), Recogniser.from_config(default_config()), Limits()
    )
    record = cache.encode(doc)
    assert cache.valid_record(record)
    design = record[-1]
    for planted in (
        "x",
        (design[0], design[1]),
        ((("Order API", "1", "", "", (), ()),), (), ()),
        (((*design[0][0][:5], (("Kafka", "3"),)),), design[1], design[2]),
        (design[0], design[1], (("orders", 1, None),)),
    ):
        assert not cache.valid_record((*record[:-1], planted))
