"""checks: independent rules over the read-only graph, registered in one explicit table.

Each rule is a function from a ``CheckContext`` to ``Hit`` values; its docstring is its
documentation (what it finds, why it matters, an example, how to fix) and is what
``tracegraph rules CODE`` prints. ``run_checks`` applies selection, severity overrides, per-path
and in-document ignores, and returns findings sorted by path, line, column and code.
"""

from __future__ import annotations

import gc
import heapq
import importlib
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import date
from operator import attrgetter
from typing import TYPE_CHECKING, Any

from ..crawl import matches_glob
from ..errors import UsageError
from ..memory import trim
from ..model import Finding, Link, Relation, Severity, SuspectDetails, Target
from .templating import PACKAGED, load_templates, template_file

if TYPE_CHECKING:
    from ..config import Config
    from ..graph import Corpus
    from ..suspect import SuspectAnalysis
    from .context import CheckContext, Hit
    from .parallel import Child, Feed

    RuleFunc = Callable[[CheckContext], Iterable[Hit]]
    NearFunc = Callable[[CheckContext, Collection[str]], Iterable[Hit]]

__all__ = [
    "ALL_RULES",
    "RULES_BY_CODE",
    "EarlyChecks",
    "Rule",
    "parse_codes",
    "recheck",
    "run_checks",
    "same_succession",
    "select_rules",
    "start_document_checks",
]


@dataclass(frozen=True)
class Rule:
    """One registered rule: stable code, name, default severity and the function.

    A ``local`` rule reports each document (or each of its links) on its own, from that
    document, its links and the documents one edge away: after an edit only the touched
    documents need it again (see ``recheck``). Other rules look further (supersession chains,
    cycles, duplicate IDs) and always run over the whole graph. An ``edgeless`` local rule
    reads no edge: it reports a document from that document, its own links (resolved against
    the listed files, the IDs and the headings of the documents they point at), the config
    and the day; after an edit of some documents' links alone, nothing it reads about any
    other document changed (see ``recheck``'s ``edgeless``).
    """

    code: str
    name: str
    severity: Severity
    #: The rule's function as ``module.function`` in this package, imported when the rule
    #: runs or its documentation is read: a rerun answered from the result cache, which
    #: lists the rules but runs none, imports no rule module (nor the graph they read).
    function: str
    local: bool = False
    #: For a rule that reports node pairs of the graph, ``module.function`` of its hits for
    #: the pairs with an end in a set of paths, from their edges alone (after an edit that
    #: changed only edges, see ``recheck``).
    near_function: str | None = None
    edgeless: bool = False

    @property
    def check(self) -> RuleFunc:
        """The rule's function."""
        found: RuleFunc = _function(self.function)
        return found

    @property
    def near(self) -> NearFunc | None:
        """The rule's hits near a set of paths (``near_function``), or None."""
        if self.near_function is None:
            return None
        found: NearFunc = _function(self.near_function)
        return found

    @property
    def doc(self) -> str:
        """The rule's documentation (its function's docstring, dedented)."""
        import inspect

        return inspect.cleandoc(self.check.__doc__ or "")

    @property
    def summary(self) -> str:
        """The first sentence of the documentation: what the rule finds."""
        return " ".join(self.doc.split("\n\n", 1)[0].split())


E, W, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO

