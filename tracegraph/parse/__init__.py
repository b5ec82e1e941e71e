"""parse: one file's bytes -> one Document. Pure: no I/O, no global state, picklable result."""

from __future__ import annotations

from .native import use_compiled_or_source

use_compiled_or_source()  # before the modules that may be compiled are imported

from .document import FIELD_LINE, Sidecar, decode, parse_document  # noqa: E402
from .ids import Recogniser  # noqa: E402

__all__ = ["FIELD_LINE", "Recogniser", "Sidecar", "decode", "parse_document"]
