"""The parse cache: parsed documents on disk under ``<root>/.tracegraph/cache/``, so that a rerun
with nothing changed stats the files and reads no Markdown.

One SQLite file holds one row per document, keyed by path, with the file's size and mtime_ns
when it was read and the document as a compact record (plain tuples, ``marshal``-ed: about ten
times faster to load than pickled dataclasses). A ``meta`` row holds a fingerprint of the
tracegraph version, the parser's source and the parse-relevant configuration (types, relations,
status aliases, limits); any mismatch, a corrupt file or a locked database means an empty cache,
never an error. Writes happen in one transaction (a crash leaves the previous state).

Files modified within ``RACY_SECONDS`` of the scan are not stored: a second edit in the same
mtime tick with the same size would otherwise go unnoticed (git's "racily clean" problem).
"""

from __future__ import annotations

import dataclasses
import functools
import gc
import logging
import marshal
import os
import stat
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import closing, suppress
from itertools import repeat
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeGuard

from . import __version__
from .config import Config
from .model import (
    Component,
    Design,
    Document,
    Endpoint,
    Finding,
    Heading,
    Named,
    Placeholder,
    Problem,
    Question,
    Reference,
    RefKind,
    Relation,
    Severity,
    SuspectDetails,
    Table,
    more_of,
)

# The kept outputs and the state-folder checks live in ``warm``, which a warm rerun imports
# without this module; re-exported here, where the other caches use them.
from .warm import CACHE_DIR as CACHE_DIR
from .warm import OUTPUT_PREFIX as OUTPUT_PREFIX
from .warm import OUTPUTS_KEPT as OUTPUTS_KEPT
from .warm import RESULTS_FILE as RESULTS_FILE
from .warm import KeptOutput as KeptOutput
from .warm import get_output, put_output, read_state_file
from .warm import keep_newest as _keep_newest
from .warm import library_state as _library_state
from .warm import package_digest as package_digest
from .warm import usable_state as _usable_state

if TYPE_CHECKING:
    import hashlib
    import sqlite3
else:  # imported on first use (``_lazy``)
    from ._lazy import hashlib, sqlite3

log = logging.getLogger(__name__)

CACHE_FILE = "parse.sqlite"
#: Bump when the record layout below changes (4: the design a document describes).
FORMAT = 4
RACY_SECONDS = 2.0

_KINDS = {k.value: k for k in RefKind}
_RELATIONS = {r.value: r for r in Relation}
_intern = sys.intern

Record = tuple[Any, ...]  # marshal-able values, unpacked by position


# Fast constructors for the two most numerous records (hundreds of thousands in a large
# corpus): setting the slots directly costs half of the generated frozen ``__init__``.
_new = object.__new__
_H = tuple(Heading.__dict__[n].__set__ for n in ("level", "text", "slug", "line"))
_R = tuple(
    Reference.__dict__[n].__set__ for n in ("kind", "target", "relation", "line", "column", "_more")
)


def _heading(level: int, text: str, slug: str, line: int) -> Heading:
    obj = _new(Heading)
    _H[0](obj, level)
    _H[1](obj, text)
    _H[2](obj, slug)
    _H[3](obj, line)
    return obj


def _reference(
    kind: RefKind, target: str, relation: Relation, line: int, column: int, is_id: bool,
    reverse: bool, text: str,
) -> Reference:  # fmt: skip
    obj = _new(Reference)
    _R[0](obj, kind)
    _R[1](obj, target)
    _R[2](obj, relation)
    _R[3](obj, line)
    _R[4](obj, column)
    _R[5](obj, more_of(is_id, reverse, text))
    return obj


def _seen(
    seen: dict[Record, Heading], record: Record, values: dict[Any, Any] | None = None
) -> Heading:
    level, text, slug, line = record
    if values is not None:
        line = values.setdefault(line, line)
    heading = seen[record] = _heading(level, text, slug, line)
    return heading


#: The ignored rules of nearly every document: one object, not one empty set (216 bytes) each.
_NO_RULES: frozenset[str] = frozenset()


# --- compact records ----------------------------------------------------------------------------


def encode(doc: Document) -> Record:
    """A document as nested tuples of str/int/bool/None (``marshal``-able, cheap to rebuild)."""
    return (
        doc.path,
        doc.type,
        doc.id,
        doc.title,
        doc.status,
        doc.status_raw,
        doc.metadata,
        tuple((h.level, h.text, h.slug, h.line) for h in doc.headings),
        doc.anchors,
        tuple(  # ``_value_`` and ``_more``: no property call (0.3 us each)
            (r.kind._value_, r.target, r.relation._value_, r.line, r.column, *r._more)
            for r in doc.references
        ),
        tuple((p.text, p.line, p.column, p.section) for p in doc.placeholders),
        tuple((q.text, q.checked, q.due, q.line) for q in doc.questions),
        tuple((p.message, p.line, p.column) for p in doc.problems),
        tuple(sorted(doc.ignored_rules)),
        doc.line_count,
        doc.status_line,
        doc.metadata_lines,
        doc.ignored_lines,
        doc.generated,
        doc.sidecar,
        encode_design(doc.design),
    )


def encode_design(design: Design | None) -> Record | None:
    if design is None:
        return None
    return (
        tuple(
            (
                c.name, c.line, c.responsibility, c.technology,
                tuple((n.text, n.line) for n in c.interfaces),
                tuple((n.text, n.line) for n in c.dependencies),
            )
            for c in design.components
        ),
        tuple((e.method, e.path, e.line, e.change, e.description) for e in design.endpoints),
        tuple((t.name, t.line, t.change) for t in design.tables),
    )  # fmt: skip


