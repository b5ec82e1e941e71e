""" "Did you mean" through an index: the suggestions an exhaustive search gives, bounded work."""

from __future__ import annotations

import difflib
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.helpers import WORDS
from tests.unit.checks.conftest import where
from tracegraph.checks import suggest
from tracegraph.checks.links import AnchorTable, PathSuggestions
from tracegraph.checks.suggest import MAX_CANDIDATES, LookupBudget, NameIndex
from tracegraph.parse.slugs import github_slug

#: Headings as real design documents write them (the TDD template and common additions).
HEADINGS = [
    "Overview",
    "System Architecture",
    "API Design",
    "Data Model",
    "Security Considerations",
    "Performance",
    "Scalability",
    "Monitoring & Observability",
    "Error Handling",
    "Testing Strategy",
    "Deployment Plan",
    "Migration & Backward Compatibility",
    "Dependencies",
    "Risks & Mitigations",
    "Open Questions",
    "Timeline",
    "Approval",
    "Retry Policy",
    "Rate Limiting",
    "Authentication and Authorization",
    "Rollout Strategy",
    "Alternatives Considered",
    "Decision Outcome",
    "Consequences",
    "Context and Problem Statement",
]


def exhaustive(word: str, names: list[str], cutoff: float) -> str | None:
    found = difflib.get_close_matches(word, names, n=1, cutoff=cutoff)
    return found[0] if found else None


def typos(word: str, rng: random.Random) -> list[str]:
    """The slips people make: a letter dropped, doubled, swapped, replaced; a word dropped;
    underscores for hyphens; a plural."""
    i = rng.randrange(1, len(word) - 1)
    out = [
        word[:i] + word[i + 1 :],
        word[:i] + word[i] + word[i:],
        word[: i - 1] + word[i] + word[i - 1] + word[i + 1 :],
        word[:i] + "x" + word[i + 1 :],
        word.replace("-", "_"),
        word + "s",
    ]
    if "-" in word:
        out.append(word.rsplit("-", 1)[0])
    return [t for t in out if t != word]


def realistic_headings(rng: random.Random, distractors: int) -> list[str]:
    """The headings above and ``distractors`` more made of common words."""
    names = set(HEADINGS)
    while len(names) < len(HEADINGS) + distractors:
        names.add(" ".join(rng.sample(WORDS, rng.randint(1, 3))).capitalize())
    return sorted(names)


def realistic_anchors(rng: random.Random, distractors: int) -> list[str]:
    return sorted({github_slug(h) for h in realistic_headings(rng, distractors)})


def test_anchor_suggestions_keep_what_an_exhaustive_search_gets_right():
    rng = random.Random(13)
    anchors = realistic_anchors(rng, 2000)
    index = NameIndex(anchors)
    agree = total = good = 0
    for heading in HEADINGS:
        slug = github_slug(heading)
        for typo in typos(slug, rng):
            expected = exhaustive(typo, anchors, 0.6)
            found = index.closest(typo, 0.6)
            if expected == slug:  # a good suggestion today stays exactly that
                assert found == slug, typo
                good += 1
            total += 1
            agree += found == expected
    assert good > 3 * len(HEADINGS)
    assert agree >= 0.97 * total, (agree, total)


def test_anchor_table_suggests_the_heading_meant():
    table = AnchorTable(frozenset(realistic_anchors(random.Random(5), 500)))
    assert table.suggest("retry-polcy") == "retry-policy"
    assert table.suggest("Error-Handeling") == "error-handling"
    assert table.suggest("monitoring-observability") == "monitoring--observability"
    assert table.suggest("deployment_plan") == "deployment-plan"
    assert table.suggest("quantum-entanglement") is None


def test_path_suggestions_in_a_large_folder():
    rng = random.Random(3)
    names = sorted({"-".join(rng.sample(WORDS, 3)) for _ in range(3000)})
    files = frozenset(f"docs/{n}.md" for n in names) | {"docs/retry-policy.md", "x/moved.md"}
    paths = PathSuggestions(files)
    assert paths.suggest("docs/index.md", "docs/retry-polcy.md") == "retry-policy.md"
    assert paths.suggest("docs/index.md", "docs/moved.md") == "../x/moved.md"
    assert paths.suggest("docs/sub/a.md", "docs/retry-policy") == "../retry-policy.md"
    folder = sorted(files)
    for name in rng.sample(names, 40):
        typo = f"docs/{typos(name, rng)[0]}.md"
        assert paths.suggest("docs/index.md", typo) == (
            None if (e := exhaustive(typo, folder, 0.75)) is None else e.split("/", 1)[1]
        )


