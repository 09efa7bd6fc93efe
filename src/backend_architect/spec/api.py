"""The API specification: the contract `emit_api_spec` fills in.

Shapes are lists of named items, never free-form maps, so that OpenAI strict function
schemas accept them. Cross-references (schema names, path parameters) are checked here,
because a broken reference would make the rendered OpenAPI document invalid.
"""

from __future__ import annotations

import re
from typing import Any, Literal

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
    "Scope",
    "SecurityScheme",
    "Versioning",
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

    @model_validator(mode="before")
    @classmethod
    def _json_schema_style(cls, data: Any) -> Any:
        """Properties written as JSON Schema writes them (`{"email": {"type": "string", "format": "email"}}`
        with a `required` list), as small models do: the same properties, as our list."""
        if not isinstance(data, dict) or not isinstance(data.get("properties"), dict):
            return data
        required = data.get("required") if isinstance(data.get("required"), list) else []
        props = []
        for name, spec in data["properties"].items():
            spec = dict(spec) if isinstance(spec, dict) else {"type": spec}
            ref = spec.pop("$ref", None)
            if isinstance(ref, str):
                spec["ref"] = ref.rsplit("/", 1)[-1]
                spec.setdefault("type", "object")
            items = spec.get("items")
            if isinstance(items, dict) and set(items) <= {"type", "$ref", "enum", "format"}:
                # an array of a type, of a schema, or of enum values; anything more (an inline object) stays
                # as it is, for validation to name
                if isinstance(items.get("$ref"), str):
                    spec["ref"] = items["$ref"].rsplit("/", 1)[-1]
                if isinstance(items.get("enum"), list):
                    spec.setdefault("enum", items["enum"])
                if isinstance(items.get("format"), str):
                    spec.setdefault("format", items["format"])
                spec["items"] = items.get("type", "object")
            for camel, snake in (("readOnly", "read_only"), ("writeOnly", "write_only")):
                if camel in spec:
                    spec[snake] = spec.pop(camel)
            props.append({"name": name, **spec, **({"required": True} if name in required else {})})
        rest = {k: v for k, v in data.items() if k not in ("properties", "required", "type")}
        return {**rest, "properties": props}

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
    path: str = Field(description="relative to base_path: /<resources>/{<resource>_id}")
    operation_id: str = Field(pattern=r"^[a-z][A-Za-z0-9]{0,79}$")

    @model_validator(mode="before")
    @classmethod
    def _camel_operation_id(cls, data: Any) -> Any:
        """`get_user`, `GetUser` and `get-user` are the operation id getUser; a path parameter the path names
        but the parameters leave out (`/users/{user_id}`) is declared, as the path already says it."""
        if isinstance(data, dict) and isinstance(data.get("path"), str) and isinstance(data.get("parameters", []), list):
            params = list(data.get("parameters") or [])
            declared = {p.get("name") for p in params if isinstance(p, dict) and isinstance(p.get("name"), str)}
            missing = [n for n in re.findall(r"\{([A-Za-z][A-Za-z0-9_-]{0,63})\}", data["path"]) if n not in declared]
            params = [{**p, "required": True} if isinstance(p, dict) and p.get("location") == "path" else p
                      for p in params]  # OpenAPI: a path parameter is always required
            data = {**data, "parameters": params + [{"name": n, "location": "path", "required": True} for n in missing]}
        if isinstance(data, dict) and isinstance(data.get("operation_id"), str) and re.fullmatch(
                r"[A-Za-z][A-Za-z0-9_-]*", data["operation_id"]):
            words = [w for w in re.split(r"[_-]+", data["operation_id"]) if w]
            camel = words[0][:1].lower() + words[0][1:] + "".join(w[:1].upper() + w[1:] for w in words[1:])
            data = {**data, "operation_id": camel}
        return data
    summary: str = Field(min_length=1)
    parameters: list[Parameter] = Field(default_factory=list)
    request_schema: str | None = None
    responses: list[Response] = Field(min_length=1)
    auth_required: bool = Field(default=True, description="false marks a public operation (security: [])")
    security: list[str] = Field(default_factory=list,
                                description="names of the security schemes this operation accepts; empty = all")
    scopes: list[str] = Field(default_factory=list, description="OAuth2 scopes the caller needs")
    roles: list[str] = Field(default_factory=list, description="roles allowed, from authentication.roles")
    owner_scope: str | None = Field(
        default=None, pattern=r"^[a-z_][a-z0-9_]{0,62}(\.[a-z_][a-z0-9_]{0,62}){0,3}$",
        description="the owner column the server matches to the caller, so a caller reaches only their own rows "
                    "(OWASP API1): e.g. <person>_id; <parent>_id.<person>_id through the parent; id when the resource "
                    "is the caller's own record. Lists return only the caller's rows; another owner's row is a 404. "
                    "Rendered as x-owner-scope")
    deprecated: bool = False
    sunset: str | None = Field(default=None, pattern=r"^\d{4}-\d{2}-\d{2}$",
                               description="date (YYYY-MM-DD) after which a deprecated operation is removed")
    replacement: str | None = Field(default=None, description="'METHOD /path' that replaces a deprecated operation")

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
        if self.sunset and not self.deprecated:
            raise ValueError(f"{self.method} {self.path} has a sunset date but is not marked deprecated")
        if not self.auth_required and (self.scopes or self.roles or self.security or self.owner_scope):
            raise ValueError(f"{self.method} {self.path} is public (auth_required false) but names scopes, roles, "
                             "security schemes or an owner scope")
        return self

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"