def _decode_design(record: Record | None) -> Design | None:
    if record is None:
        return None
    components, endpoints, tables = record
    return Design(
        tuple(
            Component(
                name, line, responsibility, technology,
                tuple(Named(*n) for n in interfaces), tuple(Named(*n) for n in dependencies),
            )
            for name, line, responsibility, technology, interfaces, dependencies in components
        ),
        tuple(Endpoint(*e) for e in endpoints),
        tuple(Table(*t) for t in tables),
    )  # fmt: skip


def decode(
    record: Record,
    headings_seen: dict[Record, Heading] | None = None,
    values: dict[Any, Any] | None = None,
) -> Document:
    """The document an ``encode`` record stands for (equal to the original).

    Strings repeated across documents (types, statuses, link targets) are interned, so a large
    corpus holds one copy of each. With ``headings_seen`` (kept over a batch of records), equal
    headings become one object, built once: the records of a worker's chunk repeat a
    template's headings (five in six headings at 10,000 documents). With ``values`` (kept over
    the batch as well), equal line and column numbers and equal metadata pairs become one
    object, as they are in a worker's chunk (``workers.shared_record``); a record read from
    the parse cache is its own ``marshal`` blob and shares nothing with the others."""
    (
        path,
        type_name,
        doc_id,
        title,
        status,
        status_raw,
        metadata,
        headings,
        anchors,
        references,
        placeholders,
        questions,
        problems,
        ignored,
        line_count,
        status_line,
        metadata_lines,
        ignored_lines,
        generated,
        sidecar,
        design,
    ) = record
    kinds, relations = _KINDS, _RELATIONS
    if values is None:
        built_refs = tuple(
            _reference(kinds[k], _intern(t), relations[r], ln, c, i, rv, x)
            for k, t, r, ln, c, i, rv, x in references
        )
    else:  # a cached record: its numbers and pairs shared as a worker's chunk shares them
        sd = values.setdefault
        built_refs = tuple([
            _reference(kinds[k], _intern(t), relations[r], sd(ln, ln), sd(c, c), i, rv, x)
            for k, t, r, ln, c, i, rv, x in references
        ])  # fmt: skip
        questions = tuple([(q[0], q[1], q[2], sd(q[3], q[3])) for q in questions])
        metadata = tuple([sd(pair, pair) for pair in metadata])
        metadata_lines = tuple([sd(pair, pair) for pair in metadata_lines])
        line_count = sd(line_count, line_count)
    if headings_seen is None:
        built = tuple(_heading(*h) for h in headings)
        shown = tuple(anchors)
    else:
        built = tuple([headings_seen.get(h) or _seen(headings_seen, h, values) for h in headings])
        # Most anchors are the headings' slugs: one string for both, as a fresh parse has
        # (each record is its own marshal blob here; 10k: 79 -> 68 MiB for the loaded cache).
        slugs = {h.slug: h.slug for h in built}
        shown = tuple([slugs.get(a, a) for a in anchors])
    return Document(
        path=_intern(path),
        type=_intern(type_name),
        id=_intern(doc_id) if doc_id is not None else None,
        title=title,
        status=_intern(status) if status is not None else None,
        status_raw=status_raw,
        metadata=metadata,
        headings=built,
        anchors=shown,
        references=built_refs,
        placeholders=tuple(Placeholder(*p) for p in placeholders),
        questions=tuple(Question(*q) for q in questions),
        problems=tuple(Problem(*p) for p in problems),
        ignored_rules=frozenset(ignored) if ignored else _NO_RULES,
        line_count=line_count,
        status_line=status_line,
        metadata_lines=metadata_lines,
        ignored_lines=ignored_lines,
        generated=generated,
        sidecar=sidecar,
        design=_decode_design(design),
    )


# --- the fingerprint ----------------------------------------------------------------------------

_PARSER_SOURCES = ("model.py", "config.py", "cache.py", "generated.py", "parse")


@functools.cache
def _source_digest() -> str:
    """A digest of the parser's own source: an edited parser (same version number, as in a
    development checkout) must not reuse old records. Read once per process (a link edit
    asked four times: 14 files read and hashed each time); the process runs the source it
    imported, whatever the files hold later."""
    base = Path(__file__).parent
    digest = hashlib.sha256()
    for name in _PARSER_SOURCES:
        target = base / name
        files = sorted(target.glob("*.py")) if target.is_dir() else [target]
        for file in files:
            try:
                digest.update(file.name.encode() + b"\0" + file.read_bytes())
            except OSError:
                digest.update(file.name.encode() + b"\0?")
    return digest.hexdigest()


def fingerprint(config: Config, wiki: tuple[str, ...] = ()) -> str:
    """What a cached record depends on besides the file itself: ``wiki`` are the folders
    whose ``[[...]]`` are wikilinks (toggling them re-parses)."""
    parts = (
        FORMAT,
        __version__,
        sys.version_info[:2],
        _source_digest(),
        repr(config.types),
        repr(config.scoped),
        repr(sorted(config.relations.items())),
        repr(sorted(config.status_aliases.items())),
        repr(config.limits),
        wiki,
    )
    return hashlib.sha256(repr(parts).encode()).hexdigest()


# --- the store ----------------------------------------------------------------------------------

FileKey = tuple[int, int]  # (size, mtime_ns)


def fold_keys(document: FileKey | None, sidecar: FileKey | None) -> FileKey | None:
    """One key for a document and its sidecar: sizes added, the newest mtime (an edit of either
    file changes it); None when either cannot be keyed."""
    if document is None or sidecar is None:
        return None
    return document[0] + sidecar[0], max(document[1], sidecar[1])


def file_key(root: Path, rel: str, sidecar: str | None = None) -> FileKey | None:
    """(size, mtime_ns) of a regular file, not following a final symlink; None otherwise
    (symbolic links and anything unusual are always read again). With a ``sidecar`` (the
    metadata file read with the document), both files' stats are folded into one key."""
    if sidecar is not None:
        return fold_keys(file_key(root, rel), file_key(root, sidecar))
    try:
        st = os.lstat(os.path.join(root, rel))
    except (OSError, ValueError):
        return None
    if not stat.S_ISREG(st.st_mode):
        return None
    return st.st_size, st.st_mtime_ns


