"""The architecture graph: the system the documents describe, beside the document graph.

Issue 20. Documents whose type maps its template onto the system (the TDD by default) carry a
``Design`` (components, endpoints, tables) from the parse stage; this module merges them into
one node per entity across documents, remembering every document and line that describes it.

- **Nodes** (``kind``): ``component``, ``endpoint``, ``table``, and ``external``: a dependency
  that no document describes (PostgreSQL, an e-mail provider). Names are merged by
  ``normalise_name`` (case, spacing, hyphens and underscores, a leading article, a trailing
  "service") and by the config's ``architecture.aliases``; endpoints by
  method and path (``{id}``, ``:id`` and ``<id>`` are one parameter), tables by name.
- **Edges** (``relation``, each with the document and line that says it): component
  ``depends_on`` component, table or external; component ``exposes`` endpoint; component
  ``owns`` table (its Interfaces name the table: "writes `usage_units`"); a document
  ``exposes``/``owns`` what it designs when no component of it claims it; and every described
  entity ``described_by`` its documents (with ``change``: new, modified or breaking).
- **State**, from the describing documents' statuses along their type's lifecycle: ``built``
  (the last stage: implemented), ``planned`` (the second half: approved), ``proposed``
  (earlier, or no status), ``retired`` (every describing document has ended); ``external``.

A component's endpoints: an Interfaces item that names an endpoint's path exposes that
endpoint; otherwise the one component of a document whose Interfaces say REST, HTTP, endpoints
or "described below" exposes the document's other endpoints.
"""

from __future__ import annotations

import difflib
import itertools
import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from operator import attrgetter
from typing import TYPE_CHECKING

from .config import ArchitectureConfig, TypeSpec
from .errors import NotFoundError
from .model import Document
from .patterns import glob_regex

if TYPE_CHECKING:
    import networkx as nx

    from .graph import Corpus

#: Entity kinds, in the order maps, exports and reports list them.
KINDS = ("component", "endpoint", "table", "external")
DOCUMENT = "document"
#: Design states, weakest first (an entity takes the strongest of its active documents').
STATES = ("proposed", "planned", "built")
RETIRED, EXTERNAL = "retired", "external"
DEPENDS_ON, EXPOSES, OWNS, DESCRIBED_BY = "depends_on", "exposes", "owns", "described_by"
RELATIONS = (DEPENDS_ON, EXPOSES, OWNS, DESCRIBED_BY)

_SEPARATORS = re.compile(r"[\s\-_/]+")
_ARTICLE = re.compile(r"^(?:the|a|an) ")
_SUFFIXES = frozenset({"service", "services", "svc"})
_PARAM = re.compile(r"\{[^}]*\}|(?<=/):[A-Za-z_]\w*|<[^>]*>")
_CODE = re.compile(r"`([^`]+)`")
#: An identifier with an underscore or a dot (``usage_units``, ``billing.invoices``).
_IDENTIFIER = re.compile(r"\b[A-Za-z0-9]+(?:[_.][A-Za-z0-9]+)+\b")
_QUERY = re.compile(r"^\s*(component|endpoint|table|external)\s*:\s*(.+?)\s*$", re.I)
_ENDPOINT_TEXT = re.compile(r"\b(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)\s+(/\S*)")
_ENDPOINT_QUERY = re.compile(_ENDPOINT_TEXT.pattern, re.I)
_PATH_TEXT = re.compile(r"(?<![\w.])(/[\w{}:<>\-./]+)")
#: Interfaces that say "my document's API": the component exposes the document's endpoints.
_SERVES_API = re.compile(
    r"\b(rest|http|https api|endpoints?|described below|api design|openapi|graphql)\b", re.I
)
#: Names that say "a component of ours" (TG703): "Billing Service", "ledger-svc".
_INTERNAL_NAME = re.compile(r"(?:\b|[-_])(?:service|svc|microservice)$", re.I)
_intern = sys.intern


