"""The run history: one SQLite file that each report run appends to.

Schema version 2 (``PRAGMA user_version``): ``runs`` (time, commit, score and figures),
``findings`` and ``documents`` per run. Version 1 files (no document list, no rule names, no
figures JSON) are migrated in place, inside the run's own transaction.

A run is recorded in ONE transaction that stays open until the caller has written the report
file: ``with open_history(path) as history: ...; history.record(report); write; history.commit()``.
Leaving the block without ``commit()`` (an exception, an interrupted process) rolls back, so the
history is unchanged.
"""

from __future__ import annotations

import json
import math
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict
from pathlib import Path
from typing import Any

from ..errors import TracegraphError
from ..gitcmd import GitError, run_git
from ..safefs import UnsafeState, reason, state_path
from ..state import STATE_DIR, make_state_dir
from .model import Figures, HealthReport, PastFinding, PreviousRun, TrendPoint

SCHEMA_VERSION = 2
DEFAULT_HISTORY = f"{STATE_DIR}/history.db"

SCHEMA_V2 = """
CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    run_at TEXT NOT NULL,
    commit_sha TEXT,
    score REAL NOT NULL,
    errors INTEGER NOT NULL,
    warnings INTEGER NOT NULL,
    infos INTEGER NOT NULL,
    documents INTEGER,
    figures TEXT
);
CREATE TABLE findings (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    code TEXT NOT NULL,
    rule TEXT NOT NULL DEFAULT '',
    severity TEXT NOT NULL,
    path TEXT NOT NULL,
    line INTEGER NOT NULL,
    col INTEGER NOT NULL DEFAULT 1,
    message TEXT NOT NULL
);
CREATE INDEX findings_run ON findings(run_id);
CREATE TABLE documents (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    path TEXT NOT NULL,
    name TEXT NOT NULL,
    type TEXT NOT NULL,
    status TEXT NOT NULL
);
CREATE INDEX documents_run ON documents(run_id);
"""

#: Version 1, as released before documents were recorded; kept to test the migration.
SCHEMA_V1 = """
CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    run_at TEXT NOT NULL,
    commit_sha TEXT,
    score REAL NOT NULL,
    errors INTEGER NOT NULL,
    warnings INTEGER NOT NULL,
    infos INTEGER NOT NULL
);
CREATE TABLE findings (
    run_id INTEGER NOT NULL REFERENCES runs(id),
    code TEXT NOT NULL,
    severity TEXT NOT NULL,
    path TEXT NOT NULL,
    line INTEGER NOT NULL,
    message TEXT NOT NULL
);
"""

MIGRATE_V1_TO_V2 = """
ALTER TABLE runs ADD COLUMN documents INTEGER;
ALTER TABLE runs ADD COLUMN figures TEXT;
ALTER TABLE findings ADD COLUMN rule TEXT NOT NULL DEFAULT '';
ALTER TABLE findings ADD COLUMN col INTEGER NOT NULL DEFAULT 1;
CREATE INDEX findings_run ON findings(run_id);
CREATE TABLE documents (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    path TEXT NOT NULL,
    name TEXT NOT NULL,
    type TEXT NOT NULL,
    status TEXT NOT NULL
);
CREATE INDEX documents_run ON documents(run_id);
"""

MIGRATIONS = {1: MIGRATE_V1_TO_V2}


RowTypes = tuple[type | tuple[type, ...], ...]
#: The type of each column read back (``float`` stands for a score: a finite number 0-100).
RUN_KEY: RowTypes = (int, str, (str, type(None)), float)
TREND_ROW: RowTypes = (str, (str, type(None)), float, int, int, int)
FINDING_ROW: RowTypes = (str, str, str, str, int, int, str)


def _type_name(expected: type | tuple[type, ...]) -> str:
    if expected is float:
        return "a score from 0 to 100"
    names = [t.__name__ for t in (expected if isinstance(expected, tuple) else (expected,))]
    return " or ".join("null" if n == "NoneType" else n for n in names)


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