def test_an_index_of_some_grams_gives_the_full_indexs_candidates_for_the_words_it_covers():
    rng = random.Random(11)
    names = sorted({"-".join(rng.sample(WORDS, 3)) + ".md" for _ in range(2000)})
    words = [typos(name, rng)[0] for name in rng.sample(names, 8)]
    full = NameIndex(names)
    only = frozenset().union(*(suggest.grams(word) for word in words))
    part = NameIndex(names, only=only)
    assert part.postings.keys() < full.postings.keys()
    assert sum(map(len, part.postings.values())) < 0.8 * sum(map(len, full.postings.values()))
    for word in words:
        assert part.covers(word)
        assert part.candidates(word) == full.candidates(word)
        assert part.closest(word, 0.75) == full.closest(word, 0.75)
    outside = "zzqqzz-unrelated.md"
    assert full.covers(outside) and not part.covers(outside)
    with pytest.raises(ValueError, match="no postings"):
        part.closest(outside, 0.75)


@settings(max_examples=150, deadline=None)
@given(
    names=st.lists(st.text(alphabet="ab-c.\x02\x03é", max_size=12), max_size=30),
    words=st.lists(st.text(alphabet="ab-c.é", max_size=12), min_size=1, max_size=4),
)
def test_an_index_built_gram_by_gram_holds_the_postings_of_one_built_name_by_name(
    names: list[str], words: list[str]
) -> None:
    only = frozenset().union(*(suggest.grams(word) for word in words))
    by_name = NameIndex(names, only=only)
    by_gram = NameIndex([], only=only)
    by_gram.names = by_name.names
    by_gram._index_by_gram(only, by_name.names)
    assert by_gram.postings == by_name.postings
    assert list(by_gram.postings) == sorted(by_gram.postings)  # the dict's order: the grams'


def test_an_index_of_few_grams_is_built_gram_by_gram_with_the_same_suggestions(monkeypatch):
    rng = random.Random(5)
    names = sorted({"-".join(rng.sample(WORDS, 3)) + ".md" for _ in range(1000)})
    words = [typos(name, rng)[0] for name in rng.sample(names, 1)]
    only = frozenset().union(*(suggest.grams(word) for word in words))
    assert suggest._by_gram(len(only), names)  # few grams, many names
    assert not suggest._by_gram(len(only) * 20, names[:50])
    fast = NameIndex(names, only=only)
    monkeypatch.setattr(suggest, "_by_gram", lambda kept, texts: False)
    slow = NameIndex(names, only=only)
    assert fast.postings == slow.postings
    for word in words:
        assert fast.candidates(word) == slow.candidates(word)
        assert fast.closest(word, 0.75) == slow.closest(word, 0.75)


def test_path_suggestions_for_expected_paths_and_any_other():
    rng = random.Random(7)
    names = sorted({"-".join(rng.sample(WORDS, 3)) for _ in range(1500)})
    files = frozenset(f"docs/{n}.md" for n in names)
    typo = [f"docs/{typos(name, rng)[0]}.md" for name in rng.sample(names, 40)]
    expected, unexpected = typo[:30], typo[30:]
    plain = PathSuggestions(files)
    told = PathSuggestions(files)
    told.expect([*expected, None])
    assert told.expected.keys() == {"docs"}
    # Expected paths first (the index holds their grams alone), then the others (an index
    # of every gram replaces it), then the expected ones again from that index.
    for path in [*expected, *unexpected, *expected]:
        assert told.suggest("docs/index.md", path) == plain.suggest("docs/index.md", path)
        told.answers.clear()
    assert told.indexes["docs"].only is None


def test_candidates_are_bounded_and_lookups_are_budgeted():
    names = [f"section-{n}" for n in range(20_000)]
    index = NameIndex(names)
    assert len(index.candidates("sectoin-15")) == MAX_CANDIDATES
    assert index.closest("sectoin-15", 0.6) == "section-15"
    assert index.closest("x" * 1000, 0.6) is None
    budget = LookupBudget(2)
    table = AnchorTable(frozenset(names), budget)
    assert table.suggest("sectoin-1") == "section-1"
    assert table.suggest("sectoin-1") == "section-1"  # remembered, not a second lookup
    assert table.suggest("sectoin-2") == "section-2"
    assert table.suggest("sectoin-3") is None  # the budget is spent


