"""How a repository names its documents of a type, learned from the ones it has.

``0007-use-kafka.md`` (Nygard, MADR), ``PRD-0001-real-time-tracking.md``, ``adr-017-x.md``,
``eip-1234.md``, ``keps/sig-node/1287-in-place-update/README.md`` (a folder per document) and
``20200924-use-markdown.md`` (log4brains: a date, no number) are each a convention: where the
number stands, how it is padded, what comes before and after it, the folder. A new document
gets the next free number in the same shape.
"""

from __future__ import annotations

import posixpath
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

from ..config import TypeSpec
from ..model import Document

_DIGITS = re.compile(r"\d+")
_DATED = re.compile(r"^\d{8}(?=[-_])")
_INDEX_NAMES = ("readme.md", "index.md")
_SLUG_LIMIT = 60


@dataclass(frozen=True)
class Convention:
    """How documents of one type are named: ``{folder}/{prefix}{number}{separator}{slug}
    {suffix}`` (``own_file`` set: that is a folder holding ``own_file``)."""

    type: str
    folder: str
    prefix: str
    width: int
    slug: bool
    separator: str = "-"
    suffix: str = ".md"
    own_file: str | None = None
    dated: bool = False
    examples: int = 0

    def name_for(self, number: int, title: str, today: str) -> str:
        """The path (relative to the root) of a new document.

        >>> Convention("ADR", "doc/adr", "", 4, True).name_for(8, "Use NATS!", "2026-01-02")
        'doc/adr/0008-use-nats.md'
        >>> Convention("ADR", "adr", "", 0, True, dated=True).name_for(0, "X", "2026-01-02")
        'adr/20260102-x.md'
        """
        stem = slugify(title, self.separator)
        if self.dated:
            unit = today.replace("-", "") + self.separator + stem
        else:
            digits = f"{number:0{self.width}d}" if self.width else str(number)
            unit = self.prefix + digits + (self.separator + stem if self.slug else "")
        name = f"{unit}/{self.own_file}" if self.own_file else unit + self.suffix
        return f"{self.folder}/{name}" if self.folder else name

    @property
    def described(self) -> str:
        """The convention in words, for messages."""
        shape = "YYYYMMDD" if self.dated else self.prefix + ("N" * max(self.width, 1))
        if self.slug or self.dated:
            shape += self.separator + "title"
        shape = f"{shape}/{self.own_file}" if self.own_file else shape + self.suffix
        learned = f"learned from {self.examples} document(s)" if self.examples else "default"
        return f"{self.folder + '/' if self.folder else ''}{shape} ({learned})"


def slugify(title: str, separator: str = "-") -> str:
    """A file-name slug: ASCII letters and digits, lower-case, words joined by ``separator``,
    at most 60 characters (cut at a word); letters without an ASCII form are kept.

    >>> slugify("Use Kafka for the Event Stream (v2)!"), slugify("Ünïcode café")
    ('use-kafka-for-the-event-stream-v2', 'unicode-cafe')
    """
    ascii_text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    words: list[str] = re.findall(r"[a-z0-9]+", ascii_text.lower())
    if not words:
        words = re.findall(r"\w+", title.lower()) or ["untitled"]
    slug: str = words[0][:_SLUG_LIMIT]
    for word in words[1:]:
        if len(slug) + len(separator) + len(word) > _SLUG_LIMIT:
            break
        slug += separator + word
    return slug


@dataclass(frozen=True)
class _Shape:
    folder: str
    prefix: str
    digits: str
    slug: bool
    separator: str
    suffix: str
    own_file: str | None
    dated: bool


def _shape(doc: Document, number: int | None) -> _Shape | None:
    """The naming shape of one document, or None when its name does not show its number."""
    folder, _, name = doc.path.rpartition("/")
    own_file: str | None = None
    if name.lower() in _INDEX_NAMES and folder:
        own_file = name
        folder, _, unit = folder.rpartition("/")
        suffix = ""
    else:
        unit, dot, ext = name.rpartition(".")
        unit, suffix = (unit, dot + ext) if dot else (name, "")
    if number is None:
        dated = _DATED.match(unit)
        if dated is None:
            return None
        rest = unit[dated.end() :]
        return _Shape(folder, "", "", True, rest[:1], suffix, own_file, True)
    for match in _DIGITS.finditer(unit):
        if int(match.group(0)) == number:
            rest = unit[match.end() :]
            slug = bool(rest) and rest[0] in "-_ ." and len(rest) > 1
            separator = rest[0] if slug else "-"
            return _Shape(
                folder,
                unit[: match.start()],
                match.group(0),
                slug,
                separator,
                suffix,
                own_file,
                False,
            )
    return None


def document_number(doc: Document) -> int | None:
    """The number of a document's ID (``ADR-0007`` -> 7), or None."""
    if not doc.id:
        return None
    digits = _DIGITS.findall(doc.id)
    return int(digits[-1]) if digits else None


def detect_convention(
    documents: list[Document], spec: TypeSpec, all_folders: list[str], folder: str | None = None
) -> Convention:
    """The naming convention of a type, learned from its ``documents``: the most common shape
    (the newest document's between equals), padded as wide as the widest zero-padded number;
    ``folder`` overrides where the new document goes. Without documents: ``TYPE-NNNN-title.md``
    in the preset's folder, beside the other types' folders, or ``docs/<type folder>``."""
    shapes: list[tuple[int, _Shape]] = []
    for doc in documents:
        number = document_number(doc)
        shape = _shape(doc, number)
        if shape is not None:
            shapes.append((number or 0, shape))
    if not shapes:
        width = spec.id_width or 0
        where = folder if folder is not None else default_folder(spec, all_folders)
        return Convention(spec.name, where, f"{spec.name}-", width, True)
    shapes.sort(key=lambda item: (item[0], item[1].folder))
    key = Counter((s.prefix, s.slug, s.separator, s.suffix, s.own_file, s.dated) for _, s in shapes)
    best = max(key.items(), key=lambda item: item[1])[0]
    chosen = [
        s
        for _, s in shapes
        if (s.prefix, s.slug, s.separator, s.suffix, s.own_file, s.dated) == best
    ]
    padded = [len(s.digits) for s in chosen if s.digits.startswith("0") and len(s.digits) > 1]
    folders = Counter(s.folder for s in chosen)
    top = max(folders.values())
    newest = next(s.folder for s in reversed(chosen) if folders[s.folder] == top)
    prefix, slug, separator, suffix, own_file, dated = best
    return Convention(
        spec.name,
        folder if folder is not None else newest,
        prefix,
        max(padded, default=0),
        slug,
        separator,
        suffix or ".md",
        own_file,
        dated,
        len(chosen),
    )


def default_folder(spec: TypeSpec, typed_folders: list[str]) -> str:
    """Where the first document of a type goes: the literal folder of its preset's ``paths``
    glob, else beside the folders of the other types (``docs/adr`` next to ``docs/rfc``), else
    ``docs/<type folder>``."""
    for glob in spec.paths:
        literal = re.split(r"[*?\[{]", glob, maxsplit=1)[0]
        folder = literal.rpartition("/")[0]
        if folder:
            return folder
    name = spec.folders[0] if spec.folders else spec.name.lower()
    parents = Counter(posixpath.dirname(f) for f in typed_folders if f)
    if parents:
        return posixpath.join(max(parents.items(), key=lambda item: (item[1], item[0]))[0], name)
    return f"docs/{name}"
