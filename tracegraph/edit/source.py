"""A document's text for editing: decoded once, changed by spans, encoded back byte for byte.

Edits are spans of the decoded text. Applying them splices the new text into the *original
bytes* at the spans' byte offsets, so everything outside the edited spans stays exactly as it was:
encoding, byte-order mark, CRLF or LF, a missing final newline, front-matter key order and
comments. Inserted text is written with the file's own line ending. An edit that touches code (a
code span or block) is refused: what is inside code is an example, not a reference.
"""

from __future__ import annotations

import codecs
import re
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import cached_property
from itertools import accumulate, pairwise

from ..errors import InputError
from ..parse.markdown import SourceMap, source_map

_ENCODINGS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


class EditError(InputError):
    """A document cannot be edited safely (undecodable, changed meanwhile, an edit in code)."""


@dataclass(frozen=True, order=True)
class Edit:
    """Replace ``text[start:end]`` by ``new`` (line breaks in ``new`` are written as the file's
    own); ``what`` says what the edit does, for the user."""

    start: int
    end: int
    new: str = field(compare=False)
    what: str = field(default="", compare=False)


@dataclass(frozen=True)
class Source:
    """One file as read: its bytes, and its text without the byte-order mark."""

    path: str
    data: bytes
    text: str
    encoding: str = "utf-8"
    bom: bytes = b""
    #: Whether ``[[...]]`` are wikilinks in this file (a wiki-style notes tree).
    wiki: bool = False

    @classmethod
    def from_bytes(cls, path: str, data: bytes) -> Source:
        """Decode ``data`` as tracegraph reads documents (UTF-8, or UTF-16/32 with a BOM);
        undecodable bytes are an EditError, since writing them back could not be exact."""
        for bom, encoding in _ENCODINGS:
            if data.startswith(bom):
                try:
                    return cls(path, data, data[len(bom) :].decode(encoding), encoding, bom)
                except UnicodeDecodeError:
                    break
        else:
            try:
                return cls(path, data, data.decode("utf-8"))
            except UnicodeDecodeError:
                pass
        raise EditError(f"{path}: not valid UTF-8 (or UTF-16/32 with a BOM); not edited")

    @cached_property
    def newline(self) -> str:
        """The file's line ending: the most frequent of CRLF, LF and CR (LF when none)."""
        counts = {"\r\n": self.text.count("\r\n")}
        counts["\n"] = self.text.count("\n") - counts["\r\n"]
        counts["\r"] = self.text.count("\r") - counts["\r\n"]
        best = max(counts.items(), key=lambda item: (item[1], item[0] == "\n"))
        return best[0] if best[1] else "\n"

    @cached_property
    def line_starts(self) -> tuple[int, ...]:
        """Character offset where each line starts (CR, LF and CRLF end lines, as in parse)."""
        return (0, *(m.end() for m in _LINE_BREAK.finditer(self.text)))

    def offset(self, line: int, column: int = 1) -> int:
        """Character offset of a 1-based line and column (clamped to the text)."""
        starts = self.line_starts
        index = min(max(line, 1), len(starts)) - 1
        return min(starts[index] + max(column, 1) - 1, len(self.text))

    def line_of(self, offset: int) -> int:
        """The 1-based line of a character offset."""
        return bisect_right(self.line_starts, offset)

    def line_span(self, line: int) -> tuple[int, int]:
        """(start, end) of a 1-based line's text, without its line break."""
        start = self.offset(line)
        match = _LINE_BREAK.search(self.text, start)
        return start, match.start() if match else len(self.text)

    @cached_property
    def layout(self) -> SourceMap:
        """Code, links, blocks and front matter as GitHub parses them (UTF-8 byte offsets)."""
        return source_map(self.text, self.wiki)

    @cached_property
    def _byte_starts(self) -> tuple[int, ...] | None:
        """UTF-8 byte offset of every character (None when the text is ASCII: the same)."""
        if self.text.isascii():
            return None
        return tuple(
            accumulate((len(c.encode("utf-8", "surrogatepass")) for c in self.text), initial=0)
        )

    def char_offset(self, byte: int) -> int:
        """The character offset of a UTF-8 byte offset of the text (as ``layout`` gives)."""
        starts = self._byte_starts
        if starts is None:
            return byte
        return bisect_right(starts, byte) - 1

    def utf8_offset(self, char: int) -> int:
        """The UTF-8 byte offset of a character offset."""
        starts = self._byte_starts
        return char if starts is None else starts[char]

    def in_code(self, start: int, end: int) -> bool:
        """Whether the character range touches a code span or block."""
        return self.layout.in_code(self.utf8_offset(start), self.utf8_offset(end))

    def _byte(self, char: int) -> int:
        if self.encoding == "utf-8":
            return len(self.bom) + self.utf8_offset(char)
        return len(self.bom) + len(self.text[:char].encode(self.encoding))

    def apply(self, edits: list[Edit] | tuple[Edit, ...]) -> bytes:
        """The file's bytes with ``edits`` applied; bytes outside the edited spans are the
        original ones. Overlapping edits and edits inside code are an EditError."""
        ordered = sorted(edits)
        for first, second in pairwise(ordered):
            if second.start < first.end:
                raise EditError(f"{self.path}: two edits overlap at line {self.line_of(first.end)}")
        pieces: list[bytes] = []
        cursor = 0
        for edit in ordered:
            if self.in_code(edit.start, edit.end):
                raise EditError(
                    f"{self.path}:{self.line_of(edit.start)}: the edit would fall inside code; "
                    "not edited"
                )
            start, end = self._byte(edit.start), self._byte(edit.end)
            pieces.append(self.data[cursor:start])
            new = edit.new.replace("\n", self.newline) if self.newline != "\n" else edit.new
            pieces.append(new.encode(self.encoding))
            cursor = end
        pieces.append(self.data[cursor:])
        return b"".join(pieces)

    def applied(self, edits: list[Edit] | tuple[Edit, ...]) -> Source:
        """A new Source for the text with ``edits`` applied."""
        return Source.from_bytes(self.path, self.apply(edits))
