"""The optional compiled parser: which build a process loads, and that both give the same
results. The parity tests compare the pure-Python modules (``TRACEGRAPH_PURE=1``) with the
compiled ones in subprocesses; they run only where the compiled build is installed."""

from __future__ import annotations

import hashlib
import importlib.machinery
import importlib.util
import json
import os
import pickle
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tests.conftest import CORPORA, PROJECT, SAMPLE_REPO
from tracegraph.parse import native

SUFFIX = importlib.machinery.EXTENSION_SUFFIXES[0]


def built_folder(tmp_path: Path, edit: str | None = None) -> Path:
    """A package folder shaped like an installed compiled build: every source, an (empty)
    extension file beside it, and the build record of the sources' digests; ``edit`` changes
    one source after the build."""
    folder = tmp_path / "tracegraph"
    (folder / "parse").mkdir(parents=True)
    record = {}
    for name in native.COMPILED:
        source = native.module_file(native.HERE, name).read_bytes()
        native.module_file(folder, name).write_bytes(source)
        native.module_file(folder, name, SUFFIX).write_bytes(b"")
        record[name] = hashlib.sha256(source).hexdigest()
    (folder / native.BUILD_INFO).write_text(json.dumps(record), "utf-8")
    if edit is not None:
        with native.module_file(folder, edit).open("a", encoding="utf-8") as handle:
            handle.write("# edited\n")
    return folder


def test_the_resolver_is_compiled_with_the_parser() -> None:
    assert "resolve" in native.COMPILED
    assert native.module_file(native.HERE, "resolve") == native.HERE / "resolve.py"
    assert native.module_file(native.HERE, "parse.slugs").parent.name == "parse"


def test_a_fresh_build_is_used(tmp_path: Path) -> None:
    assert native.why_pure(built_folder(tmp_path), environ={}) is None


def test_an_edited_source_is_read_as_python(tmp_path: Path) -> None:
    reason = native.why_pure(built_folder(tmp_path, edit="parse.slugs"), environ={})
    assert reason == "parse/slugs.py changed since the build (reinstall to compile it again)"
    reason = native.why_pure(built_folder(tmp_path / "again", edit="resolve"), environ={})
    assert reason == "resolve.py changed since the build (reinstall to compile it again)"


def test_no_build_record_means_python(tmp_path: Path) -> None:
    folder = built_folder(tmp_path)
    (folder / native.BUILD_INFO).unlink()
    assert native.why_pure(folder, environ={}) == "parse/_compiled.json is missing or unreadable"


def test_no_extension_means_python(tmp_path: Path) -> None:
    folder = built_folder(tmp_path)
    for path in native.extension_paths(folder):
        path.unlink()
    assert native.why_pure(folder, environ={}) == "no compiled build installed"


def test_the_environment_can_ask_for_python(tmp_path: Path) -> None:
    reason = native.why_pure(built_folder(tmp_path), environ={"TRACEGRAPH_PURE": "1"})
    assert reason == "TRACEGRAPH_PURE is set"


def test_the_source_finder_loads_the_py_file(tmp_path: Path) -> None:
    folder = built_folder(tmp_path)
    spec = native._SourceFirst(folder).find_spec(f"{native.PACKAGE}.slugs", None)
    assert spec is not None and spec.origin == str(folder / "parse" / "slugs.py")
    spec = native._SourceFirst(folder).find_spec("tracegraph.resolve", None)
    assert spec is not None and spec.origin == str(folder / "resolve.py")
    assert native._SourceFirst(folder).find_spec("tracegraph.parse.frontmatter", None) is None
    assert native._SourceFirst(folder).find_spec("tracegraph.graph", None) is None


def test_the_process_loads_what_the_build_record_allows() -> None:
    """Compiled modules where a fresh build is installed, the .py files otherwise."""
    reason = native.why_pure()
    for name in native.COMPILED:
        module = importlib.import_module(f"{native.TOP}.{name}")
        compiled = not str(module.__file__).endswith(".py")
        assert compiled == (reason is None), (name, module.__file__, reason)
    assert native.status() == ("compiled" if reason is None else f"pure Python ({reason})")


# --- setup.py: the compile is optional ---------------------------------------------------------