def test_thousands_of_broken_anchors_in_one_file(findings):
    rng = random.Random(2000)
    headings = realistic_headings(rng, 2000)
    anchors = {github_slug(h) for h in headings}
    broken = [t for h in sorted(anchors) for t in typos(h, rng)[:1] if t not in anchors]
    text = "".join(f"## {h}\n\n" for h in headings) + "".join(f"[x](#{t})\n" for t in broken)
    found = findings({"a.md": f"# A\n\n{text}"}, "TG102")
    assert len(found) == len(broken) > 1900
    hinted = [f for f in found if "did you mean" in f.message]
    assert len(hinted) > 0.9 * len(found)
    assert where(found)[0][:2] == ("a.md", 2 * len(headings) + 3)


def test_candidates_do_not_depend_on_the_order_of_a_words_grams(monkeypatch):
    # Two posting lists of equal length and only room to read one: which is read must not
    # follow a set's iteration order (it changes with the per-process hash seed: two cold
    # checks of one 100k tree once gave different "did you mean" hints).
    rng = random.Random(3)
    letters = "abcdefghijklmnoprstuvwyz"  # no x, no q
    starts = {"x" + "".join(rng.choices(letters, k=3)) for _ in range(1200)}
    ends = {"".join(rng.choices(letters, k=3)) + "q" for _ in range(1200)}
    names = sorted(starts)[:1000] + sorted(ends)[:1000]
    index = NameIndex(names)
    answers = []
    for order in (sorted, lambda g: sorted(g, reverse=True)):
        real = suggest.grams
        monkeypatch.setattr(
            suggest, "grams", lambda text, real=real, order=order: order(real(text))
        )
        answers.append(index.candidates("xq"))
        monkeypatch.undo()
    assert answers[0] == answers[1]
    assert len(answers[0]) == MAX_CANDIDATES


@settings(max_examples=200, deadline=None)
@given(
    anchors=st.lists(st.text(alphabet="abcde-12", min_size=1, max_size=12), max_size=30),
    words=st.lists(st.text(alphabet="abcdeAB-12x", min_size=1, max_size=12), max_size=4),
)
def test_an_anchor_table_suggests_what_an_index_of_every_gram_does(anchors, words):
    """TG102's table indexes the grams of the first fragment asked alone, then every gram
    once another fragment is not covered: the same suggestions as a full index."""
    table = AnchorTable(anchors)
    full = NameIndex(table.anchors)
    for word in words:
        assert table.suggest(word) == full.closest(word.lower(), 0.6)


def _candidates_by_most_common(index: NameIndex, word: str) -> list[str]:
    """``NameIndex.candidates`` as written before it sorted the counts itself: with
    ``Counter.most_common``."""
    import itertools
    from collections import Counter

    postings = index.postings
    lists = sorted(
        (postings[g] for g in sorted(suggest.grams(index.key(word))) if g in postings), key=len
    )
    read, budget = [], suggest.MAX_POSTINGS
    for posting in lists:
        if len(posting) > budget:
            break
        budget -= len(posting)
        read.append(posting)
    shared = Counter(itertools.chain.from_iterable(read))
    names = index.names
    best = sorted(
        shared.most_common(4 * MAX_CANDIDATES),
        key=lambda item: (-item[1], abs(len(names[item[0]]) - len(word)), names[item[0]]),
    )
    return [names[number] for number, _count in best[:MAX_CANDIDATES]]


@settings(max_examples=100, deadline=None)
@given(
    names=st.lists(st.text(alphabet="abc-", min_size=2, max_size=7), min_size=50, max_size=400),
    words=st.lists(st.text(alphabet="abcx-", min_size=1, max_size=7), max_size=4),
)
def test_candidates_are_the_most_common_counts_as_counter_gives_them(names, words):
    """The counts sorted in C keep ``Counter.most_common``'s order, ties included (many names
    share as many grams with a word: only the first 96 counts are kept)."""
    index = NameIndex(names)
    for word in words:
        assert index.candidates(word) == _candidates_by_most_common(index, word)
