"""The health report as one frozen value, built by a pure function.

``build_report`` takes the scanned corpus, the findings of the checks, the previous run and the
trend read from the history database, and returns a ``HealthReport``. The formats (JSON,
Markdown, HTML) only lay that value out; none of them looks at the corpus again.

The health score (documented in the README and shown in every report)::

    document score = max(0, 100 - 25 * errors - 10 * warnings - 2 * infos)
    health score   = mean of the document scores, rounded to one decimal (100 when empty)

Each document can lose at most its own share, so one hopeless file cannot sink the whole
score, and fixing one error in a corpus of N documents always raises the score by at most
25 / N points. Findings on a path that is not a document (rare) are charged to an extra
virtual document.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from ..graph import Corpus
from ..model import SEVERITY_RANK, Finding, Relation, Severity

if TYPE_CHECKING:
    import networkx as nx
else:  # imported on first use: start-up without a graph stays fast
    from .._lazy import networkx as nx

#: Points a document loses per finding of each severity.
PENALTY: Mapping[Severity, int] = {Severity.ERROR: 25, Severity.WARNING: 10, Severity.INFO: 2}
SCORE_FORMULA = (
    "each document scores max(0, 100 - 25 x errors - 10 x warnings - 2 x infos); "
    "the health score is the mean over all documents"
)

#: Finding codes behind the headline counts.
BROKEN_CODES = frozenset({"TG101", "TG102", "TG103", "TG104"})
ORPHAN_CODE = "TG201"
CYCLE_CODE = "TG203"
STALE_CODE = "TG501"
SUSPECT_CODE = "TG503"

#: Relations along which a document "rests on" another for the longest chains.
CHAIN_RELATIONS = frozenset({Relation.IMPLEMENTS.value, Relation.DEPENDS_ON.value})
#: Relations that do not make a document part of another's coverage chain.
NON_COVERAGE_RELATIONS = frozenset({Relation.SUPERSEDES.value, Relation.MENTIONS.value})
#: The traceability chain, in order; other types sort after these.
TYPE_ORDER = ("PRD", "RFC", "ADR", "TDD")
HOT_SPOTS = 10
LONGEST_CHAINS = 5


@dataclass(frozen=True, slots=True)
class FindingKey:
    """What identifies a finding across runs: code, path and message (not the line, which
    moves when text is edited above it)."""

    code: str
    path: str
    message: str


def key_of(finding: Finding) -> FindingKey:
    """The cross-run identity of ``finding``."""
    return FindingKey(finding.code, finding.path, finding.message)


@dataclass(frozen=True, slots=True)
class PastFinding:
    """A finding as stored in the history database."""

    code: str
    rule: str
    severity: str
    path: str
    line: int
    column: int
    message: str

    @property
    def key(self) -> FindingKey:
        """The cross-run identity of this finding."""
        return FindingKey(self.code, self.path, self.message)


@dataclass(frozen=True, slots=True)
class TrendPoint:
    """One run's figures for the trend chart."""

    run_at: str
    commit: str | None
    score: float
    errors: int
    warnings: int
    infos: int
    #: Suspect links (TG503) of the run; None for runs recorded before they were counted.
    suspect_links: int | None = None

    @property
    def findings(self) -> int:
        """All findings of the run."""
        return self.errors + self.warnings + self.infos


@dataclass(frozen=True)
class PreviousRun:
    """The last recorded run. ``documents`` is None for runs recorded by schema version 1,
    which did not store the document list."""

    run_at: str
    commit: str | None
    score: float
    findings: tuple[PastFinding, ...]
    documents: tuple[str, ...] | None


@dataclass(frozen=True, slots=True)
class DocumentRow:
    """One document with its figures, for tables and the map's cards."""

    path: str
    name: str
    type: str
    status: str
    title: str
    errors: int
    warnings: int
    infos: int
    score: float
    depended_on_by: int  # distinct documents with an edge into this one
    downstream: int  # everything that rests on it, transitively
    upstream: tuple[str, ...]  # paths this one has an edge to (sorted)
    dependents: tuple[str, ...]  # paths with an edge into this one (sorted)


