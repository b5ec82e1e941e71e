"""TG401-TG403: filling in the template."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.checks.conftest import where
from tracegraph.checks.templates import _Starts, joined_parts
from tracegraph.checks.templating import Section, parse_template, section_present, slug_words

SEED = Path(__file__).resolve().parents[3].parent / "shared" / "seed" / "tdd-template.md"
TDD_SECTIONS = [
    "Overview", "System Architecture", "API Design", "Data Model", "Security Considerations",
    "Performance", "Scalability", "Monitoring & Observability", "Error Handling",
    "Testing Strategy", "Deployment Plan", "Migration & Backward Compatibility", "Dependencies",
    "Risks & Mitigations", "Open Questions", "Timeline", "Approval",
]  # fmt: skip


def full_tdd(skip: str = "", header: str = "") -> str:
    header = header or "**Status:** Draft\n**Author:** Ann\n**Created:** 2026-01-05\n"
    body = "".join(f"## {s}\n\nDone.\n\n" for s in TDD_SECTIONS if s != skip)
    return f"# Technical Design Document (TDD): Thing\n\n{header}\n{body}"


def test_default_tdd_template_is_the_seed_and_requires_its_sections():
    shipped = (resources.files("tracegraph") / "templates" / "tdd.md").read_text(encoding="utf-8")
    if SEED.is_file():
        assert shipped == SEED.read_text(encoding="utf-8")
    template = parse_template(shipped, "tdd.md")
    assert [s.title for s in template.required] == TDD_SECTIONS
    assert template.fields == {"status", "author", "created"}


def test_missing_section(findings):
    found = findings({"tdd/TDD-0001-x.md": full_tdd(skip="Security Considerations")}, "TG401")
    assert where(found) == [("tdd/TDD-0001-x.md", 1, 1, "TG401")]
    assert "missing section '## Security Considerations'" in found[0].message
    assert findings({"tdd/TDD-0001-x.md": full_tdd()}, "TG401") == []


def test_nygard_and_madr_adrs_satisfy_the_adr_template(findings):
    nygard = (
        "# 1. Use X\n\nDate: 2016-02-12\n\n## Status\n\nAccepted\n\n## Context\n\nc\n\n"
        "## Decision\n\nd\n\n## Consequences\n\ne\n"
    )
    madr = (
        "# Use Y\n\n- Status: accepted\n- Date: 2020-09-24\n\n## Context and Problem Statement\n\n"
        "c\n\n## Considered Options\n\no\n\n## Decision Outcome\n\nd\n"
    )
    assert findings({"adr/0001-x.md": nygard, "adr/0002-y.md": madr}, "TG401", "TG403") == []
    lacking = "# 3. Use Z\n\n## Status\n\nAccepted\n\n## Context\n\nc\n"
    found = findings({"adr/0003-z.md": lacking}, "TG401")
    assert [f.message.split("'")[1] for f in found] == ["## Consequences", "## Decision"]


@pytest.mark.parametrize(
    "joined", ["Context and Decision", "Context & Decision", "context / decision"]
)
def test_a_heading_that_joins_sections_counts_for_each(findings, joined):
    adr = "# 4. Use W\n\n## Status\n\nAccepted\n\n## {}\n\nc\n\n## Consequences\n\ne\n"
    assert findings({"adr/0004-w.md": adr.format(joined)}, "TG401") == []
    # Read by its beginning, as before, when nothing joins the names.
    found = findings({"adr/0004-w.md": adr.format("Context, Decision")}, "TG401")
    assert [f.message.split("'")[1] for f in found] == ["## Decision"]
    found = findings({"adr/0004-w.md": adr.format("Background and Context")}, "TG401")
    assert [f.message.split("'")[1] for f in found] == ["## Decision"]


def test_team_template_from_config(findings):
    files = {
        "tracegraph.yaml": "types:\n  ADR:\n    template: templates/adr.md\n",
        "templates/adr.md": (
            "# Title\n\n**Owner:** [Name]\n\n## Why\n\n## Notes <!-- optional -->\n"
        ),
        "adr/0001-x.md": "# ADR-0001: X\n\n## Status\n\nAccepted\n\n## Context\n\nc\n",
    }
    found = findings(files, "TG401", "TG403")
    assert [f.code for f in found] == ["TG401", "TG403"]
    assert (
        "missing section '## Why' (required by the ADR template templates/adr.md)"
        in found[0].message
    )
    assert "has no author or owner" in found[1].message


def test_missing_template_file_is_a_config_error(tmp_path):
    import pytest

    from tests.helpers import make_tree
    from tracegraph.api import scan
    from tracegraph.checks import run_checks
    from tracegraph.errors import ConfigError

    root = make_tree(tmp_path, {"tracegraph.yaml": "types:\n  TDD:\n    template: nope.md\n"})
    with pytest.raises(ConfigError, match=r"types\.TDD\.template: cannot read nope\.md"):
        run_checks(scan(root))


def test_placeholders_are_reported(findings):
    text = full_tdd(header="**Status:** Draft\n**Author:** [Name]\n**Created:** 2026-01-05\n")
    text += "Latency < [X]ms, owner TBD.\n"
    found = findings({"tdd/TDD-0001-x.md": text}, "TG402")
    assert [f.message for f in found] == [
        "placeholder: [Name] is unfilled template text",
        "placeholder: [X] is unfilled template text",
        "placeholder: TBD is unfilled template text",
    ]
    assert found[0].line == 4 and found[0].column == 13


def test_task_boxes_links_code_and_alerts_are_not_placeholders(findings):
    text = full_tdd() + (
        "- [ ] open task\n- [x] done task\n\nSee [the PRD](https://example.com) and `[Date]`.\n\n"
        "```\n[Name] TODO\n```\n\n> [!NOTE]\n> careful\n"
    )
    assert findings({"tdd/TDD-0001-x.md": text}, "TG402") == []


def test_placeholders_in_untyped_pages_and_template_files_are_ignored(findings):
    files = {
        "notes.md": "# Notes\n\nTODO [Name]\n",
        "adr/template.md": "# [Title]\n\n## Status\n\n[Date]\n",
        "docs/templates/tdd.md": "# TDD-0001: [Feature Name]\n\n**Status:** [Draft]\n",
        "team/rfc-skeleton.md": "# RFC-0001: [Title]\n\n**Status:** TBD\n",
        "tracegraph.yaml": "types:\n  RFC:\n    template: team/rfc-skeleton.md\n",
    }
    assert findings(files) == []


def test_missing_and_unparsable_metadata(findings):
    header = "**Status:** Draft\n**Created:** last spring\n"
    found = findings({"tdd/TDD-0001-x.md": full_tdd(header=header)}, "TG403")
    assert where(found) == [
        ("tdd/TDD-0001-x.md", 1, 1, "TG403"),
        ("tdd/TDD-0001-x.md", 4, 1, "TG403"),
    ]
    assert "has no author or owner" in found[0].message
    assert "created 'last spring' is not a date" in found[1].message


def test_front_matter_owner_and_date_count(findings):
    prd = "---\nstatus: draft\nowner: Maya\ncreated: 2026-03-09\n---\n# PRD-0001: A\n"
    assert findings({"prd/PRD-0001-a.md": prd}, "TG403") == []
    nygard_without_date = "# 1. Use X\n\n## Status\n\nAccepted\n"
    assert findings({"adr/0001-x.md": nygard_without_date}, "TG403") == []
    no_status = "# 2. Use Y\n\n## Context\n\nc\n\n## Decision\n\nd\n"
    assert [f.message for f in findings({"adr/0002-y.md": no_status}, "TG403")] == [
        "missing metadata: ADR-0002 has no status (status)"
    ]


def test_the_index_page_of_a_templates_folder_is_not_a_template(findings):
    files = {
        "templates/README.md": "# Templates\n\n- [ADR](adr.md)\n- [gone](gone.md)\n",
        "templates/adr/index.md": "# ADR templates\n\n[missing](missing.md)\n",
        "templates/adr.md": "# [Title]\n\n[Link to PRD](prd.md)\n",
    }
    assert where(findings(files, "TG101")) == [
        ("templates/README.md", 4, 3, "TG101"),
        ("templates/adr/index.md", 3, 1, "TG101"),
    ]


def test_a_guide_titled_after_a_document_kind_is_no_record(findings):
    guide = (
        "# Architecture decision record (ADR)\n\nAn ADR records a decision.\n\n## How to start\n"
    )
    files = {"README.md": guide, "rfc-guide.md": "# Request for Comments (RFC) process\n"}
    assert findings(files, "TG4") == []


_WORDS = st.sampled_from(["context", "decision", "status", "and", "motivation", "summary", "2."])
_HEADINGS = st.lists(
    st.one_of(_WORDS, st.sampled_from([" and ", " & ", " / ", "/", ", ", "AND"])), max_size=7
).map(" ".join)


@settings(max_examples=300, deadline=None)
@given(
    titles=st.lists(st.lists(_WORDS, min_size=1, max_size=3).map(" ".join), min_size=1,
                    max_size=4),
    headings=st.lists(_HEADINGS, max_size=6),
)  # fmt: skip
def test_sections_found_as_bits_are_the_sections_any_part_starts_with(titles, headings):
    """TG401's memo (bits per heading text, by first word) against the plain rule: a section
    is present when the whole heading, or one part of a joined heading, starts with one of its
    word lists (``section_present``)."""
    sections = tuple(Section(t, (words,)) for t in titles if (words := slug_words(t)))
    starts = _Starts(sections)
    found = {i for text in headings for i in starts.satisfied_by(text)}
    read = {slug_words(text) for text in headings}
    read |= {slug_words(part) for text in headings for part in joined_parts(text)}
    expected = {i for i, s in enumerate(sections) if section_present(s, read, set())}
    assert found == expected


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("aAnd 12.-&/_x#é"), max_size=24))
def test_a_heading_s_words_are_its_slug_s_words_but_and_and_leading_numbers(text):
    from tracegraph.parse.slugs import github_slug

    words = [w for w in github_slug(text).split("-") if w and w != "and"]
    while words and words[0].isdigit():
        words.pop(0)
    assert slug_words.__wrapped__(text) == tuple(words)
