"""Table ownership, endpoint references and gateway routes in an emitted service architecture, read as the
model meant them.

"One service writes a table" is the rule; a small model lists a table under every service that touches it
(the 1.5B model gave `clicks` to both `shortener` and `clicks`, and resent it unchanged through four repairs).
A table claimed by several services where exactly one is named after it (`clicks`, `click-service`) belongs to
that one. For a small model, a table claimed by several services none of which is named after it stays with the
first that lists it. Either way the acceptance says which service keeps it, so the model or a person can move
it; a capable model is still told the error and decides.

An endpoint a service lists is one of the accepted API's: written with other parameter names
(`/links/{code}` for `/links/{short_code}`) it names that endpoint; one the API does not have is dropped,
since the services phase cannot add it to the API (the 1.5B model listed `POST /api/v1/clicks` for the API's
`GET /api/v1/clicks`). A gateway route written relative to the API's base path (`/auth` for `/api/v1/auth`)
is that path. Each change is said in the acceptance.
"""

from __future__ import annotations

import copy
import json
import re
from typing import TYPE_CHECKING, Any

from ..review.english import singular

if TYPE_CHECKING:
    from .state import DesignState

__all__ = ["endpoint_refs_meant", "finish_as_meant", "services_as_meant", "unowned_fragment"]


def _named_after(service: str, table: str) -> bool:
    words = [w for w in re.split(r"[-_]+", service.lower()) if w and w not in ("service", "svc", "module")]
    joined = "_".join(words)
    return bool(words) and (joined == table or joined == singular(table) or singular(joined) == singular(table))


def services_as_meant(raw: dict[str, Any], state: DesignState) -> tuple[dict[str, Any], list[str]]:
    """The prepare step of emit_service_architecture: endpoints and routes as the API has them, what the design
    does not have left out, each table claimed by several services kept by one."""
    arch = raw.get("microservices")
    services = arch.get("services") if isinstance(arch, dict) else None
    if not isinstance(services, list):
        return raw, []
    fixed = copy.deepcopy(raw)
    notes = _endpoints_meant(fixed["microservices"], state) + _invented(fixed["microservices"], state)
    if state.drop_unused_at_once:
        notes += _serving_nothing(fixed["microservices"])
        notes += _modules_for_unowned(fixed["microservices"], state)
        notes += _monolith_as_one(fixed["microservices"])
    out = fixed["microservices"]["services"]
    claims: dict[str, list[int]] = {}
    for n, service in enumerate(out):
        if isinstance(service, dict) and isinstance(service.get("name"), str) and \
                isinstance(service.get("owned_tables"), list):
            for table in dict.fromkeys(t for t in service["owned_tables"] if isinstance(t, str)):
                claims.setdefault(table, []).append(n)
    shared = {t: ns for t, ns in claims.items() if len(ns) > 1}
    for table, owners in shared.items():
        named = [n for n in owners if _named_after(out[n]["name"], table)]
        if len(named) == 1:
            keeper, why = named[0], "named after it"
        elif state.drop_unused_at_once:  # a small model's policy, as for unused indexes
            keeper, why = owners[0], "the first to list it"
        else:
            continue
        others = [out[n]["name"] for n in owners if n != keeper]
        for n in owners:
            if n != keeper:
                out[n]["owned_tables"] = [t for t in out[n]["owned_tables"] if t != table]
        notes.append(f"table {table!r} is owned by {out[keeper]['name']} only ({why}), not also by "
                     f"{', '.join(others)}: one service writes a table; the others read it through its owner")
    return (fixed, notes) if notes else (raw, [])


def _shape(key: str) -> str:
    return re.sub(r"\{[^}/]*\}", "{}", key.strip())


def endpoint_refs_meant(refs: list[Any], api: Any, owner: str) -> tuple[list[Any], list[str]]:
    """Endpoint references ('METHOD /path') as the accepted API has them: another parameter name or no base path
    names the one endpoint of that shape; one the API does not have is left out. With what was changed."""
    full = [f"{ep.method} {api.base_path}{ep.path}" for ep in api.endpoints()]
    keys = set(full) | {ep.key for ep in api.endpoints()}
    by_shape: dict[str, list[str]] = {}
    for key in full:
        by_shape.setdefault(_shape(key), []).append(key)
    kept, notes = [], []
    for ref in refs:
        if not isinstance(ref, str) or ref in keys:
            kept.append(ref)
            continue
        method, _, path = ref.strip().partition(" ")
        if method.startswith("/") and not path:  # a path alone (equipment-booking run 12): every method at it
            method, path = "", method
        if path.startswith("/") and not path.startswith(api.base_path + "/") and api.base_path:
            path = api.base_path + path
        if not method:
            at = [k for k in full if _shape(k.split(" ", 1)[1]) == _shape(path)]
            kept += at
            notes.append(f"{owner}: {ref!r} read as {', '.join(repr(k) for k in at)}" if at else
                         f"{owner}: {ref!r} left out, the API has no such endpoint")
            continue
        same = by_shape.get(_shape(f"{method.upper()} {path}"), [])
        if len(same) == 1:
            kept.append(same[0])
            notes.append(f"{owner}: {ref!r} read as {same[0]!r}")
        else:
            notes.append(f"{owner}: {ref!r} left out, the API has no such endpoint")
    return list(dict.fromkeys(kept)), notes


