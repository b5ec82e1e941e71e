"""Rules about references that do not arrive: TG101-TG104."""

from __future__ import annotations

import posixpath
import re
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from itertools import compress, pairwise
from operator import attrgetter, itemgetter
from urllib.parse import unquote

from ..config import Config
from ..model import Link, RefKind, Target
from .context import CheckContext, Hit
from .suggest import LookupBudget, NameIndex, grams

_MORE = attrgetter("_more")  # a link's shared (status, fragment) tuple
_FRAGMENT = itemgetter(1)
#: GitHub's line anchors on source files: ``#L10``, ``#L10-L20``, ``#L10C5-L12C2``.
_LINE_ANCHOR = re.compile(r"^L\d+(?:C\d+)?(?:-L\d+(?:C\d+)?)?$")
_MARKDOWN_SUFFIXES = (".md", ".markdown")


def _hit(link: Link, message: str, ctx: CheckContext) -> Hit:
    ref = link.reference
    return Hit(
        ctx.corpus.by_path[link.source].located(ref),
        ref.line,
        ref.column,
        message,
        target=ref.target,
        document=ctx.name(link.source),
    )


def _shown(ref_target: str) -> str:
    return ref_target if len(ref_target) <= 200 else ref_target[:197] + "..."


def find_broken_links(ctx: CheckContext) -> Iterator[Hit]:
    """A relative link points at a file that does not exist.

    Why: a reader who follows the link lands on a 404; the document it meant to cite may have
    been renamed, moved or never written, and the traceability chain is cut at that point.

    Example: `RFC-0002.md` links `[load test](../perf/load-test-2026.md)`, and there is no
    `docs/perf/load-test-2026.md`.

    Fix: point the link at the file's current path (`git log --follow` finds renames), or
    remove it. Links are resolved like GitHub does: relative to the linking file, `/` meaning
    the repository root, percent-decoded; links inside code are never checked.
    """
    broken = [
        link
        for link in ctx.links_with(Target.MISSING)
        if not link.reference.is_id
        and not ctx.corpus.unreadable_folder(link.path)  # TG602 names the folder instead
    ]
    if not broken:
        return
    suggestions = PathSuggestions(ctx.corpus.files)
    suggestions.expect(link.path for link in broken)
    for link in broken:
        what = "image" if link.reference.kind is RefKind.IMAGE else "link"
        suggestion = suggestions.suggest(link.source, link.path)
        hint = f"; did you mean {suggestion}?" if suggestion else ""
        yield _hit(
            link,
            f"broken {what}: {_shown(link.reference.target)} does not exist "
            f"(resolved to {_shown(link.path or '?')}){hint}",
            ctx,
        )


class PathSuggestions:
    """The file a broken link most likely meant, written relative to the linking document:
    the same path with a Markdown suffix, the only file of that name elsewhere (moved), or a
    close spelling in the same folder (renamed). Folders are indexed on first use and answers
    remembered, so each broken link costs a bounded amount of work.

    >>> PathSuggestions(frozenset({"a/b.md"})).suggest("a/x.md", "a/b")
    'b.md'
    """

    def __init__(self, files: frozenset[str], budget: LookupBudget | None = None) -> None:
        self.files = files
        self.budget = budget or LookupBudget()
        self.by_name: dict[str, list[str]] = {}
        self.by_folder: dict[str, list[str]] = {}
        for path in sorted(files):
            folder, _, name = path.rpartition("/")
            self.by_name.setdefault(name.lower(), []).append(path)
            self.by_folder.setdefault(folder, []).append(path)
        self.indexes: dict[str, NameIndex] = {}
        self.answers: dict[tuple[str, str], str | None] = {}
        #: Per folder, the grams of the file names that will be looked up there (``expect``).
        self.expected: dict[str, set[str]] = {}

    def expect(self, missing: Iterable[str | None]) -> None:
        """Say which paths will be asked about: a folder's index then holds the postings of
        their names' grams alone (about 9,500 file names in 16 folder indexes for 250 broken
        links at 10,000 documents, each name with some 60 grams). Any other path is still
        answered, from an index of every gram."""
        for path in missing:
            if path:
                folder, _, name = path.rpartition("/")
                self.expected.setdefault(folder, set()).update(grams(name.lower()))

    def suggest(self, source: str, missing: str | None) -> str | None:
        """The suggestion for a link from ``source`` that resolved to ``missing``."""
        if not missing:
            return None
        where = posixpath.dirname(source) or "."
        key = (where, missing)
        if key not in self.answers:
            found = self._find(missing)
            self.answers[key] = None if found is None else posixpath.relpath(found, where)
        return self.answers[key]

    def _find(self, missing: str) -> str | None:
        for suffix in _MARKDOWN_SUFFIXES:
            if missing + suffix in self.files:
                return missing + suffix
        same_name = self.by_name.get(missing.rsplit("/", 1)[-1].lower(), ())
        if len(same_name) == 1:
            return same_name[0]
        folder = missing.rpartition("/")[0]
        if not self.budget.spend():
            return None
        index = self.indexes.get(folder)
        if index is None or not index.covers(missing):
            wanted = self.expected.get(folder)
            if index is not None or not wanted or not wanted.issuperset(grams(_file_name(missing))):
                wanted = None  # a path nobody said would be asked about: every gram
            only = None if wanted is None else frozenset(wanted)
            names = self.by_folder.get(folder, ())
            index = self.indexes[folder] = NameIndex(names, key=_file_name, only=only)
        return index.closest(missing, 0.75)


