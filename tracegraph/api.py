"""The façade the CLI calls: plain functions that return values and raise TracegraphError."""

from __future__ import annotations

import importlib
import logging
import os
import time
from array import array
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from .behind import later
from .checks import EarlyChecks, run_checks, select_rules, start_document_checks
from .config import Config, load_config
from .crawl import (
    FileIndex,
    WikiScope,
    crawl,
    find_sidecars,
    find_wiki_scope,
    read_document,
    read_head,
    with_files,
)
from .errors import InputError, UsageError
from .generated import json_head, mark_xml
from .githistory import EarlyLog, begin_log, probe_repository
from .githistory import Repository as GitPlace
from .memory import collector_paused
from .model import Document, Finding, Link, Target
from .safefs import RealFolders
from .warm import Seen

if TYPE_CHECKING:
    import hashlib

    from .cache import FileKey, KeptOutput
    from .checks import Rule
    from .graph import Corpus
    from .linkedit import Tree
    from .queries import (  # noqa: F401  (re-exported: the query API)
        ChangeImpact,
        affected_by_change,
        downstream,
        paths_between,
        show,
        upstream,
    )
    from .suspect import AnalysisAhead, ChangeMarks, SuspectAnalysis, SuspectLink
else:
    from ._lazy import hashlib  # imported on first use

    def __getattr__(name: str) -> Any:
        """The names imported on first use (PEP 562): a rerun answered from the result cache
        never reads the graph, the parser, the queries or the history, and does not import
        them (a third of its start-up)."""
        module = _LAZY.get(name)
        if module is None:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{__package__}.{module}"), name)
        globals()[name] = value
        return value


#: Names of this module that live elsewhere, by module (the query API is re-exported).
_LAZY = {
    **dict.fromkeys(("Corpus", "build_corpus"), "graph"),
    "Recogniser": "parse",
    **dict.fromkeys(
        ("ChangeImpact", "affected_by_change", "downstream", "paths_between", "show", "upstream"),
        "queries",
    ),
    **dict.fromkeys(
        ("ChangeMarks", "SuspectAnalysis", "SuspectLink", "find_suspect_links"), "suspect"
    ),
    "changed_files": "vcs",
}

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]


def scan(
    root: str | Path = ".",
    config: Config | None = None,
    *,
    config_path: str | Path | None = None,
    progress: Progress | None = None,
    cache: bool = False,
    index: FileIndex | None = None,
    allow_empty: bool = True,
    presets: bool = True,
    while_parsing: Callable[[], None] | None = None,
    meanwhile: Callable[[Corpus], Callable[[tuple[Link, ...]], object] | None] | None = None,
) -> Corpus:
    """Crawl ``root``, parse every document and build the graph.

    ``cache=True`` keeps parsed documents in ``<root>/.tracegraph/cache/`` (the CLI's default)
    so that a rerun only parses what changed. ``index`` is a listing already crawled with the
    same config (``check_tree`` crawls first to key its result cache); ``presets=False`` when
    ``config`` came from ``with_presets`` already (detection reads the listing and document
    heads: seconds on a large tree). With ``allow_empty=False`` a tree without documents is an
    ``InputError`` (a mistyped path must not pass CI as "no findings"). ``while_parsing``
    runs while worker processes parse (see ``parse_files``). ``meanwhile`` is given the
    documents (``graph.documents_corpus``) before their references are resolved
    (``check_tree`` starts the rules that read documents alone there); what it returns, if
    not None, is given the links once they are resolved, before the edges are built.

    >>> corpus = scan("sample_repo")  # doctest: +SKIP
    >>> corpus.graph.number_of_nodes()  # doctest: +SKIP
    """
    root_path = Path(root)
    if config is None:
        config = load_config(root_path, Path(config_path) if config_path else None)
    if index is None:
        index = crawl(root_path, config)
    if presets:
        config = with_presets(root_path, config, index)
    wiki = wiki_scope(root_path, index.files, config, index.dirs)
    documents = parse_files(
        root_path, index.documents, config, progress=progress, cache=cache,
        sidecars=find_sidecars(index, config), wiki=wiki.paths, meanwhile=while_parsing,
    )  # fmt: skip
    from .graph import build_corpus, document_parts, documents_corpus

    resolved = None
    parts = None
    if meanwhile is not None:
        parts = document_parts(documents)  # sorted once for both corpora
        resolved = meanwhile(
            documents_corpus(
                root_path, config, documents, index.files, unreadable=index.unreadable, parts=parts
            )
        )
    with collector_paused():
        corpus = build_corpus(
            root_path,
            config,
            documents,
            index.files,
            aliases=index.aliases,
            addresses=index.addresses,
            unreadable=index.unreadable,
            resolved=resolved,
            parts=parts,
        )
    if not allow_empty:
        require_documents(root_path, config, len(corpus.documents), len(corpus.generated))
    return corpus


def require_documents(root: Path, config: Config, count: int, generated: int = 0) -> None:
    """Raise ``InputError`` when a scan found no documents (exit 2: a mistyped path or a wrong
    ``include`` must fail CI, not pass it with "no findings")."""
    if count:
        return
    skipped = f"; {generated} file(s) that tracegraph generated were skipped" if generated else ""
    raise InputError(
        f"{root}: no documents found (no file matches include: {', '.join(config.include)}"
        f"{skipped}); check the path and the config, or pass --allow-empty"
    )


def with_presets(
    root: Path,
    config: Config,
    index: FileIndex,
    state: TreeState | None = None,
    store: ResultCache | None = None,
) -> Config:
    """``config`` with the presets its ``presets:`` setting allows that the tree shows (KEP,
    EIP, swift-evolution, Rust and Ember RFCs, MADR, log4brains, Nygard), each applied to its
    own folder; unchanged when none is found or they were applied already.

    With the tree's ``state`` and a result ``store``, the detection is kept and reused while
    the listing (every path) and the documents whose text it read are as they were: it reads
    every path and a few documents, a tenth of a rerun with nothing changed."""
    from .presets import (
        Detection,
        apply_presets,
        detect_presets,
        get_preset,
        preset_fields,
        preset_from_fields,
    )

    if config.applied_presets or "off" in config.presets:
        return config
    key = _presets_key(config, index, state) if store is not None and state is not None else ""
    found: tuple[Detection, ...] | None = None
    if key and store is not None and state is not None:
        stored = store.get_presets(key)
        current = state.documents
        if stored is not None and all(current.get(p) == st for p, st in stored[1].items()):
            # The presets as stored (the key holds the package's digest, so they are the
            # package's files as they are), else as the package's YAML gives them.
            kept = {p.name: p for p in map(preset_from_fields, stored[2]) if p is not None}
            found = tuple(
                Detection(kept.get(name) or get_preset(name), base) for name, base in stored[0]
            )
    if found is None:
        heads: list[str] = []

        def head(rel: str) -> str:
            heads.append(rel)
            return read_head(root, rel)

        found = detect_presets(index.files, index.documents, head, config.presets)
        if key and store is not None and state is not None:
            known = {path: state.documents.get(path) for path in heads}
            if all(stat is not None for stat in known.values()) and not state.racy & set(known):
                pairs = [(d.preset.name, d.base) for d in found]
                presets = tuple(
                    preset_fields(p) for p in {d.preset.name: d.preset for d in found}.values()
                )
                store.put_presets(key, pairs, {p: st for p, st in known.items() if st}, presets)
    for detection in found:
        log.info("detected: %s in %s", detection.preset.title, detection.where)
    return apply_presets(config, found) if found else config


def _presets_key(config: Config, index: FileIndex, state: TreeState) -> str:
    """What preset detection reads besides the documents' text: every path (the listing's
    digest), which of them are documents, the aliases, the setting, and the presets
    themselves (the package's digest)."""
    from .cache import package_digest

    parts = (
        1, package_digest(), state.listing, config.include, config.exclude, config.presets,
        sorted(index.aliases.items()),
    )  # fmt: skip
    return hashlib.sha256(repr(parts).encode("utf-8", "surrogatepass")).hexdigest()


def preset_folder(root: str | Path, name: str) -> str | None:
    """The folder where the tree at ``root`` shows the preset ``name`` (None when it does not,
    so the preset's usual folder is meant)."""
    from .presets import detect_presets

    root_path = Path(root)
    index = crawl(root_path, load_config(root_path))
    found = detect_presets(
        index.files, index.documents, lambda rel: read_head(root_path, rel), (name,)
    )
    return found[0].base if found else None


def parse_files(
    root: Path,
    paths: tuple[str, ...],
    config: Config,
    *,
    progress: Progress | None = None,
    cache: bool = False,
    parallel_threshold: int | None = None,
    sidecars: dict[str, str] | None = None,
    wiki: tuple[str, ...] = (),
    overrides: Mapping[str, bytes] | None = None,
    meanwhile: Callable[[], None] | None = None,
) -> list[Document]:
    """Read and parse each document, in input order (``sidecars``: document -> its metadata
    file, see ``crawl.find_sidecars``); ``[[...]]`` are wikilinks in the ``wiki`` folders (see
    ``wiki_scope``). Files in ``overrides`` (path -> bytes: the tree at another revision) are
    parsed from those bytes, never read or cached.

    With ``cache``, files whose size and mtime match the cache are not read at all. The rest
    are parsed in worker processes (one per CPU) when there are at least
    ``parallel_threshold`` of them (default ``workers.PARALLEL_THRESHOLD``), else serially;
    then this process calls ``meanwhile`` (when given) once the workers have started, before
    it parses its own share (its work is then done while they parse, not after).
    """
    if overrides:
        return _parse_overridden(root, paths, config, sidecars or {}, wiki, overrides, cache)
    with collector_paused():
        return _parse_files(
            root, paths, config, progress, cache, parallel_threshold, sidecars or {}, wiki,
            meanwhile,
        )  # fmt: skip


