"""The compiled programs of regular expressions, kept between runs of the command line.

``re`` parses a pattern and compiles it to a program for its matching engine (``_sre``) in
Python: about 120 patterns before the parse of a cold ``check`` can start (the parser's, the
configuration's, those of the standard library's and click's modules), 8 ms of CPU. The same
pattern and flags always give the same program under one interpreter, so the command line keeps
the programs beside the package's bytecode (``__pycache__/regex-programs.<tag>.marshal``, as
``classcode`` keeps the dataclasses' methods; ``kept``), and makes a pattern found there from
its program with ``_sre.compile``, as ``re`` does once it has the program. A pattern not in the
file is parsed and compiled as before. The file is stamped with the interpreter's full version
and ``_sre``'s magic number: a program is never read by an interpreter that could compile the
pattern otherwise. A pattern whose parse warns (``FutureWarning``: a possible nested set) is
not kept, so that it warns on every run as before.

Installed by the command line only (``launch.run``), which owns its process: a program that
uses the Python API keeps ``re`` untouched.
"""

from __future__ import annotations

import _sre
import os
import re
import sys
import warnings
from pathlib import Path
from re import _compiler, _parser  # type: ignore[attr-defined]
from typing import Any

from . import kept

FOLDER = Path(__file__).resolve().parent / "__pycache__"
FILE = FOLDER / f"regex-programs.{sys.implementation.cache_tag}.marshal"
#: What a program depends on besides the pattern and flags.
STAMP = (sys.version, _sre.MAGIC, _sre.CODESIZE)
#: A file that grew past this many patterns is written afresh with the patterns of the run.
MAX_PATTERNS = 4000

#: A pattern's program: the arguments of ``_sre.compile`` after the pattern.
Program = tuple[int, list[int], int, dict[str, int], tuple[str | None, ...]]


def make_program(pattern: str | bytes, flags: int) -> Program:
    """What ``re._compiler.compile`` passes to ``_sre.compile`` for ``pattern``.

    >>> make_program("a(?P<b>c)", 0)[2:]
    (1, {'b': 1}, (None, 'b'))
    """
    parsed = _parser.parse(pattern, flags)
    code = _compiler._code(parsed, flags)
    groupindex = parsed.state.groupdict
    indexgroup: list[str | None] = [None] * parsed.state.groups
    for name, index in groupindex.items():
        indexgroup[index] = name
    # The opcodes are ``int`` subclasses, which ``marshal`` does not write: plain ints.
    program = [int(word) for word in code]
    groups = parsed.state.groups - 1
    return (flags | parsed.state.flags, program, groups, groupindex, tuple(indexgroup))


class _Store:
    """The programs read from the file and those compiled in this run."""

    def __init__(self, known: dict[tuple[str | bytes, int], Program]) -> None:
        self.known = known
        self.used: set[tuple[str | bytes, int]] = set()
        self.added: dict[tuple[str | bytes, int], Program] = {}

    def compile(self, pattern: Any, flags: int = 0) -> Any:
        """``re._compiler.compile``: the pattern made from its program, found or compiled.
        What is not a pattern's text with plain flags (a parsed pattern, ``re.DEBUG``, a
        subclass of ``str``, which ``marshal`` cannot keep) goes to ``re``'s own compiler."""
        if type(flags) is not int or flags & re.DEBUG or type(pattern) not in (str, bytes):
            return _plain_compile(pattern, flags)
        key = (pattern, flags)
        program = self.known.get(key)
        if program is None:
            program = self.added[key] = make_program(pattern, flags)
        else:
            self.used.add(key)
        return _sre.compile(pattern, *program)


_plain_compile = _compiler.compile
_store: _Store | None = None


def install() -> None:
    """Make ``re`` take its patterns' programs from the file (once per process), where
    ``make_program`` agrees with ``re`` (``re``'s internals are not an API: an interpreter
    that compiles otherwise keeps ``re`` as it is)."""
    global _store
    if _store is None and _agrees():
        _store = _Store(kept.read(FILE, STAMP))
        _compiler.compile = _store.compile


#: Groups named and not, a class, a repeat, an anchor and a flag: what ``_agrees`` compiles.
_PROBE = r"(?P<word>\w+)\s(?:\d|[a-c])*+$"


def _agrees() -> bool:
    """Whether a pattern made from ``make_program``'s program is ``re``'s own (patterns
    compare their programs)."""
    flags = re.IGNORECASE.value
    try:
        made = _sre.compile(_PROBE, *make_program(_PROBE, flags))
        return bool(made == _plain_compile(_PROBE, flags))
    except Exception:  # another ``_sre.compile``, no ``_code``: anything but agreement
        return False


def save() -> bool:
    """Write the file if this run compiled a pattern it did not have (less those that warn),
    where bytecode is kept; whether it was written. Never raises: the file only saves time."""
    store = _store
    if store is None or not store.added or not os.access(FILE.parent, os.W_OK):
        return False  # before the patterns are parsed again: where nothing can be written
    added = {key: program for key, program in dict(store.added).items() if not _warns(*key)}
    return kept.write(FILE, STAMP, store.known, store.used, added, MAX_PATTERNS)


def _warns(pattern: str | bytes, flags: int) -> bool:
    """Whether parsing ``pattern`` issues a warning (which a kept program would not)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            _parser.parse(pattern, flags)
        except Warning:
            return True
    return False
