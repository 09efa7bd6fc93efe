"""design.md sections for the capabilities beyond tables and endpoints. Each says plainly when a part
does not apply or was not produced, rather than leaving it out."""

from __future__ import annotations

from ..spec import Design
from ..spec.api import ApiSpecification, Endpoint
from ..spec.data import DatabaseSchema
from ..spec.services import ServiceArchitecture
from .mermaid import saga_sequence

__all__ = ["cell", "code_list", "capacity_section", "data_extras", "decisions_section", "graphql_section",
           "performance_section", "security_section", "service_extras"]


def cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def code_list(items: list[str]) -> str:
    return "<br>".join(f"`{cell(i)}`" for i in items) if items else "—"


def _number(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.3g}"


def capacity_section(design: Design) -> list[str]:
    out = ["## Capacity estimate\n"]
    cap = design.capacity
    if cap is None:
        return out + ["_Not produced: estimate_capacity was not called, so the sizing below is not backed by "
                      "numbers._\n"]
    out.append("Computed by the `estimate_capacity` tool (30-day months, 1 KB = 1000 bytes), not by the model.\n")
    inputs = [(k, v) for k, v in cap.inputs.model_dump(exclude={"assumptions"}).items() if v is not None]
    out.append("| Input | Value |\n| --- | --- |")
    out += [f"| {k.replace('_', ' ')} | {_number(v) if isinstance(v, float) else f'{v:,}'} |" for k, v in inputs]
    out.append("\n| Figure | Value | Unit | Formula |\n| --- | --- | --- | --- |")
    out += [f"| {f.name.replace('_', ' ')} | {_number(f.value)} | {f.unit} | {cell(f.formula)} |"
            for f in cap.figures]
    out.append("")
    if cap.assumptions:
        out += ["Assumptions:\n"] + [f"- {cell(a)}" for a in cap.assumptions] + [""]
    return out


def _beside_owner(ep: Endpoint) -> list[str]:
    """The roles an owner-scoped operation names besides the owner's own (admin, beside resident on
    resident_id): they reach every row, the owner only their own."""
    if not ep.owner_scope or not ep.roles:
        return []
    owner = ep.owner_scope.rsplit(".", 1)[-1].removesuffix("_id")
    return [r for r in ep.roles if r != owner]


def access_cell(ep: Endpoint) -> str:
    """Who may call an operation, in the endpoint tables: public, the roles, the owner's own rows (and who
    reaches every row beside them), or any signed-in caller."""
    if not ep.auth_required:
        return "public"
    named = ", ".join(ep.roles + ep.scopes)
    if not ep.owner_scope:
        return named or "signed in"
    own = "own record (`id`)" if ep.owner_scope == "id" else f"own rows (`{ep.owner_scope}`)"
    beside = _beside_owner(ep)
    return f"{own}; every row: {', '.join(beside)}" if beside else own


