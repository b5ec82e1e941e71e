"""The rule table, selection, grading and ignores; sensible results on real ADR collections."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from tests.conftest import CORPORA, PROJECT, SAMPLE_REPO
from tests.unit.checks.conftest import TODAY
from tracegraph.api import scan
from tracegraph.checks import (
    ALL_RULES,
    RULES_BY_CODE,
    TEMPLATE_RULES,
    _hits,
    parse_codes,
    run_checks,
    select_rules,
    sort_key,
)
from tracegraph.checks.context import CheckContext
from tracegraph.errors import UsageError
from tracegraph.suspect import SuspectAnalysis

DESIGN_TABLE = {
    "TG101": "broken-link", "TG102": "broken-anchor", "TG103": "unknown-id",
    "TG104": "link-outside-root", "TG201": "orphan", "TG202": "uncovered",
    "TG203": "dependency-cycle", "TG204": "supersession-mismatch", "TG301": "cites-superseded",
    "TG302": "status-inversion", "TG303": "unknown-status", "TG304": "approval-missing",
    "TG401": "missing-section", "TG402": "placeholder", "TG403": "missing-metadata",
    "TG501": "stale", "TG502": "overdue-question", "TG503": "suspect-link", "TG601": "duplicate-id",
    "TG602": "parse-error", "TG701": "endpoint-conflict", "TG702": "table-conflict",
    "TG703": "undescribed-component",
}  # fmt: skip


def test_registry_matches_the_design_table():
    assert {r.code: r.name for r in ALL_RULES} == DESIGN_TABLE
    assert [r.code for r in ALL_RULES] == sorted(DESIGN_TABLE)


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.code)
def test_every_rule_documents_what_why_example_fix(rule):
    doc = rule.doc
    assert rule.summary.endswith(".") and len(rule.summary) > 20
    for part in ("Why:", "Example:", "Fix:"):
        assert re.search(rf"^{part}", doc, re.M), f"{rule.code} docstring lacks {part}"


def test_readme_lists_every_rule_code():
    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    missing = [
        r.code for r in ALL_RULES if f"`{r.code}`" not in readme and f"| {r.code} |" not in readme
    ]
    assert missing == []


def test_select_and_ignore_take_prefixes():
    assert [r.code for r in select_rules(["TG2"], ["TG203"])] == ["TG201", "TG202", "TG204"]
    assert parse_codes(["tg1,TG203", " "]) == ("TG1", "TG203")
    with pytest.raises(UsageError, match="unknown rule code 'TG999'"):
        parse_codes(["TG999"])


BROKEN = {
    "a.md": "# A\n\n[x](gone.md)\n",
    "legacy/b.md": "# B\n\n[y](gone.md)\n",
    "c.md": "<!-- tracegraph: ignore TG101 -->\n# C\n\n[z](gone.md)\n",
}


def test_in_document_ignore_and_per_path_ignores_and_severity_override(findings):
    found = findings(BROKEN, "TG1")
    assert [f.path for f in found] == ["a.md", "legacy/b.md"]
    config = "rules:\n  severity: {TG101: warning}\n  per_path_ignores: {'legacy/**': [TG1]}\n"
    found = findings({**BROKEN, "tracegraph.yaml": config}, "TG101")
    assert [(f.path, f.severity.value) for f in found] == [("a.md", "warning")]


def test_config_select_and_ignore_apply_when_the_command_line_gives_none(findings):
    files = {**BROKEN, "tracegraph.yaml": "rules:\n  ignore: [TG101]\n"}
    assert findings(files) == []
    files = {
        "a.md": "# A\n\n[x](gone.md) ADR-0099\n",
        "adr/0001-x.md": "# 1. X\n\n[A](../a.md)\n",  # ADR-0099 is one of ours: not a citation
        "tracegraph.yaml": "rules:\n  select: [TG103]\n",
    }
    assert [f.code for f in findings(files)] == ["TG103"]


def test_findings_are_sorted_and_deterministic():
    first = run_checks(scan(SAMPLE_REPO), today=TODAY)
    assert first == sorted(first, key=sort_key)
    assert first == run_checks(scan(SAMPLE_REPO), today=TODAY)


@pytest.mark.skipif(not CORPORA.is_dir(), reason="shared corpora not available")
@pytest.mark.parametrize("name", ["adr-tools", "arachne", "log4brains"])
def test_real_adr_collections_are_not_flooded(name):
    found = run_checks(scan(CORPORA / name), today=TODAY)
    codes = Counter(f.code for f in found)
    # Nygard and MADR records without authors or dates are not "missing metadata", their
    # sections satisfy the ADR template, and MADR's template.md is not checked.
    assert codes["TG403"] == 0
    assert codes["TG401"] <= 1
    assert not any(f.path == "template.md" for f in found)
    assert codes["TG303"] == 0 and codes["TG602"] == 0


@pytest.mark.skipif(not CORPORA.is_dir(), reason="shared corpora not available")
def test_links_that_left_the_copied_folders_are_reported():
    found = run_checks(scan(CORPORA / "log4brains"), today=TODAY, select=["TG101", "TG104"])
    assert [(f.path, f.line, f.code) for f in found] == [("index.md", 28, "TG101")]
    arachne = run_checks(scan(CORPORA / "arachne"), today=TODAY, select=["TG1"])
    assert {f.path for f in arachne} == {
        "adr-006-core-runtime.md",
        "adr-007-configuration-updates.md",
        "adr-008-abstract-modules.md",
    }


def test_sample_repo_readme_defects_are_exactly_found():
    """The table in sample_repo/README.md lists (file, line, code) of every planted defect."""
    readme = (SAMPLE_REPO / "README.md").read_text(encoding="utf-8")
    rows = re.findall(
        r"^\|\s*\d+\s*\|.*?\|\s*`([^`]+)`\s*\|\s*(\d+)\s*\|\s*(TG\d{3})\s*\|", readme, re.M
    )
    assert rows, "sample_repo/README.md has no defect table"
    expected = sorted((path, int(line), code) for path, line, code in rows)
    # TG503 depends on the history of the checkout that holds sample_repo, not on the demo.
    found = run_checks(scan(SAMPLE_REPO), today=TODAY, ignore=["TG503"])
    assert sorted((f.path, f.line, f.code) for f in found) == expected


def test_a_documents_spec_is_its_scoped_settings_or_its_types():
    """``CheckContext.spec`` keeps a type's spec once for all its documents unless a preset's
    scoped settings narrow that type, and then per path: each answer is ``Config.spec_for``'s."""
    from dataclasses import replace

    from tracegraph.checks.context import CheckContext

    corpus = scan(SAMPLE_REPO)
    adr = corpus.config.type_spec("ADR")
    assert adr is not None
    narrow = replace(adr, paths=("docs/adr/0001-*.md",), terminal=("accepted",))
    config = replace(corpus.config, scoped=(narrow,))
    ctx = CheckContext(corpus, config, TODAY)
    docs = corpus.documents
    assert {"ADR", "TDD", "DOC"} <= {d.type for d in docs}
    for doc in [*docs, *reversed(docs)]:
        want = None if doc.type == "DOC" else config.spec_for(doc.type, doc.path)
        assert ctx.spec(doc) is want
    by_type, by_path = ctx._specs
    assert "ADR" not in by_type and "TDD" in by_type
    assert {p for p in by_path} == {d.path for d in docs if d.type == "ADR"}
    assert any(ctx.spec(d) is narrow for d in docs) and any(ctx.spec(d) is adr for d in docs)


