"""The builtin model's database capabilities: capacity inputs, access patterns, normalization, NoSQL,
migrations, replication and sharding, each decided by the brief's numbers and the knowledge defaults."""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .plan import PlanView

__all__ = ["cache_hit_ratio", "capacity_inputs", "data_capabilities"]

_PAGE = 20


def capacity_inputs(plan: PlanView) -> tuple[dict[str, Any], list[str]]:
    """The load the brief states, and the assumptions that fill its gaps (each one said out loud)."""
    nfr = plan.brief.non_functional
    kb = plan.kb
    assumed: list[str] = []
    inputs: dict[str, Any] = {"peak_to_average": kb.default("peak_to_average_ratio", 3),
                              "instance_max_rps": kb.default("app_instance_max_rps", 300),
                              "min_instances": kb.default("min_instances", 2)}
    ratio = nfr.read_write_ratio
    if nfr.writes_per_month is not None:
        inputs["writes_per_month"] = nfr.writes_per_month
        if nfr.reads_per_month is not None:
            inputs["reads_per_month"] = nfr.reads_per_month
        elif ratio:
            inputs["read_write_ratio"] = ratio
        if nfr.peak_rps is not None:
            inputs["peak_rps"] = nfr.peak_rps
    elif nfr.peak_rps is not None:
        if ratio is None:
            ratio = 10.0
            assumed.append("No read:write ratio was stated; 10:1 is assumed.")
        inputs.update(peak_rps=nfr.peak_rps, read_write_ratio=ratio)
    else:
        users = nfr.daily_active_users
        if users is None:
            users = 1000
            assumed.append("No load was stated; 1,000 daily active users are assumed.")
        if ratio is None:
            ratio = 10.0
            assumed.append("No read:write ratio was stated; 10:1 is assumed.")
        inputs.update(daily_active_users=users, writes_per_user_per_day=5, reads_per_user_per_day=5 * ratio)
        assumed.append("Each active user is assumed to write 5 times a day.")
    if nfr.avg_payload_kb is not None:
        inputs["avg_write_kb"] = nfr.avg_payload_kb
    else:
        inputs["avg_write_kb"] = 1.0
        assumed.append("Rows average 1 KB (no payload size was stated).")
    if nfr.data_retention_years is not None:
        inputs["retention_years"] = nfr.data_retention_years
    else:
        assumed.append("Data is kept 3 years (no retention was stated).")
    return inputs, assumed


def cache_hit_ratio(plan: PlanView) -> float:
    """The share of reads a shared application cache absorbs: 0 when no such cache is warranted (reads do not
    dominate writes, or the load is too small to need one)."""
    cap, kb = plan.capacity, plan.kb
    ratio = cap.value("avg_read_qps") / max(cap.value("avg_write_qps"), 1e-9)
    if ratio >= kb.default("cache_min_read_write_ratio", 5) and cap.value("peak_read_qps") >= 100:
        return float(kb.default("cache_hit_ratio_target", 0.9))
    return 0.0


def _pattern_name(table: str, columns: list[str]) -> str:
    eq = [c for c in columns if not c.endswith(" desc") and c != "created_at"]
    name = f"{table}_by_{'_'.join(c.removesuffix('_id') for c in eq)}" if eq else f"{table}_newest"
    if any(c.endswith(" desc") for c in columns):
        name += "_newest"
    return name[:63].rstrip("_")


def _index_query(table: str, columns: list[str]) -> str:
    eq = [c for c in columns if " " not in c]
    order = [c.split()[0] for c in columns if c.endswith(" desc")]
    where = " AND ".join(f"{c} = ${i}" for i, c in enumerate(eq, start=1))
    sql = f"SELECT * FROM {table}" + (f" WHERE {where}" if where else "")
    if order:
        sql += f" ORDER BY {', '.join(c + ' DESC' for c in order)} LIMIT {_PAGE}"
    return sql