def _file_name(path: str) -> str:
    return path.rpartition("/")[2].lower()


def find_broken_anchors(ctx: CheckContext) -> Iterator[Hit]:
    """A `#fragment` matches no heading or anchor in the document it points at.

    Why: the link still opens the document, but at the top instead of the section the author
    meant, and usually because that section was renamed; readers miss the part that matters.

    Example: `[retry policy](RFC-0002.md#retry-polcy)` while the heading `## Retry Policy`
    has the anchor `#retry-policy`; the finding says "did you mean #retry-policy?".

    Fix: use the heading's GitHub anchor: lower-case, punctuation except `-` and `_` removed,
    spaces as `-`, a repeated heading suffixed `-1`, `-2`. Explicit `<a name="...">`/`id`
    anchors also count, a percent-encoded fragment is decoded first, and a match that differs
    only in letter case is accepted unless `rules.strict_anchor_case` is true. `#L10` and
    `#L10-L20` line anchors on non-Markdown files are always fine.
    """
    strict = ctx.config.rules.strict_anchor_case
    tables: dict[str, AnchorTable] = {}
    budget = LookupBudget()
    document, self_ = Target.DOCUMENT, Target.SELF
    find = ctx.corpus.by_path.get
    # The links with a fragment (one in seven), picked in C from the shared (status,
    # fragment) tuple: a Python step per link was most of this loop over 158,000 links at 10k.
    links = ctx.corpus.links
    for link in compress(links, map(_FRAGMENT, map(_MORE, links))):
        status, fragment = link._more
        path = link.path
        if not fragment or path is None or (status is not document and status is not self_):
            continue
        target = find(path)
        if target is None:
            continue
        # Nearly every fragment names an anchor as written: ``AnchorTable.matches``'s first
        # test, made here on the document's sorted anchors (no table, no call: 2,300 links
        # to 700 documents at 1,000 documents).
        anchors = target.anchors
        at = bisect_left(anchors, fragment)
        if at < len(anchors) and anchors[at] == fragment:
            continue
        table = tables.get(path)
        if table is None:
            table = tables[path] = AnchorTable(anchors, budget, ordered=True)
        if table.matches(fragment, link.reference.target, strict):
            continue
        if _LINE_ANCHOR.match(fragment) and not target.path.lower().endswith(_MARKDOWN_SUFFIXES):
            continue  # a line of a source file (checked after the anchors: rarely needed)
        suggestion = table.suggest(fragment)
        hint = f"; did you mean #{suggestion}?" if suggestion else ""
        where = "this document" if link.status is Target.SELF else target.name
        yield _hit(
            link, f"broken anchor: #{fragment} is not a heading or anchor in {where}{hint}", ctx
        )


