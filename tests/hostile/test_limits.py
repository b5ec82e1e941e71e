"""Issue 13, classes 3 and 4: a few KB of hostile input must not cost minutes or gigabytes.

Each case runs ``tracegraph check`` in a real subprocess under 2 GiB of address space and
must end within 20 s with exit 0, 1 or 2 and no traceback (``tests/hostile/bounded.py``).
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

import pytest

from tests.helpers import WORDS, layered_ring, make_tree
from tests.hostile.bounded import assert_bounded, run_bounded
from tests.unit.test_yamlsafe import BOMBS


def check(root: Path, *extra: str) -> tuple[int | None, dict[str, object] | str]:
    run = run_bounded("check", str(root), "--no-cache", "--format", "json", *extra, cwd=root.parent)
    assert_bounded(run)
    return run.code, json.loads(run.stdout) if run.code in (0, 1) else run.stderr


def codes(report: dict[str, object] | str) -> list[str]:
    assert isinstance(report, dict)
    findings = report["findings"]
    assert isinstance(findings, list)
    return [f["code"] for f in findings]


@pytest.mark.parametrize("name", ["tracegraph.yaml", ".tracegraph.yaml"])
@pytest.mark.parametrize("kind", ["mappings", "sequences", "merge keys", "block mappings"])
def test_a_config_alias_bomb_is_a_one_line_config_error(tmp_path: Path, name: str, kind: str):
    root = make_tree(tmp_path / "repo", {name: BOMBS[kind], "a.md": "# A\n"})
    code, err = check(root)
    assert code == 2 and isinstance(err, str)
    assert err.startswith(f"tracegraph: error: {name}:1: config file expands to ")
    assert err.count("\n") == 1


@pytest.mark.parametrize("kind", ["mappings", "sequences", "merge keys", "scalars"])
def test_a_front_matter_alias_bomb_is_a_finding(tmp_path: Path, kind: str) -> None:
    root = make_tree(tmp_path / "repo", {"a.md": f"---\n{BOMBS[kind]}---\n# A\n"})
    code, report = check(root, "--select", "TG602")
    assert code == 1 and codes(report) == ["TG602"]


def test_thousands_of_broken_anchors_against_thousands_of_headings(tmp_path: Path) -> None:
    rng = random.Random(5000)
    heads = sorted({" ".join(rng.sample(WORDS, 3)) for _ in range(5000)})
    slugs = [h.replace(" ", "-") for h in heads]
    broken = [s[:3] + s[4:] for s in slugs]
    text = "# A\n\n" + "".join(f"## {h}\n" for h in heads) + "".join(f"[x](#{b})\n" for b in broken)
    root = make_tree(tmp_path / "repo", {"a.md": text})
    code, report = check(root, "--select", "TG102")
    assert code == 1 and len(codes(report)) == len(set(broken) - set(slugs))


def test_thousands_of_broken_links_into_a_large_folder(tmp_path: Path) -> None:
    rng = random.Random(4000)
    names = sorted({"-".join(rng.sample(WORDS, 3)) for _ in range(4000)})
    files: dict[str, str] = {f"docs/{n}.md": "# x\n" for n in names}
    files["docs/index.md"] = "# I\n\n" + "".join(f"[x]({n[:2] + n[3:]}.md)\n" for n in names)
    code, report = check(make_tree(tmp_path / "repo", files), "--select", "TG101")
    assert code == 1 and len(codes(report)) >= 0.9 * len(names)


@pytest.mark.parametrize(("size", "width"), [(14, 1), (14, 4), (20, 6)])
def test_dependency_cycles_without_short_cycles(tmp_path: Path, size: int, width: int) -> None:
    files = {path: text + "x" * 4000 + "\n" for path, text in layered_ring(size, width).items()}
    code, report = check(make_tree(tmp_path / "repo", files), "--select", "TG203")
    assert code == 1 and codes(report) == ["TG203"]


def test_a_repository_cannot_raise_max_file_bytes_past_the_ceiling(tmp_path: Path) -> None:
    root = make_tree(
        tmp_path / "repo",
        {"tracegraph.yaml": "limits:\n  max_file_bytes: 300000000\n", "a.md": "# A\n"},
    )
    with (root / "big.md").open("wb") as handle:  # 200 MB, sparse: nothing written
        handle.truncate(200_000_000)
    code, err = check(root)
    assert code == 2 and "above the hard ceiling" in str(err)
    (root / "tracegraph.yaml").unlink()
    code, report = check(root, "--select", "TG602")
    assert code == 1 and codes(report) == ["TG602"]


def test_a_worst_case_file_at_the_size_ceiling_fits(tmp_path: Path) -> None:
    # "![" repeated: the most parser events per byte found; 10 MB is the ceiling.
    root = make_tree(tmp_path / "repo", {"a.md": b"# A\n\n" + b"![" * 4_999_990})
    assert os.path.getsize(root / "a.md") <= 10_000_000
    code, report = check(root, "--select", "TG1")
    assert code == 0 and codes(report) == []


@pytest.mark.parametrize(
    "settings",
    [
        "types:\n  KEP:\n    id_pattern: '(a+)+!?b'\n",
        "types:\n  KEP:\n    id_pattern: '(?P<g0>KEP-(?P<n>\\d+))'\n"
        "    title_patterns: ['(?P<t>^a+)+$x']\n",
        "types:\n  KEP:\n    id_pattern: '\\bKEP-(?i)\\d+'\n",
        "exclude: ['" + "*a" * 20 + "*b', '" + "**/" * 20 + "x']\n",
        "rules:\n  per_path_ignores:\n    '" + "*a" * 20 + "*b': [TG201]\n",
    ],
    ids=["nested quantifiers", "named groups", "inline flags", "globs", "ignore globs"],
)
def test_patterns_from_the_config_cannot_hang_or_crash(tmp_path: Path, settings: str) -> None:
    line = "a" * 100_000
    files = {"tracegraph.yaml": settings, ("a" * 200) + ".md": f"# {line}\n\n{line}!\n"}
    code, _report = check(make_tree(tmp_path / "repo", files))
    assert code in (0, 1)


def test_a_pattern_that_cannot_be_made_safe_is_a_config_error(tmp_path: Path) -> None:
    files = {
        "tracegraph.yaml": "types:\n  KEP:\n    id_pattern: '(?<=x)(a+)+\\1'\n",
        "a.md": "# A\n",
    }
    code, err = check(make_tree(tmp_path / "repo", files))
    assert code == 2 and str(err).startswith(
        "tracegraph: error: tracegraph.yaml:3: types.KEP.id_pattern: invalid regular expression"
    )


def test_a_hostile_design_document_is_read_in_bounded_time(tmp_path: Path) -> None:
    """Issue 20's extraction on what a TDD can hold at worst: huge headings, fields and
    lists, code blocks of a million blank lines before a CREATE INDEX (a pattern that
    rescanned blank lines from every line start took 5 s for 40,000), thousands of
    components that depend on each other, and the same endpoint designed by two documents."""
    components = "".join(
        f"#### Component {n}: Service {n}\n**Technology:** Go\n"
        f"**Dependencies:** Service {n + 1}, Service {n + 2} (async), `table_{n}`\n\n"
        for n in range(5000)
    )
    hostile = (
        "# TDD-0001: Hostile\n\n**Status:** Approved\n\n## System Architecture\n\n"
        f"#### Component 0: {'x' * 200_000}\n**Interfaces:** {'a' * 300_000}\n"
        f"**Dependencies:** {'[' * 300_000}, {'(' * 100_000}, {'`' * 50_001}\n\n"
        f"{components}## API Design\n\n#### POST /{'a/' * 100_000}\n\n"
        "#### POST /v1/orders\n\n## Data Model\n\n#### New Tables\n\n"
        f"```sql\n{chr(10) * 1_000_000}CREATE INDEX ON x (y);\n```\n\n"
        f"```sql\n{chr(10) * 1_000_000}CREATE TABLE orders (id int);\n```\n"
    )
    other = "# TDD-0002: Other\n\n**Status:** Approved\n\n## API Design\n\n#### POST /v1/orders\n"
    root = make_tree(
        tmp_path / "repo",
        {"docs/tdd/TDD-0001-hostile.md": hostile, "docs/tdd/TDD-0002-other.md": other},
    )
    code, report = check(root, "--select", "TG7")
    assert code == 1 and codes(report) == ["TG701"]
    run = run_bounded("export", str(root), "--view", "architecture", "--no-cache", cwd=root.parent)
    assert_bounded(run, 0)
    kinds = [node["kind"] for node in json.loads(run.stdout)["nodes"]]
    assert kinds.count("component") == 5001 and kinds.count("table") == 1