#: Every rule, in code order (DESIGN.md section 6).
ALL_RULES: tuple[Rule, ...] = (
    Rule("TG101", "broken-link", E, "links.find_broken_links", local=True, edgeless=True),
    Rule("TG102", "broken-anchor", E, "links.find_broken_anchors", local=True, edgeless=True),
    Rule("TG103", "unknown-id", E, "links.find_unknown_ids", local=True, edgeless=True),
    Rule(
        "TG104", "link-outside-root", E, "links.find_links_outside_root", local=True, edgeless=True
    ),
    Rule("TG201", "orphan", W, "structure.find_orphans", local=True),
    Rule("TG202", "uncovered", W, "structure.find_uncovered", local=True),
    Rule("TG203", "dependency-cycle", E, "structure.find_cycles"),
    Rule(
        "TG204",
        "supersession-mismatch",
        W,
        "structure.find_supersession_mismatches",
        near_function="structure.supersession_mismatches_near",
    ),
    Rule(
        "TG301",
        "cites-superseded",
        W,
        "lifecycle.find_cited_superseded",
        near_function="lifecycle.cited_superseded_near",
    ),
    Rule(
        "TG302",
        "status-inversion",
        W,
        "lifecycle.find_status_inversions",
        near_function="lifecycle.status_inversions_near",
    ),
    Rule(
        "TG303", "unknown-status", W, "lifecycle.find_unknown_statuses", local=True, edgeless=True
    ),
    Rule(
        "TG304",
        "approval-missing",
        W,
        "lifecycle.find_missing_approvals",
        local=True,
        edgeless=True,
    ),
    Rule(
        "TG401", "missing-section", W, "templates.find_missing_sections", local=True, edgeless=True
    ),
    Rule("TG402", "placeholder", W, "templates.find_placeholders", local=True, edgeless=True),
    Rule(
        "TG403", "missing-metadata", W, "templates.find_missing_metadata", local=True, edgeless=True
    ),
    Rule("TG501", "stale", INFO, "freshness.find_stale", local=True, edgeless=True),
    Rule(
        "TG502",
        "overdue-question",
        W,
        "freshness.find_overdue_questions",
        local=True,
        edgeless=True,
    ),
    Rule("TG503", "suspect-link", W, "history.find_suspect_links", local=True),
    Rule("TG601", "duplicate-id", E, "structure.find_duplicate_ids"),
    Rule("TG602", "parse-error", E, "problems.find_parse_errors", local=True, edgeless=True),
    Rule("TG701", "endpoint-conflict", E, "architecture.find_endpoint_conflicts"),
    Rule("TG702", "table-conflict", E, "architecture.find_table_conflicts"),
    Rule("TG703", "undescribed-component", INFO, "architecture.find_undescribed_components"),
)
RULES_BY_CODE: Mapping[str, Rule] = {rule.code: rule for rule in ALL_RULES}


def _function(where: str) -> Any:
    """The function ``module.function`` of this package (its module imported on first use)."""
    module, _, name = where.partition(".")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)


#: File names that are templates, not documents: their placeholders are the point.
TEMPLATE_STEMS = ("template", "_template", "-template")
TEMPLATE_FOLDERS = frozenset({"templates", "template", "_templates", ".templates"})
#: Folder index pages (lower-case stems): never a template by the folder they stand in.
INDEX_STEMS = frozenset({"readme", "index"})


def parse_codes(values: Iterable[str]) -> tuple[str, ...]:
    """Split ``--select TG1,TG203`` style values into upper-case codes or prefixes; raise
    UsageError for anything that is not a known code or a prefix of one."""
    out: list[str] = []
    for value in values:
        for part in value.split(","):
            code = part.strip().upper()
            if not code:
                continue
            if code != "ALL" and not any(r.code.startswith(code) for r in ALL_RULES):
                raise UsageError(
                    f"unknown rule code '{part.strip()}' (codes: {ALL_RULES[0].code}-"
                    f"{ALL_RULES[-1].code}; "
                    "see `tracegraph rules`)"
                )
            out.append(code)
    return tuple(out)


def _matches(code: str, patterns: Iterable[str]) -> bool:
    return any(p == "ALL" or code.startswith(p) for p in patterns)


def select_rules(
    select: Iterable[str] = (), ignore: Iterable[str] = (), config: Config | None = None
) -> tuple[Rule, ...]:
    """The rules to run: command-line selection wins over config; ignores add up."""
    chosen = tuple(select) or (config.rules.select if config else ())
    dropped = tuple(ignore) + (config.rules.ignore if config else ())
    return tuple(
        rule
        for rule in ALL_RULES
        if (not chosen or _matches(rule.code, chosen)) and not _matches(rule.code, dropped)
    )


