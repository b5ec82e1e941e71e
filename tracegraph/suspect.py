"""Suspect links (TG503): a document rests on one that changed after it was last reviewed.

An edge D -> U (D rests on U; any relation but ``mentions``) is *suspect* when a commit that D's
last review has not seen changed U (its text, whitespace aside, or its title, ID or status; see
``parse.fingerprint``), and U as it is now differs from U as D's review saw it (a change that
was undone is not one).

- *Last reviewed* (``suspect.mode: default``): the last commit that changed D (writing or
  editing a document is taken as having looked at what it rests on), or an explicit review of
  the pair recorded by ``tracegraph review`` (``.tracegraph-reviews.yaml``), whichever saw
  more. In ``strict`` mode only explicit reviews count, and D's creation.
- *Has not seen*: the commit is not an ancestor of the review commit (history is a graph:
  a change merged from a branch that forked before the review is still unseen).
- Renames are followed (``git log -M``), and a rename alone is no change unless it changes the
  ID (a file name that carries it).

Everything comes from one ``git log`` pass (``githistory``), cached by HEAD, and from the
contents of the versions that matter, read in batches and remembered by blob hash. A shallow
clone cannot know, nor a partial one that lacks old contents: the analysis then says why and
finds nothing, never a wrong suspect. Outside git it is off.
"""

from __future__ import annotations

import contextlib
import json
import logging
import marshal
import os
import sys
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from .atomic import write_atomic
from .config import Config
from .crawl import read_document
from .errors import InputError, TracegraphError
from .gitcmd import spool_file, spooled
from .githistory import (
    LOG_FORMAT,
    Ancestry,
    BlobReader,
    EarlyLog,
    HistoryError,
    Log,
    Repository,
    cache_history,
    history_cached,
    probe_repository,
    read_blobs,
    read_log,
    renames_since,
    tree_blobs,
)
from .graph import Corpus, EdgeAttrs, EdgeKeys
from .model import Relation
from .parse import Recogniser, parse_document
from .parse.fingerprint import Fingerprint, FingerprintRules, fingerprint
from .procs import die_with_parent, helpers_allowed, leave_with_parent
from .reviews import MAX_REVIEW_BYTES, Review, parse_reviews
from .state import CACHE_DIR, usable_state

if TYPE_CHECKING:  # multiprocessing is imported only when a worker is started
    import hashlib
    from concurrent.futures import Future, ProcessPoolExecutor
else:  # imported on first use: a check imports this module while its workers parse
    from ._lazy import hashlib

log = logging.getLogger(__name__)

#: Bump when the fingerprint or the cached layout changes.
FINGERPRINT_FORMAT = 1
FINGERPRINT_NAME = "git-fingerprints.marshal"
FINGERPRINT_CACHE = f"{CACHE_DIR}/{FINGERPRINT_NAME}"
RESULT_NAME = "git-suspects.marshal"
RESULT_CACHE = f"{CACHE_DIR}/{RESULT_NAME}"
#: Bump when the stored result layout changes.
RESULT_FORMAT = 2
#: The paths a commit changed after their creation, at one HEAD (``changed_documents``): a
#: recheck of a few documents' links reads it instead of the whole history, which it need
#: not read when no path changed after its creation (``_nothing_changed``).
CHANGED_NAME = "git-changed.marshal"
CHANGED_CACHE = f"{CACHE_DIR}/{CHANGED_NAME}"
CHANGED_FORMAT = 1
#: From this many versions read at once, a worker process reads and fingerprints half of them
#: (with a git of its own) on the second core while this process does the other half.
WORKER_VERSIONS = 2000
#: Fingerprints kept in the cache at most (about 100 bytes each).
MAX_CACHED_FINGERPRINTS = 500_000
MENTIONS = Relation.MENTIONS.value

# An event in a document's history, newest first: (commit index, kind, old blob, new blob,
# old path, new path, sidecar). Kind: "A" created, "M" modified, "R" renamed (maybe modified).
Event = tuple[int, str, str, str, str, str, bool]


@dataclass(frozen=True)
class ReviewPoint:
    """The commit a document was last reviewed at: ``kind`` is ``edit`` (its last change),
    ``review`` (recorded with ``tracegraph review``) or ``created``."""

    commit: str
    date: str
    kind: str


@dataclass(frozen=True)
class UpstreamChange:
    """A commit that changed the upstream document since the review (its path then)."""

    commit: str
    date: str
    path: str


@dataclass(frozen=True)
class SuspectLink:
    """D -> U is suspect: ``changes`` (newest first) changed U since ``review``."""

    downstream: str
    downstream_name: str
    upstream: str
    upstream_name: str
    relation: str
    #: Where the edge is written: the declaring file, line, column.
    path: str
    line: int
    column: int
    review: ReviewPoint
    changes: tuple[UpstreamChange, ...]
    #: How U differs from the version the review saw: ``status draft -> accepted``, ``text``.
    how: tuple[str, ...]
    #: What to diff to show the change (``review --diff``): the version before the first
    #: unseen change (commit, path then) and the path at HEAD: U itself, or its sidecar
    #: (``kep.yaml``) when only that changed.
    diff_from: tuple[str, str]
    diff_to: str

    @property
    def message(self) -> str:
        """The TG503 message: what D rests on, how often it changed, since when."""
        count = len(self.changes)
        what = f" ({', '.join(self.how)})" if self.how else ""
        return (
            f"rests on {self.upstream_name}, changed in {count} commit{'s' if count != 1 else ''}"
            f"{what} since this document was last reviewed ({self.review.commit[:7]}, "
            f"{self.review.date}{'' if self.review.kind == 'edit' else ', ' + self.review.kind})"
        )


@dataclass(frozen=True)
class SuspectAnalysis:
    """Every suspect link of a tree, or why there can be none: ``status`` is ``ok``, ``off``
    (not a git work tree) or ``unknown`` (a shallow or partial clone, no commit yet, git
    failing); ``reason`` says why in one line."""

    status: str
    reason: str = ""
    links: tuple[SuspectLink, ...] = ()
    mode: str = "default"
    head: str | None = None
    reviews_file: str = ""
    #: Review entries whose document or upstream is not a document (or not upstream) any more.
    stale_reviews: tuple[Review, ...] = ()

    def of_downstream(self, path: str) -> tuple[SuspectLink, ...]:
        """The suspect links of one downstream document (what it must re-read)."""
        return tuple(link for link in self.links if link.downstream == path)

    def through(self, path: str) -> tuple[SuspectLink, ...]:
        """The links that became suspect through one upstream document."""
        return tuple(link for link in self.links if link.upstream == path)


