"""Front matter: the flat reader (no YAML parser) gives exactly what the YAML loader gives, and
leaves everything it does not take to the loader."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracegraph.parse import frontmatter
from tracegraph.parse.frontmatter import FrontMatter, FrontMatterError, load_front_matter


def loaded(text: str, monkeypatch: pytest.MonkeyPatch) -> FrontMatter | str:
    """What the YAML loader makes of ``text`` (the flat reader switched off), or its error."""
    with monkeypatch.context() as patch:
        patch.setattr(frontmatter, "_flat", lambda _text: None)
        try:
            return load_front_matter(text, 100)
        except FrontMatterError as exc:
            return f"error: {exc}"


FLAT = [
    'id: PRD-0148\ntitle: "Smart notifications"\nstatus: Shipped\ncreated: 2019-12-19\n',
    "implements: []\ndepends_on: [RFC-0001, RFC-0002]\n",
    "implements:\n  - PRD-0024\n  - PRD-0009\nstatus: Draft\n",
    "implements:\n- PRD-0024\nstatus: Draft\n",
    "title: 'single'\nauthor: Ada Lovelace (ACME)\n",
    "a: x\n\nb: y\n",
    "status: draft\nstatus: accepted\n",
    "deps: [ a ,b,  c ]\n",
    'empty: ""\n',
]

#: Text the flat reader must leave to the loader: numbers, booleans, nulls, comments, nesting,
#: continuation lines, odd indentation, non-ASCII, CRLF, anchors, tags, documents.
NOT_FLAT = [
    "number: 42\n",
    "flag: yes\n",
    "On: x\n",
    "n: null\n",
    "n: ~\n",
    "n:\n",
    "a: x # comment\n",
    "# comment\na: x\n",
    "a:\n  b: c\n",
    "a: long\n  continued\n",
    "a:\n  - x\n    - y\n",
    "a:\n  - x\n - y\n",
    "a:\n  - 1\n",
    "a: Zoë\n",
    "a: x\r\nb: y\r\n",
    "a: &x v\nb: *x\n",
    "a: !!str 1\n",
    "---\na: x\n",
    "a: [1, 2]\n",
    "a: [x, [y]]\n",
    "a: x\n  \n",
    "a: x \n",
    "a: 1.5\n",
    "a: 0x1F\n",
    'a: "x\\ty"\n',
    "a: x: y\n",
    "title: 'It''s'\n",
    "",
    "\n",
]


@pytest.mark.parametrize("text", FLAT)
def test_flat_front_matter_reads_as_yaml_does(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    flat = frontmatter._flat(text)
    assert flat is not None
    assert flat == loaded(text, monkeypatch)


@pytest.mark.parametrize("text", NOT_FLAT)
def test_anything_else_is_left_to_the_loader(text: str) -> None:
    assert frontmatter._flat(text) is None


_TOKEN = st.sampled_from(
    [
        "a", "B", "x1", "PRD-0001", "2019-12-19", "Emeka Fischer", "yes", "No", "on", "null",
        "1", "0o7", "1_000", "1:20", ".5", "1e3", "true", "x'y", "(z)", "a/b", "v1.2", "-",
        "+1", "0", "TRUE", "Off", "~", "NULL", "x.y.z",
    ]
)  # fmt: skip
_KEY = st.sampled_from(["id", "status", "title", "on", "Yes", "null", "depends_on", "x-y", "k"])


@st.composite
def front_matter(draw: st.DrawFn) -> str:
    lines = []
    for _ in range(draw(st.integers(1, 5))):
        key = draw(_KEY)
        shape = draw(st.sampled_from(["plain", "double", "single", "flow", "block", "blank"]))
        if shape == "plain":
            lines.append(f"{key}: {draw(_TOKEN)}")
        elif shape == "double":
            lines.append(f'{key}: "{draw(_TOKEN)}"')
        elif shape == "single":
            lines.append(f"{key}: '{draw(_TOKEN)}'")
        elif shape == "flow":
            items = draw(st.lists(_TOKEN, max_size=3))
            lines.append(f"{key}: [{', '.join(items)}]")
        elif shape == "block":
            indent = " " * draw(st.integers(0, 3))
            lines.append(f"{key}:")
            lines.extend(f"{indent}- {item}" for item in draw(st.lists(_TOKEN, max_size=3)))
        else:
            lines.append("")
    return "\n".join(lines) + draw(st.sampled_from(["\n", ""]))


@settings(max_examples=400, deadline=None)
@given(front_matter())
def test_flat_reader_agrees_with_the_loader(text: str) -> None:
    flat = frontmatter._flat(text)
    if flat is None:
        return
    with pytest.MonkeyPatch.context() as patch:
        assert flat == loaded(text, patch)


def test_the_flat_readers_implicit_types_are_pyyamls():
    from tracegraph.yamlsafe import LimitedLoader

    def table(resolvers):
        return {
            first: [(tag, regexp.pattern, regexp.flags) for tag, regexp in pairs]
            for first, pairs in resolvers.items()
        }

    ours = table(frontmatter.implicit_resolvers())
    assert ours == table(LimitedLoader.yaml_implicit_resolvers)
    assert list(ours) == list(LimitedLoader.yaml_implicit_resolvers)
