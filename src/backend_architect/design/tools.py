"""The tools the model may call: name → (arguments model, handler), and their JSON schemas.

Handlers validate with pydantic, then with the real validators (PostgreSQL's parser,
openapi-spec-validator), then across artifacts. Errors go back to the model as one compact
tool message it can act on; nothing here raises for bad model output.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..spec import (
    ApiSpecification,
    CapacityInputs,
    DatabaseSchema,
    FinishDesign,
    GraphQLSpecification,
    PerformancePlan,
    RecordDecisions,
    ServiceArchitecture,
    cross_check,
)
from ..spec.data import DataScaling, MigrationPlan, NoSqlModel, Normalization
from .access import check_access as _check_access, quote_reserved, unused_indexes, without_indexes
from .api_meant import api_as_meant
from .brief_numbers import stated_capacity
from .registry import MAX_ERRORS_SHOWN, Tool, ToolOutcome, ToolRegistry, failure, success
from .repair import api_review_lines, applied_fixes, describe_validation, merge_draft
from .schema_meant import performance_as_written, schema_as_written, set_aside_patterns
from .services_meant import finish_as_meant, services_as_meant, unowned_fragment
from .state import DesignState  # re-exported: the tools and their callers share it

__all__ = ["DesignState", "ToolOutcome", "ToolRegistry", "default_registry"]

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


class EstimateCapacity(BaseModel):
    model_config = ConfigDict(extra="forbid")
    inputs: CapacityInputs


class EmitGraphQLSchema(BaseModel):
    model_config = ConfigDict(extra="forbid")
    graphql: GraphQLSpecification


class EmitPerformancePlan(BaseModel):
    model_config = ConfigDict(extra="forbid")
    performance: PerformancePlan


class AmendDatabaseSchema(BaseModel):
    """The schema's optional detail, which the schema phase leaves out to keep its request small."""

    model_config = ConfigDict(extra="forbid")
    normalization: Normalization | None = None
    migrations: MigrationPlan | None = None
    scaling: DataScaling | None = None
    nosql_models: list[NoSqlModel] | None = None


def _search(args: SearchKnowledge, state: DesignState) -> ToolOutcome:
    hits = state.knowledge.search(args.query, args.k)
    for section, _ in hits:
        if section.ref not in state.consulted:
            state.consulted.append(section.ref)
    results = [{"ref": s.ref, "title": f"{s.doc_title} / {s.heading}", "text": s.text[:1000]} for s, _ in hits]
    summary = f"{len(results)} section(s): " + ", ".join(r["ref"] for r in results)
    body = {"ok": True, "tool": "search_knowledge", "result": summary, "results": results}
    return ToolOutcome(ok=True, content=json.dumps(body), summary=summary)


def _stale(errors: list[str]) -> str:
    """Cross-check errors met when the schema or API changes concern the service architecture emitted
    before it (cross_check only finds those): the new artifact is accepted, the services must follow.
    finish_design checks everything together, so nothing inconsistent is ever finished."""
    if not errors:
        return ""
    return ("; the artifacts emitted before it no longer match (" + "; ".join(errors[:MAX_ERRORS_SHOWN])
            + "): emit them again (emit_service_architecture, emit_performance_plan)")


def _review(kind: str, subject: Any, state: DesignState) -> tuple[list[str], str]:
    """The review rules over an emitted artifact: errors go back to the model to repair; warnings are
    named in the acceptance (and land in review.json), so the model may improve them but need not."""
    return _said(kind, subject, _findings(kind, subject, state))


def _findings(kind: str, subject: Any, state: DesignState) -> list[Any]:
    from ..review.report import artifact_findings

    return artifact_findings(kind, subject, data=state.data, brief=state.brief, api=state.api,
                             services=state.services)


def _said(kind: str, subject: Any, findings: list[Any]) -> tuple[list[str], str]:
    failed = [f for f in findings if f.severity == "error"]
    errors = api_review_lines(failed, subject) if kind == "api" else [
        f"{f.rule_id} at {f.location}: {f.message}"
        + (". Corrected, send: " + json.dumps(f.fix, ensure_ascii=False) if f.fix and ("database_schema" in f.fix
                                                                                        or "performance" in f.fix)
           else "") for f in failed]
    warnings = sorted({f.rule_id for f in findings if f.severity == "warning"})
    noted = f"; review warnings: {', '.join(warnings)}" if warnings else ""
    return errors, noted


