"""The architecture graph (issue 20): entities merged across documents, externals apart,
edges traced to the documents and lines that say them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from tests.arch_repo import Part, tdd
from tests.conftest import SAMPLE_REPO
from tracegraph.api import scan
from tracegraph.architecture import (
    ArchEdge,
    Architecture,
    endpoint_key,
    normalise_name,
)
from tracegraph.errors import NotFoundError

Tree = Callable[[Mapping[str, str | bytes]], Path]
T1 = "docs/tdd/TDD-0001-orders.md"
T2 = "docs/tdd/TDD-0002-billing.md"
T3 = "docs/tdd/TDD-0003-shipping.md"


def architecture(tree: Tree, files: Mapping[str, str | bytes]) -> Architecture:
    return scan(tree(files)).architecture


def kinds(arch: Architecture) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for entity in arch.entities:
        out.setdefault(entity.kind, []).append(entity.name)
    return out


def relations(arch: Architecture, relation: str) -> list[tuple[str, str]]:
    return [(e.source, e.target) for e in arch.edges if e.relation == relation]


ORDERS = tdd(
    "Orders",
    "Implemented",
    components=[
        Part("Order API", "Go", "REST, described below.", "Billing service, PostgreSQL"),
        Part("Order worker", interfaces="Writes `orders`.", dependencies="order-api"),
    ],
    endpoints=["POST /v1/orders", "GET /v1/orders/{id}"],
    tables=["orders"],
)


@pytest.fixture
def three(tree: Tree) -> Architecture:
    return architecture(
        tree,
        {
            T1: ORDERS,
            T2: tdd(
                "Billing",
                "Draft",
                components=[Part("Billing", "Kotlin", dependencies="the Order API, Stripe")],
                endpoints=["POST /v1/invoices"],
                tables=["invoices"],
            ),
            T3: tdd(
                "Shipping",
                "Approved",
                components=[Part("Shipper", dependencies="`orders`, GET /v1/orders/:order_id")],
                modified_endpoints=["GET /v1/orders/:order_id"],
                modified_tables=["orders"],
            ),
        },
    )


def test_three_tdds_give_exactly_the_described_entities(three: Architecture) -> None:
    assert kinds(three) == {
        "component": ["Billing", "Order API", "Order worker", "Shipper"],
        "endpoint": ["GET /v1/orders/{id}", "POST /v1/invoices", "POST /v1/orders"],
        "table": ["invoices", "orders"],
        "external": ["PostgreSQL", "Stripe"],
    }


def test_components_resolve_across_documents_by_normalised_name(three: Architecture) -> None:
    deps = relations(three, "depends_on")
    assert ("component:order api", "component:billing") in deps  # "Billing service"
    assert ("component:billing", "component:order api") in deps  # "the Order API", other doc
    assert ("component:order worker", "component:order api") in deps  # "order-api"
    assert ("component:shipper", "table:orders") in deps
    assert ("component:shipper", "endpoint:GET /v1/orders/{}") in deps
    assert ("component:order api", "external:postgresql") in deps
    assert ("component:billing", "external:stripe") in deps
    assert len(deps) == 7


def test_externals_are_kept_apart_and_traced_to_their_mentions(three: Architecture) -> None:
    stripe = three.by_key["external:stripe"]
    assert stripe.state == "external" and stripe.documents == ()
    assert [(s.path, s.role) for s in stripe.sources] == [(T2, "mentions")]
    assert all(e.relation != "described_by" for e in three.edges if e.source == stripe.key)


def test_exposes_owns_and_described_by(three: Architecture) -> None:
    assert relations(three, "exposes") == [
        ("component:order api", "endpoint:GET /v1/orders/{}"),
        ("component:order api", "endpoint:POST /v1/orders"),
        (f"document:{T2}", "endpoint:POST /v1/invoices"),
    ]
    assert relations(three, "owns") == [
        ("component:order worker", "table:orders"),
        (f"document:{T2}", "table:invoices"),
    ]
    orders = three.by_key["table:orders"]
    assert [(s.path, s.role) for s in orders.sources] == [(T1, "new"), (T3, "modified")]
    described = [e for e in three.edges if e.relation == "described_by" and e.source == orders.key]
    assert [(e.target, e.change) for e in described] == [
        (f"document:{T1}", "new"),
        (f"document:{T3}", "modified"),
    ]
    assert ORDERS.splitlines()[described[0].line - 1] == "**Table: `orders`**"


def test_states_follow_the_describing_documents(three: Architecture) -> None:
    state = {e.name: e.state for e in three.entities}
    assert state["Order API"] == "built"  # implemented
    assert state["Billing"] == "proposed"  # draft
    assert state["Shipper"] == "planned"  # approved
    assert state["GET /v1/orders/{id}"] == "built"  # the implemented TDD created it


def test_every_edge_names_a_document_line(three: Architecture) -> None:
    for edge in three.edges:
        assert isinstance(edge, ArchEdge) and edge.path in (T1, T2, T3) and edge.line > 0
    graph = three.graph
    assert graph.number_of_edges() == len(three.edges)
    assert graph.nodes[f"document:{T1}"]["kind"] == "document"


def test_aliases_from_config_merge_spellings(tree: Tree) -> None:
    arch = architecture(
        tree,
        {
            "tracegraph.yaml": 'architecture:\n  aliases:\n    "Order API": [orders-svc, OMS]\n',
            T1: tdd("Orders", components=[Part("order api")]),
            T2: tdd("Billing", components=[Part("Billing", dependencies="OMS, orders-svc")]),
        },
    )
    assert kinds(arch)["component"] == ["Billing", "Order API"]
    assert arch.by_key["component:order api"].spellings == ("order api",)
    (edge,) = [e for e in arch.edges if e.relation == "depends_on"]  # both spellings, one line
    assert (edge.source, edge.target, edge.path) == ("component:billing", "component:order api", T2)


def test_a_retired_document_retires_what_only_it_describes(tree: Tree) -> None:
    arch = architecture(
        tree,
        {
            T1: tdd("Old", "Superseded", components=[Part("Legacy API"), Part("Order API")]),
            T2: tdd("New", "In Review", components=[Part("Order API")]),
        },
    )
    assert {e.name: e.state for e in arch.entities} == {
        "Legacy API": "retired",
        "Order API": "proposed",
    }


def test_find_entities_by_kind_and_name(three: Architecture) -> None:
    assert three.find('component:"order-api"').name == "Order API"
    assert three.find("endpoint:get /v1/orders/:x").name == "GET /v1/orders/{id}"
    assert three.find("table:ORDERS").key == "table:orders"
    assert three.find("external:stripe").name == "Stripe"
    with pytest.raises(NotFoundError, match=r"did you mean external:Stripe\?"):
        three.find("component:Stripe")
    with pytest.raises(NotFoundError, match="did you mean component:Shipper"):
        three.find("component:Shiper")
    with pytest.raises(NotFoundError, match="is not an entity"):
        three.find("widget:x")


def test_sample_repo_describes_eight_components_four_endpoints_four_tables() -> None:
    arch = scan(SAMPLE_REPO).architecture
    found = kinds(arch)
    assert len(found["component"]) == 8 and len(found["endpoint"]) == 4
    assert found["table"] == [
        "delivery_attempts",
        "recipient_preferences",
        "tracking_events",
        "usage_units",
    ]
    documents = {p for e in arch.entities for p in e.documents}
    assert sorted(arch.documents[p].name for p in documents) == [
        "TDD-0001",
        "TDD-0002",
        "TDD-0003",
        "TDD-0004",
    ]
    stream = arch.by_key["external:event stream"]
    assert len({s.path for s in stream.sources}) == 2  # "the event stream", "Event stream"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Webhook Delivery Service", "webhook-delivery"),
        ("the Order API", "order_api"),
        ("Billing svc", "billing"),
        ("Tracking  API", "tracking api"),
    ],
)
def test_names_normalise_alike(a: str, b: str) -> None:
    assert normalise_name(a) == normalise_name(b)


def test_numbered_names_stay_apart() -> None:
    assert normalise_name("Shard 1") != normalise_name("Shard 2")
    assert normalise_name("PostgreSQL 16") != normalise_name("PostgreSQL")  # an alias, if meant


def test_endpoint_parameters_are_one() -> None:
    assert endpoint_key("GET", "/v1/x/{id}/") == endpoint_key("get", "/v1/x/<name>")
    assert endpoint_key("GET", "/v1/x") != endpoint_key("POST", "/v1/x")
