"""The whole design, and the checks that tie its artifacts together."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ..inputs.brief import Brief
from ._base import StrictModel
from .api import ApiSpecification
from .capacity import CapacityEstimate
from .data import DatabaseSchema
from .decisions import Decision
from .graphql import GraphQLSpecification
from .performance import PerformancePlan
from .services import ServiceArchitecture

__all__ = ["Design", "FinishDesign", "GeneratedBy", "TraceItem", "cross_check"]



class TraceItem(StrictModel):
    requirement_id: str
    endpoints: list[str] = Field(default_factory=list, description="'METHOD /path' of the API specification")
    tables: list[str] = Field(default_factory=list)
    services: list[str] = Field(default_factory=list)
    events: list[str] = Field(default_factory=list)
    access_patterns: list[str] = Field(default_factory=list, description="names from database_schema.access_patterns")
    graphql_fields: list[str] = Field(default_factory=list, description="'Query.products', 'Mutation.placeOrder'")
    notes: str = ""


class FinishDesign(StrictModel):
    """The arguments of `finish_design`."""

    summary: str = Field(min_length=1, description="two to five sentences: what is built and the key choices")
    traceability: list[TraceItem] = Field(description="one item per requirement id of the brief")
    open_questions: list[str] = Field(default_factory=list, description="assumptions to confirm with the people")


class GeneratedBy(StrictModel):
    model: str
    builtin: bool
    tool_version: str


class Design(StrictModel):
    """What design.json holds. `status` says whether every artifact was produced."""

    title: str
    status: Literal["complete", "incomplete"] = "complete"
    failure: str | None = None
    generated_by: GeneratedBy
    brief: Brief
    summary: str = ""
    api_specification: ApiSpecification | None = None
    database_schema: DatabaseSchema | None = None
    microservices: ServiceArchitecture | None = None
    graphql: GraphQLSpecification | None = None
    capacity: CapacityEstimate | None = None
    performance: PerformancePlan | None = None
    decisions: list[Decision] = Field(default_factory=list)
    traceability: list[TraceItem] = Field(default_factory=list)
    open_questions: list[str] = Field(default_factory=list)
    knowledge_consulted: list[str] = Field(default_factory=list)


def cross_check(
    brief: Brief,
    api: ApiSpecification | None,
    data: DatabaseSchema | None,
    services: ServiceArchitecture | None,
    finish: FinishDesign | None = None,
    performance: PerformancePlan | None = None,
    graphql_fields: set[str] | None = None,
) -> list[str]:
    """Errors in how the artifacts refer to each other. Each is a sentence the model can act on."""
    errors: list[str] = []
    endpoint_keys = api.endpoint_keys() if api else None
    tables = data.table_names() if data else None
    service_names = {s.name for s in services.services} if services else None
    if services:
        for service in services.services:
            if tables is not None:
                for table in service.owned_tables:
                    if table not in tables:
                        errors.append(f"microservices: {service.name} owns {table!r}, which is not a table of the schema")
            if endpoint_keys is not None:
                for ref in service.endpoints:
                    if ref not in endpoint_keys:
                        errors.append(f"microservices: {service.name} lists {ref!r}, which is not an API endpoint")
        if tables is not None:
            unowned = sorted(t for t in tables if services.owner_of(t) is None)
            if unowned:
                errors.append(f"microservices: tables {unowned} are owned by no service; give each table one owner")
            for box in services.outbox:
                if box.table not in tables:
                    errors.append(f"microservices: outbox table {box.table!r} of {box.service} is not in the schema")
                elif services.owner_of(box.table) != box.service:
                    errors.append(f"microservices: outbox table {box.table!r} must be owned by {box.service}, which "
                                  "writes it in the same transaction as its data")
    if performance and endpoint_keys is not None:
        for cache in performance.caching:
            for ref in cache.endpoints:
                if ref not in endpoint_keys:
                    errors.append(f"performance: cache {cache.name} serves {ref!r}, which is not an API endpoint")
    if finish is not None:
        errors += _check_trace(brief, finish, endpoint_keys, tables, service_names, data, services, graphql_fields)
    return errors


def _check_trace(brief: Brief, finish: FinishDesign, endpoint_keys: set[str] | None, tables: set[str] | None,
                 service_names: set[str] | None, data: DatabaseSchema | None, services: ServiceArchitecture | None,
                 graphql_fields: set[str] | None) -> list[str]:
    errors: list[str] = []
    wanted = brief.requirement_ids()
    traced = [item.requirement_id for item in finish.traceability]
    for rid in wanted:
        if rid not in traced:
            errors.append(f"finish_design: requirement {rid} is not traced; add a traceability item for it")
    for rid in traced:
        if rid not in wanted:
            errors.append(f"finish_design: {rid!r} is not a requirement id of the brief (ids: {', '.join(wanted)})")
    events = {e.name for e in services.events} if services else None
    patterns = {p.name for p in data.access_patterns} if data else None
    for item in finish.traceability:
        rid = item.requirement_id
        checks = [(item.endpoints, endpoint_keys, "API endpoint"), (item.tables, tables, "table"),
                  (item.services, service_names, "service"), (item.events, events, "event"),
                  (item.access_patterns, patterns, "access pattern"),
                  (item.graphql_fields, graphql_fields, "GraphQL field")]
        for refs, known, what in checks:
            for ref in refs:
                if known is not None and ref not in known:
                    errors.append(f"finish_design: {rid} points at {ref!r}, which is not a known {what}")
        if not (item.endpoints or item.tables or item.services or item.events or item.graphql_fields
                or item.access_patterns):
            errors.append(f"finish_design: {rid} is traced to nothing; name what satisfies it")
    return errors
