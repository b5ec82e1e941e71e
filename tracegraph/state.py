"""The state folder, ``.tracegraph/``: the parse and result caches and the run history.

Like ``.pytest_cache`` and ``.ruff_cache``, it holds its own ``.gitignore`` (``*``), so it never
shows up in ``git status`` nor in the file listing of the next scan, wherever it is created.
"""

from __future__ import annotations

import contextlib
import logging
import os
from pathlib import Path

from .safefs import UnsafeState, state_path

STATE_DIR = ".tracegraph"
#: The caches' folder (parse, results, graph, git's history, fingerprints, suspect links).
CACHE_DIR = f"{STATE_DIR}/cache"
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


log = logging.getLogger(__name__)
#: The warnings given in this process (each once; ``warm`` takes back those of its silent try).
WARNED: set[str] = set()


#: Roots (real paths) whose ``.tracegraph`` holds files that git tracks (``shipped_state``).
_SHIPPED: set[str] = set()


def shipped_state(root: Path) -> None:
    """Mark ``root``: git tracks files in its ``.tracegraph`` (it never tracks what tracegraph
    writes there: the folder ignores itself), so they came with the repository. No cache
    there is read or written in this process: a cache is trusted only when tracegraph wrote
    it (a shipped one could fake a history or findings, and ``marshal`` is not safe to load
    from anyone else)."""
    _SHIPPED.add(os.path.realpath(root))


def usable_state(root: Path, name: str, *, create: bool) -> bool:
    """Whether ``.tracegraph/cache/NAME`` may be used: every folder on the way real (made
    when ``create``), the file and its SQLite companions regular or absent. Never through a
    symbolic link out of the root: a repository that plants one gets no cache (one warning),
    nor when the repository ships files in ``.tracegraph`` (``shipped_state``). Every cache
    file is read and written only after this answered True."""
    if _SHIPPED and os.path.realpath(root) in _SHIPPED:
        _warn_once(
            f"{root / STATE_DIR}: git tracks files in it (they came with the repository): the "
            "cache is not used (tracegraph trusts only state it wrote; `git rm -r --cached "
            f"{STATE_DIR}` stops tracking them)"
        )
        return False
    try:
        path = state_path(root, f"{CACHE_DIR}/{name}", create=create)
    except UnsafeState as exc:
        _warn_once(f"{exc}: the cache is not used (tracegraph never uses its state through a link)")
        return False
    except OSError as exc:
        log.info("cache folder %s not usable (%s)", root / CACHE_DIR, exc)
        return False
    if path is None:
        return False
    if create:
        make_state_dir(path.parent)  # the .gitignore, now that no link is on the way
    return True


def _warn_once(message: str) -> None:
    if message not in WARNED:
        WARNED.add(message)
        log.warning("%s", message)
