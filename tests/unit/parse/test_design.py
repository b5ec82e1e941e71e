"""Extraction of components, endpoints and tables from documents written from the TDD template
(issue 20): declarative, driven by the type's architecture mapping."""

from __future__ import annotations

import itertools
import textwrap
from importlib import resources
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.arch_repo import Part, tdd
from tests.conftest import CORPORA, SAMPLE_REPO
from tracegraph.config import (
    TDD_ARCHITECTURE,
    ArchMapping,
    ComponentMapping,
    Limits,
    TypeSpec,
    config_from_mapping,
    default_config,
)
from tracegraph.errors import ConfigError
from tracegraph.model import Component, Design, Endpoint, Named, Table
from tracegraph.parse import Recogniser, parse_document
from tracegraph.parse.design import heading_regex, heading_words, split_names

RECOGNISER = Recogniser.from_config(default_config())


def parse(text: str, path: str = "docs/tdd/TDD-0001-x.md", recogniser: Recogniser = RECOGNISER):
    return parse_document(path, textwrap.dedent(text).encode(), recogniser, Limits())


def test_sample_repo_tdd_0001_is_read_field_by_field() -> None:
    path = "docs/tdd/TDD-0001-tracking-api-and-event-ingestion.md"
    doc = parse_document(path, (SAMPLE_REPO / path).read_bytes(), RECOGNISER, Limits())
    assert doc.design == Design(
        components=(
            Component(
                "Normaliser",
                58,
                "Map raw carrier events to canonical statuses and UTC timestamps.",
                "Python 3.12, consumer of the raw-events topic.",
                (Named("Produces `tracking.events.v1`", 61),),
                (Named("Carrier mapping files", 62), Named("event stream", 62)),
            ),
            Component(
                "Tracking API",
                64,
                "Serve shipment timelines to merchants.",
                "Python 3.12, Starlette; code in src/tracking/api.py.",
                (Named("REST", 67), Named("described below", 67)),
                (Named("PostgreSQL read replicas", 68),),
            ),
        ),
        endpoints=(
            Endpoint(
                "GET",
                "/v1/shipments/{id}/events",
                76,
                "new",
                "Return the canonical timeline of one shipment, newest event first. The handler "
                "is `get_tracking`.",
            ),
        ),
        tables=(Table("tracking_events", 121, "new"),),
    )


def test_every_sample_tdd_describes_two_components_an_endpoint_and_a_table() -> None:
    found = {}
    for path in sorted((SAMPLE_REPO / "docs" / "tdd").glob("*.md")):
        doc = parse_document(path.name, path.read_bytes(), RECOGNISER, Limits())
        assert doc.design is not None
        found[doc.id] = (
            [c.name for c in doc.design.components],
            [f"{e.method} {e.path}" for e in doc.design.endpoints],
            [t.name for t in doc.design.tables],
        )
    assert found == {
        "TDD-0001": (
            ["Normaliser", "Tracking API"],
            ["GET /v1/shipments/{id}/events"],
            ["tracking_events"],
        ),
        "TDD-0002": (
            ["Dispatcher", "Sender"],
            ["POST /v1/webhook-endpoints"],
            ["delivery_attempts"],
        ),
        "TDD-0003": (
            ["Router", "Provider adapters"],
            ["PUT /v1/recipients/{recipient_id}/preferences"],
            ["recipient_preferences"],
        ),
        "TDD-0004": (["Metering consumer", "Invoice exporter"], ["GET /v1/usage"], ["usage_units"]),
    }


def test_the_template_itself_describes_nothing() -> None:
    text = (resources.files("tracegraph") / "templates" / "tdd.md").read_text("utf-8")
    doc = parse(text, "docs/tdd/template.md")
    assert doc.type == "TDD" and doc.design is None


