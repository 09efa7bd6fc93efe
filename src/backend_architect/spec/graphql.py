"""The GraphQL API, when the brief asks for one: SDL that graphql-core builds, plus its guard rails."""

from __future__ import annotations

from pydantic import Field

from ._base import StrictModel

__all__ = ["GraphQLSpecification"]


class GraphQLSpecification(StrictModel):
    path: str = Field(default="/graphql", pattern=r"^/[A-Za-z0-9/_-]*$")
    rationale: str = Field(min_length=1, description="who needs GraphQL and why REST alone is not enough")
    sdl: str = Field(min_length=1, max_length=200_000, description="the schema in GraphQL SDL: Query, Mutation, "
                     "input types, and Relay connections (first/after, edges, pageInfo) for lists")
    max_depth: int = Field(default=10, ge=1, le=50, description="queries deeper than this are rejected")
    max_complexity: int = Field(default=1000, ge=1, description="cost limit per query")
    persisted_queries: bool = False
