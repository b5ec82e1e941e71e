"""Configuration: a declarative schema, loading from YAML or pyproject, validation in one place.

A team describes its document types as data (folders, file-name and ID patterns, the front-matter
field that holds the number, the status lifecycle, extra relation keys), so adding SPEC or KEP
needs no code. Every error names the file, the key and, where known, the line.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import ConfigError, YamlProblem
from .model import Relation, Severity
from .patterns import (
    Pattern,
    PatternError,
    alternation,
    check_pattern,
    glob_prefix,
    glob_regex,
    match_found,
)
from .repository import web_address
from .safefs import Unreadable, inside_root, read_limited

if TYPE_CHECKING:  # PyYAML is imported where YAML is read: most runs read none
    import yaml

CONFIG_NAMES = ("tracegraph.yaml", ".tracegraph.yaml", "tracegraph.yml", ".tracegraph.yml")
#: A config file (or pyproject.toml) larger than this is not read.
MAX_CONFIG_BYTES = 1_000_000
#: Document types (built-in ones included) and title patterns per type: every document's
#: title is tried against each pattern, so their number multiplies the work.
MAX_TYPES = 100
MAX_PATTERNS_PER_TYPE = 20

#: Front-matter keys that declare a relation (DESIGN.md section 5); types may add their own.
DEFAULT_RELATION_KEYS: Mapping[str, Relation] = {
    "implements": Relation.IMPLEMENTS,
    "depends_on": Relation.DEPENDS_ON,
    "depends-on": Relation.DEPENDS_ON,
    "supersedes": Relation.SUPERSEDES,
    "superseded_by": Relation.SUPERSEDED_BY,
    "superseded-by": Relation.SUPERSEDED_BY,
    "replaces": Relation.SUPERSEDES,
    "related": Relation.RELATED,
    "see_also": Relation.RELATED,
    "see-also": Relation.RELATED,
}

#: Spellings of statuses mapped onto lifecycle values (after lower-casing, ``_``/space -> ``-``).
DEFAULT_STATUS_ALIASES: Mapping[str, str] = {
    "review": "in-review",
    "under-review": "in-review",
    "in-progress": "draft",
    "wip": "draft",
    "proposal": "proposed",
    "done": "implemented",
    "complete": "implemented",
    "completed": "implemented",
    "released": "shipped",
    "obsolete": "deprecated",
    "replaced": "superseded",
    "declined": "rejected",
}


@dataclass(frozen=True)
class ComponentMapping:
    """Where a template describes components: the section, the heading of each component
    (``{name}`` is the component's name, ``{n}`` its number) and the bold field labels."""

    section: str = "System Architecture"
    heading: str = "Component {n}: {name}"
    responsibility: str = "Responsibility"
    technology: str = "Technology"
    interfaces: str = "Interfaces"
    dependencies: str = "Dependencies"


@dataclass(frozen=True)
class EndpointMapping:
    """Where a template designs endpoints (``#### POST /v1/orders`` headings, or list items
    starting with a method and path) and the headings of its new/modified/breaking groups."""

    section: str = "API Design"
    new: tuple[str, ...] = ("New Endpoints",)
    modified: tuple[str, ...] = ("Modified Endpoints",)
    breaking: tuple[str, ...] = ("Breaking Changes",)


@dataclass(frozen=True)
class TableMapping:
    """Where a template designs tables (``**Table: `orders`**`` labels, ``CREATE``/``ALTER
    TABLE`` in SQL blocks) and the headings of its new/modified groups."""

    section: str = "Data Model"
    label: str = "Table"
    new: tuple[str, ...] = ("New Tables",)
    modified: tuple[str, ...] = ("Modified Tables",)


@dataclass(frozen=True)
class ArchMapping:
    """How the documents of one type describe the system (issue 20): each part is optional.
    The built-in TDD mapping names the headings and labels of ``templates/tdd.md``."""

    components: ComponentMapping | None = None
    endpoints: EndpointMapping | None = None
    tables: TableMapping | None = None
    #: The template's own example names (``POST /api/v1/resource``, ``resources``): a document
    #: copied from the template and not yet filled in designs none of them.
    examples: tuple[str, ...] = ()


#: The TDD template's mapping (``tracegraph/templates/tdd.md``; a test keeps them in step).
TDD_ARCHITECTURE = ArchMapping(
    ComponentMapping(),
    EndpointMapping(),
    TableMapping(),
    examples=("POST /api/v1/resource", "resources"),
)


@dataclass(frozen=True)
class TypeSpec:
    """How one document type is recognised and what its lifecycle is."""

    name: str
    folders: tuple[str, ...] = ()
    title_patterns: tuple[str, ...] = ()
    sections: tuple[str, ...] = ()
    id_pattern: str = ""
    number_field: str | None = None
    lifecycle: tuple[str, ...] = ()
    terminal: tuple[str, ...] = ()
    template: str | None = None
    max_age_days: int | None = None
    needs: tuple[str, ...] = ()
    relations: Mapping[str, Relation] = field(default_factory=dict)
    # How a convention lays its documents out (the presets use these; see README "Presets").
    #: Globs of documents that are of this type whatever else they say (first clue of all).
    paths: tuple[str, ...] = ()
    #: Regex searched in the path of a document of this type: group 1 is its number.
    path_number: str = ""
    #: Digits an ID's number is padded to (``ADR-0007``); 0 keeps it as written (``EIP-20``).
    id_width: int = 4
    #: A metadata file beside each document of this type (``kep.yaml``), read as front matter.
    sidecar: str | None = None
    #: The metadata field that holds the status (Ember RFCs: ``stage``).
    status_field: str = "status"
    #: Regex whose group 1 is the status within the field's text (the rest is kept as written).
    status_pattern: str = ""
    #: The status of a document of this type that states none (a merged Rust RFC: accepted).
    default_status: str | None = None
    #: Statuses that are neither stages of the lifecycle nor ended (an EIP that ``moved``).
    other_statuses: tuple[str, ...] = ()
    #: Extra field-line keys read under the title (``* Review Manager: ...``).
    field_lines: tuple[str, ...] = ()
    #: Regex that splits one relation value into several (``requires: 161, 684``).
    list_separator: str = ""
    #: What TG402 reports as unfilled: ``brackets`` (``[Date]``) and ``words`` (TBD, TODO).
    placeholders: tuple[str, ...] = ("brackets", "words")
    #: Whether TG103 reports a prose mention of an ID no document has; false where a mention
    #: may name a proposal that was never merged ("RFC 3098", an open pull request).
    unknown_mentions: bool = True
    #: Whether links in the text take a relation from a lead phrase ("Requires ...") or a
    #: heading; false where only metadata declares relations (an EIP's ``requires:``).
    prose_relations: bool = True
    #: Where the title comes from: ``heading`` (front-matter ``title``, else the first
    #: heading) or ``path`` (the file name after its number: Rust RFCs have no title heading).
    title_from: str = "heading"
    #: Other prefixes that name this type's IDs (``ERC-20`` is ``EIP-20``).
    id_aliases: tuple[str, ...] = ()
    #: The relations through which this type's documents cite others for TG301 (empty: every
    #: one). Proposals cite ended ones for history; only what they rest on counts there.
    cites: tuple[Relation, ...] = ()
    #: Where documents of this type describe components, endpoints and tables (None: nowhere).
    architecture: ArchMapping | None = None

    @property
    def mention_regex(self) -> str:
        """The regex that finds this type's IDs in prose (hyphen required by default)."""
        return self.id_pattern or rf"\b{re.escape(self.name)}-\d+\b"

    @property
    def statuses(self) -> tuple[str, ...]:
        """Every status this type allows, lifecycle order first."""
        return self.lifecycle + self.terminal + self.other_statuses


@dataclass(frozen=True)
class RulesConfig:
    """Rule selection and grading (codes or prefixes such as ``TG1``)."""

    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    severity: Mapping[str, Severity] = field(default_factory=dict)
    per_path_ignores: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    strict_anchor_case: bool = False


@dataclass(frozen=True)
class Limits:
    """Bounds that keep hostile input from hanging or exhausting the tool."""

    max_file_bytes: int = 10_000_000
    max_front_matter_bytes: int = 1_000_000
    max_yaml_aliases: int = 100
    max_references_per_file: int = 200_000


@dataclass(frozen=True)
class RenderConfig:
    """Map rendering settings."""

    max_nodes: int = 1500
    sfdp_above: int = 400


#: Hard ceilings. A config file inside the scanned repository (the repository is untrusted in
#: CI) cannot set a limit above these; only a ``--config`` file outside it can. The file limits
#: are their defaults: the largest a worst-case file parses within 2 GiB and a few seconds.
CEILINGS: Mapping[str, int] = {
    "limits.max_file_bytes": 10_000_000,
    "limits.max_front_matter_bytes": 1_000_000,
    "limits.max_yaml_aliases": 1_000,
    "limits.max_references_per_file": 200_000,
    "render.max_nodes": 5_000,
    "render.sfdp_above": 500,
}


@dataclass(frozen=True)
class ReportConfig:
    """Health report settings: the Markdown report's character limit (0: none)."""

    markdown_limit: int = 60_000


@dataclass(frozen=True)
class SuspectConfig:
    """Suspect links (TG503): what counts as a review, and where reviews are recorded."""

    #: ``default``: editing a document reviews it; ``strict``: only ``tracegraph review`` does.
    mode: str = "default"
    #: The review file, relative to the root.
    reviews: str = ".tracegraph-reviews.yaml"


@dataclass(frozen=True)
class ArchitectureConfig:
    """How entity names are merged across documents: ``aliases`` (a name -> its other
    spellings), and globs over dependency names that are ``internal`` (components of this
    system: TG703 when none is described) or ``external`` (never internal)."""

    aliases: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    internal: tuple[str, ...] = ()
    external: tuple[str, ...] = ()


@dataclass(frozen=True)
class Config:
    """The whole configuration; frozen and passed down explicitly (no global state)."""

    types: tuple[TypeSpec, ...]
    include: tuple[str, ...] = ("**/*.md", "**/*.markdown")
    exclude: tuple[str, ...] = ()
    relations: Mapping[str, Relation] = field(default_factory=lambda: dict(DEFAULT_RELATION_KEYS))
    status_aliases: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_STATUS_ALIASES))
    rules: RulesConfig = field(default_factory=RulesConfig)
    limits: Limits = field(default_factory=Limits)
    render: RenderConfig = field(default_factory=RenderConfig)
    report: ReportConfig = field(default_factory=ReportConfig)
    suspect: SuspectConfig = field(default_factory=SuspectConfig)
    architecture: ArchitectureConfig = field(default_factory=ArchitectureConfig)
    #: ``[[...]]`` as wikilinks: True everywhere, False nowhere, None (``auto``) in the
    #: folders of wiki-style notes trees that the crawl finds (GitHub renders no wikilinks).
    wikilinks: bool | None = None
    #: The repository's web addresses (links to them are internal), as configured; None: found
    #: (git remote ``origin``, files at the root, the tree's own links); False: none, every URL
    #: is external.
    repository: tuple[str, ...] | bool | None = None
    #: Regexes of IDs that name documents outside the repository (``RFC-2119``): citations.
    external_ids: tuple[str, ...] = ()
    source: str | None = None
    #: ``auto`` (detect presets from the tree), ``off``, or the names of the presets to detect.
    presets: tuple[str, ...] = ("auto",)
    #: Presets applied to this tree: (name, folder) pairs, folder "" for the root.
    applied_presets: tuple[tuple[str, str], ...] = ()
    #: What the config file set explicitly ("TYPE.field", "status_aliases.key", ...): a preset
    #: fills in everything else.
    explicit: frozenset[str] = frozenset()
    #: Settings of a type that hold only for the documents their ``paths`` match: a preset's,
    #: in its own folder, when the type also exists outside it (Rust RFCs in ``text/`` beside
    #: a team's ``docs/rfcs/``; MADR and Nygard logs in one monorepo).
    scoped: tuple[TypeSpec, ...] = ()

    def type_spec(self, name: str) -> TypeSpec | None:
        """The spec of a type by name (case-insensitive), or None (DOC has none)."""
        upper = name.upper()
        for spec in self.types:
            if spec.name == upper:
                return spec
        return None

    def spec_for(self, name: str, path: str) -> TypeSpec | None:
        """The settings of type ``name`` for the document at ``path``: the scoped ones whose
        ``paths`` match it, else the type's own (None for DOC)."""
        upper = name.upper()
        for spec in self.scoped:
            if spec.name == upper and any(
                # The literal start first: one RE2 call costs ~5 us through the binding, and
                # the checks ask once per document (a preset per team's folder at 10k).
                path.startswith(glob_prefix(g)) and match_found(glob_regex(g), path)
                for g in spec.paths
            ):
                return spec
        return self.type_spec(upper)

    def relation_keys(self, type_name: str) -> Mapping[str, Relation]:
        """Front-matter relation keys for one type: global keys plus the type's own."""
        spec = self.type_spec(type_name)
        if spec is None or not spec.relations:
            return self.relations
        return {**self.relations, **spec.relations}


