"""resolve + graph: references -> documents, artifacts or nothing; then the networkx graph.

Edge direction (DESIGN.md section 2): ``A -> B`` means A rests on B. A link listed under
"Downstream Impact" is stored reversed, and a ``superseded_by`` written in the old document is
stored as the new -> old ``supersedes`` edge, remembering which document declared it.
"""

from __future__ import annotations

import difflib
import posixpath
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from urllib.parse import unquote

import networkx as nx

from .config import Config
from .errors import NotFoundError
from .model import Document, Link, Reference, RefKind, Relation, Target
from .parse.ids import Recogniser

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
FOLDER_INDEXES = ("README.md", "readme.md", "Readme.md", "index.md", "README.markdown")


@dataclass(frozen=True)
class Corpus:
    """A scanned repository: documents, resolved links and the graph (keyed by path)."""

    root: Path
    config: Config
    documents: tuple[Document, ...]
    files: frozenset[str]
    links: tuple[Link, ...]
    graph: nx.MultiDiGraph
    by_path: Mapping[str, Document]
    ids: Mapping[str, tuple[str, ...]]

    def document(self, path: str) -> Document:
        """The document at ``path`` (a graph node key)."""
        return self.by_path[path]

    def find(self, query: str) -> Document:
        """A document by ID in any spelling (``adr-7``) or by path; raises NotFoundError with
        the closest names as suggestions."""
        recogniser = Recogniser.from_config(self.config)
        doc_id = recogniser.normalise_id(query)
        if doc_id is not None and doc_id in self.ids:
            return self.by_path[self.ids[doc_id][0]]
        if query in self.ids:
            return self.by_path[self.ids[query][0]]
        path = posixpath.normpath(query.replace("\\", "/")).lstrip("./") if query else query
        for candidate in (path, _relative_to_root(self.root, query)):
            if candidate and candidate in self.by_path:
                return self.by_path[candidate]
        names = sorted(set(self.ids) | set(self.by_path))
        suggestions = tuple(difflib.get_close_matches(doc_id or query, names, n=3, cutoff=0.5))
        hint = f"; did you mean {', '.join(suggestions)}?" if suggestions else ""
        raise NotFoundError(f"no document '{query}' in {self.root}{hint}", suggestions)


def _relative_to_root(root: Path, query: str) -> str | None:
    try:
        return Path(query).resolve().relative_to(root.resolve()).as_posix()
    except (ValueError, OSError):
        return None


def build_corpus(
    root: Path, config: Config, documents: Iterable[Document], files: frozenset[str]
) -> Corpus:
    """Resolve every reference and build the graph (deterministic: sorted throughout)."""
    docs = tuple(sorted(documents, key=lambda d: d.path))
    by_path = {d.path: d for d in docs}
    ids: dict[str, list[str]] = {}
    for doc in docs:
        if doc.id:
            ids.setdefault(doc.id, []).append(doc.path)
    resolver = _Resolver(by_path, {k: tuple(v) for k, v in ids.items()}, files)
    links = tuple(resolver.resolve(doc, ref) for doc in docs for ref in doc.references)
    graph = _build_graph(docs, links)
    return Corpus(
        root=root,
        config=config,
        documents=docs,
        files=files,
        links=links,
        graph=graph,
        by_path=MappingProxyType(by_path),
        ids=MappingProxyType({k: tuple(v) for k, v in ids.items()}),
    )