def _parse_overridden(
    root: Path,
    paths: tuple[str, ...],
    config: Config,
    sidecars: dict[str, str],
    wiki: tuple[str, ...],
    overrides: Mapping[str, bytes],
    cache: bool,
) -> list[Document]:
    """``parse_files`` where some files' bytes are given: those documents (and those whose
    sidecar is given) parsed from them, the rest as usual."""
    from .parse import Recogniser, parse_document

    given = {
        path
        for path in paths
        if path in overrides or (path in sidecars and sidecars[path] in overrides)
    }
    rest = tuple(path for path in paths if path not in given)
    found = dict(zip(rest, parse_files(root, rest, config, cache=cache, sidecars=sidecars,
                                       wiki=wiki), strict=True))  # fmt: skip
    recogniser = Recogniser.from_config(config).with_wiki_folders(wiki)
    limits = config.limits
    for path in sorted(given):
        data = overrides.get(path)
        if data is None:
            data = read_document(root, path, limits.max_file_bytes).data or b""
        side = None
        if path in sidecars:
            name = sidecars[path]
            side_data = overrides.get(name)
            if side_data is None:
                side_data = read_document(root, name, limits.max_file_bytes).data or b""
            side = (name, side_data, None)
        error = None
        if len(data) > limits.max_file_bytes:  # as the crawl reports a file over the limit
            error = f"file is {len(data)} bytes, over the limit limits.max_file_bytes="
            error += str(limits.max_file_bytes)
        found[path] = parse_document(path, None if error else data, recogniser, limits, error, side)
    return [found[path] for path in paths]


def wiki_scope(
    root: Path, files: frozenset[str], config: Config, dirs: frozenset[str] | None = None
) -> WikiScope:
    """Where the tree at ``root`` reads ``[[...]]`` as wikilinks, and why (config ``wikilinks``,
    else the wiki markers among ``files``; ``dirs``: their folders, when known)."""
    return find_wiki_scope(root, files, config.wikilinks, config.limits.max_file_bytes, dirs)


def _parse_files(
    root: Path,
    paths: tuple[str, ...],
    config: Config,
    progress: Progress | None,
    cache: bool,
    parallel_threshold: int | None,
    sidecars: dict[str, str],
    wiki: tuple[str, ...],
    meanwhile: Callable[[], None] | None = None,
) -> list[Document]:
    from .cache import ParseCache, file_key
    from .memory import LARGE_TREE
    from .workers import PARALLEL_THRESHOLD, Sharing, parse_one, parse_parallel, workers_for

    total = len(paths)
    store = ParseCache(root, config, wiki) if cache else None
    found: dict[str, Document] = {}
    todo: list[str] = []
    share = Sharing()  # cached documents repeat headings as much as freshly parsed ones
    for path in paths:
        key = file_key(root, path, sidecars.get(path)) if store is not None else None
        doc = store.get(path, key) if store is not None else None
        if doc is None:
            todo.append(path)
        else:
            found[path] = share(doc)
    done = len(found)
    if progress is not None and done:
        progress(done, total)

    def advance(count: int) -> None:
        nonlocal done
        done += count
        if progress is not None:
            progress(done, total)

    from .parse import Recogniser

    threshold = PARALLEL_THRESHOLD if parallel_threshold is None else parallel_threshold
    workers = workers_for(len(todo), threshold)
    recogniser = Recogniser.from_config(config).with_wiki_folders(wiki)
    if workers > 1:
        fresh = list(
            parse_parallel(
                root, todo, recogniser, config.limits, workers, advance, sidecars, meanwhile
            )
        )
    else:
        fresh = []
        folders: RealFolders = {}
        for path in todo:
            fresh.append(
                parse_one(root, path, recogniser, config.limits, sidecars.get(path), folders)
            )
            advance(1)
    for doc, _key in fresh:
        found[doc.path] = doc
    if store is not None:
        store.save(fresh, paths)
    if len(todo) >= LARGE_TREE:
        from .parse import forget_seen

        forget_seen()
    return [found[path] for path in paths]


def summarise(corpus: Corpus) -> dict[str, Any]:
    """Figures for ``tracegraph scan``: documents per type and status, references by kind and
    by resolution, and the presets applied."""
    from .presets import get_preset

    by_type: Counter[str] = Counter(d.type for d in corpus.documents)
    by_status: dict[str, Counter[str]] = {}
    for doc in corpus.documents:
        by_status.setdefault(doc.type, Counter())[doc.status or "(none)"] += 1
    kinds: Counter[str] = Counter(link.reference.kind.value for link in corpus.links)
    targets: Counter[str] = Counter(link.status.value for link in corpus.links)
    unresolved = sum(targets[t.value] for t in (Target.MISSING, Target.OUTSIDE, Target.UNKNOWN_ID))
    return {
        **json_head(1),
        "root": corpus.root.as_posix(),
        "documents": len(corpus.documents),
        "by_type": dict(sorted(by_type.items())),
        "by_status": {t: dict(sorted(c.items())) for t, c in sorted(by_status.items())},
        "references": len(corpus.links),
        "by_kind": dict(sorted(kinds.items())),
        "by_target": dict(sorted(targets.items())),
        "unresolved": unresolved,
        "edges": corpus.graph.number_of_edges(),
        "parse_problems": sum(len(d.problems) for d in corpus.documents),
        "repository": _repository_summary(corpus),
        "aliases": dict(sorted(corpus.aliases.items())),
        "generated": list(corpus.generated),
        "presets": [
            {
                "name": name,
                "title": get_preset(name).title,
                "folder": f"{folder}/" if folder else "./",
            }
            for name, folder in corpus.config.applied_presets
        ],
        "wikilinks": _wiki_summary(wiki_scope(corpus.root, corpus.files, corpus.config)),
    }


def _wiki_summary(scope: WikiScope) -> dict[str, Any]:
    return {
        "enabled": bool(scope.folders),
        "folders": [{"folder": folder, "reason": reason} for folder, reason in scope.folders],
        "summary": scope.describe(),
    }


def _repository_summary(corpus: Corpus) -> list[dict[str, Any]]:
    """The web addresses whose file links count as internal, each with why."""
    return [
        {
            "url": repo.url,
            "folder": repo.prefix,
            "sources": list(repo.sources),
            "links": None
            if repo.evidence is None
            else {
                "links": repo.evidence.links,
                "existing": repo.evidence.existing,
                "missing": repo.evidence.missing,
            },
            "summary": repo.describe(),
        }
        for repo in corpus.addresses
    ]


# --- maps (issue 5) -----------------------------------------------------------------------------

#: Output formats of ``render_map``: Graphviz layouts, then the pure text formats.
MAP_FORMATS = ("svg", "png", "pdf", "dot", "mermaid")

if TYPE_CHECKING:
    from .cache import CachedResult, KeptOutput, ResultCache, TreeState
    from .edit.changes import ChangeSet
    from .edit.fix import Repair
    from .edit.workspace import (
        Workspace,  # the renderer is imported lazily: scanning never needs it
    )
    from .render import MapModel
    from .render.architecture import ArchitectureMap
    from .vcs import TreeDiff


def find_error_paths(corpus: Corpus) -> frozenset[str]:
    """Documents with at least one error finding (drawn with a red border on maps)."""
    try:
        from .checks import run_checks
    except ImportError:  # the checks package is optional for maps
        return frozenset()
    from .model import Severity

    # TG503 reads git history; it only matters here when a config grades it as an error.
    graded = corpus.config.rules.severity.get("TG503") is Severity.ERROR
    findings = run_checks(corpus, ignore=() if graded else ("TG503",))
    return frozenset(f.path for f in findings if f.severity is Severity.ERROR)


def map_model(
    corpus: Corpus, *, error_paths: frozenset[str] | None = None, **options: Any
) -> MapModel:
    """The ``MapModel`` of ``corpus`` (options as ``tracegraph.render.build_map``); error
    findings come from ``tracegraph.checks`` unless ``error_paths`` is given."""
    from .render import build_map

    if error_paths is None:
        error_paths = find_error_paths(corpus)
    return build_map(corpus, error_paths=error_paths, **options)


@dataclass(frozen=True)
class RenderedMap:
    """A rendered map (text for DOT and Mermaid, bytes for SVG/PNG/PDF) and one-line warnings
    for the user: a map too big to read, a summary of what Graphviz printed."""

    data: str | bytes
    warnings: tuple[str, ...] = ()


def architecture_map(corpus: Corpus, **options: Any) -> ArchitectureMap:
    """The architecture view of ``corpus`` (options as
    ``tracegraph.render.architecture.build_architecture_map``): what its design documents
    describe, ready for ``draw_map``."""
    from .render.architecture import build_architecture_map

    return build_architecture_map(corpus, **options)


def draw_map(
    model: MapModel | ArchitectureMap,
    fmt: str,
    *,
    config: Config,
    engine: str = "auto",
    legend: bool = True,
) -> RenderedMap:
    """Render a ``MapModel`` (or an ``ArchitectureMap``): DOT or Mermaid text, or SVG/PNG/PDF
    bytes through Graphviz (after the size guard, with ``auto`` picking ``sfdp`` for large
    maps), with warnings."""
    from .errors import UsageError
    from .render import check_size, choose_engine
    from .render.graphviz import readability_warning, run_graphviz, summarise_warnings

    if fmt in ("dot", "mermaid"):
        return RenderedMap(_map_text(model, fmt, legend))
    if fmt not in MAP_FORMATS:
        raise UsageError(f"unknown map format '{fmt}' (use {', '.join(MAP_FORMATS)})")
    check_size(model.size, config.render.max_nodes, focused=model.focus is not None)
    layout = choose_engine(engine, model.size, config.render.sfdp_above)
    drawing = run_graphviz(_map_text(model, "dot", legend), fmt, layout)
    notes = (readability_warning(model.size), summarise_warnings(drawing.warnings))
    data = drawing.data
    if fmt == "svg":  # marked as generated, like every text format (PNG and PDF are binary)
        data = mark_xml(data.decode("utf-8")).encode("utf-8")
    return RenderedMap(data, tuple(note for note in notes if note))


