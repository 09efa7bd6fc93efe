"""The artifact models: what they accept, what they refuse (and say why), and cross_check."""

from __future__ import annotations

import copy
from typing import Any, Callable

import pytest
from pydantic import ValidationError

from backend_architect.inputs.brief import Brief
from backend_architect.spec import ApiSpecification, DatabaseSchema, FinishDesign, ServiceArchitecture, cross_check

API: dict[str, Any] = {
    "title": "Shop API",
    "authentication": {"schemes": [{"name": "bearerAuth", "type": "bearer_jwt"}]},
    "versioning": {"deprecation_policy": "six months"},
    "schemas": [{"name": "Order", "properties": [{"name": "id", "type": "string", "format": "uuid", "required": True}]}],
    "resources": [{"name": "orders", "endpoints": [
        {"method": "GET", "path": "/orders/{order_id}", "operation_id": "getOrder", "summary": "Get an order",
         "parameters": [{"name": "order_id", "location": "path", "required": True}],
         "responses": [{"status": 200, "description": "the order", "schema_ref": "Order"},
                       {"status": 404, "description": "not found"}]},
        {"method": "POST", "path": "/orders", "operation_id": "createOrder", "summary": "Place an order",
         "request_schema": "Order", "responses": [{"status": 201, "description": "created", "schema_ref": "Order"}]},
    ]}],
}

SCHEMA: dict[str, Any] = {"tables": [
    {"name": "customers", "columns": [
        {"name": "id", "type": "uuid", "primary_key": True},
        {"name": "email", "type": "text", "unique": True, "not_null": True}]},
    {"name": "orders", "columns": [
        {"name": "id", "type": "uuid", "primary_key": True},
        {"name": "customer_id", "type": "uuid", "not_null": True, "references": {"table": "customers"}},
        {"name": "total", "type": "Numeric(12, 2)"}],
     "indexes": [{"name": "orders_customer_idx", "columns": ["customer_id", "total desc"], "reason": "history"}]},
]}

SERVICES: dict[str, Any] = {
    "style": "microservices",
    "rationale": "two teams",
    "services": [
        {"name": "order-service", "description": "orders", "responsibilities": ["place orders"],
         "owned_tables": ["orders"], "endpoints": ["GET /api/v1/orders/{order_id}", "POST /api/v1/orders"],
         "events_published": ["order.placed"],
         "depends_on": [{"service": "customer-service", "protocol": "rest", "reason": "look up customers"}]},
        {"name": "customer-service", "description": "customers", "responsibilities": ["manage customers"],
         "owned_tables": ["customers"], "events_subscribed": ["order.placed"]},
    ],
    "events": [{"name": "order.placed", "description": "an order was placed"}],
    "infrastructure": {"api_gateway": {"routes": [{"path_prefix": "/api/v1/orders", "service": "order-service"}]}},
}


def changed(base: dict[str, Any], change: Callable[[dict[str, Any]], Any]) -> dict[str, Any]:
    data = copy.deepcopy(base)
    change(data)
    return data


def rejected(model: type, data: dict[str, Any]) -> str:
    with pytest.raises(ValidationError) as info:
        model.model_validate(data)
    return str(info.value)


# --- valid models -----------------------------------------------------------------------------


def test_minimal_valid_models():
    api = ApiSpecification.model_validate(API)
    assert api.endpoint_keys() == {
        "GET /api/v1/orders/{order_id}", "POST /api/v1/orders", "GET /orders/{order_id}", "POST /orders"}
    schema = DatabaseSchema.model_validate(SCHEMA)
    assert schema.table_names() == {"customers", "orders"}
    assert schema.table("orders").column("total").type == "numeric(12, 2)"  # normalised to lowercase
    services = ServiceArchitecture.model_validate(SERVICES)
    assert services.owner_of("orders") == "order-service"
    assert services.owner_of("nothing") is None


# --- API rejections ---------------------------------------------------------------------------

def _endpoint(data: dict[str, Any], i: int = 0) -> dict[str, Any]:
    return data["resources"][0]["endpoints"][i]


def test_undeclared_path_parameter_is_declared_from_the_path():
    spec = ApiSpecification.model_validate(changed(API, lambda d: _endpoint(d).update(parameters=[])))
    endpoint = next(e for r in spec.resources for e in r.endpoints if e.path == "/orders/{order_id}")
    assert [(p.name, p.location, p.required) for p in endpoint.parameters] == [("order_id", "path", True)]


def test_declared_path_parameter_missing_from_path():
    extra = {"name": "shop_id", "location": "path", "required": True}
    data = changed(API, lambda d: _endpoint(d)["parameters"].append(extra))
    assert "'shop_id'" in rejected(ApiSpecification, data)


