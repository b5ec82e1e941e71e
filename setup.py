"""The optional compiled parser: mypyc compiles the parse stage's hot modules (and the graph
stage's resolver, ``tracegraph/resolve.py``) to C extensions; on Linux, ``tracegraph/_stat.c``
(the ``lstat`` of every listed file) is compiled beside them.

Everything else is in pyproject.toml. The same ``.py`` files stay the fallback: when mypyc or a
C compiler (gcc and the Python headers) is missing, or the compile fails, the install goes on
with the pure-Python package and says so. ``TRACEGRAPH_PURE=1`` at install time skips the
compile. After a build, ``tracegraph/parse/_compiled.json`` records a digest of each compiled
source; ``tracegraph.parse.native`` loads the compiled modules only while every digest still
matches (an edited source in an editable install is read as Python until the next install).
See docs/decisions.md, "The compiled parser".
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path
from typing import Any

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = Path(__file__).resolve().parent
#: The compiled modules, named from the ``tracegraph`` package (kept in step with
#: ``tracegraph.parse.native.COMPILED``).
MODULES = (
    "parse.autolinks", "parse.design", "parse.document", "parse.flatyaml", "parse.ids",
    "parse.markdown", "parse.slugs", "resolve",
)  # fmt: skip
SOURCES = [f"tracegraph/{name.replace('.', '/')}.py" for name in MODULES]
BUILD_INFO = "tracegraph/parse/_compiled.json"
#: Read no config file, accept modules that are absent at build time, and type-check only the
#: compiled modules themselves (their imports are read, not reported on).
MYPY_OPTIONS = (
    "--config-file", "", "--python-version", "3.11",
    "--ignore-missing-imports", "--follow-imports=silent",
)  # fmt: skip


def note(message: str) -> None:
    print(f"tracegraph: {message}", file=sys.stderr)


def digests() -> dict[str, str]:
    return {
        name: hashlib.sha256((HERE / source).read_bytes()).hexdigest()
        for name, source in zip(MODULES, SOURCES, strict=True)
    }


def compiled_extensions() -> list[Any]:
    if os.environ.get("TRACEGRAPH_PURE"):
        note("TRACEGRAPH_PURE is set: the parser stays pure Python")
        return []
    try:
        from mypyc.build import mypycify
    except ImportError:
        note("mypyc is not available: the parser stays pure Python")
        return []
    try:
        return list(
            mypycify(
                # Options of their own, not the project's strict mypy config: pip builds in an
                # isolated environment without the runtime packages and their stubs, where
                # strict mode fails on the modules the compiled ones import.
                [*SOURCES, *MYPY_OPTIONS],
                opt_level="3",
                group_name="tracegraph.parse._native",
            )
        )
    except (Exception, SystemExit) as exc:  # mypy reports type errors by exiting
        note(f"mypyc could not compile the parser ({exc}): it stays pure Python")
        return []


def stat_extension() -> list[Any]:
    """``tracegraph._stat``, the ``lstat`` of every listed file in C (``tracegraph/_stat.c``;
    Linux only: other systems keep ``os.lstat``, with the same results)."""
    if os.environ.get("TRACEGRAPH_PURE") or not sys.platform.startswith("linux"):
        return []
    return [Extension("tracegraph._stat", ["tracegraph/_stat.c"])]


def byte_compile_in_place() -> None:
    """Bytecode beside the sources of an editable install, as pip writes it for a regular one:
    where bytecode is never written (PYTHONDONTWRITEBYTECODE, a read-only checkout) every start
    would otherwise compile the modules it imports (about 0.15 s of a 0.3 s small check).
    Python checks each file's timestamp, so an edited source is compiled again, never stale."""
    import compileall

    if not compileall.compile_dir(str(HERE / "tracegraph"), quiet=1):
        note("some modules could not be byte-compiled: they are compiled at each start")


class OptionalBuildExt(build_ext):
    """Builds the compiled parser if it can; a failed compile leaves the pure-Python package
    (no half-built set of modules: the compiled modules call each other directly)."""

    def run(self) -> None:
        if self.inplace:
            byte_compile_in_place()
        if not self.extensions:
            return
        try:
            super().run()
        except Exception as exc:
            self._remove_outputs()
            note(f"the compiled parser could not be built ({exc}): the parser stays pure Python")
            return
        target = HERE / BUILD_INFO if self.inplace else Path(self.build_lib) / BUILD_INFO
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(digests(), indent=1, sort_keys=True) + "\n", "utf-8")

    def get_outputs(self) -> list[str]:
        outputs: list[str] = super().get_outputs()
        if self.extensions and not self.inplace:
            outputs.append(str(Path(self.build_lib) / BUILD_INFO))
        return outputs

    def _remove_outputs(self) -> None:
        for ext in self.extensions:
            for path in (
                Path(self.get_ext_fullpath(ext.name)),
                HERE / self.get_ext_filename(ext.name),
            ):
                path.unlink(missing_ok=True)
        (HERE / BUILD_INFO).unlink(missing_ok=True)


if __name__ == "__main__":  # as setuptools runs it (the tests import it)
    setup(
        ext_modules=[*compiled_extensions(), *stat_extension()],
        cmdclass={"build_ext": OptionalBuildExt},
    )
