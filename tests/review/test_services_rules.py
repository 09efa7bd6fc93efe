"""Each services rule: a services document that triggers it, one that does not."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from backend_architect.review.engine import run_rules
from backend_architect.review.load import services_from_document


def svc(name: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "description": name, "responsibilities": ["x"], **extra}


BASE: dict[str, Any] = {
    "architecture": {"style": "microservices", "rationale": "r"},
    "microservices": [svc("orders", database={"tables": ["orders", "orders_outbox"]}, endpoints=["GET /api/v1/orders"],
                          events_published=["order.placed"]),
                      svc("billing", database={"tables": ["payments"]}, events_subscribed=["order.placed"],
                          depends_on=[{"service": "orders", "protocol": "rest", "reason": "read orders",
                                       "timeout_ms": 500}])],
    "events": [{"name": "order.placed", "description": "d"}],
    "sagas": [{"name": "checkout", "description": "d", "coordination": "choreography", "steps": [
        {"service": "orders", "action": "place", "compensation": "cancel"}, {"service": "billing", "action": "charge"}]}],
    "outbox": [{"service": "orders", "table": "orders_outbox", "events": ["order.placed"], "relay": "polling"}],
    "infrastructure": {"api_gateway": {"routes": [{"path_prefix": "/api/v1/orders", "service": "orders"}]}},
}


def variant(change: Any) -> dict[str, Any]:
    doc = copy.deepcopy(BASE)
    change(doc)
    return doc


CASES: dict[str, Any] = {
    "svc-event-has-publisher": lambda d: d["microservices"][0].update(events_published=[]),
    "svc-single-writer": lambda d: d["microservices"][1]["database"]["tables"].append("orders"),
    "svc-no-sync-cycles": lambda d: d["microservices"][0].update(
        depends_on=[{"service": "billing", "protocol": "grpc", "reason": "charge"}]),
    "svc-saga-compensation": lambda d: d["sagas"][0]["steps"][0].pop("compensation"),
    "svc-outbox-owned": lambda d: d["microservices"][0]["database"]["tables"].remove("orders_outbox"),
    "svc-sync-call-timeout": lambda d: d["microservices"][1]["depends_on"][0].pop("timeout_ms"),
    "svc-gateway-route-target": lambda d: d["infrastructure"]["api_gateway"]["routes"].append(
        {"path_prefix": "/api/v1/payments", "service": "orders"}),
}


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_triggers_and_passes(rule_id: str) -> None:
    found = run_rules("services", services_from_document(variant(CASES[rule_id])), only=[rule_id])
    assert found and all(f.rule_id == rule_id for f in found) and found[0].message
    assert run_rules("services", services_from_document(BASE), only=[rule_id]) == []


def test_every_services_rule_has_a_case() -> None:
    from backend_architect.review import all_rules

    assert {r.id for r in all_rules() if r.artifact == "services"} == set(CASES)


def test_event_dependencies_are_not_sync_cycles() -> None:
    doc = variant(lambda d: d["microservices"][0].update(
        depends_on=[{"service": "billing", "protocol": "event", "reason": "payment.settled", "timeout_ms": 1}]))
    assert run_rules("services", services_from_document(doc), only=["svc-no-sync-cycles"]) == []


def test_gateway_route_to_unknown_service() -> None:
    doc = variant(lambda d: d["infrastructure"]["api_gateway"]["routes"].append({"path_prefix": "/x", "service": "nope"}))
    found = run_rules("services", services_from_document(doc), only=["svc-gateway-route-target"])
    assert "unknown service" in found[0].message
