"""Rules from git history: TG503 (suspect links)."""

from __future__ import annotations

from collections.abc import Iterator

from ..model import Severity, SuspectDetails
from ..suspect import SuspectLink
from .context import CheckContext, Hit


def find_suspect_links(ctx: CheckContext) -> Iterator[Hit]:
    """A document rests on one that changed after the document was last reviewed.

    Why: a TDD written against an RFC says what the RFC said then. When the RFC changes
    afterwards (its text, its title, ID or status), the TDD may now be wrong, and nobody is
    told. Requirements tools call these suspect links; tracegraph finds them in the git
    history, with no fingerprints kept in the documents.

    An edge D -> U (any relation but a bare mention) is suspect when a commit that D's last
    review has not seen changed U's text (whitespace aside), title, ID or status, and U now
    differs from what the review saw. Edits to other metadata (authors, dates), whitespace-only
    edits and renames that keep the ID are no change. D's last review is, by default, the last
    commit that changed D (writing a document is taken as reading what it rests on) or a review
    recorded with `tracegraph review D`, whichever saw more; with `suspect: {mode: strict}` only
    recorded reviews count (and D's creation). "Not seen" follows the commit graph: a change
    merged from a branch is unseen by a review that is not its descendant.

    Example: `docs/tdd/TDD-0001.md:7` implements RFC-0001; RFC-0001 went from Draft to
    Accepted and its API section was rewritten in two commits after TDD-0001 was last edited:
    "rests on RFC-0001, changed in 2 commits (status Draft -> Accepted, text) since this
    document was last reviewed (a1b2c3d, 2026-10-02)". JSON findings carry the upstream ID and
    path, the review commit and the upstream commits since.

    Fix: read what changed (`tracegraph review TDD-0001 --diff`), update the document if it
    needs it, then record the review (`tracegraph review TDD-0001`, or `--of RFC-0001` for one
    upstream document) and commit `.tracegraph-reviews.yaml`; editing the document clears it
    too, unless the mode is strict. A shallow clone cannot know what changed: TG503 then
    reports one info finding saying so (fetch the whole history, `fetch-depth: 0`). Outside a
    git work tree TG503 is off.
    """
    analysis = ctx.suspects
    if analysis.status == "unknown":
        yield Hit(
            ".",
            1,
            1,
            f"suspect links unknown: {analysis.reason}",
            severity=Severity.INFO,
        )
        return
    # A local rule: with a scope (``recheck``), only the links written in those documents.
    here = {d.path for d in ctx.corpus.documents}
    here.update(d.sidecar for d in ctx.corpus.documents if d.sidecar)
    for link in analysis.links:
        if link.path in here:
            yield hit_for(link)


def hit_for(link: SuspectLink) -> Hit:
    """The TG503 hit of one suspect link, at the line that declares the edge."""
    return Hit(
        link.path,
        link.line,
        link.column,
        link.message,
        target=link.upstream_name,
        document=link.downstream_name,
        suspect=SuspectDetails(
            upstream_id=link.upstream_name,
            upstream_path=link.upstream,
            review_commit=link.review.commit,
            review_date=link.review.date,
            review_kind=link.review.kind,
            changes=tuple((c.commit, c.date, c.path) for c in link.changes),
            how=link.how,
        ),
    )