def test_the_default_mapping_names_headings_and_labels_of_the_shipped_template() -> None:
    template = (resources.files("tracegraph") / "templates" / "tdd.md").read_text("utf-8")
    headings = {
        heading_words(line.lstrip("#")) for line in template.splitlines() if line[:1] == "#"
    }
    assert TDD_ARCHITECTURE.components and TDD_ARCHITECTURE.endpoints and TDD_ARCHITECTURE.tables
    names = (
        TDD_ARCHITECTURE.components.section,
        TDD_ARCHITECTURE.endpoints.section,
        *TDD_ARCHITECTURE.endpoints.new,
        *TDD_ARCHITECTURE.endpoints.modified,
        *TDD_ARCHITECTURE.endpoints.breaking,
        TDD_ARCHITECTURE.tables.section,
        *TDD_ARCHITECTURE.tables.new,
        *TDD_ARCHITECTURE.tables.modified,
    )
    for name in names:
        assert heading_words(name) in headings, name
    mapping = TDD_ARCHITECTURE.components
    for label in (mapping.responsibility, mapping.technology, mapping.interfaces):
        assert f"**{label}:**" in template
    assert f"**{mapping.dependencies}:**" in template
    assert f"**{TDD_ARCHITECTURE.tables.label}: `resources`**" in template
    assert heading_regex(mapping.heading).match("Component 1: [Name]")
    assert f"#### {TDD_ARCHITECTURE.examples[0]}" in template  # the template's own examples
    assert f"**Table: `{TDD_ARCHITECTURE.examples[1]}`**" in template


def test_a_new_tdd_still_holding_the_template_examples_designs_nothing() -> None:
    template = (resources.files("tracegraph") / "templates" / "tdd.md").read_text("utf-8")
    filled = template.replace("[Feature Name]", "Orders").replace(
        "[Draft / In Review / Approved / Implemented]", "Draft"
    )
    assert parse(filled).title == "Technical Design Document (TDD): Orders"
    assert parse(filled).design is None
    designed = filled.replace("POST /api/v1/resource", "POST /v1/orders")
    design = parse(designed).design
    assert design is not None and [e.path for e in design.endpoints] == ["/v1/orders"]
    assert design.tables == ()


def test_a_small_tdd_from_the_template() -> None:
    text = tdd(
        "Orders",
        components=[
            Part("Order API", "Go 1.22", "REST, described below.", "Billing Service, PostgreSQL"),
            Part("Order worker", interfaces="Writes `orders`.", dependencies="the Order API"),
        ],
        endpoints=["POST /v1/orders", "GET /v1/orders/{id}?expand=lines"],
        modified_endpoints=["PATCH /v1/carts/{id}"],
        tables=["orders"],
        modified_tables=["customers"],
    )
    design = parse(text).design
    assert design is not None
    order_api, worker = design.components
    assert (order_api.name, order_api.technology) == ("Order API", "Go 1.22")
    assert [n.text for n in order_api.dependencies] == ["Billing Service", "PostgreSQL"]
    assert [n.text for n in worker.dependencies] == ["Order API"]
    assert [(e.method, e.path, e.change) for e in design.endpoints] == [
        ("POST", "/v1/orders", "new"),
        ("GET", "/v1/orders/{id}", "new"),
        ("PATCH", "/v1/carts/{id}", "modified"),
    ]
    assert [(t.name, t.change) for t in design.tables] == [
        ("orders", "new"),
        ("customers", "modified"),
    ]
    lines = text.splitlines()
    assert lines[design.tables[1].line - 1] == "ALTER TABLE customers ADD COLUMN note TEXT;"
    assert lines[design.endpoints[2].line - 1] == "- `PATCH /v1/carts/{id}`: gains a field."


