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

import logging
import marshal
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from .atomic import write_atomic
from .config import Config
from .crawl import read_document
from .errors import InputError, TracegraphError
from .githistory import (
    Ancestry,
    HistoryError,
    Log,
    Repository,
    probe_repository,
    read_blobs,
    read_log,
    renames_since,
    tree_blobs,
)
from .graph import Corpus
from .model import Relation
from .parse import Recogniser, parse_document
from .parse.fingerprint import Fingerprint, FingerprintRules, fingerprint
from .reviews import MAX_REVIEW_BYTES, Review, parse_reviews
from .state import STATE_DIR, make_state_dir

log = logging.getLogger(__name__)

#: Bump when the fingerprint or the cached layout changes.
FINGERPRINT_FORMAT = 1
FINGERPRINT_CACHE = f"{STATE_DIR}/cache/git-fingerprints.marshal"
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
    #: U's path at the review (for the diff); "" when U did not exist yet.
    upstream_then: str

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
) -> SuspectAnalysis:
    """The suspect links of ``corpus`` (see the module's documentation).

    ``reviews`` replaces the review file's content (None: read it from the root). Raises
    InputError for an unreadable review file."""
    config = corpus.config
    mode = config.suspect.mode
    root = corpus.root
    repo = probe_repository(root)
    if repo.status == "not-git":
        return SuspectAnalysis(
            "off", f"{root} is not in a git work tree ({repo.reason})", mode=mode
        )
    if repo.status != "ok":
        return SuspectAnalysis("unknown", repo.reason, mode=mode)
    if reviews is None:
        reviews = load_review_file(root, config)
    try:
        history = read_log(root, repo, cache=cache)
        return _analyse(corpus, repo, history, reviews, cache=cache)
    except HistoryError as exc:
        return SuspectAnalysis("unknown", f"git could not give the history: {exc}", mode=mode)
    except _MissingContents as exc:
        return SuspectAnalysis("unknown", str(exc), mode=mode, head=repo.head)


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
    *,
    cache: bool,
) -> SuspectAnalysis:
    config = corpus.config
    pairs = resting_on(corpus)
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
    prints = FingerprintStore(corpus.root, config, cache=cache)
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

    # Which changes of each upstream document the reviews have not seen; their contents first.
    unseen: dict[tuple[str, str], list[Event]] = {}
    points_of: dict[tuple[str, str], list[tuple[int, str]]] = {}
    for pair in pairs:
        doc, up = pair
        points = [own[doc], *explicit.get(pair, [])]
        points_of[pair] = points
        changed = [
            e
            for e in events.get(up, [])
            if e[1] != "A" and not any(ancestry.is_ancestor(e[0], at) for at, _ in points)
        ]
        if changed:
            unseen[pair] = changed
    judge.prepare(e for changed in unseen.values() for e in changed)
    heads = {up: history.head_blobs.get(up, "") for _, up in unseen}
    prints.fetch((blob, False) for blob in heads.values() if blob)

    links: list[SuspectLink] = []
    for pair, changed in sorted(unseen.items()):
        doc, up = pair
        counted = [e for e in changed if judge.significant(e)]
        if not counted:
            continue
        documents = [e for e in counted if not e[6]]
        how: tuple[str, ...] = ()
        if documents and heads[up]:
            before = prints.get(documents[-1][2], False)
            now = prints.get(heads[up], False)
            if before is not None and now is not None:
                if before.same_as(now) and len(documents) == len(counted):
                    continue  # changed and changed back
                how = before.changes_to(now)
        if any(e[6] for e in counted) and "metadata" not in how:
            how = (*how, "metadata")
        at, kind = max(points_of[pair], key=lambda p: -p[0])  # the newest review point
        sha, _, when = commits[at]
        location = pairs[pair]
        oldest = changed[-1]
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
                review=ReviewPoint(sha, _day(when), kind),
                changes=tuple(
                    UpstreamChange(commits[e[0]][0], _day(commits[e[0]][2]), e[5] or e[4])
                    for e in counted
                ),
                how=how,
                upstream_then=oldest[4] if not oldest[6] else up,
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


