"""Parsing: references, headings, anchors, positions, relations."""

from __future__ import annotations

import bisect
import re
import textwrap

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tracegraph.config import default_config
from tracegraph.model import Document, RefKind, Relation
from tracegraph.parse import Recogniser, parse_document
from tracegraph.parse.autolinks import AUTOLINK_LITERALS
from tracegraph.parse.markdown import (
    _LEAD_PHRASE,
    _PLACEHOLDER_LITERALS,
    LineIndex,
    _may_lead,
    _prefilter,
    _search_due,
    _wanted,
)

CONFIG = default_config()
REC = Recogniser.from_config(CONFIG)


def parse(text: str | bytes, path: str = "docs/x.md") -> Document:
    data = text if isinstance(text, bytes) else textwrap.dedent(text).lstrip("\n").encode()
    return parse_document(path, data, REC, CONFIG.limits)


def targets(doc: Document) -> list[str]:
    return [r.target for r in doc.references]


def test_line_index_counts_characters_not_bytes() -> None:
    data = "héllo wörld\n→ [x](y.md)\n".encode()
    index = LineIndex(data)
    offset = data.index(b"[x]")
    assert index.position(offset) == (2, 3)
    assert index.position(0) == (1, 1)


def test_line_index_handles_crlf_and_lone_cr() -> None:
    data = b"a\r\nb\rc\nd"
    index = LineIndex(data)
    assert index.position(data.index(b"b")) == (2, 1)
    assert index.position(data.index(b"c")) == (3, 1)
    assert index.position(data.index(b"d")) == (4, 1)
    assert index.line_count == 4


def _table_position(data: bytes, offset: int) -> tuple[int, int]:
    """(line, column) of a byte offset worked out from scratch, as LineIndex defines it."""
    before = data[: max(0, min(offset, len(data)))].decode("utf-8")
    line_start = max(before.rfind("\n"), before.rfind("\r")) + 1
    line = 1 + before.count("\n") + before.count("\r") - before.count("\r\n")
    return line, len(before) - line_start + 1


_PIECES = ["a", "é", "→", "\n", " ", "[x]"]


_ASCII_PIECES = ["a", "\n", " ", "[x]"]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from(_PIECES), max_size=40)
    | st.lists(st.sampled_from(_ASCII_PIECES), max_size=40)
    | st.lists(st.sampled_from([*_PIECES, "\r\n", "\r"]), max_size=40),
    st.lists(st.integers(min_value=-3, max_value=10**6), max_size=12),
    st.booleans(),
)
def test_line_index_answers_any_order_of_offsets(
    pieces: list[str], numbers: list[int], with_text: bool
) -> None:
    """Offsets asked for in any order (the counting cursor moves both ways) get the answers
    worked out from scratch; the table built afterwards agrees too. Given the decoded text
    too, the index counts in it when its offsets are the bytes' (ASCII): the same answers."""
    data = "".join(pieces).encode()
    index = LineIndex(data, data.decode() if with_text else None)
    for number in numbers:
        offset = number % (len(data) + 2) if number >= 0 else number
        clamped = max(0, min(offset, len(data)))
        if clamped < len(data) and data[clamped] & 0xC0 == 0x80:
            continue  # inside a character: no event starts there
        if data[clamped - 1 : clamped + 1] == b"\r\n":
            continue  # inside a line break
        expected = _table_position(data, offset)
        assert index.position(offset) == expected
        assert index.line(offset) == expected[0]
    lines = data.splitlines(keepends=True)
    assert index.line_count == max(1, len(lines))
    assert index.starts[: len(lines)] == [sum(map(len, lines[:i])) for i in range(len(lines))]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from([*_PIECES, "\r\n", "\r"]), max_size=40)
    | st.lists(st.sampled_from(_ASCII_PIECES), max_size=40),
    st.lists(st.integers(min_value=0, max_value=10**6), max_size=8),
    st.booleans(),
)
def test_line_starts_and_an_anchored_cursor_agree_with_the_table(
    pieces: list[str], numbers: list[int], with_text: bool
) -> None:
    """``line_start_at`` and ``next_line_start`` (what the design extraction asks, without a
    table for text without a CR) and look-ups after ``anchor`` give the table's answers."""
    data = "".join(pieces).encode()
    table = LineIndex(data).starts
    for number in numbers:
        offset = number % (len(data) + 1)
        if data[offset - 1 : offset + 1] == b"\r\n":
            continue  # inside a line break
        line = bisect.bisect_right(table, offset) - 1
        index = LineIndex(data, data.decode() if with_text else None)
        assert index.line_start_at(offset) == table[line]
        assert index.next_line_start(offset) == (table[line + 1] if line + 1 < len(table) else -1)
        index.anchor(table[line], line)
        for later in sorted({offset, len(data), *(n % (len(data) + 1) for n in numbers)}):
            inside = later < len(data) and data[later] & 0xC0 == 0x80  # within a character
            if later >= table[line] and not inside and data[later - 1 : later + 1] != b"\r\n":
                assert index.position(later) == _table_position(data, later)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="[]TBDOFIXME:/w.@PRDAC- aé\n", max_size=16))
