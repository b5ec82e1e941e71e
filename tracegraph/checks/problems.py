"""TG602: what the parser could not read."""

from __future__ import annotations

from collections.abc import Iterator

from .context import CheckContext, Hit


def find_parse_errors(ctx: CheckContext) -> Iterator[Hit]:
    """A file could not be read or parsed completely.

    Why: whatever tracegraph could not read it cannot check; an undecodable file or broken
    front matter also renders badly on GitHub and in other tools.

    Example: front matter with a YAML error (reported at the YAML error's line), bytes that are
    not UTF-8, a file over `limits.max_file_bytes`, a symbolic link out of the repository, or a
    folder that cannot be listed (reported on the folder; links into it are then not called
    broken, since what it holds is unknown).

    Fix: repair the file (re-save as UTF-8, fix the YAML), exclude it in config, raise the
    limit, or make the folder readable.
    """
    for folder, why in ctx.corpus.unreadable:
        yield Hit(folder, 1, 1, f"folder cannot be read ({why}): the files in it are not scanned")
    for doc in ctx.corpus.documents:
        for problem in doc.problems:
            yield Hit(
                doc.path,
                max(problem.line, 1),
                max(problem.column, 1),
                f"parse error: {problem.message}",
                document=doc.name,
            )
