"""The one git log pass, its defensive parser, ancestry over a commit graph, blob reads."""

from __future__ import annotations

import doctest
import os
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.suspect_repo import PRD, HistoryRepo
from tracegraph import githistory, reviews, suspect
from tracegraph.api import scan, suspect_links
from tracegraph.githistory import (
    Ancestry,
    diff_text,
    parse_batch,
    parse_log,
    probe_repository,
    read_blobs,
    read_log,
)
from tracegraph.parse import fingerprint
from tracegraph.suspect import suspects_from_change

SHA = "a" * 40


@pytest.mark.parametrize("module", [githistory, reviews, suspect, fingerprint])
def test_docstring_examples(module: object) -> None:
    failed, tried = doctest.testmod(module, optionflags=doctest.ELLIPSIS)  # type: ignore[arg-type]
    assert failed == 0 and tried > 0


def test_cat_file_output_that_does_not_match_the_names_is_an_error() -> None:
    blob = "b" * 40
    assert parse_batch(f"{SHA} blob 3\nx\ny\n{blob} tree 0\n\n".encode(), [SHA, blob]) == [
        (SHA, b"x\ny"),
        (blob, None),  # not a blob: never read as a document
    ]
    for output in (
        f"{blob} blob 1\nx\n".encode(),  # another object than asked
        f"{SHA} blob 5\nx\n".encode(),  # cut short
        f"{SHA} blob 1\nxy\n".encode(),  # longer than it says
        b"",
    ):
        with pytest.raises(githistory.HistoryError):
            parse_batch(output, [SHA])


def test_a_file_name_cannot_pass_for_a_commit() -> None:
    fake = f"\x01{'b' * 40} 5".encode()
    out = (
        b"\x01" + SHA.encode() + b" 1700000000\x00\n"
        b":000000 100644 " + b"0" * 40 + b" " + b"c" * 40 + b" A\x00" + fake + b"\x00"
        b":100644 100644 " + b"c" * 40 + b" " + b"d" * 40 + b" R087\x00" + fake + b"\x00x.md\x00"
        b":100644 100644 notahash " + b"d" * 40 + b" M\x00y.md\x00"
    )
    commits, changes = parse_log(out)
    assert [c[0] for c in commits] == [SHA]
    name = fake.decode()
    assert [(c[1], c[4], c[5]) for c in changes] == [("A", "", name), ("R", name, "x.md")]


def test_paths_outside_the_root_are_dropped_and_moves_across_it_become_adds() -> None:
    out = (
        b"\x01" + SHA.encode() + b" 1\x00\n"
        b":100644 100644 " + b"c" * 40 + b" " + b"d" * 40 + b" M\x00src/x.py\x00"
        b":100644 100644 " + b"c" * 40 + b" " + b"d" * 40 + b" R100\x00old/a.md\x00docs/a.md\x00"
        b":100644 000000 " + b"c" * 40 + b" " + b"0" * 40 + b" D\x00docs/gone.md\x00"
    )
    _, changes = parse_log(out, "docs/")
    assert [(c[1], c[2][:1], c[4], c[5]) for c in changes] == [
        ("A", "", "", "a.md"),
        ("D", "c", "gone.md", ""),
    ]


def dags() -> st.SearchStrategy[list[tuple[int, ...]]]:
    """Commit graphs in git's topological order (a commit before its parents), all reachable
    from commit 0 (HEAD)."""

    @st.composite
    def build(draw: st.DrawFn) -> list[tuple[int, ...]]:
        count = draw(st.integers(1, 25))
        parents: list[tuple[int, ...]] = []
        for i in range(count):
            later = list(range(i + 1, count))
            chosen = (
                draw(st.lists(st.sampled_from(later), max_size=2, unique=True)) if later else []
            )
            parents.append(tuple(chosen))
        reach, stack = set(), [0]
        while stack:
            node = stack.pop()
            if node not in reach:
                reach.add(node)
                stack.extend(parents[node])
        keep = sorted(reach)
        index = {old: new for new, old in enumerate(keep)}
        return [tuple(index[p] for p in parents[old]) for old in keep]

    return build()


