"""Options and argument parsing shared by several commands, declared once."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from ..errors import UsageError

PATH_ARG = click.argument(
    "path", required=False, default=".", type=click.Path(file_okay=False, path_type=Path)
)
CONFIG_OPT = click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Config file (default: tracegraph.yaml, .tracegraph.yaml or pyproject.toml at PATH).",
)
OUTPUT_OPT = click.option(
    "-o", "--output", type=click.Path(dir_okay=False), help="Write to FILE instead of stdout."
)


def parse_today(value: str | None) -> date | None:
    """The ``--today`` date (None: the real today), or a usage error naming the option."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"--today: '{value}' is not a date (use YYYY-MM-DD)") from None
