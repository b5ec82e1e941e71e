"""tracegraph: one traceability graph over PRDs, RFCs, ADRs and TDDs."""

__version__ = "0.1.0"

from .api import check, render_map, report
from .queries import affected_by_change, downstream, paths_between, show, upstream

__all__ = [
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
