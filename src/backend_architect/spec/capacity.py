"""Capacity planning: the inputs `estimate_capacity` takes and the figures it computes.

The model chooses the inputs (from the brief's numbers and stated assumptions); the arithmetic is
done by `backend_architect.spec.sizing`, never by the model.
"""

from __future__ import annotations

from pydantic import Field, model_validator

from ._base import StrictModel

__all__ = ["CapacityEstimate", "CapacityFigure", "CapacityInputs"]


class CapacityInputs(StrictModel):
    writes_per_month: float | None = Field(default=None, ge=0, description="e.g. 10000000 new pastes a month")
    reads_per_month: float | None = Field(default=None, ge=0)
    daily_active_users: int | None = Field(default=None, ge=0)
    writes_per_user_per_day: float | None = Field(default=None, ge=0)
    reads_per_user_per_day: float | None = Field(default=None, ge=0)
    read_write_ratio: float | None = Field(default=None, gt=0, description="reads per write")
    peak_rps: float | None = Field(default=None, ge=0, description="stated peak requests/s, reads and writes")
    peak_to_average: float = Field(default=3.0, ge=1, le=100)
    avg_write_kb: float = Field(default=1.0, ge=0, description="bytes stored per write, in KB (1 KB = 1000 B)")
    avg_read_kb: float | None = Field(default=None, ge=0, description="response size; default avg_write_kb")
    retention_years: float = Field(default=3.0, ge=0, le=100)
    replication_factor: int = Field(default=1, ge=1, le=10, description="stored copies (primary + replicas)")
    cache_hot_fraction: float = Field(default=0.2, gt=0, le=1,
                                      description="share of a day's reads worth caching (the 80/20 rule)")
    avg_query_ms: float = Field(default=5.0, gt=0, description="database time per request")
    instance_max_rps: float = Field(default=300.0, gt=0, description="requests/s one app instance serves")
    min_instances: int = Field(default=2, ge=1)
    assumptions: list[str] = Field(default_factory=list, description="what you assumed where the brief is silent")

    @model_validator(mode="after")
    def _enough(self) -> CapacityInputs:
        if not (self.writes_per_month is not None
                or (self.daily_active_users is not None and self.writes_per_user_per_day is not None)
                or (self.peak_rps is not None and self.read_write_ratio is not None)):
            raise ValueError("give writes_per_month, or daily_active_users with writes_per_user_per_day, or "
                             "peak_rps with read_write_ratio")
        return self


class CapacityFigure(StrictModel):
    name: str
    value: float
    unit: str
    formula: str


class CapacityEstimate(StrictModel):
    inputs: CapacityInputs
    figures: list[CapacityFigure]
    assumptions: list[str] = Field(default_factory=list)

    def figure(self, name: str) -> CapacityFigure | None:
        return next((f for f in self.figures if f.name == name), None)

    def value(self, name: str) -> float:
        figure = self.figure(name)
        if figure is None:
            raise KeyError(name)
        return figure.value
