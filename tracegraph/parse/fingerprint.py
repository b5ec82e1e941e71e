"""What counts as a change of a document for suspect links (TG503): its fingerprint.

A fingerprint keeps what a reader of a downstream document relies on and drops the rest:

- the **title, ID and status** fields (front matter ``title``/``id``/``status``, each type's
  ``status_field`` and ``number_field``, the same keys as field lines under the title, the
  first ``#`` heading when no field gives the title, and the first line of a ``## Status``
  section when no field gives the status);
- a digest of **the rest of the text** without its whitespace, without the front matter and
  without the other field lines under the title (``**Last Updated:**``, ``Author:``).

So an edit that only adds or removes whitespace (a reflowed paragraph, blank lines, trailing
spaces, line endings), a new author or date, or an edit of any other front-matter field leaves
the fingerprint as it was. Pure and fast (no Markdown parse): it runs
over every version of every document that the history needs.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

try:  # what ``hashlib.blake2b`` is, without hashlib loading OpenSSL (2.5 ms) for other digests
    from _blake2 import blake2b
except ImportError:  # another interpreter
    from hashlib import blake2b

from .document import _FIELD_LINE, FIELD_KEYS, decode

_FRONT = re.compile(rb"\A---[ \t]*\n(.*?)(?:^|\n)(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)
_TOP_KEY = re.compile(r"^([^\s#:'\"-][^:]*?)\s*:(?:[ \t]+(.*))?$")
_H1 = re.compile(rb"^ {0,3}#[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*$", re.M)
_H2 = re.compile(rb"^ {0,3}##(?:[ \t]|$)", re.M)
_STATUS_SECTION = re.compile(
    rb"^ {0,3}##[ \t]+Status[ \t]*#*[ \t]*\n(?:[ \t]*\n)*(.+)$", re.M | re.I
)
_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")
_WHITESPACE = b" \t\n\r\x0b\x0c"
_KEY_SEPARATORS = re.compile(r"[\s-]+")
#: Lines under the title where field lines are read (as the parser does).
HEAD_LINES = 60
#: The fields that always count.
CORE_FIELDS = ("title", "id", "type", "status")


@dataclass(frozen=True)
class FingerprintRules:
    """Which fields count (``significant``) and which field-line keys are metadata at all."""

    significant: frozenset[str] = frozenset(CORE_FIELDS)
    field_keys: frozenset[str] = FIELD_KEYS

    @classmethod
    def for_types(
        cls,
        status_fields: tuple[str, ...],
        number_fields: tuple[str, ...],
        field_lines: frozenset[str],
    ) -> FingerprintRules:
        """Rules for a configuration: its types' status and number fields count too."""
        extra = {meta_key(k) for k in (*status_fields, *number_fields) if k}
        return cls(frozenset(CORE_FIELDS) | extra, FIELD_KEYS | field_lines | extra)


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """What a change must alter to count: ``fields`` (title, ID, status...: key, value as
    written, whitespace collapsed, first value per key, sorted) and ``text`` (a digest)."""

    text: str
    fields: tuple[tuple[str, str], ...]

    def same_as(self, other: Fingerprint) -> bool:
        """Whether the two versions are the same for a reader (field values compared without
        case: ``Draft`` and ``draft`` are one status).

        >>> a = Fingerprint("t", (("status", "Draft"),))
        >>> a.same_as(Fingerprint("t", (("status", "draft"),))), a.same_as(Fingerprint("u", ()))
        (True, False)
        """
        if self.text != other.text:
            return False
        if self.fields == other.fields:
            return True
        mine = {k: v.casefold() for k, v in self.fields}
        theirs = {k: v.casefold() for k, v in other.fields}
        return mine == theirs

    def changes_to(self, newer: Fingerprint) -> tuple[str, ...]:
        """How ``newer`` differs, for a message: ``status Draft -> Accepted``, ``text``.

        >>> old = Fingerprint("a", (("status", "Draft"),))
        >>> old.changes_to(Fingerprint("b", (("status", "Accepted"),)))
        ('status Draft -> Accepted', 'text')
        """
        old, new = dict(self.fields), dict(newer.fields)
        out = []
        for key in sorted(set(old) | set(new), key=_field_order):
            before, after = old.get(key, ""), new.get(key, "")
            if before.casefold() != after.casefold():
                out.append(f"{key} {_short(before) or '(none)'} -> {_short(after) or '(none)'}")
        if self.text != newer.text:
            out.append("text")
        return tuple(out)


