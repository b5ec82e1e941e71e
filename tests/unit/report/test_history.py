"""The SQLite history: schema, one transaction per run, migration from v1, corrupt files."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.conftest import SAMPLE_REPO
from tracegraph.api import scan
from tracegraph.model import Finding, Severity
from tracegraph.report.history import (
    SCHEMA_V1,
    SCHEMA_VERSION,
    HistoryError,
    current_commit,
    open_history,
)
from tracegraph.report.model import build_report


def _report(stamp: str, findings: list[Finding] | None = None):  # type: ignore[no-untyped-def]
    corpus = scan(SAMPLE_REPO)
    return build_report(corpus, findings or [], generated_at=stamp, commit="c0ffee")


def _runs(path: Path) -> list[tuple[object, ...]]:
    with sqlite3.connect(path) as db:
        return db.execute("SELECT run_at, score FROM runs ORDER BY id").fetchall()


def test_record_and_read_back(tmp_path: Path) -> None:
    path = tmp_path / "h" / "history.db"
    broken = Finding("docs/a.md", 3, 1, "TG101", Severity.ERROR, "broken-link", "gone")
    with open_history(path) as history:
        assert history.previous() is None
        history.record(_report("2026-01-01T00:00:00Z", [broken]))
        history.commit()
    with open_history(path) as history:
        previous = history.previous()
        assert previous is not None
        assert previous.run_at == "2026-01-01T00:00:00Z"
        assert previous.commit == "c0ffee"
        assert [(f.code, f.path, f.line, f.message) for f in previous.findings] == [
            ("TG101", "docs/a.md", 3, "gone")
        ]
        assert previous.documents is not None and len(previous.documents) > 10
        history.record(_report("2026-01-02T00:00:00Z"))
        history.commit()
    with open_history(path) as history:
        trend = history.trend(10)
    assert [p.run_at[:10] for p in trend] == ["2026-01-01", "2026-01-02"]
    assert trend[0].errors == 1
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_leaving_without_commit_rolls_back(tmp_path: Path) -> None:
    path = tmp_path / "history.db"
    with open_history(path) as history:
        history.record(_report("2026-01-01T00:00:00Z"))
        history.commit()
    with pytest.raises(OSError), open_history(path) as history:
        history.record(_report("2026-01-02T00:00:00Z"))
        raise OSError("disk full while writing the report")
    assert [r[0] for r in _runs(path)] == ["2026-01-01T00:00:00Z"]


def test_migrates_a_version_1_file(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as db:  # a v1 file, made by hand
        db.executescript(SCHEMA_V1)
        db.execute("PRAGMA user_version = 1")
        db.execute(
            "INSERT INTO runs (run_at, commit_sha, score, errors, warnings, infos) "
            "VALUES ('2025-12-01T00:00:00Z', NULL, 80.0, 1, 0, 0)"
        )
        db.execute(
            "INSERT INTO findings (run_id, code, severity, path, line, message) "
            "VALUES (1, 'TG101', 'error', 'docs/a.md', 4, 'gone')"
        )
    with open_history(path) as history:
        assert history.migrated_from == 1
        previous = history.previous()
        assert previous is not None
        assert previous.score == 80.0
        assert previous.documents is None  # v1 did not record documents
        assert [(f.code, f.rule, f.column) for f in previous.findings] == [("TG101", "", 1)]
        history.record(_report("2026-01-01T00:00:00Z"))
        history.commit()
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == 2
        assert db.execute("SELECT count(*) FROM documents").fetchone()[0] > 10
    with open_history(path) as history:
        assert history.migrated_from is None
        assert len(history.trend(5)) == 2


def test_migration_is_undone_when_the_run_fails(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as db:
        db.executescript(SCHEMA_V1)
        db.execute("PRAGMA user_version = 1")
    with pytest.raises(RuntimeError), open_history(path):
        raise RuntimeError("interrupted")
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == 1


def test_corrupt_file_is_a_clear_error_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "history.db"
    path.write_bytes(b"this is not sqlite at all" * 100)
    before = path.read_bytes()
    with pytest.raises(HistoryError, match="not a usable tracegraph history"), open_history(path):
        pass
    assert path.read_bytes() == before


def test_foreign_and_newer_databases_are_refused(tmp_path: Path) -> None:
    foreign = tmp_path / "foreign.db"
    with sqlite3.connect(foreign) as db:
        db.execute("CREATE TABLE stuff (x)")
    with pytest.raises(HistoryError, match="not a tracegraph history"), open_history(foreign):
        pass
    newer = tmp_path / "newer.db"
    with sqlite3.connect(newer) as db:
        db.execute("CREATE TABLE runs (id INTEGER PRIMARY KEY)")
        db.execute("PRAGMA user_version = 99")
    with pytest.raises(HistoryError, match="newer than this tracegraph"), open_history(newer):
        pass


def test_current_commit_tolerates_no_git(tmp_path: Path) -> None:
    assert current_commit(tmp_path) is None
