"""GitHub's extended autolinks: bare ``https://…``, ``www.…`` and e-mail addresses in prose.

pulldown-cmark (pyromark) does not implement GFM's autolink extension, GitHub (cmark-gfm) does,
so a bare URL is a link on GitHub. These functions follow cmark-gfm's ``autolink.c`` rules
byte for byte, on the raw UTF-8 source for web addresses (cmark-gfm matches them while parsing
inlines, so markup characters inside a URL belong to it) and on the text of a prose run for
e-mail addresses (cmark-gfm finds those in text nodes after parsing). The differential test
against cmark-gfm (``tests/unit/parse/test_gfm_oracle.py``) keeps them honest.
"""

from __future__ import annotations

import unicodedata
from typing import Final

_SPACE: Final = frozenset(b" \t\n\x0b\x0c\r")
_ASCII_PUNCT: Final = frozenset(b"!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
_TRAILING: Final = frozenset(b"?!.,:*_~'\"")
_SCHEMES: Final = (b"http://", b"https://", b"ftp://")
#: Characters before ``www.`` that let it start a link (besides whitespace and the start).
_WWW_AFTER: Final = frozenset(b"*_~(")
_EMAIL_LOCAL: Final = frozenset(b".+-_")
#: Every position a web or e-mail autolink can start from is found by one of these.
AUTOLINK_LITERALS = ("://", "www.", "@")


def _is_alnum(byte: int) -> bool:
    return byte < 128 and (chr(byte).isalnum())


def _is_alpha(byte: int) -> bool:
    return byte < 128 and chr(byte).isalpha()


def _valid_hostchar(data: bytes, index: int) -> bool:
    """cmark-gfm's ``is_valid_hostchar``: the UTF-8 character starting at ``index`` is neither
    a space nor punctuation (a byte inside a multi-byte character is invalid)."""
    byte = data[index]
    if byte < 128:
        return byte not in _SPACE and byte not in _ASCII_PUNCT
    if byte & 0xC0 == 0x80:
        return False
    length = 2 if byte < 0xE0 else 3 if byte < 0xF0 else 4
    try:
        char = data[index : index + length].decode("utf-8")
    except UnicodeDecodeError:
        return False
    category = unicodedata.category(char)
    return category[0] != "P" and category != "Zs"


def _check_domain(data: bytes, start: int, end: int, allow_short: bool) -> int:
    """Length of the domain at ``data[start:end]`` (0 when it is not one): at least one dot
    unless ``allow_short``, and no underscore in the last two labels."""
    size = end - start
    dots = underscores_last = underscores_before = 0
    i = 1
    while i < size - 1:
        if data[start + i] == 0x5C and i < size - 2:  # a backslash escapes the next byte
            i += 1
        byte = data[start + i]
        if byte == 0x5F:
            underscores_last += 1
        elif byte == 0x2E:
            underscores_before = underscores_last
            underscores_last = 0
            dots += 1
        elif not _valid_hostchar(data, start + i) and byte != 0x2D:
            break
        i += 1
    if underscores_before or underscores_last:
        return 0
    if allow_short:
        return i
    return i if dots else 0


def _trim_end(data: bytes, start: int, end: int) -> int:
    """cmark-gfm's ``autolink_delim``: where a link found at ``data[start:end]`` really ends
    (trailing punctuation, an entity, unbalanced closing parentheses and ``<`` cut off)."""
    less = data.find(b"<", start, end)
    if less >= 0:
        end = less
    opening = closing = -1  # counted once, at the first ')' met
    while end > start:
        last = data[end - 1]
        if last in _TRAILING:
            end -= 1
        elif last == 0x3B:  # ';': drop a trailing entity (&amp;), else the semicolon
            letters = end - 2
            while letters > start and _is_alpha(data[letters]):
                letters -= 1
            end = letters if letters < end - 2 and data[letters] == 0x26 else end - 1
        elif last == 0x29:  # ')': only while there are more closing than opening
            if closing < 0:
                opening, closing = data.count(b"(", start, end), data.count(b")", start, end)
            if closing <= opening:
                break
            closing -= 1
            end -= 1
        else:
            break
    return end


def _extend(data: bytes, index: int, limit: int) -> int:
    while index < limit and data[index] not in _SPACE and data[index] != 0x3C:
        index += 1
    return index


def url_at(data: bytes, colon: int, limit: int) -> tuple[int, int] | None:
    """The bare ``scheme://…`` link whose ``:`` is at ``data[colon]``: (start, end) byte
    offsets, or None. The scheme is the run of letters before the colon (http, https or ftp)."""
    if limit - colon < 4 or data[colon + 1 : colon + 3] != b"//":
        return None
    start = colon
    while start > 0 and _is_alpha(data[start - 1]):
        start -= 1
    scheme_end = colon + 3
    if scheme_end >= limit or not _is_alnum(data[scheme_end]):
        return None
    if data[start:scheme_end].lower() not in _SCHEMES:
        return None
    return _link_from(data, start, scheme_end, limit, allow_short=True)


def www_at(data: bytes, index: int, limit: int, chunk_start: int = 0) -> tuple[int, int] | None:
    """The bare ``www.…`` link starting at ``data[index]``, in inline content that starts at
    ``chunk_start``; (start, end) byte offsets, or None."""
    if data[index : index + 4] != b"www.":
        return None
    if index > chunk_start:
        before = data[index - 1]
        if (
            before not in _SPACE
            and before not in _WWW_AFTER
            and not _line_start(data, index, chunk_start)
        ):
            return None
    return _link_from(data, index, index, limit, allow_short=False)


def _link_from(
    data: bytes, start: int, domain: int, limit: int, allow_short: bool
) -> tuple[int, int] | None:
    """The link that starts at ``start`` with its domain at ``domain``: it runs to the next
    space or ``<``, less what ``_trim_end`` cuts; None without a valid domain."""
    length = _check_domain(data, domain, limit, allow_short)
    if length == 0:
        return None
    end = _trim_end(data, start, _extend(data, domain + length, limit))
    return (start, end) if end > start else None


def _line_start(data: bytes, index: int, chunk_start: int) -> bool:
    """Whether only block-quote markers and indentation stand before ``index`` on its line:
    the parser's inline content starts there (``>www.example.com``)."""
    while index > chunk_start and data[index - 1] in b" \t>":
        index -= 1
    return index == chunk_start or data[index - 1] == 0x0A


def _validate_scheme(data: bytes, colon: int, scheme: bytes, floor: int) -> bool:
    """Whether ``scheme`` (``mailto:``) ends at ``data[colon]`` and stands alone."""
    begin = colon + 1 - len(scheme)
    if begin < floor or data[begin : colon + 1] != scheme:
        return False
    return begin == floor or not _is_alnum(data[begin - 1])


def emails(text: str) -> list[tuple[int, int, str]]:
    """Every e-mail autolink in a run of prose text: (start, end, URL) as character indexes;
    ``mailto:``/``xmpp:`` written before the address are kept, else ``mailto:`` is added."""
    if "@" not in text:
        return []
    data = text.encode("utf-8")
    found: list[tuple[int, int, int, str]] = []  # byte start, byte end, URL
    floor = 0  # the text before ``floor`` is already a link or was given up on
    offset = 0
    while True:
        at = data.find(b"@", offset)
        if at < 0:
            break
        result = _email_at(data, at, floor)
        if result is None:
            offset = at + 1
            continue
        start, end, prefix = result
        found.append((start, end, 0, prefix + data[start:end].decode("utf-8")))
        floor = offset = end
    out: list[tuple[int, int, str]] = []
    byte = char = 0  # byte offsets -> character indexes, counted forward once
    for start, end, _unused, url in found:
        char += len(data[byte:start].decode("utf-8"))
        first = char
        char += len(data[start:end].decode("utf-8"))
        byte = end
        out.append((first, char, url))
    return out


def _email_at(data: bytes, at: int, floor: int) -> tuple[int, int, str] | None:
    mailto = True
    xmpp = False
    start = at
    while start > floor:
        byte = data[start - 1]
        if _is_alnum(byte) or byte in _EMAIL_LOCAL:
            start -= 1
            continue
        if byte == 0x3A:
            if _validate_scheme(data, start - 1, b"mailto:", floor):
                mailto = False
                start -= 1
                continue
            if _validate_scheme(data, start - 1, b"xmpp:", floor):
                mailto = False
                xmpp = True
                start -= 1
                continue
        break
    if start == at:
        return None
    size = len(data)
    end = at + 1
    dots = 0
    while end < size:
        byte = data[end]
        if _is_alnum(byte):
            end += 1
            continue
        if byte == 0x40:  # a second '@': the address cannot end here
            return None
        if byte == 0x2E and end + 1 < size and _is_alnum(data[end + 1]):
            dots += 1
        elif not (byte == 0x2F and xmpp) and byte not in (0x2D, 0x5F):
            break
        end += 1
    last = data[end - 1]
    if end - at < 2 or dots == 0 or not (_is_alpha(last) or last == 0x2E):
        return None
    end = _trim_end(data, at, end)
    if end <= at:
        return None
    return start, end, "mailto:" if mailto else ""