def load_setup() -> ModuleType:
    spec = importlib.util.spec_from_file_location("tracegraph_setup", PROJECT / "setup.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # setup() runs only as __main__
    return module


def test_setup_compiles_the_modules_native_loads() -> None:
    assert load_setup().MODULES == native.COMPILED


def test_setup_without_mypyc_builds_pure_python(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    setup = load_setup()
    monkeypatch.delenv("TRACEGRAPH_PURE", raising=False)
    monkeypatch.setitem(sys.modules, "mypyc.build", None)  # import fails
    assert setup.compiled_extensions() == []
    assert "mypyc is not available: the parser stays pure Python" in capsys.readouterr().err


def test_setup_when_asked_builds_pure_python(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TRACEGRAPH_PURE", "1")
    assert load_setup().compiled_extensions() == []
    assert "TRACEGRAPH_PURE is set" in capsys.readouterr().err


def test_a_failed_compile_leaves_no_extension_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A compiler error (no gcc, no Python headers) ends in the pure-Python package with a
    note, and removes what an earlier build left in place."""
    from setuptools import Distribution, Extension
    from setuptools.command.build_ext import build_ext

    setup = load_setup()
    monkeypatch.setattr(setup, "HERE", tmp_path)
    # An in-place build's output path is relative to the working folder: from the project's
    # root, the removal took the project's own compiled markdown module with it.
    monkeypatch.chdir(tmp_path)
    stale = tmp_path / "tracegraph" / "parse" / f"markdown{SUFFIX}"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"old build")
    (tmp_path / setup.BUILD_INFO).write_text("{}", "utf-8")

    def no_compiler(self: build_ext) -> None:
        raise OSError("command 'gcc' failed: No such file or directory")

    monkeypatch.setattr(build_ext, "run", no_compiler)
    dist = Distribution({"ext_modules": [Extension("tracegraph.parse.markdown", ["x.c"])]})
    command = setup.OptionalBuildExt(dist)
    command.initialize_options()
    command.inplace = True
    command.finalize_options()
    command.run()
    assert not stale.exists() and not (tmp_path / setup.BUILD_INFO).exists()
    err = capsys.readouterr().err
    assert "the compiled parser could not be built (command 'gcc' failed" in err
    assert "the parser stays pure Python" in err


def test_an_in_place_build_writes_the_bytecode(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An editable install leaves bytecode beside the sources, so a start in an environment
    that never writes it (PYTHONDONTWRITEBYTECODE) does not compile every module it imports."""
    import importlib.util as util

    setup = load_setup()
    monkeypatch.setattr(setup, "HERE", tmp_path)
    source = tmp_path / "tracegraph" / "parse" / "module.py"
    source.parent.mkdir(parents=True)
    source.write_text("VALUE = 1\n", "utf-8")
    assert not Path(util.cache_from_source(str(source))).exists()
    setup.byte_compile_in_place()
    assert Path(util.cache_from_source(str(source))).is_file()


# --- parity: the compiled modules give the pure-Python results ---------------------------------

_DUMP = """
import sys
from pathlib import Path
from tracegraph.cache import encode
from tracegraph.config import load_config
from tracegraph.crawl import crawl, read_document
from tracegraph.parse import Recogniser, parse_document, native
print(native.status())
for arg in sys.argv[1:]:
    root = Path(arg)
    config = load_config(root)
    recogniser = Recogniser.from_config(config)
    for rel in crawl(root, config).documents:
        data = read_document(root, rel, config.limits.max_file_bytes)
        print(repr(encode(parse_document(rel, data.data, recogniser, config.limits, data.error))))
"""


def run_both(args: list[str], script: str | None = None) -> tuple[str, str]:
    """Output of the same command with the compiled and the pure-Python parser."""
    if native.why_pure() is not None:
        pytest.skip(f"compiled parser not in use: {native.why_pure()}")
    outputs = []
    for pure in (False, True):
        env = {k: v for k, v in os.environ.items() if k != "TRACEGRAPH_PURE"}
        if pure:
            env["TRACEGRAPH_PURE"] = "1"
        command = [sys.executable, "-c", script, *args] if script else args
        proc = subprocess.run(
            command, cwd=PROJECT, env=env, capture_output=True, text=True, check=False
        )
        assert proc.returncode in (0, 1), proc.stderr
        outputs.append(proc.stdout)
    return outputs[0], outputs[1]


def test_parse_records_are_identical_either_way() -> None:
    """Every record of sample_repo, the hostile fixtures and the shared corpora (rust-rfcs:
    654 documents nobody here wrote) is the same from both builds."""
    roots = [SAMPLE_REPO, PROJECT / "tests" / "fixtures"]
    roots += [CORPORA / name for name in ("adr-tools", "arachne", "log4brains", "rust-rfcs")]
    present = [str(root) for root in roots if root.is_dir()]
    compiled, pure = run_both(present, _DUMP)
    assert compiled.splitlines()[0] == "compiled"
    assert pure.splitlines()[0] == "pure Python (TRACEGRAPH_PURE is set)"
    assert compiled.count("\n") > (700 if str(CORPORA / "rust-rfcs") in present else 40)
    assert compiled.splitlines()[1:] == pure.splitlines()[1:]


def test_check_output_is_identical_either_way() -> None:
    """The whole check of sample_repo (the records above decide every later stage)."""
    tracegraph = str(Path(sys.executable).with_name("tracegraph"))
    args = [tracegraph, "check", str(SAMPLE_REPO), "--format", "json", "--no-cache"]
    compiled, pure = run_both(args)
    assert '"findings"' in compiled
    assert compiled == pure


# --- pickling: workers that are not forked get the recogniser pickled --------------------------


def test_the_recogniser_survives_pickling() -> None:
    """Spawn (macOS) and forkserver (Linux from Python 3.14) workers receive the recogniser
    pickled; the compiled build's frozen classes need ``__reduce__`` for that."""
    from tracegraph.config import load_config
    from tracegraph.parse import Recogniser, parse_document

    config = load_config(SAMPLE_REPO)
    recogniser = Recogniser.from_config(config)
    copy = pickle.loads(pickle.dumps(recogniser))
    assert type(copy) is Recogniser and copy.type_names == recogniser.type_names
    for path in sorted(SAMPLE_REPO.rglob("*.md"))[:8]:
        rel, data = path.relative_to(SAMPLE_REPO).as_posix(), path.read_bytes()
        assert parse_document(rel, data, copy, config.limits) == parse_document(
            rel, data, recogniser, config.limits
        )


def test_source_maps_survive_pickling() -> None:
    from tracegraph.parse.markdown import source_map

    layout = source_map("# T\n\nSee [x](a.md#b) and ![i](p.png) `code`.\n")
    assert pickle.loads(pickle.dumps(layout)) == layout