def find_suspect_links(
    corpus: Corpus,
    *,
    cache: bool = True,
    reviews: tuple[Review, ...] | None = None,
    within: Collection[str] | None = None,
    repo: Repository | None = None,
    early_log: EarlyLog | None = None,
) -> SuspectAnalysis:
    """The suspect links of ``corpus`` (see the module's documentation).

    ``reviews`` replaces the review file's content (None: read it from the root). With
    ``cache``, the result is kept under ``.tracegraph/cache/`` keyed by HEAD, the review file,
    the edges and the settings, so a rerun at the same commit reads no history at all. With
    ``within`` (files), only the links written there: what a recheck of those documents
    needs (the result cache is neither read nor written; the history's cache is). Raises
    InputError for an unreadable review file. ``repo``: where the root stands in git, when
    the caller has asked (``githistory.probe_repository``; the crawl does); ``early_log``: git's
    history begun before the corpus was parsed (``githistory.begin_log``), for the whole
    analysis (not read with ``within``)."""
    config = corpus.config
    mode = config.suspect.mode
    root = corpus.root
    repo = repo or probe_repository(root)
    if repo.status == "not-git":
        why = "" if "not a git repository" in repo.reason else f" ({repo.reason})"
        return SuspectAnalysis("off", f"{root} is not in a git work tree{why}", mode=mode)
    if repo.status != "ok":
        return SuspectAnalysis("unknown", repo.reason, mode=mode)
    if reviews is None:
        reviews = load_review_file(root, config)
    if repo.one_commit:
        return _one_commit(corpus, repo, reviews, within)
    whole = cache and within is None
    if within is not None and cache and not reviews and _nothing_changed(root, repo):
        # What ``_analyse`` finds for no pair and no review (the whole analysis leaves out
        # the pairs onto documents unchanged since their creation, ``changed_documents``).
        return SuspectAnalysis("ok", mode=mode, head=repo.head, reviews_file=config.suspect.reviews)
    stored = _read_result(root) if whole else None
    # Made here, not in the history's thread: the git process that reads the versions dies
    # with the thread that starts it (``BlobReader.start``). Its cache is read in that thread.
    prints = FingerprintStore(root, config, cache=cache, load=False)
    from concurrent.futures import ThreadPoolExecutor  # only where there is history to read

    try:
        with ThreadPoolExecutor(max_workers=1) as pool:
            reading: Future[Log] | None = None
            early = stored is None or stored[4] != repo.head
            if within is None and early and not (cache and history_cached(root, repo)):
                # No stored result for this commit: git reads the history (and the versions at
                # HEAD are fingerprinted meanwhile) while the edges and the key are gathered.
                # From the history's cache (a large check reads it ahead) it is read after
                # the key, once the edges are let go: read beside them, it left 30 MB more
                # behind at 100,000 documents.
                prints.reader.start()
                reading = pool.submit(
                    _read_history, corpus, repo, prints, sorted(corpus.by_path), early_log
                )
            if whole:
                every = resting_on(corpus)  # for the key alone, let go before the history ends
                key = _result_key(corpus, repo, reviews, every)
                found = _result_from(stored, key, root / RESULT_CACHE) if reading is None else None
                if found is not None:
                    return found
                if reading is None:
                    documents = sorted({p for pair in every for p in pair})
                    reading = pool.submit(_read_history, corpus, repo, prints, documents, early_log)
                del every
            elif reading is None:
                pairs = resting_on(corpus, within)
                documents = sorted({p for pair in pairs for p in pair})
                reading = pool.submit(_read_history, corpus, repo, prints, documents)
            history = reading.result()
        if within is None:
            # Only the edges onto a document that changed after its creation can be suspect
            # (none at all in a history of one commit); membership still answers for every
            # edge (a review of an edge left out is not stale). The whole table, kept for the
            # analysis, was 30 MB more at the peak of a 100k check storing its result.
            touched = _touched(history)
            if whole:
                _save_changed(root, repo, touched)
            pairs = resting_on(corpus, onto=changed_documents(corpus, history, touched))
        result = _analyse(corpus, repo, history, reviews, pairs, prints)
    except HistoryError as exc:
        return SuspectAnalysis("unknown", f"git could not give the history: {exc}", mode=mode)
    except _MissingContents as exc:
        return SuspectAnalysis("unknown", str(exc), mode=mode, head=repo.head)
    finally:
        prints.close()
    if whole:
        _save_result(root, key, result)
    return result


class AnalysisAhead:
    """TG503's analysis (``find_suspect_links``) in a forked process of its own, started
    before the rules (``analyse_ahead``). Run in a thread beside the other rules, its Python
    work (parsing git's rows, the fingerprints, the pairs) took the interpreter lock from
    them and waited for it at every read from git: at 10,000 documents and 200 commits, 0.9 s
    of wall for 0.24 s of CPU. Its own process has a lock of its own.

    The result comes back through an unlinked temporary file, and a pipe that says it is
    complete: ``ok`` then the end of the pipe, which only that process holds open for
    writing. Any process forked after it (the rules' child that runs TG503 at 1,000
    documents) can read it, the first to ask; whoever finds no complete result (the
    process failed, raised, or the result was taken) computes it in-process, as without it:
    the same analysis, errors included."""

    def __init__(
        self, pid: int, done: int, spool: IO[bytes], compute: Callable[[], SuspectAnalysis]
    ) -> None:
        self.pid = pid
        self._done = done
        self._spool = spool
        self._compute = compute

    def result(self) -> SuspectAnalysis:
        """The analysis (waiting for the process; computed here when it gives none)."""
        found = self._take()
        return found if found is not None else self._compute()

    def _take(self) -> SuspectAnalysis | None:
        said, done = b"", self._done
        if done < 0:
            return None
        self._done = -1
        try:
            while chunk := os.read(done, 64):
                said += chunk
            if said != b"ok":
                return None
            status, reason, mode, head, file, rows, stale = marshal.loads(spooled(self._spool))
            return SuspectAnalysis(
                status, reason, tuple(_link_from_row(row) for row in rows), mode, head, file,
                tuple(Review(*row) for row in stale),
            )  # fmt: skip
        except (OSError, ValueError, EOFError, TypeError) as exc:
            log.info("TG503's process gave no result (%s): computed here", exc)
            return None
        finally:
            os.close(done)

    def end(self) -> None:
        """End the process (done by now, or not needed) and reap it; in the process that
        started it."""
        import signal

        if self._done >= 0:
            os.close(self._done)
            self._done = -1
        with contextlib.suppress(OSError):
            os.kill(self.pid, signal.SIGKILL)
        with contextlib.suppress(OSError):
            os.waitpid(self.pid, 0)
        self._spool.close()


def analyse_ahead(
    corpus: Corpus,
    *,
    cache: bool,
    repo: Repository,
    early_log: EarlyLog | None,
) -> AnalysisAhead | None:
    """Start ``find_suspect_links`` for the whole ``corpus`` in a forked process
    (``AnalysisAhead``); None where the analysis reads no history (not ``ok``, one commit)
    or no fork can be made. The caller calls ``end`` once the rules are done. Call it only
    where a process may fork (no other thread) and its memory may be copied."""

    def compute() -> SuspectAnalysis:
        return find_suspect_links(corpus, cache=cache, repo=repo, early_log=early_log)

    if repo.status != "ok" or repo.one_commit:
        return None
    if early_log is not None:
        early_log.wait()  # begun before the parse: done by now, or nearly
    parent = os.getpid()
    spool = spool_file()  # closed by ``AnalysisAhead.end``
    done, ready = os.pipe()
    for stream in (sys.stdout, sys.stderr):  # a child would write buffered output again
        stream.flush()
    try:
        pid = os.fork()
    except OSError as exc:
        log.info("TG503 not analysed in a process of its own (%s)", exc)
        os.close(done)
        os.close(ready)
        spool.close()
        return None
    if pid == 0:  # the child: never returns
        code = 1
        try:
            os.close(done)
            _analysis_child(parent, ready, spool, compute)
            code = 0
        finally:
            os._exit(code)
    os.close(ready)
    return AnalysisAhead(pid, done, spool, compute)


