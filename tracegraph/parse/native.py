"""Whether the parser runs compiled: the optional mypyc build of the parse stage's hot modules
and of the graph stage's resolver (``tracegraph.resolve``).

``setup.py`` compiles ``COMPILED`` to C extensions beside their ``.py`` files when it can, and
records a SHA-256 digest of each source in ``_compiled.json``. Python imports an extension
module before a ``.py`` of the same name, so a stale extension (the source edited since, in an
editable install) would run old code; ``use_compiled_or_source`` therefore checks the digests
before the modules are first imported and, unless every one matches, makes those modules load
from their ``.py`` files. The compiled modules call one another directly, so it is all of them
or none. ``TRACEGRAPH_PURE=1`` in the environment always reads the Python sources (the tests
compare both builds this way).

This module itself is never compiled.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

try:  # Python's own SHA-256, hashlib's fallback: the same digests without loading OpenSSL
    from _sha256 import sha256  # (hashlib's ``_hashlib``, 2.5 ms of every process's start)
except ImportError:  # Python 3.12 named it ``_sha2``; a build without it has hashlib's
    try:
        from _sha2 import sha256
    except ImportError:
        from hashlib import sha256

#: The compiled modules, named from the ``tracegraph`` package (``setup.py`` keeps the same list).
COMPILED = (
    "parse.autolinks", "parse.design", "parse.document", "parse.flatyaml", "parse.ids",
    "parse.markdown", "parse.slugs", "resolve",
)  # fmt: skip
#: The build record, beside this module.
BUILD_INFO = "parse/_compiled.json"
PACKAGE = __name__.rpartition(".")[0]
TOP = PACKAGE.rpartition(".")[0]
#: The ``tracegraph`` package's folder.
HERE = Path(__file__).resolve().parent.parent


def module_file(folder: Path, name: str, suffix: str = ".py") -> Path:
    """The file of compiled module ``name`` (``parse.slugs``) under package folder ``folder``."""
    *parents, last = name.split(".")
    return folder.joinpath(*parents, f"{last}{suffix}")


_STATE: list[str] = []


def extension_paths(folder: Path = HERE) -> list[Path]:
    """The compiled modules' extension files present under package folder ``folder``."""
    found: list[Path] = []
    for suffix in importlib.machinery.EXTENSION_SUFFIXES:
        found.extend(module_file(folder, name, suffix) for name in COMPILED)
    return [path for path in found if path.is_file()]


def why_pure(folder: Path = HERE, environ: dict[str, str] | None = None) -> str | None:
    """None when the compiled modules under package folder ``folder`` may be used, else why
    not (one line)."""
    if (os.environ if environ is None else environ).get("TRACEGRAPH_PURE"):
        return "TRACEGRAPH_PURE is set"
    if not extension_paths(folder):
        return "no compiled build installed"
    try:
        recorded = json.loads((folder / BUILD_INFO).read_text("utf-8"))
    except (OSError, ValueError):
        return f"{BUILD_INFO} is missing or unreadable"
    for name in COMPILED:
        source = module_file(folder, name)
        shown = source.relative_to(folder).as_posix()
        try:
            digest = sha256(source.read_bytes()).hexdigest()
        except OSError:
            return f"{shown} is unreadable"
        if not isinstance(recorded, dict) or recorded.get(name) != digest:
            return f"{shown} changed since the build (reinstall to compile it again)"
    return None


class _SourceFirst:
    """Finds the compiled modules' ``.py`` files, ahead of their extension modules (a meta
    path finder by its ``find_spec``: ``importlib.abc`` would import ``importlib.resources``,
    3.5 ms of every start-up)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.names = {f"{TOP}.{name}" for name in COMPILED}

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname not in self.names:
            return None
        source = module_file(self.folder, fullname.removeprefix(f"{TOP}."))
        return importlib.util.spec_from_file_location(fullname, source)


def use_compiled_or_source() -> None:
    """Decide, once per process and before the modules are imported, which build to load."""
    if _STATE:
        return
    reason = why_pure()
    _STATE.append(reason or "")
    if reason is not None and extension_paths():
        sys.meta_path.insert(0, _SourceFirst(HERE))


def status() -> str:
    """``compiled`` or ``pure Python (why)``, as the parser in use in this process."""
    module = sys.modules.get(f"{PACKAGE}.markdown")
    if module is not None and not str(module.__file__ or "").endswith(".py"):
        return "compiled"
    reason = _STATE[0] if _STATE and _STATE[0] else why_pure()
    return f"pure Python ({reason or 'not imported yet'})"