def test_dependencies_as_a_list_and_fields_in_other_spellings() -> None:
    doc = parse(
        """\
        # TDD-0009: Ledger

        **Status:** Draft

        ## 2. System Architecture

        ### Components

        #### Ledger writer

        - **Technology**: Rust
        - **Dependencies:**
          - Kafka (managed)
          - `ledger_entries` table

        #### Notes

        Prose that names **Dependencies:** mid-line: no field, so Notes is no component.

        ## API Design

        | Method | Path | What |
        |---|---|---|
        | POST | /v2/entries | append |

        ### Breaking Changes

        - `DELETE /v1/entries/:id` is removed.
        """
    )
    design = doc.design
    assert design is not None
    (writer,) = design.components
    assert writer.name == "Ledger writer" and writer.technology == "Rust"
    assert [n.text for n in writer.dependencies] == ["Kafka", "`ledger_entries` table"]
    assert [(e.method, e.path, e.change) for e in design.endpoints] == [
        ("POST", "/v2/entries", "new"),
        ("DELETE", "/v1/entries/:id", "breaking"),
    ]


def test_code_blocks_and_prose_are_not_endpoints_or_components() -> None:
    doc = parse(
        """\
        # TDD-0002: Quiet

        **Status:** Draft

        ## System Architecture

        ### High-Level Design

        The API calls GET /v1/things for each thing.

        ```
        #### Component 1: Not a heading
        **Dependencies:** nothing here
        ```

        ## API Design

        ```http
        POST /v1/fake
        ```

        Clients call GET /v1/things, as before.
        """
    )
    assert doc.design is None


def test_only_mapped_types_are_read() -> None:
    text = tdd("Orders", components=[Part("Order API")], endpoints=["POST /v1/orders"])
    assert parse(text, "docs/rfc/RFC-0001-x.md").type == "RFC"
    assert parse(text, "docs/rfc/RFC-0001-x.md").design is None
    off = config_from_mapping({"types": {"TDD": {"architecture": False}}}, "t.yaml")
    assert parse(text, recogniser=Recogniser.from_config(off)).design is None


def test_a_team_maps_its_own_template_through_config() -> None:
    config = config_from_mapping(
        {
            "types": {
                "SPEC": {
                    "folders": ["specs"],
                    "architecture": {
                        "components": {
                            "section": "Services",
                            "heading": "Service: {name}",
                            "technology": "Stack",
                            "dependencies": "Calls",
                        },
                        "tables": {"section": "Storage", "label": "Collection"},
                    },
                }
            }
        },
        "t.yaml",
    )
    spec = config.type_spec("SPEC")
    assert spec is not None and spec.architecture == ArchMapping(
        components=ComponentMapping(
            section="Services", heading="Service: {name}", technology="Stack", dependencies="Calls"
        ),
        tables=spec.architecture.tables,
    )
    doc = parse(
        """\
        # Search spec

        ## Services

        ### Service: Indexer
        **Stack:** Java
        **Calls:** Search API and S3.

        ## Storage

        **Collection: `documents`**

        ## API Design

        #### GET /v1/search
        """,
        "specs/search.md",
        Recogniser.from_config(config),
    )
    assert doc.type == "SPEC" and doc.design == Design(
        components=(
            Component("Indexer", 5, "", "Java", (), (Named("Search API", 7), Named("S3", 7))),
        ),
        tables=(Table("documents", 11, "new"),),
    )


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"components": {"heading": "Component {n}"}}, "{name}"),
        ({"parts": {}}, "unknown key"),
        ({"endpoints": {"new": "New"}}, None),
        ({"tables": {"label": 3}}, "expected a string"),
        ("yes", "expected a mapping"),
        ({"examples": {"a": 1}}, "expected a list of strings"),
    ],
)
def test_mapping_errors_name_the_key(value: object, message: str | None) -> None:
    data = {"types": {"TDD": {"architecture": value}}}
    if message is None:
        spec = config_from_mapping(data, "t.yaml").type_spec("TDD")
        assert spec is not None and spec.architecture is not None
        assert spec.architecture.endpoints is not None
        assert spec.architecture.endpoints.new == ("New",)
        return
    with pytest.raises(ConfigError) as raised:
        config_from_mapping(data, "t.yaml")
    assert str(raised.value).startswith("t.yaml: types.TDD.architecture")
    assert message in str(raised.value)


