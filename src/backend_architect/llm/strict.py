"""OpenAI strict function schemas from pydantic's JSON schemas, and back again.

Strict mode wants every property required, `additionalProperties: false` on every object, and no
`default`. Optional fields become required and nullable; when the model then sends `null` for one
of them, `drop_filled_nulls` removes it again before pydantic validates, so the default applies.
A schema with free-form maps (`additionalProperties` a schema or true) cannot be strict: None.
"""

from __future__ import annotations

import copy
from typing import Any

__all__ = ["drop_filled_nulls", "strict_schema"]

_MAX_DEPTH = 64


def strict_schema(schema: dict[str, Any]) -> dict[str, Any] | None:
    out = copy.deepcopy(schema)
    try:
        _tighten(out, 0)
        for definition in out.get("$defs", {}).values():
            _tighten(definition, 0)
    except _NotStrict:
        return None
    return out


class _NotStrict(Exception):
    pass


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    branches = schema.get("anyOf")
    if isinstance(branches, list) and any(b.get("type") == "null" for b in branches if isinstance(b, dict)):
        return schema
    if schema.get("type") == "null":
        return schema
    description = schema.pop("description", None)
    wrapped: dict[str, Any] = {"anyOf": [schema, {"type": "null"}]}
    if description:
        wrapped["description"] = description
    return wrapped


def _tighten(node: Any, depth: int) -> None:
    if depth > _MAX_DEPTH:
        raise _NotStrict
    if isinstance(node, list):
        for item in node:
            _tighten(item, depth + 1)
        return
    if not isinstance(node, dict):
        return
    node.pop("default", None)
    node.pop("title", None)  # noise in every property; strict accepts it, but it costs tokens
    properties = node.get("properties")
    if node.get("type") == "object" or isinstance(properties, dict):
        extra = node.get("additionalProperties")
        if extra not in (None, False):
            raise _NotStrict
        node["additionalProperties"] = False
        properties = properties or {}
        required = set(node.get("required", []))
        for name, sub in list(properties.items()):
            _tighten(sub, depth + 1)
            if name not in required:
                properties[name] = _nullable(sub)
        node["properties"] = properties
        node["required"] = list(properties)
    for key in ("items", "anyOf", "oneOf", "allOf", "prefixItems"):
        if key in node:
            _tighten(node[key], depth + 1)


def _resolve(schema: Any, root: dict[str, Any]) -> Any:
    seen = 0
    while isinstance(schema, dict) and isinstance(schema.get("$ref"), str) and seen < _MAX_DEPTH:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = root.get("$defs", {}).get(name, {})
        seen += 1
    return schema


def drop_filled_nulls(value: Any, schema: Any, root: dict[str, Any] | None = None, depth: int = 0) -> Any:
    """Remove `null`s the strict transform forced on optional fields (those not required originally)."""
    root = schema if root is None else root
    schema = _resolve(schema, root)
    if depth > _MAX_DEPTH or not isinstance(schema, dict):
        return value
    if isinstance(value, dict):
        properties = schema.get("properties")
        if not isinstance(properties, dict):
            for branch in schema.get("anyOf", []) + schema.get("oneOf", []):
                branch = _resolve(branch, root)
                if isinstance(branch, dict) and isinstance(branch.get("properties"), dict):
                    return drop_filled_nulls(value, branch, root, depth + 1)
            return value
        required = set(schema.get("required", []))
        return {k: drop_filled_nulls(v, properties.get(k, {}), root, depth + 1)
                for k, v in value.items() if not (v is None and k not in required)}
    if isinstance(value, list):
        items = schema.get("items")
        if items is None:
            for branch in schema.get("anyOf", []):
                branch = _resolve(branch, root)
                if isinstance(branch, dict) and "items" in branch:
                    items = branch["items"]
                    break
        return [drop_filled_nulls(v, items or {}, root, depth + 1) for v in value]
    return value
