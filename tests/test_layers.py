"""The pipeline's layers, checked like import-linter contracts: data flows one way.

crawl -> parse -> graph -> checks | queries -> render | report -> api -> cli. A lower layer never
imports a higher one (lazy imports inside functions count too), and only the CLI imports click.
The write commands' library (``tracegraph.edit``) sits above graph, checks and queries (it
plans edits on the scanned graph and reuses the checks' suggestions) and below api and cli: no
lower layer imports it, and it neither renders nor formats outputs.
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
    ("tracegraph.graph", ["tracegraph.checks", "tracegraph.queries", "tracegraph.render"]),
    ("tracegraph.checks", ["tracegraph.render", "tracegraph.report", "tracegraph.output"]),
    ("tracegraph.queries", ["tracegraph.render", "tracegraph.report", "tracegraph.output"]),
    ("tracegraph.render", ["tracegraph.report", "tracegraph.output"]),
    ("tracegraph.report", ["tracegraph.render"]),
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
    "tracegraph.checks",
    "tracegraph.queries",
    "tracegraph.render",
    "tracegraph.report",
    "tracegraph.gitcmd",
]
HIGH = ["tracegraph.api", "tracegraph.cli"]


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


def test_the_contract_sees_real_imports() -> None:
    assert "tracegraph.graph" in MODULES["tracegraph.api"] or any(
        name.startswith("tracegraph.graph") for name in MODULES["tracegraph.api"]
    )
    assert "click" in MODULES["tracegraph.cli"]
