"""The pipeline's layers, checked like import-linter contracts: data flows one way.

crawl -> parse -> graph -> checks | queries -> render | report | output -> api -> cli | lsp. A lower
layer never imports a higher one (lazy imports inside functions count too). The two front ends
stand side by side: only the CLI imports click, only the language server (``tracegraph.lsp``)
imports pygls and lsprotocol, and neither imports the other except for the ``tracegraph lsp``
command that starts the server. The write commands' library (``tracegraph.edit``) sits above
graph, checks and queries (it plans edits on the scanned graph and reuses the checks'
suggestions) and below api and the front ends: no lower layer imports it, and it neither
renders nor formats outputs.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "tracegraph"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    """Absolute names of every module ``path`` imports, at any depth of the file."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                prefix = ".".join(base + ([node.module] if node.module else []))
            else:
                prefix = node.module or ""
            found.add(prefix)
            found.update(f"{prefix}.{alias.name}" for alias in node.names)
    return found


MODULES = {module_name(p): imports_of(p) for p in sorted(PACKAGE.rglob("*.py"))}

#: (layer, modules it must not import)
FORBIDDEN = [
    ("tracegraph.model", ["tracegraph.config", "tracegraph.crawl", "tracegraph.parse"]),
    (
        "tracegraph.crawl",
        ["tracegraph.parse", "tracegraph.graph", "tracegraph.checks", "tracegraph.api"],
    ),
    ("tracegraph.parse", ["tracegraph.crawl", "tracegraph.graph", "tracegraph.checks"]),
    # What a repository's own files declare (its address) is read from bytes the crawl holds.
    (
        "tracegraph.declared",
        ["tracegraph.crawl", "tracegraph.parse", "tracegraph.graph", "tracegraph.checks"],
    ),
    ("tracegraph.repository", ["tracegraph.crawl", "tracegraph.parse", "tracegraph.graph"]),
    # Presets sit beside crawl: data and detection over a listing; they read nothing themselves.
    (
        "tracegraph.presets",
        ["tracegraph.crawl", "tracegraph.parse", "tracegraph.graph", "tracegraph.checks"],
    ),
    # Git access sits beside crawl: it reads the repository (through gitcmd only), nothing else.
    ("tracegraph.gitcmd", ["tracegraph.crawl", "tracegraph.parse", "tracegraph.githistory"]),
    (
        "tracegraph.githistory",
        ["tracegraph.crawl", "tracegraph.parse", "tracegraph.graph", "tracegraph.checks"],
    ),
    ("tracegraph.reviews", ["tracegraph.crawl", "tracegraph.parse", "tracegraph.graph"]),
    ("tracegraph.graph", ["tracegraph.checks", "tracegraph.queries", "tracegraph.render"]),
    # The resolver (compiled with the parser) reads documents and the listing, nothing above.
    (
        "tracegraph.resolve",
        ["tracegraph.crawl", "tracegraph.graph", "tracegraph.checks", "tracegraph.queries"],
    ),
    # Suspect links are graph + history: no rule, query or output in them.
    (
        "tracegraph.suspect",
        ["tracegraph.checks", "tracegraph.queries", "tracegraph.render", "tracegraph.report"],
    ),
    # The architecture graph (issue 20) is built beside the document graph, from the documents.
    (
        "tracegraph.architecture",
        ["tracegraph.checks", "tracegraph.queries", "tracegraph.render", "tracegraph.report"],
    ),
    ("tracegraph.checks", ["tracegraph.render", "tracegraph.report", "tracegraph.output"]),
    ("tracegraph.queries", ["tracegraph.render", "tracegraph.report", "tracegraph.output"]),
    ("tracegraph.entity_queries", ["tracegraph.render", "tracegraph.report", "tracegraph.output"]),
    ("tracegraph.render", ["tracegraph.report", "tracegraph.output"]),
    ("tracegraph.report", ["tracegraph.render"]),
    # Output formats (check findings, query trees and cards) serve both front ends.
    ("tracegraph.output", ["tracegraph.report", "tracegraph.edit"]),
    ("tracegraph.edit", ["tracegraph.render", "tracegraph.output", "tracegraph.export"]),
]
#: Layers below the write commands' library.
BELOW_EDIT = [
    "tracegraph.model",
    "tracegraph.config",
    "tracegraph.crawl",
    "tracegraph.parse",
    "tracegraph.presets",
    "tracegraph.declared",
    "tracegraph.repository",
    "tracegraph.graph",
    "tracegraph.resolve",
    "tracegraph.checks",
    "tracegraph.queries",
    "tracegraph.render",
    "tracegraph.report",
    "tracegraph.gitcmd",
]
HIGH = ["tracegraph.api", "tracegraph.cli", "tracegraph.lsp"]


def _violations(layer: str, banned: list[str]) -> list[str]:
    out = []
    for module, imported in MODULES.items():
        if module != layer and not module.startswith(layer + "."):
            continue
        for name in sorted(imported):
            if any(name == b or name.startswith(b + ".") for b in banned):
                out.append(f"{module} imports {name}")
    return out


@pytest.mark.parametrize(("layer", "banned"), FORBIDDEN, ids=[f[0] for f in FORBIDDEN])
def test_lower_layers_do_not_import_higher_ones(layer: str, banned: list[str]) -> None:
    assert _violations(layer, banned + HIGH) == []


