"""Frozen values that pass between the pipeline stages.

Everything here is picklable (parsing runs in worker processes and is cached) and ordered
deterministically. Paths are POSIX strings relative to the scanned root.
"""

from __future__ import annotations

import re
from dataclasses import Field, FrozenInstanceError, dataclass, field
from enum import StrEnum
from typing import Any, ClassVar


class Relation(StrEnum):
    """The kind of a reference; the edge label in the graph."""

    IMPLEMENTS = "implements"
    DEPENDS_ON = "depends_on"
    SUPERSEDES = "supersedes"
    SUPERSEDED_BY = "superseded_by"
    RELATED = "related"
    REFERENCES = "references"
    MENTIONS = "mentions"


class RefKind(StrEnum):
    """How a reference is written in the source document."""

    LINK = "link"
    IMAGE = "image"
    AUTOLINK = "autolink"
    WIKILINK = "wikilink"
    MENTION = "mention"
    METADATA = "metadata"
    #: A relation field of the document's sidecar metadata file (a KEP's ``kep.yaml``); its
    #: line and column are in that file.
    SIDECAR = "sidecar"


class Target(StrEnum):
    """What a reference resolved to."""

    DOCUMENT = "document"
    ARTIFACT = "artifact"
    EXTERNAL = "external"
    MISSING = "missing"
    OUTSIDE = "outside"
    UNKNOWN_ID = "unknown-id"
    SELF = "self"
    CITATION = "citation"