def _access_patterns(plan: PlanView, tables: list[dict[str, Any]]) -> list[dict[str, Any]]:
    patterns: list[dict[str, Any]] = []
    hot = {plan.tables[n] for n in plan.domain.entities if n == plan.redirect_owner}
    for table in tables:
        name = table["name"]
        if name.endswith("_outbox"):
            patterns.append({"name": f"{name}_unpublished"[:63], "table": name, "index": f"ix_{name}_unpublished",
                             "description": "the relay reads the oldest unpublished events",
                             "query": f"SELECT * FROM {name} WHERE published_at IS NULL ORDER BY id LIMIT 100",
                             "frequency": "hot"})
            continue
        pk = [c["name"] for c in table["columns"] if c.get("primary_key")]
        if pk == ["id"]:
            patterns.append({"name": f"{name}_by_id"[:63], "table": name, "index": f"{name}_pkey",
                             "description": f"fetch one of {name} by id (GET …/{{id}}, PATCH, DELETE)",
                             "query": f"SELECT * FROM {name} WHERE id = $1", "frequency": "hot" if name in hot
                             else "warm"})
        for col in table["columns"]:
            if col.get("unique") and not col.get("primary_key"):
                patterns.append({"name": f"{name}_by_{col['name']}"[:63], "table": name,
                                 "index": f"{name}_{col['name']}_key",
                                 "description": f"find one of {name} by its unique {col['name'].replace('_', ' ')}",
                                 "query": f"SELECT * FROM {name} WHERE {col['name']} = $1",
                                 "frequency": "hot" if name in hot else "warm"})
        for index in table.get("indexes", []):
            patterns.append({"name": _pattern_name(name, index["columns"]), "table": name, "index": index["name"],
                             "description": index["reason"], "query": _index_query(name, index["columns"])})
    seen: set[str] = set()
    unique = []
    for p in patterns:
        if p["name"] not in seen:
            seen.add(p["name"])
            unique.append(p)
    return unique


def _money(table: dict[str, Any], pattern: str) -> str | None:
    return next((c["name"] for c in table["columns"] if re.search(pattern, c["name"])
                 and c["type"].startswith("numeric")), None)


def _normalization(plan: PlanView, tables: list[dict[str, Any]]) -> dict[str, Any]:
    """Price snapshots on line items, and order totals kept beside their items: the two denormalizations
    commerce schemas make on purpose."""
    by_name = {t["name"]: t for t in tables}
    denormalized: list[dict[str, Any]] = []
    lines: list[tuple[str, str, str | None]] = []  # (items table, parent table, priced table)
    for join in plan.domain.joins:
        if join.item:
            lines.append((plan.tables[f"join:{join.left}:{join.right}"], plan.tables[join.left],
                          plan.tables[join.right]))
    for name, entity in plan.domain.entities.items():
        table = by_name.get(plan.tables[name])
        if table is None or not _money(table, r"^unit_price$"):
            continue
        parents = [plan.tables[p] for p, _ in entity.parents if p in plan.domain.entities]
        priced = next((p for p in parents if _money(by_name[p], r"^price$")), None)
        container = next((p for p in parents if p != priced), None)
        if container:
            lines.append((table["name"], container, priced))
    for items, parent, priced in lines:
        if priced:
            denormalized.append({"table": items, "column": "unit_price", "source": f"{priced}.price at the time",
                                 "reason": f"a line keeps the price it was made at, whatever later happens to "
                                           f"{priced}",
                                 "kept_in_sync_by": "copied once when the item is created; never updated"})
        total = _money(by_name[parent], r"(total|amount)")
        if total:
            denormalized.append({"table": parent, "column": total, "source": f"sum of {items}.quantity × unit_price",
                                 "reason": f"listing {parent} with their totals must not aggregate {items} per row",
                                 "kept_in_sync_by": f"the same transaction that writes the {items}"})
    return {"target": "3NF", "denormalizations": denormalized,
            "rationale": "Every non-key column depends on the key, the whole key and nothing but the key; one fact "
                         "lives in one row, so writes cannot make copies disagree. Only the denormalizations listed "
                         "are deliberate, each with what keeps it right."}