def test_split_names_keeps_code_and_drops_remarks() -> None:
    assert [n.text for n in split_names("Internal gRPC `Route(event) -> [Message]`.", 1)] == [
        "Internal gRPC `Route(event) -> [Message]`"
    ]
    assert [n.text for n in split_names("A (x, y), B and C & D; `a, b`", 1)] == [
        "A", "B", "C", "D", "`a, b`",
    ]  # fmt: skip
    assert split_names("None.", 1) == [] and split_names("[What it depends on]", 1) == []


def test_typespec_default_has_no_mapping() -> None:
    assert TypeSpec("SPEC").architecture is None
    assert default_config().type_spec("TDD").architecture == TDD_ARCHITECTURE  # type: ignore[union-attr]


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_sections_found_from_the_walks_heading_offsets_as_from_the_line_table(
    newline: str,
) -> None:
    """parse_document hands the design the byte offsets where the walk found each heading
    (no table of line starts is built); the table of a fresh line index gives the same."""
    from tracegraph.parse.design import extract_design
    from tracegraph.parse.markdown import LineIndex, walk_markdown

    spec = RECOGNISER.spec("TDD")
    assert spec is not None and spec.architecture is not None
    for path in sorted((SAMPLE_REPO / "docs" / "tdd").glob("*.md")):
        text = path.read_text("utf-8").replace("\n", newline)
        text += "\n## Data Model\n\n- `last_table`: kept\n#### GET /v1/at-the-end"  # no final break
        data = text.encode()
        facts, lines = walk_markdown(text, data, RECOGNISER)
        assert len(facts.heading_starts) == len(facts.headings)
        for heading, start in zip(facts.headings, facts.heading_starts, strict=True):
            assert lines.line(start) == heading.line
        mapping = spec.architecture
        walked = extract_design(data, facts.headings, lines, mapping, facts.heading_starts)
        tabled = extract_design(data, facts.headings, LineIndex(data), mapping)
        assert walked is not None and walked == tabled


# --- the simple reader against pyromark ---------------------------------------------------------


def _blocks_of(found: list) -> list[tuple[object, ...]]:
    """What a block list says, comparable: kind, lines, level, language and text per line."""
    return [(b.kind, b.line, b.level, b.lang, [(n, "".join(p)) for n, p in b.lines]) for b in found]


def _both(text: str, keep_code: bool) -> tuple[list | None, list]:
    """``simple_blocks`` and ``parsed_blocks`` of ``text`` standing below a heading line."""
    from tracegraph.parse.design import parsed_blocks, simple_blocks
    from tracegraph.parse.markdown import LineIndex

    data = ("## Heading\n" + text).encode()
    simple = simple_blocks(text, 2, keep_code)
    return simple, parsed_blocks(text, len(b"## Heading\n"), LineIndex(data), keep_code)


def _bodies(data: bytes) -> list[str]:
    """The text between each two headings of a document, as the design cuts its sections."""
    from tracegraph.parse.markdown import walk_markdown

    text = data.decode("utf-8", "replace")
    facts, lines = walk_markdown(text, data, RECOGNISER)
    starts = [*facts.heading_starts, len(data)]
    out = []
    for start, stop in itertools.pairwise(starts):
        begin = lines.next_line_start(start)
        end = lines.line_start_at(stop) if stop < len(data) else len(data)
        if 0 <= begin < end:
            out.append(data[begin:end].decode("utf-8", "replace"))
    return out


def test_simple_text_reads_as_pyromark_reads_it() -> None:
    body = (
        "\n**Responsibility:** Takes [orders](../prd/orders.md) and `PATCH /v1/orders/{id}`.  \n"
        "**Technology**: Python 3.12\n\n- `orders`: the table\n- second item\nlazy line\n\n"
        "---\n\n```sql\nCREATE TABLE orders (id INT);\n\n```\nSee ![map](map.svg).\n"
    )
    for keep_code in (False, True):
        simple, parsed = _both(body, keep_code)
        assert simple is not None
        assert _blocks_of(simple) == _blocks_of(parsed)
    assert [b.kind for b in simple] == ["para", "item", "item", "code", "para"]