@dataclass(frozen=True, slots=True)
class Figures:
    """The headline figures of one run."""

    documents: int
    by_type: tuple[tuple[str, int], ...]
    by_status: tuple[tuple[str, tuple[tuple[str, int], ...]], ...]
    references: int
    edges: int
    errors: int
    warnings: int
    infos: int
    orphans: int
    broken_references: int
    cycles: int
    stale: int
    score: float
    #: Suspect links (TG503 warnings): documents resting on one that changed since.
    suspect_links: int = 0

    @property
    def findings(self) -> int:
        """All findings."""
        return self.errors + self.warnings + self.infos


@dataclass(frozen=True, slots=True)
class SuspectRow:
    """One suspect link: ``document`` (its name) rests on ``upstream`` (a path), which changed in
    ``commits`` commits since ``document`` was last reviewed (``review``: commit, date, kind)."""

    document: str
    upstream: str
    upstream_name: str
    line: int
    commits: int
    review_commit: str
    review_date: str
    review_kind: str
    how: tuple[str, ...]
    #: Where the edge is written (the downstream document, or the file that declares it).
    path: str


@dataclass(frozen=True)
class Changes:
    """What changed since the previous run."""

    previous_run_at: str
    previous_commit: str | None
    previous_score: float
    score_delta: float
    new_findings: tuple[Finding, ...]
    resolved_findings: tuple[PastFinding, ...]
    new_documents: tuple[str, ...] | None  # None: the previous run did not record documents
    removed_documents: tuple[str, ...] | None


@dataclass(frozen=True, slots=True)
class Coverage:
    """One PRD and the documents that rest on it, nearest first."""

    prd: str
    chain: tuple[tuple[str, int], ...]  # (path, depth), sorted by depth, type order, name


@dataclass(frozen=True, slots=True)
class Group:
    """Findings grouped under one key (a rule or a document)."""

    key: str
    label: str
    findings: tuple[Finding, ...]


@dataclass(frozen=True, slots=True)
class EntityRow:
    """One entity of the architecture section: ``detail`` is a component's technology, what
    exposes an endpoint or owns a table, or what uses an external; ``sources`` the documents
    (and lines) that design it, or name it for an external."""

    key: str
    kind: str
    name: str
    state: str
    detail: str
    sources: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class ArchitectureSection:
    """The system the documents describe (issue 20): entity counts, rows, the TG7xx finding
    count, and the map drawn for one output (``svg``) or why there is none (``note``)."""

    counts: tuple[tuple[str, int], ...]
    entities: tuple[EntityRow, ...]
    documents: tuple[str, ...]
    findings: int
    svg: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class HealthReport:
    """Everything a report shows; the formats lay it out."""

    root: str
    generated_at: str
    today: str | None
    commit: str | None
    figures: Figures
    documents: tuple[DocumentRow, ...]
    findings: tuple[Finding, ...]
    by_rule: tuple[Group, ...]
    by_document: tuple[Group, ...]
    changes: Changes | None
    coverage: tuple[Coverage, ...]
    uncovered_prds: tuple[str, ...]
    longest_chains: tuple[tuple[str, ...], ...]
    hot_spots: tuple[DocumentRow, ...]
    islands: tuple[tuple[str, ...], ...]
    trend: tuple[TrendPoint, ...]
    #: Suspect links, most commits first; ``suspect_note`` says why there are none to know
    #: (outside git, a shallow clone), or None.
    suspect: tuple[SuspectRow, ...] = ()
    suspect_note: str | None = None
    map_svg: str | None = None
    map_note: str | None = None
    map_slugs: tuple[tuple[str, str], ...] = ()  # (path, DOM id of its node in the SVG)
    map_edges: tuple[tuple[str, str, str], ...] = ()  # (DOM id, source path, target key)
    history_note: str | None = None
    formula: str = SCORE_FORMULA
    #: What the design documents describe; None when none describes anything.
    architecture: ArchitectureSection | None = None

    @cached_property
    def _rows_by_path(self) -> dict[str, DocumentRow]:
        return {row.path: row for row in self.documents}

    def document(self, path: str) -> DocumentRow | None:
        """The row of ``path``, or None for a path that is not a document."""
        return self._rows_by_path.get(path)

    def name(self, path: str) -> str:
        """The short name of ``path`` (its ID, or the path)."""
        row = self.document(path)
        return row.name if row else path


