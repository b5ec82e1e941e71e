"""What counts as a change of a document (TG503): the fingerprint of one version."""

from __future__ import annotations

import pytest

from tracegraph.parse.fingerprint import FingerprintRules, fingerprint

RULES = FingerprintRules.for_types(("status", "stage"), ("kep-number",), frozenset())
BASE = b"""---
title: Payments
status: Draft
author: Ada
updated: 2026-01-01
---
# Payments API

**Last Updated:** 2026-01-02

A payments API for checkout.

## Design

Calls Stripe.
"""


def same(a: bytes, b: bytes) -> bool:
    return fingerprint(a, RULES).same_as(fingerprint(b, RULES))


@pytest.mark.parametrize(
    "edit",
    [
        (b"A payments API for checkout.", b"A  payments\nAPI  for checkout."),  # reflowed
        (b"Calls Stripe.\n", b"Calls Stripe.\n\n\n"),  # blank lines
        (b"author: Ada", b"author: Grace\nreviewers:\n  - Alan"),  # another field
        (b"updated: 2026-01-01", b"updated: 2026-02-01"),
        (b"**Last Updated:** 2026-01-02", b"**Last Updated:** 2026-03-03"),  # a field line
        (b"status: Draft", b"status: draft"),  # case only
        (b"\n", b"\r\n"),  # line endings
    ],
)
def test_no_change_for_a_reader(edit: tuple[bytes, bytes]) -> None:
    old, new = edit
    assert same(BASE, BASE.replace(old, new))


@pytest.mark.parametrize(
    ("edit", "how"),
    [
        ((b"Calls Stripe.", b"Calls Adyen."), ("text",)),
        ((b"status: Draft", b"status: Accepted"), ("status Draft -> Accepted",)),
        ((b"title: Payments", b"title: Payments v2"), ("title Payments -> Payments v2",)),
        ((b"author: Ada", b"author: Ada\nid: RFC-0009"), ("id (none) -> RFC-0009",)),
        ((b"## Design", b"## Architecture"), ("text",)),
    ],
)
def test_a_change_and_how(edit: tuple[bytes, bytes], how: tuple[str, ...]) -> None:
    old, new = edit
    before, after = fingerprint(BASE, RULES), fingerprint(BASE.replace(old, new), RULES)
    assert not before.same_as(after)
    assert before.changes_to(after) == how


def test_status_from_field_lines_and_status_sections() -> None:
    nygard = b"# 1. Use Stripe\n\nDate: 2026-01-01\n\n## Status\n\nAccepted\n\n## Context\n\nX.\n"
    print_ = fingerprint(nygard, RULES)
    assert dict(print_.fields) == {"title": "1. Use Stripe", "status": "Accepted"}
    later = fingerprint(nygard.replace(b"Accepted", b"Superseded by ADR-0002"), RULES)
    assert print_.changes_to(later) == ("status Accepted -> Superseded by ADR-0002",)
    assert fingerprint(nygard.replace(b"2026-01-01", b"2026-02-02"), RULES).same_as(print_)
    tdd = b"# TDD\n\n**Status:** Draft\n**Author:** Ada\n\n## Overview\n\nText.\n"
    moved = fingerprint(tdd.replace(b"Draft", b"Approved"), RULES)
    assert fingerprint(tdd, RULES).changes_to(moved) == ("status Draft -> Approved",)
    assert fingerprint(tdd.replace(b"Ada", b"Grace"), RULES).same_as(fingerprint(tdd, RULES))


def test_a_type_status_field_and_a_sidecar_read_whole() -> None:
    ember = b"---\nstage: accepted\nteams: [cli]\n---\n# RFC\n\nText.\n"
    assert not same(ember, ember.replace(b"stage: accepted", b"stage: released"))
    assert same(ember, ember.replace(b"[cli]", b"[cli, data]"))
    kep = b"title: Userns\nkep-number: 127\nstatus: implementable\nlast-updated: 2026-01-01\n"
    a = fingerprint(kep, RULES, metadata_only=True)
    assert a.same_as(
        fingerprint(kep.replace(b"2026-01-01", b"2026-05-05"), RULES, metadata_only=True)
    )
    b = fingerprint(kep.replace(b"implementable", b"implemented"), RULES, metadata_only=True)
    assert a.changes_to(b) == ("status implementable -> implemented",)
