"""cmark-gfm, GitHub's own Markdown parser, as a test oracle: the links and headings GitHub sees.

``cmarkgfm`` (a test-only dependency) binds cmark-gfm but exposes only HTML rendering; the syntax
tree, with the line of every inline node, is reached through the same compiled library by
``cffi`` in ABI mode (``cffi`` is ``cmarkgfm``'s own dependency). The extensions are those GitHub
turns on for repository files: autolink, table, strikethrough, tasklist and tagfilter, and
footnotes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cache
from typing import Any

import cffi
from cmarkgfm import _cmark  # type: ignore[import-untyped]

_DECLARATIONS = """
typedef struct cmark_node cmark_node;
typedef struct cmark_parser cmark_parser;
typedef struct cmark_iter cmark_iter;
typedef struct cmark_syntax_extension cmark_syntax_extension;
cmark_parser *cmark_parser_new(int options);
void cmark_parser_free(cmark_parser *parser);
void cmark_parser_feed(cmark_parser *parser, const char *buffer, size_t len);
cmark_node *cmark_parser_finish(cmark_parser *parser);
cmark_syntax_extension *cmark_find_syntax_extension(const char *name);
int cmark_parser_attach_syntax_extension(cmark_parser *parser, cmark_syntax_extension *ext);
void cmark_gfm_core_extensions_ensure_registered(void);
cmark_iter *cmark_iter_new(cmark_node *root);
void cmark_iter_free(cmark_iter *iter);
int cmark_iter_next(cmark_iter *iter);
cmark_node *cmark_iter_get_node(cmark_iter *iter);
const char *cmark_node_get_type_string(cmark_node *node);
const char *cmark_node_get_url(cmark_node *node);
const char *cmark_node_get_literal(cmark_node *node);
int cmark_node_get_heading_level(cmark_node *node);
int cmark_node_get_start_line(cmark_node *node);
int cmark_node_get_end_line(cmark_node *node);
cmark_node *cmark_node_first_child(cmark_node *node);
void cmark_node_free(cmark_node *node);
"""
#: Blocks that cannot hold other nodes: the iterator enters them and never exits.
LEAF_BLOCKS = frozenset({"code_block", "html_block", "thematic_break"})
EXTENSIONS = ("autolink", "table", "strikethrough", "tasklist", "tagfilter")
_ENTER, _EXIT, _DONE = 2, 3, 1


#: Inline node types; every other type is a block, whose source lines cmark-gfm gets right.
INLINES = frozenset(
    {
        "text", "softbreak", "linebreak", "code", "html_inline", "custom_inline", "emph",
        "strong", "link", "image", "strikethrough", "footnote_reference",
    }
)  # fmt: skip


@dataclass(frozen=True)
class GfmLink:
    """A link or image as cmark-gfm sees it: its destination, the line cmark-gfm gives it,
    and the first and last line of the block it stands in.

    cmark-gfm's inline lines are not exact (a link whose text spans lines gets the line where
    the text ends; a code span or backslash line break spanning lines is not counted), its
    block lines are: compare by block.
    """

    kind: str  # "link" or "image"
    url: str
    line: int
    block: tuple[int, int]
    #: A link holding another bracket link: CommonMark forbids it (the inner one wins),
    #: cmark-gfm makes one now and then (``[a\n[b](c) [[d]]\n\\[e](f)`` links ``f`` around
    #: ``c``). A link around an autolink (``[a <https://x> b](c)``) is a link for both.
    holds_link: bool = False


@dataclass(frozen=True)
class GfmHeading:
    """A heading: level, line and its text as GitHub's HTML holds it (images contribute
    nothing, code spans and link texts their text, soft breaks a line break)."""

    level: int
    line: int
    text: str


@dataclass(frozen=True)
class GfmDocument:
    links: tuple[GfmLink, ...]
    headings: tuple[GfmHeading, ...]
    html_blocks: tuple[str, ...]


@cache
def _library() -> tuple[Any, Any]:
    ffi = cffi.FFI()
    ffi.cdef(_DECLARATIONS)
    lib = ffi.dlopen(_cmark.__file__)
    lib.cmark_gfm_core_extensions_ensure_registered()
    return ffi, lib


def parse_gfm(text: str) -> GfmDocument:
    """Parse ``text`` as GitHub does and collect its links, headings and HTML."""
    ffi, lib = _library()
    parser = lib.cmark_parser_new(_cmark.lib.CMARK_OPT_FOOTNOTES)
    links: list[GfmLink] = []
    headings: list[GfmHeading] = []
    html: list[str] = []
    try:
        for name in EXTENSIONS:
            lib.cmark_parser_attach_syntax_extension(
                parser, lib.cmark_find_syntax_extension(name.encode())
            )
        data = text.encode("utf-8")
        lib.cmark_parser_feed(parser, data, len(data))
        root = lib.cmark_parser_finish(parser)
        iterator = lib.cmark_iter_new(root)
        heading: tuple[int, int, list[str]] | None = None
        image_depth = 0
        blocks: list[tuple[int, int]] = []
        open_links: list[int] = []  # indexes into ``links`` of the links being read
        try:
            while (event := lib.cmark_iter_next(iterator)) != _DONE:
                node = lib.cmark_iter_get_node(iterator)
                kind = ffi.string(lib.cmark_node_get_type_string(node)).decode()
                inline = kind in INLINES or kind in LEAF_BLOCKS
                if not inline and event == _ENTER:
                    start = lib.cmark_node_get_start_line(node)
                    blocks.append((start, lib.cmark_node_get_end_line(node)))
                if event == _EXIT:
                    if not inline:
                        blocks.pop()
                    if kind == "heading" and heading is not None:
                        headings.append(GfmHeading(heading[0], heading[1], "".join(heading[2])))
                        heading = None
                    elif kind == "image":
                        image_depth -= 1
                    if kind == "link" and open_links:
                        open_links.pop()
                    continue
                if kind in ("link", "image"):
                    url = lib.cmark_node_get_url(node)
                    value = ffi.string(url).decode() if url != ffi.NULL else ""
                    line = lib.cmark_node_get_start_line(node)
                    if kind == "link":
                        if not _is_autolink(ffi, lib, node, value):
                            for index in open_links:
                                links[index] = replace(links[index], holds_link=True)
                        open_links.append(len(links))
                    links.append(GfmLink(kind, value, line, blocks[-1]))
                    if kind == "image":
                        image_depth += 1
                elif kind == "heading":
                    level = lib.cmark_node_get_heading_level(node)
                    heading = (level, lib.cmark_node_get_start_line(node), [])
                elif kind in ("html_block", "html_inline"):
                    html.append(_literal(ffi, lib, node))
                if heading is not None and not image_depth:
                    if kind in ("text", "code"):
                        heading[2].append(_literal(ffi, lib, node))
                    elif kind in ("softbreak", "linebreak"):
                        heading[2].append("\n")
        finally:
            lib.cmark_iter_free(iterator)
            lib.cmark_node_free(root)
    finally:
        lib.cmark_parser_free(parser)
    return GfmDocument(tuple(links), tuple(headings), tuple(html))


def _is_autolink(ffi: Any, lib: Any, node: Any, url: str) -> bool:
    """Whether a link node is an autolink (``<https://...>``, ``<a@b.c>``): its text is its
    destination. A link around one is a link for both parsers (CommonMark's rule against links
    in links is about bracket links), so it does not count as holding a link."""
    child = lib.cmark_node_first_child(node)
    if child == ffi.NULL or ffi.string(lib.cmark_node_get_type_string(child)) != b"text":
        return False
    text = _literal(ffi, lib, child)
    return url in (text, "mailto:" + text)


def _literal(ffi: Any, lib: Any, node: Any) -> str:
    value = lib.cmark_node_get_literal(node)
    return ffi.string(value).decode() if value != ffi.NULL else ""
