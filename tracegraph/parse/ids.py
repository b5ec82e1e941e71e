"""Document types and IDs: recognition from file names, folders, titles and front matter."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import cast

from ..config import Config, TypeSpec, mention_pattern, normalise_status_word
from ..model import Relation
from ..patterns import Match, Pattern, compile_pattern

#: ``TYPE-NUMBER`` with any separator spelling, for normalisation of IDs users type.
_LOOSE_ID = re.compile(r"^\s*([A-Za-z][A-Za-z0-9]*?)[-_ ]?0*(\d+)\s*$")
#: A leading number in a file name (``0007-use-kafka.md``); 8+ digits are dates, not numbers.
_LEADING_NUMBER = re.compile(r"^(\d{1,7})(?:[-_. ]|$)")
#: Nygard titles: ``# 7. Use Kafka``.
_NUMBERED_TITLE = re.compile(r"^(\d{1,7})\.\s")
_DIGITS = re.compile(r"\d+")


def matches_at(
    pattern: re.Pattern[str], text: str, literals: tuple[str, ...]
) -> Iterator[re.Match[str]]:
    """``pattern.finditer(text)`` for a pattern whose every match starts with one of
    ``literals``: the pattern is tried only where one occurs (found by ``str.find``), left to
    right, without overlaps. Much faster when the pattern starts with ``\\b``, which keeps the
    regex engine from skipping ahead by itself."""
    starts: list[int] = []
    for literal in literals:
        index = text.find(literal)
        while index >= 0:
            starts.append(index)
            index = text.find(literal, index + 1)
    if len(starts) > 1:
        starts.sort()
    end = 0
    for start in starts:
        if start < end:
            continue
        match = pattern.match(text, start)
        if match is not None:
            end = match.end()
            yield match


def canonical_id(type_name: str, number: str | int) -> str:
    """The one spelling of an ID: upper-case type, hyphen, number padded to four digits.

    >>> canonical_id("adr", "7")
    'ADR-0007'
    """
    return f"{type_name.upper()}-{int(number):04d}"


@dataclass(frozen=True)
class Recogniser:
    """Compiled recognition patterns for one configuration (built once, picklable)."""

    types: tuple[TypeSpec, ...]
    type_names: frozenset[str]
    file_patterns: tuple[tuple[str, re.Pattern[str]], ...]
    title_patterns: tuple[tuple[str, Pattern], ...]
    mention: Pattern | None
    #: (number of the group that wraps a type's pattern in ``mention``, type name)
    mention_groups: tuple[tuple[int, str], ...]
    folders: dict[str, str]
    status_aliases: dict[str, str]
    relations: dict[str, Relation]
    #: Text every mention contains (``ADR-`` ...), for a cheap test before the regex; empty
    #: when a type has its own ``id_pattern`` (then the regex always runs).
    mention_literals: tuple[str, ...] = ()

    @classmethod
    def from_config(cls, config: Config) -> Recogniser:
        """Compile the patterns of every configured type."""
        names = frozenset(t.name for t in config.types)
        file_patterns = tuple(
            (t.name, re.compile(rf"^{re.escape(t.name)}[-_]?0*(\d+)(?:\b|_|$)", re.I))
            for t in config.types
        )
        # Title patterns come from the config (the defaults too): RE2, linear time.
        titles = tuple(
            (t.name, compile_pattern(p, ignore_case=True))
            for t in config.types
            for p in t.title_patterns
        )
        mention: Pattern | None = None
        groups: tuple[tuple[int, str], ...] = ()
        if config.types:
            mention, numbers = mention_pattern(config.types)
            groups = tuple(zip(numbers, (t.name for t in config.types), strict=True))
        folders = {f.lower(): t.name for t in config.types for f in t.folders}
        return cls(
            types=config.types,
            type_names=names,
            file_patterns=file_patterns,
            title_patterns=titles,
            mention=mention,
            mention_groups=groups,
            folders=folders,
            status_aliases=dict(config.status_aliases),
            relations=dict(config.relations),
            mention_literals=(
                tuple(f"{t.name}-" for t in config.types)
                if not any(t.id_pattern for t in config.types)
                else ()
            ),
        )

    def relation_keys(self, type_name: str) -> dict[str, Relation]:
        """Front-matter relation keys: the global ones plus those of the type (or of every
        type when the document's type is not known yet)."""
        keys = dict(self.relations)
        for spec in self.types:
            if spec.relations and (not type_name or spec.name == type_name):
                keys.update(spec.relations)
        return keys

    def spec(self, name: str) -> TypeSpec | None:
        """The spec of a type, None for DOC."""
        for spec in self.types:
            if spec.name == name:
                return spec
        return None

    def normalise_id(self, text: str) -> str | None:
        """Canonical ID for a user- or document-written ID, or None when it is not one.

        >>> from tracegraph.config import default_config
        >>> r = Recogniser.from_config(default_config())
        >>> r.normalise_id("adr-7"), r.normalise_id("ADR-0007"), r.normalise_id("RFC 7231x")
        ('ADR-0007', 'ADR-0007', None)
        """
        match = _LOOSE_ID.match(text)
        if not match or match.group(1).upper() not in self.type_names:
            return None
        return canonical_id(match.group(1), match.group(2))

    def find_mentions(self, text: str) -> list[tuple[int, str]]:
        """Every ID mentioned in prose: (character offset, canonical ID)."""
        if self.mention is None:
            return []
        # Every match starts with ``ADR-`` or another literal, unless a type has its own pattern
        # (then ``mention`` is an RE2 pattern and runs over the whole text in linear time).
        matches: Iterable[Match] = (
            matches_at(cast("re.Pattern[str]", self.mention), text, self.mention_literals)
            if self.mention_literals
            else self.mention.finditer(text)
        )
        out: list[tuple[int, str]] = []
        for match in matches:
            type_name = next(
                (name for number, name in self.mention_groups if match.start(number) >= 0), None
            )
            if type_name is None:
                continue
            digits = _DIGITS.findall(match.group(0))
            if digits:
                out.append((match.start(), canonical_id(type_name, digits[-1])))
        return out

    def type_from_filename(self, stem: str) -> tuple[str, str] | None:
        """(type, canonical ID) when the file name starts with ``TYPE-NUMBER``."""
        for name, pattern in self.file_patterns:
            match = pattern.match(stem)
            if match:
                return name, canonical_id(name, match.group(1))
        return None

    def type_from_folders(self, path: str) -> str | None:
        """The type of the nearest enclosing folder named like a type folder (``adr/``)."""
        parts = path.split("/")[:-1]
        for part in reversed(parts):
            found = self.folders.get(part.lower())
            if found:
                return found
        return None

    def type_from_title(self, title: str) -> str | None:
        """The type a title announces (``# ADR 7: ...``, ``# Technical Design Document``)."""
        for name, pattern in self.title_patterns:
            if pattern.search(title):
                return name
        return None

    def type_from_sections(self, slugs: set[str]) -> str | None:
        """The type whose marker sections (slug prefixes) all appear, e.g. Nygard ADRs."""
        for spec in self.types:
            if spec.sections and all(
                any(s == m or s.startswith(m + "-") for s in slugs) for m in spec.sections
            ):
                return spec.name
        return None

    def id_from_number(self, type_name: str, stem: str, title: str) -> str | None:
        """An ID from a leading number in the file name or a numbered title of a typed doc."""
        match = _LEADING_NUMBER.match(stem)
        if match:
            return canonical_id(type_name, match.group(1))
        spec_match = re.match(rf"^{re.escape(type_name)}[- ]?(\d+)\b", title, re.I)
        if spec_match:
            return canonical_id(type_name, spec_match.group(1))
        match = _NUMBERED_TITLE.match(title)
        if match:
            return canonical_id(type_name, match.group(1))
        return None

    def normalise_status(self, raw: str, type_name: str) -> str:
        """Map a written status onto the type's lifecycle ("In Review" -> ``in-review``,
        "Superseded by ADR-9" -> ``superseded``); unknown values are returned normalised."""
        cleaned = re.sub(r"[*_`\[\]]", "", raw).strip()
        word = normalise_status_word(cleaned)
        spec = self.spec(type_name)
        known = spec.statuses if spec else ()
        if word in known:
            return word
        if word in self.status_aliases:
            return self.status_aliases[word]
        for status in sorted(known, key=len, reverse=True):
            if word.startswith(status + "-") or word.startswith(status + ":"):
                return status
        first = re.split(r"[-:,.;(]", word, maxsplit=1)[0]
        if first in self.status_aliases:
            return self.status_aliases[first]
        return word
