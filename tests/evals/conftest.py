from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def shop_design(shop_brief, shop_plan) -> dict[str, Any]:
    """design.json of the builtin model's online-shop design, built from its plan without the loop."""
    return {
        "title": shop_brief.title, "status": "complete", "brief": shop_brief.model_dump(mode="json"),
        "api_specification": shop_plan.api, "database_schema": shop_plan.schema,
        "microservices": shop_plan.services, "traceability": shop_plan.finish["traceability"],
        "summary": shop_plan.finish["summary"],
    }
