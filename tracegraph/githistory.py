"""Git history for suspect links (TG503): one ``git log`` pass, cached by HEAD, and file
contents read in batches.

Like ``crawl``, this module reads the repository, and only through ``gitcmd.run_git``. The
repository is untrusted: every line of git's output is parsed defensively (NUL-separated
fields, paths consumed by position and never interpreted, hashes checked to be hex), and
anything unexpected means "no history", never a crash.

- ``probe_repository``: is the root inside a git work tree, is the clone shallow, HEAD.
- ``read_log``: ``git log --raw -M`` over the whole history in topological order (no
  pathspec: a pathspec would simplify history and hide commits that ancestry needs), in two
  slices diffed side by side, plus one ``git ls-tree`` of HEAD; cached in
  ``.tracegraph/cache/git-log.marshal`` keyed by HEAD.
- ``read_blobs``/``iter_blobs``: file contents by blob hash, a few ``git cat-file --batch``
  calls for thousands of blobs (the hashes on git's input).
- ``Ancestry``: "is commit C an ancestor of R" in constant time for commits on HEAD's
  first-parent line, after one pass over the history.
"""

from __future__ import annotations

import contextlib
import logging
import marshal
import os
import re
import struct
import sys
import threading
from collections.abc import (
    Callable,
    Collection,
    Generator,
    Iterable,
    Iterator,
    Mapping,
    Sequence,
)
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from .atomic import write_atomic
from .errors import TracegraphError
from .gitcmd import GitError, GitOutput, GitProcess, PendingGit, begin_git, run_git, start_git
from .state import CACHE_DIR, usable_state
from .warm import PROBE_ARGS, PROBE_TIMEOUT, ask_git

if TYPE_CHECKING:
    from .warm import Answer

log = logging.getLogger(__name__)
_intern = sys.intern

#: Bump when the cached layout below changes.
LOG_FORMAT = 2
LOG_NAME = "git-log.marshal"
LOG_CACHE = f"{CACHE_DIR}/{LOG_NAME}"
#: How long the one history pass may take (a repository with millions of commits).
LOG_TIMEOUT = 600.0
#: Slices of the history diffed by one ``git log`` call each, calls running at once, and the
#: fewest commits worth a call of their own.
LOG_PARTS = 2
LOG_READERS = 2
SPLIT_COMMITS = 1000
#: The fewest commits for which work is done ahead while git reads the history (``read_log``'s
#: ``meanwhile``): a shorter history is read before that work would pay.
AHEAD_COMMITS = 1000
_HEX = re.compile(rb"\A[0-9a-f]{40}(?:[0-9a-f]{24})?\Z")
_NULL = "0" * 40

#: One commit: (hash, indexes of its parents in the log, committer time as a Unix timestamp).
CommitRow = tuple[str, tuple[int, ...], int]
#: One file change: (commit index, status letter, old blob, new blob, old path, new path); the
#: absent side of an addition or deletion is "".
ChangeRow = tuple[int, str, str, str, str, str]


@dataclass(frozen=True)
class Repository:
    """Where the scanned root stands in git: ``status`` is ``ok``, ``not-git``, ``shallow`` or
    ``empty`` (no commit yet); ``reason`` says why in one line when it is not ``ok``."""

    status: str
    reason: str = ""
    head: str | None = None
    #: The root relative to the top of the work tree (``docs/``; "" at the top).
    prefix: str = ""
    #: How many parents HEAD has (0: a root commit, the whole history one commit), None when
    #: not known.
    parents: int | None = None

    @property
    def one_commit(self) -> bool:
        """Whether the history reachable from HEAD is HEAD alone (a root commit, not a shallow
        clone's grafted one): every file came with that commit and none changed after."""
        return self.status == "ok" and self.parents == 0


def probe_repository(root: Path, answer: Answer | None = None) -> Repository:
    """How the tree at ``root`` stands in git (one ``git rev-parse``, no history read);
    ``answer``: git's answer to that command when this run has it (``warm.look``)."""
    proc = answer if answer is not None else ask_git(root, PROBE_ARGS, PROBE_TIMEOUT)
    if isinstance(proc, GitError):
        return Repository("not-git", str(proc))
    # "true", "false", the prefix (its own line or lines, maybe empty), then HEAD's hash and
    # its parents' when there is a commit, then "--" (exit 0; without a commit, git stops after
    # the prefix and exits 1 or 128). The prefix's last line is empty or ends with "/", so the
    # hashes are the lines after it that are hex.
    out, commits = proc.stdout, []
    if proc.returncode == 0 and out.endswith(b"\n--\n"):
        out = out[: -len(b"--\n")]
        while True:
            rest, _, line = out.rstrip(b"\n").rpartition(b"\n")
            if not rest or not _HEX.match(line):
                break
            commits.append(line)
            out = rest + b"\n"
        commits.reverse()
    lines = out.decode("utf-8", "replace").split("\n", 2)
    if len(lines) < 3 or lines[0] != "true":
        if proc.returncode != 0 and not proc.stdout:
            return Repository("not-git", _first_line(proc.stderr) or "not a git repository")
        return Repository("not-git", "not inside a git work tree")
    prefix = lines[2][:-1] if lines[2].endswith("\n") else lines[2]
    if proc.returncode != 0 or not commits:
        return Repository("empty", "the repository has no commit yet", prefix=prefix)
    commit = commits[0].decode("ascii")
    if lines[1] == "true":
        return Repository(
            "shallow",
            "the clone is shallow, so the history that says what changed is missing "
            "(fetch it with `git fetch --unshallow`, or `fetch-depth: 0` in actions/checkout)",
            head=commit,
            prefix=prefix,
        )
    return Repository("ok", head=commit, prefix=prefix, parents=len(commits) - 1)


