"""Every command over the hostile corpus: no traceback, exit 0/1/2 (never 3), problems surface.

Run in-process through CliRunner and as real subprocesses (``python -m tracegraph``), because a
subprocess also catches what CliRunner hides: interpreter shutdown errors, encoding of stdout,
broken pipes.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree

import pytest
from click.testing import CliRunner

from tests.fixtures.hostile.make_hostile import HostileCorpus
from tracegraph.cli import cli, load_commands

load_commands()  # the tests below walk cli.commands, which fills on demand

PROJECT = Path(__file__).resolve().parents[2]


def has_command(name: str) -> bool:
    return name in cli.commands


def commands(root: Path, out: Path) -> dict[str, list[str]]:
    """One invocation per command; outputs go to ``out`` (never into the corpus)."""
    r = str(root)
    return {
        "scan": ["scan", r, "--format", "json"],
        "check": ["check", r, "--format", "json"],
        "check-sarif": ["check", r, "--format", "sarif", "-o", str(out / "check.sarif")],
        "impact": ["impact", "-C", r, "ADR-0066", "--format", "json"],
        "export": ["export", r, "--format", "graphml", "-o", str(out / "graph.graphml")],
        "render": ["render", r, "-o", str(out / "map.svg")],
        "report": ["report", r, "-o", str(out / "report.html"), "--no-history"],
    }


COMMANDS = ("scan", "check", "check-sarif", "impact", "export", "render", "report")


def run_in_process(args: list[str]) -> tuple[int, str]:
    result = CliRunner().invoke(cli, args, catch_exceptions=True)
    output = result.output  # click 8.2: stdout and stderr interleaved
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        output += f"\nTraceback (escaped the CLI): {result.exception!r}"
    return result.exit_code, output


def run_subprocess(args: list[str]) -> tuple[int, str]:
    env = {**os.environ, "PYTHONPATH": str(PROJECT), "NO_COLOR": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "tracegraph", *args],
        capture_output=True,
        text=True,
        errors="replace",
        env=env,
        timeout=120,
        check=False,
    )
    return proc.returncode, proc.stdout + proc.stderr


RUNNERS: dict[str, Callable[[list[str]], tuple[int, str]]] = {
    "cli-runner": run_in_process,
    "subprocess": run_subprocess,
}


@pytest.fixture(scope="session")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("hostile-out")


# Each command runs once per runner (the corpus scan takes about a second).
@pytest.mark.parametrize(
    ("name", "runner"),
    [(name, "cli-runner") for name in COMMANDS[::2]]
    + [(name, "subprocess") for name in COMMANDS[1::2]],
)
def test_command_survives_hostile_corpus(
    hostile: HostileCorpus, outputs: Path, name: str, runner: str
) -> None:
    command = name.split("-")[0]
    if not has_command(command):
        pytest.skip(f"`tracegraph {command}` does not exist yet")
    out = outputs / f"{name}-{runner}"
    out.mkdir()
    code, output = RUNNERS[runner](commands(hostile.root, out)[name])
    assert "Traceback" not in output, output[-3000:]
    assert "internal error" not in output, output[-3000:]
    assert code in (0, 1, 2), f"exit {code}: {output[-3000:]}"
    if name == "scan":
        assert json.loads(output)["parse_problems"] >= len(hostile.problems)
    for produced in out.iterdir():
        assert produced.stat().st_size > 0
        assert not produced.name.endswith(".tmp"), "a temporary file was left behind"


def test_check_reports_every_problem_as_tg602(hostile: HostileCorpus) -> None:
    if not has_command("check"):
        pytest.skip("`tracegraph check` does not exist yet")
    code, output = run_in_process(["check", str(hostile.root), "--format", "json"])
    assert code == 1
    findings = json.loads(output[output.index("{") :])["findings"]
    tg602 = {f["path"] for f in findings if f["code"] == "TG602"}
    missing = sorted(set(hostile.problems) - tg602)
    assert not missing, f"bad files without a TG602 finding: {missing}"
    outside = [f for f in findings if f["code"] == "TG104" and f["path"] == "escapes.md"]
    assert len(outside) >= 6
    by_path = {f["path"]: f["message"] for f in findings if f["code"] == "TG602"}
    assert "limits.max_file_bytes" in by_path["huge-single-line.md"]


MARKUP_FILES = ("script-title.md", "dot-id.md", "links.md", "fm-python-tag.md")


@pytest.fixture(scope="session")
def markup_root(hostile: HostileCorpus, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Only the documents whose titles, IDs, names and links carry markup (no huge files)."""
    root = tmp_path_factory.mktemp("markup") / "repo"
    (root / "names").mkdir(parents=True)
    for name in MARKUP_FILES:
        (root / name).write_bytes((hostile.root / name).read_bytes())
    for source in (hostile.root / "names").iterdir():
        (root / "names" / source.name).write_bytes(source.read_bytes())
    return root


