"""The repository's own web addresses found without config: declared by files at the root, shown
by the tree's own links (a copy without ``.git``, a renamed repository), never taken from links
to an upstream repository whose paths are mostly not here; and the config always wins."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest
from click.testing import CliRunner
from jsonschema import Draft202012Validator

from tests.gitrepo import git, init_repo
from tests.helpers import make_tree, statuses
from tracegraph import api
from tracegraph.checks import run_checks
from tracegraph.cli import cli
from tracegraph.declared import declared_address
from tracegraph.graph import Corpus
from tracegraph.model import Target
from tracegraph.schemas import schema_text

Tree = Callable[[Mapping[str, str | bytes]], Path]

OWN = "https://github.com/acme/rfcs/blob/master"
#: A plain copy of an RFC repository that links its own files by URL: three linked paths
#: exist (two files and a folder), one does not.
COPY = {
    "README.md": (
        "# Acme RFCs\n\n"
        f"- [A]({OWN}/text/0001-a.md)\n- [B]({OWN}/text/0002-b.md#scope)\n"
        "- [all](https://github.com/acme/rfcs/tree/master/text)\n"
        f"- [withdrawn]({OWN}/text/0009-gone.md)\n"
        "- [issues](https://github.com/acme/rfcs/issues) and [a PR](https://github.com/acme/rfcs/pull/4)\n"
    ),
    "text/0001-a.md": f"# A\n\nBuilds on [B]({OWN}/text/0002-b.md#nope).\n",
    "text/0002-b.md": "# B\n\n## Scope\n",
    "text/README.md": "# Text\n",
}  # fmt: skip


def addresses(corpus: Corpus) -> list[tuple[str, str, tuple[str, ...]]]:
    return [(a.url, a.prefix, a.sources) for a in corpus.addresses]


def broken(corpus: Corpus) -> list[tuple[str, int, str, str]]:
    found = run_checks(corpus, select=["TG101", "TG102", "TG104"])
    return [(f.path, f.line, f.code, f.message.partition(";")[0]) for f in found]


def test_a_copy_without_git_or_config_is_known_by_its_links(tree: Tree) -> None:
    corpus = api.scan(tree(COPY))
    assert addresses(corpus) == [("https://github.com/acme/rfcs", "", ("links",))]
    evidence = corpus.addresses[0].evidence
    assert evidence is not None and (evidence.links, evidence.existing, evidence.missing) == (
        5,
        3,
        1,
    )
    got = statuses(corpus, "README.md")
    assert got[f"{OWN}/text/0001-a.md"] == (Target.DOCUMENT, "text/0001-a.md")
    assert got["https://github.com/acme/rfcs/tree/master/text"] == (
        Target.DOCUMENT,
        "text/README.md",
    )
    assert got["https://github.com/acme/rfcs/issues"] == (Target.EXTERNAL, None)
    assert corpus.graph.has_edge("text/0001-a.md", "text/0002-b.md")
    assert broken(corpus) == [
        ("README.md", 6, "TG101", f"broken link: {OWN}/text/0009-gone.md does not exist "
         "(resolved to text/0009-gone.md)"),
        ("text/0001-a.md", 3, "TG102", "broken anchor: #nope is not a heading or anchor in "
         "text/0002-b.md"),
    ]  # fmt: skip
    out = CliRunner().invoke(cli, ["scan", str(corpus.root), "--no-cache"])
    assert out.exit_code == 0
    assert (
        "links into https://github.com/acme/rfcs are internal "
        "(inferred from 5 links: 3 of the 4 paths they name exist here)\n"
    ) in out.output


UPSTREAM = "https://github.com/kubernetes/enhancements/blob/master/keps"


def test_a_copy_of_a_convention_that_links_upstream_is_not_upstream(tree: Tree) -> None:
    """A team's KEP process copied the template and the README; their KEPs link the upstream
    repository's template (many times) and upstream KEPs, which are not here."""
    team = {
        "keps/README.md": "# Our KEPs\n\nFrom [upstream](https://github.com/kubernetes/enhancements).\n",
        "keps/NNNN-kep-template/README.md": "# KEP-NNNN: Title\n\n## Summary\n",
        "keps/NNNN-kep-template/kep.yaml": "title: KEP Template\nkep-number: NNNN\n",
        "README.md": "# Platform team\n",
    }
    for number in range(1, 7):
        team[f"keps/sig-platform/{number}-thing/README.md"] = (
            f"# KEP-{number}: Thing\n\n## Summary\n\n"
            f"Written from [the template]({UPSTREAM}/NNNN-kep-template/README.md) "
            f"([metadata]({UPSTREAM}/NNNN-kep-template/kep.yaml), "
            f"[process]({UPSTREAM}/README.md)), like [upstream's KEP]"
            f"({UPSTREAM}/sig-node/{1000 + number}-upstream-thing/README.md).\n"
        )
        team[f"keps/sig-platform/{number}-thing/kep.yaml"] = (
            f"title: Thing\nkep-number: {number}\nstatus: implementable\n"
        )
    corpus = api.scan(tree(team))
    # 3 upstream paths exist here (18 links), 6 do not: upstream is someone else.
    assert corpus.addresses == ()
    got = statuses(corpus, "keps/sig-platform/1-thing/README.md")
    assert set(got.values()) == {(Target.EXTERNAL, None)}
    assert broken(corpus) == []


