"""``matches_glob``'s string tests for ``**/*SUFFIX`` globs agree with the glob's regexes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracegraph.crawl import matches_glob
from tracegraph.patterns import glob_prefix, glob_regex, match_found, own_glob_regex

PARTS = st.sampled_from(["a", "b.md", ".md", "x.markdown", "md", "c.md.txt", "d.MD", "é", "\n"])
PATHS = st.lists(PARTS, min_size=1, max_size=5).map("/".join)


def by_regex(path: str, pattern: str) -> bool:
    pattern = pattern.strip("/")
    return bool(glob_regex(pattern).match(path)) or bool(glob_regex(pattern + "/**").match(path))


@given(PATHS, st.sampled_from(["**/*.md", "**/*.markdown", "/**/*.md/", "**/*md", "**/*.d"]))
def test_suffix_globs_match_as_their_regexes_do(path: str, pattern: str) -> None:
    assert matches_glob(path, pattern) == by_regex(path, pattern)


GLOB_PARTS = st.sampled_from(["a", "b/", "*", "**", "**/", "?", "[0-9]", "[!a]", "[", "\\", ".md"])
GLOBS = st.lists(GLOB_PARTS, min_size=1, max_size=6).map("".join)
TAILS = st.lists(
    st.sampled_from(["a", "b/", "0", "7", "-", ".md", "/", "\\", "[", "é"]), max_size=6
)


@given(GLOBS, st.data())
def test_a_glob_matches_only_paths_that_start_with_its_literal_prefix(
    glob: str, data: st.DataObject
) -> None:
    """``Config.spec_for`` tries a glob's regex only on the paths that start with
    ``glob_prefix``: no path it would match is left out."""
    prefix = glob_prefix(glob)
    assert glob.startswith(prefix) and not set(prefix) & set("*?[")
    start = data.draw(st.sampled_from([prefix, prefix[:-1], ""]))
    path = start + "".join(data.draw(TAILS))
    if glob_regex(glob).match(path):
        assert path.startswith(prefix)


@pytest.mark.parametrize("compile_glob", [glob_regex, own_glob_regex])
def test_a_bracket_in_a_class_is_a_literal_bracket(compile_glob) -> None:
    pattern = compile_glob("docs[[]v2]/[*]x[?].md")
    assert pattern.match("docs[v2]/*x?.md")
    assert not pattern.match("docsv/*x?.md")
    assert not pattern.match("docs[v2]/axb.md")


@given(GLOBS, st.data())
def test_a_glob_asked_in_re2s_c_layer_matches_as_the_binding_does(
    glob: str, data: st.DataObject
) -> None:
    """``match_found`` (``Config.spec_for``'s test) answers as the pattern's ``match``, for
    paths that do and do not start with the glob's literal prefix, non-ASCII ones too."""
    start = data.draw(st.sampled_from([glob_prefix(glob), glob, ""]))
    path = start + "".join(data.draw(TAILS))
    pattern = glob_regex(glob)
    assert match_found(pattern, path) == (pattern.match(path) is not None)
