"""Configuration loading and validation."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

import pytest

from tracegraph.config import CEILINGS, Limits, RenderConfig, load_config
from tracegraph.errors import ConfigError


def test_defaults_without_file(tmp_path: Path) -> None:
    config = load_config(tmp_path)
    assert [t.name for t in config.types] == ["PRD", "RFC", "ADR", "TDD"]
    assert config.source is None


def test_unknown_key_names_file_line_and_key(tmp_path: Path) -> None:
    (tmp_path / "tracegraph.yaml").write_text(
        "include: ['*.md']\ntypes:\n  ADR:\n    foldrs: [x]\n"
    )
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path)
    assert str(info.value).startswith("tracegraph.yaml:4: types.ADR.foldrs: unknown key")


def test_wrong_type(tmp_path: Path) -> None:
    (tmp_path / ".tracegraph.yaml").write_text("limits:\n  max_file_bytes: lots\n")
    with pytest.raises(ConfigError, match=r"\.tracegraph\.yaml:2: limits\.max_file_bytes"):
        load_config(tmp_path)


def test_invalid_yaml(tmp_path: Path) -> None:
    (tmp_path / "tracegraph.yaml").write_text("types: [\n")
    with pytest.raises(ConfigError, match="invalid YAML"):
        load_config(tmp_path)


def test_pyproject_section(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.tracegraph]\nexclude = ["vendor/**"]\n[tool.tracegraph.rules]\nignore = ["tg501"]\n'
    )
    config = load_config(tmp_path)
    assert config.exclude == ("vendor/**",)
    assert config.rules.ignore == ("TG501",)


def test_type_override_keeps_other_fields(tmp_path: Path) -> None:
    (tmp_path / "tracegraph.yaml").write_text("types:\n  adr:\n    folders: [arch]\n")
    config = load_config(tmp_path)
    adr = config.type_spec("ADR")
    assert adr is not None
    assert adr.folders == ("arch",)
    assert adr.lifecycle == ("proposed", "accepted")


def test_suspect_settings_are_validated(tmp_path: Path) -> None:
    (tmp_path / "tracegraph.yaml").write_text(
        "suspect:\n  mode: strict\n  reviews: docs/./reviews.yaml\n"
    )
    config = load_config(tmp_path)
    assert (config.suspect.mode, config.suspect.reviews) == ("strict", "docs/reviews.yaml")
    for text, message in (
        ("suspect:\n  mode: lenient\n", "tracegraph.yaml:2: suspect.mode: expected default"),
        ("suspect:\n  reviews: ../out.yaml\n", "suspect.reviews: expected a file path relative"),
        ("suspect:\n  reviews: /etc/r.yaml\n", "suspect.reviews: expected a file path relative"),
        ("suspect:\n  nope: 1\n", "suspect.nope: unknown key (allowed: mode, reviews)"),
    ):
        (tmp_path / "tracegraph.yaml").write_text(text)
        with pytest.raises(ConfigError, match=re.escape(message)):
            load_config(tmp_path)


def test_every_limit_has_a_hard_ceiling_at_or_above_its_default() -> None:
    for section, cls in (("limits", Limits), ("render", RenderConfig)):
        for item in fields(cls):
            assert CEILINGS[f"{section}.{item.name}"] >= item.default


@pytest.mark.parametrize("key", sorted(CEILINGS))
def test_a_repository_cannot_raise_a_limit_past_its_ceiling(tmp_path: Path, key: str) -> None:
    section, name = key.split(".")
    ceiling = CEILINGS[key]
    (tmp_path / "tracegraph.yaml").write_text(f"{section}:\n  {name}: {ceiling}\n")
    assert getattr(getattr(load_config(tmp_path), section), name) == ceiling
    (tmp_path / "tracegraph.yaml").write_text(f"# x\n{section}:\n  {name}: {ceiling + 1}\n")
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path)
    assert str(info.value).startswith(
        f"tracegraph.yaml:3: {key}: {ceiling + 1} is above the hard ceiling {ceiling} "
    )


def test_the_ceiling_holds_in_pyproject_and_for_absurd_numbers(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        "[tool.tracegraph.limits]\nmax_file_bytes = 100000000000000000000000000000\n"
    )
    with pytest.raises(ConfigError, match=r"pyproject\.toml: limits\.max_file_bytes: .* ceiling"):
        load_config(tmp_path)


def test_only_a_config_outside_the_repository_may_exceed_the_ceilings(tmp_path: Path) -> None:
    root, outside = tmp_path / "repo", tmp_path / "ops"
    (root / "docs").mkdir(parents=True)
    outside.mkdir()
    text = "limits:\n  max_file_bytes: 300000000\n"
    (outside / "tracegraph.yaml").write_text(text)
    (root / "docs" / "tracegraph.yaml").write_text(text)
    (root / "link.yaml").symlink_to(outside / "tracegraph.yaml")
    assert load_config(root, outside / "tracegraph.yaml").limits.max_file_bytes == 300_000_000
    # A path inside the root counts as the repository's: its ceilings hold, and a link out of
    # the root is not followed at all (nothing outside the root is read through the tree).
    with pytest.raises(ConfigError, match="above the hard ceiling"):
        load_config(root, root / "docs" / "tracegraph.yaml")
    with pytest.raises(ConfigError, match="resolves outside the repository root"):
        load_config(root, root / "link.yaml")
