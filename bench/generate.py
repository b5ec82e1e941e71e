#!/usr/bin/env python3
"""Generate a realistic, seeded corpus of PRD/RFC/ADR/TDD Markdown documents for benchmarks.

Usage::

    python bench/generate.py --docs 10000 --out bench/corpora/10k --seed 1

The corpus is a folder tree of Markdown documents (plus tiny SVG/PNG artifacts) whose links
follow the PRD <- RFC <- ADR <- TDD chain. A small, known number of defects is planted and listed
in ``<out>.manifest.json`` next to the corpus folder (outside the scanned tree), with the exact
1-based line of each. Same arguments give a byte-identical tree. Standard library only.
"""

from __future__ import annotations

import argparse
import json
import os
import posixpath
import random
import re
import shutil
import struct
import subprocess
import sys
import time
import zlib
from bisect import bisect_left
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

TYPES = ("PRD", "RFC", "ADR", "TDD")
SHARES = {"PRD": 0.10, "RFC": 0.20, "ADR": 0.35, "TDD": 0.35}
FOLDERS = {"PRD": "prd", "RFC": "rfc", "ADR": "adr", "TDD": "tdd"}
DOC_SHARE = 0.05  # plain (untyped) documents: READMEs and guides
DEFECT_RATE = 0.01  # each planted defect kind hits about this share of documents
TEAM_DOCS = 3000  # above this many documents the corpus is split into teams/<team>/docs/
ARTIFACTS_PER_DOCS = 12  # one diagram file per this many documents of a docs root
START = date(2019, 1, 7)
SPAN_DAYS = 6 * 365

# Lifecycle stage by age (0 = newest); thresholds on a document's position in its type's history.
STAGES = {
    "PRD": ("Draft", "In Review", "Approved", "Shipped"),
    "RFC": ("Draft", "In Review", "Accepted", "Implemented"),
    "ADR": ("Proposed", "Accepted", "Accepted", "Accepted"),
    "TDD": ("Draft", "In Review", "Approved", "Implemented"),
}

KINDS = (
    "broken-link",
    "broken-anchor",
    "unknown-id",
    "orphan",
    "uncovered",
    "supersession-mismatch",
    "placeholder",
)

TEAMS = (
    "payments", "search", "identity", "billing", "platform", "data", "mobile", "web", "growth",
    "ads", "messaging", "notifications", "infra", "security", "storage", "observability",
    "checkout", "catalog", "logistics", "fraud", "ml-platform", "recommendations", "maps",
    "media", "support", "compliance", "developer-experience", "networking", "edge", "analytics",
    "inventory", "pricing", "onboarding", "partners", "trust-safety", "reliability", "core-api",
    "integrations", "localization", "accounts",
)  # fmt: skip

FIRST = (
    "Ada", "Bram", "Chen", "Dana", "Emeka", "Farah", "Goran", "Hana", "Ines", "Jonas", "Kavya",
    "Luis", "Mina", "Nils", "Olu", "Priya", "Quinn", "Rosa", "Sven", "Tariq", "Uma", "Vera",
    "Wei", "Ximena", "Yusuf", "Zoe", "Aiko", "Bruno", "Carmen", "Dmitri",
)  # fmt: skip
LAST = (
    "Okafor", "Lindqvist", "Nakamura", "Haddad", "Moreau", "Kowalski", "Santos", "Fischer",
    "Ivanova", "Mensah", "Oyelaran", "Petrov", "Rahman", "Schmidt", "Tanaka", "Varga", "Walsh",
    "Yilmaz", "Zhou", "Abara", "Berg", "Costa", "Duarte", "Eriksen", "Fontaine",
)  # fmt: skip

TECH = (
    "Kafka", "PostgreSQL", "Redis", "gRPC", "GraphQL", "Envoy", "OpenTelemetry", "Kubernetes",
    "Terraform", "ClickHouse", "Elasticsearch", "RabbitMQ", "Temporal", "Flink", "DynamoDB",
    "Protobuf", "Avro", "Vault", "Istio", "Argo CD", "SQLite", "NATS", "Debezium", "Parquet",
)  # fmt: skip
PURPOSE = (
    "event streaming", "session storage", "rate limiting", "search indexing", "audit logging",
    "service discovery", "background jobs", "feature flags", "schema evolution", "secrets",
    "config distribution", "metrics export", "change data capture", "idempotent retries",
    "tenant isolation", "read replicas", "cache invalidation", "webhook delivery",
    "batch exports", "request tracing", "quota enforcement", "blue-green deploys",
)  # fmt: skip
NOUNS = (
    "Ledger", "Checkout", "Catalog", "Notification", "Identity", "Search", "Billing", "Invoice",
    "Refund", "Inventory", "Pricing", "Shipment", "Profile", "Consent", "Audit", "Export",
    "Import", "Webhook", "Session", "Token", "Quota", "Report", "Payout", "Subscription",
)  # fmt: skip
PARTS = (
    "Service", "Pipeline", "Gateway", "Store", "Scheduler", "Worker", "Index", "API",
    "Reconciler", "Router", "Cache", "Dashboard", "Broker", "Sync",
)  # fmt: skip
FEATURES = (
    "Saved searches", "Bulk refunds", "Team workspaces", "Usage-based billing", "Offline mode",
    "Two-factor recovery", "Smart notifications", "Self-serve exports", "Partner API",
    "Multi-currency checkout", "Delegated admin", "Activity feed", "Scheduled reports",
    "Account merging", "Granular permissions", "In-app onboarding", "Data residency",
)  # fmt: skip
AUDIENCE = (
    "power users", "small businesses", "enterprise admins", "mobile shoppers", "partners",
    "support agents", "new customers", "finance teams", "developers", "regional markets",
)  # fmt: skip
TITLE_SUFFIX = ("", "", "", "", " (v2)", " & rollout", ": phase 1", " - 2nd iteration")
GUIDE_TOPICS = (
    "On-call handbook", "Writing a proposal", "Review checklist", "Service ownership",
    "Incident response", "Release process", "Local development setup", "Glossary",
    "Data retention policy", "API style guide", "Observability conventions",
    "Dependency upgrade policy", "Runbook: failover", "Capacity planning", "Onboarding notes",
    "Security review process", "Migration playbook", "Error budget policy",
)  # fmt: skip

