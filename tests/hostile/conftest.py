"""The hostile corpus, generated once per test session (it holds a 50 MB file and symlinks)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fixtures.hostile.make_hostile import HostileCorpus, make_hostile, unlock


@pytest.fixture(scope="session")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HostileCorpus]:
    """The hostile corpus at ``<tmp>/repo`` with its sentinels at ``<tmp>/outside``."""
    base = tmp_path_factory.mktemp("hostile")
    corpus = make_hostile(base / "repo", base / "outside")
    yield corpus
    unlock(corpus.root)