#: What follows a built-in type phrase in a record's own title: an optional abbreviation in
#: parentheses, then a number ("Architecture Decision Record 12") or a separator and the record's
#: subject ("Technical Design Document (TDD): Billing"). A title that only names the kind of
#: document ("Architecture decision record (ADR)", a guide's) types nothing.
RECORD_TITLE = r"\s*(?:\([^()]*\))?\s*(?:#?\d|[:\-–—|]\s*\w)"

DEFAULT_TYPES: tuple[TypeSpec, ...] = (
    TypeSpec(
        name="PRD",
        folders=("prd", "prds", "requirements", "product"),
        title_patterns=(r"^PRD[- ]?\d+\b", r"^Product Requirements?(?: Document)?" + RECORD_TITLE),
        lifecycle=("draft", "in-review", "approved", "shipped"),
        terminal=("deprecated", "superseded", "rejected"),
        max_age_days=365,
        needs=("RFC", "TDD"),
    ),
    TypeSpec(
        name="RFC",
        folders=("rfc", "rfcs"),
        title_patterns=(r"^RFC[- ]\d+\b", r"^Request for Comments?" + RECORD_TITLE),
        lifecycle=("draft", "in-review", "accepted", "implemented"),
        terminal=("rejected", "withdrawn", "superseded", "deprecated"),
        max_age_days=365,
        needs=("ADR", "TDD"),
    ),
    TypeSpec(
        name="ADR",
        folders=("adr", "adrs", "decisions", "decision-records"),
        title_patterns=(r"^ADR[- ]?\d+\b", r"^Architecture Decision Record" + RECORD_TITLE),
        sections=("context", "decision"),
        lifecycle=("proposed", "accepted"),
        terminal=("deprecated", "superseded", "rejected"),
    ),
    TypeSpec(
        name="TDD",
        folders=("tdd", "tdds", "design", "designs", "design-docs"),
        title_patterns=(r"^TDD[- ]?\d+\b", r"^Technical Design(?: Document)?" + RECORD_TITLE),
        lifecycle=("draft", "in-review", "approved", "implemented"),
        terminal=("deprecated", "superseded", "rejected"),
        max_age_days=365,
        architecture=TDD_ARCHITECTURE,
    ),
)


