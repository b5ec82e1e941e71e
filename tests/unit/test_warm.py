"""A warm rerun answered by its stamp (``tracegraph.warm``): the kept output is printed before
the config, scanner or rules are imported, only while everything the run saw is as it was.
Each change below must make the stamp a miss, and every answer must equal a run without
cache."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.gitrepo import git, init_repo
from tests.helpers import make_tree
from tracegraph import api, cache, gitcmd, warm
from tracegraph.cli import check as check_cli
from tracegraph.cli import cli

DOCS = {
    "docs/adr/0001-use-sqlite.md": "# 1. Use SQLite\n\n## Status\n\nAccepted\n\n## Context\n\n"
    "See [the real one](real.md) and [[nowhere-at-all]].\n",
    "docs/adr/real.md": "# Real\n\nA [link](0001-use-sqlite.md#context).\n",
    "docs/adr/other.md": "# Other\n\nNo links.\n",
    "README.md": "# Docs\n\n- [ADR 1](docs/adr/0001-use-sqlite.md), [alias](docs/alias.md)\n",
    ".gitignore": "vendor/\n",
}
ARGS = ["--format", "json", "--today", "2026-01-01"]


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A committed work tree with a link to a link: ``docs/alias.md`` -> ``vendor/x.md``
    (ignored) -> ``docs/adr/real.md``. Files written by the test count as settled."""
    monkeypatch.setattr(cache, "RACY_SECONDS", 0.0)
    root = make_tree(tmp_path / "repo", DOCS)
    (root / "vendor").mkdir()
    try:
        (root / "vendor" / "x.md").symlink_to("../docs/adr/real.md")
        (root / "docs" / "alias.md").symlink_to("../vendor/x.md")
    except OSError:
        pytest.skip("no symbolic links here")
    return init_repo(root)


