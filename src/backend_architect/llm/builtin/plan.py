"""What the planning steps read of a plan in progress.

`architect.Plan` builds the plan and calls the steps (capabilities, services, operations, graphql);
the steps see it through this protocol, so none of them imports `architect` and no cycle forms.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from ...inputs.brief import Brief
    from ...inputs.knowledge import KnowledgeBase
    from ...spec.capacity import CapacityEstimate
    from .domain import Domain

__all__ = ["PlanView"]


class PlanView(Protocol):
    brief: Brief
    kb: KnowledgeBase
    domain: Domain
    tables: dict[str, str]
    endpoints_by_entity: dict[str, dict[str, str]]
    redirect_owner: str | None
    redirect_code: str | None
    capacity: CapacityEstimate
    large: bool
    style: str
    style_rationale: str
    schema: dict[str, Any]
    api: dict[str, Any]
    graphql: dict[str, Any] | None
    services: dict[str, Any]
    privileged_role: str | None
    operator_role: str | None
    roles: list[str]
