"""YAML from the repository: alias bombs of every shape rejected before anything is expanded,
in config files and front matter alike (one mechanism)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import make_tree
from tracegraph.api import scan
from tracegraph.config import ConfigError, load_config
from tracegraph.yamlsafe import MAX_ALIAS_NODES, YamlProblem, load_limited


def doubling(first: str, level: str, levels: int = 40) -> str:
    """``levels`` anchors, each using the previous one twice: 2**levels when expanded."""
    lines = [f"x0: &a0 {first}"]
    lines += [f"x{i}: &a{i} {level.format(p=f'*a{i - 1}')}" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


BOMBS = {
    "mappings": doubling("{k: v}", "{{l: {p}, r: {p}}}"),
    "sequences": doubling("[v, v]", "[{p}, {p}]"),
    "merge keys": doubling("{k0: v}", "{{<<: [{p}, {p}], k: v}}"),
    "block mappings": "a0: &a0\n  k: v\n"
    + "".join(f"a{i}: &a{i}\n  l: *a{i - 1}\n  r: *a{i - 1}\n" for i in range(1, 40)),
    "scalars": 'a: &a "'
    + "lol" * 300
    + '"\nb: &b ['
    + ", ".join(["*a"] * 9)
    + "]\n"
    + "".join(
        f"c{i}: &c{i} [" + ", ".join([f"*c{i - 1}" if i > 1 else "*b"] * 9) + "]\n"
        for i in range(1, 9)
    ),
    "many aliases": "a: &a [1]\n" + "".join(f"k{i}: *a\n" for i in range(500)),
    "a big list aliased": "big: &big ["
    + ", ".join(["1"] * 20_000)
    + "]\n"
    + "".join(f"k{i}: *big\n" for i in range(50)),
}


@pytest.mark.parametrize("text", BOMBS.values(), ids=BOMBS.keys())
def test_bombs_are_rejected_before_expansion(text: str) -> None:
    with pytest.raises(YamlProblem, match="alias"):
        load_limited(text, 100, "config file")


def test_a_recursive_alias_is_rejected() -> None:
    with pytest.raises(YamlProblem, match="recursive alias"):
        load_limited("a: &a [1, *a]\n", 100, "front matter")


def test_ordinary_anchors_and_merge_keys_load() -> None:
    text = (
        "base: &base {lifecycle: [draft, accepted], max_age_days: 90}\n"
        "rfc: {<<: *base, folders: [rfc]}\nadr: {<<: *base, folders: [adr]}\n"
    )
    node, data = load_limited(text, 100, "config file")
    assert node is not None
    assert data["adr"] == {
        "lifecycle": ["draft", "accepted"],
        "max_age_days": 90,
        "folders": ["adr"],
    }
    assert MAX_ALIAS_NODES >= 100_000


@pytest.mark.parametrize("name", ["tracegraph.yaml", ".tracegraph.yaml"])
@pytest.mark.parametrize("kind", ["mappings", "merge keys", "sequences"])
def test_a_config_bomb_is_a_config_error_naming_the_file(tmp_path: Path, name: str, kind: str):
    root = make_tree(tmp_path, {name: BOMBS[kind]})
    with pytest.raises(ConfigError, match=rf"^{name}:1: config file expands to .* alias uses"):
        load_config(root)


def test_a_config_file_over_a_megabyte_is_not_read(tmp_path: Path) -> None:
    root = make_tree(tmp_path, {"tracegraph.yaml": "# " + "x" * 1_000_001 + "\n"})
    with pytest.raises(ConfigError, match="over 1,000,000 bytes"):
        load_config(root)


@pytest.mark.parametrize("kind", ["mappings", "merge keys", "sequences", "a big list aliased"])
def test_a_front_matter_bomb_is_a_parse_error(tmp_path: Path, kind: str) -> None:
    root = make_tree(tmp_path, {"a.md": f"---\n{BOMBS[kind]}---\n# A\n"})
    (problem,) = scan(root).by_path["a.md"].problems
    assert problem.message.startswith("front matter ") and "alias" in problem.message
