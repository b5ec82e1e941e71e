"""Rules about references that do not arrive: TG101-TG104."""

from __future__ import annotations

import difflib
import posixpath
import re
from collections.abc import Iterator
from urllib.parse import unquote

from ..config import Config
from ..model import Link, RefKind, Target
from .context import CheckContext, Hit

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
    by_name: dict[str, list[str]] | None = None
    by_folder: dict[str, list[str]] = {}
    for link in ctx.corpus.links:
        if link.status is Target.MISSING and not link.reference.is_id:
            what = "image" if link.reference.kind is RefKind.IMAGE else "link"
            if by_name is None:
                by_name = _files_by_name(ctx.corpus.files)
                by_folder = _files_by_folder(ctx.corpus.files)
            suggestion = suggest_path(
                link.source, link.path, ctx.corpus.files, by_name, by_folder=by_folder
            )
            hint = f"; did you mean {suggestion}?" if suggestion else ""
            yield _hit(
                link,
                f"broken {what}: {_shown(link.reference.target)} does not exist "
                f"(resolved to {_shown(link.path or '?')}){hint}",
                ctx,
            )


def _files_by_name(files: frozenset[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for path in sorted(files):
        out.setdefault(path.rsplit("/", 1)[-1].lower(), []).append(path)
    return out


def _files_by_folder(files: frozenset[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for path in sorted(files):
        out.setdefault(path.rpartition("/")[0], []).append(path)
    return out


def suggest_path(
    source: str,
    missing: str | None,
    files: frozenset[str],
    by_name: dict[str, list[str]],
    *,
    by_folder: dict[str, list[str]] | None = None,
) -> str | None:
    """The file a broken link most likely meant, written relative to the linking document:
    the same path with a Markdown suffix, the only file of that name elsewhere (moved), or a
    close spelling in the same folder (renamed).

    >>> suggest_path("a/x.md", "a/b", frozenset({"a/b.md"}), {"b.md": ["a/b.md"]})
    'b.md'
    """
    if not missing:
        return None
    found: str | None = None
    for suffix in _MARKDOWN_SUFFIXES:
        if missing + suffix in files:
            found = missing + suffix
            break
    name = missing.rsplit("/", 1)[-1].lower()
    if found is None and len(by_name.get(name, ())) == 1:
        found = by_name[name][0]
    if found is None:
        folder = missing.rpartition("/")[0]
        if len(files) >= 50_000:
            siblings: list[str] = []
        elif by_folder is not None:
            siblings = by_folder.get(folder, [])
        else:
            siblings = sorted(f for f in files if f.rpartition("/")[0] == folder)
        found = closest_match(missing, siblings, 0.75)
    if found is None:
        return None
    return posixpath.relpath(found, posixpath.dirname(source) or ".")


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
    for link in ctx.corpus.links:
        fragment = link.fragment
        if not fragment or link.path is None:
            continue
        if link.status not in (Target.DOCUMENT, Target.SELF):
            continue
        target = ctx.corpus.by_path.get(link.path)
        if target is None:
            continue
        if _LINE_ANCHOR.match(fragment) and not target.path.lower().endswith(_MARKDOWN_SUFFIXES):
            continue
        if anchor_matches(fragment, link.reference.target, target.anchors, strict):
            continue
        suggestion = suggest_anchor(fragment, target.anchors)
        hint = f"; did you mean #{suggestion}?" if suggestion else ""
        where = "this document" if link.status is Target.SELF else target.name
        yield _hit(
            link, f"broken anchor: #{fragment} is not a heading or anchor in {where}{hint}", ctx
        )


def anchor_matches(fragment: str, written: str, anchors: frozenset[str], strict: bool) -> bool:
    """Whether a fragment names one of ``anchors``: as written, percent-decoded, with GitHub's
    ``user-content-`` prefix, and (unless ``strict``) ignoring case.

    >>> anchor_matches("Notes-1", "x.md#Notes-1", frozenset({"notes", "notes-1"}), False)
    True
    >>> anchor_matches("Notes-1", "x.md#Notes-1", frozenset({"notes", "notes-1"}), True)
    False
    """
    raw = written.partition("#")[2]
    candidates = {fragment, raw, unquote(raw)}
    candidates |= {c.removeprefix("user-content-") for c in candidates}
    if candidates & anchors:
        return True
    if strict:
        return False
    lowered = {a.lower() for a in anchors}
    return any(c.lower() in lowered for c in candidates)


def suggest_anchor(fragment: str, anchors: frozenset[str]) -> str | None:
    """The closest existing anchor, for "did you mean" hints."""
    return closest_match(fragment.lower(), sorted(anchors), 0.6)


def _ratio(matches: int, length: int) -> float:
    return 2.0 * matches / length if length else 1.0  # as difflib computes it


def _lcs_length(masks: dict[str, int], full: int, size: int, text: str) -> int:
    """Length of the longest common subsequence of ``text`` and the word ``masks`` describes
    (bit-parallel, Hyyrö 2004): an upper bound on the characters SequenceMatcher matches."""
    row = full
    for char in text:
        found = row & masks.get(char, 0)
        row = ((row + found) | (row - found)) & full
    return size - row.bit_count()


def closest_match(word: str, possibilities: list[str], cutoff: float) -> str | None:
    """Exactly ``difflib.get_close_matches(word, possibilities, n=1, cutoff=cutoff)`` (its only
    result or None), without computing SequenceMatcher's ratio for every candidate.

    The ratio is bounded above by the character-count ratio (difflib's ``quick_ratio``) and
    by the longest-common-subsequence ratio (matching blocks form a common subsequence), so
    candidates are tried best bound first and the search stops once no bound can reach the
    best ratio found; ties go to the larger string, as in difflib.

    >>> closest_match("docs/retry-polcy.md", ["docs/retry-policy.md", "docs/other.md"], 0.75)
    'docs/retry-policy.md'
    """
    size = len(word)
    alphabet = tuple(set(word))  # characters outside the word never match
    wanted = tuple(map(word.count, alphabet))
    bounded: list[tuple[float, str]] = []
    for text in possibilities:
        length = size + len(text)
        if _ratio(min(size, len(text)), length) < cutoff:
            continue
        bound = _ratio(sum(map(min, map(text.count, alphabet), wanted)), length)
        if bound >= cutoff:
            bounded.append((bound, text))
    bounded.sort(reverse=True)
    masks: dict[str, int] = {}
    for index, char in enumerate(word):
        masks[char] = masks.get(char, 0) | (1 << index)
    full = (1 << size) - 1
    matcher = difflib.SequenceMatcher()
    matcher.set_seq2(word)
    best: tuple[float, str] | None = None
    floor = cutoff
    for bound, text in bounded:
        if bound < floor:
            break
        if _ratio(_lcs_length(masks, full, size, text), size + len(text)) < floor:
            continue
        matcher.set_seq1(text)
        score = matcher.ratio()
        if score >= cutoff and (best is None or (score, text) > best):
            best = (score, text)
            floor = score
    return best[1] if best is not None else None


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
    for link in ctx.corpus.links:
        if link.status is Target.UNKNOWN_ID:
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
    for link in ctx.corpus.links:
        if link.status is Target.OUTSIDE:
            yield _hit(
                link, f"link outside the repository root: {_shown(link.reference.target)}", ctx
            )
