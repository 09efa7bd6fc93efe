"""Service decomposition and traceability for the builtin model."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from ...spec.words import a
from .lexicon import LEXICON
from .trace import operations_for

if TYPE_CHECKING:
    from .plan import PlanView

__all__ = ["choose_style", "plan_finish", "plan_services"]

_VERB_OPS = [
    (r"\b(log ?in|sign ?in|authenticat|token)", ["login"]),
    (r"\b(sign ?up|register)", ["create"]),
    (r"\b(redirect|follow)", ["follow"]),
    (r"\b(create|add|place|book|submit|upload|shorten|post|write|send|record|invite|schedule|reserve|buy|"
     r"purchase|pay|open|comment)", ["create"]),
    (r"\b(view|see|list|browse|search|find|show|read|track|get|look|history|report|statistic|analytic|count)",
     ["list", "get"]),
    (r"\b(update|edit|change|rename|assign|move|mark|approve|cancel|close|archive|complete)", ["update"]),
    (r"\b(delete|remove)", ["delete"]),
    (r"\b(manage|administer|maintain|crud)", ["list", "create", "update", "delete"]),
]


def choose_style(plan: PlanView) -> tuple[str, str]:
    nfr = plan.brief.non_functional
    kb = plan.kb
    corpus = plan.domain.corpus
    min_rps = kb.default("microservices_min_peak_rps", 1000)
    if re.search(r"\bmonolith", corpus):
        return "modular_monolith", "The brief asks for a monolith."
    reasons = []
    # The estimated peak (from the stated peak, the monthly volumes or the users) decides, not the head count:
    # three million users who write a paste a month are a light load.
    peak = plan.capacity.value("peak_read_qps") + plan.capacity.value("peak_write_qps")
    if peak >= min_rps:
        reasons.append(f"estimated peak of {peak:,.0f} requests/s (threshold {min_rps:,})")
    if re.search(r"\bmicroservices?\b", corpus):
        reasons.append("the brief asks for independently deployable services")
    contexts = {e.context for e in plan.domain.entities.values()}
    min_team = kb.default("microservices_min_team_size", 25)
    if reasons and nfr.team_size is not None and nfr.team_size < min_team:
        return "modular_monolith", (
            f"A modular monolith, although the load is high ({'; '.join(reasons)}): a team of {nfr.team_size} "
            f"(below {min_team} engineers) cannot own several services' deployments and on-call; the monolith "
            "scales horizontally behind the load balancer, and its modules keep the bounded contexts apart.")
    if reasons and len(contexts) > 1:
        team = f"; a team of {nfr.team_size} engineers" if nfr.team_size else ""
        return "microservices", ("Microservices, one per bounded context, because of the " + "; ".join(reasons)
                                 + team + ".")
    users = f" from {nfr.daily_active_users:,} daily active users" if nfr.daily_active_users else ""
    return "modular_monolith", (
        f"A modular monolith: an estimated peak of {peak:,.0f} requests/s{users} is below the {min_rps:,} "
        "requests/s that justify services, so one deployable with one module per bounded context keeps the "
        "boundaries without the network, deployment and consistency costs; a module can be extracted later.")


def event_subscribers(plan: PlanView) -> dict[str, list[str]]:
    """Entity → the other contexts that refer to it, and so must hear of its changes."""
    d = plan.domain
    out: dict[str, list[str]] = {}
    for name, entity in d.entities.items():
        subscribers = sorted({e.context for e in d.entities.values()
                              if any(p == name for p, _ in e.parents) and e.context != entity.context})
        if subscribers:
            out[name] = subscribers
    return out


def outbox_table(context: str) -> str:
    return f"{context}_outbox"


def outbox_contexts(plan: PlanView) -> list[str]:
    """Services that publish events after a database write need an outbox (in a monolith, one transaction does)."""
    if plan.style != "microservices":
        return []
    return sorted({plan.domain.entities[name].context for name in event_subscribers(plan)})


def plan_services(plan: PlanView) -> dict[str, Any]:
    d = plan.domain
    style, rationale = plan.style, plan.style_rationale
    micro = style == "microservices"
    base = plan.kb.default("api_base_path", "/api/v1")
    contexts: dict[str, list[str]] = {}
    for name, entity in d.entities.items():
        contexts.setdefault(entity.context, []).append(name)

    def service_name(context: str) -> str:
        slug = context.replace("_", "-")
        return f"{slug}-service" if micro else slug

    services: dict[str, dict[str, Any]] = {}
    for context, names in contexts.items():
        services[context] = {
            "name": service_name(context), "kind": "service" if micro else "module", "bounded_context": context,
            "description": f"The {context.replace('_', ' ')} context: {', '.join(plan.tables[n] for n in names)}.",
            "responsibilities": [f"Owns and validates {plan.tables[n].replace('_', ' ')}" for n in names],
            "owned_tables": [plan.tables[n] for n in names],
            "endpoints": [], "events_published": [], "events_subscribed": [], "depends_on": [],
            "scaling": "stateless replicas behind the load balancer, scaled on CPU and p99 latency" if micro
            else "scales with the monolith",
        }
        for n in names:
            services[context]["endpoints"] += [_full(base, ep) for ep in plan.endpoints_by_entity[n].values()]
    for join in d.joins:
        context = d.entities[join.left].context
        table = plan.tables[f"join:{join.left}:{join.right}"]
        services[context]["owned_tables"].append(table)
        services[context]["endpoints"] += [_full(base, ep) for ep in plan.endpoints_by_entity[f"join:{table}"].values()]
        _depend(services, context, d.entities[join.right].context, micro, f"reads {plan.tables[join.right]} it links")
    ident = d.entities[d.actor].context if d.actor else next(iter(contexts))
    if "auth" in plan.endpoints_by_entity:
        services[ident]["endpoints"].append(_full(base, "POST /auth/tokens"))
        services[ident]["responsibilities"].append("Issues and refreshes access tokens")
    if "redirect" in plan.endpoints_by_entity:
        owner = d.entities[plan.endpoints_by_entity["redirect"]["owner"]].context
        services[owner]["endpoints"].append(_full(base, plan.endpoints_by_entity["redirect"]["follow"]))
        services[owner]["responsibilities"].append("Resolves short codes on the hot redirect path")
    events: list[dict[str, Any]] = []
    for name, entity in d.entities.items():
        for parent, _ in entity.parents:
            if parent in d.entities and d.entities[parent].context != entity.context:
                _depend(services, entity.context, d.entities[parent].context, micro,
                        f"checks that the referenced {parent.replace('_', ' ')} exists")
    # A monolith's modules call each other in-process within one transaction: events (and a broker) are for
    # services that cannot share it.
    for name, subscribers in (event_subscribers(plan) if micro else {}).items():
        entity = d.entities[name]
        event = f"{name}.deleted"
        events.append({"name": event, "description": f"A {name.replace('_', ' ')} was deleted; dependants clean up "
                       "or archive what refers to it", "payload": _payload(name, ["deleted_at"]), "key": "id"})
        services[entity.context]["events_published"].append(event)
        for sub in subscribers:
            services[sub]["events_subscribed"].append(event)
        if entity.field("status"):
            event = f"{name}.status_changed"
            events.append({"name": event, "description": f"A {name.replace('_', ' ')} moved to another status",
                           "payload": _payload(name, ["old_status", "new_status", "changed_at"]), "key": "id"})
            services[entity.context]["events_published"].append(event)
            for sub in subscribers:
                services[sub]["events_subscribed"].append(event)
    outbox = []
    for context in outbox_contexts(plan):
        table = outbox_table(context)
        services[context]["owned_tables"].append(table)
        services[context]["responsibilities"].append("Publishes its events through the transactional outbox")
        outbox.append({"service": services[context]["name"], "table": table,
                       "events": list(services[context]["events_published"]),
                       "relay": "cdc" if plan.large else "polling"})
    for svc in services.values():
        svc["endpoints"] = list(dict.fromkeys(svc["endpoints"]))
    gateway = {"name": "api-gateway" if micro else "edge-proxy",
               "technology": "Envoy or a managed API gateway" if micro else "nginx or a managed load balancer",
               "features": ["authentication", "rate_limiting", "request_logging", "tls_termination"],
               "routes": _routes(plan, services, base)}
    infra = {
        "api_gateway": gateway,
        "service_discovery": "DNS names of Kubernetes Services (server-side discovery)" if micro
        else "not needed: one deployable behind the load balancer",
        "message_broker": (str(plan.kb.default("message_broker", "kafka")).capitalize() if micro and events else None),
        "databases": ["PostgreSQL 16, one logical database per service" if micro else "PostgreSQL 16 (primary)"],
        "caches": [],
    }
    return {"style": style, "rationale": rationale, "services": list(services.values()), "events": events,
            "sagas": _sagas(plan, services) if micro else [], "outbox": outbox, "infrastructure": infra}


def _sagas(plan: PlanView, services: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """A saga wherever a stateful entity's child with its own status lives in another context: placing the
    parent and settling the child cannot share one database transaction."""
    d = plan.domain
    sagas = []
    for name, entity in d.entities.items():
        if not entity.field("status"):
            continue
        for child_name, child in d.entities.items():
            if child.context == entity.context or not child.field("status") or \
                    not any(p == name for p, _ in child.parents):
                continue
            owner, other = services[entity.context]["name"], services[child.context]["name"]
            sagas.append({
                "name": f"{name}-{child_name}".replace("_", "-"),
                "description": f"Create {a(name.replace('_', ' '))} and settle its {child_name.replace('_', ' ')} "
                               "across two services without a distributed transaction",
                "coordination": "orchestration", "orchestrator": owner,
                "steps": [
                    {"service": owner, "action": f"create the {name.replace('_', ' ')} as pending",
                     "compensation": f"mark the {name.replace('_', ' ')} cancelled"},
                    {"service": other, "action": f"create the {child_name.replace('_', ' ')} for it",
                     "compensation": f"void the {child_name.replace('_', ' ')}",
                     "event": f"{child_name}.status_changed" if child_name in event_subscribers(plan) else None},
                    {"service": owner, "action": f"confirm the {name.replace('_', ' ')} once the "
                                                 f"{child_name.replace('_', ' ')} succeeded (pivot; retried until "
                                                 "it succeeds)"}]})
    return sagas


def _payload(entity: str, fields: list[str]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = [{"name": "event_id", "type": "string", "format": "uuid",
                                  "description": "unique per event, for idempotent consumers"},
                                 {"name": "id", "type": "string", "format": "uuid",
                                  "description": f"the {entity.replace('_', ' ')}"}]
    for name in fields:
        stamp = name.endswith("_at")
        out.append({"name": name, "type": "string", "format": "date-time" if stamp else None})
    return out


def _full(base: str, endpoint: str) -> str:
    method, path = endpoint.split(" ", 1)
    return f"{method} {base}{path}"


def _depend(services: dict[str, dict[str, Any]], frm: str, to: str, micro: bool, reason: str) -> None:
    if frm == to:
        return
    target = services[to]["name"]
    deps = services[frm]["depends_on"]
    by_name = {svc["name"]: svc for svc in services.values()}
    seen, stack = set(), [target]
    while stack:  # never close a synchronous cycle: the reverse reference goes through the owner's API
        current = stack.pop()
        if current == services[frm]["name"]:
            return
        if current not in seen:
            seen.add(current)
            stack += [d["service"] for d in by_name.get(current, {}).get("depends_on", [])]
    if not any(dep["service"] == target for dep in deps):
        if micro:
            deps.append({"service": target, "protocol": "rest", "timeout_ms": 300,
                         "resilience": "2 retries with jittered backoff on idempotent calls, circuit breaker",
                         "reason": f"synchronous: it {reason} before answering, so it needs the answer now"})
        else:
            deps.append({"service": target, "protocol": "in_process", "reason": f"a function call: it {reason}"})


def _routes(plan: PlanView, services: dict[str, dict[str, Any]], base: str) -> list[dict[str, str]]:
    routes: dict[str, str] = {}
    for svc in services.values():
        for ref in svc["endpoints"]:
            path = ref.split(" ", 1)[1]
            segments = path[len(base):].strip("/").split("/")
            routes.setdefault(f"{base}/{segments[0]}", svc["name"])
    return [{"path_prefix": prefix, "service": name} for prefix, name in routes.items()]


def plan_finish(plan: PlanView) -> dict[str, Any]:
    d = plan.domain
    base = plan.kb.default("api_base_path", "/api/v1")
    by_name = {s["name"]: s for s in plan.services["services"]}
    items = []
    for req in plan.brief.requirements:
        text = req.text.lower()
        names = d.mentions.get(req.id, [])
        endpoints = [_full(base, ep) for ep in operations_for(plan, req.text) or _endpoints_for(plan, text)]
        endpoints = list(dict.fromkeys(endpoints))
        tables = [plan.tables[n] for n in names]
        services = [s["name"] for s in by_name.values()
                    if set(s["owned_tables"]) & set(tables) or set(s["endpoints"]) & set(endpoints)]
        notes = ""
        if not (endpoints or tables or services):
            services = list(by_name)
            notes = "Cross-cutting: addressed by the architecture as a whole (see the rationale and open questions)."
        items.append({"requirement_id": req.id, "endpoints": endpoints, "tables": tables, "services": services,
                      "notes": notes})
    questions = list(d.questions)
    nfr = plan.brief.non_functional
    if nfr.peak_rps is None and nfr.daily_active_users is None:
        questions.append("No load was stated (daily active users, peak requests/s): the design assumes a modest "
                         "load. What are the expected numbers?")
    inferred = [plan.tables[n] for n, e in d.entities.items() if e.inferred and n not in LEXICON]
    if inferred:
        questions.append(f"The fields of {', '.join(inferred)} were inferred from the text; which attributes do "
                         "they really need?")
    if not plan.brief.entities:
        questions.append("Entities were read from the requirements' wording; confirm the list and relationships.")
    if d.tenant:
        questions.append(f"Tenant isolation is by a {d.tenant}_id column on every table; is row-level security "
                         "or a database per tenant required for compliance?")
    summary = (f"Offline rule-based design (no LLM) for {plan.brief.title}: {len(plan.schema['tables'])} tables, "
               f"{sum(len(r['endpoints']) for r in plan.api['resources'])} REST endpoints under {base}, and a "
               f"{plan.services['style'].replace('_', ' ')} of {len(plan.services['services'])} "
               f"{'services' if plan.services['style'] == 'microservices' else 'modules'}. "
               f"{plan.services['rationale']}")
    return {"summary": summary, "traceability": items, "open_questions": questions}


_SCOPE_END = re.compile(r"\b(containing|contains|with|of|for|in|into|to|from|by|on|per)\b")


def _endpoints_for(plan: PlanView, text: str) -> list[str]:
    """The endpoints a requirement's verbs act on: each verb reaches the entities after it, up to the next verb
    or preposition ("place an order containing products" creates orders, not products)."""
    from .domain import mention_positions

    d = plan.domain
    positions = mention_positions(text, d.entities, d.shortener)
    hits = sorted((m.start(), m.end(), ops) for pattern, ops in _VERB_OPS for m in re.finditer(pattern, text))
    found: list[str] = []
    ops_by_entity: dict[str, list[str]] = {}
    for i, (start, end, ops) in enumerate(hits):
        if "login" in ops and "auth" in plan.endpoints_by_entity:
            found.append(plan.endpoints_by_entity["auth"]["login"])
            continue
        if "follow" in ops and "redirect" in plan.endpoints_by_entity:
            found.append(plan.endpoints_by_entity["redirect"]["follow"])
        if re.match(r"(sign ?up|register)", text[start:end]) and d.actor:
            ops_by_entity.setdefault(d.actor, []).append("create")
            continue
        limit = hits[i + 1][0] if i + 1 < len(hits) else len(text)
        stop = _SCOPE_END.search(text, end)
        for pos, name in positions:
            if start <= pos < limit and (stop is None or pos < stop.start() or pos == start):
                ops_by_entity.setdefault(name, []).extend(ops)
    if not hits:
        for _, name in positions:
            if name not in (d.actor, d.tenant):
                ops_by_entity.setdefault(name, []).extend(["list", "get"])
    for name, ops in ops_by_entity.items():
        table_ops = plan.endpoints_by_entity.get(name, {})
        found += [table_ops[op] for op in dict.fromkeys(ops) if op in table_ops]
    return list(dict.fromkeys(found))