def test_prefilter_finds_what_the_literals_alternation_finds(text: str) -> None:
    """The prefilter (literals grouped by their rarest character) says yes exactly when one
    of the literals occurs, as a regex alternation of them does."""
    literals = ("PRD-", "RFC-", "ADR-", "TDD-")
    plan = _prefilter(True, literals)
    every = (*_PLACEHOLDER_LITERALS, *AUTOLINK_LITERALS, *literals)
    alternation = re.compile("|".join(re.escape(literal) for literal in every))
    assert _wanted(text, plan) == bool(alternation.search(text))
    assert _wanted(text, _prefilter(True, ())) is True  # a type's own id_pattern: every run


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="dueDUE: x*_.İſKÉé\u0130", max_size=24))
@example("İ due: x")
@example("xdue due 1")
def test_due_is_searched_from_where_it_first_occurs(text: str) -> None:
    from tracegraph.parse.markdown import _DUE

    found, expected = _search_due(text), _DUE.search(text)
    assert (found and (found.span(), found.group(1))) == (
        expected and (expected.span(), expected.group(1))
    )


def test_fast_references_share_their_more_tuple() -> None:
    from tracegraph.model import more_of
    from tracegraph.parse.markdown import new_reference

    for is_id in (False, True):
        for reverse in (False, True):
            ref = new_reference(RefKind.LINK, "x.md", Relation.REFERENCES, 1, 1, is_id, reverse)
            assert ref._more is more_of(is_id, reverse, "")
            assert (ref.is_id, ref.reverse, ref.text) == (is_id, reverse, "")


def test_reference_position_after_non_ascii_text() -> None:
    doc = parse("# Ünïcødé\n\nÀ côté: [link](other.md) and ADR-0007\n")
    link, mention = doc.references
    assert (link.line, link.column) == (3, 9)
    assert (mention.line, mention.column) == (3, 30)


def test_links_in_code_are_not_references() -> None:
    doc = parse(
        """
        # T

        ```md
        [fenced](fenced.md) ADR-0001
        ```

            [indented](indented.md) ADR-0002

        Inline `[span](span.md)` and `ADR-0003` but [real](real.md).
        """
    )
    assert targets(doc) == ["real.md"]


LINK_KINDS = """
# T

[inline](a.md#frag) ![image](img.png) <https://example.com> [ref][r] [[ADR-7]]
[[notes#Heading|label]] <dev@example.com> https://bare.example.org/x and www.example.com.

[r]: b.md
"""


def test_link_kinds() -> None:
    doc = parse(LINK_KINDS)
    kinds = [(r.kind, r.target) for r in doc.references]
    assert kinds == [
        (RefKind.LINK, "a.md#frag"),
        (RefKind.IMAGE, "img.png"),
        (RefKind.AUTOLINK, "https://example.com"),
        (RefKind.LINK, "b.md"),
        (RefKind.MENTION, "ADR-0007"),  # [[ADR-7]] is text on GitHub; the ID in it a mention
        (RefKind.AUTOLINK, "mailto:dev@example.com"),
        (RefKind.AUTOLINK, "https://bare.example.org/x"),
        (RefKind.AUTOLINK, "http://www.example.com"),
    ]


