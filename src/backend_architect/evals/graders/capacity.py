"""Capacity figures within a tolerance of the worked numbers.

The design carries `capacity: {inputs: {...}, figures: [{name, value, unit, formula}, ...]}`
(figure names such as avg_write_qps, avg_read_qps, peak_write_qps, peak_read_qps,
storage_per_month_gb, storage_retention_gb). The expectation names figures and values:
`capacity: {avg_write_qps: 4, storage_per_month_gb: 12.7, tolerance: 0.05}`.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .base import Grade, GradeContext, register

__all__ = ["CapacityExpectation", "capacity"]


class CapacityExpectation(BaseModel):
    # Figure names are open-ended (more will come); every extra key must be a number.
    model_config = ConfigDict(extra="allow")

    tolerance: float = Field(default=0.1, ge=0, le=10, description="relative, e.g. 0.05 for ±5%")

    def figures(self) -> dict[str, float]:
        extra: dict[str, Any] = self.model_extra or {}
        bad = [k for k, v in extra.items() if isinstance(v, bool) or not isinstance(v, (int, float))]
        if bad:
            raise ValueError(f"capacity figure {bad[0]!r} must be a number")
        return {k: float(v) for k, v in extra.items()}

    @model_validator(mode="after")
    def _numbers(self) -> CapacityExpectation:
        self.figures()
        return self


def _within(have: float, want: float, tolerance: float) -> bool:
    if want == 0:
        return abs(have) <= tolerance
    return abs(have - want) / abs(want) <= tolerance


@register("capacity", expectation=CapacityExpectation)
def capacity(ctx: GradeContext, expected: CapacityExpectation) -> Grade:
    """Each expected figure of the design's capacity estimate is within the relative tolerance."""
    figures = ctx.section("capacity").get("figures")
    if not isinstance(figures, list) or not figures:
        return Grade("capacity", 0.0, "no capacity estimate in the design")
    have = {f.get("name"): f.get("value") for f in figures if isinstance(f, dict)}
    wanted = expected.figures()
    if not wanted:
        return Grade("capacity", 1.0, "a capacity estimate is present (no figures to check)")
    good, notes = 0, []
    for name, want in wanted.items():
        value = have.get(name)
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            notes.append(f"{name} missing")
        elif _within(float(value), want, expected.tolerance):
            good += 1
        else:
            notes.append(f"{name} {value:g}, expected {want:g} ±{expected.tolerance:.0%}")
    reason = f"{good}/{len(wanted)} figures within ±{expected.tolerance:.0%}"
    return Grade("capacity", good / len(wanted), reason + (f"; {'; '.join(notes)}" if notes else ""))
