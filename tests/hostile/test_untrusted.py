"""Issue 13: an untrusted repository runs no code, reaches nothing outside its root, and
leaves no process behind; each case runs the real CLI in a subprocess (``tests/untrusted.py``)."""

from __future__ import annotations

import csv
import io
import marshal
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest

from tests.fixtures.hostile.make_hostile import HostileCorpus
from tests.gitrepo import GIT_ENV, git, init_repo
from tests.helpers import make_tree, remove_tree
from tests.untrusted import Outside, assert_safe, hostile_command, make_outside, run_untrusted

# --- class 1: git runs nothing the repository names ----------------------------------------

HOOKS = (
    "post-index-change",
    "post-checkout",
    "pre-commit",
    "reference-transaction",
    "fsmonitor-watchman",
)


def hostile_git_repo(base: Path, outside: Outside) -> Path:
    """A git repository whose config names a command in every place git could run one."""
    root = make_tree(
        base / "repo",
        {
            "a.md": "# A\n\nSee [B](b.md) and [the code](src/app.py).\n",
            "b.md": "# B\n",
            "src/app.py": "print('app')\n",
            ".gitattributes": "* filter=evil diff=evil merge=evil\n",
        },
    )
    init_repo(root)
    command = hostile_command(outside)
    hooks = root / ".git" / "evil-hooks"
    hooks.mkdir()
    for name in HOOKS:
        (hooks / name).write_text(f"#!/bin/sh\n{command}\n")
        (hooks / name).chmod(0o755)
    settings = {
        "core.fsmonitor": command,
        "core.hooksPath": str(hooks),
        "core.pager": command,
        "pager.diff": command,
        "core.editor": command,
        "core.askPass": command,
        "core.sshCommand": command,
        "core.gitProxy": command,
        "credential.helper": f"!{command}",
        "diff.external": command,
        "diff.evil.command": command,
        "diff.evil.textconv": command,
        "filter.evil.clean": command,
        "filter.evil.smudge": command,
        "filter.evil.process": command,
        "filter.evil.required": "true",
        "merge.evil.driver": command,
        "gpg.program": command,
        "log.showSignature": "true",
        "core.excludesFile": str(outside.file),
        "core.attributesFile": str(outside.inner),
    }
    for key, value in settings.items():
        git(root, "config", key, value)
    # Make git look at the work tree: an edited file, one with only a new mtime (git then
    # hashes it through the clean filter) and a new one.
    (root / "a.md").write_text("# A\n\nSee [B](b.md), [C](c.md) and [the code](src/app.py).\n")
    os.utime(root / "b.md", (1_000_000_000, 1_000_000_000))
    (root / "c.md").write_text("# C\n")
    return root


GIT_COMMANDS = {
    "scan": ["scan", "."],
    "check": ["check", "."],
    "report": ["report", ".", "-o", "report.md"],
    "export": ["export", ".", "--format", "csv"],
    "render": ["render", ".", "--format", "dot"],
    "impact-since": ["impact", "--since", "HEAD"],
    "impact": ["impact", "b.md"],
    "show": ["show", "a.md"],
}


@pytest.mark.parametrize("name", sorted(GIT_COMMANDS))
def test_git_runs_nothing_that_the_repository_names(tmp_path: Path, name: str) -> None:
    outside = make_outside(tmp_path / "outside")
    root = hostile_git_repo(tmp_path, outside)
    run = run_untrusted(root, *GIT_COMMANDS[name], outside=outside)
    assert_safe(run)
    if name == "impact-since":  # git was really used: the change is seen
        assert "a.md" in run.stdout and "c.md" in run.stdout, run.stdout


