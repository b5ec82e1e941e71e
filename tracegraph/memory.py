"""How the C allocator treats a large run's big buffers (Linux, glibc).

glibc serves an allocation of 128 KiB or more with a mapping of its own and returns it to the
system when freed, but after such a block is freed it raises that threshold to the block's size
(up to 32 MiB), so later big buffers (git's output, worker results, tables of a million
entries) come from the heap, whose freed middle is kept by the process. At 100,000 documents
that kept memory was about 50 MiB of the peak (bench/RESULTS.md, memory round 6). A fixed
threshold stops the raising.
"""

from __future__ import annotations

import sys

_M_MMAP_THRESHOLD = -3
#: Allocations of at least this size get a mapping of their own (and go back when freed).
MMAP_THRESHOLD = 1 << 20
#: From this many documents a check fixes the threshold (a small one never allocates enough
#: for it to matter).
LARGE_TREE = 25_000


def fix_mmap_threshold(size: int = MMAP_THRESHOLD) -> bool:
    """Fix glibc's mapping threshold at ``size`` bytes for the rest of the process (and the
    workers it forks); whether that was done (False off Linux or without glibc's
    ``mallopt``)."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes  # only for a large tree: nothing of it in a small check's start-up

    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    return bool(mallopt(_M_MMAP_THRESHOLD, size))