def normalise_name(text: str) -> str:
    """The key a component or external name is merged by.

    >>> normalise_name("Webhook-Delivery  Service"), normalise_name("the `event_stream`")
    ('webhook delivery', 'event stream')
    >>> normalise_name("Shard 2"), normalise_name("Service")
    ('shard 2', 'service')
    """
    text = _SEPARATORS.sub(" ", text.replace("`", " ").replace("*", " ").casefold()).strip()
    text = _ARTICLE.sub("", text)
    words = text.split()
    if len(words) > 1 and words[-1] in _SUFFIXES:
        words.pop()
    return " ".join(words)


def table_key(name: str) -> str:
    """The key a table is merged by: its name without quotes, case-folded."""
    return name.strip().strip('"`').replace('"', "").casefold()


def endpoint_key(method: str, path: str) -> str:
    """The key an endpoint is merged by: method and path, parameters as ``{}``.

    >>> endpoint_key("get", "/v1/Orders/:order_id/"), endpoint_key("GET", "/v1/orders/{id}")
    ('GET /v1/orders/{}', 'GET /v1/orders/{}')
    """
    clean = _PARAM.sub("{}", path.split("?", 1)[0]).rstrip("/").casefold() or "/"
    return f"{method.upper()} {clean}"


def entity_query(kind: str, name: str) -> str:
    """How a user names an entity on the command line: ``component:"Order API"``."""
    return f'{kind}:"{name}"' if re.search(r"[\s\"']", name) else f"{kind}:{name}"


@dataclass(frozen=True, slots=True)
class Source:
    """One place a document speaks of an entity: ``role`` is ``describes`` (a component),
    ``new``/``modified``/``breaking`` (an endpoint or table), or ``mentions`` (a dependency)."""

    path: str
    line: int
    role: str


@dataclass(frozen=True)
class Entity:
    """One node of the architecture graph; ``key`` is ``kind:normalised name``."""

    key: str
    kind: str
    name: str
    state: str
    sources: tuple[Source, ...]
    technology: str = ""
    responsibility: str = ""
    interfaces: tuple[str, ...] = ()
    description: str = ""
    spellings: tuple[str, ...] = ()

    @property
    def documents(self) -> tuple[str, ...]:
        """The documents that describe the entity (not those that only name it), in order."""
        return tuple(dict.fromkeys(s.path for s in self.sources if s.role != "mentions"))

    @property
    def home(self) -> Source | None:
        """Where the entity is designed: the first document that describes or creates it (a
        map draws it inside that document's box), else the first that changes it; None for
        an external."""
        for roles in (("describes", "new"), ("modified", "breaking")):
            for source in self.sources:
                if source.role in roles:
                    return source
        return None

    @property
    def query(self) -> str:
        """The entity as a command-line argument (``component:"Order API"``)."""
        return entity_query(self.kind, self.name)


@dataclass(frozen=True, slots=True)
class ArchEdge:
    """One edge, written at ``path``:``line``; ``source`` and ``target`` are entity keys or
    ``document:PATH``; ``change`` is set on ``described_by`` edges of endpoints and tables."""

    source: str
    target: str
    relation: str
    path: str
    line: int
    change: str = ""


