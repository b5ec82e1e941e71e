"""A set of file changes: shown as a unified diff, written atomically, refused when a file
changed between reading and writing."""

from __future__ import annotations

import contextlib
import difflib
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..atomic import write_atomic
from ..errors import OutputError
from .source import Edit, EditError, Source


@dataclass(frozen=True)
class FileChange:
    """One file's new content. ``before`` is what was read (None: the file is new), ``notes``
    say what changed, one line each (``status: accepted -> superseded (line 7)``)."""

    path: str
    before: bytes | None
    after: bytes
    notes: tuple[str, ...] = ()

    @property
    def created(self) -> bool:
        """Whether the change creates the file."""
        return self.before is None


@dataclass(frozen=True)
class ChangeSet:
    """What a write command changes, plus what it has to say about what it left alone."""

    root: Path
    changes: tuple[FileChange, ...] = ()
    messages: tuple[str, ...] = ()
    #: The document a command created (``new``), and its name (ID, or path).
    created: str | None = None
    name: str | None = None

    @property
    def empty(self) -> bool:
        """Whether nothing would change."""
        return not any(c.before != c.after for c in self.changes)

    def diff(self) -> str:
        """A unified diff of every change (``git apply`` reads it), files in path order."""
        return "".join(unified_diff(c) for c in sorted(self.changes, key=lambda c: c.path))

    def write(self) -> None:
        """Write every change (see ``write_changes``)."""
        write_changes(self.root, self.changes)


def merge_changes(*sets: tuple[FileChange, ...]) -> tuple[FileChange, ...]:
    """Changes of several plans in one, sorted by path; two changes of one file are an error
    (a plan must edit a file once, from what was read)."""
    seen: dict[str, FileChange] = {}
    for changes in sets:
        for change in changes:
            if change.path in seen:
                raise EditError(f"{change.path}: changed twice in one command")
            seen[change.path] = change
    return tuple(seen[p] for p in sorted(seen))


_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def _lines(data: bytes | None, path: str) -> list[str]:
    """Lines with their breaks; only CR, LF and CRLF end a line (as everywhere in tracegraph)."""
    if data is None:
        return []
    return _LINE.findall(Source.from_bytes(path, data).text)


def unified_diff(change: FileChange) -> str:
    """One file's change as a unified diff (``\\ No newline at end of file`` as git writes)."""
    if change.before == change.after:
        return ""
    old, new = _lines(change.before, change.path), _lines(change.after, change.path)
    label_old = "/dev/null" if change.before is None else f"a/{change.path}"
    out: list[str] = []
    for line in difflib.unified_diff(old, new, label_old, f"b/{change.path}", n=3):
        if line.endswith(("\n", "\r")):
            out.append(line)
        else:  # the last line of a file without a final newline
            out.append(line + "\n\\ No newline at end of file\n")
    return "".join(out)


def _real_target(root: Path, rel: str) -> Path:
    """The file to write for a document path: through a symlink inside the root (an alias
    stays an alias), never outside it."""
    path = root / rel
    real = Path(os.path.realpath(path))
    base = Path(os.path.realpath(root))
    if real != base and base not in real.parents:
        raise EditError(f"{rel}: resolves outside the repository root; not written")
    return real


def _current(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise EditError(f"{path}: cannot read: {exc.strerror or exc}") from None


def write_changes(root: Path, changes: tuple[FileChange, ...]) -> None:
    """Write each change atomically (temporary file + rename; a new file is created only if it
    still does not exist). First every file is read again: if any differs from what was read
    when the change was planned, nothing at all is written. If a write fails, the files already
    written are put back as they were."""
    todo = [c for c in changes if c.before != c.after]
    targets = [_real_target(root, c.path) for c in todo]
    for change, target in zip(todo, targets, strict=True):
        if _current(target) != change.before:
            state = "was created" if change.before is None else "changed"
            raise EditError(
                f"{change.path}: {state} since tracegraph read it; nothing was written "
                "(run the command again)"
            )
    done: list[tuple[FileChange, Path]] = []
    try:
        for change, target in zip(todo, targets, strict=True):
            if change.before is None:
                create_exclusive(target, change.after)
            else:
                write_atomic(target, change.after)
            done.append((change, target))
    except BaseException:
        for change, target in reversed(done):
            with contextlib.suppress(OSError, OutputError):
                if change.before is None:
                    target.unlink()
                else:
                    write_atomic(target, change.before)
        raise


def create_exclusive(target: Path, data: bytes) -> None:
    """Create ``target`` with ``data`` atomically, failing if it exists (a hard link of a
    complete temporary file, so a reader never sees half a file and nothing is overwritten)."""
    folder = target.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise OutputError(f"{target}: cannot write: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.link(tmp, target)
    except FileExistsError:
        raise EditError(f"{target}: already exists; not overwritten") from None
    except OSError as exc:
        raise OutputError(f"{target}: cannot write: {exc.strerror or exc}") from None
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def file_changes(edits: list[tuple[Source, Edit]]) -> tuple[FileChange, ...]:
    """Edits grouped by file and applied, one change per file (in path order); each note is
    an edit's ``what``."""
    by_file: dict[str, tuple[Source, list[Edit]]] = {}
    for source, edit in edits:
        by_file.setdefault(source.path, (source, []))[1].append(edit)
    out = []
    for path in sorted(by_file):
        source, todo = by_file[path]
        after = source.apply(todo)
        notes = tuple(dict.fromkeys(e.what for e in sorted(todo) if e.what))
        out.append(FileChange(path, source.data, after, notes))
    return tuple(out)
