"""``fix``: repairs for broken links (TG101), anchors (TG102) and unknown IDs (TG103).

Each finding gets the candidates the evidence gives, strongest first: where git saw the target
renamed or moved (``git mv``, followed through chains of renames; a folder follows its files);
the one file of that name elsewhere in the tree; the one document with the ID the missing path
carried (a KEP or RFC number that moved folders); for anchors, the closest heading slug; for an
unknown ID, the ID of the document that git saw renumbered. A repair is *unambiguous* when the
evidence names exactly one target (git's answer wins over names and IDs; names and IDs must
agree); only those are written. The rest are listed with their candidates, including the
checks' "did you mean" spelling guesses, which are never applied.
"""

from __future__ import annotations

import difflib
import posixpath
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass, replace
from urllib.parse import quote, unquote

from ..checks.links import AnchorTable, PathSuggestions
from ..graph import Corpus
from ..model import Finding, Link, RefKind, Target
from ..parse import Recogniser
from .changes import FileChange, file_changes
from .history import Moves
from .source import Edit, Source
from .workspace import Workspace

#: Finding codes that ``fix`` repairs.
FIXABLE = ("TG101", "TG102", "TG103")
_SAFE = "/-._~!$&'()*+,;=:@"


@dataclass(frozen=True)
class Repair:
    """One finding and what to do about it: ``replacement`` is the new target text when the
    repair is unambiguous; ``candidates`` lists what the target may be; ``reason`` says
    which evidence decided (or why nothing did)."""

    code: str
    path: str
    line: int
    column: int
    written: str
    replacement: str | None
    candidates: tuple[str, ...]
    reason: str

    @property
    def applied(self) -> bool:
        """Whether ``--write`` changes the document for this finding."""
        return self.replacement is not None


@dataclass(frozen=True)
class FixPlan:
    """Every repair considered, and the file changes of the unambiguous ones."""

    repairs: tuple[Repair, ...]
    changes: tuple[FileChange, ...]


# --- the checks' suggestion code, called through its public classes ---------------------------


def suggested_path(suggestions: PathSuggestions, source: str, missing: str) -> str | None:
    """The checks' "did you mean" file for a broken link (a spelling guess), root-relative."""
    found = suggestions.suggest(source, missing)
    if found is None:
        return None
    return posixpath.normpath(posixpath.join(posixpath.dirname(source), found))


def close_anchors(fragment: str, anchors: Collection[str]) -> list[str]:
    """The anchors close to ``fragment`` by the checks' suggestion: the closest, and a second
    one when another anchor also passes (then the choice is ambiguous)."""
    best = AnchorTable(anchors).suggest(fragment)
    if best is None:
        return []
    second = AnchorTable(a for a in anchors if a != best).suggest(fragment)
    return [best] if second is None else [best, second]


# --- evidence ----------------------------------------------------------------------------------


def id_of_path(recogniser: Recogniser, path: str) -> str | None:
    """The ID a (possibly missing) path names by its file or folder name, as the parser would
    read it: ``docs/adr/0007-x.md`` -> ADR-0007, ``keps/sig-a/1287-x`` -> KEP-1287."""
    for candidate in (path, f"{path}/README.md"):
        stem = candidate.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        found = recogniser.type_from_filename(stem)
        if found is not None:
            return found[1]
        doc_type = recogniser.type_from_path(candidate) or recogniser.type_from_folders(candidate)
        if doc_type is not None:
            doc_id = recogniser.id_from_number(doc_type, stem, "", candidate)
            if doc_id is not None:
                return doc_id
    return None


