"""``--no-cache`` and ``--quiet``, shared by every command that scans, and the progress line.

The options store their values on the click context (``expose_value=False``), so a command
adds ``@scan_options`` and passes ``**scan_settings(fmt)`` to ``api.scan`` without growing its
own signature.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])

#: Formats meant for people; everything else (json, sarif, dot...) is for machines and the
#: progress line stays off even on a terminal.
HUMAN_FORMATS = frozenset({"text", "tree", "list", "markdown", "html", "svg", "png", "pdf"})
#: Below this many documents a scan is quick enough that a progress line is only noise.
MIN_DOCUMENTS = 500


def _store(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    if param.name:
        ctx.meta[f"tracegraph.{param.name}"] = value
    return value


def scan_options(func: F) -> F:
    """Add ``--no-cache`` and ``-q/--quiet`` to a command."""
    func = click.option(
        "--no-cache",
        is_flag=True,
        expose_value=False,
        callback=_store,
        help="Parse every file again, ignoring and not writing .tracegraph/cache/.",
    )(func)
    func = click.option(
        "-q",
        "--quiet",
        is_flag=True,
        expose_value=False,
        callback=_store,
        help="No progress display on stderr.",
    )(func)
    return func


def scan_settings(fmt: str | None = "text") -> dict[str, Any]:
    """Keyword arguments for ``api.scan``: the cache choice and, on a terminal, progress."""
    ctx = click.get_current_context(silent=True)
    meta = ctx.meta if ctx is not None else {}
    quiet = bool(meta.get("tracegraph.quiet"))
    settings: dict[str, Any] = {"cache": not meta.get("tracegraph.no_cache")}
    human = fmt is None or fmt in HUMAN_FORMATS
    if not quiet and human and _is_terminal(sys.stderr):
        settings["progress"] = ProgressLine(sys.stderr)
    return settings


def _is_terminal(stream: Any) -> bool:
    return bool(getattr(stream, "isatty", lambda: False)())


class ProgressLine:
    """``parsed 4,096/10,000 files`` rewritten in place at most ten times a second, cleared at
    the end; nothing for small scans."""

    def __init__(self, stream: Any, interval: float = 0.1) -> None:
        self.stream = stream
        self.interval = interval
        self.last = 0.0
        self.shown = False

    def __call__(self, done: int, total: int) -> None:
        if total < MIN_DOCUMENTS:
            return
        now = time.monotonic()
        if done < total and now - self.last < self.interval:
            return
        self.last = now
        if done >= total:
            if self.shown:
                self.stream.write("\r\033[K")
                self.stream.flush()
                self.shown = False
            return
        self.stream.write(f"\r\033[Ktracegraph: parsed {done:,}/{total:,} files")
        self.stream.flush()
        self.shown = True
