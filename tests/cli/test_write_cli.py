"""The write commands through the real CLI, on temporary git repositories in each convention:
after ``new``, ``status``, ``supersede`` and ``index``, ``tracegraph check`` has no new findings
(a new document's unfilled template text aside) and only the edited lines changed."""

from __future__ import annotations

import difflib
import os
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import PROJECT
from tests.write_repos import FRONT_MATTER, KEP, MADR, NYGARD, TDD, repository
from tracegraph import api
from tracegraph.cli import cli, load_commands

load_commands()  # the tests below walk cli.commands, which fills on demand

TODAY = "2026-11-28"
Snapshot = dict[str, bytes]


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, [*args, "--today", TODAY])
    return result.exit_code, result.stdout, result.stderr


def snapshot(root: Path) -> Snapshot:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".git" not in p.parts and ".tracegraph" not in p.parts
    }


def findings(root: Path) -> set[tuple[str, str, str]]:
    result = api.check_tree(root, today=date.fromisoformat(TODAY))
    return {(f.code, f.path, f.message) for f in result.findings}


def changed_lines(before: bytes, after: bytes) -> tuple[list[str], list[str]]:
    """(removed, added) lines between two versions of a file."""
    old, new = before.decode().splitlines(), after.decode().splitlines()
    removed, added = [], []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new).get_opcodes():
        if tag != "equal":
            removed += old[i1:i2]
            added += new[j1:j2]
    return removed, added


@pytest.fixture
def repo(tmp_path: Path) -> Callable[[dict[str, str]], Path]:
    def build(files: dict[str, str]) -> Path:
        return repository(tmp_path / "repo", files)

    return build


def new_findings(root: Path, before: set[tuple[str, str, str]], created: str = "") -> set:
    """Findings that appeared, except the unfilled template text of a created document."""
    return {f for f in findings(root) - before if not (f[0] == "TG402" and f[1] == created)}


# --- Nygard (adr-tools) ------------------------------------------------------------------------


def test_nygard_new_supersede_status_and_index(repo):
    root = repo(NYGARD)
    before, files = findings(root), snapshot(root)
    code, out, err = run("new", "adr", "Use NATS", "--supersedes", "ADR-0002", "-C", str(root))
    assert code == 0, err
    created = "doc/adr/0004-use-nats.md"
    assert out == f"{root / created}\n" or out.endswith(f"{created}\n")
    text = (root / created).read_text()
    assert text.startswith("# 4. Use NATS\n\nDate: 2026-11-28\n\n## Status\n\nProposed\n\n")
    assert "Supersedes [ADR-0002](0002-use-rabbitmq.md)" in text
    assert "stays accepted until ADR-0004 is accepted" in err
    assert snapshot(root) == {**files, created: (root / created).read_bytes()}  # nothing else
    assert {f[0] for f in new_findings(root, before, created)} == {"TG204"}  # one-sided, said so

    code, out, err = run("supersede", "ADR-0002", "--by", "ADR-0004", "-C", str(root))
    assert code == 1 and "ADR-0004 is proposed" in err and "nothing was changed" in err
    assert (root / "doc/adr/0002-use-rabbitmq.md").read_bytes() == files[
        "doc/adr/0002-use-rabbitmq.md"
    ]

    code, out, err = run("status", "ADR-0004", "Accepted", "-C", str(root))
    assert code == 0, err
    assert out.strip().endswith("doc/adr/0004-use-nats.md: status: Proposed -> Accepted (line 7)")
    code, out, err = run("supersede", "ADR-0002", "--by", "adr-4", "-C", str(root))
    assert code == 0, err
    removed, added = changed_lines(
        files["doc/adr/0002-use-rabbitmq.md"], (root / "doc/adr/0002-use-rabbitmq.md").read_bytes()
    )
    assert removed == ["Accepted"]
    assert added == ["Superseded by [ADR-0004](0004-use-nats.md)"]
    # the example Status section inside the code block of ADR-0002 is untouched
    assert (
        "```markdown\n## Status\n\nAccepted\n```"
        in (root / "doc/adr/0002-use-rabbitmq.md").read_text()
    )
    # ADR-0003 still cites ADR-0002: the command says so, and check reports it (TG301)
    assert (
        "doc/adr/0003-use-kafka.md:11:25: TG301 ADR-0003 (proposed) cites ADR-0002, which is "
        "superseded; cite ADR-0004 instead?" in err
    )
    assert {(f[0], f[1]) for f in new_findings(root, before, created)} == {
        ("TG301", "doc/adr/0003-use-kafka.md")
    }
    before = findings(root)

    code, out, err = run("index", "ADR", "-C", str(root))
    assert code == 0, err
    page = (root / "doc/adr/README.md").read_text()
    assert (
        "| ADR-0002 | [Use RabbitMQ](0002-use-rabbitmq.md) | Superseded (by ADR-0004) "
        "| 2026-02-10 |" in page
    )
    assert (
        "| ADR-0004 | [Use NATS](0004-use-nats.md) | Accepted (supersedes ADR-0002) | 2026-11-28 |"
        in page
    )
    assert new_findings(root, before, created) == set()
    code, out, err = run("index", "ADR", "--check", "-C", str(root))
    assert (code, out) == (0, "")


