"""A warm rerun answered from what git and ``lstat`` say, before the rest of tracegraph loads.

A check keeps what it printed (``api.keep_output``) under a key made of everything that shaped
it: the config, the templates, the listing, every document's stat, HEAD... Computing that key
takes the config loaded and validated, the listing turned into documents, the presets and the
templates, and importing the modules that do it was two thirds of a warm run. So beside each
kept output this module keeps a *stamp*: the run's settings (``settings_key``) and its raw view
of the tree (``Seen.witness``): git's three answers (``rev-parse``, ``ls-files``, ``remote
get-url``) byte for byte, the ``lstat`` of every listed name, the target and ``stat`` of every
symbolic link, the wiki marker folders, and the ``stat`` of each file the config read besides
the listing (the config files, templates, the review file). A rerun whose settings and raw view
are the same prints the kept output having imported only this module, ``gitcmd`` and the
state-folder helpers; anything else is a miss, and its raw view goes to the crawl, which asks
git nothing twice.

Everything a key is made of is read here the way the full run reads it (the same git commands
through ``run_git``, the same ``lstat`` loop), so the stamp can only be as old as the output it
points to. It is only stored for a settled run (no file changed within ``RACY_SECONDS``), at
the top of a git work tree (below it, whether git ignores the root is one more question).
"""

from __future__ import annotations

import codecs
import logging
import marshal
import os
import stat
import sys
import time
import zlib
from collections.abc import Callable
from contextlib import closing, suppress
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, TextIO, TypeAlias

from . import __version__
from .atomic import write_atomic
from .errors import TracegraphError
from .gitcmd import GitError, PendingGit, begin_git, begin_probe, run_git
from .state import CACHE_DIR as CACHE_DIR
from .state import STATE_DIR, WARNED, shipped_state
from .state import usable_state as usable_state

if TYPE_CHECKING:
    import hashlib
    import sqlite3
else:  # imported on first use (``_lazy``)
    from ._lazy import hashlib, sqlite3

log = logging.getLogger(__name__)

#: Bump when the stamp's layout or what it covers changes.
STAMP_FORMAT = 1
RESULTS_FILE = "results.sqlite"
#: How many printed outputs (other formats, options or trees) one root keeps, and the largest
#: kept (a JSON report of 100,000 documents is about 50 MB).
OUTPUTS_KEPT = 4
#: Stamps kept: one per output, and one more per output under its command line's key.
STAMPS_KEPT = 2 * OUTPUTS_KEPT
OUTPUT_LIMIT = 256 * 2**20
#: The kept outputs' texts: ``.tracegraph/cache/output-KEY.txt``.
OUTPUT_PREFIX = "output-"

#: Where the root stands in git (``githistory.probe_repository`` reads the answer): inside a
#: work tree, shallow, the prefix, then HEAD and its parents (none for a root commit: a
#: history of one commit, in which TG503 reads nothing more), then ``--`` (which keeps a file
#: named like a revision from making git's answer ambiguous).
PROBE_ARGS = (
    "rev-parse", "--is-inside-work-tree", "--is-shallow-repository", "--show-prefix",
    "HEAD^{commit}", "HEAD^@", "--",
)  # fmt: skip
PROBE_TIMEOUT = 30.0
#: The listing: what the team commits, plus new files it has not ignored.
LIST_ARGS = ("ls-files", "-co", "--exclude-standard", "-z")
#: git lists even a very large tree in about a second; longer means something is in its way
#: (a FIFO where git reads), and the folders are walked instead.
LIST_TIMEOUT = 8.0
#: The repository's own address (``repository.find_addresses``).
REMOTE_ARGS = ("remote", "get-url", "origin")
REMOTE_TIMEOUT = 30.0
#: Folders that turn wikilinks on for the folder holding them (``crawl.find_wiki_scope``).
WIKI_MARKER_FOLDERS = {".obsidian": "an Obsidian vault", ".foam": "a Foam workspace"}

if TYPE_CHECKING:
    from .gitcmd import GitOutput

    #: git's answer to one command, or why git could not be run.
    Answer: TypeAlias = GitOutput | GitError
#: The listing the last stamp saw (``.tracegraph/cache/listing.bin``, git's bytes): while git
#: lists the tree again, ``look`` takes the ``lstat`` of these names, and keeps them when git's
#: new listing is the same bytes (a tree's names rarely change between two runs). A larger one
#: is not read.
GUESS_FILE = "listing.bin"
GUESS_LIMIT = 64 * 2**20
#: What the crawl reads of an ``lstat``: (size, mtime_ns, ctime_ns, mode).
FileStat = tuple[int, int, int, int]
_MISSING: FileStat = (-1, -1, -1, -1)


def ask_git(root: Path, args: tuple[str, ...], timeout: float) -> Answer:
    """``run_git`` (hardened), with a failure to run git as the answer."""
    try:
        return run_git(root, *args, timeout=timeout)
    except GitError as exc:
        return exc


def _answer_bytes(answer: Answer | None) -> bytes:
    if answer is None:
        return b"none\0"
    if isinstance(answer, GitError):
        return b"error\0" + str(answer).encode("utf-8", "surrogatepass") + b"\0"
    return b"%d\0%d\0%b\0%d\0%b\0" % (
        answer.returncode, len(answer.stdout), answer.stdout, len(answer.stderr), answer.stderr,
    )  # fmt: skip


