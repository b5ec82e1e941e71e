"""tracegraph: one traceability graph over PRDs, RFCs, ADRs and TDDs."""

__version__ = "0.1.0"