@dataclass(frozen=True)
class Architecture:
    """Every entity the documents describe or depend on, and the edges between them."""

    entities: tuple[Entity, ...]
    edges: tuple[ArchEdge, ...]
    documents: Mapping[str, Document] = field(default_factory=dict)

    @cached_property
    def by_key(self) -> dict[str, Entity]:
        """Entities by key."""
        return {entity.key: entity for entity in self.entities}

    @cached_property
    def graph(self) -> nx.MultiDiGraph:
        """The graph as networkx: entity keys and ``document:PATH`` nodes with ``kind`` and
        ``name``; edges with ``relation``, ``path``, ``line``."""
        import networkx as nx

        graph = nx.MultiDiGraph()
        for entity in self.entities:
            graph.add_node(entity.key, kind=entity.kind, name=entity.name, state=entity.state)
        for path, doc in sorted(self.documents.items()):
            graph.add_node(document_key(path), kind=DOCUMENT, name=doc.name, state="")
        for edge in self.edges:
            graph.add_edge(
                edge.source, edge.target, relation=edge.relation, path=edge.path, line=edge.line
            )
        return graph

    @cached_property
    def rests_on(self) -> nx.DiGraph:
        """Entity A -> entity B when A rests on B (edge attribute ``relation``): a component on
        what it depends on and on the tables it owns, an endpoint on the component that
        exposes it. What impact and upstream queries and a focused map walk."""
        import networkx as nx

        graph = nx.DiGraph()
        graph.add_nodes_from(entity.key for entity in self.entities)
        for edge in self.edges:
            if edge.source not in self.by_key or edge.target not in self.by_key:
                continue  # a document's edge, or described_by
            if edge.relation == EXPOSES:
                graph.add_edge(edge.target, edge.source, relation=EXPOSES)
            elif not graph.has_edge(edge.source, edge.target):
                graph.add_edge(edge.source, edge.target, relation=edge.relation)
        return graph

    def of_kind(self, kind: str) -> tuple[Entity, ...]:
        """The entities of one kind, in order."""
        return tuple(e for e in self.entities if e.kind == kind)

    def find(self, query: str, aliases: Mapping[str, str] | None = None) -> Entity:
        """An entity by ``kind:name`` (``component:"Order API"``, ``endpoint:"POST
        /v1/orders"``, ``table:orders``); NotFoundError with the closest names otherwise."""
        match = _QUERY.match(query)
        if match is None:
            raise NotFoundError(f"'{query}' is not an entity (use component:NAME, ...)")
        kind, name = match.group(1).lower(), match.group(2).strip().strip("\"'")
        key = entity_key(kind, name, aliases or {})
        found = self.by_key.get(key)
        if found is None and kind in ("component", "external"):
            other = "external" if kind == "component" else "component"
            found = self.by_key.get(entity_key(other, name, aliases or {}))
            if found is not None:
                raise NotFoundError(
                    f"no {kind} '{name}'; did you mean {found.query}?", (found.query,)
                )
        if found is not None:
            return found
        same = [e for e in self.entities if e.kind == kind]
        names = {e.name: e for e in (same or self.entities)}
        close = difflib.get_close_matches(name, sorted(names), n=3, cutoff=0.5)
        suggestions = tuple(names[n].query for n in close)
        hint = f"; did you mean {', '.join(suggestions)}?" if suggestions else ""
        if not self.entities:
            hint = "; no document describes components, endpoints or tables"
        raise NotFoundError(f"no {kind} '{name}' in the architecture{hint}", suggestions)


def document_key(path: str) -> str:
    """The architecture graph's node for a document."""
    return f"{DOCUMENT}:{path}"


def entity_key(kind: str, name: str, aliases: Mapping[str, str]) -> str:
    """The key of an entity of ``kind`` named ``name`` (aliases applied to names)."""
    if kind == "endpoint":
        found = _ENDPOINT_QUERY.search(name)
        return f"endpoint:{endpoint_key(found.group(1), found.group(2)) if found else name}"
    if kind == "table":
        return f"table:{table_key(name)}"
    norm = normalise_name(name)
    return f"{kind}:{aliases.get(norm, norm)}"


def alias_map(config: ArchitectureConfig) -> tuple[dict[str, str], dict[str, str]]:
    """(normalised spelling -> normalised canonical name, canonical -> the name to show)."""
    keys: dict[str, str] = {}
    shown: dict[str, str] = {}
    for canonical, others in config.aliases.items():
        target = normalise_name(canonical)
        shown[target] = canonical
        for other in others:
            keys[normalise_name(other)] = target
    return keys, shown


