"""Authorization rules: who may call what, read as an attacker would (OWASP API Security Top 10 2023).

A linter that sees only the OpenAPI document cannot tell a product catalog from a payments ledger; these
rules also read the schema (which tables belong to whom, through which foreign keys) and the brief (what
anonymous visitors are meant to do), so they can say "anyone may list every payment" rather than "an
operation has no security".
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from typing import Any

from .bundle import Bundle
from .engine import rule
from .english import READ, WRITE, singular, verb_kind
from .facts import Facts, facts, is_privileged, literal_segments, request_schema, response_properties, roles_of
from .openapi_index import ApiIndex, Operation, pointer

__all__: list[str] = []

Found = Iterator[tuple[Any, ...]]
WRITES = ("post", "put", "patch", "delete")
# Resources whose rows are private by nature, whoever owns them.
SENSITIVE_RESOURCES = {"payment", "invoice", "card", "credential", "password", "secret", "api_key", "token",
                       "address", "message", "conversation", "transaction", "refund", "payout", "wallet", "billing",
                       "bank_account", "salary", "payroll", "medical_record", "prescription", "diagnosis", "session",
                       "payment_method", "receipt", "statement", "document", "note"}
PERSONAL_FIELDS = re.compile(r"^(e_?mail|email_address|phone|phone_number|mobile|address|street|street_address|"
                             r"postal_code|zip|birth_?date|date_of_birth|dob|ssn|national_id|passport\w*|iban|"
                             r"card_number|pan|ip_address|password\w*|salary|tax_id)$")
# Paths that sign people in or up (and the identity endpoints around them) are public by nature.
_AUTH_PATH = re.compile(r"(^|/)(auth|oauth|token|tokens|login|logout|signin|sign-in|signup|sign-up|register|"
                        r"registration|registrations|session|sessions|password|passwords|password-reset|"
                        r"password_resets|verify|verification|refresh|\.well-known|jwks|health|healthz|ready)(/|$)",
                        re.I)
_WEBHOOK = re.compile(r"webhook", re.I)


@functools.lru_cache(maxsize=8192)
def _auth_path(path: str) -> bool:
    return bool(_AUTH_PATH.search(path))


def _resource_operations(bundle: Bundle) -> Iterator[tuple[ApiIndex, Facts, Operation]]:
    """(the API, the facts, an operation) for every operation on a resource: sign-in, sign-up and token endpoints
    are the authentication itself, which no authorization rule judges."""
    api = bundle.api
    if api is None:
        return
    f = facts(bundle)
    for op in api.operations:
        if not _auth_path(op.path):
            yield api, f, op


def _public(op: Operation) -> bool:
    return op.op.get("security") == []


def _roles(op: Operation) -> list[str]:
    return roles_of(op)


def _restricted(op: Operation) -> bool:
    """Role-restricted to privileged roles only (staff, admin…): no ordinary caller gets in."""
    roles = _roles(op)
    return bool(roles) and all(is_privileged(r) for r in roles)


def _owner_scoped(op: Operation) -> bool:
    scope = op.op.get("x-owner-scope")
    return bool(scope) or "me" in [s.lower() for s in literal_segments(op.path)]


def _is_item(op: Operation) -> bool:
    return op.path.rstrip("/").endswith("}")


def _granted_to_anonymous(bundle: Bundle, f: Facts, table: str | None) -> bool:
    """The brief lets visitors (or anyone) read this resource: "Visitors can browse products"."""
    if table is None or bundle.brief is None:
        return False
    names = {table, table.rsplit("_", 1)[-1]}
    for reading in f.readings.values():
        if reading.anonymous and any(verb_kind(v) == READ for v in reading.verbs) and (
                names & set(reading.nouns) or not reading.nouns):
            return True
    return False


def _private(f: Facts, table: str | None, props: set[str]) -> bool:
    """Rows another caller must not read: sensitive by kind, a person's own record, a tenant's data, or a
    representation carrying personal fields."""
    if table is None:
        return bool({p for p in props if PERSONAL_FIELDS.match(p)})
    last = table.rsplit("_", 1)[-1]
    if table in SENSITIVE_RESOURCES or last in SENSITIVE_RESOURCES:
        return True
    if table in f.principals and not (_shared(f, table) or _met_by_others(f, table)):
        return True
    path = f.owner_path.get(table)
    if path and f.tenants and _owner_table(f, table) in f.tenants:
        return True
    return any(PERSONAL_FIELDS.match(p) for p in props)


def _shared(f: Facts, table: str | None) -> bool:
    """The brief has people read this resource beyond their own rows ("see recent posts from the people they
    follow", "query users, posts and comments"): not "their order history"."""
    if table is None:
        return False
    names = {table, table.rsplit("_", 1)[-1]}
    # Rows owned through a parent, read in a requirement about the person's own rows ("list their links and see
    # click counts per link"): the clicks of their links, not everyone's.
    through_parent = _child_of_private(f, table)
    return any(r.person and names & r.nouns_of(READ) and not names & set(r.own_nouns)
               and not (through_parent and r.own_nouns) for r in f.readings.values())


def _reads_private(f: Facts, table: str | None, props: set[str]) -> bool:
    """Reading another owner's rows is a leak: private by kind (above), or owned content the brief never has
    anyone read beyond their own."""
    if _private(f, table, props):
        return True
    return table not in f.principals and not _shared(f, table)


def _child_of_private(f: Facts, table: str) -> bool:
    """Rows that hang from another owned table whose rows the brief has no one read beyond their own (clicks of a
    user's short URLs, whatever key of their own they carry: run 19's clicks.user_id); not the comments of posts
    everyone reads."""
    t = f.tables.get(table) or next((x for n, x in f.tables.items() if singular(n) == table), None)
    if t is None:
        return False
    for c in t.columns:
        parent = singular(c.references.table) if c.references is not None else None
        if parent and parent != table and f.owned(parent) and parent not in f.principals:
            names = _names(parent)
            # an anonymous reader's one row by its key (the redirect of a short URL) leaves its children private
            if not any(r.person and not r.anonymous and names & r.nouns_of(READ) and not names & set(r.own_nouns)
                       for r in f.readings.values()):
                return True
    return False


def _met_by_others(f: Facts, table: str) -> bool:
    """People of this kind are who another actor deals with ("patients book appointments with doctors"): the
    others need to find them, so their public profile may be listed (personal fields still may not)."""
    return any(r.person and r.actor != table and table in r.nouns for r in f.readings.values())


def _owner_table(f: Facts, table: str) -> str | None:
    """The principal or tenant a table's owner path ends at."""
    current = table
    for _ in range(5):
        if current in f.principals or current in f.tenants:
            return current
        path = f.owner_path.get(current)
        t = f.tables.get(current) or next((x for n, x in f.tables.items() if singular(n) == current), None)
        if not path or t is None:
            return None
        col = t.column(path[0])
        if col is None or col.references is None:
            return None
        current = singular(col.references.table)
    return None


def _sensitive_kind(f: Facts, table: str | None, props: set[str]) -> str:
    if table is None:
        return "it returns personal data"
    if table in f.principals:
        return f"{table} records are personal data"
    if table in SENSITIVE_RESOURCES or table.rsplit("_", 1)[-1] in SENSITIVE_RESOURCES:
        return f"{table} is sensitive"
    if table in f.owner_path:
        return f"{table} rows belong to a {_owner_table(f, table) or 'user'} (through {'.'.join(f.owner_path[table])})"
    personal = sorted(p for p in props if PERSONAL_FIELDS.match(p))
    return f"it returns personal data ({', '.join(personal)})"


@rule("authz-sensitive-public", "error", "cross",
      "OWASP API1/API2 2023 (broken object-level authorization, broken authentication): payments, credentials, "
      "personal data and anything a user or tenant owns is never readable without signing in.",
      on_emit=("api",))
def sensitive_public(bundle: Bundle) -> Found:
    """Sensitive and owned resources are never public"""
    for api, f, op in _resource_operations(bundle):
        if not _public(op) or op.method in WRITES:
            continue
        table = f.table_of(op)
        props = response_properties(api, op)
        if not (_private(f, table, props) or f.owned(table)):
            continue
        if _granted_to_anonymous(bundle, f, table) and not _private(f, table, props):
            continue  # the brief lets anyone read it: a public short link, a public catalog
        yield op.ptr + "/security", (
            f"{op.label} is public (security: []), yet {_sensitive_kind(f, table, props)}: anyone can read them. "
            "Require authentication, and scope it to the owner (x-owner-scope) or restrict it to a role (x-roles)"), {
            "auth_required": True}


@rule("authz-write-public", "error", "cross",
      "OWASP API2/API5 2023: no write operation is public except signing up and signing in (and signed webhooks).",
      on_emit=("api",))
def write_public(bundle: Bundle) -> Found:
    """Write operations are never public, except sign-up and sign-in"""
    for api, f, op in _resource_operations(bundle):
        if not _public(op) or op.method not in WRITES or _WEBHOOK.search(op.path):
            continue
        table = f.table_of(op)
        if op.method == "post" and not _is_item(op) and table in f.principals:
            continue  # sign-up: POST /customers creates the caller's own account
        yield op.ptr + "/security", (
            f"{op.label} is public (security: []): anyone can write {table or 'it'} without signing in. Require "
            "authentication; only sign-up (POST to the account collection) and sign-in may be public"), {
            "auth_required": True}


_SIGN_UP_IN = re.compile(r"^(login|log-in|log_in|signin|sign-in|sign_in|signup|sign-up|sign_up|register|"
                         r"registration|registrations)$", re.I)


@rule("authz-sign-in-public", "error", "cross",
      "OWASP API2 2023: the endpoints that sign a person up or in take credentials, not a token; behind a token, "
      "nobody without an account could ever get one.",
      on_emit=("api",))
def sign_in_public(bundle: Bundle) -> Found:
    """Signing up and signing in are public"""
    api = bundle.api
    if api is None:
        return
    for op in api.operations:
        segments = [s for s in literal_segments(op.path) if not s.startswith("{")]
        # RFC 6749's token endpoint (`POST /auth/tokens`, `/oauth/token`) takes credentials or a refresh token too
        token = segments[-1].lower() in ("token", "tokens") and any(
            s.lower() in ("auth", "oauth", "oauth2") for s in segments[:-1]) if segments else False
        if op.method != "post" or not segments or not (_SIGN_UP_IN.match(segments[-1]) or token) or _public(op):
            continue
        fix: dict[str, Any] = {"auth_required": False}
        if op.op.get("x-roles"):
            fix["roles"] = []
        if op.op.get("x-owner-scope"):
            fix["owner_scope"] = None
        yield op.ptr, (f"{op.label} signs a person up or in, but requires a token: make it public "
                       "(auth_required false); its body carries the credentials"), fix


@rule("authz-owner-scope", "error", "cross",
      "OWASP API1 2023 broken object-level authorization: a resource that belongs to a user or tenant is scoped "
      "to its owner (x-owner-scope) or restricted to a privileged role (x-roles).",
      on_emit=("api",))
def owner_scope(bundle: Bundle) -> Found:
    """Owned resources are scoped to their owner or restricted to a role"""
    for api, f, op in _resource_operations(bundle):
        if not f.owner_path:
            return  # nothing in the schema has an owner
        if _public(op) or _restricted(op) or _owner_scoped(op):
            continue
        table = f.table_of(op)
        if not f.owned(table):
            continue
        write = op.method in ("put", "patch", "delete") and _is_item(op)
        props = response_properties(api, op) if op.method == "get" else set()
        if not (write or (op.method == "get" and _reads_private(f, table, props))):
            continue
        path = ".".join(f.owner_path[table]) if table else "owner_id"
        personal = sorted(p for p in props if PERSONAL_FIELDS.match(p))
        also = f" ({table} responses carry personal fields: {', '.join(personal)}; or return only public fields)" \
            if personal and not write else ""
        who = "any signed-in caller" if not _roles(op) else f"any {', '.join(_roles(op))}"
        what = "change or delete any" if write else ("list every" if not _is_item(op) else "read any")
        if table and tuple(f.owner_path[table]) == ("id",) and not _is_item(op):
            # the people table's own list: "only your own row" is no list at all, so it is for staff
            fix: dict[str, object] = {"roles": [next((r for r in sorted(f.roles) if is_privileged(r)), "admin")]}
        else:
            fix = {"owner_scope": path}
        yield op.ptr, (f"{op.label} lets {who} {what} {table} row, not only their own: scope it to the owner "
                       f"(owner_scope / x-owner-scope: {path}, checked against the caller) or restrict it to a "
                       f"privileged role (x-roles){also}"), fix


def _names(table: str) -> set[str]:
    return {table, singular(table), table.rsplit("_", 1)[-1], singular(table.rsplit("_", 1)[-1])}


@rule("authz-staff-writes", "error", "cross",
      "OWASP API5 2023 broken function-level authorization: what the brief has only staff write (\"the office "
      "manager adds, edits and retires equipment\") is restricted to a privileged role, not open to every "
      "signed-in user.", on_emit=("api",))
def staff_writes(bundle: Bundle) -> Found:
    """Writes the brief gives only to staff are restricted to a privileged role"""
    if bundle.brief is None:
        return
    for api, f, op in _resource_operations(bundle):
        if op.method not in WRITES or _public(op) or _roles(op) or _owner_scoped(op):
            continue
        table = f.table_of(op)
        if not table or table in f.principals:
            continue
        writers = [r for r in f.readings.values() if r.person and _names(table) & r.nouns_of(WRITE)]
        if not writers or not all(r.actor and is_privileged(r.actor) for r in writers):
            continue
        role = next((r for r in sorted(f.roles) if is_privileged(r)), None)
        if role is None:
            continue  # no staff role in the design to restrict it to: authz-role-consistency and people judge
        actors = ", ".join(sorted({str(r.actor) for r in writers}))
        yield op.ptr, (f"{op.label} lets any signed-in caller write {table}, which the brief has only the {actors} "
                       f"write: restrict it to {role} (x-roles)"), {"roles": [role]}


@rule("authz-role-consistency", "error", "cross",
      "OWASP API5 2023 broken function-level authorization: the writes of one resource are restricted alike.",
      on_emit=("api",))
def role_consistency(bundle: Bundle) -> Found:
    """Role restrictions are consistent across a resource's write operations"""
    by_table: dict[str, list[Operation]] = {}
    for api, f, op in _resource_operations(bundle):
        if op.method in WRITES:
            table = f.table_of(op)
            if table:
                by_table.setdefault(table, []).append(op)
    for table, ops in by_table.items():
        # Who may change or delete a row is one decision: if creating it, or one change of it, takes a privileged
        # role, every change and deletion does too (or is the owner's own). Creating may be open while changing is
        # staff's (customers place orders, staff fulfil them), not the other way round.
        item_writes = [op for op in ops if op.method != "post" or _is_item(op)]
        restricted = [op for op in ops if _restricted(op) and (op in item_writes or not _is_item(op))]
        if not restricted or not item_writes:
            continue
        for op in item_writes:
            if _restricted(op) or _owner_scoped(op) or _public(op):
                continue  # public writes are authz-write-public's
            roles = ", ".join(sorted({r for o in restricted for r in _roles(o)}))
            yield op.ptr, (f"{op.label} is open to {'any signed-in caller' if not _roles(op) else ', '.join(_roles(op))}"
                           f" while {restricted[0].label} of the same resource ({table}) is restricted to {roles}: "
                           f"restrict it to {roles} too, or scope it to the owner (x-owner-scope)")


_TIMESTAMP = re.compile(r"^(created|updated|modified|deleted|inserted|last_modified|last_login)(_at|_on|_date|_time)?$")
_TOTAL = re.compile(r"^(total|subtotal|grand_total|amount_due|balance|unit_price)$|^total_|_total$|"
                    r"^(like|follower|following|view|click|comment|share|vote|download|visit|reply|repost|favou?rite|"
                    r"order|item|review|member|booking|star|reaction)s?_count$")
_SERVER_STATUS = {"paid", "shipped", "delivered", "succeeded", "success", "failed", "refunded", "approved",
                  "rejected", "completed", "fulfilled", "processing", "verified", "settled", "captured", "charged",
                  "authorized", "authorised", "confirmed", "returned", "dispatched", "in_transit", "banned",
                  "suspended", "disputed", "chargeback", "cleared"}
_OWNER_FIELDS = {"owner_id", "author_id", "creator_id", "created_by", "updated_by", "tenant_id", "organization_id",
                 "org_id", "follower_id"}


def _people_keys(f: Facts, op: Operation, props: object) -> tuple[set[str], set[str], str | None]:
    """The person keys of the operation's table (patient_id, doctor_id), those of them the body accepts, and
    the one the table belongs to (its owner path's first step, when that is a person key)."""
    name = f.table_of(op)
    table = next((t for n, t in f.tables.items() if singular(n) == name), None)
    if table is None or not isinstance(props, dict):
        return set(), set(), None
    keys = {c.name for c in table.columns if c.name.endswith("_id") and (
        c.name[:-3] in f.principals or (c.references is not None and singular(c.references.table) in f.principals))}
    path = f.owner_path.get(name or "") or []
    return keys, keys & set(props), (path[0] if path and path[0] in keys else None)


def _server_owned(f: Facts, name: str, sub: dict[str, object], create: bool, callers: set[str],
                  people: tuple[set[str], set[str], str | None] = (set(), set(), None)) -> str | None:
    """Why a request-body property is the server's to set, or None. `callers`: the operation's roles, singular
    (a patient books an appointment: patient_id is the caller's, doctor_id the patient's choice). Without
    roles, `people` tells: the table's owner key is the caller's, another person's key is chosen."""
    name_l = name.lower()
    if name_l == "id":
        return "ids are assigned by the server"
    if _TIMESTAMP.match(name_l):
        return "timestamps are set by the server"
    if _TOTAL.search(name_l):
        return "totals, prices and counters are computed by the server"
    if name_l in _OWNER_FIELDS or (name_l.endswith("_id") and name_l[:-3] in f.tenants):
        return "the owner is the caller, taken from the access token"
    keys, accepted, owner = people
    # Without roles: the table's owner key is the caller's (orders.customer_id); another person's key is chosen
    # (appointments.doctor_id). With no owner known, a key the body leaves out is taken to be the caller's.
    chosen = not callers and len(keys) >= 2 and name_l in accepted and (
        name_l != owner if owner else accepted < keys)
    if name_l.endswith("_id") and name_l[:-3] in f.principals and not chosen and (
            not callers or name_l[:-3] in callers):
        # a person's key is the caller's own when the caller is that kind of person; another person's key
        # (the doctor a patient books) is the client's to choose
        return "the owner is the caller, taken from the access token"
    if name_l in ("status", "state") or name_l.endswith("_status"):
        if create:
            return "a new resource's status is set by the server"
        enum = sub.get("enum")
        values = {str(v).lower() for v in enum if v is not None} if isinstance(enum, list) else None
        if values is None:
            return "any status transition is accepted; allow only the transitions a client may make (an enum)"
        bad = sorted(values & _SERVER_STATUS)
        if bad:
            return f"a client could set it to {', '.join(bad)}, which only the server may decide"
    return None


@rule("authz-server-owned-fields", "error", "cross",
      "OWASP API3 2023 broken object property level authorization (mass assignment): request bodies do not "
      "accept ids, owner ids, totals, timestamps or status transitions the client may not make.",
      on_emit=("api",))
def server_owned_fields(bundle: Bundle) -> Found:
    """Request bodies do not accept server-owned fields"""
    seen: set[tuple[str, str]] = set()
    for api, f, op in _resource_operations(bundle):
        if op.method not in ("post", "put", "patch") or _restricted(op):
            continue
        found = request_schema(api, op)
        if found is None:
            continue
        name, schema = found
        props = schema.get("properties")
        create = op.method == "post"
        people = _people_keys(f, op, props)
        callers = {singular(r.lower().replace("-", "_").replace(" ", "_")) for r in _roles(op)}
        for prop, sub in (props.items() if isinstance(props, dict) else []):
            sub = api.resolve(sub) if isinstance(sub, dict) else {}
            if not isinstance(sub, dict) or sub.get("readOnly") or (name, prop) in seen:
                continue
            why = _server_owned(f, str(prop), sub, create, callers, people)
            if why is None:
                continue
            seen.add((name, str(prop)))
            where = pointer("components", "schemas", name, "properties", prop) if name in api.component_schemas() \
                else op.ptr + "/requestBody"
            yield where, (f"{name}.{prop} is accepted from the client by {op.label}, but {why}: drop it from the "
                          "request schema (keep it in the response) or mark it readOnly")


# Records of money that moved: corrected by a new entry (a refund, a reversal), never edited or deleted.
LEDGER_RECORDS = {"payment", "transaction", "refund", "payout", "charge", "transfer", "ledger_entry", "settlement",
                  "chargeback", "disbursement"}


@rule("authz-ledger-immutable", "warning", "cross",
      "OWASP API5/API3 2023: a payment, transaction, refund or payout is a ledger record; no ordinary caller "
      "edits or deletes it (staff may move its status at most); a mistake is corrected by a new entry.",
      on_emit=("api",))
def ledger_immutable(bundle: Bundle) -> Found:
    """Ledger records (payments, transactions, refunds) are not edited or deleted by ordinary callers"""
    for api, f, op in _resource_operations(bundle):
        if op.method not in ("put", "patch", "delete") or not _is_item(op):
            continue
        table = f.table_of(op)
        kind = singular(table or "").split("_")[-1]
        if kind not in LEDGER_RECORDS and singular(table or "") not in LEDGER_RECORDS:
            continue
        if op.method == "delete":
            yield op.ptr, (f"{op.label} deletes a {kind}: a ledger record is never deleted; record a refund or a "
                           "reversal instead, and drop the operation")
        elif not _restricted(op):
            who = "any signed-in caller" if not _roles(op) else f"any {', '.join(_roles(op))}"
            yield op.ptr, (f"{op.label} lets {who} edit a {kind}: a ledger record is not edited by the people it "
                           "concerns; drop the operation, or restrict it to staff (x-roles) moving its status only")