class Evidence:
    """What the tree and git know about where things went."""

    def __init__(self, corpus: Corpus, recogniser: Recogniser, moves: Moves) -> None:
        self.corpus = corpus
        self.recogniser = recogniser
        self.moves = moves
        self.by_name: dict[str, list[str]] = {}
        for path in sorted(corpus.files):
            self.by_name.setdefault(path.rsplit("/", 1)[-1], []).append(path)
        folders: set[str] = set()
        for path in corpus.files:
            parent = path.rpartition("/")[0]
            while parent and parent not in folders:
                folders.add(parent)
                parent = parent.rpartition("/")[0]
        self.folders = frozenset(folders)
        self._suggestions: PathSuggestions | None = None

    @property
    def suggestions(self) -> PathSuggestions:
        """The checks' "did you mean" for paths, built on first use."""
        if self._suggestions is None:
            self._suggestions = PathSuggestions(self.corpus.files)
        return self._suggestions

    def exists(self, path: str) -> bool:
        """Whether a file or folder is in the tree."""
        return path in self.corpus.files or path in self.folders

    def moved(self, path: str) -> tuple[str, ...]:
        """Where git saw ``path`` go."""
        return self.moves.where(path, self.corpus.files | self.folders)

    def same_name(self, path: str) -> list[str]:
        """Files elsewhere with the missing file's name."""
        return [p for p in self.by_name.get(path.rsplit("/", 1)[-1], []) if p != path]

    def same_id(self, path: str) -> tuple[list[str], list[str]]:
        """The document whose ID the missing path carried (linked as the path was: a folder
        link stays a folder link): (named alike, named otherwise). A number alone is weak
        evidence: ``0003-opt-in-traits.md`` may be an RFC that was merged as another one, so
        only a target whose name is close to the missing one counts."""
        doc_id = id_of_path(self.recogniser, path)
        if doc_id is None:
            return [], []
        alike: list[str] = []
        other: list[str] = []
        for found in self.corpus.ids.get(doc_id, ()):
            if not path.lower().endswith((".md", ".markdown")) and found.endswith("/README.md"):
                found = found.rsplit("/", 1)[0]
            (alike if _named_alike(path, found) else other).append(found)
        return alike, other

    def renumbered(self, doc_id: str) -> list[str]:
        """IDs of the documents that git saw take the place of a file that had ``doc_id``."""
        out: set[str] = set()
        for old, _new in self.moves.renames:
            if id_of_path(self.recogniser, old) == doc_id:
                for path in self.moves.where(old, self.corpus.files):
                    doc = self.corpus.by_path.get(path)
                    if doc is not None and doc.id and doc.id != doc_id:
                        out.add(doc.id)
        return sorted(out)


def _unit(path: str) -> str:
    """The name part of a path without its number: ``docs/0007-use-kafka.md`` -> ``use-kafka``
    (a folder's README is named by its folder)."""
    parts = path.rstrip("/").split("/")
    if parts[-1].lower() in ("readme.md", "index.md") and len(parts) > 1:
        parts.pop()
    stem = parts[-1].rsplit(".", 1)[0] if "." in parts[-1] else parts[-1]
    return re.sub(r"^[A-Za-z]*[-_]?\d+[-_ .]?", "", stem).lower()


def _named_alike(missing: str, found: str) -> bool:
    """Whether two paths with one number name the same thing (ratio of their name parts)."""
    a, b = _unit(missing), _unit(found)
    return a == b or difflib.SequenceMatcher(None, a, b).ratio() >= 0.5


def _decide(
    moved: Iterable[str], named: list[str], ids: tuple[list[str], list[str]]
) -> tuple[list[str], str]:
    """(candidates, reason): one candidate means unambiguous."""
    by_id, other = ids
    moved = list(moved)
    if len(moved) == 1:
        return moved, "renamed or moved in git"
    if moved:
        return moved, "git saw it moved to several places"
    unique_name = named if len(named) == 1 else []
    agreed = sorted(set(unique_name) | set(by_id))
    if len(agreed) == 1:
        if unique_name and by_id:
            return agreed, "the only file of that name, with its ID"
        return (
            agreed,
            "the only file of that name" if unique_name else "the only document with its ID",
        )
    if agreed or named:
        return sorted(set(named) | set(by_id) | set(other)), "several files could be meant"
    if other:
        return other, "a document has its number under another name, not applied"
    return [], "no file of that name or ID, and no rename in git"


# --- planning ------------------------------------------------------------------------------------


