"""The state folder, ``.tracegraph/``: the parse and result caches and the run history.

Like ``.pytest_cache`` and ``.ruff_cache``, it holds its own ``.gitignore`` (``*``), so it never
shows up in ``git status`` nor in the file listing of the next scan, wherever it is created.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

STATE_DIR = ".tracegraph"
GITIGNORE = "# Created by tracegraph: its caches and run history. Nothing here is tracked.\n*\n"


def make_state_dir(folder: Path) -> None:
    """Create ``folder`` (and its parents); the ``.tracegraph`` folder it is or sits in gets its
    ``.gitignore`` when it has none. A folder elsewhere (``--history /srv/h.db``) is only
    created."""
    folder.mkdir(parents=True, exist_ok=True)
    for candidate in (folder, *folder.parents):
        if candidate.name == STATE_DIR:
            if candidate.is_symlink():
                return  # never write through a link (the scanned tree may have planted it)
            # Created only where nothing is, and never through a link.
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
            with contextlib.suppress(OSError):  # there already, or a read-only folder
                fd = os.open(candidate / ".gitignore", flags, 0o644)
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    handle.write(GITIGNORE)
            return