def _analysis_child(
    parent: int, done: int, spool: IO[bytes], compute: Callable[[], SuspectAnalysis]
) -> None:
    """In the forked process: the analysis into ``spool``, then ``ok`` on ``done``."""
    die_with_parent()
    if os.getppid() != parent:  # it died before the signal was asked for
        return
    from .memory import collector_paused

    with collector_paused():
        result = compute()
    rows = tuple(_link_row(link) for link in result.links)
    stale = tuple((r.document, r.upstream, r.commit) for r in result.stale_reviews)
    spool.write(marshal.dumps((result.status, result.reason, result.mode, result.head,
                               result.reviews_file, rows, stale)))  # fmt: skip
    spool.flush()
    os.write(done, b"ok")


def _one_commit(
    corpus: Corpus,
    repo: Repository,
    reviews: tuple[Review, ...],
    within: Collection[str] | None,
) -> SuspectAnalysis:
    """The analysis of a history of one commit (``Repository.one_commit``), with no history
    read: every file was added by that commit and none changed after it, so no link is
    suspect (an uncommitted edit is no commit); only the stale reviews are looked for, as
    ``_explicit_reviews`` finds them (membership answers for every edge, or, with
    ``within``, for the edges written in those files). The same result as reading the
    history, without git's three processes and their parse at the end of a check (a depth-1
    clone is ``shallow`` instead: its one commit hides what changed)."""
    config = corpus.config
    stale: tuple[Review, ...] = ()
    if reviews:
        pairs = resting_on(corpus, within) if within is not None else resting_on(corpus, onto=())
        stale = tuple(review for review in reviews if _reviewed_pair(corpus, review, pairs) is None)
    return SuspectAnalysis(
        "ok",
        mode=config.suspect.mode,
        head=repo.head,
        reviews_file=config.suspect.reviews,
        stale_reviews=stale,
    )


def _reviewed_pair(
    corpus: Corpus, review: Review, pairs: Mapping[tuple[str, str], object]
) -> tuple[str, str] | None:
    """The (D, U) paths of a recorded review, None when it is stale (a name that is no
    document, or no edge between them among ``pairs``)."""
    doc, up = _path_of(corpus, review.document), _path_of(corpus, review.upstream)
    if doc is None or up is None or (doc, up) not in pairs:
        return None
    return doc, up


def cache_history_first(root: Path, repo: Repository) -> None:
    """Have git's history in its cache before a large check parses (``cache_history``),
    unless the result stored for HEAD makes the analysis read none (nor does a history of
    one commit). A failure is left to the analysis, which reports it."""
    if repo.status != "ok" or repo.head is None or repo.one_commit:
        return
    stored = _read_result(root)
    if stored is not None and stored[4] == repo.head:
        return
    try:
        cache_history(root, repo)
    except TracegraphError as exc:
        log.info("history not read ahead (%s)", exc)


def changed_documents(
    corpus: Corpus, history: Log, touched: Collection[str] | None = None
) -> set[str]:
    """The documents a commit changed (or renamed) after their creation, as far as a path
    says (a superset: an older file of the same name counts too); a document whose sidecar
    changed counts. A document outside this set can make no link suspect. ``touched``:
    ``_touched(history)`` when the caller has it."""
    touched = _touched(history) if touched is None else touched
    return {
        d.path
        for d in corpus.documents
        if d.path in touched or (d.sidecar is not None and d.sidecar in touched)
    }


def _touched(history: Log) -> set[str]:
    """The paths a commit of ``history`` changed (or renamed to) after their creation."""
    return {new_path for _, status, _, _, _, new_path in history.changes if status in "MTR"}


def _save_changed(root: Path, repo: Repository, touched: Collection[str]) -> None:
    """Keep ``_touched`` of the history at HEAD (``CHANGED_CACHE``)."""
    data = marshal.dumps(
        (CHANGED_FORMAT, LOG_FORMAT, repo.head, repo.prefix, tuple(sorted(touched)))
    )
    try:
        if usable_state(root, CHANGED_NAME, create=True):
            write_atomic(root / CHANGED_CACHE, data)
    except (OSError, TracegraphError) as exc:
        log.info("history summary %s not written (%s)", CHANGED_CACHE, exc)


def _read_changed(root: Path, repo: Repository) -> frozenset[str] | None:
    """``_touched`` of the history at HEAD as ``_save_changed`` kept it; None when not kept
    for this HEAD (or unreadable)."""
    if repo.head is None or not usable_state(root, CHANGED_NAME, create=False):
        return None
    try:
        stored = marshal.loads((root / CHANGED_CACHE).read_bytes())
    except (OSError, ValueError, EOFError, TypeError):
        return None
    if (
        type(stored) is not tuple
        or len(stored) != 5
        or stored[:4] != (CHANGED_FORMAT, LOG_FORMAT, repo.head, repo.prefix)
        or type(stored[4]) is not tuple
        or not set(map(type, stored[4])) <= {str}
    ):
        return None
    return frozenset(stored[4])


def _nothing_changed(root: Path, repo: Repository) -> bool:
    """Whether, by the kept summary of the history at HEAD, no commit changed any path after
    its creation (a history in which files were only added; one commit never asks: see
    ``Repository.one_commit``): then no edge rests on a changed document and no link can be
    suspect. False without a summary for HEAD, or when some path did change (the history is
    then read as before)."""
    return _read_changed(root, repo) == frozenset()


def _read_history(
    corpus: Corpus,
    repo: Repository,
    prints: FingerprintStore,
    documents: list[str],
    early: EarlyLog | None = None,
) -> Log:
    """The history; meanwhile ``prints`` reads its cache and fingerprints the versions at HEAD
    of ``documents`` while git reads the history."""
    prints.load()

    def newest_versions(at_head: Mapping[str, str], reading: Callable[[], bool]) -> None:
        """While git reads the history, and only until it is done: the versions at HEAD,
        which the analysis needs most of when the history is long (the newest version of
        every document that changed since a review). A short history ends this early: on a
        single commit nothing changed, and no version needs a fingerprint."""
        prints.fetch(
            ((at_head[path], False) for path in documents if path in at_head), until=reading
        )

    return read_log(corpus.root, repo, cache=prints.cache, meanwhile=newest_versions, early=early)


def _result_key(
    corpus: Corpus,
    repo: Repository,
    reviews: tuple[Review, ...],
    pairs: RestingOn,
) -> str:
    """Everything the analysis depends on: HEAD (the history and its contents), the reviews,
    the edges with their locations, the documents' names, the mode and the fingerprint rules."""
    named = sorted({p for pair in pairs for p in pair})  # fed with their names one by one
    sidecars = sorted((d.path, d.sidecar) for d in corpus.documents if d.sidecar)
    config = corpus.config
    # Fed piece by piece: one ``repr`` of all the edges was a string of 200 bytes per edge
    # (and its UTF-8 copy), the peak memory of a check at 100k documents. A ``repr`` holds no
    # raw newline, so newline-separated pieces, each section led by its length, are unambiguous.
    # Pieces are joined a thousand at a time (the same bytes as one by one, fewer calls).
    digest = hashlib.sha256()
    pieces: list[str] = []

    def feed(value: object) -> None:
        pieces.append(repr(value))
        if len(pieces) >= 1000:
            flush()

    def flush() -> None:
        if pieces:
            digest.update(("\n".join(pieces) + "\n").encode("utf-8", "surrogatepass"))
            pieces.clear()

    feed((RESULT_FORMAT, FINGERPRINT_FORMAT, repo.head, repo.prefix, config.suspect,
          repr(config.types), reviews))  # fmt: skip
    feed(len(pairs))
    for pair in pairs.in_order():
        feed((pair, pairs[pair]))
    feed(len(named))
    by_path = corpus.by_path
    for path in named:
        feed((path, by_path[path].name))
    feed(len(sidecars))
    for item in sidecars:
        feed(item)
    flush()
    return digest.hexdigest()


