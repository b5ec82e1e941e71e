"""``tracegraph scan``, ``export`` and ``init`` through the real CLI."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from tests.conftest import SAMPLE_REPO
from tracegraph.cli import cli


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_scan_sample_repo() -> None:
    code, out, _ = run("scan", str(SAMPLE_REPO))
    assert code == 0
    assert "documents" in out
    for type_name in ("PRD", "RFC", "ADR", "TDD", "DOC"):
        assert f"  {type_name} " in out


def test_scan_json() -> None:
    code, out, _ = run("scan", str(SAMPLE_REPO), "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["documents"] == sum(data["by_type"].values())
    assert data["by_type"]["ADR"] >= 5


def test_missing_path_is_exit_2_one_line() -> None:
    code, out, err = run("scan", "/no/such/dir")
    assert code == 2
    assert err.strip().count("\n") == 0
    assert "no such file or directory" in err
    assert "Traceback" not in out + err


def test_bad_config_is_exit_2(tmp_path: Path) -> None:
    (tmp_path / "tracegraph.yaml").write_text("bogus: 1\n")
    code, _, err = run("scan", str(tmp_path))
    assert code == 2
    assert "tracegraph.yaml:1: bogus: unknown key" in err


def test_export_json_is_byte_identical_and_node_link() -> None:
    first = run("export", str(SAMPLE_REPO), "--format", "json")[1]
    second = run("export", str(SAMPLE_REPO), "--format", "json")[1]
    assert first == second
    data = json.loads(first)
    node = data["nodes"][0]
    assert {"id", "path", "type", "status", "title"} <= set(node)
    assert {"relation", "line"} <= set(data["edges"][0])
    assert data["directed"] and data["multigraph"]


def test_export_csv_and_graphml(tmp_path: Path) -> None:
    code, out, _ = run("export", str(SAMPLE_REPO), "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows and {"downstream_id", "relation", "upstream_id"} <= set(rows[0])
    target = tmp_path / "g.graphml"
    code, _, _ = run("export", str(SAMPLE_REPO), "--format", "graphml", "-o", str(target))
    assert code == 0
    assert target.read_text().startswith("<?xml")


def test_init_writes_valid_starter(tmp_path: Path) -> None:
    code, _, _ = run("init", str(tmp_path))
    assert code == 0
    assert (tmp_path / "tracegraph.yaml").exists()
    assert run("scan", str(tmp_path))[0] == 0
    assert run("init", str(tmp_path))[0] == 2


def test_python_dash_m() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "tracegraph", "scan", str(SAMPLE_REPO), "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["documents"] > 10
