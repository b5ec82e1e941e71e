"""resolve + graph: references -> documents, artifacts or nothing; then the networkx graph.

Edge direction (DESIGN.md section 2): ``A -> B`` means A rests on B. A link listed under
"Downstream Impact" is stored reversed, and a ``superseded_by`` written in the old document is
stored as the new -> old ``supersedes`` edge, remembering which document declared it.
"""

from __future__ import annotations

import difflib
import posixpath
from collections.abc import Callable, ItemsView, Iterable, Iterator, Mapping, ValuesView
from dataclasses import dataclass, field, replace
from functools import cached_property
from itertools import chain, groupby
from operator import attrgetter
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, cast

from .config import Config
from .errors import NotFoundError
from .model import Document, Link, RefKind, Relation, Target
from .parse.ids import Recogniser
from .patterns import compile_pattern
from .repository import KnownAddresses, Repository, settle_addresses
from .resolve import Resolver, add_edges, make_link

if TYPE_CHECKING:  # networkx costs half of the start-up: imported where a graph is built
    import networkx as nx

    from .architecture import Architecture

_new = object.__new__
_link = make_link  # a resolved link, made as the resolver makes it (linkedit uses it too)

#: Edges keyed as networkx keys a multigraph's: node -> neighbour -> edge key -> attributes.
#: ``build_corpus`` fills the two inner levels with ``EdgeKeys`` and ``EdgeAttrs``; a graph
#: made with networkx (``Edges.of``) has its own dicts there.
Adjacency = dict[str, dict[str, Mapping[int, Mapping[str, Any]]]]

_ATTRIBUTES = ("relation", "line", "column", "kind", "declared_by")
_KIND_VALUE = {m: m.value for m in RefKind}  # ``.value`` is a slow descriptor
#: The relation of the edge a link makes (``superseded_by`` is stored new -> old as
#: ``supersedes``), as the plain string networkx's attribute dict held.
_EDGE_RELATION = {m: m.value for m in Relation} | {Relation.SUPERSEDED_BY: "supersedes"}


class EdgeAttrs(Mapping[str, Any]):
    """One edge's attributes, read as networkx's attribute dict (``relation``, ``line``,
    ``column``, ``kind``, ``declared_by``, and ``file`` for a link in a sidecar), held as the
    resolved link they come from: the relation follows from the link (``superseded_by`` is
    the ``supersedes`` edge new -> old), so the one slot is the link, 48 bytes where a dict
    took about 120, for each of 1.3M edges at 100k documents. Read-only, like the graph it
    belongs to; ``EdgeAttrs(link, relation, file)`` makes the sidecar variant when ``file``
    is given.

    >>> from tracegraph.model import Reference
    >>> ref = Reference(RefKind.LINK, "b.md", Relation.REFERENCES, 3, 5)
    >>> dict(EdgeAttrs(Link("a.md", ref, Target.DOCUMENT, "b.md"), "references"))
    {'relation': 'references', 'line': 3, 'column': 5, 'kind': 'link', 'declared_by': 'a.md'}
    """

    __slots__ = ("link",)

    #: Where the edge is written when that is not its declaring document (a sidecar).
    file: str | None = None

    def __new__(cls, link: Link, relation: str = "", file: str | None = None) -> EdgeAttrs:
        if file is not None and cls is EdgeAttrs:
            return _FiledEdgeAttrs(link, relation, file)
        return super().__new__(cls)

    def __init__(self, link: Link, relation: str = "", file: str | None = None) -> None:
        self.link = link
        if relation and relation != _EDGE_RELATION[link.reference.relation]:
            raise ValueError(f"a {link.reference.relation} link makes no {relation} edge")

    @property
    def relation(self) -> str:
        """The edge's relation (``supersedes`` for a ``superseded_by`` link)."""
        return _EDGE_RELATION[self.link.reference.relation]

    def __getitem__(self, key: str) -> Any:
        if key == "relation":
            return _EDGE_RELATION[self.link.reference.relation]
        if key == "line":
            return self.link.reference.line
        if key == "column":
            return self.link.reference.column
        if key == "kind":
            return _KIND_VALUE[self.link.reference.kind]
        if key == "declared_by":
            return self.link.source
        if key == "file" and self.file is not None:
            return self.file
        raise KeyError(key)

    def get(self, key: str, default: Any = None) -> Any:
        """``self[key]``, or ``default`` (the relation first: the rules ask for it most)."""
        if key == "relation":
            return _EDGE_RELATION[self.link.reference.relation]
        try:
            return self[key]
        except KeyError:
            return default

    def __iter__(self) -> Iterator[str]:
        yield from _ATTRIBUTES
        if self.file is not None:
            yield "file"

    def __len__(self) -> int:
        return 5 if self.file is None else 6

    def copy(self) -> dict[str, Any]:
        """The attributes as a plain dict (what networkx's ``copy()`` of a graph calls)."""
        return dict(self)

    def __repr__(self) -> str:
        return repr(dict(self))


