"""GitHub's heading anchors: the fragments that ``#...`` links must match.

GitHub lower-cases the heading's text (as its HTML holds it: code spans and link texts count,
images do not), removes every character that is not a letter, a mark, a decimal or letter
number, connector punctuation (``_``, ``‿``), a space or a hyphen-minus, and turns *each* space
into a hyphen. Nothing is trimmed or collapsed: two spaces give two hyphens. Letters among the
symbols (circled and squared Latin letters, which Unicode counts as alphabetic) are kept too.
``tests/unit/parse/test_slugs.py`` pins the rule to slugs GitHub itself produced.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

#: ASCII characters GitHub keeps (the rest of ASCII is punctuation, symbols or controls).
_ASCII_DROP: Final = re.compile(r"[^a-z0-9_\- ]")
#: Unicode categories kept besides every letter (L*) and mark (M*).
_KEPT_CATEGORIES: Final = frozenset({"Nd", "Nl", "Pc"})
#: Symbols that Unicode also counts as alphabetic (Other_Alphabetic): circled, negative
#: circled, squared and negative squared Latin letters. GitHub keeps them.
_ALPHABETIC_SYMBOLS: Final = (
    (0x24B6, 0x24E9),
    (0x1F130, 0x1F149),
    (0x1F150, 0x1F169),
    (0x1F170, 0x1F189),
)


def _kept(char: str) -> bool:
    category = unicodedata.category(char)
    if category[0] in "LM" or category in _KEPT_CATEGORIES or char in " -":
        return True
    code = ord(char)
    return any(low <= code <= high for low, high in _ALPHABETIC_SYMBOLS)


def github_slug(text: str) -> str:
    """The anchor GitHub gives a heading whose text is ``text``, before duplicate numbering.

    >>> github_slug("Monitoring & Observability")
    'monitoring--observability'
    >>> github_slug("User Story 2:  Verifying")
    'user-story-2--verifying'
    >>> github_slug("हिन्दी भाषा")
    'हिन्दी-भाषा'
    """
    lowered = text.lower()
    if lowered.isascii():
        kept = _ASCII_DROP.sub("", lowered)
    else:
        kept = "".join(char for char in lowered if _kept(char))
    return kept.replace(" ", "-")


class SlugCounter:
    """Numbers repeated slugs the way GitHub does: ``notes``, ``notes-1``, ``notes-2``; a
    numbered slug that is already taken (by a heading written ``Notes 1``) is skipped."""

    def __init__(self) -> None:
        self._seen: dict[str, int] = {}

    def unique(self, slug: str) -> str:
        """Return ``slug`` the first time, then ``slug-1``, ``slug-2``..."""
        count = self._seen.get(slug)
        if count is None:
            self._seen[slug] = 0
            return slug
        count += 1
        while f"{slug}-{count}" in self._seen:
            count += 1
        self._seen[slug] = count
        self._seen[f"{slug}-{count}"] = 0
        return f"{slug}-{count}"
