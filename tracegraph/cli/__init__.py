"""The command line: a thin click layer over ``tracegraph.api``.

This package is the only place that prints, exits or imports click. Library errors become a
one-line message and a fixed exit code (0 ok, 1 findings, 2 usage/config/input, 3 internal).
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from pathlib import Path
from typing import Any, NoReturn

import click

from .. import __version__
from ..atomic import write_atomic
from ..errors import TracegraphError
from ..safetext import neutralise
from .options import RootCommand

INTERNAL_ERROR = 3


class TracegraphGroup(click.Group):
    """A group whose invoke turns library errors into messages and exit codes; bare
    ``tracegraph`` prints the help and exits 0."""

    command_class = RootCommand

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args:
            click.echo(ctx.get_help())
            ctx.exit(0)
        try:
            return super().parse_args(ctx, args)
        except click.ClickException as exc:
            _fail_usage(ctx, exc)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.exceptions.Abort):
            raise
        except click.ClickException as exc:
            _fail_usage(ctx, exc)
        except TracegraphError as exc:
            click.echo(f"tracegraph: error: {_one_line(str(exc))}", err=True)
            ctx.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("tracegraph: interrupted", err=True)
            ctx.exit(130)
        except BrokenPipeError as exc:
            if _stdout_closed():  # `tracegraph ... | head`: the reader went away, not an error
                ctx.exit(0)
            _internal_error(ctx, exc)  # a pipe to a child process (Graphviz) broke
        except OSError as exc:
            if not _stdout_failed(exc):
                _internal_error(ctx, exc)
            reason = exc.strerror or type(exc).__name__
            click.echo(f"tracegraph: error: cannot write to standard output: {reason}", err=True)
            ctx.exit(2)
        except Exception as exc:  # the top-level handler: never a traceback without --debug
            _internal_error(ctx, exc)


def _fail_usage(ctx: click.Context, exc: click.ClickException) -> NoReturn:
    """A click usage error as one line (``tracegraph: error: ...``), exit 2."""
    where = exc.ctx.command_path if isinstance(exc, click.UsageError) and exc.ctx else ctx.info_name
    hint = f" (see '{where} --help')" if isinstance(exc, click.UsageError) else ""
    click.echo(f"tracegraph: error: {_one_line(exc.format_message())}{hint}", err=True)
    ctx.exit(exc.exit_code)


def _stdout_failed(exc: OSError) -> bool:
    """Whether ``exc`` came from writing the command's output (click's ``echo``: a full disk,
    an I/O error). Then stdout is pointed at /dev/null, so the interpreter's own flush of the
    pending text at exit does not fail a second time."""
    tb = exc.__traceback__
    while tb is not None:
        code = tb.tb_frame.f_code
        if code.co_name == "echo" and code.co_filename.endswith(os.path.join("click", "utils.py")):
            with contextlib.suppress(OSError, ValueError):
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return True
        tb = tb.tb_next
    return False


def _stdout_closed() -> bool:
    try:
        sys.stdout.flush()
    except (BrokenPipeError, ValueError):
        # Keep the interpreter's final flush from printing "Exception ignored ...".
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return True
    return False


def _internal_error(ctx: click.Context, exc: BaseException) -> NoReturn:
    """Exit 3 with a short request for a bug report; ``--debug`` re-raises for the traceback."""
    if ctx.obj and ctx.obj.get("debug"):
        raise exc
    click.echo(
        f"tracegraph: internal error: {type(exc).__name__}: {_one_line(str(exc))[:300]}. "
        "This is a bug; please report it with the command you ran "
        "(rerun with --debug for the traceback).",
        err=True,
    )
    ctx.exit(INTERNAL_ERROR)


def _one_line(text: str) -> str:
    """A message as one line of plain text (it may quote names from the repository)."""
    return neutralise(" ".join(text.split()))[:2000]


@click.group(cls=TracegraphGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="tracegraph", message="%(prog)s %(version)s")
@click.option("--debug", is_flag=True, help="Show the traceback of internal errors.")
@click.option("-v", "--verbose", count=True, help="Log progress to stderr (-vv for more).")
@click.pass_context
def cli(ctx: click.Context, debug: bool, verbose: int) -> None:
    """Traceability graph, impact queries, maps and health reports for design documents
    (PRDs, RFCs, ADRs and TDDs in Markdown).

    Edges point upstream: A -> B means A rests on B.
    """
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug
    # Warnings (git refusing the repository, say) always reach stderr, as one line each.
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        _OneLine("tracegraph: %(message)s" if verbose else "tracegraph: warning: %(message)s")
    )
    logging.basicConfig(
        level=logging.DEBUG if verbose > 1 else logging.INFO if verbose else logging.WARNING,
        handlers=[handler],
    )


class _OneLine(logging.Formatter):
    """Log lines may quote names from the repository: control characters escaped."""

    def format(self, record: logging.LogRecord) -> str:
        return neutralise(super().format(record))


def use_color(stream: Any = None) -> bool:
    """Colour only on a terminal and never when NO_COLOR is set (https://no-color.org)."""
    if os.environ.get("NO_COLOR"):
        return False
    stream = stream or sys.stdout
    return bool(getattr(stream, "isatty", lambda: False)())


def emit(text: str, output: str | None) -> None:
    """Write a command's result to ``output`` atomically, or to stdout."""
    if output and output != "-":
        write_atomic(Path(output), text)
        return
    click.echo(text, nl=not text.endswith("\n"))


# Commands register themselves on ``cli`` when their modules are imported.
from . import check as _check  # noqa: E402,F401
from . import lsp as _lsp  # noqa: E402,F401
from . import query as _query  # noqa: E402,F401
from . import render as _render  # noqa: E402,F401
from . import report as _report  # noqa: E402,F401
from . import scan as _scan  # noqa: E402,F401
from . import write as _write  # noqa: E402,F401


def main() -> None:
    """Console-script entry point."""
    if "--debug" in sys.argv[1:]:
        os.environ["TRACEGRAPH_DEBUG"] = "1"
    cli.main(prog_name="tracegraph")