class _FiledEdgeAttrs(EdgeAttrs):
    """The attributes of an edge written in another file than its declaring document (a
    field of a KEP's ``kep.yaml``): rare, so the slot is theirs alone."""

    __slots__ = ("file",)  # the base's class default, None, is what every other edge reads

    def __init__(self, link: Link, relation: str = "", file: str | None = None) -> None:
        super().__init__(link, relation)
        self.file = file


#: What an ``EdgeKeys`` holds per edge: the resolved link itself (its ``EdgeAttrs`` is made when
#: read: 48 bytes less per edge, 60 MB at 100k documents) or a mapping (a sidecar's edge, or
#: attributes given to the constructor).
_Held = Link | Mapping[str, Any]


class EdgeKeys(Mapping[int, Mapping[str, Any]]):
    """The edges of one node pair keyed 0, 1, ... in link order, as networkx keys a
    multigraph's: the one edge itself (nearly every pair has one), else a tuple of them; 48
    bytes for a pair where networkx's ``{0: attrs}`` took 224. An edge of the graph is held
    as its resolved ``Link`` and read as an ``EdgeAttrs`` made on the spot (equal each time,
    not the same object).

    >>> keyed = EdgeKeys(({"relation": "implements"}, {"relation": "mentions"}))
    >>> list(keyed), keyed[1]["relation"], 2 in keyed
    ([0, 1], 'mentions', False)
    """

    __slots__ = ("_held",)

    def __init__(self, edges: tuple[_Held, ...]) -> None:
        self._held: _Held | tuple[_Held, ...] = edges[0] if len(edges) == 1 else edges

    @property
    def edges(self) -> tuple[Mapping[str, Any], ...]:
        """The pair's edges in key order."""
        held = self._held
        if type(held) is Link:
            return (_edge(held),)
        if type(held) is tuple:
            return tuple([_edge(h) if isinstance(h, Link) else h for h in held])
        return (cast("Mapping[str, Any]", held),)

    @property
    def relations(self) -> tuple[str, ...]:
        """The relation of each edge in key order, read without making its ``EdgeAttrs``."""
        held = self._held
        if type(held) is Link:
            return (_EDGE_RELATION[held.reference.relation],)
        items = held if type(held) is tuple else (held,)
        return tuple(
            [
                _EDGE_RELATION[h.reference.relation] if isinstance(h, Link) else h["relation"]
                for h in cast("tuple[_Held, ...]", items)
            ]
        )

    def add(self, data: _Held) -> None:
        """One more edge (the next key): only while the graph is being built."""
        held = self._held
        self._held = (*held, data) if type(held) is tuple else (cast("_Held", held), data)

    def __getitem__(self, key: int) -> Mapping[str, Any]:
        held = self._held
        if type(held) is not tuple:
            if key == 0 and type(key) is int:
                item = cast("_Held", held)
                return _edge(item) if isinstance(item, Link) else item
        elif type(key) is int and 0 <= key < len(held):
            item = held[key]
            return _edge(item) if isinstance(item, Link) else item
        raise KeyError(key)

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self)))

    def __len__(self) -> int:
        held = self._held
        return len(held) if type(held) is tuple else 1

    def values(self) -> ValuesView[Mapping[str, Any]]:
        return _EdgeValues(self)

    def items(self) -> ItemsView[int, Mapping[str, Any]]:
        return _EdgeItems(self)

    def __repr__(self) -> str:
        return repr(dict(self))


