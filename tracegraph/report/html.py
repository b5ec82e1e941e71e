"""The report as one self-contained HTML page (inline CSS, a small inline script, no network).

Safety: the template is rendered by jinja2 with autoescape on, so every string taken from a
document is escaped; hrefs come only from ``LinkContext`` (relative paths or the user's http(s)
``--link-base``) and are checked again here; the map's SVG (from Graphviz) is cleaned of scripts,
event handlers and non-http(s) links; the graph's adjacency is embedded as JSON with ``<``, ``>``
and ``&`` written as ``\\u003c``-style escapes, so a title holding ``</script>`` stays data. A
Content-Security-Policy allows only the page's own script (by its SHA-256 hash) and no network.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import jinja2
from markupsafe import Markup

from ..generated import HTML_COMMENT
from ..model import Finding, Severity
from .links import LinkContext, is_safe_href
from .model import HealthReport, PastFinding, type_rank
from .trend import trend_svg

TEMPLATES = Path(__file__).parent / "templates"
SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
_JSON_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}
SEVERITY_ORDER = {"error": 3, "warning": 2, "info": 1}
GRAPHVIZ_HINT = (
    "The map needs Graphviz (the 'dot' program). Install it (Debian/Ubuntu: "
    "sudo apt-get install graphviz; macOS: brew install graphviz; Windows: winget install "
    "graphviz) and run tracegraph report again."
)


def script_json(data: Any) -> str:
    """JSON that is safe inside a ``<script type="application/json">`` element.

    >>> script_json({"t": "</script><b>&"})
    '{"t": "\\\\u003c/script\\\\u003e\\\\u003cb\\\\u003e\\\\u0026"}'
    """
    text = json.dumps(data, ensure_ascii=False, sort_keys=True)
    return re.sub("[<>&\u2028\u2029]", lambda m: _JSON_ESCAPES[m.group(0)], text)


def safe_href(href: str | None) -> str:
    """``href`` when it is relative or http(s), else ``#`` (never ``javascript:``/``data:``)."""
    return href if href and is_safe_href(href) else "#"


def clean_svg(svg: str, label: str = "Map of the documents", css: str = "map-svg") -> str:
    """The Graphviz SVG without XML prolog, comments, scripts, event handlers or unsafe links,
    sized by its viewBox so CSS can scale it."""
    ET.register_namespace("", SVG_NS)
    ET.register_namespace("xlink", XLINK_NS)
    try:
        root = ET.fromstring(svg.encode("utf-8"))
    except ET.ParseError:
        return ""
    for parent in list(root.iter()):
        for child in list(parent):
            tag = child.tag.rsplit("}", 1)[-1].lower()
            if tag in ("script", "foreignobject", "iframe", "object", "embed"):
                parent.remove(child)
    for element in root.iter():
        for name in list(element.attrib):
            local = name.rsplit("}", 1)[-1].lower()
            unsafe = local == "href" and not is_safe_href(element.attrib[name])
            if local.startswith("on") or unsafe:
                del element.attrib[name]
    for size in ("width", "height"):
        root.attrib.pop(size, None)
    root.set("class", css)
    root.set("role", "img")
    root.set("aria-label", label)
    return ET.tostring(root, encoding="unicode")


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _finding_view(
    finding: Finding | PastFinding, names: Mapping[str, str], links: LinkContext
) -> dict[str, Any]:
    severity = str(Severity(finding.severity).value)
    return {
        "severity": severity,
        "rank": SEVERITY_ORDER[severity],
        "code": finding.code,
        "rule": finding.rule,
        "path": finding.path,
        "name": names.get(finding.path, finding.path),
        "line": finding.line,
        "column": finding.column,
        "message": finding.message,
        "href": safe_href(links.href(finding.path, finding.line)),
    }


def _grade(score: float) -> str:
    if score >= 90:
        return "good"
    if score >= 70:
        return "fair"
    return "poor"


