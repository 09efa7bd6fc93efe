"""The API specification: the contract `emit_api_spec` fills in.

Shapes are lists of named items, never free-form maps, so that OpenAI strict function
schemas accept them. Cross-references (schema names, path parameters) are checked here,
because a broken reference would make the rendered OpenAPI document invalid.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, model_validator

from ._base import StrictModel, no_duplicates as _no_duplicates

__all__ = [
    "ApiSpecification",
    "Authentication",
    "Endpoint",
    "HttpMethod",
    "Parameter",
    "Property",
    "RateLimit",
    "Resource",
    "Response",
    "SchemaDef",
]

HttpMethod = Literal["GET", "POST", "PUT", "PATCH", "DELETE"]
PropertyType = Literal["string", "integer", "number", "boolean", "array", "object"]
SCHEMA_NAME = r"^[A-Z][A-Za-z0-9]{0,63}$"
_PATH = re.compile(r"^/(?:[A-Za-z0-9._~-]+|\{[a-z][a-z0-9_]*\})(?:/(?:[A-Za-z0-9._~-]+|\{[a-z][a-z0-9_]*\}))*$|^/$")



class Property(StrictModel):
    name: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
    type: PropertyType
    format: str | None = Field(default=None, description="e.g. uuid, date-time, email, uri, decimal")
    items: PropertyType | None = Field(default=None, description="element type when type is array")
    ref: str | None = Field(
        default=None, description="name of another schema; the property (or array element) is that object"
    )
    enum: list[str] | None = None
    required: bool = False
    nullable: bool = False
    read_only: bool = False
    write_only: bool = False
    description: str = ""
    example: str | None = None


class SchemaDef(StrictModel):
    name: str = Field(pattern=SCHEMA_NAME)
    description: str = ""
    properties: list[Property] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> SchemaDef:
        _no_duplicates([p.name for p in self.properties], "property")
        return self


class Parameter(StrictModel):
    name: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_-]{0,63}$")
    location: Literal["path", "query", "header"]
    type: Literal["string", "integer", "number", "boolean"] = "string"
    format: str | None = None
    required: bool = False
    description: str = ""


class Response(StrictModel):
    status: int = Field(ge=100, le=599)
    description: str = Field(min_length=1)
    schema_ref: str | None = Field(default=None, description="name of the body schema, if any")
    is_list: bool = Field(default=False, description="body is a JSON array of schema_ref")


class Endpoint(StrictModel):
    method: HttpMethod
    path: str = Field(description="relative to base_path, e.g. /orders/{order_id}")
    operation_id: str = Field(pattern=r"^[a-z][A-Za-z0-9]{0,79}$")
    summary: str = Field(min_length=1)
    parameters: list[Parameter] = Field(default_factory=list)
    request_schema: str | None = None
    responses: list[Response] = Field(min_length=1)
    auth_required: bool = True
    scopes: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check(self) -> Endpoint:
        if not _PATH.match(self.path):
            raise ValueError(f"path {self.path!r} must start with '/' and use {{snake_case}} parameters")
        in_path = re.findall(r"\{([a-z][a-z0-9_]*)\}", self.path)
        declared = {p.name for p in self.parameters if p.location == "path"}
        for name in in_path:
            if name not in declared:
                raise ValueError(f"path parameter {{{name}}} of {self.method} {self.path} is not declared in parameters")
        for name in declared - set(in_path):
            raise ValueError(f"parameter {name!r} is declared in 'path' but {self.path} has no {{{name}}}")
        for p in self.parameters:
            if p.location == "path" and not p.required:
                raise ValueError(f"path parameter {p.name!r} must be required")
        _no_duplicates([(p.location, p.name) for p in self.parameters], "parameter")
        _no_duplicates([r.status for r in self.responses], "response status")
        if self.request_schema and self.method in ("GET", "DELETE"):
            raise ValueError(f"{self.method} {self.path} must not take a request body")
        return self

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"


class Resource(StrictModel):
    name: str = Field(pattern=r"^[a-z][a-z0-9_-]{0,63}$", description="plural noun, e.g. orders")
    description: str = ""
    endpoints: list[Endpoint] = Field(min_length=1)


class RateLimit(StrictModel):
    tier: str = Field(pattern=r"^[a-z][a-z0-9_-]{0,31}$", description="e.g. anonymous, authenticated")
    requests: int = Field(gt=0)
    period: Literal["second", "minute", "hour", "day"]
    algorithm: Literal["token_bucket", "sliding_window", "fixed_window", "leaky_bucket"] = "token_bucket"


class Authentication(StrictModel):
    scheme: Literal["bearer_jwt", "oauth2", "api_key", "none"]
    description: str = ""
    token_ttl_minutes: int | None = Field(default=None, gt=0)
    refresh_token_ttl_days: int | None = Field(default=None, gt=0)
    scopes: list[str] = Field(default_factory=list)


class ApiSpecification(StrictModel):
    title: str = Field(min_length=1)
    version: str = "1.0.0"
    base_path: str = Field(default="/api/v1", pattern=r"^(/[a-z0-9._-]+)*$")
    versioning: Literal["url_path", "header", "media_type"] = "url_path"
    authentication: Authentication
    rate_limits: list[RateLimit] = Field(default_factory=list)
    schemas: list[SchemaDef] = Field(default_factory=list)
    resources: list[Resource] = Field(min_length=1)

    @model_validator(mode="after")
    def _references(self) -> ApiSpecification:
        names = {s.name for s in self.schemas}
        _no_duplicates([s.name for s in self.schemas], "schema")
        _no_duplicates([r.name for r in self.resources], "resource")
        for schema in self.schemas:
            for prop in schema.properties:
                if prop.ref and prop.ref not in names:
                    raise ValueError(f"schema {schema.name}.{prop.name} refers to unknown schema {prop.ref!r}")
                if prop.type == "array" and not (prop.items or prop.ref):
                    raise ValueError(f"schema {schema.name}.{prop.name} is an array: set 'items' or 'ref'")
        keys, op_ids = [], []
        for resource in self.resources:
            for ep in resource.endpoints:
                keys.append(ep.key)
                op_ids.append(ep.operation_id)
                refs = [ep.request_schema] + [r.schema_ref for r in ep.responses]
                for ref in refs:
                    if ref and ref not in names:
                        raise ValueError(f"{ep.key} refers to unknown schema {ref!r}; define it in 'schemas'")
                if not any(200 <= r.status < 400 for r in ep.responses):
                    raise ValueError(f"{ep.key} has no success (2xx/3xx) response")
        _no_duplicates(keys, "endpoint")
        _no_duplicates(op_ids, "operation_id")
        return self

    def endpoints(self) -> list[Endpoint]:
        return [ep for resource in self.resources for ep in resource.endpoints]

    def endpoint_keys(self) -> set[str]:
        """Endpoints as 'METHOD /full/path', the form other artifacts refer to them by."""
        return {f"{ep.method} {self.base_path}{ep.path}" for ep in self.endpoints()} | {
            ep.key for ep in self.endpoints()
        }

