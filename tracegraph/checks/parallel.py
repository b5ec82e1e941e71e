"""The check stage on two cores: some rules in a forked child while the rest run here.

After parsing, the rules ran on one core while the other stayed idle (2.3 s at 10,000
documents, 1.0 s of it TG503 reading git history). On Linux, with more than
``PARALLEL_DOCUMENTS`` documents (up to ``PARALLEL_MAX_DOCUMENTS``: the child's copied pages
grow with the tree) and no other thread running, ``run_checks`` forks one child
for the rules in ``CHILD_RULES`` (the history, read in a thread while the child's other
rules run; one link rule, TG401 and the architecture rules: about half of the stage at
10,000 documents) and runs the others itself. A cold check forks one more child before that,
for the rules that read the documents alone (``DOCUMENT_RULES``, see
``checks.start_document_checks``), while this process resolves the references and builds the
graph. The child inherits
the corpus (no copy is sent) and sends back only its findings, which are merged in rule order
exactly as one process would: the output is the same byte for byte (tested). Anything unusual
— no ``fork``, a thread running (the language server), a child that fails or dies — means the
rules run here as before, so a failure is reported by the rule itself, with its own message.

The document rules' child also runs the link rules (``LINK_RULES``) and, from
``SUCCESSION_RULES_FROM`` documents, the architecture rules (``SUCCESSION_RULES``) when this
process sends it the few links they read once they are resolved (a ``Feed``, read by a thread
in the child so that the sending never waits); this process then runs every other rule itself
and forks no second child (``run_checks``): on two cores a third busy process cost more than
it took off. A child is not waited for while it ends once its result is read (``_ENDING``).
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import struct
import sys
import threading
from collections.abc import Callable, Sequence
from typing import Any, Generic, Protocol, TypeVar, cast

from .. import procs
from ..procs import die_with_parent, forbid_helpers, leave_with_parent, read_exactly

T = TypeVar("T")


class _Coded(Protocol):
    @property
    def code(self) -> str: ...


R = TypeVar("R", bound=_Coded)

#: Below this many documents every rule runs in this process: a fork costs more than the
#: rules save.
PARALLEL_DOCUMENTS = 1_000
#: Above this many documents too: the child copies every page it touches (reading an object
#: writes its reference count), so the split's real memory (parent and child, summed PSS) was
#: +95 MiB at 10,000 documents but +850 MiB at 100,000 (1.18 -> 2.03 GiB) for about 10% of the
#: wall time; a large tree keeps its memory instead.
PARALLEL_MAX_DOCUMENTS = 25_000
#: The rules a child runs: TG503 (git's work and the history's analysis), TG102 with its
#: "did you mean" index, TG401 and the architecture rules, which read the entities the
#: documents describe (``CheckContext.entities``). Rules alone, in CPU seconds at 10,000
#: documents with 250 broken links (round 7): TG101 0.22 (its indexes), TG503 0.13 (and git's
#: processes), TG102 0.10, TG701-TG703 0.09 (0.39 while they built the whole architecture),
#: TG401 0.07, the 16 others 0.30. Measured in the split: the parent 0.59-0.63 s, the child
#: 0.52-0.54 s, which also waits for git (with TG401 here: 0.65-0.73 and 0.41-0.45).
CHILD_RULES = frozenset({"TG503", "TG102", "TG401", "TG701", "TG702", "TG703"})
#: The rules that read the documents alone (their metadata, headings, questions, placeholders,
#: problems, IDs and the unreadable folders: never a link or an edge). A cold check runs them
#: in a child forked before the references are resolved (``checks.start_document_checks``),
#: while this process resolves them and builds the graph (0.4 s on one core at 10,000
#: documents); at 10,000 documents they took 0.3 s of CPU (TG401 0.14, TG502 0.04, TG403
#: 0.03, TG501 0.03, the rest less). A test runs each on a corpus without links or edges.
DOCUMENT_RULES = frozenset(
    {"TG303", "TG304", "TG401", "TG402", "TG403", "TG501", "TG502", "TG601", "TG602"}
)
#: The rules that read the links of a few statuses alone (broken, unknown IDs, outside the
#: root: ``CheckContext.links_with``), and the documents: once the references are resolved,
#: a cold check sends those links (350 of 158,000 at 10,000 documents) to the document rules'
#: child, which runs these rules while this process builds the edges and runs the rest
#: (``checks.EarlyChecks.send_links``). TG101 alone took 0.2 s of CPU at 10,000 documents
#: (its "did you mean" indexes), the three 0.25 s.
LINK_RULES = frozenset({"TG101", "TG103", "TG104"})
#: The rules that read the documents and the ``supersedes`` edges alone (the architecture
#: rules: the entities the documents describe, and which design supersedes which). The links
#: that make those edges (a few dozen) are sent with the link rules' links, and the document
#: rules' child runs these rules too, on the edges those links make
#: (``checks.EarlyChecks.send_links``): at 10,000 documents they took 0.1 s of this process's
#: CPU, which was the longer of the two by that much.
SUCCESSION_RULES = frozenset({"TG701", "TG702", "TG703"})
#: From this many documents the document rules' child runs the architecture rules; below it
#: this process does, after resolving and building the graph, which in a small tree takes
#: less than the child's document and link rules. Round 12 (medians of 16 alternated cold
#: checks, load 1.4, the end of the parse to the end of the checks; CPU after the parse of
#: this process / the child): 1,000 documents 57.6 ms wall (45 / 56 ms) -> 53.5 ms (52 /
#: 48); 2,000 about even (94 / 103 -> 107 / 85 ms); 4,000 the child's place is better (197 /
#: 194 -> 221 / 159 ms).
SUCCESSION_RULES_FROM = 1_500
#: The rules that read the chain or ``supersedes`` edges (``CheckContext.chain_edges``,
#: ``supersedes_edges``): found before the fork when both processes run some of them.
EDGE_RULES = frozenset({"TG203", "TG204", "TG301", "TG302", "TG701", "TG702"})
#: From this many documents (and up to ``PARALLEL_MAX_DOCUMENTS``) the document rules run in
#: their own child, which runs the link (and architecture) rules too; this process then runs
#: the others without a second child. Round 11 (medians of alternated runs, from the end of
#: the parse to the end of the checks, the link and architecture rules still apart): 1,000
#: documents 84 -> 60 ms wall (the rules' child alone before), 2,000 207 -> 148, 4,000
#: 259 -> 243, 10,000 629 -> 604 (both children before); 500 documents 52 ms without a child,
#: 69 with this one. Round 8, with the rules' child forked too, had found it not worth it
#: below 2,500.
DOCUMENT_RULES_FROM = 1_000


def worth_forking(documents: int, least: int | None = None) -> bool:
    """Whether a check of ``documents`` documents runs some rules in a forked child: from
    ``least`` (default ``PARALLEL_DOCUMENTS``) to ``PARALLEL_MAX_DOCUMENTS``, where
    ``can_fork``."""
    least = PARALLEL_DOCUMENTS if least is None else least
    return least <= documents <= PARALLEL_MAX_DOCUMENTS and can_fork()


def can_fork() -> bool:
    """Whether this process may fork a child for rules: Linux (``fork`` is unsafe on macOS and
    missing on Windows) and no other thread (a thread's locks would be copied held)."""
    return sys.platform.startswith("linux") and threading.active_count() == 1


class Child(Generic[T]):
    """Work running in a forked child (``start_in_child``): its process and the pipe its
    result comes back on."""

    def __init__(self, pid: int, reader: int) -> None:
        self.pid = pid
        self.reader = reader
        self.status: int | None = None  # its wait status once reaped

    def result(self) -> T | None:
        """Wait for the child's result: None when it could not give one (it raised, died,
        sent nothing or was stopped). A child that sent one is not waited for while it ends
        (``_ENDING``)."""
        try:
            status, value = pickle.loads(_receive(self.reader))
        except Exception:  # EOF (it died), a broken pipe, an unpicklable result, stopped
            status, value = "failed", None
        finally:
            self._close()
        if status == "ok" and self.alive():  # it is ending: reaped later (``_ENDING``)
            _ENDING.append(self)
        else:
            self._reap()
        return cast("T", value) if status == "ok" else None

    def stop(self) -> None:
        """End the child without waiting for its result (the parent's own work failed); after
        ``result`` there is nothing left to do."""
        if self.status is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
        self._reap()
        self._close()

    def alive(self) -> bool:
        """Whether the child still runs (it is reaped when it has ended)."""
        if self.status is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid == self.pid:
                self.status = status
        return self.status is None

    def _reap(self) -> None:
        if self.status is None:
            self.status = os.waitpid(self.pid, 0)[1]

    def _close(self) -> None:
        """Close the reading end once (its number may be another file's afterwards)."""
        if self.reader >= 0:
            os.close(self.reader)
            self.reader = -1


#: Children that sent their result and were still ending (``Child.result``): a child's exit
#: unmaps every page it copied (2-3 ms at 1,000 documents), which this process need not wait
#: for; the next ``start_in_child`` reaps those that have ended, and ``reap_ending`` the rest.
_ENDING: list[Child[Any]] = []


def reap_ending() -> None:
    """Wait for the children that sent their result and were still ending (and the parse's
    workers that were: ``procs.reap_later``)."""
    while _ENDING:
        _ENDING.pop()._reap()
    procs.reap_ending()


#: The length before each message on a pipe (a message is read whole, never up to an end of
#: file: a process forked later may hold the writing end too).
_LENGTH = struct.Struct("<Q")


def _send(writer: int, value: object) -> None:
    """``value`` pickled, with its length, written whole to the pipe ``writer``."""
    data = pickle.dumps(value, pickle.HIGHEST_PROTOCOL)
    view = memoryview(_LENGTH.pack(len(data)) + data)
    while view:
        view = view[os.write(writer, view) :]


def _receive(reader: int) -> bytearray:
    """One message ``_send`` wrote; EOFError when the pipe ends before it does."""
    size = _LENGTH.unpack(read_exactly(reader, _LENGTH.size))[0]
    return read_exactly(reader, size)


def history_meanwhile(
    rules: Sequence[R], run: Callable[[R], T], history: Callable[[], object], code: str
) -> list[T]:
    """``[run(rule) for rule in rules]``, but with the rule ``code`` (TG503) among others, its
    ``history`` is read in a thread first and that rule run last: git lists, reads and diffs
    (four processes, mostly waiting) while the other rules run. Only where no fork follows:
    in the forked child, or in the parent once that child is forked (a thread's locks would
    be copied held); above ``PARALLEL_MAX_DOCUMENTS`` the rules keep their memory order. An
    error of the history is raised here (in the child, the child then fails and the parent
    runs its rules and reports it, as before)."""
    if len(rules) < 2 or not any(rule.code == code for rule in rules):
        return [run(rule) for rule in rules]
    from concurrent.futures import ThreadPoolExecutor

    done: dict[str, T] = {}
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="tracegraph-history") as pool:
        reading = pool.submit(history)
        for rule in rules:
            if rule.code != code:
                done[rule.code] = run(rule)
        reading.result()
    for rule in rules:
        if rule.code == code:
            done[rule.code] = run(rule)
    return [done[rule.code] for rule in rules]