def _migrations(plan: PlanView, tables: list[dict[str, Any]]) -> dict[str, Any]:
    big = max(tables, key=lambda t: (len([c for c in t["columns"] if c.get("references")]), len(t["columns"])))
    name = big["name"]
    return {
        "tool": "alembic",
        "strategy": "Expand/contract: every migration is backward compatible with the version still running, so "
                    "deploys never need downtime; `migrations/versions/0001_initial.py` creates this schema.",
        "rules": ["CREATE INDEX CONCURRENTLY for indexes on tables in use (outside a transaction)",
                  "SET lock_timeout = '5s' before any ALTER TABLE, and retry rather than queue behind long locks",
                  "add foreign keys and CHECKs NOT VALID, then VALIDATE CONSTRAINT separately",
                  "backfill in batches of 10,000 rows, never in the migration's own transaction"],
        "risky_changes": [
            {"name": f"add a required column to {name}", "steps": [
                {"phase": "expand", "description": f"ALTER TABLE {name} ADD COLUMN … NULL (no default rewrite)"},
                {"phase": "migrate", "description": "deploy code that writes it; backfill old rows in batches"},
                {"phase": "contract", "description": "ADD CONSTRAINT … CHECK (col IS NOT NULL) NOT VALID, VALIDATE, "
                                                     "then SET NOT NULL"}]},
            {"name": f"rename a column of {name}", "steps": [
                {"phase": "expand", "description": "add the new column; write both from the application"},
                {"phase": "migrate", "description": "backfill the new column; switch reads to it"},
                {"phase": "contract", "description": "stop writing the old column; drop it one release later"}]},
        ],
    }


def _scaling(plan: PlanView, tables: list[dict[str, Any]]) -> dict[str, Any]:
    kb, cap, nfr = plan.kb, plan.capacity, plan.brief.non_functional
    hit = cache_hit_ratio(plan)
    peak_reads, peak_writes = cap.value("peak_read_qps") * (1 - hit), cap.value("peak_write_qps")
    stored_gb = cap.value("storage_retention_gb")
    max_reads = kb.default("postgres_primary_max_reads_per_second", 5000)
    max_writes = kb.default("postgres_primary_max_writes_per_second", 2000)
    replica_from = kb.default("read_replica_min_read_qps", 1000)
    shard_writes = kb.default("sharding_min_write_qps", max_writes)
    shard_storage_gb = kb.default("sharding_min_storage_tb", 2) * 1000
    out: dict[str, Any] = {"read_replicas": 0, "replication": "none", "partitioning": [], "sharding": None}
    reasons = [f"{peak_reads:,.0f} reads/s reach the database"
               + (f" (after a {hit:.0%} cache hit ratio on {cap.value('peak_read_qps'):,.0f} reads/s)" if hit else "")
               + f" and {peak_writes:,.0f} writes/s at peak, {stored_gb:,.0f} GB over the retention period"]
    if peak_reads >= replica_from:
        replicas = min(15, max(1, math.ceil(peak_reads / max_reads)))
        out.update(read_replicas=replicas, replication="async_streaming",
                   failover="promote the most caught-up replica (Patroni or the managed service's failover)")
        reasons.append(f"{replicas} read replica(s): reads reach {replica_from:,}/s or more and one primary serves "
                       f"about {max_reads:,}/s; reads that must see their own writes go to the primary")
    else:
        reasons.append(f"no read replicas: below {replica_from:,} reads/s one primary serves the reads")
        if nfr.availability is not None and nfr.availability >= 99.9:
            out.update(replication="sync_streaming" if nfr.availability >= 99.99 else "async_streaming",
                       failover=f"a hot standby (not used for reads) for the {nfr.availability:g} % availability "
                                "target, promoted automatically")
    largest = _largest_table(plan, tables)
    if stored_gb >= kb.default("partitioning_min_storage_gb", 1000) and largest:
        out["partitioning"].append({"table": largest, "column": "created_at", "strategy": "range",
                                    "scheme": "monthly partitions, old ones detached and archived",
                                    "reason": f"{stored_gb:,.0f} GB over the retention: time-range partitions keep "
                                              "indexes small and make retention a DROP, not a DELETE"})
        reasons.append(f"{largest} partitioned by month")
    if peak_writes >= shard_writes or stored_gb >= shard_storage_gb:
        key = f"{plan.domain.tenant or plan.domain.actor}_id" if (plan.domain.tenant or plan.domain.actor) else None
        sharded = [t["name"] for t in tables if key and any(c["name"] == key for c in t["columns"])]
        if key and sharded:
            shards = 2 ** math.ceil(math.log2(max(4, peak_writes / (max_writes / 2), stored_gb / 1000)))
            out["sharding"] = {"shard_key": key, "strategy": "hash", "shards": int(shards), "tables": sharded,
                               "reason": f"{peak_writes:,.0f} writes/s at peak or {stored_gb:,.0f} GB exceed one "
                                         f"primary (about {max_writes:,} writes/s, {shard_storage_gb:,.0f} GB "
                                         f"comfortable); every query of these tables carries {key}",
                               "rebalancing": "many logical shards (Citus or a directory) over few nodes; move "
                                              "whole shards when nodes are added"}
            reasons.append(f"sharded by {key} into {int(shards)} shards")
        else:
            reasons.append(f"{peak_writes:,.0f} writes/s or {stored_gb:,.0f} GB would need sharding, but no table "
                           "carries a tenant or user key to shard by: choose a shard key (open question)")
    else:
        reasons.append(f"no sharding: below {shard_writes:,} writes/s and {shard_storage_gb:,.0f} GB one primary "
                       "holds the data")
    out["rationale"] = "; ".join(reasons) + "."
    return out