def score_document(errors: int, warnings: int, infos: int) -> float:
    """The score of one document from its finding counts.

    >>> score_document(0, 0, 0)
    100.0
    >>> score_document(1, 2, 0)
    55.0
    >>> score_document(5, 0, 0)
    0.0
    """
    lost = (
        PENALTY[Severity.ERROR] * errors
        + PENALTY[Severity.WARNING] * warnings
        + PENALTY[Severity.INFO] * infos
    )
    return float(max(0, 100 - lost))


def health_score(paths: Iterable[str], findings: Iterable[Finding]) -> float:
    """The corpus score: the mean document score, one decimal; 100 for an empty corpus.

    >>> health_score(["a.md", "b.md"], [])
    100.0
    """
    counts = _severity_counts(findings)
    documents = set(paths)
    scored = documents | set(counts)
    if not scored:
        return 100.0
    extra = {p for p in counts if p not in documents}
    total = sum(score_document(*counts.get(p, (0, 0, 0))) for p in documents)
    if extra:  # every stray finding is charged to one virtual document
        sums = [sum(counts[p][i] for p in extra) for i in range(3)]
        total += score_document(*sums)
        return _round(total / (len(documents) + 1))
    return _round(total / len(documents))


def _round(value: float) -> float:
    return float(f"{value + 1e-9:.1f}")


def _severity_counts(findings: Iterable[Finding]) -> dict[str, tuple[int, int, int]]:
    counts: dict[str, list[int]] = {}
    index = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}
    for finding in findings:
        counts.setdefault(finding.path, [0, 0, 0])[index[Severity(finding.severity)]] += 1
    return {p: (c[0], c[1], c[2]) for p, c in counts.items()}


def type_rank(type_name: str) -> tuple[int, str]:
    """Sort key that puts the traceability chain first (PRD, RFC, ADR, TDD), then the rest."""
    if type_name in TYPE_ORDER:
        return TYPE_ORDER.index(type_name), type_name
    return (len(TYPE_ORDER) + 1, type_name) if type_name == "DOC" else (len(TYPE_ORDER), type_name)


def build_report(
    corpus: Corpus,
    findings: Sequence[Finding],
    *,
    generated_at: str,
    previous: PreviousRun | None = None,
    trend: Sequence[TrendPoint] = (),
    today: str | None = None,
    commit: str | None = None,
    map_svg: str | None = None,
    map_note: str | None = None,
    map_slugs: Mapping[str, str] | None = None,
    map_edges: Sequence[tuple[str, str, str]] = (),
    history_note: str | None = None,
    suspect_note: str | None = None,
) -> HealthReport:
    """Build the report of one run (pure: no I/O; same input, same value).

    ``trend`` holds earlier runs, oldest first; this run is appended as the last point.
    ``suspect_note`` says why suspect links cannot be known (TG503 off or unknown).
    """
    ordered = tuple(sorted(findings))
    graph = _document_graph(corpus)
    rows = _document_rows(corpus, graph, ordered)
    figures = _figures(corpus, graph, ordered)
    point = TrendPoint(
        generated_at, commit, figures.score, figures.errors, figures.warnings, figures.infos,
        figures.suspect_links,
    )  # fmt: skip
    names = {row.path: row.name for row in rows}
    coverage, uncovered = _coverage(corpus, graph, names)
    return HealthReport(
        root=corpus.root.as_posix(),
        generated_at=generated_at,
        today=today,
        commit=commit,
        figures=figures,
        documents=rows,
        findings=ordered,
        by_rule=_by_rule(ordered),
        by_document=_by_document(ordered, names),
        changes=_changes(corpus, ordered, figures.score, previous),
        coverage=coverage,
        uncovered_prds=uncovered,
        longest_chains=find_longest_chains(graph),
        hot_spots=find_hot_spots(rows),
        islands=find_islands(graph, names),
        trend=(*trend, point),
        suspect=find_suspect_rows(ordered),
        suspect_note=suspect_note,
        map_svg=map_svg,
        map_note=map_note,
        map_slugs=tuple(sorted((map_slugs or {}).items())),
        map_edges=tuple(sorted(map_edges)),
        history_note=history_note,
        architecture=build_architecture_section(corpus, ordered),
    )


#: Entity kinds in the order the section lists them.
ENTITY_KINDS = ("component", "endpoint", "table", "external")