def mention_pattern(types: tuple[TypeSpec, ...]) -> tuple[Pattern, tuple[int, ...]]:
    """The one pattern that finds every type's IDs in prose, and the group of each type (in
    ``types`` order). A configured ``id_pattern`` makes it an RE2 pattern (linear time);
    raises PatternError when the patterns together are too large."""
    configured = any(t.id_pattern for t in types)
    return alternation([t.mention_regex for t in types], configured=configured)


def default_config() -> Config:
    """The configuration used when a repository has no config file."""
    return Config(types=DEFAULT_TYPES)


# --- validation ---------------------------------------------------------------------------------

Checker = Callable[[Any, str], Any]


class _Ctx:
    """Where a value came from, for error messages: file and key -> line."""

    def __init__(self, source: str, lines: Mapping[str, int], ceilings: bool = True) -> None:
        self.source = source
        self.lines = lines
        self.ceilings = ceilings

    def fail(self, key: str, message: str) -> ConfigError:
        line = self.lines.get(key)
        where = f"{self.source}:{line}" if line else self.source
        return ConfigError(f"{where}: {key}: {message}")


def _str(ctx: _Ctx, key: str, value: Any) -> str:
    if not isinstance(value, str):
        raise ctx.fail(key, f"expected a string, got {type(value).__name__}")
    return value