class Resource(StrictModel):
    name: str = Field(pattern=r"^[a-z][a-z0-9_-]{0,63}$", description="plural noun: the table it serves")
    description: str = ""
    endpoints: list[Endpoint] = Field(min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _lower_name(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("name"), str) and re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]*",
                                                                                          data["name"]):
            data = {**data, "name": data["name"].lower()}
        return data


class RateLimit(StrictModel):
    tier: str = Field(pattern=r"^[a-z][a-z0-9_-]{0,31}$", description="e.g. anonymous, authenticated, partner")
    requests: int = Field(gt=0)
    period: Literal["second", "minute", "hour", "day"]
    algorithm: Literal["token_bucket", "sliding_window", "fixed_window", "leaky_bucket"] = "token_bucket"
    key: Literal["ip", "user", "api_key", "tenant"] = Field(default="ip", description="what the limit is counted per")
    burst: int | None = Field(default=None, gt=0, description="bucket size of a token bucket")


class Scope(StrictModel):
    name: str = Field(pattern=r"^[a-z][a-z0-9_.:-]{0,63}$", description="<resources>:read or <resources>:write")
    description: str = Field(min_length=1)


class SecurityScheme(StrictModel):
    name: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_]{0,63}$", description="e.g. bearerAuth, oauth2, apiKey")
    type: Literal["bearer_jwt", "oauth2", "api_key"]
    description: str = ""
    token_ttl_minutes: int | None = Field(default=None, gt=0)
    refresh_token_ttl_days: int | None = Field(default=None, gt=0)
    refresh_endpoint: str | None = Field(default=None, description="'POST /auth/tokens': where tokens are refreshed")
    oauth2_flow: Literal["authorization_code", "client_credentials"] | None = None
    authorization_url: str | None = None
    token_url: str | None = None
    api_key_header: str | None = Field(default=None, pattern=r"^[A-Za-z][A-Za-z0-9-]{0,63}$")
    scopes: list[Scope] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _type_decides(cls, data: Any) -> Any:
        """The scheme's type decides what applies: OAuth2 flow fields on a bearer_jwt or api_key scheme (the
        1.5B model wrote them, four times) describe nothing of it, and are left out."""
        if isinstance(data, dict) and data.get("type") in ("bearer_jwt", "api_key"):
            data = {k: v for k, v in data.items() if k not in ("oauth2_flow", "authorization_url", "token_url")}
        if isinstance(data, dict) and data.get("type") in ("bearer_jwt", "oauth2"):
            data = {k: v for k, v in data.items() if k != "api_key_header"}
        return data

    @model_validator(mode="after")
    def _check(self) -> SecurityScheme:
        _no_duplicates([s.name for s in self.scopes], f"scope of {self.name}")
        if self.type == "oauth2" and self.oauth2_flow is None:
            raise ValueError(f"security scheme {self.name}: oauth2 needs oauth2_flow")
        if self.type != "oauth2" and (self.oauth2_flow or self.authorization_url):
            raise ValueError(f"security scheme {self.name}: oauth2_flow and authorization_url are for oauth2 only")
        if self.type != "api_key" and self.api_key_header:
            raise ValueError(f"security scheme {self.name}: api_key_header is for api_key schemes only")
        return self


