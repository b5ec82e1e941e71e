"""Presets: KEP, EIP, swift-evolution, Rust and Ember RFCs, MADR, log4brains and Nygard logs.

The fixtures are short documents written in each convention's shape (paraphrased, not copied);
``../shared/corpora/rust-rfcs`` is the whole Rust RFC repository.
"""

from __future__ import annotations

import marshal
import os
import time
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import CORPORA
from tracegraph import presets
from tracegraph.api import scan, summarise, with_presets
from tracegraph.checks import run_checks
from tracegraph.cli import cli
from tracegraph.config import config_from_mapping, default_config, load_config
from tracegraph.crawl import crawl
from tracegraph.presets import all_presets, preset_config_text, preset_fields, preset_from_fields

TODAY = date(2026, 9, 1)

KEP_TREE = {
    "keps/README.md": "# Enhancement Proposals\n\nSee [the template](NNNN-kep-template).\n",
    "keps/NNNN-kep-template/README.md": "# KEP-NNNN: Your short, descriptive title\n\n## Summary\n",
    "keps/NNNN-kep-template/kep.yaml": """\
        title: KEP Template
        kep-number: NNNN
        status: provisional|implementable|implemented
        see-also:
          - "/keps/sig-aaa/1234-we-heard-you-like-keps"
        """,
    "keps/sig-node/1287-in-place-update/README.md": """\
        # KEP-1287: In-place Update of Pod Resources

        ## Summary

        Resize containers without a restart; builds on KEP-536.

        ## Motivation

        m

        ## Proposal

        p
        """,
    "keps/sig-node/1287-in-place-update/kep.yaml": """\
        title: In-place Update of Pod Resources
        kep-number: 1287
        authors:
          - "@someone"
        owning-sig: sig-node
        status: implementable
        creation-date: 2018-11-06
        see-also:
          - "/keps/sig-node/20181106-in-place-update-of-pod-resources.md"
          - "KEP-2433"
          - "https://github.com/kubernetes/enhancements/issues/1287"
          - "github.com/kubernetes/enhancements/blob/master/keps/sig-node/1287-in-place-update"
        replaces:
          - "/keps/sig-network/536-topology-routing"
        superseded-by:
          - n/a
        """,
    "keps/sig-network/536-topology-routing/README.md": "# KEP-536: Routing\n\n## Summary\n",
    "keps/sig-network/536-topology-routing/kep.yaml": """\
        title: Topology Aware Routing
        kep-number: 536
        status: replaced
        superseded-by:
          - /keps/sig-node/1287-in-place-update/README.md
        """,
    "keps/sig-network/2433-hints/README.md": "# KEP-2433: Hints\n\n## Summary\n\ns\n",
    "keps/sig-network/2433-hints/kep.yaml": """\
        title: Hints
        kep-number: 2433
        status: implemented
        see-also:
          - "keps/sig-network/536-topology-routing"   # repository-rooted without the slash
          - "0002-hints-v1.md"                        # a flat file of old, gone
          - "/keps/sig-network/2004-subsetting/"      # a folder that never existed
        """,
    "keps/prod-readiness/sig-node/1287.yaml": "kep-number: 1287\nalpha:\n  approver: someone\n",
}


def _docs(corpus):
    return {d.path: d for d in corpus.documents}


def test_every_preset_file_loads_and_writes_out_as_valid_config():
    names = [p.name for p in all_presets()]
    assert names[:5] == ["kep", "eip", "swift-evolution", "ember-rfc", "rust-rfc"]
    for preset in all_presets():
        text = preset_config_text(preset.name)
        data = yaml.safe_load(text)
        assert data["presets"] is False  # "presets: off"
        config = config_from_mapping(data, "init")
        assert config.presets == ("off",)
        assert preset.config_for(preset.folder).include  # its settings, at its usual folder


def test_the_snapshot_is_up_to_date_with_the_preset_files():
    # After editing a preset: python -c "import tracegraph.presets as p; p.write_snapshot()"
    folder = Path(presets.__file__).resolve().parent
    assert (folder / presets.SNAPSHOT).read_text(encoding="utf-8") == presets.snapshot_text()