def display_name(name: str) -> str:
    """A file name as valid Unicode: undecodable bytes (kept by ``os.fsdecode`` as lone
    surrogates, which no output format can encode) become U+FFFD; reading such a document
    then reports that its name is not UTF-8."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return name


def dirs_of(files: list[str] | frozenset[str] | tuple[str, ...]) -> frozenset[str]:
    """Every folder holding a file of ``files``, and their parents ("" is the root)."""
    dirs: set[str] = {""}
    for parent in {path.rpartition("/")[0] for path in files}:  # each folder of a file once
        while parent and parent not in dirs:
            dirs.add(parent)
            parent = parent.rpartition("/")[0]
    return frozenset(dirs)


@dataclass(frozen=True)
class Listed:
    """git's listing with one ``lstat`` per name: the files that exist (regular files and
    symbolic links, names shown as valid Unicode), the links among them, the stat of each
    file whose shown name is its listed name, and the stat of every listed name in order
    (``_MISSING`` for a name that is gone)."""

    files: list[str]
    links: list[str]
    stats: dict[str, FileStat]
    taken: list[FileStat]
    #: False when only each name's kind was read (``list_files(stat_all=False)``): ``stats``
    #: and ``taken`` are empty, and no stamp can be made of it.
    complete: bool = True


_STATE_PREFIX = f"{STATE_DIR}/".encode()


def _lists_state(listing: bytes) -> bool:
    """Whether git's ``listing`` names files in the state folder (``_tracked_state``)."""
    return listing.startswith(_STATE_PREFIX) or b"\0" + _STATE_PREFIX in listing


def _tracked_state(root: Path) -> None:
    """Mark ``root`` when git tracks files in its state folder (``state.shipped_state``): the
    listing shows tracked and unignored files alike, and the folder's own ``.gitignore`` only
    hides what tracegraph wrote, so a second, narrow listing tells them apart (rarely run).
    When git cannot say, the state is not trusted either."""
    try:
        answer = run_git(root, "ls-files", "-c", "-z", "--", STATE_DIR, timeout=LIST_TIMEOUT)
    except GitError:
        shipped_state(root)
        return
    if answer.returncode != 0 or answer.stdout:
        shipped_state(root)


def list_files(root: Path, listing: bytes, *, stat_all: bool = True) -> Listed:
    """``Listed`` of a ``git ls-files -z`` output. One ``lstat`` per file (not pathlib's two
    stats): this loop runs for every file of the tree. Files listed in the state folder mean
    the repository may ship its own ``.tracegraph`` (``_tracked_state``). Without
    ``stat_all`` (a run that keeps no stat: no cache, no stamp) only each name's kind is read,
    from its folder's listing where that is cheaper (``_list_kinds``)."""
    if _lists_state(listing):
        _tracked_state(root)
    # One decode for the whole listing; when it is valid UTF-8 (the file system's encoding)
    # every name is shown as it is listed, else each name is decoded and checked on its own.
    try:
        if codecs.lookup(sys.getfilesystemencoding()).name != "utf-8":
            raise UnicodeError("not a UTF-8 file system")
        names, plain = listing.decode("utf-8").split("\0"), True
    except UnicodeError:
        names, plain = [os.fsdecode(raw) for raw in listing.split(b"\0")], False
    if not stat_all:
        return _list_kinds(root, names, plain)
    out: list[str] = []
    links: list[str] = []
    stats: dict[str, FileStat] = {}
    taken: list[FileStat] = []
    missing = _MISSING
    is_link, is_file = stat.S_ISLNK, stat.S_ISREG
    for name, found in zip(
        names, lstat_names(os.path.join(os.fspath(root), ""), names), strict=True
    ):
        if not name:
            continue
        # ls-files lists deleted-but-tracked files too; only what exists counts.
        if found is None:
            taken.append(missing)
            continue
        taken.append(found)
        mode = found[3]
        shown = name if plain else display_name(name)
        if is_link(mode):
            out.append(shown)
            links.append(shown)
        elif is_file(mode):
            out.append(shown)
        else:
            continue
        if shown == name:
            stats[name] = found
    return Listed(out, links, stats, taken)


def lstat_names(prefix: str, names: list[str]) -> list[FileStat | None]:
    """The ``lstat`` of ``prefix + name`` for each of ``names`` as (size, mtime_ns, ctime_ns,
    mode), None where there is none (and for the empty name): from the optional C build
    (``tracegraph/_stat.c``, about half the time) when it is installed, else ``os.lstat``."""
    if _STAT_NAMES is not None:
        return _STAT_NAMES(os.fsencode(prefix), names)
    out: list[FileStat | None] = []
    lstat = os.lstat
    for name in names:
        try:
            st = lstat(prefix + name) if name else None
        except (OSError, ValueError):
            st = None
        out.append(None if st is None else (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_mode))
    return out


#: The ``tracegraph._stat`` build this source expects (its ``ABI``).
STAT_ABI = 1


def _load_stat_names() -> Callable[[bytes, list[str]], list[FileStat | None]] | None:
    """``tracegraph._stat.stat_names`` when that build is installed and is the one this
    source expects; never with ``TRACEGRAPH_PURE`` set (as the parser)."""
    if os.environ.get("TRACEGRAPH_PURE"):
        return None
    try:
        from . import _stat
    except ImportError:
        return None
    if getattr(_stat, "ABI", None) != STAT_ABI:
        return None
    return _stat.stat_names


_STAT_NAMES = _load_stat_names()


