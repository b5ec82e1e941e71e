"""Heading anchors are GitHub's, pinned to slugs GitHub itself produced.

The expected values are what github.com gave for these headings (rendered Markdown files and
gists: the duplicate sequences, the punctuation, emoji and Unicode-category cases were read back
from GitHub's own anchors; ``❤️ Donate`` -> ``️-donate`` keeps the variation selector, as a
rendered README showed). The rule they follow is in ``tracegraph/parse/slugs.py``.
"""

from __future__ import annotations

import pytest

from tracegraph.config import default_config
from tracegraph.model import Document
from tracegraph.parse import Recogniser, parse_document
from tracegraph.parse.slugs import SlugCounter, github_slug

CONFIG = default_config()
REC = Recogniser.from_config(CONFIG)


def parse(text: str) -> Document:
    return parse_document("docs/x.md", text.encode("utf-8"), REC, CONFIG.limits)


#: (Markdown heading line(s), GitHub's anchor)
GITHUB_SLUGS = [
    # ASCII punctuation is dropped, each space is a hyphen (none trimmed or collapsed)
    ("## Monitoring & Observability", "monitoring--observability"),
    ("## User Story 2:  Verifying", "user-story-2--verifying"),
    ("## heading with a - dash", "heading-with-a---dash"),
    ("## heading with an _ underscore", "heading-with-an-_-underscore"),
    ("## heading with a period.txt", "heading-with-a-periodtxt"),
    (
        "## exchange.bind_headers(exchange, routing [, bindCallback])",
        "exchangebind_headersexchange-routing--bindcallback",
    ),
    ("## bravoCharlieDelta", "bravocharliedelta"),
    ("## -a-", "-a-"),
    ("# &#x20;a", "-a"),  # a space from an entity is not trimmed
    ("## Title ##", "title"),
    # Unicode punctuation and symbols go, letters in every script stay
    ("## apostrophe’s should be trimmed", "apostrophes-should-be-trimmed"),
    ("## en–dash", "endash"),
    ("## I ♥ unicode", "i--unicode"),
    ("## Привет non-latin 你好", "привет-non-latin-你好"),
    ("## Профили пользователей", "профили-пользователей"),
    # emoji are symbols; a variation selector is a mark and stays
    ("## 😄 unicode emoji", "-unicode-emoji"),
    ("## 😄-😄 unicode emoji", "--unicode-emoji"),
    ("## 😄_😄 unicode emoji", "_-unicode-emoji"),
    ("## 😄 - an emoji", "---an-emoji"),
    ("## ❤️ Donate", "\ufe0f-donate"),
    # gemoji shortcodes are text: the colons go
    ("## :smile: - a gemoji", "smile---a-gemoji"),
    (
        "## :ok_hand::hatched_chick: Two in a row with no spaces",
        "ok_handhatched_chick-two-in-a-row-with-no-spaces",
    ),
    # combining marks stay (Python's \w would drop them)
    ("## İlgili", "i̇lgili"),
    ("## हिन्दी भाषा", "हिन्दी-भाषा"),
    ("## à la carte", "à-la-carte"),
    # connector punctuation stays, other numbers (½, ²) go, letter numbers (Ⅻ) stay
    ("## a_ ‿ ⁀ ＿b", "a_-‿-⁀-＿b"),
    ("## Version ½ and Ⅻ²", "version--and-ⅻ"),
    # circled letters are symbols that Unicode calls alphabetic: they stay
    ("## Ⓔ Ⓣ", "ⓔ-ⓣ"),
    # CJK and right-to-left scripts
    ("## 概要と目的", "概要と目的"),
    ("## 전문 보기", "전문-보기"),
    ("## مقدمة المشروع", "مقدمة-المشروع"),
    ("## שלום עולם", "שלום-עולם"),
    # the heading's HTML text: code spans and link texts count, images and tags do not
    ("## The `--force` flag", "the---force-flag"),
    ("## See [RFC 7](rfc-7.md) now", "see-rfc-7-now"),
    ("## ![logo](logo.png) Project", "-project"),
    ('## <a name="old"></a>New name', "new-name"),
    ("Foo\nbar\n===", "foobar"),  # a line break in a heading is no space
    # {#id} is no heading attribute on GitHub, just text
    ("## Retry policy {#retry}", "retry-policy-retry"),
]


@pytest.mark.parametrize(("markdown", "slug"), GITHUB_SLUGS, ids=[s for _, s in GITHUB_SLUGS])
def test_heading_anchor_is_githubs(markdown: str, slug: str) -> None:
    doc = parse(markdown + "\n")
    assert [h.slug for h in doc.headings] == [slug]
    assert slug in doc.anchors


def test_heading_attribute_gives_no_anchor() -> None:
    doc = parse("## Retry policy {#retry}\n")
    assert "retry" not in doc.anchors
    assert doc.headings[0].text == "Retry policy {#retry}"


def test_duplicates_are_numbered_and_skip_taken_numbers() -> None:
    names = ["echo", "echo", "echo 1", "echo-1", "echo", "foxtrot-1", "foxtrot", "foxtrot"]
    doc = parse("".join(f"# {name}\n\n" for name in names))
    assert [h.slug for h in doc.headings] == [
        "echo",
        "echo-1",
        "echo-1-1",
        "echo-1-2",
        "echo-2",
        "foxtrot-1",
        "foxtrot",
        "foxtrot-2",
    ]


def test_html_id_and_name_attributes_are_anchors() -> None:
    doc = parse(
        '# T\n\n<a name="legacy-anchor"></a>\n\n<div id="html-id">x</div>\n\n'
        'Text <span id="inline-id">y</span> and <p data-id="not-an-anchor">z</p>\n\n'
        '```html\n<a name="in-code"></a>\n```\n'
    )
    assert set(doc.anchors) == {"t", "legacy-anchor", "html-id", "inline-id"}
    assert doc.anchors == tuple(sorted(set(doc.anchors)))  # sorted, each once: compared as data


def test_counter_alone() -> None:
    counter = SlugCounter()
    assert [counter.unique(s) for s in ("a", "a", "a-1", "a")] == ["a", "a-1", "a-1-1", "a-2"]


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("Risks & Mitigations", "risks--mitigations"),
        ("Über `code` größe", "über-code-größe"),
        ("snake_case and-dash", "snake_case-and-dash"),
        ("tab\there", "tabhere"),
        ("no\u00a0break", "nobreak"),  # a no-break space is not a space
        ("zero\u200dwidth", "zerowidth"),  # format characters go
    ],
)
def test_github_slug(text: str, slug: str) -> None:
    assert github_slug(text) == slug
