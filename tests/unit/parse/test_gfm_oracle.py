"""Differential test: tracegraph's links and heading anchors equal GitHub's (cmark-gfm's).

For every Markdown file of ``../shared/corpora`` and for generated nasty Markdown, the links and
images cmark-gfm finds (destination, and the block they stand in) must be tracegraph's link,
image and autolink references, and cmark-gfm's headings, slugged by GitHub's rule and numbered,
must be tracegraph's headings and anchors, in order (their lines are tracegraph's own: a setext
heading after a link reference definition starts, for cmark-gfm, at the definition). The only
differences allowed are the documented ones (README, "How references are recognised"):

- front matter: GitHub shows it as a table, so it is blanked before cmark-gfm sees it;
- wikilinks, in wiki-style notes trees only (none of these inputs is one);
- bare ID mentions (``ADR-7`` in prose) are references but not links: not compared;
- a ``---`` or ``===`` line or a table right under link reference definitions: cmark-gfm
  (CommonMark 0.29) makes the definitions a setext heading or paragraph text, pulldown-cmark
  (0.31, the current rule) keeps them definitions; the generator writes thematic breaks as
  ``- - -`` and ends definitions with a blank line;
- a link that cmark-gfm wraps around another link (CommonMark forbids links in links; a
  cmark-gfm bracket quirk makes one after ``[[x]]`` in unclosed bracket text) is not compared:
  tracegraph keeps the inner link, as the specification says;
- a line indented four or more spaces right under a table row: cmark-gfm ends the table (an
  indented code block starts), pulldown-cmark reads one more row; the generator puts a blank
  line between a table and an indented code block;
- lines are compared by block (the first line of the paragraph, heading or table cell a link
  stands in): cmark-gfm's inline line numbers are off after a code span or a backslash line
  break that spans lines, and for a link whose text spans lines (it gives the line where the
  text ends); its blocks' first lines are right (not always their last: a setext heading's;
  and a paragraph right above a table has none: its links are matched by destination).
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import CORPORA
from tests.gfm import parse_gfm
from tracegraph.config import default_config
from tracegraph.model import Document, RefKind
from tracegraph.parse import Recogniser, decode, parse_document
from tracegraph.parse.markdown import LineIndex, walk_markdown
from tracegraph.parse.slugs import SlugCounter, github_slug

CONFIG = default_config()
REC = Recogniser.from_config(CONFIG)
LINK_KINDS = frozenset({RefKind.LINK, RefKind.IMAGE, RefKind.AUTOLINK})


def github_body(text: str) -> str:
    """``text`` as GitHub renders it as Markdown: the front matter (shown as a table) blanked,
    line for line, so lines stay where they were."""
    facts, lines = walk_markdown(text, text.encode("utf-8"), REC)
    if facts.front_matter is None:
        return text
    closing = lines.position(facts.front_matter_end)[0] + 1  # the closing --- line
    kept = text.split("\n")
    return "\n" * closing + "\n".join(kept[closing:])


def differences(text: str, doc: Document) -> list[str]:
    """What tracegraph and cmark-gfm disagree on, one line each (empty: nothing)."""
    gfm = parse_gfm(github_body(text))
    links = [link for link in gfm.links if not link.holds_link]
    starts = sorted({link.block[0] for link in links if link.block[0]})

    def block_of(line: int) -> int:
        """The first line of the block a line is in (of the blocks holding links)."""
        index = bisect_right(starts, line)
        return starts[index - 1] if index else line

    ours = Counter((block_of(r.line), r.target) for r in doc.references if r.kind in LINK_KINDS)
    theirs = Counter((link.block[0], link.url) for link in links if link.block[0])
    # A paragraph right above a table loses its position in cmark-gfm (line 0): its links
    # are matched by destination alone.
    unplaced = Counter(link.url for link in links if not link.block[0])
    only_ours = []
    for (block, target), count in sorted((ours - theirs).items()):
        placed = min(count, unplaced[target])
        unplaced[target] -= placed
        only_ours += [(block, target)] * (count - placed)
    out = [f"only tracegraph: block at line {b} -> {t!r}" for b, t in only_ours]
    out += [f"only GitHub: block at line {b} -> {t!r}" for b, t in (theirs - ours).elements()]
    out += [f"only GitHub: a block above a table -> {t!r}" for t in (+unplaced).elements()]
    counter = SlugCounter()
    github_headings = [(h.level, counter.unique(github_slug(h.text))) for h in gfm.headings]
    our_headings = [(h.level, h.slug) for h in doc.headings]
    if github_headings != our_headings:
        out.append(f"headings: tracegraph {our_headings} != GitHub {github_headings}")
    github_anchors = {slug for _level, slug in github_headings}
    if not github_anchors <= set(doc.anchors):
        out.append(f"anchors missing: {sorted(github_anchors - set(doc.anchors))}")
    return out


def corpus_files(name: str) -> list[Path]:
    root = CORPORA / name
    return sorted(p for p in root.rglob("*") if p.suffix in (".md", ".markdown") and p.is_file())


@pytest.mark.skipif(not CORPORA.is_dir(), reason="shared corpora not available")
@pytest.mark.parametrize(
    "name",
    sorted(p.name for p in CORPORA.iterdir() if p.is_dir()) if CORPORA.is_dir() else [],
)
def test_corpus_links_and_anchors_equal_githubs(name: str) -> None:
    files = corpus_files(name)
    assert files, f"no Markdown in {name}"
    found: list[str] = []
    links = 0
    for path in files:
        data = path.read_bytes()
        text, problem = decode(data)
        assert problem is None, path
        rel = path.relative_to(CORPORA / name).as_posix()
        doc = parse_document(rel, data, REC, CONFIG.limits)
        links += sum(1 for r in doc.references if r.kind in LINK_KINDS)
        found += [f"{rel}: {d}" for d in differences(text, doc)]
    assert found == []
    assert links > 0


def test_the_oracle_can_fail() -> None:
    """A missed link, an invented one and a wrong anchor are all caught."""
    text = "# Über uns\n\nSee https://example.com/x.\n"
    doc = parse_document("a.md", text.encode(), REC, CONFIG.limits)
    assert differences(text, doc) == []
    missed = replace(doc, references=())
    assert differences(text, missed) == ["only GitHub: block at line 3 -> 'https://example.com/x'"]
    invented = replace(doc, references=(*doc.references, replace(doc.references[0], target="y")))
    assert differences(text, invented) == ["only tracegraph: block at line 3 -> 'y'"]
    wrong = replace(doc, headings=(replace(doc.headings[0], slug="uber-uns"),))
    assert differences(text, wrong) == [
        "headings: tracegraph [(1, 'uber-uns')] != GitHub [(1, 'über-uns')]"
    ]


def test_a_link_around_an_autolink_is_compared() -> None:
    """Both parsers make ``[a <https://x> b](e.md)`` a link around an autolink (the rule
    against links in links is about bracket links): both links are compared, not skipped."""
    text = "[open https://in.example <https://example.com/auto> \\[escaped](e.md)\n"
    gfm = parse_gfm(text)
    assert [(link.url, link.holds_link) for link in gfm.links] == [
        ("e.md", False),
        ("https://example.com/auto", False),
    ]
    doc = parse_document("a.md", text.encode(), REC, CONFIG.limits)
    assert differences(text, doc) == []


def test_indented_line_under_a_table_is_the_documented_difference() -> None:
    """The one table difference the README lists: cmark-gfm ends the table at a line indented
    four spaces, pulldown-cmark reads a row (so the setext heading below is lost); with a blank
    line after the table both agree. Fails when pyromark changes either way."""
    text = "| a | b |\n|---|---|\n| x | y |\n    code\nTitle\n===\n"
    doc = parse_document("a.md", text.encode(), REC, CONFIG.limits)
    assert differences(text, doc) == [
        "headings: tracegraph [] != GitHub [(1, 'title')]",
        "anchors missing: ['title']",
    ]
    spaced = text.replace("|\n    code", "|\n\n    code")
    doc = parse_document("a.md", spaced.encode(), REC, CONFIG.limits)
    assert differences(spaced, doc) == []


# --- generated documents ------------------------------------------------------------------------

WORDS = st.sampled_from(["alpha", "Beta", "ADR-7", "RFC 7231", "x_y", "ü", "日本", "2:", "&amp;"])
INLINE = st.sampled_from(
    [
        "[text](target.md)",
        "[text](../up/target.md#Some-Anchor)",
        "[spaced](<with space.md>)",
        '[titled](t.md "title")',
        "![alt](img.png)",
        "![alt *em*](img.png)",
        "[![badge](b.svg)](https://ci.example.com)",
        "<https://example.com/auto>",
        "<dev@example.com>",
        "https://example.com/bare?q=1.",
        "https://example.com/p_(x))",
        "(www.example.com/path)",
        "*https://example.com/em*",
        "www.a_b.example.com",
        "http://x.y/a_b_c,",
        "ftp://files.example.org/a",
        "xhttp://no.example",
        "mail a.b@example.co.uk.",
        "mailto:ops@example.org",
        "[[ADR-7]]",
        "[[1]](https://example.com/cite)",
        "[[Some Page|label]]",
        "[[ref]]",
        "[ref]",
        "[ref][]",
        "[text][ref]",
        "[missing][nowhere]",
        "`[code](c.md) https://code.example`",
        "``a ` [b](c.md)``",
        "\\[escaped](e.md)",
        "[open bracket https://in.example",
        "close] https://after.example",
        '<a href="raw.md">raw</a>',
        '<span id="inline-id">s</span>',
        "[^1]",
        "**bold [l](b.md)**",
        "~~strike https://s.example~~",
        "\\",
    ]
)
INLINE_TEXT = st.lists(st.one_of(WORDS, INLINE), min_size=1, max_size=6).map(" ".join)


def _heading(level: int, text: str) -> str:
    return "#" * level + " " + text


BLOCKS = st.one_of(
    INLINE_TEXT,
    st.builds(_heading, st.integers(1, 3), INLINE_TEXT),
    st.builds(lambda t: f"{t}\n===", INLINE_TEXT),
    st.builds(lambda t: f"## {t} {{#custom-id}}", WORDS),
    st.builds(lambda t, u: f"{t}\n{u}", INLINE_TEXT, INLINE_TEXT),
    st.builds(
        lambda fence, closing, t, u: f"{fence}\n{t}\n{closing}\n{u}",
        st.sampled_from(["```", "~~~", "````", "   ```"]),
        st.sampled_from(["```\t", "``` \t", "```", "~~~\t", "````\t", "`````"]),
        INLINE_TEXT,
        INLINE_TEXT,
    ),
    st.builds(lambda t: f"    {t}", INLINE_TEXT),  # indented code
    st.builds(
        lambda t, u, closing: f"- item {t}\n\n  ```\n  {u}\n  {closing}\n- after {t}",
        INLINE_TEXT,
        INLINE_TEXT,
        st.sampled_from(["```", "```\t"]),
    ),
    st.builds(
        lambda t, u: f"1. {t}\n   - nested {u}\n     ```\n     {t}\n     ```\n2. {u}",
        INLINE_TEXT,
        INLINE_TEXT,
    ),
    st.builds(lambda t: f"> {t}\n> > {t}", INLINE_TEXT),
    st.builds(lambda t: f"<div>\n{t}\n</div>", INLINE_TEXT),
    st.builds(lambda t: f"<details>\n\n{t}\n\n</details>", INLINE_TEXT),
    st.builds(lambda t: f"<!-- {t} -->", INLINE_TEXT),
    st.builds(lambda t, u: f"| a | b |\n|---|---|\n| {t} | {u} |", INLINE_TEXT, INLINE_TEXT),
    # Definitions end with a blank line (see the module docstring).
    st.sampled_from(
        [
            "[ref]: https://example.com/ref\n",
            '[ref]: <def target.md> "title"\n',
            "[Some Page|label]: https://example.com/page\n",
            "[1]: https://example.com/one\n",
            "[^1]: A footnote with https://fn.example.",
            "- - -",  # not "---": see the module docstring
            "***",
        ]
    ),
)


def _join(blocks: list[str], seps: list[str]) -> str:
    """The blocks with their separators, but a blank line between a table and an indented
    code block under it (see the module docstring)."""
    out = []
    for index, (block, sep) in enumerate(zip(blocks, seps, strict=True)):
        after = blocks[index + 1] if index + 1 < len(blocks) else ""
        if block.startswith("| a | b |") and after.startswith("    "):
            sep = "\n\n"
        out.append(block + sep)
    return "".join(out)


DOCUMENTS = st.lists(BLOCKS, min_size=1, max_size=8).flatmap(
    lambda blocks: st.lists(
        st.sampled_from(["\n", "\n\n"]), min_size=len(blocks), max_size=len(blocks)
    ).map(lambda seps: _join(blocks, seps))
)


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(DOCUMENTS)
def test_generated_markdown_links_and_anchors_equal_githubs(text: str) -> None:
    doc = parse_document("docs/x.md", text.encode("utf-8"), REC, CONFIG.limits)
    assert differences(text, doc) == [], text


def test_line_index_agrees_with_the_blocks() -> None:
    """The block comparison needs tracegraph's lines: a link on line 3 of a paragraph."""
    text = "# T\n\npara\nmore\nand [x](y.md)\n"
    doc = parse_document("a.md", text.encode(), REC, CONFIG.limits)
    assert [r.line for r in doc.references] == [5]
    assert LineIndex(text.encode()).line_count == 5