SUBJECTS = (
    "The ingestion service", "Each consumer", "The API gateway", "The on-call engineer",
    "The migration job", "The downstream team", "The cache layer", "This proposal",
    "The current design", "The operator", "The reconciliation worker", "Every tenant",
    "The mobile client", "The scheduler", "Our load balancer", "The billing pipeline",
    "The write path", "The read path", "The audit trail", "The control plane",
)  # fmt: skip
VERBS = (
    "must tolerate", "needs to handle", "should avoid", "is expected to absorb",
    "currently depends on", "will emit metrics for", "can safely retry after",
    "must not block on", "aggregates", "periodically reconciles", "is sensitive to",
    "has to survive", "records", "rejects", "deduplicates", "batches",
)  # fmt: skip
OBJECTS = (
    "duplicate deliveries", "partial network partitions", "schema changes in upstream producers",
    "bursts of up to 5,000 requests per second", "stale reads from replicas",
    "large tenant backfills", "clock skew between regions", "slow third-party responses",
    "out-of-order events", "expired credentials", "hot partitions", "oversized payloads",
    "concurrent updates to the same record", "a cold cache after deploys",
    "retries from impatient clients", "failover of the primary database",
)  # fmt: skip
QUALIFIERS = (
    "during peak traffic", "without manual intervention", "within the existing error budget",
    "across all three regions", "while the rollout is in progress",
    "as the HTTP semantics in RFC 7231 require", "for at least 30 days",
    "before the quarterly freeze", "with p99 latency under 250 ms", "at roughly twice today's load",
    "without breaking existing clients", "even when the queue is backed up",
    "under the current on-call staffing", "in line with the data governance policy", "", "",
)  # fmt: skip
OPENERS = (
    "In practice,", "Historically,", "For this reason,", "As a result,", "In the first phase,",
    "Longer term,", "To keep things simple,", "Notably,", "", "", "", "",
)  # fmt: skip
MENTION_FORMS = (
    "This follows the approach taken in {id}.",
    "The trade-offs were discussed at length in {id}.",
    "Compare the constraints recorded in {id}.",
    "The same reasoning appears in {id}.",
    "Readers new to this area should start with {id}.",
    "The numbers above come from the analysis in {id}.",
)
BROKEN_ANCHORS = (
    "rollout-strategy", "background", "architecture-overview", "faq", "appendix-b",
    "decision-outcome", "pros-and-cons", "security-model", "capacity-estimates", "glossary",
    "prior-art", "success-criteria", "failure-modes", "cost-analysis",
)  # fmt: skip
PLACEHOLDERS = ("[Date]", "[Date]", "[Date]", "[Name]", "[Feature Name]")

_SLUG_DROP = re.compile(r"[^\w\- ]")
_FILE_SLUG = re.compile(r"[^a-z0-9]+")


def gh_slug(text: str) -> str:
    """GitHub's heading anchor for ``text`` (before duplicate numbering)."""
    return _SLUG_DROP.sub("", text.strip().lower()).replace(" ", "-")


def file_slug(title: str) -> str:
    """A file-name slug: lower-case words joined by hyphens, at most about 48 characters."""
    slug = _FILE_SLUG.sub("-", title.lower()).strip("-")
    if len(slug) > 48:
        slug = slug[:48].rsplit("-", 1)[0]
    return slug


def _png_bytes() -> bytes:
    """A valid 1x1 grey PNG."""

    def chunk(tag: bytes, data: bytes) -> bytes:
        body = tag + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00\x80", 9)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


PNG = _png_bytes()

# Fixed headings of each type (besides the title and per-document headings), used to pick
# anchors that exist. The writers below emit exactly these texts.
PRD_H2 = (
    "Summary", "Problem Statement", "Goals", "Non-Goals", "User Stories", "Requirements",
    "Success Metrics", "Release Plan", "Dependencies", "Open Questions", "Appendix",
)  # fmt: skip
PRD_H3 = ("Functional Requirements", "Non-Functional Requirements")
RFC_H2 = (
    "Summary", "Motivation", "Proposal", "Drawbacks", "Alternatives", "Rollout Plan",
    "Open Questions", "References",
)  # fmt: skip
RFC_H3 = ("Architecture", "Interfaces", "Data Model")
ADR_H2 = ("Status", "Context", "Decision", "Consequences")
TDD_HEADINGS = (
    "Overview", "Problem Statement", "Proposed Solution", "Goals", "Non-Goals",
    "System Architecture", "High-Level Design", "Component Descriptions", "API Design",
    "New Endpoints", "Modified Endpoints", "Breaking Changes", "Data Model", "Database Schema",
    "New Tables", "Modified Tables", "Data Flow", "Security Considerations",
    "Authentication & Authorization", "Data Protection", "Input Validation", "Rate Limiting",
    "Performance", "Expected Load", "Performance Targets", "Optimization Strategies",
    "Load Testing Plan", "Scalability", "Horizontal Scaling", "Database Scaling",
    "Caching Strategy", "Monitoring & Observability", "Metrics to Track", "Logging", "Alerts",
    "Dashboards", "Error Handling", "Error Scenarios", "Testing Strategy", "Unit Tests",
    "Integration Tests", "Performance Tests", "Security Tests", "Deployment Plan",
    "Phase 1: Development & Testing", "Phase 2: Staging", "Phase 3: Production Rollout",
    "Rollback Plan", "Migration & Backward Compatibility", "Data Migration", "API Versioning",
    "Dependencies", "Upstream Dependencies (Must exist first)",
    "Downstream Impact (Who depends on this)", "Third-Party Services", "Risks & Mitigations",
    "Open Questions", "Timeline", "Approval",
)  # fmt: skip
FIXED_SLUGS = {
    "PRD": tuple(gh_slug(h) for h in PRD_H2 + PRD_H3),
    "RFC": tuple(gh_slug(h) for h in RFC_H2 + RFC_H3),
    "ADR": tuple(gh_slug(h) for h in ADR_H2),
    "TDD": tuple(gh_slug(h) for h in TDD_HEADINGS),
}


@dataclass(slots=True)
class Doc:
    """One planned document (everything other documents need to know to link to it)."""

    idx: int
    kind: str  # PRD, RFC, ADR, TDD or DOC
    num: int
    ident: str
    title: str
    team: int  # -1: repository root
    path: str = ""
    dir: str = ""
    frac: float = 0.0
    stage: int = 0
    created: str = ""
    updated: str = ""
    author: str = ""
    title_slug: str = ""
    ncomp: int = 2
    orphan: bool = False
    no_cite: bool = False  # retired or involved in a planted mismatch: nobody else cites it
    status: str = ""
    supersedes: int = -1
    superseded_by: int = -1
    mismatch: bool = False  # supersedes without back-reference (planted)
    planted: list[str] = field(default_factory=list)
    primary: dict[str, int] = field(default_factory=dict)


