"""The one adapter to the Graphviz executables (through the PyPI ``graphviz`` package).

The package raises ``graphviz.ExecutableNotFound`` when ``dot`` is not installed and has no
timeout, so the size guard (``check_size``) runs before every call and a missing binary becomes
a RenderError that says how to install it.
"""

from __future__ import annotations

import subprocess

import graphviz

from ..errors import RenderError

FORMATS: tuple[str, ...] = ("svg", "png", "pdf")
ENGINES: tuple[str, ...] = ("dot", "sfdp", "auto")
INSTALL_HINT = (
    "the Graphviz 'dot' executable is not installed or not on PATH; install Graphviz "
    "(Debian/Ubuntu: apt-get install graphviz; macOS: brew install graphviz), "
    "or use --format dot or --format mermaid, which work without it"
)


def choose_engine(engine: str, size: int, sfdp_above: int) -> str:
    """The layout engine: ``auto`` takes ``sfdp`` above ``sfdp_above`` nodes (``dot`` needs
    ~20 s for 2,000 nodes, ``sfdp`` under a second).

    >>> choose_engine("auto", 10, 400), choose_engine("auto", 401, 400)
    ('dot', 'sfdp')
    """
    if engine not in ENGINES:
        raise RenderError(f"unknown engine '{engine}' (use {', '.join(ENGINES)})")
    if engine != "auto":
        return engine
    return "sfdp" if size > sfdp_above else "dot"


def check_size(size: int, max_nodes: int, *, focused: bool) -> None:
    """Refuse to lay out more than ``max_nodes`` nodes of a whole repository (it would hang)."""
    if not focused and size > max_nodes:
        raise RenderError(
            f"the map has {size} nodes, more than render.max_nodes ({max_nodes}); draw a part "
            "of it with --focus DOC [--depth N] or --type TYPE, or raise render.max_nodes "
            "in tracegraph.yaml"
        )


def render_graphviz(dot_text: str, fmt: str, engine: str = "dot") -> bytes:
    """Lay out ``dot_text`` with ``engine`` and return the ``fmt`` (svg, png, pdf) bytes."""
    if fmt not in FORMATS:
        raise RenderError(f"unknown Graphviz format '{fmt}' (use {', '.join(FORMATS)})")
    try:
        data: bytes = graphviz.Source(dot_text).pipe(format=fmt, engine=engine)
    except graphviz.ExecutableNotFound:
        raise RenderError(INSTALL_HINT) from None
    except subprocess.CalledProcessError as exc:
        detail = exc.stderr.decode("utf-8", "replace") if isinstance(exc.stderr, bytes) else ""
        first = detail.strip().splitlines()[0] if detail.strip() else f"exit code {exc.returncode}"
        raise RenderError(f"Graphviz '{engine}' failed: {first}") from None
    except OSError as exc:  # e.g. a broken pipe when dot exits early on bad input
        raise RenderError(f"Graphviz '{engine}' failed: {exc.strerror or exc}") from None
    return data


def graphviz_version() -> str | None:
    """The installed Graphviz version, or None when ``dot`` is missing."""
    try:
        version = graphviz.version()
    except (graphviz.ExecutableNotFound, subprocess.CalledProcessError, RuntimeError):
        return None
    return ".".join(str(part) for part in version)
