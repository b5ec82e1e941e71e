"""Releases: one version (the package's), a CHANGELOG section per release, and the Action and
pre-commit hook pinned by tag as the README shows."""

from __future__ import annotations

import re
import tomllib
from importlib import metadata

import yaml

from tests.conftest import PROJECT
from tracegraph import HOMEPAGE, __version__


def test_one_version_everywhere() -> None:
    project = tomllib.loads((PROJECT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert "version" in project["dynamic"]  # read from tracegraph.__version__ at build time
    assert metadata.version("tracegraph") == __version__
    assert project["urls"]["Homepage"] == HOMEPAGE
    assert re.fullmatch(r"\d+\.\d+\.\d+", __version__)


def test_changelog_has_a_section_per_release() -> None:
    text = (PROJECT / "CHANGELOG.md").read_text(encoding="utf-8")
    headings = re.findall(r"^## (.+)$", text, flags=re.M)
    assert headings[0] == "Unreleased"
    for heading in headings[1:]:
        assert re.fullmatch(r"\d+\.\d+\.\d+ - \d{4}-\d{2}-\d{2}", heading), heading
    released = [h.split(" - ")[0] for h in headings[1:]]
    assert len(released) == len(set(released))


def test_pre_commit_hook_passes_file_names_and_runs_once() -> None:
    hooks = yaml.safe_load((PROJECT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    (hook,) = hooks
    assert hook["id"] == "tracegraph-check" and hook["entry"] == "tracegraph check"
    assert hook["pass_filenames"] is True and hook["require_serial"] is True
    assert hook["language"] == "python"


def test_readme_pins_the_action_and_the_hook_by_tag() -> None:
    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    repo = HOMEPAGE.removeprefix("https://github.com/")
    assert f"uses: {repo}@v{__version__}" in readme
    assert f"repo: {HOMEPAGE}\n" in readme and f"rev: v{__version__}" in readme