def plan_fixes(space: Workspace, findings: list[Finding], moves: Moves) -> FixPlan:
    """Repairs for the TG101/TG102/TG103 ``findings`` and the changes that apply the
    unambiguous ones (every other byte of each file unchanged; never inside code)."""
    corpus = space.corpus
    evidence = Evidence(corpus, space.recogniser, moves)
    links: dict[tuple[str, int, int], list[Link]] = {}
    for link in corpus.links:
        doc = corpus.by_path[link.source]
        key = (doc.located(link.reference), link.reference.line, link.reference.column)
        links.setdefault(key, []).append(link)
    repairs: list[Repair] = []
    edits: list[tuple[Source, Edit]] = []
    sources: dict[str, Source] = {}
    for finding in sorted(f for f in findings if f.code in FIXABLE):
        for link in links.get((finding.path, finding.line, finding.column), []):
            if not _matches(finding, link):
                continue
            repair = _repair(corpus, evidence, finding, link)
            if repair.applied:
                src = sources.get(finding.path)
                if src is None:
                    src = sources[finding.path] = _open(space, finding.path)
                edit = locate(src, link, repair, space.recogniser)
                if edit is None:
                    repair = _unplaced(repair)
                elif not any(
                    (s.path, e.start, e.end) == (src.path, edit.start, edit.end) for s, e in edits
                ):
                    edits.append((src, edit))
            repairs.append(repair)
            break
    return FixPlan(tuple(repairs), file_changes(edits))


def _open(space: Workspace, path: str) -> Source:
    source = Source.from_bytes(path, space.read(path))
    return replace(source, wiki=space.recogniser.has_wikilinks(path))


def _unplaced(repair: Repair) -> Repair:
    return Repair(
        repair.code,
        repair.path,
        repair.line,
        repair.column,
        repair.written,
        None,
        repair.candidates,
        "the link's text could not be located exactly; edit by hand",
    )


def _matches(finding: Finding, link: Link) -> bool:
    if finding.code == "TG101":
        return link.status is Target.MISSING and not link.reference.is_id
    if finding.code == "TG103":
        return link.status is Target.UNKNOWN_ID
    return link.fragment is not None and link.status in (Target.DOCUMENT, Target.SELF)


def _repair(corpus: Corpus, evidence: Evidence, finding: Finding, link: Link) -> Repair:
    ref = link.reference
    base = Repair(
        finding.code, finding.path, finding.line, finding.column, ref.target, None, (), ""
    )
    if finding.code == "TG103":
        return _repair_id(evidence, base, ref.target)
    if finding.code == "TG102":
        target = corpus.by_path.get(link.path or "")
        if target is None or link.fragment is None:
            return _with(base, [], "the target has no headings")
        found = close_anchors(link.fragment, target.anchors)
        written = ref.target.partition("#")[0]
        options = [f"{written}#{a}" for a in found]
        reason = {0: "no heading is close", 1: "the closest heading"}.get(
            len(found), "two headings are close"
        )
        return _with(base, options, reason)
    missing = link.path or ""
    candidates, reason = _decide(
        evidence.moved(missing), evidence.same_name(missing), evidence.same_id(missing)
    )
    if not candidates:
        guess = suggested_path(evidence.suggestions, link.source, missing)
        if guess is not None:
            return _with(
                base, [_rewrite(link, guess, corpus)], "a spelling guess, not applied", apply=False
            )
    options = [_rewrite(link, c, corpus) for c in candidates]
    return _with(base, options, reason, apply="not applied" not in reason)


def _with(base: Repair, options: list[str], reason: str, apply: bool = True) -> Repair:
    replacement = options[0] if len(options) == 1 and apply else None
    return Repair(
        base.code,
        base.path,
        base.line,
        base.column,
        base.written,
        replacement,
        tuple(options),
        reason,
    )


def _repair_id(evidence: Evidence, base: Repair, target: str) -> Repair:
    doc_id, _, fragment = target.partition("#")
    found = evidence.renumbered(doc_id)
    options = [f"{i}#{fragment}" if fragment else i for i in found]
    reason = {0: "no document had this ID in git's history", 1: "renumbered in git"}.get(
        len(found), "git saw it become several"
    )
    return _with(base, options, reason)


