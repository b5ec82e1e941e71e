"""What git knows that an editor needs: the author's name and where files were moved.

Every call goes through ``tracegraph.gitcmd.run_git``. Outside a git work tree, or when git is
missing, the answers are empty: the write commands still work, with less to go on.
"""

from __future__ import annotations

import logging
import os
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import TracegraphError
from ..gitcmd import run_git

log = logging.getLogger(__name__)


def _git(root: Path, *args: str) -> bytes | None:
    try:
        proc = run_git(root, *args)
    except (OSError, subprocess.SubprocessError, TracegraphError) as exc:
        log.info("git %s: %s", args[0], exc)
        return None
    if proc.returncode != 0:
        log.info("git %s: %s", args[0], os.fsdecode(proc.stderr).strip()[:200])
        return None
    return proc.stdout


def git_author(root: Path) -> str | None:
    """``git config user.name`` in ``root`` (None outside git or when it is not set)."""
    out = _git(root, "config", "--get", "user.name")
    name = os.fsdecode(out).strip() if out else ""
    return name or None


def parse_renames(output: bytes) -> list[tuple[str, str]]:
    """(old, new) pairs from ``git log``/``git diff --name-status -z`` output, in its order;
    other changes are skipped.

    >>> parse_renames(b"M\\0a.md\\0R087\\0old.md\\0new.md\\0\\0R100\\0x\\0y\\0")
    [('old.md', 'new.md'), ('x', 'y')]
    """
    fields = [os.fsdecode(f) for f in output.split(b"\0")]
    out: list[tuple[str, str]] = []
    i = 0
    while i < len(fields):
        status = fields[i].strip()
        if not status:
            i += 1
        elif status[:1] in ("R", "C"):
            if status[:1] == "R" and i + 2 < len(fields):
                out.append((fields[i + 1], fields[i + 2]))
            i += 3
        else:
            i += 2
    return out


@dataclass(frozen=True)
class Moves:
    """Every rename git recorded (oldest first), committed or staged, paths relative to the
    scanned root; ``where`` follows a path through them to where it is now."""

    renames: tuple[tuple[str, str], ...] = ()
    _by_old: dict[str, list[str]] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        for old, new in self.renames:
            targets = self._by_old.setdefault(old, [])
            if new not in targets:
                targets.append(new)

    def where(self, path: str, exists: Iterable[str]) -> tuple[str, ...]:
        """The existing paths that ``path`` was renamed to, following chains of renames
        (several when it was renamed to different places); a folder follows its files."""
        present = set(exists)
        found: set[str] = set()
        todo, seen = [path], {path}
        while todo:
            current = todo.pop()
            nexts = self._by_old.get(current, [])
            if not nexts:
                nexts = self._folder_moves(current)
            for new in nexts:
                if new in present:
                    found.add(new)
                elif new not in seen:
                    seen.add(new)
                    todo.append(new)
        return tuple(sorted(found))

    def _folder_moves(self, folder: str) -> list[str]:
        """Where a folder went: the one new folder that all its renamed files agree on."""
        prefix = folder.rstrip("/") + "/"
        targets = set()
        for old, new in self.renames:
            if old.startswith(prefix):
                rest = old[len(prefix) :]
                if new.endswith("/" + rest):
                    targets.add(new[: -len(rest) - 1])
        return sorted(targets) if len(targets) == 1 else []


def git_moves(root: Path) -> Moves:
    """The renames in ``root``'s history and in the index (``git mv`` not yet committed)."""
    renames: list[tuple[str, str]] = []
    logged = _git(
        root,
        "log",
        "-M",
        "--name-status",
        "--diff-filter=R",
        "--format=",
        "-z",
        "--relative",
        "--no-color",
    )
    if logged:
        renames.extend(reversed(parse_renames(logged)))  # newest first -> oldest first
    staged = _git(
        root,
        "diff",
        "-M",
        "--name-status",
        "--diff-filter=R",
        "-z",
        "--relative",
        "--cached",
        "--no-color",
    )
    if staged:
        renames.extend(parse_renames(staged))
    return Moves(tuple(renames))
