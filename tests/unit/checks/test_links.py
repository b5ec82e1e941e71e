"""TG101-TG104: references that do not arrive."""

from __future__ import annotations

from tests.unit.checks.conftest import where

ADR = "# ADR-0001: Use Postgres\n\n## Status\n\nAccepted\n"


def test_broken_link_is_reported_at_its_line_and_column(findings):
    found = findings({"a.md": "# A\n\nSee [the plan](plan.md) now.\n"}, "TG101")
    assert where(found) == [("a.md", 3, 5, "TG101")]
    assert "plan.md does not exist" in found[0].message
    assert found[0].severity.value == "error" and found[0].rule == "broken-link"


def test_links_in_code_blocks_and_spans_and_existing_files_are_fine(findings):
    text = """\
        # A

        ```md
        [broken](nowhere.md)
        ```

        Inline `[broken](nowhere.md)` code, [ok](b.md), [web](https://example.com/x.md).
        """
    assert findings({"a.md": text, "b.md": "# B\n"}, "TG101") == []


def test_broken_link_suggests_the_file_it_likely_meant(findings):
    files = {
        "docs/a.md": "# A\n\n[moved](old/plan.md) [no suffix](b) [typo](readme-guide.md)\n",
        "docs/b.md": "# B\n",
        "docs/readme-guides.md": "# Guides\n",
        "elsewhere/plan.md": "# Plan\n",
    }
    hints = [f.message.partition("did you mean ")[2] for f in findings(files, "TG101")]
    assert hints == ["../elsewhere/plan.md?", "b.md?", "readme-guides.md?"]
    lone = findings({"a.md": "# A\n\n[x](nothing-like-it.md)\n"}, "TG101")
    assert "did you mean" not in lone[0].message


def test_broken_image_says_image(findings):
    found = findings({"a.md": "# A\n\n![diagram](img/missing.png)\n"}, "TG101")
    assert where(found) == [("a.md", 3, 1, "TG101")]
    assert found[0].message.startswith("broken image")


def test_broken_anchor_suggests_the_closest_heading(findings):
    files = {
        "a.md": "# A\n\nSee [retries](b.md#retry-polcy).\n",
        "b.md": "# B\n\n## Retry Policy\n\ntext\n",
    }
    found = findings(files, "TG102")
    assert where(found) == [("a.md", 3, 5, "TG102")]
    assert "did you mean #retry-policy?" in found[0].message


def test_second_heading_of_the_same_name_is_notes_1(findings):
    files = {
        "a.md": "# A\n\n[first](b.md#notes) [second](b.md#notes-1) [third](b.md#notes-2)\n",
        "b.md": "# B\n\n## Notes\n\nx\n\n## Notes\n\ny\n",
    }
    found = findings(files, "TG102")
    assert [f.message.split(":")[1].split()[0] for f in found] == ["#notes-2"]


def test_anchor_matching_decodes_ignores_case_and_knows_explicit_anchors(findings):
    files = {
        "a.md": (
            "# A\n\n[a](b.md#Caf%C3%A9-Au-Lait) [b](b.md#custom) [c](#local-part) "
            "[d](b.md#user-content-custom) [e](src/x.py#L10-L20) [f](b.md#)\n\n## Local part\n"
        ),
        "b.md": '# B\n\n## Café au lait\n\n<a name="custom"></a>\n',
        "src/x.py": "print(1)\n",
    }
    assert findings(files, "TG102") == []


def test_strict_anchor_case_rejects_a_case_only_match(findings):
    files = {
        "tracegraph.yaml": "rules:\n  strict_anchor_case: true\n",
        "a.md": "# A\n\n[a](b.md#Real)\n",
        "b.md": "# B\n\n## Real\n",
    }
    found = findings(files, "TG102")
    assert where(found) == [("a.md", 3, 1, "TG102")]
    assert "did you mean #real?" in found[0].message


def test_unknown_id_in_prose_wikilink_and_front_matter(findings):
    files = {
        "tracegraph.yaml": "wikilinks: true\n",
        "adr/0001-x.md": ADR,
        "a.md": "---\ndepends_on: RFC-0099\n---\n# A\n\nAs ADR-0042 says, and [[ADR-0043]].\n",
    }
    found = findings(files, "TG103")
    assert where(found) == [
        ("a.md", 2, 13, "TG103"),
        ("a.md", 6, 4, "TG103"),
        ("a.md", 6, 23, "TG103"),
    ]
    assert "front-matter field 'depends_on' names RFC-0099" in found[0].message
    assert "mention names ADR-0042" in found[1].message
    assert "wikilink names ADR-0043" in found[2].message


def test_ietf_rfc_own_id_and_known_ids_are_not_unknown(findings):
    files = {
        "adr/0001-x.md": ADR + "\nThis ADR-0001 follows RFC 7231 and HTTP semantics.\n",
        "a.md": "# A\n\nADR-1 and adr-0001 and [[ADR-0001]] exist.\n",
    }
    assert findings(files, "TG103") == []


def test_link_outside_root(findings):
    found = findings(
        {
            "docs/a.md": "# A\n\n[x](../../secret.md) [y](file:///etc/passwd) [ok](../b.md)\n",
            "b.md": "# B\n",
        },
        "TG104",
    )
    assert where(found) == [("docs/a.md", 3, 1, "TG104"), ("docs/a.md", 3, 22, "TG104")]
    assert findings({"a.md": "# A\n\n[ok](./b.md)\n", "b.md": "# B\n"}, "TG104") == []