class _EdgeValues(ValuesView[Mapping[str, Any]]):
    """An ``EdgeKeys``' values straight from what it holds (the rules walk every edge)."""

    _mapping: EdgeKeys

    def __iter__(self) -> Iterator[Mapping[str, Any]]:
        return iter(self._mapping.edges)


class _EdgeItems(ItemsView[int, Mapping[str, Any]]):
    _mapping: EdgeKeys

    def __iter__(self) -> Iterator[tuple[int, Mapping[str, Any]]]:
        return enumerate(self._mapping.edges)


@dataclass(frozen=True)
class Edges:
    """The graph's nodes and edges as plain dicts, in networkx's own layout (``succ`` and
    ``pred`` are a MultiDiGraph's ``_succ`` and ``_pred``): what the checks read, without
    importing networkx (a third of a small repository's check)."""

    nodes: dict[str, Mapping[str, Any]]
    succ: Adjacency
    pred: Adjacency

    @classmethod
    def of(cls, graph: nx.MultiDiGraph) -> Edges:
        """The nodes and edges of a networkx MultiDiGraph (its own dicts, not copies)."""
        return cls(dict(graph.nodes(data=True)), graph._succ, graph._pred)

    def grouped(
        self, groups: Mapping[str, int], count: int
    ) -> list[list[tuple[str, str, Mapping[str, Any]]]]:
        """The edges whose relation ``groups`` maps to a group number (below ``count``), each
        group in the graph's order (source, target, attributes). One pass over the adjacency
        that reads a pair's one link (nearly every pair's) without making its ``EdgeAttrs``
        unless the pair is wanted."""
        found: list[list[tuple[str, str, Mapping[str, Any]]]] = [[] for _ in range(count)]
        # Per relation member (a link's relation), the group of the edge it makes.
        by_member = {m: groups[v] for m, v in _EDGE_RELATION.items() if v in groups}
        get, link_class, keys_class, edge = by_member.get, Link, EdgeKeys, _edge
        keyed: Any  # an ``EdgeKeys`` or a networkx graph's dict (no ``cast`` calls in the loop)
        held: Any
        for source, targets in self.succ.items():
            for target, keyed in targets.items():
                if keyed.__class__ is keys_class:
                    held = keyed._held
                    if held.__class__ is link_class:
                        group = get(held.reference.relation)
                        if group is not None:
                            found[group].append((source, target, edge(held)))
                        continue
                    if held.__class__ is tuple:  # several edges: the wanted ones' attributes
                        for item in held:
                            if isinstance(item, link_class):
                                group = get(item.reference.relation)
                                if group is not None:
                                    found[group].append((source, target, edge(item)))
                            else:
                                group = groups.get(item.get("relation"))
                                if group is not None:
                                    found[group].append((source, target, item))
                        continue
                for data in keyed.values():
                    group = groups.get(data.get("relation"))
                    if group is not None:
                        found[group].append((source, target, data))
        return found

    def in_edges(self, path: str) -> Iterable[tuple[str, Mapping[str, Any]]]:
        """(source, attributes) of every edge into ``path``, in the graph's order."""
        for source, keyed in self.pred[path].items():
            for data in keyed.values():
                yield source, data