@settings(max_examples=200, deadline=None)
@given(dags())
def test_ancestry_agrees_with_networkx(parents: list[tuple[int, ...]]) -> None:
    graph = nx.DiGraph()
    graph.add_nodes_from(range(len(parents)))
    graph.add_edges_from((child, p) for child, ps in enumerate(parents) for p in ps)
    ancestry = Ancestry(parents)
    for of in range(len(parents)):
        expected = nx.descendants(graph, of) | {of}
        assert {c for c in range(len(parents)) if ancestry.is_ancestor(c, of)} == expected


@settings(max_examples=200, deadline=None)
@given(dags(), st.data())
def test_a_horizon_answers_as_its_points_do(parents: list[tuple[int, ...]], data: Any) -> None:
    graph = nx.DiGraph()
    graph.add_nodes_from(range(len(parents)))
    graph.add_edges_from((child, p) for child, ps in enumerate(parents) for p in ps)
    ancestry = Ancestry(parents)
    points = data.draw(st.lists(st.integers(0, len(parents) - 1), min_size=1, max_size=3))
    limit, branch = ancestry.horizon(points)
    expected = set().union(*(nx.descendants(graph, of) | {of} for of in points))
    seen = {c for c in range(len(parents)) if ancestry.merged_at[c] <= limit or c in branch}
    assert seen == expected


def test_probe_read_log_and_blobs_on_a_real_repository(tmp_path: Path) -> None:
    repo = HistoryRepo(tmp_path / "repo")
    first = repo.commit("one")
    repo.replace(PRD, "one step", "two steps")
    second = repo.commit("two")
    probe = probe_repository(repo.root)
    assert (probe.status, probe.head, probe.prefix) == ("ok", second, "")
    history = read_log(repo.root, probe, cache=False)
    assert [c[0] for c in history.commits] == [second, first]
    assert history.commits[0][1] == (1,)
    [change] = [c for c in history.changes if c[0] == 0]
    assert change[1] == "M" and change[5] == PRD
    contents = read_blobs(repo.root, [change[2], change[3], "f" * 40, f"HEAD:{PRD}"])
    assert b"one step" in contents[change[2]] and b"two steps" in contents[change[3]]
    assert set(contents) == {change[2], change[3]}  # missing objects, non-hashes left out
    sub = probe_repository(repo.root / "docs")
    assert sub.prefix == "docs/"
    assert {c[5] for c in read_log(repo.root / "docs", sub, cache=False).changes} >= {
        "prd/PRD-0001-checkout.md"
    }
    assert probe_repository(tmp_path).status == "not-git"
    (tmp_path / "empty").mkdir()
    repo_empty = HistoryRepo(tmp_path / "empty", files={})
    assert probe_repository(repo_empty.root).status == "empty"


def test_the_probe_counts_heads_parents_whatever_the_prefix_or_file_names(
    tmp_path: Path,
) -> None:
    """The one ``rev-parse`` also says how many parents HEAD has (0: a history of one
    commit); a folder name with a newline stays the prefix, and a file named like the
    revisions asked for does not make git's answer ambiguous."""
    repo = HistoryRepo(tmp_path / "repo")
    odd = "docs/a\nb"
    repo.write(f"{odd}/x.md", "# X\n")
    repo.write("HEAD^@", "a file named like a revision\n")
    repo.write("HEAD^{commit}", "another\n")
    unborn = probe_repository(repo.root / odd)
    assert (unborn.status, unborn.prefix, unborn.parents) == ("empty", f"{odd}/", None)
    first = repo.commit("one")
    root_commit = probe_repository(repo.root / odd)
    assert (root_commit.status, root_commit.head, root_commit.prefix) == ("ok", first, f"{odd}/")
    assert root_commit.parents == 0 and root_commit.one_commit
    repo.git("checkout", "-q", "-b", "side")
    repo.replace(PRD, "one step", "two steps")
    repo.commit("side")
    repo.git("checkout", "-q", "main")
    second = repo.commit("main")
    at_top = probe_repository(repo.root)
    assert (at_top.head, at_top.prefix, at_top.parents, at_top.one_commit) == (second, "", 1, False)
    repo.git("merge", "-q", "--no-ff", "--no-edit", "side")
    merged = probe_repository(repo.root)
    assert merged.parents == 2 and merged.head == repo.git("rev-parse", "HEAD").strip()


