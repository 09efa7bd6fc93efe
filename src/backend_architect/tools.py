"""The tools the model may call: name → (arguments model, handler), and their JSON schemas.

Handlers validate with pydantic, then with the real validators (PostgreSQL's parser,
openapi-spec-validator), then across artifacts. Errors go back to the model as one compact
tool message it can act on; nothing here raises for bad model output.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .brief import Brief
from .knowledge import KnowledgeBase
from .spec import ApiSpecification, DatabaseSchema, FinishDesign, ServiceArchitecture, cross_check

__all__ = ["DesignState", "ToolOutcome", "ToolRegistry", "default_registry"]

MAX_ERRORS_SHOWN = 12


class SearchKnowledge(BaseModel):
    model_config = ConfigDict(extra="forbid")
    query: str = Field(min_length=1, max_length=500, description="what you need to decide, in a few words")
    k: int = Field(default=3, ge=1, le=8, description="how many sections to return")


class EmitDatabaseSchema(BaseModel):
    model_config = ConfigDict(extra="forbid")
    database_schema: DatabaseSchema


class EmitApiSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    api_specification: ApiSpecification


class EmitServiceArchitecture(BaseModel):
    model_config = ConfigDict(extra="forbid")
    microservices: ServiceArchitecture


@dataclass
class DesignState:
    """What the run has accepted so far. Only valid artifacts ever land here."""

    brief: Brief
    knowledge: KnowledgeBase
    api: ApiSpecification | None = None
    data: DatabaseSchema | None = None
    services: ServiceArchitecture | None = None
    finish: FinishDesign | None = None
    consulted: list[str] = field(default_factory=list)

    @property
    def missing(self) -> list[str]:
        wanted = [("emit_database_schema", self.data), ("emit_api_spec", self.api),
                  ("emit_service_architecture", self.services)]
        return [name for name, value in wanted if value is None]


@dataclass
class ToolOutcome:
    ok: bool
    content: str  # what the model is told
    summary: str = ""  # what a person is told
    errors: list[str] = field(default_factory=list)
    artifact: str | None = None
    finished: bool = False


Handler = Callable[[Any, DesignState], ToolOutcome]


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    arguments: type[BaseModel]
    handler: Handler

    def schema(self) -> dict[str, Any]:
        return {
            "type": "function",
            "function": {
                "name": self.name,
                "description": self.description,
                "parameters": self.arguments.model_json_schema(),
            },
        }


class ToolRegistry:
    def __init__(self, tools: list[Tool]):
        self._tools = {t.name: t for t in tools}

    @property
    def names(self) -> list[str]:
        return list(self._tools)

    def schemas(self) -> list[dict[str, Any]]:
        return [t.schema() for t in self._tools.values()]

    def call(self, name: str, arguments: str | None, state: DesignState) -> ToolOutcome:
        tool = self._tools.get(name)
        if tool is None:
            return _failure(name, [f"unknown tool {name!r}; the tools are: {', '.join(self.names)}"])
        try:
            raw = json.loads(arguments or "{}")
        except json.JSONDecodeError as exc:
            return _failure(name, [f"the arguments are not valid JSON ({exc.msg} at character {exc.pos}); "
                                   "send the whole JSON object again"])
        if not isinstance(raw, dict):
            return _failure(name, ["the arguments must be a JSON object"])
        try:
            parsed = tool.arguments.model_validate(raw)
        except ValidationError as exc:
            return _failure(name, format_validation_errors(exc))
        except RecursionError:
            return _failure(name, ["the arguments are nested too deeply"])
        try:
            return tool.handler(parsed, state)
        except Exception as exc:  # noqa: BLE001 - a checker tripping over odd input must not end the run
            return _failure(name, [f"the artifact could not be checked ({type(exc).__name__}: {exc}); "
                                   "simplify the part that caused it"])


def format_validation_errors(exc: ValidationError) -> list[str]:
    out = []
    for err in exc.errors(include_url=False):
        loc = ".".join(str(p) for p in err["loc"]) or "(arguments)"
        out.append(f"{loc}: {err['msg'].removeprefix('Value error, ')}")
    return out


def _failure(name: str, errors: list[str]) -> ToolOutcome:
    shown = errors[:MAX_ERRORS_SHOWN]
    more = len(errors) - len(shown)
    body = {
        "ok": False,
        "tool": name,
        "errors": shown + ([f"... and {more} more"] if more > 0 else []),
        "instruction": f"{len(errors)} error(s). Fix exactly these and call {name} again with the whole corrected "
                       "artifact.",
    }
    return ToolOutcome(ok=False, content=json.dumps(body), summary=f"{len(errors)} error(s)", errors=errors)


def _success(name: str, summary: str, artifact: str | None = None, finished: bool = False) -> ToolOutcome:
    return ToolOutcome(ok=True, content=json.dumps({"ok": True, "tool": name, "result": summary}), summary=summary,
                       artifact=artifact, finished=finished)


def _search(args: SearchKnowledge, state: DesignState) -> ToolOutcome:
    hits = state.knowledge.search(args.query, args.k)
    for section, _ in hits:
        if section.ref not in state.consulted:
            state.consulted.append(section.ref)
    results = [{"ref": s.ref, "title": f"{s.doc_title} / {s.heading}", "text": s.text[:2500]} for s, _ in hits]
    summary = f"{len(results)} section(s): " + ", ".join(r["ref"] for r in results)
    body = {"ok": True, "tool": "search_knowledge", "result": summary, "results": results}
    return ToolOutcome(ok=True, content=json.dumps(body), summary=summary)


def _stale(errors: list[str]) -> str:
    """Cross-check errors met when the schema or API changes concern the service architecture emitted
    before it (cross_check only finds those): the new artifact is accepted, the services must follow.
    finish_design checks everything together, so nothing inconsistent is ever finished."""
    if not errors:
        return ""
    return ("; the service architecture no longer matches (" + "; ".join(errors[:MAX_ERRORS_SHOWN])
            + "): call emit_service_architecture again")


def _emit_schema(args: EmitDatabaseSchema, state: DesignState) -> ToolOutcome:
    from .render.sql import sql_statements
    from .validate import check_sql

    schema = args.database_schema
    errors = check_sql(sql_statements(schema))
    if errors:
        return _failure("emit_database_schema", errors)
    state.data, state.finish = schema, None
    stale = _stale(cross_check(state.brief, state.api, schema, state.services))
    return _success("emit_database_schema", f"accepted: {len(schema.tables)} tables, "
                    f"{sum(len(t.indexes) for t in schema.tables)} indexes, {len(schema.enums)} enums" + stale,
                    "database_schema")


def _emit_api(args: EmitApiSpec, state: DesignState) -> ToolOutcome:
    from .render.openapi import openapi_document
    from .validate import check_openapi

    api = args.api_specification
    errors = check_openapi(openapi_document(api))
    if errors:
        return _failure("emit_api_spec", errors)
    state.api, state.finish = api, None
    stale = _stale(cross_check(state.brief, api, state.data, state.services))
    return _success("emit_api_spec", f"accepted: {len(api.resources)} resources, {len(api.endpoints())} endpoints; "
                    "openapi.yaml validates" + stale, "api_specification")


def _emit_services(args: EmitServiceArchitecture, state: DesignState) -> ToolOutcome:
    services = args.microservices
    errors = cross_check(state.brief, state.api, state.data, services)
    if errors:
        return _failure("emit_service_architecture", errors)
    state.services, state.finish = services, None
    return _success("emit_service_architecture",
                    f"accepted: {services.style}, {len(services.services)} services, {len(services.events)} events",
                    "microservices")


def _finish(args: FinishDesign, state: DesignState) -> ToolOutcome:
    if state.missing:
        return _failure("finish_design", [f"not finished yet: call {name} first" for name in state.missing])
    errors = cross_check(state.brief, state.api, state.data, state.services, args)
    if errors:
        return _failure("finish_design", errors)
    state.finish = args
    return _success("finish_design", "design complete", "finish", finished=True)


def default_registry() -> ToolRegistry:
    return ToolRegistry([
        Tool("search_knowledge", "Search the capability knowledge base (API design, database architecture, "
             "microservices, performance and scalability). Returns the best sections with decision criteria and "
             "defaults.", SearchKnowledge, _search),
        Tool("emit_database_schema", "Emit the whole PostgreSQL database schema: tables, columns, enums, indexes "
             "(each with the access pattern it serves) and relationships. Validated by PostgreSQL's parser.",
             EmitDatabaseSchema, _emit_schema),
        Tool("emit_api_spec", "Emit the whole REST API specification: base path, versioning, authentication, rate "
             "limits, schemas and resources with endpoints. Rendered to OpenAPI 3.1 and validated.",
             EmitApiSpec, _emit_api),
        Tool("emit_service_architecture", "Emit the service architecture: style with rationale, services with "
             "owned tables and endpoints ('METHOD /path'), events, and infrastructure (gateway, discovery, broker).",
             EmitServiceArchitecture, _emit_services),
        Tool("finish_design", "Finish the design once every artifact is accepted: a summary, a traceability item "
             "for every requirement id, and open questions.", FinishDesign, _finish),
    ])
