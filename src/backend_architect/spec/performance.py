"""Performance and scalability: the contract `emit_performance_plan` fills in.

Capacity figures are not here: the model never does arithmetic, `estimate_capacity` does
(see `spec/capacity.py`), and this plan refers to its results in words.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, model_validator

from ._base import StrictModel, no_duplicates as _no_duplicates

__all__ = ["Alert", "Bottleneck", "CacheLayer", "LoadBalancing", "Monitoring", "PerformancePlan", "ScalingRule", "Slo"]

_ENDPOINT = re.compile(r"^(GET|POST|PUT|PATCH|DELETE) /\S*$")


class CacheLayer(StrictModel):
    name: str = Field(pattern=r"^[a-z][a-z0-9_-]{0,63}$")
    layer: Literal["client", "cdn", "gateway", "application", "database"]
    what: str = Field(min_length=1, description="what is cached, e.g. product detail responses")
    technology: str = Field(default="", description="e.g. Redis 7, CloudFront, Cache-Control headers")
    key_pattern: str = Field(default="", description="e.g. v1:product:{id}")
    ttl_seconds: int = Field(ge=0)
    invalidation: str = Field(min_length=1, description="how an update reaches readers: delete on write, TTL, …")
    stampede_protection: str = Field(default="", description="e.g. request coalescing, TTL jitter, early refresh")
    endpoints: list[str] = Field(default_factory=list, description="'METHOD /path' of the API it serves")

    @model_validator(mode="after")
    def _check(self) -> CacheLayer:
        for ref in self.endpoints:
            if not _ENDPOINT.match(ref):
                raise ValueError(f"cache {self.name}: endpoint {ref!r} must look like 'GET /api/v1/products'")
        if self.layer in ("application", "gateway") and not self.stampede_protection:
            raise ValueError(f"cache {self.name}: a shared {self.layer} cache needs stampede_protection")
        return self


class LoadBalancing(StrictModel):
    layer: Literal["l4", "l7"] = "l7"
    algorithm: Literal["round_robin", "least_connections", "power_of_two_choices", "consistent_hash", "ip_hash"]
    health_check: str = Field(min_length=1, description="e.g. GET /healthz every 5 s, 2 failures to eject")
    sticky_sessions: bool = False
    notes: str = ""


class ScalingRule(StrictModel):
    component: str = Field(min_length=1, description="a service, the database, the cache, …")
    direction: Literal["horizontal", "vertical", "none"]
    min_instances: int = Field(default=1, ge=1)
    max_instances: int = Field(default=1, ge=1)
    trigger: str = Field(default="", description="e.g. CPU > 60 % for 5 min, p99 latency > 300 ms")
    reason: str = Field(min_length=1)

    @model_validator(mode="after")
    def _bounds(self) -> ScalingRule:
        if self.max_instances < self.min_instances:
            raise ValueError(f"scaling of {self.component}: max_instances is below min_instances")
        if self.direction == "horizontal" and not self.trigger:
            raise ValueError(f"scaling of {self.component}: horizontal scaling needs a trigger")
        return self


class Slo(StrictModel):
    name: str = Field(min_length=1)
    indicator: str = Field(min_length=1, description="e.g. share of GET requests answered under 300 ms")
    objective: str = Field(min_length=1, description="e.g. 99.9 % over 30 days")


class Alert(StrictModel):
    name: str = Field(min_length=1)
    condition: str = Field(min_length=1, description="e.g. error budget burn rate > 14.4 over 1 h")
    severity: Literal["page", "ticket"]


class Monitoring(StrictModel):
    slos: list[Slo] = Field(min_length=1)
    red_metrics: list[str] = Field(min_length=1, description="rate, errors, duration per service/endpoint")
    use_metrics: list[str] = Field(min_length=1, description="utilisation, saturation, errors per resource")
    alerts: list[Alert] = Field(min_length=1)
    tracing: str = ""
    logging: str = ""


class Bottleneck(StrictModel):
    component: str = Field(min_length=1)
    limit: str = Field(min_length=1, description="what runs out first, with its capacity")
    first_at: str = Field(min_length=1, description="the load at which it binds, from the capacity estimate")
    relief: str = Field(min_length=1, description="what relieves it, in order")


class PerformancePlan(StrictModel):
    caching: list[CacheLayer] = Field(default_factory=list)
    load_balancing: LoadBalancing
    scaling: list[ScalingRule] = Field(min_length=1)
    monitoring: Monitoring
    bottlenecks: list[Bottleneck] = Field(min_length=1, description="in the order they bind as load grows")

    @model_validator(mode="after")
    def _unique(self) -> PerformancePlan:
        _no_duplicates([c.name for c in self.caching], "cache")
        _no_duplicates([s.component for s in self.scaling], "scaling component")
        return self
