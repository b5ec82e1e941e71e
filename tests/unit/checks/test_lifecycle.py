"""TG301-TG304: statuses along the chain."""

from __future__ import annotations

from tests.unit.checks.conftest import where


def tdd(
    status: str, related: str = "", approval: str = "**Engineering Lead:** Ann - 2026-01-02"
) -> str:
    return (
        f"# TDD-0001: Thing\n\n**Status:** {status}\n\n**Related Documents:**\n{related}\n\n"
        f"## Overview\n\nText.\n\n## Approval\n\n{approval}\n"
    )


ADRS = {
    "adr/0001-a.md": "# ADR-0001: A\n\n## Status\n\nSuperseded by [ADR-0002](0002-b.md)\n",
    "adr/0002-b.md": "# ADR-0002: B\n\n## Status\n\nAccepted\n\nSupersedes [ADR-0001](0001-a.md)\n",
}


def test_active_document_citing_superseded_one(findings):
    files = {**ADRS, "tdd/TDD-0001-x.md": tdd("Approved", "- ADRs: [ADR-0001](../adr/0001-a.md)")}
    found = findings(files, "TG301")
    assert where(found) == [("tdd/TDD-0001-x.md", 6, 9, "TG301")]
    assert found[0].message == (
        "TDD-0001 (approved) cites ADR-0001, which is superseded; cite ADR-0002 instead?"
    )


def test_successor_and_ended_documents_may_cite_superseded_ones(findings):
    files = {
        **ADRS,
        "adr/0003-c.md": "# ADR-0003: C\n\n## Status\n\nRejected\n\nBuilt on ADR-0001.\n",
        "notes.md": "# Notes\n\nHistory: [ADR-0001](adr/0001-a.md).\n",
    }
    assert findings(files, "TG301") == []


def test_status_inversion(findings):
    files = {
        "rfc/RFC-0001-a.md": "---\nstatus: draft\n---\n# RFC-0001: A\n",
        "tdd/TDD-0001-x.md": tdd("Approved", "- RFC: [RFC-0001](../rfc/RFC-0001-a.md)"),
    }
    found = findings(files, "TG302")
    assert where(found) == [("tdd/TDD-0001-x.md", 6, 8, "TG302")]
    assert found[0].message == (
        "status inversion: TDD-0001 is approved but implements RFC-0001, which is only draft"
    )


def test_no_inversion_when_upstream_is_ahead_or_across_short_lifecycles(findings):
    files = {
        "rfc/RFC-0001-a.md": "---\nstatus: accepted\n---\n# RFC-0001: A\n",
        "adr/0001-a.md": "# ADR-0001: A\n\n## Status\n\nAccepted\n",
        "tdd/TDD-0001-x.md": tdd(
            "Implemented",
            "- RFC: [RFC-0001](../rfc/RFC-0001-a.md)\n\nDepends on [ADR-0001](../adr/0001-a.md).",
        ),
    }
    found = findings(files, "TG302")
    # implemented (1.0) on accepted RFC (2/3) is an inversion; on an accepted ADR (1.0) it is not
    assert [f.target for f in found] == ["RFC-0001"]
    files["tdd/TDD-0001-x.md"] = tdd("In Review", "- RFC: [RFC-0001](../rfc/RFC-0001-a.md)")
    assert findings(files, "TG302") == []


def test_unknown_status_lists_allowed_values(findings):
    found = findings({"adr/0001-a.md": "# ADR-0001: A\n\n## Status\n\nDone\n"}, "TG303")
    assert where(found) == [("adr/0001-a.md", 5, 1, "TG303")]
    assert found[0].message == (
        "unknown status 'Done' for ADR; allowed: proposed, accepted, deprecated, superseded, "
        "rejected"
    )
    ok = {"adr/0001-a.md": "# ADR-0001: A\n\n## Status\n\nAccepted\n"}
    assert findings(ok, "TG303") == []


def test_approval_missing_only_when_approved(findings):
    pending = "**Engineering Lead:** [Name] - [Date]"
    found = findings({"tdd/TDD-0001-x.md": tdd("Approved", approval=pending)}, "TG304")
    assert where(found) == [("tdd/TDD-0001-x.md", 14, 23, "TG304")]
    assert "still has 2 placeholder(s) such as [Name]" in found[0].message
    assert findings({"tdd/TDD-0001-x.md": tdd("Draft", approval=pending)}, "TG304") == []
    assert findings({"tdd/TDD-0001-x.md": tdd("Approved")}, "TG304") == []
