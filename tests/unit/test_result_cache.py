"""The result cache of ``tracegraph check``: a rerun over an unchanged tree returns the stored
findings without parsing or checking, and anything that could change them is a miss."""

from __future__ import annotations

import marshal
import os
import sqlite3
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tests.helpers import latest_result, make_tree
from tracegraph import api, cache, graph, output, presets, warm
from tracegraph.cli import cli
from tracegraph.model import Finding

DOCS = {
    "docs/prd/PRD-0001-search.md": "---\nid: PRD-0001\nstatus: Approved\ncreated: 2025-01-01\n"
    "---\n# Search\n\n## Goals\n\nFind things. See [diagram](diagram.png).\n",
    "docs/rfc/RFC-0001-index.md": "---\nimplements: PRD-0001\n---\n# RFC-0001: Index\n\n"
    "See [the PRD](../prd/PRD-0001-search.md#goals) and [gone](missing.md).\n",
    "docs/adr/0001-use-sqlite.md": "# 1. Use SQLite\n\n## Status\n\nAccepted\n\n"
    "## Context\n\nRFC-0001 asks for an index, [anchor](../rfc/RFC-0001-index.md#nope).\n",
    "README.md": "# Docs\n\n- [ADR 1](docs/adr/0001-use-sqlite.md)\n",
}
TODAY = date(2026, 1, 1)


