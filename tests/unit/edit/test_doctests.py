"""The examples in the write library's docstrings hold."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import tracegraph.edit

MODULES = sorted(m.name for m in pkgutil.iter_modules(tracegraph.edit.__path__, "tracegraph.edit."))


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0


def test_the_examples_are_there() -> None:
    found = sum(doctest.testmod(importlib.import_module(n)).attempted for n in MODULES)
    assert found >= 10
