"""JSON Schemas of every JSON output (``tracegraph schema NAME`` prints one).

Each output carries ``version`` (bumped on any incompatible change) and ``"generator":
"tracegraph"``; the schema of a version is shipped here and tested against real outputs.
"""

from __future__ import annotations

import difflib
import json
from importlib import resources

from ..errors import UsageError

#: Schema names, in the order ``tracegraph schema`` lists them.
SCHEMAS = (
    "check",
    "scan",
    "export",
    "impact",
    "upstream",
    "path",
    "show",
    "report",
    "rules",
    "baseline",
    "fix",
    "architecture",
    "entity-impact",
    "entity-show",
)


def schema_text(name: str) -> str:
    """The schema file's text; UsageError with a suggestion for an unknown name."""
    if name not in SCHEMAS:
        close = difflib.get_close_matches(name, SCHEMAS, n=1)
        hint = f"; did you mean {close[0]}?" if close else f" (one of {', '.join(SCHEMAS)})"
        raise UsageError(f"unknown schema '{name}'{hint}")
    return resources.files(__package__).joinpath(f"{name}.schema.json").read_text("utf-8")


def schema_title(name: str) -> str:
    """The schema's one-line description."""
    return str(json.loads(schema_text(name))["description"])
