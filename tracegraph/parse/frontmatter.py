"""YAML front matter: ``safe_load`` semantics with limits (``tracegraph.yamlsafe``), duplicate-key
detection and lines."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from ..errors import YamlProblem

if TYPE_CHECKING:  # PyYAML is imported with the first front matter read (most runs read none)
    import yaml


@cache
def _yaml() -> type | None:
    """libyaml's SafeLoader with the resolvers of ``yamlsafe.LimitedLoader`` (dates stay text),
    used only for front matter without aliases, where the alias guard has nothing to count
    (None without libyaml)."""
    import yaml

    from ..yamlsafe import LimitedLoader

    fast: type | None = None
    if getattr(yaml, "__with_libyaml__", False):

        class _CLoader(yaml.CSafeLoader):
            pass

        _CLoader.yaml_implicit_resolvers = LimitedLoader.yaml_implicit_resolvers
        fast = _CLoader
    return fast


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


#: Front matter that cannot be used; ``line`` is 0-based within the YAML text.
FrontMatterError = YamlProblem


@dataclass(frozen=True)
class FrontMatter:
    """The mapping, each key's 0-based line, and each list item's line (for references)."""

    data: dict[str, Any]
    key_lines: dict[str, int]
    item_lines: dict[str, list[tuple[int, int]]]
    duplicates: tuple[tuple[str, int], ...]


#: What the flat reader takes: ``key: value`` lines at column 0 (a plain, quoted or empty-list
#: value, or a flow list of plain items), and ``- item`` lines under a key with no value. Plain
#: text is a conservative subset of YAML's (ASCII, no indicator, nothing that could end it).
_PLAIN = r"[A-Za-z0-9][A-Za-z0-9 ._/()+'-]*(?<! )"
_KEY_LINE = re.compile(
    r"([A-Za-z_][A-Za-z0-9_-]*):(?:( +)(?:"
    rf"({_PLAIN})|\"([ !#-\[\]-~]*)\"|'([ -&(-~]*)'|\[ *((?:{_PLAIN} *, *)*{_PLAIN})? *\]"
    r"))?"
)
_ITEM_LINE = re.compile(rf"( *)- ({_PLAIN})")
_ITEM = re.compile(_PLAIN)


#: Plain scalars ``_is_text`` has answered for: keys and values such as ``status`` and
#: ``Accepted`` repeat in every document (a look-up against a call, a generator and regexes).
_TEXT: dict[str, bool] = {}


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


def _flat(text: str) -> FrontMatter | None:
    """Flat front matter (see ``_KEY_LINE``) read without a YAML parser, exactly as the loader
    reads it; None for anything else (the loader decides)."""
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
    return FrontMatter(data, key_lines, item_lines, tuple(duplicates))


def load_front_matter(text: str, max_aliases: int) -> FrontMatter:
    """Parse front matter text; raises FrontMatterError with a message and a line."""
    flat = _flat(text)
    if flat is not None:  # most front matter is a few flat fields: read them directly
        return flat
    # libyaml recurses in C: very deep flow nesting ([[[[...) overflows the C stack and kills
    # the process (a segfault, not an exception), so deep-looking text takes the Python path.
    shallow = text.count("[") + text.count("{") < 1000
    import yaml

    from ..yamlsafe import load_limited

    loader = _yaml()
    if loader is not None and "*" not in text and shallow:  # libyaml, 10x faster
        try:
            fast = loader(text)
            try:
                node = fast.get_single_node()
                if isinstance(node, yaml.MappingNode):
                    data = fast.construct_document(node)
                    if isinstance(data, dict):
                        return _front_matter(node, data)
            finally:
                fast.dispose()
        except (yaml.YAMLError, ValueError, TypeError, RecursionError):
            pass  # the pure-Python loader below words the error
    try:
        node, data = load_limited(text, max_aliases, "front matter")
    except YamlProblem as exc:
        message = str(exc)
        if message.startswith("invalid YAML"):
            message = "invalid YAML front matter" + message.removeprefix("invalid YAML")
        elif message.startswith("recursive alias"):
            message = "front matter has a " + message
        raise FrontMatterError(message, exc.line) from None
    if node is None:
        return FrontMatter({}, {}, {}, ())
    if not isinstance(node, yaml.MappingNode):
        raise FrontMatterError(
            f"front matter is a {_kind(node)}, not a mapping of fields", node.start_mark.line
        )
    if not isinstance(data, dict):
        raise FrontMatterError("front matter is not a mapping of fields")
    return _front_matter(node, data)


def _front_matter(node: yaml.MappingNode, data: dict[Any, Any]) -> FrontMatter:
    import yaml

    key_lines: dict[str, int] = {}
    item_lines: dict[str, list[tuple[int, int]]] = {}
    duplicates: list[tuple[str, int]] = []
    for key_node, value_node in node.value:
        key = str(key_node.value)
        if key in key_lines:
            duplicates.append((key, key_node.start_mark.line))
        key_lines[key] = key_node.start_mark.line
        if isinstance(value_node, yaml.SequenceNode):
            item_lines[key] = [(n.start_mark.line, n.start_mark.column) for n in value_node.value]
        else:
            item_lines[key] = [(value_node.start_mark.line, value_node.start_mark.column)]
    return FrontMatter(
        {str(k): v for k, v in data.items()}, key_lines, item_lines, tuple(duplicates)
    )


def _kind(node: yaml.Node) -> str:
    import yaml

    if isinstance(node, yaml.SequenceNode):
        return "list"
    return "scalar value"