def finish_as_meant(raw: dict[str, Any], state: DesignState) -> tuple[dict[str, Any], list[str]]:
    """The prepare step of finish_design: each traceability item's endpoints as the API has them, and names of
    tables, services and access patterns the design does not have left out (said), so what remains is judged."""
    items = raw.get("traceability")
    if not isinstance(items, list):
        return raw, []
    fixed = copy.deepcopy(raw)
    known = {"tables": {t.name for t in state.data.tables} if state.data else None,
             "services": {s.name for s in state.services.services} if state.services else None,
             "access_patterns": {p.name for p in state.data.access_patterns} if state.data else None,
             # equipment-booking run 14 traced every requirement to the event "None" of a design with none
             "events": {e.name for e in state.services.events} if state.services else set(),
             # no GraphQL schema, no GraphQL field: the 1.5B model traced R3 to the description's "Query.products"
             "graphql_fields": state.graphql_fields() or set()}
    notes: list[str] = []
    for item in fixed["traceability"]:
        if not isinstance(item, dict):
            continue
        rid = str(item.get("requirement_id"))
        if state.api is not None and isinstance(item.get("endpoints"), list):
            item["endpoints"], said = endpoint_refs_meant(item["endpoints"], state.api, rid)
            notes += said
        for key, names in known.items():
            refs = item.get(key)
            if names is None or not isinstance(refs, list):
                continue
            unknown = [r for r in refs if isinstance(r, str) and r not in names]
            if unknown:
                item[key] = [r for r in refs if r not in unknown]
                notes.append(f"{rid}: {', '.join(map(repr, unknown))} left out, no {key.replace('_', ' ')} of the "
                             "design")
    if state.drop_unused_at_once:
        notes += _traced_to_what_serves(fixed["traceability"], state)
    return (fixed, notes) if notes else (raw, [])


def _traced_to_what_serves(items: list[Any], state: DesignState) -> list[str]:
    """For a small model, by the operations that serve each requirement as the review reads it: a requirement it
    did not trace is traced to them (equipment-booking run 12 traced R1 only, and a repair cost a minute to add
    what the loop knows), and one traced to more endpoints keeps those that serve it (run 14 traced each of the
    five requirements to all ten endpoints)."""
    from ..render.openapi import openapi_document
    from ..review.bundle import Bundle
    from ..review.conformance import serving_operations

    if state.api is None:
        return []
    bundle = Bundle(openapi=openapi_document(state.api), data=state.data, services=state.services, brief=state.brief)
    serving = {rid: endpoint_refs_meant(serving_operations(bundle, rid), state.api, rid)[0]
               for rid in state.brief.requirement_ids()}
    notes = []
    for item in items:
        endpoints = item.get("endpoints") if isinstance(item, dict) else None
        if not isinstance(endpoints, list) or len(endpoints) < 2:
            continue
        kept = [e for e in endpoints if e in serving.get(str(item.get("requirement_id")), [])]
        if kept and len(kept) < len(endpoints):
            item["endpoints"] = kept
            others = len(endpoints) - len(kept)
            notes.append(f"{item.get('requirement_id')} traced to {', '.join(kept)}, the endpoints that serve it "
                         f"({others} other{'s' if others > 1 else ''} left out)")
    traced = {str(i.get("requirement_id")) for i in items if isinstance(i, dict)}
    for rid, refs in serving.items():
        if rid not in traced and refs:
            items.append({"requirement_id": rid, "endpoints": refs})
            notes.append(f"{rid} traced to {', '.join(refs)}: the operations that serve it (it was not traced)")
    return notes