def is_template_file(path: str, configured: frozenset[str] = frozenset()) -> bool:
    """Whether a path is a document template: a type's configured ``template:``, a file named
    ``template.md``/``*-template.md``/``*_template.md``, or a file in a ``templates`` folder
    other than a folder's index page (its README or index lists the templates, it is not one).

    >>> is_template_file("docs/adr/template.md"), is_template_file("docs/templates/prd.md")
    (True, True)
    >>> is_template_file("docs/adr/0001-use-templates.md"), is_template_file("templates/README.md")
    (False, False)
    >>> is_template_file("keps/NNNN-kep-template/kep.yaml")
    True
    """
    if path in configured:
        return True
    lowered = path.lower()
    if "template" not in lowered:  # every other answer but False names a template
        return False
    *folders, name = lowered.split("/")
    stem = name.rsplit(".", 1)[0]
    if stem == TEMPLATE_STEMS[0] or stem.endswith(TEMPLATE_STEMS[1:]):
        return True
    if any(folder.endswith(TEMPLATE_STEMS[1:]) for folder in folders):
        return True  # keps/NNNN-kep-template/README.md and its kep.yaml
    if stem in INDEX_STEMS:
        return False
    return any(folder in TEMPLATE_FOLDERS for folder in folders)


def run_checks(
    corpus: Corpus,
    config: Config | None = None,
    *,
    today: date | None = None,
    select: Iterable[str] = (),
    ignore: Iterable[str] = (),
    scope: Collection[str] | None = None,
    suspects: Callable[[], SuspectAnalysis] | None = None,
    nearby: Collection[str] = (),
    around: Collection[str] = frozenset(),
    release: bool = False,
    early: EarlyChecks | None = None,
    fork: bool = True,
    narrow: Collection[str] | None = None,
    quick_history: bool = False,
) -> list[Finding]:
    """Run the selected rules over ``corpus`` and return sorted findings.

    With ``scope`` (document paths), local rules look at those documents and their links only;
    the other rules still run over everything (``recheck`` merges the two), but those in
    ``nearby`` (codes), which report only the node pairs with an end in ``around`` (a set of
    paths; ``Rule.near``); with ``narrow`` (document paths) too, the local rules that read no
    edge (``Rule.edgeless``) look at those documents only.
    ``suspects`` computes the suspect links for TG503 (default: from the git history, without
    the on-disk cache); it is called only when TG503 runs.

    Severity overrides come from ``config.rules.severity``; ``config.rules.per_path_ignores``
    (globs) and ``<!-- tracegraph: ignore CODE -->`` in a document drop findings located in
    that document; ``<!-- tracegraph: ignore-next-line CODE -->`` drops those on the next
    line. Template files (see ``is_template_file``) are not checked. With ``release``, the
    architecture's entities the rules made (``CheckContext.entities``) for a tree of at least
    ``RELEASE_DOCUMENTS`` documents are let go once they are done with them (see
    ``_memory_order``); the rules never build ``corpus.architecture`` (its edges). ``early``:
    the rules a child runs already (``start_document_checks``, same selection and day): their
    findings are merged in here. ``fork=False`` runs every rule in this process.
    ``quick_history``: ``suspects`` reads no git history (a history of one commit, a tree
    outside git), so TG503 runs in turn here, without the thread that reads it beside the
    other rules (its start and import were 2-4 ms of a 1,000-document check's critical path).
    """
    from . import parallel
    from .context import CheckContext

    config = config or corpus.config
    rules = select_rules(select, ignore, config)
    if early is not None:
        early.feed.close()  # the links come before the graph is built, or never
        rules = tuple(rule for rule in rules if rule.code not in early.running)
    context = CheckContext(
        corpus=corpus,
        config=config,
        today=today or date.today(),
        # Read and parsed only where a rule that reads them runs (not in this process while
        # the document rules' child runs TG401 and TG403: 0.7 ms at 1,000 documents).
        templates=(
            load_templates(config, corpus.root)
            if any(rule.code in TEMPLATE_RULES for rule in rules)
            else {}
        ),
        suspect_source=suspects,
    )
    configured = frozenset(
        template_file(config, corpus.root, spec.name, spec.template)
        for spec in config.types + config.scoped
        if spec.template and not spec.template.startswith(PACKAGED)
    )
    scoped = narrowed = context
    if scope is not None:
        # The history's answer is the whole tree's: a scoped context asks the full one.
        scoped = narrowed = _scoped(context, scope)
        if narrow is not None:
            narrowed = _scoped(context, narrow)
    templated: dict[str, bool] = {}  # per path, for every rule: is it a template?

    def findings_of(rule: Rule) -> list[Finding]:
        severity = config.rules.severity.get(rule.code, rule.severity)
        silenced: dict[str, bool] = {}  # per path: a rule often reports one file many times
        found: list[Finding] = []
        if rule.near is not None and rule.code in nearby:
            hits = iter(rule.near(context, around))
        else:
            hits = _hits(rule, (narrowed if rule.edgeless else scoped) if rule.local else context)
        for hit in hits:
            quiet = silenced.get(hit.path)
            if quiet is None:
                quiet = silenced[hit.path] = _silenced(
                    rule.code, hit.path, corpus, config, configured, templated
                )
            if quiet or _line_silenced(rule.code, hit.path, hit.line, corpus):
                continue
            found.append(
                _finding(
                    hit.path,
                    hit.line,
                    hit.column,
                    rule.code,
                    hit.severity or severity,
                    rule.name,
                    hit.message,
                    hit.target,
                    hit.document,
                    hit.suspect,
                )
            )
        found.sort(key=_SORT_KEY)  # each rule's keys made and let go here, not all at the end
        return found

    away: list[Rule] = []  # rules a forked child runs (see ``checks.parallel``)
    # With the document rules' child running (``early``), no second child: a third busy
    # process on two cores cost more than it took off (``parallel.DOCUMENT_RULES_FROM``).
    if fork and early is None and parallel.worth_forking(len(corpus.documents)):
        away = [rule for rule in rules if rule.code in parallel.CHILD_RULES]
    if away and len(away) < len(rules):
        if {r.code for r in away} & parallel.EDGE_RULES and {
            r.code for r in rules if r not in away
        } & parallel.EDGE_RULES:
            # Found once for both processes (the child's architecture rules read the
            # ``supersedes`` edges, the rules here the chain and ``supersedes`` ones).
            context.chain_edges  # noqa: B018
        pending = parallel.start_in_child(
            lambda: [
                _rows(found)
                for found in parallel.history_meanwhile(
                    away, findings_of, lambda: context.suspects, HISTORY_RULE
                )
            ]
        )
    else:
        away, pending = [], None
    try:
        by_rule: dict[str, list[Finding]] = {}
        ordered = sorted((rule for rule in rules if rule not in away), key=_memory_order)
        last = max((n for n, r in enumerate(ordered) if r.code in ARCHITECTURE_RULES), default=-1)
        release = release and len(corpus.documents) >= RELEASE_DOCUMENTS
        if (pending is not None or early is not None) and not quick_history:  # forked
            # already: TG503's history is read in a thread beside the rules (no fork follows)
            here = parallel.history_meanwhile(
                ordered, findings_of, lambda: context.suspects, HISTORY_RULE
            )
            by_rule.update(zip([rule.code for rule in ordered], here, strict=True))
        else:
            for number, rule in enumerate(ordered):
                by_rule[rule.code] = findings_of(rule)
                if release and number == last:  # made for these rules alone: let them go
                    context.forget_entities()
                if release:  # what the rule freed in the C heap's middle goes back
                    trim()
    except BaseException:
        if pending is not None:
            pending.stop()
        if early is not None:
            early.child.stop()
        raise
    if pending is not None:
        sent = pending.result()
        if sent is None:  # the child failed: run its rules here (an error then says why)
            done = [findings_of(rule) for rule in away]
        else:
            done = [_unrows(rows) for rows in sent]
        by_rule.update(zip([rule.code for rule in away], done, strict=True))
    # The first finding of a place wins, in rule order, as in one process; the early rules'
    # come last (a finding's key holds its code, so no two rules' findings meet).
    ordered_lists = [by_rule.pop(rule.code) for rule in rules]
    if early is not None:
        ordered_lists.append(early.findings(corpus, config, today=context.today))
    return merge_sorted(ordered_lists)