def test_a_hostile_repository_runs_nothing_of_its_own(tmp_path: Path) -> None:
    """Filters, textconv and external diff drivers, a pager, an fsmonitor and hooks named by
    the repository never run while suspect links read its history, its contents and diffs."""
    repo = HistoryRepo(tmp_path / "repo")
    sentinel = tmp_path / "ran"
    script = tmp_path / "evil.sh"
    script.write_text(f'#!/bin/sh\necho "$0 $*" >> {sentinel}\ncat\n')
    script.chmod(0o755)
    repo.write(".gitattributes", "*.md filter=evil diff=evil\n")
    repo.commit("the chain")
    repo.replace(PRD, "one step", "two steps")
    repo.commit("PRD edited")
    repo.replace(PRD, "two steps", "two steps, uncommitted")
    corpus = scan(repo.root)  # the crawl's own git calls are not under test here
    for key, value in (
        ("filter.evil.clean", str(script)),
        ("filter.evil.smudge", str(script)),
        ("filter.evil.process", str(script)),
        ("diff.evil.textconv", str(script)),
        ("diff.evil.command", str(script)),
        ("diff.external", str(script)),
        ("core.pager", str(script)),
        ("core.fsmonitor", str(script)),
        ("core.hooksPath", str(tmp_path)),
    ):
        repo.git("config", key, value)
    analysis = suspect_links(corpus, cache=False)
    assert [(link.downstream_name, link.upstream_name) for link in analysis.links] == [
        ("RFC-0001", "PRD-0001")
    ]
    link = analysis.links[0]
    assert "+Customers pay for their basket in two steps." in diff_text(
        repo.root, link.diff_from[0], link.diff_from[1], link.diff_to
    )
    assert suspects_from_change(corpus, "HEAD~1", [PRD]).marks
    assert not sentinel.exists(), sentinel.read_text()


def two_commits(tmp_path: Path) -> HistoryRepo:
    """A repository whose PRD changed in its second commit."""
    repo = HistoryRepo(tmp_path / "repo")
    repo.commit("one")
    repo.replace(PRD, "one step", "two steps")
    repo.commit("two")
    return repo


def three_commits(tmp_path: Path) -> HistoryRepo:
    """``two_commits`` and a third that changed the PRD again."""
    repo = two_commits(tmp_path)
    repo.replace(PRD, "two steps", "three steps")
    repo.commit("three")
    return repo


def test_new_commits_are_read_on_top_of_the_cached_history(tmp_path: Path) -> None:
    repo = two_commits(tmp_path)
    first = read_log(repo.root, probe_repository(repo.root), cache=True)
    repo.git("checkout", "-q", "-b", "side")
    repo.replace(PRD, "two steps", "three steps")
    repo.commit("on a branch")
    repo.git("checkout", "-q", "main")
    repo.git("mv", PRD, "docs/prd/PRD-0001-basket.md")
    repo.commit("renamed on main")
    repo.git("merge", "-q", "--no-ff", "--no-edit", "side")
    probe = probe_repository(repo.root)
    ranges: list[tuple[str, ...]] = []
    real = githistory.run_git

    def spy(root: Path, *args: str, **options: Any):  # type: ignore[no-untyped-def]
        if args[0] == "rev-list" and "--topo-order" in args:
            ranges.append(tuple(a for a in args if a.startswith("^")))
        return real(root, *args, **options)

    githistory.run_git = spy  # type: ignore[assignment]
    try:
        on_top = read_log(repo.root, probe, cache=True)
    finally:
        githistory.run_git = real
    assert ranges == [(f"^{first.head}",)]  # only the new commits were read
    assert on_top == read_log(repo.root, probe, cache=False)
    assert len(on_top.commits) == 5  # three new ones (the merge too) on top of the two
    assert on_top.commits[3:] == tuple(
        (sha, tuple(p + 3 for p in parents), when) for sha, parents, when in first.commits
    )
    repo.git("reset", "-q", "--hard", "HEAD~2")  # HEAD moved back: read it all again
    back = probe_repository(repo.root)
    assert read_log(repo.root, back, cache=True) == read_log(repo.root, back, cache=False)