def _read_result(root: Path) -> tuple[Any, ...] | None:
    """The stored result as written (its HEAD at index 4), None when there is none usable."""
    path = root / RESULT_CACHE
    if not usable_state(root, RESULT_NAME, create=False):
        return None
    try:
        stored = marshal.loads(path.read_bytes())
    except (OSError, ValueError, EOFError, TypeError) as exc:
        if not isinstance(exc, FileNotFoundError):
            log.info("suspect-link cache %s unusable (%s)", path, exc)
        return None
    if not isinstance(stored, tuple) or len(stored) != 8 or stored[0] != RESULT_FORMAT:
        return None
    return stored


def _result_from(stored: tuple[Any, ...] | None, key: str, path: Path) -> SuspectAnalysis | None:
    """The stored result when it was stored under ``key``."""
    if stored is None:
        return None
    try:
        _, found, status, mode, head, file, links, stale = stored
        if found != key:
            return None
        return SuspectAnalysis(
            status,
            links=tuple(_link_from_row(row) for row in links),
            mode=mode,
            head=head,
            reviews_file=file,
            stale_reviews=tuple(Review(*row) for row in stale),
        )
    except (ValueError, TypeError) as exc:
        log.info("suspect-link cache %s unusable (%s)", path, exc)
        return None


def _save_result(root: Path, key: str, result: SuspectAnalysis) -> None:
    rows = tuple(_link_row(link) for link in result.links)
    stale = tuple((r.document, r.upstream, r.commit) for r in result.stale_reviews)
    data = (RESULT_FORMAT, key, result.status, result.mode, result.head, result.reviews_file,
            rows, stale)  # fmt: skip
    path = root / RESULT_CACHE
    try:
        if usable_state(root, RESULT_NAME, create=True):
            write_atomic(path, marshal.dumps(data))
    except (OSError, TracegraphError) as exc:
        log.info("suspect-link cache %s not written (%s)", path, exc)


def _link_row(link: SuspectLink) -> tuple[Any, ...]:
    review = link.review
    return (link.downstream, link.downstream_name, link.upstream, link.upstream_name,
            link.relation, link.path, link.line, link.column,
            (review.commit, review.date, review.kind),
            tuple((c.commit, c.date, c.path) for c in link.changes), link.how,
            link.diff_from, link.diff_to)  # fmt: skip


def _link_from_row(row: tuple[Any, ...]) -> SuspectLink:
    (down, down_name, up, up_name, relation, path, line, column, review, changes, how,
     diff_from, diff_to) = row  # fmt: skip
    if not (isinstance(line, int) and isinstance(column, int) and isinstance(how, tuple)):
        raise TypeError("malformed suspect-link cache")
    return SuspectLink(
        str(down), str(down_name), str(up), str(up_name), str(relation), str(path), line, column,
        ReviewPoint(*map(str, review)), tuple(UpstreamChange(*map(str, c)) for c in changes),
        tuple(map(str, how)), (str(diff_from[0]), str(diff_from[1])), str(diff_to),
    )  # fmt: skip


def load_review_file(root: Path, config: Config) -> tuple[Review, ...]:
    """The reviews recorded at the root (none when the file does not exist); read like a
    document (never through a link out of the root). InputError for a broken file."""
    rel = config.suspect.reviews
    if not (root / rel).is_symlink() and not (root / rel).exists():
        return ()
    read = read_document(root, rel, MAX_REVIEW_BYTES)
    if read.data is None:
        raise InputError(f"{rel}: {read.error}")
    return parse_reviews(read.data, rel)


class _MissingContents(TracegraphError):
    """The clone lacks the contents of older versions (a partial clone)."""


def _analyse(
    corpus: Corpus,
    repo: Repository,
    history: Log,
    reviews: tuple[Review, ...],
    pairs: Mapping[tuple[str, str], tuple[str, int, int, str]],
    prints: FingerprintStore,
) -> SuspectAnalysis:
    config = corpus.config
    sidecars = {d.path: d.sidecar for d in corpus.documents if d.sidecar}
    reviews_path = config.suspect.reviews
    tracked = {p for pair in pairs for p in pair} | {reviews_path}
    tracked |= {sidecars[p] for p in tracked if p in sidecars}
    events = lineages(history.changes, tracked)
    for doc, side in sidecars.items():
        if side in events:
            merged = events.get(doc, []) + [(*e[:6], True) for e in events.pop(side) if e[1] != "A"]
            events[doc] = sorted(merged, key=lambda e: e[0])
    commits = history.commits
    ancestry = Ancestry(tuple(parents for _, parents, _ in commits))
    index = {sha: number for number, (sha, _, _) in enumerate(commits)}
    recogniser = Recogniser.from_config(config)
    judge = _Judge(prints, recogniser, config)

    explicit, stale = _explicit_reviews(corpus, reviews, pairs, index, events.get(reviews_path, []),
                                        prints, ancestry)  # fmt: skip
    strict = config.suspect.mode == "strict"
    downstream = sorted({d for d, _ in pairs})
    last = len(commits) - 1
    own: dict[str, tuple[int, str]] = {}
    if strict:
        for doc in downstream:
            created = [e for e in events.get(doc, []) if e[1] == "A" and not e[6]]
            own[doc] = (created[-1][0] if created else last, "created")
    else:
        own.update(_last_edits(downstream, events, judge, last))
    for doc in downstream:
        if doc not in history.head_blobs:  # not committed yet: written against HEAD
            own[doc] = (0, "edit")

    # Which changes of each upstream document the reviews have not seen; their contents first.
    unseen = _unseen_changes(pairs, events, ancestry, {d: at for d, (at, _) in own.items()},
                             explicit)  # fmt: skip
    points_of = {pair: [own[pair[0]], *explicit.get(pair, [])] for pair in unseen}
    judge.prepare(e for changed in unseen.values() for e in changed)
    heads = {up: history.head_blobs.get(up, "") for _, up in unseen}
    prints.fetch((blob, False) for blob in heads.values() if blob)

    days: dict[int, str] = {}

    def day(at: int) -> str:
        found = days.get(at)
        if found is None:
            found = days[at] = _day(commits[at][2])
        return found

    # Links through one upstream document share its changes and often how it changed.
    made: dict[tuple[int, str], UpstreamChange] = {}
    hows: dict[tuple[str, str], tuple[str, ...]] = {}

    def change(event: Event) -> UpstreamChange:
        key = (event[0], event[5] or event[4])
        found = made.get(key)
        if found is None:
            found = made[key] = UpstreamChange(commits[event[0]][0], day(event[0]), key[1])
        return found

    links: list[SuspectLink] = []
    for pair, changed in sorted(unseen.items()):
        doc, up = pair
        counted = [e for e in changed if judge.significant(e)]
        if not counted:
            continue
        documents = [e for e in counted if not e[6]]
        how: tuple[str, ...] = ()
        if documents and heads[up]:
            first = documents[-1]
            before, now = prints.get(first[2], False), prints.get(heads[up], False)
            if before is not None and now is not None:
                renamed = False
                if any(e[1] == "R" for e in documents):  # only a rename can change a path's ID
                    old_id, new_id = judge.id_of(first[4], first[2]), judge.recognised(up, now)
                    renamed = old_id != new_id
                if before.same_as(now) and not renamed and len(documents) == len(counted):
                    continue  # changed and changed back
                told = hows.get((first[2], heads[up]))
                if told is None:
                    told = hows[(first[2], heads[up])] = before.changes_to(now)
                how = told
                if renamed and not any(h.startswith("id ") for h in how):
                    how = (f"id {_bare(old_id)} -> {_bare(new_id)}", *how)
        sides = [e for e in counted if e[6]]
        side_now = history.head_blobs.get(sidecars.get(up, ""), "")
        if sides and side_now:  # the sidecar's fields (a KEP's kep.yaml): status, title...
            prints.fetch([(sides[-1][2], True), (side_now, True)])
            before, now = prints.get(sides[-1][2], True), prints.get(side_now, True)
            if before is not None and now is not None:
                how = (*how, *(h for h in before.changes_to(now) if h not in how))
        at, kind = min(points_of[pair])  # the newest review point (topological order)
        location = pairs[pair]
        oldest = (documents or counted)[-1]
        links.append(
            SuspectLink(
                downstream=doc,
                downstream_name=corpus.by_path[doc].name,
                upstream=up,
                upstream_name=corpus.by_path[up].name,
                relation=location[3],
                path=location[0],
                line=location[1],
                column=location[2],
                review=ReviewPoint(commits[at][0], day(at), kind),
                changes=tuple(change(e) for e in counted),
                how=how,
                diff_from=(commits[oldest[0]][0], oldest[4]),
                diff_to=up if not oldest[6] else sidecars.get(up, up),
            )
        )
    prints.save()
    return SuspectAnalysis(
        "ok",
        links=tuple(sorted(links, key=lambda s: (s.path, s.line, s.column, s.upstream))),
        mode=config.suspect.mode,
        head=repo.head,
        reviews_file=reviews_path,
        stale_reviews=stale,
    )