def _map_text(model: MapModel | ArchitectureMap, fmt: str, legend: bool) -> str:
    """DOT (``fmt`` "dot") or Mermaid text of either kind of map."""
    from .render import render_dot, render_mermaid
    from .render.architecture import (
        ArchitectureMap,
        render_architecture_dot,
        render_architecture_mermaid,
    )

    if isinstance(model, ArchitectureMap):
        if fmt == "mermaid":
            return render_architecture_mermaid(model)
        return render_architecture_dot(model, legend=legend)
    return render_mermaid(model) if fmt == "mermaid" else render_dot(model, legend=legend)


def render_model(
    model: MapModel | ArchitectureMap, fmt: str, *, config: Config, engine: str = "auto"
) -> str | bytes:
    """Render a ``MapModel`` as ``draw_map`` does; its warnings are logged."""
    drawing = draw_map(model, fmt, config=config, engine=engine)
    for note in drawing.warnings:
        log.warning("%s", note)
    return drawing.data


def render_map(corpus: Corpus, fmt: str, *, engine: str = "auto", **options: Any) -> str | bytes:
    """A map of ``corpus`` as ``fmt`` (svg, png, pdf: bytes; dot, mermaid: text).

    >>> svg = render_map(scan("sample_repo"), "svg", focus="ADR-0005")  # doctest: +SKIP
    """
    model = map_model(corpus, **options)
    return render_model(model, fmt, config=corpus.config, engine=engine)


def check(
    corpus: Corpus,
    config: Config | None = None,
    *,
    today: date | None = None,
    select: Iterable[str] = (),
    ignore: Iterable[str] = (),
    cache: bool = False,
    suspects: SuspectAnalysis | None = None,
) -> list[Finding]:
    """Run the health rules (TG101-TG703) over a scanned corpus; findings sorted by path, line,
    column and code. ``cache`` keeps what TG503 reads from git history under
    ``.tracegraph/cache/``; ``suspects`` is that analysis when the caller has it already.

    >>> findings = check(scan("sample_repo"))  # doctest: +SKIP
    """

    def source() -> SuspectAnalysis:
        return suspects if suspects is not None else suspect_links(corpus, cache=cache)

    with collector_paused():  # the rules build many short-lived tuples over a large, stable heap
        return run_checks(
            corpus, config, today=today, select=select, ignore=ignore, suspects=source
        )


def suspect_links(
    corpus: Corpus,
    *,
    cache: bool = False,
    within: Collection[str] | None = None,
    repo: GitPlace | None = None,
    early: EarlyLog | None = None,
) -> SuspectAnalysis:
    """The suspect links of a scanned corpus (TG503; see ``tracegraph.suspect``); with
    ``within``, only those written in these files; ``repo``: git's answer when the crawl had
    it (one ``git rev-parse`` less); ``early``: git's history begun before the parse."""
    from .suspect import find_suspect_links

    with collector_paused():
        return find_suspect_links(corpus, cache=cache, within=within, repo=repo, early_log=early)


def _suspect_state(
    root: Path, config: Config, repo: GitPlace | None = None, *, keyed: bool = True
) -> tuple[str, tuple[str, ...]]:
    """What TG503's findings depend on besides the files (HEAD: a commit changes history
    without touching a file; the review file's bytes), for the result cache's key (only
    when ``keyed``: a run without the cache reads no review file here), and the note to show
    when TG503 is off (outside git); ``repo``: git's answer when the crawl had it."""
    repo = repo or probe_repository(root)
    if repo.status == "not-git":
        return "off", (f"TG503 (suspect links) is off: {root} is not in a git work tree",)
    if not keyed:
        return "", ()
    read = read_document(root, config.suspect.reviews, 2**31)
    digest = hashlib.sha256(read.data or (read.error or "").encode()).hexdigest()
    return f"{repo.status}:{repo.head}:{repo.prefix}:{digest}", ()


@dataclass(frozen=True)
class CheckRun:
    """What ``tracegraph check`` reports: findings (sorted, before any baseline) and the
    summary counts; ``cached`` says they came from the result cache."""

    root: Path
    config: Config
    documents: int
    references: int
    findings: list[Finding]
    cached: bool = False
    #: What the findings were computed from (the result cache's key and every document's
    #: stat), "" without cache or when a file changed just now (racily): ``check --since``
    #: keys the findings at REF by it.
    fingerprint: str = ""
    #: One-line notes for the user (TG503 is off outside a git work tree).
    notes: tuple[str, ...] = ()
    #: What a check asked for with ``shape`` printed on this same tree (``findings`` are then
    #: empty: print ``output.text`` as it is).
    output: KeptOutput | None = None
    #: What the run saw of the tree in raw form and the other files it read (``warm``): kept
    #: with the output so that the next run can print it before reading a config.
    stamp: Stamp | None = None


@dataclass(frozen=True)
class Stamp:
    """What ``warm.put_stamp`` needs besides the output's key."""

    seen: Seen
    #: The files the run read besides the listing (config files, templates, review file).
    extras: tuple[str, ...]