def _finish_review(args: FinishDesign, state: DesignState) -> list[str]:
    """The cross rules over the whole design (requirements served by what they are traced to, numbers that
    agree): their errors go back to the model like any other."""
    from ..review.report import finish_findings

    notes = [args.summary, *args.open_questions] + [f"{d.title}. {d.justification}" for d in state.decisions]
    findings = finish_findings(state.brief, state.api, state.data, state.services, traceability=args.traceability,
                               capacity=state.capacity, performance=state.performance, notes=notes)
    lines = []
    for f in findings:
        if f.severity != "error":
            continue
        line = f"{f.rule_id} at {f.location}: {f.message}"
        if f.fix and "traceability" in f.fix:  # the item traced again, ready to send: the rest is kept
            line += ". Corrected, send: " + json.dumps(f.fix, ensure_ascii=False)
        lines.append(line)
    return lines


def _with_fixes(artifact: Any, findings: list[Any], key: str) -> tuple[Any, list[Any]]:
    """The artifact with the review errors' fixes for it (`fix[key]`, a fragment) merged in one by one, and the
    findings whose fix was merged; None when no fix validates (a fix that does not is left out, and said as the
    error it was)."""
    fixed, merged = artifact, []
    for f in [f for f in findings if f.severity == "error" and f.fix and key in f.fix]:
        try:  # one by one: a fix that does not validate is left out, not all of them
            fixed = type(artifact).model_validate(merge_draft(fixed.model_dump(mode="json", exclude_defaults=True),
                                                              f.fix[key]))
        except ValueError:
            continue
        merged.append(f)
    return (fixed if merged else None), merged


def _schema_fixes_applied(schema: Any, findings: list[Any]) -> tuple[Any, list[str]]:
    """The small-model policy, as for the API: the columns the review gives ready to send are added, and said. A
    column the rule names (the owner's key of "users list their links") is the expert's choice."""
    fixed, fixes = _with_fixes(schema, findings, "database_schema")
    if fixed is None:
        return schema, []
    had = {(t.name, c.name) for t in schema.tables for c in t.columns}
    said = [f"{t['name']}.{item['name']} {'changed' if (t['name'], item['name']) in had else 'added'} ({f.rule_id})"
            for f in fixes for t in f.fix["database_schema"]["tables"]
            for item in [*t.get("columns", []), *t.get("exclusions", [])]]
    return fixed, said


def _emit_schema(args: EmitDatabaseSchema, state: DesignState) -> ToolOutcome:
    from ..render.sql import sql_statements
    from ..checks.validate import check_sql

    schema = args.database_schema
    dropped = ""
    unused = unused_indexes(schema)
    names = {(t.name, i.name) for t, i in unused}
    if not state.drop_unused_at_once:
        names &= state.unused_told
    if names and ("emit_database_schema" in state.drafts or state.drop_unused_at_once):
        # Told once already and sent back still unused (a small model resends the whole schema): an index no
        # query uses only costs writes, so it is dropped, and the result says so. A new one is asked about first.
        schema = without_indexes(schema, names)
        dropped = (f"; dropped {', '.join(f'{t}.{i}' for t, i in sorted(names))}: no declared access pattern uses "
                   "it (declare one and send the index again to keep it)")
    state.unused_told |= {(t.name, i.name) for t, i in unused}
    schema, quoted = quote_reserved(schema)
    if quoted:
        dropped += "; " + "; ".join(quoted)
    errors = check_sql(sql_statements(schema))
    errors += _check_access(schema)
    findings = _findings("data", schema, state)
    review_errors, noted = _said("data", schema, findings)
    if state.drop_unused_at_once and review_errors:  # whatever else is wrong: the repair is then about that alone
        schema, applied = _schema_fixes_applied(schema, findings)
        if applied:
            errors = check_sql(sql_statements(schema)) + _check_access(schema)
            review_errors, noted = _review("data", schema, state)
            noted += "; applied what the review asked: " + "; ".join(applied)
    if state.set_aside and not errors:
        schema, kept, left = set_aside_patterns(schema, state.set_aside)
        if kept:
            errors = check_sql(sql_statements(schema)) + _check_access(schema)
            review_errors, renoted = _review("data", schema, state)
            noted = renoted + noted[noted.find("; applied what"):] if "; applied what" in noted else renoted
        noted += "".join(f"; access pattern {p} kept: {how}" for p, how in kept)
        noted += "".join(f"; access pattern {p} left out: {why}" for p, why in left)
    noted += dropped
    if errors or review_errors:
        return failure("emit_database_schema", errors + review_errors)
    state.data, state.finish, state.set_aside = schema, None, []
    stale = _stale(cross_check(state.brief, state.api, schema, state.services))
    scaling = schema.scaling
    extra = (f", {len(schema.access_patterns)} access patterns"
             + (f", {scaling.read_replicas} read replicas" if scaling and scaling.read_replicas else "")
             + (f", sharded by {scaling.sharding.shard_key}" if scaling and scaling.sharding else ""))
    return success("emit_database_schema", f"accepted: {len(schema.tables)} tables, "
                    f"{sum(len(t.indexes) for t in schema.tables)} indexes, {len(schema.enums)} enums{extra}" + noted
                    + stale, "database_schema")