def _bare(recognised: str | None) -> str:
    """``RFC:RFC-0001`` -> ``RFC-0001`` (``(none)`` for a document without an ID)."""
    value = (recognised or "").partition(":")[2]
    return value if value and value != "None" else "(none)"


def _day(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")


def resting_on(
    corpus: Corpus,
    within: Collection[str] | None = None,
    *,
    onto: Collection[str] | None = None,
) -> RestingOn:
    """(D, U) -> where D -> U is written (file, line, column) and its relation, for every
    document edge but ``mentions``: the first declaration in D itself when there is one.
    With ``within`` (files), only the edges written there (declared by a document there, or
    in its sidecar: an edge of one of those documents). With ``onto`` (documents), only the
    edges onto them (``within`` and ``onto`` are not combined)."""
    succ = corpus.edges.succ  # the graph's adjacency, no networkx
    if onto is not None:
        # Only the documents with an edge onto one of them, in the graph's order: not every
        # node pair (112,000 at 10,000 documents, when few documents or none changed).
        pred = corpus.edges.pred
        heads = {source for target in onto if target in pred for source in pred[target]}
        return RestingOn(succ, [s for s in succ if s in heads], onto=frozenset(onto))
    if within is None:
        return RestingOn(succ)
    ends = {p for p in within if p in succ}
    # An edge D -> U written in U (not in D) is one that U's own references turn round
    # (``superseded_by``, "Downstream Impact"): only such a document's sources can hold an
    # edge written there. When a file of ``within`` is not a document (a sidecar, which could
    # be another document's), every source is read as before.
    reversing = ends if len(ends) < len(within) else {p for p in ends if _turns_round(corpus, p)}
    ends.update(s for p in reversing for s in corpus.edges.pred[p])
    return RestingOn(succ, sorted(ends), frozenset(within))


def _turns_round(corpus: Corpus, path: str) -> bool:
    """Whether a reference of document ``path`` makes an edge that points at it (the graph
    turns ``superseded_by`` and reversed references round: ``graph.edge_of``)."""
    superseded_by = Relation.SUPERSEDED_BY
    return any(
        ref.reverse or ref.relation is superseded_by for ref in corpus.by_path[path].references
    )


class RestingOn(Mapping[tuple[str, str], tuple[str, int, int, str]]):
    """The pairs of ``resting_on``, in the graph's order, held as each document's upstream
    paths; where a pair is written is read from the graph when asked. A dict of every pair
    and its location held about 150 MB at 100k documents (1.2M pairs) through the analysis,
    its peak memory. ``sources`` and ``within`` scope it to the edges written in some files,
    ``onto`` to the edges onto some documents (membership, ``in``, still answers for every
    edge of the graph: a review of an edge left out is not stale)."""

    def __init__(
        self,
        succ: Mapping[str, Mapping[str, Mapping[int, Mapping[str, Any]]]],
        sources: Iterable[str] | None = None,
        within: frozenset[str] | None = None,
        onto: frozenset[str] | None = None,
    ) -> None:
        self._succ = succ
        self._within = within
        self._upstream: dict[str, tuple[str, ...]] = {}
        for source in succ if sources is None else sources:
            targets = succ[source]
            found = tuple(
                target
                for target, keyed in targets.items()
                if target != source
                and (onto is None or target in onto)
                and any(r != MENTIONS for r in _relations(keyed))
                and (within is None or self._where(source, target, keyed)[1] in within)
            )
            if found:
                self._upstream[source] = found
        self._count = sum(map(len, self._upstream.values()))

    @staticmethod
    def _where(
        source: str, target: str, keyed: Mapping[int, Mapping[str, Any]]
    ) -> tuple[int, str, int, int, str]:
        """The first declaration of D -> U, D's own before another file's (a sidecar's)."""
        best: tuple[int, str, int, int, str] | None = None
        for data in _edges(keyed):
            if data.__class__ is EdgeAttrs:  # the graph's own edges: their fields directly
                attrs = data
                relation = attrs.relation
                if relation == MENTIONS:
                    continue
                link = attrs.link
                declared = link.source
                candidate = (0 if declared == source else 1, attrs.file or declared or source,
                             link.reference.line, link.reference.column, relation)  # fmt: skip
            else:
                relation = str(data.get("relation", ""))
                if relation == MENTIONS:
                    continue
                where = str(data.get("file") or data.get("declared_by") or source)
                rank = 0 if data.get("declared_by", source) == source else 1
                candidate = (rank, where, int(data.get("line", 1)), int(data.get("column", 1)),
                             relation)  # fmt: skip
            if best is None or candidate < best:
                best = candidate
        if best is None:
            raise KeyError((source, target))
        return best

    def __getitem__(self, pair: tuple[str, str]) -> tuple[str, int, int, str]:
        source, target = pair
        keyed = self._succ.get(source, {}).get(target) if source != target else None
        if keyed is None or (
            self._within is not None and target not in self._upstream.get(source, ())
        ):
            raise KeyError(pair)
        return self._where(source, target, keyed)[1:]

    def __iter__(self) -> Iterator[tuple[str, str]]:
        for source, targets in self._upstream.items():
            for target in targets:
                yield source, target

    def __len__(self) -> int:
        return self._count

    def in_order(self) -> Iterator[tuple[str, str]]:
        """The pairs sorted (without a list of them all)."""
        for source in sorted(self._upstream):
            for target in sorted(self._upstream[source]):
                yield source, target


def _edges(keyed: Mapping[int, Mapping[str, Any]]) -> Iterable[Mapping[str, Any]]:
    """The edges of one node pair (the graph's own tuple of them, without a view)."""
    if keyed.__class__ is EdgeKeys:
        return keyed.edges
    return keyed.values()


def _relations(keyed: Mapping[int, Mapping[str, Any]]) -> Iterable[str]:
    """The relations of one node pair's edges (read directly from the graph's own edges)."""
    if keyed.__class__ is EdgeKeys:
        return keyed.relations
    return [str(data.get("relation", "")) for data in keyed.values()]


def lineages(
    changes: Iterable[tuple[int, str, str, str, str, str]], tracked: Iterable[str]
) -> dict[str, list[Event]]:
    """Each tracked path's history, newest first, following renames back in time (as ``git log
    --follow`` does): a rename hands the older name to the file, an addition ends its history
    (an older file of that name was another file).

    >>> changes = [(0, "M", "b2", "b3", "new.md", "new.md"),
    ...            (1, "R", "b1", "b2", "old.md", "new.md"),
    ...            (2, "A", "", "b1", "", "old.md"), (3, "M", "x", "y", "old.md", "old.md")]
    >>> [e[:2] for e in lineages(changes, ["new.md"])["new.md"]]
    [(0, 'M'), (1, 'R'), (2, 'A')]
    """
    alias = {path: path for path in tracked}
    out: dict[str, list[Event]] = {}
    for commit, status, old_blob, new_blob, old_path, new_path in changes:
        if status in "AC":
            key = alias.pop(new_path, None)
            if key is not None:
                out.setdefault(key, []).append((commit, "A", "", new_blob, "", new_path, False))
        elif status in "MT":
            key = alias.get(new_path)
            if key is not None:
                out.setdefault(key, []).append(
                    (commit, "M", old_blob, new_blob, new_path, new_path, False)
                )
        elif status == "R":
            key = alias.pop(new_path, None)
            if key is not None:
                alias[old_path] = key
                out.setdefault(key, []).append(
                    (commit, "R", old_blob, new_blob, old_path, new_path, False)
                )
    return out


def _last_edits(
    documents: list[str], events: Mapping[str, list[Event]], judge: _Judge, last: int
) -> dict[str, tuple[int, str]]:
    """Each document's last change that counts (default mode's review point): its newest
    significant change or its creation; the oldest commit when neither is in the history.
    Contents are read in rounds of 1, 2, 4... events per document."""
    out: dict[str, tuple[int, str]] = {}
    position = dict.fromkeys(documents, 0)
    width = 1
    while position:
        batch = [e for doc, at in position.items() for e in events.get(doc, [])[at : at + width]]
        judge.prepare(e for e in batch if e[1] != "A")
        for doc in list(position):
            history = events.get(doc, [])
            at = position[doc]
            for event in history[at : at + width]:
                if (event[1] == "A" and not event[6]) or (
                    event[1] != "A" and judge.significant(event)
                ):
                    out[doc] = (event[0], "edit" if event[1] != "A" else "created")
                    break
            else:
                if at + width < len(history):
                    position[doc] = at + width
                    continue
                out[doc] = (last, "created")
            del position[doc]
        width *= 2
    return out


def _unseen_changes(
    pairs: Iterable[tuple[str, str]],
    events: Mapping[str, list[Event]],
    ancestry: Ancestry,
    own: Mapping[str, int],
    explicit: Mapping[tuple[str, str], list[tuple[int, str]]],
) -> dict[tuple[str, str], list[Event]]:
    """(D, U) -> the changes of U (newest first) that none of the pair's review points has
    seen: D's own (``own[D]``, a commit) and the recorded reviews of the pair; pairs with
    none are left out (a list per edge was 70 MB at 100k documents).

    Per upstream document once: its changes and the newest point they were merged in at; per
    downstream document once: what its own review point has seen (``Ancestry.horizon``). An
    edge then costs a comparison when nothing is unseen (most edges), a list otherwise."""
    merged_at = ancestry.merged_at
    changes_of: dict[str, tuple[list[Event], int]] = {}
    horizons: dict[str, tuple[int, frozenset[int]]] = {}
    out: dict[tuple[str, str], list[Event]] = {}
    for pair in pairs:
        doc, up = pair
        found = changes_of.get(up)
        if found is None:
            ups = [e for e in events.get(up, ()) if e[1] != "A"]
            found = changes_of[up] = (ups, max((merged_at[e[0]] for e in ups), default=-1))
        ups, newest = found
        if not ups:
            continue
        more = explicit.get(pair)
        if more:
            limit, branch = ancestry.horizon([own[doc], *(at for at, _ in more)])
        else:
            seen = horizons.get(doc)
            if seen is None:
                seen = horizons[doc] = ancestry.horizon([own[doc]])
            limit, branch = seen
        if newest <= limit:
            continue  # every change of U was merged in before the review point
        if branch:
            changed = [e for e in ups if merged_at[e[0]] > limit and e[0] not in branch]
        else:
            changed = [e for e in ups if merged_at[e[0]] > limit]
        if changed:
            out[pair] = changed
    return out


def _explicit_reviews(
    corpus: Corpus,
    reviews: tuple[Review, ...],
    pairs: Mapping[tuple[str, str], object],
    index: Mapping[str, int],
    file_events: list[Event],
    prints: FingerprintStore,
    ancestry: Ancestry,
) -> tuple[dict[tuple[str, str], list[tuple[int, str]]], tuple[Review, ...]]:
    """Review points recorded in the review file, by (D, U) paths, and the stale entries.

    A review recorded at a commit that is not in the history (the branch was squashed or
    rebased) counts from the commit that brought its line into the review file."""
    out: dict[tuple[str, str], list[tuple[int, str]]] = {}
    stale: list[Review] = []
    unplaced: list[tuple[Review, tuple[str, str]]] = []
    for review in reviews:
        pair = _reviewed_pair(corpus, review, pairs)
        if pair is None:
            stale.append(review)
            continue
        at = index.get(review.commit)
        if at is None:
            unplaced.append((review, pair))
        else:
            out.setdefault(pair, []).append((at, "review"))
    if unplaced:
        placed = _place_by_file_history(unplaced, file_events, prints)
        for pair, at in placed:
            out.setdefault(pair, []).append((at, "review"))
    return out, tuple(stale)


def _place_by_file_history(
    unplaced: list[tuple[Review, tuple[str, str]]],
    file_events: list[Event],
    prints: FingerprintStore,
) -> list[tuple[tuple[str, str], int]]:
    """For reviews whose commit is unknown: the commit of the oldest version of the review
    file, in an unbroken run back from the newest, that holds the entry."""
    versions = [e for e in file_events if e[3]]
    try:
        contents = prints.contents({e[3] for e in versions})
    except HistoryError:
        contents = {}
    placed: list[tuple[tuple[str, str], int]] = []
    for review, pair in unplaced:
        found: int | None = None
        for event in versions:
            data = contents.get(event[3])
            if data is None:
                break
            try:
                held = review in parse_reviews(data, "review file")
            except InputError:
                held = False
            if not held:
                break
            found = event[0]
        if found is not None:
            placed.append((pair, found))
    return placed


def _path_of(corpus: Corpus, name: str) -> str | None:
    paths = corpus.ids.get(name)
    if paths:
        return paths[0]
    return name if name in corpus.by_path else None


class _Judge:
    """Decides whether one event changed a document (with contents read in batches)."""

    def __init__(self, prints: FingerprintStore, recogniser: Recogniser, config: Config) -> None:
        self.prints = prints
        self.recogniser = recogniser
        self.config = config
        self.ids: dict[tuple[str, str], str | None] = {}
        self.recognitions: dict[tuple[str, tuple[tuple[str, str], ...]], str] = {}
        self.seen: dict[Event, bool] = {}

    def prepare(self, events: Iterable[Event]) -> None:
        """Read the contents of every version these events compare."""
        wanted: set[tuple[str, bool]] = set()
        for e in events:
            if e[2] != e[3] or e[1] == "R":
                wanted.add((e[2], e[6]))
                wanted.add((e[3], e[6]))
        self.prints.fetch(wanted)

    def significant(self, event: Event) -> bool:
        """Whether the event counts as a change (see ``parse.fingerprint``); a rename counts
        only when it changes the document's ID. Unknown contents count as no change."""
        found = self.seen.get(event)
        if found is None:
            found = self.seen[event] = self._significant(event)
        return found

    def _significant(self, event: Event) -> bool:
        _, kind, old, new, old_path, new_path, sidecar = event
        if kind == "A":
            return False
        if old != new:
            before, after = self.prints.get(old, sidecar), self.prints.get(new, sidecar)
            if before is None or after is None:
                return False
            if not before.same_as(after):
                return True
        if kind == "R" and not sidecar:
            return self.id_of(old_path, old) != self.id_of(new_path, new)
        return False

    def id_of(self, path: str, blob: str) -> str | None:
        """The type and ID of one version (see ``recognised``); None when it was not read."""
        key = (path, blob)
        if key not in self.ids:
            found = self.prints.get(blob, False)
            self.ids[key] = None if found is None else self.recognised(path, found)
        return self.ids[key]

    def recognised(self, path: str, print_: Fingerprint) -> str:
        """``TYPE:ID`` of a version at ``path``, recognised from the path and the fields of its
        fingerprint (a small document made of them: no content is read again, and two
        versions are always compared the same way)."""
        key = (path, print_.fields)
        found = self.recognitions.get(key)
        if found is None:
            front = "".join(f"{k}: {json.dumps(v)}\n" for k, v in print_.fields)
            doc = parse_document(
                path, f"---\n{front}---\n".encode(), self.recogniser, self.config.limits
            )
            found = self.recognitions[key] = f"{doc.type}:{doc.id}"
        return found


class FingerprintStore:
    """Fingerprints of file versions by blob hash, remembered across runs (a blob never
    changes) in ``.tracegraph/cache/git-fingerprints.marshal``."""

    def __init__(self, root: Path, config: Config, *, cache: bool, load: bool = True) -> None:
        self.root = root
        self.cache = cache
        self.path = root / FINGERPRINT_CACHE
        specs = config.types
        self.rules = FingerprintRules.for_types(
            tuple(t.status_field for t in specs),
            tuple(t.number_field or "" for t in specs),
            frozenset(k for t in specs for k in t.field_lines),
        )
        self.key = repr((FINGERPRINT_FORMAT, sorted(self.rules.significant),
                         sorted(self.rules.field_keys)))  # fmt: skip
        self.known: dict[str, Fingerprint] = {}
        self.added = 0
        #: One ``git cat-file`` for every version the run reads.
        self.reader = BlobReader(root)
        self._loaded = False
        self._pool: ProcessPoolExecutor | None = None
        if load:
            self.load()

    def get(self, blob: str, metadata_only: bool) -> Fingerprint | None:
        """The fingerprint of a version already fetched (None: not read, or missing)."""
        return self.known.get(_slot(blob, metadata_only))

    def fetch(
        self, wanted: Iterable[tuple[str, bool]], *, until: Callable[[], bool] | None = None
    ) -> None:
        """Read and fingerprint the versions not known yet; with ``until``, only as long as it
        says True (work done ahead, stopped when it is no longer free). Raises _MissingContents
        for a partial clone."""
        todo: dict[str, int] = {}  # a key of _READS (a list per blob was 12 MB at 100k)
        for blob, metadata_only in wanted:
            if blob and _slot(blob, metadata_only) not in self.known:
                todo[blob] = todo.get(blob, 0) | (2 if metadata_only else 1)
        if not todo or (until is not None and not until()):
            return
        names = sorted(todo)
        helped: Future[bytes] | None = None
        share: list[tuple[str, tuple[bool, ...]]] = []
        if until is None and len(names) >= WORKER_VERSIONS and self._helper:
            # The first half in a worker process (its own git), the second one here.
            half = len(names) // 2
            share = [(blob, _READS[todo[blob]]) for blob in names[:half]]
            helped = self._submit(share)
            if helped is not None:
                names = names[half:]
        found: dict[str, Fingerprint] = {}
        missing = 0
        versions = self.reader.read(names)
        for blob, data in versions:
            if until is not None and not until():
                versions.close()  # ends git: the work ahead is no longer free
                break
            if data is None:
                missing += 1
                continue
            for metadata_only in _READS[todo[blob]]:
                found[_slot(blob, metadata_only)] = fingerprint(
                    data, self.rules, metadata_only=metadata_only
                )
        if helped is not None:
            from concurrent.futures.process import BrokenProcessPool

            try:
                theirs, their_missing = marshal.loads(helped.result())
            except BrokenProcessPool:  # the worker died (killed, out of memory): done here
                self._helper = False
                theirs, their_missing = _fingerprint_all(self.reader, self.rules, share)
            missing += their_missing
            for slot, (text, fields) in theirs.items():  # in blob order, as found here
                self.known[slot] = Fingerprint(text, fields)
            self.added += len(theirs)
        self.known.update(found)
        self.added += len(found)
        if missing:
            raise _MissingContents(
                f"the clone lacks the contents of {missing} older file version(s) (a "
                "partial clone); fetch them with `git fetch --refetch` or clone without --filter"
            )

    def contents(self, blobs: set[str]) -> dict[str, bytes]:
        """The bytes of some versions (not cached; those the clone lacks left out)."""
        wanted = sorted(blobs)
        return {blob: data for blob, data in self.reader.read(wanted) if data is not None}

    def _submit(self, share: list[tuple[str, tuple[bool, ...]]]) -> Future[bytes] | None:
        """``share`` sent to the worker process (started on first use); None when no worker
        can help: one core, a check's forked rules child (which already runs beside the other
        rules: ``procs.helpers_allowed``), a daemonic process (which may have no children), or
        a worker that died."""
        from concurrent.futures import ProcessPoolExecutor
        from concurrent.futures.process import BrokenProcessPool

        started = sys.modules.get("multiprocessing")  # not imported: this is no daemon
        if not helpers_allowed() or (started is not None and started.current_process().daemon):
            self._helper = False
            return None
        try:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(1, initializer=leave_with_parent,
                                                 initargs=(os.getpid(),))  # fmt: skip
            return self._pool.submit(_fingerprint_share, str(self.root), self.rules, share)
        except (BrokenProcessPool, OSError, AssertionError) as exc:
            log.info("no worker process for fingerprints (%s)", exc)
            self._helper = False
            return None

    #: Whether a worker process may help: not on one core, nor after one could not.
    _helper = (os.cpu_count() or 1) > 1

    def close(self) -> None:
        """End the git process that reads the versions, and the worker process."""
        self.reader.close()
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)

    def load(self) -> None:
        """Read the cache (once; nothing without ``cache``)."""
        if self._loaded or not self.cache:
            return
        self._loaded = True
        if not usable_state(self.root, FINGERPRINT_NAME, create=False):
            return
        try:
            key, known = marshal.loads(self.path.read_bytes())
            if key != self.key or not isinstance(known, dict):
                return
            self.known = {
                blob: Fingerprint(text, tuple((str(k), str(v)) for k, v in fields))
                for blob, (text, fields) in known.items()
            }
        except (OSError, ValueError, EOFError, TypeError, AttributeError) as exc:
            if not isinstance(exc, FileNotFoundError):
                log.info("fingerprint cache %s unusable (%s)", self.path, exc)
            self.known = {}

    def save(self) -> None:
        """Write the cache when something was added (atomically; failures only logged)."""
        if not self.cache or not self.added:
            return
        rows = {blob: (found.text, found.fields) for blob, found in self.known.items()}
        if len(rows) > MAX_CACHED_FINGERPRINTS:
            rows = dict(list(rows.items())[-MAX_CACHED_FINGERPRINTS:])
        try:
            if usable_state(self.root, FINGERPRINT_NAME, create=True):
                write_atomic(self.path, marshal.dumps((self.key, rows)))
        except (OSError, TracegraphError) as exc:
            log.info("fingerprint cache %s not written (%s)", self.path, exc)


