"""Each cross-artifact rule: a bundle that triggers it, one that does not."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from backend_architect.inputs.brief import Brief
from backend_architect.review import Bundle
from backend_architect.review.ddl import parse_ddl
from backend_architect.review.engine import run_rules
from backend_architect.review.load import services_from_document
from backend_architect.spec import TraceItem

DDL = ("CREATE TABLE customers (id uuid PRIMARY KEY, email text, password_hash text);\n"
       "CREATE TABLE orders (id uuid PRIMARY KEY, customer_id uuid REFERENCES customers (id));")
OPENAPI: dict[str, Any] = {
    "openapi": "3.1.0", "info": {"title": "t", "version": "1"},
    "paths": {"/api/v1/orders": {"get": {"operationId": "listOrders", "responses": {"200": {
        "description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Order"}}}}}}},
              "/api/v1/customers/{customer_id}": {"get": {"operationId": "getCustomer", "responses": {"200": {
                  "description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Customer"}}}}}}}},
    "components": {"schemas": {"Order": {"type": "object", "properties": {"id": {"type": "string"}}},
                               "Customer": {"type": "object", "properties": {"email": {"type": "string"},
                                                                              "password": {"type": "string", "writeOnly": True}}}}},
}
SERVICES: dict[str, Any] = {"microservices": [
    {"name": "shop", "database": {"tables": ["customers", "orders"]},
     "endpoints": ["GET /api/v1/orders", "GET /api/v1/customers/{customer_id}"]}]}
BRIEF = Brief.model_validate({"title": "Shop", "requirements": [{"id": "R1", "text": "Customers place orders."}],
                              "entities": [{"name": "Customer"}, {"name": "Order"}]})


def bundle(**change: Any) -> Bundle:
    b = Bundle(openapi=copy.deepcopy(OPENAPI), data=parse_ddl(DDL)[0], services=services_from_document(SERVICES),
               brief=BRIEF, traceability=[TraceItem(requirement_id="R1", endpoints=["GET /api/v1/orders"])])
    for key, value in change.items():
        setattr(b, key, value)
    return b


def _with_paths(extra: dict[str, Any]) -> dict[str, Any]:
    doc = copy.deepcopy(OPENAPI)
    doc["paths"].update(extra)
    return doc


def _exposing() -> dict[str, Any]:
    doc = copy.deepcopy(OPENAPI)
    doc["components"]["schemas"]["Customer"]["properties"]["passwordHash"] = {"type": "string"}
    return doc


CASES: dict[str, dict[str, Any]] = {
    "cross-resource-backed": {"openapi": _with_paths({"/api/v1/invoices": {"post": {"responses": {"201": {"description": "x"}}}}})},
    "cross-sensitive-exposed": {"openapi": _exposing()},
    "cross-brief-entity-present": {"brief": BRIEF.model_copy(update={"entities": BRIEF.entities + [
        BRIEF.entities[0].model_copy(update={"name": "Warehouse"})]})},
    "cross-requirement-traced": {"traceability": []},
    "cross-service-references": {"services": services_from_document(
        {"microservices": [{"name": "shop", "database": {"tables": ["orders", "carts"]}, "endpoints": ["GET /nope"]}]})},
}


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_triggers_and_passes(rule_id: str) -> None:
    found = run_rules("cross", bundle(**CASES[rule_id]), only=[rule_id])
    assert found and all(f.rule_id == rule_id for f in found) and found[0].message
    assert run_rules("cross", bundle(), only=[rule_id]) == []


def test_every_cross_rule_has_a_case() -> None:
    from backend_architect.review import all_rules

    # The brief-aware families (authz-, brief-, schema-, numbers-) have their own cases in test_<family>_rules.py.
    assert {r.id for r in all_rules() if r.artifact == "cross" and r.id.startswith("cross-")} == set(CASES)


def test_cross_rules_need_their_artifacts() -> None:
    assert run_rules("cross", Bundle(openapi=copy.deepcopy(OPENAPI)), only=CASES) == []
    assert run_rules("cross", Bundle(data=parse_ddl(DDL)[0], brief=BRIEF), only=CASES) == []  # traceability unknown


def test_token_columns_count_as_sensitive_only_when_stored() -> None:
    doc = copy.deepcopy(OPENAPI)
    doc["components"]["schemas"]["Order"]["properties"]["access_token"] = {"type": "string"}
    assert run_rules("cross", bundle(openapi=doc), only=["cross-sensitive-exposed"]) == []
    stored = parse_ddl(DDL + "\nCREATE TABLE sessions (id uuid PRIMARY KEY, access_token text);")[0]
    assert run_rules("cross", bundle(openapi=doc, data=stored), only=["cross-sensitive-exposed"])


def test_names_about_secrets_are_not_secrets() -> None:
    doc = copy.deepcopy(OPENAPI)
    doc["components"]["schemas"]["Order"]["properties"].update({
        "secret_scanning": {"type": "object"}, "verifiable_password_authentication": {"type": "string"},
        "pin": {"type": "object"}, "has_secret": {"type": "boolean"}, "client_secret": {"type": "string"}})
    found = run_rules("cross", bundle(openapi=doc), only=["cross-sensitive-exposed"])
    assert [f.location.rsplit("/", 1)[-1] for f in found] == ["client_secret"]


def _response(path: str, schema: dict[str, Any], method: str = "get") -> dict[str, Any]:
    doc = copy.deepcopy(OPENAPI)
    doc["paths"] = {path: {method: {"operationId": "x", "responses": {"200": {
        "description": "ok", "content": {"application/json": {"schema": schema}}}}}}}
    return doc


def _exposed(doc: dict[str, Any]) -> list[str]:
    return [f.location for f in run_rules("cross", Bundle(openapi=doc), only=["cross-sensitive-exposed"])]


def test_sensitive_fields_of_inline_response_schemas_are_found() -> None:
    inline = {"type": "object", "properties": {"user": {"type": "object", "properties": {
        "name": {"type": "string"}, "password": {"type": "string"}}}}}
    assert _exposed(_response("/api/v1/users", inline)) == [
        "/paths/~1api~1v1~1users/get/responses/200/content/application~1json/schema/properties/user/properties/password"]


def test_objects_about_secrets_and_credential_issuing_responses_are_not_exposures() -> None:
    about = {"type": "object", "properties": {"secret": {"type": "object", "properties": {"enabled": {"type": "boolean"}}},
                                              "private_key": {"type": "array", "items": {"type": "string"}}}}
    assert _exposed(_response("/api/v1/settings", about)) == []
    issued = {"type": "object", "properties": {"client_secret": {"type": "string"}, "api_key": {"type": "string"}}}
    assert _exposed(_response("/oauth/token", issued, "post")) == []
    assert _exposed(_response("/api/v1/projects/{id}/api-keys", issued, "post")) == []
    connection = {"type": "object", "properties": {"connection": {"type": "object", "properties": {
        "host": {"type": "string"}, "password": {"type": "string"}}}}}
    assert _exposed(_response("/api/v1/databases", connection)) == []
    assert _exposed(_response("/api/v1/apps", issued)) != []  # the same fields anywhere else are still exposed
