"""Numbers that agree: the design's figures against each other and against the brief. What is partitioned
grows fastest; a cache larger than a node says how it is split; instance counts leave the headroom their
text claims; events have a broker; the number of modules fits the team and the domain.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from .bundle import Bundle
from .engine import rule
from .english import singular

__all__: list[str] = []

Found = Iterator[tuple[str, str]]
ONE_NODE_GB = 64  # a large single cache node (AWS cache.r7g.2xlarge has 52 GB; 64 GB is a generous ceiling)
_SPLIT = re.compile(r"cluster|shard|partition|consistent[- ]hash|hash slot|slots|\b\d+\s+(nodes|shards|primaries)|"
                    r"split across|spread across|sharded", re.I)
_EVENTLIKE = {"click", "like", "view", "event", "log", "message", "notification", "order_item", "reaction", "vote",
              "visit", "impression", "reading", "measurement", "metric", "audit", "history", "comment", "activity",
              "transaction", "line", "item", "entry", "ping", "heartbeat", "sample", "follow"}
_NOT_APP = re.compile(r"postgres|database|\bdb\b|redis|cache|memcache|kafka|rabbit|broker|consumer|queue|cdn|search|"
                      r"elastic|replica|shard|storage|s3|worker", re.I)


def _growth(bundle: Bundle) -> dict[str, int]:
    """A rank of how fast each table grows, from the shape of the model: leaf tables with parents (rows per
    parent row) and event-like names grow fastest; roots and lookups slowest."""
    assert bundle.data is not None
    referenced = {c.references.table for t in bundle.data.tables for c in t.columns if c.references is not None}
    rank: dict[str, int] = {}
    for table in bundle.data.tables:
        fks = sum(c.references is not None for c in table.columns)
        name = singular(table.name)
        score = (1 if fks else 0) + (1 if fks and table.name not in referenced else 0) + (1 if fks >= 2 else 0)
        if name in _EVENTLIKE or name.rsplit("_", 1)[-1] in _EVENTLIKE:
            score += 2
        if "outbox" in name:
            score = 0  # drained continuously: its size is bounded by the relay, not by the load
        rank[table.name] = score
    return rank


@rule("numbers-partition-growth", "warning", "cross",
      "Capacity (PostgreSQL partitioning, Kleppmann DDIA ch. 6): what is partitioned or sharded is the table "
      "that grows fastest, or the split buys nothing where the data is.")
def partition_growth(bundle: Bundle) -> Found:
    """What is partitioned or sharded is the table that grows fastest"""
    data = bundle.data
    if data is None or data.scaling is None:
        return
    split = {p.table for p in data.scaling.partitioning}
    if data.scaling.sharding is not None:
        split |= set(data.scaling.sharding.tables)
    if not split:
        return
    rank = _growth(bundle)
    top = max(rank.values())
    fastest = sorted(t for t, r in rank.items() if r == top)
    if split & set(fastest):
        return
    for table in sorted(split):
        if rank.get(table, 0) < top:
            yield f"scaling/{table}", (f"{table} is partitioned or sharded, but {', '.join(fastest)} grows faster "
                                       f"(a leaf of the model, rows per parent row) and is not: split the fastest-"
                                       "growing table, or say in the scaling rationale why this one")


@rule("numbers-cache-split", "error", "cross",
      "Capacity (Redis Cluster, consistent hashing): a cache sized beyond one node says how it is split across "
      "nodes; a single node cannot hold it.")
def cache_split(bundle: Bundle) -> Found:
    """A cache sized beyond one node says how it is split"""
    if bundle.capacity is None or bundle.performance is None:
        return
    figure = bundle.capacity.figure("cache_memory_gb")
    if figure is None or figure.value <= ONE_NODE_GB:
        return
    caches = [c for c in bundle.performance.caching if c.layer in ("application", "gateway")]
    texts = [" ".join([c.what, c.technology, c.key_pattern, c.invalidation]) for c in caches]
    scaling = [s for s in bundle.performance.scaling if re.search(r"redis|cache|memcache|valkey", s.component, re.I)]
    texts += [" ".join([s.component, s.reason, s.trigger]) for s in scaling if s.direction != "vertical" or
              s.max_instances > 1]
    if any(_SPLIT.search(t) and not re.search(r"only past|not needed|no need", t, re.I) for t in texts) or \
            any(s.direction == "horizontal" and s.max_instances > 1 for s in scaling):
        return
    where = f"performance/caching/{caches[0].name}" if caches else "performance/caching"
    yield where, (f"the capacity estimate puts the hot set at {figure.value:,.0f} GB, beyond one cache node "
                  f"(~{ONE_NODE_GB} GB), yet no cache layer or scaling rule says how it is split: state the cluster "
                  f"(e.g. Redis Cluster, {max(2, int(figure.value // ONE_NODE_GB) + 1)}+ primaries, keys by hash slot)")


READ_HEAVY_QPS = 1_000  # reads a second past which one PostgreSQL primary serving every read is the bottleneck
READ_HEAVY_RATIO = 10  # reads per write: most reads repeat, so a cache's hit ratio is high
TIGHT_P99_MS = 200  # a p99 a database round trip per read spends much of


def _peak_reads(bundle: Bundle) -> float | None:
    if bundle.capacity is not None:
        try:
            return bundle.capacity.value("peak_read_qps")
        except KeyError:
            pass
    nf = bundle.brief.non_functional if bundle.brief is not None else None
    if nf is None or nf.peak_rps is None or nf.read_write_ratio is None:
        return None
    return nf.peak_rps * nf.read_write_ratio / (1 + nf.read_write_ratio)


@rule("numbers-read-cache", "error", "cross",
      "Capacity (Google SRE book, ch. 22; Kleppmann DDIA ch. 1): a read-heavy load at a tight latency target is "
      "served from a cache; thousands of repeated reads a second sent to the database cost the p99 and the "
      "replicas a cache would spare.", on_emit=("performance",))
def read_cache(bundle: Bundle) -> Iterator[tuple[str, str, dict[str, object]]]:
    """A read-heavy load with a tight latency target has a cache layer"""
    nf = bundle.brief.non_functional if bundle.brief is not None else None
    if bundle.performance is None or nf is None or nf.read_write_ratio is None:
        return
    reads = _peak_reads(bundle)
    if reads is None or reads < READ_HEAVY_QPS or nf.read_write_ratio < READ_HEAVY_RATIO:
        return
    if nf.latency_p99_ms is None or nf.latency_p99_ms > TIGHT_P99_MS:
        return
    if any(c.layer in ("cdn", "gateway", "application") for c in bundle.performance.caching):
        return
    p99 = f", p99 {nf.latency_p99_ms:g} ms" if nf.latency_p99_ms else ""
    yield "performance/caching", (f"{reads:,.0f} reads a second at peak ({nf.read_write_ratio:g} reads per "
                                  f"write{p99}) and no cache layer: add an application (Redis) or CDN cache for "
                                  "the hottest reads, keyed by what they look up, invalidated on write"), {
        "performance": {"caching": [_hot_reads_cache(bundle)]}}


def _hot_reads_cache(bundle: Bundle) -> dict[str, object]:
    """The cache an expert adds first: the API's reads of one row by its key, only the public ones (a redirect, a
    product page) where there are any, in Redis with delete-on-write."""
    api = bundle.api
    reads = [op for op in api.operations if op.method == "get" and op.path.rstrip("/").endswith("}")] if api else []
    public = [op for op in reads if op.op.get("security") == []]
    reads = sorted(public or reads, key=lambda op: len(op.path))  # a shared cache serves what anyone may read
    endpoints = [f"GET {op.path}" for op in reads[:3]]
    key = "v1:" + ":".join(re.sub(r"^api$|^v\d+$", "", s) for s in reads[0].path.strip("/").split("/")
                           if re.sub(r"^api$|^v\d+$", "", s)) if reads else "v1:{table}:{id}"
    return {"name": "hot-reads", "layer": "application",
            "what": "rows read by their key" + (f" ({', '.join(endpoints)})" if endpoints else ""),
            "technology": "Redis 7", "key_pattern": key, "ttl_seconds": 300,
            "invalidation": "delete the key when the row is written; the TTL bounds what a missed delete serves",
            "stampede_protection": "request coalescing (one loader per key) and TTL jitter", "endpoints": endpoints}


def _target(text: str) -> float | None:
    for match in re.finditer(r"(\d{1,3}(?:\.\d+)?)\s*%", text):
        value = float(match.group(1))
        if 10 <= value <= 95:
            return value / 100
    return None


@rule("numbers-instance-headroom", "warning", "cross",
      "Capacity (Google SRE book, N+2 and utilisation targets): instance counts leave the headroom the design's "
      "own text claims at the stated peak.")
def instance_headroom(bundle: Bundle) -> Found:
    """Instance counts leave the headroom the text claims"""
    if bundle.capacity is None or bundle.performance is None:
        return
    try:
        peak = bundle.capacity.value("peak_read_qps") + bundle.capacity.value("peak_write_qps")
    except KeyError:
        return
    per_instance = bundle.capacity.inputs.instance_max_rps
    for s in bundle.performance.scaling:
        if _NOT_APP.search(s.component):
            continue
        text = f"{s.trigger} {s.reason}"
        target = _target(s.trigger) or (0.7 if re.search(r"headroom", text, re.I) else None)
        if target is None:
            continue
        claims_min = bool(re.search(r"carr(y|ies)[^.]*peak|at peak|handle[s]? the peak", s.reason, re.I))
        count = s.min_instances if claims_min else s.max_instances
        load = peak / (count * per_instance)
        if load > target:
            which = "min_instances" if claims_min else "max_instances"
            yield f"performance/scaling/{s.component}", (
                f"{s.component}: {count} instances ({which}) × {per_instance:g} req/s each run at {load:.0%} of capacity "
                f"at the {peak:,.0f} req/s peak, above the {target:.0%} the text targets: raise {which} to "
                f"{int(-(-peak // (per_instance * target)))} or lower the claim")


@rule("numbers-broker-for-events", "error", "cross",
      "Consistency of the architecture (Hohpe & Woolf, Enterprise Integration Patterns): a design with event "
      "consumers names the message broker that carries the events.", on_emit=("services",))
def broker_for_events(bundle: Bundle) -> Found:
    """A design with event consumers has a broker"""
    services = bundle.services
    if services is None:
        return
    infra = getattr(services, "infrastructure", None)
    if infra is not None and infra.message_broker:
        return
    consumers = [s.name for s in services.services if s.events_subscribed]
    scaled = [s.component for s in (bundle.performance.scaling if bundle.performance else [])
              if re.search(r"consumer", s.component, re.I)]
    if consumers or scaled:
        who = f"services {', '.join(consumers)} subscribe to events" if consumers else \
            f"the scaling plan scales {scaled[0]}"
        yield "services/infrastructure/message_broker", (
            f"{who}, but infrastructure.message_broker is empty: name the broker (e.g. PostgreSQL outbox + "
            "RabbitMQ, Kafka), or drop the consumers")


@rule("numbers-team-fit", "warning", "cross",
      "Team Topologies / Conway's law (and Fowler's MonolithFirst): the number of services or modules fits the "
      "team and the domain; a one-developer app does not get a dozen modules.", on_emit=("services",))
def team_fit(bundle: Bundle) -> Found:
    """Modules and services fit the team size and the number of entities"""
    services = bundle.services
    if services is None:
        return
    count = len(services.services)
    domain = [t for t in bundle.data.tables if "outbox" not in t.name] if bundle.data is not None else []
    team = bundle.brief.non_functional.team_size if bundle.brief is not None else None
    kind = "services" if services.style == "microservices" else "modules"
    if domain and count > len(domain) + 1:
        yield "services", (f"{count} {kind} for {len(domain)} tables: more {kind} than entities; merge the ones "
                           "that share data or change together")
    elif team is not None and count > max(3, team * 2):
        yield "services", (f"{count} {kind} for a team of {team}: each needs an owner; merge them into at most "
                           f"{max(3, team * 2)}")
    elif team is not None and services.style == "microservices" and team < 8 and count > 1:
        yield "services", (f"{count} independently deployed services for a team of {team}: one team cannot run "
                           "them well; a modular monolith with the same boundaries fits")
