"""The dataclass methods' code kept between runs (``tracegraph.classcode``)."""

from __future__ import annotations

import dataclasses
import marshal
import subprocess
import sys
from pathlib import Path
from types import CodeType, FunctionType

import pytest

from tracegraph import classcode
from tracegraph.model import Document

METHODS = ("__init__", "__repr__", "__eq__", "__hash__", "__setattr__", "__delattr__")


def _make() -> type:
    """A frozen class with defaults, a factory and a forward reference, as the project's."""

    @dataclasses.dataclass(frozen=True)
    class Sample:
        name: str
        count: int = 0
        tags: tuple[str, ...] = ()
        extra: dict[str, Document] = dataclasses.field(default_factory=dict, hash=False)

    return Sample


def _shape(code: CodeType) -> tuple[object, ...]:
    """What a method's code is, without its identity: bytecode, names, constants, nested code."""
    consts = tuple(_shape(c) if isinstance(c, CodeType) else c for c in code.co_consts)
    return (code.co_code, code.co_names, code.co_varnames, code.co_freevars, consts, code.co_flags)


def _with_store(monkeypatch: pytest.MonkeyPatch, store: classcode._Store) -> None:
    monkeypatch.setattr(dataclasses, "exec", store.exec, raising=False)


def test_methods_made_through_the_store_are_those_dataclasses_makes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    plain = _make()
    store = classcode._Store({})
    _with_store(monkeypatch, store)
    compiled = _make()
    again = classcode._Store(dict(store.added))
    _with_store(monkeypatch, again)
    loaded = _make()
    assert store.added and not again.added and again.used == set(store.added)
    for made in (compiled, loaded):
        for name in METHODS:
            ours, theirs = made.__dict__[name], plain.__dict__[name]
            assert isinstance(ours, FunctionType)
            assert _shape(ours.__code__) == _shape(theirs.__code__), name
            assert ours.__annotations__ == theirs.__annotations__, name
            assert ours.__defaults__ == theirs.__defaults__, name
        one, two = made("a", 2), made("a", 2)
        assert one == two and hash(one) == hash(two) and one != made("b")
        assert repr(one) == repr(plain("a", 2)).replace(plain.__qualname__, made.__qualname__)
        assert made("c").extra == {} and made("c").extra is not made("c").extra
        with pytest.raises(dataclasses.FrozenInstanceError):
            one.name = "z"


def test_the_file_is_read_back_and_a_bad_or_foreign_file_is_empty(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(classcode, "FOLDER", tmp_path)
    monkeypatch.setattr(classcode, "FILE", tmp_path / "methods.marshal")
    monkeypatch.setattr(classcode, "_store", classcode._Store({}))
    assert classcode.save() is False  # nothing compiled: nothing written
    assert not classcode.FILE.exists()
    store = classcode._Store({})
    monkeypatch.setattr(classcode, "_store", store)
    _with_store(monkeypatch, store)
    _make()
    assert classcode.save() is True
    known = classcode._read()
    assert known == store.added
    for content in (b"", b"\x00garbage", marshal.dumps((b"old!", known)), marshal.dumps([1])):
        classcode.FILE.write_bytes(content)
        assert classcode._read() == {}


def test_a_folder_that_may_not_be_written_gets_no_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(classcode, "FOLDER", tmp_path / "absent")
    monkeypatch.setattr(classcode, "FILE", tmp_path / "absent" / "methods.marshal")
    store = classcode._Store({})
    monkeypatch.setattr(classcode, "_store", store)
    _with_store(monkeypatch, store)
    _make()
    assert store.added and classcode.save() is False
    assert not (tmp_path / "absent").exists()


def test_a_file_grown_too_large_keeps_only_what_the_run_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(classcode, "FOLDER", tmp_path)
    monkeypatch.setattr(classcode, "FILE", tmp_path / "methods.marshal")
    monkeypatch.setattr(classcode, "MAX_TEXTS", 3)
    store = classcode._Store({})
    _with_store(monkeypatch, store)
    _make()
    first = dict(store.added)
    stale = {f"def stale{n}(): pass": marshal.dumps(compile("0", "", "eval")) for n in range(5)}
    store = classcode._Store({**stale, **first})
    monkeypatch.setattr(classcode, "_store", store)
    _with_store(monkeypatch, store)
    _make()

    @dataclasses.dataclass(frozen=True)
    class Other:
        value: float

    assert classcode.save() is True
    assert set(classcode._read()) == set(first) | set(store.added)


def test_the_command_line_writes_the_files_once_and_then_compiles_nothing(tmp_path: Path) -> None:
    """Two runs of the console script's ``run`` with the files (``classcode``'s and
    ``regexcode``'s) in a folder of the test's: the first writes them, the second finds every
    class's methods and every pattern of the main process there."""
    (tmp_path / "a.md").write_text("# A\n\nSee [b](b.md).\n", encoding="utf-8")
    store = tmp_path / "pycache"
    store.mkdir()
    code = (
        "import sys, atexit\n"
        "from pathlib import Path\n"
        "from tracegraph import classcode, regexcode\n"
        f"classcode.FOLDER = Path({str(store)!r})\n"
        "classcode.FILE = classcode.FOLDER / 'methods.marshal'\n"
        "regexcode.FILE = classcode.FOLDER / 'programs.marshal'\n"
        "def counting(module):\n"
        "    real = module.save\n"
        "    def save():\n"
        "        s = module._store\n"
        "        print('COMPILED', len(s.added), 'LOADED', len(s.used), file=sys.stderr)\n"
        "        return real()\n"
        "    module.save = save\n"
        "counting(classcode)\n"
        "counting(regexcode)\n"
        "sys.argv = ['tracegraph', *sys.argv[1:]]\n"
        "from tracegraph.launch import run\nrun()\n"
    )
    args = ["check", str(tmp_path), "--format", "json", "--no-cache"]
    runs = [
        subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True)
        for _ in range(2)
    ]
    for of in (2, 1):  # the classes' methods, then the patterns (saved in this order)
        counts = [run.stderr.split("COMPILED ")[-of].split()[:3] for run in runs]
        assert int(counts[0][0]) > 50 and counts[0][2] == "0"  # the check's, compiled
        assert counts[1] == ["0", "LOADED", counts[0][0]]
    assert runs[0].stdout == runs[1].stdout and '"TG101"' in runs[0].stdout
    assert (store / "methods.marshal").exists() and (store / "programs.marshal").exists()