def design_state(doc: Document, spec: TypeSpec | None) -> str:
    """How far a document's design is along its type's lifecycle (see the module docstring).

    >>> from tracegraph.config import default_config
    >>> from tracegraph.model import Document
    >>> tdd = default_config().type_spec("TDD")
    >>> doc = Document("t.md", "TDD", None, "", "approved", None, (), (), frozenset(), ())
    >>> design_state(doc, tdd)
    'planned'
    """
    status = doc.status
    if spec is None or not status:
        return "proposed"
    if status in spec.terminal:
        return RETIRED
    stages = spec.lifecycle
    if status in stages and len(stages) > 1:
        place = stages.index(status) / (len(stages) - 1)
        return "built" if place >= 1 else "planned" if place >= 0.5 else "proposed"
    return "proposed"


def strongest_state(states: Iterable[str]) -> str:
    """The state of an entity from its documents' states: the furthest active one.

    >>> strongest_state(["proposed", "built", "retired"]), strongest_state(["retired"])
    ('built', 'retired')
    """
    active = [s for s in states if s in STATES]
    if not active:
        return RETIRED
    return max(active, key=STATES.index)


def internal_reason(name: str, config: ArchitectureConfig) -> str | None:
    """Why an undescribed dependency looks like a component of this system (TG703), or None:
    it matches a glob of ``architecture.internal`` or is named like a service, and matches no
    glob of ``architecture.external`` (globs are matched case-insensitively).

    >>> internal_reason("Billing Service", ArchitectureConfig())
    'named like a service'
    >>> internal_reason("acme-ledger", ArchitectureConfig(internal=("acme-*",)))
    "matches architecture.internal 'acme-*'"
    >>> internal_reason("PostgreSQL", ArchitectureConfig(internal=("acme-*",))) is None
    True
    """
    text = " ".join(name.replace("`", "").split())
    if any(_glob_match(g, text) for g in config.external):
        return None
    for pattern in config.internal:
        if _glob_match(pattern, text):
            return f"matches architecture.internal '{pattern}'"
    return "named like a service" if _INTERNAL_NAME.search(text) else None


def _glob_match(pattern: str, text: str) -> bool:
    """Whether a configured glob matches a name, ignoring case (both case-folded: the glob
    is compiled with RE2, as every configured pattern is)."""
    return bool(glob_regex(pattern.casefold()).match(text.casefold()))


@dataclass
class _Draft:
    """An entity being merged from its documents."""

    kind: str
    names: list[str] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)
    states: list[str] = field(default_factory=list)
    fields: dict[str, str] = field(default_factory=dict)
    interfaces: list[str] = field(default_factory=list)


def build_architecture(corpus: Corpus) -> Architecture:
    """Merge what the documents of ``corpus`` describe into one architecture graph."""
    merge, docs = _merged(corpus, edges=True)
    for doc in docs:
        merge.assign(doc)
    entities = _entities(merge, corpus.config.architecture)
    ordered = merge.edges
    del merge
    # By source, relation, target, path, line and change: one stable sort per field, last
    # first (a key tuple per edge was the peak of a check at 100k documents); an edge said
    # twice is then next to itself.
    for name in ("change", "line", "path", "target", "relation", "source"):
        ordered.sort(key=attrgetter(name))
    unique = ordered[:1]
    for edge in itertools.islice(ordered, 1, None):
        if edge != unique[-1]:
            unique.append(edge)
    del ordered
    return Architecture(entities, tuple(unique), {doc.path: doc for doc in docs})


def design_entities(corpus: Corpus, kinds: Iterable[str] = KINDS) -> tuple[Entity, ...]:
    """The entities of ``kinds`` that ``build_architecture(corpus)`` has, equal and in the same
    order, without its edges: what the architecture rules read (TG701-TG703 look at entities
    and where they are described, never at the edges). About 4x less work than the whole
    graph: no edge objects to make, sort and merge, no Interfaces item matched against the
    tables and endpoints (which only makes edges)."""
    wanted = frozenset(kinds)
    merge, _docs = _merged(corpus, edges=False, components="component" in wanted)
    return _entities(merge, corpus.config.architecture, wanted)