#: How many stored documents share equal headings as they are decoded (a worker's chunk).
HEADINGS_WINDOW = 64


class ParseCache:
    """Cached records of one root for one configuration; every failure means "not cached"."""

    def __init__(
        self, root: Path, config: Config, wiki: tuple[str, ...] = (), *, load: bool = True
    ) -> None:
        self.root = root
        self.directory = root / CACHE_DIR
        self.path = self.directory / CACHE_FILE
        self.fingerprint = fingerprint(config, wiki)
        self.entries: dict[str, tuple[int, int, Document | None]] = {}
        self.started = time.time_ns()
        if load:
            self._load()

    def records(self, paths: Iterable[str]) -> dict[str, tuple[FileKey, Record]]:
        """The stored (key, record) of each of ``paths`` that has a valid one, read without
        loading the rest of the cache (an incremental check looks at a few documents)."""
        found: dict[str, tuple[FileKey, Record]] = {}
        if not _usable_state(self.root, CACHE_FILE, create=False) or not self.path.is_file():
            return found
        try:
            with closing(sqlite3.connect(self.path, timeout=1.0)) as db:
                row = db.execute("SELECT value FROM meta WHERE key = 'fingerprint'").fetchone()
                if row is None or row[0] != self.fingerprint:
                    return found
                for path in paths:
                    stored = db.execute(
                        "SELECT size, mtime_ns, record FROM documents WHERE path = ?", (path,)
                    ).fetchone()
                    if stored is None:
                        continue
                    size, mtime, blob = stored
                    record = marshal.loads(blob)
                    if type(size) is int and type(mtime) is int and valid_record(record):
                        found[path] = ((size, mtime), record)
        except (sqlite3.Error, OSError, ValueError, EOFError, TypeError) as exc:
            log.info("parse cache %s unusable (%s)", self.path, exc)
            return {}
        return found

    def _load(self) -> None:
        if not _usable_state(self.root, CACHE_FILE, create=False) or not self.path.is_file():
            return
        try:
            with closing(sqlite3.connect(self.path, timeout=1.0)) as db:
                row = db.execute("SELECT value FROM meta WHERE key = 'fingerprint'").fetchone()
                if row is None or row[0] != self.fingerprint:
                    log.info(
                        "parse cache %s is from another version or config; rebuilding", self.path
                    )
                    return
                # Decoded row by row as SQLite yields them: holding every record until its
                # document was asked for cost 10% more peak memory than a run without cache.
                # Equal headings of nearby rows are made one object as they are decoded, as
                # a worker's chunk is: built one per document and shared afterwards, the
                # copies freed left holes all over the heap (10k: +104 -> +81 MiB resident
                # for 61 MiB of documents; parsed afresh +74).
                rows = db.execute("SELECT path, size, mtime_ns, record FROM documents")
                entries: dict[str, tuple[int, int, Document | None]] = {}
                while batch := rows.fetchmany(HEADINGS_WINDOW):
                    seen: dict[Record, Heading] = {}
                    values: dict[Any, Any] = {}
                    for path, size, mtime, blob in batch:
                        entries[path] = (size, mtime, _decoded(blob, seen, values))
                self.entries = entries
        except (sqlite3.Error, OSError, ValueError) as exc:
            log.info("parse cache %s unusable (%s); rebuilding", self.path, exc)
            self.entries = {}

    def get(self, rel: str, key: FileKey | None) -> Document | None:
        """The cached document when the file still has the size and mtime it had."""
        if key is None:
            return None
        entry = self.entries.get(rel)
        if entry is None or (entry[0], entry[1]) != key:
            return None
        doc = entry[2]
        if doc is None:
            return None
        self.entries[rel] = (entry[0], entry[1], None)  # each document is handed out once
        return doc if doc.path == rel else None

    def save(self, fresh: Iterable[tuple[Document, FileKey | None]], keep: Iterable[str]) -> None:
        """Store the newly parsed documents and drop the paths not in ``keep``; one transaction.
        Documents that could not be read, and racily fresh files, are not stored."""
        racy = self.started - int(RACY_SECONDS * 1e9)
        stored = [
            (doc, key)
            for doc, key in fresh
            if key is not None and key[1] < racy and not _read_failed(doc)
        ]
        # Encoded one at a time as SQLite takes them: a list of every record (350 MB at 100k
        # documents) stayed in the process's memory after the write.
        rows = ((doc.path, key[0], key[1], marshal.dumps(encode(doc))) for doc, key in stored)
        keep_set = set(keep)
        stale = [(path,) for path in self.entries if path not in keep_set]
        if not stored and (not stale or not self.path.is_file()):
            return  # nothing to add or drop: no write, and no cache folder for nothing
        if not _usable_state(self.root, CACHE_FILE, create=True):
            return
        try:
            with closing(sqlite3.connect(self.path, timeout=1.0)) as db:
                usable = self._usable(db)
                if usable:
                    with db:
                        db.executemany("DELETE FROM documents WHERE path = ?", stale)
                        db.executemany("INSERT OR REPLACE INTO documents VALUES (?, ?, ?, ?)", rows)
            if not usable:  # corrupt, or another version's: start again
                self.path.unlink(missing_ok=True)
                self.save_all(rows)
        except (sqlite3.Error, OSError) as exc:
            log.info("parse cache %s not written (%s)", self.path, exc)

    def save_all(self, rows: Iterable[tuple[str, int, int, bytes]]) -> None:
        """Start a new cache file with ``rows``."""
        try:
            with closing(sqlite3.connect(self.path, timeout=1.0)) as db, db:
                _create(db, self.fingerprint)
                db.executemany("INSERT OR REPLACE INTO documents VALUES (?, ?, ?, ?)", rows)
        except (sqlite3.Error, OSError) as exc:
            log.info("parse cache %s not written (%s)", self.path, exc)

    def _usable(self, db: sqlite3.Connection) -> bool:
        """Whether the file holds this fingerprint's tables (else it is replaced)."""
        try:
            row = db.execute("SELECT value FROM meta WHERE key = 'fingerprint'").fetchone()
        except sqlite3.DatabaseError:
            return False
        if row is None or row[0] != self.fingerprint:
            return False
        try:
            db.execute("SELECT path, size, mtime_ns, record FROM documents LIMIT 1").fetchall()
        except sqlite3.DatabaseError:
            return False
        return True


