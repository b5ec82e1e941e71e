"""How the C allocator treats a large run's big buffers (Linux, glibc), and what a process
that ends without tearing its heap down keeps to its end.

glibc serves an allocation of 128 KiB or more with a mapping of its own and returns it to the
system when freed, but after such a block is freed it raises that threshold to the block's size
(up to 32 MiB), so later big buffers (git's output, worker results, tables of a million
entries) come from the heap, whose freed middle is kept by the process. At 100,000 documents
that kept memory was about 50 MiB of the peak (bench/RESULTS.md, memory round 6). A fixed
threshold stops the raising.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import cast

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
    mallopt = _glibc("mallopt", ("c_int", "c_int"))
    return mallopt is not None and bool(mallopt(_M_MMAP_THRESHOLD, size))


#: What ``keep_to_the_end`` was given, once ``ending_without_teardown`` was called; None
#: before (a library caller, the language server, the tests).
_kept: list[object] | None = None


def ending_without_teardown() -> None:
    """Say that this process ends with ``os._exit`` once its command is done (the command
    line's ``run``): ``keep_to_the_end`` then keeps what it is given instead of letting it be
    freed, which would only cost time before the exit."""
    global _kept
    if _kept is None:
        _kept = []


def keep_to_the_end(value: object) -> None:
    """Keep ``value`` alive to the end of a process that ends without teardown
    (``ending_without_teardown``); elsewhere nothing, and it is freed as usual.

    A cold check's corpus was freed when ``check_tree`` returned, object by object, on one
    core between the checks and the output: 10 ms of CPU at 1,000 documents, 0.12 s at 10,000
    (bench/RESULTS.md, round 8 (start))."""
    if _kept is not None:
        _kept.append(value)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many long-lived objects: parsing
    creates no cycles worth collecting, and repeated collections over a growing heap cost
    more than the parsing itself on large corpora. The command line's
    imports run in such a block too: the modules, classes and functions they make live to
    the end, and the 30-40 collections they set off were a tenth of their CPU (about 10 ms
    of a cold start; bench/RESULTS.md, round 10 (start)).

    What the block built is frozen on the way out (``gc.freeze``): the youngest generation
    then holds millions of objects, and the first collection after would walk them all
    (0.3-0.4 s at 10k documents, twice per check, and again at exit) only to find that they
    live on. Frozen objects are still freed by their reference counts; only cycles among
    them wait for ``gc.unfreeze`` (the language server unfreezes and collects on each
    rescan)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.freeze()
            gc.enable()


_TRIM: list[Callable[[int], int] | None] = []


def trim() -> bool:
    """Give the C heap's free pages back to the system (glibc's ``malloc_trim``): what a
    rule's tables and buffers of under ``MMAP_THRESHOLD`` freed in the heap's middle, which
    the process otherwise keeps, so that the next rule's memory starts lower. Whether it
    could be asked (False off Linux or without glibc)."""
    if not _TRIM:
        _TRIM.append(_malloc_trim())
    call = _TRIM[0]
    if call is None:
        return False
    call(0)
    return True


def _malloc_trim() -> Callable[[int], int] | None:
    return _glibc("malloc_trim", ("c_size_t",))


def _glibc(name: str, arguments: tuple[str, ...]) -> Callable[..., int] | None:
    """glibc's function ``name`` taking C ``arguments`` (ctypes type names) and returning an
    int; None off Linux or without it. ctypes is imported only here: only a large tree asks,
    so nothing of it weighs on a small check's start-up."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    try:
        function = getattr(ctypes.CDLL(None), name)
    except (OSError, AttributeError):
        return None
    function.argtypes = tuple(getattr(ctypes, argument) for argument in arguments)
    function.restype = ctypes.c_int
    return cast("Callable[..., int]", function)
