"""TG503 suspect links, on real git repositories built commit by commit (issue 15)."""

from __future__ import annotations

import json
import multiprocessing
import os
import subprocess
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from click.testing import CliRunner

from tests.gitrepo import GIT_ENV
from tests.suspect_repo import ADR, PRD, RFC, TDD, HistoryRepo
from tracegraph import githistory, procs, suspect
from tracegraph import warm as warm_module
from tracegraph.api import check, scan, suspect_links
from tracegraph.cli import cli
from tracegraph.model import Finding

STRICT = "suspect:\n  mode: strict\n"


def suspects(root: Path) -> list[tuple[str, str]]:
    """The suspect (downstream, upstream) pairs as TG503 reports them (paths, upstream ID)."""
    found = check(scan(root), select=["TG503"])
    return [(f.path, f.target or "") for f in found if f.severity.value == "warning"]


def tg503(root: Path) -> list[Finding]:
    return check(scan(root), select=["TG503"])


@pytest.fixture
def repo(tmp_path: Path) -> HistoryRepo:
    chain = HistoryRepo(tmp_path / "repo")
    chain.commit("the chain")
    return chain


def test_an_edited_prd_body_makes_its_rfc_suspect_and_a_mention_does_not(repo: HistoryRepo):
    assert suspects(repo.root) == []
    repo.replace(PRD, "in one step", "in two steps")
    repo.commit("PRD: two steps")
    found = tg503(repo.root)
    assert [(f.path, f.line, f.target) for f in found] == [(RFC, 3, "PRD-0001")]
    assert found[0].message == (
        "rests on PRD-0001, changed in 1 commit (text) since this document was last reviewed "
        "(" + found[0].suspect.review_commit[:7] + ", 2026-01-01, created)"
    )
    # ADR-0001 only mentions PRD-0001 in prose: no suspect link.
    assert all(f.path != ADR for f in found)


def test_whitespace_and_unrelated_metadata_are_no_change(repo: HistoryRepo):
    repo.replace(PRD, "Customers pay", "Customers   pay\n")  # reflowed
    repo.write(f"{PRD}.tmp", "")  # an unrelated file in the same commit
    repo.commit("PRD: whitespace")
    repo.replace(PRD, "author: Ada", "author: Grace\nreviewers: [Alan]")
    repo.commit("PRD: another author")
    assert suspects(repo.root) == []


def test_status_change_counts_and_an_edit_reviews_in_default_mode(repo: HistoryRepo):
    repo.replace(PRD, "one step", "two steps")
    repo.commit("PRD body")
    assert suspects(repo.root) == [(RFC, "PRD-0001")]
    # Whitespace or another front-matter field in the RFC is not a review either...
    repo.replace(RFC, "A payments API", "A  payments API\n\n")
    repo.commit("RFC whitespace")
    repo.replace(RFC, "status: draft", "status: draft\nowner: Ada")
    repo.commit("RFC owner")
    assert suspects(repo.root) == [(RFC, "PRD-0001")]
    # ...its status is: the RFC is reviewed, and what rests on it becomes suspect.
    repo.replace(RFC, "status: draft", "status: accepted")
    repo.commit("RFC accepted")
    assert suspects(repo.root) == [(ADR, "RFC-0001"), (TDD, "RFC-0001")]
    tdd = next(f for f in tg503(repo.root) if f.path == TDD)
    assert "(status draft -> accepted)" in tdd.message and tdd.line == 3
    # A rename alone (the ID stays) changes nothing: still one commit for the TDD. The ADR's
    # link is updated in the same commit, which reviews the ADR and changes it for the TDD.
    repo.git("mv", RFC, "docs/rfc/RFC-0001-payments-api.md")
    repo.replace(ADR, "RFC-0001-payments.md", "RFC-0001-payments-api.md")
    repo.commit("RFC renamed")
    assert suspects(repo.root) == [(TDD, "RFC-0001"), (TDD, "ADR-0001")]
    tdd = next(f for f in tg503(repo.root) if f.target == "RFC-0001")
    assert "changed in 1 commit (status" in tdd.message
    assert tdd.suspect is not None and tdd.suspect.upstream_path.endswith("payments-api.md")
    # Editing the TDD afterwards clears its links.
    repo.replace(TDD, "calls Stripe", "calls Stripe through the payments API")
    repo.commit("TDD edited")
    assert suspects(repo.root) == []