#: What a listed name is (``_list_kinds``): gone or neither a file nor a link, a regular
#: file, a symbolic link.
_OTHER, _FILE, _LINK = 0, 1, 2
#: A folder holding fewer listed names than this has them ``lstat``-ed one by one: reading a
#: folder costs about what a few ``lstat`` calls do.
SCAN_FROM = 8
#: A folder is read up to this many entries per listed name, and this many more.
SCAN_PER_NAME = 4
SCAN_SLACK = 64


def _list_kinds(root: Path, names: list[str], plain: bool) -> Listed:
    """``list_files`` without the stats: which listed names are regular files or symbolic
    links, each folder of ``SCAN_FROM`` names or more read once (``os.scandir``: the kind
    of every entry without an ``lstat`` each, a third of the time) instead of one ``lstat``
    per name. A name its folder's entries do not show (an unreadable folder, a name spelt
    otherwise on disk, a folder read only in part) is ``lstat``-ed as ``list_files`` does,
    so every name gets the kind its ``lstat`` gives."""
    prefix = os.path.join(os.fspath(root), "")
    counts: dict[str, int] = {}
    for name in names:
        if name:
            folder = name.rpartition("/")[0]
            counts[folder] = counts.get(folder, 0) + 1
    read: dict[str, dict[str, int]] = {}
    out: list[str] = []
    links: list[str] = []
    for name in names:
        if not name:
            continue
        folder, _, base = name.rpartition("/")
        kinds = read.get(folder)
        if kinds is None:
            kinds = read[folder] = _folder_kinds(prefix, folder, name, counts[folder])
        kind = kinds.get(base)
        if kind is None:
            kind = _kind(prefix + name)
        if kind:
            shown = name if plain else display_name(name)
            out.append(shown)
            if kind == _LINK:
                links.append(shown)
    return Listed(out, links, {}, [], complete=False)


def _folder_kinds(prefix: str, folder: str, first: str, count: int) -> dict[str, int]:
    """The kind of each entry of ``folder`` (under ``prefix``), which lists ``count`` names
    with ``first`` among them; empty when it is cheaper or only correct to ``lstat`` them.

    An ``lstat`` of ``first`` must succeed: a folder that may be read but not searched lists
    its entries while an ``lstat`` of each fails. At most ``SCAN_PER_NAME`` entries per listed
    name are read (a folder of many ignored files costs little more than its listed names
    would)."""
    kinds: dict[str, int] = {}
    if count < SCAN_FROM or _kind(prefix + first) is None:
        return kinds
    left = SCAN_PER_NAME * count + SCAN_SLACK
    try:
        with os.scandir(prefix + folder) as entries:
            for entry in entries:
                if entry.is_symlink():
                    kinds[entry.name] = _LINK
                elif entry.is_file(follow_symlinks=False):
                    kinds[entry.name] = _FILE
                else:
                    kinds[entry.name] = _OTHER
                left -= 1
                if not left:
                    break
    except OSError:  # the names not read yet are lstat-ed
        pass
    return kinds


def _kind(path: str) -> int | None:
    """What ``path`` is by its ``lstat``; None when it cannot be ``lstat``-ed."""
    try:
        mode = os.lstat(path).st_mode
    except (OSError, ValueError):
        return None
    return _LINK if stat.S_ISLNK(mode) else _FILE if stat.S_ISREG(mode) else _OTHER


def library_state(name: str) -> object:
    """Which installed copy of a library a run would use, without importing it (importing
    networkx alone costs more than answering a warm run): its file's path, size and mtime."""
    import importlib.util

    try:
        spec = importlib.util.find_spec(name)
        origin = spec.origin if spec is not None else None
        if origin is None:
            return None
        st = os.stat(origin)
    except (ImportError, ValueError, OSError):
        return None
    return origin, st.st_size, st.st_mtime_ns


