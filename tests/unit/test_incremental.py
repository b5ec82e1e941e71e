"""An edit re-resolves one document and re-checks what it touches, with the same result as
scanning and checking everything again (``graph.update_corpus``, ``checks.recheck``).

Random sequences of edits (links added and removed, IDs gained, lost and duplicated, statuses,
supersessions, dependency cycles, headings renamed) are applied to sample_repo and to the real
corpora; after each, the corpus and the findings are compared with a full rebuild.
"""

from __future__ import annotations

import posixpath
from dataclasses import astuple
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import CORPORA, SAMPLE_REPO
from tracegraph import api
from tracegraph.checks import RULES_BY_CODE, recheck, run_checks
from tracegraph.graph import Corpus, build_corpus, update_corpus
from tracegraph.model import Document, Finding
from tracegraph.parse import Recogniser, parse_document

TODAY = date(2026, 11, 28)
TREES = [("sample_repo", SAMPLE_REPO)] + [
    (name, CORPORA / name) for name in ("adr-tools", "arachne", "log4brains")
]


def full(findings: list[Finding]) -> list[tuple[Any, ...]]:
    """Findings with every field (``Finding`` equality ignores the message)."""
    return [astuple(f) for f in findings]


def snapshot(corpus: Corpus) -> tuple[Any, ...]:
    """Everything a rule or a query can see, edge keys included."""
    graph = corpus.graph
    return (
        corpus.documents,
        corpus.links,
        dict(corpus.ids),
        dict(corpus.by_path),
        {n: dict(d) for n, d in graph.nodes(data=True)},
        {(u, v, k): dict(d) for u, v, k, d in graph.edges(keys=True, data=True)},
        list(graph),
        {n: sorted(graph.pred[n]) for n in graph},
        {n: sorted(graph.succ[n]) for n in graph},
    )


class Editor:
    """Re-parses edited text the way a scan parses files."""

    def __init__(self, corpus: Corpus) -> None:
        self.corpus = corpus
        wiki = api.wiki_scope(corpus.root, corpus.files, corpus.config).paths
        self.recogniser = Recogniser.from_config(corpus.config).with_wiki_folders(wiki)
        self.texts = {
            d.path: (corpus.root / d.path).read_text(encoding="utf-8", errors="replace")
            for d in corpus.documents
            if not d.sidecar
        }

    def parse(self, path: str, text: str) -> Document:
        limits = self.corpus.config.limits
        return parse_document(path, text.encode("utf-8"), self.recogniser, limits)


def relative(source: str, target: str) -> str:
    return posixpath.relpath(target, posixpath.dirname(source) or ".")


def edit(text: str, op: str, source: str, other: Document, number: int) -> str:
    """One edit of a document's text, pointing at ``other`` where it links somewhere."""
    lines = text.split("\n")
    link = relative(source, other.path)
    # The first section heading: the one "rename-heading" renames.
    slug = next((h.slug for h in other.headings if h.level == 2), "top")
    other_id = other.id or "ADR-0001"
    if op == "link":
        return f"{text}\n\nSee [the other]({link}).\n"
    if op == "anchor":
        return f"{text}\n\nSee [a section]({link}#{slug}) and [a typo]({link}#{slug}x).\n"
    if op == "mention":
        return f"{text}\n\nAs {other_id} and ADR-{9000 + number} say.\n"
    if op == "drop-line" and len(lines) > 1:
        del lines[number % len(lines)]
        return "\n".join(lines)
    if op == "rename-heading":
        for index, line in enumerate(lines):
            if line.startswith("## "):
                lines[index] = f"## Renamed {number}"
                return "\n".join(lines)
        return f"{text}\n\n## Added {number}\n"
    front = {
        "take-id": f"id: {other_id}",
        "new-id": f"id: ADR-{8000 + number}",
        "superseded": "status: superseded",
        "approved": "status: approved",
        "depends": f"depends_on: {other_id}",
        "supersedes": f"supersedes: {other_id}",
        "implements": f"implements: {link}",
    }.get(op)
    if front is None:
        return text
    if text.startswith("---\n"):
        return f"---\n{front}\n{text[4:]}"
    return f"---\n{front}\n---\n{text}"


