"""Edits of a YAML mapping's text (front matter, a KEP's ``kep.yaml``) that keep it as written.

The YAML is composed (never constructed) only to learn where each top-level key and value
stands; a change replaces one value's text, adds one list item or inserts one ``key: value``
line. Key order, comments, quoting, indentation and everything else stay as they were: the
file is edited as text, not re-serialised.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import yaml

from .source import Edit, EditError

#: Plain YAML scalars that read back as the same string (no quoting needed).
_PLAIN = re.compile(r"^[A-Za-z0-9/.][A-Za-z0-9 _./()+-]*$")
#: Dates and whole numbers stay plain: a front matter's ``updated: 2026-06-04`` is written so.
_DATE_OR_NUMBER = re.compile(r"^(?:\d{4}-\d{2}-\d{2}|[1-9]\d*)$")
_NUMERIC = re.compile(r"^[0-9.+-]+$")
_SPECIAL = frozenset({"true", "false", "yes", "no", "on", "off", "null", "y", "n", "~"})
#: Relation values that say "nothing yet" (``superseded-by: n/a``): replaced, not appended to.
NO_VALUE = frozenset({"", "n/a", "na", "none", "tbd", "todo", "-", "—", "~", "null", "nil"})


def normalise_key(key: str) -> str:
    """Keys compare as tracegraph reads metadata: lower-case, ``-`` and spaces as ``_``."""
    return re.sub(r"[\s-]+", "_", key.strip().lower())


def scalar(value: str, style: str | None = None) -> str:
    """``value`` as a YAML scalar: plain when that reads back as the same text, else in the
    quotes ``style`` asks for (double by default).

    >>> scalar("accepted"), scalar("superseded by [ADR-0009](0009-x.md)"), scalar("no")
    ('accepted', '"superseded by [ADR-0009](0009-x.md)"', '"no"')
    >>> scalar("2026-11-28"), scalar("1.0"), scalar("/keps/sig-a/1-x")
    ('2026-11-28', '"1.0"', '/keps/sig-a/1-x')
    """
    if style == "'" and "\n" not in value:
        return "'" + value.replace("'", "''") + "'"
    plain = style is None and bool(_PLAIN.match(value)) and value.lower() not in _SPECIAL
    if plain and (_DATE_OR_NUMBER.match(value) or not _NUMERIC.match(value)):
        return value
    return json.dumps(value, ensure_ascii=False)


@dataclass(frozen=True)
class Entry:
    """One top-level key of the mapping: its name and its value node (offsets are into the
    whole file's text: ``base`` was added)."""

    key: str
    key_start: int
    node: yaml.Node
    base: int

    @property
    def start(self) -> int:
        """Where the value's text starts."""
        return self.base + self.node.start_mark.index

    @property
    def end(self) -> int:
        """Where the value's text ends (a block list: the end of its last item)."""
        if isinstance(self.node, yaml.SequenceNode) and self.node.value and not self.flow:
            last: yaml.Node = self.node.value[-1]
            return self.base + int(last.end_mark.index)
        return self.base + self.node.end_mark.index

    @property
    def flow(self) -> bool:
        """Whether the value is a ``[a, b]`` list."""
        return bool(getattr(self.node, "flow_style", False))

    @property
    def items(self) -> list[yaml.Node]:
        """The list items (a scalar is one item; an empty value none)."""
        if isinstance(self.node, yaml.SequenceNode):
            return list(self.node.value)
        if isinstance(self.node, yaml.ScalarNode) and str(self.node.value).strip():
            return [self.node]
        return []


class YamlText:
    """A YAML mapping standing at ``[start, end)`` of ``text`` (a file's whole text)."""

    def __init__(self, text: str, start: int, end: int, where: str) -> None:
        self.text = text
        self.start = start
        self.end = end
        self.where = where
        body = text[start:end]
        try:
            node = yaml.compose(body, Loader=yaml.SafeLoader) if body.strip() else None
        except (yaml.YAMLError, RecursionError) as exc:
            raise EditError(f"{where}: invalid YAML; not edited ({exc})".splitlines()[0]) from None
        if node is not None and not isinstance(node, yaml.MappingNode):
            raise EditError(f"{where}: not a mapping of fields; not edited")
        self.entries: list[Entry] = []
        for key_node, value_node in node.value if node is not None else []:
            if isinstance(key_node, yaml.ScalarNode):
                self.entries.append(
                    Entry(str(key_node.value), start + key_node.start_mark.index, value_node, start)
                )

    def find(self, *keys: str) -> Entry | None:
        """The first entry whose key is one of ``keys`` (compared normalised)."""
        wanted = {normalise_key(k) for k in keys}
        for entry in self.entries:
            if normalise_key(entry.key) in wanted:
                return entry
        return None

    def _line_end(self, offset: int) -> int:
        """The end of the line that ``offset`` stands on (before its line break)."""
        found = re.compile(r"\r\n|\r|\n").search(self.text, offset)
        return found.start() if found else len(self.text)

    def set_value(self, entry: Entry, value: str, what: str) -> Edit:
        """Replace a scalar value's text (an empty value gets one)."""
        if not isinstance(entry.node, yaml.ScalarNode):
            raise EditError(f"{self.where}: '{entry.key}' is not a single value; not edited")
        style = entry.node.style if entry.node.style in ("'", '"') else None
        text = scalar(value, style)
        if entry.node.start_mark.index == entry.node.end_mark.index:  # ``key:`` with nothing
            return Edit(entry.start, entry.end, " " + text, what)
        if entry.node.style in ("|", ">"):
            raise EditError(f"{self.where}: '{entry.key}' is a block of text; not edited")
        return Edit(entry.start, entry.end, text, what)

    def add_items(
        self, entry: Entry, values: list[str], what: str, quote: str | None = None
    ) -> Edit:
        """Add ``values`` to a list value, in its style (quoted like its items, else with
        ``quote``); a value that says "nothing yet" (``n/a``, ``[]``, empty) is replaced, a
        single value becomes a list."""
        items = entry.items
        placeholders = [i for i in items if str(getattr(i, "value", "")).lower() in NO_VALUE]
        only_placeholders = len(placeholders) == len(items)
        if isinstance(entry.node, yaml.SequenceNode):
            styles = [getattr(i, "style", None) for i in items]
            quoted = next((str(q) for q in styles if q in ("'", '"')), None)
            quoted = quoted or (quote if only_placeholders else None)
            texts = [scalar(v, quoted) for v in values]
            if items and only_placeholders and (entry.flow or len(items) == 1):
                first, last = items[0], items[-1]
                start, end = self.start + first.start_mark.index, self.start + last.end_mark.index
                joiner = ", " if entry.flow else "\n" + self._item_prefix(first)
                return Edit(start, end, joiner.join(texts), what)
            if entry.flow:
                close = entry.base + entry.node.end_mark.index - 1  # the ``]``
                return Edit(close, close, (", " if items else "") + ", ".join(texts), what)
            if not items:
                raise EditError(f"{self.where}: '{entry.key}' is an empty list; not edited")
            prefix = self._item_prefix(items[-1])
            at = self._line_end(entry.end)
            return Edit(at, at, "".join("\n" + prefix + t for t in texts), what)
        if not isinstance(entry.node, yaml.ScalarNode) or entry.node.style in ("|", ">"):
            raise EditError(f"{self.where}: '{entry.key}' is not a list; not edited")
        texts = [scalar(v) for v in values]
        if not items or only_placeholders:
            if len(texts) == 1:
                return self.set_value(entry, values[0], what)
            return self._replace(entry, "[" + ", ".join(texts) + "]", what)
        old = self.text[entry.start : entry.end]
        return Edit(entry.start, entry.end, "[" + ", ".join([old, *texts]) + "]", what)

    def _item_prefix(self, item: yaml.Node) -> str:
        """The text before a block list item on its line (``  - ``)."""
        at = self.start + item.start_mark.index
        prefix = self.text[self.text.rfind("\n", 0, at) + 1 : at]
        if prefix.strip() != "-":
            raise EditError(f"{self.where}: a list layout that is not edited here")
        return prefix

    def _replace(self, entry: Entry, text: str, what: str) -> Edit:
        if entry.node.start_mark.index == entry.node.end_mark.index:
            return Edit(entry.start, entry.end, " " + text, what)
        return Edit(entry.start, entry.end, text, what)

    def add_key(self, key: str, value: str | list[str], after: tuple[str, ...], what: str) -> Edit:
        """Insert ``key: value`` on its own line after the first of ``after`` that exists (else
        after the last entry, or as the only one); a list of values is written as a block
        list (``- item`` lines)."""
        anchor = next((e for k in after if (e := self.find(k)) is not None), None)
        if anchor is None and self.entries:
            anchor = self.entries[-1]
        if isinstance(value, list):
            line = f"{key}:" + "".join(f"\n  - {v}" for v in value)
        else:
            line = f"{key}: {value}"
        if anchor is None:
            return Edit(self.start, self.start, line + "\n", what)
        if anchor.end > self.start and self.text[anchor.end - 1] in "\r\n":  # a block scalar
            return Edit(anchor.end, anchor.end, line + "\n", what)
        at = self._line_end(anchor.end)
        return Edit(at, at, "\n" + line, what)