@dataclass
class Seen:
    """What one run asked git about ``root`` and saw of its files, once: the crawl uses it
    instead of asking again, and a kept output's stamp is checked against it. ``listing``
    and ``remote`` are None when not asked (the root is not the top of a work tree)."""

    root: Path
    #: The settings this run was given (``settings_key``).
    settings: str
    #: When the run started (``time.time_ns``), before git was asked or a file stat-ed.
    started: int
    probe: Answer
    listing: Answer | None = None
    remote: Answer | None = None
    listed: Listed | None = None
    #: Another key this run's stamp is stored under too: its command line's
    #: (``command_line``), so that the same command answers before the CLI loads.
    alias: str | None = None
    #: Whether the listing was the one ``GUESS_FILE`` held (its ``lstat``s taken while git
    #: listed the tree); when not, the listing's bytes, for the stamp to keep as the next
    #: guess (``put_stamp``).
    guessed: bool = False
    unguessed: bytes | None = field(default=None, repr=False)
    _witness: str | None = field(default=None, repr=False)

    @property
    def inside(self) -> bool:
        """Whether git answered that the root is inside a work tree."""
        probe = self.probe
        return not isinstance(probe, GitError) and probe.stdout.startswith(b"true\n")

    @property
    def at_top(self) -> bool:
        """Whether git answered that the root is the top of a work tree (then the listing,
        never ignored, is the tree)."""
        probe = self.probe
        if isinstance(probe, GitError) or not probe.stdout.startswith(b"true\n"):
            return False
        lines = probe.stdout.split(b"\n")
        return len(lines) >= 3 and lines[2] == b""

    def witness(self, dirs: frozenset[str] | None = None) -> str | None:
        """The digest of everything this run saw without the config: git's answers, the
        ``lstat`` of every listed name, each symbolic link's target and ``stat``, which folders
        (``dirs``: those of the listed files) hold a wiki marker folder. None when the listing
        is not at hand. Taken once, before the crawl reads the links and markers: a change
        after it makes the stamp a miss, never a stale answer."""
        if self._witness is None:
            self._witness = self._digest(dirs)
        return self._witness or None

    def settle(self) -> None:
        """Let go of git's listing and its ``lstat``s once the crawl has used them: the stamp
        needs only their digest (``witness``, taken here if the crawl did not), and at 100,000
        files they are about 45 MB that a check otherwise held to its end."""
        self.witness()
        listing = self.listing
        if not self.guessed and listing is not None and not isinstance(listing, GitError):
            self.unguessed = listing.stdout
        self.listed = None
        self.listing = None

    def _digest(self, dirs: frozenset[str] | None) -> str:
        listed, listing = self.listed, self.listing
        if listed is None or not listed.complete or listing is None:
            return ""
        if isinstance(listing, GitError):
            return ""
        digest = hashlib.sha256(b"tracegraph-stamp\0%d\0" % STAMP_FORMAT)
        for answer in (self.probe, listing, self.remote):
            digest.update(_answer_bytes(answer))
        digest.update(marshal.dumps(listed.taken))
        root = os.fspath(self.root)
        real_root = os.path.realpath(root)
        links: list[tuple[object, ...]] = []
        for link in listed.links:  # another name for a listed file (``crawl._aliases``)?
            path = os.path.join(root, link)
            try:
                real = os.path.realpath(path, strict=True)
                st = os.stat(path)
                links.append((link, real, st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino))
            except (OSError, ValueError) as exc:
                links.append((link, type(exc).__name__))
        digest.update(repr((real_root, links)).encode("utf-8", "surrogatepass"))
        dirs = dirs if dirs is not None else dirs_of(listed.files)
        markers = []
        for folder in sorted(dirs):
            for marker in WIKI_MARKER_FOLDERS:
                try:
                    st = os.lstat(os.path.join(root, folder, marker))
                except (OSError, ValueError):
                    continue
                markers.append((folder, marker, stat.S_ISDIR(st.st_mode)))
        digest.update(repr(markers).encode("utf-8", "surrogatepass"))
        return digest.hexdigest()


@dataclass(frozen=True)
class _Early:
    """The git a crawl of ``root`` asks first, begun before the modules of the run were
    imported (``begin_look``)."""

    root: str
    started: int
    begun: float
    listing: PendingGit | GitError
    origin: PendingGit | GitError
    probe: PendingGit | GitError


#: What ``begin_look`` began (one root at most), taken by the crawl's ``look``.
_EARLY: list[_Early] = []
#: An early answer is used within this many seconds of its start (as a configuration probe is
#: reused: ``gitcmd.PROBE_REUSE_SECONDS``); later, or for another root, it is killed unused.
EARLY_SECONDS = 2.0


def begin_look(root: Path) -> None:
    """Begin what a crawl of ``root`` without a stamp asks git first (``look(root, "",
    crawling=True)``: where the root stands, its listing and its remote) and return at once:
    the command line's check calls this before it imports the modules of the run (about 50
    ms of a cold check), so that git runs on the other core meanwhile instead of after them.
    The crawl's ``look`` takes the answers (the same commands, hardened the same way, begun
    by the same ``begin_git``); a remote the config makes unnecessary is killed unused."""
    end_early_look()
    started = time.time_ns()
    listing = _begin(root, LIST_ARGS, LIST_TIMEOUT, spool=True)
    origin: PendingGit | GitError | None = None
    try:
        origin = _begin(root, REMOTE_ARGS, REMOTE_TIMEOUT)
        probe = _begin(root, PROBE_ARGS, PROBE_TIMEOUT)
    except BaseException:
        _discard(listing, origin)
        raise
    _EARLY.append(_Early(os.path.abspath(root), started, time.monotonic(), listing, origin, probe))


def end_early_look() -> None:
    """Kill and reap what ``begin_look`` began and no crawl took (a run that failed first)."""
    while _EARLY:
        early = _EARLY.pop()
        _discard(early.listing, early.origin, early.probe)


def _take_early(root: Path) -> _Early | None:
    """What ``begin_look`` began for ``root``, when recent enough (else it is killed)."""
    if not _EARLY:
        return None
    early = _EARLY.pop()
    if early.root == os.path.abspath(root) and time.monotonic() - early.begun < EARLY_SECONDS:
        return early
    _discard(early.listing, early.origin, early.probe)
    return None


