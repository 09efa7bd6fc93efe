"""The service architecture: the contract `emit_service_architecture` fills in."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, model_validator

from ._base import StrictModel, no_duplicates as _no_duplicates

__all__ = [
    "ApiGateway",
    "Dependency",
    "Event",
    "EventField",
    "GatewayRoute",
    "Infrastructure",
    "Outbox",
    "Saga",
    "SagaStep",
    "Service",
    "ServiceArchitecture",
]

SERVICE_NAME = r"^[a-z][a-z0-9-]{0,62}$"
# Bounded: a grammar built from it (llama.cpp's json_schema mode) then ends a name; unbounded, the 1.5B model wrote
# "token_created_event_type_name_1234567890…" to the end of its 3,000-token answer.
EVENT_NAME = r"^[a-z][a-z0-9_]{0,62}(\.[a-z][a-z0-9_]{0,62}){1,3}$"
ENDPOINT_REF = re.compile(r"^(GET|POST|PUT|PATCH|DELETE) /\S*$")



class Dependency(StrictModel):
    service: str = Field(pattern=SERVICE_NAME)
    protocol: Literal["rest", "grpc", "event", "in_process"]
    reason: str = Field(min_length=1, description="why this edge is synchronous or asynchronous")
    timeout_ms: int | None = Field(default=None, gt=0, description="for synchronous calls")
    resilience: str = Field(default="", description="e.g. retry with backoff, circuit breaker, fallback")

    @property
    def synchronous(self) -> bool:
        return self.protocol in ("rest", "grpc")


class Service(StrictModel):
    name: str = Field(pattern=SERVICE_NAME, description="kebab-case, e.g. order-service")
    kind: Literal["service", "module"] = Field(
        default="service", description="'module' inside a modular monolith, 'service' when deployed on its own"
    )
    description: str = Field(min_length=1)
    bounded_context: str = Field(default="", description="the domain context this service owns")
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


class EventField(StrictModel):
    name: str = Field(pattern=r"^[a-z_][a-z0-9_]{0,63}$")
    type: Literal["string", "integer", "number", "boolean", "object", "array"] = "string"
    format: str | None = Field(default=None, description="e.g. uuid, date-time, decimal")
    required: bool = True
    description: str = ""


class Event(StrictModel):
    name: str = Field(pattern=EVENT_NAME, description="entity.past_tense_verb, e.g. order.placed")
    description: str = Field(min_length=1)
    payload: list[EventField] = Field(default_factory=list, description="the message body's fields (required)")
    key: str | None = Field(default=None, description="payload field the broker partitions by, for ordering")
    delivery: Literal["at_least_once", "at_most_once", "exactly_once"] = "at_least_once"

    @model_validator(mode="after")
    def _check(self) -> Event:
        names = [f.name for f in self.payload]
        _no_duplicates(names, f"payload field of {self.name}")
        if self.key:
            field = next((f for f in self.payload if f.name == self.key), None)
            if field is None:
                raise ValueError(f"event {self.name}: key {self.key!r} is not a payload field")
            if not field.required or field.type in ("object", "array"):
                raise ValueError(f"event {self.name}: the partition key {self.key!r} must be a required scalar field")
        return self


class SagaStep(StrictModel):
    service: str = Field(pattern=SERVICE_NAME)
    action: str = Field(min_length=1)
    compensation: str | None = Field(default=None, description="what undoes the action if a later step fails")
    event: str | None = Field(default=None, description="the event that reports this step done")


class Saga(StrictModel):
    name: str = Field(pattern=r"^[a-z][a-z0-9_-]{0,63}$")
    description: str = Field(min_length=1)
    coordination: Literal["orchestration", "choreography"]
    orchestrator: str | None = Field(default=None, pattern=SERVICE_NAME)
    steps: list[SagaStep] = Field(min_length=2)

    @model_validator(mode="after")
    def _check(self) -> Saga:
        if self.coordination == "orchestration" and not self.orchestrator:
            raise ValueError(f"saga {self.name}: orchestration needs an orchestrator service")
        for i, step in enumerate(self.steps[:-1], start=1):
            if not step.compensation:
                raise ValueError(f"saga {self.name}: step {i} ({step.service}: {step.action}) needs a compensation; "
                                 "only the last step may go without")
        return self


class Outbox(StrictModel):
    service: str = Field(pattern=SERVICE_NAME)
    table: str = Field(pattern=r"^[a-z_][a-z0-9_]{0,62}$", description="the outbox table, owned by the service")
    events: list[str] = Field(min_length=1)
    relay: Literal["polling", "cdc"] = Field(description="polling publisher, or change data capture (Debezium)")


class GatewayRoute(StrictModel):
    path_prefix: str = Field(pattern=r"^/\S{0,200}$")
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
    sagas: list[Saga] = Field(default_factory=list)
    outbox: list[Outbox] = Field(default_factory=list)
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
        self._check_transactions(names, declared)
        return self

    def _check_transactions(self, names: set[str], declared: set[str]) -> None:
        _no_duplicates([s.name for s in self.sagas], "saga")
        for saga in self.sagas:
            for service in [saga.orchestrator] + [step.service for step in saga.steps]:
                if service and service not in names:
                    raise ValueError(f"saga {saga.name}: unknown service {service!r}")
            for step in saga.steps:
                if step.event and step.event not in declared:
                    raise ValueError(f"saga {saga.name}: event {step.event!r} is not declared in 'events'")
        for box in self.outbox:
            service = self.service(box.service)
            if service is None:
                raise ValueError(f"outbox {box.table}: unknown service {box.service!r}")
            for event in box.events:
                if event not in service.events_published:
                    raise ValueError(f"outbox {box.table}: {box.service} does not publish {event!r}")

    def service(self, name: str) -> Service | None:
        return next((s for s in self.services if s.name == name), None)

    def owner_of(self, table: str) -> str | None:
        return next((s.name for s in self.services if table in s.owned_tables), None)
