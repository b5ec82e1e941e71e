"""``tracegraph review``: record that a document was checked against what it rests on, or show
what changed upstream since it last was (``--diff``)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import click

from .. import api
from ..graph import Corpus
from ..model import Document
from ..suspect import SuspectAnalysis
from . import cli, use_color
from .options import CONFIG_OPT, ROOT_OPT, reject_folder
from .progress import scan_options, scan_settings

#: Control characters that must not reach a terminal from a document's text (tab and newline
#: are kept: a diff is made of lines).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_DIFF_COLORS = {"+": "green", "-": "red", "@": "cyan"}


def clean_diff(text: str) -> str:
    """Diff text safe for a terminal: control characters shown as ``\\xNN``.

    >>> clean_diff("+ok\\x1b[31m\\n")
    '+ok\\\\x1b[31m\\n'
    """
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group(0)):02x}", text)


@cli.command()
@click.argument("doc", metavar="DOC")
@ROOT_OPT
@CONFIG_OPT
@scan_options
@click.option(
    "--of",
    "named",
    multiple=True,
    metavar="UPSTREAM",
    help="Only this upstream document (an ID or path; repeatable). Default: all DOC rests on.",
)
@click.option(
    "--diff",
    is_flag=True,
    help="Record nothing; print the git diff of each suspect upstream document from the "
    "review to HEAD (what there is to re-read).",
)
def review(
    doc: str, root: Path | None, config_path: Path | None, named: tuple[str, ...], diff: bool
) -> None:
    """Record that DOC was checked against the documents it rests on, as of HEAD.

    The review goes into .tracegraph-reviews.yaml at the root (config: suspect.reviews),
    sorted, one line per pair; commit it, and DOC's suspect links (TG503) are cleared. With
    --diff, nothing is recorded: the changes to re-read are printed instead.
    """
    reject_folder(doc)
    settings = scan_settings("text")
    corpus = api.scan(root or Path("."), config_path=config_path, **settings)
    document = corpus.find(doc)
    if diff:
        analysis = api.suspect_links(corpus, cache=bool(settings["cache"]))
        click.echo(format_diffs(corpus, analysis, document, named), nl=False)
        return
    done = api.record_review(corpus, document, named)
    shown = root / done.file if root else Path(done.file)
    click.echo(
        f"recorded: {done.document} reviewed against {', '.join(done.upstreams)} as of "
        f"{done.commit[:12]} in {shown.as_posix()} (commit it)"
    )


def format_diffs(
    corpus: Corpus, analysis: SuspectAnalysis, document: Document, named: Sequence[str] = ()
) -> str:
    """The text of ``review --diff`` and ``show --suspect``: for each suspect upstream
    document, a header (what changed since which review) and its git diff."""
    if analysis.status != "ok":
        return f"suspect links {'off' if analysis.status == 'off' else 'unknown'}: " + (
            f"{clean_diff(analysis.reason)}\n"
        )
    found = api.suspect_diffs(corpus, analysis, document, named)
    if not found:
        return f"{document.name}: nothing to re-read (no suspect link)\n"
    color = use_color()
    out: list[str] = []
    for link, text in found:
        count = len(link.changes)
        head = (
            f"{link.upstream_name} ({link.upstream}): {count} commit{'s' if count != 1 else ''} "
            f"since {link.review.commit[:7]} ({link.review.date}, {link.review.kind})"
            + (f": {', '.join(link.how)}" if link.how else "")
        )
        title = f"== {clean_diff(head)}"
        out.append(click.style(title, bold=True) if color else title)
        for line in clean_diff(text).splitlines():
            plain = not color or line.startswith(("+++", "---"))
            style = None if plain else _DIFF_COLORS.get(line[:1])
            out.append(click.style(line, fg=style) if style else line)
        out.append("")
    return "\n".join(out)