def _first_line(data: bytes) -> str:
    text = data.decode("utf-8", "replace").strip()
    return " ".join(text.splitlines()[0].split())[:300] if text else ""


@dataclass(frozen=True)
class Log:
    """The history reachable from HEAD: commits in topological order (HEAD first, a commit
    before its parents) and the file changes of each non-merge commit, paths relative to the
    root (changes outside it left out)."""

    head: str
    commits: tuple[CommitRow, ...]
    changes: tuple[ChangeRow, ...]
    #: Blob of every file at HEAD, by root-relative path.
    head_blobs: Mapping[str, str] = field(default_factory=dict)


class HistoryError(TracegraphError):
    """git could not give the history (a corrupt repository, a missing object)."""


def read_log(
    root: Path,
    repo: Repository,
    *,
    cache: bool = True,
    meanwhile: Callable[[Mapping[str, str], Callable[[], bool]], None] | None = None,
    early: EarlyLog | None = None,
) -> Log:
    """The history of ``repo`` (status ``ok``), from the cache when HEAD is unchanged; when
    HEAD moved forward (new commits on top of the cached HEAD), only the new commits are read.
    ``meanwhile`` is called with the blob of every file at HEAD (by root-relative path) and a
    function that says whether git is still reading, while git reads the history (not when it
    comes from the cache): work that needs no history, worth doing only while git works.
    ``early``: git's answers begun before the check parsed (``begin_log``), used when no
    cache is at HEAD and they are for this HEAD.

    Raises HistoryError when git fails."""
    if repo.head is None:
        raise HistoryError("no HEAD commit")
    cache_path = root / LOG_CACHE
    usable = cache and usable_state(root, LOG_NAME, create=False)
    cached = _load_log(cache_path, repo) if usable else None
    if cached is not None and cached.head == repo.head:
        return cached
    since = (
        cached.head if cached is not None and _is_ancestor(root, cached.head, repo.head) else None
    )
    got = early.take() if early is not None and early.head == repo.head else None
    logged: GitOutput | None = None
    if got is not None:  # the whole history, its newest commits read while the corpus parsed
        since = None
        tree, logged = got
        del got
    else:
        revisions = [repo.head, f"^{since}"] if since else [repo.head]
        tree = run_git(root, "ls-tree", "-r", "-z", repo.head, timeout=LOG_TIMEOUT)
    if tree.returncode != 0:
        raise HistoryError(f"git ls-tree failed: {_first_line(tree.stderr)}")
    at_head = parse_ls_tree(tree.stdout)
    del tree  # its output (100 bytes a file) is not held while git reads the history
    heads: list[tuple[str, tuple[str, ...], int]] = []
    changes: list[ChangeRow] = []
    if logged is not None:
        if logged.returncode != 0:
            raise HistoryError(f"git log failed: {_first_line(logged.stderr)}")
        tokens = logged.stdout.split(b"\0")
        logged = None  # git's output let go once split, as a slice's is
        heads, changes = _parse_tokens(tokens, repo.prefix)
        del tokens
        if len(heads) < EARLY_COMMITS:
            order: list[bytes] = []
        else:  # the older commits: the rest of the same topological order
            order = _topo_order(root, [repo.head])
            if [sha.decode("ascii") for sha in order[: len(heads)]] != [h[0] for h in heads]:
                raise HistoryError("git log and git rev-list gave different orders")
            order = order[len(heads) :]
    else:
        order = _topo_order(root, revisions)
    if order:
        from concurrent.futures import ThreadPoolExecutor  # a long history only: 1 ms to import

        with ThreadPoolExecutor(max_workers=1) as pool:
            reading = pool.submit(_read_rows, root, order, repo.prefix)
            if meanwhile is not None and len(order) >= AHEAD_COMMITS:
                meanwhile(at_head, lambda: not reading.done())
            rest_heads, rest_changes = reading.result()
        offset = len(heads)
        heads += rest_heads
        changes += [(c + offset, st, ob, nb, op, np) for c, st, ob, nb, op, np in rest_changes]
    older = cached if since and cached is not None else Log("", (), ())
    commits, all_changes = _on_top(heads, changes, older)
    result = Log(repo.head, commits, all_changes, at_head)
    if cache and usable_state(root, LOG_NAME, create=True):
        _save_log(cache_path, repo, result)
    return result


#: The newest commits whose diffs ``begin_log`` has git write while the corpus is parsed: a
#: longer history's older commits are read when TG503 runs, in slices side by side
#: (``_read_rows``), as before.
EARLY_COMMITS = LOG_PARTS * SPLIT_COMMITS
#: ``git log`` options for the rows ``_parse_tokens`` reads (a format and diffs it parses).
_LOG_OPTIONS = ("-z", "--no-abbrev", "--raw", "-M", "--no-color", "--no-relative",
                "--format=%x01%H %P %ct")  # fmt: skip