@pytest.mark.parametrize(
    "body",
    [
        "**Label:**Python\n",  # the closing ** is no right-flanking run: no bold
        "Text\n---\n",  # a heading's underline
        "---\nfront: matter\n---\n",
        "```sql\nCREATE TABLE open (\n",  # a fence left open
        "[x]: /defined\n[x]\n",
        "- [ ] a task\n",
        "    indented code\n",
        "a *b* c\n",
        "a <b>c</b>\n",
        "`a``b`\n",
        "x\r\ny\n",
    ],
)
def test_what_the_simple_reader_leaves_to_pyromark(body: str) -> None:
    assert _both(body, True)[0] is None


_STARTS = ["", "- ", "**Label:** ", "**Tech**: ", "**A `b`:**", "**[x](y)**", "[a](b.md) ",
           "`c` ", "Word ", "---", "```", "```sql", "  ", "* ", "- [ ] ", "# ", "1. ", "> ",
           "|", "[x]: /u", "**a:**b", "**a **", "***", "=", "-"]  # fmt: skip
_PIECES = ["a", "Word", "x1", " ", "  ", ":", "(", ")", ".", "{id}", "`GET /v1/x`", "[a](b.md)",
           "![i](p.png)", "`[x](y)`", "[a `]` b](c)", "*", "**", "_", "`", "``", "[", "]", "<",
           "&", "\\", "~", "|", "é", "\t", "'", "-", "#", "!", "[^1]", "` a `", "CREATE TABLE t;",
           "```"]  # fmt: skip
_LINE = st.tuples(
    st.one_of(st.sampled_from(_STARTS[:11]), st.sampled_from(_STARTS)),
    st.lists(st.one_of(st.sampled_from(_PIECES[:12]), st.sampled_from(_PIECES)), max_size=8),
    st.sampled_from(["", " ", "  "]),
)


@given(st.lists(_LINE, max_size=10), st.booleans(), st.booleans())
@settings(max_examples=400, deadline=None)
def test_simple_reader_agrees_with_pyromark_on_generated_text(
    lines: list[tuple[str, list[str], str]], final_break: bool, keep_code: bool
) -> None:
    text = "\n".join(s + "".join(m) + e for s, m, e in lines) + ("\n" if final_break else "")
    simple, parsed = _both(text, keep_code)
    if simple is not None:
        assert _blocks_of(simple) == _blocks_of(parsed)


