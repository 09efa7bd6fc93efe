"""The API a plan offers: a resource per entity with its operations and access, link tables' sub-resources,
sign-in, versioning, authentication and rate limits (split from architect.py, which plans the rest)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from .access import (ISSUED, access_for, caller_column, client_status_values, endpoint_access, managers_by_entity,
                     owner_path, server_owned, set_later, system_written)
from ...spec.words import a
from .approvals import request_endpoints

if TYPE_CHECKING:
    from .plan import PlanView

__all__ = ["is_ledger", "plan_api"]

_JSON_TYPE = {"string": ("string", None), "text": ("string", None), "email": ("string", "email"),
              "url": ("string", "uri"), "int": ("integer", None), "decimal": ("number", None),
              "money": ("string", "decimal"), "bool": ("boolean", None), "timestamp": ("string", "date-time"),
              "date": ("string", "date"), "enum": ("string", None), "uuid": ("string", "uuid")}


# Records of money that moved (review/authz.py LEDGER_RECORDS reads the same): corrected by a new entry, never
# edited or deleted by the people they concern.
_LEDGER = {"payment", "transaction", "refund", "payout", "charge", "transfer", "ledger_entry", "settlement",
           "chargeback", "disbursement"}


def is_ledger(name: str) -> bool:
    return name in _LEDGER or name.split("_")[-1] in _LEDGER


def _ledger_writes(plan: PlanView, name: str, entity: Any, eps: list[dict[str, Any]],
                   schemas: list[dict[str, Any]]) -> None:
    """No DELETE; PATCH only for staff, and only the status (a payment settles, a refund is approved)."""
    ops = plan.endpoints_by_entity[name]
    del ops["delete"]
    eps[:] = [ep for ep in eps if ep["method"] != "DELETE"]
    status = entity.field("status")
    staff = plan.privileged_role or (plan.operator_role if system_written(plan, name) else None)
    patch = next(ep for ep in eps if ep["method"] == "PATCH")
    if not (staff and status):
        eps.remove(patch)
        del ops["update"]
        return
    patch.update({"auth_required": True, "roles": [staff], "owner_scope": None,
                  "summary": f"Move {a(name.replace('_', ' '))} to another status ({staff})"})
    update = next(x for x in schemas if x["name"] == patch["request_schema"])
    update["properties"] = [{"name": "status", "type": "string", "required": True, "enum": status.enum_values,
                             "description": "the status it moves to; every other field is fixed once written"}]


def _path(plan: PlanView, name: str) -> str:
    return "/" + plan.tables[name].replace("_", "-")


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


def plan_api(plan: PlanView) -> dict[str, Any]:
    """The API: a resource per entity, link tables' sub-resources, sign-in, and the cross-cutting policies."""
    d = plan.domain
    schemas: list[dict[str, Any]] = [{
        "name": "Problem", "description": "RFC 9457 problem details",
        "properties": [{"name": "type", "type": "string", "format": "uri", "required": True},
                       {"name": "title", "type": "string", "required": True},
                       {"name": "status", "type": "integer", "required": True},
                       {"name": "detail", "type": "string"},
                       {"name": "instance", "type": "string", "format": "uri"}]}]
    resources: list[dict[str, Any]] = []
    public_reads = bool(re.search(r"\b(browse|visitor|guest|public|anonymous)", plan.domain.corpus))
    page_default = plan.kb.default("page_size_default", 20)
    page_max = plan.kb.default("page_size_max", 100)
    managers = managers_by_entity(plan)
    for name, entity in d.entities.items():
        cls = _camel(name)
        acc = access_for(plan, name, managers.get(name, []))
        fk_cols = ([f"{d.tenant}_id"] if d.tenant and name != d.tenant else []) + \
            [c for p, _ in entity.parents if p in d.entities and p != d.tenant for c in entity.key_columns(p)]
        props = [{"name": "id", "type": "string", "format": "uuid", "read_only": True, "required": True}]
        props += [{"name": c, "type": "string", "format": "uuid", "required": True} for c in fk_cols]
        writable = []
        for f in entity.fields:
            if f.kind == "secret":
                continue
            jtype, fmt = _JSON_TYPE.get(f.kind, ("string", None))
            prop = {"name": f.name, "type": jtype, "format": fmt, "required": f.required,
                    "enum": f.enum_values or None if f.kind == "enum" else None, "nullable": not f.required}
            props.append(prop)
            writable.append(prop)
        props += [{"name": "created_at", "type": "string", "format": "date-time", "read_only": True,
                   "required": True},
                  {"name": "updated_at", "type": "string", "format": "date-time", "read_only": True,
                   "required": True}]
        secret = any(f.kind == "secret" for f in entity.fields)
        create_props = [{"name": c, "type": "string", "format": "uuid", "required": True}
                        for c in fk_cols if c != caller_column(plan, name) and c != f"{d.tenant}_id"
                        and c not in set_later(plan, name)]
        # The server sets status on create and computes totals; the client never sends them.
        create_props += [p for p in writable if p["name"] != "status" and not server_owned(p["name"])]
        if secret and name == d.actor:
            create_props.append({"name": "password", "type": "string", "format": "password", "required": True,
                                 "write_only": True, "description": "at least 12 characters; stored hashed"})
        update_props = []
        for p in writable:
            if server_owned(p["name"]):
                continue
            if p["name"] == "status" and p.get("enum"):
                allowed = client_status_values(p["enum"])
                if not allowed:
                    continue
                p = dict(p, enum=allowed, description="the transitions a client may ask for; the server "
                         "sets the others")
            update_props.append(dict(p, required=False))
        schemas += [{"name": cls, "properties": props},
                    {"name": f"{cls}Create", "properties": create_props or [
                        {"name": "note", "type": "string", "description": "optional note"}]},
                    {"name": f"{cls}Update", "properties": update_props or [
                        {"name": "note", "type": "string", "description": "optional note"}]},
                    {"name": f"{cls}Page", "properties": [
                        {"name": "items", "type": "array", "ref": cls, "required": True},
                        {"name": "next_cursor", "type": "string", "nullable": True, "required": True,
                         "description": "opaque cursor of the next page; null on the last page"}]}]
        path, pid = _path(plan, name), f"{name}_id"
        id_param = {"name": pid, "location": "path", "type": "string", "format": "uuid", "required": True}
        unauthorized = {"status": 401, "description": "Missing or invalid credentials", "schema_ref": "Problem"}
        limited = {"status": 429, "description": "Rate limit exceeded", "schema_ref": "Problem"}
        public = public_reads and acc.public_read
        filters = [{"name": c, "location": "query", "type": "string", "format": "uuid",
                    "description": f"only {plan.tables[name]} of this {c[:-3]}"} for c in fk_cols
                   if c != f"{d.tenant}_id"]
        if entity.field("status"):
            filters.append({"name": "status", "location": "query", "type": "string"})
        if "search" in d.features and any(f.kind in ("string", "text") for f in entity.fields):
            filters.append({"name": "q", "location": "query", "type": "string", "description": "full-text search"})
        signup = name == d.actor and secret
        errors = [unauthorized, limited]
        read_errors = [limited] if public else errors
        write_errors = [limited] if signup else errors
        eps = [
            {"method": "GET", "path": path, "operation_id": f"list{_camel(plan.tables[name])}",
             "summary": f"List {plan.tables[name].replace('_', ' ')}", **endpoint_access(acc, "list"),
             "parameters": [{"name": "limit", "location": "query", "type": "integer",
                             "description": f"page size, default {page_default}, max {page_max}"},
                            {"name": "cursor", "location": "query", "type": "string",
                             "description": "next_cursor of the previous page"}] + filters,
             "responses": [{"status": 200, "description": "A page", "schema_ref": f"{cls}Page"},
                           {"status": 400, "description": "Invalid filter or cursor", "schema_ref": "Problem"},
                           *read_errors]},
            {"method": "POST", "path": path, "operation_id": f"create{cls}",
             "summary": "Sign up" if signup else f"Create {a(name.replace('_', ' '))}",
             "request_schema": f"{cls}Create",
             **({"auth_required": False} if signup else endpoint_access(acc, "create")),
             "responses": [{"status": 201, "description": "Created", "schema_ref": cls},
                           {"status": 409, "description": "Conflicts with an existing one", "schema_ref": "Problem"},
                           {"status": 422, "description": "Invalid fields", "schema_ref": "Problem"},
                           *write_errors]},
            {"method": "GET", "path": f"{path}/{{{pid}}}", "operation_id": f"get{cls}", "parameters": [id_param],
             "summary": f"Get one {name.replace('_', ' ')}", **endpoint_access(acc, "get"),
             "responses": [{"status": 200, "description": "Found", "schema_ref": cls},
                           {"status": 404, "description": "Not found", "schema_ref": "Problem"}, *read_errors]},
            {"method": "PATCH", "path": f"{path}/{{{pid}}}", "operation_id": f"update{cls}",
             "parameters": [id_param], "summary": f"Update {a(name.replace('_', ' '))}",
             "request_schema": f"{cls}Update", **endpoint_access(acc, "update"),
             "responses": [{"status": 200, "description": "Updated", "schema_ref": cls},
                           {"status": 404, "description": "Not found", "schema_ref": "Problem"},
                           {"status": 422, "description": "Invalid fields", "schema_ref": "Problem"}, *errors]},
            {"method": "DELETE", "path": f"{path}/{{{pid}}}", "operation_id": f"delete{cls}",
             "parameters": [id_param], "summary": f"Delete {a(name.replace('_', ' '))}",
             **endpoint_access(acc, "delete"),
             "responses": [{"status": 204, "description": "Deleted"},
                           {"status": 404, "description": "Not found", "schema_ref": "Problem"}, *errors]},
        ]
        plan.endpoints_by_entity[name] = {"list": f"GET {path}", "create": f"POST {path}",
                                          "get": f"GET {path}/{{{pid}}}", "update": f"PATCH {path}/{{{pid}}}",
                                          "delete": f"DELETE {path}/{{{pid}}}"}
        if is_ledger(name) or (name.split("_")[-1] in ISSUED and system_written(plan, name)):
            _ledger_writes(plan, name, entity, eps, schemas)  # an issued invoice is voided, never deleted
        if entity.decider:
            request_endpoints(plan, name, entity, eps, schemas)
        resources.append({"name": plan.tables[name].replace("_", "-"), "endpoints": eps,
                          "description": f"{cls} resources"})
    for child, entity in d.entities.items():
        parent = next((p for p, _ in entity.parents if child.startswith(p + "_") and p in d.entities), None)
        create = next((x for x in schemas if x["name"] == f"{_camel(parent)}Create"), None) if parent else None
        if parent is None or create is None:
            continue
        # "order_items" live inside their order: the order is created with its lines in one request.
        line = f"{_camel(child)}Line"
        child_props = next(x for x in schemas if x["name"] == f"{_camel(child)}Create")["properties"]
        schemas.append({"name": line, "description": f"One {child.replace('_', ' ')} of a new {parent}",
                        "properties": [p for p in child_props if p["name"] != f"{parent}_id"] or [
                            {"name": "note", "type": "string"}]})
        create["properties"] = [p for p in create["properties"] if p["name"] != "note"] + [
            {"name": plan.tables[child].removeprefix(parent + "_") or "items", "type": "array", "ref": line,
             "required": True, "description": f"the {plan.tables[child].replace('_', ' ')}, at least one"}]
    for join in (j for j in d.joins if j.item):
        # Line items live inside their parent: the order is created with its lines in one request.
        parent_cls, line = _camel(join.left), f"{_camel(join.left)}Line"
        schemas.append({"name": line, "description": f"One line of a new {join.left.replace('_', ' ')}; the "
                        "server copies the unit price", "properties": [
                            {"name": f"{join.right}_id", "type": "string", "format": "uuid", "required": True},
                            {"name": "quantity", "type": "integer", "required": True,
                             "description": "at least 1"}]})
        create = next(x for x in schemas if x["name"] == f"{parent_cls}Create")
        create["properties"] = [p for p in create["properties"] if p["name"] != "note"] + [
            {"name": "items", "type": "array", "ref": line, "required": True,
             "description": f"the {plan.tables[join.right].replace('_', ' ')} and quantities, at least one"}]
    for join in d.joins:
        left, right = join.left, join.right
        table = plan.tables[f"join:{left}:{right}"]
        base = f"{_path(plan, left)}/{{{left}_id}}/{plan.tables[right].replace('_', '-')}"
        lp = {"name": f"{left}_id", "location": "path", "type": "string", "format": "uuid", "required": True}
        rp = {"name": f"{right}_id", "location": "path", "type": "string", "format": "uuid", "required": True}
        errors = [{"status": 401, "description": "Missing or invalid credentials", "schema_ref": "Problem"},
                  {"status": 404, "description": "Not found", "schema_ref": "Problem"},
                  {"status": 429, "description": "Rate limit exceeded", "schema_ref": "Problem"}]
        eps = [{"method": "GET", "path": base, "operation_id": f"list{_camel(left)}{_camel(plan.tables[right])}",
                "summary": f"List the {plan.tables[right]} of a {left}", "parameters": [lp],
                "responses": [{"status": 200, "description": "The linked items", "schema_ref": _camel(right),
                               "is_list": True}, *errors]},
               {"method": "PUT", "path": f"{base}/{{{right}_id}}", "parameters": [lp, rp],
                "operation_id": f"add{_camel(right)}To{_camel(left)}",
                "summary": f"Add a {right} to a {left} (idempotent)",
                "responses": [{"status": 204, "description": "Linked"}, *errors]},
               {"method": "DELETE", "path": f"{base}/{{{right}_id}}", "parameters": [lp, rp],
                "operation_id": f"remove{_camel(right)}From{_camel(left)}",
                "summary": f"Remove a {right} from a {left}",
                "responses": [{"status": 204, "description": "Unlinked"}, *errors]}]
        path = owner_path(plan, left)
        if path and path != ["id"]:  # "users keep collections of recipes": only the collection's owner links
            for ep in eps:
                ep.update({"auth_required": True, "owner_scope": ".".join([f"{left}_id", *path])})
        plan.endpoints_by_entity[f"join:{table}"] = {"list": f"GET {base}", "add": f"PUT {base}/{{{right}_id}}"}
        resources.append({"name": table.replace("_", "-"), "endpoints": eps,
                          "description": f"Which {plan.tables[right]} belong to a {left}"})
    if d.actor and "auth" in d.features:
        password = any(f.kind == "secret" for f in d.entities[d.actor].fields)
        schemas += [
            {"name": "TokenRequest", "description": "OAuth2-style grant: password or refresh_token" if password
             else "OAuth2-style grant: an authorization code from the identity provider (SSO), or a refresh token",
             "properties": [{"name": "grant_type", "type": "string", "required": True,
                             "enum": ["password" if password else "authorization_code", "refresh_token"]},
                            {"name": "code", "type": "string", "write_only": True},
                            {"name": "email", "type": "string", "format": "email"},
                            {"name": "password", "type": "string", "format": "password", "write_only": True},
                            {"name": "refresh_token", "type": "string", "write_only": True}]},
            {"name": "TokenPair", "properties": [
                {"name": "access_token", "type": "string", "required": True},
                {"name": "refresh_token", "type": "string", "required": True},
                {"name": "token_type", "type": "string", "enum": ["Bearer"], "required": True},
                {"name": "expires_in", "type": "integer", "required": True}]}]
        resources.append({"name": "auth", "description": "Sign in and token refresh", "endpoints": [
            {"method": "POST", "path": "/auth/tokens", "operation_id": "createToken", "auth_required": False,
             "summary": "Sign in with a password, or refresh with a refresh token",
             "request_schema": "TokenRequest",
             "responses": [{"status": 200, "description": "Tokens issued", "schema_ref": "TokenPair"},
                           {"status": 400, "description": "Malformed grant", "schema_ref": "Problem"},
                           {"status": 401, "description": "Wrong credentials", "schema_ref": "Problem"},
                           {"status": 429, "description": "Too many attempts", "schema_ref": "Problem"}]}]})
        plan.endpoints_by_entity["auth"] = {"login": "POST /auth/tokens"}
    if plan.redirect_owner and plan.redirect_code:
        owner, code = plan.redirect_owner, plan.redirect_code
        resources.append({"name": "redirects", "description": "Public redirects by short code", "endpoints": [
            {"method": "GET", "path": f"/r/{{{code}}}", "operation_id": "followRedirect", "auth_required": False,
             "summary": f"Redirect to the {owner}'s target URL",
             "parameters": [{"name": code, "location": "path", "type": "string", "required": True}],
             "responses": [{"status": 302, "description": "Found; the Location header holds the target"},
                           {"status": 404, "description": "Unknown code", "schema_ref": "Problem"},
                           {"status": 410, "description": "Expired", "schema_ref": "Problem"},
                           {"status": 429, "description": "Rate limit exceeded", "schema_ref": "Problem"}]}]})
        plan.endpoints_by_entity["redirect"] = {"follow": f"GET /r/{{{code}}}", "owner": owner}
    return {"title": f"{plan.brief.title} API", "version": "1.0.0",
            "base_path": plan.kb.default("api_base_path", "/api/v1"),
            "versioning": _versioning(plan), "authentication": _authentication(plan),
            "rate_limits": _rate_limits(plan), "schemas": schemas, "resources": resources}


