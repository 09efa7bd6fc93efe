"""What the brief-aware rules share, computed once per bundle: who the principals are (the tables people
sign in as), which tables are owned by whom and through which columns, which table an operation works on,
which roles are privileged, and how each requirement reads.

Everything here is derived from names and foreign keys, because that is what a reviewer reads too; where a
design or a person's file does not say enough (no schema, no roles), the facts are empty and the rules that
need them stay silent rather than guess.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .english import Reading, read_requirement, singular

if TYPE_CHECKING:
    from ..spec.data import Table
    from .bundle import Bundle
    from .openapi_index import Operation

__all__ = ["Facts", "facts", "is_privileged", "roles_of", "snake"]

_VERSION = re.compile(r"^(v\d+(\.\d+)*|api|rest|public|internal)$", re.I)
PRINCIPAL_NAMES = {"user", "customer", "account", "member", "employee", "patient", "student", "client", "buyer",
                   "subscriber", "player", "driver", "rider", "guest", "person", "profile", "seller", "author",
                   "doctor", "teacher", "owner", "shopper", "traveler", "traveller", "passenger", "staff_member",
                   "resident"}
TENANT_NAMES = {"organization", "organisation", "org", "tenant", "workspace", "company", "team", "account_group"}
CREDENTIAL_COLUMNS = {"password_hash", "password", "hashed_password", "password_digest", "encrypted_password"}
OWNER_COLUMNS = {"owner_id", "user_id", "created_by", "creator_id", "author_id", "tenant_id", "organization_id",
                 "org_id", "account_id"}
_PRIVILEGED = ("admin", "staff", "manager", "operator", "support", "moderator", "superuser", "backoffice", "ops",
               "auditor", "root", "system", "service", "internal", "editor", "clerk", "librarian")


def snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", str(name)).lower().replace("-", "_").replace(" ", "_")


def roles_of(op: Operation) -> list[str]:
    """An operation's `x-roles`, the strings of it (a person's file may hold anything there)."""
    roles = op.op.get("x-roles")
    return [r for r in roles if isinstance(r, str)] if isinstance(roles, list) else []


def is_privileged(role: str) -> bool:
    role = role.lower()
    return any(word in role for word in _PRIVILEGED)


@functools.lru_cache(maxsize=8192)
def literal_segments(path: str) -> tuple[str, ...]:
    segments = [s for s in path.strip("/").split("/") if s]
    while segments and _VERSION.match(segments[0]):
        segments = segments[1:]
    return tuple(segments)


@dataclass
class Facts:
    tables: dict[str, Table] = field(default_factory=dict)
    principals: set[str] = field(default_factory=set)  # table (or, without a schema, resource) names, singular
    tenants: set[str] = field(default_factory=set)
    owner_path: dict[str, list[str]] = field(default_factory=dict)  # singular table -> columns leading to the owner
    roles: set[str] = field(default_factory=set)
    readings: dict[str, Reading] = field(default_factory=dict)  # requirement id -> reading
    _op_tables: dict[tuple[str, str | None], str | None] = field(default_factory=dict)

    def table_of(self, op: Operation) -> str | None:
        """The singular name of the table (or resource) an operation works on: `GET /orders/{id}/items` → order_item
        when that table exists, else item; `/me` and `/users/me` → the principal. A path that names no table
        (`POST /shorten`) is the table its one tag names (`short_urls`), where that is one."""
        tags = op.op.get("tags")
        tag = tags[0] if isinstance(tags, list) and len(tags) == 1 and isinstance(tags[0], str) else None
        key = (op.path, tag)
        if key not in self._op_tables:
            table = self.path_table(op.path)
            if tag and table not in self.known:
                named = singular(tag.strip().lower().replace("-", "_").replace(" ", "_"))
                table = named if named in self.known else table
            self._op_tables[key] = table
        return self._op_tables[key]

    def path_table(self, path: str) -> str | None:
        segments = literal_segments(path)
        literals = [s for s in segments if not s.startswith("{")]
        if not literals:
            return None
        if literals[-1].lower() == "me" and len(self.principals) >= 1:
            return sorted(self.principals)[0] if len(literals) == 1 else \
                (singular(literals[-2]) if singular(literals[-2]) in self.principals else sorted(self.principals)[0])
        last = singular(literals[-1])
        if len(literals) >= 2:
            joined = f"{singular(literals[-2])}_{last}"
            if joined in self.known:
                return joined
        return last

    @property
    def known(self) -> set[str]:
        return {singular(t) for t in self.tables} | self.principals | set(self.owner_path)

    def owned(self, name: str | None) -> bool:
        return name is not None and name in self.owner_path

    def owner_roles(self, roles: list[str]) -> bool:
        """True when the roles let an ordinary (owner) caller in: no roles listed, or any non-privileged one."""
        return not roles or any(not is_privileged(r) for r in roles)


def facts(bundle: Bundle) -> Facts:
    cached = getattr(bundle, "_facts", None)
    if cached is not None:
        return cached
    f = Facts()
    if bundle.data is not None:
        _from_schema(f, bundle)
    elif bundle.api is not None:
        _from_api(f, bundle)
    api = bundle.api
    if api is not None:
        for op in api.operations:
            f.roles.update(roles_of(op))
    if bundle.brief is not None:
        for req in bundle.brief.requirements:
            f.readings[req.id] = read_requirement(req.text, f.roles)
    bundle._facts = f  # type: ignore[attr-defined]
    return f


def _from_schema(f: Facts, bundle: Bundle) -> None:
    assert bundle.data is not None
    f.tables = {t.name: t for t in bundle.data.tables}
    for table in bundle.data.tables:
        name = singular(table.name)
        columns = {c.name for c in table.columns}
        if columns & CREDENTIAL_COLUMNS or name in PRINCIPAL_NAMES:
            f.principals.add(name)
        elif name in TENANT_NAMES:
            f.tenants.add(name)
    for p in f.principals | f.tenants:
        f.owner_path[p] = ["id"]
    parents: dict[str, list[tuple[str, str]]] = {}  # table -> (fk column, referenced table)
    for table in bundle.data.tables:
        parents[singular(table.name)] = [(c.name, singular(c.references.table)) for c in table.columns
                                         if c.references is not None]
    owners = f.principals | f.tenants
    for table in bundle.data.tables:
        name = singular(table.name)
        if name in owners:
            continue
        direct = [col for col, ref in parents[name] if ref in owners]
        if direct:
            f.owner_path[name] = [direct[0]]
        elif any(c.name in OWNER_COLUMNS for c in table.columns):
            f.owner_path[name] = [next(c.name for c in table.columns if c.name in OWNER_COLUMNS)]
    for _ in range(3):  # through parents: order_items.order_id → orders.customer_id
        for table in bundle.data.tables:
            name = singular(table.name)
            if name in f.owner_path:
                continue
            for col, ref in parents[name]:
                if ref in f.owner_path and ref not in owners and ref != name:
                    f.owner_path[name] = [col, *f.owner_path[ref]]
                    break


def _from_api(f: Facts, bundle: Bundle) -> None:
    """Without a schema: principals are the resources people sign up as, owned resources those whose
    representation carries a principal's id or an owner column."""
    api = bundle.api
    assert api is not None
    schemas = api.component_schemas()
    names = {singular(snake(n)): s for n, s in schemas.items() if isinstance(s, dict)}
    for op in api.operations:
        segments = [s for s in literal_segments(op.path) if not s.startswith("{")]
        if segments and singular(segments[-1]) in PRINCIPAL_NAMES:
            f.principals.add(singular(segments[-1]))
    for name, schema in names.items():
        props = schema.get("properties") if isinstance(schema.get("properties"), dict) else {}
        if set(props) & CREDENTIAL_COLUMNS and name in PRINCIPAL_NAMES:
            f.principals.add(name)
    for p in f.principals:
        f.owner_path[p] = ["id"]
    for name, schema in names.items():
        props = schema.get("properties") if isinstance(schema.get("properties"), dict) else {}
        if name in f.principals:
            continue
        owner = next((p for p in props if p in OWNER_COLUMNS or (p.endswith("_id") and p[:-3] in f.principals)), None)
        if owner:
            f.owner_path[name] = [owner]