def security_section(api: ApiSpecification) -> list[str]:
    out: list[str] = []
    v = api.versioning
    how = {"url_path": f"in the URL path (`{api.base_path}`)", "header": f"in the `{v.header_name}` header",
           "media_type": "in the media type"}[v.strategy]
    out.append(f"**Versioning.** {v.current_version}, {how}. {cell(v.deprecation_policy)}")
    deprecated = [ep for ep in api.endpoints() if ep.deprecated]
    listed = ", ".join(f"`{ep.key}` (sunset {ep.sunset or 'not set'})" for ep in deprecated)
    out.append(f"Deprecated operations: {listed}.\n" if deprecated else "No operation is deprecated yet; when one is, it answers with `Deprecation` and "
               "`Sunset` headers.\n")
    auth = api.authentication
    out.append("**Authentication and authorization.** " + (cell(auth.description) or ""))
    if auth.schemes:
        out.append("\n| Scheme | Type | Details |\n| --- | --- | --- |")
        for s in auth.schemes:
            details = [f"access tokens {s.token_ttl_minutes} min" if s.token_ttl_minutes else "",
                       f"refresh tokens {s.refresh_token_ttl_days} days" if s.refresh_token_ttl_days else "",
                       f"refresh at `{s.refresh_endpoint}`" if s.refresh_endpoint else "",
                       f"header `{s.api_key_header}`" if s.api_key_header else "",
                       f"flow {s.oauth2_flow}" if s.oauth2_flow else "",
                       ("scopes " + ", ".join(f"`{sc.name}`" for sc in s.scopes)) if s.scopes else ""]
            out.append(f"| {s.name} | {s.type.replace('_', ' ')} | {'; '.join(d for d in details if d) or '—'} |")
    public = [ep.key for ep in api.endpoints() if not ep.auth_required]
    restricted = [f"`{ep.key}` ({', '.join(ep.roles + ep.scopes)})" for ep in api.endpoints() if ep.roles or ep.scopes]
    out.append(f"\nRoles: {', '.join(auth.roles) or 'none'}. Public operations: "
               f"{', '.join(f'`{k}`' for k in public) or 'none'}.")
    if restricted:
        out.append(f"Restricted operations: {'; '.join(restricted)}.")
    scoped = [f"`{ep.key}` (`{ep.owner_scope}`)" for ep in api.endpoints() if ep.owner_scope]
    if scoped:
        # What OWASP API1 asks a design to say: which rows a caller reaches, checked against which column.
        beside = sorted({r for ep in api.endpoints() for r in _beside_owner(ep)})
        also = (f"; {', '.join(beside)}, named beside an owner scope, reach{'es' if len(beside) == 1 else ''} "
                "every row") if beside else ""
        out.append(f"Owner-scoped operations (a caller reaches only the rows whose owner column is theirs; another "
                   f"owner's row answers 404{also}): {'; '.join(scoped)}.")
    if api.rate_limits:
        out.append("\n**Rate limiting.** Over a limit the API answers `429` with `Retry-After`, `RateLimit` and "
                   "`RateLimit-Policy` headers.\n")
        out.append("| Tier | Requests | Per | Counted per | Algorithm |\n| --- | --- | --- | --- | --- |")
        out += [f"| {rl.tier} | {rl.requests:,} | {rl.period} | {rl.key.replace('_', ' ')} | "
                f"{rl.algorithm.replace('_', ' ')}{f' (burst {rl.burst})' if rl.burst else ''} |"
                for rl in api.rate_limits]
    else:
        out.append("\n**Rate limiting.** None declared.")
    out.append("\n**Errors.** Every 4xx and 5xx is an RFC 9457 problem (`application/problem+json`: type, title, "
               "status, detail, instance). Lists are paginated with `limit` and an opaque `cursor`.\n")
    return out


def graphql_section(design: Design) -> list[str]:
    out = ["## GraphQL\n"]
    g = design.graphql
    if g is None:
        return out + ["Not offered: the brief does not ask for GraphQL, and the REST API serves the clients it "
                      "names.\n"]
    return out + [f"{cell(g.rationale)}\n", f"Endpoint `{g.path}`; maximum depth {g.max_depth}, maximum complexity "
                  f"{g.max_complexity}; persisted queries {'required' if g.persisted_queries else 'optional'}. "
                  "Schema: `schema.graphql` (built by graphql-core).\n"]


