"""memory: glibc's mapping threshold for a large check (Linux); what a run keeps to its end."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

CODE = """
import ctypes, sys
from tracegraph import memory

class Info(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena ordblks smblks hblks hblkhd usmblks fsmblks uordblks fordblks keepcost".split()
    )]

libc = ctypes.CDLL(None)
libc.mallinfo2.restype = Info
if sys.argv[1] == "1":
    assert memory.fix_mmap_threshold()
big = bytearray(20 << 20)
del big  # a mapped block freed: glibc alone raises its threshold to its size
before = libc.mallinfo2().hblks
chunk = bytes(4 << 20)
print(libc.mallinfo2().hblks - before)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="mallopt is glibc's (Linux)")
def test_a_fixed_threshold_maps_big_buffers_after_a_bigger_one_was_freed() -> None:
    """With the threshold fixed, a 4 MiB buffer allocated after a 20 MiB one was freed gets a
    mapping of its own (given back when freed); glibc alone takes it from the heap."""
    run = [sys.executable, "-c", CODE]
    mapped = {
        fixed: subprocess.run([*run, fixed], capture_output=True, text=True, check=True).stdout
        for fixed in ("0", "1")
    }
    assert mapped == {"0": "0\n", "1": "1\n"}


def test_what_is_kept_to_the_end_outlives_its_last_reference(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Freed as usual unless the process ends without teardown; then kept to the end (the
    command line's ``run`` says so)."""
    import gc
    import weakref

    from tracegraph import memory

    class Value:
        pass

    monkeypatch.setattr(memory, "_kept", None)
    value = Value()
    gone = weakref.ref(value)
    memory.keep_to_the_end(value)
    del value
    gc.collect()
    assert gone() is None
    memory.ending_without_teardown()
    value = Value()
    kept = weakref.ref(value)
    memory.keep_to_the_end(value)
    del value
    gc.collect()
    assert kept() is not None and memory._kept == [kept()]


def test_a_cold_check_keeps_its_corpus_only_when_asked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tracegraph import api, memory
    from tracegraph.graph import Corpus

    root = tmp_path / "tree"
    root.mkdir()
    (root / "a.md").write_text("# A\n\n[B](b.md)\n")
    (root / "b.md").write_text("# B\n")
    monkeypatch.setattr(memory, "_kept", [])
    api.check_tree(root)
    api.check_tree(root, cache=True, keep=True)  # the cache's output is made after: freed
    assert memory._kept == []
    run = api.check_tree(root, keep=True)
    assert [type(kept) for kept in memory._kept] == [Corpus]
    assert run.documents == len(memory._kept[0].documents) == 2  # type: ignore[attr-defined]


TRIM = """
import sys
from tracegraph import memory

def resident():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * 4096

blocks = [bytearray(8 << 10) for _ in range(12_000)]  # ~96 MiB from the heap, under any threshold
last = bytearray(8 << 10)  # the heap's top stays in use: glibc cannot shrink it by itself
del blocks
before = resident()
if sys.argv[1] == "1":
    assert memory.trim()
print((before - resident()) >> 20)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="malloc_trim is glibc's (Linux)")
def test_trim_gives_back_the_free_middle_of_the_heap() -> None:
    """Freed blocks below the heap's top stay with the process until ``trim``."""
    run = [sys.executable, "-c", TRIM]
    given = {
        asked: int(subprocess.run([*run, asked], capture_output=True, text=True, check=True).stdout)
        for asked in ("0", "1")
    }
    assert given["0"] < 10 and given["1"] > 60


def test_a_paused_collector_runs_again_with_what_the_block_made_frozen() -> None:
    """``collector_paused`` (the command line's imports, the parse): no collection inside, the
    collector on again after it with what the block made frozen (later collections skip it);
    one that was off stays off, nothing frozen."""
    code = (
        "import gc\nfrom tracegraph.memory import collector_paused\n"
        "before = gc.get_freeze_count()\n"
        "with collector_paused():\n"
        "    inside = gc.isenabled()\n"
        "    made = [[] for _ in range(5000)]\n"
        "print(inside, gc.isenabled(), gc.get_freeze_count() - before >= 5000)\n"
        "gc.disable()\nfrozen = gc.get_freeze_count()\n"
        "with collector_paused():\n"
        "    more = [[] for _ in range(100)]\n"
        "print(gc.isenabled(), gc.get_freeze_count() == frozen)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "True", "True", "False", "True"]
