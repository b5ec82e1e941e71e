"""The compact records the parse workers send: same values, fewer objects."""

from __future__ import annotations

import contextlib
import marshal
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any, cast

import pytest

from tests.conftest import CORPORA, SAMPLE_REPO
from tests.unit.test_check_paths import generated
from tracegraph import procs, workers
from tracegraph.api import parse_files, wiki_scope, with_presets
from tracegraph.cache import FileKey, encode
from tracegraph.config import Limits, load_config
from tracegraph.crawl import crawl, find_sidecars
from tracegraph.errors import TracegraphError
from tracegraph.model import Document
from tracegraph.parse import Recogniser
from tracegraph.workers import CHUNK, RESULT_PIPE_BYTES, interned, shared_record, widen_results


def test_strings_are_interned_and_survive_marshal() -> None:
    text = "".join(["Con", "text"])  # built at run time: not interned yet
    record = interned((text, ("status", 3), ("status", 3)))
    assert record == ("Context", ("status", 3), ("status", 3))
    loaded = marshal.loads(marshal.dumps(record))
    assert loaded[0] is sys.intern("Context")


def test_equal_ints_and_flat_tuples_become_one_object() -> None:
    shared: dict[object, object] = {}
    big_a, big_b = int("1000"), int("1000")
    assert big_a is not big_b
    first = interned((("date", big_a), ("date", big_b)), shared)
    assert isinstance(first, tuple)
    assert first[0] is first[1]
    assert first[0][1] is first[1][1]


def test_a_bool_is_never_replaced_by_an_equal_int() -> None:
    shared: dict[object, object] = {}
    ints = interned(("x", 1, 0), shared)
    bools = interned(("x", True, False), shared)
    assert ints == ("x", 1, 0) and bools == ("x", True, False)
    assert isinstance(bools, tuple)
    assert [type(v) for v in bools] == [str, bool, bool]
    nested = interned((("x", 1),), shared), interned((("x", True),), shared)
    assert type(nested[1][0][1]) is bool  # type: ignore[index]


def _documents(root: Path) -> list[Document]:
    """The documents of ``root`` as a serial parse gives them (no string interned yet)."""
    config = load_config(root)
    index = crawl(root, config)
    config = with_presets(root, config, index)
    return parse_files(
        root, index.documents, config, parallel_threshold=10**9,
        sidecars=find_sidecars(index, config), wiki=wiki_scope(root, index.files, config).paths,
    )  # fmt: skip


@pytest.mark.parametrize("name", ["sample_repo", "adr-tools", "arachne", "log4brains"])
def test_shared_record_is_byte_for_byte_the_generic_walk(name: str) -> None:
    root = SAMPLE_REPO if name == "sample_repo" else CORPORA / name
    if not root.is_dir():
        pytest.skip("shared corpora not available")
    assert_same_records(_documents(root), _documents(root))


def test_shared_record_on_generated_and_odd_documents(
    tmp_path: Path, tree: Callable[[Mapping[str, str | bytes]], Path]
) -> None:
    root = generated(tmp_path / "generated", 60)
    odd = tree(
        {
            "docs/adr/0001-odd.md": (
                "---\ntitle: Odd\nstatus: [unclosed\n---\n# 1. Odd\n\n"
                "<!-- tracegraph: ignore TG201, TG402 -->\n"
                "<!-- tracegraph: ignore-next-line TG101 -->\n[x](gone.md) [Date] TBD\n\n"
                + "\n".join(
                    f"Line {n} see ADR-0002 and https://example.com/{n}" for n in range(400)
                )
                + "\n\n## Open Questions\n\n- [ ] Which? **Due:** 2020-01-01\n- [x] Done\n"
            ).encode()
            + b"\x00\xff",
            "docs/adr/0002-two.md": "# 2. Two\n\nSupersedes [ADR-0001](0001-odd.md)\n",
        }
    )
    docs = _documents(root) + _documents(odd)
    assert any(d.problems for d in docs) and any(d.ignored_lines for d in docs)
    assert any(d.questions for d in docs) and any(d.design for d in docs)
    assert any(r.line > 256 for d in docs for r in d.references)
    assert_same_records(docs, _documents(root) + _documents(odd))