def data_extras(data: DatabaseSchema) -> list[str]:
    out: list[str] = ["### Normalization\n"]
    if data.normalization is None:
        out.append("_Not stated._\n")
    else:
        n = data.normalization
        out.append(f"Target: **{n.target}**. {cell(n.rationale)}\n")
        if n.denormalizations:
            out.append("| Denormalized column | Source | Why | Kept in sync by |\n| --- | --- | --- | --- |")
            out += [f"| {d.table}.{d.column} | {cell(d.source)} | {cell(d.reason)} | {cell(d.kept_in_sync_by)} |"
                    for d in n.denormalizations]
            out.append("")
    checks = [f"`{t.name}.{c.name}`: `CHECK ({cell(c.check)})`" for t in data.tables for c in t.columns if c.check]
    exclusions = [f"`{t.name}`: `{x.name}` EXCLUDE USING gist ({cell(', '.join(x.elements))})"
                  + (f" (where `{cell(x.where)}`)" if x.where else "") + f": {cell(x.reason)}"
                  for t in data.tables for x in t.exclusions]
    if checks or exclusions:
        out.append("### Integrity constraints\n")
        out += [f"- {line}" for line in checks + exclusions]
        out.append("")
    out.append("### Access patterns\n")
    if data.access_patterns:
        out.append("| Pattern | Query | Served by | Frequency |\n| --- | --- | --- | --- |")
        out += [f"| {p.name} | `{cell(p.query)}` | `{p.index}` | {p.frequency} |" for p in data.access_patterns]
        out.append("")
    else:
        out.append("_None declared: indexes are justified only by their stated reasons._\n")
    out.append("### NoSQL models\n")
    if not data.nosql_models:
        out.append("None: every access pattern is served well by PostgreSQL at this load.\n")
    for m in data.nosql_models:
        out.append(f"**{m.name}** ({m.engine}, {m.kind.replace('_', ' ')}). {cell(m.reasoning)} Source of truth: "
                   f"{cell(m.source_of_truth)}.\n")
        out.append("| Item | Partition key | Sort key | Attributes |\n| --- | --- | --- | --- |")
        out += [f"| {cell(i.entity)} | `{cell(i.partition_key)}` | {f'`{cell(i.sort_key)}`' if i.sort_key else '—'} "
                f"| {', '.join(i.attributes)} |" for i in m.items]
        out.append("")
        out += [f"- `{a.name}`: `{cell(a.key_condition)}`: {cell(a.description)}" for a in m.access_patterns]
        out.append("")
    out.append("### Migrations\n")
    if data.migrations is None:
        out.append("_Not stated._\n")
    else:
        mig = data.migrations
        out.append(f"{cell(mig.strategy)} Tool: {mig.tool} (`migrations/versions/0001_initial.py`).\n")
        out += [f"- {cell(rule)}" for rule in mig.rules]
        for change in mig.risky_changes:
            out.append(f"\n**{cell(change.name)}**: " + " → ".join(f"{s.phase}: {cell(s.description)}"
                                                                   for s in change.steps))
        out.append("")
    out.append("### Replication and sharding\n")
    scaling = data.scaling
    if scaling is None:
        out.append("_Not stated._\n")
    else:
        out.append(f"{cell(scaling.rationale)}\n")
        out.append(f"- Read replicas: {scaling.read_replicas} ({scaling.replication.replace('_', ' ')})"
                   + (f"; failover: {cell(scaling.failover)}" if scaling.failover else ""))
        out += [f"- Partitioning: {p.table} by {p.strategy} on {p.column}, {cell(p.scheme)}: {cell(p.reason)}"
                for p in scaling.partitioning] or ["- Partitioning: none."]
        sh = scaling.sharding
        out.append(f"- Sharding: {sh.strategy} on `{sh.shard_key}` into {sh.shards} shards ({', '.join(sh.tables)}): "
                   f"{cell(sh.reason)} Rebalancing: {cell(sh.rebalancing)}" if sh else "- Sharding: none.")
        out.append("")
    return out


def service_extras(arch: ServiceArchitecture) -> list[str]:
    out: list[str] = []
    edges = [(s.name, d) for s in arch.services for d in s.depends_on]
    out.append("### Communication\n")
    if edges:
        out.append("| From | To | Protocol | Why | Timeout / resilience |\n| --- | --- | --- | --- | --- |")
        out += [f"| {frm} | {d.service} | {d.protocol.replace('_', ' ')} | {cell(d.reason)} | "
                f"{f'{d.timeout_ms} ms; ' if d.timeout_ms else ''}{cell(d.resilience) or '—'} |" for frm, d in edges]
        out.append("")
    else:
        out.append("No service calls another synchronously.\n")
    gateway = arch.infrastructure.api_gateway
    if gateway:
        out.append(f"**Gateway** `{gateway.name}` ({cell(gateway.technology) or 'unspecified'}): "
                   f"{', '.join(f.replace('_', ' ') for f in gateway.features) or 'no features listed'}.\n")
        if gateway.routes:
            out.append("| Route prefix | Service |\n| --- | --- |")
            out += [f"| `{r.path_prefix}` | {r.service} |" for r in gateway.routes]
            out.append("")
    out.append(f"**Service discovery:** {cell(arch.infrastructure.service_discovery) or 'unspecified'}. "
               f"**Message broker:** {cell(arch.infrastructure.message_broker or 'none')}.\n")
    out.append("### Events\n")
    if arch.events:
        publishers = {e: s.name for s in arch.services for e in s.events_published}
        out.append("| Event | Publisher | Subscribers | Payload | Key |\n| --- | --- | --- | --- | --- |")
        for e in arch.events:
            subs = [s.name for s in arch.services if e.name in s.events_subscribed]
            payload = ", ".join(f"{f.name}: {f.format or f.type}{'' if f.required else '?'}" for f in e.payload)
            out.append(f"| `{e.name}` | {publishers.get(e.name, '—')} | {', '.join(subs) or '—'} | {payload or '—'} | "
                       f"{e.key or '—'} |")
        out.append("\nMessages are described in `asyncapi.yaml` (AsyncAPI 3.0).\n")
    else:
        out.append("None: no state change matters to another context.\n")
    out.append("### Distributed transactions\n")
    if arch.sagas:
        for saga in arch.sagas:
            out.append(f"**Saga {saga.name}** ({saga.coordination}"
                       f"{f', orchestrated by {saga.orchestrator}' if saga.orchestrator else ''}): "
                       f"{cell(saga.description)}\n")
            out.append("| Step | Service | Action | Compensation |\n| --- | --- | --- | --- |")
            out += [f"| {i} | {s.service} | {cell(s.action)} | {cell(s.compensation or '— (pivot/last step)')} |"
                    for i, s in enumerate(saga.steps, start=1)]
            out.append("\n```mermaid\n" + saga_sequence(saga) + "\n```\n")
    else:
        out.append("No sagas: " + ("every write stays inside one module's transaction." if arch.style ==
                                   "modular_monolith" else "no write spans two services.") + "\n")
    if arch.outbox:
        out += [f"- Outbox `{b.table}` of {b.service} ({b.relay} relay): {', '.join(b.events)}" for b in arch.outbox]
        out.append("")
    elif arch.events:
        out.append("No outbox: events are published in-process, inside the writing transaction.\n")
    return out


