"""A small repository with a known chain, shared by the query tests.

PRD-0001 <- RFC-0001 <- ADR-0001 <- TDD-0001, TDD-0002; TDD-0002 also depends on TDD-0001.
TDD-0001 links a source file, TDD-0002 a source folder; NOTES.md stands apart.
"""

from __future__ import annotations

from pathlib import Path

from tests.helpers import make_tree

CHAIN = {
    "docs/prd/PRD-0001-checkout.md": """
        ---
        status: approved
        ---
        # Checkout

        Customers pay for their basket in one step.
        """,
    "docs/rfc/RFC-0001-payments-api.md": """
        ---
        status: accepted
        implements: PRD-0001
        ---
        # Payments API

        A payments API for checkout.
        """,
    "docs/adr/0001-use-stripe.md": """
        ---
        status: accepted
        ---
        # Use Stripe

        Decided for [the payments RFC](../rfc/RFC-0001-payments-api.md).
        """,
    "docs/tdd/TDD-0001-payment-service.md": """
        ---
        status: approved
        depends_on: ADR-0001
        ---
        # Payment service

        Code: [service](../../src/pay/service.py).
        """,
    "docs/tdd/TDD-0002-refunds.md": """
        ---
        status: draft
        depends_on: [ADR-0001, TDD-0001]
        ---
        # Refunds

        Code lives in [the refunds package](../../src/refunds/).
        """,
    "NOTES.md": """
        # Notes

        Nothing links here.
        """,
    "src/pay/service.py": "print('pay')\n",
    "src/refunds/api.py": "print('refund')\n",
}

PRD = "docs/prd/PRD-0001-checkout.md"
RFC = "docs/rfc/RFC-0001-payments-api.md"
ADR = "docs/adr/0001-use-stripe.md"
TDD1 = "docs/tdd/TDD-0001-payment-service.md"
TDD2 = "docs/tdd/TDD-0002-refunds.md"


def make_chain(root: Path) -> Path:
    """Write the chain repository under ``root``."""
    return make_tree(root, CHAIN)