def look(
    root: Path, settings: str, *, crawling: bool = False, remote: bool = True, stat_all: bool = True
) -> Seen:
    """Ask git where ``root`` stands and, at the top of a work tree, for its listing and
    remote, and ``lstat`` every listed name: what the crawl would ask and read first.

    For a crawl without a stamp (``crawl.crawl``), ``crawling`` keeps the listing wherever the
    root stands (the crawl would ask the same: outside git, its error explains why), and the
    remote wherever the root is inside a work tree; ``remote`` False asks no remote (the
    config names the repository's addresses); ``stat_all`` False reads only each listed
    name's kind (``list_files``: a run that keeps no stat). A crawl takes what ``begin_look``
    began."""
    early = _take_early(root) if crawling else None
    origin: PendingGit | GitError | None
    if early is not None:
        started, listing, origin = early.started, early.listing, early.origin
        if not remote:
            _discard(origin)
            origin = None
        try:
            seen = Seen(root, settings, started, _answer(early.probe))
        except BaseException:
            _discard(listing, origin)
            raise
        return _listed(seen, root, listing, origin, crawling, stat_all)
    started = time.time_ns()
    # The listing and the remote start with ``rev-parse`` (the other core runs them while it
    # answers; three git processes one after another were 10-15 ms of a cold check at 1,000
    # documents before its parse could start) and are killed unused where the root is not
    # where they are asked.
    listing = _begin(root, LIST_ARGS, LIST_TIMEOUT, spool=True)
    origin = _begin(root, REMOTE_ARGS, REMOTE_TIMEOUT) if remote else None
    try:
        guess = _guess(root) if stat_all else None  # while git lists the tree
        seen = Seen(root, settings, started, ask_git(root, PROBE_ARGS, PROBE_TIMEOUT))
    except BaseException:
        _discard(listing, origin)
        raise
    return _listed(seen, root, listing, origin, crawling, stat_all, guess)


def _guess(root: Path) -> tuple[bytes, Listed] | None:
    """The listing the last stamp saw (``GUESS_FILE``) and its ``lstat``s taken now, after
    the run started (a guess of git's answer: the stats hold only when that answer is the
    same bytes); None without one. Read as it is, without waiting for a command's writes
    still going on (``state.await_writer``): the file is replaced atomically, and a guess
    from before them only costs its stats."""
    if not _usable_state(root, GUESS_FILE, create=False, wait=False):
        return None
    try:
        size = os.lstat(root / CACHE_DIR / GUESS_FILE).st_size
    except (OSError, ValueError):
        return None
    if size > GUESS_LIMIT:
        return None
    names = read_state_file(root, GUESS_FILE, size, wait=False)
    if names is None or len(names) != size or _lists_state(names):  # asks git once more
        return None
    return names, list_files(root, names)


def _keep_guess(root: Path, listing: bytes) -> None:
    """Keep ``listing`` as the next run's guess (``GUESS_FILE``); a failure only loses it."""
    if not _usable_state(root, GUESS_FILE, create=True):
        return
    try:
        write_atomic(root / CACHE_DIR / GUESS_FILE, listing)
    except TracegraphError as exc:
        log.info("listing not kept (%s)", exc)


def _listed(
    seen: Seen,
    root: Path,
    listing: PendingGit | GitError,
    origin: PendingGit | GitError | None,
    crawling: bool,
    stat_all: bool = True,
    guess: tuple[bytes, Listed] | None = None,
) -> Seen:
    """``seen`` with the listing (and its ``lstat``s: those of ``guess`` when it guessed the
    listing) and the remote where ``look`` keeps them; the git begun for them and not kept is
    killed."""
    at_top = seen.at_top
    if not (at_top or crawling):
        _discard(listing, origin)
        return seen
    if not (at_top or seen.inside):
        _discard(origin)
        origin = None
    try:
        seen.listing = _answer(listing)
        if at_top and not isinstance(seen.listing, GitError) and seen.listing.returncode == 0:
            if guess is not None and guess[0] == seen.listing.stdout:
                seen.listed, seen.guessed = guess[1], True
            else:
                seen.listed = list_files(root, seen.listing.stdout, stat_all=stat_all)
    except BaseException:
        _discard(origin)
        raise
    seen.remote = None if origin is None else _answer(origin)
    return seen


def _begin(
    root: Path, args: tuple[str, ...], timeout: float, *, spool: bool = False
) -> PendingGit | GitError:
    """``begin_git`` (hardened), with a failure to start git as the answer. ``spool``: the
    output goes to a temporary file (``begin_git(spool=True)``), for the listing: its answer
    is read a while later, once the run's modules are imported, and at 100,000 files it is
    3.5 MB, which git wrote into a pipe 64 KB at a time, waiting each time for this process
    to read (a quarter of a second before the parse could start, git itself taking a
    tenth)."""
    try:
        if spool:
            try:
                return begin_git(root, *args, timeout=timeout, spool=True)
            except OSError:  # no temporary file to be had: through a pipe
                pass
        return begin_git(root, *args, timeout=timeout)
    except GitError as exc:
        return exc


def _answer(pending: PendingGit | GitError) -> Answer:
    """The answer of a git begun by ``_begin``, with a failure as the answer (``ask_git``)."""
    if isinstance(pending, GitError):
        return pending
    try:
        return pending.answer()
    except GitError as exc:
        return exc


def _discard(*pending: PendingGit | GitError | None) -> None:
    for one in pending:
        if isinstance(one, PendingGit):
            one.discard()


def settings_key(*settings: object) -> str:
    """The key of a run's settings (as ``repr`` gives them), with tracegraph's own source and
    the Python running it."""
    parts = (STAMP_FORMAT, __version__, sys.version, package_digest(), settings)
    return hashlib.sha256(repr(parts).encode("utf-8", "surrogatepass")).hexdigest()


def file_stats(paths: tuple[str, ...]) -> tuple[tuple[str, tuple[int, ...] | str], ...]:
    """The ``stat`` of each of ``paths`` (followed through links), or why there is none: the
    files a run read besides the listing (config, templates, review file)."""
    out: list[tuple[str, tuple[int, ...] | str]] = []
    for path in paths:
        try:
            st = os.stat(path)
            out.append((path, (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_mode)))
        except (OSError, ValueError) as exc:
            out.append((path, type(exc).__name__))
    return tuple(out)


