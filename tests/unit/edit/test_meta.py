"""Where a document keeps its status, found as the parser reads it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tracegraph.config import default_config
from tracegraph.edit.meta import Place, find_status, format_status
from tracegraph.edit.source import EditError
from tracegraph.edit.workspace import Workspace
from tracegraph.graph import build_corpus
from tracegraph.parse import Recogniser

SPACE = Workspace(
    build_corpus(Path("/x"), default_config(), [], frozenset()),
    Recogniser.from_config(default_config()),
    "2026-11-28",
)


@pytest.mark.parametrize(
    ("text", "place", "written"),
    [
        ("---\nstatus: 'accepted'  # ok\n---\n# T\n", Place.FRONT_MATTER, "accepted"),
        ("# T\n\n* Status: **Implemented (Swift 5.1)**\n", Place.FIELD_LINE,
         "Implemented (Swift 5.1)"),
        ("# T\n\n- Status: accepted <!-- optional -->\n", Place.FIELD_LINE, "accepted"),
        ("# T\n\n## Status\n\nSuperseded by [ADR-9](0009-x.md)\n\n## Context\n", Place.SECTION,
         "Superseded by [ADR-9](0009-x.md)"),
        # front matter wins over a field line, as when parsing
        ("---\nstatus: draft\n---\n**Status:** Approved\n", Place.FRONT_MATTER, "draft"),
    ],
)  # fmt: skip
def test_the_status_is_found_where_the_parser_reads_it(text, place, written):
    spot = find_status(SPACE.opened("docs/adr/0001-x.md", text.encode()))
    assert spot is not None and (spot.place, spot.written) == (place, written)


def test_code_and_late_field_lines_are_not_a_status():
    text = "# T\n\n```\nStatus: draft\n```\n\n## Context\n\nStatus: late\n"
    assert find_status(SPACE.opened("docs/adr/0001-x.md", text.encode())) is None


def test_a_status_that_is_not_one_value_is_refused():
    with pytest.raises(EditError, match="not a single value"):
        find_status(SPACE.opened("docs/adr/0001-x.md", b"---\nstatus: [a, b]\n---\n# T\n"))


def test_status_spelling_follows_the_document():
    assert format_status("last-call", "DRAFT") == "LAST CALL"
    assert format_status("in-review", "") == "in-review"
