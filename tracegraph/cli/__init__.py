"""The command line: a thin click layer over ``tracegraph.api``.

This package is the only place that prints, exits or imports click. Library errors become a
one-line message and a fixed exit code (0 ok, 1 findings, 2 usage/config/input, 3 internal).
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

if TYPE_CHECKING:
    from collections.abc import Iterable

from .. import __version__
from ..atomic import write_atomic
from ..errors import TracegraphError
from ..safetext import neutralise
from .options import RootCommand

INTERNAL_ERROR = 3

#: Each command's module (under ``tracegraph.cli``) and the first paragraph of its help. A
#: command's module is imported only when that command runs or shows its own help, so
#: ``tracegraph --help`` loads no scanner, graph or rule (a test keeps this table in step with
#: the commands' docstrings).
COMMANDS: dict[str, tuple[str, str]] = {
    "check": (
        "check",
        "Check the documents under PATH (or -C DIR; default: .) and report findings.",
    ),
    "export": (
        "scan",
        "Export the document graph under PATH (or -C DIR; default: .), or with --view "
        "architecture the system its design documents describe.",
    ),
    "fix": (
        "write",
        "Repair broken links, anchors and IDs (TG101, TG102, TG103) in PATH (default: the whole "
        "tree): a renamed or moved target from git history, the one file of that name or ID "
        "elsewhere, the closest heading. Without --write: the unified diff, exit 1 when anything "
        "would change. Ambiguous repairs are listed with their candidates, never applied.",
    ),
    "impact": (
        "query",
        "Everything downstream of DOC: the documents that rest on it, transitively.",
    ),
    "lsp": (
        "lsp",
        "Run the language server over stdio, for editors: diagnostics as you type, go to "
        "definition, hover cards, references, completion, quick fixes and symbols.",
    ),
    "index": (
        "write",
        "Write or refresh the index of TYPE's documents (every type's, without TYPE): ID, title, "
        "status, date and supersessions, between marker comments in the folder's README; the "
        "rest of the page is left alone.",
    ),
    "init": (
        "scan",
        "Write a commented starter tracegraph.yaml into PATH (or -C DIR; default: .), or a "
        "preset's config.",
    ),
    "new": (
        "write",
        "Create the next document of TYPE titled TITLE, numbered, named and placed as the "
        "repository's documents of that type are, from the type's template.",
    ),
    "path": (
        "query",
        "All shortest chains between documents A and B, in either direction (exit 1 if none).",
    ),
    "render": (
        "render",
        "Draw the document graph under PATH (or -C DIR) as a map (SVG, PNG, PDF, DOT or Mermaid).",
    ),
    "report": (
        "report",
        "Write the docs health report for PATH (or -C DIR; default: .) and record the run in the "
        "history: once per call, however many -o files; never for a report printed to the "
        "terminal.",
    ),
    "rules": ("check", "List the rules, or print the documentation of one rule (e.g. TG102)."),
    "scan": (
        "scan",
        "Summarise the documents and references under PATH (or -C DIR; default: .).",
    ),
    "schema": (
        "check",
        "Print the JSON Schema of a JSON output (check, scan, export, impact, upstream, path, "
        "show, report, rules, baseline), or list them.",
    ),
    "show": (
        "query",
        "A document card: metadata, what it rests on and what rests on it, with line numbers, "
        "other references, its findings and its suspect links (TG503); or an entity's card "
        "(component:NAME, ...).",
    ),
    "review": (
        "review",
        "Record that DOC was checked against the documents it rests on, as of HEAD.",
    ),
    "status": (
        "write",
        "Set DOC's status to VALUE where the document keeps it (front matter, a field line, its "
        "Status section or its sidecar), checked against its type's lifecycle.",
    ),
    "supersede": (
        "write",
        "Record that NEW supersedes OLD in both documents, each in its own convention, and set "
        "OLD's status to its type's retired status, once NEW has an agreed status (exit 1 and "
        "nothing written before that, unless --force).",
    ),
    "upstream": (
        "query",
        "Everything DOC rests on, transitively (ID in any spelling, or a path; or an entity: "
        'component:NAME, endpoint:"METHOD /path", table:NAME, external:NAME).',
    ),
}


class TracegraphGroup(click.Group):
    """A group whose invoke turns library errors into messages and exit codes; bare
    ``tracegraph`` prints the help and exits 0. Commands are loaded on first use (``COMMANDS``)."""

    command_class = RootCommand

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*COMMANDS, *self.commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            load_command(cmd_name)
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list from ``COMMANDS``, without importing the commands' modules."""
        rows = []
        for name in self.list_commands(ctx):
            loaded = self.commands.get(name)
            command = loaded or click.Command(name, help=COMMANDS[name][1])
            if not command.hidden:
                rows.append((name, command))
        if rows:
            limit = formatter.width - 6 - max(len(name) for name, _ in rows)
            with formatter.section("Commands"):
                formatter.write_dl([(name, cmd.get_short_help_str(limit)) for name, cmd in rows])

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


