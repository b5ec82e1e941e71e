"""SARIF 2.1.0 output, with rule metadata so GitHub code scanning can show each rule's help."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from .. import HOMEPAGE, __version__
from ..generated import GENERATOR, GENERATOR_KEY
from ..model import Severity
from . import CheckResult, Formatter, clean, suspect_dict

if TYPE_CHECKING:
    import hashlib
else:
    from .._lazy import hashlib  # imported on first use: only SARIF output takes a digest

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def rule_help_uri(code: str) -> str:
    """The rule's row in the README's rule table (an explicit ``<a id="tg101">`` anchor)."""
    return f"{HOMEPAGE}#{code.lower()}"


def _fingerprint(code: str, path: str, message: str) -> str:
    """Stable across line moves (like the baseline): code + path + message."""
    return hashlib.sha256(f"{code}\0{path}\0{message}".encode()).hexdigest()[:32]


class SarifFormatter(Formatter):
    """One run, the selected rules as ``reportingDescriptor`` objects, one result per finding."""

    name = "sarif"

    def render(self, result: CheckResult, *, color: bool = False) -> str:
        rules: list[dict[str, Any]] = []
        index: dict[str, int] = {}
        for rule in result.rules:
            index[rule.code] = len(rules)
            why = rule.doc.split("\n\n", 2)[1] if rule.doc.count("\n\n") >= 1 else rule.summary
            rules.append(
                {
                    "id": rule.code,
                    "name": rule.name,
                    "shortDescription": {"text": rule.summary},
                    "fullDescription": {"text": f"{rule.summary} {' '.join(why.split())}"},
                    "help": {"text": rule.doc, "markdown": rule.doc},
                    "helpUri": rule_help_uri(rule.code),
                    "defaultConfiguration": {"level": _LEVEL[result.severity_of(rule)]},
                    "properties": {"tags": ["documentation", "traceability"]},
                }
            )
        results = []
        for f in result.findings:
            item: dict[str, Any] = {
                "ruleId": f.code,
                "level": _LEVEL[f.severity],
                "message": {"text": clean(f.message)},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {
                                "uri": quote(result.shown_path(f.path), safe="/-._~")
                            },
                            "region": {"startLine": f.line, "startColumn": f.column},
                        }
                    }
                ],
                "partialFingerprints": {
                    "tracegraphFinding/v1": _fingerprint(f.code, f.path, f.message)
                },
            }
            if f.code in index:
                item["ruleIndex"] = index[f.code]
            if f.suspect is not None:
                item["properties"] = {"suspect": suspect_dict(f.suspect)}
            results.append(item)
        log = {
            "$schema": SCHEMA_URI,
            "version": "2.1.0",
            "properties": {GENERATOR_KEY: GENERATOR},
            "runs": [
                {
                    "tool": {
                        "driver": {
                            "name": "tracegraph",
                            "informationUri": HOMEPAGE,
                            "version": __version__,
                            "semanticVersion": __version__,
                            "rules": rules,
                        }
                    },
                    "columnKind": "unicodeCodePoints",
                    "results": results,
                }
            ],
        }
        return json.dumps(log, indent=2, ensure_ascii=False) + "\n"
