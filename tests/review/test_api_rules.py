"""Each API rule: one document that triggers it, one that does not."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from backend_architect.review.engine import run_rules
from backend_architect.review.openapi_index import ApiIndex


def op(status: str = "200", **extra: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"operationId": extra.pop("operationId", "getThing"),
                            "responses": {status: {"description": "ok"}, "400": {"description": "bad"},
                                          "500": {"description": "oops"}},
                            "security": [{"bearer": []}]}
    base.update(extra)
    return base


def doc(paths: dict[str, Any], **extra: Any) -> dict[str, Any]:
    d: dict[str, Any] = {"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": paths,
                         "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
                                        "schemas": {}}}
    d.update(extra)
    return d


def with_schemas(d: dict[str, Any], **schemas: Any) -> dict[str, Any]:
    d = copy.deepcopy(d)
    d["components"]["schemas"].update(schemas)
    return d


ID = {"name": "thing_id", "in": "path", "required": True, "schema": {"type": "string"}}
LIST = {"200": {"description": "page", "content": {"application/json": {"schema": {"type": "array", "items": {"type": "string"}}}}},
        "400": {"description": "bad"}}
CASES: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "api-operation-success-response": (
        doc({"/things": {"post": op("202")}}) | {"paths": {"/things": {"post": op("409")}}},
        doc({"/things": {"post": op("201")}})),
    "api-error-responses": (
        doc({"/things": {"get": {**op(), "responses": {"200": {"description": "ok"}}}}}),
        doc({"/things": {"get": {**op(), "responses": {"200": {"description": "ok"}, "default": {"description": "e"}}}}})),
    "api-server-error-response": (
        doc({"/things": {"get": {**op(), "responses": {"200": {"description": "ok"}, "404": {"description": "e"}}}}}),
        doc({"/things": {"get": op()}})),
    "api-operation-security": (
        doc({"/things": {"get": {k: v for k, v in op().items() if k != "security"}}}),
        doc({"/things": {"get": {**op(), "security": []}}})),
    "api-rate-limit-429": (
        doc({"/things": {"get": op()}}, info={"title": "t", "version": "1", "description": "Rate limits: 10/s."}),
        doc({"/things": {"get": {**op(), "responses": {**op()["responses"], "429": {"description": "slow"}}}}},
            info={"title": "t", "version": "1", "description": "Rate limits: 10/s."})),
    "api-operation-id-unique": (
        doc({"/things": {"get": op(), "post": op("201")}}),
        doc({"/things": {"get": op(), "post": op("201", operationId="createThing")}})),
    "api-path-params": (
        doc({"/things/{thing_id}": {"get": op()}}),
        doc({"/things/{thing_id}": {"parameters": [ID], "get": op()}})),
    "api-path-no-trailing-slash": (doc({"/things/": {"get": op()}}), doc({"/things": {"get": op()}})),
    "api-path-ambiguous": (  # url-shortener run 18: GET /users/{username} beside GET /users/{email}
        doc({"/things/{thing_id}": {"get": op(parameters=[ID])},
             "/things/{name}": {"get": op(operationId="byName", parameters=[{**ID, "name": "name"}])}}),
        doc({"/things/{thing_id}": {"get": op(parameters=[ID])},
             "/things/by-name/{name}": {"get": op(operationId="byName", parameters=[{**ID, "name": "name"}])}})),
    "api-path-no-verbs": (doc({"/createThing": {"post": op("201")}}), doc({"/things": {"post": op("201")}})),
    "api-path-plural-resources": (
        doc({"/thing/{thing_id}": {"get": op(parameters=[ID])}}),
        doc({"/things/{thing_id}": {"get": op(parameters=[ID])}})),
    "api-list-pagination": (
        doc({"/things": {"get": op(responses=LIST)}}),
        doc({"/things": {"get": op(responses=LIST, parameters=[{"name": "cursor", "in": "query", "schema": {"type": "string"}}])}})),
    "api-property-casing": (
        with_schemas(doc({}), A={"properties": {"first_name": {"type": "string"}, "last_name": {"type": "string"},
                                                "createdAt": {"type": "string"}}}),
        with_schemas(doc({}), A={"properties": {"first_name": {"type": "string"}, "id": {"type": "string"}}})),
    "api-rate-limit-headers": (
        doc({"/things": {"get": op(responses={"200": {"description": "ok"}, "429": {"description": "slow"}})}}),
        doc({"/things": {"get": op(responses={"200": {"description": "ok"}, "429": {
            "description": "slow", "headers": {"Retry-After": {"schema": {"type": "integer"}}}}})}})),
    "api-problem-json": (
        doc({"/things": {"get": op(responses={"200": {"description": "ok"}, "404": {
            "description": "no", "content": {"application/json": {"schema": {"type": "object"}}}}})}}),
        doc({"/things": {"get": op(responses={"200": {"description": "ok"}, "404": {
            "description": "no", "content": {"application/problem+json": {"schema": {"type": "object"}}}}})}})),
    "api-deprecated-sunset": (
        doc({"/things": {"get": op(deprecated=True)}}),
        doc({"/things": {"get": op(deprecated=True, responses={"200": {
            "description": "ok", "headers": {"Sunset": {"schema": {"type": "string"}}}}})}})),
    "api-typed-enum": (
        with_schemas(doc({}), A={"properties": {"s": {"type": "integer", "enum": ["a", 1]}}}),
        with_schemas(doc({}), A={"properties": {"s": {"type": ["string", "null"], "enum": ["a", None]}}})),
}


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_triggers_and_passes(rule_id: str) -> None:
    bad, good = CASES[rule_id]
    found = run_rules("api", ApiIndex.build(bad), only=[rule_id])
    assert found and all(f.rule_id == rule_id for f in found)
    assert found[0].location.startswith("/") and found[0].message
    assert run_rules("api", ApiIndex.build(good), only=[rule_id]) == []


def test_every_api_rule_has_a_case() -> None:
    from backend_architect.review import all_rules

    assert {r.id for r in all_rules() if r.artifact == "api"} == set(CASES)


def test_operation_id_unfit_characters_and_undefined_scheme() -> None:
    found = run_rules("api", ApiIndex.build(doc({"/things": {"get": op(operationId="find thing by id")}})))
    assert [f.rule_id for f in found] == ["api-operation-id-unique"]
    found = run_rules("api", ApiIndex.build(doc({"/things": {"get": op(security=[{"oauth": []}])}})))
    assert "does not define" in found[0].message


def test_refs_are_resolved_for_parameters_and_list_bodies() -> None:
    d = doc({"/things/{thing_id}": {"get": op(parameters=[{"$ref": "#/components/parameters/Id"}])},
             "/things": {"get": op(responses={"200": {"$ref": "#/components/responses/Page"}}, operationId="list")}})
    d["components"]["parameters"] = {"Id": ID}
    d["components"]["responses"] = {"Page": {"description": "p", "content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/Page"}}}}}
    d["components"]["schemas"]["Page"] = {"type": "object", "properties": {"items": {"type": "array"}}}
    ids = {f.rule_id for f in run_rules("api", ApiIndex.build(d))}
    assert "api-path-params" not in ids and "api-list-pagination" in ids


def test_malformed_documents_do_not_crash() -> None:
    for broken in ({}, {"paths": []}, {"paths": {"/x": None}}, {"paths": {"/x": {"get": {"responses": []}}}},
                   {"paths": {"/x": {"get": {"parameters": [None, 3]}}}, "components": []},
                   {"paths": {"/x": {"get": {"responses": {"200": {"$ref": "#/nowhere"}}}}}}):
        run_rules("api", ApiIndex.build(broken))  # findings or not, never an exception


def _rule(d: dict[str, Any], rule_id: str) -> list[str]:
    return [f.location for f in run_rules("api", ApiIndex.build(d), only=[rule_id])]


def test_server_driven_pagination_counts_as_pagination() -> None:
    page = {"type": "object", "properties": {"value": {"type": "array", "items": {"type": "string"}},
                                             "@odata.nextLink": {"type": "string"}}}
    listed = {"200": {"description": "page", "content": {"application/json": {"schema": page}}}}
    assert _rule(doc({"/things": {"get": op(responses=listed)}}), "api-list-pagination") == []
    linked = {"200": {**LIST["200"], "headers": {"Link": {"schema": {"type": "string"}}}}}
    assert _rule(doc({"/things": {"get": op(responses=linked)}}), "api-list-pagination") == []
    assert _rule(doc({"/things": {"get": op(responses=LIST)}}), "api-list-pagination") == ["/paths/~1things/get/parameters"]


def test_a_rate_limit_exemption_is_not_a_rate_limit() -> None:
    exempt = doc({"/health": {"get": op(**{"x-rate-limit-exempt": True})}})
    assert _rule(exempt, "api-rate-limit-429") == []
    limited = doc({"/things": {"get": op(**{"x-rate-limit": {"per_minute": 60}})}})
    assert _rule(limited, "api-rate-limit-429") == ["/paths/~1things/get/responses"]
