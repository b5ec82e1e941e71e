"""TG501, TG502 and TG602."""

from __future__ import annotations

from datetime import date

from tests.unit.checks.conftest import where


def tdd(updated: str, questions: str = "", status: str = "Draft") -> str:
    return (
        f"# TDD-0001: X\n\n**Status:** {status}\n**Created:** 2025-01-01\n"
        f"**Last Updated:** {updated}\n\n## Open Questions\n\n{questions}\n"
    )


def test_stale_document(findings):
    found = findings({"tdd/TDD-0001-x.md": tdd("2025-06-01")}, "TG501")
    assert where(found) == [("tdd/TDD-0001-x.md", 5, 1, "TG501")]
    assert found[0].severity.value == "info"
    assert "last updated 2025-06-01 (545 days ago; TDD max_age_days is 365)" in found[0].message


def test_recent_ended_and_ageless_documents_are_not_stale(findings):
    assert findings({"tdd/TDD-0001-x.md": tdd("2026-06-01")}, "TG501") == []
    assert findings({"tdd/TDD-0001-x.md": tdd("2020-01-01", status="Superseded")}, "TG501") == []
    adr = "# 1. X\n\nDate: 2010-01-01\n\n## Status\n\nAccepted\n"
    assert findings({"adr/0001-x.md": adr}, "TG501") == []


def test_today_is_a_parameter(findings):
    files = {"tdd/TDD-0001-x.md": tdd("2026-06-01")}
    assert findings(files, "TG501", today=date(2027, 6, 2)) != []


QUESTIONS = """\
- [ ] **Question 1:** Which provider?
  - **Owner:** Ann
  - **Due:** 2026-09-01
- [x] **Question 2:** Which region?
  - **Due:** 2026-01-01
- [ ] **Question 3:** Which queue?
  - **Due:** 2027-01-01
- [ ] **Question 4:** No date at all?
"""


def test_overdue_question_only_when_open_and_past_due(findings):
    found = findings({"tdd/TDD-0001-x.md": tdd("2026-11-01", QUESTIONS)}, "TG502")
    assert where(found) == [("tdd/TDD-0001-x.md", 9, 1, "TG502")]
    assert found[0].message == "overdue question (due 2026-09-01): Question 1: Which provider?"
    assert (
        findings(
            {"tdd/TDD-0001-x.md": tdd("2026-11-01", QUESTIONS)}, "TG502", today=date(2026, 9, 1)
        )
        == []
    )


def test_parse_errors(findings):
    files = {
        "a.md": "---\ntitle: [unclosed\n---\n# A\n",
        "b.md": b"# B\n\ncaf\xe9\n",
        "c.md": "# C\n",
    }
    found = findings(files, "TG602")
    assert [(f.path, f.code) for f in found] == [("a.md", "TG602"), ("b.md", "TG602")]
    assert found[1].line == 3 and "not valid UTF-8" in found[1].message