def build_architecture_section(
    corpus: Corpus, findings: Sequence[Finding]
) -> ArchitectureSection | None:
    """The architecture section: every entity with what says most about it, or None when no
    document describes a component, endpoint or table."""
    arch = corpus.architecture
    if not arch.entities:
        return None
    names = {entity.key: entity.name for entity in arch.entities}
    for path, doc in arch.documents.items():
        names[f"document:{path}"] = doc.name
    into: dict[str, dict[str, list[str]]] = {}
    for edge in arch.edges:
        into.setdefault(edge.target, {}).setdefault(edge.relation, []).append(names[edge.source])
    rows = []
    for entity in arch.entities:
        incoming = into.get(entity.key, {})
        if entity.kind == "component":
            detail = entity.technology
        elif entity.kind == "endpoint":
            detail = _named("exposed by", incoming.get("exposes", []))
        elif entity.kind == "table":
            detail = _named("owned by", incoming.get("owns", []))
        else:
            detail = _named("used by", incoming.get("depends_on", []))
        documents = [s for s in entity.sources if s.role != "mentions"] or list(entity.sources)
        sources = tuple(dict.fromkeys((s.path, s.line) for s in documents))
        rows.append(EntityRow(entity.key, entity.kind, entity.name, entity.state, detail, sources))
    counts = tuple((kind, sum(1 for r in rows if r.kind == kind)) for kind in ENTITY_KINDS)
    return ArchitectureSection(
        counts=counts,
        entities=tuple(rows),
        documents=tuple(sorted(arch.documents)),
        findings=sum(1 for f in findings if f.code.startswith("TG7")),
    )


def _named(verb: str, names: list[str]) -> str:
    unique = list(dict.fromkeys(names))
    return f"{verb} {', '.join(unique)}" if unique else ""


def _document_graph(corpus: Corpus) -> nx.DiGraph:
    """A simple digraph (one edge per document pair) with the set of relations on each edge."""
    graph = nx.DiGraph()
    for doc in corpus.documents:
        graph.add_node(doc.path)
    for source, target, data in sorted(corpus.graph.edges(data=True), key=lambda e: e[:2]):
        if source == target:
            continue
        if graph.has_edge(source, target):
            graph[source][target]["relations"].add(data["relation"])
        else:
            graph.add_edge(source, target, relations={data["relation"]})
    return graph


def count_downstream(graph: nx.DiGraph, batch: int = 8192) -> dict[str, int]:
    """How many documents rest on each document, transitively (``len(nx.ancestors)`` for every
    node at once).

    One ``ancestors`` call per node is quadratic (minutes at 10k documents); instead the
    strongly connected components are condensed to a DAG and, in topological order, each
    component ORs the bit sets of the components pointing at it, for ``batch`` source
    documents at a time so memory stays bounded.

    >>> count_downstream(nx.DiGraph([("tdd", "rfc"), ("rfc", "prd"), ("adr", "rfc")]))
    {'adr': 0, 'prd': 3, 'rfc': 2, 'tdd': 0}
    """
    condensed = nx.condensation(graph)
    order = list(nx.topological_sort(condensed))
    members = condensed.graph["mapping"]
    nodes = sorted(graph.nodes)
    counts = dict.fromkeys(nodes, 0)
    preds = {c: list(condensed.predecessors(c)) for c in order}
    for start in range(0, len(nodes), batch):
        own: dict[int, int] = {}
        for bit, node in enumerate(nodes[start : start + batch]):
            component = members[node]
            own[component] = own.get(component, 0) | (1 << bit)
        reach: dict[int, int] = {}
        for component in order:
            mask = own.get(component, 0)
            for pred in preds[component]:
                mask |= reach[pred]
            reach[component] = mask
        for node in nodes:
            mask = reach[members[node]]
            if mask:
                counts[node] += mask.bit_count()
    for node in nodes:
        counts[node] -= 1  # a node's own component includes itself
    return dict(sorted(counts.items()))