class Severity(StrEnum):
    """Finding severity; ordered by ``SEVERITY_RANK``."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


SEVERITY_RANK = {Severity.INFO: 1, Severity.WARNING: 2, Severity.ERROR: 3}


class _Frozen:
    """A frozen dataclass's equality, hash, ``repr`` and pickling, over ``_values()`` (the
    fields in order), and no assignment: for the classes written out to take fewer bytes
    (``Reference``, ``Link``) with the behaviour of the dataclasses they were."""

    __slots__ = ()
    __dataclass_fields__: ClassVar[dict[str, Field[Any]]]

    def _values(self) -> tuple[object, ...]:
        raise NotImplementedError

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._values() == other._values()

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        fields = ", ".join(
            f"{name}={value!r}"
            for name, value in zip(self.__dataclass_fields__, self._values(), strict=True)
        )
        return f"{type(self).__name__}({fields})"

    def __reduce__(self) -> tuple[type[_Frozen], tuple[object, ...]]:
        return type(self), self._values()

    def __setattr__(self, name: str, value: object) -> None:
        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise FrozenInstanceError(f"cannot delete field {name!r}")


@dataclass(frozen=True)
class _ReferenceFields:
    """``Reference``'s fields as a dataclass declares them: lent to it, so that
    ``dataclasses.fields``, ``replace``, ``asdict`` and ``astuple`` work on references."""

    kind: RefKind
    target: str
    relation: Relation
    line: int
    column: int
    is_id: bool = False
    reverse: bool = False
    text: str = ""


class Reference(_Frozen):
    """One place in a source document that points at something.

    ``target`` is the destination as written (URL, path, ``path#frag`` or ID). ``is_id`` says the
    target is a document ID rather than a path. ``reverse`` marks links listed under a
    "Downstream Impact" heading: the target rests on the source, not the other way round.
    ``text`` names the metadata field a reference was read from ("" for the text's).

    Frozen, with a dataclass's constructor, equality, hash, ``repr`` and pickling, but written
    out: references are the most numerous objects of a scan (1.6M at 100,000 documents) and
    ``is_id``, ``reverse`` and ``text`` take a handful of values in a whole tree, so they are
    one shared tuple (``more_of``) read through properties: six slots, 80 bytes where eight
    took 96 (25 MB at 100k). The hot fields stay slots of one class (Python 3.11 reads a slot
    of one class fastest; a dozen subclasses, tried, cost 4% of a cold check).
    """

    __slots__ = ("_more", "column", "kind", "line", "relation", "target")
    __dataclass_fields__: ClassVar[dict[str, Field[Any]]] = _ReferenceFields.__dataclass_fields__
    __dataclass_params__ = _ReferenceFields.__dataclass_params__  # type: ignore[attr-defined]
    kind: RefKind
    target: str
    relation: Relation
    line: int
    column: int
    _more: tuple[bool, bool, str]

    def __init__(
        self, kind: RefKind, target: str, relation: Relation, line: int, column: int,
        is_id: bool = False, reverse: bool = False, text: str = "",
    ) -> None:  # fmt: skip
        _S_KIND(self, kind)
        _S_TARGET(self, target)
        _S_RELATION(self, relation)
        _S_LINE(self, line)
        _S_COLUMN(self, column)
        _S_MORE(self, more_of(is_id, reverse, text))

    @property
    def is_id(self) -> bool:
        return self._more[0]

    @property
    def reverse(self) -> bool:
        return self._more[1]

    @property
    def text(self) -> str:
        return self._more[2]

    def _values(self) -> tuple[object, ...]:
        return (self.kind, self.target, self.relation, self.line, self.column, *self._more)


_MORE: dict[tuple[bool, bool, str], tuple[bool, bool, str]] = {}


def more_of(is_id: bool, reverse: bool, text: str) -> tuple[bool, bool, str]:
    """The shared ``(is_id, reverse, text)`` of a ``Reference`` (its ``_more`` slot)."""
    key = (is_id, reverse, text)
    found = _MORE.get(key)
    if found is None:
        found = _MORE[key] = (bool(is_id), bool(reverse), text)
    return found


_S_KIND, _S_TARGET, _S_RELATION, _S_LINE, _S_COLUMN, _S_MORE = (
    Reference.__dict__[n].__set__ for n in ("kind", "target", "relation", "line", "column", "_more")
)


@dataclass(frozen=True, slots=True)
class Heading:
    """A heading with its GitHub anchor slug (after duplicate numbering)."""

    level: int
    text: str
    slug: str
    line: int


@dataclass(frozen=True, slots=True)
class Placeholder:
    """Unfilled template text (``[Date]``, ``TBD``) with the section slug it stands in."""

    text: str
    line: int
    column: int
    section: str


@dataclass(frozen=True, slots=True)
class Question:
    """An item of an "Open Questions" section (a task-list item)."""

    text: str
    checked: bool
    due: str | None
    line: int


@dataclass(frozen=True, slots=True)
class Problem:
    """Why a file could not be read or parsed fully (reported as TG602)."""

    message: str
    line: int = 1
    column: int = 1


@dataclass(frozen=True, slots=True)
class Named:
    """One name of a free-text list (a component's Dependencies or Interfaces), as written
    (code spans keep their backticks), with its line."""

    text: str
    line: int


@dataclass(frozen=True, slots=True)
class Component:
    """A component a document describes (the TDD template's ``#### Component N: Name``)."""

    name: str
    line: int
    responsibility: str = ""
    technology: str = ""
    interfaces: tuple[Named, ...] = ()
    dependencies: tuple[Named, ...] = ()


@dataclass(frozen=True, slots=True)
class Endpoint:
    """An API endpoint a document designs: method, path as written (query string dropped),
    and ``change``: ``new``, ``modified`` or ``breaking`` (the group it is listed in)."""

    method: str
    path: str
    line: int
    change: str = "new"
    description: str = ""


@dataclass(frozen=True, slots=True)
class Table:
    """A database table a document designs; ``change`` is ``new`` or ``modified``."""

    name: str
    line: int
    change: str = "new"


@dataclass(frozen=True, slots=True)
class Design:
    """What a document describes of the system (issue 20): read only for types whose
    template has an architecture mapping."""

    components: tuple[Component, ...] = ()
    endpoints: tuple[Endpoint, ...] = ()
    tables: tuple[Table, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.components or self.endpoints or self.tables)


@dataclass(frozen=True, slots=True)
class Document:
    """One Markdown file, parsed. ``id`` is the canonical ID (``ADR-0007``) or None."""

    path: str
    type: str
    id: str | None
    title: str
    status: str | None
    status_raw: str | None
    metadata: tuple[tuple[str, str], ...]
    headings: tuple[Heading, ...]
    #: Heading slugs and explicit anchors, sorted, each once (a tuple: a frozenset per document
    #: took 1 KB, 100 MB at 100k documents; ``in`` on a dozen strings is as fast).
    anchors: tuple[str, ...]
    references: tuple[Reference, ...]
    placeholders: tuple[Placeholder, ...] = ()
    questions: tuple[Question, ...] = ()
    problems: tuple[Problem, ...] = ()
    ignored_rules: frozenset[str] = frozenset()
    line_count: int = 0
    status_line: int = 1
    metadata_lines: tuple[tuple[str, int], ...] = ()
    #: ``(line, codes)``: findings of those codes (or prefixes) on that line are silenced by a
    #: ``<!-- tracegraph: ignore-next-line CODE -->`` on the line above.
    ignored_lines: tuple[tuple[int, tuple[str, ...]], ...] = ()
    #: The file carries tracegraph's own "generated" marker: never a document (see generated.py).
    generated: bool = False
    #: The sidecar metadata file read with this document (``keps/.../kep.yaml``), if any.
    sidecar: str | None = None
    #: Components, endpoints and tables the document describes (types with an architecture
    #: mapping only; None for the others).
    design: Design | None = None

    @property
    def short_title(self) -> str:
        """The title without boilerplate the ID already says ("Technical Design Document
        (TDD): X" -> "X"); what maps, trees and cards show."""
        return short_title(self.title, self.type)

    @property
    def name(self) -> str:
        """The short name shown to users: the ID, or the path for documents without one."""
        return self.id or self.path

    def located(self, ref: Reference) -> str:
        """The file a reference is written in: the sidecar for its fields, else the document."""
        if ref.kind is RefKind.SIDECAR and self.sidecar:
            return self.sidecar
        return self.path

    def meta(self, key: str) -> str | None:
        """The first metadata value under ``key`` (keys are lower-case, ``_`` separated)."""
        for k, v in self.metadata:
            if k == key:
                return v
        return None

    def meta_line(self, key: str) -> int:
        """The line a metadata field was read from (1 when unknown)."""
        for k, line in self.metadata_lines:
            if k == key:
                return line
        return 1


@dataclass(frozen=True)
class _LinkFields:
    """``Link``'s fields as a dataclass declares them (lent to it, as ``_ReferenceFields``)."""

    source: str
    reference: Reference
    status: Target
    path: str | None = None
    fragment: str | None = None


class Link(_Frozen):
    """A reference after resolution: where it points and what it points at.

    Frozen, with a dataclass's constructor, equality, hash, ``repr`` and pickling, written out
    as ``Reference`` is: links are as numerous (1.6M at 100,000 documents), and ``status`` and
    ``fragment`` together take a few thousand values in a whole tree (six statuses, and the
    fragment of one link in seven, interned), so they are one shared tuple (``link_more``) read
    through properties: four slots, 64 bytes where five took 80 (25 MB at 100k).
    """

    __slots__ = ("_more", "path", "reference", "source")
    __dataclass_fields__: ClassVar[dict[str, Field[Any]]] = _LinkFields.__dataclass_fields__
    __dataclass_params__ = _LinkFields.__dataclass_params__  # type: ignore[attr-defined]
    source: str
    reference: Reference
    path: str | None
    _more: tuple[Target, str | None]

    def __init__(
        self, source: str, reference: Reference, status: Target, path: str | None = None,
        fragment: str | None = None,
    ) -> None:  # fmt: skip
        _L_SOURCE(self, source)
        _L_REFERENCE(self, reference)
        _L_PATH(self, path)
        _L_MORE(self, link_more(status, fragment))

    @property
    def status(self) -> Target:
        return self._more[0]

    @property
    def fragment(self) -> str | None:
        return self._more[1]

    def _values(self) -> tuple[object, ...]:
        status, fragment = self._more
        return (self.source, self.reference, status, self.path, fragment)


_LINK_MORE: dict[tuple[Target, str | None], tuple[Target, str | None]] = {}


def link_more(status: Target, fragment: str | None) -> tuple[Target, str | None]:
    """The shared ``(status, fragment)`` of a ``Link`` (its ``_more`` slot)."""
    key = (status, fragment)
    found = _LINK_MORE.get(key)
    if found is None:
        found = _LINK_MORE[key] = key
    return found


_L_SOURCE, _L_REFERENCE, _L_PATH, _L_MORE = (
    Link.__dict__[n].__set__ for n in ("source", "reference", "path", "_more")
)


@dataclass(frozen=True, slots=True)
class SuspectDetails:
    """What a TG503 finding knows: the upstream document, the review it is compared with (its
    commit, date and kind: ``edit``, ``review`` or ``created``), the upstream commits since
    (commit, date, path then; newest first) and how the upstream document changed."""

    upstream_id: str
    upstream_path: str
    review_commit: str
    review_date: str
    review_kind: str
    changes: tuple[tuple[str, str, str], ...]
    how: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, order=True)
class Finding:
    """A problem that a rule found, located 1-based in a document."""

    path: str
    line: int
    column: int
    code: str
    severity: Severity = field(compare=False)
    rule: str = field(compare=False)
    message: str = field(compare=False)
    target: str | None = field(default=None, compare=False)
    document: str | None = field(default=None, compare=False)
    suspect: SuspectDetails | None = field(default=None, compare=False)


_TITLE_PREFIXES = (
    re.compile(
        r"^(?:technical design document|product requirements? document|architecture decision "
        r"record|request for comments?)\s*(?:\([A-Za-z]+\))?\s*[:\-–—]\s*",
        re.IGNORECASE,
    ),
    re.compile(r"^\d+\.\s+"),  # Nygard: "# 7. Use Kafka"
)


def short_title(title: str, type_name: str) -> str:
    """The title without the boilerplate that the ID already says.

    >>> short_title("Technical Design Document (TDD): Usage Metering", "TDD")
    'Usage Metering'
    >>> short_title("ADR-7: Use Kafka", "ADR")
    'Use Kafka'
    """
    text = " ".join(title.split())
    own_id = re.compile(rf"^{re.escape(type_name)}[- ]?\d+\s*[:.\-–—]\s*", re.IGNORECASE)
    for pattern in (own_id, *_TITLE_PREFIXES):
        stripped = pattern.sub("", text, count=1)
        if stripped:
            text = stripped
    return text
