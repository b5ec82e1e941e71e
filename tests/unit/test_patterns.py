"""Configured regular expressions: ordinary ones accepted, dangerous or broken ones rejected
with file, line and key, and every configured pattern matched in linear time (RE2)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.helpers import make_tree
from tracegraph.api import scan
from tracegraph.config import DEFAULT_TYPES, load_config
from tracegraph.errors import ConfigError
from tracegraph.patterns import (
    MAX_PATTERN_LENGTH,
    PatternError,
    check_pattern,
    compile_pattern,
    group_matcher,
    match_group,
    search_found,
)

ORDINARY = [
    *(p for t in DEFAULT_TYPES for p in t.title_patterns),
    r"\bKEP-\d+\b",
    r"\bEIP-[0-9]+\b",
    r"\bSE-\d{4}\b",
    r"^(?:Proposal|Feature)\b",
    r"(?i)^kep\s+\d+",
    r"(?i:rfc)[- ]\d+",
    r"^\w+[-_ ]?\d+$",
    r"[A-Z][A-Z0-9]{1,9}-\d+",
    r"(?P<number>\d+)-\w+",
    r"\bMADR\b|\bADR\b",
]


@pytest.mark.parametrize("pattern", ORDINARY)
def test_ordinary_patterns_are_accepted(pattern: str) -> None:
    assert check_pattern(pattern) == pattern


REJECTED = {
    r"(?<=x)KEP-\d+": "invalid perl operator",
    r"(?!x)KEP-\d+": "invalid perl operator",
    r"(KEP)-\d+\1": "invalid escape sequence",
    r"(?x) KEP - \d+": "invalid perl operator",
    r"KEP-\d+\Z": "invalid escape sequence",
    r"(?:KEP-\d+)?": "empty string",
    r"\b": "empty string",
    r"x*": "empty string",
    r"(?:a{1000}){1000}": "repetition",
    "a" * (MAX_PATTERN_LENGTH + 1): "longer than",
}


@pytest.mark.parametrize(("pattern", "reason"), REJECTED.items(), ids=range(len(REJECTED)))
def test_dangerous_or_broken_patterns_are_rejected(pattern: str, reason: str) -> None:
    with pytest.raises(PatternError, match=reason):
        check_pattern(pattern)


@pytest.mark.parametrize("key", ["id_pattern", "title_patterns"])
def test_a_rejected_pattern_is_a_config_error_naming_file_line_and_key(
    tmp_path: Path, key: str
) -> None:
    value = r"'(?<=x)y'" if key == "id_pattern" else r"['^KEP', '(?<=x)y']"
    (tmp_path / "tracegraph.yaml").write_text(f"types:\n  KEP:\n    {key}: {value}\n")
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path)
    assert str(info.value).startswith(
        f"tracegraph.yaml:3: types.KEP.{key}: invalid regular expression '(?<=x)y': "
    )


def test_catastrophic_patterns_run_in_linear_time() -> None:
    # With Python's re each of these takes longer than the age of the universe on this text.
    text = "a" * 200_000 + "!"
    for pattern in [r"(a+)+!?b", r"(a|aa)*c", r"(a*)*$x", r"^(\w+\s?)*$x"]:
        assert compile_pattern(pattern).search(text) is None


def test_named_groups_and_inline_flags_work_in_id_and_title_patterns(tmp_path: Path) -> None:
    root = make_tree(
        tmp_path,
        {
            "tracegraph.yaml": """
                types:
                  KEP:
                    id_pattern: '(?P<g0>\\bKEP-(?P<n>\\d+))'
                    title_patterns: ['(?P<x>^Proposal)\\b', '(?i)^kep\\b']
                  SPEC:
                    id_pattern: '\\bSPEC-(?i)\\d+'
                    title_patterns: ['^spec(?i)IFICATION']
                """,
            "a.md": "# Proposal: x\n\nRests on KEP-12, SPEC-3, ADR-7 and kep-9.\n",
            "b.md": "# KEP 4 thing\n",
            "c.md": "# specIFICATION of y\n",
        },
    )
    corpus = scan(root)
    assert [corpus.by_path[p].type for p in ("a.md", "b.md", "c.md")] == ["KEP", "KEP", "SPEC"]
    mentions = [r.target for r in corpus.by_path["a.md"].references if r.is_id]
    assert mentions == ["KEP-0012", "SPEC-0003", "ADR-0007"]


def test_a_catastrophic_id_pattern_scans_a_long_line(tmp_path: Path) -> None:
    root = make_tree(
        tmp_path,
        {
            "tracegraph.yaml": "types:\n  KEP:\n    id_pattern: '(a+)+!?b'\n",
            "a.md": "# A\n\n" + "a" * 100_000 + "\n\nSee ADR-7.\n",
        },
    )
    refs = scan(root).by_path["a.md"].references
    assert [r.target for r in refs] == ["ADR-0007"]


def test_globs_from_config_match_in_linear_time(tmp_path: Path) -> None:
    long_name = "a" * 200 + ".md"
    root = make_tree(
        tmp_path,
        {
            "tracegraph.yaml": f"exclude: ['{'*a' * 16}*b', '**/**/**/**/x/**']\n",
            long_name: "# A\n",
            "d/e/x/f.md": "# F\n",
        },
    )
    assert sorted(d.path for d in scan(root).documents) == [long_name]


def test_an_overlong_glob_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "tracegraph.yaml").write_text(f"include: ['{'*' * 2000}']\n")
    with pytest.raises(ConfigError, match=r"tracegraph\.yaml:1: include: invalid glob"):
        load_config(tmp_path)


def test_the_number_of_types_and_title_patterns_is_bounded(tmp_path: Path) -> None:
    patterns = ", ".join(f"'^T{i}'" for i in range(21))
    (tmp_path / "tracegraph.yaml").write_text(f"types:\n  KEP:\n    title_patterns: [{patterns}]\n")
    with pytest.raises(ConfigError, match="title_patterns: at most 20 patterns"):
        load_config(tmp_path)
    types = "".join(f"  T{i}:\n    folders: [t{i}]\n" for i in range(97))
    (tmp_path / "tracegraph.yaml").write_text(f"types:\n{types}")
    with pytest.raises(ConfigError, match="types: at most 100 types"):
        load_config(tmp_path)


def test_path_number_status_pattern_and_list_separator_run_on_re2(tmp_path: Path) -> None:
    root = make_tree(
        tmp_path,
        {
            "tracegraph.yaml": """
                types:
                  KEP:
                    paths: ['keps/**/README.md']
                    path_number: '/(\\d+)-[^/]*/README[.]md$'
                    status_pattern: '^\\W*([A-Za-z]+)\\W*$|(a+)+!b'
                    list_separator: '[ ]*,[ ]*'
                    lifecycle: [provisional, implemented]
                """,
            "keps/sig-x/12-thing/README.md": "---\nstatus: '**Implemented**'\n"
            "depends_on: 'KEP-3 ,KEP-4'\n---\n# Thing\n",
            f"keps/sig-x/13-{'a' * 200}/README.md": f"---\nstatus: {'a' * 50_000}1\n---\n# A\n",
        },
    )
    docs = {d.path.split("/")[2][:2]: d for d in scan(root).documents}
    assert (docs["12"].name, docs["12"].status) == ("KEP-0012", "implemented")
    assert [r.target for r in docs["12"].references] == ["KEP-0003", "KEP-0004"]
    assert docs["13"].name == "KEP-0013"
    (tmp_path / "tracegraph.yaml").write_text("types:\n  KEP:\n    list_separator: ' *'\n")
    with pytest.raises(ConfigError, match=r"list_separator: .*empty string"):
        load_config(tmp_path)


_NAME_PATTERNS = [
    r"^Component\s+[\w.]+\s*[:\-–—.]\s*(?P<name>.+?)\s*$",
    r"(?P<pre>é*)x(?P<name>\w*)",
]


@settings(max_examples=300, deadline=None)
@given(
    pattern=st.sampled_from(_NAME_PATTERNS),
    text=st.one_of(
        st.text(alphabet="Component 12:-–é.xyz\u2028`", max_size=30),
        st.builds("Component {}: {}".format, st.text(max_size=5), st.text(max_size=20)),
    ),
    ignore_case=st.booleans(),
)
def test_a_group_read_through_the_c_layer_is_the_bindings_own(
    pattern: str, text: str, ignore_case: bool
) -> None:
    compiled = compile_pattern(pattern, ignore_case=ignore_case, max_length=None)
    matcher = group_matcher(compiled, "name")
    assert matcher is not None  # this binding has the layer the fast path goes around
    matched = compiled.match(text)
    assert match_group(matcher, text) == (matched.group("name") if matched else None)


def test_no_group_matcher_for_a_group_the_pattern_lacks() -> None:
    assert group_matcher(compile_pattern(r"a(?P<x>b)"), "name") is None


@settings(max_examples=200, deadline=None)
@given(
    pattern=st.sampled_from(ORDINARY),
    text=st.text(alphabet="ADRKEPrfc -_0123é\n", max_size=20),
)
def test_a_search_asked_of_the_c_layer_finds_what_the_binding_finds(
    pattern: str, text: str
) -> None:
    compiled = compile_pattern(pattern, ignore_case=True)
    assert search_found(compiled, text) == (compiled.search(text) is not None)
