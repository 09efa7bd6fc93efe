"""Repair messages a small model can act on.

pydantic's errors name classes ("instance of MigrationPlan"), repeat one mistake fifteen times and
never show the value that was wrong. Here each error echoes the bad value, errors of one kind are
grouped into one line with where they occur, and a missing field comes with a corrected fragment
of the model's own object. After a failed call the arguments are kept as a draft: the next call
may send only the corrected items (named list items replace theirs, other keys replace theirs), so
a repair never needs the whole artifact again.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

__all__ = ["api_review_lines", "applied_fixes", "describe_validation", "merge_draft", "other_tool", "unwrapped",
           "without_empty_extras"]

_CLASS = re.compile(r"\s*or instance of \w+|instance of \w+")
_INDEX = re.compile(r"\.\d+(?=\.|$)")
_KEYS = ("name", "title", "component", "path", "requirement_id")  # what identifies an item of a list of objects


def _clean(message: str) -> str:
    message = message.removeprefix("Value error, ")
    message = _CLASS.sub("", message).replace("a valid dictionary", "a JSON object")
    return message


def _at(data: Any, loc: tuple[Any, ...]) -> Any:
    for part in loc:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def _shown(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 80 else text[:77] + "…"


def describe_validation(exc: ValidationError, raw: Any, schema: dict[str, Any] | None = None) -> list[str]:
    """One line per kind of error, the bad value echoed, a corrected fragment for missing fields, and for a
    rule that says what an object needs ("horizontal scaling needs a trigger") the object with it, the
    example its field's description gives filled in (from `schema`, the arguments' JSON schema)."""
    groups: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for err in exc.errors(include_url=False):
        loc = ".".join(str(p) for p in err["loc"]) or "(arguments)"
        key = (err["type"], _INDEX.sub(".N", loc), _clean(err["msg"]))
        groups.setdefault(key, []).append(err)
    lines = []
    for (kind, pattern, message), errors in groups.items():
        first = errors[0]
        loc = ".".join(str(p) for p in first["loc"]) or "(arguments)"
        value = first.get("input")
        if kind == "missing":
            line = f"{loc}: required field missing"
        elif kind in ("extra_forbidden",):
            line = f"{loc}: not a field here (got {_shown(value)}); remove it"
        elif isinstance(value, (str, int, float, bool)) or value is None:
            line = f"{loc}: {_shown(value)}: {message}"
        else:
            line = f"{loc}: {message}"
        if len(errors) > 1:
            places = ", ".join(".".join(str(p) for p in e["loc"][:-1]) or "(arguments)" for e in errors[1:6])
            more = f" and {len(errors) - 6} more" if len(errors) > 6 else ""
            line += f" (the same at {len(errors) - 1} more place(s): {places}{more})"
        if kind == "missing":
            line += _fragment(raw, first["loc"])
        elif kind == "value_error" and schema is not None:
            line += _needed(raw, first["loc"], message, schema)
        lines.append(line)
    return lines


_NEEDS = re.compile(r"\bneeds an? ([a-z_]+)\b")
_EXAMPLE = re.compile(r"\be\.g\.\s*'?([^,;']+)")


def _needed(raw: Any, loc: tuple[Any, ...], message: str, schema: dict[str, Any]) -> str:
    """The object at `loc` with the field a rule says it needs, filled with its description's first example."""
    found = _NEEDS.search(message)
    obj = _at(raw, loc)
    node = _schema_at(schema, loc)
    if found is None or not isinstance(obj, dict) or node is None:
        return ""
    field = found.group(1)
    described = (node.get("properties") or {}).get(field, {}).get("description", "")
    example = _EXAMPLE.search(described)
    if field in obj or example is None:
        return ""
    text = json.dumps({**obj, field: example.group(1).strip()}, ensure_ascii=False)
    return f"; corrected, e.g.: {text}" if len(text) <= 600 else f"; add \"{field}\", e.g. {example.group(1).strip()!r}"