def check_tree(
    root: str | Path = ".",
    config: Config | None = None,
    *,
    config_path: str | Path | None = None,
    today: date | None = None,
    select: Iterable[str] = (),
    ignore: Iterable[str] = (),
    progress: Progress | None = None,
    cache: bool = False,
    allow_empty: bool = True,
    shape: str = "",
    seen: Seen | None = None,
    keep: bool = False,
    before_scan: Callable[[Config, str, int], None] | None = None,
) -> CheckRun:
    """Scan and check ``root`` in one step (``tracegraph check``).

    With ``cache``, the findings are stored under ``<root>/.tracegraph/cache/`` keyed by the
    stat of every listed file, the whole config, the templates, ``today``, the selection and
    tracegraph's source; a rerun with all of that unchanged returns them without parsing,
    building the graph or running a rule. ``shape`` names how the caller prints them (format
    and options, as ``keep_output`` was given it): when that output of this very tree was
    kept, the run carries it (``CheckRun.output``) and reads no finding. ``seen``: what the
    caller asked git and saw of the files already (``warm.look``; the crawl reuses it, and a
    kept output is stamped with it for ``warm.kept_output``). ``keep``: without the cache, the
    corpus is kept to the end of a process that ends without teardown
    (``memory.keep_to_the_end``) instead of freed on return. ``before_scan`` is called just
    before the tree is parsed (never by a run answered from the cache) with the config, the
    run's fingerprint ("" without one) and the number of documents: ``check_since`` checks the
    tree at REF there, in a child, while this process holds little. What only later runs
    read (the stored result and graph, the parse cache's records of changed documents, the
    kept output's stamp) is written through ``behind.later``: at once, unless the command
    line asked to have it written after its answer.

    >>> run = check_tree("sample_repo", cache=True)  # doctest: +SKIP
    """
    from .cache import ResultCache, result_key, tree_state
    from .checks.templating import template_texts
    from .memory import LARGE_TREE, fix_mmap_threshold, keep_to_the_end

    root_path = Path(root)
    if config is None:
        config = load_config(root_path, Path(config_path) if config_path else None)
    when = today or date.today()
    chosen, dropped = tuple(select), tuple(ignore)
    started = time.time_ns() if seen is None else seen.started
    stats: dict[str, tuple[int, int, int, int]] | None = {} if cache else None
    index = crawl(root_path, config, stats, seen)
    if len(index.documents) >= LARGE_TREE:
        fix_mmap_threshold()
    store = ResultCache(root_path) if cache else None
    state = tree_state(root_path, index.files, started, index.documents, stats) if cache else None
    stats = None
    if seen is not None:
        seen.settle()
    config = with_presets(root_path, config, index, state, store)
    if not allow_empty:
        require_documents(root_path, config, len(index.documents))
    git_state = ""
    notes: tuple[str, ...] = ()
    suspecting = any(rule.code == "TG503" for rule in select_rules(chosen, dropped, config))
    if suspecting:
        git_state, notes = _suspect_state(root_path, config, index.git, keyed=store is not None)
    key = ""
    previous: Carried | None = None
    if store is not None and state is not None:
        # Which folders read wikilinks can change without a listed file changing (a
        # git-ignored .obsidian/ appearing), and so can aliases and unreadable folders.
        wiki = wiki_scope(root_path, index.files, config, index.dirs)
        tree = (
            f"{state.listing}\0wiki={wiki.folders!r}\0aliases="
            f"{sorted(index.aliases.items())!r}\0unreadable={index.unreadable!r}"
        )
        tree += f"\0git={git_state}"
        templates = template_texts(config, root_path)
        key = result_key(
            root_path, config, tree=tree, today=when, select=chosen, ignore=dropped,
            templates=templates, repository=index.addresses,
        )  # fmt: skip
        if shape and state.settled:  # printed before, on this very tree?
            printed = _fingerprint(key, state.documents)
            kept = store.get_output(_output_key(printed, shape))
            if kept is not None:
                if not allow_empty:
                    require_documents(root_path, config, kept.documents)
                if seen is not None:
                    restamp = Stamp(seen, _extras(root_path, config, config_path))
                    later(root_path, partial(_put_stamp, restamp, _output_key(printed, shape),
                                             started))  # fmt: skip
                return CheckRun(
                    root_path, config, kept.documents, kept.references, [], True, printed,
                    notes, kept,
                )  # fmt: skip
        hit = store.get(key, reusable=True)
        carried = None
        if hit is not None:
            with collector_paused():  # the stored findings and records read: none of it garbage
                carried = carry_over(root_path, config, index, wiki.paths, hit, state.documents)
            previous = carried
        if hit is not None and carried is not None and carried.findings is not None:
            if not allow_empty:
                require_documents(root_path, config, hit.documents)
            found = carried.findings or hit.findings
            if carried.fresh:  # the new stats, so the next run starts from here
                write = partial(
                    _store, store, key, state, hit.documents, hit.references, found, carried.fresh
                )
                later(root_path, partial(_keep_graph, root_path, config, index, wiki.paths, key,
                                         hit, write, carried))  # fmt: skip
            printed = _fingerprint(key, state.documents) if state.settled else ""
            stamp = _stamp(seen, root_path, config, config_path, state.settled)
            kept = _printed_before(store, key, hit, found, shape, printed, stamp)
            return CheckRun(
                root_path, config, hit.documents, hit.references, [] if kept else list(found),
                True, printed, notes, kept, stamp,
            )  # fmt: skip
        if hit is not None and previous is not None and previous.now and store is not None:
            fast = _recheck_links(
                root_path, config, index, wiki.paths, key, hit, previous, state, store,
                (when, chosen, dropped), cache,
            )  # fmt: skip
            if fast is not None:
                return CheckRun(
                    root_path, config, hit.documents, fast[1], fast[0],
                    fingerprint=_fingerprint(key, state.documents) if state.settled else "",
                    notes=notes, stamp=_stamp(seen, root_path, config, config_path, state.settled),
                )  # fmt: skip
    if before_scan is not None:
        printed = _fingerprint(key, state.documents) if key and state and state.settled else ""
        before_scan(config, printed, len(index.documents))
    if cache and suspecting:
        _history_first(root_path, index)
    # git's history for TG503 read while the corpus is parsed (none when cached or one commit).
    history = begin_log(root_path, index.git, cache=cache) if suspecting and index.git else None
    early: list[EarlyChecks] = []  # the rules that read documents alone, started early

    def meanwhile(documents: Corpus) -> Callable[[tuple[Link, ...]], None] | None:
        ahead = start_document_checks(documents, config, today=when, select=chosen, ignore=dropped)
        early.extend([ahead] if ahead is not None else [])
        return None if ahead is None else ahead.send_links  # its link rules, once resolved

    rechecking = previous is not None and previous.before
    try:
        corpus = scan(
            root_path, config, progress=progress, cache=cache, index=index,
            allow_empty=allow_empty, presets=False,
            while_parsing=partial(_check_imports, select_rules(chosen, dropped, config)),
            meanwhile=None if rechecking else meanwhile,
        )  # fmt: skip
    except BaseException:
        for ahead in early:
            ahead.child.stop()
        if history is not None:
            history.discard()
        raise
    analysis: AnalysisAhead | None = None
    try:
        graph = False
        if store is not None and state is not None:
            from .linkedit import save_graph

            # Before the rules: what writing it takes is theirs once it is done (written after
            # them, at the end of a 100k check, it was that run's peak memory).
            graph = save_graph(root_path, config, corpus)
        if history is not None:
            history.settle()  # its answers, before a rules child is forked (it cannot wait)
        suspects: Callable[[], SuspectAnalysis] = partial(
            suspect_links, corpus, cache=cache, repo=index.git, early=history
        )
        if suspecting and index.git is not None and previous is None:
            analysis = _analyse_ahead(corpus, cache, index.git, history)
            if analysis is not None:
                suspects = analysis.result
                if history is not None:
                    history.discard()  # its answers are the forked process's now
        # TG503 reads no history of one commit, nor outside git: no thread for it.
        quick = index.git is not None and (index.git.status != "ok" or index.git.one_commit)
        with collector_paused():
            again = None
            if previous is not None and previous.before:
                again = _recheck(corpus, previous, config, when, chosen, dropped, cache, index.git)
            findings = again if again is not None else run_checks(
                corpus, config, today=when, select=chosen, ignore=dropped, suspects=suspects,
                release=True, early=early[0] if early else None, quick_history=quick,
            )  # fmt: skip
    finally:
        if analysis is not None:
            analysis.end()
        if history is not None:
            history.discard()  # taken by TG503, or not needed (no rule read it)
    settled = key and state is not None and state.settled
    stamp = _stamp(seen, root_path, config, config_path, bool(settled))
    run = CheckRun(
        root_path, config, len(corpus.documents), len(corpus.links), findings,
        fingerprint=_fingerprint(key, state.documents) if settled and state else "", notes=notes,
        stamp=stamp,
    )  # fmt: skip
    if store is not None and state is not None:
        racy = [corpus.by_path.get(path) for path in sorted(state.racy)]
        # The findings are stored without the corpus (freed here, not when this returns):
        # its memory takes their columns and blobs (the store was the peak memory of a first
        # cached check at 100k documents).
        del corpus, suspects
        write = partial(
            _store, store, key, state, run.documents, run.references, tuple(findings), racy
        )
        later(root_path, partial(_store_sealed, root_path, key, write, graph))
    elif keep:  # with the cache, the kept output is made after, in the memory it leaves
        keep_to_the_end(corpus)
    return run


def _analyse_ahead(
    corpus: Corpus, cache: bool, repo: GitPlace, early: EarlyLog | None
) -> AnalysisAhead | None:
    """TG503's analysis started in a process of its own (``suspect.analyse_ahead``) where
    the rules fork too (their size, a process without threads), else None."""
    from .checks.parallel import worth_forking

    if repo.status != "ok" or repo.one_commit or not worth_forking(len(corpus.documents)):
        return None
    from .suspect import analyse_ahead

    return analyse_ahead(corpus, cache=cache, repo=repo, early_log=early)


def _history_first(root: Path, index: FileIndex) -> None:
    """On a large tree, git's history read into its cache before the corpus is parsed: git's
    output and its parse come and go while the process holds little (at the rules, they were
    the peak memory of TG503 at 100k documents), and TG503 then reads the history from its
    cache. Called where the check will be cached and TG503 runs."""
    from .memory import LARGE_TREE

    if len(index.documents) >= LARGE_TREE:
        from .suspect import cache_history_first

        cache_history_first(root, index.git or probe_repository(root))


def _printed_before(
    store: ResultCache,
    key: str,
    hit: CachedResult,
    found: tuple[Finding, ...],
    shape: str,
    printed: str,
    stamp: Stamp | None,
) -> KeptOutput | None:
    """After an edit that moved no finding (``found`` is the stored tuple itself), the output
    kept for the stored result (its findings, counts and key are this run's, so the same
    ``shape`` prints the same bytes), kept again for this tree (``printed``: its fingerprint,
    "" while a file changed just now) and stamped; None when there is none."""
    if not shape or found is not hit.findings:
        return None
    kept = store.get_output(_output_key(_fingerprint(key, hit.state), shape))
    if kept is None or (kept.documents, kept.references) != (hit.documents, hit.references):
        return None
    log.info("incremental: no finding moved; the output kept for the stored result holds")
    if printed:
        later(store.root, partial(_keep_kept, store, _output_key(printed, shape), kept, stamp))
    return kept


def _keep_kept(store: ResultCache, key: str, kept: KeptOutput, stamp: Stamp | None) -> None:
    """Keep ``kept`` under ``key`` too, stamped with ``stamp`` when there is one."""
    store.put_output(key, kept)
    if stamp is not None:
        _put_stamp(stamp, key, stamp.seen.started)


#: The modules a check imports after the parse besides its rules' (2-9 ms of CPU each).
CHECK_MODULES = ("graph", "checks.context", "checks.parallel")


def _check_imports(rules: Iterable[Rule]) -> None:
    """Import what the check stage will: ``CHECK_MODULES`` and the modules of ``rules``; for
    ``parse_files`` to do while its workers parse (about 20 ms of CPU at 1,000 documents that
    came after the parse, the other core idle; the rules' child then imports nothing)."""
    for name in CHECK_MODULES:
        importlib.import_module(f"{__package__}.{name}")
    for rule in rules:
        rule.check  # noqa: B018  (the property imports the rule's module)


def _recheck_links(
    root: Path,
    config: Config,
    index: FileIndex,
    wiki: tuple[str, ...],
    key: str,
    hit: CachedResult | None,
    previous: Carried,
    state: TreeState,
    store: ResultCache,
    rules: tuple[date, tuple[str, ...], tuple[str, ...]],
    cache: bool,
) -> tuple[list[Finding], int] | None:
    """The findings after a links-only edit, from the graph stored beside the result
    (``linkedit.recheck_links``), and the number of references; None: scan and recheck."""
    from .cache import ParseCache
    from .linkedit import recheck_links

    if hit is None or previous.now is None or len(previous.now) != len(previous.before):
        return None
    now = tuple(doc for doc, _key in previous.now)
    references = hit.references + sum(
        len(new.references) - len(old.references)
        for old, new in zip(previous.before, now, strict=True)
    )
    today, select, ignore = rules

    def keep(findings: list[Finding], by_path: Mapping[str, Document]) -> Callable[[], str]:
        racy = [by_path.get(path) for path in sorted(state.racy)]
        return partial(_store, store, key, state, hit.documents, references, findings, racy)

    with collector_paused():  # documents, edges and findings made, and all of them kept to the end
        result = recheck_links(
            _tree(root, config, index, wiki, key, hit), stored=previous.stored,
            before=previous.before, now=now, today=today, select=select, ignore=ignore,
            cache=cache, suspects=partial(suspect_links, repo=index.git), store=keep,
        )  # fmt: skip
    if result is None:
        return None
    later(root, partial(ParseCache(root, config, wiki, load=False).save, previous.now, ()))
    return result, references