def test_the_hostile_repository_would_run_its_commands(tmp_path: Path) -> None:
    """Plain git on the same repository runs them: the test above means something."""
    outside = make_outside(tmp_path / "outside")
    root = hostile_git_repo(tmp_path, outside)
    env = {**os.environ, **GIT_ENV}
    subprocess.run(["git", "-C", str(root), "ls-files"], env=env, capture_output=True, check=False)
    assert outside.marker.exists(), "core.fsmonitor did not run"
    outside.marker.unlink()
    subprocess.run(
        ["git", "-C", str(root), "-c", "core.fsmonitor=false", "diff", "--name-status", "HEAD"],
        env=env,
        capture_output=True,
        check=False,
    )
    assert outside.marker.exists(), "the clean filter did not run"


def test_a_promisor_remote_is_never_contacted(tmp_path: Path) -> None:
    """A partial clone fetches missing objects by itself; the remote's URL runs a command."""
    outside = make_outside(tmp_path / "outside")
    origin = make_tree(
        tmp_path / "origin", {"a.md": "# A\n", "big.md": "# Big\n\n" + "text\n" * 200}
    )
    init_repo(origin)
    git(origin, "rm", "-q", "big.md")
    git(origin, "commit", "-q", "-m", "remove big")
    git(origin, "config", "uploadpack.allowFilter", "true")
    clone = tmp_path / "repo"
    env = {**os.environ, **GIT_ENV}
    subprocess.run(
        ["git", "clone", "-q", "--filter=blob:none", f"file://{origin}", str(clone)],
        env=env,
        check=True,
        capture_output=True,
    )
    # The deleted file's blob was never fetched; a similar new file makes rename detection ask.
    (clone / "moved.md").write_text("# Big\n\n" + "text\n" * 199)
    git(clone, "add", "moved.md")
    command = hostile_command(outside).replace(" ", "% ")
    git(clone, "config", "remote.origin.url", f"ext::sh -c {command}")
    git(clone, "config", "protocol.ext.allow", "always")
    run = run_untrusted(clone, "impact", "--since", "HEAD~1", outside=outside)
    assert_safe(run)
    assert run.code == 0, run.stderr  # the diff is taken without rename detection instead
    assert "moved.md" in run.stdout and "big.md" in run.stdout, run.stdout


def test_a_git_executable_inside_the_repository_is_never_run(tmp_path: Path) -> None:
    outside = make_outside(tmp_path / "outside")
    root = make_tree(tmp_path / "repo", {"a.md": "# A\n"})
    init_repo(root)
    fake = root / "bin" / "git"
    fake.parent.mkdir()
    fake.write_text(f"#!/bin/sh\n{hostile_command(outside)}\n")
    fake.chmod(0o755)
    path = f"bin{os.pathsep}{root / 'bin'}{os.pathsep}{os.environ['PATH']}"
    run = run_untrusted(root, "impact", "--since", "HEAD", outside=outside, env={"PATH": path})
    assert_safe(run)
    assert run.code == 0, run.stderr


def test_an_embedded_bare_repository_is_not_used(tmp_path: Path) -> None:
    """A repository can commit the files of a bare repository; scanning that folder must not
    make git read its config."""
    outside = make_outside(tmp_path / "outside")
    root = tmp_path / "repo"
    subprocess.run(["git", "init", "-q", "--bare", str(root)], check=True, capture_output=True)
    git(root, "config", "core.fsmonitor", hostile_command(outside))
    git(root, "config", "core.worktree", str(outside.base))
    (root / "a.md").write_text("# A\n")
    run = run_untrusted(root, "scan", ".", outside=outside)
    assert_safe(run)