def _endpoints_meant(arch: dict[str, Any], state: DesignState) -> list[str]:
    api = state.api
    if api is None:
        return []
    notes = []
    for service in arch["services"]:
        refs = service.get("endpoints") if isinstance(service, dict) else None
        if isinstance(refs, list):
            service["endpoints"], said = endpoint_refs_meant(refs, api, str(service.get("name")))
            notes += said
    gateway = arch.get("infrastructure", {}).get("api_gateway") if isinstance(arch.get("infrastructure"), dict) else None
    routes = gateway.get("routes") if isinstance(gateway, dict) else None
    paths = [f"{api.base_path}{ep.path}" for ep in api.endpoints()]
    for route in routes if isinstance(routes, list) else []:
        prefix = route.get("path_prefix") if isinstance(route, dict) else None
        if not isinstance(prefix, str) or not prefix.startswith("/") or not api.base_path:
            continue
        under = lambda p, x=prefix.rstrip("/"): p == x or p.startswith(x + "/")  # noqa: E731
        if not any(under(p) for p in paths) and any(under(p, api.base_path + prefix.rstrip("/")) for p in paths):
            route["path_prefix"] = api.base_path + prefix.rstrip("/")
            notes.append(f"gateway route {prefix!r} read as {route['path_prefix']!r}, under the API's base path")
        prefix = str(route["path_prefix"]).rstrip("/")
        serving = [s.get("name") for s in arch["services"] if isinstance(s, dict) and any(
            isinstance(ref, str) and " " in ref and under(ref.split(" ", 1)[1], prefix) for ref in s.get("endpoints") or [])]
        if route.get("service") not in serving and len(serving) == 1:
            # the route names a service that lists none of the endpoints under it, and one other lists them
            notes.append(f"gateway route {route['path_prefix']!r} goes to {serving[0]}, which serves its endpoints "
                         f"(not {route.get('service')})")
            route["service"] = serving[0]
    if state.drop_unused_at_once and isinstance(routes, list):
        # The small-model policy: a route under which the API has no endpoint (run 16's /api/v1/orders and
        # /api/v1/payments for a URL shortener, copied from the knowledge base) routes nothing.
        kept = [r for r in routes if not isinstance(r, dict) or not isinstance(r.get("path_prefix"), str)
                or any(p == r["path_prefix"].rstrip("/") or p.startswith(r["path_prefix"].rstrip("/") + "/")
                       for p in paths)]
        notes += [f"gateway route {r['path_prefix']!r} left out: the API has no endpoint under it"
                  for r in routes if r not in kept]
        gateway["routes"] = kept
    return notes


def _invented(arch: dict[str, Any], state: DesignState) -> list[str]:
    """Tables the schema does not have are no service's; a service left with nothing of the design's (the 1.5B
    model's order-service and payment-service for a URL shortener, copied from a knowledge base example) is
    no service of it, and neither are the gateway routes to it."""
    if state.data is None:
        return []
    tables = {t.name for t in state.data.tables}
    notes = []
    kept = []
    for service in arch["services"]:
        if not isinstance(service, dict) or not isinstance(service.get("owned_tables"), list):
            kept.append(service)
            continue
        owned = [t for t in service["owned_tables"] if t in tables or not isinstance(t, str)]
        unknown = [t for t in service["owned_tables"] if t not in owned]
        if unknown:
            service["owned_tables"] = owned
            notes.append(f"{service.get('name')}: {', '.join(map(repr, unknown))} left out, not tables of the schema")
        if unknown and not owned and not service.get("endpoints"):
            notes.append(f"service {service.get('name')!r} left out: none of its tables or endpoints is in the design")
            continue
        kept.append(service)
    if len(kept) < len(arch["services"]) and (kept or state.drop_unused_at_once):
        # Every service invented (run 14 sent order-service and payment-service for a URL shortener, three
        # repairs running): for a small model none is left, and each table gets a module (_modules_for_unowned);
        # a larger one is told its tables are owned by no service, with the modules to send.
        names = {s.get("name") for s in kept if isinstance(s, dict)}
        arch["services"] = kept
        gateway = arch.get("infrastructure", {}).get("api_gateway") if isinstance(arch.get("infrastructure"), dict) \
            else None
        if isinstance(gateway, dict) and isinstance(gateway.get("routes"), list):
            gateway["routes"] = [r for r in gateway["routes"] if not isinstance(r, dict) or r.get("service") in names]
    return notes