def _create(db: sqlite3.Connection, print_: str) -> None:
    db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    db.execute(
        "CREATE TABLE IF NOT EXISTS documents (path TEXT PRIMARY KEY, size INTEGER NOT NULL, "
        "mtime_ns INTEGER NOT NULL, record BLOB NOT NULL)"
    )
    db.execute("INSERT OR REPLACE INTO meta VALUES ('fingerprint', ?)", (print_,))


def _decoded(
    blob: bytes,
    headings_seen: dict[Record, Heading] | None = None,
    values: dict[Any, Any] | None = None,
) -> Document | None:
    """The document a stored record stands for; None for a record that cannot be read or does
    not have the shape ``encode`` writes (the cache folder lives in the scanned repository,
    which may plant records: a wrong type must be a cache miss, never a later crash)."""
    try:
        record = marshal.loads(blob)
        return decode(record, headings_seen, values) if valid_record(record) else None
    except (ValueError, EOFError, TypeError, KeyError, MemoryError, RecursionError):
        return None


Kinds = frozenset[type]
_STR: Kinds = frozenset({str})
_INT: Kinds = frozenset({int})
_BOOL: Kinds = frozenset({bool})
_OPT_STR: Kinds = frozenset({str, type(None)})
#: The column types of each table in a record, as ``encode`` writes them.
_TABLES: tuple[tuple[int, tuple[Kinds, ...]], ...] = (
    (6, (_STR, _STR)),  # metadata
    (7, (_INT, _STR, _STR, _INT)),  # headings
    (9, (_STR, _STR, _STR, _INT, _INT, _BOOL, _BOOL, _STR)),  # references
    (10, (_STR, _INT, _INT, _STR)),  # placeholders
    (11, (_STR, _BOOL, _OPT_STR, _INT)),  # questions
    (12, (_STR, _INT, _INT)),  # problems
    (16, (_STR, _INT)),  # metadata lines
    (17, (_INT, frozenset({tuple}))),  # ignored lines (the codes checked below)
)
_FIELDS: tuple[tuple[int, Kinds], ...] = (
    (0, _STR), (1, _STR), (2, _OPT_STR), (3, _STR), (4, _OPT_STR), (5, _OPT_STR),
    (14, _INT), (15, _INT), (18, _BOOL), (19, _OPT_STR),
)  # fmt: skip
#: Fields in a record (``encode``).
RECORD_FIELDS = 21
#: Column types of the design's tables (the last field: None, or components, endpoints, tables).
_NAMED: tuple[Kinds, ...] = (_STR, _INT)
_DESIGN: tuple[tuple[Kinds, ...], ...] = (
    (_STR, _INT, _STR, _STR, frozenset({tuple}), frozenset({tuple})),  # components
    (_STR, _STR, _INT, _STR, _STR),  # endpoints
    (_STR, _INT, _STR),  # tables
)


def valid_record(record: object) -> bool:
    """Whether ``record`` has exactly the shape and types ``encode`` writes (checked column by
    column, so a large record costs a few passes in C, not a loop per value).

    >>> doc = Document("a.md", "DOC", None, "A", None, None, (), (), frozenset(), ())
    >>> valid_record(encode(doc))
    True
    >>> valid_record(("a.md",) * RECORD_FIELDS)
    False
    """
    if type(record) is not tuple or len(record) != RECORD_FIELDS:
        return False
    if not all(type(record[i]) in kinds for i, kinds in _FIELDS):
        return False
    for position in (8, 13):  # anchors, ignored rules
        items = record[position]
        if type(items) is not tuple or not set(map(type, items)) <= _STR:
            return False
    if not all(_valid_rows(record[position], columns) for position, columns in _TABLES):
        return False
    for line, codes in record[17]:  # ignored lines: (line, (code, ...))
        if type(line) is not int or type(codes) is not tuple or not set(map(type, codes)) <= _STR:
            return False
    references = record[9]
    return (
        not references
        or (
            {r[0] for r in references} <= _KINDS.keys()
            and {r[2] for r in references} <= _RELATIONS.keys()
        )
    ) and _valid_design(record[20])


def _valid_rows(rows: object, columns: tuple[Kinds, ...]) -> bool:
    """Whether ``rows`` is a tuple of tuples with ``columns``' types."""
    if type(rows) is not tuple:
        return False
    if not rows:
        return True
    if set(map(type, rows)) != {tuple} or set(map(len, rows)) != {len(columns)}:
        return False
    transposed = zip(*rows, strict=True)
    return all(set(map(type, c)) <= k for c, k in zip(transposed, columns, strict=True))


def _valid_design(design: object) -> bool:
    """Whether a record's design field is None or the shape ``encode`` writes."""
    if design is None:
        return True
    if type(design) is not tuple or len(design) != len(_DESIGN):
        return False
    if not all(_valid_rows(rows, columns) for rows, columns in zip(design, _DESIGN, strict=True)):
        return False
    return all(
        _valid_rows(component[4], _NAMED) and _valid_rows(component[5], _NAMED)
        for component in design[0]
    )


