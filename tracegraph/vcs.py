"""Git access for "what does this change touch": the files changed since a revision.

git runs through ``gitcmd.run_git`` (hardened for untrusted repositories). One ``git diff
--name-status`` call compares REF with the work tree (staged and unstaged changes alike), and
``git ls-files --others`` adds new files that git does not track yet. Paths come back POSIX
and relative to ``root`` (git's ``--relative``), so a scanned folder inside a larger
repository works too.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError, UsageError
from .gitcmd import GitError, run_git


def changed_files(root: Path, ref: str) -> tuple[str, ...]:
    """Files under ``root`` that differ between ``ref`` and the work tree, sorted.

    Added, modified, deleted and type-changed files count by their path; a rename or copy counts
    as its new path. Raises UsageError for an unknown REF and InputError outside a git work tree.

    In a partial clone, finding renames needs the content of old files that were never
    fetched, and git is never allowed to fetch (``gitcmd``): the diff is then taken without
    rename detection, so a renamed file counts by both its old and its new path.
    """
    if not ref or ref.startswith("-"):
        raise UsageError(f"--since: '{ref}' is not a git revision")
    args = ("diff", "--name-status", "-z", "--relative", ref, "--")
    try:
        diff = _git(root, args[0], "-M", *args[1:], ref=ref)
    except MissingObjects:
        diff = _git(root, args[0], "--no-renames", *args[1:], ref=ref)
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


@dataclass(frozen=True)
class TreeDiff:
    """How the work tree under ``root`` differs from a revision: the commit it names, the
    files the revision has that the work tree lacks or holds otherwise (``before``: path ->
    the file's bytes at the revision), and the files only the work tree has (``added``,
    untracked ones included). Paths POSIX, relative to ``root``."""

    commit: str
    before: dict[str, bytes]
    added: frozenset[str]


def diff_tree(root: Path, ref: str, max_files: int = 2000) -> TreeDiff:
    """The ``TreeDiff`` of the work tree against ``ref`` (no rename detection: a rename is
    the old path deleted and the new one added). Raises UsageError for an unknown REF or more
    than ``max_files`` changed files, InputError outside a git work tree."""
    if not ref or ref.startswith("-"):
        raise UsageError(f"--since: '{ref}' is not a git revision")
    diff = _git(
        root, "diff", "--name-status", "-z", "--no-renames", "--relative", ref, "--", ref=ref
    )  # first: its errors name an unknown REF
    commit = os.fsdecode(_git(root, "rev-parse", "--verify", f"{ref}^{{commit}}", ref=ref))
    fields = [os.fsdecode(f) for f in diff.split(b"\0")]
    changed: list[tuple[str, str]] = []
    for i in range(0, len(fields) - 1, 2):
        if fields[i]:
            changed.append((fields[i][:1], fields[i + 1]))
    untracked = _git(root, "ls-files", "--others", "--exclude-standard", "-z", ref=ref)
    added = {os.fsdecode(raw) for raw in untracked.split(b"\0") if raw}
    added.update(path for status, path in changed if status == "A")
    if len(changed) + len(added) > max_files:
        raise UsageError(
            f"--since {ref}: {len(changed) + len(added)} files changed (at most {max_files}); "
            "check the two trees separately"
        )
    before = {
        path: _git(root, "show", f"{commit.strip()}:./{path}", ref=ref)
        for status, path in changed
        if status != "A"
    }
    return TreeDiff(commit.strip(), before, frozenset(added))


class MissingObjects(InputError):
    """git would have to fetch objects that a partial clone lacks (and may not fetch)."""


def _git(root: Path, *args: str, ref: str) -> bytes:
    if not root.is_dir():
        raise InputError(f"{root}: not a directory")
    try:
        proc = run_git(root, *args)
    except GitError as exc:
        raise InputError(f"{root}: --since needs git: {exc}") from None
    if proc.returncode == 0:
        return proc.stdout
    message = os.fsdecode(proc.stderr).strip()
    if "not a git repository" in message.lower():
        raise InputError(f"{root}: not inside a git work tree (--since needs git)")
    if "dubious ownership" in message:
        raise InputError(
            f"{root}: git refuses this repository because another user owns it (--since needs "
            "git; add it to safe.directory in your own git config if you trust it)"
        )
    if any(s in message for s in ("bad revision", "unknown revision", "ambiguous argument")):
        raise UsageError(
            f"--since: unknown git revision '{ref}' in {root} "
            "(give a branch, tag or commit, e.g. origin/main or HEAD~1)"
        )
    first = message.splitlines()[0] if message else f"exit status {proc.returncode}"
    if "promisor remote" in message:
        raise MissingObjects(f"{root}: git {args[0]} needs objects this partial clone lacks")
    raise InputError(f"{root}: git {args[0]} failed: {first}")
