"""Property tests over random documents: every byte outside the edited spans stays as it was
(encoding, byte-order mark, CRLF or LF, final newline, front-matter order and comments, code),
and the edited document reads back as intended."""

from __future__ import annotations

import codecs
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tracegraph.config import default_config
from tracegraph.edit.fix import plan_fixes
from tracegraph.edit.history import Moves
from tracegraph.edit.meta import find_status, link_to, relation_edits, status_edit
from tracegraph.edit.source import Edit, Source
from tracegraph.edit.workspace import Workspace
from tracegraph.graph import build_corpus
from tracegraph.model import Document, Finding, Relation, Severity
from tracegraph.parse import Recogniser, parse_document

CONFIG = default_config()
REC = Recogniser.from_config(CONFIG)
PATH = "docs/adr/0003-use-kafka.md"
OLD = Document(
    "docs/adr/0002-use-rabbitmq.md",
    "ADR",
    "ADR-0002",
    "Use RabbitMQ",
    "accepted",
    "Accepted",
    (),
    (),
    frozenset(),
    (),
)

words = st.text(st.sampled_from("abcdeéü ßж-–_*`#[]()!:.,\t"), min_size=0, max_size=30)
prose = st.lists(words, min_size=0, max_size=3).map(lambda ws: " ".join(ws).strip())
code_block = st.sampled_from(
    [
        "```\n## Status\n\nAccepted\n**Status:** Draft\n[x](old/in-code.md)\n```",
        "~~~markdown\nStatus: Proposed\n~~~",
        "    [indented](old/in-code.md)\n    Status: accepted",
    ]
)
paragraph = st.one_of(
    prose.filter(lambda p: p and not p.lstrip().startswith(("#", "-", "*", ">", "`", "~"))),
    code_block,
    st.just("Text with `Status: x` and `[c](old/in-code.md)` in code spans."),
    st.just("A link to [the old one](../old/gone.md) in prose."),
)
statuses = st.sampled_from(["accepted", "Accepted", "proposed", '"accepted"', "'Proposed'"])


@st.composite
def documents(draw: st.DrawFn) -> tuple[bytes, str]:
    """A random ADR in one of the conventions, encoded; and the convention's name."""
    place = draw(st.sampled_from(["front matter", "field line", "Status section"]))
    lines: list[str] = []
    if place == "front matter":
        keys = [f"status: {draw(statuses)}", "date: 2026-01-02", "# a comment", "tags: [a, b]"]
        order = draw(st.permutations(keys))
        lines += ["---", *order, "---", ""]
    lines += [f"# 3. {draw(words).strip(' #*`-') or 'Title'}", ""]
    if place == "field line":
        marker = draw(st.sampled_from(["", "- ", "* "]))
        bold = draw(st.booleans())
        key = "**Status:**" if bold else "Status:"
        lines += [
            f"{marker}{key} {draw(statuses).strip(chr(34) + chr(39))}",
            "Date: 2026-01-02",
            "",
        ]
    body = draw(st.lists(paragraph, min_size=0, max_size=4))
    if place == "Status section":
        lines += ["## Status", "", draw(statuses).strip("\"'"), ""]
    for item in body:
        lines += [item, ""]
    lines += ["## Context", "", draw(prose) or "Context.", ""]
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    text = newline.join(lines)
    if not draw(st.booleans()):
        text = text.rstrip("\r\n")
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]))
    return text.encode(encoding), place


def _workspace(root: Path, *docs: Document) -> Workspace:
    corpus = build_corpus(root, CONFIG, docs, frozenset(d.path for d in docs))
    return Workspace(corpus, REC, "2026-11-28")


