"""``tracegraph lsp``: the language server over stdio, on pygls.

The one module that speaks the Language Server Protocol. It keeps a ``Workspace`` (the index,
see ``workspace.py``) current: the first scan runs in a worker thread with ``$/progress``
notifications; an edit is applied after a debounce, from the unsaved buffer; a save, a file
created or deleted, or a config change rescans in the background. Answers come from
``navigate.py``; this module converts between code points and the client's position encoding
and between tracegraph's values and LSP's.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from lsprotocol import types as lsp
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path
from pygls.workspace import TextDocument

from .. import __version__
from ..config import CONFIG_NAMES
from ..errors import TracegraphError
from ..model import Finding, Link, Severity, Target
from ..safetext import neutralise
from . import Settings, actions, navigate
from .navigate import Place
from .workspace import Workspace, finding_key, scan_tree

log = logging.getLogger(__name__)

SEVERITIES = {
    Severity.ERROR: lsp.DiagnosticSeverity.Error,
    Severity.WARNING: lsp.DiagnosticSeverity.Warning,
    Severity.INFO: lsp.DiagnosticSeverity.Information,
}
COMPLETION_KINDS = {
    "document": lsp.CompletionItemKind.Reference,
    "heading": lsp.CompletionItemKind.Reference,
    "file": lsp.CompletionItemKind.File,
}
#: Files whose change on disk means scanning again (a new document, a config change).
WATCHED = (
    "**/*.md",
    "**/*.markdown",
    "**/pyproject.toml",
    "**/kep.yaml",
    *(f"**/{name}" for name in CONFIG_NAMES),
)


@dataclass(frozen=True)
class Cursor:
    """A request's position: the index, the document, its lines, line and column (code
    points) and the reference written there, if any."""

    space: Workspace
    path: str
    lines: Sequence[str]
    line: int
    column: int
    link: Link | None


class TracegraphServer(LanguageServer):
    """The server's state: the index and what the client was last told."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(
            "tracegraph", __version__, text_document_sync_kind=lsp.TextDocumentSyncKind.Incremental
        )
        self.settings = settings
        self.root: Path = settings.root or Path.cwd()
        self.space: Workspace | None = None
        self.pending: dict[str, asyncio.Task[None]] = {}
        self.dirty: set[str] = set()
        self.published: dict[str, list[tuple[Any, ...]]] = {}
        self.scanning: asyncio.Task[None] | None = None
        self.rescan = False
        self.progress_tokens = 0
        self.disk_lines: dict[str, tuple[tuple[int, int], list[str]]] = {}

    # --- paths and positions ------------------------------------------------------------------

    def path_of(self, uri: str) -> str | None:
        """The root-relative POSIX path of a ``file:`` URI inside the root, else None."""
        fs = to_fs_path(uri)
        if fs is None:
            return None
        try:
            return Path(fs).resolve().relative_to(self.root.resolve()).as_posix()
        except (ValueError, OSError):
            return None

    def uri_of(self, path: str) -> str:
        return from_fs_path(str(self.root.resolve() / path)) or f"file://{self.root / path}"

    def open_document(self, path: str) -> TextDocument | None:
        uri = self.uri_of(path)
        found: TextDocument | None = self.workspace.text_documents.get(uri)
        return found

    def lines(self, path: str) -> Sequence[str]:
        """A file's lines without line ends: the open buffer, else the file on disk."""
        doc = self.open_document(path)
        if doc is not None:
            return [line.rstrip("\r\n") for line in doc.lines]
        full = self.root / path
        try:
            st = full.stat()
        except OSError:
            return []
        key = (st.st_size, st.st_mtime_ns)
        cached = self.disk_lines.get(path)
        if cached is not None and cached[0] == key:
            return cached[1]
        text = self.space.read(path) if self.space is not None else None
        lines = (text or "").splitlines()
        if len(self.disk_lines) > 512:
            self.disk_lines.clear()
        self.disk_lines[path] = (key, lines)
        return lines

    def units(self, line: str, column: int) -> int:
        """A code-point column as the client counts it (UTF-16 units unless agreed otherwise)."""
        return int(self.workspace.position_codec.client_num_units(line[:column]))

    def to_range(self, place: Place) -> lsp.Range:
        lines = self.lines(place.path)
        end_line = place.end_line if place.end_line is not None else place.line

        def position(line: int, column: int) -> lsp.Position:
            text = lines[line] if 0 <= line < len(lines) else ""
            return lsp.Position(max(line, 0), self.units(text, min(column, len(text))))

        return lsp.Range(position(place.line, place.start), position(end_line, place.end))

    def whole(self, path: str, before: str, after: str) -> lsp.TextEdit:
        """An edit replacing a file's whole text ``before`` by ``after``."""
        lines = before.split("\n")
        end = lsp.Position(len(lines) - 1, self.units(lines[-1], len(lines[-1])))
        return lsp.TextEdit(range=lsp.Range(lsp.Position(0, 0), end), new_text=after)

    def location(self, place: Place) -> lsp.Location:
        return lsp.Location(self.uri_of(place.path), self.to_range(place))

    def cursor(self, uri: str, position: lsp.Position) -> Cursor | None:
        """Where a request points, with the reference written there, once every changed
        buffer is applied (None before the first scan)."""
        self.flush()
        if self.space is None:
            return None
        doc = self.workspace.get_text_document(uri)
        server = doc.position_from_client_units(position)
        path = self.path_of(uri) or ""
        lines = [line.rstrip("\r\n") for line in doc.lines]
        link = navigate.link_at(self.space.links_of(path), lines, server.line, server.character)
        return Cursor(self.space, path, lines, server.line, server.character, link)

    # --- the index ----------------------------------------------------------------------------

    def open_texts(self) -> dict[str, str]:
        texts = {}
        for uri, doc in self.workspace.text_documents.items():
            path = self.path_of(uri)
            if path is not None:
                texts[path] = doc.source
        return texts

    async def scan(self) -> None:
        """Scan the tree in a worker thread (with progress), then take the open buffers on
        top and publish; a rescan asked for meanwhile runs right after."""
        while True:
            self.rescan = False
            await self.scan_once()
            if not self.rescan:
                return

    async def scan_once(self) -> None:
        loop = asyncio.get_running_loop()
        token = await self.begin_progress()
        last = 0.0

        def progress(done: int, total: int) -> None:
            nonlocal last
            now = time.monotonic()
            if token is None or (done < total and now - last < 0.2):
                return
            last = now
            report = lsp.WorkDoneProgressReport(
                message=f"parsed {done:,}/{total:,} files",
                percentage=int(100 * done / total) if total else 100,
            )
            loop.call_soon_threadsafe(self.work_done_progress.report, token, report)

        try:
            space = await loop.run_in_executor(None, self.build, progress)
        except TracegraphError as exc:
            self.end_progress(token, "failed")
            message = f"tracegraph: {exc}"
            self.window_show_message(lsp.ShowMessageParams(lsp.MessageType.Error, message))
            log.error("%s", message)
            return
        self.space = space
        self.dirty.clear()
        space.apply(self.open_texts(), today=date.today())
        self.disk_lines.clear()
        # The index lives as long as the server: keep the cyclic garbage collector from
        # walking its millions of objects on every full collection (pauses of 100 ms and
        # more while the user types). Edits create little garbage, freed by reference counts;
        # a rescan unfreezes first, so cycles of the previous index are collected.
        gc.unfreeze()
        gc.collect()
        gc.freeze()
        docs, count = len(space.corpus.documents), len(space.findings)
        self.end_progress(token, f"{docs:,} documents, {count:,} findings")
        self.publish_all()

    def build(self, progress: Callable[[int, int], None]) -> Workspace:
        tree = scan_tree(
            self.root, self.settings.config_path, cache=self.settings.cache, progress=progress
        )
        return Workspace(tree, date.today(), actions.renames(self.root))

    def request_scan(self) -> None:
        if self.scanning is not None and not self.scanning.done():
            self.rescan = True
            return
        self.scanning = asyncio.ensure_future(self.scan())

    async def begin_progress(self) -> str | None:
        window = self.client_capabilities.window
        if window is None or not window.work_done_progress:
            return None
        self.progress_tokens += 1
        token = f"tracegraph-index-{self.progress_tokens}"
        try:
            await self.work_done_progress.create_async(token)
        except Exception:
            return None
        self.work_done_progress.begin(
            token,
            lsp.WorkDoneProgressBegin(
                title="tracegraph: indexing", message=f"{self.root}", percentage=0
            ),
        )
        return token

    def end_progress(self, token: str | None, message: str) -> None:
        if token is not None:
            self.work_done_progress.end(token, lsp.WorkDoneProgressEnd(message=message))

    def schedule(self, path: str, delay: float) -> None:
        """Apply the buffer of ``path`` after ``delay`` seconds without a further change."""
        self.dirty.add(path)
        old = self.pending.pop(path, None)
        if old is not None:
            old.cancel()
        self.pending[path] = asyncio.ensure_future(self._after(path, delay))

    async def _after(self, path: str, delay: float) -> None:
        await asyncio.sleep(delay)
        self.pending.pop(path, None)
        self.flush()

    def flush(self) -> None:
        """Apply every buffer changed since it was last applied, and publish what changed."""
        if self.space is None or not self.dirty:
            return
        for task in self.pending.values():
            task.cancel()
        self.pending.clear()
        texts = self.open_texts()
        edited = {p: texts[p] for p in self.dirty if p in texts}
        self.dirty.clear()
        started = time.perf_counter()
        changed = self.space.apply(edited, today=date.today())
        self.publish(changed | set(edited), only_open=True)
        took = 1000 * (time.perf_counter() - started)
        log.debug("applied %d buffer(s) in %.1f ms", len(edited), took)

    # --- diagnostics --------------------------------------------------------------------------

    def diagnostics(self, path: str) -> list[lsp.Diagnostic]:
        assert self.space is not None
        findings = self.space.findings_in(path)
        if not findings:
            return []
        lines = self.lines(path)
        owner = self.owner_of(path)
        links = self.space.links_of(owner)
        out = []
        for finding in findings:
            out.append(self.diagnostic(finding, lines, links))
        return out

    def owner_of(self, path: str) -> str:
        """The document a file belongs to: itself, or the document of a sidecar file."""
        assert self.space is not None
        if path in self.space.corpus.by_path:
            return path
        for sidecar_owner, sidecar in self.space.tree.sidecars.items():
            if sidecar == path:
                return sidecar_owner
        return path

    def diagnostic(
        self, finding: Finding, lines: Sequence[str], links: Iterable[Link]
    ) -> lsp.Diagnostic:
        line = finding.line - 1
        text = lines[line] if 0 <= line < len(lines) else ""
        start, end = navigate.finding_span(text, finding, links)
        place = Place(finding.path, line, start, end)
        return lsp.Diagnostic(
            range=self.to_range(place),
            message=neutralise(finding.message),
            severity=SEVERITIES[finding.severity],
            code=finding.code,
            code_description=lsp.CodeDescription(href=navigate.rule_href(finding.code)),
            source="tracegraph",
            data={"rule": finding.rule},
        )

    def publish(self, paths: Iterable[str], only_open: bool = False) -> None:
        """Send the diagnostics of ``paths`` that differ from what the client has."""
        if self.space is None:
            return
        opened = set(self.open_texts())
        for path in sorted(set(paths)):
            if only_open and path not in opened:
                continue
            findings = [finding_key(f) for f in self.space.findings_in(path)]
            previous = self.published.get(path)
            if previous == findings or (previous is None and not findings and path not in opened):
                continue  # the client has these already, or has never been told of the file
            self.published[path] = findings
            self.text_document_publish_diagnostics(
                lsp.PublishDiagnosticsParams(
                    uri=self.uri_of(path), diagnostics=self.diagnostics(path)
                )
            )

    def publish_all(self) -> None:
        """Diagnostics for the workspace (or, in "open" mode, the open documents)."""
        if self.space is None:
            return
        every = set(self.published) | set(self.space.files_with_findings()) | set(self.open_texts())
        self.publish(every, only_open=self.settings.diagnostics == "open")