def _merged(
    corpus: Corpus, *, edges: bool, components: bool = True
) -> tuple[_Merge, list[Document]]:
    """Every entity the documents describe and depend on, merged (``_Merge.describe`` and
    ``connect``), with their edges or without; and the documents with a design. Without
    ``components``, a component's draft is its kind alone (what resolving a dependency
    reads)."""
    config = corpus.config
    aliases, _shown = alias_map(config.architecture)
    docs = [doc for doc in corpus.documents if doc.design]
    states = {doc.path: design_state(doc, config.spec_for(doc.type, doc.path)) for doc in docs}
    merge = _Merge(aliases, states, edges=edges, components=components)
    for doc in docs:
        merge.describe(doc)
    for doc in docs:
        merge.connect(doc)
    return merge, docs


def _entities(
    merge: _Merge, config: ArchitectureConfig, kinds: frozenset[str] = frozenset(KINDS)
) -> tuple[Entity, ...]:
    """The merged drafts of ``kinds`` as entities, in the architecture's order."""
    _aliases, shown = alias_map(config)
    return tuple(
        sorted(
            (_entity(key, item, shown) for key, item in merge.drafts.items() if item.kind in kinds),
            key=lambda e: (KINDS.index(e.kind), e.name.casefold(), e.key),
        )
    )


