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

import contextlib
import marshal
import os
import signal
import struct
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, cast

from .cache import _NO_RULES, FileKey, Record, decode, fold_keys
from .config import Limits
from .crawl import read_document
from .errors import TracegraphError
from .model import Design, Document, Heading, Named
from .parse import Recogniser, Sidecar, parse_document
from .procs import forget_ending, leave_with_parent, read_exactly, reap_ended, reap_later
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


class Sharing:
    """Shares equal parts between documents fresh from ``decode``, before anyone sees them:
    equal headings (same level, text and line: a template's sections) of nearby documents
    become one object, and every document without ignored rules gets one empty set (216 bytes
    each otherwise). What it has seen is forgotten every ``window`` documents, so it stays small
    where headings never repeat."""

    def __init__(self, window: int = CHUNK) -> None:
        self.window = window
        self.count = 0
        self.seen: dict[tuple[int, str, str, int], Heading] = {}

    def __call__(self, doc: Document) -> Document:
        self.count += 1
        if self.count > self.window:
            self.seen = {}
            self.count = 1
        if doc.headings:  # keyed by a tuple: hashed in C, not by the dataclass's ``__hash__``
            seen = self.seen
            _set_headings(doc, tuple([seen.setdefault((h.level, h.text, h.slug, h.line), h)
                                      for h in doc.headings]))  # fmt: skip
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
    references: list[Record] = []
    append = references.append
    for r in doc.references:  # ``_value_`` and ``_more``: no property call (0.3 us each)
        is_id, reverse, words = r._more
        append((s(r.kind._value_), s(r.target), s(r.relation._value_), sd(r.line, r.line),
                sd(r.column, r.column), is_id, reverse, s(words)))  # fmt: skip
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
        None if doc.design is None else shared_design(doc.design, sd),
    )


def shared_design(design: Design, sd: Callable[[object, object], object]) -> Record:
    """``interned(encode_design(design), shared)`` built directly, as ``shared_record`` does
    for the rest (``sd`` is ``shared.setdefault``): a flat tuple of strings and numbers is
    shared, a tuple holding tuples is not."""
    s = _intern

    def named(items: tuple[Named, ...]) -> tuple[object, ...]:
        return tuple([sd(pair, pair) for pair in [(s(n.text), sd(n.line, n.line)) for n in items]])

    components = tuple([
        (s(c.name), sd(c.line, c.line), s(c.responsibility), s(c.technology),
         named(c.interfaces), named(c.dependencies))
        for c in design.components
    ])  # fmt: skip
    endpoints = [
        (s(e.method), s(e.path), sd(e.line, e.line), s(e.change), s(e.description))
        for e in design.endpoints
    ]
    tables = [(s(t.name), sd(t.line, t.line), s(t.change)) for t in design.tables]
    return components, tuple([sd(e, e) for e in endpoints]), tuple([sd(t, t) for t in tables])


def _init(
    root: Path, recogniser: Recogniser, limits: Limits, sidecars: dict[str, str], parent: int
) -> None:
    global _state
    leave_with_parent(parent)  # a killed parent must not leave workers blocked on its queue
    _state = (root, recogniser, limits, sidecars)


def _parse_chunk(paths: list[str]) -> bytes:
    assert _state is not None, "worker not initialised"
    return _records(paths, *_state)


def _records(
    paths: list[str], root: Path, recogniser: Recogniser, limits: Limits, sidecars: dict[str, str]
) -> bytes:
    """A chunk of documents parsed, as the ``marshal``-ed records a worker sends."""
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
    meanwhile: Callable[[], None] | None = None,
) -> Iterator[tuple[Document, FileKey | None]]:
    """Parse ``paths`` in ``workers`` processes; yields in input order. ``sidecars`` maps a
    document to its sidecar metadata file.

    Where it may fork (``can_fork``), this process and ``workers - 1`` forked ones do the work
    (``parse_forked``); elsewhere (macOS, Windows, a process running threads: the language
    server) a ``ProcessPoolExecutor`` of ``workers`` processes, this one decoding.
    ``meanwhile`` runs here once the workers have their first tasks."""
    if can_fork():
        yield from parse_forked(
            root, paths, recogniser, limits, workers, progress, sidecars, meanwhile
        )
        return
    # Imported here: a run that parses a document or two (an incremental check) imports no
    # process pool and no multiprocessing (20-30 ms).
    from concurrent.futures import ProcessPoolExecutor

    chunks = split(paths, workers)
    with ProcessPoolExecutor(
        workers, initializer=_init, initargs=(root, recogniser, limits, sidecars or {}, os.getpid())
    ) as pool:
        widen_results(pool)
        blobs = pool.map(_parse_chunk, chunks)
        if meanwhile is not None:
            meanwhile()
        for blob in blobs:
            records = marshal.loads(blob)
            seen: dict[Record, Heading] = {}  # a chunk's equal headings: one object
            for record, key in records:
                yield decode(record, seen), (tuple(key) if key is not None else None)
            if progress is not None:
                progress(len(records))


