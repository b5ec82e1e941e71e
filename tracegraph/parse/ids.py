"""Document types and IDs: recognition from file names, folders, titles and front matter."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field, fields, replace
from typing import Final

from ..config import Config, TypeSpec, mention_pattern, normalise_status_word
from ..model import Relation
from ..patterns import Pattern, compile_pattern, configured_regex, glob_regex, search_found

#: ``TYPE-NUMBER`` with any separator spelling, for normalisation of IDs users type.
_LOOSE_ID = re.compile(r"^\s*([A-Za-z][A-Za-z0-9]*?)[-_ ]?0*(\d+)\s*$")
#: A leading number in a file name (``0007-use-kafka.md``); 8+ digits are dates, not numbers.
_LEADING_NUMBER = re.compile(r"^(\d{1,7})(?:[-_. ]|$)")
#: Nygard titles: ``# 7. Use Kafka``.
_NUMBERED_TITLE = re.compile(r"^(\d{1,7})\.\s")
_DIGITS = re.compile(r"\d+")


def _is_word(text: str, index: int) -> bool:
    """Whether ``re`` reads ``text[index]`` as ``\\w``: a letter, digit or number, or ``_``
    (ASCII by its code, compiled inline; the rest by ``str.isalnum``)."""
    code = ord(text[index])
    if code < 128:
        return 48 <= code <= 57 or 65 <= code <= 90 or 97 <= code <= 122 or code == 95
    return text[index].isalnum()


def _is_decimal(text: str, index: int) -> bool:
    """Whether ``re`` reads ``text[index]`` as ``\\d`` (``str.isdecimal``)."""
    code = ord(text[index])
    if code < 128:
        return 48 <= code <= 57
    return text[index].isdecimal()


def literal_starts(text: str, literals: tuple[str, ...]) -> list[int]:
    """Where each of ``literals`` occurs in ``text`` (``str.find``), in order."""
    starts: list[int] = []
    for literal in literals:
        index = text.find(literal)
        while index >= 0:
            starts.append(index)
            index = text.find(literal, index + 1)
    if len(starts) > 1:
        starts.sort()
    return starts


def matches_at(
    pattern: re.Pattern[str], text: str, literals: tuple[str, ...]
) -> Iterator[re.Match[str]]:
    """``pattern.finditer(text)`` for a pattern whose every match starts with one of
    ``literals``: the pattern is tried only where one occurs (found by ``str.find``), left to
    right, without overlaps. Much faster when the pattern starts with ``\\b``, which keeps the
    regex engine from skipping ahead by itself."""
    end = 0
    for start in literal_starts(text, literals):
        if start < end:
            continue
        match = pattern.match(text, start)
        if match is not None:
            end = match.end()
            yield match


#: (type, number, width) -> canonical ID: the same IDs are mentioned over and over, and
#: formatting one costs about a microsecond.
_CANONICAL: Final[dict[tuple[str, str | int, int], str]] = {}


def canonical_id(type_name: str, number: str | int, width: int = 4) -> str:
    """The one spelling of an ID: upper-case type, hyphen, number padded to ``width`` digits
    (four by default; a type such as EIP sets 0 and keeps its numbers as written).

    >>> canonical_id("adr", "7"), canonical_id("EIP", "0020", 0)
    ('ADR-0007', 'EIP-20')
    """
    key = (type_name, number, width)
    known = _CANONICAL.get(key)
    if known is None:
        value = int(number)
        if value >= 0:  # padded by hand: the nested format spec was two generic calls
            digits = str(value)
            if len(digits) < width:
                digits = "0" * (width - len(digits)) + digits
            known = type_name.upper() + "-" + digits
        else:
            known = f"{type_name.upper()}-{value:0{width}d}"
        if len(known) <= 40 and (isinstance(number, int) or len(number) <= 40):  # bounded
            if len(_CANONICAL) >= 20_000:
                _CANONICAL.clear()
            _CANONICAL[key] = known
    return known


#: The fields of a ``Recogniser`` that remember answers: left out of its pickled form.
_MEMOS: Final = frozenset({"_views", "_statuses"})


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
    #: Folders (POSIX, relative; "" is the whole tree) whose documents have wikilinks: a
    #: wiki-style notes tree found by the crawl, or ``wikilinks: true`` in config.
    wiki_folders: tuple[str, ...] = ()
    #: Digits per type an ID is padded to.
    widths: tuple[tuple[str, int], ...] = ()
    #: (type, compiled ``paths`` globs) of types that claim documents by path, in order.
    path_claims: tuple[tuple[str, tuple[Pattern, ...]], ...] = ()
    #: Field-line keys read under the title: the built-in ones plus every type's own.
    field_keys: frozenset[str] = frozenset()
    #: Other prefixes of a type's IDs, upper-case (``ERC`` -> ``EIP``).
    aliases: tuple[tuple[str, str], ...] = ()
    #: Settings of a type for the documents their ``paths`` match (``Config.scoped``).
    scoped: tuple[tuple[TypeSpec, tuple[Pattern, ...]], ...] = ()
    #: The recognisers of documents that scoped settings apply to, by which ones apply.
    _views: dict[tuple[int, ...], Recogniser] = field(
        default_factory=dict, compare=False, repr=False
    )
    #: (written status, type) -> ``normalise_status``'s answer: a tree repeats a handful of
    #: statuses, and each answer costs three ``re`` module calls and an interpreted helper.
    _statuses: dict[tuple[str, str], str] = field(default_factory=dict, compare=False, repr=False)

    def __reduce__(self) -> tuple[type[Recogniser], tuple[object, ...]]:
        """Pickled as its fields, for worker processes that are not forked (spawn on macOS,
        forkserver by default from Python 3.14): the compiled build's frozen classes cannot be
        restored attribute by attribute. The views cache starts empty."""
        values = tuple(getattr(self, f.name) for f in fields(self) if f.name not in _MEMOS)
        return Recogniser, values

    @classmethod
    def from_config(cls, config: Config) -> Recogniser:
        """Compile the patterns of every configured type."""
        scoped = tuple((t, tuple(glob_regex(g) for g in t.paths)) for t in config.scoped)
        claims = tuple((t.name, globs) for t, globs in scoped) + tuple(
            (t.name, tuple(glob_regex(g) for g in t.paths)) for t in config.types if t.paths
        )
        return cls._compile(
            config.types, dict(config.status_aliases), dict(config.relations), claims, scoped
        )

    @classmethod
    def _compile(
        cls,
        types: tuple[TypeSpec, ...],
        status_aliases: dict[str, str],
        relations: dict[str, Relation],
        claims: tuple[tuple[str, tuple[Pattern, ...]], ...],
        scoped: tuple[tuple[TypeSpec, tuple[Pattern, ...]], ...],
    ) -> Recogniser:
        names = frozenset(t.name for t in types)
        file_patterns = tuple(
            (t.name, re.compile(rf"^{re.escape(t.name)}[-_]?0*(\d+)(?:\b|_|$)", re.I))
            for t in types
        )
        # Title patterns come from the config (the defaults too): RE2, linear time.
        titles = tuple(
            (t.name, compile_pattern(p, ignore_case=True)) for t in types for p in t.title_patterns
        )
        mention: Pattern | None = None
        groups: tuple[tuple[int, str], ...] = ()
        if types:
            mention, numbers = mention_pattern(types)
            groups = tuple(zip(numbers, (t.name for t in types), strict=True))
        every = types + tuple(t for t, _ in scoped)
        return cls(
            types=types,
            type_names=names,
            file_patterns=file_patterns,
            title_patterns=titles,
            mention=mention,
            mention_groups=groups,
            folders={f.lower(): t.name for t in types for f in t.folders},
            status_aliases=status_aliases,
            relations=relations,
            mention_literals=(
                tuple(f"{t.name}-" for t in types) if not any(t.id_pattern for t in types) else ()
            ),
            widths=tuple((t.name, t.id_width) for t in types),
            path_claims=claims,
            field_keys=frozenset(k for t in every for k in t.field_lines),
            aliases=tuple((a, t.name) for t in every for a in t.id_aliases),
            scoped=scoped,
        )

    def for_path(self, path: str) -> Recogniser:
        """The recogniser of the document at ``path``: this one, or, where scoped settings of
        a type hold there (a preset's folder), one whose types carry those settings (their
        statuses, fields, ID patterns for mentions in that document's text)."""
        if not self.scoped:
            return self
        chosen: dict[str, int] = {}
        for index, (spec, globs) in enumerate(self.scoped):
            if spec.name not in chosen and any(g.match(path) for g in globs):
                chosen[spec.name] = index
        if not chosen:
            return self
        key = tuple(sorted(chosen.values()))
        view = self._views.get(key)
        if view is None:
            variants = {self.scoped[i][0].name: self.scoped[i][0] for i in key}
            types = tuple(variants.get(t.name, t) for t in self.types)
            view = self._compile(types, self.status_aliases, self.relations, self.path_claims, ())
            view = replace(
                view, widths=self.widths, aliases=self.aliases, wiki_folders=self.wiki_folders
            )
            self._views[key] = view
        return view

    def with_wiki_folders(self, folders: tuple[str, ...]) -> Recogniser:
        """The same recogniser reading ``[[...]]`` as wikilinks in ``folders``."""
        return replace(self, wiki_folders=folders, _views={}, _statuses={})

    def has_wikilinks(self, path: str) -> bool:
        """Whether the document at ``path`` is read with wikilinks.

        >>> from tracegraph.config import default_config
        >>> r = Recogniser.from_config(default_config()).with_wiki_folders(("notes",))
        >>> r.has_wikilinks("notes/a.md"), r.has_wikilinks("notes2/a.md")
        (True, False)
        """
        return any(not f or path.startswith(f + "/") for f in self.wiki_folders)

    def canonical(self, type_name: str, number: str | int) -> str:
        """``canonical_id`` with the type's own width."""
        upper = type_name.upper()
        for name, width in self.widths:
            if name == upper:
                return canonical_id(upper, number, width)
        return canonical_id(upper, number)

    def type_from_path(self, path: str) -> str | None:
        """The type whose ``paths`` globs match ``path`` (a convention's layout), or None."""
        for name, patterns in self.path_claims:
            if any(p.match(path) for p in patterns):
                return name
        return None

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
        if not match:
            return None
        name = match.group(1).upper()
        name = next((t for alias, t in self.aliases if alias == name), name)
        if name not in self.type_names:
            return None
        return self.canonical(name, match.group(2))

    def find_mentions(self, text: str) -> list[tuple[int, str]]:
        """Every ID mentioned in prose: (character offset, canonical ID)."""
        if self.mention is None:
            return []
        if self.mention_literals:
            return self._literal_mentions(text)
        # A type has its own pattern: ``mention`` is an RE2 pattern, run over the whole text
        # in linear time.
        out: list[tuple[int, str]] = []
        for match in self.mention.finditer(text):
            type_name = None
            for number, name in self.mention_groups:
                if match.start(number) >= 0:
                    type_name = name
                    break
            if type_name is None:
                continue
            digits = _DIGITS.findall(match.group(0))
            if digits:
                out.append((match.start(), self.canonical(type_name, digits[-1])))
        return out

    def _literal_mentions(self, text: str) -> list[tuple[int, str]]:
        """``find_mentions`` when every type's pattern is the built-in ``\\bNAME-\\d+\\b``
        (``mention`` is their alternation and ``mention_literals`` their ``NAME-``): what
        ``matches_at(mention, ...)`` finds, read without the regex. At each place a literal
        occurs (left to right, none inside the mention before) the types are tried in order,
        as the alternation does: a word boundary before the name, decimal digits after the
        hyphen, and no word character after them (``\\w`` and ``\\d`` as Python's ``re``
        reads them in text). A test compares both on generated text."""
        literals = self.mention_literals
        starts = literal_starts(text, literals)
        out: list[tuple[int, str]] = []
        if not starts:
            return out
        size = len(text)
        end = 0
        for start in starts:
            if start < end:
                continue
            end = start + 1  # the same place found by two literals is tried once
            before = start > 0 and _is_word(text, start - 1)
            for number, literal in enumerate(literals):
                first = start + len(literal)
                if text.find(literal, start, first) != start or before == _is_word(literal, 0):
                    continue
                last = first
                while last < size and _is_decimal(text, last):
                    last += 1
                if last == first or (last < size and _is_word(text, last)):
                    continue
                name = self.mention_groups[number][1]
                out.append((start, self.canonical(name, text[first:last])))
                end = last
                break
        return out

    def type_from_filename(self, stem: str) -> tuple[str, str] | None:
        """(type, canonical ID) when the file name starts with ``TYPE-NUMBER``."""
        for name, pattern in self.file_patterns:
            match = pattern.match(stem)
            if match:
                return name, self.canonical(name, match.group(1))
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
        """The type a title announces (``# ADR 7: ...``, ``# Technical Design Document:
        Billing``). The built-in patterns want a number or the record's own subject after the
        type's phrase, so a guide titled "Architecture decision record (ADR)" types nothing.

        >>> from tracegraph.config import default_config
        >>> r = Recogniser.from_config(default_config())
        >>> r.type_from_title("ADR 7: Use Kafka"), r.type_from_title("Technical Design Document: X")
        ('ADR', 'TDD')
        >>> r.type_from_title("Architecture decision record (ADR)") is None
        True
        """
        for name, pattern in self.title_patterns:
            if search_found(pattern, title):
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

    def id_from_number(self, type_name: str, stem: str, title: str, path: str = "") -> str | None:
        """An ID from the type's ``path_number``, a leading number in the file name or a
        numbered title of a typed doc."""
        spec = self.spec(type_name)
        if spec is not None and spec.path_number and path:
            found = configured_regex(spec.path_number).search(path)
            if found and found.group(1) and found.group(1).isdigit():
                return self.canonical(type_name, found.group(1))
        match = _LEADING_NUMBER.match(stem)
        if match:
            return self.canonical(type_name, match.group(1))
        spec_match = re.match(rf"^{re.escape(type_name)}[- ]?(\d+)\b", title, re.I)
        if spec_match:
            return self.canonical(type_name, spec_match.group(1))
        match = _NUMBERED_TITLE.match(title)
        if match:
            return self.canonical(type_name, match.group(1))
        return None

    def normalise_status(self, raw: str, type_name: str) -> str:
        """Map a written status onto the type's lifecycle ("In Review" -> ``in-review``,
        "Superseded by ADR-9" -> ``superseded``); unknown values are returned normalised."""
        key = (raw, type_name)
        known = self._statuses.get(key)
        if known is None:
            known = self._normalise_status(raw, type_name)
            if len(raw) <= 200:  # short ones repeat; the memory stays bounded
                if len(self._statuses) >= 4096:
                    self._statuses.clear()
                self._statuses[key] = known
        return known

    def _normalise_status(self, raw: str, type_name: str) -> str:
        cleaned = re.sub(r"[*_`\[\]]", "", raw).strip()
        spec = self.spec(type_name)
        if spec is not None and spec.status_pattern:
            found = configured_regex(spec.status_pattern).search(cleaned)
            if found and found.group(1):
                cleaned = found.group(1)
        word = normalise_status_word(cleaned)
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
