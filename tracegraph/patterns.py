"""Regular expressions from configuration: validated once, matched in linear time.

A pattern in ``tracegraph.yaml`` (``id_pattern``, ``title_patterns``) comes with the scanned
repository, so it is untrusted: with a backtracking engine ``(a+)+!?b`` never ends on a line of
``a``. Configured patterns are compiled with RE2 (google-re2), whose matching time is linear in
the text whatever the pattern, and whose compiled size is bounded. RE2's syntax is Python's
without look-around, backreferences, atomic groups and conditionals (rejected with RE2's own
reason); named groups and inline flags (``(?i)``, anywhere) work. A pattern longer than
``MAX_PATTERN_LENGTH`` or one that can match the empty string (it would match at every
character) is rejected too.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, TypeAlias

import re2

#: Characters in one configured pattern.
MAX_PATTERN_LENGTH = 1000
#: Memory RE2 may use for one compiled pattern (its default); a pattern that needs more fails.
MAX_PROGRAM_BYTES = 8 << 20
#: Texts whose every position is tried for an empty match: between them they hold each kind of
#: neighbour (text edge, line break, space, punctuation, letter, digit, non-ASCII letter) on
#: each side, which is all that RE2's empty-width assertions (^ $ \A \z \b \B) look at.
_PROBES = ("", "a", "0", " ", "\n", "-", "é", "a a\na-0\n\n é_.é  a0", "\n a\n", "0 -\n")


class PatternError(ValueError):
    """A configured pattern that cannot be used (the message says why)."""


#: A compiled pattern: ``re.Pattern[str]`` for tracegraph's own, an RE2 pattern for configured
#: ones; both have ``search``, ``finditer`` and ``groups``, and their matches ``start``, ``end``
#: and ``group`` (RE2's binding has no type information, hence Any).
Pattern: TypeAlias = Any
Match: TypeAlias = Any


def _options(ignore_case: bool) -> Any:
    options = re2.Options()
    options.case_sensitive = not ignore_case
    options.log_errors = False  # RE2 would print its own error lines on stderr
    options.max_mem = MAX_PROGRAM_BYTES
    return options


def compile_pattern(
    text: str, *, ignore_case: bool = False, max_length: int | None = MAX_PATTERN_LENGTH
) -> Pattern:
    r"""Compile a configured pattern for linear-time matching; raises PatternError.

    >>> compile_pattern(r"\bKEP-\d+\b").search("see KEP-12.").group()
    'KEP-12'
    >>> compile_pattern("(a+)+!?b").search("a" * 100_000) is None
    True
    """
    if max_length is not None and len(text) > max_length:
        raise PatternError(f"longer than {max_length} characters")
    try:
        compiled: Pattern = re2.compile(text, _options(ignore_case))
    except re2.error as exc:
        reason = exc.args[0] if exc.args else exc
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        raise PatternError(
            f"{reason} (patterns use RE2 syntax: no look-around or backreferences)"
        ) from None
    return compiled


#: ``(regexp, anchor, group)``: an RE2 pattern's C-level matcher, the anchor of a ``match`` and
#: the number of a named group (see ``group_matcher``).
GroupMatcher: TypeAlias = tuple[Any, Any, int]


def group_matcher(compiled: Pattern, name: str) -> GroupMatcher | None:
    """What ``match_group`` needs to read group ``name`` of an anchored match of ``compiled`` (an
    RE2 pattern) without the binding's Python layer, or None where this binding has no such
    layer to go around (or no such group). That layer turns every span into character offsets
    and rebuilds the group index for each ``group(name)``: about 5 us a match, against about 1
    for the C call alone."""
    regexp = getattr(compiled, "_regexp", None)
    anchors = getattr(re2, "_Anchor", None)
    if regexp is None or anchors is None or not hasattr(regexp, "Match"):
        return None
    index = dict(compiled.groupindex).get(name)
    if not isinstance(index, int):
        return None
    return regexp, anchors.ANCHOR_START, index


def match_group(matcher: GroupMatcher, text: str) -> str | None:
    """Group ``matcher`` names of a match of its pattern at the start of ``text`` (None for no
    match), as ``compiled.match(text).group(name)`` says: RE2 matches the UTF-8 bytes, and its
    spans fall on character boundaries.

    >>> matcher = group_matcher(compile_pattern(r"a(?P<x>é+)"), "x")
    >>> match_group(matcher, "aéé!"), match_group(matcher, "bé")
    ('éé', None)
    """
    regexp, anchor, index = matcher
    data = text.encode("utf-8")
    spans = regexp.Match(anchor, data, 0, len(data))
    if spans[0][0] < 0:
        return None
    start, end = spans[index]
    return None if start < 0 else data[start:end].decode("utf-8")


def search_found(compiled: Pattern, text: str) -> bool:
    """Whether ``compiled.search(text)`` finds anything, asked of an RE2 pattern's C layer
    where the binding has one (its ``search`` builds a match object through a generator and
    maps every span to character offsets first).

    >>> search_found(compile_pattern("ADR"), "see ADR 7"), search_found(re.compile("x"), "")
    (True, False)
    """
    return _c_layer_found(compiled, text, "UNANCHORED")


def _c_layer_found(compiled: Pattern, text: str, anchor: str) -> bool:
    """Whether the C layer of RE2 pattern ``compiled`` finds ``text`` with ``anchor``
    (``UNANCHORED``: a search, ``ANCHOR_START``: a match); through the pattern's own
    ``search`` or ``match`` where the binding has no C layer, or for Python's ``re``."""
    regexp = getattr(compiled, "_regexp", None)
    anchors = getattr(re2, "_Anchor", None)
    if regexp is None or anchors is None:
        found = compiled.search(text) if anchor == "UNANCHORED" else compiled.match(text)
        return found is not None
    data = text.encode("utf-8")
    return bool(regexp.Match(getattr(anchors, anchor), data, 0, len(data))[0][0] >= 0)


