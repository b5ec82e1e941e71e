"""JUnit XML: one test case per rule that ran; a rule with findings fails, listing them."""

from __future__ import annotations

import re

from ..generated import mark_xml
from . import CheckResult, Formatter, clean

#: Characters XML 1.0 cannot hold at all (``clean`` already escapes C0 controls).
_NOT_XML = re.compile("[\ufffe\uffff\ud800-\udfff]")


def _xml_text(text: str) -> str:
    return _NOT_XML.sub("?", clean(text))


class JunitFormatter(Formatter):
    """``<testsuites><testsuite name="tracegraph"><testcase name="TG101 broken-link">``."""

    name = "junit"

    def render(self, result: CheckResult, *, color: bool = False) -> str:
        import xml.etree.ElementTree as ET  # only this format needs it

        by_code: dict[str, list[str]] = {}
        for f in result.findings:
            line = (
                f"{result.shown_path(f.path)}:{f.line}:{f.column}: [{f.severity.value}] {f.message}"
            )
            by_code.setdefault(f.code, []).append(_xml_text(line))
        failures = sum(1 for rule in result.rules if by_code.get(rule.code))
        tests = str(len(result.rules))
        suites = ET.Element(
            "testsuites", name="tracegraph", tests=tests, failures=str(failures), errors="0"
        )
        suite = ET.SubElement(
            suites,
            "testsuite",
            name="tracegraph check",
            tests=tests,
            failures=str(failures),
            errors="0",
            skipped="0",
        )
        for rule in result.rules:
            case = ET.SubElement(
                suite,
                "testcase",
                classname=f"tracegraph.{rule.code}",
                name=f"{rule.code} {rule.name}",
            )
            found = by_code.get(rule.code)
            if found:
                failure = ET.SubElement(
                    case,
                    "failure",
                    message=f"{len(found)} finding{'s' if len(found) != 1 else ''}",
                    type=result.severity_of(rule).value,
                )
                failure.text = "\n".join(found)
        ET.indent(suites)
        body = ET.tostring(suites, encoding="unicode")
        return mark_xml('<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n")
