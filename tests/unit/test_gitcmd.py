"""``gitcmd.run_git``: the one way tracegraph runs git, hardened for untrusted repositories."""

from __future__ import annotations

import inspect
import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tests.gitrepo import git, init_repo
from tests.helpers import make_tree
from tracegraph import gitcmd
from tracegraph.cli import cli
from tracegraph.config import default_config
from tracegraph.crawl import crawl
from tracegraph.gitcmd import GitError, hardened_environment, neutralised_settings, run_git


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = make_tree(tmp_path / "repo", {"a.md": "# A\n\n[B](b.md)\n", "b.md": "# B\n"})
    return init_repo(root)


def test_read_only_subcommands_only(repo: Path) -> None:
    for args in (("push",), ("fetch", "origin"), ("-c", "x=y", "ls-files"), ()):
        with pytest.raises(ValueError, match="read-only"):
            run_git(repo, *args)
    assert run_git(repo, "ls-files").stdout == b"a.md\nb.md\n"


def test_input_goes_to_git_and_none_means_an_empty_input(repo: Path) -> None:
    blob = run_git(repo, "rev-parse", "HEAD:b.md").stdout.strip()
    done = run_git(repo, "cat-file", "--batch", input=blob + b"\n")
    assert done.returncode == 0 and done.stdout == blob + b" blob 4\n# B\n\n"
    assert run_git(repo, "cat-file", "--batch").stdout == b""  # no input: nothing read


