"""tracegraph: one traceability graph over PRDs, RFCs, ADRs and TDDs."""

__version__ = "0.1.0"

from .api import check, render_map, report

__all__ = ["__version__", "check", "render_map", "report"]
