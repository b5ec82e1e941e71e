"""TG701 endpoint-conflict, TG702 table-conflict, TG703 undescribed-component (issue 20)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.arch_repo import Part, tdd
from tests.conftest import SAMPLE_REPO
from tests.unit.checks.conftest import TODAY, where
from tracegraph.api import scan
from tracegraph.checks import run_checks

T1 = "docs/tdd/TDD-0001-orders.md"
T2 = "docs/tdd/TDD-0002-orders-v2.md"
T3 = "docs/tdd/TDD-0003-checkout.md"


def line_of(text: str, wanted: str) -> int:
    return text.splitlines().index(wanted) + 1


def test_one_endpoint_designed_by_two_active_documents_is_reported_once(findings):
    first = tdd("Orders", endpoints=["POST /v1/orders"], created="2026-01-05")
    second = tdd("Orders v2", endpoints=["POST /v1/orders/"], created="2026-03-01")
    third = tdd("Checkout", endpoints=["POST /v1/orders"], created="2026-02-01")
    found = findings({T1: first, T2: second, T3: third}, "TG701")
    assert where(found) == [(T2, line_of(second, "#### POST /v1/orders/"), 1, "TG701")]
    assert found[0].message == (
        "endpoint conflict: POST /v1/orders is also designed as new by TDD-0001 (line 33) and "
        "TDD-0003 (line 33), and none of them supersedes another; supersede the older design, "
        "or list it under Modified Endpoints"
    )
    assert found[0].target == 'endpoint:"POST /v1/orders"' and found[0].document == "TDD-0002"


def test_superseded_and_superseding_documents_do_not_conflict(findings):
    old = tdd("Orders", "Superseded", endpoints=["POST /v1/orders"], tables=["orders"])
    new = tdd("Orders v2", endpoints=["POST /v1/orders"], tables=["orders"])
    assert findings({T1: old, T2: new}, "TG701", "TG702") == []
    # still "Approved", but the new design says it supersedes the old one
    stale = tdd("Orders", endpoints=["POST /v1/orders"], tables=["orders"])
    successor = tdd(
        "Orders v2", endpoints=["POST /v1/orders"], tables=["orders"], supersedes="TDD-0001"
    )
    assert findings({T1: stale, T2: successor}, "TG701", "TG702") == []
    # ... and a third design beside both conflicts with them, once per entity
    other = tdd("Checkout", endpoints=["POST /v1/orders"], tables=["orders"], created="2026-09-09")
    found = findings({T1: stale, T2: successor, T3: other}, "TG701", "TG702")
    assert [(f.path, f.code) for f in found] == [(T3, "TG701"), (T3, "TG702")]
    assert "TDD-0001 (line" in found[0].message and "TDD-0002 (line" in found[0].message


def test_modified_and_breaking_designs_are_no_conflict(findings):
    first = tdd("Orders", endpoints=["GET /v1/orders/{id}"], tables=["orders"])
    change = tdd(
        "Orders v2", modified_endpoints=["GET /v1/orders/:order_id"], modified_tables=["orders"]
    )
    assert findings({T1: first, T2: change}, "TG701", "TG702") == []


def test_one_table_created_by_two_documents(findings):
    first = tdd("Orders", tables=["orders"], created="2026-01-05")
    second = tdd("Checkout", tables=["Orders"], created="2026-01-06")
    found = findings({T1: first, T3: second}, "TG702")
    assert where(found) == [(T3, line_of(second, "**Table: `Orders`**"), 1, "TG702")]
    assert found[0].message.startswith("table conflict: orders is also created as new by TDD-0001")


def test_undescribed_component_is_info_once_per_name(findings):
    files = {
        T1: tdd(
            "Orders", components=[Part("Order API", dependencies="Billing Service, PostgreSQL")]
        ),
        T2: tdd("Shipping", components=[Part("Shipper", dependencies="billing-svc, Order API")]),
    }
    found = findings(files, "TG703")
    assert [(f.path, f.code, f.severity.value) for f in found] == [(T1, "TG703", "info")]
    assert found[0].message == (
        "undescribed component: 'Billing Service' looks like a component of this system (named "
        "like a service) but no document describes it (named in 1 more document)"
    )
    described = dict(files, **{T3: tdd("Billing", components=[Part("Billing")])})
    assert findings(described, "TG703") == []


def test_internal_and_external_globs_from_config(findings):
    files = {
        "tracegraph.yaml": "architecture:\n  internal: ['acme-*']\n  external: ['Stripe*']\n",
        T1: tdd(
            "Orders",
            components=[Part("Order API", dependencies="acme-ledger, Stripe service, Kafka")],
        ),
    }
    found = findings(files, "TG703")
    assert [f.message.split("(")[1] for f in found] == [
        "matches architecture.internal 'acme-*') but no document describes it"
    ]


def test_sample_repo_has_no_architecture_findings():
    found = run_checks(scan(SAMPLE_REPO), today=TODAY, select=("TG7",))
    assert found == []


@settings(deadline=None)  # the first example imports networkx
@given(
    st.lists(st.tuples(st.integers(0, 6), st.integers(0, 6)), max_size=8),
    st.sets(st.integers(0, 6), min_size=2, max_size=5),
)
def test_rivals_are_the_designers_some_other_neither_supersedes_nor_follows(
    supersedes: list[tuple[int, int]], designers: set[int]
) -> None:
    """The shortcut (a designer outside every chain rivals everyone) gives the pairwise
    definition's answer, and "related" is networkx's path either way along the chains."""
    import networkx as nx

    from tracegraph.checks.architecture import _related, _rivals

    graph = nx.DiGraph()
    graph.add_edges_from((f"d{a}", f"d{b}") for a, b in supersedes if a != b)
    succession = {node: tuple(graph.successors(node)) for node in graph}
    lines = {f"d{n}": n + 1 for n in sorted(designers)}
    pairwise = {p for p in lines for q in lines if q != p and not _related(succession, p, q)}
    assert _rivals(succession, lines) == pairwise
    for p in lines:
        for q in lines:
            expected = (
                p in graph and q in graph and (nx.has_path(graph, p, q) or nx.has_path(graph, q, p))
            )
            assert _related(succession, p, q) == expected


def test_a_check_that_releases_lets_go_of_the_entities_it_made(tmp_path, monkeypatch):
    """The rules read the architecture's entities without building its edges
    (``corpus.architecture`` stays unbuilt); ``run_checks(release=True)`` on a large tree (here:
    any, the threshold lowered) gives the same findings, the architecture rules run first, and
    the entities made for them are let go after the last; an architecture built before the
    call is read instead, with the same findings."""
    import tracegraph.checks as checks
    from tests.helpers import make_tree

    files = {
        T1: tdd("Orders", endpoints=["POST /v1/orders"], created="2026-01-05"),
        T2: tdd("Orders v2", endpoints=["POST /v1/orders/"], created="2026-03-01"),
        T3: tdd("Checkout", endpoints=["POST /v1/orders"], created="2026-02-01"),
    }
    corpus = scan(make_tree(tmp_path / "repo", files))
    kept = run_checks(corpus, today=TODAY)
    assert not corpus.built_architecture and "TG701" in {f.code for f in kept}
    monkeypatch.setattr(checks, "RELEASE_DOCUMENTS", 0)
    ran: list[str] = []
    held: list[bool] = []
    hits = checks._hits

    def hits_of(rule, ctx):
        ran.append(rule.code)
        held.append("entities" in ctx.__dict__)
        return hits(rule, ctx)

    monkeypatch.setattr(checks, "_hits", hits_of)
    assert run_checks(corpus, today=TODAY, release=True) == kept
    assert not corpus.built_architecture
    first = ["TG701", "TG702", "TG703", "TG503"]
    assert ran[:4] == first and ran[4:] == sorted(ran[4:]) and len(ran) > 20
    assert held[:4] == [False, True, True, False] and not any(held[4:])
    built = corpus.architecture
    assert run_checks(corpus, today=TODAY, release=True) == kept
    assert corpus.architecture is built


def test_the_entities_without_edges_are_the_architectures(tmp_path):
    """``design_entities`` gives the architecture's entities of each kind, equal and in order,
    on the sample repository and on a tree with shared tables, endpoints claimed by name,
    dependencies on components, tables and externals."""
    from tests.helpers import make_tree
    from tracegraph.architecture import KINDS, design_entities

    api = Part("Order API", "Go", "REST, described below.", "Billing service, PostgreSQL")
    worker = Part("Order worker", interfaces="Writes `orders`.", dependencies="order-api")
    shipper = Part("Shipper", dependencies="`orders`, GET /v1/orders/:order_id, Ledger svc")
    files = {
        T1: tdd("Orders", components=[api, worker], endpoints=["GET /v1/orders/{id}"]),
        T2: tdd("Orders v2", endpoints=["POST /v1/orders/"], tables=["orders", "items"]),
        T3: tdd("Checkout", components=[shipper], tables=["orders"], created="2026-02-01"),
    }
    for corpus in (scan(SAMPLE_REPO), scan(make_tree(tmp_path / "repo", files))):
        whole = corpus.architecture.entities
        assert whole
        assert design_entities(corpus) == whole
        for kind in KINDS:
            assert design_entities(corpus, [kind]) == tuple(e for e in whole if e.kind == kind)