def test_the_history_cache_is_written_and_read_a_frame_at_a_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = three_commits(tmp_path)
    monkeypatch.setattr(githistory, "_LOG_FRAME_ROWS", 2)  # several frames of each kind
    probe = probe_repository(repo.root)
    fresh = read_log(repo.root, probe, cache=False)
    assert len(fresh.commits) == 3 and len(fresh.changes) > 2 and len(fresh.head_blobs) > 2
    written = read_log(repo.root, probe, cache=True)
    path = repo.root / githistory.LOG_CACHE
    frames = list(githistory._log_frames(probe, fresh))
    assert len(frames) > 9 and max(map(len, frames)) < len(path.read_bytes()) / 4
    assert written == fresh == githistory._load_log(path, probe)
    data = path.read_bytes()
    huge = (
        githistory._LOG_MAGIC
        + githistory._FRAME.pack(2**62)
        + data[len(githistory._LOG_MAGIC) + 8 :]
    )
    for broken in (data[:-3], data[:20], b"", githistory.marshal.dumps((1, "x")), huge):
        path.write_bytes(broken)  # cut short, another layout, a frame larger than the file
        assert githistory._load_log(path, probe) is None
        assert read_log(repo.root, probe, cache=True) == fresh
    assert githistory._load_log(path, probe) == fresh  # and written again


