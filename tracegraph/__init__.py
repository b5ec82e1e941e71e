"""tracegraph: one traceability graph over PRDs, RFCs, ADRs and TDDs."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
#: The project's home (README, releases, the GitHub Action); SARIF links rules to its README.
HOMEPAGE = "https://github.com/tracegraph/tracegraph"

if TYPE_CHECKING:
    from .api import check, render_map, report
    from .queries import affected_by_change, downstream, paths_between, show, upstream

#: The public API, imported on first use: the command line reads ``__version__`` without
#: loading the scanner, the graph and the rules.
_EXPORTS = {
    "check": "api",
    "render_map": "api",
    "report": "api",
    "affected_by_change": "queries",
    "downstream": "queries",
    "paths_between": "queries",
    "show": "queries",
    "upstream": "queries",
}

__all__ = [
    "HOMEPAGE",
    "__version__",
    "affected_by_change",
    "check",
    "downstream",
    "paths_between",
    "render_map",
    "report",
    "show",
    "upstream",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})