def test_strict_mode_counts_only_recorded_reviews(repo: HistoryRepo):
    repo.write("tracegraph.yaml", STRICT)
    repo.commit("strict")
    repo.replace(RFC, "status: draft", "status: accepted")
    repo.commit("RFC accepted")
    repo.replace(TDD, "calls Stripe", "calls Stripe through the payments API")
    repo.commit("TDD edited")
    assert suspects(repo.root) == [(ADR, "RFC-0001"), (TDD, "RFC-0001")]
    found = next(f for f in tg503(repo.root) if f.path == TDD)
    assert found.suspect is not None and found.suspect.review_kind == "created"


def test_review_clears_exactly_the_named_pairs_and_the_file_is_deterministic(repo: HistoryRepo):
    repo.write("tracegraph.yaml", STRICT)
    repo.commit("strict")
    repo.replace(RFC, "status: draft", "status: accepted")
    repo.replace(ADR, "Stripe.\n", "Stripe, with idempotency keys.\n")
    repo.commit("RFC accepted, ADR decision refined")
    assert suspects(repo.root) == [(ADR, "RFC-0001"), (TDD, "RFC-0001"), (TDD, "ADR-0001")]
    runner = CliRunner()
    result = runner.invoke(cli, ["review", "TDD-0001", "--of", "rfc-1", "-C", str(repo.root)])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("recorded: TDD-0001 reviewed against RFC-0001 as of ")
    written = (repo.root / ".tracegraph-reviews.yaml").read_text(encoding="utf-8")
    head = repo.git("rev-parse", "HEAD").strip()
    assert written.endswith(f"version: 1\nreviews:\n  TDD-0001:\n    RFC-0001: {head}\n")
    assert suspects(repo.root) == [(ADR, "RFC-0001"), (TDD, "ADR-0001")]
    # Recording the same review again gives the same bytes.
    runner.invoke(cli, ["review", "TDD-0001", "--of", "RFC-0001", "-C", str(repo.root)])
    assert (repo.root / ".tracegraph-reviews.yaml").read_text(encoding="utf-8") == written
    # A review of everything TDD-0001 rests on, committed, clears it and nothing else.
    result = runner.invoke(cli, ["review", "TDD-0001", "-C", str(repo.root)])
    assert "against ADR-0001, RFC-0001" in result.stdout
    repo.commit("review TDD-0001")
    assert suspects(repo.root) == [(ADR, "RFC-0001")]
    finding = tg503(repo.root)[0]
    assert finding.suspect is not None and finding.suspect.review_kind == "created"