def html_view(report: HealthReport, links: LinkContext) -> dict[str, Any]:
    """Everything the template shows, with hrefs computed and checked."""
    names = {row.path: row.name for row in report.documents}
    doc_href = {row.path: safe_href(links.href(row.path)) for row in report.documents}
    fig = report.figures
    changes = report.changes
    types = {row.path: row.type for row in report.documents}

    def doc(path: str) -> dict[str, Any]:
        return {
            "path": path,
            "name": names.get(path, path),
            "type": types.get(path, ""),
            "href": doc_href.get(path) or safe_href(links.href(path)),
        }

    slugs = dict(report.map_slugs)
    nodes = {
        row.path: {
            "name": row.name,
            "title": row.title,
            "type": row.type,
            "status": row.status or "no status",
            "href": doc_href[row.path],
            "up": list(row.upstream),
            "down": list(row.dependents),
            "errors": row.errors,
            "warnings": row.warnings,
            "infos": row.infos,
            "slug": slugs.get(row.path, ""),
        }
        for row in report.documents
    }
    # Only the map's script reads this: without a map it is empty, with one it holds the drawn
    # documents (a 10k-document repository has no map and must not embed its whole graph).
    drawn = {path: node for path, node in nodes.items() if node["slug"]} if report.map_svg else {}
    data = {"nodes": drawn, "edges": [list(e) for e in report.map_edges] if drawn else []}
    statuses = dict(fig.by_status)
    return {
        "report": report,
        "fig": fig,
        "grade": _grade(fig.score),
        "changes": changes,
        "new_findings": [_finding_view(f, names, links) for f in changes.new_findings]
        if changes
        else [],
        "resolved_findings": [_finding_view(f, names, links) for f in changes.resolved_findings]
        if changes
        else [],
        "new_documents": [doc(p) for p in (changes.new_documents or ())] if changes else [],
        "removed_documents": list(changes.removed_documents or ()) if changes else [],
        "findings": [_finding_view(f, names, links) for f in report.findings],
        "by_rule": [
            {
                "code": g.key,
                "rule": g.findings[0].rule,
                "severity": str(Severity(g.findings[0].severity).value),
                "count": len(g.findings),
            }
            for g in report.by_rule
        ],
        "by_document": [
            {
                **doc(g.key),
                "errors": sum(1 for f in g.findings if f.severity == Severity.ERROR),
                "warnings": sum(1 for f in g.findings if f.severity == Severity.WARNING),
                "infos": sum(1 for f in g.findings if f.severity == Severity.INFO),
                "total": len(g.findings),
            }
            for g in report.by_document
        ],
        "types": [
            {"type": t, "count": n, "statuses": list(statuses.get(t, ()))} for t, n in fig.by_type
        ],
        "coverage": [_coverage_view(c.prd, c.chain, doc) for c in report.coverage],
        "uncovered": [doc(p) for p in report.uncovered_prds],
        "chains": [[doc(p) for p in chain] for chain in report.longest_chains],
        "hot_spots": [doc(r.path) | {"row": r} for r in report.hot_spots],
        "islands": [[doc(p) for p in island] for island in report.islands],
        "documents": [{**doc(r.path), "row": r} for r in report.documents],
        "suspect": [
            {
                "document": r.document,
                "href": safe_href(links.href(r.path, r.line)),
                "line": r.line,
                "upstream": doc(r.upstream),
                "commits": r.commits,
                "review": f"{r.review_commit[:7]}, {r.review_date} ({r.review_kind})",
                "review_commit": r.review_commit,
                "how": ", ".join(r.how),
            }
            for r in report.suspect
        ],
        "trend_svg": Markup(trend_svg(report.trend)),
        "trend": report.trend,
        "map_svg": Markup(clean_svg(report.map_svg)) if report.map_svg else None,
        "map_note": report.map_note,
        "data_json": Markup(script_json(data)),
        "architecture": _architecture_view(report, links, doc),
    }


def _architecture_view(report: HealthReport, links: LinkContext, doc: Any) -> dict[str, Any] | None:
    """The architecture section: its map, and the entities with links to where each is
    designed (at the line)."""
    section = report.architecture
    if section is None:
        return None
    rows: list[dict[str, Any]] = [
        {
            "row": row,
            "sources": [
                doc(path) | {"href": safe_href(links.href(path, line)), "line": line}
                for path, line in row.sources
            ],
        }
        for row in section.entities
    ]
    svg = section.svg
    return {
        "section": section,
        "counts": ", ".join(f"{n} {k}{'s' if n != 1 else ''}" for k, n in section.counts if n),
        "documents": [doc(path) for path in section.documents],
        "components": [r for r in rows if r["row"].kind == "component"],
        "others": [r for r in rows if r["row"].kind != "component"],
        "svg": Markup(clean_svg(svg, "Architecture map", "arch-svg")) if svg else None,
    }


#: Chips shown per PRD in the coverage table; the rest is counted ("… 7,560 more").
COVERAGE_CHIPS = 40


def _coverage_view(prd: str, chain: tuple[tuple[str, int], ...], doc: Any) -> dict[str, Any]:
    items = sorted(
        (doc(p) | {"depth": d} for p, d in chain),
        key=lambda item: (type_rank(item["type"]), item["depth"], item["name"]),
    )
    per_type: dict[str, int] = {}
    for item in items:
        per_type[item["type"]] = per_type.get(item["type"], 0) + 1
    return {
        "prd": doc(prd),
        "count": len(items),
        "per_type": ", ".join(f"{t} {n}" for t, n in per_type.items()),
        "chain": items[:COVERAGE_CHIPS],
        "more": max(0, len(items) - COVERAGE_CHIPS),
    }


def render_html(report: HealthReport, links: LinkContext) -> str:
    """The HTML page."""
    env = _environment()
    script = (TEMPLATES / "report.js").read_text(encoding="utf-8")
    style = (TEMPLATES / "report.css").read_text(encoding="utf-8")
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    view = html_view(report, links)
    view["script"] = Markup(script)
    view["style"] = Markup(style)
    view["marker"] = Markup(HTML_COMMENT)
    view["csp"] = (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
        f"script-src 'sha256-{digest}'; base-uri 'none'; form-action 'none'"
    )
    return env.get_template("report.html.j2").render(view)