@dataclass(frozen=True)
class KeptOutput:
    """What a check printed (``text``, in one format with one set of options) and its summary
    counts, kept so that a rerun on the same tree prints it again without reading a finding:
    ``failed`` says whether the run exited 1 (``--fail-on``)."""

    documents: int
    references: int
    failed: bool
    text: str


def kept_output(seen: Seen) -> KeptOutput | None:
    """The output the stamp for ``seen.settings`` points to, when the tree is as that stamp
    saw it; None otherwise (no stamp, anything different, no usable state)."""
    root = seen.root
    path = root / CACHE_DIR / RESULTS_FILE
    if seen.listed is None or not _usable_state(root, RESULTS_FILE, create=False):
        return None
    if not path.is_file():
        return None
    try:
        with closing(sqlite3.connect(path, timeout=1.0)) as db:
            row = db.execute(
                "SELECT witness, extras, output FROM stamps WHERE key = ?", (seen.settings,)
            ).fetchone()
        if row is None or type(row[0]) is not str or type(row[2]) is not str:
            return None
        witness, extras, output = row
        stored = marshal.loads(extras) if type(extras) is bytes else None
        if type(stored) is not tuple or not all(
            type(item) is tuple and len(item) == 2 and type(item[0]) is str for item in stored
        ):
            return None
        if file_stats(tuple(item[0] for item in stored)) != stored or seen.witness() != witness:
            return None
    except (sqlite3.Error, OSError, ValueError, EOFError, TypeError) as exc:
        log.info("result cache %s: stamps unusable (%s)", path, exc)
        return None
    return get_output(root, output)


def put_stamp(seen: Seen, extras: tuple[str, ...], output: str) -> None:
    """Store the stamp for ``seen.settings``: the output ``output`` (``get_output``'s key)
    holds while the tree's raw view is ``seen``'s and the files ``extras`` are as they are
    now (nothing is stored without a listing)."""
    witness = seen.witness()
    if witness is None or not _usable_state(seen.root, RESULTS_FILE, create=True):
        return
    if seen.unguessed is not None:
        _keep_guess(seen.root, seen.unguessed)
    row = (time.time_ns(), witness, marshal.dumps(file_stats(extras)), output)
    path = seen.root / CACHE_DIR / RESULTS_FILE
    try:
        with closing(sqlite3.connect(path, timeout=1.0)) as db, db:
            db.execute(
                "CREATE TABLE IF NOT EXISTS stamps (key TEXT PRIMARY KEY, created INTEGER "
                "NOT NULL, witness TEXT NOT NULL, extras BLOB NOT NULL, output TEXT NOT NULL)"
            )
            for key in (seen.settings, seen.alias):
                if key is not None:
                    db.execute("INSERT OR REPLACE INTO stamps VALUES (?, ?, ?, ?, ?)", (key, *row))
            keep_newest(db, "stamps", STAMPS_KEPT)
    except (sqlite3.Error, OSError) as exc:
        log.info("result cache %s: stamp not written (%s)", path, exc)


def alias_stamp(seen: Seen) -> None:
    """After ``kept_output(seen)`` answered: the same stamp under ``seen.alias`` too (the
    command line's key), so that the next run of this command answers before the CLI loads."""
    if seen.alias is None:
        return
    path = seen.root / CACHE_DIR / RESULTS_FILE
    try:
        with closing(sqlite3.connect(path, timeout=1.0)) as db, db:
            db.execute(
                "INSERT OR REPLACE INTO stamps SELECT ?, created, witness, extras, output "
                "FROM stamps WHERE key = ?",
                (seen.alias, seen.settings),
            )
            keep_newest(db, "stamps", STAMPS_KEPT)
    except (sqlite3.Error, OSError) as exc:
        log.info("result cache %s: stamp not written (%s)", path, exc)


#: The options of ``tracegraph check`` that a command line answered before the CLI parses it
#: may hold, and whether each takes a value. Any other option writes elsewhere (``-o``), reads
#: a file no stamp covers (``--baseline``), asks for more than the output (``-v``, ``--debug``,
#: ``--help``) or for another kind of run (``--since``, ``--write-baseline``, ``--no-cache``):
#: such a command line is left to the CLI.
COMMAND_OPTIONS = {
    "--format": True, "--today": True, "--fail-on": True, "--select": True, "--ignore": True,
    "-C": True, "--root": True, "--config": True, "-q": False, "--quiet": False,
    "--allow-empty": False,
}  # fmt: skip


@dataclass(frozen=True)
class CommandLine:
    """A ``tracegraph check`` command line answered from a stamp before the CLI loads."""

    #: The stamp key: the command line word for word with everything else its meaning and
    #: output rest on (``command_line``).
    key: str
    #: The root it checks, as given, and its real path.
    root: str
    real: str
    allow_empty: bool