class Feed(Generic[T]):
    """One value this process sends to a forked child while both run: made before the fork
    (``start_in_child``), read in the child by a thread started as its work begins (the value
    waits in the child's memory, so sending never waits for the child's work; a pipe holds
    64 KiB). When this process sends nothing (``close``), the child reads None."""

    def __init__(self) -> None:
        self.reader, self.writer = os.pipe()
        self.sent = False
        self._closed: set[int] = set()
        self._got: list[T | None] = []
        self._reading: threading.Thread | None = None

    def _close(self, descriptor: int) -> None:
        if descriptor not in self._closed:
            self._closed.add(descriptor)
            os.close(descriptor)

    def forked(self) -> None:
        """In this process, after the fork: the child reads."""
        self._close(self.reader)

    def send(self, value: T) -> bool:
        """Send ``value`` (once); False when the child cannot take it (it died)."""
        try:
            _send(self.writer, value)
            self.sent = True
        except OSError:  # a broken pipe: the child is gone, its failure reported by ``result``
            pass
        finally:
            self._close(self.writer)
        return self.sent

    def close(self) -> None:
        """Nothing (more) is sent."""
        self._close(self.writer)

    def listen(self) -> None:
        """In the child: start reading."""
        self._close(self.writer)

        def read() -> None:
            try:
                self._got.append(pickle.loads(_receive(self.reader)))
            except Exception:  # this process closed it unsent (or died while sending)
                self._got.append(None)
            finally:
                self._close(self.reader)

        self._reading = threading.Thread(target=read, name="tracegraph-feed", daemon=True)
        self._reading.start()

    def received(self) -> T | None:
        """In the child: the value sent, once it came (None if none will)."""
        if self._reading is not None:
            self._reading.join()
        return self._got[0] if self._got else None


