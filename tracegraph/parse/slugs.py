"""GitHub's heading anchors: the fragments that ``#...`` links must match."""

from __future__ import annotations

import re

_DROP = re.compile(r"[^\w\- ]", re.UNICODE)


def github_slug(text: str) -> str:
    """The anchor GitHub gives a heading, before duplicate numbering.

    >>> github_slug("Monitoring & Observability")
    'monitoring--observability'
    >>> github_slug("API Design (v2)")
    'api-design-v2'
    """
    return _DROP.sub("", text.strip().lower()).replace(" ", "-")


class SlugCounter:
    """Numbers repeated slugs the way GitHub does: ``notes``, ``notes-1``, ``notes-2``."""

    def __init__(self) -> None:
        self._seen: dict[str, int] = {}

    def unique(self, slug: str) -> str:
        """Return ``slug`` the first time, then ``slug-1``, ``slug-2``..."""
        count = self._seen.get(slug)
        if count is None:
            self._seen[slug] = 0
            return slug
        count += 1
        while f"{slug}-{count}" in self._seen:
            count += 1
        self._seen[slug] = count
        self._seen[f"{slug}-{count}"] = 0
        return f"{slug}-{count}"
