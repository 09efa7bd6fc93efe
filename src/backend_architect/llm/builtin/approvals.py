"""A request of a thing another person owns (a loan of a resident's tool, a booking of a host's flat): the
requester asks and may cancel; the thing's owner sees the requests for it, approves or declines each, and
records the return when the thing comes back, with any damage found.

An operation has one owner scope, the one column chain the server checks against the caller, and a request has
two people. So each side gets its own operations: the requester's under the request's collection (scoped to
loans.resident_id), the owner's through the thing (scoped to loans.tool_id → tools.resident_id).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .access import owner_path

if TYPE_CHECKING:
    from .entities import EntityModel
    from .plan import PlanView

__all__ = ["request_endpoints"]

# What the owner (or the server, on their word) sets on a request: never the requester's to write.
_OWNER_SET = {"status", "returned_at", "damage_reported_at", "damage_note", "borrowed_at", "picked_up_at",
              "handed_over_at"}


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


def _errors(*extra: tuple[int, str]) -> list[dict[str, Any]]:
    return [*({"status": s, "description": d, "schema_ref": "Problem"} for s, d in extra),
            {"status": 401, "description": "Missing or invalid credentials", "schema_ref": "Problem"},
            {"status": 429, "description": "Rate limit exceeded", "schema_ref": "Problem"}]


def request_endpoints(plan: PlanView, name: str, entity: EntityModel, eps: list[dict[str, Any]],
                      schemas: list[dict[str, Any]]) -> None:
    """The requester's operations narrowed (no DELETE: a cancelled or declined request stays on both people's
    record; the requester's PATCH only cancels), and the owner's added: the requests for their thing, the
    decision, and the return."""
    thing = entity.decider
    through = owner_path(plan, thing) if thing else None
    status = entity.field("status")
    if thing is None or not through or through == ["id"] or status is None:
        return
    scope = ".".join([entity.key_columns(thing)[0], *through])  # tool_id.resident_id: the tool's owner
    cls, table, thing_table = _camel(name), plan.tables[name], plan.tables[thing]
    path, pid = "/" + table.replace("_", "-"), f"{name}_id"
    words, thing_words = name.replace("_", " "), thing.replace("_", " ")
    ops = plan.endpoints_by_entity[name]

    eps[:] = [ep for ep in eps if ep["method"] != "DELETE"]
    ops.pop("delete", None)
    for schema in schemas:
        if schema["name"] in (f"{cls}Create", f"{cls}Update"):
            schema["properties"] = [p for p in schema["properties"] if p["name"] not in _OWNER_SET]
        if schema["name"] == f"{cls}Update":
            schema["properties"].append({"name": "status", "type": "string", "enum": ["cancelled"],
                                         "required": False, "description": f"the requester cancels; the "
                                         f"{thing_words}'s owner approves or declines (POST {path}/{{{pid}}}/decision)"})
    for ep in eps:
        if ep["method"] == "POST":
            ep["summary"] = f"Request a {words} of a {thing_words} (its owner approves or declines it)"
        elif ep["method"] == "GET" and ep["path"] == path:
            ep["summary"] = f"List the caller's own {words} requests"
        elif ep["method"] == "PATCH":
            ep["summary"] = f"Change or cancel the caller's own {words} request"

    item = {"name": pid, "location": "path", "type": "string", "format": "uuid", "required": True}
    thing_param = {"name": f"{thing}_id", "location": "path", "type": "string", "format": "uuid", "required": True}
    schemas.append({"name": f"{cls}Decision", "description": f"The {thing_words} owner's answer to a {words} request",
                    "properties": [{"name": "decision", "type": "string", "enum": ["approve", "decline"],
                                    "required": True},
                                   {"name": "note", "type": "string", "description": "optional word to the requester"}]})
    listed = f"/{thing_table.replace('_', '-')}/{{{thing}_id}}/{table.replace('_', '-')}"
    added = [
        {"method": "GET", "path": listed, "operation_id": f"list{_camel(thing)}{_camel(table)}",
         "summary": f"List the {table.replace('_', ' ')} of one of the caller's {thing_table.replace('_', ' ')} "
                    "(requests to decide, and the ones out)",
         "auth_required": True, "owner_scope": scope, "roles": [],
         "parameters": [thing_param, {"name": "status", "location": "query", "type": "string"},
                        {"name": "limit", "location": "query", "type": "integer"},
                        {"name": "cursor", "location": "query", "type": "string"}],
         "responses": [{"status": 200, "description": "A page", "schema_ref": f"{cls}Page"},
                       *_errors((400, "Invalid filter or cursor"), (404, "Not found"))]},
        {"method": "POST", "path": f"{path}/{{{pid}}}/decision", "operation_id": f"decide{cls}",
         "summary": f"Approve or decline a {words} request (the {thing_words}'s owner)",
         "request_schema": f"{cls}Decision", "auth_required": True, "owner_scope": scope, "roles": [],
         "parameters": [item],
         "responses": [{"status": 200, "description": "Decided", "schema_ref": cls},
                       *_errors((404, "Not found"), (409, "Not awaiting a decision"), (422, "Invalid fields"))]}]
    ops.update({"owner_list": f"GET {listed}", "decide": f"POST {path}/{{{pid}}}/decision"})
    if "returned" in status.enum_values:
        damage = entity.field("damage_note") is not None
        schemas.append({"name": f"{cls}Return", "description": f"The {thing_words} is back: checked by its owner",
                        "properties": [{"name": "damage_note", "type": "string", "nullable": True,
                                        "description": "what is damaged, if anything: reports the damage"}]
                        if damage else [{"name": "note", "type": "string", "description": "optional note"}]})
        added.append({
            "method": "POST", "path": f"{path}/{{{pid}}}/return", "operation_id": f"return{cls}",
            "summary": f"Record that the {thing_words} came back" + (", checked, and any damage" if damage else ""),
            "request_schema": f"{cls}Return", "auth_required": True, "owner_scope": scope, "roles": [],
            "parameters": [item],
            "responses": [{"status": 200, "description": "Returned", "schema_ref": cls},
                          *_errors((404, "Not found"), (409, "Not approved, or already returned"), (422, "Invalid fields"))]})
        ops["return"] = f"POST {path}/{{{pid}}}/return"
    eps.extend(added)