def test_presets_from_the_snapshot_are_those_the_yaml_gives(monkeypatch):
    from_snapshot = all_presets()
    assert len(from_snapshot) == len(list(Path(presets.__file__).parent.glob("*.yaml")))
    monkeypatch.setattr(presets, "_snapshot", dict)
    presets.all_presets.cache_clear()
    try:
        from_yaml = all_presets()
    finally:
        presets.all_presets.cache_clear()
    assert [preset_fields(p) for p in from_snapshot] == [preset_fields(p) for p in from_yaml]
    assert repr(from_snapshot) == repr(from_yaml)  # the same types too (lists, ints, None)


def test_a_snapshot_entry_for_another_text_is_not_used(monkeypatch):
    stale = {
        name: {"text": entry["text"] + "# edited\n", "data": {**entry["data"], "x": 1}}
        for name, entry in presets._snapshot().items()
    }
    monkeypatch.setattr(presets, "_snapshot", lambda: stale)
    presets.all_presets.cache_clear()
    try:
        assert all("x" not in p.settings for p in all_presets())
    finally:
        presets.all_presets.cache_clear()


def test_kep_folders_are_one_document_each_with_the_sidecar_metadata(tree):
    corpus = scan(tree(KEP_TREE))
    docs = _docs(corpus)
    kep = docs["keps/sig-node/1287-in-place-update/README.md"]
    assert (kep.type, kep.id, kep.status) == ("KEP", "KEP-1287", "implementable")
    assert kep.title == "In-place Update of Pod Resources"
    assert kep.meta("owning_sig") == "sig-node" and kep.meta("creation_date") == "2018-11-06"
    assert kep.sidecar == "keps/sig-node/1287-in-place-update/kep.yaml"
    assert docs["keps/sig-network/536-topology-routing/README.md"].id == "KEP-536"
    # The template folder is not a KEP, and the kep.yaml files are not documents.
    assert docs["keps/NNNN-kep-template/README.md"].type == "DOC"
    assert not any(p.endswith(".yaml") for p in docs)
    assert summarise(corpus)["presets"] == [
        {"name": "kep", "title": "KEP layout", "folder": "keps/"}
    ]


def test_kep_relations_resolve_and_dangling_paths_are_reported_in_kep_yaml(tree):
    corpus = scan(tree(KEP_TREE))
    edges = {(u, v, d["relation"]) for u, v, d in corpus.graph.edges(data=True)}
    new = "keps/sig-node/1287-in-place-update/README.md"
    old = "keps/sig-network/536-topology-routing/README.md"
    assert (new, old, "supersedes") in edges  # replaces (a folder) and superseded-by agree
    assert (new, "keps/sig-network/2433-hints/README.md", "related") in edges
    assert ("keps/sig-network/2433-hints/README.md", old, "related") in edges
    found = run_checks(corpus, today=TODAY)
    broken = [(f.path, f.line, f.code, f.target) for f in found if f.code in ("TG101", "TG103")]
    hints = "keps/sig-network/2433-hints/kep.yaml"
    assert broken == [
        (hints, 6, "TG101", "0002-hints-v1.md"),
        (hints, 7, "TG101", "/keps/sig-network/2004-subsetting/"),
        (
            "keps/sig-node/1287-in-place-update/kep.yaml",
            9,
            "TG101",
            "/keps/sig-node/20181106-in-place-update-of-pod-resources.md",
        ),
    ]
    messages = [f.message for f in found if f.path == hints]
    assert "0002-hints-v1.md does not exist" in messages[0]
    assert not [f for f in found if f.code in ("TG204", "TG602", "TG201")]
    assert not [f for f in found if f.path.startswith("keps/NNNN-kep-template/")]


def test_kep_supersession_is_checked_where_kep_yaml_declares_it(tree):
    def kep(number, status, **relations):
        lines = [f"title: KEP {number}", f"kep-number: {number}", f"status: {status}"]
        for key, value in relations.items():
            lines += [f"{key.replace('_', '-')}:", f'  - "{value}"']
        return "\n".join(lines) + "\n"

    corpus = scan(
        tree(
            {
                "keps/sig-a/1-old/README.md": "# KEP-1: Old\n",
                "keps/sig-a/1-old/kep.yaml": kep(1, "replaced"),
                "keps/sig-a/2-new/README.md": "# KEP-2: New\n",
                "keps/sig-a/2-new/kep.yaml": kep(2, "implemented", replaces="/keps/sig-a/1-old"),
                "keps/sig-a/3-gone/README.md": "# KEP-3: Gone\n",
                "keps/sig-a/3-gone/kep.yaml": kep(3, "withdrawn", superseded_by="/keps/sig-a/4-x"),
                "keps/sig-a/4-x/README.md": "# KEP-4: X\n",
                "keps/sig-a/4-x/kep.yaml": kep(4, "implementable", see_also="/keps/sig-a/3-gone"),
            }
        )
    )
    found = [(f.code, f.path, f.line) for f in run_checks(corpus, today=TODAY) if f.code != "TG401"]
    # KEP-1 says "replaced": enough, though it names no successor. KEP-3 names KEP-4, which
    # does not say it replaces it: reported where kep.yaml says so (line 5), not in README.md.
    # KEP-4's see-also of the withdrawn KEP-3 is history, not a citation (no TG301).
    assert found == [("TG204", "keps/sig-a/3-gone/kep.yaml", 5)]


