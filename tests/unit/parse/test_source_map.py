"""``source_map``: what an editor must know of a document's layout, as GitHub parses it."""

from __future__ import annotations

from tracegraph.parse.markdown import source_map

TEXT = """\
---
status: draft
---
# Title

See `[no](code.md)`, [a](a.md "t") and ![i](<b c.png>) and [ref][r].

```
[z](fenced.md)
```

    [w](indented.md)

<div>[h](html.md)</div>

[r]: defined.md
"""


def _at(text: str, needle: str) -> int:
    return len(text[: text.index(needle)].encode())


def test_code_html_links_blocks_and_front_matter() -> None:
    layout = source_map(TEXT)
    assert [link.dest for link in layout.links] == ["a.md", "b c.png", "defined.md"]
    assert [link.label for link in layout.links] == ["", "", "r"]
    assert [link.image for link in layout.links] == [False, True, False]
    assert layout.front_matter == (0, len("---\nstatus: draft\n---"))
    assert [b.kind for b in layout.blocks] == [
        "MetadataBlock",
        "Heading",
        "Paragraph",
        "CodeBlock",
        "CodeBlock",
        "HtmlBlock",
    ]
    for inside in ("code.md", "fenced.md", "indented.md"):
        offset = _at(TEXT, inside)
        assert layout.in_code(offset, offset + 1), inside
    assert not layout.in_code(_at(TEXT, "a.md"), _at(TEXT, "a.md") + 4)
    html = _at(TEXT, "html.md")
    assert not layout.in_code(html, html + 1)
    assert any(s <= html < e for s, e in layout.html)


def test_offsets_are_utf8_bytes_and_wikilinks_follow_the_flag() -> None:
    text = "# Ünïcode\n\n[[ADR-0007]] and [x](ä.md)\n"
    assert [link.dest for link in source_map(text).links] == ["ä.md"]
    wiki = source_map(text, wikilinks=True).links
    assert [(link.dest, link.wiki) for link in wiki] == [("ADR-0007", True), ("ä.md", False)]
    assert wiki[1].start == len("# Ünïcode\n\n[[ADR-0007]] and ".encode())


def test_a_fence_closed_by_a_tab_ends_there_as_on_github() -> None:
    text = "```\ncode\n```\t\n\n[a](a.md)\n"
    layout = source_map(text)
    assert [link.dest for link in layout.links] == ["a.md"]
    assert not layout.in_code(_at(text, "a.md"), _at(text, "a.md") + 1)
