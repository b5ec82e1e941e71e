"""Every JSON output validates against the schema shipped in the package, and
``tracegraph schema NAME`` prints it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner
from jsonschema import Draft202012Validator

from tests.conftest import PROJECT, SAMPLE_REPO
from tests.gitrepo import git, init_repo
from tests.suspect_repo import PRD, RFC, HistoryRepo
from tracegraph.cli import cli, load_commands
from tracegraph.schemas import SCHEMAS

load_commands()  # the tests below walk cli.commands, which fills on demand

TODAY = "2026-11-28"


def run(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code in (0, 1), result.output
    return result.stdout


def schema(name: str) -> dict[str, Any]:
    return dict(json.loads(run("schema", name)))


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Any]]:
    """Real outputs of every JSON-producing command, several shapes each."""
    tmp = tmp_path_factory.mktemp("schemas")
    repo = str(SAMPLE_REPO)
    history = str(tmp / "h.db")
    report = tmp / "r.json"
    reports = []
    for _ in range(2):  # a first run (changes: null) and a second one
        run("report", repo, "-o", str(report), "--history", history, "--today", TODAY)
        reports.append(json.loads(report.read_text()))
    changed = tmp / "git"
    changed.mkdir()
    (changed / "a.md").write_text("# A\n\n[b](b.md)\n")
    (changed / "b.md").write_text("# B\n")
    init_repo(changed)
    (changed / "b.md").write_text("# B, changed\n")
    baseline = tmp / "baseline.json"
    run("check", repo, "--write-baseline", str(baseline))
    history = HistoryRepo(tmp / "suspect")  # TG503 details in check, show and impact
    history.commit("the chain")
    history.replace(PRD, "one step", "two steps")
    history.commit("PRD edited")
    history.replace(RFC, "status: draft", "status: accepted")
    suspect = str(history.root)
    moved = tmp / "moved"
    shutil.copytree(SAMPLE_REPO, moved)
    init_repo(moved)
    git(
        moved, "mv", "docs/adr/0004-sign-webhook-payloads-with-hmac-sha256.md", "docs/adr/0004-x.md"
    )

    def js(*args: str) -> Any:
        return json.loads(run(*args))

    return {
        "check": [
            js("check", repo, "--format", "json", "--today", TODAY),
            js("check", "-C", suspect, "--format", "json", "--select", "TG503"),
        ],
        "scan": [js("scan", repo, "--format", "json")],
        "export": [js("export", repo)],
        "impact": [
            js("impact", "ADR-0002", "-C", repo, "--format", "json"),
            js("impact", "--files", "src/tracking/api.py", "-C", repo, "--format", "json"),
            js("impact", "--since", "HEAD", "-C", str(changed), "--format", "json"),
            js("impact", "--since", "HEAD", "-C", suspect, "--format", "json"),
        ],
        "upstream": [js("upstream", "TDD-0002", "-C", repo, "--format", "json")],
        "path": [js("path", "TDD-0002", "PRD-0001", "-C", repo, "--format", "json")],
        "show": [
            js("show", "ADR-0002", "-C", repo, "--format", "json"),
            js("show", "RFC-0002", "-C", repo, "--format", "json"),
            js("show", "RFC-0001", "-C", suspect, "--format", "json", "--suspect"),
            js("show", "PRD-0001", "-C", suspect, "--format", "json"),
        ],
        "report": [
            *reports,
            js("report", "-C", suspect, "--format", "json", "--no-history"),
        ],
        "rules": [js("rules", "--format", "json"), js("rules", "TG101", "--format", "json")],
        "baseline": [json.loads(baseline.read_text())],
        "architecture": [js("export", repo, "--view", "architecture")],
        "entity-impact": [
            js("impact", "component:Tracking API", "-C", repo, "--format", "json"),
            js("upstream", "table:usage_units", "-C", repo, "--format", "json"),
        ],
        "entity-show": [
            js("show", "component:Normaliser", "-C", repo, "--format", "json"),
            js("show", 'endpoint:"GET /v1/usage"', "-C", repo, "--format", "json"),
            js("show", "external:event stream", "-C", repo, "--format", "json"),
        ],
        "fix": [
            js("fix", "-C", str(moved), "--format", "json", "--today", TODAY),
            js("fix", "docs/onboarding.md", "-C", repo, "--format", "json", "--today", TODAY),
        ],
    }


@pytest.mark.parametrize("name", SCHEMAS)
def test_outputs_validate_against_their_schema(name: str, outputs: dict[str, list[Any]]) -> None:
    validator = Draft202012Validator(schema(name))
    for data in outputs[name]:
        errors = sorted(validator.iter_errors(data), key=lambda e: list(e.path))
        assert errors == [], [f"{list(e.path)}: {e.message}" for e in errors[:5]]
        assert data["version"] >= 1 and data["generator"] == "tracegraph"


def test_the_shapes_differ_where_they_should(outputs: dict[str, list[Any]]) -> None:
    first, second, suspect = outputs["report"]
    assert first["changes"] is None and second["changes"] is not None
    assert suspect["suspect"]["links"] and suspect["figures"]["suspect_links"]
    assert "since" in outputs["impact"][2] and outputs["impact"][2]["nodes"]
    assert outputs["show"][1]["findings"]
    assert outputs["check"][1]["findings"][0]["suspect"]["changes"]
    assert outputs["show"][2]["suspect"]["rests_on_changed"][0]["diff"]
    assert outputs["show"][3]["suspect"]["made_suspect"]
    assert any(node["suspect"] for node in outputs["impact"][3]["nodes"])


@pytest.mark.parametrize("name", SCHEMAS)
def test_schemas_are_valid_and_printed_as_shipped(name: str) -> None:
    text = run("schema", name)
    Draft202012Validator.check_schema(json.loads(text))
    shipped = PROJECT / "tracegraph" / "schemas" / f"{name}.schema.json"
    assert text == shipped.read_text(encoding="utf-8")


def test_a_schema_rejects_a_drifted_output(outputs: dict[str, list[Any]]) -> None:
    data = dict(outputs["check"][0])
    data["extra"] = 1
    assert not Draft202012Validator(schema("check")).is_valid(data)
    del data["extra"]
    data["version"] = 2
    assert not Draft202012Validator(schema("check")).is_valid(data)


def test_every_command_with_json_output_has_a_schema() -> None:
    with_json = {
        name
        for name, command in cli.commands.items()
        for param in command.params
        if param.name == "fmt"
        and isinstance(param.type, click.Choice)
        and "json" in param.type.choices
    }
    assert with_json - set(SCHEMAS) == set()
    assert {"check", "scan", "export", "impact", "upstream", "path", "show", "report"} <= (
        with_json
    )


def test_no_help_or_readme_points_at_design_md() -> None:
    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    assert "DESIGN.md" not in readme
    for command in cli.commands.values():
        ctx = click.Context(command, info_name=command.name)
        assert "DESIGN.md" not in command.get_help(ctx), command.name


def test_sample_paths_exist() -> None:
    assert Path(SAMPLE_REPO / "src" / "tracking" / "api.py").is_file()