@pytest.fixture
def answered(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """One entry per cached check: whether its stamp answered it."""
    calls: list[bool] = []
    original = warm.kept_output

    def spy(seen: warm.Seen) -> warm.KeptOutput | None:
        found = original(seen)
        calls.append(found is not None)
        return found

    monkeypatch.setattr(warm, "kept_output", spy)
    return calls


def _check(root: Path, *extra: str) -> tuple[bytes, int]:
    result = CliRunner().invoke(cli, ["check", "-C", str(root), *ARGS, *extra])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.stdout_bytes, result.exit_code


def test_an_unchanged_tree_is_answered_by_the_stamp_alone(
    repo: Path, answered: list[bool], monkeypatch: pytest.MonkeyPatch
) -> None:
    plain = _check(repo, "--no-cache")
    assert _check(repo) == plain  # the whole run: output kept, stamped
    with monkeypatch.context() as patched:
        patched.setattr(api, "check_tree", lambda *a, **k: pytest.fail("scanned"))
        assert _check(repo) == plain
        assert _check(repo, "--format", "json") == plain  # the same settings, spelt again
    assert answered == [False, True, True]
    other = _check(repo, "--format", "text")  # other settings: a stamp of their own
    assert answered[-1] is False and other == _check(repo, "--format", "text", "--no-cache")
    assert _check(repo, "--format", "text") == other and answered[-1] is True


def _edit(path: Path, text: str) -> Callable[[Path], None]:
    def edit(root: Path) -> None:
        target = root / path
        target.write_text(target.read_text(encoding="utf-8") + text, encoding="utf-8")

    return edit


def _write(path: str, text: str) -> Callable[[Path], None]:
    return lambda root: make_tree(root, {path: text}) and None


def _retarget(root: Path) -> None:
    (root / "vendor" / "x.md").unlink()
    (root / "vendor" / "x.md").symlink_to("../docs/adr/other.md")


def _commit(root: Path) -> None:
    git(root, "commit", "-q", "--allow-empty", "-m", "next")


def _marker(root: Path) -> None:
    (root / "docs" / "adr" / ".obsidian").mkdir()


CHANGES: dict[str, Callable[[Path], None]] = {
    "prose": _edit(Path("docs/adr/other.md"), "\nMore words.\n"),
    "new link": _edit(Path("docs/adr/other.md"), "\n[gone](gone.md)\n"),
    "untracked file": _write("docs/adr/new.md", "# New\n"),
    "config file": _write("tracegraph.yaml", "rules:\n  severity:\n    TG101: warning\n"),
    "review file": _write(".tracegraph-reviews.yaml", "reviews: []\n"),
    "ignored link retargeted": _retarget,
    "wiki marker folder": _marker,
    "HEAD moved": _commit,
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_anything_the_run_saw_changing_is_a_miss(
    repo: Path, answered: list[bool], change: str
) -> None:
    _check(repo)
    assert _check(repo) == _check(repo, "--no-cache") and answered[-1] is True
    CHANGES[change](repo)
    after = _check(repo)
    assert answered[-1] is False, change
    assert after == _check(repo, "--no-cache"), change
    assert _check(repo) == after and answered[-1] is True  # stamped again


def test_a_stamp_is_answered_only_with_its_own_output(repo: Path, answered: list[bool]) -> None:
    """A stamp whose output was dropped, or whose output file was changed, is a miss; a
    stamp row that is malformed is ignored, never an error."""
    plain = _check(repo, "--no-cache")
    _check(repo)
    directory = repo / cache.CACHE_DIR
    [kept] = directory.glob(f"{cache.OUTPUT_PREFIX}*")
    kept.write_bytes(kept.read_bytes().replace(b"findings", b"findingz"))
    assert _check(repo) == plain and answered[-1] is False
    import sqlite3

    with sqlite3.connect(directory / cache.RESULTS_FILE) as db:
        db.execute("UPDATE stamps SET extras = x'00ff'")
    assert _check(repo) == plain and answered[-1] is False
    with sqlite3.connect(directory / cache.RESULTS_FILE) as db:
        db.execute("DROP TABLE stamps")
    assert _check(repo) == plain and answered[-1] is False
    assert _check(repo) == plain and answered[-1] is True


def test_the_listing_a_stamp_saw_is_stat_ed_while_git_lists_the_tree(
    repo: Path, answered: list[bool]
) -> None:
    """A stamp keeps git's listing (``GUESS_FILE``); the next ``look`` takes the ``lstat`` of
    its names while git lists the tree, and keeps them only when git lists the same bytes:
    the same view as without the guess. A listing that changed is stat-ed as git gives it, and
    the next stamp keeps it; a guess that is not a listing is only a miss (the stamp still
    answers: the tree did not change)."""
    _check(repo)
    guess = repo / cache.CACHE_DIR / warm.GUESS_FILE
    listing = git(repo, "ls-files", "-co", "--exclude-standard", "-z")
    assert guess.read_bytes().decode() == listing
    seen = warm.look(repo, "k")
    guess.rename(guess.with_name("aside"))
    fresh = warm.look(repo, "k")
    guess.with_name("aside").rename(guess)
    assert seen.guessed and not fresh.guessed
    assert seen.listed == fresh.listed and seen.witness() == fresh.witness()
    make_tree(repo, {"docs/adr/new.md": "# New\n"})
    seen = warm.look(repo, "k")
    assert not seen.guessed and "docs/adr/new.md" in seen.listed.files  # type: ignore[union-attr]
    _check(repo)
    assert b"docs/adr/new.md\0" in guess.read_bytes() and warm.look(repo, "k").guessed
    guess.write_bytes(b"../../outside\0docs/adr/gone.md\0")
    assert not warm.look(repo, "k").guessed
    assert _check(repo) == _check(repo, "--no-cache") and answered[-1] is True  # a hint only


def test_a_warm_rerun_imports_no_scanner_config_or_rule(repo: Path) -> None:
    """The third run of the same check on an unchanged tree (the first keeps the output, the
    second stamps it or is answered) loads only the modules of the stamp's path."""
    env = {k: v for k, v in os.environ.items() if k != "TRACEGRAPH_DEBUG"}
    settle = "import tracegraph.cache as c; c.RACY_SECONDS = 0.0\n"
    run = (
        "import sys\nfrom tracegraph.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(' '.join(sorted(sys.modules)), file=sys.stderr)\n"
    )
    argv = ["check", ".", *ARGS]
    outputs: list[bytes] = []
    loaded = ""
    for prefix in (settle, settle, ""):
        proc = subprocess.run(
            [sys.executable, "-c", f"import sys; sys.argv = ['tracegraph', *{argv!r}]\n"
             f"{prefix}{run}"],
            cwd=repo, env=env, capture_output=True, check=False,
        )  # fmt: skip
        outputs.append(proc.stdout)
        loaded = proc.stderr.decode().strip().splitlines()[-1]
    assert outputs[0] == outputs[1] == outputs[2] and b"TG201" in outputs[0]
    modules = set(loaded.split())
    assert "tracegraph.warm" in modules
    heavy = {"tracegraph.api", "tracegraph.config", "tracegraph.model", "tracegraph.crawl",
             "tracegraph.checks", "tracegraph.output", "tracegraph.cache", "yaml"}  # fmt: skip
    assert not heavy & modules, sorted(heavy & modules)


def test_the_check_formats_are_the_formatters(monkeypatch: pytest.MonkeyPatch) -> None:
    from tracegraph.output import FORMATTERS

    assert tuple(FORMATTERS) == check_cli.FORMATS


def test_the_crawl_asks_git_nothing_the_run_asked_already(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a miss, the crawl takes git's answers and the ``lstat``s from the run's ``Seen``:
    four git processes in all (configuration, ``rev-parse``, ``ls-files``, ``remote``)."""

    _check(repo)
    (repo / "docs" / "adr" / "other.md").write_text("# Other\n\nChanged.\n", encoding="utf-8")
    spawned: list[str] = []
    original = gitcmd._popen

    def spy(command: list[str], *args: Any, **kwargs: Any) -> Any:
        spawned.append(command[3] if command[3] != "--no-pager" else command[4])
        return original(command, *args, **kwargs)

    monkeypatch.setattr(gitcmd, "_probed", {})
    monkeypatch.setattr(gitcmd, "_popen", spy)
    assert _check(repo) == _check(repo, "--no-cache")
    first = spawned[:4]  # the listing and the remote begin beside rev-parse
    assert sorted(first) == ["config", "ls-files", "remote", "rev-parse"]
    assert spawned.count("ls-files") == 1 + 1  # this run, and the run without cache


def test_the_remote_asked_meanwhile_is_the_remote_asked_alone(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``look`` begins the listing and the remote beside ``rev-parse``: the same answers as
    asked one after the other; when ``rev-parse`` raises (anything but a GitError), the begun
    git processes are killed and reaped and the error goes on."""
    (repo / ".git" / "config").write_text(
        (repo / ".git" / "config").read_text() + '[remote "origin"]\n\turl = https://x.org/o/r\n'
    )
    seen = warm.look(repo, "k")
    alone = warm.ask_git(repo, warm.REMOTE_ARGS, warm.REMOTE_TIMEOUT)
    assert not isinstance(seen.remote, warm.GitError) and not isinstance(alone, warm.GitError)
    assert seen.remote is not None and seen.remote.stdout == b"https://x.org/o/r\n"
    assert (seen.remote.returncode, seen.remote.stdout, seen.remote.stderr) == (
        alone.returncode,
        alone.stdout,
        alone.stderr,
    )
    listing = warm.ask_git(repo, warm.LIST_ARGS, warm.LIST_TIMEOUT)
    assert not isinstance(seen.listing, warm.GitError) and not isinstance(listing, warm.GitError)
    assert seen.listing is not None and seen.listing.stdout == listing.stdout
    assert seen.listed is not None and "docs/adr/real.md" in seen.listed.files
    discarded: list[object] = []
    discard = gitcmd.PendingGit.discard

    def counted(pending: gitcmd.PendingGit) -> None:
        discard(pending)
        discarded.append(pending._proc.returncode)

    def broken(root: Path, args: tuple[str, ...], timeout: float) -> Any:
        raise RuntimeError("not a git error")

    monkeypatch.setattr(gitcmd.PendingGit, "discard", counted)
    monkeypatch.setattr(warm, "ask_git", broken)
    with pytest.raises(RuntimeError, match="not a git error"):
        warm.look(repo, "k")
    assert len(discarded) == 2 and None not in discarded  # the listing and the remote, reaped


def test_a_check_without_cache_begins_git_before_the_run_and_asks_it_once(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``check --no-cache`` begins ``rev-parse``, the listing and the remote before it imports
    the run's modules (``begin_look``); the crawl takes them: one of each in all, and the same
    output as a run whose crawl asks them itself."""
    alone = _check(repo, "--no-cache")
    spawned: list[str] = []
    original = gitcmd._popen

    def spy(command: list[str], *args: Any, **kwargs: Any) -> Any:
        spawned.append(command[3] if command[3] != "--no-pager" else command[4])
        return original(command, *args, **kwargs)

    begun: list[int] = []
    check_tree = api.check_tree

    def run(*args: Any, **kwargs: Any) -> Any:
        begun.append(len(warm._EARLY))  # begun before the run, not yet taken
        return check_tree(*args, **kwargs)

    monkeypatch.setattr(gitcmd, "_probed", {})
    monkeypatch.setattr(gitcmd, "_popen", spy)
    monkeypatch.setattr(api, "check_tree", run)
    assert _check(repo, "--no-cache") == alone
    assert begun == [1] and warm._EARLY == []
    assert sorted(spawned[:4]) == ["config", "ls-files", "remote", "rev-parse"]
    assert spawned.count("ls-files") == spawned.count("rev-parse") == 1
    assert spawned.count("remote") == 1
    with monkeypatch.context() as patched:
        patched.setattr(warm, "begin_look", lambda root: None)  # the crawl asks them itself
        assert _check(repo, "--no-cache") == alone


def test_what_begin_look_began_is_the_answer_look_gets_or_is_killed(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The crawl's ``look`` takes what ``begin_look`` began for its root: the same answers as
    asked then; for another root, after ``EARLY_SECONDS``, with no remote wanted or when
    nothing took them, the begun git processes are killed and reaped."""
    (repo / ".git" / "config").write_text(
        (repo / ".git" / "config").read_text() + '[remote "origin"]\n\turl = https://x.org/o/r\n'
    )
    asked = warm.look(repo, "", crawling=True)
    warm.begin_look(repo)
    early = warm.look(repo, "", crawling=True)
    assert warm._EARLY == []
    for one, two in ((asked.probe, early.probe), (asked.listing, early.listing),
                     (asked.remote, early.remote)):  # fmt: skip
        assert not isinstance(one, warm.GitError) and not isinstance(two, warm.GitError)
        assert one is not None and two is not None
        assert (one.returncode, one.stdout, one.stderr) == (two.returncode, two.stdout, two.stderr)
    assert early.remote is not None and early.remote.stdout == b"https://x.org/o/r\n"
    assert asked.listed is not None and early.listed is not None
    assert early.listed.files == asked.listed.files
    assert early.started < time.time_ns()
    discarded: list[object] = []
    discard = gitcmd.PendingGit.discard

    def counted(pending: gitcmd.PendingGit) -> None:
        discard(pending)
        discarded.append(pending._proc.returncode)

    monkeypatch.setattr(gitcmd.PendingGit, "discard", counted)
    other = init_repo(make_tree(tmp_path / "other", {"a.md": "# A\n"}))
    warm.begin_look(repo)
    seen = warm.look(other, "", crawling=True)  # another root: its own answers
    assert len(discarded) == 3 and None not in discarded
    assert seen.listed is not None and seen.listed.files == ["a.md"]
    warm.begin_look(repo)
    assert warm.look(repo, "", crawling=True, remote=False).remote is None
    assert len(discarded) == 4  # the remote the config made unnecessary
    warm.begin_look(repo)
    warm.end_early_look()  # a run that failed before its crawl
    assert len(discarded) == 7 and warm._EARLY == []
    monkeypatch.setattr(warm, "EARLY_SECONDS", 0.0)
    warm.begin_look(repo)
    assert warm.look(repo, "", crawling=True).listed is not None
    assert len(discarded) == 10 and None not in discarded  # too old: asked again


def test_a_check_lets_go_of_the_listing_and_its_stamp_still_answers(
    repo: Path, answered: list[bool], monkeypatch: pytest.MonkeyPatch
) -> None:
    """After the crawl, the run's ``Seen`` keeps only its witness (git's listing and every
    file's ``lstat`` are let go: about 45 MB at 100,000 files), and the stamp stored from it
    answers the next run."""
    given: list[warm.Seen] = []
    original = api.check_tree

    def spy(*args: Any, **kwargs: Any) -> Any:
        seen = kwargs.get("seen")
        assert seen is not None and seen.listed is not None and seen.listing is not None
        given.append(seen)
        return original(*args, **kwargs)

    monkeypatch.setattr(api, "check_tree", spy)
    first = _check(repo)
    assert len(given) == 1 and given[0].listed is None and given[0].listing is None
    assert given[0].witness()  # the digest the stamp was stored with
    assert _check(repo) == first
    assert answered == [False, True]


def test_which_command_lines_are_answered_before_the_cli(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only ``check`` with options that change nothing but the printed output (and a single
    folder at most) is answered before the CLI parses it; anything that writes elsewhere,
    reads another file, asks for more than the output or names files is left to the CLI."""
    (tmp_path / "sub").mkdir()
    (tmp_path / "a.md").write_text("# A\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NO_COLOR", raising=False)

    def root(*argv: str) -> tuple[str, bool] | None:
        line = warm.command_line(list(argv))
        return None if line is None else (line.root, line.allow_empty)

    assert root("check") == (".", False)
    assert root("check", "sub", *ARGS, "-q") == ("sub", False)
    assert root("check", "-C", "sub", "--select", "TG1", "--allow-empty") == ("sub", True)
    assert root("check", "--root=sub", "--format=json", "--fail-on", "never") == ("sub", False)
    assert root("check", "--config", "x.yaml", "--ignore", "TG2", "--quiet") == (".", False)
    for argv in (
        ["map"], ["-v", "check"], ["check", "-o", "out.json"], ["check", "--output=o.json"],
        ["check", "--baseline", "b.json"], ["check", "--write-baseline", "b.json"],
        ["check", "--since", "HEAD"], ["check", "--no-cache"], ["check", "--help"],
        ["check", "a.md"], ["check", "sub", "sub"], ["check", "-C", "sub", "sub"],
        ["check", "-C", "sub", "-C", "sub"], ["check", "--format"], ["check", "-q=1"],
        ["check", "-Csub"], ["check", "--", "sub"], ["check", "-"],
    ):  # fmt: skip
        assert warm.command_line(argv) is None, argv
    key = warm.command_line(["check", *ARGS])
    assert key is not None
    assert warm.command_line(["check", *ARGS]) == key
    assert warm.command_line(["check", ".", *ARGS]) != key  # another command line
    monkeypatch.setenv("NO_COLOR", "1")
    assert warm.command_line(["check", *ARGS]) != key
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.chdir(tmp_path / "sub")
    assert warm.command_line(["check", "-C", "..", *ARGS]) != warm.command_line(
        ["check", "-C", str(tmp_path), *ARGS]
    )


def test_a_check_no_stamp_answers_begins_git_s_configuration_probe_for_its_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``probe_ahead`` begins the probe for the root a ``check`` names (``--no-cache`` too),
    and nothing for another command or an option it does not know."""
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path)
    begun: list[Path] = []
    monkeypatch.setattr(warm, "begin_probe", begun.append)
    for argv in (["check"], ["check", "sub", "--no-cache"], ["check", "--no-cache", "-C", "sub"]):
        warm.probe_ahead(argv)
    assert begun == [Path("."), Path("sub"), Path("sub")]
    for argv in (["map"], ["check", "-o", "x"], ["check", "--since", "HEAD"], ["check", "a.md"]):
        warm.probe_ahead(argv)
    assert len(begun) == 3


def test_a_warm_command_line_is_answered_before_click_loads(repo: Path) -> None:
    """The console script's entry point (``tracegraph.launch``): the third run of the same
    command line prints the kept output with its exit status without importing click or the
    CLI; a changed document, or an option left to the CLI (``-o``), runs the CLI, and every
    output equals a run without cache."""
    env = {k: v for k, v in os.environ.items() if k not in ("TRACEGRAPH_DEBUG", "NO_COLOR")}
    settle = "import tracegraph.cache as c; c.RACY_SECONDS = 0.0\n"
    script = (
        "import os, sys\nexit = os._exit\n"
        "def leave(code):\n"
        "    sys.stderr.write(' '.join(sorted(sys.modules)) + '\\n'); sys.stderr.flush()\n"
        "    exit(code)\n"
        "os._exit = leave\nfrom tracegraph.launch import run\nrun()\n"
    )

    def launch(*argv: str, prefix: str = "") -> tuple[bytes, int, set[str]]:
        code = f"import sys; sys.argv = ['tracegraph', *{list(argv)!r}]\n{prefix}{script}"
        proc = subprocess.run(
            [sys.executable, "-c", code], cwd=repo, env=env, capture_output=True, check=False
        )
        modules = proc.stderr.decode().strip().splitlines()[-1].split()
        return proc.stdout, proc.returncode, set(modules)

    argv = ["check", *ARGS, "--fail-on", "warning"]  # exit 1: its status is kept too
    plain = launch(*argv, "--no-cache")
    assert plain[1] == 1 and b"TG201" in plain[0] and "click" in plain[2]
    first, second, third = (launch(*argv, prefix=p) for p in (settle, settle, ""))
    for run in (first, second, third):
        assert run[:2] == plain[:2]
    assert "click" in first[2]
    assert not {"click", "tracegraph.cli", "tracegraph.api"} & third[2]
    written = launch(*argv, "-o", "out.json")
    assert written[1] == 1 and "click" in written[2]
    assert (repo / "out.json").read_bytes() == plain[0]
    doc = repo / "docs" / "adr" / "other.md"
    doc.write_text("# Other\n\nChanged, [broken](gone.md).\n", encoding="utf-8")
    changed = launch(*argv, prefix=settle)
    assert "click" in changed[2] and b"gone.md" in changed[0]
    assert changed[:2] == launch(*argv, "--no-cache")[:2]
    assert launch(*argv)[:2] == changed[:2]  # stamped again by the CLI's run
    assert "click" not in launch(*argv)[2]


def test_a_command_line_answered_early_leaves_warnings_to_the_cli(repo: Path) -> None:
    """A state folder reached through a link: the early answer uses no cache and says nothing;
    the CLI then warns once, in its own words."""
    outside = repo.parent / "elsewhere"
    outside.mkdir()
    (repo / ".tracegraph").symlink_to(outside, target_is_directory=True)
    env = {k: v for k, v in os.environ.items() if k != "TRACEGRAPH_DEBUG"}
    for _ in range(2):
        proc = subprocess.run(
            [sys.executable, "-m", "tracegraph", "check", *ARGS], cwd=repo, env=env,
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        lines = proc.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("tracegraph: warning: "), lines
        assert "never uses its state through a link" in lines[0]
        assert proc.returncode == 0 and '"TG201"' in proc.stdout


# --- the listing's kinds without its stats (``list_files(stat_all=False)``) ---------------------

_ENTRY = st.sampled_from(["file", "link-file", "link-dir", "dangling", "dir", "fifo", "gone"])


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    entries=st.lists(
        st.tuples(st.sampled_from(["", "a", "a/b", "c"]), st.integers(0, 30), _ENTRY),
        max_size=40,
    ),
    scan_from=st.sampled_from([1, 2, 8]),
    per_name=st.sampled_from([0, 4]),
    slack=st.sampled_from([1, 64]),
    extra=st.lists(st.sampled_from(["A/x.md", "a/B.md", "sub/", "a/b/", "zz/q.md"]), max_size=3),
)
def test_the_kinds_of_a_listing_are_those_its_lstats_give(
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    entries: list[tuple[str, int, str]],
    scan_from: int,
    per_name: int,
    slack: int,
    extra: list[str],
) -> None:
    """Whichever folders are read whole, in part or not at all, the files and links of a
    listing read by kind alone are those the ``lstat`` of every name gives, in listing order:
    names that are gone, folders, FIFOs and names spelt otherwise on disk drop out alike."""
    monkeypatch.setattr(warm, "SCAN_FROM", scan_from)
    monkeypatch.setattr(warm, "SCAN_PER_NAME", per_name)
    monkeypatch.setattr(warm, "SCAN_SLACK", slack)
    root = tmp_path_factory.mktemp("kinds")
    names: list[str] = []
    for folder, number, kind in entries:
        name = f"{folder}/n{number}.md" if folder else f"n{number}.md"
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        names.append(name)
        if path.exists() or path.is_symlink():
            continue
        if kind == "file":
            path.write_text("x")
        elif kind == "link-file":
            (root / "target.md").write_text("t")
            path.symlink_to(root / "target.md")
        elif kind == "link-dir":
            path.symlink_to(root)
        elif kind == "dangling":
            path.symlink_to(root / "nowhere")
        elif kind == "dir":
            path.mkdir()
        elif kind == "fifo":
            os.mkfifo(path)
    names += extra
    listing = "\0".join(names).encode() + b"\0"
    full = warm.list_files(root, listing)
    kinds = warm.list_files(root, listing, stat_all=False)
    assert (kinds.files, kinds.links) == (full.files, full.links)
    assert full.complete and not kinds.complete and kinds.stats == {} and kinds.taken == []


def test_a_crawl_without_stats_lists_what_a_crawl_with_them_does(repo: Path) -> None:
    """A check without cache (no stats kept, no stamp) reads only the kinds of the listed
    names, and finds the same files, documents and aliases; its ``Seen`` makes no stamp."""
    from tracegraph.config import load_config
    from tracegraph.crawl import crawl

    (repo / "docs" / "more").mkdir()
    for number in range(12):
        (repo / "docs" / "more" / f"{number}.md").write_text(f"# {number}\n")
    config = load_config(repo)
    stats: dict[str, tuple[int, int, int, int]] = {}
    with_stats = crawl(repo, config, stats)
    assert stats and "docs/more/3.md" in stats
    assert crawl(repo, config) == with_stats
    seen = warm.look(repo, "", crawling=True, stat_all=False)
    assert seen.listed is not None and not seen.listed.complete
    assert seen.witness() is None


def test_the_listing_is_spooled_and_piped_when_no_file_can_be_had(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """git writes the listing to a temporary file (it never waits for this process to read
    a pipe); where no temporary file can be opened it is read through a pipe, the same."""
    spooled: list[bool] = []
    real = warm.begin_git

    def spy(where: Path, *args: str, timeout: float = 120.0, spool: bool = False) -> Any:
        if args[0] == "ls-files":
            spooled.append(spool)
        return real(where, *args, timeout=timeout, spool=spool)

    monkeypatch.setattr(warm, "begin_git", spy)
    asked = warm.look(repo, "", crawling=True)
    warm.begin_look(repo)
    early = warm.look(repo, "", crawling=True)

    def no_file() -> Any:
        raise OSError("no temporary folder")

    monkeypatch.setattr(gitcmd, "spool_file", no_file)
    piped = warm.look(repo, "", crawling=True)
    assert spooled == [True, True, True, False]  # the last one tried a file, then a pipe
    assert asked.listed is not None and early.listed is not None and piped.listed is not None
    assert asked.listed.files == early.listed.files == piped.listed.files
    assert "docs/adr/real.md" in asked.listed.files
