"""The façade the CLI calls: plain functions that return values and raise TracegraphError."""

from __future__ import annotations

import gc
import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .checks import run_checks
from .config import Config, load_config
from .crawl import FileIndex, crawl
from .graph import Corpus, build_corpus
from .model import Document, Finding, Target
from .parse import Recogniser
from .queries import (  # noqa: F401  (re-exported: the query API)
    ChangeImpact,
    affected_by_change,
    downstream,
    paths_between,
    show,
    upstream,
)
from .vcs import changed_files

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
) -> Corpus:
    """Crawl ``root``, parse every document and build the graph.

    ``cache=True`` keeps parsed documents in ``<root>/.tracegraph/cache/`` (the CLI's default)
    so that a rerun only parses what changed. ``index`` is a listing already crawled with the
    same config (``check_tree`` crawls first to key its result cache).

    >>> corpus = scan("sample_repo")  # doctest: +SKIP
    >>> corpus.graph.number_of_nodes()  # doctest: +SKIP
    """
    root_path = Path(root)
    if config is None:
        config = load_config(root_path, Path(config_path) if config_path else None)
    if index is None:
        index = crawl(root_path, config)
    documents = parse_files(root_path, index.documents, config, progress=progress, cache=cache)
    with gc_paused():
        return build_corpus(
            root_path,
            config,
            documents,
            index.files,
            aliases=index.aliases,
            repository=index.repository,
        )


def parse_files(
    root: Path,
    paths: tuple[str, ...],
    config: Config,
    *,
    progress: Progress | None = None,
    cache: bool = False,
    parallel_threshold: int | None = None,
) -> list[Document]:
    """Read and parse each document, in input order.

    With ``cache``, files whose size and mtime match the cache are not read at all. The rest
    are parsed in worker processes (one per CPU) when there are at least
    ``parallel_threshold`` of them (default ``workers.PARALLEL_THRESHOLD``), else serially.
    """
    with gc_paused():
        return _parse_files(root, paths, config, progress, cache, parallel_threshold)


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many long-lived objects: parsing
    creates no cycles worth collecting, and repeated collections over a growing heap cost
    more than the parsing itself on large corpora."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _parse_files(
    root: Path,
    paths: tuple[str, ...],
    config: Config,
    progress: Progress | None,
    cache: bool,
    parallel_threshold: int | None,
) -> list[Document]:
    from .cache import ParseCache, file_key
    from .workers import PARALLEL_THRESHOLD, Sharing, parse_one, parse_parallel, workers_for

    total = len(paths)
    store = ParseCache(root, config) if cache else None
    found: dict[str, Document] = {}
    todo: list[str] = []
    share = Sharing()  # cached documents repeat headings as much as freshly parsed ones
    for path in paths:
        doc = store.get(path, file_key(root, path)) if store is not None else None
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

    threshold = PARALLEL_THRESHOLD if parallel_threshold is None else parallel_threshold
    workers = workers_for(len(todo), threshold)
    recogniser = Recogniser.from_config(config)
    if workers > 1:
        fresh = list(parse_parallel(root, todo, recogniser, config.limits, workers, advance))
    else:
        fresh = []
        for path in todo:
            fresh.append(parse_one(root, path, recogniser, config.limits))
            advance(1)
    for doc, _key in fresh:
        found[doc.path] = doc
    if store is not None:
        store.save(fresh, paths)
    return [found[path] for path in paths]


def summarise(corpus: Corpus) -> dict[str, Any]:
    """Figures for ``tracegraph scan``: documents per type and status, references by kind and
    by resolution."""
    by_type: Counter[str] = Counter(d.type for d in corpus.documents)
    by_status: dict[str, Counter[str]] = {}
    for doc in corpus.documents:
        by_status.setdefault(doc.type, Counter())[doc.status or "(none)"] += 1
    kinds: Counter[str] = Counter(link.reference.kind.value for link in corpus.links)
    targets: Counter[str] = Counter(link.status.value for link in corpus.links)
    unresolved = sum(targets[t.value] for t in (Target.MISSING, Target.OUTSIDE, Target.UNKNOWN_ID))
    return {
        "version": 1,
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
    }