@pytest.mark.parametrize("where", ["config-include", "index"])
def test_git_state_that_never_ends_keeps_the_run_bounded(tmp_path: Path, where: str) -> None:
    """A FIFO where git reads hangs every git call the same way: the first one runs out of time
    and the later ones of the same run (listing, ignore check, address probe, history) fail at
    once, so ``report`` (several git calls) stays well inside the time limit."""
    outside = make_outside(tmp_path / "outside")
    root = make_tree(tmp_path / "repo", {"a.md": "# A\n\nSee [B](b.md).\n", "b.md": "# B\n"})
    init_repo(root)
    if where == "index":
        (root / ".git" / "index").unlink()
        os.mkfifo(root / ".git" / "index")
    else:
        os.mkfifo(root / ".git" / "stall")
        with (root / ".git" / "config").open("a") as config:
            config.write("[include]\n\tpath = stall\n")
    run = run_untrusted(root, "report", ".", "-o", "report.md", outside=outside)
    assert_safe(run)
    assert run.code == 0, run.stderr
    assert run.seconds < 15, run.seconds  # one timeout (5 or 8 s), not one per git call
    assert "did not finish within" in run.stderr, run.stderr


def test_the_harness_notices_a_read_outside(tmp_path: Path) -> None:
    """A run that reads the sentinel, or runs a command, fails ``assert_safe``."""
    outside = make_outside(tmp_path / "outside")
    root = make_tree(tmp_path / "repo", {"a.md": "# A\n"})
    reads = run_untrusted(root, "scan", str(outside.base), outside=outside)
    with pytest.raises(AssertionError, match="outside the root"):
        assert_safe(reads)
    outside.marker.write_text("ran\n")
    ran = run_untrusted(root, "scan", ".", outside=outside)
    with pytest.raises(AssertionError, match="a command from the repository ran"):
        assert_safe(ran)


# --- class 2: the repository's settings reach nothing outside the root ----------------------

DOCS = {
    "docs/tdd/TDD-0001-x.md": "---\nstatus: draft\n---\n# TDD-0001: X\n\n## Overview\n",
    "docs/adr/0001-y.md": "# 1. Y\n\n## Status\n\nAccepted\n\n## Context\n\nSee TDD-0001.\n",
}


@pytest.mark.parametrize(
    "template",
    [
        "../outside/sentinel.md",
        "{outside}/sentinel.md",
        "/dev/zero",
        "link.md",
        "fifo.md",
        "sub/../../outside/secret-dir/inner.md",
    ],
    ids=["dotdot", "absolute", "dev-zero", "symlink-out", "fifo", "normalised-out"],
)
def test_template_paths_stay_inside_the_root(tmp_path: Path, template: str) -> None:
    outside = make_outside(tmp_path / "outside")
    root = make_tree(tmp_path / "repo", DOCS)
    (root / "link.md").symlink_to(outside.file)
    os.mkfifo(root / "fifo.md")
    setting = template.format(outside=outside.base)
    (root / "tracegraph.yaml").write_text(f"types:\n  TDD:\n    template: {setting}\n")
    for args in (["check", "."], ["report", ".", "-o", str(tmp_path / "r.md")]):
        run = run_untrusted(root, *args, outside=outside)
        assert_safe(run, codes=(2,))
        assert run.stderr.startswith("tracegraph: error: tracegraph.yaml: types.TDD.template: ")
        assert "SENTINEL" not in run.stdout + run.stderr


def test_a_template_inside_the_config_folder_is_read(tmp_path: Path) -> None:
    outside = make_outside(tmp_path / "outside")
    root = make_tree(
        tmp_path / "repo", {**DOCS, "conf/tdd.md": "# TDD\n\n## Overview\n\n## Rollout\n"}
    )
    (root / "conf/tracegraph.yaml").write_text("types:\n  TDD:\n    template: tdd.md\n")
    run = run_untrusted(root, "check", ".", "--config", "conf/tracegraph.yaml", outside=outside)
    assert_safe(run)
    assert "missing-section" in run.stdout or "TG401" in run.stdout, run.stdout
    assert "Rollout" in run.stdout