def _scoped(context: CheckContext, paths: Collection[str]) -> CheckContext:
    """``context`` for the local rules of the documents at ``paths`` and their links (it asks
    ``context`` for the suspect links: the history's answer is the whole tree's)."""
    inside = frozenset(paths)
    corpus = context.corpus
    part = replace(
        corpus,
        documents=tuple(d for d in corpus.documents if d.path in inside),
        links=tuple(link for link in corpus.links if link.source in inside),
    )
    return replace(context, corpus=part, suspect_source=lambda: context.suspects)


def merge_sorted(lists: Iterable[list[Finding]]) -> list[Finding]:
    """One sorted list of ``lists`` (each sorted by ``sort_key``), the first of a place
    (equal keys) kept, taken from the earliest list. A key is made for a handful of findings
    at a time: a dict of every finding by its key, sorted once, was 16 MB at the end of a
    check of 100,000 documents (120,000 findings), the peak memory of a ``--since`` run.

    >>> a = Finding("a.md", 1, 1, "TG101", Severity.ERROR, "x", "first")
    >>> b = Finding("a.md", 2, 1, "TG101", Severity.ERROR, "x", "")
    >>> [f.line for f in merge_sorted([[a, b], [replace(a, rule="y")], []])]
    [1, 2]
    >>> merge_sorted([[a], [replace(a, rule="y")]])[0].rule
    'x'
    """
    out: list[Finding] = []
    append = out.append
    last: tuple[str, int, int, str, str] | None = None
    for finding in heapq.merge(*lists, key=_SORT_KEY):
        key = _SORT_KEY(finding)
        if key != last:
            append(finding)
            last = key
    return out


