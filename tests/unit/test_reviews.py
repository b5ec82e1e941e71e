"""The review file: parsing with clear errors, deterministic writing, recording."""

from __future__ import annotations

import pytest

from tracegraph.errors import InputError
from tracegraph.reviews import Review, dump_reviews, parse_reviews, record_reviews

A, B = "a" * 40, "b" * 40


def test_round_trip_is_sorted_and_deterministic() -> None:
    reviews = [
        Review("TDD-0002", "RFC-0001", A),
        Review("TDD-0001", "RFC-0001", B),
        Review("docs/guide.md", "ADR-0001", A),
        Review("TDD-0001", "ADR-0001", A),
    ]
    text = dump_reviews(reviews)
    assert text == dump_reviews(reversed(reviews))
    assert parse_reviews(text.encode(), "r.yaml") == tuple(sorted(reviews))
    assert text.splitlines()[-9:] == [
        "version: 1",
        "reviews:",
        "  TDD-0001:",
        f"    ADR-0001: {A}",
        f"    RFC-0001: {B}",
        "  TDD-0002:",
        f"    RFC-0001: {A}",
        "  docs/guide.md:",
        f"    ADR-0001: {A}",
    ]


def test_recording_replaces_a_documents_entries_or_updates_named_ones() -> None:
    old = (Review("T", "R", A), Review("T", "X", A), Review("U", "R", A))
    assert record_reviews(old, "T", ["R"], B, replace_all=False) == (
        Review("T", "R", B), Review("T", "X", A), Review("U", "R", A),
    )  # fmt: skip
    assert record_reviews(old, "T", ["R"], B, replace_all=True) == (
        Review("T", "R", B), Review("U", "R", A),
    )  # fmt: skip


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("reviews:\n<<<<<<< HEAD\n  T:\n", "r.yaml:2: a merge conflict is left in the review"),
        ("reviews:\n  T: [\n", "r.yaml:3: invalid YAML: "),
        (
            "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
            "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nreviews: {}\n",
            "r.yaml:1: the review file expands to",
        ),
        ("reviews:\n  T:\n    R: abc\n", "r.yaml:3: T.R: 'abc' is not a full commit hash"),
        ("reviews:\n  T: [R]\n", "r.yaml:2: T: expected a mapping of upstream -> commit"),
        ("nope: 1\n", "r.yaml:1: expected the keys version and reviews"),
        ("version: 2\n", "r.yaml:1: unknown review file version"),
    ],
)
def test_a_broken_file_names_the_line(text: str, error: str) -> None:
    with pytest.raises(InputError) as info:
        parse_reviews(text.encode(), "r.yaml")
    assert str(info.value).startswith(error)


def test_empty_and_undecodable() -> None:
    assert parse_reviews(b"", "r.yaml") == ()
    with pytest.raises(InputError, match="not UTF-8"):
        parse_reviews(b"\xff\xfe\x00", "r.yaml")
