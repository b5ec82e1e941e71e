"""``tracegraph impact``, ``upstream``, ``path`` and ``show`` through click's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from tests.chain_repo import ADR, TDD1, make_chain
from tests.gitrepo import git, init_repo
from tracegraph import api, queries
from tracegraph.cli import cli
from tracegraph.generated import DOT_COMMENT, MERMAID_COMMENT
from tracegraph.output.queries import Filters, clean, format_tree


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_chain(tmp_path / "repo")


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


IMPACT_TREE = """\
PRD-0001  PRD  approved  Checkout
└── RFC-0001  RFC  accepted  Payments API  (implements PRD-0001)
    └── ADR-0001  ADR  accepted  Use Stripe  (references RFC-0001)
        ├── TDD-0001  TDD  approved  Payment service  (depends on ADR-0001)
        │   └── TDD-0002  (depends on TDD-0001; see below)
        └── TDD-0002  TDD  draft  Refunds  (depends on ADR-0001)
"""

UPSTREAM_TREE = """\
TDD-0002  TDD  draft  Refunds
├── ADR-0001  ADR  accepted  Use Stripe  (depended on by TDD-0002)
│   └── RFC-0001  RFC  accepted  Payments API  (referenced by ADR-0001)
│       └── PRD-0001  PRD  approved  Checkout  (implemented by RFC-0001)
└── TDD-0001  TDD  approved  Payment service  (depended on by TDD-0002)
    └── ADR-0001  (depended on by TDD-0001; see above)