def _repository_summary(corpus: Corpus) -> dict[str, str] | None:
    """The web address whose file links count as internal, and where it came from."""
    repo = corpus.repository
    if repo is None:
        return None
    return {"url": repo.url, "source": repo.source, "folder": repo.prefix}


# --- maps (issue 5) -----------------------------------------------------------------------------

#: Output formats of ``render_map``: Graphviz layouts, then the pure text formats.
MAP_FORMATS = ("svg", "png", "pdf", "dot", "mermaid")

if TYPE_CHECKING:  # the renderer is imported lazily: scanning never needs it
    from .render import MapModel


def find_error_paths(corpus: Corpus) -> frozenset[str]:
    """Documents with at least one error finding (drawn with a red border on maps)."""
    try:
        from .checks import run_checks
    except ImportError:  # the checks package is optional for maps
        return frozenset()
    from .model import Severity

    return frozenset(f.path for f in run_checks(corpus) if f.severity is Severity.ERROR)


def map_model(
    corpus: Corpus, *, error_paths: frozenset[str] | None = None, **options: Any
) -> MapModel:
    """The ``MapModel`` of ``corpus`` (options as ``tracegraph.render.build_map``); error
    findings come from ``tracegraph.checks`` unless ``error_paths`` is given."""
    from .render import build_map

    if error_paths is None:
        error_paths = find_error_paths(corpus)
    return build_map(corpus, error_paths=error_paths, **options)


def render_model(model: MapModel, fmt: str, *, config: Config, engine: str = "auto") -> str | bytes:
    """Render a ``MapModel``: DOT or Mermaid text, or SVG/PNG/PDF bytes through Graphviz
    (after the size guard, with ``auto`` picking ``sfdp`` for large maps)."""
    from .errors import UsageError
    from .render import check_size, choose_engine, render_dot, render_graphviz, render_mermaid

    if fmt == "dot":
        return render_dot(model)
    if fmt == "mermaid":
        return render_mermaid(model)
    if fmt not in MAP_FORMATS:
        raise UsageError(f"unknown map format '{fmt}' (use {', '.join(MAP_FORMATS)})")
    check_size(model.size, config.render.max_nodes, focused=model.focus is not None)
    layout = choose_engine(engine, model.size, config.render.sfdp_above)
    return render_graphviz(render_dot(model), fmt, layout)


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
) -> list[Finding]:
    """Run the health rules (TG101-TG602) over a scanned corpus; findings sorted by path, line,
    column and code.

    >>> findings = check(scan("sample_repo"))  # doctest: +SKIP
    """
    with gc_paused():  # the rules build many short-lived tuples over a large, stable heap
        return run_checks(corpus, config, today=today, select=select, ignore=ignore)


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
) -> CheckRun:
    """Scan and check ``root`` in one step (``tracegraph check``).

    With ``cache``, the findings are stored under ``<root>/.tracegraph/cache/`` keyed by the
    stat of every listed file, the whole config, the templates, ``today``, the selection and
    tracegraph's source; a rerun with all of that unchanged returns them without parsing,
    building the graph or running a rule.

    >>> run = check_tree("sample_repo", cache=True)  # doctest: +SKIP
    """
    from .cache import CachedResult, ResultCache, result_key, tree_state
    from .checks.templating import load_templates

    root_path = Path(root)
    if config is None:
        config = load_config(root_path, Path(config_path) if config_path else None)
    when = today or date.today()
    chosen, dropped = tuple(select), tuple(ignore)
    started = time.time_ns()
    index = crawl(root_path, config)
    store: ResultCache | None = None
    key, settled = "", False
    if cache:
        state = tree_state(root_path, index.files, started)
        if state is not None:
            tree, settled = state
            templates = load_templates(config, root_path)
            key = result_key(
                root_path, config, tree=tree, today=when, select=chosen, ignore=dropped,
                templates=templates, repository=index.repository,
            )  # fmt: skip
            store = ResultCache(root_path)
            hit = store.get(key)
            if hit is not None:
                findings = list(hit.findings)
                return CheckRun(root_path, config, hit.documents, hit.references, findings, True)
    corpus = scan(root_path, config, progress=progress, cache=cache, index=index)
    with gc_paused():
        findings = run_checks(corpus, config, today=when, select=chosen, ignore=dropped)
    run = CheckRun(root_path, config, len(corpus.documents), len(corpus.links), findings)
    if store is not None and settled:
        store.put(key, CachedResult(run.documents, run.references, tuple(findings)))
    return run


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
    changed = [*changed_files(corpus.root, ref), *files]
    return affected_by_change(corpus, changed, depth, relations)