def test_a_long_running_git_is_fed_and_read_as_it_answers_and_ends_in_time(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(ValueError, match="read-only"):
        gitcmd.start_git(repo, "gc")
    blob = run_git(repo, "rev-parse", "HEAD:b.md").stdout.strip()
    process = gitcmd.start_git(repo, "cat-file", "--batch")
    assert process.proc.args[-2:] == ["cat-file", "--batch"]
    for _ in range(2):  # answered while its input stays open
        process.stdin.write(blob + b"\n")
        process.stdin.flush()
        assert process.stdout.readline() == blob + b" blob 4\n"
        assert process.stdout.read(5) == b"# B\n\n"
    done = process.close()
    assert done.returncode == 0 and done.stderr == b""
    monkeypatch.setattr(gitcmd, "_STALLED", {})
    stalled = gitcmd.start_git(repo, "cat-file", "--batch", timeout=0.5)
    started = time.monotonic()
    assert stalled.stdout.read() == b""  # killed at its deadline: the output ends
    with pytest.raises(GitError, match=r"did not finish within 0\.5 s"):
        stalled.close()
    assert time.monotonic() - started < 10 and stalled.proc.returncode is not None
    with pytest.raises(GitError, match=r"did not finish within 0\.5 s"):
        gitcmd.start_git(repo, "cat-file", "--batch")  # the repository counts as stalled


def test_inherited_variables_that_redirect_git_are_dropped(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = init_repo(make_tree(tmp_path / "other", {"z.md": "# Z\n"}))
    for key, value in {
        "GIT_DIR": str(other / ".git"),
        "GIT_WORK_TREE": str(other),
        "GIT_EXTERNAL_DIFF": "touch /nonexistent",
        "GIT_SSH_COMMAND": "touch /nonexistent",
        "GIT_CONFIG_PARAMETERS": "'core.fsmonitor'='touch /nonexistent'",
        "GIT_CONFIG_GLOBAL": os.devnull,
    }.items():
        monkeypatch.setenv(key, value)
    env = hardened_environment()
    assert "GIT_DIR" not in env and "GIT_EXTERNAL_DIFF" not in env
    assert "GIT_CONFIG_PARAMETERS" not in env and "GIT_SSH_COMMAND" not in env
    assert env["GIT_CONFIG_GLOBAL"] == os.devnull  # the operator's own setting stays
    assert env["GIT_ALLOW_PROTOCOL"] == "" and env["GIT_OPTIONAL_LOCKS"] == "0"
    assert run_git(repo, "ls-files").stdout == b"a.md\nb.md\n"  # not the other repository


def test_filters_and_protocols_of_the_repository_are_neutralised() -> None:
    listing = (
        b"global\0filter.lfs.clean\ngit-lfs clean -- %f\0"
        b"local\0filter.a=b.c.process\nevil\0"
        b"local\0protocol.ext.allow\nalways\0"
        b"global\0core.excludesfile\n/home/me/.gitignore\0"
        b"local\0core.excludesFile\n/etc/shadow\0"
        b"local\0core.attributesfile\n/etc/passwd\0"
    )
    settings = dict(neutralised_settings(listing))
    assert settings["filter.lfs.clean"] == "" and settings["filter.lfs.required"] == "false"
    assert settings["filter.a=b.c.process"] == ""  # a driver name may hold "=" and "."
    assert settings["protocol.ext.allow"] == "never"
    assert settings["core.excludesfile"] == "/home/me/.gitignore"  # the operator's, not the repo's
    assert settings["core.attributesfile"] == os.devnull


def test_a_git_inside_the_root_or_on_a_relative_path_is_never_run(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = repo / "bin" / "git"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\nexit 0\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"bin{os.pathsep}{repo / 'bin'}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.chdir(repo)
    found = gitcmd.find_git(repo)
    assert Path(found).is_absolute() and not Path(found).resolve().is_relative_to(repo.resolve())
    monkeypatch.setenv("PATH", f"bin{os.pathsep}{repo / 'bin'}")
    with pytest.raises(GitError, match="not found"):
        run_git(repo, "ls-files")


def _include_a_fifo(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The repository's config includes a FIFO (git waits on it forever); 1 s to read config."""
    os.mkfifo(repo / ".git" / "more-config")
    git(repo, "config", "include.path", "more-config")
    monkeypatch.setattr(gitcmd, "CONFIG_TIMEOUT", 1.0)
    monkeypatch.setattr(gitcmd, "_STALLED", {})


def test_a_config_include_that_never_ends_is_cut_off(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """git reads an included FIFO forever; the listing falls back to walking the folders."""
    _include_a_fifo(repo, monkeypatch)
    started = time.monotonic()
    with pytest.raises(GitError, match="did not finish within 1 s"):
        run_git(repo, "ls-files")
    (repo / "c.md").write_text("# C\n")
    assert crawl(repo, default_config()).documents == ("a.md", "b.md", "c.md")
    assert time.monotonic() - started < 10


def test_after_a_stall_the_same_repository_fails_at_once(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each later git call would wait for the same FIFO: it is not started at all."""
    _include_a_fifo(repo, monkeypatch)
    with pytest.raises(GitError, match="did not finish within 1 s"):
        run_git(repo, "ls-files")
    spawned: list[list[str]] = []
    monkeypatch.setattr(gitcmd, "_spawn", lambda command, *rest: spawned.append(command))
    with pytest.raises(GitError, match="did not finish within 1 s"):
        run_git(repo, "log", "-1")
    assert spawned == []


def test_only_gitcmd_starts_git(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every git process of every command comes from ``gitcmd`` (the static check is in
    tests/test_layers.py)."""
    starts: list[tuple[str, tuple[str, ...]]] = []
    real = subprocess.Popen

    class Recording(real):  # type: ignore[misc,valid-type]
        def __init__(self, args: Any, *rest: Any, **kwargs: Any) -> None:
            callers = tuple(frame.frame.f_globals.get("__name__", "?") for frame in inspect.stack())
            names = [Path(str(arg)).name for arg in args[:5]]  # setpriv ... -- git
            starts.append(("git" if "git" in names else names[0], callers))
            super().__init__(args, *rest, **kwargs)

    monkeypatch.setattr(subprocess, "Popen", Recording)
    (repo / "a.md").write_text("# A\n\nChanged [B](b.md).\n")
    for args in (
        ["scan", str(repo)],
        ["check", str(repo), "--no-cache"],
        ["report", str(repo), "--no-history", "-o", str(repo / "r.md")],
        ["report", str(repo), "-o", str(repo / "r.md")],
        ["impact", "--since", "HEAD", "-C", str(repo)],
    ):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code in (0, 1), (args, result.output)
    gits = [callers for program, callers in starts if program == "git"]
    assert len(gits) >= 8  # a config probe before each real call
    assert all("tracegraph.gitcmd" in callers for callers in gits)


def test_filters_are_neutralised_by_a_git_without_show_scope(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """git before 2.26 has no ``config --show-scope``: the drivers are still found."""
    marker = tmp_path / "ran"
    (repo / ".gitattributes").write_text("*.md filter=evil\n")
    git(repo, "config", "filter.evil.clean", f"touch {marker}; cat")
    git(repo, "config", "filter.evil.required", "true")
    os.utime(repo / "a.md", (1_000_000_000, 1_000_000_000))  # stat-dirty: git hashes it
    real = gitcmd._spawn

    def old_git(command: list[str], env: dict[str, str], timeout: float, *rest: Any) -> Any:
        if "--show-scope" in command:
            return subprocess.CompletedProcess(command, 129, b"", b"error: unknown option")
        return real(command, env, timeout, *rest)

    # Plain git runs the filter on a copy of the same state: the check below means something.
    twin = tmp_path / "twin"
    shutil.copytree(repo, twin, symlinks=True)
    subprocess.run(["git", "-C", str(twin), "diff", "HEAD"], capture_output=True, check=False)
    assert marker.exists()
    marker.unlink()
    monkeypatch.setattr(gitcmd, "_spawn", old_git)
    done = run_git(repo, "diff", "--name-status", "HEAD")
    assert done.returncode == 0 and not marker.exists()


@pytest.mark.skipif(shutil.which("setpriv") is None, reason="util-linux's setpriv is missing")
def test_git_is_started_through_setpriv_without_a_pre_exec_function(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``setpriv`` sets git's parent-death signal, so subprocess may start it with vfork (a
    pre-exec function forces a fork that copies this process's page tables)."""
    seen: list[tuple[list[str], object]] = []
    real = subprocess.Popen

    class Recording(real):  # type: ignore[misc,valid-type]
        def __init__(self, args: Any, *rest: Any, **kwargs: Any) -> None:
            seen.append((list(args), kwargs.get("preexec_fn")))
            super().__init__(args, *rest, **kwargs)

    monkeypatch.setattr(gitcmd, "_setpriv", None)
    monkeypatch.setattr(gitcmd, "_probed", {})
    monkeypatch.setattr(subprocess, "Popen", Recording)
    assert run_git(repo, "ls-files").stdout == b"a.md\nb.md\n"
    assert len(seen) == 2  # the configuration probe, then the command
    for args, preexec in seen:
        assert Path(args[0]).name == "setpriv" and args[1:4] == ["--pdeathsig", "KILL", "--"]
        assert Path(args[4]).name == "git" and preexec is None


def test_a_setpriv_that_refuses_is_dropped_for_the_pre_exec_function(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A ``setpriv`` without ``--pdeathsig`` (util-linux before 2.33) fails the first call:
    that call runs again without it, and so does every later one."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "setpriv"
    fake.write_text("#!/bin/sh\necho \"setpriv: unrecognized option '--pdeathsig'\" >&2\nexit 1\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setattr(gitcmd, "_setpriv", None)
    monkeypatch.setattr(gitcmd, "_probed", {})
    assert run_git(repo, "ls-files").stdout == b"a.md\nb.md\n"
    assert gitcmd._setpriv == ""
    assert run_git(repo, "ls-files").stdout == b"a.md\nb.md\n"


def test_a_begun_git_answers_as_run_git_and_a_discarded_one_is_reaped(tmp_path: Path) -> None:
    """``begin_git`` starts git hardened as ``run_git`` does and returns at once: its answer
    is ``run_git``'s, byte for byte; ``discard`` kills and reaps it."""
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "a.md").write_text("# A\n", encoding="utf-8")
    pending = gitcmd.begin_git(tmp_path, "ls-files", "-co", "--exclude-standard", "-z")
    ran = gitcmd.run_git(tmp_path, "ls-files", "-co", "--exclude-standard", "-z")
    answer = pending.answer()
    assert (answer.args, answer.returncode, answer.stdout, answer.stderr) == (
        ran.args,
        ran.returncode,
        b"a.md\0",
        ran.stderr,
    )
    stopped = gitcmd.begin_git(tmp_path, "cat-file", "--batch")  # waits on its input
    proc = stopped._proc
    stopped.discard()
    assert proc.returncode is not None
    with pytest.raises(ValueError, match="read-only"):
        gitcmd.begin_git(tmp_path, "commit", "-m", "x")


def test_a_spooled_git_is_never_blocked_by_its_output(tmp_path: Path) -> None:
    """``begin_git(..., spool=True)`` writes git's output and messages to files: git ends
    without anyone reading (an output far above a pipe's 64 KiB), the answer is
    ``run_git``'s byte for byte, the files are closed once answered or discarded."""
    for number in range(300):
        (tmp_path / f"doc-{number:04d}-{'x' * 200}.md").write_text("# A\n", encoding="utf-8")
    init_repo(tmp_path)
    pending = gitcmd.begin_git(tmp_path, "ls-files", "-s", "-z", spool=True)
    deadline = time.monotonic() + 30
    while not pending.finished() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert pending.finished()  # ended with nothing read
    files = pending._files
    answer = pending.answer()
    ran = run_git(tmp_path, "ls-files", "-s", "-z")
    assert len(ran.stdout) > 65536
    assert (answer.returncode, answer.stdout, answer.stderr) == (0, ran.stdout, ran.stderr)
    assert files is not None and all(file.closed for file in files)
    failing = gitcmd.begin_git(tmp_path, "ls-tree", "no-such-revision", spool=True)
    refused = failing.answer()
    assert refused.returncode != 0 and b"no-such-revision" in refused.stderr
    discarded = gitcmd.begin_git(tmp_path, "cat-file", "--batch", spool=True)
    files = discarded._files
    discarded.discard()
    assert files is not None and all(file.closed for file in files)


def test_a_spool_file_is_unnamed_in_the_temporary_folder_or_tempfile_s(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``spool_file`` opens what ``tempfile.TemporaryFile`` would: a file with no name, read
    and written as bytes; in the folder ``TMPDIR`` names (no entry left there), and through
    tempfile when that folder cannot take one."""
    import tempfile

    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setenv("TMPDIR", str(folder))
    with gitcmd.spool_file() as spool, tempfile.TemporaryFile() as plain:
        assert type(spool) is type(plain) and spool.mode == plain.mode
        os.write(spool.fileno(), b"git's output\0" * 10_000)  # as git writes it
        assert gitcmd.spooled(spool) == b"git's output\0" * 10_000
        assert list(folder.iterdir()) == []
        if hasattr(os, "O_TMPFILE"):  # Linux: opened in the folder the environment names
            where = os.readlink(f"/proc/self/fd/{spool.fileno()}")
            assert where.startswith(f"{folder}/") and where.endswith(" (deleted)")
    monkeypatch.setenv("TMPDIR", str(tmp_path / "missing"))
    opened: list[object] = []
    real = tempfile.TemporaryFile

    def counted() -> object:
        opened.append(True)
        return real()

    monkeypatch.setattr(tempfile, "TemporaryFile", counted)
    with gitcmd.spool_file() as fallback:
        os.write(fallback.fileno(), b"x")
        assert gitcmd.spooled(fallback) == b"x" and opened == [True]


def test_a_probe_begun_ahead_is_answered_by_the_first_call_of_its_repository(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``begin_probe`` starts the configuration probe the first git call would make: that call
    takes its answer (one process fewer, the same overrides); a probe of another repository
    is killed and the call probes its own."""
    (repo / ".gitattributes").write_text("*.md filter=evil\n")
    git(repo, "config", "filter.evil.clean", "false")
    other = init_repo(make_tree(tmp_path / "other", {"c.md": "# C\n"}))
    started: list[list[str]] = []
    real = subprocess.Popen

    class Recording(real):  # type: ignore[misc,valid-type]
        def __init__(self, args: Any, *rest: Any, **kwargs: Any) -> None:
            started.append(list(args))
            super().__init__(args, *rest, **kwargs)

    monkeypatch.setattr(gitcmd, "_probed", {})
    monkeypatch.setattr(gitcmd, "_ahead", [])
    monkeypatch.setattr(subprocess, "Popen", Recording)
    fresh = gitcmd._probe_now(gitcmd.find_git(repo), repo, hardened_environment(), 5.0)
    assert ("filter.evil.clean", "") in fresh
    started.clear()
    gitcmd.begin_probe(repo)
    assert [args[-4:] for args in started] == [["config", "--list", "-z", "--show-scope"]]
    assert run_git(repo, "ls-files").stdout == b"a.md\nb.md\n"
    assert len(started) == 2 and "ls-files" in started[1] and not gitcmd._ahead
    assert next(iter(gitcmd._probed.values()))[1] == fresh
    gitcmd.begin_probe(repo)  # answered moments ago: nothing begun
    assert len(started) == 2 and not gitcmd._ahead

    monkeypatch.setattr(gitcmd, "_probed", {})
    started.clear()
    gitcmd.begin_probe(other)
    proc = gitcmd._ahead[0][2]
    assert run_git(repo, "ls-files").stdout == b"a.md\nb.md\n"
    assert proc.returncode is not None and not gitcmd._ahead
    # the other's probe, this one's own, the command
    assert [args[-4] for args in started[:2]] == ["config", "config"] and len(started) == 3
    assert started[1][-5] == str(repo) and next(iter(gitcmd._probed.values()))[1] == fresh
    gitcmd.begin_probe(other)
    proc = gitcmd._ahead[0][2]
    gitcmd.end_probe()
    assert proc.returncode is not None and not gitcmd._ahead
