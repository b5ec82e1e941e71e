"""``tracegraph lsp``: start the language server (``tracegraph.lsp``) on stdin/stdout."""

from __future__ import annotations

from pathlib import Path

import click

from ..lsp import Settings, serve
from . import cli
from .options import CONFIG_OPT


@cli.command("lsp")
@click.option(
    "-C",
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    help="The repository (or docs folder); default: the editor's workspace folder.",
)
@CONFIG_OPT
@click.option(
    "--debounce",
    type=click.IntRange(min=0),
    default=200,
    show_default=True,
    metavar="MS",
    help="Milliseconds without typing before a buffer is checked again.",
)
@click.option(
    "--diagnostics",
    type=click.Choice(["workspace", "open"]),
    default="workspace",
    show_default=True,
    help="Publish every file's findings (after indexing and on save), or the open files' only.",
)
@click.option("--no-cache", is_flag=True, help="Parse every file, ignoring .tracegraph/cache/.")
@click.option("--stdio", is_flag=True, hidden=True, help="Accepted for editors that pass it.")
def lsp_command(
    root: Path | None,
    config_path: Path | None,
    debounce: int,
    diagnostics: str,
    no_cache: bool,
    stdio: bool,
) -> None:
    """Run the language server over stdio, for editors: diagnostics as you type, go to
    definition, hover cards, references, completion, quick fixes and symbols.

    Editors start it themselves (see the README's "In the editor"); it reads the Language
    Server Protocol on stdin and writes it on stdout.
    """
    from ..behind import finish

    finish()  # a server writes its caches as it goes, not when it ends
    serve(
        Settings(
            root=root,
            config_path=config_path,
            cache=not no_cache,
            debounce=debounce / 1000,
            diagnostics=diagnostics,
        )
    )