def _read_failed(doc: Document) -> bool:
    """A document whose file could not be read (permissions, size limit): read it again next
    time, since a chmod does not change the mtime."""
    return doc.line_count == 0  # parsed text always has at least one line


# --- the result cache ---------------------------------------------------------------------------
#
# A whole check run's findings, keyed by a fingerprint of everything they depend on: the
# package's source, Python and networkx, the whole configuration, the templates, "today", the
# rule selection, and the stat of every listed file (documents and artifacts alike: an artifact
# appearing or vanishing changes link resolution). When the key matches, the CLI skips parsing,
# the graph and the rules. A racily fresh file (modified within RACY_SECONDS) means no store.

#: Bump when the stored layout below changes (5: the checksum covers the counts; 6: the
#: blobs in a file of their own).
RESULTS_FORMAT = 6
#: How many results (distinct keys: other --today, --select...) one root keeps.
RESULTS_KEPT = 8


def canonical(value: object) -> object:
    """A value as nested tuples in a stable order (sets sorted, dataclasses by field), so its
    ``repr`` is the same in every process (a frozenset's own order depends on the hash seed)."""
    if isinstance(value, str | int | float | bool | type(None)):
        return value
    if isinstance(value, Path):
        return ("path", value.as_posix())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return (
            type(value).__name__,
            tuple((f.name, canonical(getattr(value, f.name))) for f in dataclasses.fields(value)),
        )
    if isinstance(value, Mapping):
        return ("map", tuple(sorted((repr(canonical(k)), canonical(v)) for k, v in value.items())))
    if isinstance(value, set | frozenset):
        return ("set", tuple(sorted(repr(canonical(v)) for v in value)))
    if isinstance(value, tuple | list):
        return tuple(canonical(v) for v in value)
    return (type(value).__name__, repr(value))


#: A document's file as the result cache remembers it: (size, mtime_ns, ctime_ns).
DocStat = tuple[int, int, int]
#: What ``tree_state`` reads of an ``lstat``: (size, mtime_ns, ctime_ns, mode). A
#: ``stat_result`` holds about 20 objects: keeping 100,000 of them cost 74 MB.
FileStat = tuple[int, int, int, int]


def file_stat(st: os.stat_result) -> FileStat:
    """The part of an ``lstat`` result that ``tree_state`` reads."""
    return st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_mode


#: The stat stored for a document that changed racily (within ``RACY_SECONDS`` of the run's
#: start): it equals no real stat, so the next run takes the document as changed and compares
#: it with the record the findings were computed from (``CachedResult.racy``).
UNKNOWN: DocStat = (-1, -1, -1)

#: At most this many racily changed documents are stored as unknown with their records (a
#: checkout that rewrote the whole tree is checked again in full next time instead).
RACY_KEPT = 64


@dataclasses.dataclass(frozen=True)
class TreeState:
    """The state of a listed tree: ``listing``, a digest of every path and of the stat of
    every file that is not a plain document (artifacts, sidecars, symbolic links, followed);
    ``documents``, each regular document file's stat; ``racy``, the files that changed within
    ``RACY_SECONDS`` of the run's start (a second edit in the same mtime tick, same size,
    would not change their stat)."""

    listing: str
    documents: dict[str, DocStat]
    racy: frozenset[str] = frozenset()

    @property
    def settled(self) -> bool:
        """Whether no file changed within ``RACY_SECONDS`` of the run's start."""
        return not self.racy

    def storable(self) -> dict[str, DocStat] | None:
        """The document stats to store with findings: ``documents`` with each racy document's
        stat ``UNKNOWN``. None when a racy file is not a plain document (its stat is in the
        listing, which a second edit in the same tick would leave equal) or too many are."""
        if not self.racy:
            return self.documents
        if len(self.racy) > RACY_KEPT or not self.racy <= self.documents.keys():
            return None
        return {p: UNKNOWN if p in self.racy else st for p, st in self.documents.items()}


def tree_state(
    root: Path,
    files: Iterable[str],
    started_ns: int,
    documents: Iterable[str] = (),
    stats: Mapping[str, FileStat] | None = None,
) -> TreeState | None:
    """The ``TreeState`` of ``files`` (``documents``: those whose stat is kept apart, so that a
    changed document can be told from a changed listing; ``stats``: the ``lstat`` of files
    taken after ``started_ns``, as the crawl took them, so each file is stat-ed once). None
    when a file cannot be stat-ed (then nothing is cached)."""
    digest = hashlib.sha256()
    racy_ns = started_ns - int(RACY_SECONDS * 1e9)
    racy: list[str] = []
    join, lstat, known = os.path.join, os.lstat, stats or {}
    apart = frozenset(documents)
    found: dict[str, DocStat] = {}
    update = digest.update  # line by line: a list of every line cost 25 MB more at 100k files
    for rel in sorted(files):
        try:
            taken = known.get(rel)
            if taken is None:
                taken = file_stat(lstat(join(root, rel)))
            size, mtime, ctime, mode = taken
            if stat.S_ISLNK(mode):
                target = os.stat(join(root, rel))
                parts = [size, mtime, ctime, mode, target.st_size, target.st_mtime_ns,
                         target.st_ctime_ns, target.st_ino]  # fmt: skip
                mtime, ctime = target.st_mtime_ns, target.st_ctime_ns
            elif rel in apart and stat.S_ISREG(mode):
                found[rel] = (size, mtime, ctime)
                parts = None
            else:
                parts = [size, mtime, ctime, mode]
        except (OSError, ValueError):
            return None
        if mtime >= racy_ns or ctime >= racy_ns:
            racy.append(rel)
        line = f"{rel}\0doc\n" if parts is None else f"{rel}\0{parts}\n"
        update(line.encode("utf-8", "surrogatepass"))
    return TreeState(digest.hexdigest(), found, frozenset(racy))