OPS = st.sampled_from(
    [
        "link",
        "anchor",
        "mention",
        "drop-line",
        "rename-heading",
        "take-id",
        "new-id",
        "superseded",
        "approved",
        "depends",
        "supersedes",
        "implements",
    ]
)
# Edits among a few documents (a pool picked per example), so they meet: a link added to a
# document whose heading the next edit renames, an ID taken that another document mentions.
EDITS = st.lists(
    st.tuples(st.integers(0, 2), st.integers(0, 2), OPS, st.integers(0, 100)),
    min_size=1,
    max_size=8,
)


@pytest.fixture(scope="module", params=TREES, ids=[name for name, _ in TREES])
def scanned(request: pytest.FixtureRequest) -> Corpus:
    _, root = request.param
    if not root.is_dir():
        pytest.skip(f"{root} absent (the shared corpora are not here)")
    return api.scan(root)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    derandomize=True,
)
@given(edits=EDITS)
def test_edits_equal_a_full_rebuild(
    scanned: Corpus, edits: list[tuple[int, int, str, int]]
) -> None:
    editor = Editor(scanned)
    paths = sorted(editor.texts)
    corpus = scanned
    findings = run_checks(corpus, today=TODAY)
    texts = dict(editor.texts)
    for pick, other_pick, op, number in edits:
        path = paths[pick % len(paths)]
        other = corpus.documents[other_pick % len(corpus.documents)]
        texts[path] = edit(texts[path], op, path, other, number)
        before = snapshot(corpus)
        update = update_corpus(corpus, [editor.parse(path, texts[path])])
        assert snapshot(corpus) == before, "the old corpus was changed"
        rebuilt = build_corpus(corpus.root, corpus.config, update.corpus.documents, corpus.files)
        assert snapshot(update.corpus) == snapshot(rebuilt)
        assert path in update.touched
        findings = recheck(update.corpus, findings, update.touched, today=TODAY)
        assert full(findings) == full(run_checks(rebuilt, today=TODAY))
        corpus = update.corpus


CHAIN = {
    "prd/PRD-0001-p.md": "# PRD-0001: P\n\n**Status:** Approved\n\n## Problem\n",
    "rfc/RFC-0001-r.md": (
        "# RFC-0001: R\n\n**Status:** Accepted\n\n## Summary\n\n"
        "Implements [P](../prd/PRD-0001-p.md).\n\nDepends on [T](../tdd/TDD-0001-t.md).\n"
    ),
    "tdd/TDD-0001-t.md": "# TDD-0001: T\n\n**Status:** Draft\n",
    "adr/0001-a.md": (
        "# ADR-1: A\n\nStatus: superseded\n\n## Context\n\n"
        "Depends on [R](../rfc/RFC-0001-r.md#summary).\n"
    ),
    "adr/0002-b.md": "# ADR-2: B\n\nStatus: accepted\n\n## Context\n\nDepends on [A](0001-a.md).\n",
    "adr/0003-c.md": "# ADR-3: C\n\nStatus: accepted\n\nAs ADR-0009 says.\n",
}