class EarlyLog:
    """``git ls-tree`` of HEAD and ``git log`` of its ``EARLY_COMMITS`` newest commits, begun
    before a check parses its corpus (``begin_log``) and written to unlinked temporary files
    (no pipe to fill, nothing for a forked worker to hold open): git's diffs share the busy
    cores of the parse instead of running alone once the rules are done. ``read_log`` takes
    the answers when TG503 runs.

    Only the process that began git can wait for it. A forked rules child that runs TG503
    takes the answers only when this process has ``settle``-d them before the fork (git was
    done); otherwise it reads the history itself, as without an early log. Exactly one of
    ``answers`` (here) or ``discard`` ends the processes."""

    def __init__(self, head: str, tree: PendingGit, log_: PendingGit) -> None:
        self.head = head
        self._pending: tuple[PendingGit, PendingGit] | None = (tree, log_)
        self._owner = os.getpid()
        self._answers: tuple[GitOutput, GitOutput] | None = None
        #: Whether ``read_log`` took the answers in this process.
        self.taken = False

    def settle(self) -> None:
        """Take git's answers now if both processes have ended (never waits)."""
        pending = self._pending
        mine = pending is not None and os.getpid() == self._owner
        if mine and pending is not None and all(git.finished() for git in pending):
            self.answers()

    def answers(self) -> tuple[GitOutput, GitOutput] | None:
        """The answers of ``ls-tree`` and ``log`` (waiting for git in the process that began
        it); None in another process when they were not settled before it was forked."""
        pending = self._pending
        if pending is not None and os.getpid() == self._owner:
            self._pending = None
            try:
                tree = pending[0].answer()
            except GitError:
                pending[1].discard()
                raise
            self._answers = (tree, pending[1].answer())
        return self._answers

    def take(self) -> tuple[GitOutput, GitOutput] | None:
        """``answers``, let go here once taken (git's output is not held to the end of the
        check: at 100,000 documents 10 MB of ``ls-tree`` and more of ``log``)."""
        got = self.answers()
        self._answers = None
        self.taken = got is not None
        return got

    def wait(self) -> None:
        """Take git's answers now, waiting for git if need be (a child about to be forked
        reads the history: git's work so far is not done again there); a git that failed
        leaves no answers, and the reader asks git itself and meets the same failure."""
        try:
            self.answers()
        except GitError as exc:
            log.info("history begun early: %s", exc)

    def discard(self) -> None:
        """End git when its answers were not taken (in the process that began it), and let
        go of answers not taken here (a forked child has its copy)."""
        pending, self._pending = self._pending, None
        self._answers = None
        if pending is not None and os.getpid() == self._owner:
            for git in pending:
                git.discard()


def begin_log(root: Path, repo: Repository, *, cache: bool) -> EarlyLog | None:
    """Begin git's history of ``repo`` for TG503 (``EarlyLog``), or None when it would read
    none or little: no history to read (not ``ok``, one commit), or, with ``cache``, a
    cached history (at HEAD, or one HEAD may have moved forward from: ``read_log`` then
    reads only the new commits). A git that cannot start is left to the analysis."""
    if repo.status != "ok" or repo.head is None or repo.one_commit:
        return None
    cached = cache and usable_state(root, LOG_NAME, create=False)
    if cached and _cached_head(root / LOG_CACHE, repo) is not None:
        return None
    try:
        tree = begin_git(root, "ls-tree", "-r", "-z", repo.head, timeout=LOG_TIMEOUT, spool=True)
    except GitError as exc:
        log.info("history not begun early (%s)", exc)
        return None
    try:
        rows = begin_git(
            root, "log", "--topo-order", f"--max-count={EARLY_COMMITS}", *_LOG_OPTIONS,
            repo.head, "--", timeout=LOG_TIMEOUT, spool=True,
        )  # fmt: skip
    except GitError as exc:
        tree.discard()
        log.info("history not begun early (%s)", exc)
        return None
    return EarlyLog(repo.head, tree, rows)


def cache_history(root: Path, repo: Repository) -> None:
    """Read the history of ``repo`` (status ``ok``) into its cache, unless the cache is at
    HEAD already, and keep none of it: a large check does this before it parses, so that
    git's output and its parse come and go before the corpus exists, and TG503 then reads
    the history from the cache (``read_log``). Raises HistoryError when git fails."""
    if not usable_state(root, LOG_NAME, create=True):
        return  # no cache to read ahead into (one behind a planted link is never used)
    if not history_cached(root, repo):
        read_log(root, repo, cache=True)


def history_cached(root: Path, repo: Repository) -> bool:
    """Whether the history's cache is usable and at HEAD (``read_log`` with the cache then
    asks git for no history)."""
    if repo.head is None or not usable_state(root, LOG_NAME, create=False):
        return False
    return _cached_head(root / LOG_CACHE, repo) == repo.head


def _cached_head(path: Path, repo: Repository) -> str | None:
    """The HEAD the history cache was read at (its first frame only); None without one."""
    try:
        with open(path, "rb") as handle:
            if handle.read(len(_LOG_MAGIC)) != _LOG_MAGIC:
                return None
            fmt, head, prefix, *_ = _frame(handle)
    except (OSError, ValueError, EOFError, TypeError):
        return None
    return head if (fmt, prefix) == (LOG_FORMAT, repo.prefix) and isinstance(head, str) else None


