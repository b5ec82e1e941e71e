"""resolve: references -> documents, artifacts or nothing, against one listing of the tree.

The hot loop of the graph stage (160k references at 10,000 documents, 1.6M at 100,000): mypyc
compiles this module with the parser's (``setup.py``; ``tracegraph.parse.native`` decides which
build a process loads, and ``TRACEGRAPH_PURE=1`` reads this file as Python). Written for both:
plain classes and functions, no decorators on methods, module constants ``Final`` (C statics
when compiled), and the shared ``Link``/``Reference`` tuples read directly (``ref._more[0]`` is
``ref.is_id``: a property call costs more than the lookup it guards). ``graph.build_corpus``
uses it; the graph itself is built there.
"""

from __future__ import annotations

import posixpath
import re
import sys
from collections.abc import Iterable, Mapping
from operator import attrgetter
from typing import Any, Final, TypeAlias
from urllib.parse import unquote

from .model import Document, Link, Reference, RefKind, Relation, Target, link_more
from .repository import OwnLink, Repository

_SCHEME: Final = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
FOLDER_INDEXES: Final = ("README.md", "readme.md", "Readme.md", "index.md", "README.markdown")

_DOCUMENT: Final = Target.DOCUMENT
_ARTIFACT: Final = Target.ARTIFACT
_SELF: Final = Target.SELF
_MISSING: Final = Target.MISSING
_OUTSIDE: Final = Target.OUTSIDE
_EXTERNAL: Final = Target.EXTERNAL
_WIKILINK: Final = RefKind.WIKILINK
_SIDECAR: Final = RefKind.SIDECAR
_MENTION: Final = RefKind.MENTION

# Links are the most numerous objects after parsing (1.6M at 100k documents): setting the slots
# directly costs half of the frozen ``__init__``.
_NEW: Final[Any] = object.__new__
_SET_SOURCE: Final[Any] = Link.__dict__["source"].__set__
_SET_REFERENCE: Final[Any] = Link.__dict__["reference"].__set__
_SET_PATH: Final[Any] = Link.__dict__["path"].__set__
_SET_MORE: Final[Any] = Link.__dict__["_more"].__set__
#: A link's shared ``(status, fragment)`` tuple (``model.link_more``), held untyped: compiled
#: code copies a value typed as a fixed-length tuple into a struct and boxes a new tuple when it
#: passes it on, and a million links would each get their own.
More: TypeAlias = Any
_MORE_OF: Final[Any] = link_more
#: ``link._more`` read untyped (as above: the shared tuple itself).
_MORE_OF_LINK: Final[Any] = attrgetter("_more")


#: ``link_more``'s shared tuples, looked up here: ``link_more`` is Python (``model`` is not
#: compiled), a frame for each link made from this module (a tenth of the resolver's
#: instructions at 1,000 documents went to calling it).
_MORES: Final[dict[tuple[Target, str | None], Any]] = {}


def more_of(status: Target, frag: str | None) -> More:
    """``link_more(status, frag)``: the same shared ``(status, fragment)`` tuple."""
    key = (status, frag)
    found = _MORES.get(key)
    if found is None:
        found = _MORES[key] = _MORE_OF(status, frag)
    return found


def _scheme(target: str) -> str:
    """The URL scheme ``target`` starts with, lower-case, or "" (``_SCHEME``; the web's two
    without the regular expression).

    >>> _scheme("HTTPS://x.org"), _scheme("mailto:a@b.c"), _scheme("a/b:c"), _scheme("C:/x")
    ('https', 'mailto', '', 'c')
    """
    head = target[:6].lower()
    if head == "https:":
        return "https"
    if head.startswith("http:"):
        return "http"
    match = _SCHEME.match(target)
    return "" if match is None else match.group(1).lower()


def intern(text: str) -> str:
    """``sys.intern``: paths and fragments are shared, a large corpus points at the same few
    thousand documents and anchors from a million links."""
    return sys.intern(text)