def assert_same_records(docs: list[Document], again: list[Document]) -> None:
    """What a worker sends (``shared_record``) equals ``interned(encode(doc))`` as ``marshal``
    writes it: the same values, interned strings and shared objects (``marshal`` marks objects
    held more than once), for chunks of documents as the workers make them. ``again`` is a
    second parse of the same documents (``sys.intern`` marks a string interned in place, so
    the two must not see the same objects)."""
    assert docs and docs == again
    for start in range(0, len(docs), CHUNK):
        fast: dict[object, object] = {}
        slow: dict[object, object] = {}
        got = marshal.dumps([shared_record(doc, fast) for doc in docs[start : start + CHUNK]])
        want = marshal.dumps([interned(encode(doc), slow) for doc in again[start : start + CHUNK]])
        assert got == want


def test_a_parallel_parse_gives_equal_headings_of_a_chunk_one_object(tmp_path: Path) -> None:
    """The parent builds each heading a chunk repeats once (``decode``'s ``headings_seen``):
    the documents equal a serial parse's, and a template's heading (same level, text and line)
    is one object in every document of the chunk, as ``Sharing`` made it before."""
    root = generated(tmp_path / "generated", 60)
    config = load_config(root)
    index = crawl(root, config)
    serial = parse_files(root, index.documents, config, parallel_threshold=10**9)
    parallel = parse_files(root, index.documents, config, parallel_threshold=2)
    assert parallel == serial
    headings = [heading for doc in parallel for heading in doc.headings]
    assert len({id(heading) for heading in headings}) < len(set(headings)) * 2 < len(headings)
    assert all(not doc.ignored_rules for doc in parallel)
    assert len({id(doc.ignored_rules) for doc in parallel}) == 1


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="pipe sizes are Linux's")
def test_the_results_pipe_holds_a_chunk_of_records() -> None:
    limit = int(Path("/proc/sys/fs/pipe-max-size").read_text())
    if limit < RESULT_PIPE_BYTES:
        pytest.skip(f"this system caps pipes at {limit} bytes")
    with ProcessPoolExecutor(1) as pool:
        assert widen_results(pool) == RESULT_PIPE_BYTES
        assert list(pool.map(len, ["a" * 300_000])) == [300_000]  # still delivers


def test_a_pool_without_the_expected_queue_is_left_as_it_is() -> None:
    assert widen_results(cast(ProcessPoolExecutor, object())) is None


# --- the fork pool: this process and forked workers -------------------------------------------

needs_fork = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forks on Linux only")


Setup = tuple[Path, list[str], Recogniser, Limits]


@pytest.fixture(scope="module")
def small_tree(tmp_path_factory: pytest.TempPathFactory) -> Setup:
    """A generated tree of 60 documents (read only), its documents, recogniser and limits."""
    root = generated(tmp_path_factory.mktemp("forked") / "generated", 60)
    config = load_config(root)
    index = crawl(root, config)
    return root, list(index.documents), Recogniser.from_config(config), config.limits


def _children() -> set[int]:
    """This process's child processes (Linux ``/proc``), zombies included, once those a parse
    left to be reaped when ended (``procs.reap_later``) are reaped."""
    procs.reap_ending()
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                fields = (entry / "stat").read_text().rpartition(")")[2].split()
                if int(fields[1]) == os.getpid():
                    found.add(int(entry.name))
    return found


@needs_fork
@pytest.mark.parametrize("processes", [2, 3])
def test_a_forked_parse_equals_a_serial_one_in_order(small_tree: Setup, processes: int) -> None:
    root, paths, recogniser, limits = small_tree
    serial = [workers.parse_one(root, path, recogniser, limits) for path in paths]
    counted: list[int] = []
    before = _children()
    forked = workers.parse_forked(root, paths, recogniser, limits, processes, counted.append)
    assert forked == serial
    assert sum(counted) == len(paths)
    assert _children() == before  # every worker reaped
    headings = [heading for doc, _ in forked for heading in doc.headings]
    assert len({id(heading) for heading in headings}) < len(set(headings)) * 2 < len(headings)


