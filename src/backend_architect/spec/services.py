"""The service architecture: the contract `emit_service_architecture` fills in."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, model_validator

from ._base import StrictModel, no_duplicates as _no_duplicates

__all__ = ["ApiGateway", "Dependency", "Event", "GatewayRoute", "Infrastructure", "Service", "ServiceArchitecture"]

SERVICE_NAME = r"^[a-z][a-z0-9-]{0,62}$"
EVENT_NAME = r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$"
ENDPOINT_REF = re.compile(r"^(GET|POST|PUT|PATCH|DELETE) /\S*$")



class Dependency(StrictModel):
    service: str = Field(pattern=SERVICE_NAME)
    protocol: Literal["rest", "grpc", "event", "in_process"]
    reason: str = Field(min_length=1)


class Service(StrictModel):
    name: str = Field(pattern=SERVICE_NAME, description="kebab-case, e.g. order-service")
    kind: Literal["service", "module"] = Field(
        default="service", description="'module' inside a modular monolith, 'service' when deployed on its own"
    )
    description: str = Field(min_length=1)
    responsibilities: list[str] = Field(min_length=1)
    owned_tables: list[str] = Field(default_factory=list, description="tables this service alone writes")
    endpoints: list[str] = Field(default_factory=list, description="'METHOD /path' as in the API specification")
    events_published: list[str] = Field(default_factory=list)
    events_subscribed: list[str] = Field(default_factory=list)
    depends_on: list[Dependency] = Field(default_factory=list)
    scaling: str = Field(default="", description="how it scales, e.g. 'stateless, 2-6 replicas on CPU'")

    @model_validator(mode="after")
    def _check(self) -> Service:
        for ref in self.endpoints:
            if not ENDPOINT_REF.match(ref):
                raise ValueError(f"service {self.name}: endpoint {ref!r} must look like 'GET /api/v1/orders'")
        for event in self.events_published + self.events_subscribed:
            if not re.match(EVENT_NAME, event):
                raise ValueError(f"service {self.name}: event {event!r} must look like 'order.placed'")
        return self


class Event(StrictModel):
    name: str = Field(pattern=EVENT_NAME, description="entity.past_tense_verb, e.g. order.placed")
    description: str = Field(min_length=1)
    payload_fields: list[str] = Field(default_factory=list)


class GatewayRoute(StrictModel):
    path_prefix: str = Field(pattern=r"^/\S*$")
    service: str = Field(pattern=SERVICE_NAME)


class ApiGateway(StrictModel):
    name: str = "api-gateway"
    technology: str = ""
    features: list[str] = Field(default_factory=list, description="e.g. authentication, rate_limiting, request_logging")
    routes: list[GatewayRoute] = Field(default_factory=list)


class Infrastructure(StrictModel):
    api_gateway: ApiGateway | None = None
    service_discovery: str = Field(default="", description="how services find each other, e.g. DNS")
    message_broker: str | None = Field(default=None, description="e.g. Kafka, RabbitMQ; none when no events")
    databases: list[str] = Field(default_factory=list, description="e.g. PostgreSQL 16 (primary)")
    caches: list[str] = Field(default_factory=list)


class ServiceArchitecture(StrictModel):
    style: Literal["modular_monolith", "microservices"]
    rationale: str = Field(min_length=1)
    services: list[Service] = Field(min_length=1)
    events: list[Event] = Field(default_factory=list)
    infrastructure: Infrastructure = Field(default_factory=Infrastructure)

    @model_validator(mode="after")
    def _references(self) -> ServiceArchitecture:
        names = {s.name for s in self.services}
        _no_duplicates([s.name for s in self.services], "service")
        _no_duplicates([e.name for e in self.events], "event")
        declared = {e.name for e in self.events}
        for service in self.services:
            for dep in service.depends_on:
                if dep.service not in names:
                    raise ValueError(f"service {service.name} depends on unknown service {dep.service!r}")
                if dep.service == service.name:
                    raise ValueError(f"service {service.name} depends on itself")
            for event in service.events_published + service.events_subscribed:
                if event not in declared:
                    raise ValueError(f"service {service.name}: event {event!r} is not declared in 'events'")
        owners: dict[str, str] = {}
        for service in self.services:
            for table in service.owned_tables:
                if table in owners:
                    raise ValueError(
                        f"table {table!r} is owned by both {owners[table]} and {service.name}; one service writes a table"
                    )
                owners[table] = service.name
        gateway = self.infrastructure.api_gateway
        for route in gateway.routes if gateway else []:
            if route.service not in names:
                raise ValueError(f"gateway route {route.path_prefix} points at unknown service {route.service!r}")
        return self

    def owner_of(self, table: str) -> str | None:
        return next((s.name for s in self.services if table in s.owned_tables), None)