# --- a pool of our own: this process and forked workers (Linux) ---------------------------------

#: A chunk's number in the tasks pipe. Every read takes exactly one (reads of 4 bytes from a
#: pipe never interleave), so no chunk is parsed twice however the processes race for them.
_TASK = struct.Struct("=I")
#: What a worker writes to its results pipe: kind, chunk number, length of the bytes after it.
_FRAME = struct.Struct("=BII")
#: A chunk taken, its records, a failure; and the last message of a worker with no chunk left
#: (its pipe's end comes only once its exit has unmapped its memory, which is not waited for).
_TAKEN, _DONE, _FAILED, _FINISHED = 1, 2, 3, 4
#: From this many documents up, those parsed in the parent are rebuilt from records as the
#: workers' are: interned strings and shared headings, anchors and numbers take about 4 KB
#: less per document (on two cores the parent parses half: +20 MiB at 10,000 documents, which
#: would be +200 MiB at 100,000); below, the rebuild's CPU (about 0.05 ms a document) is saved.
SHARED_FROM = 25_000
#: The most chunks the tasks pipe holds without a reader (its smallest size, 4 KiB pages x 16).
_MAX_TASKS = 65536 // _TASK.size


#: The smallest chunk (see ``split``): a few milliseconds of parsing, against tens of
#: microseconds for its message.
TAIL_CHUNK = 4


