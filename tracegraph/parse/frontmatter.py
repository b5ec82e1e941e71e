"""YAML front matter: ``safe_load`` semantics with limits, duplicate-key detection and lines."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml


class _LimitedLoader(yaml.SafeLoader):
    """A SafeLoader that counts alias uses (billion-laughs guard) and keeps dates as text."""

    max_aliases = 100

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.alias_count = 0
        #: id(parent node) -> how many of its children are alias uses (not definitions).
        self.alias_uses: dict[int, int] = {}

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            self.alias_count += 1
            if parent is not None:
                self.alias_uses[id(parent)] = self.alias_uses.get(id(parent), 0) + 1
            if self.alias_count > self.max_aliases:
                raise FrontMatterError(
                    f"front matter uses more than limits.max_yaml_aliases={self.max_aliases} "
                    "aliases",
                    self.peek_event().start_mark.line,  # type: ignore[no-untyped-call]
                )
        return super().compose_node(parent, index)


# Dates stay strings: YAML's timestamp parsing fails on dates it cannot represent and loses
# the text the author wrote.
_LimitedLoader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


_FastLoader: type | None = None
if getattr(yaml, "__with_libyaml__", False):

    class _CLoader(yaml.CSafeLoader):
        """libyaml's SafeLoader with the same resolvers (dates stay text); used only for front
        matter without aliases, where the alias guard has nothing to count."""

    _CLoader.yaml_implicit_resolvers = _LimitedLoader.yaml_implicit_resolvers
    _FastLoader = _CLoader


class FrontMatterError(Exception):
    """Front matter that cannot be used; ``line`` is 0-based within the YAML text."""

    def __init__(self, message: str, line: int = 0) -> None:
        super().__init__(message)
        self.line = line


def count_expansions(node: yaml.Node, alias_uses: dict[int, int]) -> int:
    """How many alias uses the fully expanded document holds (nested uses multiply).

    A billion-laughs bomb uses few aliases but each refers to a node full of aliases; counting
    on the composed node graph (memoised per node) measures the expansion without building it.
    Raises FrontMatterError for an alias that contains itself.
    """
    memo: dict[int, int] = {}
    active: set[int] = set()

    def visit(current: yaml.Node) -> int:
        key = id(current)
        if key in memo:
            return memo[key]
        if key in active:
            raise FrontMatterError(
                "front matter has a recursive alias (an anchor that contains itself)",
                current.start_mark.line,
            )
        active.add(key)
        total = alias_uses.get(key, 0)
        if isinstance(current, yaml.SequenceNode):
            children: list[yaml.Node] = list(current.value)
        elif isinstance(current, yaml.MappingNode):
            children = [n for pair in current.value for n in pair]
        else:
            children = []
        for child in children:
            total += visit(child)
            if total > 10**9:
                break
        active.discard(key)
        memo[key] = total
        return total

    return visit(node)


@dataclass(frozen=True)
class FrontMatter:
    """The mapping, each key's 0-based line, and each list item's line (for references)."""

    data: dict[str, Any]
    key_lines: dict[str, int]
    item_lines: dict[str, list[tuple[int, int]]]
    duplicates: tuple[tuple[str, int], ...]


def load_front_matter(text: str, max_aliases: int) -> FrontMatter:
    """Parse front matter text; raises FrontMatterError with a message and a line."""
    # libyaml recurses in C: very deep flow nesting ([[[[...) overflows the C stack and kills
    # the process (a segfault, not an exception), so deep-looking text takes the Python path.
    shallow = text.count("[") + text.count("{") < 1000
    if _FastLoader is not None and "*" not in text and shallow:  # libyaml, 10x faster
        try:
            fast = _FastLoader(text)
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
        loader = _LimitedLoader(text)  # the reader already rejects control characters
    except yaml.YAMLError as exc:
        raise FrontMatterError(f"invalid YAML front matter: {exc}".splitlines()[0]) from None
    loader.max_aliases = max_aliases
    try:
        node = loader.get_single_node()
        if node is None:
            return FrontMatter({}, {}, {}, ())
        if not isinstance(node, yaml.MappingNode):
            raise FrontMatterError(
                f"front matter is a {_kind(node)}, not a mapping of fields", node.start_mark.line
            )
        if loader.alias_count and count_expansions(node, loader.alias_uses) > max_aliases:
            raise FrontMatterError(
                f"front matter expands to more than limits.max_yaml_aliases={max_aliases} "
                "alias uses (an alias bomb?)",
                node.start_mark.line,
            )
        data = loader.construct_document(node)
    except FrontMatterError:
        raise
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        line = mark.line if mark else 0
        raise FrontMatterError(f"invalid YAML front matter: {problem}", line) from None
    except (yaml.YAMLError, ValueError, TypeError, RecursionError) as exc:
        raise FrontMatterError(f"invalid YAML front matter: {exc}".splitlines()[0]) from None
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        raise FrontMatterError("front matter is not a mapping of fields")
    return _front_matter(node, data)


def _front_matter(node: yaml.MappingNode, data: dict[Any, Any]) -> FrontMatter:
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
    if isinstance(node, yaml.SequenceNode):
        return "list"
    return "scalar value"