@pytest.mark.parametrize("name", ["tracegraph.yaml", "pyproject.toml", "--config"])
def test_a_config_file_linking_out_of_the_root_is_not_read(tmp_path: Path, name: str) -> None:
    """Found at the root, or named with ``--config`` but lying in the scanned tree."""
    outside = make_outside(tmp_path / "outside")
    root = make_tree(tmp_path / "repo", DOCS)
    link = "conf/tg.yaml" if name == "--config" else name
    (root / link).parent.mkdir(exist_ok=True)
    (root / link).symlink_to(outside.file)
    args = ["scan", ".", "--config", link] if name == "--config" else ["scan", "."]
    run = run_untrusted(root, *args, outside=outside)
    assert_safe(run, codes=(2,))
    assert f"{link}: resolves outside the repository root" in run.stderr


STATE_LINKS = {
    "state-folder": (".tracegraph", "folder"),
    "cache-folder": (".tracegraph/cache", "folder"),
    "parse-cache": (".tracegraph/cache/parse.sqlite", "file"),
    "result-cache": (".tracegraph/cache/results.sqlite", "file"),
    "graph-cache": (".tracegraph/cache/graph.sqlite", "file"),
    "journal": (".tracegraph/cache/parse.sqlite-journal", "file"),
    "history": (".tracegraph/history.db", "file"),
    "history-journal": (".tracegraph/history.db-journal", "file"),
    "history-hardlink": (".tracegraph/history.db", "hardlink"),
}


@pytest.mark.parametrize("case", sorted(STATE_LINKS))
def test_the_state_folder_is_never_followed_out_of_the_root(tmp_path: Path, case: str) -> None:
    outside = make_outside(tmp_path / "outside")
    root = make_tree(tmp_path / "repo", DOCS)
    rel, kind = STATE_LINKS[case]
    link = root / rel
    link.parent.mkdir(parents=True, exist_ok=True)
    if kind == "hardlink":
        os.link(outside.file, link)
    else:
        link.symlink_to(outside.folder if kind == "folder" else outside.file)
    warnings = []
    for args in (["check", "."], ["check", "."], ["report", ".", "-o", "report.md"], ["scan", "."]):
        run = run_untrusted(root, *args, outside=outside)
        assert_safe(run)
        warnings.append(run.stderr)
    said = "".join(warnings)
    assert "never" in said and "through a link" in said, said  # whoever used it said why
    assert link.is_symlink() or kind == "hardlink"  # refused, not replaced


#: Every command that reads or writes a state file, in a git work tree: git's history, the
#: version fingerprints and the suspect links have caches of their own (TG503, ``show``).
GIT_STATE_COMMANDS = (
    ("check", "."),
    ("check", ".", "--since", "HEAD"),
    ("check", ".", "--format", "sarif"),
    ("show", "TDD-0001"),
    ("report", ".", "-o", "report.md"),
    ("scan", "."),
)


@pytest.mark.parametrize("case", ["state-folder", "cache-folder"])
def test_no_command_follows_a_planted_state_link_in_a_git_work_tree(
    tmp_path: Path, case: str
) -> None:
    outside = make_outside(tmp_path / "outside")
    root = init_repo(make_tree(tmp_path / "repo", DOCS))
    link = root / STATE_LINKS[case][0]
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(outside.folder)
    for args in GIT_STATE_COMMANDS:
        run = run_untrusted(root, *args, outside=outside, env=GIT_ENV)
        assert_safe(run)
        assert "through a link" in run.stderr, (args, run.stderr)
    assert sorted(p.name for p in outside.folder.iterdir()) == ["inner.md"]  # nothing made