def result_key(
    root: Path,
    config: Config,
    *,
    tree: str,
    today: object,
    select: Iterable[str],
    ignore: Iterable[str],
    templates: object,
    repository: object = None,
) -> str:
    """The fingerprint a cached check result is stored under (``repository``: the web
    address links may point into, which can come from the git remote, outside the tree)."""
    parts = (
        RESULTS_FORMAT,
        __version__,
        sys.version_info[:3],
        _library_state("networkx"),  # cycle enumeration order (TG203)
        package_digest(),
        str(root.resolve()),
        canonical(config),
        canonical(templates),
        str(today),
        tuple(select),
        tuple(ignore),
        tree,
        canonical(repository),
    )
    return hashlib.sha256(repr(parts).encode("utf-8", "surrogatepass")).hexdigest()


@dataclasses.dataclass(frozen=True)
class CachedResult:
    """What ``tracegraph check`` prints besides the config: the findings (sorted, before any
    baseline) and the summary counts; ``state``, the stat of each document they were computed
    from (an incremental run compares it with the tree's; ``UNKNOWN`` for a document that
    changed racily), and ``racy``, the record of each such document as the findings saw it."""

    documents: int
    references: int
    findings: tuple[Finding, ...]
    state: dict[str, DocStat] = dataclasses.field(default_factory=dict)
    racy: Mapping[str, Record] = dataclasses.field(default_factory=dict)
    #: The stored blobs' checksum (what ties the graph stored beside it, ``linkedit``).
    digest: str = ""


#: A finding's fields in the order the stored columns hold them.
_FINDING_FIELDS = (
    "path", "line", "column", "code", "severity", "rule", "message", "target", "document",
    "suspect",
)  # fmt: skip
_FINDING_KINDS: tuple[Kinds, ...] = (
    _STR, _INT, _INT, _STR, _STR, _STR, _STR, _OPT_STR, _OPT_STR, frozenset({tuple, type(None)})
)  # fmt: skip
_SEVERITIES = {s.value: s for s in Severity}
_SEVERITY_VALUES = {s: s.value for s in Severity}
# Findings are rebuilt by setting their slots (half the cost of the frozen ``__init__``): a
# warm run at 10,000 documents decodes about 12,000 of them.
_F = tuple(Finding.__dict__[n].__set__ for n in _FINDING_FIELDS)


def _finding_columns(findings: Sequence[Finding]) -> tuple[tuple[Any, ...], ...]:
    """The findings as one tuple per field (``marshal`` loads columns of like values several
    times faster than a tuple per finding, and they are checked a column at a time). Each
    column is read straight from the findings: a row tuple per finding first (then
    transposed) held 14 MB more at 120,000 findings while a large check's corpus was alive."""

    value = _SEVERITY_VALUES.__getitem__  # an enum's ``.value`` is a Python-level property

    def column(read: Callable[[Finding], Any]) -> tuple[Any, ...]:
        return tuple(map(read, findings))

    return (
        column(_PATH), column(_LINE), column(_COLUMN), column(_CODE),
        tuple([value(f.severity) for f in findings]), column(_RULE), column(_MESSAGE),
        column(_TARGET), column(_DOCUMENT), tuple([_suspect_row(f.suspect) for f in findings]),
    )  # fmt: skip


_PATH, _LINE, _COLUMN, _CODE, _RULE, _MESSAGE, _TARGET, _DOCUMENT = (
    attrgetter(name)
    for name in ("path", "line", "column", "code", "rule", "message", "target", "document")
)


def valid_columns(
    columns: object, kinds: tuple[Kinds, ...]
) -> TypeGuard[tuple[tuple[Any, ...], ...]]:
    """Whether ``columns`` is a tuple of one tuple per entry of ``kinds``, all of one length,
    each holding only values of its entry's types (stored tables, checked in C passes)."""
    return (
        type(columns) is tuple
        and len(columns) == len(kinds)
        and set(map(type, columns)) == {tuple}
        and len(set(map(len, columns))) == 1
        and all(set(map(type, c)) <= k for c, k in zip(columns, kinds, strict=True))
    )


def _findings(columns: object) -> tuple[Finding, ...]:
    """The findings ``_finding_columns`` stored; TypeError when the columns are malformed.
    Made a column at a time: the findings allocated, then each field's slot set over a column
    by ``map`` (no Python call per finding: 12,000 findings in 5 ms instead of 9)."""
    if not valid_columns(columns, _FINDING_KINDS) or not set(columns[4]) <= _SEVERITIES.keys():
        raise TypeError("malformed findings")
    suspects = tuple(None if row is None else _suspect(row) for row in columns[9])
    severities = tuple(map(_SEVERITIES.__getitem__, columns[4]))
    c = columns
    found = tuple(map(object.__new__, repeat(Finding, len(c[0]))))
    values = (c[0], c[1], c[2], c[3], severities, c[5], c[6], c[7], c[8], suspects)
    for setter, column in zip(_F, values, strict=True):
        deque(map(setter, found, column), maxlen=0)
    return found


def _doc_state(columns: object) -> dict[str, DocStat]:
    """The document stats stored as four columns (path, size, mtime_ns, ctime_ns)."""
    if (
        type(columns) is not tuple
        or len(columns) != 4
        or set(map(type, columns)) != {tuple}
        or len(set(map(len, columns))) != 1
        or not set(map(type, columns[0])) <= _STR
        or not all(set(map(type, c)) <= _INT for c in columns[1:])
    ):
        raise TypeError("malformed document state")
    paths, sizes, mtimes, ctimes = columns
    return dict(zip(paths, zip(sizes, mtimes, ctimes, strict=True), strict=True))