def test_link_kinds_in_a_wiki_tree() -> None:
    wiki = REC.with_wiki_folders(("docs",))
    doc = parse_document("docs/x.md", LINK_KINDS.encode(), wiki, CONFIG.limits)
    kinds = [(r.kind, r.target) for r in doc.references]
    assert kinds[4:6] == [(RefKind.WIKILINK, "ADR-0007"), (RefKind.WIKILINK, "notes#Heading")]
    elsewhere = parse_document("other/x.md", LINK_KINDS.encode(), wiki, CONFIG.limits)
    assert RefKind.WIKILINK not in {r.kind for r in elsewhere.references}


def test_rfc_in_prose_is_not_an_id() -> None:
    doc = parse("# T\n\nWe follow RFC 7231 and RFC-12 and rfc-13.\n")
    assert targets(doc) == ["RFC-0012"]


def test_id_mentions_are_normalised_and_own_id_skipped() -> None:
    doc = parse("# ADR-0007: Kafka\n\nSee ADR-7, ADR-0008 and TDD-12.\n", "docs/adr/0007-kafka.md")
    assert doc.id == "ADR-0007"
    assert targets(doc) == ["ADR-0008", "TDD-0012"]
    assert all(r.relation is Relation.MENTIONS for r in doc.references)


def test_related_documents_list_gives_relations() -> None:
    doc = parse(
        """
        # TDD: Thing

        **Status:** Approved
        **Author:** Ann

        **Related Documents:**
        - PRD: [PRD-1](../prd/PRD-0001-x.md)
        - RFC: [RFC-2](../rfc/RFC-0002-y.md)
        - ADRs: [ADR-3](../adr/0003-z.md), ADR-0004

        ## Overview

        Plain [link](other.md).
        """,
        "docs/tdd/TDD-0001-thing.md",
    )
    rels = {(r.target, r.relation) for r in doc.references}
    assert rels == {
        ("../prd/PRD-0001-x.md", Relation.IMPLEMENTS),
        ("../rfc/RFC-0002-y.md", Relation.IMPLEMENTS),
        ("../adr/0003-z.md", Relation.RELATED),
        ("ADR-0004", Relation.RELATED),
        ("other.md", Relation.REFERENCES),
    }
    assert doc.status == "approved"
    assert doc.meta("author") == "Ann"


def test_upstream_and_downstream_sections() -> None:
    doc = parse(
        """
        # T

        ## Dependencies

        ### Upstream Dependencies (Must exist first)
        - [Auth](auth.md)

        ### Downstream Impact (Who depends on this)
        - [Billing](billing.md)

        ### Third-Party Services
        - Stripe
        """
    )
    by_target = {r.target: r for r in doc.references}
    assert by_target["auth.md"].relation is Relation.DEPENDS_ON
    assert not by_target["auth.md"].reverse
    assert by_target["billing.md"].relation is Relation.DEPENDS_ON
    assert by_target["billing.md"].reverse


def test_nygard_status_section_and_supersession() -> None:
    doc = parse(
        """
        # 2. Use RabbitMQ

        Date: 2026-01-02

        ## Status

        Superseded by [5. Use Kafka](0005-use-kafka.md)

        ## Context

        x

        ## Decision

        y
        """,
        "decisions/0002-use-rabbitmq.md",
    )
    assert (doc.type, doc.id, doc.status) == ("ADR", "ADR-0002", "superseded")
    (ref,) = doc.references
    assert ref.relation is Relation.SUPERSEDED_BY
    assert doc.meta("date") == "2026-01-02"


