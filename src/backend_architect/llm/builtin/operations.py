"""The builtin model's performance plan and architecture decisions, sized by the capacity estimate."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .plan import PlanView

__all__ = ["plan_decisions", "plan_performance"]


def _get_endpoints(plan: PlanView, base: str) -> list[str]:
    out = []
    for name, ops in plan.endpoints_by_entity.items():
        if name.startswith("join:") or name in ("auth", "redirect"):
            continue
        if "get" in ops:
            out.append(f"GET {base}{ops['get'].split(' ', 1)[1]}")
    return out


_NODE_GB = 48  # a 64 GB cache node, 75 % of it for data


def redis_primaries(plan: PlanView) -> int:
    """Cache nodes the hot set needs: one until it outgrows one node's memory, then a cluster."""
    return max(1, -(-int(plan.capacity.value("cache_memory_gb")) // _NODE_GB))


def _caching(plan: PlanView) -> list[dict[str, Any]]:
    kb, cap, nfr = plan.kb, plan.capacity, plan.brief.non_functional
    base = kb.default("api_base_path", "/api/v1")
    ttl = int(kb.default("cache_ttl_seconds", 300))
    layers: list[dict[str, Any]] = [{
        "name": "http-validators", "layer": "client", "what": "GET responses of single resources",
        "technology": "ETag + If-None-Match, Cache-Control: private, max-age=0", "ttl_seconds": 0,
        "invalidation": "the ETag changes with updated_at; clients revalidate and get 304 when unchanged"}]
    from .capabilities import cache_hit_ratio

    cached = cache_hit_ratio(plan) > 0
    if cached:
        layers.append({
            "name": "resource-cache", "layer": "application",
            "what": "hot single resources by id (cache-aside)",
            "technology": "Redis 7" if redis_primaries(plan) == 1 else
            f"Redis 7 Cluster, {redis_primaries(plan)} primaries with a replica each (keys split by hash slot)",
            "key_pattern": "v1:{resource}:{id}", "ttl_seconds": ttl,
            "invalidation": "delete the key after the database commit of every write (never update it in place)",
            "stampede_protection": f"single-flight per key and ±{int(kb.default('cache_ttl_jitter_ratio', 0.1) * 100)} "
                                   "% TTL jitter so keys written together do not expire together",
            "endpoints": _get_endpoints(plan, base)})
    if plan.redirect_owner:
        ops = plan.endpoints_by_entity["redirect"]
        layers.append({
            "name": "redirect-cache", "layer": "cdn", "what": "redirect responses by short code",
            "technology": "CDN honouring Cache-Control: public, s-maxage", "ttl_seconds": 60,
            "invalidation": "short TTL; a deleted or expired code is purged by its key",
            "endpoints": [f"GET {ops['follow'].split(' ', 1)[1]}"]})
    layers.append({
        "name": "buffer-cache", "layer": "database", "what": "hot pages of tables and indexes",
        "technology": "PostgreSQL shared_buffers ≈ 25 % of RAM", "ttl_seconds": 0,
        "invalidation": "managed by PostgreSQL"})
    if nfr.latency_p99_ms is not None and nfr.latency_p99_ms <= 100 and not cached:
        layers[-1]["what"] += f" (the {nfr.latency_p99_ms:g} ms p99 target is met by indexes at this load)"
    return layers


def _bottlenecks(plan: PlanView) -> list[dict[str, Any]]:
    from .capabilities import cache_hit_ratio

    kb, cap = plan.kb, plan.capacity
    reads, writes = cap.value("peak_read_qps"), cap.value("peak_write_qps")
    instances = int(cap.value("app_instances"))
    per_instance = kb.default("app_instance_max_rps", 300)
    max_reads = kb.default("postgres_primary_max_reads_per_second", 5000)
    max_writes = kb.default("postgres_primary_max_writes_per_second", 2000)
    replicas = plan.schema["scaling"]["read_replicas"]
    sharding = plan.schema["scaling"]["sharding"]
    shards = sharding["shards"] if sharding else 1
    hit = cache_hit_ratio(plan)
    # Cached reads never reach a database connection; 32 logical shards share a node.
    connections = cap.value("db_connections_total") * (1 - hit * reads / max(reads + writes, 1e-9))
    nodes = (1 + replicas) * max(1, shards // 32)
    candidates = [
        ("application instances", (reads + writes) / (instances * per_instance),
         f"{instances} instances × about {per_instance} req/s each", f"{instances * per_instance:,} req/s",
         "add instances (horizontal autoscaling on CPU); profile the slowest endpoints"),
        ("database reads", reads * (1 - cache_hit_ratio(plan)) / (max_reads * (1 + replicas)),
         f"about {max_reads:,} reads/s per PostgreSQL node × {1 + replicas} node(s)",
         f"{max_reads * (1 + replicas):,} database reads/s (after the cache)",
         "raise the cache hit ratio, then add read replicas"),
        ("database writes", writes / (max_writes * shards),
         f"about {max_writes:,} writes/s per primary × {shards} shard(s)", f"{max_writes * shards:,} writes/s",
         "batch writes and trim indexes; then partition, then shard by the tenant or user key"),
        ("database connections", connections / (200 * nodes),
         f"max_connections of about 200 per PostgreSQL node × {nodes} node(s)", f"{200 * nodes:,} connections",
         "PgBouncer in transaction mode in front of each node"),
    ]
    candidates.sort(key=lambda c: c[1], reverse=True)
    return [{"component": name, "limit": limit,
             "first_at": f"{share * 100:,.0f} % used at the estimated peak; binds near {at}",
             "relief": relief} for name, share, limit, at, relief in candidates]


def plan_performance(plan: PlanView) -> dict[str, Any]:
    kb, cap, nfr = plan.kb, plan.capacity, plan.brief.non_functional
    instances = int(cap.value("app_instances"))
    micro = plan.style == "microservices"
    availability = nfr.availability or kb.default("slo_availability", 0.999) * 100
    p99 = nfr.latency_p99_ms or kb.default("slo_latency_p99_ms", 500)
    cpu = int(kb.default("target_cpu_utilisation", 0.6) * 100)
    scaling = [{"component": "services" if micro else "application", "direction": "horizontal",
                "min_instances": instances, "max_instances": max(instances * 2, instances + 2),
                "trigger": f"CPU above {cpu} % or p99 latency above {p99:g} ms for 5 minutes",
                "reason": f"stateless; {instances} instance(s) carry the estimated peak with headroom"}]
    data = plan.schema["scaling"]
    if data["sharding"]:
        scaling.append({"component": "PostgreSQL", "direction": "horizontal",
                        "min_instances": data["sharding"]["shards"], "max_instances": data["sharding"]["shards"] * 4,
                        "trigger": "a shard above 70 % of its write or storage budget",
                        "reason": "sharded: add nodes and move logical shards"})
    else:
        scaling.append({"component": "PostgreSQL primary", "direction": "vertical",
                        "min_instances": 1, "max_instances": 1, "reason": "one primary takes every write at this "
                        "load; scale it up (CPU, RAM, IOPS) before considering shards"
                        + (f"; {data['read_replicas']} read replica(s) take reads" if data["read_replicas"] else "")})
    if any(layer["layer"] == "application" for layer in _caching(plan)):
        gb, nodes = cap.value("cache_memory_gb"), redis_primaries(plan)
        if nodes == 1:
            scaling.append({"component": "Redis", "direction": "vertical", "min_instances": 1, "max_instances": 1,
                            "reason": f"about {gb:,.1f} GB of hot data fits one node ({_NODE_GB} GB usable) with "
                                      "a replica; cluster mode only past one node's memory"})
        else:
            scaling.append({"component": "Redis Cluster", "direction": "horizontal", "min_instances": nodes,
                            "max_instances": nodes * 2, "trigger": "a primary above 75 % of its memory",
                            "reason": f"about {gb:,.0f} GB of hot data split over {nodes} primaries by hash slot "
                                      f"(consistent hashing of keys, ≤{_NODE_GB} GB each), one replica per primary"})
    if plan.services["events"]:
        scaling.append({"component": "event consumers", "direction": "horizontal", "min_instances": 1,
                        "max_instances": 12, "trigger": "consumer lag above 1,000 messages for 2 minutes",
                        "reason": "consumers scale with partitions; lag is the signal"})
    budget = (100 - availability) / 100 * 30 * 24 * 60
    return {
        "caching": _caching(plan),
        "load_balancing": {"layer": "l7", "algorithm": "least_connections",
                           "health_check": "GET /healthz every 5 s; 2 failures eject an instance, 2 passes restore",
                           "notes": "TLS ends at the load balancer; connection draining of 30 s on deploys"},
        "scaling": scaling,
        "monitoring": {
            "slos": [{"name": "availability", "indicator": "share of requests answered without a 5xx",
                      "objective": f"{availability:g} % over 30 days (error budget {budget:,.0f} minutes)"},
                     {"name": "latency", "indicator": f"share of requests answered within {p99:g} ms",
                      "objective": "99 % over 30 days"}],
            "red_metrics": ["request rate per endpoint", "error rate (5xx, and 4xx separately)",
                            "duration histogram (p50, p95, p99) per endpoint"],
            "use_metrics": ["CPU and memory utilisation per instance", "database connections in use vs pool size",
                            "replication lag", "disk usage growth vs the storage estimate"],
            "alerts": [{"name": "fast error-budget burn", "condition": "burn rate above 14.4 over 1 h and 5 min",
                        "severity": "page"},
                       {"name": "slow error-budget burn", "condition": "burn rate above 6 over 6 h and 30 min",
                        "severity": "page"},
                       {"name": "saturation", "condition": "connections above 80 % of the pool, or disk above 80 %",
                        "severity": "ticket"}],
            "tracing": "OpenTelemetry traces across the gateway, services and database calls" if micro
            else "OpenTelemetry traces through the application and database calls",
            "logging": "structured JSON logs with the request id; no secrets or personal data"},
        "bottlenecks": _bottlenecks(plan),
    }


def _option(name: str, pros: list[str], cons: list[str]) -> dict[str, Any]:
    return {"name": name, "pros": pros, "cons": cons}


def plan_decisions(plan: PlanView) -> list[dict[str, Any]]:
    cap, micro = plan.capacity, plan.style == "microservices"
    peak = cap.value("peak_read_qps") + cap.value("peak_write_qps")
    monolith = _option("Modular monolith", ["one deployable, one database transaction", "cheap to run and debug"],
                       ["one scaling unit", "module boundaries need discipline"])
    services = _option("Microservices", ["independent deploys and scaling per context", "fault isolation"],
                       ["network calls, sagas and eventual consistency", "on-call and platform cost per service"])
    decisions = [{
        "title": "Use microservices per bounded context" if micro else "Use a modular monolith",
        "context": f"{plan.brief.title}: {len(plan.domain.entities)} entities in "
                   f"{len({e.context for e in plan.domain.entities.values()})} bounded context(s), about "
                   f"{peak:,.0f} requests/s at peak.",
        "decision_drivers": ["the load at peak", "the team size", "consistency of writes across contexts"],
        "considered_options": [monolith, services] if not micro else [services, monolith],
        "chosen_option": "Microservices" if micro else "Modular monolith",
        "justification": plan.style_rationale,
        "positive_consequences": ["each context scales and deploys on its own"] if micro
        else ["no distributed transactions; one deploy pipeline"],
        "negative_consequences": ["sagas and the outbox are needed where a change spans services"] if micro
        else ["a module that outgrows the rest must later be extracted"]}]
    scaling = plan.schema["scaling"]
    chosen = ("Shard by " + scaling["sharding"]["shard_key"]) if scaling["sharding"] else (
        "Primary with read replicas" if scaling["read_replicas"] else "Single PostgreSQL primary")
    decisions.append({
        "title": "Scale PostgreSQL with " + chosen[0].lower() + chosen[1:],
        "context": f"About {cap.value('peak_write_qps'):,.0f} writes/s and {cap.value('peak_read_qps'):,.0f} "
                   f"reads/s at peak; {cap.value('storage_retention_gb'):,.0f} GB over the retention period.",
        "decision_drivers": ["write throughput of one primary", "read throughput", "operational simplicity"],
        "considered_options": [
            _option("Single PostgreSQL primary", ["simplest; strong consistency"], ["one node's limits"]),
            _option("Primary with read replicas", ["scales reads"], ["replication lag on reads"]),
            _option("Shard by " + (scaling["sharding"]["shard_key"] if scaling["sharding"] else "tenant"),
                    ["scales writes and storage"], ["cross-shard queries and rebalancing"])],
        "chosen_option": chosen, "justification": scaling["rationale"],
        "positive_consequences": ["capacity matches the estimate with headroom"],
        "negative_consequences": ["revisit when the load passes the next threshold in the bottleneck list"]})
    auth = plan.api["authentication"]["schemes"][0]
    decisions.append({
        "title": "Authenticate with short-lived JWTs and rotating refresh tokens",
        "context": "Clients call a stateless API behind a load balancer.",
        "decision_drivers": ["stateless verification at every instance", "revocation within minutes"],
        "considered_options": [
            _option("JWT access tokens with refresh tokens", ["no session lookup per request"],
                    ["revocation waits for expiry"]),
            _option("Server-side sessions", ["instant revocation"], ["a session store on every request"])],
        "chosen_option": "JWT access tokens with refresh tokens",
        "justification": f"Access tokens live {auth.get('token_ttl_minutes', 15)} minutes, so revocation waits at "
                         "most that long; refresh tokens rotate and are stored hashed.",
        "positive_consequences": ["any instance verifies a token alone"],
        "negative_consequences": ["a signing-key rotation procedure is needed"]})
    decisions.append({
        "title": f"Version the API in the URL path ({plan.api['base_path']})",
        "context": "Clients outside our release cycle must keep working through breaking changes.",
        "decision_drivers": ["visible in logs and caches", "easy for clients"],
        "considered_options": [_option("URL path", ["explicit, cache-friendly"], ["URLs change per version"]),
                               _option("Header", ["stable URLs"], ["invisible in logs, easy to forget"])],
        "chosen_option": "URL path", "justification": plan.api["versioning"]["deprecation_policy"],
        "positive_consequences": ["two versions can run side by side"],
        "negative_consequences": ["a deprecation window to operate"]})
    if plan.graphql:
        decisions.append({
            "title": "Offer GraphQL beside REST",
            "context": "The brief asks for GraphQL for clients that read related entities together.",
            "decision_drivers": ["round trips for nested reads", "one source of truth for both APIs"],
            "considered_options": [_option("GraphQL beside REST", ["flexible reads"], ["query cost control"]),
                                   _option("REST only", ["simplest caching"], ["over- and under-fetching"])],
            "chosen_option": "GraphQL beside REST", "justification": plan.graphql["rationale"],
            "positive_consequences": ["clients fetch what they need"],
            "negative_consequences": ["depth and complexity limits to maintain"]})
    return decisions
