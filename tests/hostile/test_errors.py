"""Exit codes and messages of every command: 2 and one line for usage, config and input errors;
3 and a short request for a report for internal errors (``--debug`` shows the traceback); output
files replaced atomically or not at all."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from tracegraph import api, atomic
from tracegraph.cli import cli, load_commands
from tracegraph.errors import OutputError

load_commands()  # the tests below walk cli.commands, which fills on demand

PROJECT = Path(__file__).resolve().parents[2]


def invocations(root: Path) -> dict[str, list[str]]:
    """A valid-looking call of each command on ``root`` (the ones that exist are used)."""
    r = str(root)
    return {
        "scan": ["scan", r],
        "export": ["export", r],
        "check": ["check", r],
        "impact": ["impact", "-C", r, "a.md"],
        "upstream": ["upstream", "-C", r, "a.md"],
        "show": ["show", "-C", r, "a.md"],
        "path": ["path", "-C", r, "a.md", "a.md"],
        "render": ["render", r, "--format", "dot"],
        "report": ["report", r, "--no-history"],
        "review": ["review", "-C", r, "a.md", "--diff"],
        "new": ["new", "-C", r, "ADR", "A title"],
        "status": ["status", "-C", r, "a.md", "draft"],
        "supersede": ["supersede", "-C", r, "a.md", "--by", "a.md"],
        "index": ["index", "-C", r],
        "fix": ["fix", "-C", r],
    }


def existing(root: Path) -> list[tuple[str, list[str]]]:
    return [(name, args) for name, args in invocations(root).items() if name in cli.commands]


def one_error_line(output: str) -> str:
    lines = [line for line in output.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one line, got: {output!r}"
    assert lines[0].startswith("tracegraph: error: "), lines[0]
    assert "Traceback" not in output
    return lines[0]


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_unknown_option_is_one_line_exit_2(name: str) -> None:
    result = CliRunner().invoke(cli, [name, "--no-such-option"], prog_name="tracegraph")
    assert result.exit_code == 2
    line = one_error_line(result.output)
    assert "--no-such-option" in line and f"tracegraph {name} --help" in line


def test_unknown_command_and_group_option_are_one_line() -> None:
    for args in (["no-such-command"], ["--no-such-option", "scan"]):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 2
        one_error_line(result.output)


def test_bad_option_value_is_one_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["scan", str(tmp_path), "--format", "nope"])
    assert result.exit_code == 2
    assert "'nope'" in one_error_line(result.output)


def test_missing_root_is_one_line_for_every_command(tmp_path: Path) -> None:
    for name, args in existing(tmp_path / "missing"):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 2, (name, result.output)
        line = one_error_line(result.output)
        assert "missing" in line, (name, line)


@pytest.mark.parametrize(
    "config",
    [
        "include: [unclosed\n",
        "limits:\n  max_file_bytes: lots\n",
        "no_such_key: 1\n",
        "include: " + "[" * 1200 + "]" * 1200 + "\n",
        "- a list\n",
        "include: !!python/object/apply:os.system ['true']\n",
    ],
    ids=["yaml", "type", "key", "deep", "list", "python-tag"],
)
def test_bad_config_is_one_line_naming_the_file(tmp_path: Path, config: str) -> None:
    (tmp_path / "a.md").write_text("# A\n")
    (tmp_path / "tracegraph.yaml").write_text(config)
    for name, args in existing(tmp_path):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 2, (name, result.output)
        assert "tracegraph.yaml" in one_error_line(result.output), name


def test_undecodable_config_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "tracegraph.yaml").write_bytes(b"include: ['\xff']\n")
    result = CliRunner().invoke(cli, ["scan", str(tmp_path)])
    assert result.exit_code == 2
    assert "tracegraph.yaml" in one_error_line(result.output)


def _boom(*args: object, **kwargs: object) -> None:
    raise RuntimeError("boom\nsecond line")


def test_unexpected_error_is_exit_3_with_a_short_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(api, "scan", _boom)
    (tmp_path / "a.md").write_text("# A\n")  # an empty tree would stop before scanning
    for name, args in existing(tmp_path):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 3, (name, result.output)
        lines = result.output.strip().splitlines()
        assert len(lines) == 1, (name, result.output)
        assert lines[0].startswith("tracegraph: internal error: RuntimeError: boom second line")
        assert "--debug" in lines[0] and "report" in lines[0]


def test_debug_shows_the_traceback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(api, "scan", _boom)
    result = CliRunner().invoke(cli, ["--debug", "scan", str(tmp_path)])
    assert isinstance(result.exception, RuntimeError)  # re-raised: Python prints it


def test_debug_traceback_in_a_real_process(tmp_path: Path) -> None:
    code = (
        "import sys, tracegraph.api as api\n"
        "def boom(*a, **k): raise RuntimeError('boom')\n"
        "api.scan = boom\n"
        "from tracegraph.cli import main\n"
        "sys.argv = ['tracegraph', *sys.argv[1:]]\n"
        "main()\n"
    )
    env = {**os.environ, "PYTHONPATH": str(PROJECT)}
    quiet = subprocess.run(
        [sys.executable, "-c", code, "scan", str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert quiet.returncode == 3
    assert "Traceback" not in quiet.stderr and "internal error" in quiet.stderr
    loud = subprocess.run(
        [sys.executable, "-c", code, "--debug", "scan", str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert loud.returncode != 0
    assert "Traceback" in loud.stderr and "RuntimeError: boom" in loud.stderr


def test_broken_pipe_to_a_child_process_is_not_success(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise BrokenPipeError(errno.EPIPE, "Broken pipe")

    monkeypatch.setattr(api, "scan", broken)
    result = CliRunner().invoke(cli, ["scan", str(tmp_path)])
    assert result.exit_code == 3
    assert "internal error" in result.output


def test_closed_stdout_is_a_quiet_success(tmp_path: Path) -> None:
    for index in range(300):
        (tmp_path / f"doc-{index}.md").write_text(f"# Doc {index}\n\n[x](missing-{index}.md)\n")
    env = {**os.environ, "PYTHONPATH": str(PROJECT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "tracegraph", "check", str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.readline()
    proc.stdout.close()  # like `| head -1`
    stderr = proc.stderr.read().decode()
    code = proc.wait(timeout=60)
    assert code in (0, 1)
    assert "Traceback" not in stderr and "Exception ignored" not in stderr, stderr


# --- atomic output --------------------------------------------------------------------------


def test_failed_write_keeps_the_previous_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "a.md").write_text("# A\n")
    out = tmp_path / "out" / "summary.json"
    assert CliRunner().invoke(cli, ["scan", str(tmp_path), "--format", "json", "-o", str(out)])
    previous = out.read_bytes()
    assert previous

    def disk_full(src: str, dst: str) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(atomic.os, "replace", disk_full)
    (tmp_path / "b.md").write_text("# B\n")
    for args in (
        ["scan", str(tmp_path), "--format", "json", "-o", str(out)],
        ["export", str(tmp_path), "-o", str(out)],
        ["check", str(tmp_path), "-o", str(out)],
        ["render", str(tmp_path), "--format", "dot", "-o", str(out.with_suffix(".dot"))],
        ["report", str(tmp_path), "--no-history", "-o", str(out.with_suffix(".md"))],
    ):
        if args[0] not in cli.commands:
            continue
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 2, (args[0], result.output)
        line = one_error_line(result.output)
        assert "No space left on device" in line and "cannot write" in line, line
        assert out.read_bytes() == previous
        assert sorted(p.name for p in out.parent.iterdir()) == ["summary.json"], args[0]


def test_write_into_a_file_instead_of_a_folder_is_exit_2(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("# A\n")
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = CliRunner().invoke(cli, ["scan", str(tmp_path), "-o", str(blocker / "out.txt")])
    assert result.exit_code == 2
    assert "cannot write" in one_error_line(result.output)


def test_write_atomic_replaces_in_one_step(tmp_path: Path) -> None:
    target = tmp_path / "x.txt"
    atomic.write_atomic(target, "one")
    atomic.write_atomic(target, "two \udcff")  # a lone surrogate is replaced, not a crash
    assert target.read_text(encoding="utf-8") == "two ?"
    with pytest.raises(OutputError, match="cannot write"):
        atomic.write_atomic(tmp_path / "x.txt" / "y", "z")
    assert [p.name for p in tmp_path.iterdir()] == ["x.txt"]