def start_in_child(work: Callable[[], T], *, forks: bool = False) -> Child[T]:
    """Start ``work`` in a forked child that dies with this process and sends back what it
    returns (pickled, on a pipe of its own); the child ends with ``os._exit``, as the parse's
    workers do (nothing of this process's state is cleaned up or flushed twice). ``forks``:
    the work starts processes of its own (a parse's workers), so the child has the kernel's
    signal to die with this process but no thread watching it (a running thread keeps
    tracegraph from forking); otherwise it runs beside this process's own work and starts no
    helper process (``procs.forbid_helpers``). OSError when no process can be forked."""
    _ENDING[:] = [child for child in _ENDING if child.alive()]
    procs.reap_ended()
    for stream in (sys.stdout, sys.stderr):  # a child would write buffered output again
        stream.flush()
    parent = os.getpid()
    reader, writer = os.pipe()
    try:
        pid = os.fork()
    except OSError:  # out of processes or memory
        for descriptor in (reader, writer):
            os.close(descriptor)
        raise
    if pid == 0:  # the child: it never returns from here
        code = 1
        _ENDING.clear()  # this process's children, not the child's own
        procs.forget_ending()
        try:
            os.close(reader)
            if forks:
                die_with_parent()
                if os.getppid() != parent:  # it died before the signal was asked for
                    os._exit(1)
            else:
                forbid_helpers()
                leave_with_parent(parent)
            try:
                result: object = ("ok", work())
            except BaseException:  # the parent runs the rules again and reports it itself
                result = ("failed", None)
            try:
                _send(writer, result)
            except Exception:  # an unpicklable result: the parent reads the failure
                _send(writer, ("failed", None))
            code = 0
        finally:
            os._exit(code)  # no cleanup of the parent's state (buffers, atexit, files)
    os.close(writer)
    return Child(pid, reader)
