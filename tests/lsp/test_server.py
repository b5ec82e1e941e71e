"""``tracegraph lsp`` end to end: a real LSP client (pytest-lsp's ``LanguageClient``) starts
the server over stdio on a copy of sample_repo, or of a real corpus, and talks to it as an
editor does.

The client runs on an event loop of its own thread: the test session may already hold a
running loop in the main thread (the browser tests' playwright), which pytest-asyncio's
fixtures cannot share.
"""

from __future__ import annotations

import asyncio
import shutil
import sys
import threading
import time
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from lsprotocol import types as lsp
from pytest_lsp import LanguageClient, client_capabilities, make_test_lsp_client

from tests.conftest import CORPORA, SAMPLE_REPO
from tracegraph import HOMEPAGE, api

SERVER = [sys.executable, "-m", "tracegraph", "lsp", "--debounce", "50"]
TDD2 = "docs/tdd/TDD-0002-webhook-delivery-service.md"
ADR2 = "docs/adr/0002-use-rabbitmq-as-the-event-bus.md"
ONBOARDING = "docs/onboarding.md"
T = TypeVar("T")


class Editor:
    """A language client session on ``root``: the server started, initialised as VS Code,
    and indexed."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.registrations: list[str] = []
        self.versions: dict[str, int] = {}
        self.client: LanguageClient = self.run(self._start())
        self.wait_for(self.indexed)

    async def _start(self) -> LanguageClient:
        client = make_test_lsp_client()

        @client.feature(lsp.CLIENT_REGISTER_CAPABILITY)
        def register(params: lsp.RegistrationParams) -> None:
            self.registrations += [r.method for r in params.registrations]

        await client.start_io(*SERVER)
        await client.initialize_session(
            lsp.InitializeParams(
                capabilities=client_capabilities("visual-studio-code"),
                root_uri=self.root.as_uri(),
                workspace_folders=[lsp.WorkspaceFolder(self.root.as_uri(), self.root.name)],
            )
        )
        return client

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 60) -> T:
        """Run a coroutine on the client's loop and return its result."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def send(self, notify: Callable[[Any], None], params: Any) -> None:
        """Send a notification from the client's loop."""

        async def call() -> None:
            notify(params)

        self.run(call())

    def close(self) -> None:
        self.run(self.client.shutdown_session())
        self.run(self.client.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()

    def wait_for(self, check: Callable[[], object], timeout: float = 30.0) -> None:
        """Poll until ``check()`` is true (the server answers with notifications)."""
        deadline = time.monotonic() + timeout
        while not check():
            if time.monotonic() > deadline:
                raise AssertionError("timed out waiting for the server")
            time.sleep(0.02)

    def indexed(self) -> bool:
        return any(
            isinstance(value, lsp.WorkDoneProgressEnd)
            for values in list(self.client.progress_reports.values())
            for value in values
        )

    def uri(self, path: str) -> str:
        return (self.root / path).as_uri()

    def path(self, uri: str) -> str:
        return uri.removeprefix(self.root.as_uri() + "/")

    def doc(self, path: str) -> lsp.TextDocumentIdentifier:
        return lsp.TextDocumentIdentifier(self.uri(path))

    def open(self, path: str) -> str:
        text = (self.root / path).read_text(encoding="utf-8")
        self.versions[path] = 1
        item = lsp.TextDocumentItem(self.uri(path), "markdown", 1, text)
        self.send(self.client.text_document_did_open, lsp.DidOpenTextDocumentParams(item))
        return text

    def change(self, path: str, change: Any) -> None:
        self.versions[path] += 1
        version = lsp.VersionedTextDocumentIdentifier(self.versions[path], self.uri(path))
        params = lsp.DidChangeTextDocumentParams(version, [change])
        self.send(self.client.text_document_did_change, params)

    def replace(self, path: str, start: lsp.Position, end: lsp.Position, text: str) -> None:
        """Type ``text`` over a range (an incremental change, as editors send)."""
        self.change(path, lsp.TextDocumentContentChangePartial(lsp.Range(start, end), text))

    def insert(self, path: str, at: lsp.Position, text: str) -> None:
        self.replace(path, at, at, text)

    def replace_all(self, path: str, text: str) -> None:
        self.change(path, lsp.TextDocumentContentChangeWholeDocument(text=text))

    def diagnostics(self, path: str) -> list[lsp.Diagnostic]:
        return list(self.client.diagnostics.get(self.uri(path), []))

    def codes(self, path: str) -> list[tuple[str, int]]:
        return sorted((str(d.code), d.range.start.line) for d in self.diagnostics(path))

    def hover(self, path: str, line: int, column: int) -> lsp.Hover | None:
        params = lsp.HoverParams(self.doc(path), lsp.Position(line, column))
        return self.run(self.client.text_document_hover_async(params))

    def hover_text(self, path: str, line: int, column: int) -> str:
        hover = self.hover(path, line, column)
        assert hover is not None and isinstance(hover.contents, lsp.MarkupContent)
        return hover.contents.value

    def definition(self, path: str, line: int, column: int) -> tuple[str, int] | None:
        params = lsp.DefinitionParams(self.doc(path), lsp.Position(line, column))
        found = self.run(self.client.text_document_definition_async(params))
        if found is None:
            return None
        assert isinstance(found, lsp.Location)
        return self.path(found.uri), found.range.start.line

    def references(self, path: str, line: int, column: int) -> list[tuple[str, int]]:
        params = lsp.ReferenceParams(
            text_document=self.doc(path),
            position=lsp.Position(line, column),
            context=lsp.ReferenceContext(include_declaration=False),
        )
        found = self.run(self.client.text_document_references_async(params)) or []
        return [(self.path(loc.uri), loc.range.start.line) for loc in found]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return Path(shutil.copytree(SAMPLE_REPO, tmp_path / "repo"))


@pytest.fixture
def arachne(tmp_path: Path) -> Path:
    source = CORPORA / "arachne"
    if not source.is_dir():
        pytest.skip(f"{source} absent (the shared corpora are not here)")
    return Path(shutil.copytree(source, tmp_path / "arachne"))


@pytest.fixture
def editor(repo: Path) -> Iterator[Editor]:
    session = Editor(repo)
    yield session
    session.close()


@pytest.fixture
def corpus_editor(arachne: Path) -> Iterator[Editor]:
    session = Editor(arachne)
    yield session
    session.close()


# --- diagnostics ------------------------------------------------------------------------------


def test_indexing_reports_progress_then_the_workspace_findings(editor: Editor, repo: Path) -> None:
    (values,) = editor.client.progress_reports.values()
    assert isinstance(values[0], lsp.WorkDoneProgressBegin)
    assert values[0].title == "tracegraph: indexing"
    assert any(isinstance(v, lsp.WorkDoneProgressReport) for v in values)
    corpus = api.scan(repo)
    findings = api.check(corpus)
    assert values[-1].message == f"{len(corpus.documents)} documents, {len(findings)} findings"
    # Every file with a finding, each finding once, with its code, severity and rule link.
    expected = sorted((f.path, f.line, f.code) for f in findings)

    def published() -> list[tuple[str, int, str]]:
        diagnostics = list(editor.client.diagnostics.items())
        return sorted(
            (editor.path(u), d.range.start.line + 1, str(d.code))
            for u, ds in diagnostics
            for d in ds
        )

    editor.wait_for(lambda: len(published()) >= len(expected))
    assert published() == expected
    (anchor,) = editor.diagnostics(ONBOARDING)
    assert anchor.code == "TG102"
    assert anchor.severity == lsp.DiagnosticSeverity.Error
    assert anchor.source == "tracegraph"
    assert anchor.code_description is not None
    assert anchor.code_description.href == f"{HOMEPAGE}#tg102"
    line = (repo / ONBOARDING).read_text().splitlines()[anchor.range.start.line]
    start, end = anchor.range.start.character, anchor.range.end.character
    assert line[start:end] == "[retry policy](tdd/TDD-0002-webhook-delivery-service.md#retry-polcy)"
    assert editor.registrations == [lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES]


def test_a_broken_link_typed_into_a_buffer_appears_and_disappears_when_fixed(
    editor: Editor, repo: Path
) -> None:
    path = "docs/adr/0003-store-tracking-events-in-partitioned-postgres.md"
    text = editor.open(path)
    end = len(text.splitlines())
    editor.wait_for(lambda: editor.uri(path) in editor.client.diagnostics)
    before = editor.codes(path)
    editor.insert(path, lsp.Position(end, 0), "\nSee [the runbook](../ops/runbok.md).\n")
    editor.wait_for(lambda: ("TG101", end + 1) in editor.codes(path))
    (broken,) = [d for d in editor.diagnostics(path) if d.code == "TG101"]
    assert broken.range == lsp.Range(lsp.Position(end + 1, 4), lsp.Position(end + 1, 35))
    assert "../ops/runbok.md does not exist" in broken.message
    assert (repo / path).read_text() == text  # the unsaved buffer, not the file
    # Fixed: the link now points at an existing document.
    new = "0001-record-architecture-decisions.md"
    editor.replace(path, lsp.Position(end + 1, 18), lsp.Position(end + 1, 34), new)
    editor.wait_for(lambda: editor.codes(path) == before)


def test_ranges_count_utf16_units(editor: Editor) -> None:
    path = "docs/glossary.md"
    end = len(editor.open(path).splitlines())
    # VS Code counts UTF-16 units: the rocket is two, so the link starts at 7, not 6.
    editor.insert(path, lsp.Position(end, 0), "\n🚀 See [x](nope.md) ok\n")
    editor.wait_for(lambda: ("TG101", end + 1) in editor.codes(path))
    (broken,) = [d for d in editor.diagnostics(path) if d.code == "TG101"]
    assert broken.range == lsp.Range(lsp.Position(end + 1, 7), lsp.Position(end + 1, 19))
    assert "nope.md: no such file" in editor.hover_text(path, end + 1, 8)


def test_an_edit_updates_the_findings_of_other_open_documents(editor: Editor) -> None:
    editor.open(ONBOARDING)
    text = editor.open(TDD2)
    editor.wait_for(lambda: ("TG102", 16) in editor.codes(ONBOARDING))
    # TDD-0002 gets the heading the onboarding page links to: its TG102 goes away.
    editor.replace_all(TDD2, text + "\n## Retry polcy\n")
    editor.wait_for(lambda: editor.codes(ONBOARDING) == [])


def test_a_new_document_joins_the_graph_when_saved(editor: Editor, repo: Path) -> None:
    path = "docs/adr/0008-new-decision.md"
    text = "# 8. New decision\n\nSee [ADR-0002](0002-use-rabbitmq-as-the-event-bus.md).\n"
    (repo / path).write_text(text)
    editor.open(path)
    editor.send(
        editor.client.text_document_did_save, lsp.DidSaveTextDocumentParams(editor.doc(path))
    )
    editor.wait_for(lambda: len(editor.client.progress_reports) == 2)
    # ADR-0002 is superseded: the new decision cites it (TG301), at its link on line 3.
    editor.wait_for(lambda: ("TG301", 2) in editor.codes(path))


def test_a_large_first_index_parses_in_worker_processes(tmp_path: Path) -> None:
    """From 400 files on, parsing forks worker processes while the server's reader thread waits
    on stdin: the server must keep its protocol streams out of the children's way."""
    root = tmp_path / "large"
    for number in range(1, 451):
        path = root / "adr" / f"{number:04d}-decision-{number}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        previous = f"See [ADR-{number - 1}]({number - 1:04d}-decision-{number - 1}.md).\n"
        path.write_text(f"# {number}. Decision {number}\n\n{previous if number > 1 else ''}")
    session = Editor(root)
    try:
        (values,) = session.client.progress_reports.values()
        assert values[-1].message.startswith("450 documents")
        assert any("parsed" in (v.message or "") for v in values[1:-1])
    finally:
        session.close()


# --- navigation -------------------------------------------------------------------------------


def test_definition_of_a_link_a_mention_and_a_front_matter_value(
    editor: Editor, repo: Path
) -> None:
    rfc3 = "docs/rfc/RFC-0003-notification-channel-routing.md"
    rfc4 = "docs/rfc/RFC-0004-recipient-preferences.md"
    tdd1 = "docs/tdd/TDD-0001-tracking-api-and-event-ingestion.md"
    adr4 = "docs/adr/0004-sign-webhook-payloads-with-hmac-sha256.md"
    onboarding = editor.open(ONBOARDING).splitlines()
    tdd2 = editor.open(TDD2).splitlines()
    assert editor.open(rfc3).splitlines()[8] == "depends_on: [RFC-0004]"
    corpus = api.scan(repo)

    def title(path: str) -> tuple[str, int]:
        heading = next(h for h in corpus.by_path[path].headings if h.level == 1)
        return path, heading.line - 1

    # A link with a fragment: the heading; a link without: the title.
    at = next(n for n, line in enumerate(onboarding) if "[API design]" in line)
    api_design = next(h for h in corpus.by_path[tdd1].headings if h.slug == "api-design")
    column = onboarding[at].index("API design")
    assert editor.definition(ONBOARDING, at, column) == (tdd1, api_design.line - 1)
    assert editor.definition(TDD2, 10, 10) == title(ADR2)
    # A bare ID in prose (TDD-0002 mentions ADR-0004 on line 143).
    assert editor.definition(TDD2, 142, tdd2[142].index("ADR-0004") + 3) == title(adr4)
    # A front-matter relation value.
    assert editor.definition(rfc3, 8, 14) == title(rfc4)
    # Prose, and a link inside a code block, lead nowhere.
    assert editor.definition(ONBOARDING, 0, 3) is None
    code = onboarding.index("See [x](missing.md) for the decision.")
    assert editor.definition(ONBOARDING, code, 6) is None


def test_hover_shows_the_card_and_what_rests_on_what(editor: Editor) -> None:
    editor.open(TDD2)
    hover = editor.hover(TDD2, 10, 12)
    assert hover is not None and isinstance(hover.contents, lsp.MarkupContent)
    text = hover.contents.value
    assert text.startswith("**ADR-0002** · ADR · superseded\n\nUse RabbitMQ as the event bus\n")
    # Upstream: RFC-0001 (and PRD-0001 through it); downstream: ADR-0005 and TDD-0002 directly,
    # 7 in all (tracegraph impact ADR-0002).
    assert "rests on 1 document (2 in all) · 2 documents rest on it (7 in all)" in text
    assert "- superseded by: ADR-0005" in text
    assert hover.range == lsp.Range(lsp.Position(10, 8), lsp.Position(10, 64))
    # Prose is no reference.
    assert editor.hover(TDD2, 0, 3) is None


def test_references_list_every_link_and_the_impact(editor: Editor, repo: Path) -> None:
    editor.open(TDD2)
    places = editor.references(TDD2, 10, 12)
    corpus = api.scan(repo)
    linking = {
        (link.source, link.reference.line - 1)
        for link in corpus.links
        if link.path == ADR2 and link.source != ADR2
    }
    assert linking <= set(places)
    # Beyond the direct links: where TDD-0003 declares it rests on TDD-0002, and a page citing
    # TDD-0002 (what tracegraph impact ADR-0002 lists at depth 2).
    assert ("docs/tdd/TDD-0003-notification-routing-service.md", 272) in places
    assert ("docs/architecture.md", 10) in places
    assert len(places) == len(set(places))


def test_completion_of_ids_wikilinks_paths_and_headings(editor: Editor) -> None:
    path = "docs/adr/0006-use-utc-timestamps-in-public-apis.md"
    text = editor.open(path)
    end = len(text.splitlines())

    def complete(typed: str) -> list[lsp.CompletionItem]:
        editor.insert(path, lsp.Position(end, 0), f"\n{typed}")
        params = lsp.CompletionParams(editor.doc(path), lsp.Position(end + 1, len(typed)))
        result = editor.run(editor.client.text_document_completion_async(params))
        assert isinstance(result, lsp.CompletionList)
        editor.replace_all(path, text)
        return list(result.items)

    ids = complete("See ADR-")
    assert [i.label for i in ids] == [f"ADR-000{n}" for n in range(1, 8)]
    assert isinstance(ids[0].text_edit, lsp.TextEdit)
    assert ids[0].text_edit.range.start.character == 4
    assert "superseded" in (ids[1].detail or "")
    wiki = [i.label for i in complete("[[TDD")]
    assert "TDD-0002" in wiki and "docs/glossary.md" in wiki
    paths = complete("[x](../tdd/")
    assert "../tdd/TDD-0002-webhook-delivery-service.md" in [i.label for i in paths]
    headings = complete("[x](../tdd/TDD-0002-webhook-delivery-service.md#ret")
    assert "retry-policy" in [i.text_edit.new_text for i in headings if i.text_edit]
    own = complete("[x](#")
    assert [i.label for i in own][:2] == ["6. Use UTC timestamps in public APIs", "Status"]


def test_code_action_makes_the_repair_of_tracegraph_fix(editor: Editor) -> None:
    text = editor.open(ONBOARDING)
    editor.wait_for(lambda: ("TG102", 16) in editor.codes(ONBOARDING))
    (diagnostic,) = editor.diagnostics(ONBOARDING)
    params = lsp.CodeActionParams(
        editor.doc(ONBOARDING), diagnostic.range, lsp.CodeActionContext(diagnostics=[diagnostic])
    )
    actions = editor.run(editor.client.text_document_code_action_async(params))
    assert actions is not None
    (action,) = actions
    assert isinstance(action, lsp.CodeAction)
    target = "tdd/TDD-0002-webhook-delivery-service.md#retry-polcy"
    fixed = "tdd/TDD-0002-webhook-delivery-service.md#retry-policy"
    assert action.title == f"Fix TG102: {target} -> {fixed} (the closest heading)"
    assert action.kind == lsp.CodeActionKind.QuickFix
    assert action.is_preferred
    assert list(action.diagnostics or []) == [diagnostic]
    assert action.edit is not None and action.edit.changes is not None
    (edit,) = action.edit.changes[editor.uri(ONBOARDING)]
    line = text.splitlines()[16]
    assert line[edit.range.start.character : edit.range.end.character] == target
    assert edit.new_text == fixed
    # Applied, the finding goes away.
    editor.replace(ONBOARDING, edit.range.start, edit.range.end, edit.new_text)
    editor.wait_for(lambda: editor.codes(ONBOARDING) == [])


def test_code_action_records_a_supersession_in_both_documents(editor: Editor, repo: Path) -> None:
    path = "docs/adr/0006-use-utc-timestamps-in-public-apis.md"
    old = "docs/adr/0001-record-architecture-decisions.md"
    text = editor.open(path)
    # Typed under the status, unsaved: ADR-0006 supersedes ADR-0001, which does not say so.
    editor.insert(
        path, lsp.Position(9, 0), "\nSupersedes [ADR-0001](0001-record-architecture-decisions.md)\n"
    )
    editor.wait_for(lambda: ("TG204", 10) in editor.codes(path))
    (diagnostic,) = [d for d in editor.diagnostics(path) if d.code == "TG204"]
    params = lsp.CodeActionParams(
        editor.doc(path), diagnostic.range, lsp.CodeActionContext(diagnostics=[diagnostic])
    )
    actions = editor.run(editor.client.text_document_code_action_async(params)) or []
    (action,) = [a for a in actions if isinstance(a, lsp.CodeAction) and "supersede" in a.title]
    assert action.title == "Record that ADR-0006 supersedes ADR-0001 in both (tracegraph supersede)"
    assert action.edit is not None and action.edit.changes is not None
    (edit,) = action.edit.changes[editor.uri(old)]
    before = (repo / old).read_text()
    assert edit.range.start == lsp.Position(0, 0)
    assert edit.range.end == lsp.Position(len(before.split("\n")) - 1, len(before.split("\n")[-1]))
    assert "Superseded by [ADR-0006](0006-use-utc-timestamps-in-public-apis.md)" in edit.new_text
    assert (repo / path).read_text() == text  # nothing was written: the editor applies it


def test_document_and_workspace_symbols(editor: Editor) -> None:
    editor.open(TDD2)
    params = lsp.DocumentSymbolParams(editor.doc(TDD2))
    symbols = editor.run(editor.client.text_document_document_symbol_async(params))
    assert symbols is not None
    (title,) = symbols
    assert isinstance(title, lsp.DocumentSymbol)
    assert title.name == "Technical Design Document (TDD): Webhook Delivery Service"
    sections = title.children or []
    assert [c.name for c in sections][:3] == ["Overview", "System Architecture", "API Design"]
    assert next(c.name for c in sections[0].children or []) == "Problem Statement"
    query = lsp.WorkspaceSymbolParams(query="webhook")
    found = editor.run(editor.client.workspace_symbol_async(query))
    assert found is not None
    assert sorted(s.name for s in found) == [
        "ADR-0004 Sign webhook payloads with HMAC-SHA256",
        "RFC-0002 Webhook delivery",
        "TDD-0002 Webhook Delivery Service",
    ]


# --- a real corpus ----------------------------------------------------------------------------


def test_a_real_corpus(corpus_editor: Editor, arachne: Path) -> None:
    editor = corpus_editor
    path = "adr-003-config-implementation.md"
    text = editor.open(path)
    line = next(
        n for n, row in enumerate(text.splitlines()) if row.startswith("[ADR-002](adr-002-")
    )
    assert editor.definition(path, line, 3) == ("adr-002-configuration.md", 0)
    assert editor.hover_text(path, line, 3).startswith("**ADR-0002** · ADR")
    corpus = api.scan(arachne)
    linking = {
        (link.source, link.reference.line - 1)
        for link in corpus.links
        if link.path == "adr-002-configuration.md"
    }
    assert linking and linking <= set(editor.references(path, line, 3))
    # A broken link typed, then removed.
    editor.insert(path, lsp.Position(line, 0), "[gone](adr-099-nothing.md) ")
    editor.wait_for(lambda: ("TG101", line) in editor.codes(path))
    editor.replace_all(path, text)
    editor.wait_for(lambda: ("TG101", line) not in editor.codes(path))