def _field_order(key: str) -> tuple[int, str]:
    return (CORE_FIELDS.index(key) if key in CORE_FIELDS else len(CORE_FIELDS), key)


def _short(value: str) -> str:
    return value if len(value) <= 40 else value[:37] + "..."


def meta_key(key: str) -> str:
    """A metadata key as the parser stores it (``Last Updated`` -> ``last_updated``)."""
    return _KEY_SEPARATORS.sub("_", key.strip().lower())


#: ``meta_key`` remembered: every version of every document repeats the same few keys.
_meta_key = functools.lru_cache(maxsize=4096)(meta_key)


def fingerprint(
    data: bytes, rules: FingerprintRules, *, metadata_only: bool = False
) -> Fingerprint:
    """The fingerprint of one version of a document (``metadata_only``: a sidecar metadata file
    such as a KEP's ``kep.yaml``, read whole as front matter). Works on the bytes (the text is
    digested as UTF-8; other encodings with a BOM are converted first): it runs over every
    version of every document the history needs.

    >>> rules = FingerprintRules()
    >>> a = fingerprint(b"---\\nstatus: Draft\\nauthor: A\\n---\\n# T\\n\\nSome  text.\\n", rules)
    >>> b = fingerprint(b"---\\nstatus: Draft\\nauthor: B\\n---\\n# T\\nSome text.\\n\\n", rules)
    >>> a.same_as(b), a.fields
    (True, (('title', 'T'), ('status', 'Draft')))
    """
    if data.startswith(_BOMS):
        data = decode(data)[0].encode("utf-8", "replace")
    if b"\r" in data:
        data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    fields: dict[str, str] = {}
    if metadata_only:
        _front_fields(_text(data), rules, fields)
        return Fingerprint("", _sorted(fields))
    body_start = 0
    front = _FRONT.match(data)
    if front is not None:
        _front_fields(_text(front.group(1)), rules, fields)
        body_start = front.end()
    first_line = data.count(b"\n", 0, body_start) + 1
    h2 = _H2.search(data, body_start)
    h2_line = data.count(b"\n", 0, h2.start()) + 1 if h2 else 0
    limit = min(h2_line - 1 if h2_line else HEAD_LINES, HEAD_LINES)
    head_count = max(limit - first_line + 1, 0)
    lines = data[body_start:].split(b"\n", head_count) if head_count else [data[body_start:]]
    rest = lines.pop() if len(lines) > head_count else b""
    kept: list[bytes] = []
    in_fence = False
    for line in lines:
        stripped = line.strip()
        if stripped.startswith((b"```", b"~~~")):
            in_fence = not in_fence
        elif not in_fence and b":" in line:
            match = _FIELD_LINE.match(_text(line))
            key = _meta_key(match.group(1)) if match else ""
            if key in rules.field_keys:
                if key in rules.significant:
                    fields.setdefault(key, _collapse(match.group(2) if match else ""))
                continue
        kept.append(line)
    body = b"\n".join(kept) + b"\n" + rest
    if "title" not in fields:
        heading = _H1.search(body)
        if heading is not None:
            fields["title"] = _collapse(_text(heading.group(1)))
            body = body[: heading.start()] + body[heading.end() :]
    if "status" not in fields:
        section = _STATUS_SECTION.search(body)
        if section is not None:
            fields["status"] = _collapse(_text(section.group(1)))
            body = body[: section.start(1)] + body[section.end(1) :]
    # Whitespace-only edits never count: every whitespace byte is left out of the digest (as
    # fast as a copy; collapsing runs to one space would cost ten times more).
    digest = blake2b(body.translate(None, _WHITESPACE), digest_size=8)
    return Fingerprint(digest.hexdigest(), _sorted(fields))


def _text(data: bytes) -> str:
    return data.decode("utf-8", "replace")


def _front_fields(front: str, rules: FingerprintRules, fields: dict[str, str]) -> None:
    """Significant top-level keys of YAML front matter, with their continuation lines."""
    key = ""
    for line in front.split("\n"):
        if line[:1] in (" ", "\t") or line.startswith("- "):
            if key:
                fields[key] = _collapse(f"{fields[key]} {line}")
            continue
        match = _TOP_KEY.match(line)
        key = _meta_key(match.group(1)) if match else ""
        if key not in rules.significant or key in fields:
            key = ""
            continue
        fields[key] = _collapse((match.group(2) if match else "") or "")


def _collapse(value: str) -> str:
    return " ".join(value.split()).strip("'\"")


def _sorted(fields: dict[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(fields.items(), key=lambda item: _field_order(item[0])))