def _largest_table(plan: PlanView, tables: list[dict[str, Any]]) -> str | None:
    """The table that grows fastest: the entity with the most parents (children accumulate)."""
    entities = [(len(e.parents), n) for n, e in plan.domain.entities.items()]
    if not entities:
        return None
    _, name = max(entities)
    return plan.tables[name] if any(t["name"] == plan.tables[name] for t in tables) else None


def _nosql(plan: PlanView) -> list[dict[str, Any]]:
    cap = plan.capacity
    models = []
    if plan.redirect_owner and cap.value("peak_read_qps") >= plan.kb.default("read_replica_min_read_qps", 1000):
        table = plan.tables[plan.redirect_owner]
        code = plan.redirect_code
        models.append({
            "name": f"{table}_by_{code}", "engine": "redis", "kind": "key_value",
            "reasoning": f"The redirect is one key lookup at {cap.value('peak_read_qps'):,.0f} reads/s with a "
                         "50 ms p99 budget; a key-value read model answers it from memory and spares the primary.",
            "source_of_truth": f"a read model of PostgreSQL's {table}, written on create and deleted on delete",
            "items": [{"entity": plan.redirect_owner, "partition_key": f"{table}:{{{code}}}",
                       "attributes": ["target_url", "expires_at"]}],
            "access_patterns": [{"name": f"resolve_{code}", "key_condition": f"GET {table}:{{{code}}}",
                                 "description": "resolve a short code on the redirect path"}],
            "ttl_attribute": "expires_at"})
    if re.search(r"\b(feeds?|timelines?)\b", plan.domain.corpus) and plan.large:
        models.append({
            "name": "home_timeline", "engine": "cassandra", "kind": "wide_column",
            "reasoning": "Home timelines are read far more than written; fanning out on write into one partition "
                         "per user makes each read a single-partition slice instead of a join over followees.",
            "source_of_truth": "derived from PostgreSQL by the fan-out consumer; rebuildable",
            "items": [{"entity": "timeline entry", "partition_key": "user_id", "sort_key": "created_at desc",
                       "attributes": ["item_id", "author_id", "created_at"]}],
            "access_patterns": [{"name": "home_timeline_page", "key_condition": "user_id = ? AND created_at < ?",
                                 "description": "one page of a user's timeline, newest first"}]})
    return models


def data_capabilities(plan: PlanView, schema: dict[str, Any]) -> None:
    tables = schema["tables"]
    schema["normalization"] = _normalization(plan, tables)
    schema["access_patterns"] = _access_patterns(plan, tables)
    schema["nosql_models"] = _nosql(plan)
    schema["migrations"] = _migrations(plan, tables)
    schema["scaling"] = _scaling(plan, tables)