def test_state_files_that_git_tracks_are_never_trusted(tmp_path: Path) -> None:
    """A repository that commits its own ``.tracegraph`` (a history that would hide TG503's
    findings, a marshal stream made to be loaded) gets no cache: nothing there is written, and
    the tracked files stay as they came."""
    outside = make_outside(tmp_path / "outside")
    root = make_tree(tmp_path / "repo", DOCS)
    cache = root / ".tracegraph" / "cache"
    cache.mkdir(parents=True)
    shipped = {
        "git-log.marshal": b"tracegraph-log\0" + marshal.dumps(("x",) * 5),
        "git-suspects.marshal": marshal.dumps((1, "key", "ok", "warn", "0" * 40, "", (), ())),
        "results.sqlite": b"SQLite format 3\0" + b"\xff" * 100,
    }
    for name, data in shipped.items():
        (cache / name).write_bytes(data)
    init_repo(root)  # no .gitignore in the folder: ``git add -A`` tracks all three
    said = []
    for args in GIT_STATE_COMMANDS:
        run = run_untrusted(root, *args, outside=outside, env=GIT_ENV)
        assert_safe(run)
        said.append(run.stderr)
    assert all("git tracks files in it" in stderr for stderr in said), said
    assert sorted(p.name for p in cache.iterdir()) == sorted(shipped)  # nothing added
    assert {name: (cache / name).read_bytes() for name in shipped} == shipped
    assert git(root, "status", "--porcelain", "--", ".tracegraph") == ""


def test_an_unignored_state_folder_that_git_does_not_track_is_still_used(
    tmp_path: Path,
) -> None:
    """Only tracked files make the state untrusted: a folder whose ``.gitignore`` was deleted
    is listed by git as untracked, and tracegraph puts the file back and keeps its cache."""
    outside = make_outside(tmp_path / "outside")
    root = init_repo(make_tree(tmp_path / "repo", DOCS))
    assert_safe(run_untrusted(root, "check", ".", outside=outside, env=GIT_ENV))
    (root / ".tracegraph" / ".gitignore").unlink()
    run = run_untrusted(root, "check", ".", outside=outside, env=GIT_ENV)
    assert_safe(run)
    assert "tracks" not in run.stderr and "not used" not in run.stderr, run.stderr
    assert (root / ".tracegraph" / ".gitignore").is_file()
    assert (root / ".tracegraph" / "cache" / "results.sqlite").is_file()


# --- class 6: crashes become clear errors ---------------------------------------------------

BAD_CONFIGS = {
    "severity-list": (
        "tracegraph.yaml",
        "rules:\n  severity: {TG201: [error]}\n",
        "rules.severity.TG201",
    ),
    "severity-map": (
        "tracegraph.yaml",
        "rules:\n  severity: {TG201: {a: b}}\n",
        "rules.severity.TG201",
    ),
    "huge-int": (
        "tracegraph.yaml",
        "limits:\n  max_file_bytes: 100000000000000000000000000000\n",
        "hard ceiling",
    ),
    "float-yaml": ("tracegraph.yaml", "limits:\n  max_file_bytes: 1.0e+29\n", "whole number"),
    "float-toml": (
        "pyproject.toml",
        "[tool.tracegraph.limits]\nmax_file_bytes = 1e29\n",
        "whole number",
    ),
    "huge-age": (
        "tracegraph.yaml",
        "types:\n  PRD:\n    max_age_days: 100000000000000000000000\n",
        "too large",
    ),
    "invalid-toml": (
        "pyproject.toml",
        "[tool.tracegraph\ninclude = 1\n",
        "pyproject.toml:1: invalid TOML",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_CONFIGS))
def test_bad_config_values_are_one_line_errors(tmp_path: Path, case: str) -> None:
    outside = make_outside(tmp_path / "outside")
    name, text, expected = BAD_CONFIGS[case]
    root = make_tree(tmp_path / "repo", {**DOCS, name: text})
    for args in (["scan", "."], ["check", "."], ["report", ".", "-o", "r.html"]):
        run = run_untrusted(root, *args, outside=outside)
        assert_safe(run, codes=(2,))
        lines = run.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"tracegraph: error: {name}"), lines
        assert expected in lines[0]