def test_a_sidecar_edit_is_seen_through_the_parse_cache(tree):
    root = tree(KEP_TREE)
    sidecar = root / "keps/sig-network/2433-hints/kep.yaml"
    past = time.time() - 60
    for path in root.rglob("*"):
        os.utime(path, (past, past))
    first = _docs(scan(root, cache=True))["keps/sig-network/2433-hints/README.md"]
    assert first.status == "implemented"
    sidecar.write_text("title: Hints\nkep-number: 2433\nstatus: withdrawn\n", encoding="utf-8")
    again = _docs(scan(root, cache=True))["keps/sig-network/2433-hints/README.md"]
    assert again.status == "withdrawn"


EIP_TREE = {
    "EIPS/eip-1559.md": """\
        ---
        eip: 1559
        title: Fee market change
        author: A. Author (@a)
        status: Final
        type: Standards Track
        category: Core
        created: 2019-04-13
        requires: 2718, 2930
        ---

        ## Abstract

        A new [EIP-2718](./eip-2718.md) transaction type.

        ## Specification

        | field | value |
        |---|---|
        | a | [IGNORE] |
        | b | [A, B] |
        """,
    "EIPS/eip-2718.md": """\
        ---
        eip: 2718
        title: Typed Transaction Envelope
        status: Final
        type: Standards Track
        category: Core
        created: 2020-06-13
        requires: 1559
        ---

        ## Abstract

        Compare the token standard ERC-20.

        ## Specification

        s
        """,
    "EIPS/eip-2930.md": """\
        ---
        eip: 2930
        title: Optional access lists
        status: Final
        type: Standards Track
        category: Core
        created: 2020-08-29
        requires: [2718]
        ---

        ## Abstract

        Requires [EIP-1559](./eip-1559.md) fee fields; depends on EIP-1559 as well.

        ## Dependencies

        - [EIP-1559](./eip-1559.md)

        ## Specification

        s
        """,
    "EIPS/eip-20.md": """\
        ---
        eip: 20
        title: Token Standard
        status: Moved
        type: Standards Track
        category: ERC
        created: 2015-11-19
        ---

        ## Abstract

        Moved to the ERCs repository.

        ## Specification

        s
        """,
}


def test_eip_ids_requires_lists_and_front_matter_type_as_metadata(tree):
    corpus = scan(tree(EIP_TREE))
    docs = _docs(corpus)
    eip = docs["EIPS/eip-1559.md"]
    assert (eip.type, eip.id, eip.status) == ("EIP", "EIP-1559", "final")
    assert eip.meta("type") == "Standards Track" and eip.meta("category") == "Core"
    assert docs["EIPS/eip-20.md"].id == "EIP-20" and docs["EIPS/eip-20.md"].status == "moved"
    requires = sorted(
        (u.split("/")[-1], v.split("/")[-1])
        for u, v, d in corpus.graph.edges(data=True)
        if d["relation"] == "depends_on"
    )
    assert requires == [
        ("eip-1559.md", "eip-2718.md"),
        ("eip-1559.md", "eip-2930.md"),
        ("eip-2718.md", "eip-1559.md"),
        ("eip-2930.md", "eip-2718.md"),
    ]


def test_eip_text_declares_no_dependencies_only_requires_does(tree):
    corpus = scan(tree(EIP_TREE))
    relations = {
        d["relation"]
        for u, v, d in corpus.graph.edges(data=True)
        if u == "EIPS/eip-2930.md" and v == "EIPS/eip-1559.md"
    }
    # "Requires [EIP-1559]..." opens a paragraph and sits under "Dependencies", yet only the
    # front matter's `requires` says what an EIP depends on: these are citations.
    assert relations == {"references", "mentions"}


