#!/usr/bin/env python3
"""How soon an editor sees diagnostics after an edit: ``tracegraph lsp`` on a generated workspace.

Usage::

    python bench/lsp_latency.py                    # 1,000 documents, 40 edits, debounce 200 ms
    python bench/lsp_latency.py --docs 3000 --edits 60 --debounce 100

Generates a corpus with ``bench/generate.py`` (in a temporary folder), starts the server over
stdio with pygls's client (announcing VS Code's capabilities, from pytest-lsp's record of
them), waits for the first index, opens an ADR, then types: each edit inserts or removes a
broken link with an incremental ``didChange``, and the time until the ``publishDiagnostics``
that shows (or clears) the TG101 at that line is measured. The figure is that time minus the
debounce: what the server adds after the user stops typing (JSON-RPC both ways, parsing the
buffer, re-resolving it, re-checking what it touches). For comparison the same edit is applied
in-process twice: incrementally (``update_corpus`` + ``recheck``, what the server does) and by
rebuilding the graph and re-running every rule. Figures, not assertions: see bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from lsprotocol import types as lsp  # noqa: E402
from pygls.lsp.client import LanguageClient  # noqa: E402
from pytest_lsp import client_capabilities  # noqa: E402

from tracegraph.checks import recheck, run_checks  # noqa: E402
from tracegraph.graph import build_corpus, update_corpus  # noqa: E402
from tracegraph.lsp.workspace import Workspace, scan_tree  # noqa: E402

BUDGET_MS = 300.0


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def measure(root: Path, path: str, edits: int, debounce_ms: int) -> tuple[float, list[float]]:
    """(seconds to the first index, per-edit latency in ms beyond the debounce)."""
    client = LanguageClient("lsp-latency", "1")
    arrived: dict[str, asyncio.Event] = {}
    seen: list[tuple[float, list[lsp.Diagnostic]]] = []
    uri = (root / path).as_uri()

    @client.feature(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def published(params: lsp.PublishDiagnosticsParams) -> None:
        if params.uri == uri:
            seen.append((time.perf_counter(), list(params.diagnostics)))
            arrived.setdefault("edit", asyncio.Event()).set()

    @client.feature(lsp.CLIENT_REGISTER_CAPABILITY)
    def register(params: lsp.RegistrationParams) -> None:
        return None

    @client.feature(lsp.PROGRESS)
    def progress(params: lsp.ProgressParams) -> None:
        if isinstance(params.value, lsp.WorkDoneProgressEnd) or (
            isinstance(params.value, dict) and params.value.get("kind") == "end"
        ):
            arrived.setdefault("indexed", asyncio.Event()).set()

    @client.feature(lsp.WINDOW_WORK_DONE_PROGRESS_CREATE)
    def create(params: lsp.WorkDoneProgressCreateParams) -> None:
        return None

    command = [sys.executable, "-m", "tracegraph", "lsp", "--debounce", str(debounce_ms)]
    await client.start_io(*command)
    started = time.perf_counter()
    await client.initialize_async(
        lsp.InitializeParams(
            capabilities=client_capabilities("visual-studio-code"), root_uri=root.as_uri()
        )
    )
    client.initialized(lsp.InitializedParams())
    await asyncio.wait_for(arrived.setdefault("indexed", asyncio.Event()).wait(), 600)
    indexed = time.perf_counter() - started
    text = (root / path).read_text(encoding="utf-8")
    line = len(text.splitlines())
    client.text_document_did_open(
        lsp.DidOpenTextDocumentParams(lsp.TextDocumentItem(uri, "markdown", 1, text))
    )
    await asyncio.sleep(1.0)
    latencies = []
    inserted = "See [the runbook](../ops/runbook-missing.md).\n"
    for number in range(edits):
        adding = number % 2 == 0
        at = lsp.Position(line, 0)
        change = lsp.TextDocumentContentChangePartial(
            range=lsp.Range(at, at if adding else lsp.Position(line + 1, 0)),
            text=inserted if adding else "",
        )
        seen.clear()
        event = arrived["edit"] = asyncio.Event()
        sent = time.perf_counter()
        client.text_document_did_change(
            lsp.DidChangeTextDocumentParams(
                lsp.VersionedTextDocumentIdentifier(version=number + 2, uri=uri), [change]
            )
        )
        while True:
            await asyncio.wait_for(event.wait(), 30)
            event.clear()
            when, diagnostics = seen[-1]
            shown = any(d.code == "TG101" and d.range.start.line == line for d in diagnostics)
            if shown == adding:
                break
        latencies.append(1000 * (when - sent) - debounce_ms)
        await asyncio.sleep(0.05)
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()
    return indexed, latencies


def in_process(root: Path, path: str, rounds: int) -> tuple[float, float]:
    """Median ms of one edit applied incrementally, and by rebuilding and re-checking all."""
    space = Workspace(scan_tree(root), date.today())
    corpus = space.corpus
    text = (root / path).read_text(encoding="utf-8") + "See [x](../ops/runbook-missing.md).\n"
    doc = space.parse(path, text)
    incremental, full = [], []
    for _ in range(rounds):
        started = time.perf_counter()
        update = update_corpus(corpus, [space.parse(path, text)])
        recheck(update.corpus, space.findings, update.touched, today=space.today)
        incremental.append(time.perf_counter() - started)
        started = time.perf_counter()
        documents = [doc if d.path == path else d for d in corpus.documents]
        rebuilt = build_corpus(root, corpus.config, documents, corpus.files)
        run_checks(rebuilt, today=space.today)
        full.append(time.perf_counter() - started)
    return 1000 * statistics.median(incremental), 1000 * statistics.median(full)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--edits", type=int, default=40)
    parser.add_argument("--debounce", type=int, default=200, help="milliseconds")
    parser.add_argument("--rounds", type=int, default=9, help="in-process repetitions")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tg-lsp-bench-") as tmp:
        root = Path(tmp) / "corpus"
        subprocess.run(
            [
                sys.executable,
                str(HERE / "generate.py"),
                "--docs",
                str(args.docs),
                "--out",
                str(root),
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        adrs = sorted(p.relative_to(root).as_posix() for p in root.glob("**/docs/adr/*.md"))
        path = adrs[len(adrs) // 2]
        indexed, latencies = asyncio.run(measure(root, path, args.edits, args.debounce))
        incremental, full = in_process(root, path, args.rounds)
    median = statistics.median(latencies)
    print(f"workspace: {args.docs:,} generated documents; edited {path}")
    print(f"first index (cold parse cache), as the client saw it: {indexed:.1f} s")
    print(
        f"diagnostics after an edit, beyond the {args.debounce} ms debounce "
        f"({args.edits} edits): median {median:.0f} ms, 90th percentile "
        f"{percentile(latencies, 0.9):.0f} ms, worst {max(latencies):.0f} ms"
    )
    print(f"  median / {BUDGET_MS:.0f} ms budget: {median / BUDGET_MS:.2f}")
    print(
        f"one edit in-process: incremental {incremental:.0f} ms, full rebuild and re-check "
        f"{full:.0f} ms (ratio {full / incremental:.1f}x)"
    )


if __name__ == "__main__":
    main()
