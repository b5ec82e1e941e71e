"""The report as JSON: stable keys (documented in the README), sorted, version 1.

Top-level keys: ``version``, ``root``, ``generated_at``, ``today``, ``commit``, ``score``
(``value``, ``formula``, ``previous``, ``delta``), ``figures``, ``changes`` (null on a first
run), ``coverage``, ``uncovered_prds``, ``longest_chains``, ``hot_spots``, ``islands``,
``suspect`` (``note``, ``links``), ``findings``, ``by_rule``, ``by_document``, ``documents``,
``trend``, ``notes`` (``map``, ``history``). Documents are named by ``path`` plus ``name`` (the
ID, or the path).
"""

from __future__ import annotations

import json
from typing import Any

from ..generated import json_head
from ..model import Finding
from ..output import suspect_dict
from .links import LinkContext
from .model import HealthReport, PastFinding

JSON_VERSION = 1

#: Documents listed per PRD under ``coverage`` (nearest first); ``count`` has them all.
MAX_COVERAGE_CHAIN = 500


def finding_json(
    finding: Finding | PastFinding, links: LinkContext | None = None
) -> dict[str, Any]:
    """One finding in the ``check --format json`` shape, plus ``href`` when links are known."""
    out: dict[str, Any] = {
        "code": finding.code,
        "rule": finding.rule,
        "severity": str(finding.severity),
        "path": finding.path,
        "line": finding.line,
        "column": finding.column,
        "message": finding.message,
    }
    if isinstance(finding, Finding):
        if finding.target is not None:
            out["target"] = finding.target
        if finding.document is not None:
            out["document"] = finding.document
        if finding.suspect is not None:
            out["suspect"] = suspect_dict(finding.suspect)
    if links is not None:
        out["href"] = links.href(finding.path, finding.line)
    return out


def report_data(report: HealthReport, links: LinkContext | None = None) -> dict[str, Any]:
    """The report as plain data (also the input of the Markdown and HTML layouts' tests)."""
    fig = report.figures
    changes = report.changes
    name = report.name
    return {
        **json_head(JSON_VERSION),
        "root": report.root,
        "generated_at": report.generated_at,
        "today": report.today,
        "commit": report.commit,
        "score": {
            "value": fig.score,
            "formula": report.formula,
            "previous": changes.previous_score if changes else None,
            "delta": changes.score_delta if changes else None,
        },
        "figures": {
            "documents": fig.documents,
            "by_type": dict(fig.by_type),
            "by_status": {t: dict(s) for t, s in fig.by_status},
            "references": fig.references,
            "edges": fig.edges,
            "findings": {"error": fig.errors, "warning": fig.warnings, "info": fig.infos},
            "orphans": fig.orphans,
            "broken_references": fig.broken_references,
            "cycles": fig.cycles,
            "stale": fig.stale,
            "suspect_links": fig.suspect_links,
        },
        "changes": None
        if changes is None
        else {
            "previous_run_at": changes.previous_run_at,
            "previous_commit": changes.previous_commit,
            "score_delta": changes.score_delta,
            "new_findings": [finding_json(f, links) for f in changes.new_findings],
            "resolved_findings": [finding_json(f) for f in changes.resolved_findings],
            "new_documents": list(changes.new_documents)
            if changes.new_documents is not None
            else None,
            "removed_documents": list(changes.removed_documents)
            if changes.removed_documents is not None
            else None,
        },
        "coverage": [
            {
                "prd": c.prd,
                "name": name(c.prd),
                "count": len(c.chain),
                "chain": [
                    {"path": p, "name": name(p), "depth": d}
                    for p, d in c.chain[:MAX_COVERAGE_CHAIN]
                ],
                "truncated": len(c.chain) > MAX_COVERAGE_CHAIN,
            }
            for c in report.coverage
        ],
        "uncovered_prds": list(report.uncovered_prds),
        "longest_chains": [
            [{"path": p, "name": name(p)} for p in c] for c in report.longest_chains
        ],
        "hot_spots": [
            {
                "path": r.path,
                "name": r.name,
                "depended_on_by": r.depended_on_by,
                "downstream": r.downstream,
            }
            for r in report.hot_spots
        ],
        "islands": [list(island) for island in report.islands],
        "suspect": {
            "note": report.suspect_note,
            "links": [
                {
                    "document": r.document,
                    "path": r.path,
                    "line": r.line,
                    "upstream": {"id": r.upstream_name, "path": r.upstream},
                    "commits": r.commits,
                    "review": {
                        "commit": r.review_commit,
                        "date": r.review_date,
                        "kind": r.review_kind,
                    },
                    "how": list(r.how),
                    **({"href": links.href(r.path, r.line)} if links is not None else {}),
                }
                for r in report.suspect
            ],
        },
        "findings": [finding_json(f, links) for f in report.findings],
        "by_rule": {g.key: len(g.findings) for g in report.by_rule},
        "by_document": {g.key: len(g.findings) for g in report.by_document},
        "documents": [
            {
                "path": r.path,
                "name": r.name,
                "type": r.type,
                "status": r.status,
                "title": r.title,
                "findings": {"error": r.errors, "warning": r.warnings, "info": r.infos},
                "score": r.score,
                "depended_on_by": r.depended_on_by,
                "downstream": r.downstream,
            }
            for r in report.documents
        ],
        "trend": [
            {
                "run_at": p.run_at,
                "commit": p.commit,
                "score": p.score,
                "findings": {"error": p.errors, "warning": p.warnings, "info": p.infos},
                "suspect_links": p.suspect_links,
            }
            for p in report.trend
        ],
        "notes": {"map": report.map_note, "history": report.history_note},
        "architecture": _architecture_data(report),
    }


def _architecture_data(report: HealthReport) -> dict[str, Any] | None:
    """The architecture section as data (None when no document describes the system)."""
    section = report.architecture
    if section is None:
        return None
    return {
        "counts": dict(section.counts),
        "documents": list(section.documents),
        "findings": section.findings,
        "entities": [
            {
                "id": row.key,
                "kind": row.kind,
                "name": row.name,
                "state": row.state,
                "detail": row.detail,
                "sources": [
                    {"path": path, "name": report.name(path), "line": line}
                    for path, line in row.sources
                ],
            }
            for row in section.entities
        ],
        "note": section.note,
    }


def render_json(report: HealthReport, links: LinkContext | None = None) -> str:
    """The JSON text (two-space indent, trailing newline)."""
    return json.dumps(report_data(report, links), indent=2, ensure_ascii=False) + "\n"
