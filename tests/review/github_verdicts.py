"""GitHub's own verdict on every link of a repository's Markdown, independent of tracegraph.

The ground truth behind ``tests/data/rust-rfcs-findings.tsv``: cmark-gfm (GitHub's renderer,
``pip install cmarkgfm``) finds the links, images and headings; anchors are GitHub's slugs
(lower-case; letters, marks, digits, connector punctuation, spaces and hyphens kept; each space a
hyphen; repeats numbered ``-1``, ``-2``) plus raw-HTML ``id``/``name`` attributes; targets are
resolved as a browser resolves them from the file's blob URL, and a URL into the repository
(``--repository``) as the path it names (commit-SHA permalinks are not checked). Fragments match
case-insensitively, as GitHub's page script does. Nothing here imports tracegraph.

    python tests/review/github_verdicts.py ../shared/corpora/rust-rfcs \\
        --repository https://github.com/rust-lang/rfcs [--compare findings.json]

Prints one JSON line per broken link or anchor; with ``--compare`` (the output of
``tracegraph check --format json --select TG101,TG102``), the findings that agree, the ones only
tracegraph reports and the ones only GitHub shows, matched by file, code, target and line.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import posixpath
import re
import sys
import unicodedata
from html.parser import HTMLParser
from typing import Any
from urllib.parse import unquote, urlsplit

import cmarkgfm  # type: ignore[import-untyped]
from cmarkgfm.cmark import Options  # type: ignore[import-untyped]

SAFE = Options.CMARK_OPT_SOURCEPOS | Options.CMARK_OPT_FOOTNOTES
UNSAFE = SAFE | Options.CMARK_OPT_UNSAFE
SHA = re.compile(r"^[0-9a-fA-F]{7,40}$")
CODES = {"missing": "TG101", "bad-anchor": "TG102"}


def github_slug(text: str) -> str:
    """GitHub's anchor for a heading's text, before numbering repeats."""
    kept = (
        ch
        for ch in text.lower()
        if unicodedata.category(ch)[0] in "LM"
        or unicodedata.category(ch) in ("Nd", "Pc")
        or ch in "- "
    )
    return "".join(kept).replace(" ", "-")


class Page(HTMLParser):
    """The links (with the source lines of the block they stand in), headings and explicit
    anchors of one rendered page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, int, int]] = []
        self.headings: list[str] = []
        self.anchors: set[str] = set()
        self._blocks: list[tuple[str, int, int]] = []
        self._heading: list[str] | None = None
        self._heading_tag = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        position = re.match(r"(\d+):\d+-(\d+):\d+", values.get("data-sourcepos", ""))
        if position:
            self._blocks.append((tag, int(position.group(1)), int(position.group(2))))
        self.anchors.update(values[k] for k in ("id", "name") if values.get(k))
        first, last = self._blocks[-1][1:] if self._blocks else (0, 0)
        if tag == "a" and "href" in values:
            self.links.append((values["href"], first, last))
        elif tag == "img" and "src" in values:
            self.links.append((values["src"], first, last))
        if re.fullmatch(r"h[1-6]", tag) and position:
            self._heading, self._heading_tag = [], tag

    def handle_endtag(self, tag: str) -> None:
        if self._heading is not None and tag == self._heading_tag:
            self.headings.append("".join(self._heading))
            self._heading = None
        if self._blocks and self._blocks[-1][0] == tag:
            self._blocks.pop()

    def handle_data(self, data: str) -> None:
        if self._heading is not None:
            self._heading.append(data)


def render(text: str, options: int) -> Page:
    page = Page()
    page.feed(cmarkgfm.github_flavored_markdown_to_html(text, options))
    page.close()
    return page


def listing(root: str) -> tuple[set[str], set[str]]:
    files: set[str] = set()
    dirs: set[str] = {""}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d != ".git"]
        rel = os.path.relpath(dirpath, root)
        rel = "" if rel == "." else rel.replace(os.sep, "/")
        dirs.update(f"{rel}/{d}" if rel else d for d in dirnames)
        files.update(f"{rel}/{f}" if rel else f for f in filenames)
    return files, dirs


def anchors_of(page: Page, raw: Page) -> set[str]:
    seen: dict[str, int] = {}
    found: set[str] = set()
    for heading in page.headings:
        base = github_slug(heading)
        if base in seen:
            seen[base] += 1
            found.add(f"{base}-{seen[base]}")
        else:
            seen[base] = 0
            found.add(base)
    return found | {a.removeprefix("user-content-") for a in raw.anchors}


