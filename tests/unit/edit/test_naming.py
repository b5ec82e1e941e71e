"""Naming conventions learned from a type's documents."""

from __future__ import annotations

import pytest

from tracegraph.config import TypeSpec
from tracegraph.edit.naming import Convention, detect_convention, slugify
from tracegraph.model import Document

ADR = TypeSpec("ADR", folders=("adr",))
KEP = TypeSpec("KEP", id_width=0, paths=("keps/*/*/README.md",))


def doc(path: str, doc_id: str | None, doc_type: str = "ADR") -> Document:
    return Document(path, doc_type, doc_id, "t", None, None, (), (), (), ())


@pytest.mark.parametrize(
    ("paths", "spec", "expected"),
    [
        (["doc/adr/0001-a.md", "doc/adr/0012-b.md"], ADR, "doc/adr/0013-use-nats.md"),
        (["docs/ADR-0001-a.md", "docs/ADR-0002-b.md"], ADR, "docs/ADR-0003-use-nats.md"),
        (["adr-001-a.md", "adr-017-b.md"], ADR, "adr-018-use-nats.md"),
        (["eips/eip-1.md", "eips/eip-20.md"], ADR, "eips/eip-21.md"),
        (["d/7_use_x.md", "d/9_use_y.md"], ADR, "d/10_use_nats.md"),
        (
            [
                "keps/sig-a/127-x/README.md",
                "keps/sig-b/1287-y/README.md",
                "keps/sig-b/9-z/README.md",
            ],
            KEP,
            "keps/sig-b/1288-use-nats/README.md",
        ),
    ],
)
def test_the_next_name_follows_the_documents(paths, spec, expected):
    docs = []
    for path in paths:
        digits = "".join(
            c
            for c in path.rsplit("/", 2)[-2 if path.endswith("README.md") else -1]
            .split("-")[0]
            .split("_")[0]
            if c.isdigit()
        )
        digits = digits or "".join(c for c in path.rsplit("/", 1)[-1] if c.isdigit())
        docs.append(doc(path, f"{spec.name}-{int(digits):04d}", spec.name))
    convention = detect_convention(docs, spec, [])
    number = max(int(d.id.split("-")[1]) for d in docs if d.id) + 1
    assert convention.name_for(number, "Use NATS", "2026-11-28") == expected


def test_dated_logs_and_the_first_document_of_a_type():
    log = detect_convention([doc("docs/adr/20200924-a.md", None)], ADR, [])
    assert (
        log.dated and log.name_for(0, "Use NATS", "2026-11-28") == "docs/adr/20261128-use-nats.md"
    )
    first = detect_convention([], ADR, ["docs/prd", "docs/rfc"])
    assert first.name_for(1, "Use NATS", "x") == "docs/adr/ADR-0001-use-nats.md"
    assert "default" in first.described
    preset = detect_convention([], TypeSpec("ADR", paths=("architecture/decisions/[0-9]*.md",)), [])
    assert preset.folder == "architecture/decisions"
    assert Convention("ADR", "", "", 4, True).name_for(3, "X", "x") == "0003-x.md"


def test_slugs():
    assert slugify("Use Kafka — for the Event Stream (v2)!") == "use-kafka-for-the-event-stream-v2"
    assert slugify("日本語") == "日本語" and slugify("!!!") == "untitled"
    assert len(slugify("word " * 40)) <= 60