@dataclass(frozen=True)
class Corpus:
    """A scanned repository: documents, resolved links and the graph (keyed by path).

    ``graph`` is the networkx MultiDiGraph, made from ``edges`` on first use (its adjacency is
    the same dicts)."""

    root: Path
    config: Config
    documents: tuple[Document, ...]
    files: frozenset[str]
    links: tuple[Link, ...]
    edges: Edges
    by_path: Mapping[str, Document]
    ids: Mapping[str, tuple[str, ...]]
    aliases: Mapping[str, str] = field(default_factory=dict)
    #: The repository's web addresses: URLs into them are internal links.
    addresses: tuple[Repository, ...] = ()
    #: Files that carry tracegraph's "generated" marker (its own reports and exports): listed
    #: files (a link to one resolves), but never documents.
    generated: tuple[str, ...] = ()
    #: Folders the crawl could not list, with why: what lies below them is unknown.
    unreadable: tuple[tuple[str, str], ...] = ()

    @cached_property
    def graph(self) -> nx.MultiDiGraph:
        """The networkx MultiDiGraph of ``edges`` (nodes keyed by path; its node and adjacency
        tables are ``edges``' own dicts, not copies)."""
        import networkx as nx

        graph = nx.MultiDiGraph()
        graph._node = self.edges.nodes
        graph._succ = self.edges.succ
        graph._pred = self.edges.pred
        return graph

    def unreadable_folder(self, path: str | None) -> str | None:
        """The unlisted folder that holds ``path`` (or is it), if any: a link there is not
        known to be broken."""
        for folder, _ in self.unreadable:
            if path is not None and (path == folder or path.startswith(folder + "/")):
                return folder
        return None

    def document(self, path: str) -> Document:
        """The document at ``path`` (a graph node key)."""
        return self.by_path[path]

    @cached_property
    def architecture(self) -> Architecture:
        """The system the documents describe: components, endpoints, tables and externals
        merged across documents (issue 20; built on first use)."""
        from .architecture import build_architecture

        return build_architecture(self)

    @property
    def built_architecture(self) -> bool:
        """Whether ``architecture`` has been built (and is held)."""
        return "architecture" in self.__dict__

    def forget_architecture(self) -> None:
        """Let go of ``architecture`` (built again when next asked): a check that built it
        for its rules alone gives its memory back to what runs after."""
        self.__dict__.pop("architecture", None)

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
            candidate = self.aliases.get(candidate or "", candidate)
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
    root: Path,
    config: Config,
    documents: Iterable[Document],
    files: frozenset[str],
    *,
    aliases: Mapping[str, str] | None = None,
    addresses: KnownAddresses | None = None,
    unreadable: tuple[tuple[str, str], ...] = (),
    resolved: Callable[[tuple[Link, ...]], object] | None = None,
    parts: DocumentParts | None = None,
) -> Corpus:
    """Resolve every reference and build the graph (deterministic: sorted throughout).
    Documents marked ``generated`` (tracegraph's own output) are set apart, not resolved.
    ``aliases`` (symbolic link -> real path) make a link to a symlinked file or folder resolve
    to its target; ``addresses`` make URLs into the repository internal links (the fixed and
    declared ones, and, when allowed, those the tree's own links show). ``resolved`` is given
    the links, in order, before the edges are built (``check_tree`` sends the broken ones to
    the child that runs their rules). ``parts``: ``document_parts(documents)``, when the
    caller made them already (for ``documents_corpus``)."""
    parsed, docs, by_path, ids = parts or document_parts(documents)
    resolver = _resolver(config, by_path, ids, files, aliases)
    links, settled = _resolve_all(resolver, docs, addresses or KnownAddresses())
    if resolved is not None:
        resolved(links)
    return Corpus(
        root=root,
        config=config,
        documents=docs,
        files=files,
        links=links,
        edges=_build_edges(docs, links),
        by_path=MappingProxyType(by_path),
        ids=MappingProxyType(ids),
        unreadable=unreadable,
        aliases=MappingProxyType(dict(aliases or {})),
        addresses=settled,
        generated=tuple(d.path for d in parsed if d.generated),
    )


def with_links(corpus: Corpus, links: tuple[Link, ...]) -> Corpus:
    """``corpus`` with ``links`` alone and the edges they make (the document rules' child is
    sent the few links that its link and architecture rules read: ``checks.EarlyChecks``)."""
    return replace(corpus, links=links, edges=_build_edges(corpus.documents, links))


