"""Git access for "what does this change touch": the files changed since a revision.

Besides ``crawl``, the only module that runs a subprocess. One ``git diff --name-status`` call
compares REF with the work tree (staged and unstaged changes alike), and ``git ls-files --others``
adds new files that git does not track yet. Paths come back POSIX and relative to ``root`` (git's
``--relative``), so a scanned folder inside a larger repository works too.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from .errors import InputError, UsageError

GIT_TIMEOUT = 120


def changed_files(root: Path, ref: str) -> tuple[str, ...]:
    """Files under ``root`` that differ between ``ref`` and the work tree, sorted.

    Added, modified, deleted and type-changed files count by their path; a rename or copy counts
    as its new path. Raises UsageError for an unknown REF and InputError outside a git work tree.
    """
    if not ref or ref.startswith("-"):
        raise UsageError(f"--since: '{ref}' is not a git revision")
    diff = _git(root, "diff", "--name-status", "-z", "-M", "--relative", ref, "--", ref=ref)
    paths = set(parse_name_status(diff))
    untracked = _git(root, "ls-files", "--others", "--exclude-standard", "-z", ref=ref)
    paths.update(os.fsdecode(raw) for raw in untracked.split(b"\0") if raw)
    return tuple(sorted(paths))


def parse_name_status(output: bytes) -> list[str]:
    """Paths from ``git diff --name-status -z`` output; renames and copies give the new path.

    >>> parse_name_status(b"M\\0a.md\\0R087\\0old.py\\0new.py\\0D\\0gone.md\\0")
    ['a.md', 'new.py', 'gone.md']
    """
    fields = [os.fsdecode(f) for f in output.split(b"\0")]
    paths: list[str] = []
    i = 0
    while i < len(fields) and fields[i]:
        status = fields[i]
        if status[:1] in ("R", "C"):
            paths.append(fields[i + 2])
            i += 3
        else:
            paths.append(fields[i + 1])
            i += 2
    return paths


def _git(root: Path, *args: str, ref: str) -> bytes:
    if not root.is_dir():
        raise InputError(f"{root}: not a directory")
    try:
        proc = subprocess.run(
            ["git", "-C", str(root), *args],
            capture_output=True,
            check=False,
            timeout=GIT_TIMEOUT,
        )
    except FileNotFoundError as exc:
        raise InputError("--since needs git, and the git executable was not found") from exc
    except (OSError, subprocess.SubprocessError) as exc:
        raise InputError(f"{root}: git {args[0]} failed: {exc}") from exc
    if proc.returncode == 0:
        return proc.stdout
    message = os.fsdecode(proc.stderr).strip()
    if "not a git repository" in message.lower():
        raise InputError(f"{root}: not inside a git work tree (--since needs git)")
    if any(s in message for s in ("bad revision", "unknown revision", "ambiguous argument")):
        raise UsageError(
            f"--since: unknown git revision '{ref}' in {root} "
            "(give a branch, tag or commit, e.g. origin/main or HEAD~1)"
        )
    first = message.splitlines()[0] if message else f"exit status {proc.returncode}"
    raise InputError(f"{root}: git {args[0]} failed: {first}")