def command_line(argv: list[str]) -> CommandLine | None:
    """The ``CommandLine`` of ``tracegraph ARGV``; None unless it is ``check`` with only the
    ``COMMAND_OPTIONS`` and one folder at most (no FILE arguments).

    Its key holds the arguments as they are, the working folder, the real path of every
    argument that is not an option (whichever of them names the root, a link retargeted is
    another key), ``NO_COLOR`` and whether stdout is a terminal (colour), the day (``--today``'s
    default), tracegraph's source, Python and the networkx copy: all that the CLI's own settings
    key (``settings_key`` in ``cli/check.py``) is made of, so a command line whose key matches
    is parsed by the CLI exactly as the one that stored the stamp."""
    found = _check_root(argv, COMMAND_OPTIONS)
    if found is None:
        return None
    root, allow_empty = found
    real = os.path.realpath(root)
    values = tuple(os.path.realpath(token) for token in argv[1:] if not token.startswith("-"))
    terminal = bool(getattr(sys.stdout, "isatty", lambda: False)())
    key = settings_key(
        "command line", tuple(argv), os.getcwd(), real, values, os.environ.get("NO_COLOR"),
        terminal, date.today().isoformat(), library_state("networkx"),
    )  # fmt: skip
    return CommandLine(key, root, real, allow_empty)


def _check_root(argv: list[str], options: dict[str, bool]) -> tuple[str, bool] | None:
    """The root of the command line ``tracegraph ARGV`` and whether it allows an empty tree;
    None unless it is ``check`` with only ``options`` (whether each takes a value) and one
    folder at most (no FILE arguments)."""
    if not argv or argv[0] != "check":
        return None
    root: str | None = None
    folders: list[str] = []
    allow_empty = False
    at = 1
    while at < len(argv):
        token = argv[at]
        if token.startswith("-"):
            name, equals, value = token.partition("=")
            takes = options.get(name if equals and name.startswith("--") else token)
            if takes is None or (equals and not takes):
                return None
            if takes and not equals:
                if at + 1 >= len(argv):
                    return None
                at += 1
                value = argv[at]
            if name in ("-C", "--root"):
                if root is not None:
                    return None
                root = value
            allow_empty = allow_empty or token == "--allow-empty"
        else:
            folders.append(token)
        at += 1
    if len(folders) > 1 or (folders and (root is not None or not os.path.isdir(folders[0]))):
        return None
    return (folders[0] if folders else root if root is not None else "."), allow_empty


#: ``COMMAND_OPTIONS`` and those of a check no stamp answers that leave its root as it is.
AHEAD_OPTIONS = {**COMMAND_OPTIONS, "--no-cache": False}


def probe_ahead(argv: list[str]) -> None:
    """Begin git's configuration probe for the root of ``tracegraph ARGV`` when it is a
    ``check`` (``gitcmd.begin_probe``): the command line calls this when no stamp answered,
    before it imports the CLI. A root guessed wrong only costs the probe (it is killed)."""
    found = _check_root(argv, AHEAD_OPTIONS)
    if found is not None:
        with suppress(OSError, ValueError):  # a root git cannot take: the CLI says so
            begin_probe(Path(found[0]))


#: What ``answer_command_line`` saw of the root when it could not answer: the CLI takes it
#: (``seen_for``) instead of asking git and stat-ing every file again.
_PENDING: list[tuple[CommandLine, Seen]] = []


def answer_command_line(argv: list[str]) -> int | None:
    """Print the output kept for the command line ``tracegraph ARGV`` on this very tree and
    return the exit status it had; None when it cannot be answered so (then the CLI runs).
    Nothing is logged here: whatever there is to say (a state folder reached through a link)
    the CLI says, in its own words, when it asks again."""
    warned = set(WARNED)
    logging.disable(logging.WARNING)
    try:
        line = command_line(argv)
        if line is None:
            return None
        seen = look(Path(line.root), line.key)
        kept = kept_output(seen)
        stdout = sys.stdout
        if (
            kept is None
            or not (line.allow_empty or kept.documents)
            or codecs.lookup(stdout.encoding).name != "utf-8"
        ):
            _PENDING[:] = [(line, seen)]
            return None
        data = kept.text.encode("utf-8")  # as click writes it (text a UTF-8 stream takes)
    except Exception:  # anything unexpected: the CLI runs and reports it
        _PENDING.clear()
        return None
    finally:
        logging.disable(logging.NOTSET)
        WARNED.intersection_update(warned)
    if not data.endswith(b"\n"):
        data += b"\n"
    from .streams import widen_pipe

    widen_pipe(stdout, len(data))
    try:
        stdout.flush()
        stdout.buffer.write(data)
        stdout.buffer.flush()
    except BrokenPipeError:  # `tracegraph check | head`: the reader went away (as the CLI)
        _to_devnull(stdout)
        return 0
    except OSError as exc:
        _to_devnull(stdout)
        reason = exc.strerror or type(exc).__name__
        sys.stderr.write(f"tracegraph: error: cannot write to standard output: {reason}\n")
        sys.stderr.flush()
        return 2
    listing = seen.listing
    if not seen.guessed and listing is not None and not isinstance(listing, GitError):
        _keep_guess(seen.root, listing.stdout)  # a stamp kept before there were guesses
    return 1 if kept.failed else 0


def _to_devnull(stream: TextIO) -> None:
    """Point ``stream``'s descriptor at /dev/null (the interpreter's last flush cannot fail)."""
    with suppress(OSError, ValueError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), stream.fileno())


def seen_for(root: Path, settings: str) -> Seen:
    """``look(root, settings)``, or what ``answer_command_line`` saw of the same root for this
    process's command line (not asked twice), which then stamps under its key too."""
    if _PENDING:
        line, seen = _PENDING.pop()
        if os.path.realpath(root) == line.real:
            return replace(seen, root=root, settings=settings, alias=line.key)
    return look(root, settings)


def output_name(key: str) -> str:
    return f"{OUTPUT_PREFIX}{key}.txt"


