"""Text taken from documents, made safe to print: no control character reaches a terminal, a
CSV row or an XML file as itself.

One rule for every text output (check text, ``scan``, report Markdown, impact and show trees,
CSV, GraphML, error messages): C0 controls (tab and newline included: every place these
strings go is one line), DEL, C1 controls, the bidirectional overrides of "Trojan Source",
line and paragraph separators, and the two noncharacters XML cannot hold are written as
visible escapes (``\\x1b``, ``\\u202e``), so the text stays readable and nothing is lost.
"""

from __future__ import annotations

import re

#: Every character ``neutralise`` escapes (renderers that cannot show an escape write a space).
UNSAFE = _UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufffe\uffff]"
)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def neutralise(text: str) -> str:
    """``text`` with every control, bidi-override and separator character escaped.

    >>> neutralise("a\\x1b[31mb\\x07 c\\r\\nd \\u202e")
    'a\\\\x1b[31mb\\\\x07 c\\\\x0d\\\\x0ad \\\\u202e'
    >>> neutralise("ünïcødé → ok")
    'ünïcødé → ok'
    """
    return _UNSAFE.sub(_escape, text) if _UNSAFE.search(text) else text
