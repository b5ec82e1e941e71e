"""Link edits without the whole corpus: the graph a stored result saw, kept beside it.

A check that stores its findings (``check_tree`` with the cache) also stores the graph they
were computed from in ``.tracegraph/cache/graph.sqlite``: the documents' paths, IDs and types,
and one row per document with its outgoing edges (each as the reference that declares it) and
the order of its incoming ones. When the next run finds that the changed documents differ from
their stored records only in their references (a link added, removed or retargeted, text moved
around it), ``recheck_links`` rebuilds just what the rules read near the change: the changed
documents' links are resolved again, every other document is decoded from the parse cache only
when a rule asks for it, and the adjacency of a document is built from its stored row when a
rule reads it. The rules then rerun for the touched documents (``checks.recheck``), as the
whole-corpus recheck does, with the same held and nearby rules. The stored graph is updated in
place (the changed rows), so the run after that starts from it again.

Anything it cannot answer in this way (a stored graph for another result, a sidecar, the
repository's own web addresses, an ID, status, heading or cycle that changed, a record missing
from the parse cache) is ``None``: the caller runs the whole-corpus recheck.
"""

from __future__ import annotations

import logging
import marshal
import sqlite3
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass, replace
from datetime import date
from functools import partial
from pathlib import Path
from types import MappingProxyType
from typing import Any

from .cache import (
    _KINDS,
    _RELATIONS,
    CACHE_DIR,
    CACHE_FILE,
    Kinds,
    Record,
    _reference,
    decode,
    encode,
    fingerprint,
    valid_columns,
    valid_record,
)
from .config import Config
from .graph import (
    Corpus,
    EdgeAttrs,
    EdgeKeys,
    Edges,
    NodeAttrs,
    _edge,
    _edge_attrs,
    _FiledEdgeAttrs,
    _link,
    _resolver,
    edge_of,
)
from .model import Document, Finding, Link, Target
from .warm import usable_state as _usable_state

log = logging.getLogger(__name__)

GRAPH_FILE = "graph.sqlite"
#: Bump when the rows below change.
FORMAT = "1"

#: One stored edge: (other end, declaring document, fragment, the declaring reference's eight
#: fields as a record holds them, the file it is written in when not its document).
EdgeRow = tuple[Any, ...]
_EDGE_TYPES: tuple[Kinds, ...] = (
    frozenset({int}), frozenset({int}), frozenset({str, type(None)}), frozenset({str}),
    frozenset({str}), frozenset({str}), frozenset({int}), frozenset({int}), frozenset({bool}),
    frozenset({bool}), frozenset({str}), frozenset({str, type(None)}),
)  # fmt: skip


class _Miss(Exception):
    """Something the stored graph or the parse cache cannot answer: run the whole recheck."""


def _ref_row(link: Link) -> tuple[Any, ...]:
    ref = link.reference
    return (ref.kind.value, ref.target, ref.relation.value, ref.line, ref.column, ref.is_id,
            ref.reverse, ref.text)  # fmt: skip


def _edge_row(v: int, data: Mapping[str, Any], index: Mapping[str, int]) -> EdgeRow:
    if not isinstance(data, EdgeAttrs):
        raise _Miss("an edge not made by build_corpus")
    link = data.link
    return (v, index[link.source], link.fragment, *_ref_row(link), data.file)


def _rows(corpus: Corpus, index: Mapping[str, int]) -> Iterator[tuple[int, bytes, bytes]]:
    succ, pred = corpus.edges.succ, corpus.edges.pred
    for u, path in enumerate(index):
        edges = tuple(
            _edge_row(index[v], data, index)
            for v, keyed in succ[path].items()
            for data in keyed.values()
        )
        yield u, _columns(edges), marshal.dumps(tuple(index[s] for s in pred[path]))


def _columns(edges: Sequence[EdgeRow]) -> bytes:
    """A row's edges as one tuple per field (checked a column at a time when read)."""
    if not edges:
        return marshal.dumps(tuple(() for _ in _EDGE_TYPES))
    return marshal.dumps(tuple(zip(*edges, strict=True)))


