"""Back-of-the-envelope capacity arithmetic, deterministic, with the formula of every figure.

The conventions are system-design-primer's, so its worked examples check this code: a month is
30 days (2,592,000 s; the primer rounds to 2.5 million), sizes are decimal (1 KB = 1000 bytes,
1 GB = 10^9 bytes), peaks are the average times a peak-to-average ratio unless a peak is stated.
"""

from __future__ import annotations

import math

from .capacity import CapacityEstimate, CapacityFigure, CapacityInputs

__all__ = ["SECONDS_PER_DAY", "SECONDS_PER_MONTH", "estimate_capacity"]

SECONDS_PER_DAY = 86_400
SECONDS_PER_MONTH = 30 * SECONDS_PER_DAY


def _round(value: float) -> float:
    """Three significant figures: the precision an estimate deserves."""
    if value == 0 or not math.isfinite(value):
        return value
    return round(value, max(0, 2 - int(math.floor(math.log10(abs(value))))))


def estimate_capacity(inputs: CapacityInputs) -> CapacityEstimate:
    i = inputs
    figures: list[CapacityFigure] = []
    assumptions: list[str] = list(i.assumptions)

    def add(name: str, value: float, unit: str, formula: str) -> float:
        figures.append(CapacityFigure(name=name, value=_round(value), unit=unit, formula=formula))
        return value

    # Average write and read rates, from whichever inputs were given (most direct first).
    if i.writes_per_month is not None:
        writes = i.writes_per_month / SECONDS_PER_MONTH
        write_formula = f"writes_per_month / {SECONDS_PER_MONTH:,} s = {i.writes_per_month:,.0f} / {SECONDS_PER_MONTH:,}"
    elif i.daily_active_users is not None and i.writes_per_user_per_day is not None:
        writes = i.daily_active_users * i.writes_per_user_per_day / SECONDS_PER_DAY
        write_formula = (f"daily_active_users × writes_per_user_per_day / {SECONDS_PER_DAY:,} s = "
                         f"{i.daily_active_users:,} × {i.writes_per_user_per_day:g} / {SECONDS_PER_DAY:,}")
    else:
        assert i.peak_rps is not None and i.read_write_ratio is not None  # guaranteed by CapacityInputs
        writes = i.peak_rps / i.peak_to_average / (1 + i.read_write_ratio)
        write_formula = (f"peak_rps / peak_to_average / (1 + read_write_ratio) = {i.peak_rps:g} / "
                         f"{i.peak_to_average:g} / {1 + i.read_write_ratio:g}")
    if i.reads_per_month is not None:
        reads = i.reads_per_month / SECONDS_PER_MONTH
        read_formula = f"reads_per_month / {SECONDS_PER_MONTH:,} s = {i.reads_per_month:,.0f} / {SECONDS_PER_MONTH:,}"
    elif i.daily_active_users is not None and i.reads_per_user_per_day is not None:
        reads = i.daily_active_users * i.reads_per_user_per_day / SECONDS_PER_DAY
        read_formula = (f"daily_active_users × reads_per_user_per_day / {SECONDS_PER_DAY:,} s = "
                        f"{i.daily_active_users:,} × {i.reads_per_user_per_day:g} / {SECONDS_PER_DAY:,}")
    elif i.read_write_ratio is not None:
        reads = writes * i.read_write_ratio
        read_formula = f"avg_write_qps × read_write_ratio = {writes:.3g} × {i.read_write_ratio:g}"
    else:
        reads = writes
        read_formula = "avg_write_qps (no read volume or ratio given: assumed 1:1)"
        assumptions.append("No read volume or read:write ratio was given; reads are assumed equal to writes.")
    add("avg_write_qps", writes, "req/s", write_formula)
    add("avg_read_qps", reads, "req/s", read_formula)

    if i.peak_rps is not None:
        share = writes / (writes + reads) if writes + reads else 0.0
        peak_writes, peak_reads = i.peak_rps * share, i.peak_rps * (1 - share)
        add("peak_write_qps", peak_writes, "req/s", f"peak_rps × write share = {i.peak_rps:g} × {share:.3g}")
        add("peak_read_qps", peak_reads, "req/s", f"peak_rps × read share = {i.peak_rps:g} × {1 - share:.3g}")
    else:
        peak_writes, peak_reads = writes * i.peak_to_average, reads * i.peak_to_average
        add("peak_write_qps", peak_writes, "req/s", f"avg_write_qps × peak_to_average = {writes:.3g} × "
            f"{i.peak_to_average:g}")
        add("peak_read_qps", peak_reads, "req/s", f"avg_read_qps × peak_to_average = {reads:.3g} × "
            f"{i.peak_to_average:g}")
        assumptions.append(f"Peak load is {i.peak_to_average:g}× the average (no peak was stated).")
    peak = peak_writes + peak_reads

    write_bytes = i.avg_write_kb * 1000
    read_kb = i.avg_read_kb if i.avg_read_kb is not None else i.avg_write_kb
    per_month_gb = writes * SECONDS_PER_MONTH * write_bytes / 1e9
    add("storage_per_month_gb", per_month_gb, "GB", f"writes per month × avg_write_kb = "
        f"{writes * SECONDS_PER_MONTH:,.0f} × {i.avg_write_kb:g} KB")
    months = i.retention_years * 12
    retained = add("storage_retention_gb", per_month_gb * months, "GB",
                   f"storage_per_month_gb × {months:g} months of retention")
    if i.replication_factor > 1:
        add("storage_provisioned_gb", retained * i.replication_factor, "GB",
            f"storage_retention_gb × replication_factor {i.replication_factor}")
    add("ingress_mbps", writes * i.avg_write_kb * 8 / 1000, "Mbit/s",
        f"avg_write_qps × avg_write_kb × 8 / 1000 = {writes:.3g} × {i.avg_write_kb:g} × 8 / 1000")
    add("egress_mbps", reads * read_kb * 8 / 1000, "Mbit/s",
        f"avg_read_qps × avg_read_kb × 8 / 1000 = {reads:.3g} × {read_kb:g} × 8 / 1000")
    daily_reads = reads * SECONDS_PER_DAY
    add("cache_memory_gb", daily_reads * read_kb * 1000 * i.cache_hot_fraction / 1e9, "GB",
        f"reads per day × avg_read_kb × cache_hot_fraction = {daily_reads:,.0f} × {read_kb:g} KB × "
        f"{i.cache_hot_fraction:g}")
    instances = max(i.min_instances, math.ceil(peak / i.instance_max_rps))
    add("app_instances", instances, "instances", f"max(min_instances, ceil(peak requests/s / instance_max_rps)) "
        f"= max({i.min_instances}, ceil({peak:.3g} / {i.instance_max_rps:g}))")
    # Little's law: queries in flight = arrival rate × time in the database; twice that for headroom.
    busy = peak * i.avg_query_ms / 1000
    total = max(i.min_instances * 2, math.ceil(busy * 2))
    add("db_connections_total", total, "connections", f"2 × peak requests/s × avg_query_ms (Little's law) = "
        f"2 × {peak:.3g} × {i.avg_query_ms:g} ms")
    add("db_pool_per_instance", max(2, math.ceil(total / instances)), "connections",
        f"ceil(db_connections_total / app_instances) = ceil({total} / {instances})")
    return CapacityEstimate(inputs=inputs, figures=figures, assumptions=assumptions)
