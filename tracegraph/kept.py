"""Files of code the command line keeps between runs beside the package's bytecode.

``classcode`` (the dataclasses' methods) and ``regexcode`` (the regular expressions'
programs) each keep a mapping from what they were asked to compile to what it compiled to, in
one ``marshal`` file per interpreter, written as Python writes its ``.pyc``: only where the
folder exists and may be written, atomically. A file is stamped with what its entries depend
on (the interpreter's magic number, say): a file with another stamp, or one that cannot be
read, counts as empty, so an entry can only be missing, never stale.
"""

from __future__ import annotations

import marshal
import os
from pathlib import Path
from typing import Any


def read(file: Path, stamp: object) -> dict[Any, Any]:
    """The entries kept in ``file`` if it holds ``stamp``'s; else none."""
    try:
        with open(file, "rb") as handle:
            found, entries = marshal.loads(handle.read())
    except (OSError, EOFError, ValueError, TypeError):  # absent, truncated, another format
        return {}
    if found != stamp or not isinstance(entries, dict):
        return {}
    return entries


def write(
    file: Path,
    stamp: Any,
    known: dict[Any, Any],
    used: set[Any],
    added: dict[Any, Any],
    limit: int,
) -> bool:
    """Write ``known`` and ``added`` to ``file`` when this run ``added`` an entry and the
    file's folder may be written; whether it was written. When the entries would pass
    ``limit`` (sources edited over and over), only those this run ``used`` or ``added`` are
    written. Never raises: the file only saves time."""
    added, used = dict(added), set(used)  # copied at once: a thread may still be adding
    if not added or not os.access(file.parent, os.W_OK):
        return False
    if len(known) + len(added) <= limit:
        entries = {**known, **added}
    else:
        entries = {key: known[key] for key in used} | added
    from .atomic import write_atomic
    from .errors import OutputError

    try:
        write_atomic(file, marshal.dumps((stamp, entries)))
    except (OutputError, ValueError):  # ValueError: an entry marshal cannot write
        return False
    return True