def test_front_matter_relations_and_metadata() -> None:
    doc = parse(
        """
        ---
        id: rfc-2
        status: In Review
        implements: [PRD-1, ../prd/other.md]
        depends-on: RFC-0001
        owner: Ann
        created: 2026-01-05
        ---
        # Webhooks
        """,
        "docs/rfc/webhooks.md",
    )
    assert (doc.type, doc.id, doc.status, doc.title) == ("RFC", "RFC-0002", "in-review", "Webhooks")
    refs = [(r.target, r.relation, r.is_id, r.line) for r in doc.references]
    assert refs == [
        ("PRD-0001", Relation.IMPLEMENTS, True, 4),
        ("../prd/other.md", Relation.IMPLEMENTS, False, 4),
        ("RFC-0001", Relation.DEPENDS_ON, True, 5),
    ]
    assert doc.meta("created") == "2026-01-05"


def test_invalid_front_matter_is_a_problem_not_an_exception() -> None:
    doc = parse("---\nid: [unclosed\nstatus: x\n---\n# T\n")
    assert doc.problems
    assert "invalid YAML" in doc.problems[0].message
    assert doc.problems[0].line >= 2


def test_undecodable_bytes_are_a_problem() -> None:
    doc = parse(b"# Title\n\nbad \xff\xfe byte [x](y.md)\n")
    assert doc.problems[0].message.startswith("text is not valid UTF-8")
    assert doc.problems[0].line == 3
    assert targets(doc) == ["y.md"]


def test_placeholders_and_task_boxes() -> None:
    doc = parse(
        """
        # T

        **Last Updated:** [Date]

        - [ ] open task
        - [x] done task

        Latency < [X]ms, see [a link](x.md), citation [1], TBD.

        ## Approval

        **Architect:** [Name] - [Date]
        """
    )
    found = [(p.text, p.section) for p in doc.placeholders]
    assert found == [
        ("[Date]", "t"),
        ("[X]", "t"),
        ("TBD", "t"),
        ("[Name]", "approval"),
        ("[Date]", "approval"),
    ]


def test_open_questions_with_due_dates() -> None:
    doc = parse(
        """
        # T

        ## Open Questions

        - [ ] **Question 1:** Which queue?
          - **Owner:** Ann
          - **Due:** 2026-09-01
        - [x] **Question 2:** Done already
        """
    )
    assert [(q.checked, q.due, q.line) for q in doc.questions] == [
        (False, "2026-09-01", 5),
        (True, None, 8),
    ]


def test_ignore_comment() -> None:
    doc = parse("# T\n\n<!-- tracegraph: ignore TG201, tg402 -->\n")
    assert doc.ignored_rules == frozenset({"TG201", "TG402"})


def test_status_line_points_at_the_status_text() -> None:
    doc = parse("# 1. X\n\n## Status\n\n\nProposed\n\n## Context\n\nc\n", "adr/0001-x.md")
    assert (doc.status, doc.status_line) == ("proposed", 6)


def test_columns_after_a_nul_byte_count_characters() -> None:
    doc = parse(b"a\x00b [l](y.md)\n")
    assert doc.problems and "NUL" in doc.problems[0].message
    (ref,) = doc.references
    assert (ref.line, ref.column) == (1, 5)


@pytest.mark.parametrize("closing", ["```\t", "``` \t", "```\t\t ", "   ```\t", "~~~\t"], ids=repr)
def test_closing_fence_followed_by_a_tab_closes(closing: str) -> None:
    """CommonMark and cmark-gfm close the block; pulldown-cmark needs the workaround."""
    fence = closing.strip()
    text = f"# T\n\n{fence}\n[in code](a.md)\n{closing}\n\n## After\n\n[after](b.md)\n"
    doc = parse(text.encode())
    assert targets(doc) == ["b.md"]
    assert [h.slug for h in doc.headings] == ["t", "after"]
    assert doc.references[0].line == 9  # offsets unchanged by the workaround


def test_closing_fence_with_a_tab_in_a_block_quote_and_crlf() -> None:
    doc = parse(b"> ```\r\n> [in](a.md)\r\n> ```\t\r\n> [out](b.md)\r\n")
    assert targets(doc) == ["b.md"]


