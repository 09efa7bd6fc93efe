"""What a design run (or a chat) has accepted so far, and the design it amounts to."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .. import __version__
from ..inputs.brief import Brief
from ..inputs.knowledge import KnowledgeBase
from ..spec import (
    ApiSpecification,
    CapacityEstimate,
    DatabaseSchema,
    Decision,
    Design,
    FinishDesign,
    GraphQLSpecification,
    PerformancePlan,
    ServiceArchitecture,
)
from ..spec.design import GeneratedBy

__all__ = ["DesignState"]


@dataclass
class DesignState:
    """What the run has accepted so far. Only valid artifacts ever land here."""

    brief: Brief
    knowledge: KnowledgeBase
    api: ApiSpecification | None = None
    data: DatabaseSchema | None = None
    services: ServiceArchitecture | None = None
    graphql: GraphQLSpecification | None = None
    capacity: CapacityEstimate | None = None
    performance: PerformancePlan | None = None
    decisions: list[Decision] = field(default_factory=list)
    finish: FinishDesign | None = None
    consulted: list[str] = field(default_factory=list)
    # finish_design reminds the model once of the capability tools it skipped, then lets it finish.
    reminded: bool = False
    # A tool's last failed arguments: the next call may send only the corrected parts (design/repair.py).
    drafts: dict[str, dict[str, Any]] = field(default_factory=dict)
    # (table, index) pairs the model was told serve no access pattern: sent again in a repair, they are dropped.
    unused_told: set[tuple[str, str]] = field(default_factory=set)
    # A small model (profiles.py) takes minutes per repair and rarely declares the query an index serves: its
    # unexplained indexes are dropped at first sight, and the acceptance says so.
    drop_unused_at_once: bool = False
    # A small model's access patterns on columns their table lacks, set aside by the schema's prepare step: kept
    # when the review's fixes add the column (url.user_id, "users list their links"), else left out, and said.
    set_aside: list[tuple[dict[str, Any], list[str]]] = field(default_factory=list)
    # Optional tools given up after their repairs ran out: tried, so finish_design does not remind of them.
    given_up: set[str] = field(default_factory=set)

    @property
    def missing(self) -> list[str]:
        """The artifacts a design cannot be finished without."""
        wanted = [("emit_database_schema", self.data), ("emit_api_spec", self.api),
                  ("emit_service_architecture", self.services)]
        return [name for name, value in wanted if value is None]

    @property
    def skipped(self) -> list[str]:
        """Capabilities a complete design covers; finishing without them is allowed after one reminder."""
        wanted = [("estimate_capacity", self.capacity), ("emit_performance_plan", self.performance),
                  ("record_decisions", self.decisions or None)]
        return [name for name, value in wanted if value is None]

    def graphql_fields(self) -> set[str] | None:
        if self.graphql is None:
            return None
        from graphql import build_schema

        schema = build_schema(self.graphql.sdl)
        roots = [t for t in (schema.query_type, schema.mutation_type, schema.subscription_type) if t]
        return {f"{root.name}.{name}" for root in roots for name in root.fields}

    def design(self, *, model: str, builtin: bool, failure: str | None = None) -> Design:
        """The design as it stands: only accepted artifacts, `incomplete` when the run did not finish."""
        finish = self.finish
        return Design(
            title=self.brief.title,
            status="complete" if failure is None else "incomplete",
            failure=failure,
            generated_by=GeneratedBy(model=model, builtin=builtin, tool_version=__version__),
            brief=self.brief,
            summary=finish.summary if finish else "",
            api_specification=self.api,
            database_schema=self.data,
            microservices=self.services,
            graphql=self.graphql,
            capacity=self.capacity,
            performance=self.performance,
            decisions=list(self.decisions),
            traceability=list(finish.traceability) if finish else [],
            open_questions=list(finish.open_questions) if finish else [],
            knowledge_consulted=list(self.consulted),
        )
