"""The scanned repository as the write commands see it: documents opened from disk, and the
repository as it will be once the planned changes are written (to check them before)."""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from ..checks import is_template_file
from ..graph import Corpus, build_corpus
from ..model import Document
from ..parse import Recogniser, parse_document
from ..repository import KnownAddresses
from .changes import FileChange
from .meta import Opened
from .source import EditError, Source


def records(corpus: Corpus, type_name: str) -> list[Document]:
    """The documents of a type, in path order, without its templates (``template.md``,
    ``0000-template.md``, a ``*-template`` folder, the configured ``template:`` file): they
    are not records to number, index or learn from."""
    configured = frozenset(
        posixpath.normpath(spec.template) for spec in corpus.config.types if spec.template
    )
    return [
        d
        for d in corpus.documents
        if d.type == type_name and not is_template_file(d.path, configured)
    ]


@dataclass(frozen=True)
class Workspace:
    """A scanned repository, the recogniser it was parsed with (wiki folders included), and
    the date the commands write (``YYYY-MM-DD``)."""

    corpus: Corpus
    recogniser: Recogniser
    today: str

    @property
    def root(self) -> Path:
        """The repository root."""
        return self.corpus.root

    def find(self, query: str) -> Document:
        """A document by ID (any spelling) or path; NotFoundError with suggestions."""
        return self.corpus.find(query)

    def read(self, path: str) -> bytes:
        """A file's bytes, read now (not from the parse cache)."""
        try:
            return (self.root / path).read_bytes()
        except OSError as exc:
            raise EditError(f"{path}: cannot read: {exc.strerror or exc}") from None

    def open(self, doc: Document) -> Opened:
        """A document and its sidecar read from disk, parsed again from those very bytes."""
        data = self.read(doc.path)
        side = self.read(doc.sidecar) if doc.sidecar else None
        return self.opened(doc.path, data, side, doc.sidecar)

    def opened(
        self, path: str, data: bytes, side: bytes | None = None, side_path: str | None = None
    ) -> Opened:
        """A document given as bytes (read, or about to be written), parsed."""
        source = Source.from_bytes(path, data)
        sidecar = Source.from_bytes(side_path, side) if side is not None and side_path else None
        doc = self.parse(path, data, side, side_path)
        return Opened(doc, source, sidecar, self.corpus.config.spec_for(doc.type, path))

    def parse(
        self, path: str, data: bytes, side: bytes | None = None, side_path: str | None = None
    ) -> Document:
        """Parse a document as the scan did."""
        sidecar = (side_path, side, None) if side_path else None
        return parse_document(
            path, data, self.recogniser, self.corpus.config.limits, sidecar=sidecar
        )

    def planned(self, changes: tuple[FileChange, ...]) -> Corpus:
        """The repository as it will be after ``changes``: changed documents parsed again, new
        ones added, the graph rebuilt."""
        by_path = dict(self.corpus.by_path)
        files = set(self.corpus.files)
        written = {c.path: c.after for c in changes}
        sidecar_of = {d.sidecar: d.path for d in self.corpus.documents if d.sidecar}
        for change in changes:
            files.add(change.path)
        touched = set(written)
        touched |= {sidecar_of[p] for p in written if p in sidecar_of}
        for path in sorted(touched):
            if not path.lower().endswith((".md", ".markdown")):
                continue
            old = by_path.get(path)
            side_path = old.sidecar if old is not None else _sidecar_path(self, path, written)
            data = written.get(path)
            if data is None:
                data = self.read(path)
            side = written.get(side_path) if side_path else None
            if side_path and side is None:
                side = self.read(side_path)
            by_path[path] = self.parse(path, data, side, side_path)
        return build_corpus(
            self.root,
            self.corpus.config,
            by_path.values(),
            frozenset(files),
            aliases=self.corpus.aliases,
            addresses=KnownAddresses(fixed=self.corpus.addresses),
        )

    def with_today(self, today: str) -> Workspace:
        """The same workspace writing another date."""
        return replace(self, today=today)


def _sidecar_path(space: Workspace, path: str, written: Mapping[str, bytes]) -> str | None:
    """The sidecar file of a new document, when its type has one and it is being written."""
    doc_type = space.recogniser.type_from_path(path)
    spec = space.corpus.config.spec_for(doc_type, path) if doc_type else None
    if spec is None or not spec.sidecar:
        return None
    candidate = f"{path.rpartition('/')[0]}/{spec.sidecar}"
    return candidate if candidate in written else None