def test_nygard_supersede_with_force_while_draft(repo):
    root = repo(NYGARD)
    before = findings(root)
    code, out, err = run("supersede", "ADR-0002", "--by", "ADR-0003", "--force", "-C", str(root))
    assert code == 0, err
    assert (
        "doc/adr/0002-use-rabbitmq.md: status: Accepted -> "
        "Superseded by [ADR-0003](0003-use-kafka.md) (line 7)" in out
    )
    assert "doc/adr/0003-use-kafka.md: supersedes ADR-0002" in out
    new = (root / "doc/adr/0003-use-kafka.md").read_text()
    assert (
        "## Status\n\nProposed\n\nSupersedes [ADR-0002](0002-use-rabbitmq.md)\n\n## Context" in new
    )
    assert new_findings(root, before) == set()
    code, out, err = run("supersede", "ADR-0002", "--by", "ADR-0003", "-C", str(root))
    assert code == 0 and "already superseded" in err and out == ""


# --- front matter ------------------------------------------------------------------------------


def test_front_matter_status_and_supersede_keep_comments_and_order(repo):
    root = repo(FRONT_MATTER)
    before, files = findings(root), snapshot(root)
    code, out, err = run("status", "RFC-0002", "in review", "-C", str(root))
    assert code == 0, err
    assert "docs/rfc/RFC-0002-ingest-v2.md: status: draft -> in-review (line 4)\n" in out
    removed, added = changed_lines(
        files["docs/rfc/RFC-0002-ingest-v2.md"],
        (root / "docs/rfc/RFC-0002-ingest-v2.md").read_bytes(),
    )
    assert (removed, added) == (
        ["status: draft", "updated: 2026-06-04"],
        ["status: in-review", "updated: 2026-11-28"],
    )
    code, _out, err = run("supersede", "RFC-0001", "--by", "RFC-0002", "-C", str(root))
    assert code == 1 and "once it is accepted" in err
    run("status", "RFC-0002", "accepted", "-C", str(root))
    code, _out, err = run("supersede", "RFC-0001", "--by", "RFC-0002", "-C", str(root))
    assert code == 0, err
    old = (root / "docs/rfc/RFC-0001-ingest.md").read_text()
    assert "status: superseded\nauthor: Bo" in old  # the key order is kept
    assert "implements: [PRD-0001]\nsuperseded_by: [RFC-0002]\n---" in old  # beside its kind
    new = (root / "docs/rfc/RFC-0002-ingest-v2.md").read_text()
    assert "implements:\n  - PRD-0001\nsupersedes: [RFC-0001]\n---" in new
    # what the new status means, not an inconsistency: a reviewed RFC needs an ADR or a TDD
    assert {(f[0], f[1]) for f in new_findings(root, before)} == {
        ("TG202", "docs/rfc/RFC-0002-ingest-v2.md")
    }


def test_front_matter_new_with_implements_and_depends_on(repo):
    root = repo(FRONT_MATTER)
    before = findings(root)
    code, _out, err = run(
        "new",
        "RFC",
        "Replay events",
        "--implements",
        "PRD-0001",
        "--depends-on",
        "RFC-0001",
        "--author",
        "Di",
        "-C",
        str(root),
    )
    assert code == 0, err
    created = "docs/rfc/RFC-0003-replay-events.md"
    text = (root / created).read_text()
    assert text.startswith("# RFC-0003: Replay events\n\n**Status:** Draft\n**Author:** Di\n")
    assert "**Implements:** [PRD-0001](../prd/PRD-0001-tracking.md)" in text
    assert "Depends on [RFC-0001](RFC-0001-ingest.md)" in text
    assert new_findings(root, before, created) == set()


# --- MADR ---------------------------------------------------------------------------------------


def test_madr_supersede_writes_the_successor_into_the_status(repo):
    root = repo(MADR)
    before, files = findings(root), snapshot(root)
    code, _out, err = run("supersede", "ADR-0002", "--by", "ADR-0003", "-C", str(root))
    assert code == 0, err
    old = "docs/decisions/0002-use-postgres.md"
    removed, added = changed_lines(files[old], (root / old).read_bytes())
    assert removed == ['status: "accepted"']
    assert added == ['status: "superseded by [ADR-0003](0003-use-cockroachdb.md)"']
    new = "docs/decisions/0003-use-cockroachdb.md"
    removed, added = changed_lines(files[new], (root / new).read_bytes())
    assert (removed, added) == ([], ["supersedes: [ADR-0002]"])
    assert new_findings(root, before) == set()


