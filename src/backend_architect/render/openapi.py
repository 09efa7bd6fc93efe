"""OpenAPI 3.1 from the API specification.

Beyond what the spec lists, the document carries what the design's policies imply, so the
contract is complete where hand-written ones usually are not: problem+json (RFC 9457) for every
error, 401/403 where security applies, 429 with `RateLimit`/`RateLimit-Policy`/`Retry-After`
headers where rate limits apply, and `Deprecation`/`Sunset`/`Link` headers on deprecated operations.
"""

from __future__ import annotations

from typing import Any

from ..spec.api import ApiSpecification, Endpoint, Property, SecurityScheme

__all__ = ["PROBLEM_SCHEMA", "openapi_document"]

_PERIOD_SECONDS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
PROBLEM_SCHEMA = "Problem"
_PROBLEM = {
    "type": "object",
    "description": "RFC 9457 problem details",
    "properties": {
        "type": {"type": "string", "format": "uri", "default": "about:blank"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 100, "maximum": 599},
        "detail": {"type": "string"},
        "instance": {"type": "string", "format": "uri-reference"},
    },
    "required": ["type", "title", "status"],
}
_IMPLIED_ERRORS = {
    400: "The request is malformed (bad JSON, parameter or cursor)",
    401: "Missing or invalid credentials",
    403: "Authenticated but not allowed (scope or role)",
    404: "Not found",
    429: "Rate limit exceeded; retry after the Retry-After seconds",
    500: "Unexpected server error",
}


def _property_schema(prop: Property) -> dict[str, Any]:
    if prop.ref and prop.type != "array":
        schema: dict[str, Any] = {"$ref": f"#/components/schemas/{prop.ref}"}
        if prop.description:
            schema = {"allOf": [schema], "description": prop.description}
        return schema
    types: Any = prop.type if not prop.nullable else [prop.type, "null"]
    schema = {"type": types}
    if prop.type == "array":
        schema["items"] = {"$ref": f"#/components/schemas/{prop.ref}"} if prop.ref else {"type": prop.items}
    if prop.format:
        schema["format"] = prop.format
    if prop.enum:
        schema["enum"] = list(prop.enum) + ([None] if prop.nullable else [])
    if prop.read_only:
        schema["readOnly"] = True
    if prop.write_only:
        schema["writeOnly"] = True
    if prop.description:
        schema["description"] = prop.description
    if prop.example is not None:
        schema["examples"] = [prop.example]
    return schema


def _security_scheme(scheme: SecurityScheme) -> dict[str, Any]:
    description = {"description": scheme.description} if scheme.description else {}
    if scheme.type == "bearer_jwt":
        return {"type": "http", "scheme": "bearer", "bearerFormat": "JWT", **description}
    if scheme.type == "api_key":
        return {"type": "apiKey", "in": "header", "name": scheme.api_key_header or "X-API-Key", **description}
    scopes = {s.name: s.description for s in scheme.scopes}
    token_url = scheme.token_url or "https://auth.example.com/oauth/token"
    if scheme.oauth2_flow == "client_credentials":
        flows = {"clientCredentials": {"tokenUrl": token_url, "scopes": scopes}}
    else:
        flows = {"authorizationCode": {
            "authorizationUrl": scheme.authorization_url or "https://auth.example.com/oauth/authorize",
            "tokenUrl": token_url, "scopes": scopes}}
    return {"type": "oauth2", "flows": flows, **description}


def _header(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "schema": schema}


def _rate_headers() -> dict[str, Any]:
    return {
        "RateLimit": _header("remaining quota and reset (IETF draft-ietf-httpapi-ratelimit-headers)",
                             {"type": "string", "examples": ['"default";r=998;t=3540']}),
        "RateLimit-Policy": _header("the policies that apply", {"type": "string",
                                                                "examples": ['"default";q=1000;w=3600']}),
    }