def _emit_api(args: EmitApiSpec, state: DesignState) -> ToolOutcome:
    from ..render.openapi import openapi_document
    from ..checks.validate import check_openapi
    from ..review.report import artifact_findings

    api = args.api_specification
    errors = check_openapi(openapi_document(api))
    findings = artifact_findings("api", api, data=state.data, brief=state.brief, services=state.services)
    applied: list[str] = []
    for _ in range(3):  # a fix may open the next (signed in, then scoped to the owner): three rounds at most
        if not state.drop_unused_at_once or errors or not any(f.fix for f in findings if f.severity == "error"):
            break
        api, more = applied_fixes([f for f in findings if f.severity == "error"], api)
        if not more:
            break
        applied += more
        findings = artifact_findings("api", api, data=state.data, brief=state.brief, services=state.services)
    review_errors, noted = _said("api", api, findings)
    if applied:
        noted += "; applied what the review asked: " + "; ".join(applied)
    if errors or review_errors:
        return failure("emit_api_spec", errors + review_errors)
    state.api, state.finish = api, None
    stale = _stale(cross_check(state.brief, api, state.data, state.services, performance=state.performance))
    return success("emit_api_spec", f"accepted: {len(api.resources)} resources, {len(api.endpoints())} endpoints; "
                    "openapi.yaml validates" + noted + stale, "api_specification")


def _emit_graphql(args: EmitGraphQLSchema, state: DesignState) -> ToolOutcome:
    from ..checks.validate import check_graphql

    errors = check_graphql(args.graphql.sdl)
    if errors:
        return failure("emit_graphql_schema", errors)
    state.graphql, state.finish = args.graphql, None
    fields = state.graphql_fields() or set()
    return success("emit_graphql_schema", f"accepted: {len(fields)} root fields; schema.graphql builds",
                    "graphql")


def _emit_services(args: EmitServiceArchitecture, state: DesignState) -> ToolOutcome:
    services = args.microservices
    errors = [f"microservices: event {e.name} has no payload fields; list what consumers receive"
              for e in services.events if not e.payload]
    errors += [e + unowned_fragment(state, services) if "are owned by no service" in e else e
               for e in cross_check(state.brief, state.api, state.data, services)]
    if services.events and not errors:
        from ..render.asyncapi import asyncapi_document
        from ..checks.asyncapi import check_asyncapi

        errors += [f"asyncapi.yaml at {e}" for e in check_asyncapi(asyncapi_document(services, title=state.brief.title))]
    review_errors, noted = _review("services", services, state)
    if errors or review_errors:
        return failure("emit_service_architecture", errors + review_errors)
    state.services, state.finish = services, None
    return success("emit_service_architecture",
                    f"accepted: {services.style}, {len(services.services)} services, {len(services.events)} events"
                    + ("; asyncapi.yaml validates" if services.events else "") + noted,
                    "microservices")