def proposal(number: int) -> str:
    return f"proposals/{number:04d}-p{number}.md"


def renamed_tree() -> dict[str, str]:
    """Proposals that link each other under the old name (apple/) and the new (swiftlang/)."""
    files = {}
    for n in range(1, 6):
        old = f"https://github.com/apple/swift-evolution/blob/master/{proposal(n % 5 + 1)}"
        new = f"https://github.com/swiftlang/swift-evolution/blob/main/{proposal((n + 1) % 5 + 1)}"
        files[proposal(n)] = (
            f"# Proposal {n}\n\n* Proposal: [SE-{n:04d}]({proposal(n)[10:]})\n\n"
            f"See [one]({old}) and [two]({new}).\n"
        )
    return files


def test_a_renamed_repository_is_known_by_both_names(tree: Tree) -> None:
    corpus = api.scan(tree(renamed_tree()))
    assert addresses(corpus) == [
        ("https://github.com/apple/swift-evolution", "", ("links",)),
        ("https://github.com/swiftlang/swift-evolution", "", ("links",)),
    ]
    got = statuses(corpus, "proposals/0001-p1.md")
    assert sorted(got.values()) == [
        (Target.DOCUMENT, "proposals/0002-p2.md"),
        (Target.DOCUMENT, "proposals/0003-p3.md"),
        (Target.SELF, "proposals/0001-p1.md"),
    ]


def test_the_git_remote_adds_to_what_the_links_show(tree: Tree) -> None:
    root = init_repo(tree(renamed_tree()))
    git(root, "remote", "add", "origin", "git@github.com:swiftlang/swift-evolution.git")
    corpus = api.scan(root)
    assert addresses(corpus) == [
        ("https://github.com/swiftlang/swift-evolution", "", ("git remote origin", "links")),
        ("https://github.com/apple/swift-evolution", "", ("links",)),
    ]
    assert broken(corpus) == []


def test_a_copy_inside_an_unrelated_work_tree_is_its_own_top(tmp_path: Path) -> None:
    outer = init_repo(make_tree(tmp_path / "outer", {"notes.md": "# Notes\n"}))
    git(outer, "remote", "add", "origin", "https://github.com/someone/notes.git")
    corpus = api.scan(make_tree(outer / "vendor" / "rfcs", COPY))
    # git says the scanned folder is vendor/rfcs of someone/notes; the links say acme/rfcs
    # is this tree, at its top.
    assert addresses(corpus) == [
        ("https://github.com/someone/notes", "vendor/rfcs", ("git remote origin",)),
        ("https://github.com/acme/rfcs", "", ("links",)),
    ]
    assert [f[2] for f in broken(corpus)] == ["TG101", "TG102"]


@pytest.mark.parametrize(
    ("name", "extra"),
    [
        ("too few", {"text/0002-b.md": None, "text/README.md": None}),
        (
            "permalinks",
            {"README.md": "# R\n\n" + "".join(
                f"[{p}](https://github.com/acme/rfcs/blob/0123abcd/text/{p})\n"
                for p in ("0001-a.md", "0002-b.md", "README.md", "0009-gone.md")
            )},
        ),
    ],
)  # fmt: skip
def test_links_that_prove_nothing_leave_urls_external(
    tree: Tree, name: str, extra: Mapping[str, str | None]
) -> None:
    files = {k: v for k, v in {**COPY, **extra}.items() if v is not None}
    corpus = api.scan(tree(files))
    assert corpus.addresses == (), name
    assert broken(corpus) == []


# --- files at the root that declare the address -------------------------------------------------

