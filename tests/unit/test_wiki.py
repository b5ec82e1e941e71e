"""Wikilinks are opt-in: GitHub renders none, wiki-style notes trees (or config) turn them on."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.helpers import make_tree
from tracegraph import api
from tracegraph.cli import cli
from tracegraph.config import load_config
from tracegraph.crawl import crawl
from tracegraph.errors import ConfigError

Tree = Callable[[Mapping[str, str | bytes]], Path]

NOTE = "# Note\n\nSee [[other]] and [[1]](https://example.com/cite) and [[SE-0176]].\n\n[SE-0176]: https://example.com/se\n"


def kinds(root: Path, path: str) -> list[tuple[str, str]]:
    corpus = api.scan(root)
    return [(r.kind.value, r.target) for r in corpus.by_path[path].references]


def test_github_rules_without_markers(tree: Tree) -> None:
    root = tree({"docs/a.md": NOTE, "docs/other.md": "# Other\n"})
    # [[1]](url) is a link whose text is [1]; [[SE-0176]] a reference link; [[other]] text.
    assert kinds(root, "docs/a.md") == [
        ("link", "https://example.com/cite"),
        ("link", "https://example.com/se"),
    ]
    assert (
        api.wiki_scope(root, crawl(root, load_config(root)).files, load_config(root)).folders == ()
    )


@pytest.mark.parametrize(
    ("marker", "reason"),
    [
        ("notes/.obsidian/app.json", "notes/.obsidian/: an Obsidian vault"),
        ("notes/.foam/templates/new.md", "notes/.foam/: a Foam workspace"),
        ("notes/.dendron.yml", "notes/.dendron.yml: a Dendron workspace"),
    ],
)
def test_markers_turn_wikilinks_on_below_their_folder(tree: Tree, marker: str, reason: str) -> None:
    root = tree({marker: "{}\n", "notes/a.md": NOTE, "notes/other.md": "# O\n", "docs/b.md": NOTE})
    config = load_config(root)
    index = crawl(root, config)
    scope = api.wiki_scope(root, index.files, config)
    assert scope.folders == (("notes", reason),)
    assert api.wiki_scope(root, index.files, config, index.dirs) == scope  # folders known
    assert ("wikilink", "other") in kinds(root, "notes/a.md")
    assert "wikilink" not in {kind for kind, _ in kinds(root, "docs/b.md")}


def test_an_unlisted_marker_folder_counts(tree: Tree) -> None:
    root = tree({"a.md": NOTE})
    (root / ".obsidian").mkdir()  # empty: no file of it is listed
    config = load_config(root)
    assert api.wiki_scope(root, crawl(root, config).files, config).folders == (
        ("", ".obsidian/: an Obsidian vault"),
    )


@pytest.mark.parametrize(
    ("mkdocs", "folder"),
    [
        ("site_name: x\nplugins:\n  - search\n  - roamlinks\n", "handbook/docs"),
        (
            "docs_dir: notes\nmarkdown_extensions:\n  - toc:\n      permalink: true\n"
            "  - wikilinks\n",
            "handbook/notes",
        ),
        (
            "plugins:\n  - ezlinks:\n      wikilinks: true\nmarkdown_extensions:\n"
            "  - pymdownx.emoji:\n"
            "      emoji_index: !!python/name:material.extensions.emoji.twemoji\n",
            "handbook/docs",
        ),
    ],
)
def test_mkdocs_with_a_wikilink_plugin(tree: Tree, mkdocs: str, folder: str) -> None:
    root = tree({"handbook/mkdocs.yml": mkdocs, f"{folder}/a.md": NOTE})
    config = load_config(root)
    scope = api.wiki_scope(root, crawl(root, config).files, config)
    assert scope.paths == (folder,)
    assert "an mkdocs site with a wikilink plugin" in scope.folders[0][1]


@pytest.mark.parametrize("mkdocs", ["plugins:\n  - search\n", "{{ not yaml", "- a list\n"])
def test_mkdocs_without_one_is_not_a_wiki(tree: Tree, mkdocs: str) -> None:
    root = tree({"mkdocs.yml": mkdocs, "docs/a.md": NOTE})
    config = load_config(root)
    assert api.wiki_scope(root, crawl(root, config).files, config).folders == ()


def test_config_overrides_detection(tree: Tree) -> None:
    root = tree({"tracegraph.yaml": "wikilinks: true\n", "a.md": NOTE, "other.md": "# O\n"})
    assert ("wikilink", "other") in kinds(root, "a.md")
    (root / "tracegraph.yaml").write_text("wikilinks: false\n")
    (root / ".obsidian").mkdir()
    assert "wikilink" not in {kind for kind, _ in kinds(root, "a.md")}


def test_bad_setting_names_the_key(tree: Tree) -> None:
    root = tree({"tracegraph.yaml": "wikilinks: sometimes\n"})
    with pytest.raises(
        ConfigError, match=r"tracegraph.yaml:1: wikilinks: expected true, false or auto"
    ):
        load_config(root)


def test_scan_says_whether_and_why(tree: Tree) -> None:
    root = tree({"notes/.dendron.yml": "version: 1\n", "notes/a.md": NOTE})
    result = CliRunner().invoke(cli, ["scan", str(root)])
    assert result.exit_code == 0
    assert "wikilinks: on in notes/ (notes/.dendron.yml: a Dendron workspace)\n" in result.output
    result = CliRunner().invoke(cli, ["scan", str(root), "--format", "json"])
    assert '"enabled": true' in result.output
    plain = make_tree(root.parent / "plain", {"b.md": NOTE})
    result = CliRunner().invoke(cli, ["scan", str(plain)])
    assert "wikilinks: off (GitHub renders none, and no wiki markers were found)" in result.output
    assert "  wikilink " not in result.output  # no wikilink among the references by kind