def _trees(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    from bench.generate import generate

    generated = tmp_path_factory.mktemp("generated")
    generate(150, generated, seed=13)
    trees = [SAMPLE_REPO, generated]
    return trees + [p for p in sorted(CORPORA.glob("*")) if p.is_dir()]


def test_simple_reader_agrees_with_pyromark_on_every_section_of_real_trees(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    taken = 0
    for root in _trees(tmp_path_factory):
        for path in sorted(root.rglob("*.md")):
            for body in _bodies(path.read_bytes()):
                for keep_code in (False, True):
                    simple, parsed = _both(body, keep_code)
                    if simple is not None:
                        taken += 1
                        assert _blocks_of(simple) == _blocks_of(parsed), (path, body)
    assert taken > 1000  # the generated TDDs' sections are simple text


@given(st.text(alphabet=["\x01", "\x02", ":", " ", "\u00a0", "\x1c", "\t", "a", "B", "é", "*"]))
@settings(max_examples=600, deadline=None)
def test_label_at_reads_a_bold_label_as_its_pattern_does(tail: str) -> None:
    from tracegraph.parse.design import _LABEL, label_at

    for text in ("\x01" + tail, "\x01" + "a" * 58 + tail, "\x01Technology:\x02" + tail):
        match = _LABEL.match(text)
        expected = (match.group(1).strip(), match.end()) if match is not None else None
        assert label_at(text) == expected


def test_a_task_list_in_a_mapped_section_is_read_as_a_list() -> None:
    """A task list item's marker (a bool in pyromark's events) once stopped the check."""
    doc = parse(
        """\
        # TDD-0001: Orders

        ## System Architecture

        ### Component Descriptions

        #### Component 1: Order API
        **Technology:** Python
        **Dependencies:**
        - [ ] PostgreSQL
        - [x] Kafka
        """
    )
    assert doc.design is not None
    (component,) = doc.design.components
    assert component.technology == "Python"
    assert [n.text for n in component.dependencies] == ["PostgreSQL", "Kafka"]


@given(
    st.lists(
        st.lists(st.sampled_from(["a", "B", " ", "İ", "\x00", "-", "1", "data", "Model", "ﬁ"])).map(
            "".join
        ),
        max_size=8,
    ),
    st.sampled_from(["Data Model", "a", "b a", "ib", "fi"]),
)
@settings(max_examples=300, deadline=None)
def test_sections_are_found_as_by_testing_every_heading(texts: list[str], name: str) -> None:
    from tracegraph.model import Heading
    from tracegraph.parse.design import _WordsOf

    headings = [Heading(level=2, text=t, slug="", line=n) for n, t in enumerate(texts, 1)]
    wanted = heading_words(name)
    every = [i for i, t in enumerate(texts) if wanted and wanted[0] in t.lower()]
    every = [i for i in every if heading_words(texts[i])[: len(wanted)] == wanted]
    assert list(_WordsOf(headings, None).starting(wanted)) == every


def _template_regex_by_re(pattern: str) -> str:
    """``heading_regex``'s pattern as it was built with ``re.split`` and ``re.findall``."""
    import re

    out = []
    for part in re.split(r"(\{name\}|\{n\})", pattern.strip()):
        if part == "{name}":
            out.append(r"(?P<name>.+?)")
        elif part == "{n}":
            out.append(r"[\w.]+")
        else:
            for token in re.findall(r"\s*[:\-–—.]\s*|\s+|[^\s:\-–—.]+", part):
                if not token.strip():
                    out.append(r"\s+")
                elif token.strip() in ":-–—.":
                    out.append(r"\s*[:\-–—.]\s*")
                else:
                    out.append(re.escape(token))
    return "^" + "".join(out) + r"\s*$"


_TEMPLATE_PIECES = ["{name}", "{n}", "{", "}", "n", "name", " ", "\t", ":", "-", "–", "—", ".",
                    "Component", "é", "(", "{n", "\u00a0"]  # fmt: skip


@given(st.lists(st.sampled_from(_TEMPLATE_PIECES)).map("".join))
@settings(max_examples=300, deadline=None)
def test_template_headings_tokenised_as_by_re(template: str) -> None:
    from tracegraph.parse.design import heading_pattern

    assert heading_pattern(template) == _template_regex_by_re(template)


_HEADING_PIECES = ["Component", "component", "COMPONENT", " ", "1", "2.3", ":", "-", ".", "Order",
                   "API", "x_y", "(", "`", "é", "K", "\u212a", "—"]  # fmt: skip


@given(
    st.sampled_from(["Component {n}: {name}", "Service - {name}", "{name}", "{n}. {name} (k)"]),
    st.lists(st.sampled_from(_HEADING_PIECES), max_size=12).map("".join),
)
@settings(max_examples=400, deadline=None)
def test_short_ascii_component_headings_are_named_as_by_re2(template: str, heading: str) -> None:
    """Python's ``re`` reads short ASCII headings for ``component_name`` as RE2 does."""
    from tracegraph.parse.design import _ascii_twin, _name_by_re2, _plain

    plain = _plain(heading)
    if not plain.isascii():
        return
    twin = _ascii_twin(template)
    assert twin is not None
    matched = twin.match(plain)
    assert (matched.group("name") if matched else None) == _name_by_re2(template, plain)
