"""No file outside the root is opened, whatever the documents link to.

The hostile corpus aims every kind of escape (relative ``..``, absolute, ``file://``, percent- and
backslash-encoded, symlinks to a file and to a folder) at sentinel files outside the root. A
subprocess runs the commands with an audit hook (``sys.addaudithook``) that records every
``open`` of a path and every folder listing; the hook cannot be removed, hence the subprocess.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.fixtures.hostile.make_hostile import HostileCorpus

PROJECT = Path(__file__).resolve().parents[2]

AUDITED_RUN = r"""
import json, os, sys

outside = os.path.realpath(sys.argv[1])
root = sys.argv[2]
out = sys.argv[3]
seen = []

def hook(event, args):
    if event in ("open", "os.listdir", "os.scandir") and args and isinstance(args[0], (str, bytes)):
        path = os.fsdecode(args[0])
        real = os.path.realpath(path)
        if real == outside or real.startswith(outside + os.sep):
            seen.append([event, path])

sys.addaudithook(hook)

from click.testing import CliRunner
from tracegraph.cli import cli, load_commands

load_commands()  # the tests below walk cli.commands, which fills on demand

runs = {
    "scan": ["scan", root],
    "check": ["check", root, "--format", "json"],
    "impact": ["impact", "-C", root, "links.md"],
    "render-svg": ["render", root, "-o", os.path.join(out, "map.svg")],
    "report": ["report", root, "-o", os.path.join(out, "report.html"), "--no-history"],
    "fix": ["fix", "-C", root],
    "index": ["index", "-C", root, "--check"],
}
codes = {}
for name, args in runs.items():
    if args[0] not in cli.commands:
        continue
    codes[name] = CliRunner().invoke(cli, args).exit_code
print(json.dumps({"seen": seen, "codes": codes}))
"""


def test_sentinels_outside_the_root_are_never_opened(
    hostile: HostileCorpus, tmp_path: Path
) -> None:
    env = {**os.environ, "PYTHONPATH": str(PROJECT)}
    proc = subprocess.run(
        [sys.executable, "-c", AUDITED_RUN, str(hostile.outside), str(hostile.root), str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["codes"], "no command ran"
    assert "scan" in result["codes"] and "check" in result["codes"]
    assert result["codes"].get("fix") in (0, 1) and result["codes"].get("index") in (0, 1)
    assert result["seen"] == [], f"opened outside the root: {result['seen']}"
    for sentinel in hostile.sentinels:
        assert sentinel.exists()


def test_the_audit_hook_would_notice(hostile: HostileCorpus) -> None:
    """The hook sees an open of the sentinel, so an empty list above means something."""
    script = AUDITED_RUN.split("from click.testing")[0] + (
        "open(os.path.join(outside, 'sentinel.md')).close()\nprint(json.dumps(seen))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script, str(hostile.outside), str(hostile.root), "."],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert json.loads(proc.stdout) == [["open", str(hostile.outside / "sentinel.md")]]