@needs_fork
def test_a_finished_worker_is_not_waited_for_while_it_ends(
    small_tree: Setup, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker says it has no chunk left before it exits: the parse returns without waiting
    for its exit (which unmaps its memory), and the worker is reaped once it has ended."""
    root, paths, recogniser, limits = small_tree
    serial = [workers.parse_one(root, path, recogniser, limits) for path in paths]
    before = _children()
    parent = os.getpid()
    real_exit = os._exit

    def slow_exit(code: int) -> None:
        if os.getpid() != parent:
            time.sleep(1)  # a worker ending slowly
        real_exit(code)

    monkeypatch.setattr(os, "_exit", slow_exit)
    forked = workers.parse_forked(root, paths, recogniser, limits, 2)
    assert forked == serial
    ending = list(procs._ending)
    assert len(ending) == 1 and os.waitpid(ending[0], os.WNOHANG) == (0, 0)  # still there
    procs.reap_ending()
    assert not procs._ending and _children() == before


@needs_fork
def test_a_large_tree_keeps_the_parents_documents_as_compact_as_the_workers(
    small_tree: Setup, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, paths, recogniser, limits = small_tree
    monkeypatch.setattr(workers, "SHARED_FROM", 1)
    forked = workers.parse_forked(root, paths, recogniser, limits, 2)
    assert forked == [workers.parse_one(root, path, recogniser, limits) for path in paths]
    targets = [ref.target for doc, _ in forked for ref in doc.references]
    assert all(target is sys.intern(target) for target in targets)  # every one, parent's too


@needs_fork
def test_a_killed_worker_is_a_one_line_error_naming_its_files(
    small_tree: Setup, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, paths, recogniser, limits = small_tree
    parent = os.getpid()
    real = workers.parse_one

    def crash_in_worker(*args: Any, **kwargs: Any) -> tuple[Document, FileKey | None]:
        if os.getpid() != parent:
            os.kill(os.getpid(), signal.SIGKILL)
        time.sleep(0.01)  # the parent is slow: the worker surely takes a chunk
        return real(*args, **kwargs)

    monkeypatch.setattr(workers, "parse_one", crash_in_worker)
    before = _children()
    with pytest.raises(TracegraphError) as raised:
        workers.parse_forked(root, paths, recogniser, limits, 2)
    message = str(raised.value)
    assert "\n" not in message
    assert message.startswith("a parse worker was killed (SIGKILL) while parsing ")
    assert message.split()[8] in paths
    assert _children() == before


@needs_fork
def test_a_worker_that_fails_leaves_its_chunk_to_the_parent(
    small_tree: Setup, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An exception in a worker: the parent parses that chunk itself, so an error it cannot
    repeat costs nothing, and one it can is raised here with its own type and traceback."""
    root, paths, recogniser, limits = small_tree
    parent = os.getpid()
    real = workers.parse_one
    fail_everywhere = False

    def fail(*args: Any, **kwargs: Any) -> tuple[Document, FileKey | None]:
        if os.getpid() != parent or (fail_everywhere and args[1] == paths[-1]):
            raise LookupError(f"cannot parse {args[1]}")
        time.sleep(0.01)
        return real(*args, **kwargs)

    monkeypatch.setattr(workers, "parse_one", fail)
    serial = [real(root, path, recogniser, limits) for path in paths]
    assert workers.parse_forked(root, paths, recogniser, limits, 2) == serial
    fail_everywhere = True
    before = _children()
    with pytest.raises(LookupError, match=f"cannot parse {paths[-1]}"):
        workers.parse_forked(root, paths, recogniser, limits, 2)
    assert _children() == before


@needs_fork
def test_the_workers_are_killed_when_the_parent_fails(
    small_tree: Setup, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, paths, recogniser, limits = small_tree
    parent = os.getpid()
    real = workers.parse_one

    def fail_here(*args: Any, **kwargs: Any) -> tuple[Document, FileKey | None]:
        if os.getpid() == parent:
            raise KeyboardInterrupt
        time.sleep(0.05)  # the worker would still be busy
        return real(*args, **kwargs)

    monkeypatch.setattr(workers, "parse_one", fail_here)
    before = _children()
    with pytest.raises(KeyboardInterrupt):
        workers.parse_forked(root, paths, recogniser, limits, 2)
    assert _children() == before


def test_parse_files_uses_the_fork_pool_where_it_may(
    small_tree: Setup, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = small_tree[0]
    config = load_config(root)
    index = crawl(root, config)
    calls: list[int] = []
    real = workers.parse_forked

    def spy(*args: Any, **kwargs: Any) -> workers.Parsed:
        calls.append(args[4])
        return real(*args, **kwargs)

    monkeypatch.setattr(workers, "parse_forked", spy)
    monkeypatch.setattr(workers, "can_fork", lambda: True)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    docs = parse_files(root, index.documents, config, parallel_threshold=2)
    assert calls == [2]
    assert docs == parse_files(root, index.documents, config, parallel_threshold=10**9)


@needs_fork
def test_meanwhile_runs_here_once_while_the_workers_parse(small_tree: Setup) -> None:
    """``meanwhile`` (the check's imports) runs in this process, once, after the workers
    have started and before this process parses a chunk; the documents are as without it."""
    root, paths, recogniser, limits = small_tree
    seen: list[tuple[int, int, int]] = []
    counted: list[int] = []
    before = _children()  # a test run may hold others (a browser driver)

    def meanwhile() -> None:
        seen.append((os.getpid(), len(_children() - before), sum(counted)))

    forked = workers.parse_forked(
        root, paths, recogniser, limits, 2, counted.append, meanwhile=meanwhile
    )
    assert seen == [(os.getpid(), 1, 0)]
    assert forked == workers.parse_forked(root, paths, recogniser, limits, 2)


def test_meanwhile_runs_beside_the_executor_too(
    small_tree: Setup, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where the fork pool is not used (macOS, Windows, a process with threads), the
    executor's tasks are submitted first, then ``meanwhile`` runs here."""
    root, paths, recogniser, limits = small_tree
    monkeypatch.setattr(workers, "can_fork", lambda: False)
    ran: list[int] = []
    docs = list(
        workers.parse_parallel(
            root, paths, recogniser, limits, 2, meanwhile=lambda: ran.append(os.getpid())
        )
    )
    assert ran == [os.getpid()]
    assert [doc for doc, _ in docs] == [
        workers.parse_one(root, path, recogniser, limits)[0] for path in paths
    ]


@pytest.mark.parametrize(
    ("count", "threshold", "cpus", "expected"),
    [(399, 400, 8, 1), (400, 400, 8, 8), (400, 400, 1, 1), (3, 2, 8, 3), (1, 0, 8, 1)],
)
def test_how_many_processes_parse(
    monkeypatch: pytest.MonkeyPatch, count: int, threshold: int, cpus: int, expected: int
) -> None:
    monkeypatch.setattr(os, "cpu_count", lambda: cpus)
    assert workers.workers_for(count, threshold) == expected


def test_the_fork_pool_is_used_only_on_linux_without_threads(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sys, "platform", "darwin")
    assert not workers.can_fork()
    monkeypatch.setattr(sys, "platform", "linux")
    assert workers.can_fork() is (threading.active_count() == 1)
    started = threading.Event()
    stop = threading.Event()

    def run() -> None:
        started.set()
        stop.wait()

    thread = threading.Thread(target=run)
    thread.start()
    try:
        started.wait()
        assert not workers.can_fork()
    finally:
        stop.set()
        thread.join()


@needs_fork
def test_a_process_holding_many_descriptors_still_parses_forked(small_tree: Setup) -> None:
    """The workers' pipes get numbers above 1,024 here, which ``select`` cannot watch."""
    import resource

    root, paths, recogniser, limits = small_tree
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 1_200
    if soft < wanted and (hard != resource.RLIM_INFINITY and hard < wanted):
        pytest.skip(f"this process may not hold {wanted} descriptors")
    held: list[int] = []
    try:
        if soft < wanted:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
        while len(held) < 1_100:
            held.append(os.open(os.devnull, os.O_RDONLY))
        forked = workers.parse_forked(root, paths, recogniser, limits, 2)
    finally:
        for descriptor in held:
            os.close(descriptor)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    assert forked == [workers.parse_one(root, path, recogniser, limits) for path in paths]


@pytest.mark.parametrize("count", [1, 7, 60, 1000, 10_000, 2_000_000])
def test_the_chunks_keep_the_order_and_shrink_towards_the_end(count: int) -> None:
    """Large chunks while much is left, then smaller ones, so the processes end together."""
    paths = [str(number) for number in range(count)]
    chunks = workers.split(paths, 2)
    assert [path for chunk in chunks for path in chunk] == paths
    assert len(chunks) <= workers._MAX_TASKS
    sizes = [len(chunk) for chunk in chunks]
    assert sizes == sorted(sizes, reverse=True)  # never a larger chunk after a smaller one
    if count >= 1000:
        assert sizes[0] >= CHUNK and sizes[-2] <= workers.TAIL_CHUNK
        assert sum(sizes[-4:]) <= 4 * workers.TAIL_CHUNK