class HistoryError(TracegraphError):
    """The history file cannot be used (corrupt, not SQLite, from a newer tracegraph)."""


def current_commit(root: Path) -> str | None:
    """``git rev-parse HEAD`` in ``root``, or None outside git (or without git installed)."""
    try:
        done = run_git(root, "rev-parse", "--verify", "--quiet", "HEAD", timeout=10)
    except GitError:
        return None
    sha = done.stdout.decode("ascii", "replace").strip()
    hexadecimal = all(c in "0123456789abcdef" for c in sha)
    return sha if done.returncode == 0 and len(sha) >= 7 and hexadecimal else None


class History:
    """An open history database with its run transaction started."""

    def __init__(self, path: Path, connection: sqlite3.Connection) -> None:
        self.path = path
        self._db = connection
        self.migrated_from: int | None = None

    def previous(self) -> PreviousRun | None:
        """The last recorded run, or None when there is none.

        Every value read is checked for its type: a history whose rows hold something else
        (edited by hand, or planted in the repository) is foreign (HistoryError), never a crash.
        """
        row = self._db.execute(
            "SELECT id, run_at, commit_sha, score FROM runs ORDER BY id DESC LIMIT 1"
        ).fetchone()
        if row is None:
            return None
        run_id, run_at, commit, score = self._checked(row, RUN_KEY, "runs")
        findings = tuple(
            PastFinding(code, rule, severity, path, line, col, message)
            for code, rule, severity, path, line, col, message in (
                self._checked(r, FINDING_ROW, "findings")
                for r in self._db.execute(
                    "SELECT code, rule, severity, path, line, col, message FROM findings "
                    "WHERE run_id = ? ORDER BY path, line, col, code, message",
                    (run_id,),
                )
            )
        )
        paths = [
            self._checked(r, (str,), "documents")[0]
            for r in self._db.execute(
                "SELECT path FROM documents WHERE run_id = ? ORDER BY path", (run_id,)
            )
        ]
        figures = self._db.execute("SELECT figures FROM runs WHERE id = ?", (run_id,)).fetchone()
        recorded_documents = figures is not None and figures[0] is not None
        return PreviousRun(
            run_at=run_at,
            commit=commit,
            score=float(score),
            findings=findings,
            documents=tuple(paths) if recorded_documents else None,
        )

    def trend(self, runs: int) -> tuple[TrendPoint, ...]:
        """The last ``runs`` recorded runs, oldest first (types checked, as ``previous``)."""
        if runs <= 0:
            return ()
        rows = self._db.execute(
            "SELECT run_at, commit_sha, score, errors, warnings, infos, figures FROM runs "
            "ORDER BY id DESC LIMIT ?",
            (runs,),
        ).fetchall()
        return tuple(
            TrendPoint(
                run_at, commit, float(score), errors, warnings, infos, _suspect_links(figures)
            )
            for (run_at, commit, score, errors, warnings, infos), figures in (
                (self._checked(row[:6], TREND_ROW, "runs"), row[6]) for row in reversed(rows)
            )
        )

    def _checked(self, row: tuple[Any, ...], types: RowTypes, table: str) -> tuple[Any, ...]:
        """``row`` when each value has its column's type (a score: a finite number 0-100)."""
        for value, expected in zip(row, types, strict=True):
            if expected is float:
                ok = type(value) in (int, float) and math.isfinite(value) and 0 <= value <= 100
            else:
                ok = (
                    any(type(value) is t for t in expected)
                    if isinstance(expected, tuple)
                    else (type(value) is expected)
                )
            if not ok:
                raise HistoryError(
                    f"{self.path}: not a tracegraph history ({table} holds "
                    f"{type(value).__name__} {_shown(value)} where it expects "
                    f"{_type_name(expected)}); pass --history with another file"
                )
        return row

    def record(self, report: HealthReport) -> int:
        """Append ``report`` as a run (inside the open transaction); returns the run id."""
        figures: Figures = report.figures
        cursor = self._db.execute(
            "INSERT INTO runs (run_at, commit_sha, score, errors, warnings, infos, documents, "
            "figures) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                report.generated_at,
                report.commit,
                figures.score,
                figures.errors,
                figures.warnings,
                figures.infos,
                figures.documents,
                json.dumps(asdict(figures), sort_keys=True),
            ),
        )
        run_id = int(cursor.lastrowid or 0)
        self._db.executemany(
            "INSERT INTO findings (run_id, code, rule, severity, path, line, col, message) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (run_id, f.code, f.rule, str(f.severity), f.path, f.line, f.column, f.message)
                for f in report.findings
            ],
        )
        self._db.executemany(
            "INSERT INTO documents (run_id, path, name, type, status) VALUES (?, ?, ?, ?, ?)",
            [(run_id, d.path, d.name, d.type, d.status) for d in report.documents],
        )
        return run_id

    def commit(self) -> None:
        """Make the run permanent."""
        self._db.execute("COMMIT")