class _Merge:
    """The merging state of ``build_architecture``: drafts by key, edges, and which endpoints
    and tables a component claimed (so their documents do not claim them too)."""

    def __init__(
        self, aliases: dict[str, str], states: dict[str, str], *, edges: bool, components: bool
    ) -> None:
        #: Whether the edges are wanted (``design_entities`` wants the entities alone).
        self.edges_wanted = edges
        #: Whether the components are (else their drafts are empty: TG701-TG703 never read
        #: them, only whether a name is one; 10,000 components at 10,000 documents).
        self.components_wanted = components
        #: Dependencies' names as shown (``_clean``), by their text.
        self._cleaned: dict[str, str] = {}
        self.aliases = aliases
        self.states = states
        self.drafts: dict[str, _Draft] = {}
        self.edges: list[ArchEdge] = []
        self.claimed: set[str] = set()
        self.serving: dict[str, list[str]] = {}
        self._by_path: tuple[dict[str, list[str]], dict[str, int]] | None = None
        #: Component keys and dependencies' entities by their text: a few hundred names are
        #: written again in thousands of documents (40,000 components at 10,000 documents).
        self._components: dict[str, str] = {}
        self._resolved: dict[str, str | None] = {}

    def component_key(self, name: str) -> str:
        """``entity_key("component", name, aliases)``, made once per name."""
        key = self._components.get(name)
        if key is None:
            key = self._components[name] = entity_key("component", name, self.aliases)
        return key

    def edge(
        self, source: str, target: str, relation: str, path: str, line: int, change: str = ""
    ) -> None:
        """One more edge; its ends are interned (an entity's key is made again for each edge
        that names it: 600k edges at 100k documents)."""
        if not self.edges_wanted:
            return
        self.edges.append(ArchEdge(_intern(source), _intern(target), relation, path, line, change))

    def add(self, key: str, kind: str, name: str, source: Source) -> _Draft:
        item = self.drafts.get(key)
        if item is None:
            item = self.drafts[key] = _Draft(kind)
        item.names.append(name)
        item.sources.append(source)
        if source.role != "mentions":
            item.states.append(self.states[source.path])
        return item

    def describe(self, doc: Document) -> None:
        """The components, endpoints and tables ``doc`` describes."""
        assert doc.design is not None
        home = document_key(doc.path)
        path = doc.path
        for component in doc.design.components:
            key = self.component_key(component.name)
            if not self.components_wanted:
                if key not in self.drafts:
                    self.drafts[key] = _Draft("component")
                continue
            item = self.add(
                key, "component", component.name, _source(path, component.line, DESCRIBES)
            )
            if component.technology:
                item.fields.setdefault("technology", component.technology)
            if component.responsibility:
                item.fields.setdefault("responsibility", component.responsibility)
            item.interfaces.extend(i.text for i in component.interfaces)
            self.edge(key, home, DESCRIBED_BY, doc.path, component.line)
        for endpoint in doc.design.endpoints:
            key = f"endpoint:{endpoint_key(endpoint.method, endpoint.path)}"
            name = f"{endpoint.method} {endpoint.path}"
            item = self.add(key, "endpoint", name, _source(path, endpoint.line, endpoint.change))
            if endpoint.description:
                item.fields.setdefault("description", endpoint.description)
            self.edge(key, home, DESCRIBED_BY, doc.path, endpoint.line, endpoint.change)
        for table in doc.design.tables:
            key = f"table:{table_key(table.name)}"
            self.add(key, "table", table.name, _source(path, table.line, table.change))
            self.edge(key, home, DESCRIBED_BY, doc.path, table.line, table.change)

    def connect(self, doc: Document) -> None:
        """Dependencies and interfaces of ``doc``'s components (every entity is described by
        now, so a dependency resolves to a component of any document)."""
        assert doc.design is not None
        for component in doc.design.components:
            key = self.component_key(component.name)
            for dependency in component.dependencies:
                target = self.resolve(dependency.text)
                if target is None or target == key:
                    continue
                if target not in self.drafts or self.drafts[target].kind == "external":
                    text = dependency.text
                    shown = self._cleaned.get(text)
                    if shown is None:
                        shown = self._cleaned[text] = _clean(text)
                    self.add(
                        target, "external", shown, _source(doc.path, dependency.line, MENTIONS)
                    )
                if self.edges_wanted:
                    self.edge(key, target, DEPENDS_ON, doc.path, dependency.line)
            if not self.edges_wanted:  # what Interfaces name makes edges, and only edges
                continue
            for interface in component.interfaces:
                for table in self.tables_named(interface.text):
                    self.edge(key, table, OWNS, doc.path, interface.line)
                    self.claimed.add(table)
                for endpoint in self.endpoints_named(interface.text):
                    self.edge(key, endpoint, EXPOSES, doc.path, interface.line)
                    self.claimed.add(endpoint)
                if _SERVES_API.search(interface.text):
                    servers = self.serving.setdefault(doc.path, [])
                    if key not in servers:
                        servers.append(key)

    def assign(self, doc: Document) -> None:
        """Endpoints and tables of ``doc`` that no component claimed by name: the document's
        one API-serving component exposes its endpoints; else the document exposes the
        endpoints and owns the tables it creates."""
        assert doc.design is not None
        servers = self.serving.get(doc.path, [])
        home = document_key(doc.path)
        for endpoint in doc.design.endpoints:
            key = f"endpoint:{endpoint_key(endpoint.method, endpoint.path)}"
            if key in self.claimed:
                continue
            if len(servers) == 1:
                self.edge(servers[0], key, EXPOSES, doc.path, endpoint.line)
            elif endpoint.change == "new":
                self.edge(home, key, EXPOSES, doc.path, endpoint.line)
        for table in doc.design.tables:
            key = f"table:{table_key(table.name)}"
            if key not in self.claimed and table.change == "new":
                self.edge(home, key, OWNS, doc.path, table.line)

    def resolve(self, text: str) -> str | None:
        """The entity a dependency names: a described table (``usage_units``, in code or
        not), endpoint or component, else an external (None for an empty name). Asked once
        per text: every table, endpoint and component is described before the first
        dependency is resolved, and the externals added since are never looked up."""
        if text in self._resolved:
            return self._resolved[text]
        found = self._resolved[text] = self._resolve(text)
        return found

    def _resolve(self, text: str) -> str | None:
        for code in _CODE.findall(text):
            if f"table:{table_key(code)}" in self.drafts:
                return f"table:{table_key(code)}"
        bare = f"table:{table_key(text)}"
        if bare in self.drafts and self.drafts[bare].kind == "table":
            return bare
        found = _ENDPOINT_TEXT.search(text)
        if found is not None:
            key = f"endpoint:{endpoint_key(found.group(1), found.group(2))}"
            if key in self.drafts:
                return key
        key = self.component_key(text)
        if key in self.drafts:
            return key
        norm = key.partition(":")[2]
        return f"external:{norm}" if norm else None

    def tables_named(self, text: str) -> list[str]:
        """Described tables an Interfaces item names: in code, or as an identifier with an
        underscore or dot (a plain word such as "events" is not taken for a table)."""
        names = _CODE.findall(text) + _IDENTIFIER.findall(text)
        keys = [f"table:{table_key(name)}" for name in names]
        return list(dict.fromkeys(k for k in keys if k in self.drafts))

    def endpoints_named(self, text: str) -> list[str]:
        """Described endpoints an Interfaces item names by method and path, or by path (then
        every method designed on it)."""
        out = []
        for method, path in _ENDPOINT_TEXT.findall(text):
            key = f"endpoint:{endpoint_key(method, path)}"
            if key in self.drafts:
                out.append(key)
        if not out:
            paths = {endpoint_key("GET", p).split(" ", 1)[1] for p in _PATH_TEXT.findall(text)}
            by_path, order = self.endpoints_by_path()
            found = {key for path in paths for key in by_path.get(path, ())}
            out = sorted(found, key=order.__getitem__)  # in the drafts' order
        return list(dict.fromkeys(out))

    def endpoints_by_path(self) -> tuple[dict[str, list[str]], dict[str, int]]:
        """Endpoint keys by path, and each endpoint's place among the drafts (every endpoint
        is described before ``connect`` runs; drafts added later are externals): one pass
        instead of one per Interfaces item."""
        if self._by_path is None:
            by_path: dict[str, list[str]] = {}
            order: dict[str, int] = {}
            for place, (key, item) in enumerate(self.drafts.items()):
                if item.kind == "endpoint":
                    by_path.setdefault(key.split(" ", 1)[1], []).append(key)
                    order[key] = place
            self._by_path = (by_path, order)
        return self._by_path