@pytest.fixture(autouse=True)
def settled(monkeypatch: pytest.MonkeyPatch) -> None:
    """Files written by a test are seconds old at most; treat them as settled so results are
    stored (one test below checks the real racy rule)."""
    monkeypatch.setattr(cache, "RACY_SECONDS", 0.0)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_tree(tmp_path / "repo", DOCS)


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """One entry per graph build (i.e. per run that was not answered from the cache)."""
    calls: list[int] = []
    original = graph.build_corpus

    def spy(*args: object, **kwargs: object) -> object:
        calls.append(1)
        return original(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr("tracegraph.graph.build_corpus", spy)
    return calls


def _run(root: Path, **kwargs: object) -> api.CheckRun:
    kwargs.setdefault("today", TODAY)
    return api.check_tree(root, cache=True, **kwargs)  # type: ignore[arg-type]


def _fresh(root: Path, **kwargs: object) -> api.CheckRun:
    kwargs.setdefault("today", TODAY)
    return api.check_tree(root, cache=False, **kwargs)  # type: ignore[arg-type]


def _codes(run: api.CheckRun) -> list[tuple[str, str]]:
    return [(f.code, f.path) for f in run.findings]


def _same(a: api.CheckRun, b: api.CheckRun) -> bool:
    return (a.findings, a.documents, a.references) == (b.findings, b.documents, b.references)


def test_unchanged_rerun_is_answered_from_the_cache(repo: Path, builds: list[int]) -> None:
    first = _run(repo)
    assert not first.cached and builds == [1]
    assert (repo / cache.CACHE_DIR / cache.RESULTS_FILE).is_file()
    second = _run(repo)
    assert second.cached and builds == [1]
    assert _same(first, second)
    assert _same(second, _fresh(repo))
    assert second.documents == 4 and second.references == first.references > 0


def test_changed_file_is_checked_again(repo: Path, builds: list[int]) -> None:
    before = _run(repo)
    assert ("TG101", "docs/rfc/RFC-0001-index.md") in _codes(before)
    rfc = repo / "docs/rfc/RFC-0001-index.md"
    rfc.write_text(rfc.read_text().replace("[gone](missing.md)", "no link"), encoding="utf-8")
    after = _run(repo)
    # A links-only edit: rechecked from the graph stored beside the findings, none built.
    assert not after.cached and len(builds) == 1
    assert ("TG101", "docs/rfc/RFC-0001-index.md") not in _codes(after)
    assert _same(after, _fresh(repo))
    rfc.write_text("# Renamed\n\n" + rfc.read_text(), encoding="utf-8")
    again = _run(repo)  # a new heading: the graph is built again
    assert not again.cached and len(builds) == 3  # (and once more for the fresh run above)
    assert _same(again, _fresh(repo))


def test_same_size_edit_with_the_old_mtime_is_seen(repo: Path) -> None:
    _run(repo)
    adr = repo / "docs/adr/0001-use-sqlite.md"
    st = adr.stat()
    text = adr.read_text()
    adr.write_text(text.replace("#nope", "#goal"), encoding="utf-8")  # same size
    os.utime(adr, ns=(st.st_atime_ns, st.st_mtime_ns))  # and the same mtime
    assert adr.stat().st_size == st.st_size and adr.stat().st_mtime_ns == st.st_mtime_ns
    after = _run(repo)
    assert not after.cached  # the ctime changed
    assert _same(after, _fresh(repo))


@pytest.mark.parametrize("artifact", ["docs/prd/diagram.png", "docs/rfc/missing.md"])
def test_an_artifact_appearing_or_vanishing_is_seen(repo: Path, artifact: str) -> None:
    source = {"docs/prd/diagram.png": "docs/prd/PRD-0001-search.md"}.get(
        artifact, "docs/rfc/RFC-0001-index.md"
    )
    broken = _run(repo)
    assert ("TG101", source) in _codes(broken)
    (repo / artifact).write_bytes(b"\x89PNG" if artifact.endswith(".png") else b"# Here\n")
    fixed = _run(repo)
    assert not fixed.cached and ("TG101", source) not in _codes(fixed)
    assert _same(fixed, _fresh(repo))
    (repo / artifact).unlink()
    again = _run(repo)  # the first tree again: its stored result is the right one
    assert ("TG101", source) in _codes(again)
    assert _same(again, broken) and _same(again, _fresh(repo))


def test_config_change_is_seen(repo: Path) -> None:
    before = _run(repo)
    assert any(f.code == "TG201" for f in before.findings) or before.findings
    (repo / "tracegraph.yaml").write_text("rules:\n  ignore: [TG101]\n", encoding="utf-8")
    after = _run(repo)
    assert not after.cached
    assert "TG101" not in {f.code for f in after.findings}
    assert _same(after, _fresh(repo))
    (repo / "tracegraph.yaml").write_text("rules:\n  ignore: [TG102]\n", encoding="utf-8")
    other = _run(repo)
    assert not other.cached and "TG101" in {f.code for f in other.findings}


def test_config_outside_the_tree_is_part_of_the_key(repo: Path, tmp_path: Path) -> None:
    outside = tmp_path / "team.yaml"
    outside.write_text("rules:\n  ignore: [TG101]\n", encoding="utf-8")
    first = _run(repo, config_path=outside)
    assert "TG101" not in {f.code for f in first.findings}
    outside.write_text("rules:\n  ignore: [TG102]\n", encoding="utf-8")
    second = _run(repo, config_path=outside)
    assert not second.cached and "TG101" in {f.code for f in second.findings}


def _adr_sections(run: api.CheckRun) -> list[str]:
    return [f.message for f in run.findings if f.code == "TG401" and "adr" in f.path]


def test_template_change_is_seen(repo: Path, tmp_path: Path) -> None:
    (repo / "tpl").mkdir()
    (repo / "tpl/adr.md").write_text("# ADR\n\n## Status\n\n## Context\n", encoding="utf-8")
    config = repo / "tracegraph.yaml"
    config.write_text("types:\n  ADR:\n    template: tpl/adr.md\n", encoding="utf-8")
    first = _run(repo)
    assert _adr_sections(first) == []
    outside = repo / "build" / "adr-template.md"  # a folder the listing skips
    outside.parent.mkdir()
    outside.write_text("# ADR\n\n## Status\n\n## Context\n", encoding="utf-8")
    config.write_text("types:\n  ADR:\n    template: build/adr-template.md\n", encoding="utf-8")
    assert not _run(repo).cached
    assert _run(repo).cached
    outside.write_text("# ADR\n\n## Status\n\n## Decision\n", encoding="utf-8")
    changed = _run(repo)
    assert not changed.cached and len(_adr_sections(changed)) == 1
    assert _same(changed, _fresh(repo))


def test_today_and_selection_are_part_of_the_key(repo: Path) -> None:
    base = _run(repo)
    later = _run(repo, today=date(2030, 1, 1))
    assert not later.cached
    assert "TG501" in {f.code for f in later.findings} - {f.code for f in base.findings}
    assert _run(repo, today=date(2030, 1, 1)).cached
    selected = _run(repo, select=("TG101",))
    assert not selected.cached and {f.code for f in selected.findings} == {"TG101"}
    ignored = _run(repo, ignore=("TG1",))
    assert not ignored.cached and not {f.code for f in ignored.findings} & {"TG101", "TG102"}
    assert _run(repo).cached and _same(_run(repo), base)


def test_another_tracegraph_source_is_a_miss(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _run(repo)
    monkeypatch.setattr(warm, "_PACKAGE_DIGEST", "edited rule")
    assert not _run(repo).cached


@pytest.mark.parametrize("garbage", [b"", b"not a database at all" * 100, b"SQLite format 3\0xx"])
def test_corrupt_file_is_ignored_and_replaced(repo: Path, garbage: bytes) -> None:
    expected = _fresh(repo)
    path = repo / cache.CACHE_DIR / cache.RESULTS_FILE
    path.parent.mkdir(parents=True)
    path.write_bytes(garbage)
    first = _run(repo)
    assert not first.cached and _same(first, expected)
    second = _run(repo)
    assert second.cached and _same(second, expected)


@pytest.mark.parametrize(
    "update",
    [
        "UPDATE results SET digest = 'x'",  # checksum mismatch
        "UPDATE results SET findings_size = findings_size - 1",  # not the file's size
        "UPDATE results SET state_size = -1",
        "UPDATE results SET documents = 'four'",
        "DROP TABLE results",
    ],
)
def test_corrupt_row_is_ignored(repo: Path, update: str) -> None:
    expected = _run(repo)
    with sqlite3.connect(repo / cache.CACHE_DIR / cache.RESULTS_FILE) as db:
        db.execute(update)
    again = _run(repo)
    assert not again.cached and _same(again, expected)
    assert _run(repo).cached  # stored again


def _result_file(repo: Path) -> Path:
    (found,) = (repo / cache.CACHE_DIR).glob(f"{cache.RESULT_PREFIX}*.bin")
    return found


@pytest.mark.parametrize("damage", ["flip a byte", "truncate", "remove", "link", "older layout"])
def test_a_damaged_result_file_is_a_miss(repo: Path, tmp_path: Path, damage: str) -> None:
    """The blobs live in a file beside the row that holds their sizes and checksum: any
    change to it (same size or not), its absence, a link in its place or a table of the
    older layout (blobs in the row) is a miss, and the next run stores the result again."""
    expected = _run(repo)
    path = _result_file(repo)
    data = path.read_bytes()
    if damage == "flip a byte":
        path.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))
    elif damage == "truncate":
        path.write_bytes(data[:-1])
    elif damage == "remove":
        path.unlink()
    elif damage == "link":
        (tmp_path / "elsewhere.bin").write_bytes(data)
        path.unlink()
        path.symlink_to(tmp_path / "elsewhere.bin")
    else:
        with sqlite3.connect(repo / cache.CACHE_DIR / cache.RESULTS_FILE) as db:
            db.execute("DROP TABLE results")
            db.execute(
                "CREATE TABLE results (key TEXT PRIMARY KEY, created INTEGER NOT NULL, "
                "documents INTEGER NOT NULL, refs INTEGER NOT NULL, digest TEXT NOT NULL, "
                "findings BLOB NOT NULL, state BLOB NOT NULL, racy BLOB NOT NULL)"
            )
    again = _run(repo)
    assert not again.cached and _same(again, expected)
    if damage == "link":  # never written through, nor read: no cache while the link is there
        assert (tmp_path / "elsewhere.bin").read_bytes() == data
        assert not _run(repo).cached
    else:
        assert _run(repo).cached and _result_file(repo).stat().st_size == len(data)