def _estimate(args: EstimateCapacity, state: DesignState) -> ToolOutcome:
    from ..spec.sizing import estimate_capacity

    estimate = estimate_capacity(args.inputs)
    state.capacity = estimate
    figures = [{"name": f.name, "value": f.value, "unit": f.unit} for f in estimate.figures]
    body = {"ok": True, "tool": "estimate_capacity", "result": "computed; use these figures, do not recompute them",
            "figures": figures, "assumptions": estimate.assumptions}
    peak = estimate.value("peak_read_qps") + estimate.value("peak_write_qps")
    return ToolOutcome(ok=True, content=json.dumps(body), artifact="capacity",
                       summary=f"{peak:,.4g} req/s at peak, {estimate.value('storage_per_month_gb'):,.4g} GB/month")


def _emit_performance(args: EmitPerformancePlan, state: DesignState) -> ToolOutcome:
    from ..review.report import artifact_findings

    plan = args.performance
    errors = cross_check(state.brief, state.api, state.data, state.services, performance=plan)
    if errors:
        return failure("emit_performance_plan", errors)
    findings = artifact_findings("performance", plan, data=state.data, brief=state.brief, api=state.api,
                                 services=state.services, capacity=state.capacity)
    applied = ""
    fixed, fixes = _with_fixes(plan, findings, "performance") if state.drop_unused_at_once else (None, [])
    if fixed is not None:  # the small-model policy, as for the schema: the expert's cache
        plan = fixed
        applied = "; applied what the review asked: " + "; ".join(
            f"cache {c['name']} added ({f.rule_id})" for f in fixes for c in f.fix["performance"]["caching"])
        findings = artifact_findings("performance", plan, data=state.data, brief=state.brief, api=state.api,
                                     services=state.services, capacity=state.capacity)
    review_errors, noted = _said("performance", plan, findings)
    if review_errors:
        return failure("emit_performance_plan", review_errors)
    state.performance, state.finish = plan, None
    return success("emit_performance_plan", f"accepted: {len(plan.caching)} cache layers, {len(plan.scaling)} "
                    f"scaling rules, {len(plan.bottlenecks)} bottlenecks" + noted + applied, "performance")


def _record_decisions(args: RecordDecisions, state: DesignState) -> ToolOutcome:
    by_title = {d.title.lower(): d for d in state.decisions}
    for decision in args.decisions:
        by_title[decision.title.lower()] = decision  # a decision recorded again replaces the earlier one
    state.decisions = list(by_title.values())
    return success("record_decisions", f"{len(state.decisions)} decision(s) recorded", "decisions")


def _amend_schema(args: AmendDatabaseSchema, state: DesignState) -> ToolOutcome:
    if state.data is None:
        return failure("amend_database_schema", ["no database schema is accepted yet: call emit_database_schema"])
    update = args.model_dump(mode="json", exclude_none=True)
    if not update:
        return failure("amend_database_schema", ["give at least one of normalization, migrations, scaling, "
                                                  "nosql_models"])
    try:
        schema = DatabaseSchema.model_validate({**state.data.model_dump(mode="json"), **update})
    except ValidationError as exc:
        return failure("amend_database_schema", describe_validation(exc, update))
    outcome = _emit_schema(EmitDatabaseSchema(database_schema=schema), state)
    outcome.content = outcome.content.replace('"emit_database_schema"', '"amend_database_schema"')
    return outcome


def _finish(args: FinishDesign, state: DesignState) -> ToolOutcome:
    if state.missing:
        return failure("finish_design", [f"not finished yet: call {name} first" for name in state.missing])
    untried = [name for name in state.skipped if name not in state.given_up]
    if untried and not state.reminded:
        state.reminded = True
        reminder = failure("finish_design", [f"{name} was not called; a complete design covers it" for name in
                                              untried] + ["call those tools, or call finish_design again to "
                                                                "finish without them (the design will say they are "
                                                                "missing)"])
        reminder.counts_as_repair = False
        return reminder
    errors = cross_check(state.brief, state.api, state.data, state.services, args, performance=state.performance,
                         graphql_fields=state.graphql_fields())
    errors = errors or _finish_review(args, state)
    if errors:
        return failure("finish_design", errors)
    state.finish = args
    return success("finish_design", "design complete", "finish", finished=True)