def _clean(text: str) -> str:
    """A name as shown: without code marks and extra space."""
    return " ".join(text.replace("`", "").split())


_new_source = object.__new__
_SOURCE_SLOTS = tuple(Source.__dict__[n].__set__ for n in ("path", "line", "role"))
DESCRIBES, MENTIONS = "describes", "mentions"


def _source(path: str, line: int, role: str) -> Source:
    """``Source(path, line, role)`` without the frozen dataclass's ``__init__`` (40,000 at
    10,000 documents)."""
    source = _new_source(Source)
    set_path, set_line, set_role = _SOURCE_SLOTS
    set_path(source, path)
    set_line(source, line)
    set_role(source, role)
    return source


#: A source's sort key: path, line, role.
_SOURCE_KEY = attrgetter("path", "line", "role")


def _entity(key: str, item: _Draft, shown: Mapping[str, str]) -> Entity:
    norm = key.partition(":")[2]
    name = shown.get(norm) if item.kind in ("component", "external") else None
    name = name or _clean(item.names[0])
    # Each distinct spelling, state and source once: an endpoint, table or dependency is
    # named in thousands of documents (their keys made and compared in C, not by the
    # dataclass's own ``__hash__`` and a key function per source).
    spellings = sorted({_clean(n) for n in set(item.names)} - {name})
    by_key = dict(zip(map(_SOURCE_KEY, item.sources), item.sources, strict=True))
    return Entity(
        key=key,
        kind=item.kind,
        name=name,
        state=EXTERNAL if item.kind == "external" else strongest_state(set(item.states)),
        sources=tuple([by_key[k] for k in sorted(by_key)]),
        technology=item.fields.get("technology", ""),
        responsibility=item.fields.get("responsibility", ""),
        interfaces=tuple(dict.fromkeys(_clean(i) for i in item.interfaces)),
        description=item.fields.get("description", ""),
        spellings=tuple(spellings),
    )