def _keep_graph(
    root: Path,
    config: Config,
    index: FileIndex,
    wiki: tuple[str, ...],
    key: str,
    hit: CachedResult,
    store: Callable[[], str],
    carried: Carried,
) -> None:
    """Store the result (``store`` returns its digest), then carry the graph stored beside
    ``hit`` to it."""
    from .linkedit import keep_graph

    digest = store()
    tree = _tree(root, config, index, wiki, key, hit)
    keep_graph(tree, digest, carried.fresh if carried.links_moved else ())


def _store_sealed(root: Path, key: str, store: Callable[[], str], graph: bool) -> None:
    """Store the result (``store`` returns its digest), then seal the graph saved for it
    (``graph``: one was saved) with that digest."""
    digest = store()
    if graph:
        from .linkedit import seal_graph

        seal_graph(root, key, digest)


def _tree(
    root: Path, config: Config, index: FileIndex, wiki: tuple[str, ...], key: str,
    hit: CachedResult,
) -> Tree:  # fmt: skip
    """The tree as listed now and the result stored for it, for ``tracegraph.linkedit``."""
    from .linkedit import Tree

    return Tree(
        root, config, index.files, index.aliases, index.unreadable, wiki, key, hit.digest,
        hit.state,
    )  # fmt: skip


def _store(
    store: ResultCache,
    key: str,
    state: TreeState,
    documents: int,
    references: int,
    findings: Sequence[Finding],
    parsed: Iterable[Document | None],
) -> str:
    """Store a run's findings under ``key`` with the stat of every document (returns the
    stored result's digest, "" when nothing was stored). A document that
    changed racily (``state.racy``) is stored with an unknown stat and the record the findings
    were computed from (taken from ``parsed``), so that the next run rechecks just that
    document: storing its stat could hide a second edit in the same mtime tick, and storing
    nothing made the next run a whole check. Nothing is stored when a racy file is not a plain
    document or a racy document was not parsed."""
    from .cache import CachedResult, encode

    stats = state.storable()
    if stats is None:
        return ""
    records = {doc.path: encode(doc) for doc in parsed if doc is not None}
    if not state.racy <= records.keys():
        return ""
    racy = {path: records[path] for path in state.racy}
    return store.put(key, CachedResult(documents, references, tuple(findings), stats, racy))


def keep_output(run: CheckRun, shape: str, text: str, failed: bool) -> None:
    """Keep what a check printed (``text``; ``failed``: it exited 1) for the next
    ``check_tree`` given the same ``shape`` on the same tree (``run.fingerprint``: nothing is
    kept without the cache or when a file changed just now)."""
    if not run.fingerprint or not shape or run.output is not None:
        return
    from .cache import KeptOutput, ResultCache

    kept = KeptOutput(run.documents, run.references, failed, text)
    key = _output_key(run.fingerprint, shape)
    later(run.root, partial(_keep_kept, ResultCache(run.root), key, kept, run.stamp))


def _stamp(
    seen: Seen | None, root: Path, config: Config, explicit: str | Path | None, settled: bool
) -> Stamp | None:
    """What a settled run's kept output is stamped with (``keep_output``), None without."""
    return Stamp(seen, _extras(root, config, explicit)) if seen is not None and settled else None


def _extras(root: Path, config: Config, explicit: str | Path | None) -> tuple[str, ...]:
    """The files a check reads besides the listing, whose change changes its output: the
    config files it looks for (or the one given), the review file, the in-tree templates."""
    from .checks.templating import PACKAGED, template_file
    from .config import CONFIG_NAMES

    paths = [str(root / name) for name in (*CONFIG_NAMES, "pyproject.toml")]
    if explicit is not None:
        paths.append(os.path.abspath(explicit))
    paths.append(str(root / config.suspect.reviews))
    for spec in config.types + config.scoped:
        if spec.template and not spec.template.startswith(PACKAGED):
            paths.append(str(root / template_file(config, root, spec.name, spec.template)))
    return tuple(paths)


def _put_stamp(stamp: Stamp, output: str, started: int) -> None:
    """Stamp the output kept under ``output`` with the run's raw view (``warm.put_stamp``),
    unless a file besides the listing changed within the racy window of the run's start (a
    second edit in the same tick would keep its stat)."""
    from .cache import RACY_SECONDS
    from .warm import file_stats, put_stamp

    racy = started - int(RACY_SECONDS * 1e9)
    for _path, st in file_stats(stamp.extras):
        if isinstance(st, tuple) and (st[1] >= racy or st[2] >= racy):
            return
    put_stamp(stamp.seen, stamp.extras, output)


def _output_key(fingerprint: str, shape: str) -> str:
    return hashlib.sha256(
        f"output\0{fingerprint}\0{shape}".encode("utf-8", "surrogatepass")
    ).hexdigest()


def _fingerprint(key: str, documents: Mapping[str, tuple[int, int, int]]) -> str:
    """The result key together with every document's stat: all a check's findings rest on
    (the paths joined, the stats as 64-bit integers: a fifth of the time of their ``repr``)."""
    paths = sorted(documents)
    digest = hashlib.sha256(f"{key}\0{len(paths)}\0".encode())
    digest.update("\0".join(paths).encode("utf-8", "surrogatepass"))
    try:
        digest.update(array("q", [n for path in paths for n in documents[path]]).tobytes())
    except OverflowError:  # a stat beyond 64 bits (no real file system has one)
        digest.update(repr([documents[path] for path in paths]).encode())
    return digest.hexdigest()


#: At most this many changed documents are compared with their cached records before a run
#: falls back to the whole check (each costs a parse; a large change is a full run anyway).
INCREMENTAL_LIMIT = 64


@dataclass(frozen=True)
class Carried:
    """What a stored result says of the tree as it is now (``carry_over``)."""

    #: The stored findings with their lines moved; ``()``: nothing changed, they hold as they
    #: are; None: rules must run again.
    findings: tuple[Finding, ...] | None
    #: With ``findings`` None: the stored findings and the changed documents as those findings
    #: saw them, from which ``_recheck`` reruns only what the change can affect.
    stored: tuple[Finding, ...] = ()
    before: tuple[Document, ...] = ()
    #: With ``findings``: the changed documents as they are now (their findings were carried).
    fresh: tuple[Document, ...] = ()
    #: With ``before``: the changed documents as they are now and their file keys (None when a
    #: racily changed document was not parsed again).
    now: tuple[tuple[Document, FileKey | None], ...] | None = None
    #: With ``findings``: whether a line a changed document's reference stands on moved.
    links_moved: bool = True


def carry_over(
    root: Path,
    config: Config,
    index: FileIndex,
    wiki: tuple[str, ...],
    stored: CachedResult,
    documents: dict[str, tuple[int, int, int]],
) -> Carried | None:
    """The stored findings, carried to the tree as it is now: ``()`` when no document changed
    (use them as they are), the findings with moved lines when every changed document parses to
    its cached record apart from where its lines fall (``tracegraph.incremental``). When a
    changed document says something new (a link, a heading, an ID), no findings but what a
    recheck needs (``Carried.before``). None when the listing changed, too many documents
    changed or a cached record is missing: the whole check must run."""
    changed = [path for path, stat in documents.items() if stored.state.get(path) != stat]
    if not changed:
        return Carried(()) if stored.state.keys() == documents.keys() else None
    if len(changed) > INCREMENTAL_LIMIT or stored.state.keys() != documents.keys():
        log.info("incremental: %d documents changed; checking the whole tree", len(changed))
        return None
    # Imported here: a rerun with nothing changed needs none of them (the workers' module
    # alone imports multiprocessing).
    from .cache import ParseCache, decode, encode, file_key, fold_keys
    from .incremental import carry_findings, line_map
    from .parse import Recogniser
    from .workers import parse_one

    sidecars = find_sidecars(index, config)
    parse_cache = ParseCache(root, config, wiki, load=False)
    # A racily changed document's record is stored with the findings (its stat is unknown).
    old = {path: ((-1, -1), record) for path, record in stored.racy.items()}
    old.update(parse_cache.records([path for path in changed if path not in old]))
    recogniser = Recogniser.from_config(config).with_wiki_folders(wiki)
    moved: dict[str, dict[int, int]] = {}
    fresh = []
    for path in changed:
        if path in stored.racy:
            continue
        size, mtime, _ctime = stored.state[path]
        sidecar = sidecars.get(path)
        was: tuple[int, int] | None = (size, mtime)
        if sidecar is not None:
            was = fold_keys(was, file_key(root, sidecar))
        entry = old.get(path)
        if entry is None or entry[0] != was:
            log.info("incremental: no cached record of %s as it was; whole check", path)
            return None

    def before(now: tuple[tuple[Document, FileKey | None], ...] | None = None) -> Carried:
        """What a recheck needs: the changed documents as the findings saw them, and now."""
        then = tuple(decode(old[path][1]) for path in changed)
        return Carried(None, stored.findings, then, now=now)

    for path in changed:
        fresh.append(parse_one(root, path, recogniser, config.limits, sidecars.get(path)))
    for (doc, _key), path in zip(fresh, changed, strict=True):
        lines = line_map(old[path][1], encode(doc))
        if lines is None:
            log.info("incremental: %s says something new; rechecking what it touches", path)
            return before(tuple(fresh))
        moved[path] = lines
    names = {doc.path: doc.name for doc, _key in fresh}
    findings: Sequence[Finding] | None = _unmoved(stored.findings, moved)
    if findings is None:
        findings = carry_findings(stored.findings, moved, names)
    if findings is None:
        log.info("incremental: a finding stands on a line that moved ambiguously; recheck")
        return before(tuple(fresh))
    log.info("incremental: findings carried over for %d changed document(s)", len(changed))
    later(root, partial(parse_cache.save, tuple(fresh), ()))  # a later full run parses nothing
    # Whether a reference moved (the stored graph keeps where each edge is written).
    links_moved = any(
        lines[row[3]] != row[3] for path, lines in moved.items() for row in old[path][1][9]
    )
    fresh_docs = tuple(doc for doc, _key in fresh)
    return Carried(tuple(findings), fresh=fresh_docs, links_moved=links_moved)