@pytest.mark.parametrize(
    ("typed", "found"),
    [("eip-20", "EIP-20"), ("EIP-0020", "EIP-20"), ("erc-20", "EIP-20"), ("ERC 1559", "EIP-1559")],
)
def test_eip_ids_are_found_in_any_spelling(tree, typed, found):
    assert scan(tree(EIP_TREE)).find(typed).id == found


def test_eip_noise_rules_cycles_only(tree):
    found = run_checks(scan(tree(EIP_TREE)), today=TODAY)
    codes = Counter(f.code for f in found)
    # Two requires cycles (1559 <-> 2718 and 1559 -> 2930 -> 2718 -> 1559), one group of
    # documents that rest on each other, so one TG203 with the shortest; nothing else:
    # [IGNORE] and [A, B] are notation, citing the Moved EIP-20 (as ERC-20) is fine.
    assert codes == {"TG203": 1}
    (cycle,) = (f.message for f in found)
    assert cycle.startswith("dependency cycle: EIP-1559 -> EIP-2718 -> EIP-1559 (a shortest")


def _eip(number: int, requires: str, body: str = "") -> str:
    head = f"---\neip: {number}\ntitle: EIP {number}\nstatus: Review\ntype: Standards Track\n"
    head += "category: Core\ncreated: 2022-01-10\n" + (
        f"requires: {requires}\n" if requires else ""
    )
    return head + "---\n\n## Abstract\n\n" + body + "\n\n## Specification\n\ns\n"


def test_eip_requires_cycles_as_in_the_eips_repository(tree):
    """The two `requires` cycles of ethereum/EIPs (docs/presets-evaluation.md): EOF functions
    and stack validation (4750 <-> 5450), SSZ transactions and their signature scheme (6404 <->
    6493, in the versions that required each other). The text cites the other EOF EIPs in
    every way a paragraph can ("Requires ...", a Dependencies list): citations, no cycles."""
    root = tree(
        {
            "EIPS/eip-3540.md": _eip(
                3540, "3541, 3860", "## Dependencies\n\n- [EIP-4750](./eip-4750.md)\n"
            ),
            "EIPS/eip-3670.md": _eip(3670, "3540, 3860", "Depends on EIP-4200 for jumps."),
            "EIPS/eip-4200.md": _eip(
                4200, "3540, 3670", "Requires [EIP-5450](./eip-5450.md) stack validation."
            ),
            "EIPS/eip-4750.md": _eip(4750, "3540, 3670, 5450", "See [EIP-3540](./eip-3540.md)."),
            "EIPS/eip-5450.md": _eip(5450, "3540, 3670, 4200, 4750"),
            "EIPS/eip-6404.md": _eip(6404, "6493, 7495"),
            "EIPS/eip-6493.md": _eip(6493, "6404"),
            "EIPS/eip-7495.md": _eip(7495, ""),
        }
    )
    cycles = [f.message for f in run_checks(scan(root), today=TODAY) if f.code == "TG203"]
    assert cycles == [
        "dependency cycle: EIP-4750 -> EIP-5450 -> EIP-4750",
        "dependency cycle: EIP-6404 -> EIP-6493 -> EIP-6404",
    ]


def test_eip_sections_are_not_asked_of_a_living_handbook(tree):
    handbook = _eip(5069, "1").replace("Review", "Living").replace("## Abstract", "## Mission")
    draft = _eip(7709, "").replace("## Specification", "## Rationale")
    corpus = scan(tree({"EIPS/eip-5069.md": handbook, "EIPS/eip-7709.md": draft}))
    missing = [(f.path, f.message) for f in run_checks(corpus, today=TODAY) if f.code == "TG401"]
    # A Living EIP (EIP-1, the editors' handbook) is no proposal form; a Review one is.
    assert missing == [
        (
            "EIPS/eip-7709.md",
            "missing section '## Specification' (required by the EIP template eip.md)",
        )
    ]


SE_TREE = {
    "proposals/0255-omit-return.md": """\
        # Implicit returns from single-expression functions

        * Proposal: [SE-0255](0255-omit-return.md)
        * Authors: [Someone](https://github.com/someone)
        * Review Manager: [Another](https://github.com/another)
        * Status: **Implemented (Swift 5.1)**
        * Implementation: [apple/swift#23251](https://github.com/apple/swift/pull/23251)
        * Previous Proposal: [SE-0254](0254-static-subscripts.md)

        ## Introduction

        i

        ## Motivation

        Unlike SE-0254, this one is small.
        """,
    "proposals/0254-static-subscripts.md": """\
        # Static and class subscripts

        * Proposal: [SE-0254](0254-static-subscripts.md)
        * Authors: [Someone](https://github.com/someone)
        * Review Manager: TBD
        * Status: **Active Review (March 1...March 14, 2024)**

        ## Introduction

        i

        ## Motivation

        m
        """,
}


