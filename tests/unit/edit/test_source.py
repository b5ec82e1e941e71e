"""Source: decoding for editing and splicing edits into the original bytes."""

from __future__ import annotations

import codecs

import pytest

from tracegraph.edit.changes import ChangeSet, FileChange, create_exclusive, write_changes
from tracegraph.edit.source import Edit, EditError, Source


@pytest.mark.parametrize(
    ("data", "encoding", "bom", "newline"),
    [
        (b"# T\nStatus: a\n", "utf-8", b"", "\n"),
        (codecs.BOM_UTF8 + b"# T\r\nStatus: a\r\n", "utf-8", codecs.BOM_UTF8, "\r\n"),
        ("# T\r\nStatus: a".encode("utf-16"), "utf-16-le", codecs.BOM_UTF16_LE, "\r\n"),
        (b"# T\rStatus: a\r", "utf-8", b"", "\r"),
    ],
)
def test_edits_keep_encoding_bom_and_line_endings(data, encoding, bom, newline):
    src = Source.from_bytes("x.md", data)
    assert (src.encoding, src.bom, src.newline) == (encoding, bom, newline)
    start = src.text.rindex("a")
    new = src.apply([Edit(start, start + 1, "b\nc")])
    assert new.startswith(bom)
    assert new.decode(encoding if not bom or encoding != "utf-8" else "utf-8-sig").replace(
        "\ufeff", ""
    ) == src.text.replace(": a", f": b{newline}c")


def test_bytes_outside_the_edit_are_the_original_ones():
    data = "# Tïtle\n\nStatus: a\n\nÜnicode — end".encode()
    src = Source.from_bytes("x.md", data)
    start = src.text.index("Status: a") + len("Status: ")
    new = src.apply([Edit(start, start + 1, "accepted")])
    cut = data.index(b"a\n\n\xc3\x9c")
    assert new[:cut] == data[:cut] and new[cut + len("accepted") :] == data[cut + 1 :]
    assert new.endswith(b"end")  # no newline added at the end


def test_an_edit_in_code_is_refused():
    src = Source.from_bytes("x.md", b"# T\n\n```\nStatus: a\n```\n\nand `Status: b` here\n")
    for needle in ("a\n```", "b` here"):
        at = src.text.index(needle)
        with pytest.raises(EditError, match="inside code"):
            src.apply([Edit(at, at + 1, "x")])


def test_overlapping_edits_and_undecodable_files_are_refused():
    src = Source.from_bytes("x.md", b"abcdef")
    with pytest.raises(EditError, match="overlap"):
        src.apply([Edit(0, 3, "x"), Edit(2, 4, "y")])
    with pytest.raises(EditError, match="not valid UTF-8"):
        Source.from_bytes("x.md", b"caf\xe9")


def test_lines_and_offsets_count_cr_lf_and_crlf():
    src = Source.from_bytes("x.md", "a\r\nbé\rc\nd".encode())
    assert [src.offset(line) for line in (1, 2, 3, 4)] == [0, 3, 6, 8]
    assert src.line_span(2) == (3, 5) and src.line_of(7) == 3
    assert src.utf8_offset(5) == 6 and src.char_offset(6) == 5


def test_write_refuses_a_file_changed_since_it_was_read(tmp_path):
    (tmp_path / "a.md").write_bytes(b"old\n")
    (tmp_path / "b.md").write_bytes(b"b\n")
    changes = (
        FileChange("a.md", b"old\n", b"new\n"),
        FileChange("b.md", b"read earlier\n", b"b2\n"),
    )
    with pytest.raises(EditError, match=r"b\.md: changed since tracegraph read it"):
        write_changes(tmp_path, changes)
    assert (tmp_path / "a.md").read_bytes() == b"old\n"  # nothing at all was written


def test_write_creates_new_files_only_if_absent_and_keeps_symlinked_aliases(tmp_path):
    (tmp_path / "real.md").write_bytes(b"x\n")
    (tmp_path / "alias.md").symlink_to("real.md")
    write_changes(tmp_path, (FileChange("alias.md", b"x\n", b"y\n"),))
    assert (tmp_path / "alias.md").is_symlink() and (tmp_path / "real.md").read_bytes() == b"y\n"
    create_exclusive(tmp_path / "new" / "n.md", b"n\n")
    with pytest.raises(EditError, match="already exists"):
        create_exclusive(tmp_path / "new" / "n.md", b"other\n")
    assert (tmp_path / "new" / "n.md").read_bytes() == b"n\n"
    assert [p.name for p in (tmp_path / "new").iterdir()] == ["n.md"]  # no temporary left


def test_a_failed_write_puts_back_what_was_written(tmp_path, monkeypatch):
    from tracegraph.edit import changes as module

    (tmp_path / "a.md").write_bytes(b"a\n")

    def boom(target, data):
        raise module.OutputError("disk full")

    monkeypatch.setattr(module, "create_exclusive", boom)
    plan = (FileChange("a.md", b"a\n", b"A\n"), FileChange("z.md", None, b"z\n"))
    with pytest.raises(module.OutputError):
        write_changes(tmp_path, plan)
    assert (tmp_path / "a.md").read_bytes() == b"a\n" and not (tmp_path / "z.md").exists()


def test_the_diff_is_unified_and_marks_a_missing_final_newline(tmp_path):
    diff = ChangeSet(
        tmp_path, (FileChange("a.md", b"x\ny", b"x\nz"), FileChange("n.md", None, b"new\n"))
    ).diff()
    assert diff == (
        "--- a/a.md\n+++ b/a.md\n@@ -1,2 +1,2 @@\n x\n-y\n\\ No newline at end of file\n"
        "+z\n\\ No newline at end of file\n--- /dev/null\n+++ b/n.md\n@@ -0,0 +1 @@\n+new\n"
    )
