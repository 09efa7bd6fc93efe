"""Schema references in an emitted API, read as the model meant them against the accepted database schema.

A small model answers `"schema_ref": "user"` and defines no schemas (Qwen2.5-Coder-1.5B did, three attempts
running): it means the row of the table `users`. The API phase knows the accepted tables, so such a reference
gets a schema derived from that table's columns (secrets write-only, keys and stamps read-only), and a
reference that differs from a defined schema only in case or number names that schema. A reference that names
neither is left for validation to name. The acceptance says what was derived.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from ..review.data import is_sensitive
from ..review.english import singular

if TYPE_CHECKING:
    from ..spec.data import Column, Table
    from .state import DesignState

__all__ = ["api_as_meant", "refs_from_tables", "secrets_write_only", "token_endpoint"]

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_TYPES: tuple[tuple[str, str, str | None], ...] = (
    (r"^uuid$", "string", "uuid"),
    (r"^(timestamptz|timestamp)( with(out)? time zone)?$", "string", "date-time"),
    (r"^date$", "string", "date"),
    (r"^(smallint|integer|int|int2|int4|int8|bigint|serial|bigserial|smallserial)$", "integer", None),
    (r"^(numeric|decimal|money)(\(.*\))?$", "string", "decimal"),  # exact amounts travel as strings, not floats
    (r"^(real|float4|float8|double precision|float)$", "number", None),
    (r"^(boolean|bool)$", "boolean", None),
    (r"^jsonb?$", "object", None),
)
_STAMPS = {"created_at", "updated_at"}


def _key(name: str) -> str:
    """'ShortUrls', 'short_url', '#/components/schemas/ShortUrl', 'ShortUrlSchema' → 'shorturl'."""
    snake = _CAMEL.sub("_", name.rsplit("/", 1)[-1]).lower()
    snake = re.sub(r"_(schema|model|dto|object|resource)$", "", snake) or snake
    return singular(snake).replace("_", "")


_SIGN_IN = re.compile(r"(^|/)(auth|login|signin|sign-in|sign_in|tokens?)(/|$)", re.I)
_WRAPPER_WORDS = {"list", "page", "collection", "array", "items", "results", "response", "request", "body", "result",
                  "item", "dto", "schema", "model", "data", "payload", "output", "input", "get", "create", "update",
                  "delete", "patch", "post", "put", "read", "detail", "details", "one", "single", "view"}
_LIST_WORDS = {"list", "page", "collection", "array", "items", "results"}


def _id_of(method: Any, path: Any) -> str:
    """listEquipment for GET /equipment, getEquipmentByEquipmentId for GET /equipment/{equipment_id}."""
    segments = [s for s in str(path).split("/") if s]
    item = bool(segments) and segments[-1].startswith("{")
    verb = {"GET": "get" if item else "list", "POST": "create", "PUT": "replace", "PATCH": "update",
            "DELETE": "delete"}.get(str(method).upper(), str(method).lower())
    camel = lambda text: "".join(w.capitalize() for w in re.split(r"[^A-Za-z0-9]+", text) if w)  # noqa: E731
    words = [camel(s) for s in segments if not s.startswith("{")]
    params = [camel(s.strip("{}")) for s in segments if s.startswith("{")]
    return verb + "".join(words) + ("By" + "And".join(params) if params else "")


def _wrapped(name: str) -> tuple[str, bool]:
    """The key of the schema a wrapper name stands for, and whether it is a list of it: 'employee.list.response' →
    ('employee', True), 'BookingResponse' → ('booking', False)."""
    words = [w for w in re.split(r"[^a-z0-9]+", _CAMEL.sub("_", name.rsplit("/", 1)[-1]).lower()) if w]
    listed = False
    while len(words) > 1 and words[-1] in _WRAPPER_WORDS:
        listed = listed or words.pop() in _LIST_WORDS
    return _key("_".join(words)), listed


def _leading(name: str, known: set[str]) -> str | None:
    """The longest run of a name's first words that is a known schema or table key ('equipment.status.response'
    → 'equipment'), or None."""
    words = [w for w in re.split(r"[^a-z0-9]+", _CAMEL.sub("_", name.rsplit("/", 1)[-1]).lower()) if w]
    for n in range(len(words) - 1, 0, -1):
        if _key("_".join(words[:n])) in known:
            return _key("_".join(words[:n]))
    return None


def _refs(spec: dict[str, Any], signed_in: set[int] | None = None) -> Iterator[tuple[dict[str, Any], str]]:
    """(the dict holding a schema reference, its key) for every reference an API spec makes; `signed_in` collects
    the ids of the response holders of sign-in and token endpoints (what they return is the token answer)."""
    resources = spec.get("resources")
    for resource in resources if isinstance(resources, list) else []:
        for endpoint in _endpoints(resource):
            if not isinstance(endpoint, dict):
                continue
            if isinstance(endpoint.get("request_schema"), str):
                yield endpoint, "request_schema"
            sign_in = endpoint.get("method") == "POST" and _SIGN_IN.search(str(endpoint.get("path", "")))
            responses = endpoint.get("responses")
            for response in responses if isinstance(responses, list) else []:
                if isinstance(response, dict) and isinstance(response.get("schema_ref"), str):
                    status = response.get("status")
                    if sign_in and signed_in is not None and isinstance(status, int) and 200 <= status < 300:
                        signed_in.add(id(response))
                    yield response, "schema_ref"
    schemas = spec.get("schemas")
    for schema in schemas if isinstance(schemas, list) else []:
        props = schema.get("properties") if isinstance(schema, dict) else None
        for prop in (props.values() if isinstance(props, dict) else props if isinstance(props, list) else []):
            if isinstance(prop, dict) and isinstance(prop.get("ref"), str):
                yield prop, "ref"


def _schema_name(table: str) -> str:
    return "".join(part.capitalize() for part in singular(table).split("_") if part)


def _property(column: Column) -> dict[str, Any]:
    kind = column.type.lower().strip()
    prop: dict[str, Any] = {"name": column.name, "type": "string"}
    if kind.endswith("[]"):
        prop.update(type="array", items="string")
    else:
        for pattern, json_type, fmt in _TYPES:
            if re.match(pattern, kind):
                prop["type"] = json_type
                if fmt:
                    prop["format"] = fmt
                break
    if "email" in column.name and prop["type"] == "string" and "format" not in prop:
        prop["format"] = "email"
    if column.not_null or column.primary_key:
        prop["required"] = True
    if column.primary_key or column.name in _STAMPS:
        prop["read_only"] = True
    if is_sensitive(column.name, column=True):
        prop["write_only"] = True
    return prop


def _token_schema(written: str) -> dict[str, Any]:
    """What a token endpoint returns (RFC 6749 section 5.1), for a reference like 'Token' or 'auth_tokens' that
    no table explains."""
    name = "".join(p.capitalize() for p in re.split(r"[^A-Za-z0-9]+", _CAMEL.sub("_", written.rsplit("/", 1)[-1]))
                   if p) or "Token"
    return {"name": name, "description": "the tokens issued (RFC 6749 section 5.1)", "properties": [
        {"name": "access_token", "type": "string", "required": True},
        {"name": "token_type", "type": "string", "required": True, "example": "Bearer"},
        {"name": "expires_in", "type": "integer", "required": True, "description": "seconds"},
        {"name": "refresh_token", "type": "string"}]}


def _derived(table: Table) -> dict[str, Any]:
    return {"name": _schema_name(table.name), "description": f"a row of {table.name}",
            "properties": [_property(c) for c in table.columns]}


def api_as_meant(raw: dict[str, Any], state: DesignState) -> tuple[dict[str, Any], list[str]]:
    """The prepare step of emit_api_spec (a model's arguments only: a person's design.json is validated as written):
    the shapes, the token endpoint a scheme names, then the schema references."""
    raw, notes = shapes_as_meant(raw)
    raw, more = token_endpoint(raw)
    notes += more
    raw, more = refs_from_tables(raw, state)
    notes += more
    raw, more = secrets_write_only(raw, state)
    notes += more
    if getattr(state, "drop_unused_at_once", False):
        raw, more = _one_path_per_shape(raw)
        notes += more
    return raw, notes


def _one_path_per_shape(raw: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """For a small model: paths that differ only in a parameter's name are one path (url-shortener run 18 wrote
    GET /users/{username} and GET /users/{email}, and GET /clicks/{user_id}, /{referrer} and /{country}): a later
    endpoint of the same method on it is left out, another method's takes the first path's spelling."""
    spec = raw.get("api_specification")
    if not isinstance(spec, dict) or not isinstance(spec.get("resources"), list):
        return raw, []
    raw = copy.deepcopy(raw)
    notes: list[str] = []
    first: dict[str, str] = {}
    seen: set[tuple[str, str]] = set()
    for resource in raw["api_specification"]["resources"]:
        if not isinstance(resource, dict) or not isinstance(resource.get("endpoints"), list):
            continue
        kept = []
        for ep in resource["endpoints"]:
            path, method = (ep.get("path"), str(ep.get("method", "")).upper()) if isinstance(ep, dict) else (None, "")
            if not isinstance(path, str):
                kept.append(ep)
                continue
            shape = re.sub(r"\{[^}/]*\}", "{}", path.rstrip("/"))
            spelled = first.setdefault(shape, path)
            if (method, shape) in seen:
                notes.append(f"{method} {path} left out: it is {method} {spelled} with another parameter name")
                continue
            seen.add((method, shape))
            if spelled != path:
                notes.append(f"{method} {path} read as {method} {spelled} (one path, one parameter name)")
                ep["path"] = spelled
                renamed = dict(zip(re.findall(r"\{([^}/]*)\}", path), re.findall(r"\{([^}/]*)\}", spelled)))
                for param in ep.get("parameters") if isinstance(ep.get("parameters"), list) else []:
                    if isinstance(param, dict) and param.get("location") == "path" and param.get("name") in renamed:
                        param["name"] = renamed[param["name"]]
            kept.append(ep)
        resource["endpoints"] = kept
    return (raw, notes) if notes else (raw, [])


_CREDENTIAL_SCHEMA = re.compile(r"connection|credential|login|token|secret|api_?key", re.I)


def secrets_write_only(raw: dict[str, Any], state: DesignState) -> tuple[dict[str, Any], list[str]]:
    """A secret property of a schema the model wrote (`password` in `Users`) is write-only: sent on sign-up, never
    returned. No one means a password hash to leave in a response; the 1.5B model resent it three repairs
    running. A credential's own schema (a token, an API key handed over once) keeps its fields as written."""
    spec = raw.get("api_specification")
    schemas = spec.get("schemas") if isinstance(spec, dict) else None
    if not isinstance(schemas, list):
        return raw, []
    columns = {c.name for t in state.data.tables for c in t.columns if is_sensitive(c.name, column=True)} \
        if state.data is not None else set()
    raw = copy.deepcopy(raw)
    notes = []
    for schema in raw["api_specification"]["schemas"]:
        if not isinstance(schema, dict) or _CREDENTIAL_SCHEMA.search(str(schema.get("name", ""))):
            continue
        for prop in schema.get("properties") if isinstance(schema.get("properties"), list) else []:
            name = prop.get("name") if isinstance(prop, dict) else None
            if not isinstance(name, str) or prop.get("write_only") or prop.get("type") not in (None, "string"):
                continue
            snake = _CAMEL.sub("_", name).lower()
            if snake in columns or is_sensitive(snake):
                prop["write_only"] = True
                prop.pop("read_only", None)
                notes.append(f"{schema.get('name')}.{name} is write-only: a secret is never returned")
    return raw, notes