class _Resolver:
    """Maps references to targets against one listing of the tree."""

    def __init__(
        self, by_path: dict[str, Document], ids: dict[str, tuple[str, ...]], files: frozenset[str]
    ) -> None:
        self.by_path = by_path
        self.ids = ids
        self.files = files
        dirs: set[str] = {""}
        for path in files:
            parent = path.rpartition("/")[0]
            while parent and parent not in dirs:
                dirs.add(parent)
                parent = parent.rpartition("/")[0]
        self.dirs = frozenset(dirs)
        self.stems: dict[str, list[str]] = {}
        for path in by_path:
            stem = path.rsplit("/", 1)[-1].rsplit(".", 1)[0].lower()
            self.stems.setdefault(stem, []).append(path)

    def resolve(self, doc: Document, ref: Reference) -> Link:
        """Resolve one reference of ``doc``."""
        if ref.is_id:
            return self._resolve_id(doc, ref)
        target = ref.target.strip()
        scheme = _SCHEME.match(target)
        if scheme:
            name = scheme.group(1).lower()
            if name == "file" or len(name) == 1:  # file:// and Windows drives C:\...
                return Link(doc.path, ref, Target.OUTSIDE)
            return Link(doc.path, ref, Target.EXTERNAL)
        if target.startswith("//"):
            return Link(doc.path, ref, Target.EXTERNAL)
        raw_path, _, fragment = target.partition("#")
        raw_path = raw_path.partition("?")[0]
        frag = unquote(fragment) if fragment else None
        # Browsers and GitHub read a backslash in a relative URL as a slash (WHATWG URL rules),
        # so a Windows-style ``..\..\x`` escapes just like ``../../x``.
        path = unquote(raw_path).replace("\\", "/")
        if not path:
            return Link(doc.path, ref, Target.SELF, doc.path, frag)
        if "\x00" in path:
            return Link(doc.path, ref, Target.MISSING, None, frag)
        if path.startswith("//"):  # a UNC path (\\server\share) or an encoded //host
            return Link(doc.path, ref, Target.OUTSIDE, None, frag)
        base = "" if path.startswith("/") else posixpath.dirname(doc.path)
        joined = posixpath.normpath(posixpath.join(base, path.lstrip("/")))
        if joined == ".":
            joined = ""
        if joined == ".." or joined.startswith("../"):
            return Link(doc.path, ref, Target.OUTSIDE, joined, frag)
        found = self._lookup(joined)
        if found is None and ref.kind is RefKind.WIKILINK:
            found = self._lookup_wiki(joined, path)
        if found is None:
            return Link(doc.path, ref, Target.MISSING, joined, frag)
        status, resolved = found
        if status is Target.DOCUMENT and resolved == doc.path:
            return Link(doc.path, ref, Target.SELF, resolved, frag)
        return Link(doc.path, ref, status, resolved, frag)

    def _lookup(self, path: str) -> tuple[Target, str] | None:
        if path in self.by_path:
            return Target.DOCUMENT, path
        if path in self.files:
            return Target.ARTIFACT, path
        if path in self.dirs:
            for index in FOLDER_INDEXES:
                candidate = f"{path}/{index}" if path else index
                if candidate in self.by_path:
                    return Target.DOCUMENT, candidate
            return Target.ARTIFACT, path
        return None

    def _lookup_wiki(self, joined: str, written: str) -> tuple[Target, str] | None:
        for candidate in (f"{joined}.md", f"{joined}.markdown"):
            if candidate in self.by_path:
                return Target.DOCUMENT, candidate
        matches = self.stems.get(written.rsplit("/", 1)[-1].lower(), [])
        if len(matches) == 1:
            return Target.DOCUMENT, matches[0]
        return None

    def _resolve_id(self, doc: Document, ref: Reference) -> Link:
        doc_id, _, fragment = ref.target.partition("#")
        frag = fragment or None
        if doc_id == doc.id:
            return Link(doc.path, ref, Target.SELF, doc.path, frag)
        paths = self.ids.get(doc_id)
        if not paths:
            return Link(doc.path, ref, Target.UNKNOWN_ID, None, frag)
        return Link(doc.path, ref, Target.DOCUMENT, paths[0], frag)


def edge_of(link: Link) -> tuple[str, str, Relation] | None:
    """The graph edge (upstream-pointing) that a resolved link makes, or None."""
    if link.status is not Target.DOCUMENT or link.path is None or link.path == link.source:
        return None
    relation = link.reference.relation
    if relation is Relation.SUPERSEDED_BY:
        return link.path, link.source, Relation.SUPERSEDES
    if link.reference.reverse:
        return link.path, link.source, relation
    return link.source, link.path, relation


def _build_graph(docs: tuple[Document, ...], links: tuple[Link, ...]) -> nx.MultiDiGraph:
    graph = nx.MultiDiGraph()
    for doc in docs:
        graph.add_node(
            doc.path,
            id=doc.name,
            path=doc.path,
            type=doc.type,
            status=doc.status or "",
            title=doc.title,
        )
    for link in links:
        edge = edge_of(link)
        if edge is None:
            continue
        source, target, relation = edge
        graph.add_edge(
            source,
            target,
            relation=relation.value,
            line=link.reference.line,
            column=link.reference.column,
            kind=link.reference.kind.value,
            declared_by=link.source,
        )
    return graph
