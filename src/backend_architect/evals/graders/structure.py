"""Graders of the design as a whole: artifacts valid, requirements traced, services parsimonious."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .base import Grade, GradeContext, register

__all__ = ["ServiceRange", "artifacts_valid", "coverage", "parsimony"]

_ARTIFACTS = (("api_specification", "API specification"), ("database_schema", "database schema"),
              ("microservices", "service architecture"))
# Validation is a pure function of the artifact; the OpenAPI validator takes most of a second, and
# repeated cases (--repeat, the same brief in several suites) validate the same document again.
_VALIDATED: dict[str, list[str]] = {}


def _problems(kind: str, data: dict[str, Any]) -> list[str]:
    key = hashlib.sha256((kind + json.dumps(data, sort_keys=True)).encode()).hexdigest()
    if key not in _VALIDATED:
        if len(_VALIDATED) > 512:
            _VALIDATED.clear()
        _VALIDATED[key] = _validate(kind, data)
    return _VALIDATED[key]


def _validate(kind: str, data: dict[str, Any]) -> list[str]:
    from pydantic import ValidationError

    from ...render.openapi import openapi_document
    from ...render.sql import sql_statements
    from ...spec import ApiSpecification, DatabaseSchema, ServiceArchitecture
    from ...checks.validate import check_openapi, check_sql

    try:
        if kind == "api_specification":
            return check_openapi(openapi_document(ApiSpecification.model_validate(data)))
        if kind == "database_schema":
            return check_sql(sql_statements(DatabaseSchema.model_validate(data)))
        ServiceArchitecture.model_validate(data)
        return []
    except ValidationError as exc:
        return [f"{kind}: {e['msg']}" for e in exc.errors()[:3]]


@register("artifacts_valid", expectation=bool, always=True, default=True)
def artifacts_valid(ctx: GradeContext, expected: bool) -> Grade | None:
    """The API, schema and services are present and valid (openapi-spec-validator, PostgreSQL's parser)."""
    if not expected:
        return None
    good, notes = 0, []
    for key, label in _ARTIFACTS:
        data = ctx.section(key)
        if not data:
            notes.append(f"no {label}")
            continue
        problems = _problems(key, data)
        if problems:
            notes.append(f"{label} invalid: {problems[0]}")
        else:
            good += 1
    reason = "all artifacts present and valid" if not notes else "; ".join(notes)
    return Grade("artifacts_valid", good / len(_ARTIFACTS), reason)


@register("coverage", expectation=bool, always=True, default=True)
def coverage(ctx: GradeContext, expected: bool) -> Grade | None:
    """Every requirement of the brief is traced to something that exists in the design."""
    if not expected:
        return None
    wanted = [r["id"] for r in (ctx.design.get("brief") or {}).get("requirements") or []]
    if not wanted:
        return Grade("coverage", 1.0, "the brief has no requirements")
    traced = {item["requirement_id"] for item in ctx.design.get("traceability") or []
              if item.get("endpoints") or item.get("tables") or item.get("services")}
    missing = [rid for rid in wanted if rid not in traced]
    reason = f"{len(wanted) - len(missing)}/{len(wanted)} requirements traced"
    return Grade("coverage", (len(wanted) - len(missing)) / len(wanted),
                 reason + (f"; not traced: {', '.join(missing)}" if missing else ""))


class ServiceRange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    min: int = Field(default=1, ge=1)
    max: int = Field(ge=1)

    @model_validator(mode="after")
    def _order(self) -> ServiceRange:
        if self.min > self.max:
            raise ValueError(f"min ({self.min}) is above max ({self.max})")
        return self


def deployables(ctx: GradeContext) -> int:
    """How many things are deployed: a modular monolith is one, whatever its modules."""
    arch = ctx.section("microservices")
    if not arch:
        return 0
    if arch.get("style") == "modular_monolith":
        return 1
    return sum(1 for s in arch.get("services") or [] if s.get("kind", "service") == "service") or 1


@register("parsimony", expectation=ServiceRange)
def parsimony(ctx: GradeContext, expected: ServiceRange) -> Grade:
    """The number of deployed services is within the expected range (a modular monolith counts as one)."""
    count = deployables(ctx)
    style = ctx.section("microservices").get("style", "no architecture")
    span = f"{expected.min}..{expected.max}"
    if expected.min <= count <= expected.max:
        return Grade("parsimony", 1.0, f"{count} deployable(s) ({style}), expected {span}")
    distance = expected.min - count if count < expected.min else count - expected.max
    return Grade("parsimony", 1 / (1 + distance), f"{count} deployable(s) ({style}), expected {span}")