@dataclass(frozen=True)
class EarlyChecks:
    """The rules that read documents alone, running in a forked child while this process
    resolves the references and builds the graph (``start_document_checks``), and the link
    rules that child runs once it is sent the links they read (``send_links``)."""

    codes: frozenset[str]
    select: tuple[str, ...]
    ignore: tuple[str, ...]
    #: The child's findings (``Row`` values), and whether it ran the link rules.
    child: Child[tuple[list[Row], bool]]
    #: The selected rules of ``parallel.LINK_RULES`` and ``parallel.SUCCESSION_RULES``.
    link_codes: frozenset[str]
    #: Where ``send_links`` sends their links.
    feed: Feed[tuple[Link, ...]]

    @property
    def linked(self) -> bool:
        """Whether the child was sent the links: it runs the link rules."""
        return self.feed.sent

    @property
    def running(self) -> frozenset[str]:
        """The rules the child runs."""
        return self.codes | self.link_codes if self.linked else self.codes

    def send_links(self, links: tuple[Link, ...]) -> None:
        """Send the child the links the link rules read (those of ``LINK_STATUSES``), and
        those that make ``supersedes`` edges when it runs the architecture rules, in order,
        once resolved: it runs those rules while this process builds the edges."""
        from .parallel import SUCCESSION_RULES

        if not self.link_codes:
            self.feed.close()
            return
        # One loop over every link that reads the status without its property (a Python
        # call) and the relation of a link to a document alone: 16,000 links at 1,000
        # documents, 1.0 -> 0.65 ms.
        statuses, document = LINK_STATUSES, Target.DOCUMENT
        none: frozenset[Relation] = frozenset()
        superseding = none if self.link_codes.isdisjoint(SUCCESSION_RULES) else SUPERSEDING
        sent = []
        for link in links:
            status = link._more[0]
            if status is document:
                if link.reference.relation in superseding:
                    sent.append(link)
            elif status in statuses:
                sent.append(link)
        self.feed.send(tuple(sent))

    def result(self) -> tuple[list[Finding], bool] | None:
        """Wait for the child (sending it nothing more): its findings and whether it ran the
        link rules, or None when it failed."""
        self.feed.close()
        done = self.child.result()
        return None if done is None else (_unrows(done[0]), done[1])

    def findings(self, corpus: Corpus, config: Config, *, today: date) -> list[Finding]:
        """The child's findings, sorted (``sort_key``); if it failed, its rules run here over
        ``corpus`` (an error then says why, as the rule reports it)."""
        done = self.result()
        if done is None:
            return self._here(corpus, config, today, self.running)
        found, linked = done
        if self.linked and not linked:  # sent but not read (never seen): they run here
            return merge_sorted([found, self._here(corpus, config, today, self.link_codes)])
        return found

    def _here(
        self, corpus: Corpus, config: Config, today: date, codes: frozenset[str]
    ) -> list[Finding]:
        """The selected rules among ``codes``, run in this process."""
        others = tuple(rule.code for rule in ALL_RULES if rule.code not in codes)
        return run_checks(corpus, config, today=today, select=self.select,
                          ignore=(*self.ignore, *others), fork=False)  # fmt: skip


