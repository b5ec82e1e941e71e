"""The cold, warm and incremental paths of ``tracegraph check`` report the same findings.

Each tree is checked without cache (the reference), then with cache (the build), again (warm),
and after edits: an appended line and an inserted paragraph (answered by carrying the stored
findings to their new lines), a new broken link, a new link to another document, a removed
link, a changed heading, a new ID and a deleted document (the whole check runs).
Every answer must equal a fresh run without cache, finding for finding; ``check --since``
must report exactly the difference between fresh checks of the work tree and of the commit.
"""

from __future__ import annotations

import marshal
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import astuple
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CORPORA, PROJECT
from tests.helpers import latest_result
from tracegraph import api, cache, checks, graph, linkedit, suspect
from tracegraph.cache import encode
from tracegraph.checks import parallel
from tracegraph.checks.context import CheckContext
from tracegraph.incremental import carry_findings, line_map
from tracegraph.model import Document, Finding, Heading, Severity
from tracegraph.suspect import resting_on

TODAY = date(2026, 1, 1)
Edit = Callable[[str], str]


@pytest.fixture(autouse=True)
def settled(monkeypatch: pytest.MonkeyPatch) -> None:
    """Files written by a test are seconds old: treat them as settled so results are stored."""
    monkeypatch.setattr(cache, "RACY_SECONDS", 0.0)


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What the checks did, in order: "build" per graph build (a run not answered from the
    stored findings), then "recheck" when it reran only what the change touches or "all"
    when it tried to and fell back to every rule; "links" when a links-only edit was answered
    from the graph stored beside the findings (``tracegraph.linkedit``), without a build."""
    calls: list[str] = []
    build, recheck, linked = graph.build_corpus, api._recheck, linkedit.recheck_links

    def build_spy(*args: object, **kwargs: object) -> object:
        calls.append("build")
        return build(*args, **kwargs)  # type: ignore[arg-type]

    def recheck_spy(*args: Any, **kwargs: Any) -> list[Finding] | None:
        found = recheck(*args, **kwargs)
        calls.append("all" if found is None else "recheck")
        return found

    def links_spy(*args: Any, **kwargs: Any) -> list[Finding] | None:
        found = linked(*args, **kwargs)
        if found is not None:
            calls.append("links")
        return found

    monkeypatch.setattr("tracegraph.graph.build_corpus", build_spy)
    monkeypatch.setattr("tracegraph.api._recheck", recheck_spy)
    monkeypatch.setattr("tracegraph.linkedit.recheck_links", links_spy)
    return calls


def append_line(text: str) -> str:
    return text + "\nEdited for the test.\n"


def insert_paragraph(text: str) -> str:
    """A paragraph before the first second-level heading (every later line moves down)."""
    at = text.find("\n## ")
    if at < 0:
        return text + "\n\nA new closing paragraph.\n"
    return text[: at + 1] + "A new paragraph,\nover two lines.\n\n" + text[at + 1 :]


def add_broken_link(text: str) -> str:
    return text + "\nSee [the plan](no-such-plan.md).\n"


def rename_heading(text: str) -> str:
    return text.replace("\n## ", "\n## Renamed ", 1)


def remove_link(text: str) -> str:
    """The first inline link becomes its plain text (an edge or a finding may go with it)."""
    return re.sub(r"\[([^\]\n]+)\]\([^)\s]+\)", r"\1", text, count=1)


def new_id(text: str) -> str:
    """The document declares an ID nobody had (front matter ``id:``)."""
    if text.startswith("---\n"):
        head, sep, body = text[4:].partition("\n---\n")
        lines = [line for line in head.split("\n") if not line.startswith("id:")]
        return "---\n" + "\n".join(["id: NEW-0001", *lines]) + sep + body
    return "---\nid: NEW-0001\n---\n" + text


def link_to(target: Path, source: Path) -> Edit:
    """A paragraph linking ``source`` to ``target`` (a new edge of the graph)."""

    def add_link(text: str) -> str:
        link = Path(os.path.relpath(target, source.parent)).as_posix()
        return text + f"\nThis rests on [another record]({link}).\n"

    return add_link


def link_to_missing_anchor(target: Path, source: Path) -> Edit:
    """A paragraph linking ``source`` to a heading ``target`` does not have (TG102)."""

    def add_anchor_link(text: str) -> str:
        link = Path(os.path.relpath(target, source.parent)).as_posix()
        return text + f"\nSee [its plan]({link}#no-such-heading-here).\n"

    return add_anchor_link


def check(root: Path, use_cache: bool) -> api.CheckRun:
    return api.check_tree(root, cache=use_cache, today=TODAY)


def same(a: api.CheckRun, b: api.CheckRun) -> None:
    """Every field of every finding (a ``Finding`` compares only where it stands and its
    code: a stale message would pass ``==``)."""
    assert (a.documents, a.references) == (b.documents, b.references)
    assert [astuple(f) for f in a.findings] == [astuple(f) for f in b.findings]


def victim(root: Path, run: api.CheckRun) -> Path:
    """The Markdown document with the most findings (ties: by path), so moved lines matter."""
    counts: dict[str, int] = {}
    for finding in run.findings:
        if finding.path.endswith(".md") and (root / finding.path).is_file():
            counts[finding.path] = counts.get(finding.path, 0) + 1
    path = min(counts, key=lambda p: (-counts[p], p))
    return root / path


def cold_then_warm(root: Path) -> tuple[api.CheckRun, Path]:
    """A cold run, the run that fills the caches and a warm one, all equal; the cold run
    and the document to edit (``victim``)."""
    cold = check(root, False)
    same(check(root, True), cold)
    warm = check(root, True)
    assert warm.cached
    same(warm, cold)
    return cold, victim(root, cold)


def exercise(
    root: Path, builds: list[str], edits: Sequence[Edit], carried: int, *, links: bool = True
) -> None:
    """Cold, build, warm, then each edit: the cached answer equals a fresh run; the first
    ``carried`` edits must be answered without building the graph. With ``links``, then a
    link to another document (an orphan, if there is one), a link to a heading the most cited
    document does not have and a link removed (answered from the graph stored beside the
    findings, ``tracegraph.linkedit``, without a build), a new ID (rechecked: the graph built,
    the local rules rerun for the documents the change touches), and the most cited other
    document deleted (a whole check)."""
    cold, target = cold_then_warm(root)
    for number, edit in enumerate(edits):
        target.write_text(edit(target.read_text(encoding="utf-8")), encoding="utf-8")
        before = len(builds)
        again = check(root, True)
        built = "build" in builds[before:]
        same(again, check(root, False))
        if number < carried:
            assert again.cached and not built, edit.__name__
    if not links:
        return
    others = sorted(p for p in root.rglob("*.md") if p != target and ".tracegraph" not in p.parts)
    cited = _most_cited(root, others)
    orphans = sorted(root / f.path for f in cold.findings if f.code == "TG201")
    linked = next((p for p in orphans if p != target), cited)  # an orphan no more
    for edit in (link_to(linked, target), link_to_missing_anchor(cited, target), remove_link,
                 new_id):  # fmt: skip
        target.write_text(edit(target.read_text(encoding="utf-8")), encoding="utf-8")
        before = len(builds)
        same(check(root, True), check(root, False))
        if edit is new_id:  # the graph built, the local rules rerun for what it touches
            assert builds[before:] == ["build", "recheck", "build"], edit.__name__
        elif edit is not remove_link:  # (a removed web link may move the repository addresses)
            assert builds[before:] == ["links", "build"], edit.__name__
    cited.unlink()
    after = check(root, True)
    assert not after.cached
    same(after, check(root, False))


def _most_cited(root: Path, candidates: list[Path]) -> Path:
    """The candidate that most links of the tree point at (ties: by path)."""
    counts = Counter(link.path for link in api.scan(root).links if link.path)
    return min(candidates, key=lambda p: (-counts[p.relative_to(root).as_posix()], p))


def test_sample_repo(tmp_path: Path, builds: list[str]) -> None:
    root = tmp_path / "sample_repo"
    shutil.copytree(PROJECT / "sample_repo", root)
    edits = [append_line, insert_paragraph, add_broken_link, rename_heading, insert_paragraph]
    exercise(root, builds, edits, carried=2)


@pytest.mark.parametrize("name", ["adr-tools", "arachne", "log4brains"])
def test_shared_corpora(tmp_path: Path, builds: list[str], name: str) -> None:
    if not (CORPORA / name).is_dir():
        pytest.skip("shared corpora not available")
    root = tmp_path / name
    shutil.copytree(CORPORA / name, root)
    exercise(root, builds, [append_line, insert_paragraph, add_broken_link], carried=1)


def test_rust_rfcs(tmp_path: Path, builds: list[str]) -> None:
    if not (CORPORA / "rust-rfcs").is_dir():
        pytest.skip("shared corpora not available")
    root = tmp_path / "rust-rfcs"
    shutil.copytree(CORPORA / "rust-rfcs", root)
    exercise(root, builds, [insert_paragraph], carried=1, links=False)


def generated(root: Path, docs: int = 120) -> Path:
    subprocess.run(
        [sys.executable, str(PROJECT / "bench" / "generate.py"), "--docs", str(docs), "--out",
         str(root), "--broken-links", str(docs // 20), "--no-git"],
        check=True, capture_output=True,
    )  # fmt: skip
    return root


def test_generated_tree(tmp_path: Path, builds: list[str]) -> None:
    root = generated(tmp_path / "generated")
    edits = [append_line, insert_paragraph, add_broken_link, rename_heading]
    exercise(root, builds, edits, carried=2)


def test_a_large_tree_stores_its_findings_and_graph_without_its_corpus(
    tmp_path: Path, builds: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """From ``LARGE_TREE`` documents the graph is stored first, the corpus let go, then the
    findings stored and the graph named as theirs: the link-edit path still finds it."""
    monkeypatch.setattr("tracegraph.memory.LARGE_TREE", 1)
    monkeypatch.setattr("tracegraph.memory.fix_mmap_threshold", lambda: None)
    root = generated(tmp_path / "generated", 60)
    _, target = cold_then_warm(root)
    others = sorted(p for p in root.rglob("*.md") if p != target and ".tracegraph" not in p.parts)
    edit = link_to_missing_anchor(_most_cited(root, others), target)
    target.write_text(edit(target.read_text(encoding="utf-8")), encoding="utf-8")
    before = len(builds)
    same(check(root, True), check(root, False))
    assert builds[before:] == ["links", "build"]


@pytest.fixture
def held(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, ...]]:
    """Which whole-tree rules each recheck kept the stored findings of."""
    calls: list[tuple[str, ...]] = []
    kept = api._architecture_held

    def spy(*args: Any) -> tuple[tuple[Finding, ...], tuple[str, ...]]:
        found = kept(*args)
        calls.append(found[1])
        return found

    monkeypatch.setattr(api, "_architecture_held", spy)
    return calls


def append(text: str) -> Edit:
    def edit(old: str) -> str:
        return old + text

    return edit


def test_architecture_findings_are_kept_only_while_their_inputs_hold(
    tmp_path: Path, builds: list[str], held: list[tuple[str, ...]]
) -> None:
    """Link edits rechecked with the stored TG701-TG703 findings kept (a document without a
    design; a design whose lines stay, or move, its findings moving with them) or computed
    again (a design whose moved lines another document's finding names, a supersession
    comes, a rival design is deprecated): each answer equals a fresh run, field for field,
    and the kept ones were kept."""
    root = generated(tmp_path / "generated")
    cold = check(root, False)
    conflict = next(f for f in cold.findings if f.code == "TG701")
    design = root / conflict.path  # a TDD that designs an endpoint another TDD designs too
    rival_id = re.search(r"new by (TDD-\d+)", conflict.message)
    assert rival_id is not None
    rival = next((root / "docs" / "tdd").glob(f"{rival_id.group(1)}-*.md"))
    plain = next((root / "docs" / "adr").glob("*.md"))  # an ADR describes no system
    status = re.compile(r"\*\*Status:\*\* \w+")
    steps: list[tuple[Path, Edit, bool]] = [
        (design, append(f"\nSee [the ADR](../adr/{plain.name}).\n"), True),
        (plain, link_to(rival, plain), True),
        (plain, insert_paragraph, True),  # carried, no recheck
        (design, lambda t: insert_paragraph(t) + "\n[x](../../README.md)\n", True),
        (rival, lambda t: insert_paragraph(t) + "\n[x](../../README.md)\n", False),
        (design, append(f"\nSupersedes [{rival_id.group(1)}]({rival.name}).\n"), False),
        (rival, lambda t: status.sub("**Status:** Deprecated", t, count=1), False),
    ]
    check(root, True)
    for number, (path, edit, kept) in enumerate(steps):
        path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")
        calls, before = len(held), len(builds)
        fresh = check(root, False)
        same(check(root, True), fresh)
        if number == 2:
            assert builds[before:] == ["build"]  # the fresh run only: the cached one carried
            continue
        if kept:  # answered from the stored graph, which keeps them or answers nothing
            assert builds[before:] == ["build", "links"], number
        else:
            assert builds[before:] == ["build", "build", "recheck"], number
            assert held[calls:] == [()], number
        if number == 5:  # the supersession settled that conflict
            assert not any(
                f.code == "TG701" and f.path == conflict.path and rival_id.group(1) in f.message
                for f in fresh.findings
            )


@pytest.mark.parametrize("stored_graph", [True, False])
def test_suspect_links_are_rechecked_where_the_links_are_written(
    tmp_path: Path, builds: list[str], monkeypatch: pytest.MonkeyPatch, stored_graph: bool
) -> None:
    """TG503 in a git tree: a link edit reads the history for the links written in the
    touched documents only (from the stored graph, or from the whole graph when that is
    not used); each answer equals a fresh run, field for field. A review recorded (the
    review file changes) is a whole check."""
    if not stored_graph:
        without_stored_graph(monkeypatch)
    root = generated(tmp_path / "generated", 80)
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "base")
    upstream = _most_cited(root, sorted((root / "docs" / "rfc").glob("*.md")))
    upstream.write_text(upstream.read_text(encoding="utf-8") + "\nA change.\n", "utf-8")
    git(root, "commit", "-qam", "the RFC changes")
    scopes: list[object] = []
    analyse = suspect.find_suspect_links

    def spy(*args: Any, **kwargs: Any) -> Any:
        scopes.append(kwargs.get("within"))
        return analyse(*args, **kwargs)

    monkeypatch.setattr("tracegraph.suspect.find_suspect_links", spy)
    cold = check(root, False)
    flagged = sorted({f.path for f in cold.findings if f.code == "TG503"})
    assert len(flagged) >= 3
    plain = next(p for p in sorted(root.rglob("*.md")) if p.relative_to(root).as_posix()
                 not in flagged and p != upstream)  # fmt: skip
    check(root, True)
    steps = [
        (plain, link_to(upstream, plain)),  # a new edge to the changed RFC, written now
        (root / flagged[0], link_to(plain, root / flagged[0])),  # an edit clears its TG503s
        (upstream, link_to(plain, upstream)),
    ]
    for path, edit in steps:
        path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")
        before, asked = len(builds), len(scopes)
        same(check(root, True), check(root, False))
        expected = ["links", "build"] if stored_graph else ["build", "recheck", "build"]
        assert builds[before:] == expected
        within, whole = scopes[asked:]
        assert whole is None and isinstance(within, frozenset)
        assert path.relative_to(root).as_posix() in within and len(within) < cold.documents
    again = check(root, False)
    assert flagged[1] in {f.path for f in again.findings if f.code == "TG503"}
    corpus = api.scan(root)
    api.record_review(corpus, corpus.by_path[flagged[1]])
    before = len(builds)
    reviewed = check(root, True)
    same(reviewed, check(root, False))
    assert builds[before:] == ["build", "build"]  # the review file is in the result's key
    assert flagged[1] not in {f.path for f in reviewed.findings if f.code == "TG503"}


@pytest.mark.parametrize("tree", ["sample_repo", "generated"])
def test_edges_written_in_some_files_are_those_of_the_whole_table(
    tmp_path: Path, tree: str
) -> None:
    """``resting_on(corpus, within)`` is the whole table's rows located in ``within``, for
    every document alone (with its sidecar) and for a few at once: an edge written in a
    document may leave another one (a TDD's "Downstream Impact" list)."""
    root = PROJECT / "sample_repo" if tree == "sample_repo" else generated(tmp_path / "g")
    corpus = api.scan(root)
    whole = resting_on(corpus)
    if tree == "generated":  # some edges are written only by their target
        assert any(row[0] != pair[0] for pair, row in whole.items())
    groups = [{doc.path, *([doc.sidecar] if doc.sidecar else [])} for doc in corpus.documents]
    groups.append({doc.path for doc in corpus.documents[::7]})
    for group in groups:
        part = resting_on(corpus, frozenset(group))
        assert part == {pair: row for pair, row in whole.items() if row[0] in group}


@pytest.mark.parametrize("tree", ["sample_repo", "generated"])
def test_edges_onto_some_documents_are_those_of_the_whole_table(tmp_path: Path, tree: str) -> None:
    """``resting_on(corpus, onto=...)`` (TG503 with no result to store: the edges onto
    documents that changed) is the whole table's rows onto them, and still knows every edge
    (``in``: a review of an edge left out is not stale); the graph's own edges are read
    directly, and a networkx graph's dicts give the same rows."""
    root = PROJECT / "sample_repo" if tree == "sample_repo" else generated(tmp_path / "g")
    corpus = api.scan(root)
    whole = resting_on(corpus)
    targets = sorted({up for _, up in whole})
    for onto in (targets[::3], targets[:1], []):
        part = resting_on(corpus, onto=onto)
        assert dict(part) == {pair: row for pair, row in whole.items() if pair[1] in onto}
        assert list(part) == [pair for pair in whole if pair[1] in onto]  # the graph's order
        assert len(part) == len(dict(part)) and all(pair in part for pair in whole)
    plain = {
        source: {target: {k: dict(d) for k, d in keyed.items()} for target, keyed in ts.items()}
        for source, ts in corpus.edges.succ.items()
    }
    assert dict(suspect.RestingOn(plain)) == dict(whole)


def test_a_new_document_is_a_whole_run(tmp_path: Path, builds: list[str]) -> None:
    root = tmp_path / "sample_repo"
    shutil.copytree(PROJECT / "sample_repo", root)
    check(root, True)
    (root / "docs" / "new.md").write_text("# New\n\n[x](adr/nowhere.md)\n", encoding="utf-8")
    again = check(root, True)
    assert not again.cached
    same(again, check(root, False))


def without_stored_graph(monkeypatch: pytest.MonkeyPatch) -> None:
    """Link edits answered by the whole-graph recheck (``linkedit`` never answers)."""
    monkeypatch.setattr("tracegraph.linkedit.recheck_links", lambda *args, **kwargs: None)


def racy_from(monkeypatch: pytest.MonkeyPatch, since_ns: int) -> None:
    """Make the files changed since ``since_ns`` (less 0.1 s for coarse file-system clocks)
    racily fresh for the next run, and the older ones settled."""
    monkeypatch.setattr(cache, "RACY_SECONDS", (time.time_ns() - since_ns) / 1e9 + 0.1)


def test_a_run_right_after_a_racy_whole_check_rechecks_only_the_racy_documents(
    tmp_path: Path, builds: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Files saved just before a run (within RACY_SECONDS) are stored with an unknown stat and
    their records; the next run compares just those documents (a carry or a recheck, not the
    whole check it was when nothing was stored), and an edit in the same tick is still seen."""
    root = tmp_path / "sample_repo"
    shutil.copytree(PROJECT / "sample_repo", root)
    target = victim(root, check(root, False))
    builds.clear()
    time.sleep(0.3)  # the copied files settle (see the 0.1 s margin of racy_from)
    since = time.time_ns()
    new = root / "docs" / "new.md"
    new.write_text("# New\n\n[x](adr/nowhere.md)\n", encoding="utf-8")
    target.write_text(append_line(target.read_text(encoding="utf-8")), encoding="utf-8")
    racy_from(monkeypatch, since)
    first = check(root, True)
    assert builds == ["build"]
    racy = sorted(p.relative_to(root).as_posix() for p in (new, target))
    assert sorted(latest_result(root).racy) == racy
    assert {latest_result(root).state[path] for path in racy} == {cache.UNKNOWN}
    racy_from(monkeypatch, since)
    second = check(root, True)
    assert builds == ["build"] and second.cached  # the two documents compared, carried
    same(first, second)
    same(second, check(root, False))
    for edit, built in ((insert_paragraph, []), (add_broken_link, ["links"])):
        target.write_text(edit(target.read_text(encoding="utf-8")), encoding="utf-8")
        racy_from(monkeypatch, since)
        before = len(builds)
        again = check(root, True)
        assert builds[before:] == built, edit.__name__
        same(again, check(root, False))


def _doc(*lines: int, ignore: int | None = None) -> Document:
    headings = tuple(Heading(2, f"H{i}", f"h{i}", line) for i, line in enumerate(lines))
    ignored = ((ignore, ("TG102",)),) if ignore is not None else ()
    return Document(
        "a.md", "DOC", None, "A", None, None, (), headings, frozenset(), (),
        ignored_lines=ignored, line_count=max(lines) + 1,
    )  # fmt: skip


def test_line_map_keeps_order_and_equalities() -> None:
    assert line_map(encode(_doc(3, 9)), encode(_doc(5, 12))) == {1: 1, 3: 5, 9: 12}
    assert line_map(encode(_doc(3, 9)), encode(_doc(9, 3))) is None  # order changed
    # an ignore-next-line comment no longer above the heading it silenced
    assert line_map(encode(_doc(3, 9, ignore=9)), encode(_doc(3, 10, ignore=9))) is None
    assert line_map(encode(_doc(3, 9, ignore=9)), encode(_doc(4, 11, ignore=11))) is not None


def test_carried_findings_move_or_give_up() -> None:
    def finding(line: int) -> Finding:
        return Finding("a.md", line, 1, "TG201", Severity.WARNING, "orphan", "m")

    moved = {"a.md": {3: 5}}
    assert carry_findings([finding(3), finding(1)], moved) == [finding(1), finding(5)]
    assert carry_findings([finding(4)], moved) is None  # a line the record does not know
    assert carry_findings([finding(1)], {"a.md": {2: 1}}) is None  # moved onto the start
    assert carry_findings([finding(1)], {"a.md": {1: 2}}) is None  # moved away from it


def test_findings_naming_a_moved_line_of_another_document_are_not_carried() -> None:
    message = "table conflict: t is also created as new by TDD-0003 (line 5), and ..."
    conflict = Finding("b.md", 7, 1, "TG702", Severity.ERROR, "table-conflict", message)
    names = {"a.md": "TDD-0003"}
    assert carry_findings([conflict], {"a.md": {5: 8}}, names) is None
    assert carry_findings([conflict], {"a.md": {5: 5, 9: 12}}, names) == [conflict]
    assert carry_findings([conflict], {"a.md": {5: 8}}, {"a.md": "TDD-0004"}) == [conflict]


def git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@t", *args],
        check=True, capture_output=True,
    )  # fmt: skip


def keys(findings: list[Finding]) -> list[tuple[str, str, str, int]]:
    return sorted((f.code, f.path, f.message, f.line) for f in findings)


@pytest.mark.parametrize("child", [False, True], ids=["here", "child"])
@pytest.mark.parametrize("tree", ["sample_repo", "generated"])
def test_since_equals_two_fresh_checks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tree: str, child: bool
) -> None:
    """``check --since HEAD`` after edits (files changed, one deleted, one added) reports
    exactly the difference between a fresh check of the work tree and one of the commit,
    whether the tree at HEAD is checked here or (as a large tree's is) in a forked child
    before the work tree is parsed (without cache it sends its findings back, with the cache
    it stores them there)."""
    checked_in = tmp_path / "checked-in"
    if child:
        monkeypatch.setattr(api, "SINCE_CHILD_DOCUMENTS", 0)
        monkeypatch.setattr(parallel, "can_fork", lambda: True)  # a thread left by a test
        at_ref = api._findings_at

        def spy(*args: Any) -> list[Finding]:
            with checked_in.open("a") as pids:  # the child's memory goes with it: a file stays
                pids.write(f"{os.getpid()}\n")
            return at_ref(*args)

        monkeypatch.setattr(api, "_findings_at", spy)
    root = tmp_path / "work"
    if tree == "sample_repo":
        shutil.copytree(PROJECT / "sample_repo", root)
    else:
        subprocess.run(
            [sys.executable, str(PROJECT / "bench" / "generate.py"), "--docs", "80", "--out",
             str(root), "--broken-links", "4", "--no-git"],
            check=True, capture_output=True,
        )  # fmt: skip
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "base")
    base = api.check_tree(root, today=TODAY)
    first = victim(root, base)
    first.write_text(add_broken_link(insert_paragraph(first.read_text())), encoding="utf-8")
    cited = sorted(root.rglob("*.md"))[3]
    cited.unlink()  # what linked to it is broken now
    (root / "added.md").write_text(f"# Added\n\n[x]({first.name}#nope)\n", encoding="utf-8")
    filled = next(f for f in base.findings if f.code == "TG402" and "[" in f.message)
    text = (root / filled.path).read_text(encoding="utf-8")
    placeholder = filled.message.split(": ", 1)[1].split(" is unfilled")[0]
    (root / filled.path).write_text(text.replace(placeholder, "filled in", 1), encoding="utf-8")
    now = api.check_tree(root, today=TODAY)
    for use_cache in (False, True, True):
        since = api.check_since(root, "HEAD", today=TODAY, cache=use_cache)
        assert since.run.findings == now.findings
        assert keys(since.introduced) == keys(api._unmatched(now.findings, _counted(base)))
        assert keys(since.resolved) == keys(api._unmatched(base.findings, _counted(now)))
        assert since.introduced and since.resolved
        assert since.unchanged == len(now.findings) - len(since.introduced)
    if child:  # once without the cache, once to fill it (the third run answers from it)
        pids = checked_in.read_text().split()
        assert len(pids) == 2 and str(os.getpid()) not in pids


@pytest.mark.parametrize("use_cache", [False, True])
def test_since_a_clean_tree_takes_the_work_trees_findings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, use_cache: bool
) -> None:
    """With no file changed since REF (nothing modified, deleted or untracked), the tree at
    REF is the work tree: ``check --since`` reports every finding unchanged without checking
    a second time, and those are exactly what checking the tree at REF finds."""
    from tracegraph.vcs import diff_tree

    root = tmp_path / "work"
    shutil.copytree(PROJECT / "sample_repo", root)
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "base")
    at_ref = api._findings_at
    monkeypatch.setattr(api, "_findings_at", lambda *a, **k: pytest.fail("checked twice"))
    since = api.check_since(root, "HEAD", today=TODAY, cache=use_cache)
    assert since.run.findings == api.check_tree(root, today=TODAY).findings
    assert (since.introduced, since.resolved) == ([], [])
    assert since.unchanged == len(since.run.findings) > 0
    diff = diff_tree(root, "HEAD")
    assert at_ref(root, since.run.config, diff, TODAY, (), (), False) == since.run.findings


def _counted(run: api.CheckRun) -> Counter[tuple[str, str, str]]:
    return Counter((f.code, f.path, f.message) for f in run.findings)


def pairs_tree(root: Path) -> Path:
    """RFCs whose node pairs the pair rules report: a supersession written on both sides, one
    on one side only (each way), a document citing a superseded one, status inversions, two
    documents with one ID, and a dependency cycle."""
    bodies = {
        "0001": ("superseded", "Superseded by [RFC-0002](RFC-0002-x.md)."),
        "0002": ("accepted", "Supersedes [RFC-0001](RFC-0001-x.md).\n\n"
                 "Supersedes [RFC-0003](RFC-0003-x.md)."),
        "0003": ("draft", "A proposal."),
        "0004": ("superseded", "Superseded by [RFC-0005](RFC-0005-x.md)."),
        "0005": ("implemented", "Depends on [RFC-0003](RFC-0003-x.md)."),
        "0006": ("accepted", "Depends on [RFC-0001](RFC-0001-x.md).\n\n"
                 "Amended by [RFC-0007](RFC-0007-x.md)."),
        "0007": ("draft", "Depends on [RFC-0004](RFC-0004-x.md)."),
        "0007-twin": ("implemented", "Depends on [RFC-0003](RFC-0003-x.md)."),
        "0008": ("accepted", "Depends on [RFC-0009](RFC-0009-x.md)."),
        "0009": ("accepted", "Depends on [RFC-0008](RFC-0008-x.md)."),
        "0010": ("accepted", "Depends on [RFC-0006](RFC-0006-x.md)."),
        "0011": ("accepted", "Depends on [RFC-0010](RFC-0010-x.md)."),
    }  # fmt: skip
    folder = root / "docs" / "rfc"
    folder.mkdir(parents=True)
    for key, (status, body) in bodies.items():
        number = key.split("-")[0]
        text = f"---\nid: RFC-{number}\ntitle: R{key}\nstatus: {status}\n---\n\n# R{key}\n\n"
        (folder / f"RFC-{key}-x.md").write_text(text + body + "\n", encoding="utf-8")
    return root


@pytest.mark.parametrize("tree", ["sample_repo", "pairs", "generated"])
def test_pair_rules_near_some_documents_report_those_pairs_of_the_whole_run(
    tmp_path: Path, tree: str
) -> None:
    """``Rule.near`` (TG204, TG301, TG302) over a set of documents closed under names yields
    exactly the whole rule's hits whose document or target is named by one of them, for
    every document alone and for a few at once."""
    if tree == "sample_repo":
        root = PROJECT / "sample_repo"
    elif tree == "pairs":
        root = pairs_tree(tmp_path / "pairs")
    else:
        root = generated(tmp_path / "g")
    corpus = api.scan(root)
    ctx = CheckContext(corpus, corpus.config, TODAY)
    rules = [rule for rule in checks.ALL_RULES if rule.near is not None]
    assert [rule.code for rule in rules] == list(api.EDGE_RULES)
    whole = {rule.code: list(rule.check(ctx)) for rule in rules}
    if tree == "pairs":
        assert all(len(hits) >= 2 for hits in whole.values()), whole
    groups = [{doc.path} for doc in corpus.documents]
    groups.append({doc.path for doc in corpus.documents[::5]})
    for group in groups:
        names = {corpus.by_path[p].name for p in group}
        closed = frozenset(
            p for p, d in corpus.by_path.items() if d.name in names
        )  # fmt: skip
        for rule in rules:
            assert rule.near is not None
            near = Counter(rule.near(ctx, closed))
            expected = Counter(
                h for h in whole[rule.code] if h.document in names or h.target in names
            )
            assert near == expected, (rule.code, sorted(group))


@pytest.fixture
def rechecked(monkeypatch: pytest.MonkeyPatch) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    """What each recheck was told: the rules whose stored findings hold, and those rerun
    only around the touched documents."""
    calls: list[tuple[tuple[str, ...], tuple[str, ...]]] = []
    recheck = checks.recheck

    def spy(*args: Any, **kwargs: Any) -> list[Finding]:
        calls.append((tuple(kwargs.get("held", ())), tuple(kwargs.get("nearby", ()))))
        return recheck(*args, **kwargs)

    monkeypatch.setattr(checks, "recheck", spy)
    return calls


@pytest.mark.parametrize("stored_graph", [True, False])
def test_link_edits_recheck_pair_rules_around_the_change(
    tmp_path: Path,
    builds: list[str],
    rechecked: list[tuple[tuple[str, ...], tuple[str, ...]]],
    monkeypatch: pytest.MonkeyPatch,
    stored_graph: bool,
) -> None:
    """Link edits that change no status, ID or supersession rerun TG204/TG301/TG302 only for
    the node pairs around the changed document and keep TG203's findings when the document
    is on no dependency cycle, before or after; a link closing or breaking a cycle reruns
    TG203, a changed status or ID reruns them all. Each answer equals a fresh run, field for
    field. With the stored graph, the edits that keep TG203 and rerun the pair rules near the
    change are answered from it, without building the graph; the others (and all, without
    it) build it."""
    if not stored_graph:
        without_stored_graph(monkeypatch)
    root = pairs_tree(tmp_path / "pairs")
    rfc = {p.name.split("-x")[0][4:]: p for p in (root / "docs" / "rfc").glob("*.md")}
    pair_rules, cycles = api.EDGE_RULES, "TG203"
    steps: list[tuple[str, Edit, bool, bool]] = [  # document, edit, TG203 held, near
        ("0003", append("\nDepends on [RFC-0001](RFC-0001-x.md).\n"), True, True),  # superseded
        ("0003", lambda t: t.replace("\nDepends on [RFC-0001](RFC-0001-x.md).\n", ""), True, True),
        ("0006", lambda t: t.replace("# R0006\n", "# R0006\n\nMoved.\n")
         + "\nSee also [RFC-0003](RFC-0003-x.md).\n", True, True),  # and its findings move
        ("0002", lambda t: "\n".join(t.split("\n")[:6]) + "\nMoved.\n" + "\n".join(
            t.split("\n")[6:]) + "\nDepends on [RFC-0003](RFC-0003-x.md).\n", True, True),
        ("0007-twin", append("\nDepends on [RFC-0006](RFC-0006-x.md).\n"), True, True),
        ("0006", append("\nDepends on [RFC-0011](RFC-0011-x.md).\n"), False, True),  # closes
        ("0008", append("\nSee also [RFC-0005](RFC-0005-x.md).\n"), False, True),  # on a cycle
        ("0006", lambda t: t.replace("\nDepends on [RFC-0011](RFC-0011-x.md).\n", ""),
         False, True),  # breaks it
        ("0003", lambda t: t.replace("status: draft", "status: accepted"), False, False),
        ("0005", append("\nSupersedes [RFC-0004](RFC-0004-x.md).\n"), True, True),  # 2nd side
        ("0011", append("\nSupersedes [RFC-0003](RFC-0003-x.md).\n"), True, False),  # new
        ("0010", lambda t: t.replace("id: RFC-0010", "id: RFC-0012"), False, False),
    ]  # fmt: skip
    check(root, True)
    for number, (name, edit, kept, near) in enumerate(steps):
        path = rfc[name]
        path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")
        calls, before = len(rechecked), len(builds)
        fresh = check(root, False)
        same(check(root, True), fresh)
        if stored_graph and kept and near:
            assert builds[before:] == ["build", "links"], number
        else:
            assert builds[before:] == ["build", "build", "recheck"], number
        held, nearby = rechecked[calls]
        assert (cycles in held, nearby) == (kept, pair_rules if near else ()), number
        codes = Counter(f.code for f in fresh.findings)
        assert {"TG204", "TG301", "TG302"} <= codes.keys(), number
        assert codes["TG203"] == (2 if number in (5, 6) else 1), number  # the second closed


def _corrupt_graph(root: Path, how: str) -> None:
    """Damage the graph stored beside the findings (``tracegraph.linkedit``) in one way."""
    path = root / ".tracegraph" / "cache" / linkedit.GRAPH_FILE
    if how == "not-sqlite":
        path.write_bytes(b"not a database at all" * 10)
        return
    with sqlite3.connect(path) as db:
        if how == "meta":
            db.execute("UPDATE meta SET value = ? WHERE key = 'graph'", (b"\x00garbage",))
        elif how == "meta-types":
            paths, *rest = marshal.loads(db.execute(
                "SELECT value FROM meta WHERE key = 'graph'").fetchone()[0])  # fmt: skip
            blob = marshal.dumps(((1,) * len(paths), *rest))
            db.execute("UPDATE meta SET value = ? WHERE key = 'graph'", (blob,))
        elif how == "rows":
            db.execute("UPDATE nodes SET succ = ?", (b"\xff\x00",))
        elif how == "row-range":  # well formed, but naming a document that is not there
            rows = db.execute("SELECT node, succ FROM nodes").fetchall()
            for node, blob in rows:
                columns = marshal.loads(blob)
                if columns[0]:
                    bad = (tuple(10**6 for _ in columns[0]), *columns[1:])
                    db.execute("UPDATE nodes SET succ = ? WHERE node = ?",
                               (marshal.dumps(bad), node))  # fmt: skip
        elif how == "row-types":
            rows = db.execute("SELECT node, succ FROM nodes").fetchall()
            for node, blob in rows:
                columns = marshal.loads(blob)
                if columns[0]:
                    bad = (*columns[:6], tuple("x" for _ in columns[6]), *columns[7:])
                    db.execute("UPDATE nodes SET succ = ? WHERE node = ?",
                               (marshal.dumps(bad), node))  # fmt: skip
        elif how == "other-result":
            db.execute("UPDATE meta SET value = 'x' WHERE key = 'result'")
        elif how == "no-rows":
            db.execute("DELETE FROM nodes")


@pytest.mark.parametrize(
    "how", ["not-sqlite", "meta", "meta-types", "rows", "row-range", "row-types",
            "other-result", "no-rows"],
)  # fmt: skip
def test_a_damaged_stored_graph_is_a_miss(tmp_path: Path, builds: list[str], how: str) -> None:
    """The stored graph lives in the scanned tree: any damage (or a graph stored for another
    result) makes a link edit take the whole-graph recheck, whose answer equals a fresh run;
    that run stores a sound graph again, which answers the next link edit."""
    root = tmp_path / "sample_repo"
    shutil.copytree(PROJECT / "sample_repo", root)
    target = victim(root, check(root, True))
    others = sorted(p for p in root.rglob("*.md") if p != target and ".tracegraph" not in p.parts)
    for edit, answered in ((link_to(others[0], target), False), (remove_link, True)):
        if not answered:
            _corrupt_graph(root, how)
        target.write_text(edit(target.read_text(encoding="utf-8")), encoding="utf-8")
        before = len(builds)
        same(check(root, True), check(root, False))
        expected = ["links", "build"] if answered else ["build", "recheck", "build"]
        assert builds[before:] == expected, how


def _scopes(monkeypatch: pytest.MonkeyPatch, where: str) -> list[set[str]]:
    """The documents each run of the rule function ``where`` (``module.function`` under
    ``tracegraph.checks``) was given."""
    module, name = where.rsplit(".", 1)
    seen: list[set[str]] = []
    rule = getattr(getattr(checks, module), name)

    def spy(ctx: CheckContext) -> Any:
        seen.append({doc.path for doc in ctx.corpus.documents})
        return rule(ctx)

    monkeypatch.setattr(f"tracegraph.checks.{where}", spy)
    return seen


def test_a_link_edit_reruns_the_edgeless_rules_for_the_edited_document_alone(
    tmp_path: Path, builds: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new link from one document to another that has a broken link: answered from the
    stored graph, the link rules (which read no edge) run for the edited document alone and
    the other document's TG101 finding is kept; the orphan rule (which reads edges) runs for
    both. The answer equals a fresh run, field for field."""
    root = generated(tmp_path / "generated", 80)
    cold = check(root, False)
    broken = sorted({f.path for f in cold.findings if f.code == "TG101"})
    other = root / broken[0]
    edited = next(p for p in sorted((root / "docs" / "adr").glob("*.md")) if p != other)
    check(root, True)
    links, orphans = (
        _scopes(monkeypatch, "links.find_broken_links"),
        _scopes(monkeypatch, "structure.find_orphans"),
    )
    edited.write_text(link_to(other, edited)(edited.read_text(encoding="utf-8")), "utf-8")
    before = len(builds)
    run = check(root, True)
    assert builds[before:] == ["links"]
    name, target = edited.relative_to(root).as_posix(), broken[0]
    assert links == [{name}]
    assert len(orphans) == 1 and {name, target} <= orphans[0]
    assert target in {f.path for f in run.findings if f.code == "TG101"}
    same(run, check(root, False))


def test_a_link_edit_reads_no_history_where_nothing_changed_after_its_creation(
    tmp_path: Path, builds: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """TG503 near a link edit in a git tree: while the history at HEAD changed no path after
    its creation (files only added), the kept summary answers without reading the history; after a
    commit that changes a document, the history is read for the touched documents. Each
    answer equals a fresh run, field for field."""
    root = generated(tmp_path / "generated", 60)
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "base")
    # A second commit that only adds a file: a history past one commit (which reads no history
    # at all) in which still no path changed after its creation.
    (root / "NOTES.txt").write_text("notes\n", "utf-8")
    git(root, "add", "NOTES.txt")
    git(root, "commit", "-qm", "notes")
    reads: list[object] = []
    read = suspect._read_history

    def spy(*args: Any) -> Any:
        reads.append(args[3])
        return read(*args)

    monkeypatch.setattr("tracegraph.suspect._read_history", spy)
    rfcs = sorted((root / "docs" / "rfc").glob("*.md"))
    edited, cited = rfcs[-1], rfcs[0]
    check(root, True)
    summary = root / suspect.CHANGED_CACHE
    assert marshal.loads(summary.read_bytes())[4] == ()
    for number in range(2):
        if number:
            cited.write_text(cited.read_text(encoding="utf-8") + "\nA change.\n", "utf-8")
            git(root, "commit", "-qam", "the RFC changes")
            check(root, True)
            assert cited.relative_to(root).as_posix() in marshal.loads(summary.read_bytes())[4]
        edited.write_text(link_to(cited, edited)(edited.read_text(encoding="utf-8")), "utf-8")
        before, asked = len(builds), len(reads)
        run = check(root, True)
        assert builds[before:] == ["links"]
        assert len(reads) - asked == number  # the history is read only once a path changed
        same(run, check(root, False))


def test_a_link_edit_leaves_its_writes_for_after_its_answer(
    tmp_path: Path, builds: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the command line defers the writes (``behind.defer_writes``), a link edit's answer
    comes before its result and the stored graph's rows are written: nothing is stored until
    ``behind.finish``, after which the graph names the new result, so the next link edit is
    answered from it too. Each answer equals a fresh run, field for field."""
    from tracegraph import behind

    root = generated(tmp_path / "generated", 60)
    rfcs = sorted((root / "docs" / "rfc").glob("*.md"))
    check(root, True)
    graph = root / ".tracegraph" / "cache" / linkedit.GRAPH_FILE
    monkeypatch.setattr(behind, "_QUEUE", [])
    for edited, cited in [(rfcs[-1], rfcs[0]), (rfcs[-2], rfcs[1])]:
        edited.write_text(link_to(cited, edited)(edited.read_text(encoding="utf-8")), "utf-8")
        before, stored = len(builds), latest_result(root).digest
        behind.defer_writes()
        try:
            run = api.check_tree(root, cache=True, today=TODAY)
            assert builds[before:] == ["links"] and behind._QUEUE
            assert latest_result(root).digest == stored  # nothing written yet
        finally:
            behind.finish()
        assert not behind._QUEUE and latest_result(root).digest != stored
        with sqlite3.connect(graph) as db:
            tag = db.execute("SELECT value FROM meta WHERE key = 'result'").fetchone()[0]
        assert tag.endswith(latest_result(root).digest)
        same(run, check(root, False))