def save_graph(root: Path, config: Config, corpus: Corpus) -> bool:
    """Store ``corpus``'s graph, for the result stored next (``seal_graph`` names it; until
    then the file is no result's). Written before that result, so that a large check can let
    go of the corpus before it stores its findings. False, and no file, when the graph has
    what the fast path does not handle or it could not be written (the next link edit then
    takes the whole recheck)."""
    if corpus.addresses or any(d.sidecar for d in corpus.documents):
        drop_graph(root)
        return False
    index = {doc.path: i for i, doc in enumerate(corpus.documents)}
    try:
        ids = {i: tuple(index[p] for p in paths) for i, paths in corpus.ids.items()}
        types = frozenset(doc.type for doc in corpus.documents)
        meta = _meta(tuple(index), ids, types)
        if not _usable_state(root, GRAPH_FILE, create=True):
            return False
        path = root / CACHE_DIR / GRAPH_FILE
        path.unlink(missing_ok=True)
        with closing(sqlite3.connect(path, timeout=1.0)) as db, db:
            db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB NOT NULL)")
            db.execute(
                "CREATE TABLE nodes (node INTEGER PRIMARY KEY, succ BLOB NOT NULL, "
                "pred BLOB NOT NULL)"
            )
            db.executemany("INSERT INTO nodes VALUES (?, ?, ?)", _rows(corpus, index))
            db.executemany(
                "INSERT INTO meta VALUES (?, ?)",
                [("format", FORMAT), ("graph", meta), ("parse", fingerprint(config))],
            )
    except (_Miss, KeyError, sqlite3.Error, OSError, ValueError) as exc:
        log.info("stored graph not written (%s)", exc)
        drop_graph(root)
        return False
    return True


def seal_graph(root: Path, key: str, digest: str) -> None:
    """Name the result stored under ``key`` with ``digest`` as the stored graph's (written
    by ``save_graph`` just before); no result stored (``digest`` ""): no stored graph."""
    if not key or not digest:
        drop_graph(root)
        return
    if not _usable_state(root, GRAPH_FILE, create=False):
        return
    try:
        with closing(sqlite3.connect(root / CACHE_DIR / GRAPH_FILE, timeout=1.0)) as db, db:
            db.execute("INSERT INTO meta VALUES ('result', ?)", (f"{key}\0{digest}",))
    except (sqlite3.Error, OSError) as exc:
        log.info("stored graph not written (%s)", exc)
        drop_graph(root)


def drop_graph(root: Path) -> None:
    """Remove the stored graph (it no longer matches the stored result)."""
    if _usable_state(root, GRAPH_FILE, create=False):
        try:
            (root / CACHE_DIR / GRAPH_FILE).unlink(missing_ok=True)
        except OSError as exc:
            log.info("stored graph not removed (%s)", exc)


def _meta(
    paths: tuple[str, ...],
    ids: Mapping[str, tuple[int, ...]],
    types: Collection[str],
) -> bytes:
    """The stored graph's table of documents, IDs and types, as columns (each checked in a
    few passes in C when read)."""
    members = list(ids.values())
    return marshal.dumps((
        paths,
        (tuple(ids), tuple(map(len, members)), tuple(i for m in members for i in m)),
        tuple(sorted(types)),
    ))  # fmt: skip


def _unpack(counts: object, flat: object, count: int, rows: int) -> list[tuple[int, ...]] | None:
    """``rows`` groups of indices below ``count`` stored as their sizes and one flat
    column; None when malformed."""
    if not _valid_ints(counts) or not _valid_ints(flat):
        return None
    assert isinstance(counts, tuple) and isinstance(flat, tuple)
    if len(counts) != rows or sum(counts) != len(flat) or (counts and min(counts) < 0):
        return None
    if flat and (min(flat) < 0 or max(flat) >= count):
        return None
    out = []
    at = 0
    for size in counts:
        out.append(flat[at : at + size])
        at += size
    return out


def _ids(paths: tuple[str, ...], ids: tuple[Any, ...]) -> dict[str, tuple[str, ...]] | None:
    """The paths of each ID as ``_meta`` stored them (IDs, group sizes, indices into
    ``paths``); None when malformed. When every ID names one document (as nearly always),
    the table is made in C passes."""
    counts, flat = ids[1], ids[2]
    if (
        _valid_ints(counts)
        and _valid_ints(flat)
        and len(counts) == len(flat) == len(ids[0])
        and (not counts or min(counts) == 1 == max(counts))
        and (not flat or (min(flat) >= 0 and max(flat) < len(paths)))
    ):
        return dict(zip(ids[0], zip(map(paths.__getitem__, flat)), strict=True))
    members = _unpack(counts, flat, len(paths), len(ids[0]))
    if members is None:
        return None
    return {
        doc_id: tuple(paths[i] for i in rows) for doc_id, rows in zip(ids[0], members, strict=True)
    }