def _serving_nothing(arch: dict[str, Any]) -> list[str]:
    """The small-model policy: the gateway written as a service that owns every table (equipment-booking run 12,
    its description the knowledge base's), and services that own no table (run 12's order-service and
    payment-service for an equipment booking tool) are left out; their tables and endpoints go to a module per
    table (_modules_for_unowned). Gateway routes to them go too."""
    kept, notes = [], []
    for service in arch["services"]:
        name = str(service.get("name")) if isinstance(service, dict) else ""
        if isinstance(service, dict) and re.sub(r"[-_ ]+", "", name.lower()) in ("gateway", "apigateway"):
            notes.append(f"service {name!r} left out: the gateway is infrastructure.api_gateway, not a service; "
                         "what it listed goes to the modules of its tables")
        elif isinstance(service, dict) and isinstance(service.get("owned_tables"), list) and \
                not service["owned_tables"]:
            notes.append(f"service {name!r} left out: it owns no table of the design")
        else:
            kept.append(service)
    if len(kept) == len(arch["services"]):
        return []
    arch["services"] = kept
    names = {s.get("name") for s in kept if isinstance(s, dict)}
    for service in kept:  # what named a service left out names nothing now
        if isinstance(service, dict) and isinstance(service.get("depends_on"), list):
            service["depends_on"] = [d for d in service["depends_on"] if not isinstance(d, str) or d in names]
    gateway = arch.get("infrastructure", {}).get("api_gateway") if isinstance(arch.get("infrastructure"), dict) else None
    if isinstance(gateway, dict) and isinstance(gateway.get("routes"), list):
        gateway["routes"] = [r for r in gateway["routes"] if not isinstance(r, dict) or r.get("service") in names]
    return notes


def _monolith_as_one(arch: dict[str, Any]) -> list[str]:
    """The small-model policy: in a modular monolith each part is a module, and with no events there is no broker
    to run (equipment-booking run 14: services `equipment` and `booking`, and Kafka, for a two-person team's
    office tool with no events)."""
    notes = []
    if arch.get("style") == "modular_monolith":
        for service in arch["services"]:
            if isinstance(service, dict) and service.get("kind", "service") == "service":
                service["kind"] = "module"
                notes.append(f"{service.get('name')} is a module of the modular monolith")
    infra = arch.get("infrastructure")
    if isinstance(infra, dict) and infra.get("message_broker") and not arch.get("events"):
        notes.append(f"message broker {infra['message_broker']!r} left out: the design publishes no events")
        infra["message_broker"] = None
    return notes


def _modules_for_unowned(arch: dict[str, Any], state: DesignState) -> list[str]:
    """The small-model policy: a table no service owns gets a module of its own, and the acceptance says so. Run 14
    was given those modules ready to send and resent its copied services three times."""
    if state.data is None:
        return []
    services = [s for s in arch["services"] if isinstance(s, dict)]
    owned = {t for s in services if isinstance(s.get("owned_tables"), list) for t in s["owned_tables"]}
    unowned = [t.name for t in state.data.tables if t.name not in owned]
    if not unowned:
        return []
    listed = {ref for s in services if isinstance(s.get("endpoints"), list) for ref in s["endpoints"]}
    added = _modules(state, unowned, listed, {str(s.get("name")) for s in services})
    arch["services"] = [*arch["services"], *added]
    return [f"module {m['name']} added: it owns {m['owned_tables'][0]}, which no service owned" for m in added]


def unowned_fragment(state: DesignState, services: Any) -> str:
    """For "tables … are owned by no service": a module per such table, with the API's endpoints on it that no
    service lists, ready to send."""
    if state.data is None:
        return ""
    unowned = [t.name for t in state.data.tables if services.owner_of(t.name) is None]
    if not unowned:
        return ""
    listed = {ref for s in services.services for ref in s.endpoints}
    added = _modules(state, unowned, listed, {s.name for s in services.services})
    return ". Or give each its own module, send: " + json.dumps({"microservices": {"services": added}})


def _modules(state: DesignState, unowned: list[str], listed: set[str], names: set[str]) -> list[dict[str, Any]]:
    """A module per table, with the API's endpoints on it that no service lists."""
    added = []
    for table in unowned:
        endpoints = []
        if state.api is not None:
            for ep in state.api.endpoints():
                key = f"{ep.method} {state.api.base_path}{ep.path}"
                segments = [p for p in ep.path.split("/") if p and not p.startswith("{")]
                if key not in listed and segments and singular(segments[0].replace("-", "_")) == singular(table):
                    endpoints.append(key)
        name = table.replace("_", "-")
        if name in names:
            name += "-module"
        added.append({"name": name, "kind": "module", "description": f"owns {table}",
                      "responsibilities": [f"writes {table}"], "owned_tables": [table], "endpoints": endpoints})
    return added
