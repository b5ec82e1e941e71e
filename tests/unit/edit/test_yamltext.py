"""YAML mappings edited as text: order, comments, quoting and layout stay."""

from __future__ import annotations

import pytest
import yaml

from tracegraph.edit.source import EditError, Source
from tracegraph.edit.yamltext import YamlText

TEXT = """\
title: "X"   # the title
status: accepted # why
flow: [a, 'b']
block:
  - "/keps/a"
# between
placeholder:
  - n/a
empty:
none: []
scalar: ADR-0001
text: |
  long
"""


def edit(method: str, key: str, *args: object) -> str:
    mapping = YamlText(TEXT, 0, len(TEXT), "x")
    entry = mapping.find(key)
    assert entry is not None
    change = getattr(mapping, method)(entry, *args, "what")
    return Source.from_bytes("x", TEXT.encode()).applied([change]).text


def test_set_value_keeps_the_comment_and_the_quotes():
    assert "status: superseded # why\n" in edit("set_value", "status", "superseded")
    assert 'title: "Y: z"   # the title\n' in edit("set_value", "title", "Y: z")
    assert "empty: 2026-11-28\n" in edit("set_value", "empty", "2026-11-28")
    with pytest.raises(EditError, match="block of text"):
        edit("set_value", "text", "x")


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("flow", "flow: [a, 'b', 'c d']\n"),
        ("block", 'block:\n  - "/keps/a"\n  - "c d"\n# between\n'),
        ("placeholder", "placeholder:\n  - c d\n"),
        ("empty", "empty: c d\n"),
        ("none", "none: [c d]\n"),
        ("scalar", "scalar: [ADR-0001, c d]\n"),
    ],
)
def test_add_items_in_the_list_s_own_style(key, expected):
    text = edit("add_items", key, ["c d"])
    assert expected in text
    assert yaml.safe_load(text)[key] in (
        ["a", "b", "c d"],
        ["/keps/a", "c d"],
        ["c d"],
        "c d",
        ["ADR-0001", "c d"],
    )


def test_add_key_after_an_anchor_or_at_the_end():
    mapping = YamlText(TEXT, 0, len(TEXT), "x")
    after = mapping.add_key("supersedes", "[ADR-0002]", ("status",), "w")
    text = Source.from_bytes("x", TEXT.encode()).applied([after]).text
    assert "status: accepted # why\nsupersedes: [ADR-0002]\nflow:" in text
    block = mapping.add_key("replaces", ['"/keps/b"'], (), "w")
    text = Source.from_bytes("x", TEXT.encode()).applied([block]).text
    assert text.endswith('text: |\n  long\nreplaces:\n  - "/keps/b"\n')


def test_invalid_yaml_and_non_mappings_are_refused():
    with pytest.raises(EditError, match="invalid YAML"):
        YamlText("a: [", 0, 4, "x")
    with pytest.raises(EditError, match="not a mapping"):
        YamlText("- a\n", 0, 4, "x")
