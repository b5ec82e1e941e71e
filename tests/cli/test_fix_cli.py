"""``tracegraph fix`` on a repository whose documents were moved with ``git mv`` and whose links
were not updated: every link whose target's move is unambiguous is repaired, the rest listed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.gitrepo import git
from tests.write_repos import repository
from tracegraph.cli import cli

TODAY = "2026-11-28"

FILES = {
    "docs/adr/0001-use-adrs.md": "# 1. Use ADRs\n\n## Status\n\nAccepted\n\n## Context\n\nc\n",
    "docs/adr/0002-use-kafka.md": (
        "# 2. Use Kafka\n\n## Status\n\nAccepted\n\nAmends [ADR-0001](0001-use-adrs.md)\n\n"
        "## Context\n\nSee ADR-0003 too.\n\n## Retry Policy\n\nr\n"
    ),
    "docs/adr/0003-use-nats.md": "# 3. Use NATS\n\n## Status\n\nProposed\n\n## Context\n\nc\n",
    "docs/rfc/RFC-0001-events.md": (
        "# RFC-0001: Events\n\n## Summary\n\nDecided in [ADR-0002](../adr/0002-use-kafka.md).\n"
    ),
    "docs/guide.md": (
        "# Guide\n\n"
        "- [Kafka](adr/0002-use-kafka.md#retry-polcy) and [the RFC][rfc]\n"
        "- ![diagram](img/flow.png)\n"
        "- [setup](../notes/setup.md)\n"
        "- [policy](adr/0002-use-kafka.md#retry-policy)\n"
        "- `[in code](adr/0002-use-kafka.md)` stays\n\n"
        "```\n[also code](rfc/RFC-0001-events.md)\n```\n\n"
        "[rfc]: rfc/RFC-0001-events.md\n"
    ),
    "docs/img/flow.png": "png",
    "notes/setup.md": "# Setup\n",
    "docs/a/setup.md": "# Setup A\n",
    "docs/b/setup.md": "# Setup B\n",
}


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, [*args, "--today", TODAY])
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def moved(tmp_path: Path) -> Path:
    root = repository(tmp_path / "repo", FILES)
    git(root, "mv", "docs/adr", "docs/decisions")  # a folder: every record moves
    git(root, "mv", "docs/decisions/0003-use-nats.md", "docs/decisions/0004-use-nats.md")
    git(root, "commit", "-q", "-m", "move the decisions")
    git(root, "mv", "docs/rfc/RFC-0001-events.md", "docs/rfc/RFC-0001-event-ingestion.md")
    git(root, "mv", "docs/img", "docs/images")  # staged, not committed
    git(root, "rm", "-q", "notes/setup.md")
    return root


def test_fix_dry_run_shows_the_diff_and_lists_the_rest(moved):
    before = {p: p.read_bytes() for p in moved.rglob("*.md") if ".git" not in p.parts}
    code, out, err = run("fix", "-C", str(moved))
    assert code == 1
    assert "--- a/docs/guide.md\n+++ b/docs/guide.md\n" in out
    assert "-- [Kafka](adr/0002-use-kafka.md#retry-polcy) and [the RFC][rfc]\n" in out
    assert "+- [Kafka](decisions/0002-use-kafka.md#retry-policy) and [the RFC][rfc]\n" in out
    assert "+[rfc]: rfc/RFC-0001-event-ingestion.md\n" in out
    assert "+- ![diagram](images/flow.png)\n" in out
    assert (
        "TG101 ../notes/setup.md: not repaired, several files could be meant; candidates: "
        "a/setup.md, b/setup.md" in err
    )
    assert {p: p.read_bytes() for p in before} == before  # a dry run writes nothing


def test_fix_write_repairs_every_unambiguous_link(moved):
    files = {
        p.relative_to(moved).as_posix(): p.read_bytes()
        for p in moved.rglob("*.md")
        if ".git" not in p.parts
    }
    code, out, err = run("fix", "--write", "-C", str(moved))
    assert code == 0, err
    guide = (moved / "docs/guide.md").read_text()
    assert guide == (
        "# Guide\n\n"
        "- [Kafka](decisions/0002-use-kafka.md#retry-policy) and [the RFC][rfc]\n"
        "- ![diagram](images/flow.png)\n"
        "- [setup](../notes/setup.md)\n"
        "- [policy](decisions/0002-use-kafka.md#retry-policy)\n"
        "- `[in code](adr/0002-use-kafka.md)` stays\n\n"
        "```\n[also code](rfc/RFC-0001-events.md)\n```\n\n"
        "[rfc]: rfc/RFC-0001-event-ingestion.md\n"
    )
    rfc = (moved / "docs/rfc/RFC-0001-event-ingestion.md").read_text()
    assert "Decided in [ADR-0002](../decisions/0002-use-kafka.md).\n" in rfc
    kafka = (moved / "docs/decisions/0002-use-kafka.md").read_text()
    assert "See ADR-0004 too." in kafka  # git saw 0003 become 0004
    assert "docs/guide.md:3:3: TG101 adr/0002-use-kafka.md#retry-polcy -> " in out
    assert "../notes/setup.md: not repaired" in err
    for rel, data in files.items():  # only the repaired lines changed
        new = (moved / rel).read_bytes() if (moved / rel).exists() else data
        changed = [a for a, b in zip(data.splitlines(), new.splitlines(), strict=True) if a != b]
        assert all(b"](" in line or b"]:" in line or b"ADR-0003" in line for line in changed), rel
    code, out, err = run("check", "-C", str(moved), "--select", "TG1", "--format", "json")
    left = {(f["code"], f["path"], f["target"]) for f in json.loads(out)["findings"]}
    assert left == {("TG101", "docs/guide.md", "../notes/setup.md")}
    code, out, err = run("fix", "--check", "-C", str(moved))
    assert code == 0 and "not repaired" in out


def test_fix_check_is_quiet_and_fails_when_a_repair_exists(moved):
    code, out, _err = run("fix", "--check", "-C", str(moved))
    assert code == 1 and "---" not in out
    assert (
        "docs/rfc/RFC-0001-event-ingestion.md:5:12: TG101 ../adr/0002-use-kafka.md -> "
        "../decisions/0002-use-kafka.md (renamed or moved in git)" in out
    )


def test_fix_limited_to_one_file(moved):
    code, out, _err = run("fix", "docs/rfc", "--format", "json", "-C", str(moved))
    assert code == 1
    data = json.loads(out)
    assert data["changed"] == ["docs/rfc/RFC-0001-event-ingestion.md"]
    assert {r["path"] for r in data["repairs"]} == {"docs/rfc/RFC-0001-event-ingestion.md"}


def test_an_ambiguous_anchor_is_listed_not_guessed(tmp_path):
    root = repository(
        tmp_path / "r",
        {
            "a.md": "# A\n\n## Retry policy v1\n\n## Retry policy v2\n",
            "b.md": "# B\n\n[x](a.md#retry-policy)\n",
        },
    )
    code, out, err = run("fix", "-C", str(root))
    assert (code, out) == (0, "")
    assert (
        "TG102 a.md#retry-policy: not repaired, two headings are close; candidates: "
        "a.md#retry-policy-v2, a.md#retry-policy-v1" in err
    )


def test_a_spelling_guess_is_listed_not_applied(tmp_path):
    root = repository(tmp_path / "r", {"glossary.md": "# G\n", "b.md": "# B\n\n[x](glosary.md)\n"})
    code, out, err = run("fix", "-C", str(root))
    assert (code, out) == (0, "")
    assert "candidates: glossary.md" in err and "spelling guess, not applied" in err


def test_outside_git_the_tree_still_answers(tmp_path):
    root = repository(
        tmp_path / "r", {"docs/x/deep.md": "# D\n", "b.md": "[d](deep.md)\n"}, commit=False
    )
    code, _out, err = run("fix", "--write", "-C", str(root))
    assert code == 0, err
    assert (root / "b.md").read_text() == "[d](docs/x/deep.md)\n"


def test_a_kep_moved_to_another_sig_is_repaired_in_kep_yaml(tmp_path):
    from tests.write_repos import KEP

    root = repository(tmp_path / "k", KEP)
    (root / "keps/sig-apps").mkdir()
    git(
        root,
        "mv",
        "keps/sig-node/2273-kubelet-container-resources-cri-api-changes",
        "keps/sig-apps/",
    )
    code, out, err = run("fix", "--write", "-C", str(root))
    assert code == 0, err
    side = (root / "keps/sig-node/1287-in-place-update/kep.yaml").read_text()
    assert (
        'see-also:\n  - "/keps/sig-apps/2273-kubelet-container-resources-cri-api-changes"\n' in side
    )
    assert "kep.yaml:10:5: TG101 /keps/sig-node/2273-" in out