@pytest.mark.parametrize(
    ("text", "relation"),
    [
        ("Replaces [ADR-3](0003-x.md).", Relation.SUPERSEDES),
        ("Superseded by: RFC-0009", Relation.SUPERSEDED_BY),
        ("Superseded by RFC-0009 because it was simpler.", Relation.SUPERSEDED_BY),
        ("**Status:** Superseded by [ADR-9](0009-x.md)", Relation.SUPERSEDED_BY),
        ("**Superseded by** RFC-0009", Relation.SUPERSEDED_BY),
        ("Superseded by\nRFC-0009 (see there)", Relation.SUPERSEDED_BY),
        ("- Amended by [ADR-5](0005-x.md)", Relation.DEPENDS_ON),
        ("Depends on: ADR-0002 and [ADR-3](0003-x.md)", Relation.DEPENDS_ON),
        # A lead phrase followed by prose is prose: the reference later in the block is a
        # plain one ("Replaces the ... precompiles" in an EIP is no supersession).
        ("Replaces the BN254 precompiles of [EIP-196](eip-196.md) with cheaper ones.", None),
        ("Supersedes the old design, as ADR-0003 explains.", None),
        ("Depends on how [the cache](cache.md) behaves.", None),
        ("Implements *most* of [RFC-2](0002-x.md)", None),
    ],
)
def test_a_lead_phrase_gives_a_relation_only_when_a_reference_follows_it(
    text: str, relation: Relation | None
) -> None:
    doc = parse(f"# X\n\n{text}\n")
    assert doc.references
    for ref in doc.references:
        default = Relation.MENTIONS if ref.kind is RefKind.MENTION else Relation.REFERENCES
        assert ref.relation is (relation or default), ref


def test_a_lead_phrase_followed_by_prose_leaves_the_section_relation() -> None:
    doc = parse(
        """
        # T

        ### Upstream Dependencies
        - Requires the [auth](auth.md) token.
        """
    )
    (ref,) = doc.references
    assert ref.relation is Relation.DEPENDS_ON and not ref.reverse


@pytest.mark.parametrize("entities", ["&amp; " * 4, "&#x1F600;&copy;&nbsp; " * 3])
def test_bare_links_after_entities_are_found(entities: str) -> None:
    # An entity is longer in the source than in the text: the run's end is its last byte, not
    # its start plus the text's length (found by the cmark-gfm oracle's hypothesis search).
    doc = parse(f"{entities}www.a_b.example.com and https://x.org/a\n")
    bare = [(r.target, r.line) for r in doc.references if r.kind is RefKind.AUTOLINK]
    assert bare == [("http://www.a_b.example.com", 1), ("https://x.org/a", 1)]