def test_swift_evolution_field_lines_and_status_words(tree):
    corpus = scan(tree(SE_TREE))
    docs = _docs(corpus)
    se = docs["proposals/0255-omit-return.md"]
    assert (se.type, se.id, se.status) == ("SE", "SE-0255", "implemented")
    assert se.status_raw == "Implemented (Swift 5.1)"
    assert se.meta("review_manager") == "Another"
    assert se.meta("previous_proposal") == "SE-0254"
    assert docs["proposals/0254-static-subscripts.md"].status == "active"
    edges = {(u, v, d["relation"]) for u, v, d in corpus.graph.edges(data=True)}
    assert (
        "proposals/0255-omit-return.md",
        "proposals/0254-static-subscripts.md",
        "related",
    ) in edges
    found = run_checks(corpus, today=TODAY)
    assert [(f.path, f.code) for f in found] == [("proposals/0254-static-subscripts.md", "TG402")]


def test_swift_testing_proposals_are_st(tree):
    root = tree(
        {
            **SE_TREE,
            "proposals/testing/0001-refactor-bug-inits.md": """\
                # Dedicated `.bug()` functions for URLs and IDs

                * Proposal: [ST-0001](0001-refactor-bug-inits.md)
                * Authors: [Someone](https://github.com/someone)
                * Status: **Implemented (Swift 6.0)**

                ## Introduction

                Like [SE-0255](../0255-omit-return.md).

                ## Motivation

                m
                """,
        }
    )
    corpus = scan(root)
    st = corpus.find("st-1")
    assert (st.path, st.type, st.id, st.status) == (
        "proposals/testing/0001-refactor-bug-inits.md",
        "ST",
        "ST-0001",
        "implemented",
    )
    assert corpus.find("SE-255").type == "SE"


def test_ember_stage_is_the_status(tree):
    root = tree(
        {
            "text/0830-major-versions.md": """\
                ---
                stage: ready-for-release
                start-date: 2022-07-12T00:00:00.000Z
                release-date:
                teams:
                  - framework
                prs:
                  accepted: https://github.com/emberjs/rfcs/pull/830
                ---

                # Evolving the Major Version Process

                ## Summary

                Builds on RFC #617 and RFC 9999, a pull request never merged.

                ## Motivation

                m
                """,
            "text/0617-deprecations.md": "---\nstage: discontinued\n---\n\n# X\n\n## Summary\n",
        }
    )
    corpus = scan(root)
    doc = _docs(corpus)["text/0830-major-versions.md"]
    assert (doc.type, doc.id, doc.status) == ("RFC", "RFC-0830", "ready-for-release")
    assert doc.meta("teams") == "framework"
    found = run_checks(corpus, today=TODAY)
    assert [f.code for f in found] == ["TG301"]  # it cites the discontinued RFC 617


def test_madr_front_matter_status_links_the_successor(tree):
    corpus = scan(
        tree(
            {
                "docs/decisions/0001-use-markdown.md": """\
                    ---
                    status: "superseded by [ADR-0002](0002-use-madr-4.md)"
                    date: 2023-01-05
                    decision-makers: Alice, Bob
                    ---

                    # Use Markdown for decisions

                    ## Context and Problem Statement

                    c

                    ## Decision Outcome

                    d
                    """,
                "docs/decisions/0002-use-madr-4.md": """\
                    ---
                    status: accepted
                    date: 2024-02-01
                    ---

                    # Use MADR 4

                    ## Context and Problem Statement

                    Supersedes [ADR-0001](0001-use-markdown.md).

                    ## Decision Outcome

                    d
                    """,
            }
        )
    )
    docs = _docs(corpus)
    old = docs["docs/decisions/0001-use-markdown.md"]
    assert (old.type, old.id, old.status) == ("ADR", "ADR-0001", "superseded")
    assert old.meta("decision_makers") == "Alice, Bob"
    assert summarise(corpus)["presets"][0]["name"] == "madr"
    assert run_checks(corpus, today=TODAY) == []  # both sides of the supersession agree