def test_madr_new_takes_the_header_from_the_newest_record(repo):
    root = repo(MADR)
    before = findings(root)
    code, _out, err = run("new", "ADR", "Use Redis for sessions", "-C", str(root))
    assert code == 0, err
    created = "docs/decisions/0004-use-redis-for-sessions.md"
    text = (root / created).read_text()
    assert text.startswith(
        "---\nstatus: proposed\ndate: 2026-11-28\ndecision-makers: Ada Lovelace\n---\n\n"
        "# Use Redis for sessions\n"
    )
    assert "## Context\n" in text and "tracegraph" not in text  # no checker comments
    # a record that links nothing is an orphan until an index page lists it
    assert {(f[0], f[1]) for f in new_findings(root, before, created)} == {("TG201", created)}
    run("index", "-C", str(root))
    assert new_findings(root, before, created) == set()


# --- KEP --------------------------------------------------------------------------------------


def test_kep_new_writes_the_sidecar_and_supersede_edits_it(repo):
    root = repo(KEP)
    before, files = findings(root), snapshot(root)
    code, out, err = run(
        "new",
        "KEP",
        "Resize v2",
        "--supersedes",
        "KEP-1287",
        "--status",
        "implementable",
        "--folder",
        "keps/sig-node",
        "-C",
        str(root),
    )
    assert code == 0, err
    created = "keps/sig-node/2274-resize-v2/README.md"
    assert out.strip().endswith(created)
    side = (root / "keps/sig-node/2274-resize-v2/kep.yaml").read_text()
    assert side == (
        "title: Resize v2\nkep-number: 2274\nauthors:\n  - Ada Lovelace\nstatus: implementable\n"
        "creation-date: 2026-11-28\nlast-updated: 2026-11-28\n"
        'replaces:\n  - "/keps/sig-node/1287-in-place-update"\n'
    )
    old = "keps/sig-node/1287-in-place-update/kep.yaml"
    removed, added = changed_lines(files[old], (root / old).read_bytes())
    assert removed == ["status: implemented", "last-updated: 2026-01-01", "  - n/a"]
    assert added == [
        "status: replaced",
        "last-updated: 2026-11-28",
        '  - "/keps/sig-node/2274-resize-v2"',
    ]
    assert (root / "keps/sig-node/1287-in-place-update/README.md").read_bytes() == files[
        "keps/sig-node/1287-in-place-update/README.md"
    ]
    # KEP-2273 sees also KEP-1287: said, and reported by check as citing a replaced KEP
    # KEP-2273 sees also KEP-1287: history, not resting on it (the KEP preset's `cites`)
    assert new_findings(root, before, created) == set()


# --- the TDD template ------------------------------------------------------------------------


def test_tdd_new_fills_the_template_places(repo):
    root = repo(TDD)
    before = findings(root)
    code, _out, err = run(
        "new",
        "tdd",
        "Billing exports",
        "--implements",
        "PRD-0001",
        "--implements",
        "RFC-0001",
        "--depends-on",
        "TDD-0001",
        "-C",
        str(root),
    )
    assert code == 0, err
    created = "docs/tdd/TDD-0003-billing-exports.md"
    text = (root / created).read_text()
    assert text.startswith(
        "# Technical Design Document (TDD): Billing exports\n\n**Status:** Draft\n"
        "**Author:** Ada Lovelace\n**Created:** 2026-11-28\n**Last Updated:** 2026-11-28\n"
    )
    assert (
        "- PRD: [PRD-0001](../prd/PRD-0001-tracking.md)\n"
        "- RFC: [RFC-0001](../rfc/RFC-0001-ingest.md)\n" in text
    )
    assert (
        "### Upstream Dependencies (Must exist first)\n- [TDD-0001](TDD-0001-tracking-api.md)\n"
        in text
    )
    assert "<!-- LLM" not in text
    assert new_findings(root, before, created) == set()
    fresh = findings(root) - before
    assert fresh and {f[0] for f in fresh} == {"TG402"}  # the template's text to write


def test_tdd_supersede_puts_the_link_in_the_status_line(repo):
    root = repo(TDD)
    before, files = findings(root), snapshot(root)
    run("status", "TDD-0002", "approved", "-C", str(root))
    code, _out, err = run("supersede", "TDD-0001", "--by", "TDD-0002", "-C", str(root))
    assert code == 0, err
    old = "docs/tdd/TDD-0001-tracking-api.md"
    removed, added = changed_lines(files[old], (root / old).read_bytes())
    assert removed == ["**Status:** Approved", "**Last Updated:** 2026-03-01"]
    assert added == [
        "**Status:** Superseded by [TDD-0002](TDD-0002-tracking-api-v2.md)",
        "**Last Updated:** 2026-11-28",
    ]
    new = (root / "docs/tdd/TDD-0002-tracking-api-v2.md").read_text()
    assert (
        "**Last Updated:** 2026-11-28\n\n"
        "Supersedes [TDD-0001](TDD-0001-tracking-api.md)\n\n**Related" in new
    )
    assert new_findings(root, before) == set()


