"""Type and ID recognition."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracegraph.config import config_from_mapping, default_config
from tracegraph.parse import Recogniser, parse_document

REC = Recogniser.from_config(default_config())


@pytest.mark.parametrize("text", ["ADR-7", "adr-007", "ADR-0007", "adr 7", "ADR7"])
def test_id_normalisation(text: str) -> None:
    assert REC.normalise_id(text) == "ADR-0007"


@pytest.mark.parametrize("text", ["XYZ-7", "ADR-", "7", "ADR-7-x"])
def test_not_ids(text: str) -> None:
    assert REC.normalise_id(text) is None


@pytest.mark.parametrize(
    ("path", "text", "type_", "id_"),
    [
        ("adr/0007-use-kafka.md", "# Use Kafka\n", "ADR", "ADR-0007"),
        ("docs/ADR-0007-use-kafka.md", "# Use Kafka\n", "ADR", "ADR-0007"),
        ("rfc-12-webhooks.md", "# Webhooks\n", "RFC", "RFC-0012"),
        ("notes/x.md", "# RFC-12: Webhooks\n", "RFC", "RFC-0012"),
        ("notes/x.md", "# Technical Design Document: Billing\n", "TDD", None),
        ("notes/x.md", "# Architecture Decision Record: Use Kafka\n", "ADR", None),
        ("notes/x.md", "# Architecture Decision Record 12 - Use Kafka\n", "ADR", None),
        ("notes/x.md", "# Technical Design Document (TDD): Billing\n", "TDD", None),
        # A title that only names the kind of document is a guide's, not a record's.
        ("README.md", "# Architecture decision record (ADR)\n", "DOC", None),
        ("guide.md", "# Technical Design Documents\n", "DOC", None),
        ("notes/x.md", "# Request for Comments (RFC) process\n", "DOC", None),
        (
            "notes/x.md",
            "# Architecture Decision Record\n\n## Context\n\nc\n\n## Decision\n",
            "ADR",
            None,
        ),
        ("design/billing.md", "# Billing\n", "TDD", None),
        ("adr/20200924-use-markdown.md", "# Use Markdown\n", "ADR", None),
        ("notes/x.md", "---\ntype: prd\n---\n# Thing\n", "PRD", None),
        ("notes/x.md", "# Notes\n", "DOC", None),
        ("notes/3-x.md", "# 3. Use X\n\n## Context\n\nc\n\n## Decision\n\nd\n", "ADR", "ADR-0003"),
        # a type folder's README or index page lists its records: it is not one of them
        ("docs/adr/README.md", "# Decisions\n\n## Context\n\n## Decision\n", "DOC", None),
        ("docs/rfc/index.md", "# RFCs\n", "DOC", None),
        ("docs/adr/README.md", "# ADR-7: Use Kafka\n", "ADR", "ADR-0007"),
        ("docs/adr/README.md", "---\ntype: adr\n---\n# Use Kafka\n", "ADR", None),
        # a folder per design keeps its README typed by the type folder above
        ("design/billing/README.md", "# Billing\n", "TDD", None),
    ],
)
def test_type_and_id(path: str, text: str, type_: str, id_: str | None) -> None:
    doc = parse_document(path, text.encode(), REC, default_config().limits)
    assert (doc.type, doc.id) == (type_, id_)


def test_custom_type_by_config_alone() -> None:
    config = config_from_mapping(
        {
            "types": {
                "KEP": {
                    "folders": ["keps"],
                    "number_field": "kep-number",
                    "lifecycle": ["provisional", "implementable", "implemented"],
                    "relations": {"requires": "depends_on"},
                }
            }
        },
        "tracegraph.yaml",
    )
    rec = Recogniser.from_config(config)
    text = "---\nkep-number: 1234\nstatus: implementable\nrequires: [KEP-99]\n---\n# Sidecars\n"
    doc = parse_document("keps/sig-node/sidecars/README.md", text.encode(), rec, config.limits)
    assert (doc.type, doc.id, doc.status) == ("KEP", "KEP-1234", "implementable")
    assert [(r.target, r.relation.value) for r in doc.references] == [("KEP-0099", "depends_on")]
    mention = parse_document("x.md", b"# X\n\nSee KEP-7.\n", rec, config.limits)
    assert [r.target for r in mention.references] == ["KEP-0007"]


_MENTION_TEXT = st.text(alphabet="ADRPFCTOBX-[] x0123456789_é\n", max_size=60)


@settings(max_examples=300, deadline=None)
@given(_MENTION_TEXT)
def test_matches_at_is_finditer(text: str) -> None:
    """Trying a pattern only where its literals occur finds what finditer finds."""
    from tracegraph.parse.ids import matches_at
    from tracegraph.parse.markdown import _PLACEHOLDER, _PLACEHOLDER_LITERALS

    assert REC.mention is not None and REC.mention_literals
    for pattern, literals in (
        (REC.mention, REC.mention_literals),
        (_PLACEHOLDER, _PLACEHOLDER_LITERALS),
    ):
        found = [(m.span(), m.group(0)) for m in matches_at(pattern, text, literals)]
        assert found == [(m.span(), m.group(0)) for m in pattern.finditer(text)]


_MENTION_PROSE = st.lists(
    st.sampled_from(
        [
            "ADR-",
            "PRD-",
            "RFC-",
            "TDD-",
            "AD",
            "R-",
            "7",
            "0",
            "٣",
            "²",
            "x",
            "_",
            "é",
            " ",
            "-",
            "(",
            # the ASCII neighbours of the digit and letter ranges
            "9",
            "/",
            ":",
            "@",
            "Z",
            "[",
            "`",
            "a",
            "z",
            "{",
        ]
    ),
    max_size=24,
).map("".join)


@settings(max_examples=400, deadline=None)
@given(_MENTION_PROSE)
def test_mentions_read_without_the_regex(text: str) -> None:
    """``find_mentions`` reads ``\\bNAME-\\d+\\b`` without the regex: the same mentions as the
    alternation tried where its literals occur (Unicode digits and letters included)."""
    import re

    from tracegraph.parse.ids import matches_at

    assert REC.mention is not None and REC.mention_literals
    expected = []
    for match in matches_at(REC.mention, text, REC.mention_literals):  # type: ignore[arg-type]
        name = next(n for number, n in REC.mention_groups if match.start(number) >= 0)
        expected.append(
            (match.start(), REC.canonical(name, re.findall(r"\d+", match.group(0))[-1]))
        )
    assert REC.find_mentions(text) == expected


def test_mentions_next_to_words_and_each_other() -> None:
    text = "xADR-1 ADR-2ADR-3 (ADR-4) TDD-5, PRD-06-RFC-7 ADR-"
    assert REC.find_mentions(text) == [
        (19, "ADR-0004"),
        (26, "TDD-0005"),
        (33, "PRD-0006"),
        (40, "RFC-0007"),
    ]


@settings(max_examples=200, deadline=None)
@given(
    raw=st.one_of(
        st.sampled_from(["Accepted", "In Review", "**Draft**", "superseded by ADR-9", "Done."]),
        st.text(min_size=1, max_size=30),
    ),
    type_name=st.sampled_from(["ADR", "RFC", "PRD", "DOC"]),
)
def test_remembered_statuses_are_the_ones_worked_out(raw: str, type_name: str) -> None:
    fresh = Recogniser.from_config(default_config())
    first = fresh.normalise_status(raw, type_name)
    assert fresh.normalise_status(raw, type_name) == first  # the remembered answer
    assert fresh._normalise_status(raw, type_name) == first


def test_a_pickled_recogniser_leaves_its_remembered_answers_behind() -> None:
    import pickle

    rec = Recogniser.from_config(default_config())
    assert rec.normalise_status("In Review", "PRD") == "in-review"
    again = pickle.loads(pickle.dumps(rec))
    assert again._statuses == {} and again._views == {}
    assert again.normalise_status("In Review", "PRD") == "in-review"


@settings(max_examples=300, deadline=None)
@given(
    number=st.one_of(
        st.integers(-99999, 10**12),
        st.text(alphabet="0123456789٠١٢٣", min_size=1, max_size=14),
    ),
    width=st.integers(0, 8),
)
def test_canonical_ids_are_padded_as_the_format_spec_pads(number: str | int, width: int) -> None:
    from tracegraph.parse.ids import _CANONICAL, canonical_id

    _CANONICAL.clear()
    assert canonical_id("adr", number, width) == f"ADR-{int(number):0{width}d}"
    assert canonical_id("adr", number, width) == f"ADR-{int(number):0{width}d}"  # remembered
