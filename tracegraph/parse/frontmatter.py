"""YAML front matter: ``safe_load`` semantics with limits (``tracegraph.yamlsafe``), duplicate-key
detection and lines."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from ..errors import YamlProblem
from .flatyaml import implicit_resolvers as implicit_resolvers
from .flatyaml import read_flat

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


#: Front matter that cannot be used; ``line`` is 0-based within the YAML text.
FrontMatterError = YamlProblem


@dataclass(frozen=True)
class FrontMatter:
    """The mapping, each key's 0-based line, and each list item's line (for references)."""

    data: dict[str, Any]
    key_lines: dict[str, int]
    item_lines: dict[str, list[tuple[int, int]]]
    duplicates: tuple[tuple[str, int], ...]


def _flat(text: str) -> FrontMatter | None:
    """Flat front matter read without a YAML parser, exactly as the loader reads it
    (``flatyaml.read_flat``); None for anything else (the loader decides)."""
    found = read_flat(text)
    return None if found is None else FrontMatter(*found)


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