#: What ``FingerprintStore.fetch`` reads of a blob (the ``metadata_only`` values), by flags:
#: 1 the whole file, 2 its metadata only, 3 both.
_READS = {1: (False,), 2: (True,), 3: (False, True)}


#: One ``git cat-file`` per worker process, for every share it is given.
_share_reader: BlobReader | None = None


def _fingerprint_share(
    root: str, rules: FingerprintRules, share: list[tuple[str, tuple[bool, ...]]]
) -> bytes:
    """In a worker process: read and fingerprint ``share`` (blob, the ways it is read);
    ``marshal``-ed ({slot: (text, fields)} in blob order, how many the clone lacks)."""
    global _share_reader
    if _share_reader is None or _share_reader.root != Path(root):
        if _share_reader is not None:
            _share_reader.close()
        _share_reader = BlobReader(Path(root))
    return marshal.dumps(_fingerprint_all(_share_reader, rules, share))


def _fingerprint_all(
    reader: BlobReader, rules: FingerprintRules, share: list[tuple[str, tuple[bool, ...]]]
) -> tuple[dict[str, tuple[str, tuple[tuple[str, str], ...]]], int]:
    """{slot: (text, fields)} of ``share`` in blob order, and how many the clone lacks."""
    ways = dict(share)
    found: dict[str, tuple[str, tuple[tuple[str, str], ...]]] = {}
    missing = 0
    for blob, data in reader.read([blob for blob, _ in share]):
        if data is None:
            missing += 1
            continue
        for metadata_only in ways[blob]:
            print_ = fingerprint(data, rules, metadata_only=metadata_only)
            found[_slot(blob, metadata_only)] = (print_.text, print_.fields)
    return found, missing