def _racy_records(rows: object) -> dict[str, Record]:
    """The stored records of racily changed documents: (path, record) pairs."""
    if type(rows) is not tuple:
        raise TypeError("malformed racy records")
    out: dict[str, Record] = {}
    for row in rows:
        if type(row) is not tuple or len(row) != 2 or type(row[0]) is not str:
            raise TypeError("malformed racy records")
        if not valid_record(row[1]) or row[1][0] != row[0]:
            raise TypeError("malformed racy records")
        out[row[0]] = row[1]
    return out


def _suspect_row(details: SuspectDetails | None) -> tuple[Any, ...] | None:
    if details is None:
        return None
    return tuple(getattr(details, f.name) for f in dataclasses.fields(SuspectDetails))


def _suspect(row: object) -> SuspectDetails | None:
    if row is None:
        return None
    if not isinstance(row, tuple) or len(row) != 7:
        raise TypeError("malformed finding row")
    upstream_id, upstream_path, commit, date, kind, changes, how = row
    texts = (upstream_id, upstream_path, commit, date, kind)
    if not all(isinstance(t, str) for t in texts) or not isinstance(how, tuple):
        raise TypeError("malformed finding row")
    if not isinstance(changes, tuple) or not all(
        isinstance(c, tuple) and len(c) == 3 and all(isinstance(x, str) for x in c) for c in changes
    ):
        raise TypeError("malformed finding row")
    return SuspectDetails(
        str(upstream_id), str(upstream_path), str(commit), str(date), str(kind), changes,
        tuple(str(h) for h in how),
    )  # fmt: skip


def _checksum(documents: int, references: int, blobs: Iterable[bytes]) -> str:
    """The digest a stored result row is checked by: its counts and its blobs."""
    digest = hashlib.sha256(b"%d\0%d\0" % (documents, references))
    for blob in blobs:
        digest.update(blob)
    return digest.hexdigest()


#: The result cache's blobs, in the order ``ResultCache.put`` makes them: a file of their
#: bytes one after the other, ``result-DIGEST.bin`` (``_result_name``), beside the row that
#: holds their sizes and checksum.
_RESULT_BLOBS = ("findings", "state", "racy")
RESULT_PREFIX = "result-"


def _result_name(key: str) -> str:
    """The file holding the blobs of the result stored under ``key``."""
    hashed = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
    return f"{RESULT_PREFIX}{hashed}.bin"