def _schema_at(schema: dict[str, Any], loc: tuple[Any, ...]) -> dict[str, Any] | None:
    defs = schema.get("$defs") or {}

    def resolved(node: Any) -> Any:
        for _ in range(10):
            if isinstance(node, dict) and isinstance(node.get("$ref"), str):
                node = defs.get(node["$ref"].rsplit("/", 1)[-1])
            elif isinstance(node, dict) and isinstance(node.get("anyOf"), list):
                node = next((b for b in node["anyOf"] if b.get("type") != "null"), None)
            else:
                break
        return node

    node: Any = resolved(schema)
    for part in loc:
        if not isinstance(node, dict):
            return None
        node = resolved(node.get("items") if isinstance(part, int) else (node.get("properties") or {}).get(part))
    return node if isinstance(node, dict) else None


def _fragment(raw: Any, loc: tuple[Any, ...]) -> str:
    parent = _at(raw, loc[:-1])
    if not isinstance(parent, dict) or not parent:
        return ""  # nothing of the model's own to correct: the message alone says what is missing
    fixed = {**parent, str(loc[-1]): "<fill in>"}
    text = json.dumps(fixed, ensure_ascii=False)
    if len(text) > 400:
        return f"; add \"{loc[-1]}\" to each such object"
    return f"; corrected, e.g.: {text}"


def _identity(item: Any) -> tuple[str, Any] | None:
    if isinstance(item, Mapping):
        if isinstance(item.get("method"), str) and isinstance(item.get("path"), str):
            # an endpoint: GET /users and POST /users share a path
            return "endpoint", (item["method"].upper(), item["path"])
        for key in _KEYS:
            if isinstance(item.get(key), (str, int)):
                return key, item[key]
    return None


