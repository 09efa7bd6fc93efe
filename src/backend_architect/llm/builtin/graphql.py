"""The builtin model's GraphQL schema: generated from its REST schemas, so the two APIs agree."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .plan import PlanView

__all__ = ["plan_graphql"]

_SCALARS = {"integer": "Int", "number": "Float", "boolean": "Boolean", "string": "String"}
_FORMATS = {"uuid": "ID", "date-time": "DateTime", "decimal": "Decimal", "date": "Date"}


def _enum_value(value: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9_]", "_", value).upper()
    return cleaned if re.match(r"[A-Z_]", cleaned) else f"V_{cleaned}"


def _lower(name: str) -> str:
    return name[0].lower() + name[1:]


def _type(prop: dict[str, Any], enums: dict[str, list[str]], owner: str) -> str:
    if prop.get("enum"):
        name = owner + "".join(part.capitalize() for part in prop["name"].split("_"))
        enums[name] = [_enum_value(v) for v in prop["enum"]]
        return name
    if prop.get("ref"):
        return f"[{prop['ref']}!]" if prop["type"] == "array" else prop["ref"]
    if prop["type"] == "array":
        return f"[{_SCALARS.get(prop.get('items') or 'string', 'String')}!]"
    if prop["type"] == "object":
        return "JSON"
    return _FORMATS.get(prop.get("format") or "", _SCALARS[prop["type"]])


def _field(prop: dict[str, Any], enums: dict[str, list[str]], owner: str, *, force_optional: bool = False) -> str:
    kind = _type(prop, enums, owner)
    bang = "!" if prop.get("required") and not prop.get("nullable") and not force_optional else ""
    return f"  {prop['name']}: {kind}{bang}"


def plan_graphql(plan: PlanView) -> dict[str, Any]:
    schemas = {s["name"]: s for s in plan.api["schemas"]}
    enums: dict[str, list[str]] = {}
    blocks: list[str] = ["scalar DateTime", "scalar Date", "scalar Decimal", "scalar JSON",
                         "type PageInfo {\n  hasNextPage: Boolean!\n  endCursor: String\n}"]
    queries, mutations = [], []
    for name in plan.domain.entities:
        cls = "".join(part.capitalize() for part in name.split("_"))
        if cls not in schemas:
            continue
        props = [p for p in schemas[cls]["properties"] if not p.get("write_only")]
        blocks.append(f"type {cls} {{\n" + "\n".join(_field(p, enums, cls) for p in props) + "\n}")
        blocks.append(f"type {cls}Edge {{\n  node: {cls}!\n  cursor: String!\n}}")
        blocks.append(f"type {cls}Connection {{\n  edges: [{cls}Edge!]!\n  pageInfo: PageInfo!\n}}")
        collection = _lower("".join(part.capitalize() for part in plan.tables[name].split("_")))
        queries.append(f"  {_lower(cls)}(id: ID!): {cls}")
        queries.append(f"  {collection}(first: Int = 20, after: String): {cls}Connection!")
        for kind, verb in (("Create", "create"), ("Update", "update")):
            schema = schemas.get(f"{cls}{kind}")
            if not schema:
                continue
            fields = [p for p in schema["properties"] if not p.get("ref")]
            blocks.append(f"input {cls}{kind}Input {{\n" + "\n".join(
                _field(p, enums, cls, force_optional=kind == "Update") for p in fields) + "\n}")
            args = f"input: {cls}{kind}Input!" if kind == "Create" else f"id: ID!, input: {cls}{kind}Input!"
            mutations.append(f"  {verb}{cls}({args}): {cls}!")
        mutations.append(f"  delete{cls}(id: ID!): Boolean!")
    for enum, values in enums.items():
        blocks.append(f"enum {enum} {{\n" + "\n".join(f"  {v}" for v in dict.fromkeys(values)) + "\n}")
    blocks.append("type Query {\n" + "\n".join(queries) + "\n}")
    blocks.append("type Mutation {\n" + "\n".join(mutations) + "\n}")
    depth = int(plan.kb.default("graphql_max_depth", 10))
    return {"path": "/graphql", "sdl": "\n\n".join(blocks) + "\n", "max_depth": depth,
            "max_complexity": int(plan.kb.default("graphql_max_complexity", 1000)),
            "persisted_queries": plan.large,
            "rationale": "The brief asks for GraphQL: clients read related entities in one round trip. It is "
                         "generated from the same schemas as the REST API, uses Relay connections for every list, "
                         f"and rejects queries deeper than {depth} or costlier than the complexity limit."}
