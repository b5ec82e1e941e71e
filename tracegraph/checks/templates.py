"""Rules about filling in the template: TG401-TG403."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import reduce
from operator import attrgetter, or_

from ..config import TypeSpec
from ..model import Document
from .context import CheckContext, Hit, parse_date
from .templating import FIELD_GROUPS, Section, slug_words, template_key

_FIELD_LABELS = {"status": "status", "author": "author or owner", "created": "created date"}


def find_missing_sections(ctx: CheckContext) -> Iterator[Hit]:
    """A section that the type's template requires is absent.

    Why: the template is the team's checklist; a TDD without "Security Considerations" or
    "Rollback Plan" was most likely not thought through on that point.

    Example: a TDD written from the TDD template has no `## Security Considerations` heading.

    Fix: add the section (even "None: <why>" is an answer). The required sections are the
    `##` headings of the type's template file: the packaged defaults (the TDD one is the
    organisation's TDD template; an ADR needs Status, Context, Decision and Consequences), or
    the file set as the type's `template:` in config. A heading matches when it starts with
    the required words ("Context and Problem Statement" satisfies Context), at any level, and
    a heading that joins several names with "and", "&" or "/" counts for each ("Motivation
    and Summary" satisfies Motivation and Summary);
    `<!-- optional -->` in the template makes a section optional and `<!-- or: Decision
    Outcome -->` accepts another heading; a `Status:` field line counts as a Status section.
    Documents that have ended (superseded, rejected...) are not checked, nor those whose status
    is outside the lifecycle (`other_statuses`: an EIP that is Living, Stagnant or Moved).
    """
    # Which required sections a heading text satisfies is worked out once per type and text
    # (documents written from one template share most headings), as bits: a document's
    # sections are then its headings' bits or-ed in C (150,000 headings at 10,000 documents).
    satisfies: dict[str, dict[str, int]] = {}  # per template: heading text -> sections' bits
    required_of: dict[str, tuple[Section, ...]] = {}
    starting: dict[str, _Starts] = {}
    for doc in ctx.typed:
        spec = ctx.spec(doc)
        key = template_key(spec) if spec is not None else ""
        template = ctx.templates.get(key)
        if template is None or ctx.is_terminal(doc) or _outside_lifecycle(doc, spec):
            continue
        required = required_of.get(key)
        if required is None:
            required = required_of[key] = template.required
            satisfies[key] = {}
            starting[key] = _Starts(required)
        memo = satisfies[key]
        texts = list(map(_TEXT, doc.headings))
        bits = list(map(memo.get, texts))
        while None in bits:  # a text not seen before in this type (a title, mostly)
            at = bits.index(None)
            text = texts[at]
            bits[at] = memo[text] = _bits(starting[key].satisfied_by(text))
        found = reduce(or_, bits, 0)
        if found == (1 << len(required)) - 1:
            continue
        metadata = {key for key, _ in doc.metadata}
        line = next((h.line for h in doc.headings if h.level == 1), 1)
        for index, section in enumerate(required):
            if not found >> index & 1 and not _in_metadata(section, metadata):
                yield Hit(
                    doc.path,
                    line,
                    1,
                    f"missing section '## {section.title}' (required by the {doc.type} "
                    f"template {template.source})",
                    document=doc.name,
                )


def _bits(indexes: tuple[int, ...]) -> int:
    """The sections at ``indexes`` as one number, bit ``i`` for section ``i``."""
    return sum(1 << index for index in indexes)


def _outside_lifecycle(doc: Document, spec: TypeSpec | None) -> bool:
    """Whether the document's status is neither a stage nor an end of its lifecycle (an EIP
    that is Living, Stagnant or Moved: a handbook, a stalled draft, a forwarding entry)."""
    return bool(spec and doc.status and doc.status in spec.other_statuses)


_TEXT = attrgetter("text")


class _Starts:
    """Which of a template's required sections a heading's words satisfy (they start with
    one of the section's word lists), trying only the word lists that begin with the
    heading's first word."""

    def __init__(self, required: tuple[Section, ...]) -> None:
        self.by_first: dict[str, list[tuple[int, tuple[str, ...]]]] = {}
        self.always: list[int] = []  # a section with an empty word list: any heading
        for index, section in enumerate(required):
            for wanted in section.words:
                if wanted:
                    self.by_first.setdefault(wanted[0], []).append((index, wanted))
                else:
                    self.always.append(index)

    def satisfied_by(self, text: str) -> tuple[int, ...]:
        """The indexes of the sections a heading's text satisfies, in order: those its words
        satisfy, and those each part of a joined heading satisfies (``joined_parts``).

        >>> _Starts((Section("Motivation", (("motivation",),)), Section("Summary",
        ...     (("summary",),)))).satisfied_by("Motivation and Summary")
        (0, 1)
        """
        found = self.satisfied(slug_words(text))
        parts = joined_parts(text)
        if not parts:
            return found
        return tuple(sorted(set(found).union(*(self.satisfied(slug_words(p)) for p in parts))))

    def satisfied(self, words: tuple[str, ...]) -> tuple[int, ...]:
        """The indexes of the sections ``words`` satisfy, in order.

        >>> _Starts((Section("A", (("a", "b"), ("c",))), Section("B", (("a",),)))).satisfied(
        ...     ("a", "b", "x"))
        (0, 1)
        """
        found = set(self.always)
        if words:
            for index, wanted in self.by_first.get(words[0], ()):
                if words[: len(wanted)] == wanted:
                    found.add(index)
        return tuple(sorted(found))


#: What joins the names of several sections in one heading: " and ", " & ", " / ".
_JOINED = re.compile(r"\s+(?:and|&|/)\s+", re.IGNORECASE)


def joined_parts(text: str) -> list[str]:
    """The names a heading joins with "and", "&" or "/" (spaces either side), or [] for a
    heading that joins none: each part is matched as a heading of its own, so "Motivation
    and Summary" satisfies a required Summary too (a heading is otherwise read by its
    beginning alone).

    >>> joined_parts("Motivation and Summary"), joined_parts("Risks & Mitigations / Limits")
    (['Motivation', 'Summary'], ['Risks', 'Mitigations', 'Limits'])
    >>> joined_parts("Summary"), joined_parts("Input/Output")
    ([], [])
    """
    parts = _JOINED.split(text)
    return parts if len(parts) > 1 else []


def _in_metadata(section: Section, metadata: set[str]) -> bool:
    """Whether a one-word section (Status) is given as a metadata field instead."""
    return any(len(wanted) == 1 and wanted[0] in metadata for wanted in section.words)


def find_placeholders(ctx: CheckContext) -> Iterator[Hit]:
    """Unfilled template text is left in a typed document.

    Why: `[Date]`, `[Name]`, `[Feature Name]`, `[Link to ...]`, `< [X]ms`, TBD, TODO and FIXME
    mark decisions nobody made yet; a reviewer skimming the document easily misses them.

    Example: `**Last Updated:** [Date]` in a TDD, or "Rounding of partial units: TBD".

    Fix: fill in the value, or write down that it is open (as an Open Questions item with an
    owner and a due date). Task boxes (`- [ ]`, `- [x]`), links, footnotes, GitHub alerts
    (`[!NOTE]`) and anything in code are not placeholders. Untyped pages and documents that
    have ended are not checked.
    """
    for doc in ctx.typed:
        spec = ctx.spec(doc)
        if ctx.is_terminal(doc) or spec is None or not spec.placeholders:
            continue
        for placeholder in doc.placeholders:
            bracket = placeholder.text.startswith("[")
            if ("brackets" if bracket else "words") not in spec.placeholders:
                continue
            if bracket and is_notation(placeholder.text):
                continue
            shown = (
                placeholder.text if len(placeholder.text) <= 80 else placeholder.text[:77] + "...]"
            )
            yield Hit(
                doc.path,
                placeholder.line,
                placeholder.column,
                f"placeholder: {shown} is unfilled template text",
                document=doc.name,
            )


_NOTATION = re.compile(r"[,;=|]|\.\.|::")


def is_notation(text: str) -> bool:
    """Whether bracketed text is notation rather than a template's placeholder: a GitHub alert
    (``[!NOTE]``), an all-capitals word (``[IGNORE]`` in an EIP's table, ``[IRLO]``) or a list
    or expression (``[A, B]``, ``[u32; N]``, ``[T, ..n]``).

    >>> is_notation("[IGNORE]"), is_notation("[A, B]"), is_notation("[Date]"), is_notation("[X]")
    (True, True, False, False)
    """
    inner = text[1:-1].strip()
    if inner.startswith("!"):
        return True
    if len(inner) > 1 and inner.isupper() and " " not in inner:
        return True
    return bool(_NOTATION.search(inner))


def find_missing_metadata(ctx: CheckContext) -> Iterator[Hit]:
    """A required metadata field (status, author or owner, created date) is absent or
    unparsable.

    Why: without a status nobody knows whether the document holds; without an owner nobody
    answers for it; without a date staleness cannot be judged.

    Example: a TDD without a `**Created:**` line, or with `**Created:** last spring`.

    Fix: add the field at the top (`**Author:** Name`, `**Created:** 2026-01-05`) or in front
    matter (`owner:`, `created:`). Which fields a type requires follows its template: a field
    is required when the template has it (the TDD, RFC and PRD templates ask for all three;
    the Nygard-style ADR template asks only for a status, so ADR collections without authors
    or dates are not flooded). Types without a template need a status. A date that is still a
    template placeholder is left to TG402.
    """
    for doc in ctx.typed:
        spec = ctx.spec(doc)
        if spec is None:
            continue
        template = ctx.templates.get(template_key(spec))
        required = template.fields if template is not None else frozenset({"status"})
        first: dict[str, str] | None = None  # the first value under each key (``doc.meta``)
        for group in ("status", "author", "created"):
            if group not in required:
                continue
            keys = FIELD_GROUPS[group]
            if first is None:
                first = dict(reversed(doc.metadata))
            present = [(k, value) for k in keys if (value := first.get(k))]
            if group == "status" and doc.status_raw:
                continue
            if not present:
                yield Hit(
                    doc.path,
                    1,
                    1,
                    f"missing metadata: {doc.name} has no {_FIELD_LABELS[group]} "
                    f"({'/'.join(keys)})",
                    document=doc.name,
                )
                continue
            if group == "created":
                key, value = present[0]
                if value and "[" not in value and parse_date(value) is None:
                    yield Hit(
                        doc.path,
                        doc.meta_line(key),
                        1,
                        f"unparsable metadata: {key} '{value[:40]}' is not a date (use YYYY-MM-DD)",
                        document=doc.name,
                    )