def _opt_str(ctx: _Ctx, key: str, value: Any) -> str | None:
    return None if value is None else _str(ctx, key, value)


#: No setting needs more; a larger number would overflow where it is used.
MAX_WHOLE = 2**63 - 1


def _non_negative(ctx: _Ctx, key: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ctx.fail(key, "expected a non-negative whole number")
    return value


def _int(ctx: _Ctx, key: str, value: Any) -> int:
    number = _non_negative(ctx, key, value)
    if number > MAX_WHOLE:
        raise ctx.fail(key, f"{number:.3g} is too large (at most {MAX_WHOLE})")
    return number


def _opt_int(ctx: _Ctx, key: str, value: Any) -> int | None:
    return None if value is None else _int(ctx, key, value)


def _bool(ctx: _Ctx, key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ctx.fail(key, "expected true or false")
    return value


def _strs(ctx: _Ctx, key: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ctx.fail(key, "expected a list of strings")
    return tuple(value)


def _globs(ctx: _Ctx, key: str, value: Any) -> tuple[str, ...]:
    items = _strs(ctx, key, value)
    for item in items:
        try:
            glob_regex(item.strip("/") + "/**")
        except PatternError as exc:
            raise ctx.fail(key, f"invalid glob {item[:80]!r}: {exc}") from None
    return items


def _regexes(ctx: _Ctx, key: str, value: Any) -> tuple[str, ...]:
    items = _strs(ctx, key, value)
    if len(items) > MAX_PATTERNS_PER_TYPE:
        raise ctx.fail(key, f"at most {MAX_PATTERNS_PER_TYPE} patterns")
    for item in items:
        _regex(ctx, key, item)
    return items


def _regex(ctx: _Ctx, key: str, value: Any) -> str:
    try:
        return check_pattern(_str(ctx, key, value))
    except PatternError as exc:
        raise ctx.fail(key, f"invalid regular expression {value!r}: {exc}") from None


def _placeholder_kinds(ctx: _Ctx, key: str, value: Any) -> tuple[str, ...]:
    kinds = _strs(ctx, key, value)
    if any(k not in ("brackets", "words") for k in kinds):
        raise ctx.fail(key, "expected a list of: brackets, words")
    return kinds


def _title_from(ctx: _Ctx, key: str, value: Any) -> str:
    if value not in ("heading", "path"):
        raise ctx.fail(key, "expected heading or path")
    return str(value)


def _opt_status(ctx: _Ctx, key: str, value: Any) -> str | None:
    return None if value is None else normalise_status_word(_str(ctx, key, value))


def _type_names(ctx: _Ctx, key: str, value: Any) -> tuple[str, ...]:
    return tuple(v.upper() for v in _strs(ctx, key, value))


def _statuses(ctx: _Ctx, key: str, value: Any) -> tuple[str, ...]:
    return tuple(normalise_status_word(v) for v in _strs(ctx, key, value))


def _relation_list(ctx: _Ctx, key: str, value: Any) -> tuple[Relation, ...]:
    allowed = sorted(r.value for r in Relation)
    names = _strs(ctx, key, value)
    if any(v not in allowed for v in names):
        raise ctx.fail(key, f"expected a list of: {', '.join(allowed)}")
    return tuple(Relation(v) for v in names)


def _relation_map(ctx: _Ctx, key: str, value: Any) -> dict[str, Relation]:
    if not isinstance(value, dict):
        raise ctx.fail(key, "expected a mapping of front-matter key -> relation")
    allowed = sorted(r.value for r in Relation)
    out: dict[str, Relation] = {}
    for k, v in value.items():
        if not isinstance(k, str) or v not in allowed:
            raise ctx.fail(f"{key}.{k}", f"expected one of: {', '.join(allowed)}")
        out[k] = Relation(v)
    return out


def _str_map(ctx: _Ctx, key: str, value: Any) -> dict[str, str]:
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise ctx.fail(key, "expected a mapping of strings to strings")
    return {normalise_status_word(k): normalise_status_word(v) for k, v in value.items()}


def _severity_map(ctx: _Ctx, key: str, value: Any) -> dict[str, Severity]:
    if not isinstance(value, dict):
        raise ctx.fail(key, "expected a mapping of rule code -> error|warning|info")
    out: dict[str, Severity] = {}
    for k, v in value.items():
        if not isinstance(v, str) or v not in {s.value for s in Severity}:
            raise ctx.fail(f"{key}.{k}", "expected error, warning or info")
        out[str(k).upper()] = Severity(v)
    return out


def _path_ignores(ctx: _Ctx, key: str, value: Any) -> dict[str, tuple[str, ...]]:
    if not isinstance(value, dict):
        raise ctx.fail(key, "expected a mapping of path glob -> list of rule codes")
    _globs(ctx, key, [str(k) for k in value])
    return {str(k): tuple(c.upper() for c in _strs(ctx, f"{key}.{k}", v)) for k, v in value.items()}


def _auto_bool(ctx: _Ctx, key: str, value: Any) -> bool | None:
    if value == "auto":
        return None
    if not isinstance(value, bool):
        raise ctx.fail(key, "expected true, false or auto")
    return value


def _field_keys(ctx: _Ctx, key: str, value: Any) -> tuple[str, ...]:
    return tuple(re.sub(r"[\s-]+", "_", v.strip().lower()) for v in _strs(ctx, key, value))


def _preset_names(ctx: _Ctx, key: str, value: Any) -> tuple[str, ...]:
    if value is False or value in ("off", "none"):
        return ("off",)
    if value == "auto" or value is True:
        return ("auto",)
    names = tuple(v.lower() for v in _strs(ctx, key, value))
    if not names:
        return ("off",)
    return names


def _codes(ctx: _Ctx, key: str, value: Any) -> tuple[str, ...]:
    return tuple(c.upper() for c in _strs(ctx, key, value))


def _suspect_mode(ctx: _Ctx, key: str, value: Any) -> str:
    if value not in ("default", "strict"):
        raise ctx.fail(key, "expected default (editing a document reviews it) or strict")
    return str(value)


def _inner_path(ctx: _Ctx, key: str, value: Any) -> str:
    text = _str(ctx, key, value).replace("\\", "/")
    parts = text.split("/")
    if not text or text.startswith("/") or ".." in parts or re.match(r"^[A-Za-z]:", text):
        raise ctx.fail(key, "expected a file path relative to the root, inside it")
    return "/".join(p for p in parts if p not in ("", "."))


def _names(ctx: _Ctx, key: str, value: Any) -> tuple[str, ...]:
    names = _strs(ctx, key, value)
    if not all(n.strip() for n in names):
        raise ctx.fail(key, "expected non-empty headings")
    return tuple(n.strip() for n in names)


def _heading_pattern(ctx: _Ctx, key: str, value: Any) -> str:
    text = _str(ctx, key, value)
    if "{name}" not in text or len(text) > 200:
        raise ctx.fail(key, "expected a heading with {name} (and optionally {n}), e.g. "
                       "'Component {n}: {name}'")  # fmt: skip
    return text


COMPONENT_FIELDS: Mapping[str, Callable[[_Ctx, str, Any], Any]] = {
    "section": _str,
    "heading": _heading_pattern,
    "responsibility": _str,
    "technology": _str,
    "interfaces": _str,
    "dependencies": _str,
}
ENDPOINT_FIELDS: Mapping[str, Callable[[_Ctx, str, Any], Any]] = {
    "section": _str,
    "new": _names,
    "modified": _names,
    "breaking": _names,
}
TABLE_FIELDS: Mapping[str, Callable[[_Ctx, str, Any], Any]] = {
    "section": _str,
    "label": _str,
    "new": _names,
    "modified": _names,
}
_MAPPING_PARTS: Mapping[str, tuple[type[Any], Mapping[str, Callable[[_Ctx, str, Any], Any]]]] = {
    "components": (ComponentMapping, COMPONENT_FIELDS),
    "endpoints": (EndpointMapping, ENDPOINT_FIELDS),
    "tables": (TableMapping, TABLE_FIELDS),
}


def _arch_mapping(ctx: _Ctx, key: str, value: Any) -> ArchMapping | None:
    """A type's ``architecture:``: false/off for none, else the parts it maps (each part's
    omitted keys take the TDD template's defaults)."""
    if value is None or value is False or value == "off":
        return None
    if not isinstance(value, dict):
        raise ctx.fail(key, "expected a mapping with components, endpoints, tables (or false)")
    parts: dict[str, Any] = {}
    for name, part in value.items():
        if name == "examples":
            parts[name] = tuple(e.strip() for e in _strs(ctx, f"{key}.{name}", part))
            continue
        if name not in _MAPPING_PARTS:
            allowed = ", ".join([*_MAPPING_PARTS, "examples"])
            raise ctx.fail(f"{key}.{name}", f"unknown key (allowed: {allowed})")
        if part is None or part is False:
            continue
        cls, table = _MAPPING_PARTS[name]
        parts[name] = cls(**_section(ctx, f"{key}.{name}", part if part is not True else {}, table))
    return ArchMapping(**parts)


def _aliases(ctx: _Ctx, key: str, value: Any) -> dict[str, tuple[str, ...]]:
    if not isinstance(value, dict):
        raise ctx.fail(key, "expected a mapping of name -> list of other spellings")
    return {str(k): _strs(ctx, f"{key}.{k}", v) for k, v in value.items()}


ARCHITECTURE_FIELDS: Mapping[str, Callable[[_Ctx, str, Any], Any]] = {
    "aliases": _aliases,
    "internal": _globs,
    "external": _globs,
}

TYPE_FIELDS: Mapping[str, Callable[[_Ctx, str, Any], Any]] = {
    "folders": _strs,
    "title_patterns": _regexes,
    "sections": _strs,
    "id_pattern": _regex,
    "number_field": _opt_str,
    "lifecycle": _statuses,
    "terminal": _statuses,
    "template": _opt_str,
    "max_age_days": _opt_int,
    "needs": _type_names,
    "relations": _relation_map,
    "paths": _globs,
    "path_number": _regex,
    "id_width": _int,
    "sidecar": _opt_str,
    "status_field": _str,
    "status_pattern": _regex,
    "default_status": _opt_status,
    "other_statuses": _statuses,
    "field_lines": _field_keys,
    "list_separator": _regex,
    "placeholders": _placeholder_kinds,
    "unknown_mentions": _bool,
    "prose_relations": _bool,
    "title_from": _title_from,
    "id_aliases": _type_names,
    "cites": _relation_list,
    "architecture": _arch_mapping,
}
RULES_FIELDS: Mapping[str, Callable[[_Ctx, str, Any], Any]] = {
    "select": _codes,
    "ignore": _codes,
    "severity": _severity_map,
    "per_path_ignores": _path_ignores,
    "strict_anchor_case": _bool,
}


def _limit(ctx: _Ctx, key: str, value: Any) -> int:
    number = _non_negative(ctx, key, value)  # the ceiling's message first, then _int's bound
    ceiling = CEILINGS[key]
    if ctx.ceilings and number > ceiling:
        raise ctx.fail(
            key,
            f"{number} is above the hard ceiling {ceiling} (a config file inside the scanned "
            "repository cannot raise it; pass --config FILE from outside the repository)",
        )
    return _int(ctx, key, number)


LIMITS_FIELDS: Mapping[str, Callable[[_Ctx, str, Any], Any]] = {
    f.name: _limit for f in fields(Limits)
}
RENDER_FIELDS: Mapping[str, Callable[[_Ctx, str, Any], Any]] = {
    f.name: _limit for f in fields(RenderConfig)
}
REPORT_FIELDS: Mapping[str, Callable[[_Ctx, str, Any], Any]] = {
    f.name: _int for f in fields(ReportConfig)
}
SUSPECT_FIELDS: Mapping[str, Callable[[_Ctx, str, Any], Any]] = {
    "mode": _suspect_mode,
    "reviews": _inner_path,
}


def _section(
    ctx: _Ctx, key: str, value: Any, table: Mapping[str, Callable[[_Ctx, str, Any], Any]]
) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ctx.fail(key, "expected a mapping")
    out: dict[str, Any] = {}
    for k, v in value.items():
        sub = f"{key}.{k}" if key else str(k)
        if k not in table:
            raise ctx.fail(sub, f"unknown key (allowed: {', '.join(sorted(table))})")
        out[str(k)] = table[k](ctx, sub, v)
    return out


def _types(ctx: _Ctx, value: Any, explicit: set[str]) -> tuple[TypeSpec, ...]:
    if not isinstance(value, dict):
        raise ctx.fail("types", "expected a mapping of type name -> settings")
    specs = {spec.name: spec for spec in DEFAULT_TYPES}
    for name, settings in value.items():
        if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", name):
            raise ctx.fail(f"types.{name}", "a type name is letters and digits (SPEC, KEP)")
        upper = name.upper()
        if upper == "DOC":
            raise ctx.fail(f"types.{name}", "DOC is the built-in type of untyped documents")
        parsed = _section(ctx, f"types.{name}", settings, TYPE_FIELDS)
        base = specs.get(upper, TypeSpec(name=upper))
        specs[upper] = replace(base, **parsed)
        explicit.update(f"{upper}.{k}" for k in parsed)
    if len(specs) > MAX_TYPES:
        raise ctx.fail("types", f"at most {MAX_TYPES} types")
    types = ordered_types(specs)
    try:
        mention_pattern(types)
    except PatternError as exc:
        raise ctx.fail("types", f"the id_patterns together cannot be compiled: {exc}") from None
    return types


def ordered_types(specs: Mapping[str, TypeSpec]) -> tuple[TypeSpec, ...]:
    """Built-in types first, in their order, then the others by name."""
    order = [spec.name for spec in DEFAULT_TYPES if spec.name in specs]
    order += sorted(n for n in specs if n not in order)
    return tuple(specs[n] for n in order)


def _repository(ctx: _Ctx, key: str, value: Any) -> tuple[str, ...] | bool | None:
    if value is None or value is False:
        return None if value is None else False
    values = value if isinstance(value, list) and value else [value]
    if all(isinstance(v, str) and web_address(v) is not None for v in values):
        return tuple(values)
    raise ctx.fail(
        key,
        "expected the repository's web address (https://github.com/OWNER/REPO), a list of "
        "them (a renamed repository), or false to treat every URL as external",
    )


TOP_FIELDS = (
    "include",
    "exclude",
    "types",
    "relations",
    "status_aliases",
    "rules",
    "limits",
    "render",
    "report",
    "suspect",
    "wikilinks",
    "presets",
    "repository",
    "external_ids",
    "architecture",
)


def config_from_mapping(
    data: Any, source: str, lines: Mapping[str, int] | None = None, *, ceilings: bool = True
) -> Config:
    """Validate a parsed config mapping and build a Config (errors name ``source`` and key).

    With ``ceilings`` (a file inside the scanned repository), limits above ``CEILINGS`` are
    errors."""
    ctx = _Ctx(source, lines or {}, ceilings)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ctx.fail("(top level)", "expected a mapping of settings")
    for key in data:
        if key not in TOP_FIELDS:
            raise ctx.fail(str(key), f"unknown key (allowed: {', '.join(TOP_FIELDS)})")
    config = default_config()
    kwargs: dict[str, Any] = {"source": source}
    explicit: set[str] = set()
    if "presets" in data:
        kwargs["presets"] = _preset_names(ctx, "presets", data["presets"])
    if "include" in data:
        kwargs["include"] = _globs(ctx, "include", data["include"])
    if "exclude" in data:
        kwargs["exclude"] = _globs(ctx, "exclude", data["exclude"])
    if "types" in data:
        kwargs["types"] = _types(ctx, data["types"], explicit)
    if "relations" in data:
        extra_relations = _relation_map(ctx, "relations", data["relations"])
        kwargs["relations"] = {**config.relations, **extra_relations}
        explicit.update(f"relations.{k}" for k in extra_relations)
    if "status_aliases" in data:
        extra = _str_map(ctx, "status_aliases", data["status_aliases"])
        kwargs["status_aliases"] = {**config.status_aliases, **extra}
        explicit.update(f"status_aliases.{k}" for k in extra)
    if "rules" in data:
        kwargs["rules"] = RulesConfig(**_section(ctx, "rules", data["rules"], RULES_FIELDS))
    if "limits" in data:
        kwargs["limits"] = Limits(**_section(ctx, "limits", data["limits"], LIMITS_FIELDS))
    if "render" in data:
        kwargs["render"] = RenderConfig(**_section(ctx, "render", data["render"], RENDER_FIELDS))
    if "repository" in data:
        kwargs["repository"] = _repository(ctx, "repository", data["repository"])
    if "external_ids" in data:
        kwargs["external_ids"] = _regexes(ctx, "external_ids", data["external_ids"])
    if "report" in data:
        kwargs["report"] = ReportConfig(**_section(ctx, "report", data["report"], REPORT_FIELDS))
    if "suspect" in data:
        kwargs["suspect"] = SuspectConfig(
            **_section(ctx, "suspect", data["suspect"], SUSPECT_FIELDS)
        )
    if "wikilinks" in data:
        kwargs["wikilinks"] = _auto_bool(ctx, "wikilinks", data["wikilinks"])
    if "architecture" in data:
        section = _section(ctx, "architecture", data["architecture"], ARCHITECTURE_FIELDS)
        kwargs["architecture"] = ArchitectureConfig(**section)
    kwargs["explicit"] = frozenset(explicit)
    return replace(config, **kwargs)


def key_lines(node: yaml.Node, prefix: str = "") -> dict[str, int]:
    """Map dotted key paths to 1-based lines, so errors can point at the line."""
    import yaml

    out: dict[str, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = f"{prefix}.{key_node.value}" if prefix else str(key_node.value)
            out[key] = key_node.start_mark.line + 1
            out.update(key_lines(value_node, key))
    return out


def load_config_file(path: Path, display: str | None = None, *, ceilings: bool = True) -> Config:
    """Load and validate one config file (YAML, or ``[tool.tracegraph]`` in pyproject.toml);
    ``ceilings``: the file is the scanned repository's, so ``CEILINGS`` apply."""
    source = display or str(path)
    text = read_config_text(path, source)
    if path.name == "pyproject.toml":
        data = _pyproject(text, source).get("tracegraph", {})
        return config_from_mapping(data, source, ceilings=ceilings)
    from .yamlsafe import load_limited

    # The same alias guard as front matter: a bomb is rejected before anything walks it.
    try:
        node, data = load_limited(text, Limits().max_yaml_aliases, "config file")
        lines = key_lines(node) if node is not None else {}
    except YamlProblem as exc:
        raise ConfigError(f"{source}:{exc.line + 1}: {exc}") from None
    except RecursionError:
        raise ConfigError(f"{source}: invalid YAML: nested too deeply") from None
    return config_from_mapping(data, source, lines, ceilings=ceilings)


def read_config_text(path: Path, source: str) -> str:
    """A config file's text: a regular file (a FIFO or device would block or never end) of at
    most ``MAX_CONFIG_BYTES`` (a real one is a few KB), UTF-8."""
    try:
        data, _, _ = read_limited(path, MAX_CONFIG_BYTES, "the config file limit")
        return data.decode("utf-8")
    except Unreadable as exc:
        if exc.size > MAX_CONFIG_BYTES or "over the limit" in str(exc):
            raise ConfigError(
                f"{source}: config file is over {MAX_CONFIG_BYTES:,} bytes; not read"
            ) from None
        raise ConfigError(f"{source}: cannot read config: {exc}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{source}: cannot read config: not UTF-8 ({exc.reason})") from None


def _pyproject(text: str, source: str) -> dict[str, Any]:
    """The ``[tool]`` table of a pyproject.toml; invalid TOML is an error naming its line."""
    import tomllib  # only for a pyproject.toml (its regexes cost every run's start-up)

    try:
        tool = tomllib.loads(text).get("tool", {})
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        line = re.search(r"\(at line (\d+), column \d+\)", message)
        where = f"{source}:{line.group(1)}" if line else source
        problem = re.sub(r"\s*\(at line \d+, column \d+\)", "", message)
        raise ConfigError(
            f"{where}: invalid TOML: {problem} (tracegraph reads [tool.tracegraph] from it; "
            "fix it or pass --config)"
        ) from None
    return tool if isinstance(tool, dict) else {}


def find_config_file(root: Path) -> Path | None:
    """The config file that applies to ``root``: tracegraph.yaml, .tracegraph.yaml, pyproject.

    A found file is the repository's own: it must resolve inside the root (a symbolic link out
    of it is an error, never followed). An invalid pyproject.toml is an error too, since it may
    hold the settings.
    """
    for name in (*CONFIG_NAMES, "pyproject.toml"):
        candidate = root / name
        if not (candidate.is_symlink() or candidate.exists()):
            continue
        real = inside_root(root, name)
        if real is None:
            raise ConfigError(
                f"{name}: resolves outside the repository root; not read (pass --config FILE)"
            )
        if name != "pyproject.toml":
            return real
        if "tracegraph" in _pyproject(read_config_text(real, name), name):
            return real
    return None


def _explicit_file(root: Path, explicit: Path) -> Path:
    """The real file behind ``--config``: the operator's choice, so a symbolic link is followed,
    unless the path lies in the scanned tree, whose links must stay inside it."""
    top, given = os.path.abspath(root), os.path.abspath(explicit)
    if os.path.commonpath([top, given]) != top:
        return Path(os.path.realpath(explicit))
    real = inside_root(root, os.path.relpath(given, top))
    if real is None:
        raise ConfigError(f"{explicit}: resolves outside the repository root; not read")
    return real


def load_config(root: Path, explicit: Path | None = None) -> Config:
    """The configuration for ``root``: the explicit file, the one found at the root, or defaults.

    Only an explicit file outside ``root`` may raise limits past ``CEILINGS``: whoever runs the
    command chose it, while anything inside the root comes with the repository."""
    if explicit is not None:
        if not explicit.is_file():
            raise ConfigError(f"{explicit}: config file not found")
        real = _explicit_file(root, explicit)
        return load_config_file(real, str(explicit), ceilings=_is_within(explicit, root))
    found = find_config_file(root)
    if found is None:
        return default_config()
    return load_config_file(found, os.path.relpath(found, os.path.realpath(root)))


def _is_within(path: Path, root: Path) -> bool:
    """Whether ``path`` is ``root`` or below it, as written or with symlinks resolved."""
    paths = (Path(os.path.abspath(path)), path.resolve())
    roots = (Path(os.path.abspath(root)), root.resolve())
    return any(p.is_relative_to(r) for p in paths for r in roots)


def normalise_status_word(text: str) -> str:
    """Lower-case a status and join its words with hyphens ("In Review" -> "in-review")."""
    return re.sub(r"[\s_]+", "-", text.strip().lower())


STARTER_CONFIG = """\
# tracegraph configuration. Every key is optional; the values shown are the defaults.
# Docs: README.md "Configuration".

# Conventions recognised from the tree's layout (KEP, EIP, swift-evolution, Rust and Ember
# RFCs, MADR, log4brains, Nygard): auto, off, or a list such as [kep, madr]. See README.md
# "Presets"; `tracegraph init --preset NAME` writes one out as explicit config.
presets: auto

# Which Markdown files are documents (globs relative to this folder).
include: ["**/*.md", "**/*.markdown"]
exclude: []            # e.g. ["vendor/**", "CHANGELOG.md"]

# Document types. Built in: PRD, RFC, ADR, TDD (anything else is DOC). Override fields of a
# built-in type or add your own type, all by data:
types:
  ADR:
    folders: [adr, adrs, decisions, decision-records]
    lifecycle: [proposed, accepted]
    terminal: [deprecated, superseded, rejected]
  # KEP:
  #   folders: [keps]
  #   number_field: kep-number        # front matter `kep-number: 1234` -> KEP-1234
  #   lifecycle: [provisional, implementable, implemented]
  #   terminal: [deferred, rejected, withdrawn, replaced]
  #   relations: {see-also: related, replaces: supersedes}

# Extra front-matter keys that declare a relation (implements, depends_on, supersedes,
# superseded_by, related, references, mentions).
relations: {}
  # requires: depends_on

rules:
  select: []           # e.g. [TG1, TG2]; empty = all
  ignore: []           # e.g. [TG501]
  severity: {}         # e.g. {TG201: error}
  per_path_ignores: {} # e.g. {"docs/legacy/**": [TG402, TG403]}
  strict_anchor_case: false

# Bounds for untrusted input. A config inside the repository can lower them, not raise them
# past the hard ceilings listed in README "Safety" (the file sizes are at their ceilings).
limits:
  max_file_bytes: 10000000
  max_front_matter_bytes: 1000000
  max_yaml_aliases: 100

# Suspect links (TG503, from git history): `default` counts an edit of a document as a review
# of what it rests on; `strict` counts only `tracegraph review DOC`, recorded in `reviews`.
suspect:
  mode: default
  reviews: .tracegraph-reviews.yaml

# The system the documents describe (TDD components, endpoints, tables): other spellings of
# one component, and which dependency names are this system's own (TG703) or outside it.
# architecture:
#   aliases: {"Order API": [orders, order-service]}
#   internal: ["acme-*"]
#   external: ["PostgreSQL*", "Stripe*"]

# [[...]] as wikilinks: auto (only in wiki-style notes trees: .obsidian/, .foam/,
# .dendron.yml, an mkdocs wikilink plugin), true (everywhere) or false. GitHub renders none.
wikilinks: auto

# The repository's web address: links such as https://github.com/OWNER/REPO/blob/main/x.md
# are then internal (resolved and checked). A list names several (a renamed repository).
# Default: found (the git remote "origin", book.toml, mkdocs.yml, package.json... at the root,
# and addresses whose file links mostly name files of this tree); false: none.
# repository: https://github.com/OWNER/REPO

# IDs that name documents outside the repository, as regexes (citations, never TG103).
# A bare mention of a type that has no document in the tree is a citation already.
external_ids: []       # e.g. ['RFC-\\d+'] for IETF RFCs in a tree that has its own RFCs
"""