@pytest.mark.parametrize("layer", BELOW_EDIT)
def test_no_lower_layer_imports_the_write_library(layer: str) -> None:
    assert _violations(layer, ["tracegraph.edit"]) == []


def test_only_the_cli_imports_click() -> None:
    users = sorted(
        m
        for m, imported in MODULES.items()
        if "click" in imported and not m.startswith("tracegraph.cli")
    )
    assert users == []


def test_only_gitcmd_runs_git_for_the_history() -> None:
    """Suspect links read git through ``gitcmd.run_git`` alone (no subprocess of their own)."""
    for module in ("tracegraph.githistory", "tracegraph.suspect", "tracegraph.reviews"):
        assert "subprocess" not in MODULES[module], module
    assert "tracegraph.gitcmd.run_git" in MODULES["tracegraph.githistory"]


def _users_of(names: tuple[str, ...]) -> list[str]:
    return sorted(
        module
        for module, imported in MODULES.items()
        if any(i == n or i.startswith(n + ".") for i in imported for n in names)
    )


def test_only_the_language_server_imports_pygls() -> None:
    users = _users_of(("pygls", "lsprotocol"))
    assert users and all(m.startswith("tracegraph.lsp") for m in users), users


def test_the_front_ends_do_not_import_each_other() -> None:
    assert [
        m for m in _users_of(("click", "tracegraph.cli")) if m.startswith("tracegraph.lsp")
    ] == []
    # The CLI only starts the server: one command module, nothing else of the CLI.
    assert [m for m in _users_of(("tracegraph.lsp",)) if not m.startswith("tracegraph.lsp")] == [
        "tracegraph.cli.lsp"
    ]


def test_the_query_formats_live_below_the_front_ends() -> None:
    assert "tracegraph.output.queries" in MODULES["tracegraph.cli.query"]
    assert "tracegraph.api" not in MODULES["tracegraph.output.queries"]


def test_the_contract_sees_real_imports() -> None:
    assert "tracegraph.graph" in MODULES["tracegraph.api"] or any(
        name.startswith("tracegraph.graph") for name in MODULES["tracegraph.api"]
    )
    assert "click" in MODULES["tracegraph.cli"]


#: The one module that starts git (issue 13), and the Graphviz adapter, the one module that
#: starts ``dot`` (on DOT text tracegraph generated); everything else may use subprocess's
#: exception types at most.
PROCESS_STARTERS = {"tracegraph.gitcmd", "tracegraph.render.graphviz"}
#: The parse pool, the check's rules' children, TG503's analysis (``suspect.analyse_ahead``) and
#: the writes left behind a command's answer (``behind.detach``) fork copies of tracegraph
#: itself (``os.fork`` and nothing else: no program is run).
FORKERS = {
    "tracegraph.workers", "tracegraph.checks.parallel", "tracegraph.suspect", "tracegraph.behind",
}  # fmt: skip
SUBPROCESS_EXCEPTIONS = {"CalledProcessError", "SubprocessError", "TimeoutExpired"}
OS_PROCESS_CALLS = {"system", "popen", "fork", "forkpty", "posix_spawn", "posix_spawnp"}


def _process_starts(path: Path) -> list[str]:
    """Places in ``path`` that could start a process other than through ``gitcmd``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            owner, attr = node.value.id, node.attr
            if owner == "subprocess" and attr not in SUBPROCESS_EXCEPTIONS:
                found.append(f"line {node.lineno}: subprocess.{attr}")
            if owner == "os" and (attr in OS_PROCESS_CALLS or attr.startswith(("exec", "spawn"))):
                found.append(f"line {node.lineno}: os.{attr}")
        elif isinstance(node, ast.ImportFrom) and node.module in ("subprocess", "os"):
            for alias in node.names:
                name = alias.name
                if (node.module == "subprocess" and name not in SUBPROCESS_EXCEPTIONS) or (
                    node.module == "os"
                    and (name in OS_PROCESS_CALLS or name.startswith(("exec", "spawn")))
                ):
                    found.append(f"line {node.lineno}: from {node.module} import {name}")
        elif isinstance(node, ast.List | ast.Tuple) and node.elts:
            first = node.elts[0]
            if isinstance(first, ast.Constant) and first.value == "git":
                found.append(f"line {node.lineno}: a git command line")
    return found


def test_only_gitcmd_and_the_graphviz_adapter_start_processes() -> None:
    offenders = {
        module_name(path): starts
        for path in sorted(PACKAGE.rglob("*.py"))
        if module_name(path) not in PROCESS_STARTERS and (starts := _process_starts(path))
    }
    forks = [start for name in FORKERS for start in offenders.pop(name, [])]
    assert offenders == {}
    assert forks and all(start.endswith(": os.fork") for start in forks)


def test_the_process_check_would_notice(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import os, subprocess\nsubprocess.run(['git', 'status'])\nos.system('ls')\n"
        "from subprocess import Popen\n"
    )
    assert len(_process_starts(sample)) == 4
    assert _process_starts(PACKAGE / "gitcmd.py")  # the one allowed place does start them
    graphviz = "\n".join(_process_starts(PACKAGE / "render" / "graphviz.py"))
    assert "git command" not in graphviz  # the Graphviz adapter runs dot, never git