def check_pattern(text: str) -> str:
    """Validate a configured pattern and return it; raises PatternError saying why not.

    >>> check_pattern(r"(?i)\\bRFC[- ]\\d+")
    '(?i)\\\\bRFC[- ]\\\\d+'
    >>> check_pattern(r"(?<=x)y")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    tracegraph.patterns.PatternError: invalid perl operator: (?<= (patterns use RE2 syntax: ...
    """
    compiled = compile_pattern(text)
    for probe in _PROBES:
        for match in compiled.finditer(probe):
            if match.start() == match.end():
                raise PatternError("it can match the empty string, so it would match anywhere")
    return text


def alternation(patterns: list[str], *, configured: bool) -> tuple[Pattern, tuple[int, ...]]:
    r"""One pattern trying each of ``patterns`` in turn at every position, and the number of the
    group that wraps each (a pattern's own groups shift the numbers of those after it).

    ``configured``: some pattern came from a config file, so all are compiled with RE2;
    otherwise they are tracegraph's own (such as ``\bADR-\d+\b``) and Python's ``re``,
    faster on the many short texts of a document, is used. Raises PatternError.

    >>> pattern, groups = alternation([r"\bA-(\d+)", r"\bB-\d+"], configured=True)
    >>> groups, pattern.search("x B-2").start(groups[1])
    ((1, 3), 2)
    """
    numbers: list[int] = []
    number = 1
    for text in patterns:
        numbers.append(number)
        own = compile_pattern(text) if configured else re.compile(text)
        number += 1 + own.groups
    joined = "|".join(f"({text})" for text in patterns)
    if configured:
        return compile_pattern(joined, max_length=None), tuple(numbers)
    compiled: Pattern = re.compile(joined)
    return compiled, tuple(numbers)


def match_found(compiled: Pattern, text: str) -> bool:
    """Whether ``compiled.match(text)`` finds anything, asked of the C layer as
    ``search_found`` asks (the binding's ``match`` cost 3-7 us a call, the C layer's a third
    of that: ``Config.spec_for`` tries a scoped preset's glob on each document of its type).

    >>> match_found(glob_regex("docs/adr/[0-9]*.md"), "docs/adr/12-x.md")
    True
    >>> match_found(glob_regex("docs/adr/[0-9]*.md"), "x/docs/adr/12-x.md")
    False
    """
    return _c_layer_found(compiled, text, "ANCHOR_START")


@lru_cache(maxsize=1024)
def glob_regex(glob: str) -> Pattern:
    """A glob as an RE2 pattern for a whole path: ``**`` is any folders (possibly none), ``*``
    and ``?`` stay inside one folder, ``[0-9]`` is a character class. Globs come from the config
    too, and ``*a*a*a*b`` backtracks without end in Python's ``re``.

    >>> bool(glob_regex("keps/*/[0-9]*/README.md").match("keps/sig-x/127-userns/README.md"))
    True
    """
    if len(glob) > MAX_PATTERN_LENGTH:
        raise PatternError(f"longer than {MAX_PATTERN_LENGTH} characters")
    return compile_pattern("(?s)" + _glob_body(glob) + r"\z", max_length=None)


@lru_cache(maxsize=1024)
def glob_prefix(glob: str) -> str:
    """The literal start of a glob (up to its first ``*``, ``?`` or ``[``): every path
    ``glob_regex`` matches starts with it, so a path that does not is never handed to RE2.

    >>> glob_prefix("teams/billing/docs/adr/[0-9]*.md"), glob_prefix("**/*.md")
    ('teams/billing/docs/adr/', '')
    """
    ends = [at for at in map(glob.find, "*?[") if at >= 0]
    return glob[: min(ends)] if ends else glob


@lru_cache(maxsize=256)
def own_glob_regex(glob: str) -> re.Pattern[str]:
    """``glob_regex`` with Python's ``re``, for tracegraph's own globs (the presets'), whose
    shapes are known: its matches cost a fraction of RE2's through the binding, and detection
    tries them on every listed file.

    >>> bool(own_glob_regex("[0-9][0-9]-*.md").match("07-x.md"))
    True
    """
    return re.compile("(?s)" + _glob_body(glob) + r"\Z")


def _glob_body(glob: str) -> str:
    parts: list[str] = []
    i = 0
    while i < len(glob):
        if glob.startswith("**/", i):
            parts.append("(?:.*/)?")
            i += 3
        elif glob.startswith("**", i):
            parts.append(".*")
            i += 2
        elif glob[i] == "*":
            parts.append("[^/]*")
            i += 1
        elif glob[i] == "?":
            parts.append("[^/]")
            i += 1
        elif glob[i] == "[" and (end := glob.find("]", i + 2)) > 0:
            body = glob[i + 1 : end]
            negate = body.startswith("!")
            body = body[1:] if negate else body
            escaped = body.replace("\\", "\\\\").replace("[", "\\[")  # ``[[]``: a literal ``[``
            parts.append("[" + ("^" if negate else "") + escaped + "]")
            i = end + 1
        else:
            parts.append(re2.escape(glob[i]))
            i += 1
    return "".join(parts)


@lru_cache(maxsize=512)
def configured_regex(text: str) -> Pattern:
    """A configured pattern (already validated by the config) compiled once, for ``search``,
    ``match`` and ``split`` on text from documents and paths."""
    return compile_pattern(text, max_length=None)