def _unmoved(
    findings: tuple[Finding, ...], moved: Mapping[str, Mapping[int, int]]
) -> tuple[Finding, ...] | None:
    """``findings`` themselves (the very tuple) when the changed documents' lines that matter
    all stayed where they were (``moved`` maps each line to itself) and each of their findings
    stands on one of those lines or on line 1: what ``carry_findings`` would return, with no
    finding rebuilt or sorted again. None otherwise."""
    if any(old != new for lines in moved.values() for old, new in lines.items()):
        return None
    if any(
        f.line != 1 and f.line not in lines
        for f in findings
        if (lines := moved.get(f.path)) is not None
    ):  # fmt: skip
        return None
    return findings


def _web_targets(doc: Document) -> list[str]:
    """The web addresses ``doc`` links (they settle the repository's own addresses)."""
    return [ref.target for ref in doc.references if ref.target.strip().lower().startswith("http")]


def _recheck(
    corpus: Corpus,
    previous: Carried,
    config: Config,
    today: date,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    cache: bool,
    repo: GitPlace | None = None,
) -> list[Finding] | None:
    """The findings of ``corpus`` from the stored ones (``previous``): the graph as the stored
    findings saw it is ``corpus`` with the changed documents put back as they were
    (``graph.update_corpus``), which tells the documents either side of the change touches;
    ``checks.recheck`` reruns the local rules for those only (TG503 reads the history for the
    links written there only) and the other rules over all, but those whose findings the
    edit cannot change (``checks.unmoved_rules``).
    None (run every rule) when a changed document is not a document of ``corpus`` any more or
    its web links changed (they may move the repository addresses every link resolves by)."""
    from .checks import recheck, same_succession
    from .checks.structure import cycles_unchanged
    from .graph import update_corpus

    now = corpus.by_path
    if any(
        doc.path not in now or _web_targets(doc) != _web_targets(now[doc.path])
        for doc in previous.before
    ):
        return None
    try:
        back = update_corpus(corpus, previous.before)
    except KeyError:
        return None
    touched = set(back.touched)
    for doc in previous.before:
        touched.update(corpus.edges.succ[doc.path])
        touched.update(corpus.edges.pred[doc.path])
    stored, held = _architecture_held(previous, back.corpus, corpus, touched)
    nearby: tuple[str, ...] = ()
    changed = [doc.path for doc in previous.before]
    if all(_same_standing(doc, now[doc.path]) for doc in previous.before):
        if same_succession(back.corpus, corpus, changed, touched):
            nearby = EDGE_RULES  # only the edges of the changed documents changed
        if cycles_unchanged(back.corpus, corpus, changed):
            held = (*held, "TG203")
    written = touched | {d.sidecar for p in touched if (d := now.get(p)) and d.sidecar}
    suspects = partial(suspect_links, corpus, cache=cache, within=frozenset(written), repo=repo)
    log.info("incremental: %d document(s) rechecked by the local rules", len(touched))
    if held:
        log.info("incremental: the findings of %s still hold", ", ".join(held))
    if nearby:
        log.info("incremental: %s rechecked around those documents", ", ".join(nearby))
    return recheck(
        corpus, stored, touched, config, today=today, select=select, ignore=ignore,
        suspects=suspects, held=held, nearby=nearby,
    )  # fmt: skip


#: The whole-graph rules that report node pairs (``checks.Rule.near``): after an edit that
#: changed no document's standing and no ``supersedes`` edge, only the pairs whose edges
#: changed can change.
EDGE_RULES = ("TG204", "TG301", "TG302")


def _same_standing(old: Document, new: Document) -> bool:
    """Whether a changed document keeps what the whole-graph rules read of it besides its
    edges: ID (so name, and which links resolve to it), type and status."""
    return (old.id, old.type, old.status) == (new.id, new.type, new.status)


def _architecture_held(
    previous: Carried, before: Corpus, after: Corpus, touched: Collection[str]
) -> tuple[tuple[Finding, ...], tuple[str, ...]]:
    """The stored findings, with the architecture findings (TG701-TG703) carried to the lines
    of the changed documents as they are now, and those rules' codes, when no changed document
    describes the system differently (``incremental.architecture_moves``) and no
    ``supersedes`` edge changed (``checks.same_succession``): then the rules need not run.
    Else the stored findings as they are, and no code."""
    from .checks import ARCHITECTURE_RULES, same_succession
    from .incremental import architecture_moves, carry_findings

    moves: dict[str, dict[int, int]] = {}
    for old in previous.before:
        moved = architecture_moves(old, after.by_path[old.path])
        if moved is None:
            return previous.stored, ()
        if any(a != b for a, b in moved.items()):
            moves[old.path] = moved
    changed = [doc.path for doc in previous.before]
    if not same_succession(before, after, changed, touched):
        return previous.stored, ()
    held = [f for f in previous.stored if f.code in ARCHITECTURE_RULES]
    names = {path: after.by_path[path].name for path in moves}
    carried = carry_findings(held, moves, names) if moves else held
    if carried is None:  # a finding elsewhere names a line that moved
        return previous.stored, ()
    others = [f for f in previous.stored if f.code not in ARCHITECTURE_RULES]
    return (*others, *carried), ARCHITECTURE_RULES


@dataclass(frozen=True)
class SinceRun:
    """What ``tracegraph check --since REF`` reports: the check of the work tree (``run``) and
    how its findings compare with the tree at ``commit``: ``introduced`` (now, not then),
    ``resolved`` (then, not now), and how many are in both (matched by code, path and
    message, as baselines match, so moved lines do not count)."""

    run: CheckRun
    ref: str
    commit: str
    introduced: list[Finding]
    resolved: list[Finding]
    unchanged: int


#: From this many documents (and where ``checks.parallel.can_fork``), ``check_since`` checks
#: the tree at REF in a forked child before the work tree is parsed, so that the two corpora
#: never live in one process: the first ``--since`` run with files changed at 100,000
#: documents peaked 140-230 MiB above a first cached run with both checked here
#: (bench/RESULTS.md, "Round 8 (since)"). A smaller tree checks both here (no fork to pay).
SINCE_CHILD_DOCUMENTS = 25_000


def check_since(
    root: str | Path,
    ref: str,
    config: Config | None = None,
    *,
    config_path: str | Path | None = None,
    today: date | None = None,
    select: Iterable[str] = (),
    ignore: Iterable[str] = (),
    progress: Progress | None = None,
    cache: bool = False,
    allow_empty: bool = True,
) -> SinceRun:
    """Check the work tree and the tree at git ``ref`` (the work tree with the files the diff
    names as they were there, the same configuration and templates) and compare the findings.

    The findings at ``ref`` are stored in the result cache, keyed by the work tree's state and
    the commit, so a rerun with nothing changed answers from the cache. On a large tree they
    are found in a child before the work tree is parsed (``SINCE_CHILD_DOCUMENTS``).
    """
    from .cache import CachedResult, ResultCache
    from .checks.baseline import baseline_key
    from .vcs import diff_tree

    root_path = Path(root)
    chosen, dropped = tuple(select), tuple(ignore)
    early = _EarlyBase(root_path, ref, today, chosen, dropped, cache)
    run = check_tree(
        root_path, config, config_path=config_path, today=today, select=chosen,
        ignore=dropped, progress=progress, cache=cache, allow_empty=allow_empty,
        before_scan=early,
    )  # fmt: skip
    diff = early.diff or diff_tree(root_path, ref)
    if not diff.before and not diff.added:  # the tree at REF is the work tree, file for file
        return SinceRun(run, ref, diff.commit, [], [], len(run.findings))
    store = ResultCache(root_path) if cache and run.fingerprint else None
    key = _since_key(run.fingerprint, diff.commit) if store is not None else ""
    hit = store.get(key) if store is not None else None  # where the child stores them too
    base = list(hit.findings) if hit is not None else early.findings(run.fingerprint)
    if base is None:
        base = _findings_at(root_path, run.config, diff, today, chosen, dropped, cache)
    if store is not None and hit is None:
        store.put(key, CachedResult(0, 0, tuple(base)))
    before = Counter(baseline_key(f) for f in base)
    now = Counter(baseline_key(f) for f in run.findings)
    introduced = _unmatched(run.findings, before)
    resolved = _unmatched(base, now)
    unchanged = len(run.findings) - len(introduced)
    return SinceRun(run, ref, diff.commit, introduced, resolved, unchanged)


def _since_key(fingerprint: str, commit: str) -> str:
    """The result cache's key of the findings at ``commit`` beside the tree ``fingerprint``."""
    return hashlib.sha256(f"since\0{fingerprint}\0{commit}".encode()).hexdigest()


