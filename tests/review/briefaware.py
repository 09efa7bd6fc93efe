"""Compact builders of real spec models for the brief-aware rules' tests: an endpoint is a line, a table a call.

Everything goes through the pydantic contracts and the OpenAPI renderer, so a test design is one a model
could emit (and `review DIR` would load from design.json).
"""

from __future__ import annotations

import re
from typing import Any

from backend_architect.inputs.brief import Brief
from backend_architect.review import Bundle, Finding, review_bundle
from backend_architect.render.openapi import openapi_document
from backend_architect.spec.api import ApiSpecification
from backend_architect.spec.data import DatabaseSchema
from backend_architect.spec.design import Design, GeneratedBy, TraceItem
from backend_architect.spec.services import ServiceArchitecture

FAMILIES = ("authz-", "brief-", "schema-", "numbers-")


def ep(method: str, path: str, *, public: bool = False, roles: tuple[str, ...] = (), scope: str | None = None,
       body: str | None = None, resp: str | None = None, many: bool = False, status: int | None = None) -> dict:
    params = [{"name": p, "location": "path", "required": True, "format": "uuid"}
              for p in re.findall(r"\{([a-z_]+)\}", path)]
    if many:
        params += [{"name": "limit", "location": "query", "type": "integer"},
                   {"name": "cursor", "location": "query"}]
    code = status or (201 if method == "POST" else 204 if method == "DELETE" else 200)
    words = [w for w in re.split(r"[/{}_-]+", path) if w]
    op_id = method.lower() + "".join(w.capitalize() for w in words) + ("List" if many else "")
    success: dict[str, Any] = {"status": code, "description": "ok"}
    if resp and code != 204:
        success.update(schema_ref=resp, is_list=many)
    return {"method": method, "path": path, "operation_id": op_id, "summary": f"{method} {path}",
            "parameters": params, "request_schema": body, "auth_required": not public, "roles": list(roles),
            "owner_scope": scope, "responses": [success, {"status": 400, "description": "bad", "schema_ref": "Problem"}]}


def prop(spec: str) -> dict:
    """'name:type[:format][:ro][:req][:ref=X][:items=T][{a|b}]' → a Property: 'total:number:decimal:ro',
    'status:string{cancelled}', 'items:array:ref=OrderLine'."""
    enum = ""
    if spec.endswith("}"):
        spec, _, enum = spec[:-1].partition("{")
    parts = spec.split(":")
    out: dict[str, Any] = {"name": parts[0], "type": parts[1] if len(parts) > 1 else "string"}
    for extra in parts[2:]:
        if extra == "ro":
            out["read_only"] = True
        elif extra == "req":
            out["required"] = True
        elif extra.startswith("ref="):
            out["ref"] = extra[4:]
        elif extra.startswith("items="):
            out["items"] = extra[6:]
        else:
            out["format"] = extra
    if enum:
        out["enum"] = enum.split("|")
    return out


def api(resources: dict[str, list[dict]], schemas: dict[str, list[str]], roles: list[str] | None = None) -> ApiSpecification:
    all_schemas = [{"name": "Problem", "properties": [prop("title")]}]
    all_schemas += [{"name": n, "properties": [prop(p) for p in props]} for n, props in schemas.items()]
    return ApiSpecification.model_validate({
        "title": "T", "versioning": {"deprecation_policy": "six months with Sunset headers"},
        "authentication": {"schemes": [{"name": "bearerAuth", "type": "bearer_jwt"}], "roles": roles or []},
        "schemas": all_schemas,
        "resources": [{"name": n, "endpoints": eps} for n, eps in resources.items()],
    })


def col(name: str, type_: str = "uuid", *, fk: str | None = None, pk: bool = False, unique: bool = False,
        check: str | None = None, null: bool = False, on_delete: str = "restrict", description: str = "") -> dict:
    out: dict[str, Any] = {"name": name, "type": type_, "primary_key": pk, "unique": unique, "not_null": not null and
                           not pk, "check": check, "description": description}
    if fk:
        out["references"] = {"table": fk, "on_delete": on_delete}
    return out


def table(name: str, *columns: dict, indexes: list[dict] | None = None, exclusions: list[dict] | None = None,
          description: str = "") -> dict:
    cols = [col("id", pk=True), *columns]
    idx = list(indexes or [])
    for c in columns:  # every foreign key indexed, as the data rules want
        if c.get("references") and not any(i["columns"][0] == c["name"] for i in idx):
            idx.append({"name": f"{name}_{c['name']}_idx", "columns": [c["name"]], "reason": "foreign key lookups"})
    return {"name": name, "description": description, "columns": cols, "indexes": idx,
            "exclusions": exclusions or []}


def unique(table_name: str, *columns: str) -> dict:
    return {"name": f"{table_name}_{'_'.join(columns)}_key", "columns": list(columns), "unique": True,
            "reason": "one row per pair"}


def schema(*tables: dict, **extra: Any) -> DatabaseSchema:
    return DatabaseSchema.model_validate({"tables": list(tables), **extra})


def services(*names: str, style: str = "modular_monolith", broker: str | None = None,
             subscribed: dict[str, list[str]] | None = None, events: list[str] | None = None,
             owns: dict[str, list[str]] | None = None) -> ServiceArchitecture:
    subscribed, owns = subscribed or {}, owns or {}
    evts = [{"name": e, "description": e, "payload": [{"name": "id"}]} for e in events or []]
    return ServiceArchitecture.model_validate({
        "style": style, "rationale": "r", "events": evts,
        "services": [{"name": n, "kind": "module" if style == "modular_monolith" else "service", "description": n,
                      "responsibilities": [n], "events_subscribed": subscribed.get(n, []),
                      "owned_tables": owns.get(n, []),
                      "events_published": list(events or []) if i == 0 else []} for i, n in enumerate(names)],
        "infrastructure": {"message_broker": broker},
    })


def brief(requirements: list[str], entities: list[tuple[str, list[str]]] | None = None, **nfr: Any) -> Brief:
    return Brief.model_validate({"title": "Test", "requirements": requirements, "non_functional": nfr,
                                 "entities": [{"name": n, "fields": f} for n, f in entities or []]})


def trace(**items: list[str]) -> list[TraceItem]:
    """R1=["POST /api/v1/orders", "orders"]: endpoints have a space, tables do not."""
    return [TraceItem(requirement_id=rid, endpoints=[e for e in refs if " " in e],
                      tables=[t for t in refs if " " not in t]) for rid, refs in items.items()]


def bundle(*, brief_: Brief | None = None, api_: ApiSpecification | None = None, data: DatabaseSchema | None = None,
           services_: ServiceArchitecture | None = None, traceability: list[TraceItem] | None = None,
           **extra: Any) -> Bundle:
    return Bundle(openapi=openapi_document(api_) if api_ is not None else None, data=data, services=services_,
                  brief=brief_, traceability=traceability, **extra)


def found(b: Bundle, rule_id: str) -> list[Finding]:
    return [f for f in review_bundle(b) if f.rule_id == rule_id]


def new_family_errors(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity == "error" and f.rule_id.startswith(FAMILIES)]


def design(brief_: Brief, api_: ApiSpecification | None, data: DatabaseSchema | None,
           services_: ServiceArchitecture | None, traceability: list[TraceItem], **extra: Any) -> Design:
    return Design(title=brief_.title, generated_by=GeneratedBy(model="hand-written", builtin=False, tool_version="t"),
                  brief=brief_, api_specification=api_, database_schema=data, microservices=services_,
                  traceability=traceability, **extra)