class Authentication(StrictModel):
    description: str = ""
    schemes: list[SecurityScheme] = Field(default_factory=list, description="empty only when every operation is "
                                          "public")
    roles: list[str] = Field(default_factory=list, description="the brief's actors who sign in, and admin")

    @model_validator(mode="after")
    def _unique(self) -> Authentication:
        _no_duplicates([s.name for s in self.schemes], "security scheme")
        _no_duplicates(self.roles, "role")
        return self

    def scope_names(self) -> set[str]:
        return {scope.name for scheme in self.schemes for scope in scheme.scopes}


class Versioning(StrictModel):
    strategy: Literal["url_path", "header", "media_type"] = "url_path"
    current_version: str = Field(default="v1", pattern=r"^v?\d+(\.\d+)?$")
    header_name: str | None = Field(default=None, description="for the header strategy, e.g. Api-Version")
    deprecation_policy: str = Field(min_length=1, description="how long an old version or operation lives, and "
                                    "how clients learn of it (Deprecation and Sunset headers)")
    sunset_after_months: int = Field(default=6, ge=1, le=60)


class ApiSpecification(StrictModel):
    title: str = Field(min_length=1)
    version: str = "1.0.0"
    base_path: str = Field(default="/api/v1", pattern=r"^(/[a-z0-9._-]+)*$")
    versioning: Versioning
    authentication: Authentication
    error_format: Literal["problem_json"] = Field(default="problem_json",
                                                  description="RFC 9457 problem details for every 4xx/5xx")
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
        self._check_security(set(keys))
        v = self.versioning
        if v.strategy == "url_path" and v.current_version not in self.base_path.split("/"):
            raise ValueError(f"versioning is url_path but base_path {self.base_path!r} has no {v.current_version!r} "
                             "segment")
        if v.strategy == "header" and not v.header_name:
            raise ValueError("versioning is header: set versioning.header_name (e.g. Api-Version)")
        return self

    def _check_security(self, keys: set[str]) -> None:
        auth = self.authentication
        schemes = {s.name for s in auth.schemes}
        scopes = auth.scope_names()
        for scheme in auth.schemes:
            if scheme.refresh_endpoint and scheme.refresh_endpoint not in keys:
                meant = self._endpoint_meant(scheme.refresh_endpoint, keys)
                if meant is None:
                    raise ValueError(f"security scheme {scheme.name}: refresh_endpoint {scheme.refresh_endpoint!r} is "
                                     "not an endpoint of this spec; add it (a public 'POST /auth/tokens', "
                                     "auth_required false, under a resource 'auth') or name an existing one as "
                                     "'METHOD /path' relative to base_path")
                scheme.refresh_endpoint = meant
        for ep in self.endpoints():
            if ep.auth_required and not schemes:
                raise ValueError(f"{ep.key} requires authentication but authentication.schemes is empty")
            for name in ep.security:
                if name not in schemes:
                    raise ValueError(f"{ep.key} names unknown security scheme {name!r}")
            for scope in ep.scopes:
                if scope not in scopes:
                    raise ValueError(f"{ep.key} needs scope {scope!r}, which no security scheme declares")
            for role in ep.roles:
                if role not in auth.roles:
                    raise ValueError(f"{ep.key} allows role {role!r}, which is not in authentication.roles")
            if ep.replacement and ep.replacement not in keys:
                raise ValueError(f"{ep.key}: replacement {ep.replacement!r} is not an endpoint")

    def _endpoint_meant(self, written: str, keys: set[str]) -> str | None:
        """'/auth/tokens' or '/api/v1/auth/tokens' for the one endpoint at that path ('POST /auth/tokens')."""
        method, _, path = written.strip().rpartition(" ")
        if path.startswith(self.base_path + "/") and self.base_path:
            path = path[len(self.base_path):]
        found = [k for k in keys if k.split(" ", 1)[1] == path and (not method or k.split(" ", 1)[0] == method.upper())]
        if len(found) > 1:
            found = [k for k in found if k.startswith("POST ")]
        return found[0] if len(found) == 1 else None

    def endpoints(self) -> list[Endpoint]:
        return [ep for resource in self.resources for ep in resource.endpoints]

    def endpoint_keys(self) -> set[str]:
        """Endpoints as 'METHOD /full/path', the form other artifacts refer to them by."""
        return {f"{ep.method} {self.base_path}{ep.path}" for ep in self.endpoints()} | {
            ep.key for ep in self.endpoints()
        }

