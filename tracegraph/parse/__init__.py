"""parse: one file's bytes -> one Document. Pure: no I/O, no global state, picklable result."""

from __future__ import annotations

from .native import use_compiled_or_source

use_compiled_or_source()  # before the modules that may be compiled are imported

from .document import FIELD_LINE, Sidecar, decode, parse_document  # noqa: E402
from .ids import Recogniser  # noqa: E402

__all__ = ["FIELD_LINE", "Recogniser", "Sidecar", "decode", "forget_seen", "parse_document"]


def forget_seen() -> None:
    """Let go of what the parse keeps from one document to the next: headings and field
    lines already worked out (up to 20,000 of each, which a large tree fills) and the words
    of headings. A run that has parsed a large tree calls it: at 100,000 documents the
    process that parses half of them kept about 10 MB that no document needed."""
    from . import design, document, markdown

    markdown._HEADING_KEYS.clear()
    document._FIELDS.clear()
    document._META_KEYS.clear()
    design._HEADING_WORDS.clear()
