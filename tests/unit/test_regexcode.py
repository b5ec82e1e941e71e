"""The regular expressions' programs kept between runs (``tracegraph.regexcode``)."""

from __future__ import annotations

import marshal
import re
import warnings
from pathlib import Path
from re import _compiler  # type: ignore[attr-defined]

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracegraph import regexcode

#: Patterns of every kind the programs hold: groups named and not, flags inline and given,
#: look-arounds, classes with ranges and negation, Unicode and bytes, back-references.
PATTERNS: list[tuple[str | bytes, int]] = [
    ("a(?P<b>c)", 0),
    (r"^(?:technical design|product requirements?) document\b", re.IGNORECASE),
    (r"(?P<y>\d{4})-(?P<m>\d\d)(?:-(?P<d>\d\d))?", 0),
    (r"(?<![\w-])(?:name|id)\s*=\s*[\"']?([^\"'\s>]+)", 0),
    (r"[\x00-\x1f\x7f-\x9f\u061c\u200e\u2028-\u202e\ufffe\uffff]", 0),
    ("(?i)straße|ǅ", 0),
    (r"(\w+) \1", re.ASCII),
    ("\n  x # a comment\n  (?=y)\n", re.VERBOSE),
    ("^.*$", re.MULTILINE | re.DOTALL),
    (rb"^[ \t\f]*(?:[#\r\n]|$)", 0),
    (rb"(?P<k>[a-z]+)=", re.IGNORECASE),
    ("", 0),
]


def _same(made: re.Pattern[str], plain: re.Pattern[str]) -> None:
    # Patterns compare equal when their text, flags and compiled programs are equal.
    assert made == plain
    assert (made.flags, made.groups, made.groupindex) == (
        plain.flags,
        plain.groups,
        plain.groupindex,
    )


@pytest.mark.parametrize(("pattern", "flags"), PATTERNS)
def test_a_pattern_made_from_its_kept_program_is_the_one_re_makes(
    pattern: str | bytes, flags: int
) -> None:
    flags = int(flags)  # as ``re`` passes them
    plain = regexcode._plain_compile(pattern, flags)
    store = regexcode._Store({})
    _same(store.compile(pattern, flags), plain)
    again = regexcode._Store(marshal.loads(marshal.dumps(store.added)))
    _same(again.compile(pattern, flags), plain)
    assert not again.added and again.used == {(pattern, flags)}
    text = "ab straße ǆ name=x 2026-01-01 y\n" if isinstance(pattern, str) else b"k=v\n# x"
    found = again.compile(pattern, flags).search(text)  # type: ignore[arg-type]
    expected = plain.search(text)
    assert (found and found.groups(), found and found.span()) == (
        expected and expected.groups(),
        expected and expected.span(),
    )


@given(st.from_regex(r"[a-c(|)*+?\[\]^$.\\dws{}0-9-]{0,12}", fullmatch=True))
def test_any_text_compiles_to_the_same_pattern_or_the_same_error(text: str) -> None:
    store = regexcode._Store({})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # possible nested sets: warned about in both
        try:
            plain = regexcode._plain_compile(text, 0)
        except re.error as error:
            with pytest.raises(re.error, match=re.escape(str(error))):
                store.compile(text, 0)
            return
        _same(store.compile(text, 0), plain)


def test_what_is_not_a_text_with_plain_flags_goes_to_re(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[object] = []

    def plain(pattern: object, flags: int = 0) -> str:
        seen.append(pattern)
        return "plain"

    monkeypatch.setattr(regexcode, "_plain_compile", plain)
    store = regexcode._Store({})
    parsed = re._parser.parse("a+", 0)  # type: ignore[attr-defined]
    assert store.compile(parsed, 0) == "plain"  # a parsed pattern (``re.Scanner``)
    assert store.compile("a+", re.DEBUG) == "plain"  # prints the program
    assert store.compile("a+", re.IGNORECASE) == "plain"  # a flag, not its value (as ``re``'s)

    class Text(str):
        pass

    assert store.compile(Text("b+"), 0) == "plain"  # marshal keeps no subclass
    assert store.compile("a+", re.IGNORECASE.value) != "plain"
    assert seen == [parsed, "a+", "a+", "b+"]
    assert list(store.added) == [("a+", re.IGNORECASE.value)]


def test_the_file_is_read_back_and_a_pattern_that_warns_is_not_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(regexcode, "FILE", tmp_path / "programs.marshal")
    store = regexcode._Store({})
    monkeypatch.setattr(regexcode, "_store", store)
    assert regexcode.save() is False and not regexcode.FILE.exists()  # nothing compiled
    with pytest.warns(FutureWarning):  # a possible nested set: warns while compiled, as in re
        store.compile("[[a]x", 0)
    store.compile("a(?P<b>c)", 0)
    assert regexcode.save() is True
    assert regexcode.kept.read(regexcode.FILE, regexcode.STAMP) == {
        ("a(?P<b>c)", 0): store.added[("a(?P<b>c)", 0)]
    }
    assert regexcode.kept.read(regexcode.FILE, ("another", 0, 0)) == {}


def test_installed_re_takes_the_programs_from_the_store(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(regexcode, "_store", None)
    monkeypatch.setattr(regexcode.kept, "read", lambda file, stamp: {})
    monkeypatch.setattr(_compiler, "compile", _compiler.compile)  # restored after the test
    regexcode.install()
    store = regexcode._store
    assert store is not None and _compiler.compile == store.compile
    re.compile("tracegraph-regexcode-test-(a|b)+")
    assert ("tracegraph-regexcode-test-(a|b)+", 0) in store.added
    regexcode.install()  # once per process
    assert regexcode._store is store


def test_re_is_left_as_it_is_where_the_programs_would_differ(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(regexcode, "_store", None)
    monkeypatch.setattr(_compiler, "compile", _compiler.compile)  # restored after the test
    plain = _compiler.compile
    real = regexcode.make_program

    def other(pattern: str | bytes, flags: int) -> regexcode.Program:
        made = real(pattern, flags)
        return (made[0], [*made[1][:-1], 0], *made[2:])  # another interpreter's last word

    monkeypatch.setattr(regexcode, "make_program", other)
    regexcode.install()
    assert regexcode._store is None and _compiler.compile is plain
    monkeypatch.setattr(regexcode, "make_program", real)
    assert regexcode._agrees()


def test_where_the_file_cannot_be_written_no_pattern_is_parsed_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(regexcode, "FILE", tmp_path / "absent" / "programs.marshal")
    store = regexcode._Store({})
    monkeypatch.setattr(regexcode, "_store", store)
    store.compile("a(?P<b>c)", 0)

    def parsed(pattern: str | bytes, flags: int) -> bool:
        raise AssertionError("parsed again for nothing")

    monkeypatch.setattr(regexcode, "_warns", parsed)
    assert store.added and regexcode.save() is False
    assert not (tmp_path / "absent").exists()