def _bom(data: bytes) -> bytes:
    for bom in (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        if data.startswith(bom):
            return bom
    return b""


def _changed_region(old: bytes, new: bytes) -> tuple[int, int]:
    """(bytes kept at the start, bytes kept at the end) of ``old`` in ``new``."""
    if old == new:
        return len(old), len(old)
    prefix = 0
    while prefix < min(len(old), len(new)) and old[prefix] == new[prefix]:
        prefix += 1
    suffix = 0
    while suffix < min(len(old), len(new)) - prefix and old[-1 - suffix] == new[-1 - suffix]:
        suffix += 1
    return prefix, suffix


def _byte(src: Source, char: int) -> int:
    return len(src.bom) + len(src.text[:char].encode(src.encoding))


def _splice(src: Source, edits: list[Edit]) -> bytes:
    """The expected bytes, built independently of Source.apply: text spliced, then encoded."""
    text = src.text
    for edit in sorted(edits, reverse=True):
        text = text[: edit.start] + edit.new.replace("\n", src.newline) + text[edit.end :]
    return src.bom + text.encode(src.encoding)


@settings(max_examples=150, deadline=None)
@given(documents(), st.sampled_from(["superseded", "deprecated", "accepted", "rejected"]))
def test_a_status_edit_changes_only_the_status(doc: tuple[bytes, str], word: str) -> None:
    data, place = doc
    space = _workspace(Path("/nonexistent"))
    opened = space.opened(PATH, data)
    spot = find_status(opened)
    assert spot is not None and spot.place.value == place
    edit = status_edit(spot, word, spot.written)
    new = opened.source.apply([edit])
    prefix, suffix = _changed_region(data, new)
    assert prefix >= _byte(opened.source, edit.start)
    assert suffix >= len(data) - _byte(opened.source, edit.end)
    assert _bom(new) == _bom(data) and new == _splice(opened.source, [edit])
    again = parse_document(PATH, new, REC, CONFIG.limits)
    assert again.status == word
    assert not again.problems


@settings(max_examples=150, deadline=None)
@given(
    documents(), st.sampled_from([Relation.SUPERSEDES, Relation.IMPLEMENTS, Relation.DEPENDS_ON])
)
def test_a_link_is_added_where_it_reads_as_intended(doc: tuple[bytes, str], relation) -> None:
    data, _place = doc
    space = _workspace(Path("/nonexistent"))
    opened = space.opened(PATH, data)
    pairs = relation_edits(opened, relation, [link_to(PATH, OLD)], find_status(opened))
    assert {src.path for src, _ in pairs} == {PATH}
    edits = [e for _, e in pairs]
    new = opened.source.apply(edits)
    assert new == _splice(opened.source, edits)
    assert opened.source.text.count("\r\n") <= Source.from_bytes(PATH, new).text.count("\r\n")
    again = parse_document(PATH, new, REC, CONFIG.limits)
    assert again.status == opened.doc.status
    targets = {(r.target, r.relation) for r in again.references}
    assert ("ADR-0002", relation) in targets or ("0002-use-rabbitmq.md", relation) in targets


def _outside_code(src: Source, needle: str) -> int:
    """How many times ``needle`` stands outside code in a document."""
    count, at = 0, src.text.find(needle)
    while at >= 0:
        count += not src.in_code(at, at + len(needle))
        at = src.text.find(needle, at + 1)
    return count


PLANTED = ("old/gone.md", "old/in-code.md")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
@example(
    (b"# 3. Title\n\nStatus: accepted\n\n## Context\n\n[](:) [x](../old/gone.md)", "field line")
)
def test_fix_rewrites_links_outside_code_only(doc: tuple[bytes, str]) -> None:
    data, _place = doc
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for rel, text in (
            (PATH, data),
            ("docs/new/gone.md", b"# Gone\n"),
            ("docs/new/in-code.md", b"# In code\n"),
        ):
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_bytes(text)
        docs = [
            parse_document(rel, (root / rel).read_bytes(), REC, CONFIG.limits)
            for rel in (PATH, "docs/new/gone.md", "docs/new/in-code.md")
        ]
        space = _workspace(root, *docs)
        broken = [
            Finding(
                PATH,
                link.reference.line,
                link.reference.column,
                "TG101",
                Severity.ERROR,
                "broken-link",
                "x",
            )
            for link in space.corpus.links
            # the planted links; random prose may hold other broken ones, such as ``[](:)``
            if link.status.value == "missing" and link.reference.target.endswith(PLANTED)
        ]
        plan = plan_fixes(space, broken, Moves((("docs/old/gone.md", "docs/new/gone.md"),)))
    src = Source.from_bytes(PATH, data)
    assert all(r.applied for r in plan.repairs) and len(plan.repairs) == len(broken)
    new = Source.from_bytes(PATH, plan.changes[0].after) if plan.changes else src
    assert (new.bom, new.encoding, new.newline) == (src.bom, src.encoding, src.newline)
    gone, in_code = "](../old/gone.md)", "](old/in-code.md)"
    assert new.text.count("](../new/gone.md)") == _outside_code(src, gone)
    assert new.text.count(in_code) == src.text.count(in_code) - _outside_code(src, in_code)
    assert new.text.count("](../new/in-code.md)") == _outside_code(src, in_code)
    rest = src.text.replace(gone, "](G)").replace(in_code, "](C)")
    assert (
        new.text.replace("](../new/gone.md)", "](G)")
        .replace(in_code, "](C)")
        .replace("](../new/in-code.md)", "](C)")
        == rest
    )