def test_one_file_per_kept_result(repo: Path) -> None:
    """Results no longer kept leave no file behind."""
    for day in range(1, cache.RESULTS_KEPT + 3):
        _run(repo, today=date(2026, 1, day))
    with sqlite3.connect(repo / cache.CACHE_DIR / cache.RESULTS_FILE) as db:
        keys = [key for (key,) in db.execute("SELECT key FROM results")]
    files = {p.name for p in (repo / cache.CACHE_DIR).glob(f"{cache.RESULT_PREFIX}*")}
    assert len(keys) == cache.RESULTS_KEPT
    assert files == {cache._result_name(key) for key in keys}


def test_a_racily_fresh_artifact_means_no_store(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (repo / "docs/prd/diagram.png").write_bytes(b"png")  # linked from the PRD
    monkeypatch.setattr(cache, "RACY_SECONDS", 2.0)  # the files were written just now
    _run(repo)
    assert not (repo / cache.CACHE_DIR / cache.RESULTS_FILE).exists()
    assert not _run(repo).cached


def test_racily_fresh_documents_are_stored_with_unknown_stats(
    repo: Path, builds: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cache, "RACY_SECONDS", 2.0)  # the documents were written just now
    first = _run(repo)
    stored = latest_result(repo)
    assert set(stored.state.values()) == {cache.UNKNOWN}
    assert sorted(stored.racy) == sorted(stored.state) and len(stored.racy) == 4
    second = _run(repo)  # each document compared with its stored record: nothing to rerun
    assert second.cached and builds == [1]
    assert {cache.decode(r) for r in stored.racy.values()} == set(api.scan(repo).documents)
    assert _same(second, first) and _same(second, _fresh(repo))


def test_a_racy_document_edited_again_in_the_same_tick_is_seen(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cache, "RACY_SECONDS", 2.0)
    assert any("#nope" in f.message for f in _run(repo).findings)
    adr = repo / "docs/adr/0001-use-sqlite.md"
    st = adr.stat()
    adr.write_text(adr.read_text().replace("#nope", "#nay2"), encoding="utf-8")  # same size
    os.utime(adr, ns=(st.st_atime_ns, st.st_mtime_ns))  # and the same mtime
    again = _run(repo)
    assert any("#nay2" in f.message for f in again.findings)
    assert not any("#nope" in f.message for f in again.findings)
    assert _same(again, _fresh(repo))
    rfc = repo / "docs/rfc/RFC-0001-index.md"  # and a new link, rechecked
    rfc.write_text(rfc.read_text() + "\n[more](nothing.md)\n", encoding="utf-8")
    assert _same(_run(repo), _fresh(repo))


def test_too_many_racy_documents_mean_no_store(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache, "RACY_SECONDS", 2.0)
    monkeypatch.setattr(cache, "RACY_KEPT", 3)
    _run(repo)
    assert not (repo / cache.CACHE_DIR / cache.RESULTS_FILE).exists()


def test_symlinked_document_target_change_is_seen(repo: Path, tmp_path: Path) -> None:
    real = repo / "docs/real.md"
    real.write_text("# Real\n\n[x](nowhere.md)\n", encoding="utf-8")
    try:
        (repo / "docs/linked.md").symlink_to("real.md")
    except OSError:
        pytest.skip("no symbolic links here")
    first = _run(repo)
    real.write_text("# Real\n\nno links at all\n", encoding="utf-8")
    second = _run(repo)
    assert not second.cached and _same(second, _fresh(repo))
    assert first.findings != second.findings


def test_a_kept_output_is_the_text_as_printed(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = cache.ResultCache(repo)
    text = "é \ud800 x\n"  # a lone surrogate too: kept as it is, never an error
    store.put_output("k" * 64, cache.KeptOutput(3, 4, True, text))
    assert store.get_output("k" * 64) == cache.KeptOutput(3, 4, True, text)
    assert store.get_output("j" * 64) is None
    monkeypatch.setattr(warm, "OUTPUT_LIMIT", 8)  # larger outputs are not kept
    store.put_output("j" * 64, cache.KeptOutput(3, 4, True, text))
    assert store.get_output("j" * 64) is None


def test_only_a_few_results_are_kept(repo: Path) -> None:
    for day in range(1, cache.RESULTS_KEPT + 4):
        _run(repo, today=date(2026, 1, day))
    with sqlite3.connect(repo / cache.CACHE_DIR / cache.RESULTS_FILE) as db:
        (count,) = db.execute("SELECT count(*) FROM results").fetchone()
    assert count == cache.RESULTS_KEPT


def test_no_cache_neither_reads_nor_writes(repo: Path) -> None:
    runner = CliRunner()
    args = ["check", str(repo), "--format", "json", "--today", "2026-01-01"]
    plain = runner.invoke(cli, [*args, "--no-cache"])
    assert not (repo / cache.CACHE_DIR).exists()
    runner.invoke(cli, args)
    # plant a finding in the stored result: the cached run shows it, --no-cache must not
    store = cache.ResultCache(repo)
    with sqlite3.connect(store.path) as db:
        (key,) = db.execute("SELECT key FROM results").fetchone()
    stored = store.get(key)
    assert stored is not None
    fake = Finding("README.md", 1, 1, "TG201", stored.findings[0].severity, "orphan", "x")
    store.put(key, cache.CachedResult(stored.documents, stored.references, (fake,), stored.state))
    with sqlite3.connect(store.path) as db:  # the printed output is kept too: forget it
        db.execute("DELETE FROM outputs")
    assert b'"message": "x"' in runner.invoke(cli, args).stdout_bytes
    bypass = runner.invoke(cli, [*args, "--no-cache"])
    assert bypass.stdout_bytes == plain.stdout_bytes
    # the same with the kept output: the cached run prints it as it is, --no-cache does not
    with sqlite3.connect(store.path) as db:
        (key,) = db.execute("SELECT key FROM outputs").fetchone()
    store.put_output(key, cache.KeptOutput(1, 2, False, "planted\n"))
    kept = runner.invoke(cli, args)
    assert (kept.stdout_bytes, kept.exit_code) == (b"planted\n", 0)
    assert runner.invoke(cli, [*args, "--no-cache"]).stdout_bytes == plain.stdout_bytes


@pytest.mark.parametrize("fmt", ["json", "text", "sarif", "github", "junit", "markdown"])
def test_cli_output_is_byte_identical_with_and_without_cache(repo: Path, fmt: str) -> None:
    runner = CliRunner()
    args = ["check", str(repo), "--format", fmt, "--today", "2026-01-01"]
    plain = runner.invoke(cli, [*args, "--no-cache"])
    cold = runner.invoke(cli, args)
    assert (repo / cache.CACHE_DIR / cache.RESULTS_FILE).is_file()
    warm = runner.invoke(cli, args)
    assert plain.exit_code == cold.exit_code == warm.exit_code == 1
    assert plain.stdout_bytes == cold.stdout_bytes == warm.stdout_bytes
    assert b"TG101" in plain.stdout_bytes


def test_printed_output_is_kept_for_the_same_shape_on_the_same_tree(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rerun with the same options on an unchanged tree prints what the last one printed
    without rendering or reading a finding; another format, date, --fail-on, baseline or FILE
    argument, or a changed document, renders again, as a run without cache would."""
    runner = CliRunner()
    rendered: list[str] = []
    render, get = output.render, cache.ResultCache.get

    def spy(result: Any, fmt: str, **kwargs: Any) -> str:
        rendered.append(fmt)
        return render(result, fmt, **kwargs)

    def unread(*args: Any) -> None:
        pytest.fail("the stored findings were read")

    monkeypatch.setattr(output, "render", spy)
    baseline = tmp_path / "baseline.json"
    baseline.write_text('{"version": 1, "findings": []}\n', encoding="utf-8")
    base = ["check", "-C", str(repo), "--today", "2026-01-01"]
    variants = [
        ["--format", "json"],
        ["--format", "sarif"],
        ["--format", "json", "--today", "2026-01-02"],
        ["--format", "json", "--fail-on", "never"],
        ["--format", "json", "--baseline", str(baseline)],
        ["--format", "json", str(repo / "README.md")],
    ]
    for extra in variants:
        args = [*base, *extra]
        plain = runner.invoke(cli, [*args, "--no-cache"])
        first = runner.invoke(cli, args)
        rendered.clear()
        with monkeypatch.context() as patched:
            patched.setattr(cache.ResultCache, "get", unread)
            again = runner.invoke(cli, args)
        assert rendered == [], extra
        assert (first.stdout_bytes, first.exit_code) == (plain.stdout_bytes, plain.exit_code)
        assert (again.stdout_bytes, again.exit_code) == (plain.stdout_bytes, plain.exit_code)
    with sqlite3.connect(repo / cache.CACHE_DIR / cache.RESULTS_FILE) as db:
        (count,) = db.execute("SELECT count(*) FROM outputs").fetchone()
    assert count == cache.OUTPUTS_KEPT  # the newest few, and only their texts
    assert len(list((repo / cache.CACHE_DIR).glob(f"{cache.OUTPUT_PREFIX}*"))) == count
    rendered.clear()
    doc = repo / "README.md"  # changed: rendered again, equal to a run without cache
    doc.write_text(doc.read_text(encoding="utf-8") + "\nMore.\n", encoding="utf-8")
    changed = runner.invoke(cli, [*base, "--format", "json"])
    assert rendered == ["json"] and get is cache.ResultCache.get
    fresh = runner.invoke(cli, [*base, "--format", "json", "--no-cache"])
    assert changed.stdout_bytes == fresh.stdout_bytes


def test_a_kept_output_changed_on_disk_or_replaced_by_a_link_is_not_printed(
    repo: Path, tmp_path: Path
) -> None:
    runner = CliRunner()
    args = ["check", "-C", str(repo), "--format", "json", "--today", "2026-01-01"]
    plain = runner.invoke(cli, [*args, "--no-cache"]).stdout_bytes
    assert runner.invoke(cli, args).stdout_bytes == plain
    [kept] = (repo / cache.CACHE_DIR).glob(f"{cache.OUTPUT_PREFIX}*")
    kept.write_bytes(plain.replace(b"TG101", b"TG999"))  # same size, other bytes
    assert runner.invoke(cli, args).stdout_bytes == plain
    assert kept.read_bytes() == plain  # written again by that run
    secret = tmp_path / "secret.txt"  # a link planted in its place is never read through
    secret.write_bytes(plain.replace(b"TG101", b"TG999"))
    kept.unlink()
    kept.symlink_to(secret)
    assert runner.invoke(cli, args).stdout_bytes == plain
    assert secret.read_bytes() != plain and kept.is_symlink()


def test_baseline_applies_after_the_cache(repo: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    baseline = tmp_path / "baseline.json"
    base = ["check", str(repo), "--today", "2026-01-01"]
    assert runner.invoke(cli, [*base, "--write-baseline", str(baseline)]).exit_code == 0
    plain = runner.invoke(cli, [*base, "--baseline", str(baseline), "--no-cache"])
    cached = runner.invoke(cli, [*base, "--baseline", str(baseline)])
    assert plain.exit_code == cached.exit_code == 0
    assert plain.stdout_bytes == cached.stdout_bytes
    assert b"suppressed by the baseline" in cached.stdout_bytes


NYGARD = "# 1. Use SQLite\n\nDate: 2025-01-01\n\n## Status\n\nAccepted\n\n## Context\n\nRFC-0001.\n"


def test_preset_detection_is_kept_while_what_it_read_is(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    adr = repo / "docs/adr/0001-use-sqlite.md"
    adr.write_text(NYGARD, encoding="utf-8")
    calls: list[int] = []
    detect = presets.detect_presets

    def spy(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return detect(*args, **kwargs)

    monkeypatch.setattr(presets, "detect_presets", spy)
    first = _run(repo)
    assert [name for name, _ in first.config.applied_presets] == ["nygard"] and calls == [1]
    second = _run(repo)
    assert second.cached and calls == [1]  # the listing and the ADR it read are unchanged
    assert second.config == first.config and _same(second, first)
    adr.write_text(NYGARD.replace("Date: 2025-01-01\n\n", ""), encoding="utf-8")
    third = _run(repo)  # the ADR it read changed: detected again, Nygard's shape is gone
    assert calls == [1, 1] and third.config.applied_presets == ()
    assert _same(third, _fresh(repo))
    adr.write_text(NYGARD, encoding="utf-8")
    assert _run(repo).config.applied_presets == first.config.applied_presets
    (repo / "docs/adr/0002-use-kafka.md").write_text("# 2. Use Kafka\n", encoding="utf-8")
    before = len(calls)
    fourth = _run(repo)  # a new path: detected again
    assert len(calls) == before + 1
    assert fourth.config.applied_presets == first.config.applied_presets
    assert _same(fourth, _fresh(repo))


def test_no_yaml_library_until_yaml_is_read() -> None:
    """PyYAML (10 ms) is imported when YAML is read (a config file, front matter, presets the
    tree shows, a review file), not with the modules that can read it."""
    modules = (
        "tracegraph.api, tracegraph.config, tracegraph.presets, tracegraph.reviews, "
        "tracegraph.declared, tracegraph.parse.document, tracegraph.cli.check"
    )
    code = f"import sys, {modules}; print('yaml' in sys.modules)"
    ran = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert ran.stdout.strip() == "False"
    from tracegraph.parse.frontmatter import load_front_matter

    assert load_front_matter("id: X-1\nn: 1\n", 10).data == {"id": "X-1", "n": 1}


def test_a_kept_detection_brings_its_presets(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A rerun that reuses the stored detection takes the presets stored with it: it reads
    none of the package's YAML (malformed stored presets are read from the package again)."""
    (repo / "docs/adr/0001-use-sqlite.md").write_text(NYGARD, encoding="utf-8")
    first = _run(repo)
    assert [name for name, _ in first.config.applied_presets] == ["nygard"]
    readme = repo / "README.md"
    readme.write_text(readme.read_text(encoding="utf-8") + "\nMore.\n", encoding="utf-8")

    def unread(*args: object) -> None:
        pytest.fail("the package's presets were read")

    taken: list[object] = []
    kept = presets.preset_from_fields

    def spy(values: object) -> object:
        taken.append(values)
        return kept(values)

    with monkeypatch.context() as patched:
        patched.setattr(presets, "_preset", unread)
        patched.setattr(presets, "preset_from_fields", spy)
        presets.all_presets.cache_clear()
        second = _run(repo)  # the detection is kept (README.md was not read by it)
    presets.all_presets.cache_clear()
    assert len(taken) == 1 and second.config == first.config
    assert _same(second, _fresh(repo))
    with sqlite3.connect(repo / cache.CACHE_DIR / cache.RESULTS_FILE) as db:
        for key, value in db.execute("SELECT key, value FROM presets").fetchall():
            found, read, _ = marshal.loads(value)
            db.execute(
                "UPDATE presets SET value = ? WHERE key = ?",
                (marshal.dumps((found, read, (("nygard", "x"),))), key),
            )
    readme.write_text(readme.read_text(encoding="utf-8") + "\nMore.\n", encoding="utf-8")
    third = _run(repo)
    assert third.config == first.config and _same(third, _fresh(repo))


def test_findings_read_for_reuse_are_stored_as_read(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``put`` of the very findings ``get(reusable=True)`` returned writes their stored bytes
    (no column built); any other findings, even equal ones, are encoded as before."""
    _run(repo)
    store = cache.ResultCache(repo)
    with sqlite3.connect(store.path) as db:
        (key,) = db.execute("SELECT key FROM results").fetchone()
    hit = store.get(key, reusable=True)
    assert hit is not None and hit.findings
    with sqlite3.connect(store.path) as db:
        (size,) = db.execute("SELECT findings_size FROM results WHERE key = ?", (key,)).fetchone()
    before = _result_file(repo).read_bytes()[:size]

    def unbuilt(findings: object) -> object:
        pytest.fail("the findings were encoded again")

    with monkeypatch.context() as patched:
        patched.setattr(cache, "_finding_columns", unbuilt)
        moved = {**hit.state, "README.md": (1, 2, 3)}
        assert store.put(key, cache.CachedResult(hit.documents, hit.references, hit.findings,
                                                 moved))  # fmt: skip
    assert _result_file(repo).read_bytes()[:size] == before
    again = store.get(key)
    assert again is not None and again.findings == hit.findings and again.state == moved
    # read without reuse, or a copy of the tuple: encoded (and the blob is let go after a put)
    encoded: list[int] = []
    columns = cache._finding_columns

    def counted(findings: Any) -> Any:
        encoded.append(len(findings))
        return columns(findings)

    monkeypatch.setattr(cache, "_finding_columns", counted)
    store.put(key, cache.CachedResult(again.documents, again.references, again.findings, moved))
    copy = tuple(list(hit.findings))
    store.put(key, cache.CachedResult(hit.documents, hit.references, copy, moved))
    store.put(key, cache.CachedResult(hit.documents, hit.references, hit.findings, moved))
    assert encoded == [len(copy)] * 3
    assert store.get(key) == again


def test_an_edit_that_moves_no_finding_prints_the_output_kept_for_the_stored_result(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Prose added where no finding stands below it: the findings are the stored ones, so the
    output kept for them is printed without rendering (and kept for the tree as it is now);
    an edit that moves a finding's line renders again. Both equal a run without cache."""
    runner = CliRunner()
    rendered: list[str] = []
    render = output.render

    def spy(result: Any, fmt: str, **kwargs: Any) -> str:
        rendered.append(fmt)
        return render(result, fmt, **kwargs)

    monkeypatch.setattr(output, "render", spy)
    args = ["check", "-C", str(repo), "--today", "2026-01-01", "--format", "sarif"]
    runner.invoke(cli, args)
    rfc = repo / "docs/rfc/RFC-0001-index.md"  # TG101 on its last line
    rfc.write_text(rfc.read_text(encoding="utf-8") + "\nMore prose.\n", encoding="utf-8")
    rendered.clear()
    edited = runner.invoke(cli, args)
    assert rendered == []
    plain = runner.invoke(cli, [*args, "--no-cache"])
    assert (edited.stdout_bytes, edited.exit_code) == (plain.stdout_bytes, plain.exit_code)
    assert b"missing.md" in plain.stdout_bytes

    def unread(*args: Any) -> None:
        pytest.fail("the stored findings were read")

    with monkeypatch.context() as patched:  # kept for this tree: the next run is warm
        patched.setattr(cache.ResultCache, "get", unread)
        again = runner.invoke(cli, args)
    assert again.stdout_bytes == plain.stdout_bytes
    rfc.write_text("Moved down.\n\n" + rfc.read_text(encoding="utf-8"), encoding="utf-8")
    rendered.clear()
    moved = runner.invoke(cli, args)
    assert rendered == ["sarif"]
    plain = runner.invoke(cli, [*args, "--no-cache"])
    assert (moved.stdout_bytes, moved.exit_code) == (plain.stdout_bytes, plain.exit_code)