def _rewrite(link: Link, new_path: str, corpus: Corpus) -> str:
    """The link target that reaches ``new_path`` from the linking file, written like the old
    one: relative (or from the root, with a leading ``/``), percent-encoded as needed, with its
    fragment and query. A fragment that is broken in the new target is repaired if one
    heading is close, else kept."""
    written = link.reference.target
    path_part, hash_, fragment = written.partition("#")
    path_part, qmark, query = path_part.partition("?")
    if path_part.startswith("/"):
        new = "/" + new_path
    else:
        new = posixpath.relpath(new_path, posixpath.dirname(link.source) or ".")
    if path_part.endswith("/") and not new.endswith("/"):
        new += "/"
    if unquote(path_part) != path_part or any(c in new for c in " <>()"):
        new = quote(new, safe=_SAFE)
    if hash_ and fragment:
        doc = corpus.by_path.get(new_path) or corpus.by_path.get(f"{new_path}/README.md")
        if doc is not None and unquote(fragment) not in doc.anchors:
            found = close_anchors(unquote(fragment), doc.anchors)
            fragment = found[0] if len(found) == 1 else fragment
    return new + (qmark + query if qmark else "") + (hash_ + fragment if hash_ else "")


# --- locating the text to change -------------------------------------------------------------

_ID_TEXT = re.compile(r"[A-Za-z][A-Za-z0-9]*[-_ ]?\d+")


def locate(src: Source, link: Link, repair: Repair, recogniser: Recogniser) -> Edit | None:
    """The edit that writes ``repair.replacement`` where the reference is written, or None
    when its text cannot be found exactly (or stands in code)."""
    ref = link.reference
    new = repair.replacement or ""
    start = src.offset(ref.line, ref.column)
    what = f"{repair.code} line {ref.line}: {repair.written} -> {new}"
    if ref.kind in (RefKind.MENTION, RefKind.METADATA, RefKind.SIDECAR) and ref.is_id:
        found = _ID_TEXT.match(src.text, start)
        if found is None or recogniser.normalise_id(found.group(0)) != ref.target.split("#")[0]:
            return None
        return _safe(src, Edit(start, found.end(), _like(found.group(0), new), what))
    if ref.kind in (RefKind.METADATA, RefKind.SIDECAR):
        end = src.line_span(ref.line)[1]
        at = src.text.find(ref.target, start, end)
        if at < 0:
            return None
        return _safe(src, Edit(at, at + len(ref.target), new, what))
    byte = src.utf8_offset(start)
    for span in src.layout.links:
        if span.start != byte:
            continue
        first, last = src.char_offset(span.start), src.char_offset(span.end)
        if span.label and not span.wiki:
            return _definition(src, span.label, ref.target, new, what)
        text = src.text[first:last]
        at = text.rfind(ref.target)
        if span.wiki:
            at = text.find(ref.target)
        elif at <= 0 or not re.search(r"\]\(\s*<?$", text[:at]):
            return None
        return _safe(src, Edit(first + at, first + at + len(ref.target), new, what))
    return None


def _definition(src: Source, label: str, target: str, new: str, what: str) -> Edit | None:
    """A reference link's destination, in its ``[label]: target`` definition."""
    wanted = " ".join(label.split()).casefold()
    pattern = re.compile(r"^ {0,3}\[((?:[^\]\\]|\\.)+)\]:[ \t]*(?:\r\n|\r|\n)?[ \t]*<?", re.M)
    for match in pattern.finditer(src.text):
        if " ".join(match.group(1).split()).casefold() != wanted:
            continue
        if not src.text.startswith(target, match.end()):
            continue
        return _safe(src, Edit(match.end(), match.end() + len(target), new, what))
    return None


def _safe(src: Source, edit: Edit) -> Edit | None:
    return None if src.in_code(edit.start, max(edit.end, edit.start + 1)) else edit


def _like(written: str, new_id: str) -> str:
    """A new ID in the spelling of the one it replaces (``ADR-42`` -> ``ADR-43``, not
    ``ADR-0043``)."""
    digits = re.search(r"\d+$", written)
    new_digits = re.search(r"\d+$", new_id.split("#")[0])
    if digits is None or new_digits is None:
        return new_id
    number = int(new_digits.group(0))
    width = len(digits.group(0)) if digits.group(0).startswith("0") else 0
    prefix = written[: digits.start()]
    rest = new_id.split("#", 1)
    return f"{prefix}{number:0{width}d}" + (f"#{rest[1]}" if len(rest) > 1 else "")


def fixable(findings: Iterable[Finding]) -> list[Finding]:
    """The findings ``fix`` works on."""
    return [f for f in findings if f.code in FIXABLE]