def spy_git(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The subcommands ``githistory`` runs from now on (``run_git``), in order."""
    asked: list[str] = []
    real = githistory.run_git

    def spy(root: Path, *args: str, **options: Any):  # type: ignore[no-untyped-def]
        asked.append(args[0])
        return real(root, *args, **options)

    monkeypatch.setattr(githistory, "run_git", spy)
    return asked


def test_the_history_is_read_ahead_into_its_cache_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = two_commits(tmp_path)
    probe = probe_repository(repo.root)
    logs = spy_git(monkeypatch)
    suspect.cache_history_first(repo.root, probe)
    assert "log" in logs and (repo.root / githistory.LOG_CACHE).is_file()
    logs.clear()
    githistory.cache_history(repo.root, probe)  # at HEAD already: git is not asked
    assert read_log(repo.root, probe, cache=True) == read_log(repo.root, probe, cache=False)
    assert logs.count("log") == 1  # the second read only, without the cache
    repo.replace(PRD, "two steps", "three steps")
    repo.commit("three")
    moved = probe_repository(repo.root)
    githistory.cache_history(repo.root, moved)  # HEAD moved: read (the new commit only)
    assert logs.count("log") == 2
    assert githistory._cached_head(repo.root / githistory.LOG_CACHE, moved) == moved.head
    suspect.cache_history_first(repo.root, githistory.Repository("not-git", "no"))
    assert logs.count("log") == 2


def test_head_work_runs_while_git_reads_a_long_history_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = HistoryRepo(tmp_path / "repo")
    repo.commit("one")
    probe = probe_repository(repo.root)
    seen: list[Mapping[str, str]] = []

    def meanwhile(blobs: Mapping[str, str], reading: Callable[[], bool]) -> None:
        seen.append(blobs)
        for _ in range(60_000):  # git is still reading until this says False
            if not reading():
                break
            time.sleep(0.001)
        assert not reading()

    history = read_log(repo.root, probe, cache=False, meanwhile=meanwhile)
    assert seen == []  # one commit: read before work ahead would pay
    monkeypatch.setattr(githistory, "AHEAD_COMMITS", 1)
    history = read_log(repo.root, probe, cache=True, meanwhile=meanwhile)
    assert seen == [history.head_blobs] and PRD in history.head_blobs
    assert read_log(repo.root, probe, cache=True, meanwhile=meanwhile) == history
    assert len(seen) == 1  # from the cache: nothing to do meanwhile


def test_one_cat_file_serves_every_read_of_a_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = HistoryRepo(tmp_path / "repo")
    repo.commit("one")
    history = read_log(repo.root, probe_repository(repo.root), cache=False)
    started: list[tuple[str, ...]] = []
    real_start = githistory.start_git

    def start_git(root: Path, *args: str, **options: Any) -> Any:
        started.append(args)
        return real_start(root, *args, **options)

    monkeypatch.setattr(githistory, "start_git", start_git)
    blobs = sorted(history.head_blobs.values())
    assert len(blobs) >= 4
    names = [*(blobs * 3)[:12], "f" * 40, "HEAD:README.md"]  # a name twice is read twice
    with githistory.BlobReader(repo.root) as reader:
        found = list(reader.read(names))
        assert [blob for blob, _ in found] == names[:-1]  # not a hash: never sent to git
        assert all(data is not None for _, data in found[:-1]) and found[-1][1] is None
        assert dict(found)[blobs[0]] == (repo.root / _path_of(history, blobs[0])).read_bytes()
        assert list(reader.read(blobs)) == found[: len(blobs)]
        assert len(started) == 1  # the same process answered both
        stopped = reader.read(names)
        assert next(stopped) == found[0]
        stopped.close()  # a caller that stops early ends git; the next read starts another
        assert list(reader.read(names[:2])) == found[:2] and len(started) == 2
        assert list(reader.read([])) == [] and len(started) == 2
    assert reader._git is None
    assert list(githistory.iter_blobs(repo.root, names)) == found


def _path_of(history: githistory.Log, blob: str) -> str:
    return next(path for path, held in history.head_blobs.items() if held == blob)


def branched(tmp_path: Path) -> HistoryRepo:
    """A history of ten commits with branches, merges (an octopus too) and a rename."""
    repo = HistoryRepo(tmp_path / "repo")
    repo.commit("one")
    for number in range(3):
        repo.git("checkout", "-q", "-b", f"side{number}")
        repo.replace(PRD, "step", f"step {number}")
        repo.commit(f"on a branch {number}")
        repo.git("checkout", "-q", "main")
        repo.write(f"docs/note{number}.md", f"# Note {number}\n")
        repo.commit(f"note {number}")
    repo.git("merge", "-q", "--no-ff", "--no-edit", "side2")
    repo.git("mv", PRD, "docs/prd/PRD-0001-basket.md")
    repo.commit("renamed")
    repo.git("merge", "-q", "--no-edit", "-s", "ours", "side0", "side1")  # an octopus merge
    return repo


def test_the_history_read_in_slices_is_the_one_git_log_byte_for_byte(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = branched(tmp_path)
    whole = githistory.run_git(
        repo.root, "log", "-z", "--topo-order", "--no-abbrev", "--raw", "-M", "--no-color",
        "--no-relative", "--format=%x01%H %P %ct", "HEAD", "--",
    ).stdout  # fmt: skip
    parts: list[bytes] = []
    real = githistory._log_part

    def counted(root: Path, commits: list[bytes]) -> bytes:
        out = real(root, commits)
        parts.append(out)
        return out

    monkeypatch.setattr(githistory, "_log_part", counted)
    monkeypatch.setattr(githistory, "SPLIT_COMMITS", 1)
    order = githistory._topo_order(repo.root, ["HEAD"])
    rows = githistory._read_rows(repo.root, order, "")
    assert rows == githistory._parse_rows(whole, "")
    assert sorted(part.count(b"\x01") for part in parts) == [5, 5]
    assert b"".join(sorted(parts, key=whole.index)) == whole and whole.count(b"\x01") == 10


@pytest.mark.parametrize("early", [1, 3, 10, 11, 2000])
def test_the_history_begun_early_is_the_history_read_then(
    early: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = branched(tmp_path)
    probe = probe_repository(repo.root)
    then = read_log(repo.root, probe, cache=False)
    monkeypatch.setattr(githistory, "EARLY_COMMITS", early)
    monkeypatch.setattr(githistory, "SPLIT_COMMITS", 1)  # the rest in two slices
    asked = spy_git(monkeypatch)
    begun = githistory.begin_log(repo.root, probe, cache=False)
    assert begun is not None
    assert read_log(repo.root, probe, cache=False, early=begun) == then
    assert begun.taken and begun._answers is None  # let go once taken
    # The newest commits came from the early log; only a longer history asks for the rest.
    # (as many as it asked for: there may be more, the order says).
    rest = {10: ["rev-list"], 11: [], 2000: []}.get(early, ["rev-list", "log", "log"])
    assert asked == rest
    assert begun._pending is None  # taken: nothing left to end
    begun.discard()


def test_no_history_is_begun_where_it_is_cached_or_one_commit(tmp_path: Path) -> None:
    repo = HistoryRepo(tmp_path / "repo")
    repo.commit("one")
    assert githistory.begin_log(repo.root, probe_repository(repo.root), cache=False) is None
    repo.replace(PRD, "one step", "two steps")
    repo.commit("two")
    probe = probe_repository(repo.root)
    begun = githistory.begin_log(repo.root, probe, cache=True)
    assert begun is not None
    begun.discard()
    read_log(repo.root, probe, cache=True)  # cached at HEAD
    assert githistory.begin_log(repo.root, probe, cache=True) is None
    repo.replace(PRD, "two steps", "three steps")
    repo.commit("three")  # HEAD moved on: the cache reads only the new commit
    assert githistory.begin_log(repo.root, probe_repository(repo.root), cache=True) is None
    assert githistory.begin_log(repo.root, probe_repository(repo.root), cache=False) is not None
    assert githistory.begin_log(tmp_path, probe_repository(tmp_path), cache=False) is None


def _answers_in_a_child(begun: githistory.EarlyLog) -> object:
    import multiprocessing

    reader, writer = multiprocessing.get_context("fork").Pipe(duplex=False)
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        try:
            got = begun.answers()
            writer.send(None if got is None else [(a.returncode, a.stdout) for a in got])
        finally:
            os._exit(0)
    writer.close()
    try:
        return reader.recv()
    finally:
        os.waitpid(pid, 0)


def test_a_forked_child_takes_the_answers_settled_before_it(tmp_path: Path) -> None:
    repo = branched(tmp_path)
    probe = probe_repository(repo.root)
    begun = githistory.begin_log(repo.root, probe, cache=False)
    assert begun is not None
    assert _answers_in_a_child(begun) is None  # not settled: the child reads it itself
    deadline = time.monotonic() + 30
    while begun._answers is None and time.monotonic() < deadline:
        begun.settle()
        time.sleep(0.01)
    here = begun.answers()
    assert here is not None and _answers_in_a_child(begun) == [
        (a.returncode, a.stdout) for a in here
    ]
    assert read_log(repo.root, probe, cache=False, early=begun) == read_log(
        repo.root, probe, cache=False
    )


def test_a_history_begun_and_not_needed_is_ended(tmp_path: Path) -> None:
    repo = two_commits(tmp_path)
    begun = githistory.begin_log(repo.root, probe_repository(repo.root), cache=False)
    assert begun is not None
    pending = begun._pending
    assert pending is not None
    begun.discard()
    assert all(git._proc.returncode is not None for git in pending)  # reaped
    assert all(git._files is None for git in pending)  # its files closed
    assert begun.answers() is None


def test_a_check_takes_the_history_begun_before_its_parse(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tracegraph import api
    from tracegraph.checks import parallel

    repo = three_commits(tmp_path)
    begun: list[githistory.EarlyLog | None] = []
    real = githistory.begin_log

    def spy(*args: Any, **options: Any) -> githistory.EarlyLog | None:
        begun.append(real(*args, **options))
        return begun[-1]

    monkeypatch.setattr(api, "begin_log", spy)
    started: list[object] = []
    ahead = suspect.analyse_ahead
    monkeypatch.setattr(
        suspect, "analyse_ahead", lambda *a, **o: started.append(1) or ahead(*a, **o)
    )
    monkeypatch.setattr(parallel, "can_fork", lambda: True)  # a thread left by another test
    found = {}
    for documents in (10**9, 1):  # TG503 here, then in the rules' forked child
        monkeypatch.setattr(parallel, "PARALLEL_DOCUMENTS", documents)
        found[documents] = api.check_tree(repo.root).findings
    monkeypatch.setattr(api, "begin_log", lambda *args, **options: None)
    monkeypatch.setattr(parallel, "PARALLEL_DOCUMENTS", 10**9)
    alone = api.check_tree(repo.root).findings  # one process, history read when TG503 runs
    assert len(begun) == 2 and all(b is not None and b._pending is None for b in begun)
    assert begun[0] is not None and begun[0].taken  # TG503 here took them
    suspects = [f for f in alone if f.code == "TG503"]
    assert suspects and found[10**9] == alone and found[1] == alone
    assert started == [1]  # where the rules fork, TG503 had a process of its own


def test_the_analysis_in_a_process_of_its_own_is_the_analysis_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = three_commits(tmp_path)
    corpus = scan(repo.root)
    probe = probe_repository(repo.root)
    here = suspect.find_suspect_links(corpus, cache=False, repo=probe)
    assert here.links  # the RFC rests on the PRD, changed twice
    computed: list[int] = []
    real = suspect.find_suspect_links

    def counted(*args: Any, **options: Any) -> suspect.SuspectAnalysis:
        computed.append(os.getpid())
        return real(*args, **options)

    monkeypatch.setattr(suspect, "find_suspect_links", counted)
    ahead = suspect.analyse_ahead(corpus, cache=False, repo=probe, early_log=None)
    assert ahead is not None
    assert ahead.result() == here and computed == []  # from the process, none here
    assert ahead.result() == here and computed == [os.getpid()]  # taken: computed here
    ahead.end()
    with pytest.raises(ChildProcessError):
        os.waitpid(ahead.pid, os.WNOHANG)  # reaped
    # A process that gives nothing (it failed, was killed): the analysis is made here.
    monkeypatch.setattr(suspect, "_analysis_child", lambda *args: None)
    ahead = suspect.analyse_ahead(corpus, cache=False, repo=probe, early_log=None)
    assert ahead is not None and ahead.result() == here and len(computed) == 2
    ahead.end()
    # git begun just now: waited for before the fork, so the process reads no history itself.
    begun = githistory.begin_log(repo.root, probe, cache=False)
    assert begun is not None
    monkeypatch.undo()
    ahead = suspect.analyse_ahead(corpus, cache=False, repo=probe, early_log=begun)
    assert ahead is not None and begun._answers is not None and ahead.result() == here
    ahead.end()
    one = HistoryRepo(tmp_path / "one")
    one.commit("one")
    alone = suspect.analyse_ahead(scan(one.root), cache=False, repo=probe_repository(one.root),
                                  early_log=None)  # fmt: skip
    assert alone is None  # one commit: nothing to read, nothing started


def test_a_broken_review_file_is_reported_as_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tracegraph import api
    from tracegraph.checks import parallel
    from tracegraph.errors import InputError

    repo = three_commits(tmp_path)
    repo.write(".tracegraph-reviews.yaml", "<<<<<<< HEAD\n")
    monkeypatch.setattr(parallel, "PARALLEL_DOCUMENTS", 1)
    with pytest.raises(InputError, match=r"\.tracegraph-reviews\.yaml"):
        api.check_tree(repo.root, cache=False)
