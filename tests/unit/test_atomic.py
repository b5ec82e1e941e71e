"""write_atomic and special files: a device or a pipe is written into, never replaced."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest

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


def test_temporary_files_are_private_fresh_and_never_followed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fd, tmp = atomic._create_temporary(tmp_path, "report.html")
    os.close(fd)
    assert Path(tmp).parent == tmp_path
    assert Path(tmp).name.startswith(".report.html.") and tmp.endswith(".tmp")
    assert stat.S_IMODE(os.stat(tmp).st_mode) == 0o600
    # A name already taken (by a file or by a planted link) is never opened: the next is tried.
    names = iter(["aa" * 6, "aa" * 6, "bb" * 6])
    monkeypatch.setattr(atomic.os, "urandom", lambda n: bytes.fromhex(next(names)))
    (tmp_path / ".out.aaaaaaaaaaaa.tmp").symlink_to(tmp_path / "elsewhere")
    fd, second = atomic._create_temporary(tmp_path, "out")
    os.close(fd)
    assert Path(second).name == ".out.bbbbbbbbbbbb.tmp"
    assert not (tmp_path / "elsewhere").exists()
    monkeypatch.undo()
    atomic.write_atomic(tmp_path / "out", "done")
    assert (tmp_path / "out").read_text() == "done"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".out.")) == [
        ".out.aaaaaaaaaaaa.tmp",
        ".out.bbbbbbbbbbbb.tmp",
    ]