def _valid_ints(value: object) -> bool:
    return type(value) is tuple and set(map(type, value)) <= {int}


class StoredGraph:
    """The graph stored beside one result (``save_graph``), read row by row."""

    def __init__(self, root: Path, config: Config, key: str, digest: str) -> None:
        if not _usable_state(root, GRAPH_FILE, create=False):
            raise _Miss("no usable state folder")
        path = root / CACHE_DIR / GRAPH_FILE
        if not path.is_file():
            raise _Miss("no stored graph")
        self.db = sqlite3.connect(path, timeout=1.0)
        try:
            meta = dict(self.db.execute("SELECT key, value FROM meta"))
            if meta.get("format") != FORMAT or meta.get("result") != f"{key}\0{digest}":
                raise _Miss("the stored graph is another result's")
            if meta.get("parse") != fingerprint(config):
                raise _Miss("the stored graph is another configuration's")
            blob = meta.get("graph")
            if type(blob) is not bytes:
                raise _Miss("malformed stored graph")
            paths, ids, types = marshal.loads(blob)
        except (sqlite3.Error, ValueError, EOFError, TypeError) as exc:
            self.db.close()
            raise _Miss(f"stored graph unusable ({exc})") from exc
        except _Miss:
            self.db.close()
            raise
        count = len(paths) if type(paths) is tuple else -1
        if (
            count < 0
            or not set(map(type, paths)) <= {str}
            or type(ids) is not tuple
            or len(ids) != 3
            or type(ids[0]) is not tuple
            or not set(map(type, ids[0])) <= {str}
            or type(types) is not tuple
            or not set(map(type, types)) <= {str}
        ):
            self.db.close()
            raise _Miss("malformed stored graph")
        found = _ids(paths, ids)
        if found is None:
            self.db.close()
            raise _Miss("malformed stored graph")
        self.paths: tuple[str, ...] = paths
        self.index = dict(zip(paths, range(count), strict=True))
        self.ids = found
        self.types = frozenset(types)

    def row(self, u: int) -> tuple[tuple[EdgeRow, ...], tuple[int, ...]]:
        """Document ``u``'s outgoing edges and the order of its incoming ones."""
        try:
            found = self.db.execute("SELECT succ, pred FROM nodes WHERE node = ?", (u,)).fetchone()
            if found is None or type(found[0]) is not bytes or type(found[1]) is not bytes:
                raise _Miss(f"no stored row for {self.paths[u]}")
            columns, pred = marshal.loads(found[0]), marshal.loads(found[1])
        except (sqlite3.Error, ValueError, EOFError, TypeError) as exc:
            raise _Miss(f"stored graph unusable ({exc})") from exc
        count = len(self.paths)
        if not _valid_ints(pred) or (pred and (min(pred) < 0 or max(pred) >= count)):
            raise _Miss("malformed stored row")
        if (
            not valid_columns(columns, _EDGE_TYPES)
            or not set(columns[3]) <= _KINDS.keys()
            or not set(columns[5]) <= _RELATIONS.keys()
            or (columns[0] and (min(columns[0] + columns[1]) < 0
                                or max(columns[0] + columns[1]) >= count))
        ):  # fmt: skip
            raise _Miss("malformed stored row")
        edges = tuple(zip(*columns, strict=True))
        return edges, pred

    def close(self) -> None:
        self.db.close()


class _Documents(Mapping[str, Document]):
    """Every document of the stored graph, decoded from the parse cache when first read (the
    changed ones as they are now)."""

    def __init__(
        self, graph: StoredGraph, fresh: Mapping[str, Document], read: Callable[[str], Document]
    ) -> None:
        self._graph = graph
        self._done: dict[str, Document] = dict(fresh)
        self._read = read

    def __getitem__(self, path: str) -> Document:
        doc = self._done.get(path)
        if doc is None:
            if path not in self._graph.index:
                raise KeyError(path)
            doc = self._done[path] = self._read(path)
        return doc

    def __contains__(self, path: object) -> bool:
        return path in self._graph.index

    def __iter__(self) -> Iterator[str]:
        return iter(self._graph.paths)

    def __len__(self) -> int:
        return len(self._graph.paths)


