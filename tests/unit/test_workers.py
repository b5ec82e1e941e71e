"""The compact records the parse workers send: same values, fewer objects."""

from __future__ import annotations

import marshal
import sys

from tracegraph.workers import interned


def test_strings_are_interned_and_survive_marshal() -> None:
    text = "".join(["Con", "text"])  # built at run time: not interned yet
    record = interned((text, ("status", 3), ("status", 3)))
    assert record == ("Context", ("status", 3), ("status", 3))
    loaded = marshal.loads(marshal.dumps(record))
    assert loaded[0] is sys.intern("Context")


def test_equal_ints_and_flat_tuples_become_one_object() -> None:
    shared: dict[object, object] = {}
    big_a, big_b = int("1000"), int("1000")
    assert big_a is not big_b
    first = interned((("date", big_a), ("date", big_b)), shared)
    assert isinstance(first, tuple)
    assert first[0] is first[1]
    assert first[0][1] is first[1][1]


def test_a_bool_is_never_replaced_by_an_equal_int() -> None:
    shared: dict[object, object] = {}
    ints = interned(("x", 1, 0), shared)
    bools = interned(("x", True, False), shared)
    assert ints == ("x", 1, 0) and bools == ("x", True, False)
    assert isinstance(bools, tuple)
    assert [type(v) for v in bools] == [str, bool, bool]
    nested = interned((("x", 1),), shared), interned((("x", True),), shared)
    assert type(nested[1][0][1]) is bool  # type: ignore[index]