class AnchorTable:
    """One document's anchors, for matching fragments and "did you mean" hints; the
    lower-cased set and the suggestion index are built once, on first need, and each
    fragment's suggestion is computed once. TG102 keeps one per linked document (100k at
    100k documents), so it reads the document's own sorted anchor tuple by bisection (a
    frozenset of them took 1 KB a document, 100 MB at that size)."""

    __slots__ = ("_answers", "_index", "_lowered", "anchors", "budget")

    def __init__(
        self, anchors: Iterable[str], budget: LookupBudget | None = None, *, ordered: bool = False
    ) -> None:
        held = anchors if isinstance(anchors, tuple) else tuple(anchors)
        # ``ordered``: a document's own tuple, known sorted and unique (TG102 makes 7,000 tables
        # at 10,000 documents; checking each was a third of the rule).
        if not ordered and any(a >= b for a, b in pairwise(held)):  # not sorted and unique
            held = tuple(sorted(set(held)))
        #: Sorted, each once (as ``Document.anchors`` are).
        self.anchors: tuple[str, ...] = held
        self.budget = budget or LookupBudget()
        self._lowered: frozenset[str] | None = None
        self._index: NameIndex | None = None
        self._answers: dict[str, str | None] | None = None

    def matches(self, fragment: str, written: str, strict: bool) -> bool:
        """Whether a fragment names one of the anchors: as written, percent-decoded, with
        GitHub's ``user-content-`` prefix, and (unless ``strict``) ignoring case.

        >>> table = AnchorTable(frozenset({"notes", "notes-1"}))
        >>> table.matches("Notes-1", "x.md#Notes-1", False)
        True
        >>> table.matches("Notes-1", "x.md#Notes-1", True)
        False
        """
        if self._has(fragment):  # nearly every fragment, as written
            return True
        raw = written.partition("#")[2]
        candidates = {fragment, raw, unquote(raw)}
        candidates |= {c.removeprefix("user-content-") for c in candidates}
        if any(self._has(c) for c in candidates):
            return True
        if strict:
            return False
        if self._lowered is None:
            self._lowered = frozenset(a.lower() for a in self.anchors)
        return any(c.lower() in self._lowered for c in candidates)

    def _has(self, anchor: str) -> bool:
        anchors = self.anchors
        at = bisect_left(anchors, anchor)
        return at < len(anchors) and anchors[at] == anchor

    def suggest(self, fragment: str) -> str | None:
        """The anchor ``fragment`` most likely meant, or None.

        >>> AnchorTable(frozenset({"retry-policy", "overview"})).suggest("Retry-Polcy")
        'retry-policy'
        """
        word = fragment.lower()
        if self._answers is None:
            self._answers = {}
        if word not in self._answers:
            if not self.budget.spend():
                return None
            index = self._index
            if index is None or not index.covers(word):
                # The postings of this word's grams alone (the same candidates for it, about
                # a third of an index of every gram), or of all once a second word is not
                # covered: a table is mostly asked about one fragment.
                only = None if index is not None else frozenset(grams(word))
                index = self._index = NameIndex(self.anchors, only=only)
            self._answers[word] = index.closest(word, 0.6)
        return self._answers[word]


def find_unknown_ids(ctx: CheckContext) -> Iterator[Hit]:
    """A wikilink, bare mention or front-matter field names a document ID that no document has.

    Why: the reader cannot find the cited decision; often it was renumbered, never written, or
    the ID has a typo. Unlike a path link this is invisible on GitHub, so only a check finds it.

    Example: prose says "as decided in ADR-0042" but no document is ADR-0042; or front matter
    has `depends_on: RFC-0099`. "RFC 7231" (with a space) is an IETF RFC, not an ID, and a
    document mentioning its own ID is fine.

    Fix: correct the ID, link the document by path, or write the missing document. IDs are
    compared normalised (`ADR-7`, `adr-007` and `ADR-0007` are one ID).
    """
    config = ctx.config
    quiet = {spec.name for spec in config.types + config.scoped if not spec.unknown_mentions}
    for link in ctx.links_with(Target.UNKNOWN_ID):
        doc_id = link.reference.target.partition("#")[0]
        prefix = doc_id.split("-", 1)[0]
        if (
            link.reference.kind is RefKind.MENTION
            and prefix in quiet
            and _quiet_in(config, prefix, link.source)
        ):
            continue
        how = {
            RefKind.WIKILINK: "wikilink",
            RefKind.METADATA: f"front-matter field '{link.reference.text or 'relation'}'",
            RefKind.SIDECAR: f"field '{link.reference.text or 'relation'}'",
            RefKind.MENTION: "mention",
        }.get(link.reference.kind, "reference")
        yield _hit(link, f"unknown ID: {how} names {doc_id}, which no document has", ctx)


def _quiet_in(config: Config, prefix: str, source: str) -> bool:
    """Whether unresolved mentions of this type are quiet in the document at ``source`` (the
    settings that hold there: a Rust RFC's "RFC 3098" is a pull request, a team's is not)."""
    spec = config.spec_for(prefix, source)
    return spec is not None and not spec.unknown_mentions


def find_links_outside_root(ctx: CheckContext) -> Iterator[Hit]:
    """A link escapes the repository root (`../../x.md`, `file:///etc/x`, `C:\\docs`).

    Why: the target is not part of the repository, so it is not versioned with the document,
    will not exist for other readers or on GitHub, and tracegraph never reads it.

    Example: `docs/adr/0003.md` links `[spec](../../../specs/api.md)`, three levels up from a
    folder that is two levels deep.

    Fix: link inside the repository (copy or move the target in), or use a full `https://` URL
    when the target lives elsewhere.
    """
    for link in ctx.links_with(Target.OUTSIDE):
        yield _hit(link, f"link outside the repository root: {_shown(link.reference.target)}", ctx)
