"""Output formats: SARIF validates against the 2.1.0 schema, JUnit counts, escaping."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema

from tracegraph import HOMEPAGE
from tracegraph.checks import ALL_RULES, RULES_BY_CODE
from tracegraph.model import Finding, Severity
from tracegraph.output import CheckResult, fails, md_escape, render

SCHEMA = Path(__file__).resolve().parents[2] / "data" / "sarif-schema-2.1.0.json"


def finding(
    code: str, path: str, line: int, message: str, severity: Severity | None = None
) -> Finding:
    rule = RULES_BY_CODE[code]
    return Finding(path, line, 3, code, severity or rule.severity, rule.name, message)


FINDINGS = (
    finding("TG101", "docs/a b.md", 3, "broken link: x.md does not exist"),
    finding("TG101", "docs/c.md", 9, "broken link: y%,\n::z does not exist"),
    finding("TG201", "adr/0001.md", 1, "orphan: ADR-0001 \x1b[31mhas no link"),
    finding("TG501", "tdd/x.md", 5, "stale: [x](javascript:alert(1)) <b>|</b>"),
)


def result(findings=FINDINGS, prefix: str = "") -> CheckResult:
    return CheckResult(
        root="repo",
        documents=4,
        references=7,
        findings=tuple(findings),
        rules=ALL_RULES,
        prefix=prefix,
    )


def test_sarif_validates_against_the_official_schema_and_carries_rule_metadata():
    log = json.loads(render(result(prefix="repo"), "sarif"))
    jsonschema.validate(log, json.loads(SCHEMA.read_text(encoding="utf-8")))
    driver = log["runs"][0]["tool"]["driver"]
    assert [r["id"] for r in driver["rules"]] == [r.code for r in ALL_RULES]
    tg102 = driver["rules"][1]
    assert tg102["name"] == "broken-anchor"
    assert tg102["defaultConfiguration"] == {"level": "error"}
    assert tg102["shortDescription"]["text"].startswith("A `#fragment` matches no heading")
    assert "Why:" in tg102["help"]["text"] and tg102["fullDescription"]["text"]
    assert driver["informationUri"] == HOMEPAGE
    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text(encoding="utf-8")
    for rule in driver["rules"]:
        page, fragment = rule["helpUri"].split("#")
        assert page == HOMEPAGE and f'<a id="{fragment}"></a>`{rule["id"]}`' in readme
    results = log["runs"][0]["results"]
    assert [r["level"] for r in results] == ["error", "error", "warning", "note"]
    location = results[0]["locations"][0]["physicalLocation"]
    assert location == {
        "artifactLocation": {"uri": "repo/docs/a%20b.md"},
        "region": {"startLine": 3, "startColumn": 3},
    }
    assert results[2]["message"]["text"] == "orphan: ADR-0001 \\x1b[31mhas no link"


def test_empty_sarif_is_valid_too():
    log = json.loads(render(result(findings=()), "sarif"))
    jsonschema.validate(log, json.loads(SCHEMA.read_text(encoding="utf-8")))
    assert log["runs"][0]["results"] == []


def test_junit_has_one_testcase_per_rule_and_failure_counts():
    root = ET.fromstring(render(result(), "junit"))
    suite = root.find("testsuite")
    assert suite is not None
    cases = suite.findall("testcase")
    assert len(cases) == len(ALL_RULES) == int(suite.get("tests", "0"))
    failed = [c.get("name") for c in cases if c.find("failure") is not None]
    assert failed == ["TG101 broken-link", "TG201 orphan", "TG501 stale"]
    assert suite.get("failures") == root.get("failures") == "3"
    tg101 = cases[0].find("failure")
    assert tg101 is not None and tg101.get("message") == "2 findings"
    assert "docs/a b.md:3:3: [error] broken link" in (tg101.text or "")


def test_github_annotations_escape_data_and_properties():
    lines = render(result(prefix="repo"), "github").splitlines()
    assert lines[0] == (
        "::error file=repo/docs/a b.md,line=3,col=3,title=TG101 broken-link::"
        "broken link: x.md does not exist"
    )
    # A newline from a document is escaped like every control character (it cannot start a
    # workflow command of its own), and "%" still as GitHub's own escape.
    assert lines[1].endswith("::broken link: y%25,\\x0a::z does not exist")
    assert lines[3].startswith("::notice file=repo/tdd/x.md,")
    prop = render(result([finding("TG101", "a,b:c.md", 1, "m")]), "github")
    assert prop.startswith("::error file=a%2Cb%3Ac.md,line=1")


def test_text_output_cleans_control_characters_and_colours_only_on_request():
    plain = render(result(), "text")
    assert "\x1b" not in plain
    assert (
        plain.splitlines()[0] == "docs/a b.md:3:3: TG101 [error] broken link: x.md does not exist"
    )
    assert plain.splitlines()[-1] == "4 findings (2 errors, 1 warning, 1 info) in 4 documents"
    coloured = render(result(), "text", color=True)
    assert "\x1b[31mTG101 [error]\x1b[0m" in coloured


def test_markdown_escapes_document_text():
    text = render(result(), "markdown")
    assert "\\[x\\](javascript:alert(1))" in text  # escaped brackets: no link
    assert "<b>" not in text and "\\|" in text
    assert md_escape("a|b") == "a\\|b"


def test_json_shape():
    data = json.loads(render(result(), "json"))
    assert list(data) == ["version", "generator", "root", "summary", "findings"]
    assert data["summary"] == {
        "documents": 4,
        "references": 7,
        "findings": {"error": 2, "warning": 1, "info": 1},
    }
    assert data["findings"][0] == {
        "code": "TG101", "rule": "broken-link", "severity": "error", "path": "docs/a b.md",
        "line": 3, "column": 3, "message": "broken link: x.md does not exist",
    }  # fmt: skip


def test_fail_on_thresholds():
    assert fails(FINDINGS, "error") and fails(FINDINGS, "info")
    warnings_only = [f for f in FINDINGS if f.severity is not Severity.ERROR]
    assert not fails(warnings_only, "error") and fails(warnings_only, "warning")
    assert not fails(FINDINGS, "never")


def test_json_in_pieces_is_the_same_text(monkeypatch, tmp_path):
    """The JSON is written in pieces of ``_JSON_BATCH`` findings (``render_pieces``): joined,
    they are ``render``'s text, with one batch, several, or no finding; ``emit`` writes them
    to a file or to standard output as the whole text would be."""
    import tracegraph.output as output
    from tracegraph.cli import emit
    from tracegraph.output import render_pieces

    for batch in (1000, 3, 1):
        monkeypatch.setattr(output, "_JSON_BATCH", batch)
        for found in (FINDINGS, FINDINGS[:1], ()):
            whole = render(result(found), "json")
            pieces = list(render_pieces(result(found), "json"))
            assert "".join(pieces) == whole and json.loads(whole)
            assert len(pieces) == (2 + -(-len(found) // batch) if found else 1)
    monkeypatch.setattr(output, "_JSON_BATCH", 2)
    target = tmp_path / "out.json"
    emit(render_pieces(result(), "json"), str(target))
    assert target.read_text(encoding="utf-8") == render(result(), "json")