"""


def test_impact_tree(repo: Path) -> None:
    result = run("impact", "prd-1", "--root", str(repo))
    assert result.exit_code == 0, result.output
    assert result.output == IMPACT_TREE


def test_upstream_tree(repo: Path) -> None:
    result = run("upstream", "TDD-0002", "-C", str(repo))
    assert result.exit_code == 0, result.output
    assert result.output == UPSTREAM_TREE


def test_doc_given_as_a_path_from_the_current_directory(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(repo.parent)
    result = run("impact", "repo/docs/prd/PRD-0001-checkout.md", "-C", "repo")
    assert result.output == IMPACT_TREE
    monkeypatch.chdir(repo)
    assert run("impact", "docs/prd/PRD-0001-checkout.md").output == IMPACT_TREE


def test_type_filter_hangs_documents_from_the_nearest_shown_one(repo: Path) -> None:
    result = run("impact", "PRD-0001", "-C", str(repo), "--type", "tdd")
    assert result.output == (
        "PRD-0001  PRD  approved  Checkout\n"
        "├── TDD-0001  TDD  approved  Payment service  "
        "(depends on ADR-0001, which references RFC-0001, which implements PRD-0001)\n"
        "│   └── TDD-0002  (depends on TDD-0001; see below)\n"
        "└── TDD-0002  TDD  draft  Refunds  "
        "(depends on ADR-0001, which references RFC-0001, which implements PRD-0001)\n"
    )


def test_depth_and_relation_options(repo: Path) -> None:
    result = run("impact", "PRD-0001", "-C", str(repo), "--depth", "1", "--format", "list")
    assert result.output == "1  RFC-0001  RFC  accepted  Payments API  (implements PRD-0001)\n"
    result = run(
        "impact", "ADR-0001", "-C", str(repo), "--relation", "depends-on", "--format", "list"
    )
    assert [line.split()[1] for line in result.output.splitlines()] == ["TDD-0001", "TDD-0002"]
    bad = run("impact", "ADR-0001", "-C", str(repo), "--relation", "blocks")
    assert bad.exit_code == 2
    assert "unknown relation 'blocks'" in bad.output


def test_impact_json_follows_the_contract(repo: Path) -> None:
    result = run("impact", "ADR-0001", "-C", str(repo), "--format", "json")
    data = json.loads(result.output)
    assert data == {
        "version": 1,
        "generator": "tracegraph",
        "root": "ADR-0001",
        "direction": "downstream",
        "nodes": [
            {
                "id": "TDD-0001",
                "path": TDD1,
                "type": "TDD",
                "status": "approved",
                "depth": 1,
                "via": [["TDD-0001", "depends_on", "ADR-0001"]],
            },
            {
                "id": "TDD-0002",
                "path": "docs/tdd/TDD-0002-refunds.md",
                "type": "TDD",
                "status": "draft",
                "depth": 1,
                "via": [["TDD-0002", "depends_on", "ADR-0001"]],
            },
        ],
    }
    up = json.loads(run("upstream", "TDD-0001", "-C", str(repo), "--format", "json").output)
    assert up["direction"] == "upstream"
    assert up["nodes"][-1]["via"] == [
        ["TDD-0001", "depends_on", "ADR-0001"],
        ["ADR-0001", "references", "RFC-0001"],
        ["RFC-0001", "implements", "PRD-0001"],
    ]


def test_dot_and_mermaid_draw_exactly_the_result(repo: Path) -> None:
    dot = run("impact", "ADR-0001", "-C", str(repo), "--format", "dot").output
    assert dot.startswith(f"{DOT_COMMENT}\ndigraph")
    assert "TDD-0001" in dot and "TDD-0002" in dot and "ADR-0001" in dot
    assert "PRD-0001" not in dot and "RFC-0001" not in dot
    mermaid = run("impact", "ADR-0001", "-C", str(repo), "--format", "mermaid").output
    assert mermaid.startswith(f"{MERMAID_COMMENT}\nflowchart")
    assert "TDD-0002" in mermaid and "PRD-0001" not in mermaid
    change = run("impact", "-C", str(repo), "--files", "src/pay/service.py", "--format", "dot")
    assert "TDD-0001" in change.output and "ADR-0001" not in change.output


def test_unknown_doc_exits_2_with_suggestion(repo: Path) -> None:
    result = run("impact", "TDD-0003", "-C", str(repo))
    assert result.exit_code == 2
    assert "no document 'TDD-0003'" in result.output
    assert "did you mean TDD-0002, TDD-0001" in result.output


def test_impact_needs_one_doc(repo: Path) -> None:
    result = run("impact", "-C", str(repo))
    assert result.exit_code == 2
    assert "give one DOC" in result.output


SUPERSEDED = {
    "adr/0001-old.md": "# 1. Old\n\n## Status\n\nSuperseded by [ADR-0002](0002-new.md)\n",
    "adr/0002-new.md": "# 2. New\n\n## Status\n\nAccepted\n\nSupersedes [ADR-0001](0001-old.md)\n",
    "tdd/TDD-0001-x.md": "# X\n\n**Status:** Draft\n\nFollows [ADR-0002](../adr/0002-new.md).\n",
}


def test_superseded_marked_or_excluded(tree) -> None:  # type: ignore[no-untyped-def]
    root = tree(SUPERSEDED)
    shown = run("upstream", "TDD-0001", "-C", str(root), "--format", "list").output
    assert "ADR-0001  ADR  superseded  Old  [superseded by ADR-0002]" in shown
    hidden = run(
        "upstream", "TDD-0001", "-C", str(root), "--format", "list", "--exclude-superseded"
    ).output
    assert "ADR-0001" not in hidden
    assert "ADR-0002" in hidden


def test_tree_colour_only_when_asked(repo: Path) -> None:
    corpus = api.scan(repo)
    result = queries.downstream(corpus, "ADR-0001")
    plain = format_tree(corpus, result, Filters(frozenset(), True), color=False)
    coloured = format_tree(corpus, result, Filters(frozenset(), True), color=True)
    assert "\x1b[" not in plain
    assert "\x1b[" in coloured
    assert "\x1b[" not in run("impact", "ADR-0001", "-C", str(repo)).output


def test_control_characters_are_escaped() -> None:
    assert clean("evil\x1b[31mred\u202e") == "evil\\x1b[31mred\\u202e"


# --- path and show ---------------------------------------------------------------------------


def test_path_between_documents(repo: Path) -> None:
    result = run("path", "PRD-0001", "TDD-0002", "-C", str(repo))
    assert result.exit_code == 0
    assert result.output == (
        "TDD-0002 rests on PRD-0001 (1 shortest chain, 3 hops):\n"
        "  TDD-0002 -[depends_on]-> ADR-0001 -[references]-> RFC-0001 -[implements]-> PRD-0001\n"
    )
    data = json.loads(
        run("path", "TDD-0002", "TDD-0001", "-C", str(repo), "--format", "json").output
    )
    assert data["chains"] == [[["TDD-0002", "depends_on", "TDD-0001"]]]


def test_path_none_exits_1(repo: Path) -> None:
    result = run("path", "NOTES.md", "PRD-0001", "-C", str(repo))
    assert result.exit_code == 1
    assert "no path between NOTES.md and PRD-0001" in result.output


def test_show_card(repo: Path) -> None:
    result = run("show", "adr-1", "-C", str(repo))
    assert result.exit_code == 0
    out = result.output
    assert out.startswith("ADR-0001  Use Stripe\n  path:   docs/adr/0001-use-stripe.md\n")
    assert "rests on (outbound):\n  references\n    RFC-0001  Payments API  " in out
    assert f"{ADR}:6" in out
    assert "rested on by (inbound):\n  depends_on\n    TDD-0001  Payment service  " in out
    assert "findings:" in out
    data = json.loads(run("show", "TDD-0001", "-C", str(repo), "--format", "json").output)
    assert data["outbound"]["depends_on"][0]["id"] == "ADR-0001"
    assert data["inbound"]["depends_on"][0]["id"] == "TDD-0002"
    assert data["other"][0]["path"] == "src/pay/service.py"


# --- what a change touches -------------------------------------------------------------------


def test_impact_files(repo: Path) -> None:
    result = run("impact", "-C", str(repo), "--files", "src/refunds/api.py", "unknown.txt")
    assert result.exit_code == 0
    assert result.output == (
        "changed files: 2\n"
        "  src/refunds/api.py  (linked from TDD-0002)\n"
        "  unknown.txt  (no document links to it)\n"
        "\n"
        "affected documents: 1\n"
        "  0  TDD-0002  TDD  draft  Refunds  (links to a changed file)\n"
    )


def test_impact_since_in_a_git_repository(repo: Path) -> None:
    init_repo(repo)
    (repo / "docs/rfc/RFC-0001-payments-api.md").write_text(
        "---\nstatus: accepted\nimplements: PRD-0001\n---\n# Payments API\n\nEdited.\n"
    )
    (repo / "src/pay/service.py").write_text("print('v2')\n")
    git(repo, "mv", "docs/prd/PRD-0001-checkout.md", "docs/prd/PRD-0001-buying.md")
    result = run("impact", "-C", str(repo), "--since", "HEAD", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["changed"] == [
        "docs/prd/PRD-0001-buying.md",
        "docs/rfc/RFC-0001-payments-api.md",
        "src/pay/service.py",
    ]
    assert [r["id"] for r in data["roots"]] == ["PRD-0001", "RFC-0001", "TDD-0001"]
    assert [(n["id"], n["depth"], n["roots"]) for n in data["nodes"]] == [
        ("PRD-0001", 0, ["PRD-0001"]),
        ("RFC-0001", 0, ["PRD-0001", "RFC-0001"]),
        ("TDD-0001", 0, ["PRD-0001", "RFC-0001", "TDD-0001"]),
        ("ADR-0001", 1, ["PRD-0001", "RFC-0001"]),
        ("TDD-0002", 1, ["PRD-0001", "RFC-0001", "TDD-0001"]),
    ]
    # The RFC's text changed, so the ADR that rests on it becomes suspect; the PRD was only
    # renamed (its ID kept) and the RFC was edited itself: neither is marked.
    assert {n["id"]: n["suspect"] for n in data["nodes"]}["ADR-0001"] == ["RFC-0001"]
    assert sum(bool(n["suspect"]) for n in data["nodes"]) == 1
    text = run("impact", "-C", str(repo), "--since", "HEAD").output
    assert (
        "  1  ADR-0001  ADR  accepted  Use Stripe  (from PRD-0001, RFC-0001)  "
        "suspect: rests on changed RFC-0001\n"
    ) in text


def test_impact_since_errors(repo: Path) -> None:
    result = run("impact", "-C", str(repo), "--since", "HEAD")
    assert result.exit_code == 2
    assert "not inside a git work tree" in result.output
    init_repo(repo)
    result = run("impact", "-C", str(repo), "--since", "v9.9")
    assert result.exit_code == 2
    assert "unknown git revision 'v9.9'" in result.output


def test_impact_of_a_superseded_document_stops_at_its_successor() -> None:
    from tests.conftest import SAMPLE_REPO

    def ids(*extra: str) -> set[str]:
        result = run("impact", "ADR-0002", "-C", str(SAMPLE_REPO), "--format", "json", *extra)
        assert result.exit_code == 0, result.output
        return {node["id"] for node in json.loads(result.output)["nodes"]}

    stopped, followed = ids(), ids("--through-supersedes")
    assert "ADR-0005" in stopped  # the successor is listed ...
    assert {"TDD-0001", "TDD-0004"} <= followed - stopped  # ... what rests on it is not
    assert stopped < followed
    tree = run("impact", "ADR-0002", "-C", str(SAMPLE_REPO)).output
    assert "TDD-0001" not in tree and "ADR-0005" in tree
