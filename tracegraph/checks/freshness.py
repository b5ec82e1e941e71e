"""Rules about time: TG501 and TG502. "Today" is a parameter, so runs are reproducible."""

from __future__ import annotations

import re
from collections.abc import Iterator

from .context import CheckContext, Hit, parse_date

#: Metadata keys that say when a document was last touched, most specific first.
UPDATED_KEYS = ("last_updated", "updated", "date", "created")
_CUT = re.compile(r"(?i)\b(?:owner|due|resolution)\s*:|(?<=[?.])(?=[A-Z][a-z]+:)")
_DUE = re.compile(r"due\W{0,3}(\d{4}-\d{1,2}-\d{1,2})", re.I)


def find_stale(ctx: CheckContext) -> Iterator[Hit]:
    """An active document has not been updated for longer than its type's `max_age_days`.

    Why: designs drift from the system they describe; a year-old "in review" RFC or an
    unrevised TDD is likely to mislead whoever reads it next.

    Example: a TDD whose `**Last Updated:**` is 2025-06-01 when today is 2026-11-28 and the
    TDD type has `max_age_days: 365`.

    Fix: review the document and bump its Last Updated date, or mark it deprecated or
    superseded. The date is read from `last_updated`, `updated`, `date` or `created` metadata
    (first found); `--today YYYY-MM-DD` pins "today" for reproducible runs. Types without
    `max_age_days` (ADRs by default: decisions do not expire) and ended documents are skipped.
    """
    for doc in ctx.typed:
        spec = ctx.spec(doc)
        if spec is None or spec.max_age_days is None or ctx.is_terminal(doc):
            continue
        for key in UPDATED_KEYS:
            value = doc.meta(key)
            when = parse_date(value)
            if when is None:
                continue
            age = (ctx.today - when).days
            if age > spec.max_age_days:
                yield Hit(
                    doc.path,
                    doc.meta_line(key),
                    1,
                    f"stale: {doc.name} was last updated {when.isoformat()} ({age} days ago; "
                    f"{spec.name} max_age_days is {spec.max_age_days})",
                    document=doc.name,
                )
            break


def find_overdue_questions(ctx: CheckContext) -> Iterator[Hit]:
    """An unchecked open question's due date has passed.

    Why: an open question with a deadline is a decision someone promised to make; past the
    date the design rests on an assumption nobody confirmed.

    Example: under `## Open Questions`, `- [ ] **Question 1:** Which SMS provider?` with
    `**Due:** 2026-09-01`, checked on 2026-11-28.

    Fix: answer the question (tick the box and record the resolution) or set a new due date.
    Questions are the task-list items of an "Open Questions" section; the `Due:` date may sit
    in a nested item. `--today YYYY-MM-DD` pins "today".
    """
    for doc in ctx.typed:
        if ctx.is_terminal(doc):
            continue
        for question in doc.questions:
            if question.checked:
                continue
            due = parse_date(question.due)
            if due is None:
                match = _DUE.search(question.text)
                due = parse_date(match.group(1)) if match else None
            if due is None or due >= ctx.today:
                continue
            text = _CUT.split(question.text, maxsplit=1)[0].strip()
            text = text if len(text) <= 100 else text[:97] + "..."
            yield Hit(
                doc.path,
                question.line,
                1,
                f"overdue question (due {due.isoformat()}): {text}",
                document=doc.name,
            )