def keep_newest(db: sqlite3.Connection, table: str, count: int) -> None:
    """Delete all but the ``count`` newest rows of ``table`` (by ``created``)."""
    db.execute(
        f"DELETE FROM {table} WHERE key NOT IN (SELECT key FROM {table} "
        "ORDER BY created DESC LIMIT ?)",
        (count,),
    )


_usable_state = usable_state


def get_output(root: Path, key: str) -> KeptOutput | None:
    """The output a check printed under ``key`` (``put_output``), or None (absent,
    corrupt, unreadable)."""
    path = root / CACHE_DIR / RESULTS_FILE
    if not _usable_state(root, RESULTS_FILE, create=False) or not path.is_file():
        return None
    try:
        with closing(sqlite3.connect(path, timeout=1.0)) as db:
            row = db.execute(
                "SELECT documents, refs, failed, size, checksum FROM outputs WHERE key = ?",
                (key,),
            ).fetchone()
        if row is None or not all(isinstance(n, int) for n in row):
            return None
        documents, references, failed, size, checksum = row
        data = _read_output(root, key, size)
        if data is None or zlib.crc32(data) != checksum:
            raise ValueError("the output file is not the one stored")
        text = data.decode("utf-8", "surrogatepass")
        return KeptOutput(documents, references, bool(failed), text)
    except (sqlite3.Error, OSError, ValueError) as exc:
        log.info("result cache %s: output unusable (%s)", path, exc)
        return None


def put_output(root: Path, key: str, output: KeptOutput) -> None:
    """Store what a check printed under ``key``, keeping the newest ``OUTPUTS_KEPT``; an
    output larger than ``OUTPUT_LIMIT`` bytes is not kept. The text is a file of its own
    beside the database (written atomically): one read, where a blob of megabytes
    costs SQLite a walk over its overflow pages."""
    data = output.text.encode("utf-8", "surrogatepass")  # as printed, whatever it holds
    name = output_name(key)
    if len(data) > OUTPUT_LIMIT or not _usable_state(root, name, create=True):
        return
    directory = root / CACHE_DIR
    row = (key, time.time_ns(), output.documents, output.references, int(output.failed),
           len(data), zlib.crc32(data))  # fmt: skip
    try:
        write_atomic(directory / name, data)
        with closing(sqlite3.connect(directory / RESULTS_FILE, timeout=1.0)) as db, db:
            columns = [c[1] for c in db.execute("PRAGMA table_info(outputs)")]
            if columns and "checksum" not in columns:  # an older layout
                db.execute("DROP TABLE outputs")
            db.execute(
                "CREATE TABLE IF NOT EXISTS outputs (key TEXT PRIMARY KEY, created INTEGER "
                "NOT NULL, documents INTEGER NOT NULL, refs INTEGER NOT NULL, failed "
                "INTEGER NOT NULL, size INTEGER NOT NULL, checksum INTEGER NOT NULL)"
            )
            db.execute("INSERT OR REPLACE INTO outputs VALUES (?, ?, ?, ?, ?, ?, ?)", row)
            keep_newest(db, "outputs", OUTPUTS_KEPT)
            kept = {output_name(k) for (k,) in db.execute("SELECT key FROM outputs")}
        for entry in os.listdir(directory):  # the texts of outputs no longer kept
            if entry.startswith(OUTPUT_PREFIX) and entry not in kept:
                (directory / entry).unlink(missing_ok=True)
    except (sqlite3.Error, OSError, TracegraphError) as exc:
        log.info("result cache %s: output not written (%s)", directory / RESULTS_FILE, exc)


def _read_output(root: Path, key: str, size: int) -> bytes | None:
    """The text file of the output ``key`` if it is a regular file of ``size`` bytes
    (never through a link), else None."""
    return read_state_file(root, output_name(key), size)


def read_state_file(root: Path, name: str, size: int, *, wait: bool = True) -> bytes | None:
    """``.tracegraph/cache/NAME`` if it is a regular file of ``size`` bytes (never through a
    link), else None (``wait``: as ``state.usable_state``)."""
    if not _usable_state(root, name, create=False, wait=wait):
        return None
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(root / CACHE_DIR / name, flags)
    except FileNotFoundError:
        return None
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode) or os.fstat(fd).st_size != size:
            return None
        return handle.read(size + 1)


def package_digest() -> str:
    """A digest of tracegraph's own source, packaged templates and presets: any edit to the
    parser, the resolver, a rule or a preset (same version number, as in a development
    checkout) changes it."""
    global _PACKAGE_DIGEST
    if _PACKAGE_DIGEST is None:
        base = os.path.dirname(os.path.abspath(__file__))
        digest = hashlib.sha256()
        files: list[str] = []
        for folder, dirs, names in os.walk(base):  # os.walk: a third of pathlib's rglob
            dirs[:] = [d for d in dirs if d != "__pycache__"]
            rel = os.path.relpath(folder, base).replace(os.sep, "/")
            prefix = "" if rel == "." else f"{rel}/"
            files += (prefix + n for n in names if n.endswith((".py", ".md", ".yaml")))
        for name in sorted(files):
            try:
                with open(os.path.join(base, name), "rb") as handle:
                    data = handle.read()
                digest.update(name.encode() + b"\0" + data + b"\0")
            except OSError:
                digest.update(b"?\0")
        _PACKAGE_DIGEST = digest.hexdigest()
    return _PACKAGE_DIGEST


_PACKAGE_DIGEST: str | None = None
