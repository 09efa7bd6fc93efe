"""The whole design, and the checks that tie its artifacts together."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ..brief import Brief
from ._base import StrictModel
from .api import ApiSpecification
from .data import DatabaseSchema
from .services import ServiceArchitecture

__all__ = ["Design", "FinishDesign", "GeneratedBy", "TraceItem", "cross_check"]



class TraceItem(StrictModel):
    requirement_id: str
    endpoints: list[str] = Field(default_factory=list, description="'METHOD /path' of the API specification")
    tables: list[str] = Field(default_factory=list)
    services: list[str] = Field(default_factory=list)
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
    traceability: list[TraceItem] = Field(default_factory=list)
    open_questions: list[str] = Field(default_factory=list)
    knowledge_consulted: list[str] = Field(default_factory=list)


def cross_check(
    brief: Brief,
    api: ApiSpecification | None,
    data: DatabaseSchema | None,
    services: ServiceArchitecture | None,
    finish: FinishDesign | None = None,
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
    if finish is not None:
        wanted = brief.requirement_ids()
        traced = [item.requirement_id for item in finish.traceability]
        for rid in wanted:
            if rid not in traced:
                errors.append(f"finish_design: requirement {rid} is not traced; add a traceability item for it")
        for rid in traced:
            if rid not in wanted:
                errors.append(f"finish_design: {rid!r} is not a requirement id of the brief (ids: {', '.join(wanted)})")
        for item in finish.traceability:
            for ref in item.endpoints:
                if endpoint_keys is not None and ref not in endpoint_keys:
                    errors.append(f"finish_design: {item.requirement_id} points at {ref!r}, which is not an API endpoint")
            for table in item.tables:
                if tables is not None and table not in tables:
                    errors.append(f"finish_design: {item.requirement_id} points at unknown table {table!r}")
            for name in item.services:
                if service_names is not None and name not in service_names:
                    errors.append(f"finish_design: {item.requirement_id} points at unknown service {name!r}")
            if not (item.endpoints or item.tables or item.services):
                errors.append(f"finish_design: {item.requirement_id} is traced to nothing; name what satisfies it")
    return errors
