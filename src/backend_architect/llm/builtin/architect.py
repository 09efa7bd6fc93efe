"""From a read domain to the three artifacts and the traceability, by rules and knowledge-base defaults."""

from __future__ import annotations

import re
from typing import Any

from ...inputs.brief import Brief
from ...spec.sizing import estimate_capacity
from ...inputs.knowledge import KnowledgeBase
from ...spec.capacity import CapacityInputs
from .access import access_for, caller_column, set_later, client_status_values, endpoint_access, managers_by_entity, server_owned
from .capabilities import capacity_inputs, data_capabilities
from .constraints import no_overlap, pair_unique
from .domain import Domain, EntityModel, FieldModel, plural, read_domain
from .graphql import plan_graphql
from .operations import plan_decisions, plan_performance

__all__ = ["NothingToDesign", "Plan", "plan_design"]


class NothingToDesign(ValueError):
    """The brief names nothing the rules can turn into tables and resources."""

_PG_TYPE = {"string": "text", "text": "text", "email": "text", "url": "text", "int": "integer",
            "decimal": "numeric", "bool": "boolean", "date": "date", "secret": "text", "uuid": "uuid"}
_JSON_TYPE = {"string": ("string", None), "text": ("string", None), "email": ("string", "email"),
              "url": ("string", "uri"), "int": ("integer", None), "decimal": ("number", None),
              "money": ("string", "decimal"), "bool": ("boolean", None), "timestamp": ("string", "date-time"),
              "date": ("string", "date"), "enum": ("string", None), "uuid": ("string", "uuid")}


_NON_NEGATIVE = re.compile(r"^(quantity|qty|amount|price|count|stock|total|capacity|rating)|_(quantity|amount|price|"
                           r"count|total|capacity)$|^stock_|^total_")


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