def _slot(blob: str, metadata_only: bool) -> str:
    return f"{blob}:m" if metadata_only else blob


@dataclass(frozen=True)
class ChangeMarks:
    """For ``impact --since REF``: the documents that become suspect through the change, each
    with the changed documents it rests on (paths)."""

    marks: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


def suspects_from_change(corpus: Corpus, revision: str, changed: Iterable[str]) -> ChangeMarks:
    """Which documents a change (``revision`` against the work tree) makes suspect: D, when
    a changed document U that D rests on changed in a way that counts (its version at
    ``revision`` against the work tree's) and D itself did not change in a way that counts
    (default mode) nor got a review of U recorded in the change.

    Raises HistoryError when git cannot compare (an unknown revision)."""
    config = corpus.config
    pairs = resting_on(corpus)
    upstreams = {up for _, up in pairs}
    changed_docs = sorted({p for p in changed if p in corpus.by_path})
    if not any(p in upstreams for p in changed_docs):
        return ChangeMarks()
    then = tree_blobs(corpus.root, revision)
    renamed = renames_since(corpus.root, revision)
    recogniser = Recogniser.from_config(config)
    old_blobs = {p: then.get(renamed.get(p, p), "") for p in changed_docs}
    prints = FingerprintStore(corpus.root, config, cache=False)
    try:
        prints.fetch((b, False) for b in old_blobs.values() if b)
    finally:
        prints.close()
    counted: set[str] = set()
    for path in changed_docs:
        blob = old_blobs[path]
        if not blob:
            continue  # new: writing a document is no change of it
        now = read_document(corpus.root, path, config.limits.max_file_bytes).data
        before = prints.get(blob, False)
        if now is None or before is None:
            continue
        after = fingerprint(now, prints.rules)
        judge = _Judge(prints, recogniser, config)
        old_id = judge.recognised(renamed.get(path, path), before)
        if not before.same_as(after) or old_id != judge.recognised(path, after):
            counted.add(path)
    reviewed = _reviews_in_change(corpus, revision, then)
    strict = config.suspect.mode == "strict"
    marks: dict[str, list[str]] = {}
    for doc, up in sorted(pairs):
        if up not in counted or (doc, up) in reviewed or (doc in counted and not strict):
            continue
        marks.setdefault(doc, []).append(up)
    return ChangeMarks({doc: tuple(ups) for doc, ups in marks.items()})


def _reviews_in_change(
    corpus: Corpus, revision: str, then: Mapping[str, str]
) -> set[tuple[str, str]]:
    """(D, U) paths whose review entry the change added or renewed (the work tree's review
    file against its version at ``revision``)."""
    now = set(load_review_file(corpus.root, corpus.config))
    blob = then.get(corpus.config.suspect.reviews)
    before: set[Review] = set()
    if blob:
        data = read_blobs(corpus.root, [blob]).get(blob)
        if data is not None:
            try:
                before = set(parse_reviews(data, corpus.config.suspect.reviews))
            except InputError:
                before = set()
    out: set[tuple[str, str]] = set()
    for review in now - before:
        doc, up = _path_of(corpus, review.document), _path_of(corpus, review.upstream)
        if doc is not None and up is not None:
            out.add((doc, up))
    return out
