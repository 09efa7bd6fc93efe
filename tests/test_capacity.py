"""estimate_capacity against worked numbers that someone else published (system-design-primer)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from backend_architect.spec.sizing import SECONDS_PER_MONTH, estimate_capacity
from backend_architect.spec.capacity import CapacityInputs

# (problem, inputs, {figure: the primer's number}); the primer rounds a month to 2.5 million seconds.
PRIMER = [
    ("pastebin", {"writes_per_month": 10e6, "reads_per_month": 100e6, "avg_write_kb": 1.27},
     {"avg_write_qps": 4, "avg_read_qps": 40, "storage_per_month_gb": 12.7, "storage_retention_gb": 450}),
    ("twitter timeline", {"writes_per_month": 15e9, "reads_per_month": 250e9, "avg_write_kb": 10},
     {"avg_write_qps": 6000, "avg_read_qps": 100_000, "storage_per_month_gb": 150_000}),
    ("web crawler", {"writes_per_month": 1e9, "reads_per_month": 100e9, "avg_write_kb": 500},
     {"avg_write_qps": 400, "avg_read_qps": 40_000, "storage_per_month_gb": 500_000}),
    ("mint", {"writes_per_month": 5e9, "reads_per_month": 500e6, "avg_write_kb": 0.05},
     {"avg_write_qps": 2000, "avg_read_qps": 200, "storage_per_month_gb": 250}),
]


@pytest.mark.parametrize("name,inputs,expected", PRIMER, ids=[p[0] for p in PRIMER])
def test_reproduces_the_primer_within_five_percent(name, inputs, expected):
    estimate = estimate_capacity(CapacityInputs(**inputs))
    for figure, published in expected.items():
        assert estimate.value(figure) == pytest.approx(published, rel=0.05), figure


def test_every_figure_shows_its_formula_and_unit():
    estimate = estimate_capacity(CapacityInputs(writes_per_month=10e6, reads_per_month=100e6, avg_write_kb=1.27))
    names = [f.name for f in estimate.figures]
    assert names[:6] == ["avg_write_qps", "avg_read_qps", "peak_write_qps", "peak_read_qps", "storage_per_month_gb",
                         "storage_retention_gb"]
    assert {"ingress_mbps", "egress_mbps", "cache_memory_gb", "app_instances", "db_connections_total",
            "db_pool_per_instance"} <= set(names)
    assert all(f.formula and f.unit for f in estimate.figures)
    assert f"{SECONDS_PER_MONTH:,}" in estimate.figure("avg_write_qps").formula


def test_a_stated_peak_is_split_by_the_ratio_not_multiplied():
    estimate = estimate_capacity(CapacityInputs(peak_rps=1100, read_write_ratio=10))
    assert estimate.value("peak_read_qps") == pytest.approx(1000)
    assert estimate.value("peak_write_qps") == pytest.approx(100)
    assert estimate.value("avg_write_qps") == pytest.approx(1100 / 3 / 11, rel=0.01)
    assert estimate.assumptions == []


def test_users_times_actions_and_the_assumed_peak_is_said():
    estimate = estimate_capacity(CapacityInputs(daily_active_users=86_400, writes_per_user_per_day=2,
                                                reads_per_user_per_day=20))
    assert estimate.value("avg_write_qps") == 2 and estimate.value("avg_read_qps") == 20
    assert estimate.value("peak_read_qps") == 60
    assert any("3× the average" in a for a in estimate.assumptions)


def test_connections_follow_littles_law_and_instances_the_peak():
    estimate = estimate_capacity(CapacityInputs(peak_rps=3000, read_write_ratio=5, avg_query_ms=10))
    assert estimate.value("app_instances") == 10  # 3000 / 300 per instance
    assert estimate.value("db_connections_total") == 60  # 2 × 3000/s × 0.010 s
    assert estimate.value("db_pool_per_instance") == 6


def test_too_few_inputs_is_a_clear_error():
    with pytest.raises(ValidationError, match="give writes_per_month"):
        CapacityInputs(daily_active_users=1000)