def assert_svg_inert(path: Path) -> None:
    """Strict XML parse (fails on any unescaped '<' or '&'), then no active content."""
    tree = ElementTree.fromstring(path.read_bytes())
    tags = {element.tag.rsplit("}", 1)[-1] for element in tree.iter()}
    assert not tags & {"script", "img", "iframe", "foreignObject"}, tags
    assert b"<b>accepted</b>" not in path.read_bytes()
    for element in tree.iter():
        for name, value in element.attrib.items():
            local = name.rsplit("}", 1)[-1].lower()
            assert not local.startswith("on"), f"event handler attribute {name}"
            assert not value.strip().lower().startswith(("javascript:", "data:", "vbscript:"))
    assert "alert(" in "".join(tree.itertext())  # the hostile titles are there, as text


class _HtmlAudit(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.bad: list[str] = []
        self.in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.in_script = tag == "script"
        if tag in ("img", "iframe", "object", "embed"):
            self.bad.append(f"<{tag}>")
        for name, value in attrs:
            lowered = (value or "").strip().lower()
            if name.startswith("on"):
                self.bad.append(f"{tag} {name}={value}")
            if name in ("href", "src", "xlink:href", "action", "formaction") and (
                lowered.startswith(("javascript:", "vbscript:", "data:text"))
            ):
                self.bad.append(f"{tag} {name}={value}")

    def handle_endtag(self, tag: str) -> None:
        self.in_script = False

    def handle_data(self, data: str) -> None:
        # The report may carry document text as JSON inside <script>; it must not be able to
        # open markup there (the HTML parser would treat "<!--" or "<script" specially).
        if self.in_script and ("<!--" in data or "<script" in data.lower()):
            self.bad.append(f"raw markup inside <script>: {data[:80]}")


def assert_html_inert(path: Path) -> None:
    """No element, event handler or script URL taken from the documents."""
    html = path.read_text(encoding="utf-8")
    audit = _HtmlAudit()
    audit.feed(html)
    assert not audit.bad, audit.bad[:10]
    assert "<script>alert" not in html
    assert "alert('title')</script>" not in html  # would close the report's own script
    assert "<b>accepted</b>" not in html  # the front-matter status, raw
    assert "&lt;script&gt;" in html or "\\u003cscript" in html or "\\x3cscript" in html


@pytest.mark.skipif(not shutil.which("dot"), reason="needs Graphviz dot")
def test_render_svg_of_markup_documents_is_inert(markup_root: Path, tmp_path: Path) -> None:
    if not has_command("render"):
        pytest.skip("`tracegraph render` does not exist yet")
    target = tmp_path / "map.svg"
    code, output = run_in_process(["render", str(markup_root), "-o", str(target)])
    assert code == 0, output[-2000:]
    assert_svg_inert(target)


def test_report_html_of_markup_documents_is_inert(markup_root: Path, tmp_path: Path) -> None:
    if not has_command("report"):
        pytest.skip("`tracegraph report` does not exist yet")
    target = tmp_path / "report.html"
    code, output = run_in_process(["report", str(markup_root), "-o", str(target), "--no-history"])
    assert code in (0, 1), output[-2000:]
    assert_html_inert(target)


@pytest.mark.skipif(not shutil.which("dot"), reason="needs Graphviz dot")
def test_render_svg_of_hostile_corpus_is_inert(hostile: HostileCorpus, outputs: Path) -> None:
    if not has_command("render"):
        pytest.skip("`tracegraph render` does not exist yet")
    target = outputs / "escaping.svg"
    code, output = run_in_process(["render", str(hostile.root), "-o", str(target)])
    assert code == 0, output[-2000:]
    assert_svg_inert(target)


def test_report_html_of_hostile_corpus_is_inert(hostile: HostileCorpus, outputs: Path) -> None:
    if not has_command("report"):
        pytest.skip("`tracegraph report` does not exist yet")
    target = outputs / "escaping.html"
    code, output = run_in_process(["report", str(hostile.root), "-o", str(target), "--no-history"])
    assert code in (0, 1), output[-2000:]
    assert_html_inert(target)