def emit(text: str | Iterable[str], output: str | None) -> None:
    """Write a command's result to ``output`` atomically, or to stdout; ``text`` may come in
    pieces (``render_pieces``), written as they are made (a newline ends it unless it ends
    with one)."""
    if output and output != "-":
        write_atomic(Path(output), text)
        return
    from ..streams import LARGE_OUTPUT, widen_pipe

    # Pieces: a size not known (a larger pipe costs a small output nothing); a text: its own.
    widen_pipe(sys.stdout, LARGE_OUTPUT if not isinstance(text, str) else len(text))
    if isinstance(text, str):
        click.echo(text, nl=not text.endswith("\n"))
        return
    last = ""
    for piece in text:
        if piece:
            click.echo(piece, nl=False)
            last = piece
    if not last.endswith("\n"):
        click.echo("")


def load_command(name: str) -> None:
    """Import the module that defines the command ``name``: commands register themselves on
    ``cli`` when their modules are imported."""
    importlib.import_module(f"{__name__}.{COMMANDS[name][0]}")


def load_commands() -> None:
    """Import every command's module (for tools that walk ``cli.commands``)."""
    for name in COMMANDS:
        load_command(name)


def main() -> None:
    """Run the command line in this interpreter (it exits through ``SystemExit``)."""
    if "--debug" in sys.argv[1:]:
        os.environ["TRACEGRAPH_DEBUG"] = "1"
    cli.main(prog_name="tracegraph")


def run() -> NoReturn:
    """Console-script entry point: ``main``, then leave without tearing the heap down.

    A check at 10,000 documents holds millions of objects, and freeing them one by one at
    interpreter exit took 0.3-0.6 s, longer than a whole warm run. Everything a command writes
    is written (files atomically) before it returns, but for the caches' writes that only later
    runs read: those wait for the answer and go on in a child of their own (``behind``). Once
    standard output and error are flushed the process ends at once. When a flush fails (a
    closed pipe, a full disk), the ordinary exit runs instead, with its usual handling. What a
    command built need not be freed either (``memory.keep_to_the_end``)."""
    from .. import behind
    from ..memory import ending_without_teardown

    ending_without_teardown()
    behind.defer_writes()  # the caches' writes wait for the answer (``behind.detach``)
    try:
        main()
        code: object = 0
    except SystemExit as done:
        code = done.code
    except BaseException:
        behind.finish()
        raise
    finally:
        from .. import classcode, regexcode

        classcode.save()
        regexcode.save()
    if sys.getprofile() is not None or sys.gettrace() is not None:
        behind.finish()
        raise SystemExit(code)  # a profiler or coverage writes its data at exit
    try:
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
    except Exception:  # the interpreter's own exit reports it as before
        behind.finish()
        raise SystemExit(code) from None
    # A rules child may still have been ending when its result was read (it was not waited
    # for, and ended while the output was written): reaped here, its CPU counted as ours.
    forked = sys.modules.get("tracegraph.checks.parallel")
    if forked is not None:
        forked.reap_ending()
    parsed = sys.modules.get("tracegraph.procs")  # a parse's workers, ending as it went on
    if parsed is not None:
        parsed.reap_ending()
    behind.detach()  # the answer is out: the caches' writes go on in a child of their own
    if code is None:
        os._exit(0)
    if isinstance(code, int):
        os._exit(code & 0xFF)  # as the interpreter reports ``sys.exit(code)``
    raise SystemExit(code)  # a message for the interpreter to print
