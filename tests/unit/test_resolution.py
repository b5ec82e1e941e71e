"""Resolution classes from real repositories: symbolic-link aliases, links to the repository's
own web address, and citations of documents outside the repository."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.gitrepo import git, init_repo
from tests.helpers import statuses
from tracegraph import api
from tracegraph.checks import run_checks
from tracegraph.cli import cli
from tracegraph.model import Finding, Target

Tree = Callable[[Mapping[str, str | bytes]], Path]


def codes(found: list[Finding]) -> list[tuple[str, int, str]]:
    return [(f.path, f.line, f.code) for f in found]


# --- symbolic links inside the root are aliases -------------------------------------------------

ADR_TREE = {
    "README.md": (
        "# Decisions\n\n[current](docs/current.md) [go](examples/go/index.md) [all](examples)\n"
        "[latest](docs/latest.md)\n"
    ),
    "docs/adr/0002-use-rust.md": "# 2. Use Rust\n\n## Context\n\nc\n\n## Decision\n\nd\n",
    "docs/adr/0001-use-go.md": (
        "# 1. Use Go\n\n## Status\n\nAccepted\n\n## Context\n\nc\n\n## Decision\n\n"
        "d [style](../style.md) [gone](../gone.md)\n\n## Consequences\n\nx\n"
    ),
    "docs/style.md": "# Style\n",
    "locales/en/examples/go/index.md": "# Go\n\n[up](../README.md) [nope](../nope.md)\n",
    "locales/en/examples/README.md": "# Examples\n",
}  # fmt: skip


def make_aliases(root: Path) -> Path:
    os.symlink("adr/0001-use-go.md", root / "docs" / "current.md")
    os.symlink("adr/0002-use-rust.md", root / "docs" / "latest.md")
    os.symlink("locales/en/examples", root / "examples")
    return root


@pytest.mark.parametrize("in_git", [False, True], ids=["walk", "git"])
def test_symlinks_inside_the_root_are_aliases_of_one_document(tree: Tree, in_git: bool) -> None:
    root = make_aliases(tree(ADR_TREE))
    if in_git:
        init_repo(root)
    corpus = api.scan(root)
    assert sorted(corpus.by_path) == [
        "README.md",
        "docs/adr/0001-use-go.md",
        "docs/adr/0002-use-rust.md",
        "docs/style.md",
        "locales/en/examples/README.md",
        "locales/en/examples/go/index.md",
    ]
    assert dict(corpus.aliases) == {
        "docs/current.md": "docs/adr/0001-use-go.md",
        "docs/latest.md": "docs/adr/0002-use-rust.md",
        "examples": "locales/en/examples",
    }
    assert statuses(corpus, "README.md") == {
        "docs/current.md": (Target.DOCUMENT, "docs/adr/0001-use-go.md"),
        "examples/go/index.md": (Target.DOCUMENT, "locales/en/examples/go/index.md"),
        "examples": (Target.DOCUMENT, "locales/en/examples/README.md"),
        "docs/latest.md": (Target.DOCUMENT, "docs/adr/0002-use-rust.md"),
    }
    # The real file's links resolve from its own folder, not the alias's.
    assert statuses(corpus, "docs/adr/0001-use-go.md")["../style.md"] == (
        Target.DOCUMENT,
        "docs/style.md",
    )
    found = run_checks(corpus, select=["TG101", "TG201"])
    assert codes(found) == [
        ("docs/adr/0001-use-go.md", 13, "TG101"),  # once, on the real file; no orphan either
        ("locales/en/examples/go/index.md", 3, "TG101"),
    ]
    assert corpus.find("docs/current.md").path == "docs/adr/0001-use-go.md"


def test_a_broken_link_through_a_symlinked_folder_names_the_real_path(tree: Tree) -> None:
    root = make_aliases(tree({**ADR_TREE, "index.md": "# I\n\n[x](examples/go/gone.md)\n"}))
    found = [f for f in run_checks(api.scan(root), select=["TG101"]) if f.path == "index.md"]
    assert [f.message.partition(";")[0] for f in found] == [
        "broken link: examples/go/gone.md does not exist "
        "(resolved to locales/en/examples/go/gone.md)"
    ]


def test_a_folder_link_to_its_own_ancestor_does_not_loop(tree: Tree) -> None:
    root = tree({"README.md": "# Top\n", "docs/a.md": "# A\n\n[top](loop/docs/loop/README.md)\n"})
    os.symlink("..", root / "docs" / "loop")
    corpus = api.scan(root)
    assert corpus.aliases == {"docs/loop": ""}
    assert statuses(corpus, "docs/a.md") == {
        "loop/docs/loop/README.md": (Target.DOCUMENT, "README.md")
    }


def test_symlinks_that_are_no_aliases_stay_as_they_were(tree: Tree, tmp_path: Path) -> None:
    outside = tmp_path / "outside.md"
    outside.write_text("# Outside\n")
    root = tree({"a.md": "# A\n", "build/generated.md": "# Generated\n"})
    os.symlink(outside, root / "out.md")  # out of the root: listed, never read
    os.symlink("missing.md", root / "dangling.md")
    os.symlink("build/generated.md", root / "gen.md")  # a target the crawl skips
    corpus = api.scan(root)
    assert corpus.aliases == {}
    assert "outside the repository root" in corpus.by_path["out.md"].problems[0].message
    assert corpus.by_path["dangling.md"].problems
    assert corpus.by_path["gen.md"].title == "Generated"  # the only copy that is listed


# --- links to the repository's own web address --------------------------------------------------

URL = "https://github.com/acme/design/blob/main"
TREE = "https://github.com/acme/design/tree/main"
PINNED = "https://github.com/acme/design/blob/0123abcd"
SELF_TREE = {
    "docs/rfc/0001-a.md": (
        "# RFC-1: A\n\n"
        f"[b]({URL}/docs/rfc/0002-b.md) [b-sec]({URL}/docs/rfc/0002-b.md#scope)\n"
        f"[bad-sec]({URL}/docs/rfc/0002-b.md#nope) [gone]({URL}/docs/rfc/0003-gone.md)\n"
        f"[folder]({TREE}/docs/rfc) [code]({URL}/src/app.py#L3)\n"
        "[pr](https://github.com/acme/design/pull/7) [issue](https://github.com/acme/design/issues/8)\n"
        "[home](https://github.com/acme/design) [other](https://github.com/acme/other/blob/main/x.md)\n"
        f"[pinned]({PINNED}/docs/rfc/0000-draft.md#old)\n"
        f"[pinned-b]({PINNED}/docs/rfc/0002-b.md#old-heading)\n"
    ),
    "docs/rfc/0002-b.md": "# RFC-2: B\n\n## Scope\n",
    "docs/rfc/README.md": "# RFCs\n",
    "src/app.py": "print()\n",
}  # fmt: skip


def test_urls_into_the_configured_repository_are_internal_links(tree: Tree) -> None:
    root = tree({**SELF_TREE, "tracegraph.yaml": "repository: https://github.com/acme/design\n"})
    corpus = api.scan(root)
    got = statuses(corpus, "docs/rfc/0001-a.md")
    assert got == {
        f"{URL}/docs/rfc/0002-b.md": (Target.DOCUMENT, "docs/rfc/0002-b.md"),
        f"{URL}/docs/rfc/0002-b.md#scope": (Target.DOCUMENT, "docs/rfc/0002-b.md"),
        f"{URL}/docs/rfc/0002-b.md#nope": (Target.DOCUMENT, "docs/rfc/0002-b.md"),
        f"{URL}/docs/rfc/0003-gone.md": (Target.MISSING, "docs/rfc/0003-gone.md"),
        f"{TREE}/docs/rfc": (Target.DOCUMENT, "docs/rfc/README.md"),
        f"{URL}/src/app.py#L3": (Target.ARTIFACT, "src/app.py"),
        "https://github.com/acme/design/pull/7": (Target.EXTERNAL, None),
        "https://github.com/acme/design/issues/8": (Target.EXTERNAL, None),
        "https://github.com/acme/design": (Target.EXTERNAL, None),
        "https://github.com/acme/other/blob/main/x.md": (Target.EXTERNAL, None),
        # Permalinks show the file as it was: never reported, an edge when it still exists.
        f"{PINNED}/docs/rfc/0000-draft.md#old": (Target.EXTERNAL, None),
        f"{PINNED}/docs/rfc/0002-b.md#old-heading": (Target.DOCUMENT, "docs/rfc/0002-b.md"),
    }  # fmt: skip
    assert corpus.graph.has_edge("docs/rfc/0001-a.md", "docs/rfc/0002-b.md")
    found = run_checks(corpus, select=["TG1"])
    assert [(f.line, f.code) for f in found] == [(4, "TG102"), (4, "TG101")]
    assert found[0].message == (
        "broken anchor: #nope is not a heading or anchor in RFC-0002; did you mean #scope?"
    )
    assert found[1].message.startswith(
        f"broken link: {URL}/docs/rfc/0003-gone.md does not exist "
        "(resolved to docs/rfc/0003-gone.md)"
    )


def test_without_an_address_urls_stay_external(tree: Tree) -> None:
    # Two linked paths exist: too few for the links alone to name the repository.
    files = {**SELF_TREE, "src/app.py": None}
    corpus = api.scan(tree({k: v for k, v in files.items() if v is not None}))
    assert corpus.addresses == ()
    assert run_checks(corpus, select=["TG1"]) == []
    off = api.scan(tree({**SELF_TREE, "tracegraph.yaml": "repository: false\n"}))
    assert off.addresses == ()
    assert run_checks(off, select=["TG1"]) == []


def test_the_origin_remote_of_a_scanned_subfolder(tree: Tree) -> None:
    root = init_repo(tree(SELF_TREE))
    git(root, "remote", "add", "origin", "git@github.com:acme/design.git")
    corpus = api.scan(root / "docs")
    found = [(a.url, a.prefix) for a in corpus.addresses]
    assert found == [("https://github.com/acme/design", "docs")]
    got = statuses(corpus, "rfc/0001-a.md")
    assert got[f"{URL}/docs/rfc/0002-b.md"] == (Target.DOCUMENT, "rfc/0002-b.md")
    assert got[f"{URL}/docs/rfc/0003-gone.md"] == (Target.MISSING, "rfc/0003-gone.md")
    # In the repository but outside the scanned folder: outside, not broken.
    assert got[f"{URL}/src/app.py#L3"] == (Target.OUTSIDE, "src/app.py")
    found = run_checks(corpus, select=["TG1"])
    assert [(f.line, f.code) for f in found] == [(4, "TG102"), (4, "TG101"), (5, "TG104")]
    out = CliRunner().invoke(cli, ["scan", str(root / "docs"), "--no-cache"])
    assert (
        "links into https://github.com/acme/design are internal (from git remote origin; "
        "6 links: 2 of the 3 paths they name exist here; scanned folder docs/)"
    ) in out.output


def test_a_remote_change_is_not_served_from_the_result_cache(tree: Tree) -> None:
    root = init_repo(tree({k: v for k, v in SELF_TREE.items() if k != "src/app.py"}))
    old = 1_600_000_000
    for path in root.rglob("*"):
        os.utime(path, (old, old), follow_symlinks=False)
    first = api.check_tree(root, cache=True)
    assert not [f for f in first.findings if f.code == "TG101"]
    git(root, "remote", "add", "origin", "https://github.com/acme/design.git")
    second = api.check_tree(root, cache=True)
    assert not second.cached
    found = [f.code for f in second.findings if f.code in ("TG101", "TG102")]
    assert found == ["TG102", "TG101", "TG101"]  # src/app.py is not there either


# --- citations: IDs of documents outside the repository -----------------------------------------

CITING = {
    "adr/0001-use-tls.md": (
        "# 1. Use TLS\n\n## Context\n\n"
        "Keys follow RFC-2119 and RFC-4648; see ADR-0002 and ADR-0099.\n\n## Decision\n\nd\n"
    ),
    "adr/0002-keys.md": (
        "---\ndepends_on: [PRD-0003]\n---\n# 2. Keys\n\n## Context\n\nc\n\n## Decision\n\nd\n"
    ),
}  # fmt: skip


def test_a_mention_of_a_type_without_documents_is_a_citation(tree: Tree) -> None:
    corpus = api.scan(tree(CITING))
    got = statuses(corpus, "adr/0001-use-tls.md")
    assert got["RFC-2119"] == (Target.CITATION, None)
    assert got["RFC-4648"] == (Target.CITATION, None)
    assert got["ADR-0099"] == (Target.UNKNOWN_ID, None)  # ADRs live here: a dangling ID
    # A declared relation is no citation, whatever the type.
    assert statuses(corpus, "adr/0002-keys.md")["PRD-0003"] == (Target.UNKNOWN_ID, None)
    found = run_checks(corpus, select=["TG103"])
    assert [f.message for f in found] == [
        "unknown ID: mention names ADR-0099, which no document has",
        "unknown ID: front-matter field 'depends_on' names PRD-0003, which no document has",
    ]
    assert api.summarise(corpus)["by_target"]["citation"] == 2


def test_external_id_patterns_silence_the_rest(tree: Tree) -> None:
    files = {
        **CITING,
        "rfc/0001-webhooks.md": "# RFC-1: Webhooks\n\nAs in RFC-2119, and RFC-0007.\n",
        "tracegraph.yaml": "external_ids: ['RFC-(2119|4648)', 'PRD-3']\n",
    }
    corpus = api.scan(tree(files))
    got = statuses(corpus, "rfc/0001-webhooks.md")
    assert got["RFC-2119"] == (Target.CITATION, None)
    assert got["RFC-0007"] == (Target.UNKNOWN_ID, None)
    assert statuses(corpus, "adr/0002-keys.md")["PRD-0003"] == (Target.CITATION, None)
    found = run_checks(corpus, select=["TG103"])
    assert [f.message.split(" names ")[1] for f in found] == [
        "ADR-0099, which no document has",
        "RFC-0007, which no document has",
    ]


@pytest.mark.parametrize(
    ("setting", "error"),
    [
        ("repository: 42\n", "repository: expected the repository's web address"),
        ("repository: not a url\n", "repository: expected the repository's web address"),
        ("external_ids: ['RFC-(']\n", "external_ids: invalid regular expression"),
        ("external_ids: 7\n", "external_ids: expected a list of strings"),
    ],
)
def test_bad_settings_are_config_errors(tree: Tree, setting: str, error: str) -> None:
    root = tree({"a.md": "# A\n", "tracegraph.yaml": setting})
    result = CliRunner().invoke(cli, ["check", str(root), "--no-cache"])
    assert result.exit_code == 2
    assert error in result.output
    assert f"tracegraph.yaml:1: {error.split(':')[0]}" in result.output


def test_scan_json_reports_the_address_and_aliases(tree: Tree) -> None:
    root = make_aliases(
        tree({**ADR_TREE, "tracegraph.yaml": "repository: git@github.com:a/b.git\n"})
    )
    result = CliRunner().invoke(cli, ["scan", str(root), "--format", "json", "--no-cache"])
    summary = json.loads(result.output)
    assert summary["repository"] == [
        {
            "url": "https://github.com/a/b",
            "folder": "",
            "sources": ["config"],
            "links": None,
            "summary": "from config",
        }
    ]
    assert summary["aliases"] == {
        "docs/current.md": "docs/adr/0001-use-go.md",
        "docs/latest.md": "docs/adr/0002-use-rust.md",
        "examples": "locales/en/examples",
    }
