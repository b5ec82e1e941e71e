"""The examples/ folder: the scheduled workflow and the crontab line are complete."""

from __future__ import annotations

from pathlib import Path

import yaml

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"


def test_workflow_is_scheduled_and_keeps_history() -> None:
    text = (EXAMPLES / "docs-health.yml").read_text()
    flow = yaml.safe_load(text)
    triggers = flow[True]  # YAML 1.1 reads the key `on` as True
    assert triggers["schedule"][0]["cron"]
    steps = flow["jobs"]["report"]["steps"]
    uses = [s.get("uses", "") for s in steps]
    assert any(u.startswith("actions/cache/restore@") for u in uses)
    assert any(u.startswith("actions/cache/save@") for u in uses)
    assert any(u.startswith("actions/upload-artifact@") for u in uses)
    runs = "\n".join(s.get("run", "") for s in steps)
    action = next(s for s in steps if s.get("uses", "").startswith("tracegraph/tracegraph@"))
    assert action["with"]["report"] == "report.html report.md report.json"  # one recorded run
    assert action["with"]["output-dir"].startswith("${{ runner.temp }}")  # outside the checkout
    assert action["with"]["history"].startswith("${{ runner.temp }}")
    assert "gh issue create" in runs
    restore = next(s for s in steps if s.get("uses", "").startswith("actions/cache/restore@"))
    assert restore["with"]["restore-keys"] == "tracegraph-history-"


def test_crontab_line_runs_the_report() -> None:
    lines = [
        line
        for line in (EXAMPLES / "crontab.txt").read_text().splitlines()
        if line and not line.startswith("#") and "=" not in line.split()[0]
    ]
    assert len(lines) == 1
    fields = lines[0].split(None, 5)
    assert len(fields) == 6 and "tracegraph report" in fields[5] and "--fail-under" in fields[5]