def test_fast_constructors_build_the_same_records() -> None:
    import pickle
    from dataclasses import fields

    from tracegraph.model import (
        Component,
        Endpoint,
        Heading,
        Named,
        Placeholder,
        Question,
        Reference,
        Table,
    )
    from tracegraph.parse.markdown import build, field_names, new_heading, new_reference

    heading = new_heading(2, "Goals", "goals", 7)
    assert heading == Heading(2, "Goals", "goals", 7)
    assert repr(heading) == repr(Heading(2, "Goals", "goals", 7))
    assert pickle.loads(pickle.dumps(heading)) == heading
    ref = new_reference(RefKind.MENTION, "ADR-0001", Relation.MENTIONS, 3, 9, True, True)
    expected = Reference(RefKind.MENTION, "ADR-0001", Relation.MENTIONS, 3, 9, True, True)
    assert ref == expected and hash(ref) == hash(expected)
    assert repr(ref) == repr(expected)
    named = (Named("Kafka", 4),)
    for record in (
        *named,
        Placeholder("TBD", 3, 5, "goals"),
        Question("Which region?", False, "2026-01-01", 9),
        Component("API", 4, "serves", "Go", named, ()),
        Endpoint("GET", "/v1/x", 7, "new", "reads x"),
        Table("orders", 8, "modified"),
    ):
        cls = type(record)
        built = build(cls, field_names(cls), tuple(getattr(record, n) for n in field_names(cls)))
        assert built == record and repr(built) == repr(record) and hash(built) == hash(record)
        assert pickle.loads(pickle.dumps(built)) == record
        assert not hasattr(cls, "__post_init__")
    with pytest.raises(TypeError):
        build(Table, field_names(Table), ("orders", 8))
    # They set every field and run no __post_init__: a field or check added to the model
    # must be added to them too.
    assert [f.name for f in fields(Heading)] == ["level", "text", "slug", "line"]
    # parse_document builds its Document with the values in this order (see its last lines).
    assert [f.name for f in fields(Document)] == [
        "path", "type", "id", "title", "status", "status_raw", "metadata", "headings",
        "anchors", "references", "placeholders", "questions", "problems", "ignored_rules",
        "line_count", "status_line", "metadata_lines", "ignored_lines", "generated", "sidecar",
        "design",
    ]  # fmt: skip
    assert not hasattr(Document, "__post_init__")
    doc = parse("# T\n\n**Status:** Draft\n\nSee ADR-1 and [x](y.md).\n")
    again = Document(**{f.name: getattr(doc, f.name) for f in fields(Document)})
    assert doc == again and hash(doc) == hash(again) and repr(doc) == repr(again)
    assert len(fields(Reference)) == 8
    assert not hasattr(Heading, "__post_init__") and not hasattr(Reference, "__post_init__")


def test_forget_seen_lets_go_what_the_parse_kept_and_parses_the_same_after() -> None:
    from tracegraph.parse import document, forget_seen, markdown

    data = b"# Title\n\n**Status:** Draft\n\n## Heading kept between documents\n\nText.\n"
    first = parse_document("docs/a.md", data, REC, CONFIG.limits)
    assert markdown._HEADING_KEYS and document._FIELDS
    forget_seen()
    assert not markdown._HEADING_KEYS and not document._FIELDS and not document._META_KEYS
    assert parse_document("docs/a.md", data, REC, CONFIG.limits) == first


_LEAD_PIECES = (
    "Superseded", "replaces", "STATUS", "see", " also", " by", "Im", "plements", "re", "ſ", "K",
    "İ", "mplements", "ee", "tatus", "upersedes", "x", "_", "1", ": ", " ", "*", "-", "(", "é",
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_LEAD_PIECES), max_size=8).map("".join))
@example("ſee also [x](y.md)")  # re.I folds ſ onto s, İ onto i
@example("İmplements ADR-1")
@example("** Status: superseded by")
def test_lead_phrase_prefilter_passes_every_match(text: str) -> None:
    """The cheap test before the lead-phrase regex never turns away text the regex matches."""
    assert _may_lead(text) or _LEAD_PHRASE.match(text) is None


_FIELD_PIECES = (
    "Status", "status", "Last Updated", "**", "__", ":", " ", "  ", "- ", "* ", "x", "Draft",
    "[a](b)", "é", "\t", "1", "_", "-", "/", "\u2003", "\x85", "***",
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_FIELD_PIECES), max_size=10).map("".join))
@example("**Status:** **")  # the value's bold marks backtrack into the value
@example("Status:")
@example("Status: **   ")
@example("Status:\u2003__\x1c x \x85")
def test_field_line_key_read_before_its_value(line: str) -> None:
    """A field line's key is read first (``_FIELD_HEAD``), its value only when wanted: the
    full pattern matches exactly where the head does and something follows the colon."""
    from tracegraph.parse.document import _FIELD_HEAD, FIELD_LINE, field_value

    full = FIELD_LINE.match(line)
    head = _FIELD_HEAD.match(line)
    assert (full is not None) == (head is not None and head.end() < len(line))
    if full is not None and head is not None:
        assert full.group(1) == head.group(1)
        assert field_value(line) == full.group(2)
