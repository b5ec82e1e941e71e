"""Small repositories in each convention the write commands handle, for their tests.

Each is a dict (path -> text) in the shape of a public convention: sample_repo-style front
matter, Nygard records as adr-tools writes them, MADR 3/4 with front matter, KEPs with their
``kep.yaml``, and TDDs written from the TDD template.
"""

from __future__ import annotations

from pathlib import Path

from tests.gitrepo import git, init_repo
from tests.helpers import make_tree

FRONT_MATTER = {
    "docs/prd/PRD-0001-tracking.md": """\
        ---
        id: PRD-0001
        title: Tracking
        status: approved   # signed off in May
        owner: Ann
        created: 2026-05-01
        updated: 2026-05-02
        ---

        # PRD-0001: Tracking

        ## Problem

        Parcels get lost.
        """,
    "docs/rfc/RFC-0001-ingest.md": """\
        ---
        id: RFC-0001
        title: Ingest events
        status: accepted
        author: Bo
        created: 2026-05-03
        updated: 2026-05-04
        implements: [PRD-0001]
        ---

        # RFC-0001: Ingest events

        ## Summary

        Ingest carrier events.
        """,
    "docs/rfc/RFC-0002-ingest-v2.md": """\
        ---
        id: RFC-0002
        title: Ingest events, again
        status: draft
        author: Bo
        created: 2026-06-03
        updated: 2026-06-04
        implements:
          - PRD-0001
        ---

        # RFC-0002: Ingest events, again

        ## Summary

        Ingest carrier events through a stream.
        """,
}

NYGARD = {
    "doc/adr/0001-record-architecture-decisions.md": """\
        # 1. Record architecture decisions

        Date: 2026-01-05

        ## Status

        Accepted

        ## Context

        We need to record the architectural decisions made on this project.

        ## Decision

        We will use Architecture Decision Records.

        ## Consequences

        See Michael Nygard's article.
        """,
    "doc/adr/0002-use-rabbitmq.md": """\
        # 2. Use RabbitMQ

        Date: 2026-02-10

        ## Status

        Accepted

        ## Context

        A broker is needed ([the first record](0001-record-architecture-decisions.md)).

        ## Decision

        RabbitMQ.

        ## Consequences

        ```markdown
        ## Status

        Accepted
        ```
        """,
    "doc/adr/0003-use-kafka.md": """\
        # 3. Use Kafka

        Date: 2026-03-01

        ## Status

        Proposed

        ## Context

        Replays are needed; see [the RabbitMQ record](0002-use-rabbitmq.md).

        ## Decision

        Kafka.

        ## Consequences

        Replays work.
        """,
}

MADR = {
    "docs/decisions/0001-use-markdown-architectural-decision-records.md": """\
        ---
        status: accepted
        date: 2026-01-10
        decision-makers: [Ann, Bo]
        ---

        # Use Markdown Architectural Decision Records

        ## Context and Problem Statement

        We want to record decisions.

        ## Decision Outcome

        Chosen option: MADR.
        """,
    "docs/decisions/0002-use-postgres.md": """\
        ---
        # kept as the team wrote it
        status: "accepted"
        date: 2026-02-11
        decision-makers: Ann
        ---

        # Use PostgreSQL

        ## Context and Problem Statement

        We need a database; see [ADR-0001](0001-use-markdown-architectural-decision-records.md).

        ## Decision Outcome

        Chosen option: PostgreSQL.
        """,
    "docs/decisions/0003-use-cockroachdb.md": """\
        ---
        status: accepted
        date: 2026-04-01
        decision-makers: Bo
        ---

        # Use CockroachDB

        ## Context and Problem Statement

        PostgreSQL ([ADR-0002](0002-use-postgres.md)) does not span regions.

        ## Decision Outcome

        Chosen option: CockroachDB.
        """,
}

KEP = {
    "keps/README.md": "# Enhancement proposals\n\nOne folder per KEP.\n",
    "keps/sig-node/1287-in-place-update/README.md": """\
        # KEP-1287: In-place update of pod resources

        ## Summary

        Resize without restarts.

        ## Motivation

        Restarts hurt.

        ## Proposal

        Resize in place.
        """,
    "keps/sig-node/1287-in-place-update/kep.yaml": """\
        title: In-place update of pod resources
        kep-number: 1287
        authors:
          - "@vinaykul"
        owning-sig: sig-node
        status: implemented
        creation-date: 2019-01-18
        last-updated: 2026-01-01
        see-also:
          - "/keps/sig-node/2273-kubelet-container-resources-cri-api-changes"
        replaces: []
        superseded-by:
          - n/a
        """,
    "keps/sig-node/2273-kubelet-container-resources-cri-api-changes/README.md": """\
        # KEP-2273: Kubelet CRI changes

        ## Summary

        CRI changes.

        ## Motivation

        For resizing.

        ## Proposal

        Change the CRI.
        """,
    "keps/sig-node/2273-kubelet-container-resources-cri-api-changes/kep.yaml": """\
        title: Kubelet CRI changes
        kep-number: 2273
        authors:
          - "@vinaykul"
        owning-sig: sig-node
        status: implementable
        creation-date: 2020-12-01
        last-updated: 2026-01-02
        see-also:
          - "/keps/sig-node/1287-in-place-update"
        """,
}


def tdd_text(number: int, title: str, status: str, extra: str = "") -> str:
    """A TDD written from the TDD template's header (the checks ask for the template's
    sections; the tests compare findings before and after, so missing ones do not matter)."""
    return (
        f"# Technical Design Document (TDD): {title}\n\n"
        f"**Status:** {status}\n**Author:** Cy\n**Created:** 2026-03-0{number}\n"
        f"**Last Updated:** 2026-03-0{number}\n\n"
        "**Related Documents:**\n- PRD: [PRD-0001](../prd/PRD-0001-tracking.md)\n"
        f"- RFC: none\n{extra}\n---\n\n## Overview\n\nThe design.\n"
    )


TDD = {
    **FRONT_MATTER,
    "docs/tdd/TDD-0001-tracking-api.md": tdd_text(1, "Tracking API", "Approved"),
    "docs/tdd/TDD-0002-tracking-api-v2.md": tdd_text(2, "Tracking API v2", "In Review"),
}

CONVENTIONS = {"front-matter": FRONT_MATTER, "nygard": NYGARD, "madr": MADR, "kep": KEP,
               "tdd": TDD}  # fmt: skip


def repository(root: Path, files: dict[str, str], *, commit: bool = True) -> Path:
    """Write ``files`` under ``root`` and commit them (git user.name "Ada Lovelace")."""
    make_tree(root, files)
    if commit:
        init_repo(root)
        git(root, "config", "user.name", "Ada Lovelace")
    return root
