"""``streams.widen_pipe``: a large output asks for a larger pipe under standard output."""

from __future__ import annotations

import fcntl
import io
import os
import sys
from pathlib import Path

import pytest

from tracegraph import streams


@pytest.fixture(autouse=True)
def fresh(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(streams, "_WIDENED", set())


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="F_SETPIPE_SZ is Linux's")
def test_a_large_output_widens_the_pipe_it_goes_to() -> None:
    read, write = os.pipe()
    try:
        with os.fdopen(os.dup(write), "w") as small, os.fdopen(os.dup(write), "w") as large:
            before = fcntl.fcntl(write, fcntl.F_GETPIPE_SZ)
            streams.widen_pipe(small, streams.LARGE_OUTPUT - 1)
            assert fcntl.fcntl(write, fcntl.F_GETPIPE_SZ) == before
            streams.widen_pipe(large, 4 * 2**20)
            assert fcntl.fcntl(write, fcntl.F_GETPIPE_SZ) == streams.PIPE_BYTES > before
    finally:
        os.close(read)
        os.close(write)


def test_anything_but_a_pipe_is_left_alone(tmp_path: Path) -> None:
    """A file is looked at once and left as it is; a stream without a descriptor (a test's
    capture) is no error."""
    with open(tmp_path / "out.json", "w", encoding="utf-8") as handle:
        streams.widen_pipe(handle, 4 * 2**20)
        assert {handle.fileno()} == streams._WIDENED
        handle.write("{}")
    streams.widen_pipe(io.StringIO(), 4 * 2**20)
    assert (tmp_path / "out.json").read_text(encoding="utf-8") == "{}"
