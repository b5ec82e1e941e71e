"""write_atomic and special files: a device or a pipe is written into, never replaced."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

from tracegraph import atomic


def test_a_pipe_is_written_into_not_replaced(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    atomic.write_atomic(fifo, "through the pipe")
    reader.join(10)
    assert got == [b"through the pipe"]
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipe"]  # no temporary file left


def test_a_regular_file_is_still_replaced(tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    target.write_text("old", encoding="utf-8")
    before = os.stat(target).st_ino
    atomic.write_atomic(target, "new")
    assert target.read_text(encoding="utf-8") == "new"
    assert os.stat(target).st_ino != before  # a new file renamed into place


def test_text_in_pieces_is_written_whole(tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    atomic.write_atomic(target, iter(["one ", "", "two\n", "é"]))
    assert target.read_text(encoding="utf-8") == "one two\né"
