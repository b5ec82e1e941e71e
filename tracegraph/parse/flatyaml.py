"""The flat front matter reader: most front matter is a few ``key: value`` lines, read here
without a YAML parser into exactly what the loader would make of them (``frontmatter`` keeps
the loader for everything else). A module of its own so that mypyc compiles it with the
parser: interpreted, it was about 1% of ``parse_document``'s instructions."""

from __future__ import annotations

import re
from functools import cache
from typing import Any, Final, TypeAlias

#: ``FrontMatter``'s fields: data, each key's 0-based line, each key's (line, column) of its
#: values, the keys given twice with their lines.
Flat: TypeAlias = tuple[
    dict[str, Any], dict[str, int], dict[str, list[tuple[int, int]]], tuple[tuple[str, int], ...]
]

#: The implicit types PyYAML's SafeLoader gives a plain scalar (its resolvers, verbatim, less
#: the timestamps ``yamlsafe.LimitedLoader`` drops), by the characters a scalar of that type
#: starts with, with their flags. The flat reader needs only these: a run whose front matter
#: is all flat imports no PyYAML (8 ms before the parse's fork). A test holds them equal to
#: PyYAML's own.
_IMPLICIT_TYPES = (
    (
        "tag:yaml.org,2002:bool",
        """^(?:yes|Yes|YES|no|No|NO
                    |true|True|TRUE|false|False|FALSE
                    |on|On|ON|off|Off|OFF)$""",
        "yYnNtTfFoO",
        re.X,
    ),
    (
        "tag:yaml.org,2002:float",
        r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?
                    |\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?
                    |[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*
                    |[-+]?\.(?:inf|Inf|INF)
                    |\.(?:nan|NaN|NAN))$""",
        "-+0123456789.",
        re.X,
    ),
    (
        "tag:yaml.org,2002:int",
        """^(?:[-+]?0b[0-1_]+
                    |[-+]?0[0-7_]+
                    |[-+]?(?:0|[1-9][0-9_]*)
                    |[-+]?0x[0-9a-fA-F_]+
                    |[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$""",
        "-+0123456789",
        re.X,
    ),
    ("tag:yaml.org,2002:merge", "^(?:<<)$", "<", 0),
    (
        "tag:yaml.org,2002:null",
        """^(?: ~
                    |null|Null|NULL
                    | )$""",
        ["~", "n", "N", ""],
        re.X,
    ),
    ("tag:yaml.org,2002:value", "^(?:=)$", "=", 0),
    ("tag:yaml.org,2002:yaml", "^(?:!|&|\\*)$", "!&*", 0),
)


@cache
def implicit_resolvers() -> dict[str, list[tuple[str, re.Pattern[str]]]]:
    """``_IMPLICIT_TYPES`` as PyYAML keeps its resolvers: first character -> (tag, regexp)."""
    resolvers: dict[str, list[tuple[str, re.Pattern[str]]]] = {}
    for tag, pattern, first, flags in _IMPLICIT_TYPES:
        regexp = re.compile(pattern, flags)
        for char in first:
            resolvers.setdefault(char, []).append((tag, regexp))
    return resolvers


#: What the flat reader takes: ``key: value`` lines at column 0 (a plain, quoted or empty-list
#: value, or a flow list of plain items), and ``- item`` lines under a key with no value. Plain
#: text is a conservative subset of YAML's (ASCII, no indicator, nothing that could end it).
_PLAIN: Final = r"[A-Za-z0-9][A-Za-z0-9 ._/()+'-]*(?<! )"
_KEY_LINE: Final = re.compile(
    r"([A-Za-z_][A-Za-z0-9_-]*):(?:( +)(?:"
    rf"({_PLAIN})|\"([ !#-\[\]-~]*)\"|'([ -&(-~]*)'|\[ *((?:{_PLAIN} *, *)*{_PLAIN})? *\]"
    r"))?"
)
_ITEM_LINE: Final = re.compile(rf"( *)- ({_PLAIN})")
_ITEM: Final = re.compile(_PLAIN)


#: Plain scalars ``_is_text`` has answered for: keys and values such as ``status`` and
#: ``Accepted`` repeat in every document (a look-up against a call, a generator and regexes).
_TEXT: Final[dict[str, bool]] = {}


def _is_text(plain: str) -> bool:
    """Whether YAML reads the plain scalar ``plain`` as a string (no number, bool or null)."""
    known = _TEXT.get(plain)
    if known is None:
        resolvers = implicit_resolvers().get(plain[0], ())
        known = not any(regexp.match(plain) for _tag, regexp in resolvers)
        if len(plain) <= 64:  # short ones repeat; the memory stays bounded
            if len(_TEXT) >= 4096:
                _TEXT.clear()
            _TEXT[plain] = known
    return known


def read_flat(text: str) -> Flat | None:
    """Flat front matter (see ``_KEY_LINE``) read without a YAML parser, exactly as the loader
    reads it, as ``FrontMatter``'s fields; None for anything else (the loader decides)."""
    if "\r" in text:
        return None
    data: dict[str, Any] = {}
    key_lines: dict[str, int] = {}
    item_lines: dict[str, list[tuple[int, int]]] = {}
    duplicates: list[tuple[str, int]] = []
    lines = text.split("\n")
    index, count = 0, len(lines)
    while index < count:
        line = lines[index]
        number = index
        index += 1
        if not line:
            continue
        match = _KEY_LINE.fullmatch(line)
        if match is None:
            return None
        key, space, plain, double, single, items = match.groups()
        if not _is_text(key):
            return None
        value: Any
        if space is None:  # "key:" with a block list of plain items below it
            value, marks, indent = [], [], None
            while index < count and (item := _ITEM_LINE.fullmatch(lines[index])) is not None:
                if indent not in (None, item.group(1)) or not _is_text(item.group(2)):
                    return None
                indent = item.group(1)
                value.append(item.group(2))
                marks.append((index, len(indent) + 2))
                index += 1
            if not value:
                return None  # null: the loader places it
        elif plain is not None:
            if not _is_text(plain):
                return None
            value, marks = plain, [(number, match.start(3))]
        elif double is not None or single is not None:
            value = double if double is not None else single
            marks = [(number, match.start(4) - 1 if double is not None else match.start(5) - 1)]
        else:
            value, marks = [], []
            inside = match.start(6)
            for item in _ITEM.finditer(items or ""):
                if not _is_text(item.group(0)):
                    return None
                value.append(item.group(0))
                marks.append((number, inside + item.start()))
        if key in key_lines:
            duplicates.append((key, number))
        key_lines[key] = number
        item_lines[key] = marks
        data[key] = value
    if not data:
        return None
    return data, key_lines, item_lines, tuple(duplicates)