def test_unknown_schema_ref():
    data = changed(API, lambda d: _endpoint(d, 1).update(request_schema="Basket"))
    assert "unknown schema 'Basket'" in rejected(ApiSpecification, data)


def test_duplicate_operation_id():
    data = changed(API, lambda d: _endpoint(d, 1).update(operation_id="getOrder"))
    assert "duplicate operation_id 'getOrder'" in rejected(ApiSpecification, data)


def test_endpoint_without_success_response():
    data = changed(API, lambda d: _endpoint(d).update(responses=[{"status": 404, "description": "nope"}]))
    assert "GET /orders/{order_id} has no success" in rejected(ApiSpecification, data)


def test_get_with_request_body():
    data = changed(API, lambda d: _endpoint(d).update(request_schema="Order"))
    assert "GET /orders/{order_id} must not take a request body" in rejected(ApiSpecification, data)


def test_unknown_field_forbidden():
    data = changed(API, lambda d: _endpoint(d).update(obsolete=True))
    message = rejected(ApiSpecification, data)
    assert "obsolete" in message and "Extra inputs are not permitted" in message


# --- database rejections ----------------------------------------------------------------------

def _table(data: dict[str, Any], name: str) -> dict[str, Any]:
    return next(t for t in data["tables"] if t["name"] == name)


def test_table_without_primary_key():
    data = changed(SCHEMA, lambda d: _table(d, "customers")["columns"][0].update(primary_key=False))
    assert "'customers' has no primary key" in rejected(DatabaseSchema, data)


def test_foreign_key_to_unknown_table():
    data = changed(SCHEMA, lambda d: _table(d, "orders")["columns"][1]["references"].update(table="clients"))
    assert "unknown table 'clients'" in rejected(DatabaseSchema, data)


def test_foreign_key_to_unknown_column():
    data = changed(SCHEMA, lambda d: _table(d, "orders")["columns"][1]["references"].update(column="uuid"))
    assert "unknown column customers.uuid" in rejected(DatabaseSchema, data)


def test_foreign_key_to_non_unique_column():
    def change(d):
        _table(d, "customers")["columns"][1]["unique"] = False
        _table(d, "orders")["columns"][1]["references"]["column"] = "email"
    message = rejected(DatabaseSchema, changed(SCHEMA, change))
    assert "orders.customer_id references customers.email, which is neither the primary key nor unique" in message


def test_index_on_missing_column():
    data = changed(SCHEMA, lambda d: _table(d, "orders")["indexes"][0].update(columns=["placed_at"]))
    assert "'placed_at' is not a column" in rejected(DatabaseSchema, data)


@pytest.mark.parametrize("bad_type", ["text; DROP TABLE users", "text -- comment", "int4) ; select (1"])
def test_column_type_injection_refused(bad_type):
    data = changed(SCHEMA, lambda d: _table(d, "customers")["columns"][1].update(type=bad_type))
    assert "is not a PostgreSQL type name" in rejected(DatabaseSchema, data)


def test_column_default_injection_refused():
    data = changed(SCHEMA, lambda d: _table(d, "orders")["columns"][2].update(default="0; DROP TABLE orders"))
    assert "'total'" in rejected(DatabaseSchema, data)


def test_not_null_with_on_delete_set_null():
    data = changed(SCHEMA, lambda d: _table(d, "orders")["columns"][1]["references"].update(on_delete="set null"))
    assert "orders.customer_id is NOT NULL" in rejected(DatabaseSchema, data)


# --- service rejections -----------------------------------------------------------------------

def _service(data: dict[str, Any], i: int) -> dict[str, Any]:
    return data["services"][i]


def test_depends_on_unknown_service():
    data = changed(SERVICES, lambda d: _service(d, 0)["depends_on"][0].update(service="billing-service"))
    assert "unknown service 'billing-service'" in rejected(ServiceArchitecture, data)


def test_undeclared_event():
    data = changed(SERVICES, lambda d: _service(d, 0)["events_published"].append("order.cancelled"))
    assert "'order.cancelled' is not declared" in rejected(ServiceArchitecture, data)


def test_table_owned_by_two_services():
    data = changed(SERVICES, lambda d: _service(d, 1)["owned_tables"].append("orders"))
    message = rejected(ServiceArchitecture, data)
    assert "'orders' is owned by both order-service and customer-service" in message


def test_gateway_route_to_unknown_service():
    route = {"path_prefix": "/api/v1/pay", "service": "payment-service"}
    data = changed(SERVICES, lambda d: d["infrastructure"]["api_gateway"]["routes"].append(route))
    assert "unknown service 'payment-service'" in rejected(ServiceArchitecture, data)