DECLARED = [
    ("book.toml", '[book]\ntitle = "x"\n[output.html]\ngit-repository-url = "https://github.com/acme/rfcs"\n'),
    ("mkdocs.yml", "site_name: x\nrepo_url: https://github.com/acme/rfcs/\nextra:\n"
     "  emoji: !!python/name:material.extensions.emoji.twemoji\n"),
    ("package.json", '{"name": "x", "repository": {"type": "git", "url": "git+https://github.com/acme/rfcs.git"}}'),
    ("package.json", '{"name": "x", "repository": "github:acme/rfcs"}'),
    ("package.json", '{"name": "x", "repository": "acme/rfcs"}'),
    ("Cargo.toml", '[package]\nname = "x"\nrepository = "https://github.com/acme/rfcs"\n'),
    ("Cargo.toml", '[workspace.package]\nrepository = "https://github.com/acme/rfcs"\n'),
    ("pyproject.toml", '[project.urls]\nDocumentation = "https://docs.example.com"\n'
     '"Source Code" = "https://github.com/acme/rfcs"\n'),
    ("pyproject.toml", '[tool.poetry]\nrepository = "https://github.com/acme/rfcs"\n'),
    ("CITATION.cff", "cff-version: 1.2.0\nrepository-code: 'https://github.com/acme/rfcs'\n"),
    ("_config.yml", "title: x\nrepository: acme/rfcs\n"),
    ("docusaurus.config.js", "module.exports = {\n  organizationName: 'acme', // the org\n"
     '  projectName: "rfcs",\n};\n'),
    ("go.mod", "module github.com/acme/rfcs/v2\n\ngo 1.22\n"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "text"), DECLARED, ids=[f"{n}-{i}" for i, (n, _t) in enumerate(DECLARED)]
)
def test_a_file_at_the_root_declares_the_address(tree: Tree, name: str, text: str) -> None:
    assert declared_address(name, text.encode()) == "https://github.com/acme/rfcs"
    # One link is no evidence: the declaration alone makes it internal.
    corpus = api.scan(tree({name: text, "a.md": f"# A\n\n[gone]({OWN}/text/0009-gone.md)\n"}))
    assert addresses(corpus) == [("https://github.com/acme/rfcs", "", (name,))]
    assert [f[2] for f in broken(corpus)] == ["TG101"]


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("book.toml", "[output.html\ngit-repository-url = 'https://github.com/acme/rfcs'\n"),
        ("book.toml", '[output.html]\ngit-repository-url = "https://example.com"\n'),
        ("package.json", '{"repository": '),
        ("package.json", "[" * 100_000),  # nesting beyond the JSON parser's recursion
        ("package.json", '{"repository": {"url": 7}}'),
        ("mkdocs.yml", "repo_url: [a, b]\n"),
        ("mkdocs.yml", "a: &x [*x]\n"),
        ("_config.yml", "repository: not a repository\n"),
        ("docusaurus.config.js", "organizationName: process.env.ORG, projectName: 'x'\n"),
        ("go.mod", "module go.uber.org/zap\n"),
        ("pyproject.toml", '[project.urls]\nHomepage = "https://docs.example.com/x/y"\n'),
    ],
)
def test_a_file_that_declares_nothing_usable_is_ignored(name: str, text: str) -> None:
    assert declared_address(name, text.encode()) is None


def test_only_small_files_at_the_root_are_read(tree: Tree) -> None:
    book = '[output.html]\ngit-repository-url = "https://github.com/acme/rfcs"\n'
    files = {
        "docs/book.toml": book,  # not at the root
        "package.json": '{"repository": "acme/rfcs", "pad": "' + "x" * 1_000_001 + '"}',
        "a.md": f"# A\n\n[gone]({OWN}/text/0009-gone.md)\n",
    }
    corpus = api.scan(tree(files))
    assert corpus.addresses == ()


# --- the config decides alone -------------------------------------------------------------------


def test_an_explicit_repository_setting_always_wins(tree: Tree) -> None:
    book = '[output.html]\ngit-repository-url = "https://github.com/acme/rfcs"\n'
    other = tree(
        {
            **COPY,
            "book.toml": book,
            "tracegraph.yaml": "repository: https://github.com/acme/other\n",
        }
    )
    corpus = api.scan(other)
    assert addresses(corpus) == [("https://github.com/acme/other", "", ("config",))]
    assert set(statuses(corpus, "README.md").values()) == {(Target.EXTERNAL, None)}
    (other / "tracegraph.yaml").write_text("repository: false\n")
    assert api.scan(other).addresses == ()
    (other / "tracegraph.yaml").write_text(
        "repository:\n  - https://github.com/acme/rfcs\n  - git@github.com:acme/old-rfcs.git\n"
    )
    corpus = api.scan(other)
    assert addresses(corpus) == [
        ("https://github.com/acme/rfcs", "", ("config",)),
        ("https://github.com/acme/old-rfcs", "", ("config",)),
    ]
    assert corpus.addresses[0].evidence is None  # nothing inferred, nothing weighed