# --- options and errors ----------------------------------------------------------------------


def test_status_is_checked_against_the_lifecycle(repo):
    root = repo(NYGARD)
    code, _out, err = run("status", "ADR-0001", "done", "-C", str(root))
    assert code == 2
    assert (
        "'done' is not a ADR status; allowed: proposed, accepted, deprecated, superseded, rejected"
        in err
    )


def test_dry_run_shows_a_diff_and_writes_nothing(repo):
    root = repo(NYGARD)
    files = snapshot(root)
    code, out, err = run("status", "ADR-0003", "accepted", "--dry-run", "-C", str(root))
    assert code == 0, err
    assert out.startswith("--- a/doc/adr/0003-use-kafka.md\n+++ b/doc/adr/0003-use-kafka.md\n")
    assert "-Proposed\n+Accepted\n" in out
    assert snapshot(root) == files


def test_an_unknown_document_is_a_usage_error(repo):
    root = repo(NYGARD)
    code, _out, err = run("status", "ADR-0009", "accepted", "-C", str(root))
    assert code == 2 and "no document 'ADR-0009'" in err


def test_index_refreshes_between_the_markers_only(repo):
    root = repo(
        {
            **NYGARD,
            "doc/adr/README.md": "# Decisions\n\nIntro text.\n\n"
            "<!-- tracegraph-index ADR begin -->\nstale\n"
            "<!-- tracegraph-index ADR end -->\n\nOutro.\n",
        }
    )
    code, out, err = run("index", "-C", str(root))
    assert code == 0, err
    page = (root / "doc/adr/README.md").read_text()
    assert page.startswith(
        "# Decisions\n\nIntro text.\n\n<!-- tracegraph-index ADR begin -->\n\n| ID |"
    )
    assert page.endswith(
        "| Proposed | 2026-03-01 |\n\n<!-- tracegraph-index ADR end -->\n\nOutro.\n"
    )
    code, out, err = run("index", "--check", "-C", str(root))
    assert (code, out) == (0, "")
    code, out, err = run("new", "ADR", "Use NATS", "-C", str(root))
    assert code == 0 and "updated" in err and "ADR index refreshed" in err
    assert "[Use NATS](0004-use-nats.md)" in (root / "doc/adr/README.md").read_text()


def test_index_check_fails_when_out_of_date(repo):
    root = repo(NYGARD)
    code, out, _err = run("index", "ADR", "--check", "-C", str(root))
    assert code == 1 and out.startswith("--- /dev/null\n+++ b/doc/adr/README.md\n")
    assert not (root / "doc/adr/README.md").exists()


def test_a_file_changed_between_read_and_write_is_refused(repo, monkeypatch):
    from tracegraph.edit import changes

    root = repo(NYGARD)
    target = root / "doc/adr/0003-use-kafka.md"
    real = changes.write_changes

    def meddle(base, planned):
        target.write_text(target.read_text() + "\nA late edit.\n")
        return real(base, planned)

    monkeypatch.setattr(changes, "write_changes", meddle)
    code, _out, err = run("status", "ADR-0003", "accepted", "-C", str(root))
    assert code == 2 and "changed since tracegraph read it; nothing was written" in err
    assert target.read_text().endswith("## Consequences\n\nReplays work.\n\nA late edit.\n")
    assert "Proposed" in target.read_text()


def test_new_without_git_leaves_the_author_to_fill(tmp_path, monkeypatch):
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    root = repository(tmp_path / "r", TDD, commit=False)
    code, _out, err = run("new", "TDD", "Exports", "-C", str(root))
    assert code == 0, err
    text = (root / "docs/tdd/TDD-0003-exports.md").read_text()
    assert "**Author:** [Engineering Lead Name]" in text
    assert "no git user.name; give --author" in err


def test_the_readme_documents_every_write_command_option():
    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Changing documents") : readme.index("## Performance")]
    for name in ("new", "status", "supersede", "index", "fix"):
        assert f"**`{name}" in section, name
        for param in cli.commands[name].params:
            for option in param.opts:
                if option.startswith("--") and option not in ("--root", "--config"):
                    assert option in section, (name, option)


def test_a_folder_outside_the_root_is_refused(repo):
    root = repo(NYGARD)
    code, _out, err = run("new", "ADR", "X", "--folder", "../elsewhere", "-C", str(root))
    assert code == 2 and "give a folder inside the repository" in err
    assert not (root.parent / "elsewhere").exists()