class _Lazy(Mapping[str, Any]):
    """A table keyed by every document path, each value made when first read."""

    def __init__(self, keys: Mapping[str, int], make: Callable[[str], Any]) -> None:
        self._keys = keys
        self._make = make
        self._done: dict[str, Any] = {}

    def __getitem__(self, path: str) -> Any:
        try:
            return self._done[path]
        except KeyError:
            if path not in self._keys:
                raise
        value = self._done[path] = self._make(path)
        return value

    def __contains__(self, path: object) -> bool:
        return path in self._keys

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)


@dataclass
class _Adjacency:
    """The edges as rows: each document's outgoing edges grouped by target in the graph's
    order (``{target: [edge attributes]}``) and the order of its sources."""

    graph: StoredGraph
    by_path: Mapping[str, Document]

    def __post_init__(self) -> None:
        self.succ: dict[int, dict[int, list[EdgeAttrs]]] = {}
        self.pred: dict[int, list[int]] = {}

    def _load(self, u: int) -> None:
        edges, pred = self.graph.row(u)
        paths = self.graph.paths
        groups: dict[int, list[EdgeAttrs]] = {}
        for v, declarer, fragment, kind, target, rel, line, col, is_id, rev, text, file in edges:
            ref = _reference(_KINDS[kind], target, _RELATIONS[rel], line, col, is_id, rev, text)
            other = v if declarer == u else u
            link = _link(paths[declarer], ref, Target.DOCUMENT, paths[other], fragment)
            data = _FiledEdgeAttrs(link, "", file) if file is not None else _edge(link)
            groups.setdefault(v, []).append(data)
        self.succ[u] = groups
        self.pred[u] = list(pred)

    def out(self, u: int) -> dict[int, list[EdgeAttrs]]:
        if u not in self.succ:
            self._load(u)
        return self.succ[u]

    def into(self, v: int) -> list[int]:
        if v not in self.pred:
            self._load(v)
        return self.pred[v]

    def view(self) -> Edges:
        """The edges as the rules read them (``Edges``), made per document on first read."""
        paths, index = self.graph.paths, self.graph.index

        def succ_of(path: str) -> dict[str, EdgeKeys]:
            return {paths[v]: EdgeKeys(tuple(d)) for v, d in self.out(index[path]).items()}

        def pred_of(path: str) -> Mapping[str, EdgeKeys]:
            v = index[path]
            sources = {paths[u]: u for u in self.into(v)}
            return _Lazy(sources, lambda source: EdgeKeys(tuple(self.out(sources[source])[v])))

        nodes = _Lazy(index, lambda path: NodeAttrs(self.by_path[path]))
        return Edges(nodes, _Lazy(index, succ_of), _Lazy(index, pred_of))  # type: ignore[arg-type]


def _skeleton_without_references(record: Record) -> Any:
    from .incremental import _skeleton

    fields = list(record)
    fields[9] = ()
    return _skeleton(tuple(fields))[0]


def links_only(before: Document, after: Document) -> bool:
    """Whether ``after`` differs from ``before`` in its references alone (and where its
    lines fall)."""
    same: bool = _skeleton_without_references(encode(before)) == _skeleton_without_references(
        encode(after)
    )
    return same


@dataclass(frozen=True)
class Edit:
    """What an edit of some documents' links did to the stored graph."""

    before: Corpus
    after: Corpus
    touched: frozenset[str]
    adjacency: _Adjacency
    #: The documents whose stored rows the edit changed.
    dirty: list[int]

    def commit(self, graph: StoredGraph, key: str, digest: str) -> None:
        """Write the changed rows and tag the stored graph with the new result."""
        _write_rows(graph.db, self.rows(graph), key, digest)

    def rows(self, graph: StoredGraph) -> list[tuple[bytes, bytes, int]]:
        """The changed rows as ``commit`` writes them: (edges, sources, document)."""
        index = graph.index
        rows = []
        for u in self.dirty:
            edges = tuple(
                _edge_row(v, data, index)
                for v, group in self.adjacency.out(u).items()
                for data in group
            )
            rows.append((_columns(edges), marshal.dumps(tuple(self.adjacency.into(u))), u))
        return rows