def split(paths: list[str], processes: int) -> list[list[str]]:
    """``paths`` in the chunks ``processes`` processes take one by one, in order: ``CHUNK``
    documents each (fewer in a small tree: about four chunks per process) while much is left,
    then smaller and smaller (a ``2 * processes``-th of what is left, down to ``TAIL_CHUNK``),
    so that the processes finish close together: whoever takes the last chunk keeps the others
    waiting at most that long (at 1,000 documents the main process waited 4-10% of the
    stage for a last chunk of 64). Never more than ``_MAX_TASKS`` chunks: the tail adds a few
    dozen at most, and the large chunks are made larger first."""
    count = len(paths)
    size = max(1, min(CHUNK, -(-count // (processes * 4))), -(-count // (_MAX_TASKS - 64)))
    chunks = []
    start = 0
    while start < count:
        left = count - start
        take = min(size, max(TAIL_CHUNK, -(-left // (processes * 2))), left)
        chunks.append(paths[start : start + take])
        start += take
    return chunks


def can_fork() -> bool:
    """Whether this process may fork parse workers: Linux (``fork`` is unsafe on macOS and
    missing on Windows) and no other thread (a thread's locks would be copied held)."""
    return sys.platform.startswith("linux") and threading.active_count() == 1


class _Worker:
    """The parent's view of one forked worker: its results pipe and what it has sent."""

    __slots__ = ("finished", "pid", "reader", "status", "taken")

    def __init__(self, pid: int, reader: int) -> None:
        self.pid = pid
        self.reader = reader
        self.taken: int | None = None  # the chunk it parses now (announced before it starts)
        self.status: int | None = None  # its wait status once it has ended
        self.finished = False  # it said it has no chunk left (and is ending)

    @property
    def waited_for(self) -> bool:
        """Whether a message (or its end) may still come from it."""
        return self.status is None and not self.finished


Parsed = list[tuple[Document, FileKey | None]]


def parse_forked(
    root: Path,
    paths: list[str],
    recogniser: Recogniser,
    limits: Limits,
    processes: int,
    progress: Callable[[int], None] | None = None,
    sidecars: dict[str, str] | None = None,
    meanwhile: Callable[[], None] | None = None,
) -> Parsed:
    """Parse ``paths`` in this process and ``processes - 1`` forked workers; in input order.

    The chunks' numbers wait in one pipe, and every process takes the next one when it is
    free (a busy core elsewhere does not hold up the end). A worker inherits everything it
    needs (nothing is pickled or sent to it), reads and parses its chunks and writes their
    ``marshal``-ed records to a pipe of its own; this process parses chunks itself (no
    records for those) and, between its chunks, decodes what the workers have sent. A worker
    that fails on a chunk leaves it to this process (which then raises the same error, with
    its traceback); a worker that is killed is a ``TracegraphError`` naming its chunk.
    ``meanwhile`` runs here once the workers are started, before this process's first chunk
    (the chunks go to whoever is free, so the workers then take more of them). Call only
    where ``can_fork``."""
    sidecars = sidecars or {}
    shared = len(paths) >= SHARED_FROM
    chunks = split(paths, processes)
    reap_ended()  # an earlier parse's workers
    found: list[Parsed | None] = [None] * len(chunks)
    tasks, feed = os.pipe()
    try:
        os.write(feed, b"".join([_TASK.pack(number) for number in range(len(chunks))]))
    finally:
        os.close(feed)  # an empty pipe then reads as its end: every process stops there
    workers: list[_Worker] = []
    try:
        for _ in range(processes - 1):
            worker = _start_worker(tasks, workers, chunks, root, recogniser, limits, sidecars)
            if worker is None:  # no fork (out of processes): the others do the work
                break
            workers.append(worker)
        if meanwhile is not None and workers:
            meanwhile()
        while True:
            _receive(workers, found, False, progress)
            taken = os.read(tasks, _TASK.size)
            if not taken:
                break
            (number,) = _TASK.unpack(taken)
            found[number] = _parse_here(chunks[number], root, recogniser, limits, sidecars, shared)
            if progress is not None:
                progress(len(chunks[number]))
        while any(worker.waited_for for worker in workers):
            _receive(workers, found, True, progress)
        for worker in workers:
            if worker.taken is not None and os.WIFSIGNALED(cast(int, worker.status)):
                raise _killed(worker, chunks[worker.taken])
        for number, parsed in enumerate(found):
            if parsed is None:  # a worker failed on it: parse it here, where errors show
                found[number] = _parse_here(
                    chunks[number], root, recogniser, limits, sidecars, shared
                )
                if progress is not None:
                    progress(len(chunks[number]))
    finally:
        os.close(tasks)
        _stop(workers)
    return [item for parsed in found for item in cast(Parsed, parsed)]


def _parse_here(
    paths: list[str],
    root: Path,
    recogniser: Recogniser,
    limits: Limits,
    sidecars: dict[str, str],
    shared: bool,
) -> Parsed:
    """A chunk parsed in this process, its equal headings one object; with ``shared``, its
    documents rebuilt from records as the workers' are (interned strings, shared numbers)."""
    folders: RealFolders = {}
    out = [parse_one(root, rel, recogniser, limits, sidecars.get(rel), folders) for rel in paths]
    if not shared:  # equal headings one object all the same: the cheapest large saving
        share = Sharing(len(out))
        return [(share(doc), key) for doc, key in out]
    values: dict[object, object] = {}
    seen: dict[Record, Heading] = {}
    return [(decode(shared_record(doc, values), seen), key) for doc, key in out]


def _start_worker(
    tasks: int,
    started: list[_Worker],
    chunks: list[list[str]],
    root: Path,
    recogniser: Recogniser,
    limits: Limits,
    sidecars: dict[str, str],
) -> _Worker | None:
    """Fork a worker that parses chunks until the tasks pipe is empty (None: no fork)."""
    reader, writer = os.pipe()
    _widen(writer)
    parent = os.getpid()
    try:
        pid = os.fork()
    except OSError:
        os.close(reader)
        os.close(writer)
        return None
    if pid == 0:  # the worker: it never returns from here
        code = 1
        try:
            os.close(reader)
            for other in started:
                os.close(other.reader)
            leave_with_parent(parent)
            forget_ending()
            while taken := os.read(tasks, _TASK.size):
                (number,) = _TASK.unpack(taken)
                _send(writer, _TAKEN, number, b"")
                _send(writer, _DONE, number, _records(chunks[number], root, recogniser, limits,
                                                      sidecars))  # fmt: skip
            _send(writer, _FINISHED, 0, b"")
            code = 0
        except BaseException:  # the parent parses the chunk again and shows what went wrong
            with contextlib.suppress(BaseException):
                _send(writer, _FAILED, 0, b"")
        finally:
            os._exit(code)  # no cleanup of the parent's state (buffers, atexit, files)
    os.close(writer)
    return _Worker(pid, reader)


def _send(writer: int, kind: int, number: int, data: bytes) -> None:
    view = memoryview(_FRAME.pack(kind, number, len(data)) + data)
    while view:
        view = view[os.write(writer, view) :]


def _widen(descriptor: int) -> None:
    """Let a results pipe hold ``RESULT_PIPE_BYTES``: several chunks' records, so a worker
    does not wait for this process to finish a chunk of its own (Linux; else as it is)."""
    with contextlib.suppress(ImportError, AttributeError, OSError):
        import fcntl

        fcntl.fcntl(descriptor, fcntl.F_SETPIPE_SZ, RESULT_PIPE_BYTES)


def _receive(
    workers: list[_Worker],
    found: list[Parsed | None],
    wait: bool,
    progress: Callable[[int], None] | None,
) -> None:
    """Decode the chunks the workers have sent; with ``wait``, wait for at least one message
    (or a worker's end), else take only what is there. (``poll``, not ``select``: a process
    that holds a thousand descriptors already gets numbers ``select`` cannot watch.)"""
    import select

    while live := {worker.reader: worker for worker in workers if worker.waited_for}:
        watch = select.poll()
        for descriptor in live:
            watch.register(descriptor, select.POLLIN)
        ready = watch.poll(None if wait else 0)
        for descriptor, _ in ready:
            _message(live[descriptor], found, progress)
        if wait or not ready:
            return


def _message(
    worker: _Worker, found: list[Parsed | None], progress: Callable[[int], None] | None
) -> None:
    """Read one message of ``worker``'s (it writes each whole, so this waits at most while it
    copies the rest) and act on it."""
    try:
        kind, number, length = _FRAME.unpack(read_exactly(worker.reader, _FRAME.size))
        data = read_exactly(worker.reader, length)
    except EOFError:  # it has ended (maybe inside a message: killed while writing)
        worker.status = os.waitpid(worker.pid, 0)[1]
        return
    if kind == _TAKEN:
        worker.taken = number
        return
    if kind == _FINISHED:
        worker.finished = True
        return
    worker.taken = None
    if kind == _DONE:
        records = marshal.loads(data)
        seen: dict[Record, Heading] = {}  # a chunk's equal headings: one object
        found[number] = [
            (decode(record, seen), tuple(key) if key is not None else None)
            for record, key in records
        ]
        if progress is not None:
            progress(len(records))


def _killed(worker: _Worker, paths: list[str]) -> TracegraphError:
    status = cast(int, worker.status)
    try:
        name = signal.Signals(os.WTERMSIG(status)).name
    except ValueError:
        name = f"signal {os.WTERMSIG(status)}"
    more = f" (or one of the {len(paths) - 1} after it)" if len(paths) > 1 else ""
    return TracegraphError(
        f"a parse worker was killed ({name}) while parsing {paths[0]}{more}; "
        "out of memory, or a file that crashes the parser: rerun to see whether it happens again"
    )


def _stop(workers: list[_Worker]) -> None:
    """Close the results pipes; kill and reap workers still running (this process failed);
    a worker that finished and is ending is reaped once it has ended (``procs.reap_later``)."""
    for worker in workers:
        os.close(worker.reader)
        if worker.finished and worker.status is None:
            pid, status = os.waitpid(worker.pid, os.WNOHANG)
            if pid == worker.pid:
                worker.status = status
            else:
                reap_later(worker.pid)
        elif worker.status is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(worker.pid, signal.SIGKILL)
            worker.status = os.waitpid(worker.pid, 0)[1]