def _suspect_links(figures: object) -> int | None:
    """The run's suspect-link count from its figures JSON (None for runs recorded before the
    figure existed, or an unreadable value)."""
    if not isinstance(figures, str):
        return None
    try:
        value = json.loads(figures).get("suspect_links")
    except (ValueError, AttributeError):
        return None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


@contextmanager
def open_history(path: Path, *, inside: Path | None = None) -> Iterator[History]:
    """Open (or create) the history at ``path`` and start the run's transaction.

    With ``inside`` (the scanned root, when ``path`` lies in it), every folder on the way and
    the file itself must be real, never a symbolic link: a repository cannot make the history be
    read or written elsewhere. Raises HistoryError with a one-line message when the file is not
    a usable history; the file is then left untouched.
    """
    if inside is not None:
        rel = Path(os.path.relpath(os.path.abspath(path), os.path.abspath(inside))).as_posix()
        try:
            state_path(inside, rel, create=True)
        except UnsafeState as exc:
            raise HistoryError(
                f"{exc}: tracegraph never writes its history through a link (pass --history "
                "FILE or --no-history)"
            ) from None
        except OSError as exc:
            raise HistoryError(f"{path}: cannot create the history folder: {reason(exc)}") from None
    make_state_dir(path.parent)
    try:
        db = sqlite3.connect(path, isolation_level=None, timeout=30)
    except sqlite3.Error as exc:
        raise HistoryError(f"{path}: cannot open the history database: {exc}") from None
    try:
        try:
            db.execute("BEGIN IMMEDIATE")
            history = History(path, db)
            _prepare(db, path, history)
        except sqlite3.DatabaseError as exc:
            raise HistoryError(
                f"{path}: not a usable tracegraph history database ({exc}); move it away or "
                "pass --history with another file (or --no-history)"
            ) from None
        yield history
    finally:
        with suppress(sqlite3.Error):
            if db.in_transaction:
                db.execute("ROLLBACK")
        db.close()


def _prepare(db: sqlite3.Connection, path: Path, history: History) -> None:
    """Create the schema in an empty file, or migrate an older one (inside the transaction)."""
    version = int(db.execute("PRAGMA user_version").fetchone()[0])
    tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if version == 0 and not tables:
        _script(db, SCHEMA_V2)
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        return
    if version == 0 or "runs" not in tables:
        raise HistoryError(
            f"{path}: not a tracegraph history database (unexpected tables: "
            f"{', '.join(sorted(tables)) or 'none'}); pass --history with another file"
        )
    if version > SCHEMA_VERSION:
        raise HistoryError(
            f"{path}: history schema version {version} is newer than this tracegraph supports "
            f"({SCHEMA_VERSION}); upgrade tracegraph or pass --history with another file"
        )
    if version < SCHEMA_VERSION:
        history.migrated_from = version
    while version < SCHEMA_VERSION:
        _script(db, MIGRATIONS[version])
        version += 1
        db.execute(f"PRAGMA user_version = {version}")


def _script(db: sqlite3.Connection, script: str) -> None:
    """Run each statement of ``script`` (``executescript`` would commit the transaction)."""
    for statement in script.split(";"):
        if statement.strip():
            db.execute(statement)