def _write_rows(
    db: sqlite3.Connection, rows: list[tuple[bytes, bytes, int]], key: str, digest: str
) -> None:
    """Write ``Edit.rows`` and the new result's tag in one transaction."""
    with db:
        db.executemany("UPDATE nodes SET succ = ?, pred = ? WHERE node = ?", rows)
        db.execute("UPDATE meta SET value = ? WHERE key = 'result'", (f"{key}\0{digest}",))


def _store_rows(
    root: Path, store: Callable[[], str], rows: list[tuple[bytes, bytes, int]], key: str
) -> None:
    """Store the findings (``store``, which returns the new result's digest), then the
    stored graph's changed ``rows`` tagged with that digest (``_write_rows``, through a
    connection of its own). A failure leaves the graph tagged with the result before (the
    next link edit then rechecks the whole tree, as when nothing is stored)."""
    digest = store()
    if not digest:
        return
    try:
        if not _usable_state(root, GRAPH_FILE, create=False):
            return
        with closing(sqlite3.connect(root / CACHE_DIR / GRAPH_FILE, timeout=1.0)) as db:
            _write_rows(db, rows, key, digest)
    except (sqlite3.Error, OSError) as exc:
        log.info("stored graph not written (%s)", exc)


def apply_edit(
    graph: StoredGraph,
    root: Path,
    config: Config,
    files: frozenset[str],
    aliases: Mapping[str, str],
    unreadable: tuple[tuple[str, str], ...],
    fresh: Sequence[Document],
    read: Callable[[str], Document],
    was: Sequence[Document] = (),
) -> Edit:
    """The corpora before and after the changed documents (``fresh``, as they are now),
    both lazy, and what the edit touched."""
    changed = {doc.path: doc for doc in fresh}
    paths, index = graph.paths, graph.index
    for path in changed:
        if path not in index:
            raise _Miss(f"{path} is not in the stored graph")
    old_docs = _Documents(graph, {doc.path: doc for doc in was}, read)
    new_docs = _Documents(graph, changed, read)
    before_adj = _Adjacency(graph, old_docs)
    after_adj = _Adjacency(graph, new_docs)
    resolver = _resolver(config, new_docs, graph.ids, files, aliases)  # type: ignore[arg-type]
    resolver.known_types = graph.types  # from the stored graph, not read from every document
    # The edges the changed documents declare now, by node pair, in link order.
    declared: dict[tuple[int, int], list[EdgeAttrs]] = {}
    for doc in fresh:
        for link in resolver.links_of(doc):
            edge = edge_of(link)
            if edge is not None:
                u, v = index[edge[0]], index[edge[1]]
                declared.setdefault((u, v), []).append(_edge_attrs(link, edge[2], None))
    mine = {index[p] for p in changed}
    pairs = set(declared)
    for d in mine:  # the pairs they declared before
        for v, group in before_adj.out(d).items():
            if any(index[e.link.source] in mine for e in group):
                pairs.add((d, v))
        for u in before_adj.into(d):
            if any(index[e.link.source] in mine for e in before_adj.out(u)[d]):
                pairs.add((u, d))
    touched = set(mine)
    for d in mine:
        touched.update(before_adj.out(d))
        touched.update(before_adj.into(d))
    for u, v in sorted(pairs):  # as ``graph._copy_on_write`` rebuilds them
        found: list[EdgeAttrs] = []
        for w in sorted({u, v}, key=paths.__getitem__):
            if w in mine:
                found.extend(declared.get((u, v), ()))
            else:
                found.extend(e for e in before_adj.out(u).get(v, ()) if index[e.link.source] == w)
        out = dict(after_adj.out(u))
        into = list(after_adj.into(v))
        after_adj.succ[u], after_adj.pred[v] = out, into
        if found:
            out[v] = found
            if u not in into:
                into.append(u)
        else:
            out.pop(v, None)
            if u in into:
                into.remove(u)
        touched.update((u, v))
    for d in mine:
        touched.update(after_adj.out(d))
        touched.update(after_adj.into(d))
    names = {paths[t] for t in touched}

    def corpus(docs: _Documents, adjacency: _Adjacency, shown: Sequence[Document]) -> Corpus:
        return Corpus(
            root=root, config=config, documents=tuple(shown), files=files, links=(),
            edges=adjacency.view(), by_path=docs, ids=MappingProxyType(graph.ids),
            aliases=MappingProxyType(dict(aliases)), unreadable=unreadable,
        )  # fmt: skip

    shown = [new_docs[p] for p in sorted(names)]
    # The changed documents' links, for the link rules: they read no edge, so they run again
    # for those documents alone (``checks.recheck`` with ``edgeless``); the other touched
    # documents' links resolve as they did.
    links = tuple(link for doc in shown if doc.path in changed for link in resolver.links_of(doc))
    after = replace(corpus(new_docs, after_adj, shown), links=links)
    dirty = sorted({end for pair in pairs for end in pair})
    return Edit(corpus(old_docs, before_adj, ()), after, frozenset(names), after_adj, dirty)


