"""Property: ``parse_document`` never raises, and every line/column it reports is in the file."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracegraph.config import Limits, load_config
from tracegraph.model import Document
from tracegraph.parse import Recogniser, parse_document

RECOGNISER = Recogniser.from_config(load_config(Path("/nonexistent-tracegraph-root")))
LIMITS = Limits(max_front_matter_bytes=2_000, max_yaml_aliases=5, max_references_per_file=40)

words = st.text(
    alphabet=st.sampled_from(
        [
            *"abcXYZ019 -_#*[]()<>!`~|:/\\.%\"'{}&;=",
            *("\t", "\u00e9", "\u4e2d", "\U0001f600", "\u2028", "\x0c", "\x1c", "\x00", "\x01"),
            "\ufeff",
        ]
    ),
    max_size=30,
)
ids = st.sampled_from(["ADR-7", "adr-0007", "RFC-12", "TDD-0031", "PRD-2", "RFC 7231", "X-1"])
targets = st.one_of(
    words,
    ids,
    st.sampled_from(
        [
            "../../etc/passwd",
            "/etc/passwd",
            "file:///etc/passwd",
            "javascript:alert(1)",
            "..%2f..%2fx",
            "a.md#frag",
            "#heading",
            "..\\..\\x",
            "https://example.com/a b",
            "",
        ]
    ),
)
eol = st.sampled_from(["\n", "\r\n", "\r"])

fragments = st.one_of(
    st.builds(lambda n, t: "#" * n + " " + t, st.integers(1, 7), words),
    st.builds(lambda t, u: f"[{t}]({u})", words, targets),
    st.builds(lambda t, u: f"![{t}]({u})", words, targets),
    st.builds(lambda t, u: f"[{t}]: {u}", words, targets),
    st.builds(lambda u: f"<{u}>", targets),
    st.builds(lambda u: f"[[{u}]]", targets),
    st.builds(lambda i: f"See {i} and {i}.", ids),
    st.builds(lambda f, t: f"{f}\n{t}\n{f}", st.sampled_from(["```", "~~~", "````"]), words),
    st.just("```"),
    st.builds(lambda t: f"- [ ] {t} due: 2020-01-01", words),
    st.just("## Open Questions"),
    st.just("## Status"),
    st.just("## Related Documents"),
    st.just("## Downstream Impact"),
    st.builds(lambda t: f"**Status:** {t}", words),
    st.builds(lambda t: f"> {t}", words),
    st.builds(lambda n, t: "  " * n + "- " + t, st.integers(0, 6), words),
    st.sampled_from(["[Date]", "TBD", "TODO", "[Name]", "<!-- tracegraph: ignore TG201 -->"]),
    st.sampled_from(
        ['<a name="x"></a>', "<div id='y'>", "| a | b |\n|---|---|\n| [l](x.md) | c |"]
    ),
    words,
)

front_matter = st.one_of(
    st.just(""),
    st.builds(
        lambda body: f"---\n{body}\n---\n",
        st.one_of(
            words,
            st.sampled_from(
                [
                    "id: ADR-0007\nstatus: accepted\nsupersedes: [ADR-1, RFC-2]",
                    "a: &a [1]\nb: [*a, *a, *a, *a, *a, *a]",
                    "x: !!python/object:os.system {}",
                    "- a\n- b",
                    "k: v\nk: w",
                    "date: 2024-02-30",
                    "implements:\n  - PRD-1\n  - ../x.md",
                    "[unclosed",
                    "self: &s [*s]",
                ]
            ),
        ),
    ),
    st.just("---\nid: ADR-1\n"),  # never closed
)


@st.composite
def documents(draw: st.DrawFn) -> bytes:
    parts = draw(st.lists(fragments, max_size=25))
    sep = draw(eol)
    text = draw(front_matter) + "\n\n".join(parts)
    text = text.replace("\n", sep) if sep != "\n" else text
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-8", "utf-8-sig", "utf-16"]))
    data = text.encode(encoding, "surrogatepass")
    if draw(st.booleans()):
        junk = draw(st.binary(max_size=8))
        at = draw(st.integers(0, len(data)))
        data = data[:at] + junk + data[at:]
    return data


def assert_positions_inside(doc: Document) -> None:
    last = doc.line_count
    assert last >= 1
    for ref in doc.references:
        assert 1 <= ref.line <= last and ref.column >= 1, ref
    for heading in doc.headings:
        assert 1 <= heading.line <= last, heading
    for placeholder in doc.placeholders:
        assert 1 <= placeholder.line <= last and placeholder.column >= 1, placeholder
    for question in doc.questions:
        assert 1 <= question.line <= last, question
    for problem in doc.problems:
        assert 1 <= problem.line <= last and problem.column >= 1, problem
    for key, line in doc.metadata_lines:
        assert 1 <= line <= last, (key, line)
    assert 1 <= doc.status_line <= last


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_generated_markdown_never_raises_and_positions_are_inside(data: bytes) -> None:
    doc = parse_document("docs/adr/0007-x.md", data, RECOGNISER, LIMITS)
    assert_positions_inside(doc)
    assert len(doc.references) <= LIMITS.max_references_per_file


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400))
def test_arbitrary_bytes_never_raise(data: bytes) -> None:
    assert_positions_inside(parse_document("x.md", data, RECOGNISER, LIMITS))
