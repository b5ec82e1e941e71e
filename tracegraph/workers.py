"""Parsing in worker processes: each worker reads and parses a chunk of paths itself (no bytes
are shipped) and sends back compact ``marshal``-ed records, much cheaper to move between
processes than pickled dataclasses. Results come back in input order, so output stays
deterministic.

Strings in the records are interned in the worker: ``marshal`` keeps that flag, so the parent
(and the cache, which stores what the parent holds) gets one copy of each heading, slug,
metadata key, link target... however many documents repeat it (template headings repeat in
nearly every document: 288k headings, 9k distinct texts in the generated 10k corpus). Equal
numbers and tuples within one chunk are made one object too, which ``marshal`` sends once and
the parent keeps once (line numbers above 256, ``(key, line)`` pairs of front matter).

Workers die with the parent (``procs.leave_with_parent``): a SIGTERM or SIGKILL of the main
process during a parallel parse leaves no worker behind."""

from __future__ import annotations

import marshal
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, cast

from .cache import FileKey, Record, decode, encode_design, fold_keys
from .config import Limits
from .crawl import read_document
from .model import Document, Heading
from .parse import Recogniser, Sidecar, parse_document
from .procs import leave_with_parent
from .safefs import RealFolders

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

#: Below this many files to parse, parse serially: starting processes costs more.
PARALLEL_THRESHOLD = 400
#: Files per task: small enough to balance the workers, large enough to amortise the messages.
CHUNK = 64

_state: tuple[Path, Recogniser, Limits, dict[str, str]] | None = None

_set_headings = Document.__dict__["headings"].__set__
_set_ignored = Document.__dict__["ignored_rules"].__set__
_NO_RULES: frozenset[str] = frozenset()


class Sharing:
    """Shares equal parts between documents fresh from ``decode``, before anyone sees them:
    equal headings (same level, text and line: a template's sections) of nearby documents
    become one object, and every document without ignored rules gets one empty set (216 bytes
    each otherwise). What it has seen is forgotten every ``window`` documents, so it stays small
    where headings never repeat."""

    def __init__(self, window: int = CHUNK) -> None:
        self.window = window
        self.count = 0
        self.seen: dict[Heading, Heading] = {}

    def __call__(self, doc: Document) -> Document:
        self.count += 1
        if self.count > self.window:
            self.seen = {}
            self.count = 1
        if doc.headings:
            seen = self.seen
            _set_headings(doc, tuple([seen.setdefault(h, h) for h in doc.headings]))
        if not doc.ignored_rules:
            _set_ignored(doc, _NO_RULES)
        return doc


def parse_one(
    root: Path,
    rel: str,
    recogniser: Recogniser,
    limits: Limits,
    sidecar: str | None = None,
    folders: RealFolders | None = None,
) -> tuple[Document, FileKey | None]:
    """Read and parse one document (and its sidecar metadata file); the key is the
    (size, mtime_ns) of the bytes parsed, both files' folded together. ``folders`` caches the
    real paths of folders over one batch of documents (``safefs.inside_root_fast``)."""
    data = read_document(root, rel, limits.max_file_bytes, folders)
    side: Sidecar | None = None
    side_key: FileKey | None = (0, 0)
    if sidecar is not None:
        side_data = read_document(root, sidecar, limits.max_file_bytes, folders)
        side = (sidecar, side_data.data, side_data.error)
        side_key = (side_data.size, side_data.mtime_ns) if side_data.data is not None else None
    doc = parse_document(rel, data.data, recogniser, limits, data.error, side)
    key = (data.size, data.mtime_ns) if data.data is not None else None
    return doc, (fold_keys(key, side_key) if sidecar is not None else key)


#: ``sys.intern``, called only on exact ``str`` (checked by class, which mypy cannot follow).
_intern = cast("Callable[[object], str]", sys.intern)


def interned(value: object, shared: dict[object, object] | None = None) -> object:
    """``value`` (nested tuples of str/int/bool/None) with every string interned and, with
    ``shared``, equal ints and equal flat tuples of str/int/None replaced by the first one
    seen (never a tuple holding a bool or a tuple: ``(1,) == (True,)``).

    Leaves are handled in the loop rather than by a call each (a record holds ~2,000 values;
    a call per value was 0.9 s of worker time at 10,000 documents)."""
    cls = value.__class__
    if cls is str:
        return _intern(value)
    if cls is tuple:
        flat = True
        out: list[object] = []
        append = out.append
        for item in cast(tuple[object, ...], value):
            kind = item.__class__
            if kind is str:
                append(_intern(item))
            elif kind is int:
                append(item if shared is None else shared.setdefault(item, item))
            elif item is None:
                append(item)
            else:  # a bool or a nested tuple: the tuple is not flat
                flat = False
                append(interned(item, shared))
        items = tuple(out)
        if flat and shared is not None:
            return shared.setdefault(items, items)
        return items
    if shared is not None and cls is int:
        return shared.setdefault(value, value)
    return value


