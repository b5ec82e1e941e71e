""" "Did you mean" for broken links and anchors: an index, so each lookup does bounded work.

A hostile (or just large) document can hold thousands of broken anchors against thousands of
headings; scoring every heading for every broken anchor is quadratic. ``NameIndex`` keeps the
names by their character bigrams and trigrams; a lookup reads the postings of the word's rarest
grams first, up to
``MAX_POSTINGS`` entries, keeps the ``MAX_CANDIDATES`` names that share most grams with it,
and scores only those with difflib's ratio, exactly as ``difflib.get_close_matches`` would. A
name shares no gram with a word only when they have little in common, so the suggestions
are the ones an exhaustive search gives on realistic names (tests pin that), at a bounded cost.
"""

from __future__ import annotations

import difflib
import itertools
import operator
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from itertools import compress, count, repeat
from operator import contains

#: Postings (name, gram) pairs read per lookup, rarest grams first.
MAX_POSTINGS = 1_500
#: Names scored with difflib per lookup.
MAX_CANDIDATES = 24
#: Words and names longer than this get no suggestion (difflib is quadratic in length).
MAX_LENGTH = 300
#: Distinct lookups per rule run; findings past this many carry no suggestion.
MAX_LOOKUPS = 10_000


_join = operator.add
_SECOND = operator.itemgetter(1)


class LookupBudget:
    """How many more distinct lookups a rule may make (shared by its indexes)."""

    def __init__(self, lookups: int = MAX_LOOKUPS) -> None:
        self.left = lookups

    def spend(self) -> bool:
        """Take one lookup; False once none are left."""
        self.left -= 1
        return self.left >= 0


def grams(text: str) -> set[str]:
    r"""The character bigrams and trigrams of ``text`` padded at both ends (bigrams let short
    words that share no trigram still find each other).

    >>> sorted(grams("ab"))
    ['\x02a', '\x02ab', 'ab', 'ab\x03', 'b\x03']
    """
    return set(gram_run(text))


def gram_run(text: str) -> Iterator[str]:
    """The grams of ``text`` one after another (``grams`` without the set; a gram that occurs
    twice comes twice): what an index intersects with the grams it keeps, without making the
    set of all (``NameIndex``)."""
    padded = f"\x02{text}\x03"
    # Joined in C (bigram i is character i plus i + 1; trigram i is bigram i plus i + 2):
    # slices made in a comprehension cost a third more, 10,000 file names at a time.
    bigrams = list(map(_join, padded, padded[1:]))
    return itertools.chain(bigrams, map(_join, bigrams, padded[2:]))


class NameIndex:
    """Names indexed by their bigrams and trigrams, for bounded close-match lookups.

    ``key`` maps a name (and a looked-up word) to the text whose grams find candidates,
    for example a path's file name; the ratio is always computed on the whole name.

    >>> index = NameIndex(["retry-policy", "overview", "data-model"])
    >>> index.closest("retry-polcy", 0.6)
    'retry-policy'
    """

    def __init__(
        self,
        names: Iterable[str],
        key: Callable[[str], str] = str,
        only: frozenset[str] | None = None,
    ) -> None:
        self.names = sorted({n for n in names if len(n) <= MAX_LENGTH})
        self.key = key
        #: With ``only``, the postings of those grams alone: enough for the words whose
        #: grams are all among them (``covers``), and the same candidates for those.
        self.only = only
        # Postings as arrays of 4-byte numbers: lists of int objects were 8 bytes an entry more,
        # about 60 MB for the paths of 100,000 files.
        self.postings: dict[str, array[int]] = {}
        texts = list(map(key, self.names))
        if only is not None and _by_gram(len(only), texts):
            self._index_by_gram(only, texts)
            return
        get = self.postings.get
        # With ``only``, the kept grams straight from the run (the set of all a name's grams
        # was a third of the build: 9,500 names at 10,000 documents).
        keep = set if only is None else only.intersection
        for number, text in enumerate(texts):
            for gram in keep(gram_run(text)):
                found = get(gram)
                if found is None:
                    found = self.postings[gram] = array("I")
                found.append(number)

    def _index_by_gram(self, only: frozenset[str], texts: list[str]) -> None:
        """The postings of ``only``'s grams over the names' ``texts``, each found by a
        substring test of every padded text in C: a text's grams are its padded form's
        substrings of two or three characters, so the postings are those the gram runs give,
        numbers ascending. Fewer steps than the runs when few grams are kept (``_by_gram``)."""
        padded = [f"\x02{text}\x03" for text in texts]
        postings = self.postings
        for gram in sorted(only):
            found = array("I", compress(count(), map(contains, padded, repeat(gram))))
            if found:
                postings[gram] = found

    def covers(self, word: str) -> bool:
        """Whether the postings answer ``word`` (always, unless built for ``only`` grams)."""
        return self.only is None or self.only.issuperset(grams(self.key(word)))

    def candidates(self, word: str) -> list[str]:
        """The names sharing most grams with ``key(word)``, at most ``MAX_CANDIDATES``."""
        postings = self.postings
        # Grams in sorted order, so that lists of equal length are read in the same order in
        # every process (a set's order follows the per-process string hash seed).
        found = (postings[g] for g in sorted(grams(self.key(word))) if g in postings)
        lists = sorted(found, key=len)
        read: list[array[int]] = []
        budget = MAX_POSTINGS
        for posting in lists:  # rarest first: they say most about the word
            if len(posting) > budget:
                break
            budget -= len(posting)
            read.append(posting)
        shared = Counter(itertools.chain.from_iterable(read))
        size, names = len(word), self.names
        # ``shared.most_common(4 * MAX_CANDIDATES)``, which is documented as this sort, in C
        # (heapq's ``nlargest`` steps through the counts in Python: a third of this call).
        common = sorted(shared.items(), key=_SECOND, reverse=True)[: 4 * MAX_CANDIDATES]
        # Most shared grams first; between equals, the closest length, then by name.
        best = sorted(
            common,
            key=lambda item: (-item[1], abs(len(names[item[0]]) - size), names[item[0]]),
        )
        return [names[number] for number, _count in best[:MAX_CANDIDATES]]

    def closest(self, word: str, cutoff: float) -> str | None:
        """The candidate closest to ``word`` by difflib's ratio, if at least ``cutoff``."""
        if len(word) > MAX_LENGTH:
            return None
        if not self.covers(word):
            raise ValueError(f"this index holds no postings for some grams of {word!r}")
        return closest_match(word, self.candidates(word), cutoff)