class _EarlyBase:
    """``check_since``'s ``before_scan``: on a tree of ``SINCE_CHILD_DOCUMENTS`` or more with
    files changed since REF, the findings at REF found in a forked child while this process
    holds only the listing (the child's memory goes back at its exit, before the work tree is
    parsed). The child stores them in the result cache under the since key when it can and
    sends them pickled otherwise; an error of theirs (a ``TracegraphError``) is raised by
    ``findings`` (after the work tree's check, as without the child), and a child that fails
    otherwise or dies leaves the check of REF to ``check_since`` (``findings`` gives None)."""

    def __init__(
        self, root: Path, ref: str, today: date | None, select: tuple[str, ...],
        ignore: tuple[str, ...], cache: bool,
    ) -> None:  # fmt: skip
        self.root, self.ref, self.today, self.cache = root, ref, today, cache
        self.select, self.ignore = select, ignore
        self.diff: TreeDiff | None = None
        self.fingerprint = ""
        self.sent: bytes | None = None

    def __call__(self, config: Config, fingerprint: str, documents: int) -> None:
        from .cache import ResultCache
        from .checks.parallel import can_fork, start_in_child
        from .errors import TracegraphError
        from .vcs import diff_tree

        if documents < SINCE_CHILD_DOCUMENTS or not can_fork():
            return
        try:
            diff = diff_tree(self.root, self.ref)
        except TracegraphError:  # raised again after the work tree's check, as before
            return
        self.diff = diff
        if not diff.before and not diff.added:
            return
        key = _since_key(fingerprint, diff.commit) if self.cache and fingerprint else ""
        if key and ResultCache(self.root).get(key) is not None:
            return
        work = partial(
            _check_at, self.root, config, diff, self.today, self.select, self.ignore,
            self.cache, key,
        )  # fmt: skip
        child = start_in_child(work, forks=True)
        self.sent = child.result()
        self.fingerprint = fingerprint

    def findings(self, fingerprint: str) -> list[Finding] | None:
        """The findings the child sent for the tree ``fingerprint`` (raises their error),
        None when it sent none (it stored them, failed or did not run)."""
        import pickle

        from .errors import TracegraphError

        if not self.sent or fingerprint != self.fingerprint:
            return None
        try:
            found = pickle.loads(self.sent)
        except Exception:  # an error that does not unpickle: check REF here (it says why)
            return None
        if isinstance(found, TracegraphError):
            raise found
        return cast("list[Finding]", found)


def _check_at(
    root: Path,
    config: Config,
    diff: TreeDiff,
    today: date | None,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    cache: bool,
    key: str,
) -> bytes:
    """In ``_EarlyBase``'s child: the findings at REF pickled, b"" when stored under ``key``
    instead, or their error pickled."""
    import pickle

    from .cache import CachedResult, ResultCache
    from .errors import TracegraphError

    try:
        base = _findings_at(root, config, diff, today, select, ignore, cache)
    except TracegraphError as exc:
        return pickle.dumps(exc)
    if key and ResultCache(root).put(key, CachedResult(0, 0, tuple(base))):
        return b""
    return pickle.dumps(base, pickle.HIGHEST_PROTOCOL)


def _unmatched(findings: Iterable[Finding], other: Counter[tuple[str, str, str]]) -> list[Finding]:
    """The findings ``other`` does not account for (each of its keys matches as often as it
    counts)."""
    from .checks.baseline import baseline_key

    left = Counter(other)
    out = []
    for finding in findings:
        key = baseline_key(finding)
        if left[key] > 0:
            left[key] -= 1
        else:
            out.append(finding)
    return out


def _findings_at(
    root: Path,
    config: Config,
    diff: TreeDiff,
    today: date | None,
    select: Iterable[str],
    ignore: Iterable[str],
    cache: bool,
) -> list[Finding]:
    """The findings of the tree at the revision ``diff`` compares with."""
    index = with_files(crawl(root, config), config, diff.added, diff.before)
    from .graph import build_corpus

    select, ignore = tuple(select), tuple(ignore)
    if cache and any(rule.code == "TG503" for rule in select_rules(select, ignore, config)):
        _history_first(root, index)  # as ``check_tree`` does (TG503 reads the same history)
    wiki = wiki_scope(root, index.files, config)
    documents = parse_files(
        root, index.documents, config, cache=cache, sidecars=find_sidecars(index, config),
        wiki=wiki.paths, overrides=diff.before,
    )  # fmt: skip
    with collector_paused():
        corpus = build_corpus(
            root, config, documents, index.files, aliases=index.aliases,
            addresses=index.addresses, unreadable=index.unreadable,
        )  # fmt: skip
        return run_checks(
            corpus, config, today=today or date.today(), select=select, ignore=ignore,
            release=True,
        )  # fmt: skip


def impact_since(
    corpus: Corpus,
    ref: str,
    *,
    files: Iterable[str] = (),
    depth: int | None = None,
    relations: Iterable[str] | None = None,
) -> ChangeImpact:
    """What the changes between git ``ref`` and the work tree (plus ``files``, root-relative)
    touch: ``tracegraph impact --since REF``."""
    from .queries import affected_by_change
    from .vcs import changed_files

    changed = [*changed_files(corpus.root, ref), *files]
    return affected_by_change(corpus, changed, depth, relations)


# --- health report (issue 6) --------------------------------------------------------------------

if TYPE_CHECKING:
    from .report import MapDrawing, ReportOutput, ReportRun


def report(
    root: str | Path = ".",
    output: str | Path | Sequence[str | Path] | None = None,
    *,
    fmt: str | None = None,
    config: Config | None = None,
    config_path: str | Path | None = None,
    history: str | Path | None = None,
    use_history: bool = True,
    record: bool = True,
    today: date | None = None,
    link_base: str | None = None,
    trend_runs: int = 20,
    markdown_limit: int | None = None,
    full_report: str | None = None,
    now: datetime | None = None,
    cache: bool = False,
    progress: Progress | None = None,
    allow_empty: bool = True,
) -> ReportRun:
    """Scan, check, draw the map and write the health report to each output (one file, a list
    of files in formats given by their suffixes, or None/``-`` for the returned text), recording
    the run in the history once (not at all with ``record=False`` or with no file written).

    ``history`` defaults to ``.tracegraph/history.db`` under ``root``. The report module never
    imports the renderer: the map's SVG is drawn here and passed in as text.

    >>> run = report("sample_repo", ["report.html", "report.md"])  # doctest: +SKIP
    >>> run.report.figures.score  # doctest: +SKIP
    """
    from .report import DEFAULT_HISTORY, ReportOutput, choose_format, produce_report
    from .report.history import current_commit
    from .report.links import check_link_base

    outputs = _report_outputs(output, fmt, choose_format, ReportOutput)
    corpus = scan(
        root, config, config_path=config_path, cache=cache, progress=progress,
        allow_empty=allow_empty,
    )  # fmt: skip
    suspects = None
    if any(rule.code == "TG503" for rule in select_rules(config=corpus.config)):
        suspects = suspect_links(corpus, cache=cache)
    findings = check(corpus, today=today, cache=cache, suspects=suspects)
    limit = corpus.config.report.markdown_limit
    base = check_link_base(link_base) if link_base else None
    history_path = None
    if use_history:
        history_path = Path(history) if history else Path(root) / DEFAULT_HISTORY
    stamp = (now or datetime.now(UTC)).astimezone(UTC)
    return produce_report(
        corpus,
        findings,
        outputs=outputs,
        generated_at=stamp.strftime("%Y-%m-%dT%H:%M:%SZ"),
        history=history_path,
        record=record,
        trend_runs=trend_runs,
        today=today.isoformat() if today else None,
        commit=current_commit(Path(root)),
        link_base=base,
        draw_map=lambda folder: _report_map(corpus, findings, folder, base),
        markdown_limit=(markdown_limit if markdown_limit is not None else limit) or None,
        full_report=full_report,
        suspect_note=_suspect_note(suspects),
    )


def _suspect_note(analysis: SuspectAnalysis | None) -> str | None:
    """What the report says when suspect links cannot be known (None when they can)."""
    if analysis is None:
        return "Suspect links (TG503) are not checked: the rule is ignored in the config."
    if analysis.status == "off":
        return f"Suspect links (TG503) are off: {analysis.reason}."
    if analysis.status == "unknown":
        return f"Suspect links (TG503) are unknown: {analysis.reason}."
    return None


def _report_outputs(
    output: str | Path | Sequence[str | Path] | None,
    fmt: str | None,
    choose: Callable[[str | Path | None, str | None], str],
    make: Callable[[Path | None, str], ReportOutput],
) -> list[ReportOutput]:
    """One ``ReportOutput`` per file (``-`` or None: the returned text); ``fmt`` only for one."""
    given = [output] if output is None or isinstance(output, str | Path) else list(output)
    if len(given) > 1 and fmt:
        raise UsageError("--format applies to one output; with several -o the suffixes decide")
    names = [None if o is None or str(o) == "-" else Path(o) for o in given]
    if names.count(None) > 1:
        raise UsageError("-o -: the terminal can take one report")
    seen = [n.resolve() for n in names if n is not None]
    if len(set(seen)) != len(seen):
        raise UsageError("-o: the same file is given twice")
    return [make(name, choose(name, fmt)) for name in names]


def _report_map(
    corpus: Corpus, findings: list[Finding], out_dir: Path, link_base: str | None
) -> MapDrawing:
    """The report's map for one output folder: SVG text, or a note saying why there is none
    (Graphviz missing)."""
    from .errors import RenderError
    from .model import Severity
    from .render import check_size, choose_engine, render_dot, render_graphviz
    from .render.graphviz import INSTALL_HINT
    from .report import GRAPHVIZ_HINT, MapDrawing

    errors = frozenset(f.path for f in findings if f.severity is Severity.ERROR)
    model = map_model(corpus, error_paths=errors, link_base=link_base, output_dir=out_dir)
    architecture_svg, architecture_note = _report_architecture(corpus, out_dir, link_base)
    try:  # as render_model, but without the legend: the report explains the map itself
        check_size(model.size, corpus.config.render.max_nodes, focused=False)
        engine = choose_engine("auto", model.size, corpus.config.render.sfdp_above)
        svg = render_graphviz(render_dot(model, legend=False), "svg", engine)
    except RenderError as exc:
        note = GRAPHVIZ_HINT if str(exc) == INSTALL_HINT else f"No map: {exc}"
        return MapDrawing(
            note=note, architecture_svg=architecture_svg, architecture_note=architecture_note
        )
    text = svg.decode("utf-8") if isinstance(svg, bytes) else svg
    slugs = {node.key: node.slug for node in model.nodes}
    edges = tuple((edge.slug, edge.source, edge.target) for edge in model.edges)
    return MapDrawing(text, None, slugs, edges, architecture_svg, architecture_note)


