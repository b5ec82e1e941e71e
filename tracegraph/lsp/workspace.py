"""The language server's index: the workspace's corpus with the editor's unsaved buffers applied,
and its findings, kept current one edit at a time.

A scan (``scan_tree``) reads the tree the way ``tracegraph check`` does, parse cache included;
it runs in a worker thread. Everything else runs on the server's event loop: an edit re-parses
one buffer, ``graph.update_corpus`` re-resolves it and ``checks.recheck`` re-runs the local
rules on the documents it touches (the graph-wide rules run in full, 30-40 ms at 1,000
documents). Nothing here imports pygls: positions are 1-based lines and columns in code points,
as in findings.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import groupby
from operator import attrgetter
from pathlib import Path
from typing import Any

from .. import api
from ..checks import recheck, run_checks
from ..config import load_config
from ..crawl import crawl, find_sidecars, read_document
from ..edit.history import Moves
from ..graph import Corpus, update_corpus
from ..model import Document, Finding, Link
from ..parse import Recogniser, Sidecar, decode, parse_document

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Tree:
    """One scan of the workspace as it is on disk, and how to parse a buffer as the scan would
    have parsed the file."""

    corpus: Corpus
    recogniser: Recogniser
    sidecars: Mapping[str, str]


def scan_tree(
    root: Path,
    config_path: Path | None = None,
    *,
    cache: bool = True,
    progress: Progress | None = None,
) -> Tree:
    """Crawl, parse (from ``.tracegraph/cache/`` when ``cache``) and build the graph of ``root``."""
    config = load_config(root, config_path)
    index = crawl(root, config)
    config = api.with_presets(root, config, index)
    wiki = api.wiki_scope(root, index.files, config)
    corpus = api.scan(root, config, index=index, cache=cache, progress=progress)
    recogniser = Recogniser.from_config(config).with_wiki_folders(wiki.paths)
    return Tree(corpus, recogniser, find_sidecars(index, config))


def finding_key(finding: Finding) -> tuple[Any, ...]:
    """Every field of a finding (``Finding`` equality ignores the message)."""
    f = finding
    return (f.path, f.line, f.column, f.code, f.severity, f.rule, f.message, f.target, f.document)


@dataclass
class Workspace:
    """The current corpus (disk plus open buffers) and its findings, grouped by file."""

    tree: Tree
    today: date
    #: What git saw move: evidence for the quick fixes (see ``actions.py``).
    moves: Moves = field(default_factory=Moves)
    corpus: Corpus = field(init=False)
    findings: list[Finding] = field(init=False)
    by_file: dict[str, tuple[Finding, ...]] = field(init=False)
    _links: dict[str, tuple[Link, ...]] | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self.corpus = self.tree.corpus
        self.findings = run_checks(self.corpus, today=self.today)
        self.by_file = _group(self.findings)

    @property
    def root(self) -> Path:
        return self.corpus.root

    def is_document(self, path: str) -> bool:
        """Whether ``path`` is a document of the graph (not excluded, not generated)."""
        return path in self.corpus.by_path

    def parse(self, path: str, text: str) -> Document:
        """A buffer's text parsed as the scan parses the file (with its sidecar from disk)."""
        limits = self.corpus.config.limits
        sidecar: Sidecar | None = None
        side = self.tree.sidecars.get(path)
        if side is not None:
            data = read_document(self.root, side, limits.max_file_bytes)
            sidecar = (side, data.data, data.error)
        return parse_document(
            path, text.encode("utf-8"), self.tree.recogniser, limits, sidecar=sidecar
        )

    def read(self, path: str) -> str | None:
        """A file's text as on disk (None when it cannot be read)."""
        data = read_document(self.root, path, self.corpus.config.limits.max_file_bytes)
        return None if data.data is None else decode(data.data)[0]

    def apply(self, texts: Mapping[str, str], today: date | None = None) -> set[str]:
        """Take the buffers' texts (path -> text) as the documents' content; return the files
        whose findings changed. Paths that are not documents of the graph are skipped."""
        docs = [self.parse(p, t) for p, t in sorted(texts.items()) if self.is_document(p)]
        if not docs:
            return set()
        try:
            update = update_corpus(self.corpus, docs)
        except KeyError:  # a buffer became tracegraph's own output: not a document any more
            log.info("a buffer is marked as generated; kept as it was on disk")
            return set()
        self.corpus = update.corpus
        self._links = None
        day = today or self.today
        if day != self.today:  # TG501/TG502 compare with today: a new day checks everything
            self.today = day
            findings = run_checks(self.corpus, today=day)
        else:
            findings = recheck(self.corpus, self.findings, update.touched, today=day)
        return self._take(findings)

    def revert(self, paths: Iterable[str]) -> set[str]:
        """Buffers closed without saving: the documents are read from disk again."""
        texts = {}
        for path in paths:
            text = self.read(path) if self.is_document(path) else None
            if text is not None:
                texts[path] = text
        return self.apply(texts)

    def _take(self, findings: list[Finding]) -> set[str]:
        before = self.by_file
        self.findings = findings
        self.by_file = _group(findings)
        return {
            path
            for path in set(before) | set(self.by_file)
            if [finding_key(f) for f in before.get(path, ())]
            != [finding_key(f) for f in self.by_file.get(path, ())]
        }

    def links_of(self, path: str) -> tuple[Link, ...]:
        """The resolved references written in document ``path``, in order."""
        if self._links is None:
            self._links = {s: tuple(g) for s, g in groupby(self.corpus.links, attrgetter("source"))}
        return self._links.get(path, ())

    def findings_in(self, path: str) -> tuple[Finding, ...]:
        """The findings located in file ``path`` (a document or a sidecar file)."""
        return self.by_file.get(path, ())

    def files_with_findings(self) -> Sequence[str]:
        return sorted(self.by_file)


def _group(findings: Iterable[Finding]) -> dict[str, tuple[Finding, ...]]:
    grouped: dict[str, list[Finding]] = {}
    for finding in findings:
        grouped.setdefault(finding.path, []).append(finding)
    return {path: tuple(items) for path, items in grouped.items()}