def _markdown(value: str) -> lsp.MarkupContent:
    return lsp.MarkupContent(kind=lsp.MarkupKind.Markdown, value=value)


def create_server(settings: Settings) -> TracegraphServer:
    """A server with every feature registered (not started)."""
    server = TracegraphServer(settings)

    @server.feature(lsp.INITIALIZE)
    def initialize(params: lsp.InitializeParams) -> None:
        if settings.root is None:
            folders = params.workspace_folders or []
            uri = folders[0].uri if folders else params.root_uri
            fs = to_fs_path(uri) if uri else params.root_path
            if fs:
                server.root = Path(fs)
        options = params.initialization_options
        if isinstance(options, dict):
            if options.get("diagnostics") in ("workspace", "open"):
                settings.diagnostics = str(options["diagnostics"])
            if isinstance(options.get("debounce"), int | float):
                settings.debounce = max(0.0, float(options["debounce"]) / 1000)

    @server.feature(lsp.INITIALIZED)
    def initialized(params: lsp.InitializedParams) -> None:
        caps = server.client_capabilities.workspace
        watch = caps.did_change_watched_files if caps is not None else None
        if watch is not None and watch.dynamic_registration:
            watchers = [lsp.FileSystemWatcher(glob_pattern=g) for g in WATCHED]
            options = lsp.DidChangeWatchedFilesRegistrationOptions(watchers=watchers)
            registration = lsp.Registration(
                "tracegraph-files", lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES, options
            )
            server.client_register_capability(lsp.RegistrationParams([registration]))
        server.request_scan()

    @server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
    def did_open(params: lsp.DidOpenTextDocumentParams) -> None:
        path = server.path_of(params.text_document.uri)
        if path is None or server.space is None:
            return
        if server.space.is_document(path) and params.text_document.text != server.space.read(path):
            server.schedule(path, 0.0)
        else:
            server.publish([path])

    @server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(params: lsp.DidChangeTextDocumentParams) -> None:
        path = server.path_of(params.text_document.uri)
        if path is not None:
            server.schedule(path, settings.debounce)

    @server.feature(lsp.TEXT_DOCUMENT_DID_SAVE)
    def did_save(params: lsp.DidSaveTextDocumentParams) -> None:
        path = server.path_of(params.text_document.uri)
        if path is None or server.space is None:
            return
        server.disk_lines.pop(path, None)
        name = path.rpartition("/")[2]
        config = name in CONFIG_NAMES or name == "pyproject.toml"
        new = path.endswith((".md", ".markdown")) and not server.space.is_document(path)
        if config or (new and path not in server.space.corpus.files):
            server.request_scan()  # a config change, or a new document: the listing changed
            return
        server.dirty.add(path)
        server.flush()
        server.publish_all()

    @server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(params: lsp.DidCloseTextDocumentParams) -> None:
        path = server.path_of(params.text_document.uri)
        if path is None or server.space is None:
            return
        task = server.pending.pop(path, None)
        if task is not None:
            task.cancel()
        server.dirty.discard(path)
        changed = server.space.revert([path])
        if settings.diagnostics == "open":
            server.published.pop(path, None)
            server.text_document_publish_diagnostics(
                lsp.PublishDiagnosticsParams(uri=params.text_document.uri, diagnostics=[])
            )
        else:
            server.publish(changed)

    @server.feature(lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def did_change_files(params: lsp.DidChangeWatchedFilesParams) -> None:
        if server.space is None:
            return
        opened = set(server.open_texts())
        changed: list[str] = []
        for event in params.changes:
            path = server.path_of(event.uri)
            if path is None:
                continue
            server.disk_lines.pop(path, None)
            known = server.space.is_document(path)
            if event.type is not lsp.FileChangeType.Changed or not known:
                server.request_scan()
                return
            if path not in opened:
                changed.append(path)
        if changed:
            server.publish(server.space.revert(changed))

    @server.feature(lsp.TEXT_DOCUMENT_HOVER)
    def hover(params: lsp.HoverParams) -> lsp.Hover | None:
        at = server.cursor(params.text_document.uri, params.position)
        if at is None or at.link is None:
            return None
        start, end = navigate.reference_span(at.lines[at.line], at.link.reference)
        span = server.to_range(Place(at.path, at.line, start, end))
        link, corpus = at.link, at.space.corpus
        target = link.path if link.status in (Target.DOCUMENT, Target.SELF) else None
        if target is not None and target in corpus.by_path:
            text = navigate.hover_card(corpus, target, at.space.findings_in(target))
            return lsp.Hover(contents=_markdown(text), range=span)
        return lsp.Hover(contents=_markdown(navigate.hover_unresolved(link)), range=span)

    @server.feature(lsp.TEXT_DOCUMENT_DEFINITION)
    def definition(params: lsp.DefinitionParams) -> lsp.Location | None:
        at = server.cursor(params.text_document.uri, params.position)
        if at is None or at.link is None:
            return None
        place = navigate.definition(at.space.corpus, at.link)
        if place is None:
            return None
        target_lines = server.lines(place.path)
        width = len(target_lines[place.line]) if place.line < len(target_lines) else 0
        return server.location(Place(place.path, place.line, 0, width))

    @server.feature(lsp.TEXT_DOCUMENT_REFERENCES)
    def references(params: lsp.ReferenceParams) -> list[lsp.Location]:
        at = server.cursor(params.text_document.uri, params.position)
        if at is None:
            return []
        space, path, link = at.space, at.path, at.link
        target = path
        if link is not None and link.status is Target.DOCUMENT and link.path is not None:
            target = link.path
        if target not in space.corpus.by_path:
            return []
        places = navigate.references_to(space.corpus, target, server.lines, space.links_of)
        if params.context.include_declaration:
            title = navigate.heading_line(space.corpus.by_path[target], None)
            target_lines = server.lines(target)
            width = len(target_lines[title]) if title < len(target_lines) else 0
            places.insert(0, Place(target, title, 0, width))
        return [server.location(p) for p in places]

    @server.feature(
        lsp.TEXT_DOCUMENT_COMPLETION,
        lsp.CompletionOptions(trigger_characters=["-", "[", "#", "(", "/"]),
    )
    def completion(params: lsp.CompletionParams) -> lsp.CompletionList:
        at = server.cursor(params.text_document.uri, params.position)
        if at is None:
            return lsp.CompletionList(is_incomplete=False, items=[])
        space, path, lines, line, column = at.space, at.path, at.lines, at.line, at.column
        text = lines[line] if line < len(lines) else ""
        items = []
        for cand in navigate.completions(space.corpus, path, text[:column]):
            edit_range = server.to_range(Place(path, line, cand.start, column))
            items.append(
                lsp.CompletionItem(
                    label=cand.label,
                    kind=COMPLETION_KINDS[cand.kind],
                    detail=cand.detail,
                    sort_text=cand.sort,
                    filter_text=cand.insert,
                    text_edit=lsp.TextEdit(range=edit_range, new_text=cand.insert),
                )
            )
        return lsp.CompletionList(is_incomplete=False, items=items)

    @server.feature(
        lsp.TEXT_DOCUMENT_CODE_ACTION,
        lsp.CodeActionOptions(code_action_kinds=[lsp.CodeActionKind.QuickFix]),
    )
    def code_action(params: lsp.CodeActionParams) -> list[lsp.CodeAction]:
        """The repairs ``tracegraph fix`` would make for the findings in the range."""
        server.flush()
        space = server.space
        uri = params.text_document.uri
        path = server.path_of(uri)
        if space is None or path is None:
            return []
        first, last = params.range.start.line, params.range.end.line
        findings = [f for f in space.findings_in(path) if first <= f.line - 1 <= last]
        document = server.open_document(path)
        text = document.source if document is not None else space.read(path)
        if not findings or text is None:
            return []
        sent = {(d.range.start.line, str(d.code)): d for d in params.context.diagnostics}
        lines, links = server.lines(path), space.links_of(path)

        def action(
            title: str, finding: Finding, changes: dict[str, list[lsp.TextEdit]], preferred: bool
        ) -> lsp.CodeAction:
            diagnostic = sent.get((finding.line - 1, finding.code))
            return lsp.CodeAction(
                title=title,
                kind=lsp.CodeActionKind.QuickFix,
                diagnostics=[diagnostic or server.diagnostic(finding, lines, links)],
                is_preferred=preferred or None,
                edit=lsp.WorkspaceEdit(changes=changes),
            )

        out = []
        corpus, recogniser = space.corpus, space.tree.recogniser
        for fix in actions.quick_fixes(
            corpus, recogniser, space.moves, {path: text}, findings, links
        ):
            place = Place(path, fix.line, fix.start, fix.end, fix.end_line)
            edit = lsp.TextEdit(range=server.to_range(place), new_text=fix.text)
            out.append(action(fix.title, fix.finding, {uri: [edit]}, fix.preferred))
        for rewrite in actions.lifecycle_rewrites(
            corpus, recogniser, server.open_texts(), findings
        ):
            changes = {
                server.uri_of(file): [server.whole(file, before, after)]
                for file, before, after in rewrite.files
            }
            out.append(action(rewrite.title, rewrite.finding, changes, False))
        return out

    @server.feature(lsp.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    def document_symbol(params: lsp.DocumentSymbolParams) -> list[lsp.DocumentSymbol]:
        server.flush()
        space = server.space
        path = server.path_of(params.text_document.uri)
        if space is None or path is None or path not in space.corpus.by_path:
            return []
        lines = server.lines(path)

        def symbol(section: navigate.Section) -> lsp.DocumentSymbol:
            end_line = min(section.end_line, max(len(lines) - 1, 0))
            width = len(lines[end_line]) if end_line < len(lines) else 0
            heading = len(lines[section.line]) if section.line < len(lines) else 0
            return lsp.DocumentSymbol(
                name=section.name or "(empty heading)",
                kind=lsp.SymbolKind.String,
                detail="#" * section.level,
                range=server.to_range(Place(path, section.line, 0, width, end_line)),
                selection_range=server.to_range(Place(path, section.line, 0, heading)),
                children=[symbol(child) for child in section.children],
            )

        return [symbol(s) for s in navigate.outline(space.corpus.by_path[path], len(lines))]

    @server.feature(lsp.WORKSPACE_SYMBOL)
    def workspace_symbol(params: lsp.WorkspaceSymbolParams) -> list[lsp.WorkspaceSymbol]:
        space = server.space
        if space is None:
            return []
        out = []
        for doc in navigate.matching_documents(space.corpus, params.query):
            title = navigate.heading_line(doc, None)
            out.append(
                lsp.WorkspaceSymbol(
                    name=f"{doc.name} {doc.short_title}" if doc.id else doc.short_title,
                    kind=lsp.SymbolKind.File,
                    location=server.location(Place(doc.path, title)),
                    container_name=doc.type,
                )
            )
        return out

    return server


def serve(settings: Settings) -> None:
    """Run the language server on stdin/stdout until the client says exit.

    The protocol streams are private copies of file descriptors 0 and 1, and ``sys.stdin`` and
    ``sys.stdout`` point elsewhere: a parse worker forked while the reader thread waits on
    stdin would otherwise block for ever on the stream lock that thread holds (multiprocessing
    closes ``sys.stdin`` in every child), and a stray print cannot corrupt the protocol.
    """
    reader = os.fdopen(os.dup(sys.stdin.fileno()), "rb")
    writer = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    sys.stdin = open(os.devnull, encoding="utf-8")  # noqa: SIM115  (for the process's life)
    sys.stdout = sys.stderr
    create_server(settings).start_io(reader, writer)
