"""A small repository for the map tests: one document of each type, plus every map feature.

PRD-0001 <- RFC-0001 (implements) <- ADR-0001 <- TDD-0001 (implements RFC, depends on ADR);
ADR-0002 supersedes ADR-0001 (so ADR-0001 is grey); RFC-0001 links a missing file and mentions
an unknown ID; ADR-0009 is an orphan; notes/README.md is an untyped DOC.
"""

from __future__ import annotations

from pathlib import Path

from tests.helpers import make_tree

MAP_REPO = {
    "docs/prd/PRD-0001-checkout.md": """
        ---
        status: approved
        ---
        # Checkout

        Customers pay for their basket in one step.
        """,
    "docs/rfc/RFC-0001-payments-api.md": """
        ---
        status: draft
        implements: PRD-0001
        ---
        # Payments API

        Load test: [report](../perf/missing.md). See also ADR-0042.
        """,
    "docs/adr/0001-use-stripe.md": """
        ---
        status: superseded
        ---
        # Use Stripe

        Decided for [the payments RFC](../rfc/RFC-0001-payments-api.md).
        """,
    "docs/adr/0002-use-adyen.md": """
        ---
        status: accepted
        supersedes: ADR-0001
        ---
        # Use Adyen
        """,
    "docs/adr/0009-lonely.md": """
        ---
        status: proposed
        ---
        # A lonely decision
        """,
    "docs/tdd/TDD-0001-payment-service.md": """
        ---
        status: implemented
        implements: RFC-0001
        depends_on: ADR-0002
        ---
        # Payment service
        """,
    "notes/README.md": """
        # Notes

        Start at [the PRD](../docs/prd/PRD-0001-checkout.md).
        """,
}

PRD = "docs/prd/PRD-0001-checkout.md"
RFC = "docs/rfc/RFC-0001-payments-api.md"
ADR1 = "docs/adr/0001-use-stripe.md"
ADR2 = "docs/adr/0002-use-adyen.md"
ORPHAN = "docs/adr/0009-lonely.md"
TDD = "docs/tdd/TDD-0001-payment-service.md"
NOTES = "notes/README.md"


def make_map_repo(root: Path) -> Path:
    """Write the map repository under ``root``."""
    return make_tree(root, MAP_REPO)