def performance_section(design: Design) -> list[str]:
    out = ["## Performance and scalability\n"]
    p = design.performance
    if p is None:
        return out + ["_Not produced: emit_performance_plan was not called._\n"]
    out.append("### Caching\n")
    if p.caching:
        out.append("| Cache | Layer | What | TTL | Invalidation | Stampede protection |\n"
                   "| --- | --- | --- | --- | --- | --- |")
        out += [f"| {c.name} | {c.layer} | {cell(c.what)}{f' ({cell(c.technology)})' if c.technology else ''} | "
                f"{f'{c.ttl_seconds} s' if c.ttl_seconds else '—'} | {cell(c.invalidation)} | "
                f"{cell(c.stampede_protection) or '—'} |" for c in p.caching]
        out.append("")
    else:
        out.append("No caches.\n")
    lb = p.load_balancing
    out.append(f"### Load balancing\n\n{lb.layer.upper()}, {lb.algorithm.replace('_', ' ')}; health check: "
               f"{cell(lb.health_check)}; sticky sessions: {'yes' if lb.sticky_sessions else 'no'}. {cell(lb.notes)}\n")
    out.append("### Scaling\n\n| Component | Direction | Instances | Trigger | Why |\n| --- | --- | --- | --- | --- |")
    out += [f"| {cell(s.component)} | {s.direction} | {s.min_instances}–{s.max_instances} | {cell(s.trigger) or '—'} | "
            f"{cell(s.reason)} |" for s in p.scaling]
    m = p.monitoring
    out.append("\n### Monitoring\n")
    out += [f"- SLO {cell(s.name)}: {cell(s.indicator)}, {cell(s.objective)}" for s in m.slos]
    out.append(f"- RED: {'; '.join(m.red_metrics)}")
    out.append(f"- USE: {'; '.join(m.use_metrics)}")
    out += [f"- Alert ({a.severity}) {cell(a.name)}: {cell(a.condition)}" for a in m.alerts]
    if m.tracing:
        out.append(f"- Tracing: {cell(m.tracing)}")
    if m.logging:
        out.append(f"- Logging: {cell(m.logging)}")
    out.append("\n### Bottlenecks, in the order they bind\n")
    out += [f"{i}. **{cell(b.component)}**: {cell(b.limit)}; {cell(b.first_at)}. Relief: {cell(b.relief)}"
            for i, b in enumerate(p.bottlenecks, start=1)]
    out.append("")
    return out


def decisions_section(design: Design) -> list[str]:
    from .adr import adr_index

    out = ["## Decisions\n"]
    if not design.decisions:
        return out + ["_None recorded._\n"]
    out += [f"- [{cell(label)}]({path})" for label, path in adr_index(design.decisions)]
    out.append("")
    return out