def test_check_json_lists_exactly_the_suspect_pairs(repo: HistoryRepo):
    repo.replace(PRD, "one step", "two steps")
    first = repo.commit("PRD body")
    repo.replace(PRD, "status: draft", "status: approved")
    second = repo.commit("PRD approved")
    result = CliRunner().invoke(
        cli, ["check", "--select", "TG503", "--format", "json", "-C", str(repo.root)]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["summary"]["findings"] == {"error": 0, "warning": 1, "info": 0}
    [finding] = data["findings"]
    created = repo.git("rev-list", "--max-parents=0", "HEAD").strip()
    assert finding["path"] == RFC and finding["line"] == 3 and "PRD-0001" in finding["message"]
    assert finding["message"].startswith("rests on PRD-0001, changed in 2 commits")
    assert finding["suspect"] == {
        "upstream": {"id": "PRD-0001", "path": PRD},
        "review": {"commit": created, "date": "2026-01-01", "kind": "created"},
        "changes": [
            {"commit": second, "date": "2026-01-03", "path": PRD},
            {"commit": first, "date": "2026-01-02", "path": PRD},
        ],
        "how": ["status draft -> approved", "text"],
    }


def test_a_change_merged_from_a_branch_is_unseen_by_an_older_review(repo: HistoryRepo):
    """The RFC is edited on main *after* the PRD was edited on a branch (by date), but the
    branch is merged later: the RFC's edit did not see the PRD's change."""
    repo.git("checkout", "-q", "-b", "side")
    repo.replace(PRD, "one step", "two steps")
    repo.commit("PRD on a branch")
    repo.git("checkout", "-q", "main")
    repo.replace(RFC, "A payments API", "A payments API, idempotent")
    repo.commit("RFC on main")
    assert (RFC, "PRD-0001") not in suspects(repo.root)
    repo.git("merge", "-q", "--no-ff", "--no-edit", "side")
    repo.day += 1
    assert (RFC, "PRD-0001") in suspects(repo.root)
    repo.replace(RFC, "idempotent", "idempotent for two steps")
    repo.commit("RFC after the merge")
    assert (RFC, "PRD-0001") not in suspects(repo.root)


def test_a_review_recorded_on_a_squashed_branch_counts_from_its_squash(repo: HistoryRepo):
    repo.write("tracegraph.yaml", STRICT)
    repo.replace(PRD, "one step", "two steps")
    repo.commit("PRD body")
    repo.git("checkout", "-q", "-b", "review-branch")
    repo.commit("work on the branch")
    assert CliRunner().invoke(cli, ["review", "RFC-0001", "-C", str(repo.root)]).exit_code == 0
    repo.commit("review RFC-0001")
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--squash", "review-branch")
    repo.commit("squashed")
    repo.git("branch", "-q", "-D", "review-branch")
    recorded = (repo.root / ".tracegraph-reviews.yaml").read_text(encoding="utf-8")
    commit = recorded.split("PRD-0001: ")[1].strip()
    assert subprocess.run(  # the recorded commit is not in main's history
        ["git", "-C", str(repo.root), "merge-base", "--is-ancestor", commit, "HEAD"],
        env={**GIT_ENV, "PATH": "/usr/bin:/bin"}, check=False,
    ).returncode != 0  # fmt: skip
    assert suspects(repo.root) == []


def test_shallow_clone_yields_one_info_finding_and_no_suspects(
    repo: HistoryRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A depth-1 clone's one commit has parents it does not hold: what changed is unknown
    (one info finding), not "nothing" as in a history of one commit, and no history is read
    to say so."""
    repo.replace(PRD, "one step", "two steps")
    repo.commit("PRD body")
    clone = tmp_path / "shallow"
    subprocess.run(
        ["git", "clone", "-q", "--depth", "1", f"file://{repo.root}", str(clone)], check=True,
        capture_output=True,
    )  # fmt: skip
    probe = githistory.probe_repository(clone)
    assert (probe.status, probe.parents, probe.one_commit) == ("shallow", None, False)
    corpus = scan(clone)
    calls = _git_calls(monkeypatch)
    [finding] = check(corpus, select=["TG503"])
    assert calls == ["rev-parse"]
    assert (finding.path, finding.severity.value) == (".", "info")
    assert "shallow" in finding.message and "fetch-depth: 0" in finding.message


def test_partial_clone_without_old_contents_says_so(repo: HistoryRepo, tmp_path):
    repo.replace(PRD, "one step", "two steps")
    repo.commit("PRD body")
    repo.git("config", "uploadpack.allowFilter", "true")
    clone = tmp_path / "partial"
    subprocess.run(
        ["git", "clone", "-q", "--filter=blob:none", f"file://{repo.root}", str(clone)],
        check=True, capture_output=True,
    )  # fmt: skip
    [finding] = tg503(clone)
    assert finding.severity.value == "info" and "partial clone" in finding.message


def test_outside_git_tg503_is_off_with_one_note(tmp_path: Path):
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "a.md").write_text("# A\n\n[b](b.md)\n")
    (plain / "b.md").write_text("# B\n")
    result = CliRunner().invoke(cli, ["check", "-C", str(plain)])
    assert result.exit_code == 0
    assert result.stderr == (
        f"tracegraph: note: TG503 (suspect links) is off: {plain} is not in a git work tree\n"
    )
    ignored = CliRunner().invoke(cli, ["check", "-C", str(plain), "--ignore", "TG503"])
    assert ignored.stderr == ""
    assert suspect_links(scan(plain)).status == "off"


def test_the_history_is_read_once_and_cached_by_head(repo: HistoryRepo, monkeypatch):
    repo.replace(PRD, "one step", "two steps")
    repo.commit("PRD body")
    corpus = scan(repo.root)
    cold = suspect_links(corpus, cache=True)
    calls: list[tuple[str, ...]] = []
    real = githistory.run_git

    def counting(root: Path, *args: str, **options: Any):  # type: ignore[no-untyped-def]
        calls.append(args)
        return real(root, *args, **options)

    monkeypatch.setattr(githistory, "run_git", counting)
    monkeypatch.setattr(warm_module, "run_git", counting)  # the probe is ``warm.ask_git``'s
    warm = suspect_links(corpus, cache=True)
    assert warm == cold and len(warm.links) == 1
    assert [c[0] for c in calls] == ["rev-parse"]  # one probe: no log, no file contents
    repo.replace(RFC, "A payments API", "A payments API for two steps")
    repo.commit("RFC reviewed")
    calls.clear()
    after = suspect_links(scan(repo.root), cache=True)
    assert {(link.downstream, link.upstream) for link in after.links} == {(ADR, RFC), (TDD, RFC)}
    assert [c[0] for c in calls].count("log") == 1


def test_a_history_where_nothing_changed_reads_no_version_once_git_is_done(
    repo: HistoryRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Two commits, the second touching no document: no change since any review. Versions at
    # HEAD are fingerprinted ahead only while git reads the history; after it, the analysis
    # reads no content at all. (A history of one commit reads no history: the next tests.)
    repo.write("notes.txt", "not a document\n")
    repo.commit("a note")
    done: list[bool] = []
    after: list[int] = []
    real_log, real_read = suspect.read_log, githistory.BlobReader.read

    def read_log(*args: Any, **options: Any) -> githistory.Log:
        history = real_log(*args, **options)
        done.append(True)
        return history

    def read(self: githistory.BlobReader, blobs: Any) -> Any:
        if done:
            after.append(len(blobs))
        return real_read(self, blobs)

    monkeypatch.setattr(suspect, "read_log", read_log)
    monkeypatch.setattr(githistory.BlobReader, "read", read)
    assert suspect_links(scan(repo.root), cache=False).links == ()
    assert done == [True] and after == []
    repo.replace(PRD, "one step", "two steps")
    repo.commit("PRD body")
    assert len(suspect_links(scan(repo.root), cache=False).links) == 1
    assert after  # a change since the review: its versions are read


def _git_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The git subcommands TG503 runs from now on (the probe's too)."""
    calls: list[str] = []
    real_run, real_start = githistory.run_git, githistory.start_git

    def run(root: Path, *args: str, **options: Any):  # type: ignore[no-untyped-def]
        calls.append(args[0])
        return real_run(root, *args, **options)

    def start(root: Path, *args: str, **options: Any):  # type: ignore[no-untyped-def]
        calls.append(args[0])
        return real_start(root, *args, **options)

    monkeypatch.setattr(githistory, "run_git", run)
    monkeypatch.setattr(githistory, "start_git", start)
    monkeypatch.setattr(warm_module, "run_git", run)  # the probe is ``warm.ask_git``'s
    return calls


def _read_in_full(monkeypatch: pytest.MonkeyPatch) -> None:
    """TG503 reads the history even of one commit (as it did before it knew)."""
    monkeypatch.setattr(githistory.Repository, "one_commit", property(lambda self: False))


def test_a_history_of_one_commit_reads_none_and_finds_what_reading_it_finds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """HEAD without a parent: every file came with it, so no link is suspect; git is asked
    nothing after the probe, and the analysis (stale reviews included, with and without a
    scope, an uncommitted edit and an uncommitted document aside) is the one read from the
    history."""
    repo = HistoryRepo(tmp_path / "repo")
    repo.write(".tracegraph-reviews.yaml", (
        f"version: 1\nreviews:\n  TDD-0001:\n    RFC-0001: {'a' * 40}\n"
        f"    PRD-0001: {'b' * 40}\n  TDD-0009:\n    RFC-0001: {'c' * 40}\n"
    ))  # fmt: skip
    repo.commit("the chain, reviewed")
    repo.replace(PRD, "status: draft", "status: approved")  # not committed
    repo.write("docs/tdd/TDD-0002-refunds.md", "---\nimplements: PRD-0001\n---\n# Refunds\n")
    corpus = scan(repo.root)
    calls = _git_calls(monkeypatch)
    fast = [suspect_links(corpus, cache=cache) for cache in (False, True)]
    scoped = suspect_links(corpus, within=[TDD])
    assert calls == ["rev-parse"] * 3
    assert not (repo.root / githistory.LOG_CACHE).exists()
    assert fast[0] == fast[1] and fast[0].links == () and fast[0].status == "ok"
    assert [(r.document, r.upstream) for r in fast[0].stale_reviews] == [
        ("TDD-0001", "PRD-0001"), ("TDD-0009", "RFC-0001"),
    ]  # fmt: skip
    _read_in_full(monkeypatch)
    calls.clear()
    assert suspect_links(corpus, cache=False) == fast[0]
    assert suspect_links(corpus, within=[TDD]) == scoped
    assert {"ls-tree", "rev-list", "log"} <= set(calls)
    assert tg503(repo.root) == [] and suspects(repo.root) == []


def test_a_second_commit_after_a_cached_run_of_one_commit(repo: HistoryRepo, monkeypatch):
    """A cached check at a root commit keeps no history; the commit after it is read in
    full and finds its change, as a check without cache does."""
    runner = CliRunner()
    args = ["check", "--select", "TG503", "--format", "json", "-C", str(repo.root)]
    first = runner.invoke(cli, args)
    assert first.exit_code == 0 and json.loads(first.stdout)["findings"] == []
    assert not (repo.root / githistory.LOG_CACHE).exists()
    repo.replace(PRD, "one step", "two steps")
    repo.commit("PRD body")
    second = runner.invoke(cli, args)
    assert [f["path"] for f in json.loads(second.stdout)["findings"]] == [RFC]
    assert (repo.root / githistory.LOG_CACHE).exists()
    cached = suspect_links(scan(repo.root), cache=True)
    assert cached == suspect_links(scan(repo.root), cache=False) and len(cached.links) == 1


def test_fingerprints_fetched_ahead_stop_when_told(repo: HistoryRepo) -> None:
    corpus = scan(repo.root)
    head = githistory.read_log(repo.root, githistory.probe_repository(repo.root), cache=False)
    blobs = sorted(head.head_blobs.values())
    store = suspect.FingerprintStore(repo.root, corpus.config, cache=False)
    store.fetch(((b, False) for b in blobs), until=lambda: False)
    assert store.added == 0
    answers = iter([True, True, False])
    store.fetch(((b, False) for b in blobs), until=lambda: next(answers, False))
    assert store.added == 1  # asked before the call, then before each version
    store.fetch((b, False) for b in blobs)
    assert store.added == len(blobs) and store.get(blobs[-1], False) is not None


def test_a_worker_process_fingerprints_half_of_a_big_read_the_same_way(
    repo: HistoryRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    for number in range(3):
        repo.replace(PRD, "step", f"step {number}")
        repo.commit(f"PRD {number}")
    corpus = scan(repo.root)
    history = githistory.read_log(repo.root, githistory.probe_repository(repo.root), cache=False)
    wanted = sorted({(b, m) for row in history.changes for b in row[2:4] if b for m in (0, 1)})
    wanted = [(b, bool(m)) for b, m in wanted]

    def made(worker_from: int) -> tuple[list[tuple[str, Any]], int, bool]:
        monkeypatch.setattr(suspect, "WORKER_VERSIONS", worker_from)
        store = suspect.FingerprintStore(repo.root, corpus.config, cache=False)
        store.fetch(wanted)
        used = store._pool is not None
        store.close()
        assert store._pool is None
        return list(store.known.items()), store.added, used

    here = made(10**9)
    assert not here[2] and here[1] == len(wanted) >= 8
    assert made(2) == (here[0], here[1], True)  # the same fingerprints, in the same order
    # The worker is killed (out of memory...): its half is done here.
    monkeypatch.setattr(suspect, "_fingerprint_share", _die_in_worker)
    assert made(2) == (here[0], here[1], True)
    # A check's forked rules child may start no worker, and digests it all.
    with monkeypatch.context() as patch:
        patch.setattr(procs, "_helpers", True)
        procs.forbid_helpers()
        assert not procs.helpers_allowed()
        assert made(2) == (here[0], here[1], False)
    assert procs.helpers_allowed()
    # Nor may a daemonic process (which may have no children).
    monkeypatch.setattr(multiprocessing, "current_process", lambda: SimpleNamespace(daemon=True))
    assert made(2) == (here[0], here[1], False)


def _die_in_worker(*args: Any) -> bytes:
    os._exit(1)


def test_the_check_result_cache_follows_head_and_the_review_file(repo: HistoryRepo):
    runner = CliRunner()
    args = ["check", "--select", "TG503", "--format", "json", "-C", str(repo.root)]
    assert json.loads(runner.invoke(cli, args).stdout)["findings"] == []
    repo.replace(PRD, "one step", "two steps")
    repo.commit("PRD body")
    assert len(json.loads(runner.invoke(cli, args).stdout)["findings"]) == 1
    runner.invoke(cli, ["review", "RFC-0001", "-C", str(repo.root)])
    assert json.loads(runner.invoke(cli, args).stdout)["findings"] == []


def test_documents_in_a_subfolder_root(repo: HistoryRepo):
    repo.replace(PRD, "one step", "two steps")
    repo.commit("PRD body")
    docs = repo.root / "docs"
    assert suspects(docs) == [("rfc/RFC-0001-payments.md", "PRD-0001")]


def test_a_rename_that_changes_the_id_counts(tmp_path: Path):
    """The RFC lists the TDD under "Downstream Impact" (the edge TDD -> RFC is declared by the
    RFC), so renaming the RFC to another number keeps the edge and changes what it rests on."""
    repo = HistoryRepo(
        tmp_path / "repo",
        files={
            "rfc/RFC-0001-payments.md": """
                # Payments API

                ## Downstream Impact

                - [the service](../tdd/TDD-0001-service.md)
                """,
            "tdd/TDD-0001-service.md": "# Payment service\n\nText.\n",
        },
    )
    repo.commit("two documents")
    repo.git("mv", "rfc/RFC-0001-payments.md", "rfc/RFC-0007-payments.md")
    repo.commit("renumbered")
    [finding] = tg503(repo.root)
    assert (finding.path, finding.line) == ("rfc/RFC-0007-payments.md", 5)
    assert "rests on RFC-0007, changed in 1 commit (id RFC-0001 -> RFC-0007)" in finding.message
    assert finding.document == "TDD-0001"


def test_a_new_document_not_committed_yet_is_not_suspect(repo: HistoryRepo):
    repo.replace(PRD, "one step", "two steps")
    repo.commit("PRD body")
    repo.write("docs/tdd/TDD-0002-refunds.md", "---\nimplements: PRD-0001\n---\n# Refunds\n")
    assert suspects(repo.root) == [(RFC, "PRD-0001")]


def test_a_kep_changes_through_its_kep_yaml(tmp_path: Path):
    """A KEP's status and title live in kep.yaml beside its README: a change there counts
    (another field does not), and the finding sits where the edge is written (kep.yaml)."""
    readme = (
        "# KEP: {title}\n\n## Summary\n\nText.\n\n## Motivation\n\nWhy.\n\n## Proposal\n\nHow.\n"
    )
    repo = HistoryRepo(
        tmp_path / "repo",
        files={
            "keps/sig-node/127-userns/README.md": readme.format(title="User namespaces"),
            "keps/sig-node/127-userns/kep.yaml": (
                "title: User namespaces\nkep-number: 127\nstatus: implementable\n"
                "last-updated: 2026-01-01\n"
            ),
            "keps/sig-node/200-other/README.md": readme.format(title="Other"),
            "keps/sig-node/200-other/kep.yaml": (
                "title: Other\nkep-number: 200\nstatus: provisional\n"
                "see-also:\n  - /keps/sig-node/127-userns\n"
            ),
        },
    )
    repo.commit("two KEPs")
    repo.replace("keps/sig-node/127-userns/kep.yaml", "2026-01-01", "2026-02-02")
    repo.commit("KEP-127 touched")
    assert suspects(repo.root) == []
    repo.replace(
        "keps/sig-node/127-userns/kep.yaml", "status: implementable", "status: implemented"
    )
    repo.commit("KEP-127 implemented")
    [finding] = tg503(repo.root)
    assert (finding.path, finding.line, finding.document) == (
        "keps/sig-node/200-other/kep.yaml", 5, "KEP-200",
    )  # fmt: skip
    assert "rests on KEP-127, changed in 1 commit (status implementable -> implemented)" in (
        finding.message
    )


def test_an_edit_in_the_editor_rechecks_tg503_as_a_full_check_does(repo: HistoryRepo):
    """TG503 is a local rule: after an unsaved edit, ``recheck`` (the language server's) gives
    what a full check gives, without reading the history again."""
    from tests.unit.test_incremental import Editor
    from tracegraph.checks import recheck, run_checks
    from tracegraph.graph import update_corpus

    repo.replace(PRD, "one step", "two steps")
    repo.commit("PRD body")
    corpus = scan(repo.root)
    before = run_checks(corpus)
    assert [f.path for f in before if f.code == "TG503"] == [RFC]
    text = (repo.root / TDD).read_text().replace("implements: RFC-0001\n", "")
    update = update_corpus(corpus, [Editor(corpus).parse(TDD, text)])
    after = recheck(update.corpus, before, update.touched)
    assert after == run_checks(update.corpus)