def _deep_tree(root: Path, depth: int) -> str:
    """``depth`` nested folders ``d/d/...`` under ``root`` with ``x.md`` at the bottom (made
    through directory descriptors: the full path is longer than many tools accept)."""
    root.mkdir(parents=True)
    fd = os.open(root, os.O_RDONLY)
    try:
        for _ in range(depth):
            os.mkdir("d", dir_fd=fd)
            inner = os.open("d", os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = inner
        handle = os.open("x.md", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
        os.write(handle, b"# Deep\n\n[top](" + b"../" * depth + b"README.md) [gone](nope.md)\n")
        os.close(handle)
    finally:
        os.close(fd)
    deep = "d/" * depth + "x.md"
    (root / "README.md").write_text(f"# Top\n\n[deep]({deep})\n")
    return deep


@pytest.mark.parametrize("git_tree", [False, True], ids=["walk", "git"])
def test_a_1500_level_deep_folder_is_no_problem(tmp_path: Path, git_tree: bool) -> None:
    outside = make_outside(tmp_path / "outside")
    root = tmp_path / "repo"
    deep = _deep_tree(root, 1500)
    try:
        if git_tree:
            subprocess.run(["git", "init", "-q", str(root)], check=True)
        for args in (["check", ".", "--format", "json"], ["scan", "."], ["show", "README.md"]):
            run = run_untrusted(root, *args, outside=outside)
            assert_safe(run)
        check = run_untrusted(root, "check", ".", "--format", "json", outside=outside)
        assert f'"path": "{deep}"' in check.stdout  # the deep document was read and checked
        assert "nope.md does not exist" in check.stdout
    finally:
        remove_tree(root)


def test_planted_history_rows_make_a_foreign_history(tmp_path: Path) -> None:
    outside = make_outside(tmp_path / "outside")
    root = make_tree(tmp_path / "repo", DOCS)
    first = run_untrusted(root, "report", ".", "-o", "r.md", outside=outside)
    assert_safe(first)
    history = root / ".tracegraph" / "history.db"
    for statement in (
        "UPDATE runs SET score = 'lots'",
        "UPDATE runs SET score = 1e999",
        "UPDATE runs SET run_at = 5",
        "UPDATE findings SET line = 'one'",
        "INSERT INTO documents (run_id, path, name, type, status) "
        "SELECT id, 7, 'x', 'DOC', '' FROM runs",
    ):
        copy = tmp_path / "history.db"
        copy.write_bytes(history.read_bytes())
        with sqlite3.connect(copy) as db:
            db.execute(statement)
        planted = copy.read_bytes()
        history.write_bytes(planted)
        run = run_untrusted(root, "report", ".", "-o", "r.md", outside=outside)
        assert_safe(run)
        assert "not a tracegraph history" in run.stderr, (statement, run.stderr)
        assert history.read_bytes() == planted  # left as it was: foreign, not "repaired"


def test_planted_cache_records_are_a_cache_miss(tmp_path: Path) -> None:
    outside = make_outside(tmp_path / "outside")
    root = make_tree(tmp_path / "repo", DOCS)
    for path in DOCS:  # old enough to be cached
        os.utime(root / path, (1_600_000_000, 1_600_000_000))
    fresh = run_untrusted(root, "check", ".", "--format", "json", "--no-cache", outside=outside)
    assert_safe(fresh)
    assert_safe(run_untrusted(root, "scan", ".", outside=outside))  # writes the parse cache
    cache = root / ".tracegraph" / "cache" / "parse.sqlite"
    good = cache.read_bytes()

    def plant() -> None:
        cache.write_bytes(good)
        with sqlite3.connect(cache) as db:
            rows = db.execute("SELECT path, record FROM documents").fetchall()
            assert len(rows) == len(DOCS)
            for path, blob in rows:
                record = list(marshal.loads(blob))
                record[3] = 5  # the title: an int
                record[9] = (("link", "x.md", "references", "one", 1, False, False, "x"),)
                planted = marshal.dumps(tuple(record))
                db.execute("UPDATE documents SET record = ? WHERE path = ?", (planted, path))

    report = str(tmp_path / "r.md")
    for args in (["scan", "."], ["show", "docs/adr/0001-y.md"], ["report", ".", "-o", report]):
        plant()
        assert_safe(run_untrusted(root, *args, outside=outside))
    plant()
    again = run_untrusted(root, "check", ".", "--format", "json", outside=outside)
    assert_safe(again)
    assert again.stdout == fresh.stdout  # the planted records were not used


def test_stdout_on_a_full_disk_is_one_line(tmp_path: Path) -> None:
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full on this system")
    root = make_tree(tmp_path / "repo", DOCS)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    for args in (
        ["scan", "."],
        ["check", ".", "--format", "json"],
        ["rules"],
        ["impact", "TDD-0001"],
    ):
        with open("/dev/full", "w") as full:
            proc = subprocess.run(
                [sys.executable, "-m", "tracegraph", *args],
                cwd=root,
                env=env,
                stdout=full,
                stderr=subprocess.PIPE,
                text=True,
                timeout=60,
                check=False,
            )
        assert proc.returncode == 2, (args, proc.stderr)
        assert (
            proc.stderr
            == "tracegraph: error: cannot write to standard output: No space left on device\n"
        )


# --- class 7: no control character from a document reaches an output as itself -------------

ESC_TITLE = "Use \x1b]0;pwned\x07 Kafka \x1b[2J\x01 now \u202eevil"
CONTROL_REPO = {
    "docs/adr/0001-kafka.md": (
        f"# ADR-0001: {ESC_TITLE}\n\n**Status:** Accepted\x1b[31m\x07\n\n## Context \x1b[5m\x01\n\n"
        "Text.\n\n## Decision\n\nSee [the RFC](../rfc/RFC-0001-\x1b[1mbold.md) and "
        "[CR](../cr\rname.md) and [LF](../lf\nname.md).\n"
    ),
    "docs/rfc/RFC-0001-\x1b[1mbold.md": (
        "# RFC-0001: Bold \x1b[1m\x01 title\n\n**Status:** Draft\x1b[0m\n\nImplements ADR-0001.\n"
    ),
    "docs/cr\rname.md": "# CR \x1b in name\n\nSee [ADR](adr/0001-kafka.md).\n",
    "docs/lf\nname.md": "# LF in name\x01\n\nSee [ADR](adr/0001-kafka.md#context--).\n",
}
#: What a terminal or a line-based reader must never get from a document (newline separates
#: output lines, so it is allowed; every other C0 and C1 control is not).
RAW_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202e]")

TEXT_COMMANDS = {
    "scan": ["scan", "."],
    "check": ["check", "."],
    "check-markdown": ["check", ".", "--format", "markdown"],
    "check-github": ["check", ".", "--format", "github"],
    "check-junit": ["check", ".", "--format", "junit"],
    "impact-tree": ["impact", "ADR-0001"],
    "impact-list": ["impact", "ADR-0001", "--format", "list"],
    "upstream": ["upstream", "RFC-0001"],
    "show": ["show", "ADR-0001"],
    "show-rfc": ["show", "RFC-0001"],
    "path": ["path", "RFC-0001", "ADR-0001"],
    "since": ["impact", "--files", "docs/cr\rname.md"],
    "render-dot": ["render", ".", "--format", "dot"],
    "render-mermaid": ["render", ".", "--format", "mermaid"],
    "report-md": ["report", ".", "--no-history"],
    "unknown-doc": ["show", "ADR-0001\x1b[2J"],
}


@pytest.mark.parametrize("name", sorted(TEXT_COMMANDS))
def test_text_outputs_neutralise_control_characters(tmp_path: Path, name: str) -> None:
    outside = make_outside(tmp_path / "outside")
    root = make_tree(tmp_path / "repo", CONTROL_REPO)
    run = run_untrusted(root, *TEXT_COMMANDS[name], outside=outside)
    assert_safe(run)
    for stream in (run.stdout, run.stderr):
        found = RAW_CONTROL.search(stream)
        assert found is None, f"{found.group()!r} in {stream!r}" if found else ""
    if name in ("scan", "check", "show", "impact-tree"):
        assert "\\x1b" in run.stdout, run.stdout  # shown escaped, not dropped


def test_csv_rows_are_not_split_by_names(tmp_path: Path) -> None:
    outside = make_outside(tmp_path / "outside")
    root = make_tree(tmp_path / "repo", CONTROL_REPO)
    run = run_untrusted(root, "export", ".", "--format", "csv", outside=outside)
    assert_safe(run)
    body = "".join(line for line in run.stdout.splitlines(True) if not line.startswith("# "))
    lines = body.split("\n")[:-1]  # without the "generated by tracegraph" comment line
    rows = list(csv.reader(io.StringIO(body)))
    assert len(rows) == len(lines) > 3  # one physical line per row, whatever the names hold
    assert {len(row) for row in rows} == {11}
    assert RAW_CONTROL.search(run.stdout) is None
    assert any("cr\\x0dname.md" in cell for row in rows for cell in row)


def test_graphml_stays_well_formed_xml(tmp_path: Path) -> None:
    outside = make_outside(tmp_path / "outside")
    root = make_tree(tmp_path / "repo", CONTROL_REPO)
    run = run_untrusted(root, "export", ".", "--format", "graphml", outside=outside)
    assert_safe(run)
    tree = ElementTree.fromstring(run.stdout.encode("utf-8"))  # raises on ill-formed XML
    ns = {"g": "http://graphml.graphdrawing.org/xmlns"}
    nodes = tree.findall(".//g:node", ns)
    edges = tree.findall(".//g:edge", ns)
    assert len(nodes) == 4 and len(edges) >= 3
    ids = {node.get("id") for node in nodes}
    assert {edge.get("source") for edge in edges} <= ids  # edges still meet their nodes
    assert "docs/lf\\x0aname.md" in ids


def test_a_planted_link_at_the_output_path_is_replaced_not_written_through(
    tmp_path: Path,
) -> None:
    """``report . -o report.md`` in CI, where the repository put ``report.md`` -> a FIFO or a
    terminal outside: the link is replaced by the report (writing through would block)."""
    outside = make_outside(tmp_path / "outside")
    os.mkfifo(outside.base / "pipe")
    root = make_tree(tmp_path / "repo", DOCS)
    (root / "report.md").symlink_to(outside.base / "pipe")
    run = run_untrusted(root, "report", ".", "--no-history", "-o", "report.md", outside=outside)
    assert_safe(run)
    assert not (root / "report.md").is_symlink()
    assert "Docs health" in (root / "report.md").read_text()


HOSTILE_CORPUS_COMMANDS = {
    "scan": ["scan", "."],
    "check": ["check", ".", "--format", "sarif"],
    "report": ["report", ".", "--no-history", "--format", "json"],
    "export": ["export", ".", "--format", "graphml"],
    "impact": ["impact", "links.md"],
}


@pytest.mark.parametrize("name", sorted(HOSTILE_CORPUS_COMMANDS))
def test_the_hostile_corpus_within_the_limits(hostile: HostileCorpus, name: str) -> None:
    """The whole hostile corpus (50 MB file, FIFO, symlink loops, deep nesting...) in a real
    process: 20 s, 2 GiB, nothing outside touched, nothing left running."""
    base = hostile.outside  # the corpus's links and symlinks aim at these very sentinels
    folder = base / "secret-dir"
    outside = Outside(base, base / "sentinel.md", folder, folder / "inner.md", base / "MARKER")
    outside.age()
    run = run_untrusted(hostile.root, *HOSTILE_CORPUS_COMMANDS[name], outside=outside)
    assert_safe(run)
