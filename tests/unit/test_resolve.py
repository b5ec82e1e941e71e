"""The resolver's shortcuts give what the general code gives: a relative path joined per folder,
the URL scheme without the regular expression, one shared (status, fragment) tuple per link."""

from __future__ import annotations

import doctest
import importlib.util
import posixpath
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import SAMPLE_REPO
from tracegraph import api, resolve
from tracegraph.model import link_more

_PART = st.sampled_from(["a", "b", "docs", "..", ".", "", "x.md", "y z.md", ".hidden"])
# Relative paths (one from the root is normalised whole, before ``_join``).
_PATH = st.lists(_PART, min_size=1, max_size=6).map("/".join).filter(lambda p: p[:1] != "/")
_BASE = st.lists(st.sampled_from(["a", "b", "docs", "teams"]), max_size=4).map("/".join)


def test_the_doctests_pass() -> None:
    """Read from the source (doctest finds no examples in the compiled module)."""
    source = Path(resolve.__file__).with_name("resolve.py")
    spec = importlib.util.spec_from_file_location("tracegraph._resolve_source", source)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    failed, tried = doctest.testmod(module)
    assert failed == 0 and tried >= 2


@given(_BASE, _PATH)
def test_a_path_joined_per_folder_is_the_normalised_join(base: str, path: str) -> None:
    resolver = resolve.Resolver({}, {}, frozenset())
    expected = posixpath.normpath(f"{base}/{path}" if base else path)
    assert resolver._join(base, path) == expected
    assert resolver._join(base, path) == expected  # and again, from the folder cache


@given(st.text(alphabet="hHtTpPsS:/aZ09+.-x@", max_size=12))
def test_the_scheme_is_the_regular_expressions(target: str) -> None:
    match = resolve._SCHEME.match(target)
    assert resolve._scheme(target) == ("" if match is None else match.group(1).lower())


def test_links_share_their_status_and_fragment() -> None:
    """The resolver hands every link the one ``(status, fragment)`` tuple of its kind (a
    compiled resolver must not copy it: 1.6M links at 100k documents)."""
    corpus = api.scan(SAMPLE_REPO)
    assert corpus.links
    for link in corpus.links:
        assert link._more is link_more(link.status, link.fragment)
