"""The ``tracegraph`` command's entry point (the console script and ``python -m tracegraph``).

A warm ``tracegraph check`` whose very command line printed an output on this very tree is
answered here from its stamp (``warm.answer_command_line``) before click and the CLI are
imported (about a fifth of a warm run); anything else runs the CLI, which reuses what was
asked here.
"""

from __future__ import annotations

import os
import sys
from typing import NoReturn


def run() -> NoReturn:
    """Answer a warm check from its stamp, else run the CLI (``cli.run``). The garbage
    collector pauses while the modules are imported (``memory.collector_paused``), and the
    classes' methods and the regular expressions' programs come compiled from earlier runs
    (``classcode``, ``regexcode``)."""
    from .memory import collector_paused

    with collector_paused():  # from the first import on: dataclasses' own are a collection
        from . import classcode, regexcode

        classcode.install()
        regexcode.install()
        from .warm import answer_command_line, probe_ahead

        code = answer_command_line(sys.argv[1:])
        if code is not None:
            classcode.save()
            regexcode.save()
            os._exit(code)  # everything is written and flushed: leave as ``cli.run`` does
        probe_ahead(sys.argv[1:])  # git reads its configuration while the CLI is imported
        from .cli import run as run_cli

    run_cli()