def _report_architecture(
    corpus: Corpus, out_dir: Path, link_base: str | None
) -> tuple[str | None, str | None]:
    """The report's architecture map (SVG with its legend), or why there is none; nothing
    when no document describes the system."""
    from .errors import RenderError
    from .render import check_size, render_graphviz
    from .render.architecture import render_architecture_dot
    from .render.graphviz import INSTALL_HINT
    from .report import GRAPHVIZ_HINT

    if not corpus.architecture.entities:
        return None, None
    model = architecture_map(corpus, link_base=link_base, output_dir=out_dir)
    try:
        check_size(model.size, corpus.config.render.max_nodes, focused=False)
        svg = render_graphviz(render_architecture_dot(model), "svg", "dot")
    except RenderError as exc:
        return None, GRAPHVIZ_HINT if str(exc) == INSTALL_HINT else f"No map: {exc}"
    return (svg.decode("utf-8") if isinstance(svg, bytes) else svg), None


# --- suspect links (issue 15) -------------------------------------------------------------------


@dataclass(frozen=True)
class RecordedReview:
    """What ``tracegraph review DOC`` wrote: DOC's name, the upstream names it was checked
    against, the commit, and the review file (root-relative)."""

    document: str
    upstreams: tuple[str, ...]
    commit: str
    file: str


def upstreams_of(corpus: Corpus, doc: Document, named: Sequence[str] = ()) -> tuple[Document, ...]:
    """What ``doc`` rests on (every relation but ``mentions``), or the ``named`` ones among it
    (IDs or paths; UsageError for one it does not rest on)."""
    from .suspect import resting_on

    resting = {up for down, up in resting_on(corpus) if down == doc.path}
    if not named:
        return tuple(corpus.by_path[p] for p in sorted(resting))
    chosen: dict[str, Document] = {}
    for name in named:
        found = corpus.find(name)
        if found.path not in resting:
            listed = ", ".join(corpus.by_path[p].name for p in sorted(resting)) or "nothing"
            raise UsageError(
                f"--of {name}: {doc.name} does not rest on {found.name} (it rests on {listed})"
            )
        chosen[found.path] = found
    return tuple(chosen[p] for p in sorted(chosen))


def record_review(corpus: Corpus, doc: Document, named: Sequence[str] = ()) -> RecordedReview:
    """Record in the review file that ``doc`` was checked against what it rests on (or the
    ``named`` upstream documents) as of HEAD; written atomically, sorted."""
    from .atomic import write_atomic
    from .reviews import dump_reviews, record_reviews
    from .suspect import load_review_file

    repo = probe_repository(corpus.root)
    if repo.head is None:
        raise InputError(
            f"{corpus.root}: review needs a git work tree with a commit ({repo.reason})"
        )
    ups = upstreams_of(corpus, doc, named)
    if not ups:
        raise UsageError(
            f"{doc.name} rests on no other document (mentions aside): nothing to review"
        )
    config = corpus.config
    existing = load_review_file(corpus.root, config)
    updated = record_reviews(
        existing, doc.name, [u.name for u in ups], repo.head, replace_all=not named
    )
    write_atomic(corpus.root / config.suspect.reviews, dump_reviews(updated))
    return RecordedReview(doc.name, tuple(u.name for u in ups), repo.head, config.suspect.reviews)


def suspect_diffs(
    corpus: Corpus, analysis: SuspectAnalysis, doc: Document, named: Sequence[str] = ()
) -> list[tuple[SuspectLink, str]]:
    """For each suspect upstream document of ``doc`` (or the ``named`` ones), the git diff of
    it from the review to HEAD: what there is to re-read."""
    from .githistory import HistoryError, diff_text

    wanted = {u.path for u in upstreams_of(corpus, doc, named)}
    out = []
    for link in analysis.of_downstream(doc.path):
        if link.upstream not in wanted:
            continue
        try:
            text = diff_text(corpus.root, link.diff_from[0], link.diff_from[1], link.diff_to)
        except HistoryError as exc:
            raise InputError(f"{corpus.root}: {exc}") from None
        out.append((link, text))
    return out


def suspect_marks(corpus: Corpus, ref: str, files: Iterable[str] = ()) -> ChangeMarks:
    """``impact --since REF``: the documents the change makes suspect (see
    ``tracegraph.suspect.suspects_from_change``)."""
    from .githistory import HistoryError
    from .suspect import suspects_from_change
    from .vcs import changed_files

    try:
        return suspects_from_change(corpus, ref, [*changed_files(corpus.root, ref), *files])
    except HistoryError as exc:
        raise InputError(f"{corpus.root}: {exc}") from None


# --- write commands (issue 16): plans, checked before anything is written --------------------


@dataclass(frozen=True)
class WriteRun:
    """What a write command would change (``changes``), what ``check`` would report anew once
    it is written, and, for ``fix``, every repair considered."""

    changes: ChangeSet
    new_findings: tuple[Finding, ...] = ()
    repairs: tuple[Repair, ...] = ()


def open_workspace(
    root: str | Path = ".",
    *,
    config_path: str | Path | None = None,
    today: date | None = None,
    cache: bool = True,
) -> Workspace:
    """Scan ``root`` for a write command: the corpus and the recogniser it was parsed with."""
    from .edit.workspace import Workspace
    from .parse import Recogniser

    root_path = Path(root)
    if not root_path.is_dir():
        raise InputError(f"{root_path}: no such directory")
    config = load_config(root_path, Path(config_path) if config_path else None)
    index = crawl(root_path, config)
    config = with_presets(root_path, config, index)
    corpus = scan(root_path, config, index=index, cache=cache, presets=False)
    wiki = wiki_scope(root_path, index.files, config, index.dirs)
    recogniser = Recogniser.from_config(corpus.config).with_wiki_folders(wiki.paths)
    return Workspace(corpus, recogniser, (today or date.today()).isoformat())


def _write_run(space: Workspace, changes: ChangeSet, repairs: tuple[Repair, ...] = ()) -> WriteRun:
    """The run, with the findings ``check`` would add once ``changes`` are written (compared by
    code, path and message, as baselines are)."""
    if changes.empty:
        return WriteRun(changes, (), repairs)
    today = date.fromisoformat(space.today)
    before = {(f.code, f.path, f.message) for f in check(space.corpus, today=today)}
    after = check(space.planned(changes.changes), today=today)
    fresh = tuple(f for f in after if (f.code, f.path, f.message) not in before)
    return WriteRun(changes, fresh, repairs)


def new_document(
    root: str | Path,
    type_name: str,
    title: str,
    *,
    implements: Sequence[str] = (),
    depends_on: Sequence[str] = (),
    supersedes: str | None = None,
    status: str | None = None,
    author: str | None = None,
    folder: str | None = None,
    today: date | None = None,
    config_path: str | Path | None = None,
) -> WriteRun:
    """Plan ``tracegraph new``: the next free ID of a type in the repository's convention, from
    the type's template. ``author`` defaults to ``git config user.name``."""
    from .edit.commands import new_document as plan
    from .edit.history import git_author
    from .edit.new import NewRequest

    space = open_workspace(root, config_path=config_path, today=today)
    request = NewRequest(
        type_name.upper(), title, tuple(implements), tuple(depends_on), supersedes, status,
        author if author is not None else git_author(space.root), folder,
    )  # fmt: skip
    return _write_run(space, plan(space, request))


def set_status(
    root: str | Path,
    doc: str,
    value: str,
    *,
    today: date | None = None,
    config_path: str | Path | None = None,
) -> WriteRun:
    """Plan ``tracegraph status``: the status written where the document keeps it."""
    from .edit.commands import set_status as plan

    space = open_workspace(root, config_path=config_path, today=today)
    return _write_run(space, plan(space, doc, value))


def supersede(
    root: str | Path,
    old: str,
    new: str,
    *,
    force: bool = False,
    today: date | None = None,
    config_path: str | Path | None = None,
) -> WriteRun:
    """Plan ``tracegraph supersede``: both sides recorded, OLD retired once NEW is agreed."""
    from .edit.commands import supersede as plan

    space = open_workspace(root, config_path=config_path, today=today)
    return _write_run(space, plan(space, old, new, force))


def write_index(
    root: str | Path,
    type_name: str | None = None,
    *,
    output: str | None = None,
    today: date | None = None,
    config_path: str | Path | None = None,
) -> WriteRun:
    """Plan ``tracegraph index``: the type's index block on its folder's README (or ``output``,
    a path relative to the root)."""
    from .edit.commands import write_index as plan

    space = open_workspace(root, config_path=config_path, today=today)
    return _write_run(space, plan(space, type_name, output))


def fix_links(
    root: str | Path,
    path: str | None = None,
    *,
    today: date | None = None,
    config_path: str | Path | None = None,
) -> WriteRun:
    """Plan ``tracegraph fix``: repairs for TG101/TG102/TG103 findings (in ``path``, a file or
    folder relative to the root, when given); only unambiguous ones are in the changes."""
    from .edit.commands import fix_links as plan
    from .edit.fix import FIXABLE
    from .edit.history import git_moves

    space = open_workspace(root, config_path=config_path, today=today)
    findings = check(space.corpus, today=date.fromisoformat(space.today), select=FIXABLE)
    if path:
        prefix = path.strip("/")
        findings = [f for f in findings if f.path == prefix or f.path.startswith(prefix + "/")]
    changes, fixes = plan(space, findings, git_moves(space.root))
    run = _write_run(space, changes, fixes.repairs)
    left = {
        (f.code, f.path, f.line, f.column)
        for f in check(
            space.planned(changes.changes), today=date.fromisoformat(space.today), select=FIXABLE
        )
    }
    for repair in fixes.repairs:
        if repair.applied and (repair.code, repair.path, repair.line, repair.column) in left:
            raise InputError(
                f"{repair.path}:{repair.line}: the repair to {repair.replacement} would not "
                "resolve; nothing was written (please report this)"
            )
    return run