def normpath(path: str) -> str:
    """``posixpath.normpath(path)``, which leaves a path without empty, ``.`` or ``..`` parts
    as it is (most links): only those are normalised.

    >>> normpath("docs/adr/0001.md"), normpath("docs/./adr//../x.md"), normpath("")
    ('docs/adr/0001.md', 'docs/x.md', '.')
    """
    if not path or "//" in path or "/." in path or path[0] in "./" or path[-1] == "/":
        return posixpath.normpath(path)
    return path


def new_link(source: str, ref: Reference, more: More, path: str | None) -> Link:
    """``Link(source, ref, *more, path)`` without its constructor: ``more`` is the shared
    ``(status, fragment)`` (``link_more``)."""
    link: Link = _NEW(Link)
    _SET_SOURCE(link, source)
    _SET_REFERENCE(link, ref)
    _SET_PATH(link, path)
    _SET_MORE(link, more)
    return link


def make_link(
    source: str, ref: Reference, status: Target, path: str | None = None, frag: str | None = None
) -> Link:
    """``Link(source, ref, status, path, frag)``, made as ``new_link`` makes it."""
    return new_link(source, ref, more_of(status, frag), path)


class Resolver:
    """Maps references to targets against one listing of the tree: ``by_path`` (documents by
    path), ``ids`` (paths by ID, the first one wins), ``files`` (every listed file)."""

    def __init__(
        self,
        by_path: Mapping[str, Document],
        ids: Mapping[str, tuple[str, ...]],
        files: frozenset[str],
    ) -> None:
        self.by_path = by_path
        self.ids = ids
        self.files = files
        #: Symbolic link -> real path (files and folders).
        self.aliases: dict[str, str] = {}
        #: The repository's web addresses known so far.
        self.repositories: tuple[Repository, ...] = ()
        #: (source, URL) of every web link, collected while addresses may still be inferred.
        self.web_links: list[tuple[str, str]] | None = None
        #: Configured citation patterns (RE2: matched in linear time).
        self.external_ids: tuple[Any, ...] = ()
        #: The types that have a document in the tree (set by a caller that knows them, else
        #: read from ``by_path`` when first needed).
        self.known_types: frozenset[str] | None = None
        self._stems: dict[str, list[str]] | None = None
        self._alias_depth = -1
        dirs: set[str] = {""}
        for path in files:
            parent = path.rpartition("/")[0]
            while parent and parent not in dirs:
                dirs.add(parent)
                parent = parent.rpartition("/")[0]
        self.dirs = frozenset(dirs)
        # What a relative link resolved to, by target as written, while resolving the
        # documents of one folder (sorted paths keep a folder's documents together; most of
        # them link the same targets): the first link made, read for its path and (status,
        # fragment). Not kept: links to their own document (``(#frag)``, ``(x.md)`` in x.md),
        # wikilinks and sidecar links (their kind changes where they lead).
        self._folder = ""
        self._relative: dict[str, Link] = {}
        # What an ID reference that names a document resolved to, by target as written.
        self._by_id: dict[str, Link] = {}
        # (folder, folder part of a relative link) -> the normalised folder (see ``_join``).
        self._folders: dict[tuple[str, str], str] = {}
        # Fragments as written -> decoded and interned.
        self._fragments: dict[str, str] = {}

    def types(self) -> frozenset[str]:
        """The types that have at least one document in the tree."""
        known = self.known_types
        if known is None:
            known = self.known_types = frozenset(doc.type for doc in self.by_path.values())
        return known

    def stems(self) -> dict[str, list[str]]:
        """Documents by lower-case file stem, for wikilinks (built only when one needs it)."""
        stems = self._stems
        if stems is None:
            stems = self._stems = {}
            for path in self.by_path:
                stem = path.rsplit("/", 1)[-1].rsplit(".", 1)[0].lower()
                stems.setdefault(stem, []).append(path)
        return stems

    def resolve(self, doc: Document, ref: Reference) -> Link:
        """Resolve one reference of ``doc``."""
        return self._resolve(doc, posixpath.dirname(doc.path), ref)

    def links_of(self, doc: Document) -> list[Link]:
        """Every reference of ``doc``, resolved, in order. A relative link or an ID resolved
        before from the same folder takes the earlier link's answer (the same target, the
        same fragment; only whether it points at ``doc`` itself is decided again)."""
        source = doc.path
        base = posixpath.dirname(source)
        if base != self._folder:
            self._folder = base
            self._relative = {}
        relative = self._relative
        by_id = self._by_id
        # An ID's links all lead to the first of its documents, and no two IDs share one: a
        # known ID link points at ``doc`` itself exactly when it leads where ``doc``'s own does.
        doc_id = doc.id
        own = self.ids.get(doc_id) if doc_id else None
        own_first = own[0] if own else None
        links: list[Link] = []
        for ref in doc.references:
            if ref._more[0]:  # ``ref.is_id``
                known = by_id.get(ref.target)
                if known is None:
                    links.append(self._resolve_id(doc, ref))
                    continue
                more = _MORE_OF_LINK(known)
                if known.path == own_first:
                    links.append(new_link(source, ref, more_of(_SELF, more[1]), source))
                else:
                    links.append(new_link(source, ref, more, known.path))
                continue
            kind = ref.kind
            seen = None if kind is _WIKILINK or kind is _SIDECAR else relative.get(ref.target)
            if seen is None:
                links.append(self._resolve(doc, base, ref))
                continue
            path = seen.path
            more = _MORE_OF_LINK(seen)
            if more[0] is _DOCUMENT and path == source:
                more = more_of(_SELF, more[1])
            links.append(new_link(source, ref, more, path))
        return links

    def _resolve(self, doc: Document, base: str, ref: Reference) -> Link:
        """``base`` is the folder of ``doc``."""
        if ref._more[0]:
            return self._resolve_id(doc, ref)
        source = doc.path
        target = ref.target.strip()
        name = _scheme(target) if ":" in target else ""  # most links are paths
        if name:
            if name == "file" or len(name) == 1:  # file:// and Windows drives C:\...
                return make_link(source, ref, _OUTSIDE)
            if name == "https" or name == "http":
                if self.web_links is not None:
                    self.web_links.append((source, target))
                for repository in self.repositories:
                    own = repository.locate(target)
                    if own is not None:
                        return self._resolve_own(source, ref, own)
            return make_link(source, ref, _EXTERNAL)
        if target.startswith("//"):
            return make_link(source, ref, _EXTERNAL)
        link = self._resolve_relative(source, base, ref, target)
        path = link.path
        if (
            path != source  # not ``(#frag)`` nor a link to itself
            and base == self._folder
            and ref.kind is not _WIKILINK
            and ref.kind is not _SIDECAR
        ):
            self._relative[ref.target] = link
        return link

    def _resolve_relative(self, source: str, base: str, ref: Reference, target: str) -> Link:
        """A link that is a path, relative or from the root (``target`` stripped)."""
        raw_path, _, fragment = target.partition("#")
        if "?" in raw_path:
            raw_path = raw_path.partition("?")[0]
        frag = self._fragment(fragment) if fragment else None
        # Browsers and GitHub read a backslash in a relative URL as a slash (WHATWG URL rules),
        # so a Windows-style ``..\..\x`` escapes just like ``../../x``.
        path = unquote(raw_path) if "%" in raw_path else raw_path
        if "\\" in path:
            path = path.replace("\\", "/")
        if not path:
            return make_link(source, ref, _SELF, source, frag)
        if "\x00" in path:
            return make_link(source, ref, _MISSING, None, frag)
        if path.startswith("//"):  # a UNC path (\\server\share) or an encoded //host
            return make_link(source, ref, _OUTSIDE, None, frag)
        # From the root, or as posixpath.join: ``base`` (a dirname) never ends with a slash.
        joined = normpath(path.lstrip("/")) if path.startswith("/") else self._join(base, path)
        if joined == ".":
            joined = ""
        if joined == ".." or joined.startswith("../"):
            return make_link(source, ref, _OUTSIDE, intern(joined), frag)
        return self._resolve_path(source, ref, joined, frag, path)

    def _join(self, base: str, path: str) -> str:
        """``normpath(base/path)``, the folder part normalised once per folder and ``base``
        (a tree's links name files in a few hundred folders): the file name is appended
        as it is, unless it is empty, ``.`` or ``..``."""
        head, _, name = path.rpartition("/")
        if not name or name == "." or name == "..":
            return normpath(f"{base}/{path}" if base else path)
        key = (base, head)
        folder = self._folders.get(key)
        if folder is None:
            folder = normpath(f"{base}/{head}" if base else head or ".")
            self._folders[key] = folder
        return name if folder == "." else f"{folder}/{name}"

    def _fragment(self, fragment: str) -> str:
        """A link's ``#fragment`` decoded, one string for each spelling."""
        found = self._fragments.get(fragment)
        if found is None:
            found = intern(unquote(fragment)) if "%" in fragment else intern(fragment)
            self._fragments[fragment] = found
        return found

    def _resolve_path(
        self, source: str, ref: Reference, joined: str, frag: str | None, written: str
    ) -> Link:
        """The link to root-relative ``joined``: a document, an artifact or missing."""
        found = self._lookup(joined)
        if found is None and ref.kind is _WIKILINK:
            found = self._lookup_wiki(joined, written)
        if found is None and ref.kind is _SIDECAR and not written.startswith("/"):
            # A metadata file is not Markdown: ``keps/sig-x/1-y`` in a kep.yaml means the
            # repository's keps/, as the convention's own tools read it.
            rooted = posixpath.normpath(written)
            found = self._lookup(rooted)
            joined = rooted if found is not None else joined
        if found is None:
            return make_link(source, ref, _MISSING, intern(self._unalias(joined)), frag)
        status, resolved = found
        resolved = intern(resolved)
        if status is _DOCUMENT and resolved == source:
            return make_link(source, ref, _SELF, resolved, frag)
        return make_link(source, ref, status, resolved, frag)

    def _resolve_own(self, source: str, ref: Reference, own: OwnLink) -> Link:
        """A URL into the repository: resolved like a root-relative link. A commit-SHA
        permalink shows the file as it was then: an edge when the path still exists, never a
        finding (no fragment is checked, and a path gone since is external)."""
        frag = intern(unquote(own.fragment)) if own.fragment else None
        own_path = own.path
        if own_path is None:
            return make_link(source, ref, _OUTSIDE, intern(own.repo_path), frag)
        if own.pinned:
            found = self._lookup(own_path)
            if found is None:
                return make_link(source, ref, _EXTERNAL)
            status, resolved = found
            if status is _DOCUMENT and resolved == source:
                status = _SELF
            return make_link(source, ref, status, intern(resolved))
        return self._resolve_path(source, ref, own_path, frag, own_path)

    def _unalias(self, path: str) -> str:
        """``path`` with a symlinked file or folder at its start replaced by its target."""
        aliases = self.aliases
        if not aliases:
            return path
        # Only prefixes as deep as the deepest link can be one: a path of 50,000 folders (the
        # hostile corpus) then costs a few lookups, not 50,000 joins of a growing prefix.
        depth = self._alias_depth
        if depth < 0:  # how many path components the deepest symbolic link has
            depth = self._alias_depth = max(key.count("/") + 1 for key in aliases)
        for _ in range(path.count("/") + 2):  # each step removes a link; a loop cannot last
            parts = path.split("/", depth)
            found = False
            for end in range(1, min(len(parts), depth) + 1):
                real = aliases.get("/".join(parts[:end]))
                if real is not None:
                    rest = "/".join(parts[end:])
                    path = f"{real}/{rest}" if real and rest else real or rest
                    found = True
                    break
            if not found:
                return path
        return path

    def exists(self, path: str) -> bool:
        """Whether a root-relative path names a listed file or folder (symlinks followed)."""
        return self._lookup(path) is not None

    def _lookup(self, path: str) -> tuple[Target, str] | None:
        if self.aliases:
            path = self._unalias(path)
        by_path = self.by_path
        if path in by_path:
            return _DOCUMENT, path
        if path in self.files:
            return _ARTIFACT, path
        if path in self.dirs:
            for index in FOLDER_INDEXES:
                candidate = f"{path}/{index}" if path else index
                if candidate in by_path:
                    return _DOCUMENT, candidate
            return _ARTIFACT, path
        return None

    def _lookup_wiki(self, joined: str, written: str) -> tuple[Target, str] | None:
        for candidate in (f"{joined}.md", f"{joined}.markdown"):
            if candidate in self.by_path:
                return _DOCUMENT, candidate
        matches = self.stems().get(written.rsplit("/", 1)[-1].lower(), [])
        if len(matches) == 1:
            return _DOCUMENT, matches[0]
        return None

    def _resolve_id(self, doc: Document, ref: Reference) -> Link:
        doc_id, _, fragment = ref.target.partition("#")
        frag = intern(fragment) if fragment else None
        source = doc.path
        if doc_id == doc.id:
            return make_link(source, ref, _SELF, source, frag)
        paths = self.ids.get(doc_id)
        if not paths:
            if self._is_citation(doc_id, ref):
                return make_link(source, ref, Target.CITATION, None, frag)
            return make_link(source, ref, Target.UNKNOWN_ID, None, frag)
        link = self._by_id[ref.target] = make_link(source, ref, _DOCUMENT, paths[0], frag)
        return link

    def _is_citation(self, doc_id: str, ref: Reference) -> bool:
        """Whether an ID no document has names a document elsewhere: it matches
        ``external_ids``, or it is a bare mention of a type with no document in the tree
        (an IETF "RFC-2119" in a repository of ADRs)."""
        type_name, _, number = doc_id.rpartition("-")
        if ref.kind is _MENTION and type_name not in self.types():
            return True
        short = f"{type_name}-{number.lstrip('0') or '0'}"
        return any(p.fullmatch(doc_id) or p.fullmatch(short) for p in self.external_ids)