def _document_rows(
    corpus: Corpus, graph: nx.DiGraph, findings: tuple[Finding, ...]
) -> tuple[DocumentRow, ...]:
    counts = _severity_counts(findings)
    downstream = count_downstream(graph)
    rows = []
    for doc in corpus.documents:
        errors, warnings, infos = counts.get(doc.path, (0, 0, 0))
        dependents = tuple(sorted(graph.predecessors(doc.path)))
        rows.append(
            DocumentRow(
                path=doc.path,
                name=doc.name,
                type=doc.type,
                status=doc.status or "",
                title=doc.short_title,
                errors=errors,
                warnings=warnings,
                infos=infos,
                score=score_document(errors, warnings, infos),
                depended_on_by=len(dependents),
                downstream=downstream[doc.path],
                upstream=tuple(sorted(graph.successors(doc.path))),
                dependents=dependents,
            )
        )
    return tuple(rows)


def _figures(corpus: Corpus, graph: nx.DiGraph, findings: tuple[Finding, ...]) -> Figures:
    by_type: Counter[str] = Counter(d.type for d in corpus.documents)
    by_status: dict[str, Counter[str]] = {}
    for doc in corpus.documents:
        by_status.setdefault(doc.type, Counter())[doc.status or "(none)"] += 1
    severities: Counter[str] = Counter(Severity(f.severity).value for f in findings)
    codes: Counter[str] = Counter(f.code for f in findings)
    types = sorted(by_type, key=type_rank)
    return Figures(
        documents=len(corpus.documents),
        by_type=tuple((t, by_type[t]) for t in types),
        by_status=tuple((t, tuple(sorted(by_status[t].items()))) for t in types),
        references=len(corpus.links),
        edges=graph.number_of_edges(),
        errors=severities[Severity.ERROR.value],
        warnings=severities[Severity.WARNING.value],
        infos=severities[Severity.INFO.value],
        orphans=codes[ORPHAN_CODE],
        broken_references=sum(codes[c] for c in BROKEN_CODES),
        cycles=codes[CYCLE_CODE],
        stale=codes[STALE_CODE],
        score=health_score((d.path for d in corpus.documents), findings),
        suspect_links=sum(1 for f in findings if f.code == SUSPECT_CODE and f.suspect),
    )


def find_suspect_rows(findings: Iterable[Finding]) -> tuple[SuspectRow, ...]:
    """The suspect links among the findings (TG503 with details), most commits first."""
    rows = [
        SuspectRow(
            document=f.document or f.path,
            upstream=f.suspect.upstream_path,
            upstream_name=f.suspect.upstream_id,
            line=f.line,
            commits=len(f.suspect.changes),
            review_commit=f.suspect.review_commit,
            review_date=f.suspect.review_date,
            review_kind=f.suspect.review_kind,
            how=f.suspect.how,
            path=f.path,
        )
        for f in findings
        if f.code == SUSPECT_CODE and f.suspect is not None
    ]
    rows.sort(key=lambda r: (-r.commits, r.path, r.line, r.upstream))
    return tuple(rows)


def _changes(
    corpus: Corpus, findings: tuple[Finding, ...], score: float, previous: PreviousRun | None
) -> Changes | None:
    if previous is None:
        return None
    before: Counter[FindingKey] = Counter(f.key for f in previous.findings)
    now: Counter[FindingKey] = Counter(key_of(f) for f in findings)
    new, resolved = [], []
    budget = Counter(before)
    for finding in findings:
        key = key_of(finding)
        if budget[key] > 0:
            budget[key] -= 1
        else:
            new.append(finding)
    left = Counter(now)
    for past in sorted(previous.findings, key=lambda p: (p.path, p.line, p.column, p.code)):
        if left[past.key] > 0:
            left[past.key] -= 1
        else:
            resolved.append(past)
    paths = {d.path for d in corpus.documents}
    if previous.documents is None:
        added = removed = None
    else:
        old = set(previous.documents)
        added, removed = tuple(sorted(paths - old)), tuple(sorted(old - paths))
    return Changes(
        previous_run_at=previous.run_at,
        previous_commit=previous.commit,
        previous_score=previous.score,
        score_delta=round(score - previous.score, 1) + 0.0,
        new_findings=tuple(new),
        resolved_findings=tuple(resolved),
        new_documents=added,
        removed_documents=removed,
    )