class RecordReader:
    """Documents decoded one at a time from the parse cache, each only when its stored key is
    the stat the stored result saw (``state``): else ``_Miss``."""

    def __init__(
        self, root: Path, config: Config, wiki: tuple[str, ...], state: Mapping[str, Any]
    ) -> None:
        if not _usable_state(root, CACHE_FILE, create=False):
            raise _Miss("no usable parse cache")
        path = root / CACHE_DIR / CACHE_FILE
        if not path.is_file():
            raise _Miss("no parse cache")
        self.state = state
        self.db = sqlite3.connect(path, timeout=1.0)
        try:
            row = self.db.execute("SELECT value FROM meta WHERE key = 'fingerprint'").fetchone()
        except sqlite3.Error as exc:
            self.db.close()
            raise _Miss(f"parse cache unusable ({exc})") from exc
        if row is None or row[0] != fingerprint(config, wiki):
            self.db.close()
            raise _Miss("the parse cache is another configuration's")

    def __call__(self, path: str) -> Document:
        stat = self.state.get(path)
        try:
            row = self.db.execute(
                "SELECT size, mtime_ns, record FROM documents WHERE path = ?", (path,)
            ).fetchone()
            if stat is None or row is None or (row[0], row[1]) != tuple(stat[:2]):
                raise _Miss(f"no cached record of {path} as the stored result saw it")
            record = marshal.loads(row[2])
            if not valid_record(record) or record[0] != path:
                raise _Miss(f"malformed cached record of {path}")
            return decode(record)
        except (sqlite3.Error, ValueError, EOFError, TypeError) as exc:
            raise _Miss(f"parse cache unusable ({exc})") from exc

    def close(self) -> None:
        self.db.close()


def _web_targets(doc: Document) -> list[str]:
    return [ref.target for ref in doc.references if ref.target.strip().lower().startswith("http")]


@dataclass(frozen=True)
class Tree:
    """The tree as this run listed it, and the result stored for it (key, digest and the
    stat of each document its findings saw)."""

    root: Path
    config: Config
    files: frozenset[str]
    aliases: Mapping[str, str]
    unreadable: tuple[tuple[str, str], ...]
    wiki: tuple[str, ...]
    key: str
    digest: str
    state: Mapping[str, Any]

    def open(self) -> tuple[StoredGraph, RecordReader]:
        """The stored graph and the parse cache's records as the stored result saw them."""
        graph = StoredGraph(self.root, self.config, self.key, self.digest)
        try:
            return graph, RecordReader(self.root, self.config, self.wiki, self.state)
        except _Miss:
            graph.close()
            raise

    def edit(
        self, graph: StoredGraph, reader: RecordReader, now: Sequence[Document],
        was: Sequence[Document] = (),
    ) -> Edit:  # fmt: skip
        """``apply_edit`` on this tree."""
        return apply_edit(
            graph, self.root, self.config, self.files, self.aliases, self.unreadable, now,
            reader, was,
        )  # fmt: skip