def _topo_order(root: Path, revisions: list[str]) -> list[bytes]:
    """The commits of ``revisions`` in topological order (``git rev-list --topo-order``: a
    walk without diffs, 0.1 s for 50,000 commits with a commit-graph)."""
    listing = run_git(root, "rev-list", "--topo-order", *revisions, "--", timeout=LOG_TIMEOUT)
    if listing.returncode != 0:
        raise HistoryError(f"git rev-list failed: {_first_line(listing.stderr)}")
    order = listing.stdout.split()
    if not all(_HEX.match(sha) for sha in order):
        raise HistoryError("git rev-list gave something that is not a commit")
    return order


def _read_rows(
    root: Path, order: list[bytes], prefix: str
) -> tuple[list[tuple[str, tuple[str, ...], int]], list[ChangeRow]]:
    """The commits and changes of ``git log --raw -M`` over ``order`` (commits in topological
    order, ``_topo_order``) as ``_parse_rows`` gives them. Comparing each commit with its
    parent is nearly all of git's work: ``git log --no-walk=unsorted --stdin`` calls diff
    ``LOG_PARTS`` slices of it, ``LOG_READERS`` side by side, each slice parsed as soon as its
    call ends (while git diffs the next): the same rows as from one ``git log --topo-order``."""
    size = max(-(-len(order) // LOG_PARTS), SPLIT_COMMITS)
    slices = [order[i : i + size] for i in range(0, len(order), size)]
    heads: list[tuple[str, tuple[str, ...], int]] = []
    changes: list[ChangeRow] = []
    if not slices:
        return heads, changes
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=min(LOG_READERS, len(slices))) as pool:
        parts = pool.map(lambda part: _read_part(root, part, prefix), slices)
        for part_heads, part_changes in parts:
            offset = len(heads)
            heads += part_heads
            changes += [(c + offset, st, ob, nb, op, np) for c, st, ob, nb, op, np in part_changes]
    return heads, changes


def _log_part(root: Path, commits: list[bytes]) -> bytes:
    proc = run_git(
        root, "log", "--no-walk=unsorted", "--stdin", *_LOG_OPTIONS,
        timeout=LOG_TIMEOUT, input=b"".join(sha + b"\n" for sha in commits),
    )  # fmt: skip
    if proc.returncode != 0:
        raise HistoryError(f"git log failed: {_first_line(proc.stderr)}")
    return proc.stdout


def _read_part(
    root: Path, commits: list[bytes], prefix: str
) -> tuple[list[tuple[str, tuple[str, ...], int]], list[ChangeRow]]:
    """The rows of one slice of commits; git's output is let go once split (it and its
    pieces were both held while the rows were made: 40 MB for 100k files added at once)."""
    return _parse_tokens(_log_part(root, commits).split(b"\0"), prefix)


def _is_ancestor(root: Path, commit: str, of: str) -> bool:
    """Whether ``commit`` is reachable from ``of`` (``git rev-list commit ^of`` lists nothing)."""
    proc = run_git(root, "rev-list", "-n", "1", commit, f"^{of}", "--", timeout=60)
    return proc.returncode == 0 and not proc.stdout.strip()


def _on_top(
    heads: list[tuple[str, tuple[str, ...], int]],
    changes: list[ChangeRow],
    older: Log,
) -> tuple[tuple[CommitRow, ...], tuple[ChangeRow, ...]]:
    """New commits (topological order, none reachable from ``older``'s HEAD) put before the
    older history: still a topological order, since no older commit has a new one as parent.
    Parents are indexes into the whole list."""
    count = len(heads)
    index = {sha: number for number, (sha, _, _) in enumerate(heads)}
    index.update((sha, count + number) for number, (sha, _, _) in enumerate(older.commits))
    commits = tuple(
        (sha, tuple(index[p] for p in parents if p in index), when) for sha, parents, when in heads
    ) + tuple(
        (sha, tuple(p + count for p in parents), when) for sha, parents, when in older.commits
    )
    shifted = tuple(
        (c + count, status, old_blob, new_blob, old_path, new_path)
        for c, status, old_blob, new_blob, old_path, new_path in older.changes
    )
    return commits, tuple(changes) + shifted


def parse_log(
    output: bytes, prefix: str = ""
) -> tuple[tuple[CommitRow, ...], tuple[ChangeRow, ...]]:
    r"""Commits and changes from ``git log -z --raw --no-abbrev --format=%x01%H %P %ct``.

    Fields are NUL-separated; a header starts with ``\x01``, a change with ``:``; the one or
    two paths after a change are taken by position, so no file name can pass for a header.
    Paths outside ``prefix`` are dropped and the prefix is cut from the others.

    >>> raw = (b"\x01" + b"a" * 40 + b" " + b"b" * 40 + b" 1700000000\x00\n:100644 100644 "
    ...        + b"c" * 40 + b" " + b"d" * 40 + b" M\x00x.md\x00\x01" + b"b" * 40 + b" 1\x00")
    >>> commits, changes = parse_log(raw)
    >>> [(sha[:1], parents, when) for sha, parents, when in commits]
    [('a', (1,), 1700000000), ('b', (), 1)]
    >>> changes[0][:2], changes[0][4:]
    ((0, 'M'), ('x.md', 'x.md'))
    """
    heads, changes = _parse_rows(output, prefix)
    return _on_top(heads, changes, Log("", (), ()))


def _parse_rows(
    output: bytes, prefix: str
) -> tuple[list[tuple[str, tuple[str, ...], int]], list[ChangeRow]]:
    """Commits (hash, parent hashes, time) and changes (by commit index) of one log output."""
    return _parse_tokens(output.split(b"\0"), prefix)


def _parse_tokens(
    tokens: list[bytes], prefix: str
) -> tuple[list[tuple[str, tuple[str, ...], int]], list[ChangeRow]]:
    """``_parse_rows`` of the output's NUL-separated pieces. Paths are interned: the same
    strings as the corpus's paths, and one copy for every change of the same file."""
    heads: list[tuple[str, tuple[str, ...], int]] = []
    changes: list[ChangeRow] = []
    i = 0
    count = len(tokens)
    while i < count:
        token = tokens[i].lstrip(b"\n")
        i += 1
        if token.startswith(b"\x01"):
            header = _parse_header(token[1:])
            if header is not None:
                heads.append(header)
            continue
        if not token.startswith(b":") or not heads:
            continue
        meta = token[1:].split(b" ")
        if len(meta) != 5 or not meta[4]:
            continue
        status = chr(meta[4][0])
        paths = 2 if status in "RC" else 1
        names = [_intern(os.fsdecode(t)) for t in tokens[i : i + paths]]
        i += paths
        if len(names) != paths:
            break
        old_blob = _blob(meta[2])
        new_blob = _blob(meta[3])
        if old_blob is None or new_blob is None:
            continue
        old_path = names[0] if paths == 2 else ("" if status == "A" else names[0])
        new_path = names[-1] if status != "D" else ""
        old_path = _under(old_path, prefix)
        new_path = _under(new_path, prefix)
        if status in "RC" and not old_path:  # moved in from outside the root: an addition
            status, old_blob = "A", ""
        if status == "R" and not new_path:  # moved out of the root: a deletion
            status, new_blob = "D", ""
        if not old_path and not new_path:
            continue
        changes.append((len(heads) - 1, status, old_blob, new_blob, old_path, new_path))
    return heads, changes


def _parse_header(token: bytes) -> tuple[str, tuple[str, ...], int] | None:
    parts = token.split()  # a root commit has no parents: two spaces
    if len(parts) < 2 or not all(_HEX.match(p) for p in parts[:-1]):
        return None
    try:
        when = int(parts[-1])
    except ValueError:
        return None
    sha, *parents = (p.decode("ascii") for p in parts[:-1])
    return sha, tuple(parents), when


def _blob(field_: bytes) -> str | None:
    if not _HEX.match(field_):
        return None
    text = field_.decode("ascii")
    return "" if text.strip("0") == "" else text


def _under(path: str, prefix: str) -> str:
    if not path:
        return ""
    if not prefix:
        return path
    return path[len(prefix) :] if path.startswith(prefix) else ""


def parse_ls_tree(output: bytes) -> dict[str, str]:
    """Path -> blob hash from ``git ls-tree -r -z`` (files only; submodules and trees left out).

    >>> parse_ls_tree(b"100644 blob " + b"a" * 40 + b"\\tdocs/x.md\\0")
    {'docs/x.md': 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'}
    """
    out: dict[str, str] = {}
    for entry in output.split(b"\0"):
        meta, tab, name = entry.partition(b"\t")
        parts = meta.split(b" ")
        if not tab or len(parts) != 3 or parts[1] != b"blob" or not _HEX.match(parts[2]):
            continue
        out[_intern(os.fsdecode(name))] = parts[2].decode("ascii")
    return out


def _load_log(path: Path, repo: Repository) -> Log | None:
    """The cached history of the same root (any HEAD: an older one is read on top of)."""
    try:
        with open(path, "rb") as handle:
            if handle.read(len(_LOG_MAGIC)) != _LOG_MAGIC:
                raise ValueError("not a history cache of this layout")
            fmt, head, prefix, *sizes = _frame(handle)
            if (fmt, prefix) != (LOG_FORMAT, repo.prefix) or not isinstance(head, str):
                return None
            commits, changes, items = (_framed_rows(handle, size) for size in sizes)
        for commit in commits[:1] + commits[-1:]:
            sha, parents, when = commit
            if not (isinstance(sha, str) and isinstance(parents, tuple) and isinstance(when, int)):
                raise TypeError("malformed history cache")
        if not all(isinstance(row, tuple) and len(row) == 6 for row in changes):
            raise TypeError("malformed history cache")
        blobs = dict(items)
    except (OSError, ValueError, EOFError, TypeError) as exc:
        if not isinstance(exc, FileNotFoundError):
            log.info("history cache %s unusable (%s); reading the history again", path, exc)
        return None
    return Log(head, commits, changes, blobs)


def _save_log(path: Path, repo: Repository, result: Log) -> None:
    try:
        write_atomic(path, _log_frames(repo, result))
    except (OSError, TracegraphError) as exc:
        log.info("history cache %s not written (%s)", path, exc)


#: The history cache: this magic, then ``marshal``-ed frames, each led by its size: a head
#: (format, HEAD, prefix and the number of commits, changes and files at HEAD), then the
#: commits, the changes and the (path, blob) pairs at HEAD, ``_LOG_FRAME_ROWS`` rows a frame.
#: Written and read a frame at a time: one ``marshal`` of the whole history was 35 MB of bytes
#: beside the history itself, at the peak memory of a check of 100,000 documents.
_LOG_MAGIC = b"tracegraph-log\0"
_LOG_FRAME_ROWS = 10_000
_FRAME = struct.Struct("<Q")


def _log_frames(repo: Repository, result: Log) -> Iterator[bytes]:
    blobs = result.head_blobs
    parts: tuple[tuple[Iterable[object], int], ...] = (
        (result.commits, len(result.commits)),
        (result.changes, len(result.changes)),
        (blobs.items(), len(blobs)),
    )
    yield _LOG_MAGIC
    yield from _framed((LOG_FORMAT, repo.head, repo.prefix, *(size for _, size in parts)))
    for rows, size in parts:
        left = iter(rows)
        for _ in range(0, size, _LOG_FRAME_ROWS):
            yield from _framed(tuple(islice(left, _LOG_FRAME_ROWS)))


def _framed(value: Any) -> tuple[bytes, bytes]:
    data = marshal.dumps(value)
    return _FRAME.pack(len(data)), data


def _frame(handle: IO[bytes]) -> Any:
    """The next frame's value (``_log_frames``)."""
    head = handle.read(_FRAME.size)
    if len(head) != _FRAME.size:
        raise EOFError("history cache cut short")
    (size,) = _FRAME.unpack(head)
    if size > os.fstat(handle.fileno()).st_size - handle.tell():  # a damaged cache, not 2**63 bytes
        raise EOFError("history cache cut short")
    data = handle.read(size)
    if len(data) != size:
        raise EOFError("history cache cut short")
    return marshal.loads(data)


def _framed_rows(handle: IO[bytes], size: object) -> tuple[Any, ...]:
    """``size`` rows from the frames that follow (``_log_frames``)."""
    if type(size) is not int or size < 0:
        raise TypeError("malformed history cache")
    rows: list[Any] = []
    while len(rows) < size:
        part = _frame(handle)
        if type(part) is not tuple or not part:
            raise TypeError("malformed history cache")
        rows += part
    if len(rows) != size:
        raise TypeError("malformed history cache")
    return tuple(rows)


# --- file contents --------------------------------------------------------------------------


def read_blobs(root: Path, blobs: Collection[str]) -> dict[str, bytes]:
    """The contents of ``blobs`` (hashes); blobs the repository lacks (a partial clone) are
    left out of the result. Raises HistoryError when git fails."""
    wanted = sorted({b for b in blobs if _HEX.match(b.encode("ascii", "replace"))})
    with BlobReader(root) as reader:
        return {blob: data for blob, data in reader.read(wanted) if data is not None}


def iter_blobs(root: Path, blobs: Sequence[str]) -> Iterator[tuple[str, bytes | None]]:
    """(blob, contents) for each of ``blobs`` (full hex hashes) in order, contents None when
    the repository lacks the object (one ``BlobReader`` for this call)."""
    with BlobReader(root) as reader:
        yield from reader.read(blobs)


class _Ended(Exception):
    """git's output ended before every answer came."""


class BlobReader:
    """File contents by blob hash from one long-running ``git cat-file --batch`` (started on
    first use, kept across ``read`` calls: one process, and one delta-base cache, for the
    versions a whole run reads; a process per few thousand names cost up to 1 s more git CPU
    at 39,000 versions). A thread writes the names on git's input while the caller reads the
    answers one by one, so one version is held at a time, however many are read.

    Names that are not full hex hashes are never sent (git would read ``HEAD:path`` or
    ``:/text`` as an object name) and are left out of the answers. In a partial clone git
    stops at the first object it lacks (lazy fetching is off): then one listing of the
    objects at hand says which, and the rest are read again without them."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._git: GitProcess | None = None
        self._owner = threading.get_ident()

    def start(self) -> None:
        """Start git now (in this thread). On Linux a child dies with the thread that started
        it (``PR_SET_PDEATHSIG``), so a process that other threads are to use must be
        started by a thread that outlives their reads; ``read`` in another thread than the
        one that made the reader ends a process it had to start when it is done."""
        if self._git is None:
            try:
                self._git = start_git(self.root, "cat-file", "--batch", timeout=LOG_TIMEOUT)
            except GitError as exc:
                raise HistoryError(f"git cat-file failed: {exc}") from None

    def __enter__(self) -> BlobReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """End the git process (nothing is left running)."""
        git, self._git = self._git, None
        if git is not None:
            try:
                git.close(kill=True)
            except GitError as exc:
                log.info("git cat-file: %s", exc)

    def read(self, blobs: Sequence[str]) -> Generator[tuple[str, bytes | None], None, None]:
        """(blob, contents or None) for each of ``blobs`` that is a full hex hash, in order.
        A caller that stops early ends the process (the next call starts another). Raises
        HistoryError when git fails."""
        names = [blob for blob in blobs if _HEX.match(blob.encode("ascii", "replace"))]
        if not names:
            return
        transient = self._git is None and threading.get_ident() != self._owner
        self.start()
        git = self._git
        assert git is not None
        writer = threading.Thread(target=_write_names, args=(git, names), daemon=True)
        writer.start()
        done = 0
        ended = False
        try:
            for name in names:
                try:
                    found = _answer(git.stdout, name)
                except _Ended:
                    ended = True
                    break
                done += 1
                yield name, found
        finally:
            if done < len(names) and not ended:  # stopped early, or git answered nonsense
                self.close()
                writer.join()
        if not ended:
            writer.join()
            if transient:
                self.close()
            return
        self._git = None
        try:
            error = _first_line(git.close().stderr) or "no output"
        except GitError as exc:
            raise HistoryError(f"git cat-file failed: {exc}") from None
        finally:
            writer.join()
        yield from self._read_held(names[done:], error)

    def _read_held(self, rest: list[str], error: str) -> Iterator[tuple[str, bytes | None]]:
        """After git stopped short (``error``, its message): ``rest`` read again without the
        objects the clone lacks, or HistoryError when it lacks none of them."""
        held = _objects(self.root)
        if rest[0] in held:
            raise HistoryError(f"git cat-file failed: {error}")
        present = [blob for blob in rest if blob in held]
        found: dict[str, bytes | None] = {}
        if present:
            output, error = _batch(self.root, present)
            if output is None:
                raise HistoryError(f"git cat-file failed: {error}")
            found = dict(parse_batch(output, present))
        for blob in rest:
            yield blob, found.get(blob)


def _write_names(git: GitProcess, names: list[str]) -> None:
    """Feed ``names`` to git's input (from a thread: git answers while it reads them)."""
    with contextlib.suppress(OSError, ValueError):  # git ended: the reader says why
        for start in range(0, len(names), 1024):
            git.stdin.write("".join(f"{n}\n" for n in names[start : start + 1024]).encode())
        git.stdin.flush()


def _answer(stdout: IO[bytes], name: str) -> bytes | None:
    """One answer of ``git cat-file --batch``: ``<name> blob <size>\\n<contents>\\n``, or
    ``<name> missing\\n`` (None; an object of another type counts as absent). _Ended when
    the output stops short; HistoryError when it does not match."""
    line = stdout.readline()
    if not line.endswith(b"\n"):
        raise _Ended
    parts = line[:-1].split(b" ")
    if parts[0] != name.encode("ascii"):
        raise HistoryError(f"git cat-file gave unexpected output for {name[:12]}")
    if len(parts) != 3 or not parts[2].isdigit():
        return None  # missing, ambiguous
    size = int(parts[2])
    data = stdout.read(size + 1)
    if len(data) != size + 1:
        raise _Ended
    if data[-1:] != b"\n":
        raise HistoryError(f"git cat-file gave short output for {name[:12]}")
    return data[:-1] if parts[1] == b"blob" else None


def _batch(root: Path, names: list[str]) -> tuple[bytes | None, str]:
    """git's output for ``names`` (None when it failed) and the first line of its message."""
    proc = run_git(
        root, "cat-file", "--batch", "--buffer", timeout=LOG_TIMEOUT,
        input="".join(f"{blob}\n" for blob in names).encode("ascii"),
    )  # fmt: skip
    return (proc.stdout if proc.returncode == 0 else None), _first_line(proc.stderr) or "no output"


def _objects(root: Path) -> set[str]:
    """The names of every object the repository holds (a partial clone: not those it lacks)."""
    proc = run_git(
        root, "cat-file", "--batch-all-objects", "--unordered", "--batch-check=%(objectname)",
        timeout=LOG_TIMEOUT,
    )  # fmt: skip
    if proc.returncode != 0:
        raise HistoryError(f"git cat-file failed: {_first_line(proc.stderr)}")
    return set(proc.stdout.decode("ascii", "replace").split())


def parse_batch(output: bytes, blobs: Sequence[str]) -> list[tuple[str, bytes | None]]:
    """(blob, contents or None) from ``git cat-file --batch`` output for ``blobs`` in order:
    ``<name> blob <size>\\n<contents>\\n`` each, ``<name> missing\\n`` for an absent one (an
    object of another type counts as absent). HistoryError when the output does not match.

    >>> parse_batch(b"a blob 2\\nhi\\nb missing\\n", ["a", "b"])
    [('a', b'hi'), ('b', None)]
    """
    return [
        (blob, output[start:end] if start >= 0 else None)
        for blob, start, end in batch_spans(output, blobs)
    ]


def batch_spans(output: bytes, blobs: Sequence[str]) -> list[tuple[str, int, int]]:
    """``parse_batch`` as places in ``output``: (blob, start, end) of each blob's contents,
    -1 and -1 for one that is absent.

    >>> batch_spans(b"a blob 2\\nhi\\nb missing\\n", ["a", "b"])
    [('a', 9, 11), ('b', -1, -1)]
    """
    out: list[tuple[str, int, int]] = []
    offset = 0
    for blob in blobs:
        end = output.find(b"\n", offset)
        parts = output[offset:end].split(b" ") if end >= 0 else []
        if not parts or parts[0] != blob.encode("ascii", "replace"):
            raise HistoryError(f"git cat-file gave unexpected output for {blob[:12]}")
        offset = end + 1
        if len(parts) != 3 or not parts[2].isdigit():
            out.append((blob, -1, -1))  # missing, ambiguous
            continue
        start, size = offset, int(parts[2])
        offset += size + 1
        if offset > len(output) or output[offset - 1 : offset] != b"\n":
            raise HistoryError(f"git cat-file gave short output for {blob[:12]}")
        out.append((blob, start, start + size) if parts[1] == b"blob" else (blob, -1, -1))
    return out


# --- a change against a revision ------------------------------------------------------------


def tree_blobs(root: Path, revision: str) -> dict[str, str]:
    """Path (root-relative) -> blob of every file under the root at ``revision``; HistoryError
    for an unknown revision."""
    if not revision or revision.startswith("-"):
        raise HistoryError(f"'{revision}' is not a git revision")
    proc = run_git(root, "ls-tree", "-r", "-z", revision, timeout=LOG_TIMEOUT)
    if proc.returncode != 0:
        raise HistoryError(f"git ls-tree {revision} failed: {_first_line(proc.stderr)}")
    return parse_ls_tree(proc.stdout)


def renames_since(root: Path, revision: str) -> dict[str, str]:
    """New path -> old path of the files renamed between ``revision`` and the index (commits
    and staged changes; root-relative). The index, not the work tree: git then reads no file
    of the work tree, so no filter that the repository configures ever runs."""
    if not revision or revision.startswith("-"):
        raise HistoryError(f"'{revision}' is not a git revision")
    proc = run_git(
        root, "diff", "--cached", "--name-status", "-z", "-M", "--relative", "--no-color",
        revision, "--", timeout=LOG_TIMEOUT,
    )  # fmt: skip
    if proc.returncode != 0:
        raise HistoryError(f"git diff {revision} failed: {_first_line(proc.stderr)}")
    fields = proc.stdout.split(b"\0")
    out: dict[str, str] = {}
    i = 0
    while i < len(fields) and fields[i]:
        status = fields[i][:1]
        if status in (b"R", b"C"):
            if i + 2 < len(fields) and status == b"R":
                out[os.fsdecode(fields[i + 2])] = os.fsdecode(fields[i + 1])
            i += 3
        else:
            i += 2
    return out


def diff_text(root: Path, since: str, then: str, now: str) -> str:
    """``git diff`` of one file from the version before commit ``since`` (at path ``then``) to
    HEAD (at path ``now``; root-relative): the two versions are named, so a file renamed and
    rewritten is still compared with itself. The text as git wrote it (decoded, not cleaned)."""
    if not _HEX.match(since.encode("ascii", "replace")):
        raise HistoryError(f"'{since}' is not a commit")
    proc = run_git(
        root, "diff", "--no-color", "--text", f"{since}^:./{then}", f"HEAD:./{now}",
        timeout=LOG_TIMEOUT,
    )  # fmt: skip
    if proc.returncode not in (0, 1):
        raise HistoryError(f"git diff failed: {_first_line(proc.stderr)}")
    return proc.stdout.decode("utf-8", "replace")


# --- ancestry -------------------------------------------------------------------------------


class Ancestry:
    """Answers "is commit C an ancestor of (or equal to) commit R" over one history.

    Every commit gets the position on HEAD's first-parent line at which it was merged in (one
    pass). For R on that line, C is an ancestor exactly when C was merged in at or before R. For
    R on a side branch, a walk from R down to the first-parent line (the length of its branch,
    remembered per R) gives the commits only R's branch holds and the newest first-parent
    commit below R.

    >>> # 0 = merge of 1 (main) and 2 (side); both rest on 3.
    >>> a = Ancestry([(1, 2), (3,), (3,), ()])
    >>> a.is_ancestor(2, 0), a.is_ancestor(2, 1), a.is_ancestor(3, 2), a.is_ancestor(1, 2)
    (True, False, True, False)
    """

    def __init__(self, parents: list[tuple[int, ...]] | tuple[tuple[int, ...], ...]) -> None:
        self.parents = parents
        count = len(parents)
        line: list[int] = []
        node = 0 if count else -1
        while node >= 0:
            line.append(node)
            node = parents[node][0] if parents[node] else -1
        #: Position on the first-parent line (0 = the oldest), -1 off it.
        self.position = [-1] * count
        for pos, commit in enumerate(reversed(line)):
            self.position[commit] = pos
        self.merged_at = [count] * count  # unreachable from HEAD: never an ancestor
        for pos, commit in enumerate(reversed(line)):
            stack = [commit]
            while stack:
                current = stack.pop()
                if self.merged_at[current] != count:
                    continue
                self.merged_at[current] = pos
                stack.extend(p for p in parents[current] if self.merged_at[p] == count)
        self._side: dict[int, tuple[frozenset[int], int]] = {}

    def is_ancestor(self, commit: int, of: int) -> bool:
        """Whether ``commit`` is ``of`` or one of its ancestors (indexes into the log)."""
        if commit == of:
            return True
        pos = self.position[of]
        if pos >= 0:
            return self.merged_at[commit] <= pos
        branch, below = self._branch(of)
        return commit in branch or self.merged_at[commit] <= below

    def horizon(self, points: Iterable[int]) -> tuple[int, frozenset[int]]:
        """What the commits ``points`` have seen, together, in a form that answers for many
        commits at once: commit C is an ancestor of one of them exactly when
        ``merged_at[C] <= limit or C in branch`` for ``(limit, branch)`` returned.

        >>> a = Ancestry([(1, 2), (3,), (3,), ()])
        >>> a.horizon([1]), a.horizon([2])
        ((1, frozenset()), (0, frozenset({2})))
        """
        limit = -1
        branches: list[frozenset[int]] = []
        for of in points:
            pos = self.position[of]
            if pos < 0:
                branch, pos = self._branch(of)
                branches.append(branch)
            limit = max(limit, pos)
        if not branches:
            return limit, frozenset()
        return limit, branches[0] if len(branches) == 1 else frozenset().union(*branches)

    def _branch(self, of: int) -> tuple[frozenset[int], int]:
        found = self._side.get(of)
        if found is not None:
            return found
        seen: set[int] = set()
        below = -1
        stack = [of]
        while stack:
            current = stack.pop()
            if current in seen:
                continue
            pos = self.position[current]
            if pos >= 0:
                below = max(below, pos)
                continue
            seen.add(current)
            stack.extend(self.parents[current])
        result = (frozenset(seen), below)
        self._side[of] = result
        return result
