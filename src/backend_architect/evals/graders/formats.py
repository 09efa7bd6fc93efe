"""Graders of the capability artifacts: schema.graphql builds, asyncapi.yaml validates, and the review
rules find no errors. Each returns None when the design has nothing of that kind."""

from __future__ import annotations

from .base import Grade, GradeContext, register

__all__ = ["asyncapi_valid", "graphql_valid", "no_review_errors"]


@register("graphql_valid", expectation=bool, always=True, default=True)
def graphql_valid(ctx: GradeContext, expected: bool) -> Grade | None:
    """schema.graphql builds with graphql-core and lists are Relay connections."""
    sdl = ctx.section("graphql").get("sdl")
    if not expected or not sdl:
        return None
    from ...checks.validate import check_graphql

    problems = check_graphql(sdl)
    return Grade("graphql_valid", 0.0 if problems else 1.0, problems[0] if problems else "schema.graphql builds")


@register("asyncapi_valid", expectation=bool, always=True, default=True)
def asyncapi_valid(ctx: GradeContext, expected: bool) -> Grade | None:
    """The events render to an AsyncAPI 3.0 document that validates against the official JSON Schema."""
    arch = ctx.section("microservices")
    if not expected or not arch.get("events"):
        return None
    from pydantic import ValidationError

    from ...render.asyncapi import asyncapi_document
    from ...spec import ServiceArchitecture
    from ...checks.asyncapi import check_asyncapi

    try:
        model = ServiceArchitecture.model_validate(arch)
    except ValidationError as exc:
        return Grade("asyncapi_valid", 0.0, f"the service architecture is invalid: {exc.errors()[0]['msg']}")
    problems = check_asyncapi(asyncapi_document(model, title=str(ctx.design.get("title") or "design")))
    return Grade("asyncapi_valid", 0.0 if problems else 1.0, problems[0] if problems else "asyncapi.yaml validates")


@register("no_review_errors", expectation=bool, always=True, default=True)
def no_review_errors(ctx: GradeContext, expected: bool) -> Grade | None:
    """The review rules find no error in the design (warnings are reported by `review`, not graded)."""
    if not expected or not (ctx.section("api_specification") or ctx.section("database_schema")):
        return None
    from pydantic import ValidationError

    from ...review.report import review_design
    from ...spec import Design

    try:
        # Who generated it does not matter to the rules; a hand-made design.json may leave it out.
        unknown = {"model": "unknown", "builtin": False, "tool_version": "0"}
        design = Design.model_validate({"generated_by": unknown, **ctx.design})
    except ValidationError as exc:
        return Grade("no_review_errors", 0.0, f"design.json does not load: {exc.errors()[0]['msg']}")
    errors = [f for f in review_design(design) if f.severity == "error"]
    if not errors:
        return Grade("no_review_errors", 1.0, "no error findings")
    first = errors[0]
    return Grade("no_review_errors", 0.0, f"{len(errors)} error finding(s), first {first.rule_id} at "
                 f"{first.location}: {first.message}")
