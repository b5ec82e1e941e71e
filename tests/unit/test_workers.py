"""The compact records the parse workers send: same values, fewer objects."""

from __future__ import annotations

import marshal
import sys
from collections.abc import Callable, Mapping
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import cast

import pytest

from tests.conftest import CORPORA, SAMPLE_REPO
from tests.unit.test_check_paths import generated
from tracegraph.api import parse_files, wiki_scope, with_presets
from tracegraph.cache import encode
from tracegraph.config import load_config
from tracegraph.crawl import crawl, find_sidecars
from tracegraph.model import Document
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