def shared_record(doc: Document, shared: dict[object, object]) -> Record:
    """``interned(encode(doc), shared)``, built directly from the document: the same value with
    the same objects shared, without building ``encode``'s tuples and walking them again (that
    walk cost the workers 0.6 s of CPU at 10,000 documents, this 0.3 s). The layout is
    ``cache.encode``'s; a test compares both, as ``marshal`` writes them, on several corpora.

    ``sd(x, x)`` shares an int or a flat tuple (``tuple([])`` is the one empty tuple already);
    the tuples holding a bool or a tuple are built but never shared, as ``interned`` does."""
    sd = shared.setdefault
    s = _intern

    def text(value: str | None) -> str | None:
        return None if value is None else s(value)

    metadata = tuple([sd(pair, pair) for pair in [(s(k), s(v)) for k, v in doc.metadata]])
    headings = [(h.level, s(h.text), s(h.slug), sd(h.line, h.line)) for h in doc.headings]
    references = [
        (s(r.kind.value), s(r.target), s(r.relation.value), sd(r.line, r.line),
         sd(r.column, r.column), r.is_id, r.reverse, s(r.text))
        for r in doc.references
    ]  # fmt: skip
    placeholders = [
        (s(p.text), sd(p.line, p.line), sd(p.column, p.column), s(p.section))
        for p in doc.placeholders
    ]
    questions = [(s(q.text), q.checked, text(q.due), sd(q.line, q.line)) for q in doc.questions]
    problems = [(s(p.message), sd(p.line, p.line), sd(p.column, p.column)) for p in doc.problems]
    anchors = tuple([s(a) for a in doc.anchors])
    ignored = tuple([s(code) for code in sorted(doc.ignored_rules)])
    metadata_lines = [(s(k), sd(line, line)) for k, line in doc.metadata_lines]
    ignored_lines = []
    for line, codes in doc.ignored_lines:
        named = tuple([s(code) for code in codes])
        ignored_lines.append((sd(line, line), sd(named, named)))
    return (
        s(doc.path),
        s(doc.type),
        text(doc.id),
        s(doc.title),
        text(doc.status),
        text(doc.status_raw),
        metadata,
        tuple([sd(h, h) for h in headings]),
        sd(anchors, anchors),
        tuple(references),
        tuple([sd(p, p) for p in placeholders]),
        tuple(questions),
        tuple([sd(p, p) for p in problems]),
        sd(ignored, ignored),
        sd(doc.line_count, doc.line_count),
        sd(doc.status_line, doc.status_line),
        tuple([sd(pair, pair) for pair in metadata_lines]),
        tuple(ignored_lines),
        doc.generated,
        text(doc.sidecar),
        None if doc.design is None else interned(encode_design(doc.design), shared),
    )


def _init(
    root: Path, recogniser: Recogniser, limits: Limits, sidecars: dict[str, str], parent: int
) -> None:
    global _state
    leave_with_parent(parent)  # a killed parent must not leave workers blocked on its queue
    _state = (root, recogniser, limits, sidecars)


def _parse_chunk(paths: list[str]) -> bytes:
    assert _state is not None, "worker not initialised"
    root, recogniser, limits, sidecars = _state
    out = []
    shared: dict[object, object] = {}
    folders: RealFolders = {}
    for rel in paths:
        doc, key = parse_one(root, rel, recogniser, limits, sidecars.get(rel), folders)
        out.append((shared_record(doc, shared), key))
    return marshal.dumps(out)


def workers_for(count: int, threshold: int) -> int:
    """How many processes to use for ``count`` files (1 means serial)."""
    if count < max(threshold, 2):
        return 1
    return max(1, min(os.cpu_count() or 1, count))


#: Bytes the pipe that carries the workers' records may hold (Linux's default for an
#: unprivileged user's largest pipe; a chunk's records are about 130 KB at 64 documents).
RESULT_PIPE_BYTES = 1 << 20


def widen_results(pool: ProcessPoolExecutor) -> int | None:
    """Let the pipe that brings ``pool``'s results hold ``RESULT_PIPE_BYTES`` (Linux), and
    return its new size (None where that cannot be done: another platform, a Python whose
    executor keeps its queue elsewhere, a lower system limit).

    A chunk's records (about 130 KB) did not fit the default 64 KB pipe, so a worker that had
    finished a chunk waited, unable to start the next, until the parent's reader thread had
    taken the rest; that thread needs the interpreter lock, which the main thread holds while
    it decodes records (released every 5 ms). Measured at 10,000 documents under load: the
    workers' time between chunks fell by a third (2.1 -> 1.4 s, summed over both)."""
    try:
        import fcntl

        reader = pool._result_queue._reader  # type: ignore[attr-defined]
        descriptor = reader.fileno()
        fcntl.fcntl(descriptor, fcntl.F_SETPIPE_SZ, RESULT_PIPE_BYTES)
        return int(fcntl.fcntl(descriptor, fcntl.F_GETPIPE_SZ))
    except (ImportError, AttributeError, OSError, ValueError):
        return None


def parse_parallel(
    root: Path,
    paths: list[str],
    recogniser: Recogniser,
    limits: Limits,
    workers: int,
    progress: Callable[[int], None] | None = None,
    sidecars: dict[str, str] | None = None,
) -> Iterator[tuple[Document, FileKey | None]]:
    """Parse ``paths`` in ``workers`` processes; yields in input order. ``sidecars`` maps a
    document to its sidecar metadata file."""
    # Imported here: a run that parses a document or two (an incremental check) imports no
    # process pool and no multiprocessing (20-30 ms).
    from concurrent.futures import ProcessPoolExecutor

    size = max(1, min(CHUNK, -(-len(paths) // (workers * 4))))
    chunks = [paths[i : i + size] for i in range(0, len(paths), size)]
    with ProcessPoolExecutor(
        workers, initializer=_init, initargs=(root, recogniser, limits, sidecars or {}, os.getpid())
    ) as pool:
        widen_results(pool)
        for blob in pool.map(_parse_chunk, chunks):
            records = marshal.loads(blob)
            seen: dict[Record, Heading] = {}  # a chunk's equal headings: one object
            for record, key in records:
                yield decode(record, seen), (tuple(key) if key is not None else None)
            if progress is not None:
                progress(len(records))