def recheck_links(
    tree: Tree,
    *,
    stored: Sequence[Finding],
    before: Sequence[Document],
    now: Sequence[Document],
    today: date,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    cache: bool,
    suspects: Callable[..., Any],
    store: Callable[[list[Finding], Mapping[str, Document]], Callable[[], str]],
) -> list[Finding] | None:
    """The findings after an edit of the ``before`` documents' links (``now``: as they are
    now), from the ``stored`` findings and the graph stored beside them; None when the stored
    graph cannot answer (see the module's documentation). ``store`` takes the findings (given
    the documents by path, readable only during the call) and returns the write that stores
    them and returns the new result's digest; that write and the stored graph's changed rows,
    tagged with the digest, are left to ``behind.later``."""
    from .checks import ARCHITECTURE_RULES, recheck, same_succession
    from .checks.structure import cycles_unchanged
    from .incremental import architecture_moves, carry_findings

    EDGE_RULES = ("TG204", "TG301", "TG302")
    if any(
        b.path != a.path or (b.id, b.type, b.status) != (a.id, a.type, a.status)
        or _web_targets(b) != _web_targets(a) or a.sidecar or b.sidecar or not links_only(b, a)
        for b, a in zip(before, now, strict=True)
    ):  # fmt: skip
        log.info("incremental: not a links-only edit; the whole recheck")
        return None
    config = tree.config
    graph: StoredGraph | None = None
    reader: RecordReader | None = None
    try:
        graph, reader = tree.open()
        edit = tree.edit(graph, reader, now, before)
        changed = [doc.path for doc in now]
        if not cycles_unchanged(edit.before, edit.after, changed):
            raise _Miss("a changed document is on a dependency cycle")
        if not same_succession(edit.before, edit.after, changed, edit.touched):
            raise _Miss("a supersedes edge changed")
        moves: dict[str, dict[int, int]] = {}
        for old, new in zip(before, now, strict=True):
            moved = architecture_moves(old, new)
            if moved is None:
                raise _Miss("a changed document describes the system differently")
            if any(a != b for a, b in moved.items()):
                moves[old.path] = moved
        held_arch = [f for f in stored if f.code in ARCHITECTURE_RULES]
        names = {path: edit.after.by_path[path].name for path in moves}
        carried = carry_findings(held_arch, moves, names) if moves else held_arch
        if carried is None:
            raise _Miss("an architecture finding names a line that moved")
        others = [f for f in stored if f.code not in ARCHITECTURE_RULES]
        within = frozenset(edit.touched)
        findings = recheck(
            edit.after, (*others, *carried), edit.touched, config, today=today, select=select,
            ignore=ignore, suspects=partial(suspects, edit.after, cache=cache, within=within),
            held=(*ARCHITECTURE_RULES, "TG203"), nearby=EDGE_RULES, changed=changed,
            edgeless=True,
        )  # fmt: skip
        log.info("incremental: links of %d document(s) rechecked from the stored graph (%d "
                 "touched)", len(now), len(edit.touched))  # fmt: skip
        from .behind import later

        write = store(findings, edit.after.by_path)
        later(tree.root, partial(_store_rows, tree.root, write, edit.rows(graph), tree.key))
        return findings
    except (_Miss, sqlite3.Error) as exc:
        log.info("incremental: the stored graph cannot answer (%s); the whole recheck", exc)
        return None
    finally:
        for opened in (graph, reader):
            if opened is not None:
                opened.close()


def _retag(root: Path, key: str, digest: str, new_digest: str) -> None:
    """Tag the graph stored for ``digest`` with ``new_digest``; ``_Miss`` when it is not."""
    if not _usable_state(root, GRAPH_FILE, create=False):
        raise _Miss("no usable state folder")
    path = root / CACHE_DIR / GRAPH_FILE
    if not path.is_file():
        raise _Miss("no stored graph")
    with closing(sqlite3.connect(path, timeout=1.0)) as db, db:
        done = db.execute(
            "UPDATE meta SET value = ? WHERE key = 'result' AND value = ?",
            (f"{key}\0{new_digest}", f"{key}\0{digest}"),
        ).rowcount
    if done != 1:
        raise _Miss("the stored graph is another result's")


def keep_graph(tree: Tree, new_digest: str, now: Sequence[Document]) -> None:
    """After findings were carried over for documents whose lines moved (``now``; none when
    no reference moved), the stored graph with their edges' lines moved too, tagged with the
    new result (else removed)."""
    graph: StoredGraph | None = None
    reader: RecordReader | None = None
    try:
        if not now and new_digest:  # only the tag changes: nothing else is read
            _retag(tree.root, tree.key, tree.digest, new_digest)
            return
        if any(doc.sidecar for doc in now):
            raise _Miss("a sidecar")
        graph, reader = tree.open()
        edit = tree.edit(graph, reader, now)
        if new_digest:
            edit.commit(graph, tree.key, new_digest)
            return
    except (_Miss, sqlite3.Error) as exc:
        log.info("stored graph not carried (%s)", exc)
    finally:
        for opened in (graph, reader):
            if opened is not None:
                opened.close()
    drop_graph(tree.root)