_SUPERSEDED_BY: Final = Relation.SUPERSEDED_BY


def add_edges(
    links: Iterable[Link],
    succ: dict[str, dict[str, Any]],
    pred: dict[str, dict[str, Any]],
    keys_class: Any,
    set_held: Any,
    filed: Any,
) -> None:
    """Fill ``succ`` and ``pred`` (a networkx MultiDiGraph's adjacency, every node present)
    with the edge each link to another document makes, in link order: ``A -> B`` when A
    rests on B, so a ``superseded_by`` link and one listed under "Downstream Impact" point
    the other way. A node pair holds a ``keys_class`` (``graph.EdgeKeys``) made without its
    constructor and given its first edge by ``set_held``; a later edge of the same pair is
    ``add``-ed to it. An edge is held as its link, or as ``filed(link)`` for a link written
    in a sidecar file."""
    for link in links:
        if _MORE_OF_LINK(link)[0] is not _DOCUMENT:  # ``link.status``, without a property call
            continue
        target = link.path
        source = link.source
        if target is None or target == source:
            continue
        ref = link.reference
        if ref.relation is _SUPERSEDED_BY or ref._more[1]:  # ``ref.reverse``: the other way
            source, target = target, source
        data: Any = filed(link) if ref.kind is _SIDECAR else link
        out = succ[source]
        keys = out.get(target)
        if keys is None:
            keys = _NEW(keys_class)
            set_held(keys, data)
            out[target] = keys
            pred[target][source] = keys
        else:  # a second edge between the same two documents (rare)
            keys.add(data)