def documents_corpus(
    root: Path,
    config: Config,
    documents: Iterable[Document],
    files: frozenset[str],
    *,
    unreadable: tuple[tuple[str, str], ...] = (),
    parts: DocumentParts | None = None,
) -> Corpus:
    """The corpus ``build_corpus`` makes of the same arguments before a reference is resolved:
    its documents, paths, IDs and unreadable folders, but no link and no edge. What the rules
    that read documents alone see (``checks.parallel.DOCUMENT_RULES``: they run while the
    graph is built). ``parts`` as for ``build_corpus``."""
    parsed, docs, by_path, ids = parts or document_parts(documents)
    return Corpus(
        root=root, config=config, documents=docs, files=files, links=(), edges=Edges({}, {}, {}),
        by_path=MappingProxyType(by_path), ids=MappingProxyType(ids), unreadable=unreadable,
        generated=tuple(d.path for d in parsed if d.generated),
    )  # fmt: skip


_PATH = attrgetter("path")
#: ``document_parts``: every document sorted by path; those not generated; those by path;
#: paths by ID.
DocumentParts = tuple[
    list[Document], tuple[Document, ...], dict[str, Document], dict[str, tuple[str, ...]]
]


def document_parts(documents: Iterable[Document]) -> DocumentParts:
    """Every document sorted by path; those not generated; those by path; paths by ID (what
    ``documents_corpus`` and ``build_corpus`` make of the documents: made once for both)."""
    parsed = sorted(documents, key=_PATH)
    docs = tuple(d for d in parsed if not d.generated)
    by_path = {d.path: d for d in docs}
    ids: dict[str, list[str]] = {}
    for doc in docs:
        if doc.id:
            ids.setdefault(doc.id, []).append(doc.path)
    return parsed, docs, by_path, {k: tuple(v) for k, v in ids.items()}


def _resolve_all(
    resolver: Resolver, docs: tuple[Document, ...], known: KnownAddresses
) -> tuple[tuple[Link, ...], tuple[Repository, ...]]:
    """Every document's links, in order, and the repository's addresses. When addresses may
    still be found, the one pass collects every web link; the addresses they and the declaring
    files show are settled afterwards, and only the documents that link a new one are resolved
    again (a tree without self links pays one list append per web link)."""
    resolver.repositories = known.fixed
    if known.infer:
        resolver.web_links = []
    per_doc = [resolver.links_of(doc) for doc in docs]
    settled = known.fixed
    if resolver.web_links is not None:
        web, resolver.web_links = resolver.web_links, None
        settled = settle_addresses(known, (url for _source, url in web), resolver.exists)
        fixed = {(repo.key, repo.prefix) for repo in known.fixed}
        found = [repo for repo in settled if (repo.key, repo.prefix) not in fixed]
        if found:
            resolver.repositories = settled
            position = {doc.path: index for index, doc in enumerate(docs)}
            checks = [repo.may_contain for repo in found]
            again: set[str] = set()
            for source, url in web:
                if source not in again and any(check(url) for check in checks):
                    again.add(source)
            for index in sorted(position[source] for source in again):
                per_doc[index] = resolver.links_of(docs[index])
    return tuple(chain.from_iterable(per_doc)), settled


def _resolver(
    config: Config,
    by_path: dict[str, Document],
    ids: dict[str, tuple[str, ...]],
    files: frozenset[str],
    aliases: Mapping[str, str] | None,
    addresses: tuple[Repository, ...] = (),
) -> Resolver:
    """The resolver of one listing, with the symlink aliases, the repository's own web
    addresses known so far and the configured citation patterns."""
    resolver = Resolver(by_path, ids, files)
    resolver.aliases = dict(aliases or {})
    resolver.repositories = addresses
    resolver.external_ids = tuple(compile_pattern(p) for p in config.external_ids)
    return resolver


@dataclass(frozen=True)
class CorpusUpdate:
    """A corpus after some of its documents changed, and which documents that touches."""

    corpus: Corpus
    #: The changed documents, those whose references were resolved again, and every document
    #: at either end of an edge that changed or that touches a changed document: the
    #: documents whose own findings may differ (see ``checks.recheck``).
    touched: frozenset[str]