def _versioning(plan: PlanView) -> dict[str, Any]:
    months = int(plan.kb.default("deprecation_window_months", 6))
    return {"strategy": plan.kb.default("versioning", "url_path"), "current_version": "v1",
            "sunset_after_months": months,
            "deprecation_policy": f"Additive changes ship in v1; a breaking change ships as v2 beside it. A "
                                  f"superseded operation is marked deprecated, answers with Deprecation and "
                                  f"Sunset headers (RFC 9745, RFC 8594) and a successor Link, and is removed "
                                  f"{months} months later."}


def _partner_access(plan: PlanView) -> bool:
    return bool(re.search(r"\b(api keys?|partners?|integrations?|third[- ]party|webhooks?|machine clients?)\b",
                          plan.domain.corpus))


def _authentication(plan: PlanView) -> dict[str, Any]:
    jwt = {"name": "bearerAuth", "type": "bearer_jwt",
           "description": "Short-lived JWT access tokens; refresh tokens rotate on every use",
           "token_ttl_minutes": plan.kb.default("access_token_ttl_minutes", 15),
           "refresh_token_ttl_days": plan.kb.default("refresh_token_ttl_days", 30)}
    if "auth" in plan.endpoints_by_entity:
        jwt["refresh_endpoint"] = plan.endpoints_by_entity["auth"]["login"]
    schemes = [jwt]
    if _partner_access(plan):
        schemes.append({"name": "apiKeyAuth", "type": "api_key", "api_key_header": "X-API-Key",
                        "description": "Per-partner keys for server-to-server integrations, stored hashed"})
    return {"description": "Users sign in for a JWT; roles decide what they may change.",
            "schemes": schemes, "roles": plan.roles}


def _rate_limits(plan: PlanView) -> list[dict[str, Any]]:
    limits = [{"tier": "anonymous", "requests": plan.kb.default("rate_limit_default_per_hour", 1000),
               "period": "hour", "algorithm": "token_bucket", "key": "ip"},
              {"tier": "authenticated", "requests": plan.kb.default("rate_limit_authenticated_per_hour", 5000),
               "period": "hour", "algorithm": "token_bucket", "key": "user"}]
    if _partner_access(plan):
        limits.append({"tier": "partner", "requests": 100, "period": "second", "algorithm": "sliding_window",
                       "key": "api_key"})
    return limits
