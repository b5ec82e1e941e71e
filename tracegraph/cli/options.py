"""Options and argument parsing shared by several commands, declared once."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from ..errors import UsageError

PATH_ARG = click.argument("path", required=False, type=click.Path(file_okay=False, path_type=Path))
ROOT_OPT = click.option(
    "-C",
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    help="The repository (or docs folder) to scan; default: the current folder.",
)
CONFIG_OPT = click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Config file (default: tracegraph.yaml, .tracegraph.yaml or pyproject.toml at the root).",
)
OUTPUT_OPT = click.option(
    "-o", "--output", type=click.Path(dir_okay=False), help="Write to FILE instead of stdout."
)
#: What a map or an export shows: the document graph, or the system the documents describe.
VIEWS = ("documents", "architecture")
VIEW_OPT = click.option(
    "--view",
    type=click.Choice(VIEWS),
    default="documents",
    show_default=True,
    help="documents: the document graph; architecture: the components, endpoints, tables and "
    "externals the design documents describe, traced to them.",
)
ALLOW_EMPTY_OPT = click.option(
    "--allow-empty",
    is_flag=True,
    help="Succeed on a tree without documents (by default that is an error, exit 2).",
)


def root_of(path: Path | None, root: Path | None) -> Path:
    """The tree to scan: ``-C/--root`` or the PATH argument (one of them), else ``.``."""
    if path is not None and root is not None and path.resolve() != root.resolve():
        raise UsageError(f"the root is given twice (PATH {path} and -C {root}); give one")
    return root or path or Path(".")


class RootCommand(click.Command):
    """A command whose stray folder argument gets a "did you mean -C" hint, since every
    command takes the repository as ``-C/--root`` (``impact ADR-0005 sample_repo``)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        given = list(args)  # the parser consumes ``args``
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as exc:
            folder = stray_folder(given)
            if folder and "extra argument" in exc.message:
                hint = f"{exc.message}; did you mean -C {folder}?"
                raise click.UsageError(hint, exc.ctx) from None
            raise


def stray_folder(args: list[str]) -> str | None:
    """The first positional argument that names an existing folder (not an option's value)."""
    previous = ""
    for arg in args:
        option_value = previous in ("-C", "--root", "--config", "-o", "--output")
        if not arg.startswith("-") and not option_value and Path(arg).is_dir():
            return arg
        previous = arg
    return None


def reject_folder(doc: str) -> None:
    """A DOC that is a folder is a misplaced root: say so instead of "no document"."""
    if Path(doc).is_dir():
        raise UsageError(f"{doc}: a folder, not a document; did you mean -C {doc}?")


def format_from_suffix(
    fmt: str | None, output: str | None, suffixes: dict[str, str], default: str, what: str
) -> str:
    """The explicit ``--format``, else the output file's suffix, else ``default`` (stdout)."""
    if fmt:
        return fmt
    if not output or output == "-":
        return default
    suffix = Path(output).suffix.lower()
    if suffix not in suffixes:
        known = ", ".join(sorted(suffixes))
        choices = "|".join(dict.fromkeys(suffixes.values()))
        raise UsageError(
            f"{output}: cannot tell the {what} format from the suffix (known: {known}); "
            f"add --format {choices}"
        )
    return suffixes[suffix]


def parse_today(value: str | None) -> date | None:
    """The ``--today`` date (None: the real today), or a usage error naming the option."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"--today: '{value}' is not a date (use YYYY-MM-DD)") from None