def test_findings_made_without_init_are_the_dataclasses_own():
    from dataclasses import astuple

    from tracegraph.checks import _finding
    from tracegraph.model import Finding, Severity

    values = ("a.md", 3, 4, "TG101", Severity.ERROR, "broken-link", "m", "t", "A-1", None)
    made, plain = _finding(*values), Finding(*values)
    assert made == plain and astuple(made) == astuple(plain) == values
    assert repr(made) == repr(plain) and hash(made) == hash(plain)


class _Untouchable(dict):  # type: ignore[type-arg]
    """Templates that no rule may read."""

    def _refuse(self, *args: object, **kwargs: object) -> object:
        raise AssertionError("read the templates")

    get = __getitem__ = __contains__ = __iter__ = __len__ = keys = values = items = _refuse


@pytest.mark.parametrize("name", ["sample_repo", "adr-tools"])
def test_only_the_template_rules_read_the_templates(name):
    """``run_checks`` loads the templates only when a rule of ``TEMPLATE_RULES`` runs in its
    process (the document rules' child runs them in a cold check): no other rule reads them."""
    root = SAMPLE_REPO if name == "sample_repo" else CORPORA / name
    if not root.is_dir():
        pytest.skip("shared corpora not available")
    corpus = scan(root)
    context = CheckContext(
        corpus=corpus, config=corpus.config, today=TODAY, templates=_Untouchable(),
        suspect_source=lambda: SuspectAnalysis("off"),
    )  # fmt: skip
    for code, rule in RULES_BY_CODE.items():
        if code not in TEMPLATE_RULES:
            list(_hits(rule, context))
    with pytest.raises(AssertionError, match="read the templates"):
        list(_hits(RULES_BY_CODE["TG401"], context))


def test_the_findings_sort_key_made_in_c_is_sort_keys():
    from tracegraph.checks import _SORT_KEY

    found = run_checks(scan(SAMPLE_REPO), today=TODAY)
    assert found and all(_SORT_KEY(f) == sort_key(f) for f in found)