def update_corpus(corpus: Corpus, documents: Iterable[Document]) -> CorpusUpdate:
    """``corpus`` with the documents at some of its paths replaced (an editor's unsaved buffer).

    Only the replaced documents' references are resolved again, plus the references that name
    an ID a replaced document gained or lost; the graph is copied on write (the node and
    adjacency tables, and the entries of the node pairs whose edges changed), so ``corpus``
    itself is left as it was. The result has the documents, links, IDs, node attributes and
    edges (with their keys) that ``build_corpus`` gives for the new documents. A path that is
    not a document of ``corpus``, or a document marked generated, raises KeyError: the listing
    changed, so build the corpus again.
    """
    replaced = {doc.path: doc for doc in documents}
    for path, doc in replaced.items():
        if path not in corpus.by_path or doc.generated:
            raise KeyError(path)
    before = corpus.by_path
    docs = tuple(replaced.get(d.path, d) for d in corpus.documents)
    by_path = dict(before)
    by_path.update(replaced)
    lost_or_gained = {before[p].id for p in replaced} ^ {d.id for d in replaced.values()}
    lost_or_gained.discard(None)
    ids: Mapping[str, tuple[str, ...]] = corpus.ids
    if lost_or_gained:
        found: dict[str, list[str]] = {}
        for doc in docs:
            if doc.id:
                found.setdefault(doc.id, []).append(doc.path)
        ids = MappingProxyType({k: tuple(v) for k, v in found.items()})
    groups = {source: tuple(g) for source, g in groupby(corpus.links, attrgetter("source"))}
    again = set(replaced)
    if lost_or_gained:
        again.update(
            link.source
            for link in corpus.links
            if link.reference.is_id and link.reference.target.partition("#")[0] in lost_or_gained
        )
    # The addresses stay as the whole tree showed them: one document does not move them.
    resolver = _resolver(
        corpus.config, by_path, dict(ids), corpus.files, corpus.aliases, corpus.addresses
    )
    fresh = {source: tuple(resolver.links_of(by_path[source])) for source in sorted(again)}
    links = tuple(link for doc in docs for link in fresh.get(doc.path, groups.get(doc.path, ())))
    pairs: set[tuple[str, str]] = set()
    for source in again:
        for link in (*groups.get(source, ()), *fresh[source]):
            edge = edge_of(link)
            if edge is not None:
                pairs.add((edge[0], edge[1]))
    edges = _copy_on_write(
        corpus.edges, by_path, replaced, pairs, lambda d: fresh.get(d, groups.get(d, ()))
    )
    touched = set(again)
    for u, v in pairs:
        touched.update((u, v))
    for path in replaced:
        touched.update(edges.succ[path])
        touched.update(edges.pred[path])
    updated = replace(
        corpus,
        documents=docs,
        links=links,
        edges=edges,
        by_path=MappingProxyType(by_path),
        ids=ids,
    )
    return CorpusUpdate(updated, frozenset(touched))


def _copy_on_write(
    old: Edges,
    documents: Mapping[str, Document],
    replaced: Mapping[str, Document],
    pairs: Iterable[tuple[str, str]],
    links_of: Callable[[str], tuple[Link, ...]],
) -> Edges:
    """New edges sharing ``old``'s tables except the replaced documents' node attributes and
    the edges of ``pairs``, which are rebuilt from the links of their two ends (only an end of
    an edge can declare it), in link order as ``_build_edges`` numbers them."""
    nodes = dict(old.nodes)
    for path, doc in replaced.items():
        nodes[path] = _node_attrs(doc)
    old_succ, old_pred = old.succ, old.pred
    succ, pred = dict(old_succ), dict(old_pred)
    for u, v in sorted(pairs):
        found: list[_Held] = []
        for declarer in sorted({u, v}):
            for link in links_of(declarer):
                edge = edge_of(link)
                if edge is not None and edge[0] == u and edge[1] == v:
                    side = documents[declarer].sidecar
                    found.append(_held_edge(link, side))
        if succ[u] is old_succ[u]:
            succ[u] = dict(old_succ[u])
        if pred[v] is old_pred[v]:
            pred[v] = dict(old_pred[v])
        if found:
            succ[u][v] = pred[v][u] = EdgeKeys(tuple(found))
        else:
            succ[u].pop(v, None)
            pred[v].pop(u, None)
    return Edges(nodes, succ, pred)


_NODE_ATTRIBUTES = ("id", "path", "type", "status", "title")


