"""OpenAPI 3.1 from the API specification."""

from __future__ import annotations

from typing import Any

from ..spec.api import ApiSpecification, Endpoint, Property

__all__ = ["openapi_document"]

_SECURITY_SCHEMES: dict[str, tuple[str, dict[str, Any]]] = {
    "bearer_jwt": ("bearerAuth", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}),
    "api_key": ("apiKeyAuth", {"type": "apiKey", "in": "header", "name": "X-API-Key"}),
}
_PERIOD_SECONDS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}


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


def _security_scheme(spec: ApiSpecification) -> tuple[str, dict[str, Any]] | None:
    auth = spec.authentication
    if auth.scheme == "none":
        return None
    if auth.scheme == "oauth2":
        scopes = {s: s.replace(":", " ").replace("_", " ") for s in auth.scopes}
        return "oauth2", {
            "type": "oauth2",
            "flows": {"authorizationCode": {
                "authorizationUrl": "https://auth.example.com/oauth/authorize",
                "tokenUrl": "https://auth.example.com/oauth/token",
                "scopes": scopes,
            }},
        }
    return _SECURITY_SCHEMES[auth.scheme]


def _operation(spec: ApiSpecification, ep: Endpoint, scheme_name: str | None, tag: str) -> dict[str, Any]:
    op: dict[str, Any] = {"operationId": ep.operation_id, "summary": ep.summary, "tags": [tag]}
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
    responses: dict[str, Any] = {}
    for r in sorted(ep.responses, key=lambda r: r.status):
        body: dict[str, Any] = {"description": r.description}
        if r.schema_ref:
            ref = {"$ref": f"#/components/schemas/{r.schema_ref}"}
            media = "application/problem+json" if r.status >= 400 else "application/json"
            body["content"] = {media: {"schema": {"type": "array", "items": ref} if r.is_list else ref}}
        if r.status == 429 and spec.rate_limits:
            body["headers"] = {"Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}}}
        responses[str(r.status)] = body
    op["responses"] = responses
    if scheme_name and ep.auth_required:
        op["security"] = [{scheme_name: list(ep.scopes)}]
    elif scheme_name:
        op["security"] = []  # explicitly public
    return op


def openapi_document(spec: ApiSpecification, *, description: str = "") -> dict[str, Any]:
    scheme = _security_scheme(spec)
    scheme_name = scheme[0] if scheme else None
    paths: dict[str, dict[str, Any]] = {}
    for resource in spec.resources:
        for ep in resource.endpoints:
            full = f"{spec.base_path}{ep.path}" if ep.path != "/" else (spec.base_path or "/")
            paths.setdefault(full, {})[ep.method.lower()] = _operation(spec, ep, scheme_name, resource.name)
    schemas: dict[str, Any] = {}
    for schema in spec.schemas:
        required = [p.name for p in schema.properties if p.required]
        schemas[schema.name] = {
            "type": "object",
            **({"description": schema.description} if schema.description else {}),
            "properties": {p.name: _property_schema(p) for p in schema.properties},
            **({"required": required} if required else {}),
        }
    info_description = description
    if spec.rate_limits:
        limits = "; ".join(f"{rl.tier}: {rl.requests} requests per {rl.period} ({rl.algorithm.replace('_', ' ')})"
                           for rl in spec.rate_limits)
        info_description = (info_description + "\n\n" if info_description else "") + f"Rate limits: {limits}."
    document: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": spec.title, "version": spec.version,
                 **({"description": info_description} if info_description else {})},
        "servers": [{"url": "/"}],
        "tags": [{"name": r.name, **({"description": r.description} if r.description else {})}
                 for r in spec.resources],
        "paths": paths,
        "components": {"schemas": schemas},
    }
    if scheme:
        document["components"]["securitySchemes"] = {scheme[0]: scheme[1]}
        document["security"] = [{scheme[0]: []}]
    return document