def verdict(
    doc: str,
    href: str,
    repository: str,
    files: set[str],
    dirs: set[str],
    anchors: dict[str, set[str]],
) -> str | None:
    """``ok``, ``missing``, ``bad-anchor``, ``outside`` or ``permalink``; None for links to
    other sites."""
    parts = urlsplit(href)
    if parts.scheme or href.startswith("//"):
        host = parts.netloc.lower().removeprefix("www.")
        segments = parts.path.split("/")
        own = f"{host}/{'/'.join(segments[1:3]).lower()}"
        if parts.scheme not in ("http", "https") or own != repository or len(segments) < 5:
            return None
        if segments[3] not in ("blob", "tree", "raw", "blame"):
            return None
        if SHA.match(segments[4]):
            return "permalink"
        target = posixpath.normpath(unquote("/".join(segments[5:])) or ".")
    else:
        path = unquote(parts.path)
        if not path:
            target = doc
        elif path.startswith("/"):
            target = posixpath.normpath(path.lstrip("/") or ".")
        else:
            target = posixpath.normpath(posixpath.join(posixpath.dirname(doc), path))
    target = "" if target == "." else target
    if target == ".." or target.startswith("../"):
        return "outside"
    if target not in files and target not in dirs:
        return "missing"
    fragment = unquote(parts.fragment)
    if fragment and target in anchors and not fragment.startswith(("fn-", "fnref-")):
        names = {a.lower() for a in anchors[target]}
        if fragment.removeprefix("user-content-").lower() not in names:
            return "bad-anchor"
    return "ok"


def broken_links(root: str, repository: str) -> list[dict[str, Any]]:
    files, dirs = listing(root)
    pages: dict[str, tuple[Page, Page]] = {}
    for doc in sorted(f for f in files if f.endswith((".md", ".markdown"))):
        with open(os.path.join(root, doc), encoding="utf-8", errors="replace") as handle:
            text = handle.read()
        pages[doc] = (render(text, SAFE), render(text, UNSAFE))
    anchors = {doc: anchors_of(page, raw) for doc, (page, raw) in pages.items()}
    out: list[dict[str, Any]] = []
    for doc, (page, raw) in pages.items():
        markdown_links = set(page.links)
        for href, first, last in raw.links:
            target = html.unescape(href)
            found = verdict(doc, target, repository, files, dirs, anchors)
            if found in CODES:
                out.append(
                    {
                        "path": doc,
                        "code": CODES[found],
                        "target": target,
                        "lines": [first, last],
                        "raw_html": (href, first, last) not in markdown_links,
                    }
                )
    return out


def compare(truth: list[dict[str, Any]], findings: list[dict[str, Any]]) -> dict[str, list[Any]]:
    """Match tracegraph's findings to GitHub's broken links (same file, code and target, the
    finding's line inside the block GitHub reports)."""
    left = list(truth)
    agree, only_tracegraph = [], []
    for finding in findings:
        for item in left:
            if (
                item["path"] == finding["path"]
                and item["code"] == finding["code"]
                and unquote(item["target"]) == unquote(finding.get("target") or "")
                and item["lines"][0] <= finding["line"] <= item["lines"][1]
            ):
                left.remove(item)
                agree.append(finding)
                break
        else:
            only_tracegraph.append(finding)
    return {"agree": agree, "only_tracegraph": only_tracegraph, "only_github": left}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("root")
    parser.add_argument("--repository", default="", help="https://github.com/OWNER/REPO")
    parser.add_argument("--compare", help="tracegraph check --format json output")
    args = parser.parse_args()
    repository = re.sub(r"^https?://(www\.)?", "", args.repository.rstrip("/")).lower()
    truth = broken_links(args.root, repository)
    if not args.compare:
        for item in truth:
            print(json.dumps(item, ensure_ascii=False))
        return 0
    with open(args.compare, encoding="utf-8") as handle:
        found = [f for f in json.load(handle)["findings"] if f["code"] in CODES.values()]
    result = compare(truth, found)
    print({name: len(items) for name, items in result.items()})
    for name in ("only_tracegraph", "only_github"):
        for item in result[name]:
            print(name, json.dumps(item, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
