"""Document types and IDs: recognition from file names, folders, titles and front matter."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from ..config import Config, TypeSpec, normalise_status_word
from ..model import Relation

#: ``TYPE-NUMBER`` with any separator spelling, for normalisation of IDs users type.
_LOOSE_ID = re.compile(r"^\s*([A-Za-z][A-Za-z0-9]*?)[-_ ]?0*(\d+)\s*$")
#: A leading number in a file name (``0007-use-kafka.md``); 8+ digits are dates, not numbers.
_LEADING_NUMBER = re.compile(r"^(\d{1,7})(?:[-_. ]|$)")
#: Nygard titles: ``# 7. Use Kafka``.
_NUMBERED_TITLE = re.compile(r"^(\d{1,7})\.\s")
_DIGITS = re.compile(r"\d+")
#: What follows a type's title phrase in a record's own title: an optional abbreviation in
#: parentheses, then a number (``Architecture Decision Record 12``) or a separator and a subject.
_TITLE_NUMBER_OR_SUBJECT = re.compile(r"\s*(?:\([^()]*\))?\s*(?:#?\d|[:\-–—|]\s*\w)")


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
    title_patterns: tuple[tuple[str, re.Pattern[str]], ...]
    mention: re.Pattern[str] | None
    mention_groups: tuple[str, ...]
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
        titles = tuple(
            (t.name, re.compile(p, re.I)) for t in config.types for p in t.title_patterns
        )
        groups = tuple(t.name for t in config.types)
        alternation = "|".join(f"(?P<g{i}>{t.mention_regex})" for i, t in enumerate(config.types))
        mention = re.compile(alternation) if alternation else None
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
        # Every match starts with ``ADR-`` or another literal, unless a type has its own pattern.
        matches: Iterable[re.Match[str]] = (
            matches_at(self.mention, text, self.mention_literals)
            if self.mention_literals
            else self.mention.finditer(text)
        )
        out: list[tuple[int, str]] = []
        for match in matches:
            group = match.lastgroup
            if group is None:
                continue
            type_name = self.mention_groups[int(group[1:])]
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
        """The type a record's title announces: the type's title pattern followed by a number
        (``# ADR 7: ...``, ``# RFC-12``) or by the record's own subject (``# Technical Design
        Document: Billing``). A title that only names the kind of document, such as a guide's
        "Architecture decision record (ADR)", types nothing.

        >>> from tracegraph.config import default_config
        >>> r = Recogniser.from_config(default_config())
        >>> r.type_from_title("ADR 7: Use Kafka"), r.type_from_title("Technical Design Document: X")
        ('ADR', 'TDD')
        >>> r.type_from_title("Architecture decision record (ADR)") is None
        True
        """
        for name, pattern in self.title_patterns:
            match = pattern.search(title)
            if match is None:
                continue
            if _DIGITS.search(match.group(0)) or _TITLE_NUMBER_OR_SUBJECT.match(title, match.end()):
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
