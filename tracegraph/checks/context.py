"""What every rule receives: the read-only corpus, the config, "today" and the templates.

Rules do not know their own code, name or severity: they yield ``Hit`` values and the registry
in ``tracegraph.checks`` turns them into ``Finding`` values, so the table is the one place that
says which rule is which.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property, lru_cache
from typing import Any

from ..architecture import Entity, design_entities
from ..config import Config, TypeSpec
from ..graph import Corpus, EdgeKeys
from ..model import Document, Link, Relation, Severity, SuspectDetails, Target
from ..suspect import SuspectAnalysis, find_suspect_links
from .templating import Template


@dataclass(frozen=True, slots=True)
class Hit:
    """One problem a rule found, before the registry gives it code, name and severity."""

    path: str
    line: int
    column: int
    message: str
    target: str | None = None
    document: str | None = None
    #: A severity of its own, whatever the rule's (TG503's "cannot know" note is info).
    severity: Severity | None = None
    suspect: SuspectDetails | None = None

    @classmethod
    def at_edge(
        cls, source: str, data: Mapping[str, Any], message: str, target: str, document: str
    ) -> Hit:
        """A hit located where an edge was written (its declaring document, or the sidecar
        file it was declared in, line, column)."""
        return cls(
            str(data.get("file") or data.get("declared_by", source)),
            int(data.get("line", 1)),
            int(data.get("column", 1)),
            message,
            target=target,
            document=document,
        )


#: One graph edge as the rules see it: (source, target, attributes).
Edge = tuple[str, str, Mapping[str, Any]]
#: The relations of the dependency chain (TG203, TG302).
CHAIN_RELATIONS = frozenset({Relation.IMPLEMENTS.value, Relation.DEPENDS_ON.value})
_SUPERSEDES = Relation.SUPERSEDES.value
#: The group of each relation ``_indexed`` collects: the chain's, then ``supersedes``.
_GROUPS = dict.fromkeys(CHAIN_RELATIONS, 0) | {_SUPERSEDES: 1}
#: What nearly every link resolves to (``CheckContext.links_with``), in this order.
_COMMON_STATUSES = (Target.DOCUMENT, Target.SELF, Target.EXTERNAL, Target.ARTIFACT)
#: The kinds of architecture entities the rules read (``CheckContext.entities``).
ENTITY_KINDS = ("endpoint", "table", "external")


@dataclass(frozen=True)
class CheckContext:
    """Everything a rule may look at; nothing here is mutated by a rule.

    Per-corpus data that several rules need (type specs, the edge list, adjacency) is computed
    once here, so that every rule stays linear in documents plus edges.
    """

    corpus: Corpus
    config: Config
    today: date
    templates: dict[str, Template] = field(default_factory=dict)
    #: Computes the suspect links (TG503) when a rule first asks; by default from the git
    #: history with the caches under ``.tracegraph/cache/`` (the API and CLI pass their own;
    #: the language server re-checks after edits, which must not read the history each time).
    suspect_source: Callable[[], SuspectAnalysis] | None = None

    @cached_property
    def suspects(self) -> SuspectAnalysis:
        """The suspect links of the corpus (git history; computed once, on first use)."""
        if self.suspect_source is not None:
            return self.suspect_source()
        return find_suspect_links(self.corpus, cache=True)

    @cached_property
    def entities(self) -> dict[str, tuple[Entity, ...]]:
        """The architecture's endpoints, tables and externals (what TG701-TG703 read) by kind,
        in its order: ``corpus.architecture``'s when it is built, else without its edges
        (``architecture.design_entities``: the rules never read them)."""
        if self.corpus.built_architecture:
            found = self.corpus.architecture.entities
        else:
            found = design_entities(self.corpus, ENTITY_KINDS)
        return {kind: tuple(e for e in found if e.kind == kind) for kind in ENTITY_KINDS}

    def forget_entities(self) -> None:
        """Let go of ``entities`` (made again when next asked; see ``run_checks(release=)``)."""
        self.__dict__.pop("entities", None)

    @cached_property
    def _specs(self) -> tuple[dict[str, TypeSpec | None], dict[str, TypeSpec | None]]:
        """Type specs found so far: by type for a type that no preset's scoped settings
        narrow (the same for all its documents), else by path."""
        return {}, {}

    def spec(self, doc: Document) -> TypeSpec | None:
        """The type spec of a document (None for DOC): a preset's own settings in its folder
        (``Config.scoped``), else the type's."""
        kind = doc.type
        if kind == "DOC":
            return None
        by_type, by_path = self._specs
        if kind in by_type:  # rules ask once per document each (130,000 times at 10k)
            return by_type[kind]
        path = doc.path
        if path in by_path:
            return by_path[path]
        upper = kind.upper()
        found = self.config.spec_for(kind, path)
        if any(scoped.name == upper for scoped in self.config.scoped):
            by_path[path] = found
        else:
            by_type[kind] = found
        return found

    @property
    def edges(self) -> Iterator[Edge]:
        """Every graph edge with its attributes, in the graph's own order (one pass over the
        adjacency, no edge view). A fresh pass each time, never a stored list: a tuple of
        every edge held 90 MB through the checks at 100k documents."""
        return (
            (source, target, data)
            for source, targets in self.corpus.edges.succ.items()
            for target, keyed in targets.items()
            # The compact edges' tuple directly: ``values()`` is three Python calls a pair.
            for data in (keyed.edges if keyed.__class__ is EdgeKeys else keyed.values())
        )

    @property
    def chain_edges(self) -> tuple[Edge, ...]:
        """The ``implements`` and ``depends_on`` edges (a quarter of them all), in the graph's
        order."""
        return self._indexed[0]

    @property
    def supersedes_edges(self) -> tuple[Edge, ...]:
        """The ``supersedes`` edges (a few), in the graph's order."""
        return self._indexed[1]

    @cached_property
    def _indexed(self) -> tuple[tuple[Edge, ...], tuple[Edge, ...]]:
        """The chain and ``supersedes`` edges, found in one pass over every edge: five rules
        read one or the other, and each walked all the edges (0.06 s a pass at 10k)."""
        chain, supersedes = self.corpus.edges.grouped(_GROUPS, 2)
        return tuple(chain), tuple(supersedes)

    def links_with(self, status: Target) -> tuple[Link, ...]:
        """The links that resolved to ``status``, in the corpus's order. The uncommon
        statuses (a broken link, an unknown ID, one outside the root: what TG101, TG103 and
        TG104 read) are found for all three in one pass over the links (three passes took
        0.045 s at 10,000 documents, 158,000 links)."""
        if status in _COMMON_STATUSES:
            return tuple(link for link in self.corpus.links if link.status is status)
        return self._uncommon.get(status, ())

    @cached_property
    def _uncommon(self) -> dict[Target, tuple[Link, ...]]:
        document, self_, external, artifact = _COMMON_STATUSES
        found: dict[Target, list[Link]] = {}
        for link in self.corpus.links:
            status = link.status
            if status is document or status is external or status is self_ or status is artifact:
                continue
            found.setdefault(status, []).append(link)
        return {status: tuple(links) for status, links in found.items()}

    def edges_at(self, paths: Collection[str]) -> Iterator[Edge]:
        """The edges with an end in ``paths`` (a set), each once: those leaving them, then
        those entering them from elsewhere, paths in sorted order. A node pair's edges come
        in the graph's own order either way."""
        succ, pred = self.corpus.edges.succ, self.corpus.edges.pred
        ordered = sorted(paths)
        for source in ordered:
            for target, keyed in succ.get(source, {}).items():
                for data in keyed.values():
                    yield source, target, data
        for target in ordered:
            for source, keyed in pred.get(target, {}).items():
                if source not in paths:
                    for data in keyed.values():
                        yield source, target, data

    def is_terminal(self, doc: Document) -> bool:
        """Whether the document's status ends its life (superseded, deprecated, rejected...)."""
        ended = self._terminal
        found = ended.get(doc.path)
        if found is None:  # asked by six rules for each document: answered once
            spec = self.spec(doc)
            found = ended[doc.path] = bool(spec and doc.status and doc.status in spec.terminal)
        return found

    @cached_property
    def _terminal(self) -> dict[str, bool]:
        return {}

    @cached_property
    def typed(self) -> tuple[Document, ...]:
        """Documents of a configured type (not DOC), in path order."""
        return tuple(d for d in self.corpus.documents if d.type != "DOC")

    def name(self, path: str) -> str:
        """The short name of the document at ``path``."""
        doc = self.corpus.by_path.get(path)
        return doc.name if doc is not None else path


_DATE_FORMATS = (
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%d.%m.%Y",
    "%B %d, %Y",
    "%b %d, %Y",
    "%d %B %Y",
    "%d %b %Y",
)
_ISO_PREFIX = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ]|$)")


@lru_cache(maxsize=4096)  # documents repeat their dates (27,000 read at 10,000 documents)
def parse_date(text: str | None) -> date | None:
    """A calendar date from a metadata value, or None when it is not one.

    >>> parse_date("2026-01-05"), parse_date("2026-01-05T10:00:00Z"), parse_date("[Date]")
    (datetime.date(2026, 1, 5), datetime.date(2026, 1, 5), None)
    >>> parse_date("March 9, 2026")
    datetime.date(2026, 3, 9)
    """
    if not text:
        return None
    value = text.strip().strip("*_`").strip()
    match = _ISO_PREFIX.match(value)
    if match:
        try:
            return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        except ValueError:
            return None
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    return None
