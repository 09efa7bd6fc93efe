"""Brief conformance: does the design do what the brief asked? Every requirement is served by an operation its
actor may call with a method that fits its verb, and a child that only exists inside its parent (an order's line
items) is created with or under it. The declared fields are declared.py's.

No linter that sees only the artifacts can check these; the brief travels with the design (design.json)
or is given with `review FILES… --brief BRIEF`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from .bundle import Bundle
from .engine import rule
from ..spec.words import a as _a
from .english import READ, WRITE, Reading, singular, verb_kind
from .facts import Facts, facts, is_privileged, literal_segments, request_schema, roles_of
from .openapi_index import Operation
from .semantics import association_pairs

__all__ = ["serving_operations", "unserved_on_emit"]

Found = Iterator[tuple[Any, ...]]  # (location, message) or (location, message, fix)
_FITS = {READ: ("get",), WRITE: ("post", "put", "patch", "delete")}


def _actor_fits(op: Operation, reading: Reading, roles: set[str], kind: str,
                principals: frozenset[str] | set[str] = frozenset()) -> bool:
    public = op.op.get("security") == []
    # "Guests" are anonymous unless the design gives them accounts (a guest table or role): then they sign in
    anonymous = reading.anonymous and reading.actor not in principals and not any(
        reading.actor == singular(str(r).lower()) for r in roles)
    if anonymous and kind == READ:
        return public  # "visitors browse products": without signing in
    if anonymous:
        return True  # a guest's write may carry a guest token; public writes are authz-write-public's to judge
    if public:
        return True
    allowed = [r.lower() for r in roles_of(op)]
    if not allowed:
        return True  # any signed-in caller
    actor = reading.actor or ""
    if any(actor == singular(r) or actor in r or singular(r) in actor for r in allowed):
        return True
    names_a_role = any(actor == singular(r) or actor in r.lower() for r in roles)
    if not names_a_role and is_privileged(actor):
        return any(is_privileged(r) for r in allowed)  # "the office manager" in a design whose staff role is admin
    # "Users …" in a design whose roles are customer and staff: the actor is any ordinary caller.
    return not names_a_role and not is_privileged(actor) and any(not is_privileged(r) for r in allowed)


def _traced_ops(bundle: Bundle, rid: str) -> tuple[list[Operation], set[str]] | None:
    """The operations (and GraphQL root kinds) a requirement is traced to; None when it is not traced at all."""
    api = bundle.api
    if bundle.traceability is None or api is None:
        return None
    item = next((t for t in bundle.traceability if t.requirement_id == rid), None)
    if item is None:
        return None
    wanted = set()
    for ref in item.endpoints:
        method, _, path = ref.partition(" ")
        wanted.add((method.lower(), path.strip()))
    ops = [op for op in api.operations if (op.method, op.path) in wanted
           or any(m == op.method and op.path.endswith(p) and p.startswith("/") for m, p in wanted)]
    kinds = {READ if g.startswith("Query.") or g.startswith("Subscription.") else WRITE for g in item.graphql_fields}
    return ops, kinds


def _ops_for_nouns(bundle: Bundle, f: Facts, reading: Reading) -> list[Operation]:
    api = bundle.api
    assert api is not None
    nouns = set(reading.nouns)

    def named(name: str | None) -> bool:  # `short_url` is named by "a short link … the original URL"
        return name is not None and (name in nouns or len(name.split("_")) > 1 and set(name.split("_")) <= nouns)

    return [op for op in api.operations
            if named(f.table_of(op)) or any(named(singular(s)) for s in literal_segments(op.path)
                                              if not s.startswith("{"))]


_QUALITY = re.compile(r"\b(requests?|calls?|queries|messages)\s+(an?|per|each|every)\s+(second|minute|hour|day|month)\b|"
                      r"\brate[- ]limit|\blatency\b|\buptime\b|\bavailab(le|ility)\s+\d|\bp9\d\b|\bwithin \d+\s*m?s\b",
                      re.I)


def _says_unserved(note: str, rid: str) -> bool:
    """An open question that begins with the requirement and says it is not served ("R4 (…) is not served by
    an operation of this design …?")."""
    return re.match(rf"\s*{re.escape(rid)}(?![\w-])[^?]*\b(is|are) not served\b[^?]*\?", note) is not None


def _people_requirements(bundle: Bundle) -> Iterator[tuple[Facts, Any, Reading]]:
    """(facts, requirement, its reading) for each requirement a person acts in, when there is a brief and an API:
    not a system behaviour ("each redirect records a click"), a quality ("clients get 100 requests an hour": a
    rate limit, not an operation), or a sentence the reader cannot read."""
    if bundle.brief is None or bundle.api is None:
        return
    f = facts(bundle)
    for req in bundle.brief.requirements:
        reading = f.readings.get(req.id)
        if reading is not None and reading.person and reading.verbs and not _QUALITY.search(req.text):
            yield f, req, reading


@rule("brief-requirement-served", "error", "cross",
      "Brief conformance: each requirement is served by an operation whose method fits its verb (see/list/browse → "
      "a read; create/place/book/pay → a write) and whose roles include its actor (OWASP API5 2023 where not).")
def requirement_served(bundle: Bundle) -> Found:
    """Every requirement is served by an operation its actor may call, with a method that fits its verb"""
    for f, req, reading in _people_requirements(bundle):
        if any(_says_unserved(note, req.id) for note in bundle.notes):
            continue  # the design says it cannot serve it (an open question), rather than tracing it wrongly
        traced = _traced_ops(bundle, req.id)
        if traced is None:
            if bundle.traceability is not None:
                continue  # not traced at all: cross-requirement-traced says so
            ops, graphql_kinds = _ops_for_nouns(bundle, f, reading), set()
            if not ops:
                continue
        else:
            ops, graphql_kinds = traced
        missing = []
        for kind in sorted(reading.kinds):
            if kind in graphql_kinds:
                continue
            fitting = [op for op in ops if op.method in _FITS[kind]]
            if not fitting:
                verbs = ", ".join(v for v in reading.verbs if verb_kind(v) == kind)
                missing.append(f"no {kind} operation ({'GET' if kind == READ else 'POST/PUT/PATCH/DELETE'}) for "
                               f"'{verbs}'")
                continue
            if not any(_actor_fits(op, reading, f.roles, kind, f.principals) for op in fitting):
                who = ", ".join(f"{op.label} allows {_who(op)}" for op in fitting[:3])
                missing.append(f"no {kind} operation {_a(reading.actor or 'caller')} may call ({who})")
        if not ops and not graphql_kinds:
            missing = [f"it is traced to no operation (only tables or services); {_a(reading.actor or 'caller')} needs an endpoint "
                       f"to {', '.join(reading.verbs)}"]
        if missing:
            where = f" (traced to {', '.join(op.label for op in ops[:4])})" if ops and traced is not None else ""
            # The operations of the API that would serve it, by its nouns: named, the model traces to them.
            serving = [op for op in _ops_for_nouns(bundle, f, reading) if any(
                op.method in _FITS[k] and _actor_fits(op, reading, f.roles, k, f.principals) for k in reading.kinds)]
            also = sorted({f"{op.method.upper()} {op.path}" for op in serving})
            hint = f" (these would: {', '.join(also[:4])})" if also and traced is not None else ""
            message = (f"requirement {req.id} ({short(req.text)}) is not served{where}: " + "; ".join(missing)
                       + f". Trace it to an operation that does it{hint}, or add one; or, if the design cannot serve "
                       f"it, an open question that begins '{req.id} … is not served' and asks how it should be")
            if also and traced is not None:
                yield f"traceability/{req.id}", message, {"traceability": [
                    {"requirement_id": req.id, "endpoints": also[:6]}]}
            else:
                yield f"traceability/{req.id}", message


def _changes_a_row(op: Operation, verbs: list[str]) -> bool:
    """PUT or PATCH on it; an action on one row (`POST /reviews/{id}/approval`); for retiring, archiving or
    closing, its DELETE too."""
    if op.method in ("put", "patch"):
        return True
    segments = [s for s in op.path.strip("/").split("/") if s]
    if op.method == "post" and len(segments) >= 2 and segments[-2].startswith("{") and not segments[-1].startswith("{"):
        return True
    return op.method == "delete" and op.path.rstrip("/").endswith("}") and set(verbs) <= _RETIRE


_RETIRE = {"retire", "archive", "deactivate", "close"}

# Verbs that change a row the requirement's nouns name: they need PUT or PATCH on it, not only a POST.
_CHANGE = {"edit", "update", "change", "modify", "rename", "retire", "archive", "deactivate", "reactivate",
           "reschedule", "approve", "reject", "assign", "reassign", "close", "reopen", "correct", "amend", "revise"}

SIGN_IN = re.compile(r"(sign|log)([\s_-]*(up|in|on|out))?|register|authenticate|login|logout|signup", re.I)
_SIGN_IN_PATH = re.compile(r"auth|login|log-in|signin|sign-in|signup|sign-up|register|session|token", re.I)


def serving_operations(bundle: Bundle, requirement_id: str) -> list[str]:
    """'METHOD /path' (the OpenAPI document's paths) of the operations that would serve a requirement, by the
    reading brief-requirement-served judges it with: its nouns' operations whose method fits its verbs and that
    its actor may call; for signing up and in, the public POSTs of the auth endpoints."""
    if bundle.brief is None or bundle.api is None:
        return []
    f = facts(bundle)
    reading = f.readings.get(requirement_id)
    if reading is None or not reading.verbs:
        return []
    if all(SIGN_IN.fullmatch(v) for v in reading.verbs):
        ops = [op for op in bundle.api.operations if op.method == "post" and op.op.get("security") == []
               and _SIGN_IN_PATH.search(op.path)]
    else:
        ops = [op for op in _ops_for_nouns(bundle, f, reading) if any(
            op.method in _FITS[k] and _actor_fits(op, reading, f.roles, k, f.principals) for k in reading.kinds)]
    return sorted({f"{op.method.upper()} {op.path}" for op in ops})[:6]


def unserved_on_emit(bundle: Bundle) -> Iterator[tuple[str, str, dict[str, object]]]:
    """Run when the API is emitted, before anything is traced: a requirement whose nouns name operations of the
    API but none with a method that fits its verb ("Users can list their links", with only POST on links) has no
    operation that could serve it, whatever finish_design will trace it to. Only that much is said this early;
    who may call what is judged at finish with the traceability. The fix is the missing endpoint beside the
    ones found, scoped to the caller's own rows where the table has an owner: a model that is told so adds it
    in the API phase, not at finish, where the API is no longer offered."""
    for f, req, reading in _people_requirements(bundle):
        if all(SIGN_IN.fullmatch(v) for v in reading.verbs):
            continue  # signing up and in is the auth endpoints' work, not an operation on the people's table
        ops = _ops_for_nouns(bundle, f, reading)
        if not ops:
            continue
        for kind in sorted(reading.kinds):
            fitting = [op for op in ops if op.method in _FITS[kind]]
            redirects = "redirect" in reading.verbs and any(  # the builtin's GET /{code}, named by no noun
                o.method == "get" and o.op.get("security") == [] and any(str(s).startswith("3") for s in o.responses())
                for o in bundle.api.operations)  # type: ignore[union-attr]
            # only an endpoint that reads any row (not one owner's, not one role's) can be opened to anyone
            open_ = [o for o in fitting if not o.op.get("x-owner-scope") and not roles_of(o)]
            if open_ and kind == READ and reading.anonymous and not redirects and not any(
                    _actor_fits(op, reading, f.roles, kind, f.principals) for op in fitting):
                # "Anyone following a short link": run 16 had GET /short_urls/{code} behind a token
                op = next((o for o in open_ if o.path.endswith("}")), open_[0])
                fix: dict[str, object] = {"auth_required": False}
                if "redirect" in reading.verbs and not any(str(s).startswith("3") for s in op.responses()):
                    fix["responses"] = [{"status": 302, "description": "Found: Location is the target"},
                                        {"status": 404, "description": "Not found"}]
                yield op.ptr, (f"requirement {req.id} ({short(req.text)}) is for {_a(reading.actor or 'caller')}, "
                               f"without signing in, but {op.label} requires a token: make it public"
                               + (" and answer 302 with the Location" if "responses" in fix else "")), fix
                continue
            changes = [v for v in reading.verbs if v in _CHANGE] if kind == WRITE else []
            if fitting and (not changes or any(_changes_a_row(o, changes) for o in ops)):
                continue
            beside = next((op for op in ops if f.owned(f.table_of(op))), ops[0])
            table = f.table_of(beside)
            collection = re.sub(r"(/\{[^/]*\})+$", "", beside.path) or beside.path
            if table and f.path_table(beside.path) != table:
                # the table is named by the operation's tag, not its path (`POST /shorten`): its own collection
                segments = literal_segments(beside.path)
                base = beside.path.rstrip("/")[:len(beside.path.rstrip("/")) - len("/".join(segments))].rstrip("/")
                name = next((t for t in f.tables if singular(t) == table), table)
                collection = f"{base}/{name}"
            verbs = ", ".join(v for v in reading.verbs if verb_kind(v) == kind)
            endpoint: dict[str, object] = {"method": "GET" if kind == READ else "POST", "path": collection,
                                           "summary": short(req.text),
                                           "responses": [{"status": 200 if kind == READ else 201,
                                                          "description": "OK" if kind == READ else "Created"}]}
            if fitting:
                # "adds, edits and retires equipment" with only POST /equipment: editing and retiring change a row
                verbs = ", ".join(changes)
                item = next((o.path for o in bundle.api.operations  # type: ignore[union-attr]
                             if re.fullmatch(re.escape(collection) + r"/\{[^}/]+\}", o.path)), f"{collection}/{{id}}")
                endpoint.update({"method": "PATCH", "path": item, "responses": [{"status": 200, "description": "OK"}]})
            if kind == READ and reading.anonymous:
                # anyone, signed in or not, reads one row by its public key: "anyone following a short link"
                endpoint["path"] = f"{collection}/{{{_public_key(f, table)}}}"
                endpoint["auth_required"] = False
                if "redirect" in reading.verbs:
                    endpoint["responses"] = [{"status": 302, "description": "Found: Location is the target"}]
            elif kind != READ and reading.actor and is_privileged(reading.actor):
                # "the office manager adds … equipment": staff's, not every signed-in user's
                endpoint["roles"] = [next((r for r in sorted(f.roles) if is_privileged(r)), "admin")]
            elif table and f.owned(table) and f.owner_path[table] != ["id"]:
                endpoint["owner_scope"] = ".".join(f.owner_path[table])
            if any(o.method == str(endpoint["method"]).lower() and o.path == endpoint["path"]
                   for o in bundle.api.operations):  # type: ignore[union-attr]
                # the API has it, under a table the requirement's nouns do not name (url-shortener run 18: POST
                # /short_urls for "shorten a URL"): it serves, and asking to add it again would never end
                continue
            what = "PUT/PATCH" if fitting else "GET" if kind == READ else "POST/PUT/PATCH"
            yield f"traceability/{req.id}", (
                f"requirement {req.id} ({short(req.text)}) has no operation that can serve it: no "
                f"{'change' if fitting else kind} operation ({what}) on "
                f"{', '.join(sorted({o.label for o in ops})[:3])} for '{verbs}'; add one"), {
                    "add_endpoint": endpoint, "beside": [beside.method, beside.path]}


def _public_key(f: Facts, table: str | None) -> str:
    """The unique column a row is found by from outside (a code, a slug), else its id."""
    columns = f.tables.get(table or "") or next((t for name, t in f.tables.items() if singular(name) == table), None)
    for column in getattr(columns, "columns", []) or []:
        if column.unique and not column.primary_key and re.search(r"code|slug|handle|token|key$", column.name):
            return column.name
    return "id"


def _who(op: Operation) -> str:
    if op.op.get("security") == []:
        return "anyone"
    roles = roles_of(op)
    return "only " + ", ".join(roles) if roles else "any signed-in caller"




def short(text: str) -> str:
    return text if len(text) <= 80 else text[:77] + "…"


@rule("brief-child-with-parent", "error", "cross",
      "Brief conformance (aggregates, DDD): a child that only exists inside its parent (an order's items) is "
      "created with it (an array in the parent's create body) or under it (POST /orders/{id}/items).",
      on_emit=("api",))
def child_with_parent(bundle: Bundle) -> Found:
    """A child that only exists inside its parent is created with or under it"""
    api, data = bundle.api, bundle.data
    if api is None or data is None:
        return
    f = facts(bundle)
    creates: dict[str, list[Operation]] = {}
    for op in api.operations:
        if op.method == "post":
            table = f.table_of(op)
            if table:
                creates.setdefault(table, []).append(op)
    associations = set(association_pairs(bundle))
    for table in data.tables:
        child = singular(table.name)
        for col in table.columns:
            if col.references is None:
                continue
            parent = singular(col.references.table)
            if parent == child or parent in f.principals | f.tenants or child in f.principals \
                    or table.name in associations:
                continue  # people and tenants come from the token; an association is neither's child
            if not child.startswith(parent + "_"):
                # Not a line item, but deleted with its parent (a comment of a post): created under it or naming it.
                if col.references.on_delete == "cascade" and col.not_null:
                    yield from _created_naming_parent(api, f, creates.get(child, []), parent, col.name, table.name)
                continue
            parent_posts = [op for op in creates.get(parent, []) if not op.path.rstrip("/").endswith("}")]
            if not parent_posts:
                continue
            nested = [op for op in creates.get(child, []) + creates.get(child[len(parent) + 1:], [])
                      if "{" in op.path and any(singular(s) == parent for s in literal_segments(op.path))]
            if nested or any(_has_object_array(api, op) for op in parent_posts):
                continue
            op = parent_posts[0]
            body = request_schema(api, op)
            asked = _asking(f, parent, child)
            separate = [o.label for o in creates.get(child, []) if o not in nested]
            yield op.ptr, (f"{table.name} rows only exist inside {_a(parent)}, but {op.label} "
                           f"({body[0] if body else 'no request body'}) takes no array of them and no POST "
                           f"under /{col.references.table.replace('_', '-')}/{{id}}/ creates them"
                           + (f" ({', '.join(separate)} creates them apart from their {parent})" if separate else "")
                           + (f", so {asked} cannot be done in one request" if asked else "")
                           + f": add an items array to the {parent}'s create body, or a nested POST")
            break


def _created_naming_parent(api: object, f: Facts, posts: list[Operation], parent: str, column: str,
                           table: str) -> Found:
    for op in posts:
        nested = any(singular(s) == parent for s in literal_segments(op.path) if not s.startswith("{"))
        body = request_schema(api, op)
        props = body[1].get("properties") if body else None
        if nested or (isinstance(props, dict) and column in props):
            continue
        yield op.ptr, (f"{op.label} creates {table} rows, which exist only inside {_a(parent)} (ON DELETE CASCADE), "
                       f"but neither its path nor its body ({body[0] if body else 'none'}) names the {parent}: nest it "
                       f"(POST /{parent}s/{{{parent}_id}}/...) or require {column} in the body")


def _asking(f: Facts, parent: str, child: str) -> str:
    """The requirement that asks for a parent with its children ("an order containing multiple products")."""
    others = set(child.split("_")) - {parent}
    for rid, reading in f.readings.items():
        nouns = set(reading.nouns)
        if parent in nouns and (len(nouns & others) or len(nouns - {parent}) >= 2) and WRITE in reading.kinds:
            return f"{rid} ({reading.actor} {', '.join(reading.verbs)} {_a(parent)} with its {child.split('_')[-1]}s)"
    return ""


def _has_object_array(api: object, op: Operation) -> bool:
    found = request_schema(api, op)
    if found is None:
        return False
    props = found[1].get("properties")
    for sub in (props.values() if isinstance(props, dict) else []):
        sub = api.resolve(sub)  # type: ignore[attr-defined]
        if isinstance(sub, dict) and sub.get("type") == "array":
            items = api.resolve(sub.get("items"))  # type: ignore[attr-defined]
            if isinstance(items, dict) and (items.get("type") == "object" or "properties" in items):
                return True
    return False
