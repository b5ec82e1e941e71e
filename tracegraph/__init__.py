"""tracegraph: one traceability graph over PRDs, RFCs, ADRs and TDDs."""

__version__ = "0.1.0"
#: The project's home (README, releases, the GitHub Action); SARIF links rules to its README.
HOMEPAGE = "https://github.com/tracegraph/tracegraph"

from .api import check, render_map, report  # noqa: E402  (after the constants above)
from .queries import affected_by_change, downstream, paths_between, show, upstream  # noqa: E402

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
