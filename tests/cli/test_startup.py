"""Start-up: ``tracegraph --help`` loads no command module, and the lazy command list says
exactly what the commands' own help says."""

from __future__ import annotations

import inspect
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tracegraph.cli import COMMANDS, cli, load_commands


def test_the_command_table_matches_the_commands() -> None:
    load_commands()
    assert set(COMMANDS) == set(cli.commands)
    for name, command in cli.commands.items():
        module, summary = COMMANDS[name]
        assert command.callback is not None
        assert command.callback.__module__ == f"tracegraph.cli.{module}"
        first = inspect.cleandoc(command.help or "").split("\n\n")[0]
        assert summary == " ".join(first.split()), name


def _help(code: str, width: int) -> str:
    script = f"import sys\nfrom tracegraph.cli import load_commands, main\n{code}\nmain()\n"
    env = {**os.environ, "COLUMNS": str(width)}
    done = subprocess.run(
        [sys.executable, "-c", script, "--help"], capture_output=True, text=True, env=env
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.parametrize("width", [60, 100, 200])
def test_help_lists_every_command_as_the_commands_would(width: int) -> None:
    lazy = _help("", width)
    assert lazy == _help("load_commands()", width)
    assert "supersede" in lazy


def test_help_imports_no_command_and_no_library() -> None:
    code = (
        "import sys\n"
        "sys.argv = ['tracegraph', '--help']\n"
        "from tracegraph.cli import main\n"
        "try:\n"
        "    main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "loaded = sorted(m for m in sys.modules if m.startswith(('tracegraph.', 'networkx',"
        " 'yaml', 'pyromark', 'multiprocessing', 'concurrent')))\n"
        "print('LOADED', loaded, file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "Commands:" in done.stdout
    loaded = done.stderr.rpartition("LOADED ")[2].strip()
    assert loaded == str(
        ["tracegraph.atomic", "tracegraph.cli", "tracegraph.cli.options", "tracegraph.errors",
         "tracegraph.safetext"]
    )  # fmt: skip


def test_the_entry_point_leaves_at_once_with_every_byte_and_code_written(tmp_path: Path) -> None:
    """``run`` (the console script, ``python -m tracegraph``) skips the interpreter's teardown:
    its output and exit code are those of ``main``, to the last byte."""
    (tmp_path / "a.md").write_text("# A\n\nSee [b](b.md).\n", encoding="utf-8")
    args = ["check", str(tmp_path), "--format", "json", "--no-cache"]
    fast = subprocess.run(
        [sys.executable, "-m", "tracegraph", *args], capture_output=True, text=True
    )
    slow = subprocess.run(
        [sys.executable, "-c", "import sys\nfrom tracegraph.cli import main\n"
         "sys.argv = ['tracegraph', *sys.argv[1:]]\nmain()\n", *args],
        capture_output=True, text=True,
    )  # fmt: skip
    assert (fast.returncode, fast.stdout, fast.stderr) == (1, slow.stdout, slow.stderr)
    assert slow.returncode == 1 and '"TG101"' in fast.stdout
    usage = subprocess.run(
        [sys.executable, "-m", "tracegraph", "check", "--nope"], capture_output=True, text=True
    )
    assert usage.returncode == 2 and "--nope" in usage.stderr


def test_the_command_line_imports_with_the_collector_paused(tmp_path: Path) -> None:
    """The console script imports click and the CLI, and a check the run's modules, with the
    garbage collector paused (``memory.collector_paused``: the collections they set off were a
    tenth of their CPU); the output is what ``main`` prints."""
    (tmp_path / "a.md").write_text("# A\n\nSee [b](b.md).\n", encoding="utf-8")
    args = ["check", str(tmp_path), "--format", "json", "--no-cache"]
    watched = ("click", "tracegraph.cli", "tracegraph.api", "tracegraph.config")
    code = (
        "import gc, sys\n"
        f"def hook(event, args):\n    if event == 'import' and args[0] in {watched!r}:\n"
        "        print('IMPORT', args[0], gc.isenabled(), file=sys.stderr, flush=True)\n"
        "sys.addaudithook(hook)\n"
        "sys.argv = ['tracegraph', *sys.argv[1:]]\n"
        "from tracegraph.launch import run\nrun()\n"
    )
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True)
    plain = subprocess.run(
        [sys.executable, "-m", "tracegraph", *args], capture_output=True, text=True
    )
    imported = [line.split()[1:] for line in done.stderr.splitlines() if line.startswith("IMPORT")]
    assert sorted(imported) == sorted([name, "False"] for name in watched)
    assert (done.returncode, done.stdout) == (1, plain.stdout)