def test_several_presets_each_in_its_own_folder(tree):
    files = {
        **KEP_TREE,
        "docs/decisions/0001-x.md": "# X\n\n## Context and Problem Statement\n\nc\n",
    }
    corpus = scan(tree(files))
    assert [(p["name"], p["folder"]) for p in summarise(corpus)["presets"]] == [
        ("madr", "docs/decisions/"),
        ("kep", "keps/"),
    ]
    assert _docs(corpus)["docs/decisions/0001-x.md"].id == "ADR-0001"


def test_config_file_settings_win_over_the_preset(tree):
    files = {**KEP_TREE, "tracegraph.yaml": "types:\n  KEP:\n    id_width: 4\n"}
    corpus = scan(tree(files))
    assert _docs(corpus)["keps/sig-network/536-topology-routing/README.md"].id == "KEP-0536"
    files["tracegraph.yaml"] = "presets: off\n"
    off = scan(tree(files))
    assert {d.type for d in off.documents} == {"DOC"}
    files["tracegraph.yaml"] = "presets: [eip, madr]\n"
    assert summarise(scan(tree(files)))["presets"] == []


def test_a_preset_as_plain_values_and_back() -> None:
    """What a stored detection keeps of each preset gives it back, equal; anything else
    gives None (the preset is then read from the package)."""
    for preset in all_presets():
        values = preset_fields(preset)
        assert preset_from_fields(marshal.loads(marshal.dumps(values))) == preset
    values = preset_fields(all_presets()[0])
    for bad in ((), values[:-1], (1, *values[1:]), (*values[:7], [], values[8]), "x"):
        assert preset_from_fields(bad) is None


def test_init_preset_writes_config_equivalent_to_the_detected_preset(tree):
    root = tree(KEP_TREE)
    detected = with_presets(root, default_config(), crawl(root, default_config()))
    result = CliRunner().invoke(cli, ["init", str(root), "--preset", "kep"])
    assert result.exit_code == 0, result.output
    written = load_config(root)
    assert written.presets == ("off",)
    assert written.types == detected.types
    assert written.rules.per_path_ignores == detected.rules.per_path_ignores
    text = (root / "tracegraph.yaml").read_text(encoding="utf-8")
    assert "# kep.yaml beside it is read as its front matter" in text
    assert 'paths: ["keps/*/*/README.md"]' in text


RUST_FIELDS = "- Start Date: 2021-01-23\n- RFC PR: [rust-lang/rfcs#{n}](https://x.org/{n})\n\n"


def test_a_preset_keeps_its_settings_to_its_own_folder(tree):
    """Rust RFCs in rust/text/ beside a team's RFCs in docs/rfcs/ (the built-in RFC type) and
    Ember RFCs in ember/text/: each keeps its own statuses, sections and mention rules."""
    root = tree(
        {
            "rust/text/3086-macro-metavar-expr.md": RUST_FIELDS.format(n=3086)
            + "## Summary\n\nBuilds on RFC 1584 and RFC #2000.\n\n## Motivation\n\nm\n",
            "rust/text/1584-macros.md": RUST_FIELDS.format(n=1584)
            + "## Summary\n\n## Motivation\n",
            "ember/text/0830-major-versions.md": "---\nstage: released\n---\n\n# Major versions\n",
            "docs/rfcs/rfc-0012-retries.md": """\
                ---
                status: In Review
                owner: someone
                created: 2026-01-05
                ---

                # RFC-0012: Retries

                Uses HTTP as in RFC 7231, unlike RFC-0099.
                """,
        }
    )
    corpus = scan(root)
    docs = _docs(corpus)
    rust = docs["rust/text/3086-macro-metavar-expr.md"]
    ember = docs["ember/text/0830-major-versions.md"]
    team = docs["docs/rfcs/rfc-0012-retries.md"]
    assert [(d.type, d.id, d.status) for d in (rust, ember, team)] == [
        ("RFC", "RFC-3086", "accepted"),  # the Rust preset's default
        ("RFC", "RFC-0830", "released"),  # the Ember preset's `stage`
        ("RFC", "RFC-0012", "in-review"),  # the built-in RFC lifecycle: no default, no stage
    ]
    assert corpus.config.type_spec("RFC").lifecycle == (
        "draft",
        "in-review",
        "accepted",
        "implemented",
    )
    # "RFC 1584" is a mention in a Rust RFC; in the team's RFC, "RFC 7231" is the IETF's.
    mentions = [(r.target, r.kind.value) for r in rust.references if r.kind.value == "mention"]
    assert mentions == [("RFC-1584", "mention"), ("RFC-2000", "mention")]
    assert [r.target for r in team.references if r.kind.value == "mention"] == ["RFC-0099"]
    found = Counter(
        (f.code, f.path) for f in run_checks(corpus, today=TODAY) if f.code in ("TG103", "TG303")
    )
    # The unresolved RFC-2000 is quiet in a Rust RFC; RFC-0099 is reported in the team's.
    assert found == {("TG103", "docs/rfcs/rfc-0012-retries.md"): 1}


