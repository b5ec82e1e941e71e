"""The review file: which document was checked against which upstream document, as of which
commit (``tracegraph review``). One small YAML file committed at the root, sorted and one line
per pair, so a review shows in the pull request and two branches that review different
documents merge without a conflict.

```yaml
version: 1
reviews:
  TDD-0001:
    RFC-0001: 3f2a...  # TDD-0001 was checked against RFC-0001 as of commit 3f2a...
```

Documents are named as everywhere else: by ID, or by path when they have none.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from .config import Limits, key_lines
from .errors import InputError, YamlProblem

DEFAULT_REVIEWS = ".tracegraph-reviews.yaml"
#: The file is a few lines per document; anything much bigger is not one.
MAX_REVIEW_BYTES = 20_000_000
HEADER = (
    "# Reviews recorded by `tracegraph review DOC`: each document was checked against the\n"
    "# documents it rests on that are listed under it, as of the commit given. Commit this\n"
    "# file: a review clears the document's suspect links (TG503). Written by tracegraph;\n"
    "# sorted, one line per pair.\n"
)
_COMMIT = re.compile(r"\A[0-9a-f]{40}(?:[0-9a-f]{24})?\Z")
_CONFLICT = re.compile(rb"^(?:<{7}|={7}|>{7})(?: |$)", re.M)


@dataclass(frozen=True, order=True)
class Review:
    """``document`` was checked against ``upstream`` (names: IDs or paths) as of ``commit``."""

    document: str
    upstream: str
    commit: str


def parse_reviews(data: bytes, source: str) -> tuple[Review, ...]:
    """The reviews in one version of the file; InputError naming ``source`` and the line for
    anything that is not a review file (a merge conflict left in it, a hand edit gone wrong).

    >>> found = parse_reviews(b"reviews:\\n  TDD-0001:\\n    RFC-0001: " + b"a" * 40, "r")
    >>> [(r.document, r.upstream, r.commit[:3]) for r in found]
    [('TDD-0001', 'RFC-0001', 'aaa')]
    """
    if len(data) > MAX_REVIEW_BYTES:
        raise InputError(f"{source}: over {MAX_REVIEW_BYTES} bytes; not a review file")
    conflict = _CONFLICT.search(data)
    if conflict is not None:
        line = data.count(b"\n", 0, conflict.start()) + 1
        raise InputError(
            f"{source}:{line}: a merge conflict is left in the review file (keep the lines of "
            "both sides, or run `tracegraph review` again for the documents in conflict)"
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{source}: not UTF-8 text ({exc.reason})") from None
    from .yamlsafe import load_limited

    try:  # with the alias guard of every YAML tracegraph reads from a repository
        node, loaded = load_limited(text, Limits().max_yaml_aliases, "the review file")
    except YamlProblem as exc:
        raise InputError(f"{source}:{exc.line + 1}: {exc} (in the review file)") from None
    except RecursionError:
        raise InputError(f"{source}: the review file is nested too deeply") from None
    if loaded is None:
        return ()
    lines = key_lines(node) if node is not None else {}
    if not isinstance(loaded, dict) or not set(loaded) <= {"version", "reviews"}:
        raise InputError(f"{source}:1: expected the keys version and reviews (a review file)")
    if loaded.get("version", 1) != 1:
        raise InputError(f"{source}:{lines.get('version', 1)}: unknown review file version")
    entries = loaded.get("reviews") or {}
    if not isinstance(entries, dict):
        raise InputError(f"{source}:{lines.get('reviews', 1)}: reviews: expected a mapping")
    out: list[Review] = []
    for document, upstreams in entries.items():
        where = f"{source}:{lines.get(f'reviews.{document}', 1)}"
        if not isinstance(document, str) or not isinstance(upstreams, dict):
            raise InputError(f"{where}: {document}: expected a mapping of upstream -> commit")
        for upstream, commit in upstreams.items():
            if not isinstance(upstream, str) or not isinstance(commit, str):
                raise InputError(f"{where}: {document}.{upstream}: expected a commit hash")
            if not _COMMIT.match(commit):
                line = lines.get(f"reviews.{document}.{upstream}", 1)
                raise InputError(
                    f"{source}:{line}: {document}.{upstream}: '{commit[:60]}' is not a full "
                    "commit hash"
                )
            out.append(Review(document, upstream, commit))
    return tuple(sorted(out))


def dump_reviews(reviews: Iterable[Review]) -> str:
    """The file's text: a comment, then the reviews sorted by document and upstream (the same
    reviews always give the same bytes).

    >>> print(dump_reviews([Review("TDD-0001", "RFC-0001", "a" * 40)]).splitlines()[-1])
        RFC-0001: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
    """
    nested: dict[str, dict[str, str]] = {}
    for review in sorted(set(reviews)):
        nested.setdefault(review.document, {})[review.upstream] = review.commit
    import yaml

    body = yaml.safe_dump(
        {"reviews": nested},
        sort_keys=True,
        default_flow_style=False,
        allow_unicode=True,
        width=10_000,
    )
    return f"{HEADER}version: 1\n{body}"


def record_reviews(
    existing: Iterable[Review],
    document: str,
    upstreams: Iterable[str],
    commit: str,
    *,
    replace_all: bool,
) -> tuple[Review, ...]:
    """``existing`` with ``document`` reviewed against ``upstreams`` as of ``commit``; with
    ``replace_all`` (a review against everything it rests on), the document's other entries
    (upstream documents it no longer rests on) are dropped.

    >>> old = [Review("A", "B", "1" * 40), Review("A", "C", "1" * 40), Review("D", "B", "1" * 40)]
    >>> [(r.document, r.upstream, r.commit[0]) for r in record_reviews(old, "A", ["B"], "2" * 40,
    ...                                                                   replace_all=True)]
    [('A', 'B', '2'), ('D', 'B', '1')]
    """
    named = set(upstreams)
    kept = [
        r
        for r in existing
        if r.document != document or (not replace_all and r.upstream not in named)
    ]
    kept.extend(Review(document, upstream, commit) for upstream in named)
    return tuple(sorted(kept))