_ENDPOINT_REF = re.compile(r"^((GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)\s+)?/\S*$", re.I)
_SIGN_IN_PATH = re.compile(r"^(/[a-z0-9_-]+)*/(auth|login|signin|sign-in|sign_in|tokens?)$", re.I)


def _endpoints(resource: Any) -> list[Any]:
    return resource.get("endpoints") if isinstance(resource, dict) and isinstance(resource.get("endpoints"), list) \
        else []


def shapes_as_meant(raw: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """What the 1.5B model wrote, as it meant it: one resource written once per endpoint (`ShortUrls` with its GET,
    then `ShortUrls` with its POST) is one resource; `/api/v1/users` under the base path `/api/v1` is `/users`; one
    operation id used by several resources (`create`) takes each resource's name; a public POST sign-in or token
    endpoint keeps no roles, scopes or owner scope (nobody has one before signing in)."""
    spec = raw.get("api_specification")
    if not isinstance(spec, dict) or not isinstance(spec.get("resources"), list):
        return raw, []
    raw = copy.deepcopy(raw)
    spec = raw["api_specification"]
    notes: list[str] = []
    merged: dict[str, dict[str, Any]] = {}
    resources: list[Any] = []
    for item in spec["resources"]:
        name = item.get("name") if isinstance(item, dict) else None
        if not isinstance(name, str) or not isinstance(item.get("endpoints"), list):
            resources.append(item)
        elif name.lower() in merged:
            first = merged[name.lower()]
            first["endpoints"] = [*first["endpoints"], *item["endpoints"]]
            first["description"] = first.get("description") or item.get("description", "")
            notes.append(f"the resources named {name} are one resource")
        else:
            merged[name.lower()] = item
            resources.append(item)
    spec["resources"] = resources
    base = spec.get("base_path", "/api/v1")
    if isinstance(base, str) and re.fullmatch(r"(/[a-z0-9._-]+)*/v\d+(\.\d+)?", base.rstrip("/")):
        base = base.rstrip("/")
        for endpoint in (e for r in resources for e in _endpoints(r) if isinstance(e, dict)):
            for key in ("path", "replacement"):
                value = endpoint.get(key)
                method, _, path = str(value).rpartition(" ") if isinstance(value, str) else ("", "", "")
                if path.startswith(base + "/"):
                    endpoint[key] = f"{method} {path[len(base):]}".strip()
                    if key == "path":
                        notes.append(f"{path} read relative to the base path {base}")
    endpoints = [(r["name"], e) for r in resources if isinstance(r, dict) and isinstance(r.get("name"), str)
                 for e in _endpoints(r) if isinstance(e, dict)]
    ids = [e.get("operation_id") for _, e in endpoints]
    repeated = {i for i in ids if isinstance(i, str) and ids.count(i) > 1}
    renamed = [(e, f"{e['operation_id']}{''.join(p.capitalize() for p in re.split(r'[^A-Za-z0-9]+', name) if p)}")
               for name, e in endpoints if e.get("operation_id") in repeated]
    fresh = [new for _, new in renamed]
    if renamed and (len(set(fresh)) != len(fresh) or set(fresh) & set(ids)):
        # repeated within one resource (equipment-booking run 7: getEquipment on GET /equipment and on GET
        # /equipment/{id}): each is named by its method and path
        renamed = [(e, _id_of(e.get("method"), e.get("path"))) for _, e in endpoints
                   if e.get("operation_id") in repeated]
        fresh = [new for _, new in renamed]
    if renamed and len(set(fresh)) == len(fresh) and not set(fresh) & set(ids):
        for endpoint, new in renamed:
            notes.append(f"operation id {endpoint['operation_id']} of {endpoint.get('method')} {endpoint.get('path')} "
                         f"read as {new}")
            endpoint["operation_id"] = new
    auth = spec.get("authentication") if isinstance(spec.get("authentication"), dict) else {}
    roles = {r for r in auth.get("roles", []) if isinstance(r, str)} if isinstance(auth.get("roles"), list) else set()
    declared = {s.get("name") for scheme in auth.get("schemes", []) if isinstance(scheme, dict)
                for s in scheme.get("scopes", []) if isinstance(s, dict)} if isinstance(auth.get("schemes"), list) \
        else set()
    for _, endpoint in endpoints:
        scopes = endpoint.get("scopes")
        as_roles = [s for s in scopes if s in roles and s not in declared] if isinstance(scopes, list) else []
        if as_roles and isinstance(endpoint.get("roles", []), list):
            # equipment-booking run 11: `"scopes": ["user"]` with roles [admin, user] and no scope declared
            endpoint["scopes"] = [s for s in scopes if s not in as_roles]
            endpoint["roles"] = [*[r for r in endpoint.get("roles") or [] if r not in as_roles], *as_roles]
            notes.append(f"{endpoint.get('method')} {endpoint.get('path')}: {', '.join(as_roles)} read as a role, "
                         "not a scope (authentication.roles has it; no scheme declares it)")
        replacement = endpoint.get("replacement")
        if isinstance(replacement, str) and not _ENDPOINT_REF.match(replacement.strip()):
            # not an endpoint at all: the 1.5B model copied "owner_scope / x-owner-scope: id" from an error here
            del endpoint["replacement"]
            notes.append(f"replacement {replacement!r} of {endpoint.get('method')} {endpoint.get('path')} left out: "
                         "not an endpoint ('METHOD /path')")
        if endpoint.get("auth_required") is False and endpoint.get("method") == "POST" and \
                _SIGN_IN_PATH.match(str(endpoint.get("path", ""))) and \
                any(endpoint.get(k) for k in ("scopes", "roles", "security", "owner_scope")):
            for key in ("scopes", "roles", "security", "owner_scope"):
                endpoint.pop(key, None)
            notes.append(f"POST {endpoint['path']} is public: its roles and scopes left out")
    return raw, notes


def token_endpoint(raw: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """A bearer scheme whose refresh_endpoint names a path the spec has no endpoint at (the 1.5B model named
    '/auth/tokens' and never wrote it, in every run and every repair): that path is the token endpoint the scheme
    declares, whose shape RFC 6749 fixes (POST, public, credentials or a refresh token in, tokens out). It is
    added under 'auth', and the acceptance says so."""
    spec = raw.get("api_specification")
    auth = spec.get("authentication") if isinstance(spec, dict) else None
    if not isinstance(auth, dict) or not isinstance(spec.get("resources"), list):
        return raw, []
    base = str(spec.get("base_path", "/api/v1")).rstrip("/")
    paths = {str(e.get("path", "")) for r in spec["resources"] if isinstance(r, dict)
             for e in (r.get("endpoints") if isinstance(r.get("endpoints"), list) else []) if isinstance(e, dict)}
    paths |= {p[len(base):] for p in paths if base and p.startswith(base + "/")}
    for scheme in auth.get("schemes") or []:
        if not isinstance(scheme, dict) or scheme.get("type") != "bearer_jwt":
            continue
        written = scheme.get("refresh_endpoint")
        method, _, path = str(written or "").strip().rpartition(" ")
        if base and path.startswith(base + "/"):
            path = path[len(base):]
        if not re.fullmatch(r"(/[a-z0-9_-]+)+", path) or method.upper() not in ("", "POST") or path in paths:
            continue
        if not isinstance(spec.get("schemas", []), list):
            return raw, []
        raw = copy.deepcopy(raw)
        spec = raw["api_specification"]
        spec["authentication"]["schemes"][auth["schemes"].index(scheme)]["refresh_endpoint"] = f"POST {path}"
        schemas = spec.setdefault("schemas", [])
        names = {s.get("name") for s in schemas if isinstance(s, dict)}
        if "Token" not in names:
            schemas.append(_token_schema("Token"))
        if "TokenRequest" not in names:
            schemas.append({"name": "TokenRequest", "description": "credentials, or a refresh token (RFC 6749)",
                            "properties": [
                                {"name": "grant_type", "type": "string", "required": True,
                                 "enum": ["password", "refresh_token"]},
                                {"name": "username", "type": "string"},
                                {"name": "password", "type": "string", "write_only": True},
                                {"name": "refresh_token", "type": "string", "write_only": True}]})
        endpoint = {"method": "POST", "path": path, "operation_id": "issueTokens", "auth_required": False,
                    "summary": "Sign in, or refresh: issues an access token and a refresh token",
                    "request_schema": "TokenRequest",
                    "responses": [{"status": 200, "description": "the tokens", "schema_ref": "Token"},
                                  {"status": 400, "description": "invalid grant"},
                                  {"status": 401, "description": "wrong credentials"}]}
        owner = next((r for r in spec["resources"] if isinstance(r, dict) and r.get("name") == "auth"), None)
        if owner is None:
            spec["resources"].append({"name": "auth", "description": "sign-in and token refresh",
                                      "endpoints": [endpoint]})
        elif isinstance(owner.get("endpoints"), list):
            owner["endpoints"].append(endpoint)
        return raw, [f"POST {path} added: the token endpoint the bearer scheme's refresh_endpoint names "
                     "(RFC 6749: public, credentials or a refresh token in, Token out)"]
    return raw, []


def refs_from_tables(raw: dict[str, Any], state: DesignState) -> tuple[dict[str, Any], list[str]]:
    spec = raw.get("api_specification")
    if not isinstance(spec, dict) or not isinstance(spec.get("resources"), list):
        return raw, []
    schemas = spec.get("schemas")
    if schemas is not None and not isinstance(schemas, list):
        return raw, []  # an odd shape: validation names it
    defined = {s["name"] for s in schemas or [] if isinstance(s, dict) and isinstance(s.get("name"), str)}
    wanted = [(holder, key) for holder, key in _refs(spec) if holder[key] and holder[key] not in defined]
    if not wanted:
        return raw, []
    raw = copy.deepcopy(raw)
    spec = raw["api_specification"]
    schemas = spec.setdefault("schemas", [])
    by_key = {_key(name): name for name in defined}
    tables = {_key(t.name): t for t in (state.data.tables if state.data is not None else [])}
    derived: dict[str, list[str]] = {}
    renamed: dict[str, str] = {}
    dropped: set[str] = set()
    signed_in: set[int] = set()
    for holder, key in _refs(spec, signed_in):
        written = holder[key]
        if not written or written in defined:
            continue
        k, listed = _key(written), False
        if k not in by_key and k not in tables:
            # 'equipment_list', 'EquipmentList', 'employee.list.response': the table's schema, as a list
            # (equipment-booking runs 5 and 6)
            base, listed = _wrapped(written)
            if base != k and (base in by_key or base in tables):
                k = base
            elif state.drop_unused_at_once and _leading(written, set(by_key) | set(tables)):
                # a small model's 'equipment.status.response' for GET /equipment/{id}/status (equipment-booking
                # run 13, a repair lost on it): the schema of the table its name begins with
                k, listed = _leading(written, set(by_key) | set(tables)), False
            else:
                listed = False
        found = by_key.get(k)
        error = key == "schema_ref" and isinstance(holder.get("status"), int) and holder["status"] >= 400
        if found is None and error and k not in tables:
            holder[key] = None  # an error's body is RFC 9457 problem details, which the rendering gives every error
            dropped.add(written)
            continue
        tokens = "token" in k or (id(holder) in signed_in and key == "schema_ref")
        if found is None and tokens and not error and k not in tables:
            schema = _token_schema(written)
            if schema["name"] not in defined:
                schemas.append(schema)
                defined.add(schema["name"])
                by_key[_key(schema["name"])] = found = schema["name"]
                derived[schema["name"]] = ["RFC 6749's token response"]
        if found is None and k in tables:
            table = tables[k]
            schema = _derived(table)
            if schema["name"] in defined:  # the PascalCase name is taken by something else: leave it
                continue
            schemas.append(schema)
            defined.add(schema["name"])
            by_key[_key(schema["name"])] = found = schema["name"]
            derived[schema["name"]] = [table.name]
        if found is None:
            continue
        holder[key] = found
        if listed and key == "schema_ref" and "status" in holder:
            holder["is_list"] = True
        if found not in derived:
            renamed[written] = found + (" (a list of it)" if listed else "")
        elif listed:
            renamed[written] = found + " (a list of it)"
    notes = [f"schema {name} derived from {'the columns of table ' if 'RFC' not in source[0] else ''}{source[0]}"
             f"{' (secrets write-only)' if 'RFC' not in source[0] else ''}, for the references to it"
             for name, source in derived.items()]
    notes += [f"'{written}' read as the schema {name}" for written, name in renamed.items()]
    notes += [f"error responses' '{written}' left out: every error is problem+json" for written in sorted(dropped)]
    return raw, notes