def _coverage(
    corpus: Corpus, graph: nx.DiGraph, names: Mapping[str, str]
) -> tuple[tuple[Coverage, ...], tuple[str, ...]]:
    """For each PRD, the typed documents that rest on it, transitively.

    The walk goes through design documents only (not through untyped pages or other PRDs) and
    over every relation except supersession and bare mentions.
    """
    types = {d.path: d.type for d in corpus.documents}
    resting = nx.DiGraph()
    resting.add_nodes_from(graph.nodes)
    resting.add_edges_from(
        (s, t)
        for s, t, d in graph.edges(data=True)
        if d["relations"] - NON_COVERAGE_RELATIONS and types[s] not in ("PRD", "DOC")
    )
    coverage, uncovered = [], []
    for doc in corpus.documents:
        if doc.type != "PRD":
            continue
        depths = nx.single_source_shortest_path_length(resting.reverse(copy=False), doc.path)
        chain = sorted(
            ((p, d) for p, d in depths.items() if p != doc.path),
            key=lambda item: (item[1], type_rank(types[item[0]]), names[item[0]]),
        )
        coverage.append(Coverage(doc.path, tuple(chain)))
        if not chain:
            uncovered.append(doc.path)
    return tuple(coverage), tuple(uncovered)


def find_longest_chains(
    graph: nx.DiGraph, limit: int = LONGEST_CHAINS
) -> tuple[tuple[str, ...], ...]:
    """The longest implements/depends_on chains, one per connected part, longest first.

    Edges inside a cycle are dropped first (cycles are reported by TG203), then networkx's
    ``dag_longest_path`` runs on each weakly connected part. A chain is in graph direction: each
    document rests on the next.

    >>> g = nx.DiGraph()
    >>> g.add_edge("tdd.md", "rfc.md", relations={"implements"})
    >>> g.add_edge("rfc.md", "prd.md", relations={"implements"})
    >>> find_longest_chains(g)
    (('tdd.md', 'rfc.md', 'prd.md'),)
    """
    sub = nx.DiGraph()
    sub.add_edges_from(
        sorted((s, t) for s, t, d in graph.edges(data=True) if d["relations"] & CHAIN_RELATIONS)
    )
    for component in nx.strongly_connected_components(sub):
        if len(component) > 1:
            sub.remove_edges_from([(s, t) for s, t in list(sub.edges(component)) if t in component])
    chains = []
    for part in nx.weakly_connected_components(sub):
        piece = nx.DiGraph()
        piece.add_edges_from(sorted(sub.subgraph(part).edges))
        path = nx.dag_longest_path(
            piece, topo_order=list(nx.lexicographical_topological_sort(piece))
        )
        if len(path) > 1:
            chains.append(tuple(path))
    chains.sort(key=lambda c: (-len(c), c))
    return tuple(chains[:limit])


def find_hot_spots(rows: Iterable[DocumentRow], limit: int = HOT_SPOTS) -> tuple[DocumentRow, ...]:
    """The most depended-on documents: most direct dependents, then most downstream."""
    ranked = sorted(
        (r for r in rows if r.depended_on_by),
        key=lambda r: (-r.depended_on_by, -r.downstream, r.name),
    )
    return tuple(ranked[:limit])


def find_islands(graph: nx.DiGraph, names: Mapping[str, str]) -> tuple[tuple[str, ...], ...]:
    """Weakly connected components, largest first; each sorted by name."""
    parts = [
        tuple(sorted(part, key=lambda p: names.get(p, p)))
        for part in nx.weakly_connected_components(graph)
    ]
    parts.sort(key=lambda part: (-len(part), [names.get(p, p) for p in part]))
    return tuple(parts)


def _by_rule(findings: tuple[Finding, ...]) -> tuple[Group, ...]:
    groups: dict[str, list[Finding]] = {}
    for finding in findings:
        groups.setdefault(finding.code, []).append(finding)
    return tuple(
        Group(code, f"{code} {items[0].rule}", tuple(items))
        for code, items in sorted(
            groups.items(),
            key=lambda kv: (-max(SEVERITY_RANK[Severity(f.severity)] for f in kv[1]), kv[0]),
        )
    )


def _by_document(findings: tuple[Finding, ...], names: Mapping[str, str]) -> tuple[Group, ...]:
    groups: dict[str, list[Finding]] = {}
    for finding in findings:
        groups.setdefault(finding.path, []).append(finding)
    return tuple(
        Group(path, names.get(path, path), tuple(items))
        for path, items in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    )
