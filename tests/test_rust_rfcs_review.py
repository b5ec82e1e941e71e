"""tracegraph's TG101/TG102 findings on the whole Rust RFCs repository equal the reviewed list.

``tests/data/rust-rfcs-findings.tsv`` holds every finding with the reason it is right (checked by
hand and against GitHub's rendering with ``tests/review/github_verdicts.py``); a finding that
appears or disappears fails this test in either direction.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from tests.conftest import CORPORA
from tracegraph import api
from tracegraph.checks import run_checks
from tracegraph.crawl import crawl
from tracegraph.graph import Corpus
from tracegraph.repository import KnownAddresses

RUST_RFCS = CORPORA / "rust-rfcs"
DATA = Path(__file__).resolve().parent / "data"
#: What a finding is compared by: file:line:column, code and the target as written.
Key = tuple[str, str, str]


def read_rows(path: Path, columns: int) -> list[list[str]]:
    """The tab-separated rows of a data file (``#`` comments skipped), each checked for its
    number of columns."""
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line or line.startswith("#"):
            continue
        row = line.split("\t")
        assert len(row) == columns and all(row), f"{path.name}:{number}: {columns} columns"
        rows.append(row)
    return rows


def reviewed() -> set[Key]:
    rows = read_rows(DATA / "rust-rfcs-findings.tsv", 4)
    keys = {(where, code, target) for where, code, target, _reason in rows}
    assert len(keys) == len(rows), "a finding is listed twice"
    return keys


def keys_of(corpus: Corpus) -> set[Key]:
    found = run_checks(corpus, select=["TG101", "TG102"])
    keys = {(f"{f.path}:{f.line}:{f.column}", f.code, f.target or "") for f in found}
    assert len(keys) == len(found)
    return keys


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    if not RUST_RFCS.is_dir():
        pytest.skip(f"{RUST_RFCS} is absent")
    return api.scan(RUST_RFCS)  # zero config, as a user runs it


@pytest.fixture(scope="module")
def findings(corpus: Corpus) -> set[Key]:
    return keys_of(corpus)


def test_the_findings_on_rust_rfcs_are_exactly_the_reviewed_ones(findings: set[Key]) -> None:
    listed = reviewed()
    assert sorted(findings - listed) == [], "reported, but not in rust-rfcs-findings.tsv"
    assert sorted(listed - findings) == [], "listed, but no longer reported"


def test_links_into_the_repository_by_url_are_checked(findings: set[Key]) -> None:
    """The self-URL class: these links are written as https://github.com/rust-lang/rfcs/..."""
    by_url = {key for key in findings if key[2].startswith("https://github.com/rust-lang/rfcs/")}
    assert len(by_url) == 6


def test_the_repository_address_is_found_without_config(corpus: Corpus) -> None:
    """A copy without .git and without config: book.toml declares the address, and the links
    show it too; the links alone would be enough."""
    assert [(a.url, a.prefix, a.sources) for a in corpus.addresses] == [
        ("https://github.com/rust-lang/rfcs", "", ("book.toml", "links"))
    ]
    evidence = corpus.addresses[0].evidence
    assert evidence is not None and evidence.convincing
    # Forks and drafting repositories linked from the RFCs (rust-lang/rfc-leadership-council
    # names text/3392-leadership-council.md, which is here) are not taken for this one.
    index = crawl(RUST_RFCS, corpus.config)
    by_links = replace(index, addresses=KnownAddresses(infer=True))
    alone = api.scan(RUST_RFCS, corpus.config, index=by_links)
    assert [(a.url, a.sources) for a in alone.addresses] == [
        ("https://github.com/rust-lang/rfcs", ("links",))
    ]
    assert keys_of(alone) == keys_of(corpus)
