"""A real git repository with the PRD <- RFC <- ADR/TDD chain, for suspect-link tests.

TDD-0001 implements RFC-0001 and depends on ADR-0001; ADR-0001 links RFC-0001 and mentions
PRD-0001 in prose (a mention never makes a link suspect); RFC-0001 implements PRD-0001. Each
commit gets its own date (a day apart), so messages and JSON are predictable.
"""

from __future__ import annotations

import os
import subprocess
import textwrap
from pathlib import Path

from tests.gitrepo import GIT_ENV

PRD = "docs/prd/PRD-0001-checkout.md"
RFC = "docs/rfc/RFC-0001-payments.md"
ADR = "docs/adr/0001-use-stripe.md"
TDD = "docs/tdd/TDD-0001-payment-service.md"

CHAIN = {
    PRD: """
        ---
        status: draft
        author: Ada
        ---
        # Checkout

        Customers pay for their basket in one step.
        """,
    RFC: """
        ---
        status: draft
        implements: PRD-0001
        ---
        # Payments API

        A payments API for checkout.
        """,
    ADR: """
        # 1. Use Stripe

        Date: 2026-01-01

        ## Status

        Accepted

        ## Context

        Decided for [the payments RFC](../rfc/RFC-0001-payments.md); PRD-0001 asks for one step.

        ## Decision

        Stripe.
        """,
    TDD: """
        ---
        status: draft
        implements: RFC-0001
        depends_on: ADR-0001
        ---
        # Payment service

        The service calls Stripe.
        """,
}


class HistoryRepo:
    """A throw-away repository whose commits are made one by one by a test."""

    def __init__(self, root: Path, files: dict[str, str] | None = None) -> None:
        self.root = root
        self.day = 0
        root.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q", "-b", "main")
        for rel, text in (CHAIN if files is None else files).items():
            self.write(rel, text)

    def git(self, *args: str) -> str:
        """Run git in the repository with a fixed identity and the current commit date."""
        stamp = f"2026-01-{self.day + 1:02d}T12:00:00+00:00"
        env = {**os.environ, **GIT_ENV, "GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp}
        proc = subprocess.run(
            ["git", "-C", str(self.root), *args], capture_output=True, text=True, check=True,
            env=env,
        )  # fmt: skip
        return proc.stdout

    def write(self, rel: str, text: str) -> None:
        """Write a file (dedented, as the fixtures are written)."""
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")

    def replace(self, rel: str, old: str, new: str) -> None:
        """Replace text in a file (it must be there)."""
        path = self.root / rel
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {rel}"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    def commit(self, message: str) -> str:
        """Commit everything (a day after the previous commit); the new commit's hash."""
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", message)
        self.day += 1
        return self.git("rev-parse", "HEAD").strip()
