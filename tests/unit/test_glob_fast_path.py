"""``matches_glob``'s string tests for ``**/*SUFFIX`` globs agree with the glob's regexes."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tracegraph.crawl import matches_glob
from tracegraph.patterns import glob_regex

PARTS = st.sampled_from(["a", "b.md", ".md", "x.markdown", "md", "c.md.txt", "d.MD", "é", "\n"])
PATHS = st.lists(PARTS, min_size=1, max_size=5).map("/".join)


def by_regex(path: str, pattern: str) -> bool:
    pattern = pattern.strip("/")
    return bool(glob_regex(pattern).match(path)) or bool(glob_regex(pattern + "/**").match(path))


@given(PATHS, st.sampled_from(["**/*.md", "**/*.markdown", "/**/*.md/", "**/*md", "**/*.d"]))
def test_suffix_globs_match_as_their_regexes_do(path: str, pattern: str) -> None:
    assert matches_glob(path, pattern) == by_regex(path, pattern)