# --- health report (issue 6) --------------------------------------------------------------------

if TYPE_CHECKING:
    from .report import ReportRun


def report(
    root: str | Path = ".",
    output: str | Path | None = None,
    *,
    fmt: str | None = None,
    config: Config | None = None,
    config_path: str | Path | None = None,
    history: str | Path | None = None,
    use_history: bool = True,
    today: date | None = None,
    link_base: str | None = None,
    trend_runs: int = 20,
    now: datetime | None = None,
    cache: bool = False,
    progress: Progress | None = None,
) -> ReportRun:
    """Scan, check, draw the map and write the health report (history in one transaction).

    ``history`` defaults to ``.tracegraph/history.db`` under ``root``. The report module never
    imports the renderer: the map's SVG is drawn here and passed in as text.

    >>> run = report("sample_repo", "report.html")  # doctest: +SKIP
    >>> run.report.figures.score  # doctest: +SKIP
    """
    from .report import DEFAULT_HISTORY, choose_format, produce_report
    from .report.history import current_commit
    from .report.links import check_link_base

    corpus = scan(root, config, config_path=config_path, cache=cache, progress=progress)
    findings = check(corpus, today=today)
    name = choose_format(output, fmt)
    out = Path(output) if output is not None and str(output) != "-" else None
    base = check_link_base(link_base) if link_base else None
    drawn = _report_map(corpus, findings, out, base) if name == "html" else (None, None, {}, ())
    history_path = None
    if use_history:
        history_path = Path(history) if history else Path(root) / DEFAULT_HISTORY
    stamp = (now or datetime.now(UTC)).astimezone(UTC)
    return produce_report(
        corpus,
        findings,
        output=out,
        fmt=name,
        generated_at=stamp.strftime("%Y-%m-%dT%H:%M:%SZ"),
        history=history_path,
        trend_runs=trend_runs,
        today=today.isoformat() if today else None,
        commit=current_commit(Path(root)),
        link_base=base,
        map_svg=drawn[0],
        map_note=drawn[1],
        map_slugs=drawn[2],
        map_edges=drawn[3],
    )


def _report_map(
    corpus: Corpus, findings: list[Finding], output: Path | None, link_base: str | None
) -> tuple[str | None, str | None, dict[str, str], tuple[tuple[str, str, str], ...]]:
    """The report's map: SVG text, or a note saying why there is none (Graphviz missing)."""
    from .errors import RenderError
    from .model import Severity
    from .render import check_size, choose_engine, render_dot, render_graphviz
    from .render.graphviz import INSTALL_HINT
    from .report import GRAPHVIZ_HINT

    errors = frozenset(f.path for f in findings if f.severity is Severity.ERROR)
    out_dir = output.parent if output is not None else Path.cwd()
    model = map_model(corpus, error_paths=errors, link_base=link_base, output_dir=out_dir)
    try:  # as render_model, but without the legend: the report explains the map itself
        check_size(model.size, corpus.config.render.max_nodes, focused=False)
        engine = choose_engine("auto", model.size, corpus.config.render.sfdp_above)
        svg = render_graphviz(render_dot(model, legend=False), "svg", engine)
    except RenderError as exc:
        note = GRAPHVIZ_HINT if str(exc) == INSTALL_HINT else f"No map: {exc}"
        return None, note, {}, ()
    text = svg.decode("utf-8") if isinstance(svg, bytes) else svg
    slugs = {node.key: node.slug for node in model.nodes}
    edges = tuple((edge.slug, edge.source, edge.target) for edge in model.edges)
    return text, None, slugs, edges