class Plan:
    """The whole corpus decided up front: documents, paths, relations and planted defects."""

    def __init__(self, n_docs: int, seed: int, broken_links: int | None = None) -> None:
        self.seed = seed
        self.broken_links = broken_links
        self.rng = random.Random(seed)
        rng = self.rng
        self.n_docs = n_docs
        n_plain = max(2, round(n_docs * DOC_SHARE))
        n_typed = n_docs - n_plain
        counts = {k: max(2, round(n_typed * SHARES[k])) for k in TYPES[:3]}
        counts["TDD"] = n_typed - sum(counts.values())
        if counts["TDD"] < 2:
            raise SystemExit("--docs must be at least 40")
        self.counts = counts
        self.width = {k: 4 if counts[k] <= 9999 else 5 for k in TYPES}
        self.n_teams = 1 if n_docs <= TEAM_DOCS else -(-n_docs // TEAM_DOCS)
        self.team_names = [
            TEAMS[i % len(TEAMS)] + ("" if i < len(TEAMS) else f"-{i // len(TEAMS) + 1}")
            for i in range(self.n_teams)
        ]
        self.authors = [f"{f} {last}" for f in FIRST for last in LAST]
        rng.shuffle(self.authors)
        self.docs: list[Doc] = []
        self.by_type: dict[str, list[int]] = {k: [] for k in TYPES}
        self.team_type: dict[tuple[int, str], list[int]] = {}
        self.team_type_nums: dict[tuple[int, str], list[int]] = {}
        self._make_typed()
        self._make_plain(n_plain)
        self._make_paths()
        self._make_artifacts()
        self._plant()
        self._primaries()
        self._relcache: dict[tuple[str, str], str] = {}
        self.sentences = self._sentences()
        self.paragraphs = [
            " ".join(rng.choices(self.sentences, k=rng.randint(2, 5))) for _ in range(3000)
        ]

    # -- planning --------------------------------------------------------------------------

    def ident(self, kind: str, num: int) -> str:
        """The zero-padded ID of document ``num`` of ``kind``."""
        return f"{kind}-{num:0{self.width[kind]}d}"

    def _title(self, kind: str, num: int, rng: random.Random | None = None) -> str:
        rng = rng or self.rng
        if kind == "PRD":
            base = f"{rng.choice(FEATURES)} for {rng.choice(AUDIENCE)}"
        elif kind == "RFC":
            form = rng.randrange(3)
            noun = rng.choice(NOUNS).lower()
            if form == 0:
                base = f"Introduce {rng.choice(TECH)} for {rng.choice(PURPOSE)}"
            elif form == 1:
                base = f"Migrate {noun} {rng.choice(PARTS).lower()} to {rng.choice(TECH)}"
            else:
                base = f"Unified {rng.choice(PURPOSE)} for {noun} data"
        elif kind == "ADR":
            if num == 1:
                return "Record architecture decisions"
            form = rng.randrange(3)
            if form == 0:
                base = f"Use {rng.choice(TECH)} for {rng.choice(PURPOSE)}"
            elif form == 1:
                base = f"Adopt {rng.choice(TECH)} in the {rng.choice(NOUNS).lower()} service"
            else:
                base = f"Keep {rng.choice(PURPOSE)} in {rng.choice(TECH)}"
        else:
            base = f"{rng.choice(NOUNS)} {rng.choice(PARTS)}"
        return base + rng.choice(TITLE_SUFFIX)

    def _make_typed(self) -> None:
        rng = self.rng
        for kind in TYPES:
            n = self.counts[kind]
            for num in range(1, n + 1):
                frac = (num - 1) / n
                team = rng.randrange(self.n_teams)
                d = Doc(len(self.docs), kind, num, self.ident(kind, num), "", team)
                d.title = self._title(kind, num)
                d.frac = frac
                d.stage = 3 if frac < 0.55 else 2 if frac < 0.8 else 1 if frac < 0.92 else 0
                d.status = STAGES[kind][d.stage]
                day = START + timedelta(days=int(frac * SPAN_DAYS) + rng.randrange(14))
                d.created = day.isoformat()
                d.updated = (day + timedelta(days=rng.randrange(1, 240))).isoformat()
                d.author = self.authors[(team * 7 + rng.randrange(12)) % len(self.authors)]
                d.ncomp = rng.randint(2, 4)
                if kind in ("PRD", "RFC"):
                    h1 = f"{d.ident}: {d.title}"
                elif kind == "ADR":
                    h1 = f"{num}. {d.title}"
                else:
                    h1 = f"Technical Design Document (TDD): {d.title}"
                d.title_slug = gh_slug(h1)
                self.docs.append(d)
                self.by_type[kind].append(d.idx)
                self.team_type.setdefault((team, kind), []).append(d.idx)
                self.team_type_nums.setdefault((team, kind), []).append(num)

    def _make_plain(self, n_plain: int) -> None:
        rng = self.rng
        self.root_readme = len(self.docs)
        self.docs.append(Doc(len(self.docs), "DOC", 0, "", "Engineering documentation", -1))
        self.team_readme: list[int] = []
        for t in range(self.n_teams):
            if len(self.docs) - self.root_readme >= n_plain:
                break
            name = self.team_names[t].replace("-", " ").capitalize()
            self.team_readme.append(len(self.docs))
            self.docs.append(Doc(len(self.docs), "DOC", 0, "", f"{name} documentation", t))
        self.guides: list[int] = []
        k = 0
        while len(self.docs) - self.root_readme < n_plain:
            team = k % self.n_teams
            topic = GUIDE_TOPICS[(k // self.n_teams) % len(GUIDE_TOPICS)]
            rnd = k // (self.n_teams * len(GUIDE_TOPICS))
            title = topic if rnd == 0 else f"{topic} ({2019 + rnd % 7} edition {rnd})"
            d = Doc(len(self.docs), "DOC", k, "", title, team, frac=1.0)
            self.guides.append(d.idx)
            d.created = (START + timedelta(days=rng.randrange(SPAN_DAYS))).isoformat()
            d.author = rng.choice(self.authors)
            self.docs.append(d)
            k += 1

    def docs_root(self, team: int) -> str:
        """The docs folder of a team (or of the whole corpus when it has one team)."""
        return "docs" if self.n_teams == 1 else f"teams/{self.team_names[team]}/docs"

    def _make_paths(self) -> None:
        for d in self.docs:
            if d.kind == "DOC":
                if d.idx == self.root_readme:
                    d.path = "README.md"
                elif d.idx in self.team_readme:
                    d.path = f"{self.docs_root(d.team)}/README.md"
                else:
                    d.path = f"{self.docs_root(d.team)}/guides/{file_slug(d.title)}.md"
            else:
                folder = f"{self.docs_root(d.team)}/{FOLDERS[d.kind]}"
                slug = file_slug(d.title)
                if d.kind == "ADR":
                    d.path = f"{folder}/{d.num:0{self.width['ADR']}d}-{slug}.md"
                else:
                    d.path = f"{folder}/{d.ident}-{slug}.md"
            d.dir = posixpath.dirname(d.path)
        self.paths = {d.path for d in self.docs}

    def _make_artifacts(self) -> None:
        self.artifacts: dict[int, list[str]] = {}
        per_team = [0] * self.n_teams
        for d in self.docs:
            if d.team >= 0:
                per_team[d.team] += 1
        for t in range(self.n_teams):
            n = max(4, per_team[t] // ARTIFACTS_PER_DOCS)
            root = self.docs_root(t)
            names = []
            for i in range(n):
                kind = ("architecture", "sequence", "dataflow", "deployment")[i % 4]
                ext = "svg" if i % 3 else "png"
                names.append(f"{root}/assets/diagrams/{kind}-{i + 1:04d}.{ext}")
            self.artifacts[t] = names

    def _plant(self) -> None:
        """Choose the documents that carry planted defects, orphans and supersessions."""
        rng = self.rng
        typed = [d for d in self.docs if d.kind != "DOC"]
        n_each = max(1, round(self.n_docs * DEFECT_RATE))
        candidates = [d for d in typed if d.num > 1]
        for d in rng.sample(candidates, n_each):
            d.orphan = True
        adrs = [self.docs[i] for i in self.by_type["ADR"]]
        n_adr = len(adrs)
        used: set[int] = set()

        def pair(mismatch: bool) -> bool:
            for _ in range(50):
                old = adrs[rng.randrange(1, max(2, int(n_adr * 0.6)))]
                new_num = old.num + 1 + rng.randrange(max(1, int(n_adr * 0.1)))
                if new_num > n_adr or self.docs[adrs[new_num - 1].idx].frac >= 0.8:
                    continue
                new = adrs[new_num - 1]
                if old.orphan or new.orphan or old.idx in used or new.idx in used:
                    continue
                used.update((old.idx, new.idx))
                new.supersedes = old.idx
                new.status = "Accepted"
                old.no_cite = True
                if mismatch:
                    new.mismatch = True
                else:
                    old.superseded_by = new.idx
                    old.status = "Superseded"
                return True
            return False

        self.n_mismatch = sum(pair(True) for _ in range(n_each))
        for _ in range(max(1, round(n_adr * 0.03))):
            pair(False)
        for _ in range(max(1, round(n_adr * 0.01))):
            d = adrs[rng.randrange(1, n_adr)]
            if not (d.orphan or d.idx in used):
                used.add(d.idx)
                d.status = "Deprecated"
                d.no_cite = True
        eligible = [d for d in typed if not d.orphan]
        for kind in ("broken-link", "broken-anchor", "unknown-id", "placeholder"):
            many = n_each
            if kind == "broken-link" and self.broken_links is not None:
                many = min(self.broken_links, len(eligible))
            for d in rng.sample(eligible, many):
                d.planted.append(kind)

    def citable(self, idx: int) -> bool:
        """Whether other documents may link to or mention this document."""
        d = self.docs[idx]
        return not (d.orphan or d.no_cite)

    def _map(self, src: Doc, kind: str) -> int:
        """The primary upstream of ``kind`` for ``src``: proportional, earlier, citable."""
        lst = self.by_type[kind]
        i = (src.num - 1) * len(lst) // self.counts[src.kind]
        while i > 0 and not self.citable(lst[i]):
            i -= 1
        return lst[i]

    def _primaries(self) -> None:
        for d in self.docs:
            if d.kind == "RFC":
                d.primary["PRD"] = self._map(d, "PRD")
            elif d.kind == "ADR":
                d.primary["RFC"] = self._map(d, "RFC")
            elif d.kind == "TDD":
                d.primary["RFC"] = self._map(d, "RFC")
                d.primary["ADR"] = self._map(d, "ADR")
                d.primary["PRD"] = self.docs[d.primary["RFC"]].primary["PRD"]

    def _sentences(self) -> list[str]:
        rng = self.rng
        out = []
        for _ in range(4000):
            opener = rng.choice(OPENERS)
            subj = rng.choice(SUBJECTS)
            if opener:
                subj = subj[0].lower() + subj[1:]
            qual = rng.choice(QUALIFIERS)
            parts = [opener, subj, rng.choice(VERBS), rng.choice(OBJECTS), qual]
            out.append(" ".join(p for p in parts if p) + ".")
        return out

    # -- lookups used by the writers -------------------------------------------------------

    def rel(self, src: Doc, target_path: str) -> str:
        """Relative link from ``src``'s folder to ``target_path``."""
        tdir, base = posixpath.split(target_path)
        key = (src.dir, tdir)
        prefix = self._relcache.get(key)
        if prefix is None:
            prefix = posixpath.relpath(tdir, src.dir) if tdir else posixpath.relpath(".", src.dir)
            self._relcache[key] = prefix
        return base if prefix == "." else f"{prefix}/{base}"

    def pick(self, rng: random.Random, src: Doc, kind: str, later: bool = False) -> int:
        """A citable document of ``kind`` upstream of ``src`` (same team preferred), or -1.

        Upstream means: an earlier number of the same type, or a document of an earlier type at
        a proportionally earlier position. ``later`` picks a later document of the same type.
        """
        n = self.counts[kind]
        if kind == src.kind:
            lo, hi = (src.num + 1, n + 1) if later else (1, src.num)
        else:
            lo, hi = 1, max(2, int(src.frac * n) + 1)
        if hi <= lo:
            return -1
        for attempt in range(6):
            if attempt < 3 and src.team >= 0:
                key = (src.team, kind)
                nums = self.team_type_nums.get(key)
                if not nums:
                    continue
                a, b = bisect_left(nums, lo), bisect_left(nums, hi)
                if a >= b:
                    continue
                idx = self.team_type[key][rng.randrange(a, b)]
            else:
                idx = self.by_type[kind][rng.randrange(lo, hi) - 1]
            if idx != src.idx and self.citable(idx):
                return idx
        return -1


class Writer:
    """Renders one document into lines, recording planted defects with their line numbers."""

    def __init__(self, plan: Plan, doc: Doc) -> None:
        self.p = plan
        self.d = doc
        self.rng = random.Random(plan.seed * 1_000_003 + doc.idx)
        self.lines: list[str] = []
        self.defects: list[dict[str, Any]] = []
        self.linkable = not doc.orphan

    # -- small pieces ----------------------------------------------------------------------

    def add(self, *lines: str) -> None:
        """Append lines."""
        self.lines.extend(lines)

    def para(self, extra: str = "") -> None:
        """A paragraph of filler prose, then a blank line."""
        text = self.rng.choice(self.p.paragraphs)
        self.lines.append(f"{text} {extra}" if extra else text)
        self.lines.append("")

    def paras(self, n: int) -> None:
        """``n`` paragraphs, some with a bare ID mention."""
        for _ in range(n):
            self.para(self.mention() if self.rng.random() < 0.5 else "")

    def link(self, idx: int, frag: str = "", text: str = "") -> str:
        """An inline Markdown link to document ``idx``."""
        t = self.p.docs[idx]
        label = text or (f"{t.ident}: {t.title}" if t.ident else t.title)
        dest = self.p.rel(self.d, t.path)
        return f"[{label}]({dest}#{frag})" if frag else f"[{label}]({dest})"

    def anchor_of(self, idx: int) -> str:
        """A heading slug that exists in document ``idx``."""
        t = self.p.docs[idx]
        rng = self.rng
        r = rng.random()
        if r < 0.15:
            return t.title_slug
        if t.kind == "TDD" and r < 0.3:
            k = rng.randrange(t.ncomp)
            return "notes" if k == 0 else f"notes-{k}"
        return rng.choice(FIXED_SLUGS[t.kind])

    def up(self, kind: str) -> int:
        """A citable upstream document of ``kind`` (or -1)."""
        if not self.linkable:
            return -1
        return self.p.pick(self.rng, self.d, kind)

    def upstream_kinds(self) -> tuple[str, ...]:
        """Types this document may cite."""
        return {
            "PRD": ("PRD",),
            "RFC": ("PRD", "RFC"),
            "ADR": ("RFC", "ADR", "PRD"),
            "TDD": ("ADR", "RFC", "TDD", "PRD"),
            "DOC": TYPES,
        }[self.d.kind]

    def any_up(self) -> int:
        """A citable upstream document of any allowed type (or -1)."""
        return self.up(self.rng.choice(self.upstream_kinds()))

    def mention(self) -> str:
        """A sentence with a bare ID mention of an upstream document ('' if none)."""
        idx = self.any_up()
        if idx < 0:
            return ""
        return self.rng.choice(MENTION_FORMS).format(id=self.p.docs[idx].ident)

    def anchor_link_sentence(self) -> str:
        """A sentence with a link to a real heading of an upstream document ('' if none)."""
        idx = self.any_up()
        if idx < 0:
            return ""
        frag = self.anchor_of(idx)
        t = self.p.docs[idx]
        return f"See {self.link(idx, frag, f'{t.ident} ({frag})')} for the details."

    def external(self) -> str:
        """An external https link on a reserved example host."""
        rng = self.rng
        host = rng.choice(("example.com", "docs.example.org", "wiki.example.com", "example.org"))
        path = rng.choice(("blog/postmortem", "spec/v2", "pages/runbook", "guides/limits"))
        return f"[{rng.choice(('the vendor docs', 'a postmortem', 'the spec', 'this write-up'))}](https://{host}/{path}-{rng.randrange(1000)})"

    def image(self) -> str:
        """An image link to an existing artifact of this document's team."""
        team = max(self.d.team, 0)
        art = self.rng.choice(self.p.artifacts[team])
        name = posixpath.basename(art).rsplit(".", 1)[0].replace("-", " ")
        return f"![{name.capitalize()}]({self.p.rel(self.d, art)})"

    def guide_link(self) -> str:
        """A link to a guide (a plain document) of this document's team, or ''."""
        guides = self.p.guides
        team = max(self.d.team, 0)
        if team >= len(guides):
            return ""
        i = guides[team]
        return f"Process details live in {self.link(i, text=self.p.docs[i].title)}."

    def code_decoy(self) -> None:
        """A fenced block and inline code with link-like text that must not count as links."""
        self.add(
            "Example of a snippet that documents the link syntax (not a link itself):",
            "",
            "```md",
            "See [the old spec](nope.md) and [setup](missing/setup.md#install).",
            "# Rollout notes",
            "```",
            "",
            "Inline code such as `[x](nope.md)` or `../adr/0000-missing.md#status` is not a link.",
            "",
        )

    # -- planted defects ------------------------------------------------------------------

    def record(self, kind: str, target: str, line: int = 0, **extra: Any) -> None:
        """Remember a planted defect at ``line`` (default: the next line to be written)."""
        entry = {"kind": kind, "path": self.d.path, "line": line or len(self.lines) + 1}
        entry["target"] = target
        entry.update(extra)
        self.defects.append(entry)

    def planted_prose(self) -> None:
        """Emit the planted broken link, broken anchor, unknown ID and placeholder lines."""
        p, rng, d = self.p, self.rng, self.d
        if "broken-link" in d.planted:
            kind = rng.choice(self.upstream_kinds())
            t = p.docs[p.by_type[kind][rng.randrange(p.counts[kind])]]
            folder = posixpath.dirname(t.path)
            base = posixpath.basename(t.path)
            form = rng.randrange(3)
            if form == 0:  # file renamed: the old slug is gone
                stem = base.split("-", 2 if kind != "ADR" else 1)
                prefix = "-".join(stem[:-1])
                path = f"{folder}/{prefix}-{file_slug(p._title(kind, 2, rng))}-old.md"
            elif form == 1:  # a number that was never written
                num = p.counts[kind] + 1 + rng.randrange(500)
                name = f"{num:0{p.width[kind]}d}" if kind == "ADR" else p.ident(kind, num)
                path = f"{folder}/{name}-draft.md"
            else:  # wrong folder name
                path = f"{posixpath.dirname(folder)}/{FOLDERS[kind]}s/{base}"
            assert path not in p.paths
            dest = p.rel(d, path)
            self.record("broken-link", dest)
            self.add(f"Earlier background is in [{t.title.lower()}]({dest}).", "")
        if "broken-anchor" in d.planted:
            idx = self.any_up()
            if idx < 0:
                idx = p.by_type["PRD"][0] if d.kind != "PRD" or d.num > 1 else -1
            if idx >= 0 and idx != d.idx:
                t = p.docs[idx]
                frag = rng.choice([a for a in BROKEN_ANCHORS if a not in FIXED_SLUGS[t.kind]])
                dest = f"{p.rel(d, t.path)}#{frag}"
                self.record("broken-anchor", dest)
                self.add(
                    f"The {frag.replace('-', ' ')} section of [{t.title}]({dest}) applies.", ""
                )
        if "unknown-id" in d.planted:
            kind = rng.choice(TYPES)
            ident = p.ident(kind, p.counts[kind] + 100 + rng.randrange(900))
            self.record("unknown-id", ident)
            self.add(f"This also resolves the concerns raised in {ident} last quarter.", "")
        if "placeholder" in d.planted and d.kind != "TDD":
            ph = rng.choice(PLACEHOLDERS)
            self.record("placeholder", ph)
            self.add(f"Target completion date: {ph}, owned by {d.author}.", "")

    # -- document types -------------------------------------------------------------------

    def front_matter(self, implements: list[int], depends: list[int]) -> None:
        """YAML front matter for PRDs and RFCs."""
        d, p = self.d, self.p
        self.add(
            "---",
            f"id: {d.ident}",
            f'title: "{d.title}"',
            f"status: {d.status}",
            f"author: {d.author}",
            f"created: {d.created}",
            f"updated: {d.updated}",
        )
        for key, ids in (("implements", implements), ("depends_on", depends)):
            names = [p.docs[i].ident for i in ids]
            if len(names) > 1 and self.rng.random() < 0.3:
                self.add(f"{key}:", *(f"  - {n}" for n in names))
            else:
                self.add(f"{key}: [{', '.join(names)}]")
        if d.supersedes >= 0:
            self.add(f"supersedes: [{p.docs[d.supersedes].ident}]")
        if d.superseded_by >= 0:
            self.add(f"superseded_by: [{p.docs[d.superseded_by].ident}]")
        self.add("---", "")

    def unique_ups(self, kind: str, n: int, first: int = -1) -> list[int]:
        """Up to ``n`` distinct citable upstream documents of ``kind``."""
        out = [first] if first >= 0 else []
        for _ in range(n):
            i = self.up(kind)
            if i >= 0 and i not in out:
                out.append(i)
        return out

    def questions(self, n: int) -> None:
        """Open questions as task items with owners and due dates."""
        rng, d = self.rng, self.d
        base = date.fromisoformat(d.updated)
        for q in range(1, n + 1):
            done = "x" if d.stage >= 2 and rng.random() < 0.7 else " "
            due = base + timedelta(days=rng.randrange(14, 120))
            obj = rng.choice(OBJECTS)
            ask = f"How do we handle {obj} {rng.choice(QUALIFIERS)}".rstrip()
            self.add(
                f"- [{done}] **Question {q}:** {ask}?",
                f"  - **Owner:** {rng.choice(self.p.authors)}",
                f"  - **Due:** {due.isoformat()}",
            )
        self.add("")

    def prd(self) -> None:
        """A product requirements document with YAML front matter."""
        d, rng = self.d, self.rng
        deps = self.unique_ups("PRD", rng.randint(0, 2))
        self.front_matter([], deps)
        self.add(f"# {d.ident}: {d.title}", "", "## Summary", "")
        self.paras(2)
        self.add("## Problem Statement", "")
        self.planted_prose()
        self.paras(2)
        self.para(self.external())
        self.add("## Goals", "")
        self.add(*(f"- {rng.choice(self.p.sentences)}" for _ in range(3)), "")
        self.add("## Non-Goals", "")
        self.add(*(f"- {rng.choice(self.p.sentences)}" for _ in range(2)), "")
        self.add("## User Stories", "")
        for _ in range(4):
            self.add(
                f"- As one of the {rng.choice(AUDIENCE)}, I want {rng.choice(FEATURES).lower()} "
                f"so that {rng.choice(OBJECTS)} stop hurting me {rng.choice(QUALIFIERS)}."
            )
        self.add("", "## Requirements", "", "### Functional Requirements", "")
        self.add("| ID | Requirement | Priority |", "|----|-------------|----------|")
        for i in range(1, 6):
            self.add(f"| FR-{i} | {rng.choice(self.p.sentences)} | P{rng.randrange(3)} |")
        self.add("", "### Non-Functional Requirements", "")
        self.add(*(f"- {rng.choice(self.p.sentences)}" for _ in range(3)), "")
        self.add("## Success Metrics", "")
        self.paras(1)
        self.para(self.anchor_link_sentence())
        self.add("## Release Plan", "")
        self.paras(2)
        self.para(self.anchor_link_sentence())
        self.add("## Dependencies", "")
        for i in deps:
            self.add(f"- {self.link(i)}")
        g = self.guide_link() if self.linkable else ""
        self.add(f"- {g or 'No upstream product dependencies.'}", "")
        self.add("## Open Questions", "")
        self.questions(rng.randint(1, 3))
        self.add("## Appendix", "")
        self.add(f"- Research notes: {self.external()}", f"- Competitor review: {self.external()}")
        self.add(f"- Mock-ups: {self.image()}", "")

    def rfc(self) -> None:
        """A proposal with YAML front matter."""
        d, rng, p = self.d, self.rng, self.p
        impl = self.unique_ups("PRD", rng.randint(0, 1), d.primary["PRD"] if self.linkable else -1)
        deps = self.unique_ups("RFC", rng.randint(0, 2))
        self.front_matter(impl, deps)
        self.add(f"# {d.ident}: {d.title}", "", "## Summary", "")
        self.paras(2)
        self.add("## Motivation", "")
        self.planted_prose()
        if impl:
            prd = impl[0]
            self.add(
                f"The product need is described in {self.link(prd, 'goals', p.docs[prd].ident)}"
                f" (see its [success metrics]({p.rel(d, p.docs[prd].path)}#success-metrics)).",
                "",
            )
        self.paras(2)
        self.add("## Proposal", "", "### Architecture", "")
        self.paras(2)
        self.add(self.image(), "")
        self.add("### Interfaces", "")
        self.paras(1)
        self.add(
            "```protobuf",
            f"service {rng.choice(NOUNS)}{rng.choice(PARTS).replace(' ', '')} {{",
            "  rpc Get(GetRequest) returns (GetResponse);",
            "  rpc List(ListRequest) returns (stream ListResponse);",
            "}",
            "```",
            "",
        )
        self.add("### Data Model", "")
        self.paras(2)
        self.code_decoy()
        self.add("## Drawbacks", "")
        self.paras(1)
        self.add("## Alternatives", "")
        for k in (1, 2):
            self.add(f"### Alternative {k}: {rng.choice(TECH)}", "")
            self.paras(1)
        self.add("## Rollout Plan", "")
        self.paras(1)
        self.para(self.anchor_link_sentence())
        self.add("See [Alternatives](#alternatives) for what we ruled out.", "")
        self.add("## Open Questions", "")
        self.questions(rng.randint(1, 3))
        self.add("## References", "")
        refs: list[str] = []
        for i in impl + deps:
            t = p.docs[i]
            label = t.ident.lower()
            self.add(f"- [{t.ident}: {t.title}][{label}]")
            refs.append(f"[{label}]: {p.rel(d, t.path)}")
        self.add(f"- {self.external()}", f"- <https://example.com/rfcs/{d.num}>", "")
        if refs:
            self.add(*refs, "")

    def adr(self) -> None:
        """A Nygard-style architecture decision record."""
        d, rng, p = self.d, self.rng, self.p
        self.add(f"# {d.num}. {d.title}", "", f"Date: {d.created}", "")
        self.add(f"Deciders: {d.author}, {rng.choice(p.authors)}", "", "## Status", "")
        if d.superseded_by >= 0:
            self.add(
                f"Superseded by {self.link(d.superseded_by, text=p.docs[d.superseded_by].ident)}"
            )
        else:
            self.add(d.status)
        self.add("")
        if d.supersedes >= 0:
            old = p.docs[d.supersedes]
            if d.mismatch:
                self.record("supersession-mismatch", old.ident, target_path=old.path)
            self.add(f"Supersedes {self.link(d.supersedes, text=old.ident)}", "")
        self.add("## Context", "")
        self.planted_prose()
        if self.linkable:
            rfc = d.primary["RFC"]
            self.add(f"This decision implements {self.link(rfc)}.", "")
            rfc_path = p.rel(d, p.docs[rfc].path)
            self.add(
                f"The forces at play are listed in its [motivation]({rfc_path}#motivation).", ""
            )
        self.paras(2)
        for i in self.unique_ups("ADR", rng.randint(1, 3)):
            self.para(f"It builds on {self.link(i, text=p.docs[i].ident)}.")
        self.add("## Decision", "")
        self.paras(2)
        if rng.random() < 0.4:
            self.add(self.image(), "")
        self.para(self.external())
        self.add("## Consequences", "")
        self.paras(1)
        self.para(self.anchor_link_sentence())
        for _ in range(3):
            self.add(f"- {rng.choice(p.sentences)}")
        follow = self.up("RFC")
        if follow >= 0:
            self.add(f"- Follow-up work is tracked in {p.docs[follow].ident}.")
        self.add("")

    def tdd(self) -> None:
        """A technical design document that follows the TDD template."""
        d, rng, p = self.d, self.rng, self.p
        res = rng.choice(NOUNS).lower() + "s"
        self.add(f"# Technical Design Document (TDD): {d.title}", "")
        self.add("<!-- LLM: TDDs provide detailed technical design before implementation. -->", "")
        self.add(
            f"**Status:** {d.status}",
            f"**Author:** {d.author}",
            f"**Created:** {d.created}",
            f"**Last Updated:** {d.updated}",
            "",
            "**Related Documents:**",
        )
        if self.linkable:
            adrs = self.unique_ups("ADR", rng.randint(0, 2), d.primary["ADR"])
            self.add(f"- PRD: {self.link(d.primary['PRD'])}")
            self.add(f"- RFC: {self.link(d.primary['RFC'])}")
            self.add("- ADRs: " + ", ".join(self.link(i, text=p.docs[i].ident) for i in adrs))
        else:
            self.add("- PRD: none (internal tooling)", "- RFC: none", "- ADRs: none")
        self.add("", "---", "", "## Overview", "", "### Problem Statement", "")
        self.planted_prose()
        self.paras(2)
        self.add("### Proposed Solution", "")
        self.paras(1)
        self.add("### Goals", "")
        self.add(*(f"- {rng.choice(p.sentences)}" for _ in range(3)), "")
        self.add("### Non-Goals", "", f"- {rng.choice(p.sentences)}", "", "---", "")
        self.add("## System Architecture", "", "### High-Level Design", "", self.image(), "")
        self.add(
            "```",
            "┌─────────────┐",
            "│   Client    │",
            "└──────┬──────┘",
            "       │ HTTPS",
            "┌──────▼──────┐",
            "│     API     │",
            "│   Gateway   │",
            "└──────┬──────┘",
            "       │",
            "┌──────▼──────────┐",
            "│   Service Layer │",
            "└──────┬──────────┘",
            "       │",
            "┌──────▼──────┐",
            "│  Database   │",
            "└─────────────┘",
            "```",
            "",
            "### Component Descriptions",
            "",
        )
        for k in range(1, d.ncomp + 1):
            name = f"{rng.choice(NOUNS)} {rng.choice(PARTS)}"
            self.add(
                f"#### Component {k}: {name}",
                f"**Responsibility:** {rng.choice(p.sentences)}",
                f"**Technology:** {rng.choice(TECH)}",
                f"**Interfaces:** gRPC and REST under `/api/v1/{res}`",
                f"**Dependencies:** {rng.choice(TECH)}, {rng.choice(TECH)}",
                "",
                "##### Notes",
                "",
            )
            self.paras(1)
        self.add("---", "", "## API Design", "", "### New Endpoints", "")
        self.add(
            f"#### POST /api/v1/{res}",
            f"**Description:** Creates one of the {res} for the calling tenant.",
            "",
            "**Request:**",
            "```json",
            '{ "name": "string", "quota": 123 }',
            "```",
            "",
            "**Response (Success - 200):**",
            "```json",
            '{ "id": "uuid", "name": "string", "created_at": "2024-03-20T10:00:00Z" }',
            "```",
            "",
            "**Authentication:** Required (Bearer token)",
            f"**Rate Limiting:** {rng.choice((50, 100, 500))} requests/minute per user",
            "**Validation:** name is 1-255 characters; quota is positive.",
            "",
            "### Modified Endpoints",
            "",
            f"- `GET /api/v1/{res}` gains a `cursor` parameter. {self.mention()}".rstrip(),
            "",
        )
        self.add("### Breaking Changes", "", "None for existing v1 clients.", "", "---", "")
        self.add("## Data Model", "", "### Database Schema", "", "#### New Tables", "")
        self.add(
            f"**Table: `{res}`**",
            "```sql",
            f"CREATE TABLE {res} (",
            "  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),",
            "  tenant_id UUID NOT NULL REFERENCES tenants(id),",
            "  name VARCHAR(255) NOT NULL,",
            "  created_at TIMESTAMP NOT NULL DEFAULT NOW()",
            ");",
            "```",
            "",
            "#### Modified Tables",
            "",
            "No existing tables change.",
            "",
            "### Data Flow",
            "",
        )
        self.paras(1)
        self.code_decoy()
        self.add("---", "", "## Security Considerations", "")
        for h in ("Authentication & Authorization", "Data Protection", "Input Validation"):
            self.add(
                f"### {h}", "", f"- {rng.choice(p.sentences)}", f"- {rng.choice(p.sentences)}", ""
            )
        self.add("### Rate Limiting", "", f"- {rng.choice(p.sentences)}", "", "---", "")
        self.add("## Performance", "", "### Expected Load", "")
        self.add(
            f"- {rng.randrange(50, 5000)} requests per second at peak",
            f"- {rng.randrange(1, 900)} GB of data per month",
            "",
            "### Performance Targets",
            "",
            f"- API response time: < {rng.choice((100, 200, 250))}ms at p95",
            f"- Database query time: < {rng.choice((10, 20, 50))}ms",
            "",
            "### Optimization Strategies",
            "",
        )
        self.paras(1)
        self.add(
            "### Load Testing Plan",
            "",
            f"- {rng.choice(p.sentences)} {self.mention()}".rstrip(),
            "",
        )
        self.add("---", "", "## Scalability", "", "### Horizontal Scaling", "")
        self.paras(1)
        self.add("### Database Scaling", "", f"- {rng.choice(p.sentences)}", "")
        self.add(
            "### Caching Strategy",
            "",
            f"- **What to cache:** {res} by id",
            f"- **Cache TTL:** {rng.choice((30, 60, 300))} seconds",
            "- **Cache invalidation:** on write, through the outbox",
            "",
            "---",
            "",
            "## Monitoring & Observability",
            "",
            "### Metrics to Track",
            "",
            "- Request rate",
            "- Error rate",
            "- Latency (p50, p95, p99)",
            "",
            "### Logging",
            "",
            f"- {rng.choice(p.sentences)}",
            "",
            "### Alerts",
            "",
            "- Error rate > 1% → Page on-call",
            "- Latency p95 > 500ms → Warning alert",
            "",
            "### Dashboards",
            "",
        )
        self.para(f"Dashboards follow {self.external()}.")
        self.add("---", "", "## Error Handling", "", "### Error Scenarios", "")
        for k in (1, 2):
            self.add(
                f"#### Scenario {k}: {rng.choice(OBJECTS).capitalize()}",
                f"**Trigger:** {rng.choice(p.sentences)}",
                "**User Impact:** API returns 503 Service Unavailable",
                "**Handling:** Circuit breaker pattern, fail fast",
                "**Recovery:** Automatic retry with exponential backoff",
                "",
            )
        self.add("---", "", "## Testing Strategy", "")
        for h in ("Unit Tests", "Integration Tests", "Performance Tests", "Security Tests"):
            self.add(f"### {h}", "", f"- {rng.choice(p.sentences)}", "")
        self.add("---", "", "## Deployment Plan", "")
        for h in (
            "Phase 1: Development & Testing",
            "Phase 2: Staging",
            "Phase 3: Production Rollout",
        ):
            self.add(
                f"### {h}", "", "1. Deploy behind a feature flag", "2. Watch the dashboards", ""
            )
        self.add("### Rollback Plan", "", "- Feature flag: instant rollback (disable flag)", "")
        self.add("---", "", "## Migration & Backward Compatibility", "", "### Data Migration", "")
        self.paras(1)
        self.add(
            "### API Versioning",
            "",
            "v1 stays compatible; see [Rollback Plan](#rollback-plan).",
            "",
        )
        self.add(
            "---", "", "## Dependencies", "", "### Upstream Dependencies (Must exist first)", ""
        )
        for i in self.unique_ups("TDD", rng.randint(1, 3)) + self.unique_ups("ADR", 1):
            self.add(f"- {self.link(i)}")
        self.add(f"- {rng.choice(TECH)} cluster operated by the platform team", "")
        self.add("### Downstream Impact (Who depends on this)", "")
        later = [] if not self.linkable else [p.pick(rng, d, "TDD", later=True) for _ in range(2)]
        for i in dict.fromkeys(x for x in later if x >= 0):
            self.add(f"- {self.link(i)}")
        self.add(f"- {rng.choice(NOUNS)} reporting jobs", "", "### Third-Party Services", "")
        self.add(f"- Status page: {self.external()}", "", "---", "")
        self.add("## Risks & Mitigations", "")
        self.add(
            "| Risk | Likelihood | Impact | Mitigation |",
            "|------|------------|--------|------------|",
            "| Database performance degradation | Medium | High | Index optimization, caching |",
            "| Third-party API downtime | Low | Medium | Circuit breaker, fallback behavior |",
            "",
        )
        self.para(f"{self.anchor_link_sentence()} {self.mention()}".strip())
        self.add("---", "", "## Open Questions", "")
        self.questions(rng.randint(1, 3))
        self.add("---", "", "## Timeline", "", "| Milestone | Date | Owner |")
        self.add("|-----------|------|-------|")
        day = date.fromisoformat(d.created)
        for k, (m, owner) in enumerate(
            (("Design approved", "Eng Lead"), ("Implementation complete", "Team"),
             ("QA complete", "QA"), ("Production deploy", "DevOps"))
        ):  # fmt: skip
            when = (day + timedelta(days=30 * (k + 1))).isoformat()
            if k == 2 and "placeholder" in d.planted:
                when = rng.choice(("[Date]", "[Date]", "[Name]"))
                self.record("placeholder", when)
            self.add(f"| {m} | {when} | {owner} |")
        self.add("", "---", "", "## Approval", "")
        ok = day + timedelta(days=30)
        for role in ("Engineering Lead", "Architect", "Security Review"):
            if d.stage >= 2:
                self.add(f"**{role}:** {rng.choice(p.authors)} - {ok.isoformat()}")
            else:
                self.add(f"**{role}:** {rng.choice(p.authors)} - pending")
        self.add("", "---", "")

    def plain(self) -> None:
        """A README index or a guide (untyped document)."""
        d, rng, p = self.d, self.rng, self.p
        self.add(f"# {d.title}", "")
        self.paras(1)
        if d.idx == p.root_readme:
            self.add("## Teams", "")
            for i in p.team_readme:
                self.add(f"- {self.link(i)} (`/{p.docs[i].path}`)")
            self.add("", "## Start here", "")
            for kind in TYPES:
                i = p.by_type[kind][0]
                self.add(f"- [{p.docs[i].ident}](/{p.docs[i].path}) — the first {kind}")
            self.add("")
            return
        if d.idx in p.team_readme:
            titles = {
                "PRD": "Requirements",
                "RFC": "Proposals",
                "ADR": "Decisions",
                "TDD": "Designs",
            }
            for kind in TYPES:
                self.add(f"## {titles[kind]}", "")
                lst = p.team_type.get((d.team, kind), [])
                shown = [i for i in lst[-8:] if p.citable(i)]
                for i in shown:
                    self.add(f"- {self.link(i)} — {p.docs[i].status}")
                self.add("")
            self.add("## Guides", "")
            for gi in [g for g in p.guides if p.docs[g].team == d.team][:10]:
                self.add(f"- {self.link(gi)}")
            self.add("", "## Diagrams", "", self.image(), "")
            return
        for section in ("Why", "How it works", "Examples", "See also"):
            self.add(f"## {section}", "")
            self.paras(2)
            i = self.p.pick(rng, d, rng.choice(TYPES))
            if i >= 0:
                t = p.docs[i]
                form = rng.randrange(3)
                if form == 0:
                    self.para(f"Background: {self.link(i)}.")
                elif form == 1:
                    self.para(f"Background: [[{t.ident}]].")
                else:
                    self.para(f"Background: [{t.ident}](/{t.path}).")
            self.para(self.external())
        self.code_decoy()

    def render(self) -> str:
        """The whole document text."""
        getattr(self, self.d.kind.lower() if self.d.kind != "DOC" else "plain")()
        return "\n".join(self.lines) + "\n"


def svg(name: str) -> str:
    """A tiny SVG diagram placeholder."""
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40">'
        f'<rect width="120" height="40" fill="#eee"/><text x="4" y="24">{name}</text></svg>\n'
    )


def generate(n_docs: int, out: Path, seed: int, broken_links: int | None = None) -> dict[str, Any]:
    """Write the corpus under ``out`` and return the manifest (``broken_links``: how many
    documents get a broken link, instead of 1%)."""
    plan = Plan(n_docs, seed, broken_links)
    made: set[str] = set()
    total = 0
    defects: list[dict[str, Any]] = []
    for d in plan.docs:
        w = Writer(plan, d)
        text = w.render().encode("utf-8")
        defects.extend(w.defects)
        if d.orphan:
            defects.append({"kind": "orphan", "path": d.path, "line": 1, "target": d.ident})
            if d.kind in ("PRD", "RFC") and d.stage > 0:  # drafts need no coverage yet
                defects.append({"kind": "uncovered", "path": d.path, "line": 1, "target": d.ident})
        folder = out / d.dir if d.dir else out
        if d.dir not in made:
            folder.mkdir(parents=True, exist_ok=True)
            made.add(d.dir)
        with open(out / d.path, "wb") as f:
            f.write(text)
        total += len(text)
    n_art = 0
    for t in range(plan.n_teams):
        for a in plan.artifacts[t]:
            adir = posixpath.dirname(a)
            if adir not in made:
                (out / adir).mkdir(parents=True, exist_ok=True)
                made.add(adir)
            if a.endswith(".png"):
                (out / a).write_bytes(PNG)
            else:
                (out / a).write_text(svg(posixpath.basename(a)), encoding="utf-8")
            n_art += 1
    defects.sort(key=lambda e: (e["path"], e["line"], e["kind"]))
    planted = {k: sum(1 for e in defects if e["kind"] == k) for k in KINDS}
    return {
        "version": 1,
        "generator": "bench/generate.py",
        "seed": seed,
        "broken_links": broken_links,
        "documents": n_docs,
        "types": {**plan.counts, "DOC": n_docs - sum(plan.counts.values())},
        "teams": plan.n_teams,
        "artifacts": n_art,
        "markdown_bytes": total,
        "planted": planted,
        "defects": defects,
    }


def git_init(out: Path, commit: bool) -> None:
    """Make the corpus its own git work tree (and commit it, deterministically, if asked).

    ``bench/corpora/`` is git-ignored here, so a crawl that lists files with git would find
    nothing in a corpus that is not a repository of its own.
    """
    if shutil.which("git") is None:
        print("git not found: the corpus is not a git work tree", file=sys.stderr)
        return
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "bench",
        "GIT_AUTHOR_EMAIL": "bench@example.com",
        "GIT_COMMITTER_NAME": "bench",
        "GIT_COMMITTER_EMAIL": "bench@example.com",
        "GIT_AUTHOR_DATE": "2026-01-01T00:00:00Z",
        "GIT_COMMITTER_DATE": "2026-01-01T00:00:00Z",
    }
    cmds = [["init", "-q", "-b", "main"]]
    if commit:
        cmds += [["add", "-A"], ["commit", "-q", "--no-gpg-sign", "-m", "corpus"]]
    for cmd in cmds:
        subprocess.run(["git", "-C", str(out), *cmd], check=True, env=env)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--docs", type=int, default=1000, help="number of Markdown documents")
    ap.add_argument("--out", type=Path, required=True, help="corpus folder (under bench/corpora/)")
    ap.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    ap.add_argument("--force", action="store_true", help="replace an existing generated corpus")
    ap.add_argument("--no-git", action="store_true", help="do not make the corpus a git work tree")
    ap.add_argument("--git-commit", action="store_true", help="also commit the corpus (one commit)")
    ap.add_argument(
        "--broken-links",
        type=int,
        metavar="N",
        help="plant N broken links (default: 1%% of the documents), for the suggestion cost",
    )
    args = ap.parse_args(argv)
    if args.docs < 40:
        ap.error("--docs must be at least 40")
    out: Path = args.out
    manifest_path = out.parent / f"{out.name}.manifest.json"
    if out.exists() and any(out.iterdir()):
        if not args.force:
            ap.error(f"{out} exists and is not empty (use --force to replace it)")
        if not manifest_path.exists():
            ap.error(f"{out} has no {manifest_path.name}: not a generated corpus, not removing it")
        shutil.rmtree(out)
    start = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    manifest = generate(args.docs, out, args.seed, args.broken_links)
    manifest_path.write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    if not args.no_git:
        git_init(out, args.git_commit)
    took = time.perf_counter() - start
    mb = manifest["markdown_bytes"] / 1e6
    print(
        f"{args.docs} documents ({mb:.1f} MB Markdown, {manifest['artifacts']} artifacts, "
        f"{len(manifest['defects'])} planted defects) in {out} in {took:.1f}s; "
        f"manifest: {manifest_path}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