def _by_gram(kept: int, texts: list[str]) -> bool:
    """Whether an index of ``kept`` grams over ``texts`` is built faster gram by gram (a
    substring test per gram and text, 50-70 ns) than text by text (each text's gram run,
    60-95 ns a gram, two grams a character). Measured on the 1,000-document tree's
    folders (95-333 names of about 45 characters, 36-315 grams kept): 1.7 -> 0.6 ms for 36
    grams, 1.6 -> 1.0 ms for 63, 0.9 -> 2.0 ms for 311."""
    return kept * len(texts) <= sum(map(len, texts)) * 3


def _ratio(matches: int, length: int) -> float:
    return 2.0 * matches / length if length else 1.0  # as difflib computes it


def _lcs_length(masks: dict[str, int], full: int, size: int, text: str) -> int:
    """Length of the longest common subsequence of ``text`` and the word ``masks`` describes
    (bit-parallel, Hyyrö 2004): an upper bound on the characters SequenceMatcher matches."""
    row = full
    for char in text:
        found = row & masks.get(char, 0)
        row = ((row + found) | (row - found)) & full
    return size - row.bit_count()


def closest_match(word: str, possibilities: list[str], cutoff: float) -> str | None:
    """Exactly ``difflib.get_close_matches(word, possibilities, n=1, cutoff=cutoff)`` (its only
    result or None), without computing SequenceMatcher's ratio for every candidate.

    The ratio is bounded above by the character-count ratio (difflib's ``quick_ratio``) and
    by the longest-common-subsequence ratio (matching blocks form a common subsequence), so
    candidates are tried best bound first and the search stops once no bound can reach the
    best ratio found; ties go to the larger string, as in difflib.

    >>> closest_match("docs/retry-polcy.md", ["docs/retry-policy.md", "docs/other.md"], 0.75)
    'docs/retry-policy.md'
    """
    size = len(word)
    alphabet = tuple(set(word))  # characters outside the word never match
    wanted = tuple(map(word.count, alphabet))
    bounded: list[tuple[float, str]] = []
    for text in possibilities:
        length = size + len(text)
        if _ratio(min(size, len(text)), length) < cutoff:
            continue
        bound = _ratio(sum(map(min, map(text.count, alphabet), wanted)), length)
        if bound >= cutoff:
            bounded.append((bound, text))
    bounded.sort(reverse=True)
    masks: dict[str, int] = {}
    for index, char in enumerate(word):
        masks[char] = masks.get(char, 0) | (1 << index)
    full = (1 << size) - 1
    matcher = difflib.SequenceMatcher()
    matcher.set_seq2(word)
    best: tuple[float, str] | None = None
    floor = cutoff
    for bound, text in bounded:
        if bound < floor:
            break
        if _ratio(_lcs_length(masks, full, size, text), size + len(text)) < floor:
            continue
        matcher.set_seq1(text)
        score = matcher.ratio()
        if score >= cutoff and (best is None or (score, text) > best):
            best = (score, text)
            floor = score
    return best[1] if best is not None else None
