"""The one adapter to the Graphviz executables.

``dot`` runs as a subprocess with its standard error captured: its warnings ("Something is
probably seriously wrong", "scaling ... to fit") come back as data and the CLI prints them as one
line, never as a dump on the terminal. A missing binary becomes a RenderError that says how to
install it; the size guard (``check_size``) runs before every call, and a layout that takes
longer than ``TIMEOUT`` seconds is stopped.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass

import graphviz

from ..errors import RenderError
from ..procs import dies_with, find_program

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


#: What to suggest when a map is too big to read or to lay out.
SMALLER = "draw a part of it with --focus DOC [--depth N], --type TYPE or --cluster folder"
#: Above this many nodes a whole-repository picture cannot be read without zooming far in.
READABLE_NODES = 300
#: Seconds a layout may take (dot has no limit of its own).
TIMEOUT = 600.0


@dataclass(frozen=True)
class Drawing:
    """What Graphviz drew, and the warnings it printed (one string per line)."""

    data: bytes
    warnings: tuple[str, ...] = ()


def check_size(size: int, max_nodes: int, *, focused: bool) -> None:
    """Refuse to lay out more than ``max_nodes`` nodes of a whole repository (it would hang)."""
    if not focused and size > max_nodes:
        raise RenderError(
            f"the map has {size} nodes, more than render.max_nodes ({max_nodes}); {SMALLER}, "
            "or raise render.max_nodes in tracegraph.yaml"
        )


def readability_warning(size: int) -> str | None:
    """A one-line warning when a map has more nodes than a picture can show legibly.

    >>> readability_warning(12) is None
    True
    >>> readability_warning(720).startswith("the map has 720 nodes")
    True
    """
    if size <= READABLE_NODES:
        return None
    return (
        f"the map has {size} nodes, more than a picture shows legibly ({READABLE_NODES}); "
        f"zoom in, or {SMALLER}"
    )


def summarise_warnings(lines: tuple[str, ...]) -> str | None:
    """Graphviz's warnings as one line: how many, and the first one.

    >>> summarise_warnings(("Warning: a", "in label of node x", "Warning: b"))
    'Graphviz printed 2 warnings, the first: a'
    >>> summarise_warnings(()) is None
    True
    """
    found = [line for line in lines if re.match(r"(Warning|Error):", line)] or list(lines)
    if not found:
        return None
    first = re.sub(r"^(Warning|Error):\s*", "", found[0]).strip()
    noun = "warning" if len(found) == 1 else "warnings"
    return f"Graphviz printed {len(found)} {noun}, the first: {first[:200]}"


def run_graphviz(dot_text: str, fmt: str, engine: str = "dot") -> Drawing:
    """Lay out ``dot_text`` with ``engine``: the ``fmt`` (svg, png, pdf) bytes and the warnings
    Graphviz printed."""
    if fmt not in FORMATS:
        raise RenderError(f"unknown Graphviz format '{fmt}' (use {', '.join(FORMATS)})")
    executable = find_program("dot")  # absolute PATH entries only
    if executable is None:
        raise RenderError(INSTALL_HINT)
    try:
        proc = subprocess.run(
            [executable, f"-K{engine}", f"-T{fmt}"],
            input=dot_text.encode("utf-8"),
            capture_output=True,
            timeout=TIMEOUT,
            check=False,
            # dot of a large map can run for a while: it goes when tracegraph is killed.
            preexec_fn=dies_with(os.getpid()) if sys.platform.startswith("linux") else None,
        )
    except subprocess.TimeoutExpired:
        raise RenderError(
            f"Graphviz '{engine}' took longer than {TIMEOUT:.0f} s; {SMALLER}"
        ) from None
    except OSError as exc:
        raise RenderError(f"Graphviz '{engine}' failed: {exc.strerror or exc}") from None
    messages = tuple(
        line.strip() for line in proc.stderr.decode("utf-8", "replace").splitlines() if line.strip()
    )
    if proc.returncode != 0 or not proc.stdout:
        first = messages[0] if messages else f"exit code {proc.returncode}"
        raise RenderError(f"Graphviz '{engine}' failed: {first}")
    return Drawing(proc.stdout, messages)


def render_graphviz(dot_text: str, fmt: str, engine: str = "dot") -> bytes:
    """Lay out ``dot_text`` with ``engine`` and return the ``fmt`` (svg, png, pdf) bytes
    (``run_graphviz`` also returns Graphviz's warnings)."""
    return run_graphviz(dot_text, fmt, engine).data


def graphviz_version() -> str | None:
    """The installed Graphviz version, or None when ``dot`` is missing."""
    try:
        version = graphviz.version()
    except (graphviz.ExecutableNotFound, subprocess.CalledProcessError, RuntimeError):
        return None
    return ".".join(str(part) for part in version)
