"""Numbers that agree: partitioning, cache size, headroom, the broker, and the number of modules."""

from __future__ import annotations

from backend_architect.spec import CapacityInputs, PerformancePlan
from backend_architect.spec.sizing import estimate_capacity

from .briefaware import brief, bundle, col, found, schema, services, table

LINKS = [table("users", col("password_hash", "text")), table("links", col("user_id", fk="users")),
         table("clicks", col("link_id", fk="links"), col("country", "text"))]


def scaled(partitioned: str):
    return schema(*LINKS, scaling={"partitioning": [{"table": partitioned, "column": "id", "strategy": "hash",
                                                     "scheme": "16 partitions", "reason": "size"}],
                                   "rationale": "growth"})


def test_partitioning_a_slow_growing_table_is_reported_and_the_fastest_is_not():
    [finding] = found(bundle(data=scaled("users")), "numbers-partition-growth")
    assert finding.location == "scaling/users" and "clicks" in finding.message
    assert found(bundle(data=scaled("clicks")), "numbers-partition-growth") == []


def plan(*, redis: dict, app: dict, caching: list[dict] | None = None) -> PerformancePlan:
    return PerformancePlan.model_validate({
        "caching": caching or [{"name": "hot", "layer": "application", "what": "hot rows", "technology": "Redis 7",
                                "ttl_seconds": 60, "invalidation": "delete on write", "stampede_protection": "jitter"}],
        "load_balancing": {"algorithm": "round_robin", "health_check": "GET /healthz"},
        "scaling": [app, redis],
        "monitoring": {"slos": [{"name": "a", "indicator": "b", "objective": "c"}], "red_metrics": ["r"],
                       "use_metrics": ["u"], "alerts": [{"name": "a", "condition": "c", "severity": "page"}]},
        "bottlenecks": [{"component": "db", "limit": "l", "first_at": "f", "relief": "r"}]})


BIG = estimate_capacity(CapacityInputs(reads_per_month=300e9, writes_per_month=3e9, peak_rps=400_000, avg_write_kb=2))
APP_OK = {"component": "services", "direction": "horizontal", "min_instances": 2300, "max_instances": 4000,
          "trigger": "CPU above 60 %", "reason": "2300 instances carry the estimated peak with headroom"}
ONE_REDIS = {"component": "Redis", "direction": "vertical", "reason": "fits one node"}


def test_a_cache_beyond_one_node_must_say_how_it_is_split():
    [finding] = found(bundle(capacity=BIG, performance=plan(redis=ONE_REDIS, app=APP_OK)), "numbers-cache-split")
    assert "4,000 GB" in finding.message
    cluster = {"component": "Redis Cluster", "direction": "horizontal", "min_instances": 64, "max_instances": 128,
               "trigger": "memory above 70 %", "reason": "hash slots spread the hot set across 64 primaries"}
    assert found(bundle(capacity=BIG, performance=plan(redis=cluster, app=APP_OK)), "numbers-cache-split") == []


def test_instance_counts_without_the_claimed_headroom_are_reported():
    tight = {**APP_OK, "min_instances": 1334, "reason": "1334 instance(s) carry the estimated peak with headroom"}
    [finding] = found(bundle(capacity=BIG, performance=plan(redis=ONE_REDIS, app=tight)), "numbers-instance-headroom")
    assert "1334 instances" in finding.message and "60%" in finding.message
    assert found(bundle(capacity=BIG, performance=plan(redis=ONE_REDIS, app=APP_OK)), "numbers-instance-headroom") == []


def test_a_read_heavy_tight_latency_load_without_a_cache_layer_is_reported():
    """url-shortener: 4,000 req/s, 100 reads a write, p99 50 ms; the 1.5B model's plan (run 17) had no cache."""
    shortener = brief(["Anyone following a short link is redirected."], peak_rps=4000, read_write_ratio="100:1",
                      latency_p99_ms=50)
    db_only = plan(redis=ONE_REDIS, app=APP_OK, caching=[{"name": "pg", "layer": "database", "what": "buffers",
                                                          "ttl_seconds": 0, "invalidation": "none"}])
    [finding] = found(bundle(brief_=shortener, performance=db_only), "numbers-read-cache")
    assert "3,960 reads a second" in finding.message and "p99 50 ms" in finding.message
    assert found(bundle(brief_=shortener, performance=plan(redis=ONE_REDIS, app=APP_OK)), "numbers-read-cache") == []
    booking = brief(["Employees book equipment."], peak_rps=5, read_write_ratio="5:1", latency_p99_ms=500)
    assert found(bundle(brief_=booking, performance=db_only), "numbers-read-cache") == []  # 4 reads a second


def test_event_consumers_without_a_broker_are_reported():
    missing = services("orders", "billing", events=["order.placed"], subscribed={"billing": ["order.placed"]})
    [finding] = found(bundle(services_=missing), "numbers-broker-for-events")
    assert "billing" in finding.message
    named = services("orders", "billing", broker="RabbitMQ", events=["order.placed"],
                     subscribed={"billing": ["order.placed"]})
    assert found(bundle(services_=named), "numbers-broker-for-events") == []


def test_more_modules_than_the_team_or_the_domain_carries_are_reported():
    two_devs = brief(["Employees book equipment."], team_size=2)
    data = schema(table("employees", col("password_hash", "text")), table("equipment", col("name", "text")),
                  table("bookings", col("employee_id", fk="employees"), col("equipment_id", fk="equipment")))
    many = services("identity", "inventory", "booking", "notify", "audit", "reports")
    [finding] = found(bundle(brief_=two_devs, data=data, services_=many), "numbers-team-fit")
    assert "6 modules for 3 tables" in finding.message
    micro = services("identity", "booking", style="microservices")
    assert "team of 2" in found(bundle(brief_=two_devs, data=data, services_=micro), "numbers-team-fit")[0].message
    assert found(bundle(brief_=two_devs, data=data, services_=services("identity", "booking")), "numbers-team-fit") == []
