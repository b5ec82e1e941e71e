"""What the editor asks, answered without a client: spans of references, completion contexts,
repairs, the outline (``tracegraph.lsp.navigate``), and the ``tracegraph lsp`` command."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Mapping
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from tracegraph import api
from tracegraph.cli import cli
from tracegraph.lsp import actions, navigate
from tracegraph.lsp.workspace import Workspace, scan_tree
from tracegraph.model import Reference, RefKind, Relation

Tree = Callable[[Mapping[str, str | bytes]], Path]


def span(line: str, kind: RefKind, target: str, column: int) -> str:
    start, end = navigate.reference_span(
        line, Reference(kind, target, Relation.REFERENCES, 1, column)
    )
    return line[start:end]


def test_reference_spans() -> None:
    assert span("See [a (b)](x_(y).md) now", RefKind.LINK, "x_(y).md", 5) == "[a (b)](x_(y).md)"
    assert span("![alt](i.png).", RefKind.IMAGE, "i.png", 1) == "![alt](i.png)"
    assert span("[ref][label] and", RefKind.LINK, "r.md", 1) == "[ref][label]"
    assert span("[collapsed] and", RefKind.LINK, "r.md", 1) == "[collapsed]"
    assert span("x <https://a.b/c> y", RefKind.AUTOLINK, "https://a.b/c", 3) == "<https://a.b/c>"
    assert span("x www.a.org/p. y", RefKind.AUTOLINK, "http://www.a.org/p", 3) == "www.a.org/p"
    assert span("as ADR-0007, and", RefKind.MENTION, "ADR-0007", 4) == "ADR-0007"
    assert span("see RFC #123.", RefKind.MENTION, "RFC-0123", 5) == "RFC #123"
    assert span("depends_on: [ADR-1, RFC-2]", RefKind.METADATA, "ADR-0001", 14) == "ADR-1"
    assert span("[[Notes#a|label]] x", RefKind.WIKILINK, "Notes#a", 1) == "[[Notes#a|label]]"
    # Unclosed link text spanning lines: the rest of the line.
    assert span("[text that goes on", RefKind.LINK, "x.md", 1) == "[text"


def test_completion_contexts(tree: Tree) -> None:
    root = tree(
        {
            "adr/0001-a.md": "# ADR-1: First\n\nStatus: accepted\n\n## Context\n\n## Context\n",
            "adr/0002-b.md": "# ADR-2: Second\n\nStatus: proposed\n",
            "rfc/RFC-0001-r.md": "# RFC-0001: R\n",
        }
    )
    corpus = api.scan(root)

    def labels(before: str) -> list[str]:
        return [c.label for c in navigate.completions(corpus, "adr/0002-b.md", before)]

    assert labels("As adr-") == ["ADR-0001", "ADR-0002"]
    assert labels("As RFC-00") == ["RFC-0001"]
    assert labels("A word-") == []  # not a type
    assert labels("path/ADR-") == []  # part of a path, not an ID
    assert labels("[[") == ["ADR-0001", "ADR-0002", "RFC-0001"]
    assert labels("[x](") == ["0001-a.md", "../rfc/RFC-0001-r.md"]
    # Headings of the linked file, repeated slugs once (GitHub numbers the second one).
    headings = navigate.completions(corpus, "adr/0002-b.md", "[x](0001-a.md#co")
    assert [(c.label, c.insert, c.start) for c in headings] == [
        ("ADR-1: First", "adr-1-first", 14),
        ("Context", "context", 14),
        ("Context", "context-1", 14),
    ]
    assert [c.insert for c in navigate.completions(corpus, "adr/0002-b.md", "[[ADR-0001#")][
        1
    ] == "context"
    assert navigate.completions(corpus, "adr/0002-b.md", "[x](nope.md#") == []


def test_quick_fixes_are_the_repairs_of_tracegraph_fix(tree: Tree) -> None:
    root = tree(
        {
            "a.md": "# A\n\n## Retry policy\n",
            "c.md": "# C\n\n## Retry policy\n\n## Retry policies\n",
            "b.md": "# B\n\n[1](a.md#retry-polcy), [2](aa.md#top), [3](c.md#retry-polcy).\n",
        }
    )
    space = Workspace(scan_tree(root, cache=False), date.today())
    text = (root / "b.md").read_text() + "\n"  # the buffer, unsaved
    fixes = actions.quick_fixes(
        space.corpus,
        space.tree.recogniser,
        actions.Moves(),
        {"b.md": text},
        space.findings_in("b.md"),
        space.links_of("b.md"),
    )
    line = text.splitlines()[2]
    found = [(f.title, line[f.start : f.end], f.text, f.preferred) for f in fixes]
    assert found == [
        (
            "Fix TG102: a.md#retry-polcy -> a.md#retry-policy (the closest heading)",
            "a.md#retry-polcy",
            "a.md#retry-policy",
            True,
        ),
        # What tracegraph fix does not apply is offered, not preferred: a spelling guess...
        ("Did you mean a.md#top?", "aa.md#top", "a.md#top", False),
        # ... and two close headings.
        ("Did you mean c.md#retry-policy?", "c.md#retry-polcy", "c.md#retry-policy", False),
        ("Did you mean c.md#retry-policies?", "c.md#retry-polcy", "c.md#retry-policies", False),
    ]


def test_outline_nests_sections() -> None:
    from tracegraph.model import Document, Heading

    headings = (
        Heading(1, "T", "t", 1),
        Heading(2, "A", "a", 3),
        Heading(3, "A1", "a1", 5),
        Heading(2, "B", "b", 8),
    )
    doc = Document("x.md", "DOC", None, "T", None, None, (), headings, frozenset(), ())
    (top,) = navigate.outline(doc, 10)
    assert (top.name, top.line, top.end_line) == ("T", 0, 9)
    a, b = top.children
    assert (a.name, a.end_line, [c.name for c in a.children]) == ("A", 6, ["A1"])
    assert (b.name, b.line, b.end_line) == ("B", 7, 9)


def test_hover_text_is_escaped_markdown(tree: Tree) -> None:
    title = "<img src=x onerror=alert(1)> [a](javascript:x)"
    root = tree({"adr/0001-x.md": f"---\ntitle: '{title}'\nstatus: '*bold*'\n---\n# X\n"})
    corpus = api.scan(root)
    text = navigate.hover_card(corpus, "adr/0001-x.md")
    # Markdown punctuation from the document is backslash-escaped (only the card's own
    # ``**ID**`` is bold): no tag or link of the document's survives.
    assert not re.search(r"(?<!\\)[<\[]", text)
    assert "\\<img src=x onerror=alert(1)\\> \\[a\\](javascript:x)" in text


def test_the_command_says_how_to_install_pygls_when_it_is_missing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in [
        m for m in sys.modules if m.startswith(("pygls", "lsprotocol", "tracegraph.lsp.server"))
    ]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "pygls", None)
    result = CliRunner().invoke(cli, ["lsp"])
    assert result.exit_code == 2
    assert "tracegraph lsp needs pygls" in result.stderr
    assert "tracegraph[lsp]" in result.stderr


def test_the_command_is_documented() -> None:
    result = CliRunner().invoke(cli, ["lsp", "--help"])
    assert result.exit_code == 0
    for option in ("-C, --root", "--config", "--debounce", "--diagnostics", "--no-cache"):
        assert option in result.output


def test_the_readme_shows_how_to_set_up_each_editor() -> None:
    import json
    import tomllib

    from tests.conftest import PROJECT

    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## In the editor", 1)[1].split("\n## ", 1)[0]
    blocks = dict(re.findall(r"```(json|lua|toml)\n(.*?)```", section, re.DOTALL))
    vscode = json.loads(blocks["json"])
    assert [vscode["glspc.server.command"], *vscode["glspc.server.commandArguments"]] == [
        "tracegraph",
        "lsp",
    ]
    helix = tomllib.loads(blocks["toml"])
    assert helix["language-server"]["tracegraph"] == {"command": "tracegraph", "args": ["lsp"]}
    assert "tracegraph" in helix["language"][0]["language-servers"]
    assert 'cmd = { "tracegraph", "lsp" }' in blocks["lua"] and "vim.lsp.start(" in blocks["lua"]
    for option in ("--debounce", "--diagnostics open", "--no-cache", "-C DIR", "--config FILE"):
        assert option in section
    assert "](docs/lsp-neovim.png)" in section and (PROJECT / "docs/lsp-neovim.png").is_file()


def test_supersede_and_status_actions_plan_on_the_buffers(tree: Tree) -> None:
    root = tree(
        {
            "adr/0001-old.md": "# 1. Old\n\n## Status\n\nAccepted\n\n## Context\n\nx\n",
            "adr/0002-new.md": "# 2. New\n\n## Status\n\nAccepted\n\n## Context\n\nx\n",
            "adr/0003-odd.md": "# 3. Odd\n\n## Status\n\nWip\n\n## Context\n\nSee ADR-0001.\n",
        }
    )
    space = Workspace(scan_tree(root, cache=False), date.today())
    # The buffer of ADR-0002 says it supersedes ADR-0001 (not saved yet).
    text = "# 2. New\n\n## Status\n\nAccepted\n\nSupersedes [ADR-0001](0001-old.md)\n"
    space.apply({"adr/0002-new.md": text})
    texts = {"adr/0002-new.md": text}

    def rewrites(path: str) -> list[actions.Rewrite]:
        findings = space.findings_in(path)
        return actions.lifecycle_rewrites(space.corpus, space.tree.recogniser, texts, findings)

    (record,) = rewrites("adr/0002-new.md")
    assert record.title == "Record that ADR-0002 supersedes ADR-0001 in both (tracegraph supersede)"
    assert record.finding.code == "TG204"
    changed = {path: after for path, _before, after in record.files}
    assert "Superseded by [ADR-0002](0002-new.md)" in changed["adr/0001-old.md"]
    statuses = rewrites("adr/0003-odd.md")
    assert [r.title for r in statuses][:2] == [
        "Set the status to proposed (tracegraph status)",
        "Set the status to accepted (tracegraph status)",
    ]
    ((path, before, after),) = statuses[1].files
    assert (path, before) == ("adr/0003-odd.md", (root / "adr/0003-odd.md").read_text())
    assert "\nAccepted\n" in after and "Wip" not in after


def test_definition_and_hover_of_a_wikilink_in_a_notes_tree(tree: Tree) -> None:
    root = tree(
        {
            "notes/.obsidian/app.json": "{}",
            "notes/ADR-0001-cache.md": "# ADR-1: Cache\n\n## Why\n",
            "notes/daily.md": "# Daily\n\nRead [[ADR-0001-cache#Why|the cache]] today.\n",
        }
    )
    space = Workspace(scan_tree(root, cache=False), date.today())
    lines = (root / "notes/daily.md").read_text().splitlines()
    link = navigate.link_at(space.links_of("notes/daily.md"), lines, 2, lines[2].index("cache"))
    assert link is not None and link.reference.kind.value == "wikilink"
    assert navigate.definition(space.corpus, link) == navigate.Place("notes/ADR-0001-cache.md", 2)
    card = navigate.hover_card(space.corpus, "notes/ADR-0001-cache.md")
    assert card.startswith("**ADR-0001** · ADR")
    assert "rests on 0 documents (0 in all) · 1 document rests on it (1 in all)" in card
