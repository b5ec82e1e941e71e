"""The compiled methods of dataclasses, kept between runs of the command line.

``dataclasses`` writes each class's methods (``__init__``, ``__eq__``, ``__hash__``,
``__repr__``, a frozen class's ``__setattr__`` and ``__delattr__``) as source text and compiles
that text when the class is made: about 400 small compiles for the classes a ``check`` makes,
26 ms of CPU, 17 ms of it before the parse can start (bench/RESULTS.md, round 12). The same
text always compiles to the same code, so the command line keeps the code beside the package's
bytecode (``__pycache__/dataclass-methods.<tag>.marshal``, written as Python writes its
``.pyc``: only where that folder exists and may be written, atomically; ``kept``) and looks
each text up there first. ``dataclasses`` still builds every text from the class; a text not in
the file is compiled as before, so a stale or foreign file can only miss, never change a method.

Installed by the command line only (``launch.run``), which owns its process: a program that
uses the Python API keeps ``dataclasses`` untouched.
"""

from __future__ import annotations

import builtins
import dataclasses
import marshal
import sys
from collections.abc import Mapping
from importlib.util import MAGIC_NUMBER
from pathlib import Path
from typing import Any

from . import kept

FOLDER = Path(__file__).resolve().parent / "__pycache__"
#: ``cache_tag`` and the magic number: bytecode of another interpreter is never read.
FILE = FOLDER / f"dataclass-methods.{sys.implementation.cache_tag}.marshal"
#: A file that grew past this many texts (sources edited over and over) is written afresh with
#: the texts of the run that writes it.
MAX_TEXTS = 4000


class _Store:
    """The texts read from the file (each code ``marshal``-ed on its own, loaded on first use:
    a command makes a few of the classes the file knows) and those compiled in this run."""

    def __init__(self, known: dict[str, bytes]) -> None:
        self.known = known
        self.used: set[str] = set()
        self.added: dict[str, bytes] = {}

    def exec(
        self,
        source: object,
        globals: dict[str, Any] | None = None,
        locals: Mapping[str, object] | None = None,
    ) -> None:
        """``exec`` for ``dataclasses``: the text's code from the file, or compiled as
        ``exec`` would (no ``__future__`` flags of this module: ``dont_inherit``)."""
        if isinstance(source, str):
            text = source
            blob = self.known.get(text)
            if blob is not None:
                self.used.add(text)
                source = marshal.loads(blob)
            else:
                code = compile(text, "<string>", "exec", dont_inherit=True)
                self.added[text] = marshal.dumps(code)
                source = code
        builtins.exec(source, globals, locals)  # type: ignore[arg-type]


_store: _Store | None = None


def install() -> None:
    """Make ``dataclasses`` take its methods' code from the file (once per process)."""
    global _store
    if _store is None:
        _store = _Store(_read())
        dataclasses.exec = _store.exec  # type: ignore[attr-defined]  # a module global: before the builtin


def _read() -> dict[str, bytes]:
    return kept.read(FILE, MAGIC_NUMBER)


def save() -> bool:
    """Write the file if this run compiled a text it did not have, where bytecode is kept
    (``FOLDER`` exists and may be written); whether it was written. Never raises: the file
    only saves time."""
    store = _store
    if store is None:
        return False
    return kept.write(FILE, MAGIC_NUMBER, store.known, store.used, store.added, MAX_TEXTS)