def response_properties(api: Any, op: Operation) -> set[str]:
    """Property names of the 2xx response bodies of an operation, through $refs, arrays and page wrappers."""
    found: set[str] = set()
    for status, response in op.responses().items():
        if not str(status).startswith("2"):
            continue
        response = api.resolve(response)
        content = response.get("content") if isinstance(response, dict) else None
        for media in (content.values() if isinstance(content, dict) else []):
            _collect(api, media.get("schema") if isinstance(media, dict) else None, found, 0)
    return found


def _collect(api: Any, schema: Any, found: set[str], depth: int) -> None:
    schema = api.resolve(schema)
    if not isinstance(schema, dict) or depth > 4:
        return
    props = schema.get("properties")
    for name, sub in (props.items() if isinstance(props, dict) else []):
        found.add(str(name))
        sub = api.resolve(sub)
        if isinstance(sub, dict) and (sub.get("type") == "array" or "items" in sub) and str(name) in ("items", "data",
                                                                                                     "results"):
            _collect(api, sub.get("items"), found, depth + 1)
    _collect(api, schema.get("items"), found, depth + 1)
    for key in ("allOf", "oneOf", "anyOf"):
        for sub in schema.get(key) or []:
            _collect(api, sub, found, depth + 1)


def request_schema(api: Any, op: Operation) -> tuple[str, dict[str, Any]] | None:
    """(name or pointer, resolved schema) of an operation's JSON request body."""
    body = api.resolve(op.op.get("requestBody"))
    content = body.get("content") if isinstance(body, dict) else None
    for media_type, media in (content.items() if isinstance(content, dict) else []):
        if "json" not in media_type or not isinstance(media, dict):
            continue
        raw = media.get("schema")
        ref = raw.get("$ref") if isinstance(raw, dict) else None
        name = ref.rsplit("/", 1)[-1] if isinstance(ref, str) else f"{op.label} request body"
        schema = api.resolve(raw)
        if isinstance(schema, dict):
            return name, schema
    return None
