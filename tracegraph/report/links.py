"""Links from a report to the documents: relative to the report's folder, or under a base URL.

Every href a report emits goes through ``LinkContext.href``, which only ever produces a relative
path (percent-encoded, so a file named ``javascript:x.md`` cannot become a scheme) or a URL under
the ``--link-base`` the user gave (http or https only).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit

from ..errors import UsageError

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def check_link_base(url: str) -> str:
    """Validate ``--link-base``: an absolute http(s) URL; returned without a trailing slash."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UsageError(
            f"--link-base {url!r}: expected an http(s) URL such as "
            "https://github.com/OWNER/REPO/blob/main"
        )
    return url.strip().rstrip("/")


def is_safe_href(href: str) -> bool:
    """True for relative references and http(s) URLs; False for ``javascript:``, ``data:`` …

    >>> is_safe_href("docs/a.md#L3"), is_safe_href("JavaScript:alert(1)")
    (True, False)
    """
    cleaned = re.sub(r"[\x00-\x20]", "", href)
    match = _SCHEME.match(cleaned)
    if match is None:
        return True
    return match.group(0).lower() in ("http:", "https:")


@dataclass(frozen=True)
class LinkContext:
    """Where the report is written, relative to the scanned root, and the optional base URL."""

    root: Path
    report_dir: Path
    link_base: str | None = None

    def href(self, path: str, line: int | None = None) -> str:
        """The link to document ``path`` (POSIX, relative to the root), at ``line`` when given.

        With a link base the line becomes ``#L<line>`` (GitHub's and GitLab's line anchors).
        """
        if self.link_base:
            url = f"{self.link_base}/{quote(path, safe='/')}"
            return f"{url}#L{line}" if line and line > 1 else url
        target = os.path.relpath(
            os.path.abspath(self.root / path), os.path.abspath(self.report_dir)
        )
        href = quote(Path(target).as_posix(), safe="/")
        return href if is_safe_href(href) else f"./{href}"