#: The statuses of the links the link rules read (``parallel.LINK_RULES``: TG101, TG103,
#: TG104; ``CheckContext.links_with``).
LINK_STATUSES = frozenset({Target.MISSING, Target.UNKNOWN_ID, Target.OUTSIDE})
#: The relations of the links that make ``supersedes`` edges (``graph.edge_of``).
SUPERSEDING = frozenset({Relation.SUPERSEDES, Relation.SUPERSEDED_BY})


def start_document_checks(
    corpus: Corpus,
    config: Config | None = None,
    *,
    today: date,
    select: Iterable[str] = (),
    ignore: Iterable[str] = (),
) -> EarlyChecks | None:
    """Start the selected rules that read documents alone (``parallel.DOCUMENT_RULES``) in a
    forked child, on ``corpus`` as ``graph.documents_corpus`` makes it (no link, no edge yet):
    they run while this process resolves the references and builds the graph, and
    ``run_checks(early=...)`` merges their findings (the same, byte for byte, as one process
    finds). None where no child is worth it (``parallel.worth_forking`` from
    ``parallel.DOCUMENT_RULES_FROM`` documents), or when the selection holds only such rules or
    none."""
    from . import parallel

    config = config or corpus.config
    chosen, dropped = tuple(select), tuple(ignore)
    rules = select_rules(chosen, dropped, config)
    codes = frozenset(rule.code for rule in rules if rule.code in parallel.DOCUMENT_RULES)
    if not codes or len(codes) == len(rules):
        return None
    if not parallel.worth_forking(len(corpus.documents), parallel.DOCUMENT_RULES_FROM):
        return None
    sent = parallel.LINK_RULES  # rules that read the links sent
    if len(corpus.documents) >= parallel.SUCCESSION_RULES_FROM:
        sent |= parallel.SUCCESSION_RULES
    linking = frozenset(rule.code for rule in rules if rule.code in sent)
    feed: parallel.Feed[tuple[Link, ...]] = parallel.Feed()

    def only(kept: frozenset[str]) -> tuple[str, ...]:
        return (*dropped, *(rule.code for rule in ALL_RULES if rule.code not in kept))

    def work() -> tuple[list[Row], bool]:
        gc.disable()  # as in ``memory.collector_paused``; the child then ends
        feed.listen()
        found = run_checks(corpus, config, today=today, select=chosen, ignore=only(codes),
                           fork=False)  # fmt: skip
        links = feed.received()
        if links is None or not linking:
            return _rows(found), False
        # Those links alone, and the edges they make: what the link rules read
        # (``CheckContext.links_with``), and the architecture rules (the ``supersedes`` edges).
        from ..graph import with_links

        linked = with_links(corpus, links)
        found = merge_sorted([found, run_checks(linked, config, today=today, select=chosen,
                                                ignore=only(linking), fork=False)])  # fmt: skip
        return _rows(found), True

    child = parallel.start_in_child(work)
    feed.forked()
    if not linking:
        feed.close()
    return EarlyChecks(codes, chosen, dropped, child, linking, feed)


