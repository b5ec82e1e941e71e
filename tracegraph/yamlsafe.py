"""YAML from the scanned repository (config files, front matter): ``safe_load`` semantics, with
alias bombs rejected before anything is expanded or walked.

One mechanism for both: the composer counts alias uses as it reads (so a file with thousands of
aliases stops early), then the composed node graph, where an alias is the same node object as its
anchor, is measured with a memo per node: how many alias uses and how many nodes the document
would have if every alias were expanded. A billion-laughs of scalars, sequences, mappings or
merge keys (``<<``) is a small node graph with a huge expansion, so it is caught here, and no
code ever walks the expanded tree. Dates stay text (YAML's timestamps lose what the author
wrote and fail on impossible dates).
"""

from __future__ import annotations

from typing import Any

import yaml

from .errors import YamlProblem as YamlProblem

#: Nodes that aliases may add to a document when expanded (beyond the nodes written), whatever
#: ``max_yaml_aliases`` says: 100 aliases of a 100,000-item list would be ten million.
MAX_ALIAS_NODES = 100_000


class LimitedLoader(yaml.SafeLoader):
    """A SafeLoader that counts alias uses while composing and keeps dates as text."""

    max_aliases = 100
    what = "YAML"

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
                raise YamlProblem(
                    f"{self.what} uses more than limits.max_yaml_aliases={self.max_aliases} "
                    "aliases",
                    self.peek_event().start_mark.line,  # type: ignore[no-untyped-call]
                )
        return super().compose_node(parent, index)


LimitedLoader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def measure_expansion(node: yaml.Node, alias_uses: dict[int, int]) -> tuple[int, int]:
    """(alias uses, nodes) of the document as it would be with every alias expanded, computed
    on the composed node graph without expanding it (nested uses multiply).

    Raises YamlProblem for an alias that contains itself. Counting stops growing past 10**12.

    >>> loader = LimitedLoader("a: &a [1, 2]\\nb: [*a, *a]\\n")
    >>> measure_expansion(loader.get_single_node(), loader.alias_uses)
    (2, 6)
    """
    memo: dict[int, tuple[int, int]] = {}
    active: set[int] = set()
    cap = 10**12

    def visit(current: yaml.Node) -> tuple[int, int]:
        key = id(current)
        if key in memo:
            return memo[key]
        if key in active:
            raise YamlProblem(
                "recursive alias (an anchor that contains itself)", current.start_mark.line
            )
        active.add(key)
        uses, size = alias_uses.get(key, 0), 1
        if isinstance(current, yaml.SequenceNode):
            children: list[yaml.Node] = list(current.value)
        elif isinstance(current, yaml.MappingNode):
            children = [n for pair in current.value for n in pair]
        else:
            children = []
        for child in children:
            child_uses, child_size = visit(child)
            uses, size = min(uses + child_uses, cap), min(size + child_size, cap)
        active.discard(key)
        memo[key] = (uses, size)
        return uses, size

    uses, size = visit(node)
    return uses, size - len(memo)  # nodes written are counted once: what aliases add


def load_limited(text: str, max_aliases: int, what: str) -> tuple[yaml.Node | None, Any]:
    """Compose and construct one YAML document: (root node or None, data).

    ``what`` names the text in messages ("front matter", "tracegraph.yaml"). Raises
    YamlProblem with a one-line message and a 0-based line for invalid YAML, too many alias
    uses (more than ``max_aliases`` once expanded, or more than ``MAX_ALIAS_NODES`` nodes
    added by aliases), recursive aliases and nesting too deep to compose.
    """
    try:
        loader = LimitedLoader(text)  # the reader already rejects control characters
    except yaml.YAMLError as exc:
        raise YamlProblem(f"invalid YAML: {exc}".splitlines()[0]) from None
    loader.max_aliases = max_aliases
    loader.what = what
    try:
        node = loader.get_single_node()
        if node is None:
            return None, None
        if loader.alias_count:
            uses, added = measure_expansion(node, loader.alias_uses)
            if uses > max_aliases:
                raise YamlProblem(
                    f"{what} expands to {uses:,} alias uses, over limits.max_yaml_aliases="
                    f"{max_aliases} (an alias bomb?)",
                    node.start_mark.line,
                )
            if added > MAX_ALIAS_NODES:
                raise YamlProblem(
                    f"{what} grows by {added:,} nodes when its aliases are expanded, over the "
                    f"ceiling of {MAX_ALIAS_NODES:,} (an alias bomb?)",
                    node.start_mark.line,
                )
        data = loader.construct_document(node)
    except YamlProblem:
        raise
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        raise YamlProblem(f"invalid YAML: {problem}", mark.line if mark else 0) from None
    except RecursionError:
        raise YamlProblem("invalid YAML: nested too deeply") from None
    except (yaml.YAMLError, ValueError, TypeError) as exc:
        raise YamlProblem(f"invalid YAML: {exc}".splitlines()[0]) from None
    finally:
        loader.dispose()
    return node, data