def _responses(spec: ApiSpecification, ep: Endpoint) -> dict[str, Any]:
    limited = bool(spec.rate_limits)
    listed = {r.status for r in ep.responses}
    responses: dict[str, Any] = {}
    for r in ep.responses:
        body: dict[str, Any] = {"description": r.description}
        headers: dict[str, Any] = {}
        if r.status >= 400:
            ref = {"$ref": f"#/components/schemas/{r.schema_ref or PROBLEM_SCHEMA}"}
            body["content"] = {"application/problem+json": {"schema": ref}}
        elif r.schema_ref:
            ref = {"$ref": f"#/components/schemas/{r.schema_ref}"}
            body["content"] = {"application/json": {"schema": {"type": "array", "items": ref} if r.is_list else ref}}
        if r.status == 201:
            headers["Location"] = _header("URL of the created resource", {"type": "string", "format": "uri-reference"})
        if 200 <= r.status < 300 and limited:
            headers.update(_rate_headers())
        if 200 <= r.status < 300 and ep.deprecated:
            headers["Deprecation"] = _header("RFC 9745: when the operation was deprecated", {"type": "string"})
            if ep.sunset:
                headers["Sunset"] = _header(f"RFC 8594: removed after {ep.sunset}", {"type": "string"})
            if ep.replacement:
                headers["Link"] = _header(f"rel=\"successor-version\": {ep.replacement}", {"type": "string"})
        if headers:
            body["headers"] = headers
        responses[str(r.status)] = body
    implied = [500]
    if ep.parameters or ep.request_schema:
        implied.append(400)
    if ep.auth_required and spec.authentication.schemes:
        implied.append(401)
    if ep.scopes or ep.roles:
        implied.append(403)
    if any(p.location == "path" for p in ep.parameters):
        implied.append(404)
    if limited:
        implied.append(429)
    for status in implied:
        if status not in listed:
            responses[str(status)] = {"description": _IMPLIED_ERRORS[status], "content": {
                "application/problem+json": {"schema": {"$ref": f"#/components/schemas/{PROBLEM_SCHEMA}"}}}}
    if limited and "429" in responses:
        responses["429"]["headers"] = {
            "Retry-After": _header("seconds to wait before retrying", {"type": "integer", "minimum": 0}),
            **_rate_headers()}
    return dict(sorted(responses.items()))


def _operation(spec: ApiSpecification, ep: Endpoint, tag: str) -> dict[str, Any]:
    op: dict[str, Any] = {"operationId": ep.operation_id, "summary": ep.summary, "tags": [tag]}
    if ep.deprecated:
        op["deprecated"] = True
    if ep.parameters:
        op["parameters"] = [
            {
                "name": p.name,
                "in": p.location,
                "required": p.required,
                **({"description": p.description} if p.description else {}),
                "schema": {"type": p.type, **({"format": p.format} if p.format else {})},
            }
            for p in ep.parameters
        ]
    if ep.request_schema:
        op["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ep.request_schema}"}}},
        }
    op["responses"] = _responses(spec, ep)
    schemes = spec.authentication.schemes
    if not ep.auth_required:
        op["security"] = []  # explicitly public
    elif schemes:
        chosen = [s for s in schemes if not ep.security or s.name in ep.security]
        # OpenAPI lists scopes only for oauth2; other schemes get an empty list (roles are checked by the server).
        op["security"] = [{s.name: [sc for sc in ep.scopes if sc in {x.name for x in s.scopes}]
                           if s.type == "oauth2" else []} for s in chosen]
    if ep.roles:
        op["x-roles"] = list(ep.roles)
    if ep.owner_scope:
        op["x-owner-scope"] = ep.owner_scope
    return op


def _info_description(spec: ApiSpecification, description: str) -> str:
    parts = [description] if description else []
    v = spec.versioning
    how = {"url_path": f"in the URL path ({spec.base_path})",
           "header": f"by the `{v.header_name}` request header",
           "media_type": "by the media type (`application/vnd.api+json; version=…`)"}[v.strategy]
    parts.append(f"Versioning: {v.current_version}, {how}. Deprecation: {v.deprecation_policy}")
    if spec.rate_limits:
        limits = "; ".join(f"{rl.tier}: {rl.requests} requests per {rl.period} per {rl.key.replace('_', ' ')} "
                           f"({rl.algorithm.replace('_', ' ')})" for rl in spec.rate_limits)
        parts.append(f"Rate limits: {limits}. Over the limit: 429 with Retry-After.")
    parts.append("Errors: RFC 9457 problem details (application/problem+json).")
    return "\n\n".join(parts)


def openapi_document(spec: ApiSpecification, *, description: str = "") -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for resource in spec.resources:
        for ep in resource.endpoints:
            full = f"{spec.base_path}{ep.path}" if ep.path != "/" else (spec.base_path or "/")
            paths.setdefault(full, {})[ep.method.lower()] = _operation(spec, ep, resource.name)
    schemas: dict[str, Any] = {PROBLEM_SCHEMA: _PROBLEM}
    for schema in spec.schemas:
        required = [p.name for p in schema.properties if p.required]
        examples = {p.name: p.example for p in schema.properties if p.example is not None}
        schemas[schema.name] = {
            "type": "object",
            **({"description": schema.description} if schema.description else {}),
            "properties": {p.name: _property_schema(p) for p in schema.properties},
            **({"required": required} if required else {}),
            **({"examples": [examples]} if examples else {}),
        }
    document: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": spec.title, "version": spec.version, "description": _info_description(spec, description)},
        "servers": [{"url": "/"}],
        "tags": [{"name": r.name, **({"description": r.description} if r.description else {})}
                 for r in spec.resources],
        "paths": paths,
        "components": {"schemas": schemas},
    }
    if spec.authentication.schemes:
        document["components"]["securitySchemes"] = {s.name: _security_scheme(s) for s in spec.authentication.schemes}
        document["security"] = [{s.name: []} for s in spec.authentication.schemes]
    return document