def recheck(
    corpus: Corpus,
    previous: Iterable[Finding],
    touched: Collection[str],
    config: Config | None = None,
    *,
    today: date | None = None,
    select: Iterable[str] = (),
    ignore: Iterable[str] = (),
    suspects: Callable[[], SuspectAnalysis] | None = None,
    held: Collection[str] = (),
    nearby: Collection[str] = (),
    changed: Collection[str] | None = None,
    edgeless: bool = False,
) -> list[Finding]:
    """The findings of ``corpus`` after an edit, from the findings before it (``previous``,
    same rules, config and day) and the documents the edit touched (see
    ``graph.update_corpus``): local rules run again for the touched documents only, and their
    earlier findings elsewhere are kept; the other rules run over everything, but for those
    in ``held`` (codes), whose earlier findings (as ``previous`` gives them) still hold, and
    those in ``nearby`` (codes of rules with ``Rule.near``: the edit changed only the edges
    of the touched documents, no status, name or ``supersedes`` edge), which report again
    only the node pairs with an end at a touched document or one of the same name (their
    earlier findings about other pairs still hold); with ``changed`` (the edited documents,
    when every node pair whose edges changed has an end there), only the pairs with an end
    at one of those. With ``edgeless`` too (the edit changed the links of the ``changed``
    documents alone, and nothing else of any document), the local rules that read no edge
    (``Rule.edgeless``) run again for the changed documents only: what they read about every
    other touched document is as it was, and so are their findings there.
    Equals ``run_checks(corpus, config, today=today, select=select, ignore=ignore)`` (tested
    on random edits of real trees).
    """
    inside = frozenset(touched)
    located = _located(corpus, inside)
    ends = inside if changed is None else frozenset(changed)
    names = {corpus.by_path[p].name for p in ends if p in corpus.by_path}
    around = ends.union(
        *(corpus.ids.get(name, ()) for name in names),
        (name for name in names if name in corpus.by_path),
    )
    narrow = ends if edgeless and changed is not None else None
    # Where each local rule's earlier findings no longer hold (a finding stands in a
    # document or its sidecar).
    alone = located if narrow is None else _located(corpus, narrow)
    regions = {rule.code: alone if rule.edgeless else located for rule in ALL_RULES if rule.local}
    fresh = run_checks(
        corpus, config, today=today, select=select, ignore=(*ignore, *held), scope=inside,
        suspects=suspects, nearby=nearby, around=around, narrow=narrow,
    )  # fmt: skip
    # The earlier findings that still hold and the fresh ones, by their keys (made once, in C:
    # the fresh one of a place wins), in key order.
    unique = {
        _SORT_KEY(f): f
        for f in previous
        if f.code in held
        or ((region := regions.get(f.code)) is not None and f.path not in region)
        or (f.code in nearby and f.document not in names and f.target not in names)
    }
    unique.update(zip(map(_SORT_KEY, fresh), fresh, strict=True))
    return [unique[key] for key in sorted(unique)]


def _located(corpus: Corpus, paths: frozenset[str]) -> frozenset[str]:
    """``paths`` and the sidecars of the documents among them: where their findings stand."""
    return paths | {doc.sidecar for p in paths if (doc := corpus.by_path.get(p)) and doc.sidecar}


#: From this many documents ``run_checks(release=True)`` lets go of the architecture's
#: entities it made: freeing costs CPU time that only a large tree's memory is worth.
RELEASE_DOCUMENTS = 25_000


def _memory_order(rule: Rule) -> int:
    """The order the rules run in (findings are merged in rule order whatever it is): the
    architecture rules first, then TG503, then the rest. The architecture's entities are made
    for the first of them and, with ``release``, let go after the last; their memory and that
    of the history read then serve the tables and findings of the rules after, which otherwise
    added to them (the cold peak at 100k: bench/RESULTS.md, memory round 6)."""
    if rule.code in ARCHITECTURE_RULES:
        return 0
    return 1 if rule.code == "TG503" else 2


#: The rule that reads git's history (``CheckContext.suspects``).
HISTORY_RULE = "TG503"
#: The rules that read the types' templates (``CheckContext.templates``; a test holds that no
#: other rule does).
TEMPLATE_RULES = frozenset({"TG401", "TG403"})
#: The architecture rules: they read what documents describe of the system (``Document.
#: design``), the describing documents' names, statuses, creation dates and ignore comments,
#: and the ``supersedes`` edges (a chain through any document relates two designs).
ARCHITECTURE_RULES = ("TG701", "TG702", "TG703")