def _day(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")


def resting_on(corpus: Corpus) -> dict[tuple[str, str], tuple[str, int, int, str]]:
    """(D, U) -> where D -> U is written (file, line, column) and its relation, for every
    document edge but ``mentions``: the first declaration in D itself when there is one."""
    out: dict[tuple[str, str], tuple[str, int, int, str]] = {}
    for source, targets in corpus.graph.adjacency():
        for target, keyed in targets.items():
            if source == target:
                continue
            best: tuple[int, str, int, int, str] | None = None
            for data in keyed.values():
                relation = str(data.get("relation", ""))
                if relation == MENTIONS:
                    continue
                where = str(data.get("file") or data.get("declared_by") or source)
                rank = 0 if data.get("declared_by", source) == source else 1
                candidate = (rank, where, int(data.get("line", 1)), int(data.get("column", 1)),
                             relation)  # fmt: skip
                if best is None or candidate < best:
                    best = candidate
            if best is not None:
                out[(source, target)] = best[1:]
    return out


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
        doc, up = _path_of(corpus, review.document), _path_of(corpus, review.upstream)
        if doc is None or up is None or (doc, up) not in pairs:
            stale.append(review)
            continue
        at = index.get(review.commit)
        if at is None:
            unplaced.append((review, (doc, up)))
        else:
            out.setdefault((doc, up), []).append((at, "review"))
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
    contents = prints.contents({e[3] for e in versions})
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

    def prepare(self, events: Iterable[Event]) -> None:
        """Read the contents of every version these events compare."""
        wanted: set[tuple[str, bool]] = set()
        renamed: set[str] = set()
        for e in events:
            if e[2] == e[3] and e[1] != "R":
                continue
            wanted.add((e[2], e[6]))
            wanted.add((e[3], e[6]))
            if e[1] == "R" and not e[6]:
                renamed.update((e[2], e[3]))
        self.prints.fetch(wanted, keep=renamed)

    def significant(self, event: Event) -> bool:
        """Whether the event counts as a change (see ``parse.fingerprint``); a rename counts
        only when it changes the document's ID. Unknown contents count as no change."""
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
            return self._id(old_path, old) != self._id(new_path, new)
        return False

    def _id(self, path: str, blob: str) -> str | None:
        key = (path, blob)
        if key not in self.ids:
            data = self.prints.kept.get(blob)
            doc = parse_document(path, data, self.recogniser, self.config.limits)
            self.ids[key] = f"{doc.type}:{doc.id}" if data is not None else None
        return self.ids[key]


class FingerprintStore:
    """Fingerprints of file versions by blob hash, remembered across runs (a blob never
    changes) in ``.tracegraph/cache/git-fingerprints.marshal``."""

    def __init__(self, root: Path, config: Config, *, cache: bool) -> None:
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
        self.known: dict[str, tuple[str, tuple[tuple[str, str], ...]]] = {}
        self.kept: dict[str, bytes] = {}
        self.added = 0
        if cache:
            self._load()

    def get(self, blob: str, metadata_only: bool) -> Fingerprint | None:
        """The fingerprint of a version already fetched (None: not read, or missing)."""
        found = self.known.get(_slot(blob, metadata_only))
        return Fingerprint(*found) if found is not None else None

    def fetch(self, wanted: Iterable[tuple[str, bool]], keep: Iterable[str] = ()) -> None:
        """Read and fingerprint the versions not known yet; ``keep`` their bytes too (a rename
        is parsed whole to compare IDs). Raises _MissingContents for a partial clone."""
        keep = set(keep) - set(self.kept)
        todo = {(b, m) for b, m in wanted if b and _slot(b, m) not in self.known}
        blobs = {b for b, _ in todo} | keep
        if not blobs:
            return
        data = read_blobs(self.root, blobs)
        missing = blobs - set(data)
        if missing:
            raise _MissingContents(
                f"the clone lacks the contents of {len(missing)} older file version(s) (a "
                "partial clone); fetch them with `git fetch --refetch` or clone without --filter"
            )
        for blob, metadata_only in todo:
            print_ = fingerprint(data[blob], self.rules, metadata_only=metadata_only)
            self.known[_slot(blob, metadata_only)] = (print_.text, print_.fields)
            self.added += 1
        for blob in keep:
            self.kept[blob] = data[blob]

    def contents(self, blobs: set[str]) -> dict[str, bytes]:
        """The bytes of some versions (the review file's), not cached."""
        try:
            return read_blobs(self.root, blobs)
        except HistoryError:
            return {}

    def _load(self) -> None:
        try:
            key, known = marshal.loads(self.path.read_bytes())
            if key != self.key or not isinstance(known, dict):
                return
            for value in list(known.values())[:1]:
                text, fields = value
                if not isinstance(text, str) or not isinstance(fields, tuple):
                    return
        except (OSError, ValueError, EOFError, TypeError) as exc:
            if not isinstance(exc, FileNotFoundError):
                log.info("fingerprint cache %s unusable (%s)", self.path, exc)
            return
        self.known = known

    def save(self) -> None:
        """Write the cache when something was added (atomically; failures only logged)."""
        if not self.cache or not self.added:
            return
        known = self.known
        if len(known) > MAX_CACHED_FINGERPRINTS:
            known = dict(list(known.items())[-MAX_CACHED_FINGERPRINTS:])
        try:
            make_state_dir(self.path.parent)
            write_atomic(self.path, marshal.dumps((self.key, known)))
        except (OSError, TracegraphError) as exc:
            log.info("fingerprint cache %s not written (%s)", self.path, exc)


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
    prints = FingerprintStore(corpus.root, config, cache=False)
    recogniser = Recogniser.from_config(config)
    old_blobs = {p: then.get(renamed.get(p, p), "") for p in changed_docs}
    prints.fetch(((b, False) for b in old_blobs.values() if b), keep=old_blobs.values())
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
        old_id = parse_document(renamed.get(path, path), prints.kept.get(blob), recogniser,
                                config.limits).id  # fmt: skip
        if not before.same_as(after) or old_id != corpus.by_path[path].id:
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