def default_registry() -> ToolRegistry:
    return ToolRegistry([
        Tool("search_knowledge", "Search the capability knowledge base (API design, database architecture, "
             "microservices, performance and scalability). Returns the best sections with decision criteria and "
             "defaults.", SearchKnowledge, _search),
        Tool("estimate_capacity", "Compute capacity figures from load inputs you choose from the brief: average and "
             "peak read/write requests per second, storage per month and over the retention, bandwidth, cache "
             "memory, app instances and database connections. Never do this arithmetic yourself. Numbers the brief "
             "states are taken from the brief.",
             EstimateCapacity, _estimate, prepare=lambda raw, state: stated_capacity(raw, state.brief)),
        Tool("emit_database_schema", "Emit the whole PostgreSQL database schema: tables, columns, enums, indexes, "
             "relationships; the normal form and deliberate denormalizations; access patterns (a named SQL query "
             "with $1 parameters and the index serving it; every index must serve an access pattern or a "
             "constraint); NoSQL models only where an access pattern calls for one; the migration strategy; "
             "replication, partitioning and sharding only when the numbers need them. Validated by PostgreSQL's "
             "parser.", EmitDatabaseSchema, _emit_schema, prepare=schema_as_written,
             later=("DatabaseSchema.normalization", "DatabaseSchema.migrations", "DatabaseSchema.scaling",
                    "DatabaseSchema.nosql_models"),
             small_lists=(("DatabaseSchema.access_patterns", 10), ("Table.indexes", 6))),
        Tool("amend_database_schema", "Add the accepted database schema's optional detail: normalization and "
             "deliberate denormalizations, the migration strategy (Alembic, expand/contract), replication and "
             "partitioning or sharding only when the capacity figures need them, NoSQL models. Fields you give "
             "replace the schema's.", AmendDatabaseSchema, _amend_schema),
        Tool("emit_api_spec", "Emit the whole REST API specification: base path, versioning with its deprecation "
             "policy, authentication schemes (bearer JWT with a refresh endpoint, OAuth2 scopes, API keys) and "
             "roles, rate limits per tier, schemas and resources with endpoints (public ones marked "
             "auth_required false). Rendered to OpenAPI 3.1 with problem+json errors and validated.",
             EmitApiSpec, _emit_api, prepare=api_as_meant),
        Tool("emit_graphql_schema", "Only when the brief asks for GraphQL or clients need flexible reads across "
             "entities: the GraphQL SDL with Query, Mutation, input types and Relay connections (first/after, "
             "edges, pageInfo). Built and checked by graphql-core.", EmitGraphQLSchema, _emit_graphql),
        Tool("emit_service_architecture", "Emit the service architecture: style with rationale (a modular monolith "
             "unless team size and load justify services), services with bounded context, owned tables and "
             "endpoints ('METHOD /path'), each dependency's protocol and reason, events with typed payloads, sagas "
             "with compensations, the outbox where events follow a database write, and infrastructure (gateway "
             "routes and features, discovery, broker).", EmitServiceArchitecture, _emit_services,
             prepare=services_as_meant,
             beyond_small=("ServiceArchitecture.sagas", "ServiceArchitecture.outbox", "ServiceArchitecture.events",
                           "Service.events_published", "Service.events_subscribed", "Service.depends_on")),
        Tool("emit_performance_plan", "Emit the performance plan: cache layers (what, where, TTL, invalidation, "
             "stampede protection), load balancing, scaling per component, monitoring (SLOs, RED and USE metrics, "
             "alerts) and bottlenecks in the order they bind, using the figures from estimate_capacity.",
             EmitPerformancePlan, _emit_performance, prepare=performance_as_written),
        Tool("record_decisions", "Record architecture decisions (MADR): for each significant choice the context, "
             "drivers, at least two considered options with pros and cons, the chosen option and its "
             "consequences. Call again to add or replace decisions by title.", RecordDecisions, _record_decisions),
        Tool("finish_design", "Finish the design once every artifact is accepted: a summary, a traceability item "
             "for every requirement id (endpoints, tables, services, events, access patterns, GraphQL fields), and "
             "open questions.", FinishDesign, _finish, prepare=finish_as_meant),
    ])
