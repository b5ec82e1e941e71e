"""Every bad file of the hostile corpus becomes a Document problem; nothing raises or hangs."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fixtures.hostile.make_hostile import HostileCorpus
from tracegraph import api, crawl
from tracegraph.config import Config, Limits, load_config
from tracegraph.crawl import read_document
from tracegraph.graph import Corpus
from tracegraph.model import Target
from tracegraph.parse import Recogniser, parse_document


@pytest.fixture(scope="session")
def scanned(hostile: HostileCorpus) -> Corpus:
    return api.scan(hostile.root)


def test_every_bad_file_is_a_problem_that_says_why(hostile: HostileCorpus, scanned: Corpus) -> None:
    for path, phrase in sorted(hostile.problems.items()):
        doc = scanned.by_path[path]
        assert doc.problems, f"{path}: no problem reported"
        messages = " | ".join(p.message.lower() for p in doc.problems)
        assert phrase in messages, f"{path}: {messages!r} does not mention {phrase!r}"


def test_odd_but_valid_encodings_parse_cleanly(hostile: HostileCorpus, scanned: Corpus) -> None:
    for path in hostile.clean:
        assert scanned.by_path[path].problems == (), path
    assert scanned.by_path["utf16-bom.md"].title == "UTF-16 title"
    assert scanned.by_path["utf8-bom.md"].id == "ADR-0080"
    assert scanned.by_path["crlf.md"].id == "ADR-0081"
    assert scanned.by_path["cr-only.md"].id == "ADR-0082"


def test_limits_name_the_limit(hostile: HostileCorpus, scanned: Corpus) -> None:
    big = scanned.by_path["huge-single-line.md"].problems[0].message
    assert "limits.max_file_bytes=" in big
    fm = scanned.by_path["huge-front-matter.md"].problems[0].message
    assert "limits.max_front_matter_bytes=" in fm
    bomb = scanned.by_path["fm-alias-bomb.md"].problems[0].message
    assert "limits.max_yaml_aliases=" in bomb


def test_python_tags_are_never_constructed(scanned: Corpus) -> None:
    doc = scanned.by_path["fm-python-tag.md"]
    assert "constructor" in doc.problems[0].message
    assert not Path("/tmp/tracegraph-pwned").exists()
    # the failed YAML block does not leak into the metadata as field lines
    assert doc.status is None and doc.meta("title") is None


def test_escapes_never_resolve_inside(scanned: Corpus) -> None:
    outside = [link for link in scanned.links if link.source == "escapes.md"]
    statuses = {link.reference.target: link.status for link in outside}
    assert all(s in (Target.OUTSIDE, Target.MISSING) for s in statuses.values()), statuses
    links = {
        link.reference.target: link.status for link in scanned.links if link.source == "links.md"
    }
    assert links["../../../../etc/passwd"] is Target.OUTSIDE
    assert links["file:///etc/passwd"] is Target.OUTSIDE
    assert links["..%2f..%2f..%2f..%2fetc%2fpasswd"] is Target.OUTSIDE
    assert links["/etc/passwd"] is Target.MISSING  # root-relative: <root>/etc/passwd
    assert links["javascript:alert(1)"] is Target.EXTERNAL
    assert links["secret%00.md"] is Target.MISSING


def test_symlinks_out_of_the_root_are_not_read(hostile: HostileCorpus, scanned: Corpus) -> None:
    for path in ("symlinks/outside-file.md", "symlinks/outside-file-rel.md", "symlinks/to-etc.md"):
        doc = scanned.by_path[path]
        assert "outside the repository root" in doc.problems[0].message
        assert doc.title != "SENTINEL outside the root"
    for path in ("symlinks/loop-a.md", "symlinks/self.md", "symlinks/dangling.md", "fifo.md"):
        assert scanned.by_path[path].problems, path
    # A link to a file inside the root is another name for that document, not a second one.
    assert "symlinks/inside.md" not in scanned.by_path
    assert scanned.aliases["symlinks/inside.md"] == "links.md"
    assert scanned.by_path["links.md"].problems == ()
    assert not any("SENTINEL" in d.title for d in scanned.documents)


def test_big_inputs_are_parsed_whole(scanned: Corpus) -> None:
    many = scanned.by_path["many-links.md"]
    assert len(many.references) == 100_004
    heading = scanned.by_path["long-heading.md"]
    assert len(heading.headings[0].text) == 100_000
    assert scanned.by_path["deep-quote.md"].references
    assert scanned.by_path["deep-list.md"].references


def test_unreadable_file_when_not_root(hostile: HostileCorpus) -> None:
    if os.geteuid() == 0:
        pytest.skip("root reads files without read permission (see the monkeypatched test)")
    data = read_document(hostile.root, "unreadable.md", 1000)
    assert data.data is None and "Permission denied" in (data.error or "")


def test_permission_denied_becomes_a_problem(
    hostile: HostileCorpus, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_open = os.open

    def deny(path: str | bytes | os.PathLike[str], flags: int, *args: int) -> int:
        if os.fspath(path).endswith("unreadable.md"):
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(path))
        return real_open(path, flags, *args)

    monkeypatch.setattr(crawl.os, "open", deny)
    config = load_config(hostile.root)
    docs = api.parse_files(hostile.root, ("unreadable.md", "links.md"), config)
    assert docs[0].problems[0].message == "cannot read file: Permission denied"
    assert docs[1].problems == ()


def test_file_deleted_between_crawl_and_read(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "a.md").write_text("# A\n\n[b](b.md)\n")
    (root / "b.md").write_text("# B\n")
    config = Config(types=load_config(root).types)
    index = crawl.crawl(root, config)
    (root / "b.md").unlink()
    docs = api.parse_files(root, index.documents, config)
    assert [d.path for d in docs] == ["a.md", "b.md"]
    assert docs[1].problems[0].message == "cannot read file: No such file or directory"


def test_file_grown_over_the_limit_after_stat_is_still_capped(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_bytes(b"x" * 100)
    data = read_document(tmp_path, "a.md", 99)
    assert data.data is None and "limits.max_file_bytes=99" in (data.error or "")
    assert read_document(tmp_path, "a.md", 100).data == b"x" * 100


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("nested-quote", "> " * 10_000 + "x"),
        ("nested-list", "- " * 10_000 + "x"),
        ("nested-ordered", "1. " * 5_000 + "x"),
        ("nested-brackets", "[" * 20_000 + "x" + "](y)" * 20_000),
        ("nested-emphasis", "*_" * 20_000 + "x" + "_*" * 20_000),
        ("nested-html", "<div>" * 10_000 + "[l](a.md)" + "</div>" * 10_000),
        ("nested-yaml", "---\na: " + "[" * 5_000 + "]" * 5_000 + "\n---\n# T\n"),
        ("nested-yaml-map", "---\n" + "".join(" " * i + f"k{i}:\n" for i in range(2000)) + "---\n"),
    ],
)
def test_deep_nesting_does_not_blow_the_stack(name: str, text: str) -> None:
    config = Config(types=load_config(Path("/nonexistent-root")).types)
    doc = parse_document(f"{name}.md", text.encode(), Recogniser.from_config(config), Limits())
    assert doc.line_count >= 1
    if name.startswith("nested-yaml"):
        assert doc.problems, "deep YAML is reported, not a RecursionError"


def test_deep_flow_yaml_does_not_kill_the_process() -> None:
    """libyaml recurses in C; 100,000 nested brackets overflowed its stack (a segfault)."""
    code = (
        "from tracegraph.parse.frontmatter import FrontMatterError, load_front_matter\n"
        "text = 'a: ' + '[' * 100_000 + ']' * 100_000\n"
        "try:\n"
        "    load_front_matter(text, 100)\n"
        "except FrontMatterError as exc:\n"
        "    print('problem:', exc)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.startswith("problem: invalid YAML front matter")