@pytest.mark.parametrize(
    "setting", ["repository: []\n", "repository: [https://github.com/o/r, 7]\n"]
)
def test_bad_repository_lists_are_config_errors(tree: Tree, setting: str) -> None:
    root = tree({"a.md": "# A\n", "tracegraph.yaml": setting})
    result = CliRunner().invoke(cli, ["scan", str(root), "--no-cache"])
    assert result.exit_code == 2
    assert "tracegraph.yaml:1: repository: expected the repository's web address" in result.output


# --- KEP metadata that names KEPs by URL --------------------------------------------------------

KEPS = "https://github.com/kubernetes/enhancements/tree/master/keps/sig-network"


def kep(number: int, slug: str, **relations: list[str]) -> dict[str, str]:
    folder = f"keps/sig-network/{number}-{slug}"
    lines = [f"title: {slug}", f"kep-number: {number}", "status: implementable"]
    for key, values in relations.items():
        lines.append(f"{key.replace('_', '-')}:")
        lines += [f'  - "{value}"' for value in values]
    return {
        f"{folder}/README.md": f"# KEP-{number}: {slug}\n\n## Summary\n\ns\n",
        f"{folder}/kep.yaml": "\n".join(lines) + "\n",
    }


def test_kep_relations_written_as_urls_resolve_with_zero_config(tree: Tree) -> None:
    files = {
        **kep(536, "topology-aware-routing"),
        **kep(2004, "topology-aware-subsetting"),
        **kep(2086, "service-internal-traffic-policy"),
        **kep(
            2433,
            "topology-aware-hints",
            see_also=[
                # As kubernetes/enhancements writes them: with and without a scheme.
                "github.com/kubernetes/enhancements/blob/master/keps/sig-network/2004-topology-aware-subsetting",
                f"{KEPS}/2086-service-internal-traffic-policy",
                "https://github.com/kubernetes/enhancements/issues/2433",
            ],
            replaces=[f"{KEPS}/536-topology-aware-routing", f"{KEPS}/1234-never-written"],
        ),
    }  # fmt: skip
    corpus = api.scan(tree(files))
    assert addresses(corpus) == [("https://github.com/kubernetes/enhancements", "", ("links",))]
    hints = "keps/sig-network/2433-topology-aware-hints/README.md"
    targets = sorted(
        (link.status, link.path) for link in corpus.links if link.source == hints and link.path
    )
    assert targets == [
        (Target.DOCUMENT, "keps/sig-network/2004-topology-aware-subsetting/README.md"),
        (Target.DOCUMENT, "keps/sig-network/2086-service-internal-traffic-policy/README.md"),
        (Target.DOCUMENT, "keps/sig-network/536-topology-aware-routing/README.md"),
        (Target.MISSING, "keps/sig-network/1234-never-written"),
    ]
    assert corpus.graph.has_edge(hints, "keps/sig-network/536-topology-aware-routing/README.md")
    assert broken(corpus) == [
        ("keps/sig-network/2433-topology-aware-hints/kep.yaml", 10, "TG101",
         f"broken link: {KEPS}/1234-never-written does not exist "
         "(resolved to keps/sig-network/1234-never-written)"),
    ]  # fmt: skip


def test_scan_json_lists_each_address_with_its_evidence(tree: Tree) -> None:
    root = tree({**COPY, "mkdocs.yml": "repo_url: https://gitlab.com/acme/site\n"})
    result = CliRunner().invoke(cli, ["scan", str(root), "--format", "json", "--no-cache"])
    summary = json.loads(result.output)
    Draft202012Validator(json.loads(schema_text("scan"))).validate(summary)
    assert summary["repository"] == [
        {
            "url": "https://gitlab.com/acme/site",
            "folder": "",
            "sources": ["mkdocs.yml"],
            "links": None,
            "summary": "from mkdocs.yml",
        },
        {
            "url": "https://github.com/acme/rfcs",
            "folder": "",
            "sources": ["links"],
            "links": {"links": 5, "existing": 3, "missing": 1},
            "summary": "inferred from 5 links: 3 of the 4 paths they name exist here",
        },
    ]