# --- cross_check ------------------------------------------------------------------------------

BRIEF = Brief(title="Shop", requirements=["Place orders", "Manage customers"])


def finish(*items: dict[str, Any]) -> FinishDesign:
    return FinishDesign.model_validate({"summary": "A shop.", "traceability": list(items)})


GOOD_TRACE = [
    {"requirement_id": "R1", "endpoints": ["POST /api/v1/orders"], "tables": ["orders"]},
    {"requirement_id": "R2", "services": ["customer-service"]},
]


def models(services: dict[str, Any] = SERVICES, schema: dict[str, Any] = SCHEMA):
    return (ApiSpecification.model_validate(API), DatabaseSchema.model_validate(schema),
            ServiceArchitecture.model_validate(services))


def test_cross_check_clean():
    assert cross_check(BRIEF, *models(), finish(*GOOD_TRACE)) == []


def test_cross_check_owned_table_not_in_schema():
    errors = cross_check(BRIEF, *models(changed(SERVICES, lambda d: _service(d, 1)["owned_tables"].append("wallets"))))
    assert errors == ["microservices: customer-service owns 'wallets', which is not a table of the schema"]


def test_cross_check_endpoint_not_in_api():
    data = changed(SERVICES, lambda d: _service(d, 0)["endpoints"].append("DELETE /api/v1/orders/{order_id}"))
    errors = cross_check(BRIEF, *models(data))
    assert len(errors) == 1 and "'DELETE /api/v1/orders/{order_id}'" in errors[0]


def test_cross_check_unowned_table():
    schema = changed(SCHEMA, lambda d: d["tables"].append(
        {"name": "audit_log", "columns": [{"name": "id", "type": "bigint", "primary_key": True}]}))
    errors = cross_check(BRIEF, *models(schema=schema))
    assert len(errors) == 1 and "['audit_log']" in errors[0] and "owned by no service" in errors[0]


def test_cross_check_finish_missing_requirement():
    errors = cross_check(BRIEF, *models(), finish(GOOD_TRACE[0]))
    assert errors == ["finish_design: requirement R2 is not traced; add a traceability item for it"]


def test_cross_check_finish_unknown_requirement():
    errors = cross_check(BRIEF, *models(), finish(*GOOD_TRACE, {"requirement_id": "R9", "tables": ["orders"]}))
    assert len(errors) == 1 and "'R9' is not a requirement id" in errors[0]


def test_cross_check_finish_traced_to_nothing():
    errors = cross_check(BRIEF, *models(), finish(GOOD_TRACE[0], {"requirement_id": "R2"}))
    assert errors == ["finish_design: R2 is traced to nothing; name what satisfies it"]


def test_cross_check_finish_unknown_refs():
    item = {"requirement_id": "R2", "endpoints": ["GET /api/v1/carts"], "tables": ["carts"], "services": ["cart"]}
    errors = cross_check(BRIEF, *models(), finish(GOOD_TRACE[0], item))
    assert len(errors) == 3
    assert any("'GET /api/v1/carts'" in e for e in errors)
    assert any("'carts', which is not a known table" in e for e in errors)
    assert any("'cart', which is not a known service" in e for e in errors)


def test_index_names_follow_postgresql_and_may_not_clash():
    from backend_architect.spec.data import DatabaseSchema, pg_object_name

    assert pg_object_name("users", "email", "key") == "users_email_key"
    long = pg_object_name("t" * 50, "external_ref", "key")
    assert len(long) == 63 and long.endswith("_external_ref_key")  # the longer part is shortened first
    pk = {"name": "id", "type": "uuid", "primary_key": True}
    with pytest.raises(ValueError, match="'a_b_c_key', which is already"):
        DatabaseSchema.model_validate({"tables": [
            {"name": "a_b", "columns": [pk, {"name": "c", "type": "text", "unique": True}]},
            {"name": "a", "columns": [pk, {"name": "b_c", "type": "text", "unique": True}]}]})
    with pytest.raises(ValueError, match="has the name of the primary-key or unique index of users"):
        DatabaseSchema.model_validate({"tables": [{"name": "users", "columns": [
            pk, {"name": "email", "type": "text", "unique": True}],
            "indexes": [{"name": "users_email_key", "columns": ["email", "id"], "reason": "login"}]}]})
    with pytest.raises(ValueError, match="has the name of the primary-key or unique index of users"):
        DatabaseSchema.model_validate({"tables": [{"name": "users", "columns": [
            pk, {"name": "email", "type": "text", "unique": True}],
            "indexes": [{"name": "users_email_key", "columns": ["email"], "reason": "login"}]}]})