def same_succession(
    before: Corpus, after: Corpus, changed: Iterable[str], touched: Iterable[str]
) -> bool:
    """Whether an edit left every ``supersedes`` edge as it was: ``after`` is ``before`` with
    the ``changed`` documents replaced (``graph.update_corpus``), ``touched`` the documents
    either side of every edge that changed."""
    ends = set(touched).union(changed)
    return _supersessions(before, ends) == _supersessions(after, ends)


def _supersessions(corpus: Corpus, paths: Iterable[str]) -> set[tuple[str, str]]:
    """The ``supersedes`` edges (new, old) leaving ``paths``."""
    relation = Relation.SUPERSEDES.value
    succ = corpus.edges.succ
    return {
        (path, target)
        for path in paths
        for target, keyed in succ.get(path, {}).items()
        if any(data.get("relation") == relation for data in keyed.values())
    }


def sort_key(finding: Finding) -> tuple[str, int, int, str, str]:
    """Findings sort by path, line, column, code (and message, for a total order)."""
    return (finding.path, finding.line, finding.column, finding.code, finding.message)


#: ``sort_key`` made in C (each rule's findings are sorted, then merged by it: a Python call
#: per finding and comparison pass cost 0.3 ms of 1,265 findings at 1,000 documents).
_SORT_KEY = attrgetter("path", "line", "column", "code", "message")


_FINDING_SLOTS = tuple(
    Finding.__dict__[name].__set__
    for name in (
        "path", "line", "column", "code", "severity", "rule", "message", "target", "document",
        "suspect",
    )
)  # fmt: skip


def _finding(
    path: str, line: int, column: int, code: str, severity: Severity, rule: str, message: str,
    target: str | None, document: str | None, suspect: SuspectDetails | None,
) -> Finding:  # fmt: skip
    """``Finding(...)`` without the frozen dataclass's ``__init__`` (a third of its cost; 12,000
    findings at 10,000 documents)."""
    finding = _new(Finding)
    (
        s_path,
        s_line,
        s_column,
        s_code,
        s_severity,
        s_rule,
        s_message,
        s_target,
        s_document,
        s_suspect,
    ) = _FINDING_SLOTS
    s_path(finding, path)
    s_line(finding, line)
    s_column(finding, column)
    s_code(finding, code)
    s_severity(finding, severity)
    s_rule(finding, rule)
    s_message(finding, message)
    s_target(finding, target)
    s_document(finding, document)
    s_suspect(finding, suspect)
    return finding


_new = object.__new__

#: A finding as a forked child sends it back: its fields in ``_finding``'s order (11,000
#: of them unpickle in 0.014 s at 10,000 documents, as ``Finding`` values in 0.033-0.06 s).
Row = tuple[str, int, int, str, Severity, str, str, str | None, str | None, SuspectDetails | None]


def _rows(findings: Iterable[Finding]) -> list[Row]:
    return [
        (f.path, f.line, f.column, f.code, f.severity, f.rule, f.message, f.target, f.document,
         f.suspect)
        for f in findings
    ]  # fmt: skip


def _unrows(rows: Iterable[Row]) -> list[Finding]:
    return [_finding(*row) for row in rows]


def _hits(rule: Rule, context: CheckContext) -> Iterator[Hit]:
    yield from rule.check(context)


def _line_silenced(code: str, path: str, line: int, corpus: Corpus) -> bool:
    """Whether ``<!-- tracegraph: ignore-next-line CODE -->`` stands on the line above."""
    doc = corpus.by_path.get(path)
    if doc is None or not doc.ignored_lines:
        return False
    return any(at == line and _matches(code, codes) for at, codes in doc.ignored_lines)


def _silenced(
    code: str,
    path: str,
    corpus: Corpus,
    config: Config,
    templates: frozenset[str],
    templated: dict[str, bool],
) -> bool:
    template = templated.get(path)
    if template is None:
        template = templated[path] = is_template_file(path, templates)
    if template:
        return True
    doc = corpus.by_path.get(path)
    if doc is not None and _matches(code, doc.ignored_rules):
        return True
    return any(
        _matches(code, codes) and matches_glob(path, glob)
        for glob, codes in config.rules.per_path_ignores.items()
    )