def test_init_preset_for_a_shared_type_matches_the_detected_one_in_its_folder(tree):
    root = tree({"text/3086-macro-metavar-expr.md": RUST_FIELDS.format(n=3086) + "## Summary\n"})
    detected = with_presets(root, default_config(), crawl(root, default_config()))
    assert CliRunner().invoke(cli, ["init", str(root), "--preset", "rust-rfc"]).exit_code == 0
    written = load_config(root)
    path = "text/3086-macro-metavar-expr.md"
    # The written file says how the whole tree is read; in the folder, nothing changes.
    assert written.spec_for("RFC", path) == detected.spec_for("RFC", path)
    assert detected.spec_for("RFC", "docs/rfcs/x.md") == default_config().type_spec("RFC")


def test_scan_names_the_presets_it_applied(tree):
    result = CliRunner().invoke(cli, ["scan", str(tree(KEP_TREE)), "--no-cache"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[1] == "detected: KEP layout in keps/"


def test_init_rejects_an_unknown_preset(tmp_path):
    result = CliRunner().invoke(cli, ["init", str(tmp_path), "--preset", "pep"])
    assert result.exit_code == 2
    assert "pep" in result.output


def test_rust_rfc_titles_forwarding_notes_and_sections_at_any_level(tree):
    fields = "- Start Date: 2021-01-23\n- RFC PR: [rust-lang/rfcs#3086](https://x.org/3086)\n\n"
    corpus = scan(
        tree(
            {
                "text/3086-macro-metavar-expr.md": fields + "## Summary\n\ns\n\n## Motivation\n",
                "text/3834-export-visibility.md": fields + "# Summary\n\ns\n\n# Motivation\n",
                "text/2071-impl-trait-existential-types.md": fields
                + "## Summary\n\n## Motivation\n",
                "text/2071-impl-trait-type-alias.md": (
                    "Moved to [2071-impl-trait-existential-types.md]"
                    "(2071-impl-trait-existential-types.md).\n"
                ),
            }
        )
    )
    docs = _docs(corpus)
    # No title heading: the file name is the title, not the first section ("Summary").
    assert docs["text/3086-macro-metavar-expr.md"].title == "macro metavar expr"
    note = docs["text/2071-impl-trait-type-alias.md"]
    assert (note.type, note.id) == ("DOC", None)  # forwards to RFC-2071, is not another one
    # "# Summary" at level 1 is the Summary section of a document without a title heading.
    assert run_checks(corpus, today=TODAY) == []


@pytest.mark.skipif(not (CORPORA / "rust-rfcs").is_dir(), reason="shared corpora not available")
def test_rust_rfcs_are_typed_and_not_flooded():
    corpus = scan(CORPORA / "rust-rfcs")
    files = [d for d in corpus.documents if d.path.count("/") == 1 and d.path.startswith("text/")]
    assert len(files) == 639
    # text/2071-impl-trait-type-alias.md only says "Moved to [...](2071-impl-trait-existential-
    # types.md)": a forwarding note, not a second RFC-2071.
    note = next(d for d in files if d.path == "text/2071-impl-trait-type-alias.md")
    assert (note.type, note.id) == ("DOC", None)
    rfcs = [d for d in files if d is not note]
    assert all(d.type == "RFC" and d.status == "accepted" for d in rfcs)
    assert all(d.id == f"RFC-{d.path[5:9]}" for d in rfcs)
    first = next(d for d in rfcs if d.path == "text/0001-private-fields.md")
    assert first.meta("start_date") and first.title == "private fields"  # not "Summary"
    found = run_checks(corpus, today=TODAY)
    codes = Counter(f.code for f in found if f.path.startswith("text/"))
    # Proposals stand alone (no TG201), merged RFCs are no forms (no TG402), "RFC 3339" is
    # the IETF's (no TG103 for mentions), no duplicate IDs; what is left: links, anchors, and
    # the RFCs without a Summary or Motivation section at any heading level (team and process
    # RFCs, "Motivation and Summary" in one).
    assert codes["TG201"] == codes["TG402"] == codes["TG103"] == codes["TG303"] == 0
    assert codes["TG601"] == 0 and codes["TG401"] <= 10
    mentions = [link for link in corpus.links if link.reference.kind.value == "mention"]
    assert sum(link.status.value == "document" for link in mentions) >= 70


def test_a_signature_counts_per_folder_what_every_path_s_last_parts_match() -> None:
    """A glob of several parts (``*/*/kep.yaml``) is tried only on the files named like its last
    part: the same folders and counts as trying every path's last parts (too shallow paths, a
    longer name and a deeper tree included)."""
    from tracegraph import presets
    from tracegraph.patterns import own_glob_regex

    files = sorted(
        ["kep.yaml", "a/kep.yaml", "keps/sig-x/1-y/kep.yaml", "keps/sig-x/2-z/kep.yaml",
         "keps/sig-x/2-z/kep.yaml.bak", "sig-y/3-w/kep.yaml", "deep/er/keps/sig-q/4-v/kep.yaml",
         "docs/adr/0001-a.md", "docs/adr/notes.md", "0002-b.md"]
    )  # fmt: skip
    for glob in ("*/*/kep.yaml", "[0-9][0-9][0-9][0-9]-*.md", "adr/[0-9]*.md"):
        match = own_glob_regex(glob).match
        every = presets._split_tails(files, glob.count("/") + 1)
        assert presets._glob_counts(glob, presets._Splits(files)) == Counter(
            head for head, tail, _ in every if match(tail)
        ), glob
    assert presets._glob_counts("*/*/kep.yaml", presets._Splits(files)) == {
        "keps": 2, "": 1, "deep/er/keps": 1,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("folder", "sibling"), [("docs[v2]", "docs2"), ("a*b", "axb"), ("a?b", "axb")]
)
def test_a_detected_folder_with_glob_characters_matches_only_itself(tree, folder, sibling):
    files = {
        f"{folder}/proposals/0001-x.md": "# X\n\n* Proposal: [SE-0001](0001-x.md)\n",
        f"{sibling}/proposals/0003-z.md": "# Z\n\nplain\n",
    }
    corpus = scan(tree(files))
    assert [(p["name"], p["folder"]) for p in summarise(corpus)["presets"]] == [
        ("swift-evolution", f"{folder}/proposals/")
    ]
    docs = _docs(corpus)
    assert docs[f"{folder}/proposals/0001-x.md"].id == "SE-0001"
    # The unescaped glob took the sibling too ([v2] a class, * and ? wildcards).
    assert docs[f"{sibling}/proposals/0003-z.md"].type == "DOC"


_PART = st.sampled_from(["keps", "sig-x", "0001-a", "docs", "adr", "EIPS", ".x"])
_NAME = st.sampled_from(
    ["kep.yaml", "README.md", "0001-a.md", "eip-20.md", "20240101-x.md", "x.md", "0012-b.md"]
)


@settings(max_examples=200, deadline=None)
@given(
    files=st.lists(
        st.tuples(st.lists(_PART, max_size=3), _NAME).map(lambda t: "/".join([*t[0], t[1]])),
        max_size=30,
        unique=True,
    ),
    glob=st.sampled_from(
        [
            "*/*/kep.yaml",
            "eip-[0-9]*.md",
            "[0-9][0-9][0-9][0-9]-*.md",
            "[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]-*.md",
            "*/README.md",
            "**/x.md",
            "adr/*.md",
        ]
    ),
)
def test_signature_counts_are_those_of_each_file_tested_alone(files: list[str], glob: str) -> None:
    """However the files are split and filtered to count a signature's matches per folder,
    the counts are those of testing each file's last parts against the glob on its own."""
    from tracegraph.patterns import own_glob_regex

    depth = glob.count("/") + 1
    match = own_glob_regex(glob).match
    expected: dict[str, int] = {}
    for path in files:
        parts = path.rsplit("/", depth)
        if len(parts) > depth:
            head, tail = parts[0], path[len(parts[0]) + 1 :]
        elif len(parts) == depth:
            head, tail = "", path
        else:
            continue
        if match(tail):
            expected[head] = expected.get(head, 0) + 1
    splits = presets._Splits(list(reversed(files)))
    assert presets._glob_counts(glob, splits) == expected
    assert presets._glob_counts(glob, splits) == expected  # the splits reused