class Plan:
    """Everything the builtin model will emit for one brief, as plain JSON-ready dicts."""

    def __init__(self, brief: Brief, knowledge: KnowledgeBase):
        self.brief = brief
        self.kb = knowledge
        self.domain: Domain = read_domain(brief)
        if not self.domain.entities:
            raise NothingToDesign("no entities (things such as users, orders, bookings) found in the brief")
        self.tables: dict[str, str] = {n: plural(n) for n in self.domain.entities}
        self.endpoints_by_entity: dict[str, dict[str, str]] = {}
        redirect = next(((n, f.name) for n, e in self.domain.entities.items() for f in e.fields
                         if f.unique and re.search(r"(code|slug)", f.name)), None)
        self.redirect_owner, self.redirect_code = redirect if redirect and "redirect" in self.domain.features \
            else (None, None)
        inputs, assumptions = capacity_inputs(self)
        inputs["assumptions"] = assumptions
        self.capacity_args = {"inputs": inputs}
        self.capacity = estimate_capacity(CapacityInputs.model_validate(inputs))
        peak = self.capacity.value("peak_read_qps") + self.capacity.value("peak_write_qps")
        self.large = peak >= self.kb.default("large_scale_min_peak_rps", 5000)
        from .services import choose_style

        self.style, self.style_rationale = choose_style(self)
        self.schema = self._schema()
        self.api = self._api()
        self.graphql = plan_graphql(self) if re.search(r"\bgraphql\b", self.domain.corpus) else None
        self.services = self._services()
        self.performance = plan_performance(self)
        self.services["infrastructure"]["caches"] = [
            f"{c['technology']} ({c['layer']}): {c['what']}" for c in self.performance["caching"]
            if c["layer"] == "application"]
        self.decisions = plan_decisions(self)
        self.finish = self._finish()

    # --- database -----------------------------------------------------------------------------

    def _column(self, entity: EntityModel, f: FieldModel, enums: list[dict[str, Any]]) -> dict[str, Any]:
        col: dict[str, Any] = {"name": f.name, "not_null": f.required, "unique": f.unique and not self.domain.tenant}
        if f.kind == "money":
            col["type"] = self.kb.default("money_type", "numeric(12,2)")
        elif f.kind == "timestamp":
            col["type"] = self.kb.default("timestamp_type", "timestamptz")
        elif f.kind == "enum":
            enum_name = f"{entity.name}_{f.name}"
            values = f.enum_values
            enums.append({"name": enum_name, "values": values})
            col["type"] = enum_name
            col["default"] = f"'{values[0]}'"
        else:
            col["type"] = _PG_TYPE.get(f.kind, "text")
        if f.kind == "int" and f.required and re.search(r"(count|quantity|stock)", f.name):
            col["default"] = "0"
        if f.kind in ("int", "money", "decimal") and _NON_NEGATIVE.search(f.name):
            # A negative quantity or price is a bug the database can refuse.
            col["check"] = f"{f.name} > 0" if re.search(r"quantity|qty", f.name) else f"{f.name} >= 0"
        return col

    def _schema(self) -> dict[str, Any]:
        d, enums, tables, relationships = self.domain, [], [], []
        pk_type = self.kb.default("primary_key_type", "uuid")
        ts_type = self.kb.default("timestamp_type", "timestamptz")
        for name, entity in d.entities.items():
            table = self.tables[name]
            cols: list[dict[str, Any]] = [{"name": "id", "type": pk_type, "primary_key": True, "not_null": True,
                                           "default": "gen_random_uuid()" if pk_type == "uuid" else None}]
            indexes: list[dict[str, Any]] = []
            scoped = d.tenant and name != d.tenant
            if scoped:
                cols.append({"name": f"{d.tenant}_id", "type": pk_type, "not_null": True,
                             "references": {"table": self.tables[d.tenant], "column": "id", "on_delete": "cascade"}})
                indexes.append({"name": f"ix_{table}_{d.tenant}_id_created_at",
                                "columns": [f"{d.tenant}_id", "created_at desc"],
                                "reason": f"list {table} of one {d.tenant}, newest first; serves the tenant "
                                          "foreign key"})
            for parent, composition, column in ((p, c, col) for p, c in entity.parents if p in d.entities
                                                and p != d.tenant for col in entity.key_columns(p)):
                cols.append({"name": column, "type": pk_type, "not_null": parent not in entity.takers,
                             "references": {"table": self.tables[parent], "column": "id",
                                            "on_delete": "cascade" if composition else "restrict"}})
                lead = [f"{d.tenant}_id"] if scoped else []
                indexes.append({"name": f"ix_{table}_{column}_created_at",
                                "columns": lead + [column, "created_at desc"],
                                "reason": f"list the {table} of one {parent} newest first "
                                          f"(GET {self._path(name)}?{column}=…); serves the foreign key"})
                relationships.append({"from_table": table, "to_table": self.tables[parent], "kind": "one_to_many",
                                      "via": column})
            for f in entity.fields:
                cols.append(self._column(entity, f, enums))
                if f.unique and scoped:
                    indexes.append({"name": f"ux_{table}_{f.name}", "columns": [f"{d.tenant}_id", f.name],
                                    "unique": True, "reason": f"{f.name} is unique within a {d.tenant}"})
                if f.kind == "enum" and f.name == "status":
                    lead = [f"{d.tenant}_id"] if scoped else []
                    indexes.append({"name": f"ix_{table}_status_created_at",
                                    "columns": lead + ["status", "created_at desc"],
                                    "reason": f"list {table} by status, newest first (GET {self._path(name)}"
                                              "?status=…)"})
            cols += [{"name": "created_at", "type": ts_type, "not_null": True, "default": "now()"},
                     {"name": "updated_at", "type": ts_type, "not_null": True, "default": "now()"}]
            indexes += pair_unique(table, cols, entity)
            exclusions = no_overlap(self, name, table, cols)
            read_from = f" Read from: \u201c{entity.source[:160]}\u201d" if entity.source else ""
            tables.append({"name": table, "description": entity.notes or f"One row per {name.replace('_', ' ')}."
                           + read_from,
                           "columns": cols, "indexes": indexes, **({"exclusions": exclusions} if exclusions else {})})
        for join in d.joins:
            left, right = self.tables[join.left], self.tables[join.right]
            table = f"{join.left}_items" if join.item else f"{join.left}_{right}"
            cols = [{"name": f"{join.left}_id", "type": pk_type, "primary_key": True, "not_null": True,
                     "references": {"table": left, "column": "id", "on_delete": "cascade"}},
                    {"name": f"{join.right}_id", "type": pk_type, "primary_key": True, "not_null": True,
                     "references": {"table": right, "column": "id", "on_delete": "restrict"}}]
            if join.item:
                cols += [{"name": "quantity", "type": "integer", "not_null": True, "default": "1",
                          "check": "quantity > 0"},
                         {"name": "unit_price", "type": self.kb.default("money_type", "numeric(12,2)"),
                          "not_null": True, "check": "unit_price >= 0",
                          "description": "the price when ordered, copied by the server"}]
            cols.append({"name": "created_at", "type": ts_type, "not_null": True, "default": "now()"})
            tables.append({"name": table, "description": f"Which {right} belong to which {left}.",
                           "columns": cols,
                           "indexes": [{"name": f"ix_{table}_{join.right}_id", "columns": [f"{join.right}_id"],
                                        "reason": f"find the {left} of one {join.right}; serves the foreign key "
                                                  "(the primary key covers the other side)"}]})
            relationships.append({"from_table": table, "to_table": left, "kind": "many_to_many", "via": table,
                                  "description": f"{left} ↔ {right}"})
            self.tables[f"join:{join.left}:{join.right}"] = table
        from .services import outbox_contexts, outbox_table

        for context in outbox_contexts(self):
            tables.append({"name": outbox_table(context), "description": f"Transactional outbox of the {context} "
                           "context: events written in the same transaction as the change, relayed to the broker",
                           "columns": [
                               {"name": "id", "type": "bigserial", "primary_key": True, "not_null": True},
                               {"name": "event_type", "type": "text", "not_null": True},
                               {"name": "aggregate_id", "type": pk_type, "not_null": True},
                               {"name": "payload", "type": "jsonb", "not_null": True},
                               {"name": "created_at", "type": ts_type, "not_null": True, "default": "now()"},
                               {"name": "published_at", "type": ts_type}],
                           "indexes": [{"name": f"ix_{outbox_table(context)}_unpublished", "columns": ["id"],
                                        "where": "published_at IS NULL",
                                        "reason": "the relay reads unpublished events in order"}]})
        schema = {"engine": "postgresql", "enums": enums, "tables": tables, "relationships": relationships}
        data_capabilities(self, schema)
        return schema

    # --- API ----------------------------------------------------------------------------------

    def _path(self, name: str) -> str:
        return "/" + self.tables[name].replace("_", "-")

    def _api(self) -> dict[str, Any]:
        d = self.domain
        schemas: list[dict[str, Any]] = [{
            "name": "Problem", "description": "RFC 9457 problem details",
            "properties": [{"name": "type", "type": "string", "format": "uri", "required": True},
                           {"name": "title", "type": "string", "required": True},
                           {"name": "status", "type": "integer", "required": True},
                           {"name": "detail", "type": "string"},
                           {"name": "instance", "type": "string", "format": "uri"}]}]
        resources: list[dict[str, Any]] = []
        public_reads = bool(re.search(r"\b(browse|visitor|guest|public|anonymous)", self.domain.corpus))
        page_default = self.kb.default("page_size_default", 20)
        page_max = self.kb.default("page_size_max", 100)
        managers = managers_by_entity(self)
        for name, entity in d.entities.items():
            cls = _camel(name)
            acc = access_for(self, name, managers.get(name, []))
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
                            for c in fk_cols if c != caller_column(self, name) and c != f"{d.tenant}_id"
                            and c not in set_later(self, name)]
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
            path, pid = self._path(name), f"{name}_id"
            id_param = {"name": pid, "location": "path", "type": "string", "format": "uuid", "required": True}
            unauthorized = {"status": 401, "description": "Missing or invalid credentials", "schema_ref": "Problem"}
            limited = {"status": 429, "description": "Rate limit exceeded", "schema_ref": "Problem"}
            public = public_reads and acc.public_read
            filters = [{"name": c, "location": "query", "type": "string", "format": "uuid",
                        "description": f"only {self.tables[name]} of this {c[:-3]}"} for c in fk_cols
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
                {"method": "GET", "path": path, "operation_id": f"list{_camel(self.tables[name])}",
                 "summary": f"List {self.tables[name].replace('_', ' ')}", **endpoint_access(acc, "list"),
                 "parameters": [{"name": "limit", "location": "query", "type": "integer",
                                 "description": f"page size, default {page_default}, max {page_max}"},
                                {"name": "cursor", "location": "query", "type": "string",
                                 "description": "next_cursor of the previous page"}] + filters,
                 "responses": [{"status": 200, "description": "A page", "schema_ref": f"{cls}Page"},
                               {"status": 400, "description": "Invalid filter or cursor", "schema_ref": "Problem"},
                               *read_errors]},
                {"method": "POST", "path": path, "operation_id": f"create{cls}",
                 "summary": "Sign up" if signup else f"Create a {name.replace('_', ' ')}",
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
                 "parameters": [id_param], "summary": f"Update a {name.replace('_', ' ')}",
                 "request_schema": f"{cls}Update", **endpoint_access(acc, "update"),
                 "responses": [{"status": 200, "description": "Updated", "schema_ref": cls},
                               {"status": 404, "description": "Not found", "schema_ref": "Problem"},
                               {"status": 422, "description": "Invalid fields", "schema_ref": "Problem"}, *errors]},
                {"method": "DELETE", "path": f"{path}/{{{pid}}}", "operation_id": f"delete{cls}",
                 "parameters": [id_param], "summary": f"Delete a {name.replace('_', ' ')}",
                 **endpoint_access(acc, "delete"),
                 "responses": [{"status": 204, "description": "Deleted"},
                               {"status": 404, "description": "Not found", "schema_ref": "Problem"}, *errors]},
            ]
            self.endpoints_by_entity[name] = {"list": f"GET {path}", "create": f"POST {path}",
                                              "get": f"GET {path}/{{{pid}}}", "update": f"PATCH {path}/{{{pid}}}",
                                              "delete": f"DELETE {path}/{{{pid}}}"}
            resources.append({"name": self.tables[name].replace("_", "-"), "endpoints": eps,
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
                {"name": self.tables[child].removeprefix(parent + "_") or "items", "type": "array", "ref": line,
                 "required": True, "description": f"the {self.tables[child].replace('_', ' ')}, at least one"}]
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
                 "description": f"the {self.tables[join.right].replace('_', ' ')} and quantities, at least one"}]
        for join in d.joins:
            left, right = join.left, join.right
            table = self.tables[f"join:{left}:{right}"]
            base = f"{self._path(left)}/{{{left}_id}}/{self.tables[right].replace('_', '-')}"
            lp = {"name": f"{left}_id", "location": "path", "type": "string", "format": "uuid", "required": True}
            rp = {"name": f"{right}_id", "location": "path", "type": "string", "format": "uuid", "required": True}
            errors = [{"status": 401, "description": "Missing or invalid credentials", "schema_ref": "Problem"},
                      {"status": 404, "description": "Not found", "schema_ref": "Problem"},
                      {"status": 429, "description": "Rate limit exceeded", "schema_ref": "Problem"}]
            eps = [{"method": "GET", "path": base, "operation_id": f"list{_camel(left)}{_camel(self.tables[right])}",
                    "summary": f"List the {self.tables[right]} of a {left}", "parameters": [lp],
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
            self.endpoints_by_entity[f"join:{table}"] = {"list": f"GET {base}", "add": f"PUT {base}/{{{right}_id}}"}
            resources.append({"name": table.replace("_", "-"), "endpoints": eps,
                              "description": f"Which {self.tables[right]} belong to a {left}"})
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
            self.endpoints_by_entity["auth"] = {"login": "POST /auth/tokens"}
        if self.redirect_owner and self.redirect_code:
            owner, code = self.redirect_owner, self.redirect_code
            resources.append({"name": "redirects", "description": "Public redirects by short code", "endpoints": [
                {"method": "GET", "path": f"/r/{{{code}}}", "operation_id": "followRedirect", "auth_required": False,
                 "summary": f"Redirect to the {owner}'s target URL",
                 "parameters": [{"name": code, "location": "path", "type": "string", "required": True}],
                 "responses": [{"status": 302, "description": "Found; the Location header holds the target"},
                               {"status": 404, "description": "Unknown code", "schema_ref": "Problem"},
                               {"status": 410, "description": "Expired", "schema_ref": "Problem"},
                               {"status": 429, "description": "Rate limit exceeded", "schema_ref": "Problem"}]}]})
            self.endpoints_by_entity["redirect"] = {"follow": f"GET /r/{{{code}}}", "owner": owner}
        return {"title": f"{self.brief.title} API", "version": "1.0.0",
                "base_path": self.kb.default("api_base_path", "/api/v1"),
                "versioning": self._versioning(), "authentication": self._authentication(),
                "rate_limits": self._rate_limits(), "schemas": schemas, "resources": resources}

    def _versioning(self) -> dict[str, Any]:
        months = int(self.kb.default("deprecation_window_months", 6))
        return {"strategy": self.kb.default("versioning", "url_path"), "current_version": "v1",
                "sunset_after_months": months,
                "deprecation_policy": f"Additive changes ship in v1; a breaking change ships as v2 beside it. A "
                                      f"superseded operation is marked deprecated, answers with Deprecation and "
                                      f"Sunset headers (RFC 9745, RFC 8594) and a successor Link, and is removed "
                                      f"{months} months later."}

    def _partner_access(self) -> bool:
        return bool(re.search(r"\b(api keys?|partners?|integrations?|third[- ]party|webhooks?|machine clients?)\b",
                              self.domain.corpus))

    def _authentication(self) -> dict[str, Any]:
        jwt = {"name": "bearerAuth", "type": "bearer_jwt",
               "description": "Short-lived JWT access tokens; refresh tokens rotate on every use",
               "token_ttl_minutes": self.kb.default("access_token_ttl_minutes", 15),
               "refresh_token_ttl_days": self.kb.default("refresh_token_ttl_days", 30)}
        if "auth" in self.endpoints_by_entity:
            jwt["refresh_endpoint"] = self.endpoints_by_entity["auth"]["login"]
        schemes = [jwt]
        if self._partner_access():
            schemes.append({"name": "apiKeyAuth", "type": "api_key", "api_key_header": "X-API-Key",
                            "description": "Per-partner keys for server-to-server integrations, stored hashed"})
        return {"description": "Users sign in for a JWT; roles decide what they may change.",
                "schemes": schemes, "roles": self.roles}

    def _rate_limits(self) -> list[dict[str, Any]]:
        limits = [{"tier": "anonymous", "requests": self.kb.default("rate_limit_default_per_hour", 1000),
                   "period": "hour", "algorithm": "token_bucket", "key": "ip"},
                  {"tier": "authenticated", "requests": self.kb.default("rate_limit_authenticated_per_hour", 5000),
                   "period": "hour", "algorithm": "token_bucket", "key": "user"}]
        if self._partner_access():
            limits.append({"tier": "partner", "requests": 100, "period": "second", "algorithm": "sliding_window",
                           "key": "api_key"})
        return limits

    @property
    def privileged_role(self) -> str | None:
        match = re.search(r"\b(staff|admins?|administrators?|managers?|moderators?|operators?)\b",
                          self.domain.corpus)
        if not match:
            return None
        word = match.group(1)
        return "staff" if word == "staff" else ("admin" if word.startswith("admin") else word.rstrip("s"))

    @property
    def roles(self) -> list[str]:
        first = self.domain.actor or "user"
        return list(dict.fromkeys([first, *self.domain.roles]
                                  + ([self.privileged_role] if self.privileged_role else [])))

    # --- services and traceability: see services.py -------------------------------------------

    def _services(self) -> dict[str, Any]:
        from .services import plan_services

        return plan_services(self)

    def _finish(self) -> dict[str, Any]:
        from .services import plan_finish

        return plan_finish(self)


def plan_design(brief: Brief, knowledge: KnowledgeBase) -> Plan:
    return Plan(brief, knowledge)