@pytest.mark.parametrize(
    ("path", "text", "expect"),
    [
        # The heading a neighbour links to is renamed: TG102 in the neighbour.
        ("rfc/RFC-0001-r.md", "# RFC-0001: R\n\n**Status:** Accepted\n\n## Abstract\n", "TG102"),
        # The RFC becomes a note: the PRD it implemented is uncovered again (TG202).
        ("rfc/RFC-0001-r.md", "---\ntype: DOC\n---\n# R\n", "TG202"),
        # ADR-0003 supersedes ADR-0001: ADR-0002, not a neighbour of ADR-0003, cites it and
        # is now told to cite ADR-0003 instead (TG301).
        ("adr/0003-c.md", "---\nsupersedes: ADR-0001\n---\n# ADR-3: C\n", "TG301"),
        # A cycle closes; it is reported at ADR-0001, two edges away from TDD-0001 (TG203).
        ("tdd/TDD-0001-t.md", "---\ndepends_on: ADR-0002\n---\n# TDD-0001: T\n", "TG203"),
        # An ID is taken twice (TG601, ADR-0001 is no neighbour) and a mention resolves.
        ("adr/0003-c.md", "---\nid: ADR-0001\n---\n# C\n", "TG601"),
        ("adr/0002-b.md", "---\nid: ADR-0009\n---\n# B\n", "TG103"),
    ],
)
def test_an_edit_changes_findings_elsewhere_as_a_rebuild_does(
    tmp_path: Path, path: str, text: str, expect: str
) -> None:
    """The edit, then its undo: a finding elsewhere appears, then goes away again."""
    from tests.helpers import make_tree

    corpus = api.scan(make_tree(tmp_path, CHAIN))
    editor = Editor(corpus)
    findings = run_checks(corpus, today=TODAY)
    for step in (text, editor.texts[path]):
        update = update_corpus(corpus, [editor.parse(path, step)])
        after = run_checks(update.corpus, today=TODAY)
        assert full(recheck(update.corpus, findings, update.touched, today=TODAY)) == full(after)
        changed = {astuple(f) for f in findings} ^ {astuple(f) for f in after}
        assert expect in {f[3] for f in changed}
        assert any(f[0] != path for f in changed), "the edit should change another document"
        corpus, findings = update.corpus, after


def test_touched_is_the_edited_document_and_its_neighbours(tmp_path: Path) -> None:
    from tests.helpers import make_tree

    root = make_tree(
        tmp_path,
        {
            "adr/0001-a.md": "# ADR-1: A\n\nStatus: accepted\n\n## Context\n\n## Decision\n",
            "adr/0002-b.md": "# ADR-2: B\n\nStatus: accepted\n\nSee [A](0001-a.md).\n",
            "adr/0003-c.md": "# ADR-3: C\n\nStatus: accepted\n\nSee [B](0002-b.md).\n",
            "adr/0004-d.md": "# ADR-4: D\n\nStatus: accepted\n\nAs ADR-0009 says.\n",
        },
    )
    corpus = api.scan(root)
    editor = Editor(corpus)
    # ADR-0002 drops its link to ADR-0001: both ends change, ADR-0003 still links ADR-0002.
    update = update_corpus(corpus, [editor.parse("adr/0002-b.md", "# ADR-2: B\n")])
    assert update.touched == {"adr/0001-a.md", "adr/0002-b.md", "adr/0003-c.md"}
    # ADR-0001 takes the ID ADR-0009: the document that mentions it is resolved again.
    text = "---\nid: ADR-0009\n---\n# A\n"
    update = update_corpus(corpus, [editor.parse("adr/0001-a.md", text)])
    assert update.touched == {"adr/0001-a.md", "adr/0002-b.md", "adr/0004-d.md"}
    assert update.corpus.graph.has_edge("adr/0004-d.md", "adr/0001-a.md")


def test_a_new_path_needs_a_full_build(tmp_path: Path) -> None:
    from tests.helpers import make_tree

    corpus = api.scan(make_tree(tmp_path, {"a.md": "# A\n"}))
    with pytest.raises(KeyError):
        update_corpus(corpus, [Editor(corpus).parse("b.md", "# B\n")])


def test_every_rule_says_whether_it_is_local() -> None:
    # Global rules look beyond one edge: supersession chains, cycles, duplicate IDs.
    assert sorted(code for code, rule in RULES_BY_CODE.items() if not rule.local) == [
        "TG203",
        "TG204",
        "TG301",
        "TG302",
        "TG601",
        "TG701",  # architecture rules compare what every design document describes
        "TG702",
        "TG703",
    ]


def test_the_local_rules_that_read_edges_are_named() -> None:
    # Every other local rule is ``edgeless``: these read a document's edges (who cites it,
    # what rests on it, what its links' history says), so a link edit elsewhere can change
    # their findings about it.
    assert sorted(c for c, r in RULES_BY_CODE.items() if r.local and not r.edgeless) == [
        "TG201",
        "TG202",
        "TG503",
    ]
    assert not any(rule.edgeless for rule in RULES_BY_CODE.values() if not rule.local)
