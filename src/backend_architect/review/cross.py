"""Rules across artifacts (and the brief): the checks no single-artifact linter can make."""

from __future__ import annotations

import re
from collections.abc import Iterator

from .bundle import Bundle
from .data import is_sensitive
from .engine import rule
from .openapi_index import pointer

__all__ = ["api_resources", "singular"]

Found = Iterator[tuple[str, str]]
_VERSION = re.compile(r"^(v\d+(\.\d+)*|api|rest|public|internal)$", re.I)


def singular(word: str) -> str:
    word = word.lower().replace("-", "_")
    for suffix, repl in (("ies", "y"), ("sses", "ss"), ("xes", "x"), ("ches", "ch"), ("shes", "sh"), ("s", "")):
        if word.endswith(suffix) and not word.endswith("ss"):
            return word[: -len(suffix)] + repl
    return word


def api_resources(bundle: Bundle) -> dict[str, list[str]]:
    """Resource name (first path segment after the version prefix) -> its paths."""
    out: dict[str, list[str]] = {}
    for path in (bundle.openapi or {}).get("paths") or {}:
        segments = [s for s in str(path).strip("/").split("/") if s]
        while segments and _VERSION.match(segments[0]):
            segments = segments[1:]
        if segments and not segments[0].startswith("{"):
            out.setdefault(segments[0], []).append(str(path))
    return out


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


@rule("cross-resource-backed", "warning", "cross",
      "Cross-artifact consistency (Zalando #127 resource-oriented design): an API resource is stored or served somewhere.")
def resource_backed(bundle: Bundle) -> Found:
    """Every API resource is backed by a table or a service"""
    if bundle.openapi is None or (bundle.data is None and bundle.services is None):
        return
    tables = {singular(t) for t in bundle.data.table_names()} if bundle.data else set()
    served = {ref.split(" ", 1)[-1] for s in bundle.services.services for ref in s.endpoints} if bundle.services else set()
    for name, paths in api_resources(bundle).items():
        if singular(name) in tables or any(p in served for p in paths):
            continue
        if name in ("auth", "token", "tokens", "health", "login", "logout", "me", "oauth", "session", "sessions"):
            continue  # served by the identity layer or the platform, not by a domain table
        yield pointer("paths", paths[0]), (f"resource {name!r} is backed by no table and served by no service; add "
                                           "its table, or list its endpoints under the service that serves it")


# Operations whose job is to hand a credential over (a token endpoint, "create an API key"): returning
# the secret there is the point, once, to its owner (OWASP API3 is about leaking it elsewhere).
_ISSUES_CREDENTIALS = re.compile(r"token|api[-_]?key|keys?\b|secret|credential|oauth|login|sign[-_]?in|session"
                                 r"|password|conversion|auth", re.I)


_CREDENTIAL_OBJECT = re.compile(r"connection|credential|login|token|secret|api_?key", re.I)


def _issues_credentials(op: object) -> bool:
    text = f"{getattr(op, 'path', '')} {getattr(op, 'op', {}).get('operationId', '')}"  # type: ignore[union-attr]
    return bool(_ISSUES_CREDENTIALS.search(text))


@rule("cross-sensitive-exposed", "error", "cross",
      "OWASP API3 excessive data exposure (Spectral owasp:api3); sensitive columns never leave through responses.")
def sensitive_exposed(bundle: Bundle) -> Found:
    """Sensitive columns and fields are not exposed through API responses"""
    api = bundle.api
    if api is None:
        return
    sensitive = {c.name for t in bundle.data.tables for c in t.columns if is_sensitive(c.name, column=True)} if bundle.data else set()
    roots = [(ptr + "/schema", media.get("schema")) for op in api.operations if not _issues_credentials(op)
             for ptr, media in api.media(op, responses_only=True)]
    for ptr, schema in api.reachable_schemas(roots):
        props = schema.get("properties")
        for prop, sub in (props.items() if isinstance(props, dict) else []):
            column = _snake(str(prop))
            if not (column in sensitive or is_sensitive(column)):
                continue
            holder = ptr.rsplit("/properties/", 1)[-1].split("/")[0] if "/properties/" in ptr else ""
            if _CREDENTIAL_OBJECT.search(holder):
                break  # a connection's or a credential's own fields: the object is the credential handed over
            sub = api.resolve(sub) if isinstance(sub, dict) else {}
            sub = sub if isinstance(sub, dict) else {}
            if sub.get("writeOnly") or sub.get("type") in ("boolean", "object", "array") or "properties" in sub:
                continue  # never sent back, a flag about a secret, or a container of settings about it
            where = ptr.split("/")[3] if ptr.startswith("/components/schemas/") else "a response schema"
            yield ptr + pointer("properties", prop), (
                f"{prop} ({where}) is sensitive and is returned in responses; remove it from response schemas "
                "or mark it writeOnly")


@rule("cross-brief-entity-present", "warning", "cross",
      "Requirements coverage: every entity the brief names is a table, a schema or a resource of the design.")
def brief_entity_present(bundle: Bundle) -> Found:
    """Every entity of the brief appears in the design"""
    if bundle.brief is None or not bundle.kinds:
        return
    known = set()
    if bundle.data:
        known |= {singular(t) for t in bundle.data.table_names()}
    if bundle.openapi is not None:
        known |= {singular(_snake(str(n))) for n in (bundle.api.component_schemas() if bundle.api else {})}
        known |= {singular(n) for n in api_resources(bundle)}
    for entity in bundle.brief.entities:
        if singular(_snake(entity.name).replace(" ", "_")) not in known:
            yield f"brief/entities/{entity.name}", (f"entity {entity.name!r} of the brief appears in no table, schema "
                                                     "or resource; model it or say in open questions why not")


@rule("cross-requirement-traced", "error", "cross",
      "Requirements traceability (ISO/IEC/IEEE 29148): each requirement id maps to what satisfies it.")
def requirement_traced(bundle: Bundle) -> Found:
    """Every requirement id is traced"""
    if bundle.brief is None or bundle.traceability is None:
        return
    traced = {t.requirement_id for t in bundle.traceability if t.endpoints or t.tables or t.services}
    for req in bundle.brief.requirements:
        if req.id not in traced:
            yield f"traceability/{req.id}", f"requirement {req.id} is not traced to any endpoint, table or service"


@rule("cross-service-references", "error", "cross",
      "Cross-artifact consistency: services own real tables and list real endpoints; every table has an owner.")
def service_references(bundle: Bundle) -> Found:
    """Services refer to existing tables and endpoints, and every table has an owner"""
    if bundle.services is None:
        return
    tables = bundle.data.table_names() if bundle.data else None
    endpoints = None
    if bundle.api is not None:
        endpoints = {f"{op.method.upper()} {op.path}" for op in bundle.api.operations}
    for service in bundle.services.services:
        for table in service.owned_tables if tables is not None else []:
            if table not in tables:
                yield f"services/{service.name}/owned_tables/{table}", f"{service.name} owns {table!r}, which is not a table"
        for ref in service.endpoints if endpoints is not None else []:
            if ref not in endpoints:
                yield f"services/{service.name}/endpoints/{ref}", f"{service.name} lists {ref!r}, which the API does not define"
    for table in sorted(tables or []):
        if bundle.services.owner_of(table) is None:
            yield f"tables/{table}", f"table {table} is owned by no service; give it one owner"