def _write_unsynced(path: Path, blobs: Iterable[bytes]) -> None:
    """Replace ``path`` with ``blobs`` through a new file beside it (never through a link).
    Not synced to disk: the row's checksum, written after, names the bytes, so a file cut
    short by a crash of the machine is a miss (a write synced cost 10-30 ms of wall time for
    the 3 MB of a 10,000-document result)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{time.time_ns()}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(tmp, flags, 0o644)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.writelines(blobs)
        os.replace(tmp, path)
    except BaseException:
        with suppress(OSError):
            os.unlink(tmp)
        raise


class ResultCache:
    """Cached check results of one root; every failure means "not cached", never an error.
    A result is a row of ``results.sqlite`` (counts, checksum, sizes) and a file of its blobs
    (``_result_name``): one read and one write of a few megabytes, where SQLite walked and
    journalled the overflow pages of a blob (10k: 3 ms to read, 10 ms to replace, against
    0.2 and 1 ms for the file)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.directory = root / CACHE_DIR
        self.path = self.directory / RESULTS_FILE
        #: The findings ``get(reusable=True)`` returned and their stored blob: ``put`` given
        #: that very tuple writes the blob as it was read (no column built, nothing marshalled).
        self._read: tuple[tuple[Finding, ...], bytes] | None = None

    def get(self, key: str, *, reusable: bool = False) -> CachedResult | None:
        """The result stored under ``key``, or None (absent, corrupt, unreadable).
        ``reusable``: keep the findings' stored bytes for a ``put`` of the same findings."""
        if not _usable_state(self.root, RESULTS_FILE, create=False) or not self.path.is_file():
            return None
        try:
            with closing(sqlite3.connect(self.path, timeout=1.0)) as db:
                row = db.execute(
                    "SELECT documents, refs, digest, findings_size, state_size, racy_size "
                    "FROM results WHERE key = ?",
                    (key,),
                ).fetchone()
            if row is None:
                return None
            documents, references, digest, *sizes = row
            if not all(type(n) is int and n >= 0 for n in (documents, references, *sizes)):
                raise TypeError("malformed counts")
            data = read_state_file(self.root, _result_name(key), sum(sizes))
            if data is None or len(data) != sum(sizes):
                raise ValueError("the result's file is not the one stored")
            ends = (sizes[0], sizes[0] + sizes[1])
            blobs = (data[: ends[0]], data[ends[0] : ends[1]], data[ends[1] :])
            del data
            if _checksum(documents, references, blobs) != digest:
                raise ValueError("checksum mismatch")
            # Tens of thousands of new tuples and findings, none of them garbage: collecting
            # while they are made cost more than making them.
            collecting = gc.isenabled()
            gc.disable()
            try:
                findings, state, racy = map(marshal.loads, blobs)
                found = CachedResult(
                    documents, references, _findings(findings), _doc_state(state),
                    _racy_records(racy), digest,
                )  # fmt: skip
            finally:
                if collecting:
                    gc.enable()
        except (sqlite3.Error, OSError, ValueError, EOFError, TypeError, KeyError) as exc:
            log.info("result cache %s unusable (%s); ignoring it", self.path, exc)
            return None
        if reusable:
            self._read = (found.findings, blobs[0])
        return found

    def put(self, key: str, result: CachedResult) -> str:
        """Store ``result`` under ``key`` (its file, then its row in one transaction), keeping
        the newest few keys; a corrupt database is replaced. The stored blobs' checksum, ""
        when nothing was stored."""
        state = sorted(result.state.items())
        read, self._read = self._read, None
        blobs = (
            read[1]
            if read is not None and read[0] is result.findings
            else marshal.dumps(_finding_columns(result.findings)),
            marshal.dumps(
                (tuple(p for p, _ in state), *(tuple(st[i] for _, st in state) for i in range(3)))
            ),
            marshal.dumps(tuple(sorted(result.racy.items()))),
        )
        digest = _checksum(result.documents, result.references, blobs)
        row = (key, time.time_ns(), result.documents, result.references, digest,
               *map(len, blobs))  # fmt: skip
        name = _result_name(key)
        if not _usable_state(self.root, RESULTS_FILE, create=True):
            return ""
        for attempt in (1, 2):
            try:
                if not _usable_state(self.root, name, create=False):
                    return ""
                _write_unsynced(self.directory / name, blobs)
                with closing(sqlite3.connect(self.path, timeout=1.0)) as db, db:
                    # A cache: a write cut short by a crash of the machine (not of this
                    # process: the journal is on disk) fails the checksum, so no fsync.
                    db.execute("PRAGMA synchronous = OFF")
                    columns = [c[1] for c in db.execute("PRAGMA table_info(results)")]
                    if columns and "racy_size" not in columns:  # an older layout: start again
                        db.execute("DROP TABLE results")
                    db.execute(
                        "CREATE TABLE IF NOT EXISTS results (key TEXT PRIMARY KEY, "
                        "created INTEGER NOT NULL, documents INTEGER NOT NULL, refs INTEGER "
                        "NOT NULL, digest TEXT NOT NULL, findings_size INTEGER NOT NULL, "
                        "state_size INTEGER NOT NULL, racy_size INTEGER NOT NULL)"
                    )
                    db.execute(
                        "INSERT OR REPLACE INTO results VALUES (?, ?, ?, ?, ?, ?, ?, ?)", row
                    )
                    _keep_newest(db, "results", RESULTS_KEPT)
                    kept = {_result_name(k) for (k,) in db.execute("SELECT key FROM results")}
                for entry in os.listdir(self.directory):  # the files of results not kept
                    if entry.startswith(RESULT_PREFIX) and entry not in kept:
                        (self.directory / entry).unlink(missing_ok=True)
                return digest
            except sqlite3.DatabaseError as exc:  # corrupt or foreign: start a new file once
                log.info("result cache %s not written (%s)", self.path, exc)
                if attempt == 2 or isinstance(exc, sqlite3.OperationalError):
                    return ""
                try:
                    self.path.unlink(missing_ok=True)
                except OSError:
                    return ""
            except OSError as exc:
                log.info("result cache %s not written (%s)", self.path, exc)
                return ""
        return ""

    def get_presets(
        self, key: str
    ) -> tuple[tuple[tuple[str, str], ...], dict[str, DocStat], tuple[Any, ...]] | None:
        """The presets detected in the tree ``key`` names, as (preset name, folder) pairs,
        the stat of each document whose text the detection read, and the presets themselves
        as ``put_presets`` was given them (unchecked; empty when none were); None when not
        stored (absent, corrupt, unreadable)."""
        if not _usable_state(self.root, RESULTS_FILE, create=False) or not self.path.is_file():
            return None
        try:
            with closing(sqlite3.connect(self.path, timeout=1.0)) as db:
                row = db.execute("SELECT value FROM presets WHERE key = ?", (key,)).fetchone()
            if row is None or not isinstance(row[0], bytes):
                return None
            found, read, presets = marshal.loads(row[0])
            if type(found) is not tuple or not all(
                type(f) is tuple and len(f) == 2 and set(map(type, f)) == {str} for f in found
            ):
                raise TypeError("malformed presets")
            if type(presets) is not tuple:
                raise TypeError("malformed presets")
            return found, _doc_state(read), presets
        except (sqlite3.Error, OSError, ValueError, EOFError, TypeError) as exc:
            log.info("result cache %s: presets unusable (%s)", self.path, exc)
            return None

    def put_presets(
        self,
        key: str,
        found: Iterable[tuple[str, str]],
        read: Mapping[str, DocStat],
        presets: tuple[Any, ...] = (),
    ) -> None:
        """Store what ``get_presets`` returns (the newest few trees are kept); ``presets``
        (values ``marshal`` takes) is left out when it holds anything else."""
        stats = sorted(read.items())
        columns = (tuple(p for p, _ in stats), *(tuple(st[i] for _, st in stats) for i in range(3)))
        stored: Any = (tuple(found), columns, presets)
        try:
            value = marshal.dumps(stored)
        except ValueError:  # a value marshal cannot write
            value = marshal.dumps((*stored[:2], ()))
        if not _usable_state(self.root, RESULTS_FILE, create=True):
            return
        try:
            with closing(sqlite3.connect(self.path, timeout=1.0)) as db, db:
                db.execute(
                    "CREATE TABLE IF NOT EXISTS presets (key TEXT PRIMARY KEY, "
                    "created INTEGER NOT NULL, value BLOB NOT NULL)"
                )
                db.execute(
                    "INSERT OR REPLACE INTO presets VALUES (?, ?, ?)", (key, time.time_ns(), value)
                )
                _keep_newest(db, "presets", RESULTS_KEPT)
        except (sqlite3.Error, OSError) as exc:
            log.info("result cache %s: presets not written (%s)", self.path, exc)

    def get_output(self, key: str) -> KeptOutput | None:
        """The output a check printed under ``key`` (``warm.get_output``), or None."""
        return get_output(self.root, key)

    def put_output(self, key: str, output: KeptOutput) -> None:
        """Store what a check printed under ``key`` (``warm.put_output``)."""
        put_output(self.root, key, output)