class NodeAttrs(Mapping[str, Any]):
    """A document node's attributes, read as networkx's node dict (``id``: the ID or the
    path, ``path``, ``type``, ``status``: "" for none, ``title``), held as the document: 48
    bytes where the dict took 200, for each of 100k nodes. Read-only.

    >>> doc = Document("a.md", "ADR", "ADR-0001", "Use X", None, None, (), (), (), ())
    >>> dict(NodeAttrs(doc))
    {'id': 'ADR-0001', 'path': 'a.md', 'type': 'ADR', 'status': '', 'title': 'Use X'}
    """

    __slots__ = ("doc",)

    def __init__(self, doc: Document) -> None:
        self.doc = doc

    def __getitem__(self, key: str) -> Any:
        doc = self.doc
        if key == "type":
            return doc.type
        if key == "status":
            return doc.status or ""
        if key == "id":
            return doc.id or doc.path
        if key == "path":
            return doc.path
        if key == "title":
            return doc.title
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return iter(_NODE_ATTRIBUTES)

    def __len__(self) -> int:
        return len(_NODE_ATTRIBUTES)

    def copy(self) -> dict[str, Any]:
        """The attributes as a plain dict (what networkx's ``copy()`` of a graph calls)."""
        return dict(self)

    def __repr__(self) -> str:
        return repr(dict(self))


def _node_attrs(doc: Document) -> NodeAttrs:
    return NodeAttrs(doc)


def _edge_attrs(link: Link, relation: Relation, sidecar: str | None) -> EdgeAttrs:
    """An edge's attributes as an ``EdgeKeys`` reads them (``relation`` follows from the
    link)."""
    if link.reference.kind is RefKind.SIDECAR:
        return _FiledEdgeAttrs(link, "", sidecar or link.source)
    return _edge(link)


def _held_edge(link: Link, sidecar: str | None) -> _Held:
    """An edge as ``_build_edges`` stores it in its ``EdgeKeys`` (the relation follows from
    the link)."""
    if link.reference.kind is RefKind.SIDECAR:
        return _FiledEdgeAttrs(link, "", sidecar or link.source)
    return link


_set_edge_link = EdgeAttrs.__dict__["link"].__set__
_set_held = EdgeKeys.__dict__["_held"].__set__


def _edge(link: Link) -> EdgeAttrs:
    """``EdgeAttrs(link)`` without the checks of its constructor (1.3M at 100k documents)."""
    data = _new(EdgeAttrs)
    _set_edge_link(data, link)
    return data


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


def _no_edges(docs: tuple[Document, ...]) -> Edges:
    """The graph's nodes, without an edge yet."""
    nodes: dict[str, Mapping[str, Any]] = {doc.path: _node_attrs(doc) for doc in docs}
    return Edges(nodes, {path: {} for path in nodes}, {path: {} for path in nodes})


class _EdgeSink:
    """Where ``resolve.add_edges`` puts the edges of ``docs``' links: the adjacency of
    ``edges``, and what a link written in a sidecar file (a KEP's ``kep.yaml``) makes."""

    def __init__(self, docs: tuple[Document, ...], edges: Edges) -> None:
        self.succ = cast("dict[str, dict[str, Any]]", edges.succ)  # ``Adjacency``, as filled
        self.pred = cast("dict[str, dict[str, Any]]", edges.pred)
        self.sidecars = {doc.path: doc.sidecar for doc in docs if doc.sidecar}

    def filed(self, link: Link) -> _FiledEdgeAttrs:
        return _FiledEdgeAttrs(link, "", self.sidecars.get(link.source) or link.source)


def _build_edges(docs: tuple[Document, ...], links: Iterable[Link]) -> Edges:
    """The graph's nodes and edges, filled as networkx's ``add_edge`` fills its adjacency
    (without its per-call work: 1.3M edges at 100k documents), in the compact ``EdgeKeys`` and
    ``EdgeAttrs``. Edge keys are 0, 1, ... per node pair in link order, as ``add_edge``
    numbers them."""
    edges = _no_edges(docs)
    sink = _EdgeSink(docs, edges)
    add_edges(links, sink.succ, sink.pred, EdgeKeys, _set_held, sink.filed)
    return edges
