"""The language server, a second front end beside the CLI: ``tracegraph lsp``.

``workspace`` keeps the graph and the findings current as documents are edited, ``navigate``
answers what an editor asks about a place in a document, and ``server`` speaks the Language
Server Protocol over stdio with pygls (the only module that imports it). pygls is the ``lsp``
extra: ``serve`` says how to install it when it is missing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import UsageError

__all__ = ["Settings", "serve"]


@dataclass
class Settings:
    """How the server was started (``tracegraph lsp`` options; the client may change
    ``diagnostics`` and ``debounce`` in its initialization options)."""

    root: Path | None = None
    config_path: Path | None = None
    cache: bool = True
    #: Seconds between the last keystroke and re-checking the buffer.
    debounce: float = 0.2
    #: "workspace": every file's findings (after the first scan and on save); "open": only
    #: the open documents'.
    diagnostics: str = "workspace"


def serve(settings: Settings) -> None:
    """Run the language server on stdin/stdout until the client exits."""
    try:
        from .server import serve as run
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.split(".")[0] in ("pygls", "lsprotocol"):
            raise UsageError(
                "tracegraph lsp needs pygls: install tracegraph with its 'lsp' extra "
                "(pip install 'tracegraph[lsp]')"
            ) from None
        raise
    run(settings)