def _named_list(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(_identity(i) for i in value)


def _merge_item(old: Any, new: Any) -> Any:
    """A named item sent again: its fields are the new ones, but a list of named items in it (a resource's
    endpoints, a table's columns) keeps the items the new one leaves out. The 1.5B model resent each resource
    with only the endpoint it was fixing, and every other endpoint of the design was lost."""
    if not (isinstance(old, dict) and isinstance(new, dict)):
        return new
    merged = dict(new)
    for key, value in old.items():
        if not _named_list(value):
            continue
        if key not in new:
            merged[key] = value
        elif _named_list(new[key]):
            merged[key] = merge_draft(value, new[key])
    return merged


def merge_draft(draft: Any, update: Any) -> Any:
    """`update` over the last failed arguments: dicts key by key, lists of named items item by item (an item
    sent again replaces its fields and adds to its own named lists)."""
    if isinstance(draft, dict) and isinstance(update, dict):
        return {**draft, **{k: merge_draft(draft[k], v) if k in draft else v for k, v in update.items()}}
    if isinstance(draft, list) and isinstance(update, list) and update and all(_identity(i) for i in update):
        if not all(_identity(i) for i in draft):
            return update
        merged = list(draft)
        index = {_identity(item): n for n, item in enumerate(merged)}
        for item in update:
            where = index.get(_identity(item))
            if where is None:
                merged.append(item)
            else:
                merged[where] = _merge_item(merged[where], item)
        return merged
    return update


def without_empty_extras(raw: dict[str, Any], exc: ValidationError) -> dict[str, Any] | None:
    """The arguments without keys that are no field where they stand and hold nothing (`"exclusions": []` at
    the top of a schema): they carry no intent to repair. None when no error is of that kind."""
    paths = [e["loc"] for e in exc.errors() if e["type"] == "extra_forbidden" and e.get("input") in ([], {}, None, "")]
    if not paths:
        return None
    copy = json.loads(json.dumps(raw))
    removed = False
    for loc in paths:
        node: Any = copy
        try:  # the locations are in the data as a before-validator reshaped it: they may not walk the input
            for part in loc[:-1]:
                node = node[part]
        except (KeyError, IndexError, TypeError):
            continue
        if isinstance(node, dict) and loc[-1] in node:
            del node[loc[-1]]
            removed = True
    return copy if removed else None


def unwrapped(fields: set[str], raw: dict[str, Any]) -> dict[str, Any]:
    """The arguments inside one wrapper key a model added (`{"inputs": {"database_schema": …}}`, seen from
    Qwen2.5-Coder-1.5B): taken when the wrapper is no field of the tool and everything inside it is."""
    if len(raw) == 1:
        (key, inner), = raw.items()
        if key not in fields and isinstance(inner, dict) and inner and set(inner) <= fields:
            return inner
    return raw


def other_tool(tools: list[Any], tool: Any, raw: dict[str, Any]) -> Any | None:
    """The one other tool whose arguments these are, when they share no key with `tool`'s."""
    keys = set(raw)
    if not keys or keys & set(tool.arguments.model_fields):
        return None
    fits = [t for t in tools if t is not tool and keys <= set(t.arguments.model_fields)
            and {n for n, f in t.arguments.model_fields.items() if f.is_required()} <= keys]
    if len(fits) != 1:
        return None
    try:
        fits[0].arguments.model_validate(raw)  # only arguments that are that tool's as they stand
    except (ValidationError, RecursionError, TypeError, KeyError, AttributeError):
        return None
    return fits[0]


def _operation_at(pointer: str) -> tuple[str, str] | None:
    """('/api/v1/users', 'get') from '/paths/~1api~1v1~1users/get'."""
    parts = pointer.split("/")
    if len(parts) < 4 or parts[1] != "paths":
        return None
    return parts[2].replace("~1", "/").replace("~0", "~"), parts[3]


def api_review_lines(findings: list[Any], api: Any) -> list[str]:
    """Review errors on an emitted API, said in the terms the model wrote it in: the resource and endpoint rather
    than the OpenAPI document's pointer and, where the rule knows the fix, the endpoint as the model wrote it with
    the fix applied, ready to send back; several fixes are sent together, in one fragment after the last. Four
    repairs of the 1.5B model resent `GET /users` unchanged after "scope it to the owner … or restrict it to a
    privileged role"; given the fragment, it sent it."""
    lines: list[str] = []
    bodies: list[tuple[int, dict[str, Any]]] = []
    for f in findings:
        line, body = _review_line(f.rule_id, f.location, f.message, f.fix, api)
        if body is not None:
            bodies.append((len(lines), body))
        lines.append(line)
    if len(bodies) == 1:
        n, body = bodies[0]
        lines[n] += ". Corrected, send: " + json.dumps({"api_specification": body}, ensure_ascii=False)
    elif bodies:
        together: Any = {}
        for _, body in bodies:
            together = merge_draft(together, body) if together else body
        n = bodies[-1][0]
        lines[n] += (". The fixes of these errors together, send: "
                     + json.dumps({"api_specification": together}, ensure_ascii=False))
    return lines


def _review_line(rule_id: str, location: str, message: str, fix: dict[str, Any] | None,
                 api: Any) -> tuple[str, dict[str, Any] | None]:
    if fix and "add_endpoint" in fix:
        return f"{rule_id}: {message}", _added(fix, api)
    found = _endpoint_at(location, api)
    if found is None:
        return f"{rule_id} at {location}: {message}", None
    resource, ep = found
    line = f"{rule_id} at resource {resource.name!r}, {ep.method} {ep.path}: {message}"
    if not fix:
        return line, None
    fixed = {**ep.model_dump(mode="json", exclude_defaults=True), **fix}
    body: dict[str, Any] = {"resources": [{"name": resource.name, "endpoints": [fixed]}]}
    missing = [r for r in fix.get("roles", []) if r not in api.authentication.roles]
    if missing:
        body["authentication"] = {"roles": [*api.authentication.roles, *missing]}
    return line, body


def _endpoint_at(location: str, api: Any) -> tuple[Any, Any] | None:
    """(resource, endpoint) of the design at an OpenAPI operation pointer."""
    found = _operation_at(location)
    if found is None:
        return None
    full, method = found
    for resource in api.resources:
        for ep in resource.endpoints:
            if ep.method.lower() == method and f"{api.base_path}{ep.path}" == full:
                return resource, ep
    return None


def applied_fixes(findings: list[Any], api: Any) -> tuple[Any, list[str]]:
    """The API with each error's endpoint fix applied (roles, owner scope), and what was applied: the small-model
    policy, as for unexplained indexes. Given the fix ready to send, the 1.5B model still resent `GET /users`
    without it, three repairs running; the fix the rule names is the secure choice an expert makes, and the
    acceptance says it was made, so the model or a person can change it."""
    changes: dict[tuple[str, str, str], dict[str, Any]] = {}
    notes = []
    additions: list[dict[str, Any]] = []
    for f in findings:
        if f.fix and "add_endpoint" in f.fix:
            # the endpoint a requirement lacks: run 13 was given it ready to send, three repairs running, and
            # resent its API without it
            body = _added(f.fix, api)
            if body is not None:
                additions.append(body)
                ep = body["resources"][0]["endpoints"][0]
                notes.append(f"added {ep['method']} {ep['path']} to {body['resources'][0]['name']!r} for "
                             f"{f.location.rsplit('/', 1)[-1]} ({f.rule_id})")
            continue
        found = _endpoint_at(f.location, api) if f.fix else None
        if found is None:
            continue
        resource, ep = found
        changes.setdefault((resource.name, ep.method, ep.path), {}).update(f.fix)
        said = ", ".join(f"{k} {v}" for k, v in f.fix.items())
        notes.append(f"{ep.method} {ep.path}: {said} ({f.rule_id})")
    if not changes and not additions:
        return api, []
    data = api.model_dump(mode="json", exclude_defaults=True)
    for body in additions:
        data = merge_draft(data, body)
    roles = list(api.authentication.roles)
    roles += [r for body in additions for ep in body["resources"][0]["endpoints"] for r in ep.get("roles", [])
              if r not in roles]
    for resource in data["resources"]:
        for ep in resource["endpoints"]:
            fix = changes.get((resource["name"], ep["method"], ep["path"]))
            if fix:
                ep.update(fix)
                roles += [r for r in fix.get("roles", []) if r not in roles]
    data.setdefault("authentication", {})["roles"] = roles
    try:
        return type(api).model_validate(data), notes
    except ValueError:  # a fix that does not fit this API: the errors go to the model as they are
        return api, []


def _added(fix: dict[str, Any], api: Any) -> dict[str, Any] | None:
    """The endpoint a rule says is missing, as an addition to the resource of the operation it stands beside."""
    method, full = fix["beside"]
    for resource in api.resources:
        for ep in resource.endpoints:
            if ep.method.lower() == method and f"{api.base_path}{ep.path}" == full:
                endpoint = dict(fix["add_endpoint"])
                path = str(endpoint["path"])
                if api.base_path and path.startswith(api.base_path + "/"):
                    endpoint["path"] = path[len(api.base_path):]
                words = re.findall(r"[A-Za-z0-9]+", resource.name)
                verb = ("get" if str(endpoint["path"]).endswith("}") else "list") if endpoint["method"] == "GET" \
                    else {"PATCH": "update", "PUT": "replace", "DELETE": "delete"}.get(str(endpoint["method"]), "create")
                op_id = verb + "".join(w[:1].upper() + w[1:] for w in words)
                taken = {e.operation_id for r in api.resources for e in r.endpoints}
                op_id = next(f"{op_id}{n or ''}" for n in range(len(taken) + 2) if f"{op_id}{n or ''}" not in taken)
                endpoint = {"method": endpoint.pop("method"), "path": endpoint.pop("path"), "operation_id": op_id,
                            **endpoint}
                return {"resources": [{"name": resource.name, "endpoints": [endpoint]}]}
    return None
