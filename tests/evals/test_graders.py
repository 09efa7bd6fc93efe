"""Each grader, passing and failing, on the builtin model's shop design and on hand-made dicts."""

from __future__ import annotations

import asyncio
import copy

import pytest

from backend_architect.evals.graders import Grade, GradeContext, grade_design, register, registry
from backend_architect.evals.graders.base import singular
from backend_architect.evals.graders.capacity import CapacityExpectation, capacity


def _grades(design, expect):
    return {g.grader: g for g in asyncio.run(grade_design(design, expect))}


def test_always_on_graders_pass_on_a_valid_complete_design(shop_design):
    grades = _grades(shop_design, {})
    # no GraphQL asked; the shop is a modular monolith without events (a small team), so no AsyncAPI to grade
    assert not shop_design["microservices"].get("events")
    assert set(grades) == {"artifacts_valid", "coverage", "no_review_errors"}
    assert grades["no_review_errors"].score == 1.0
    assert grades["artifacts_valid"].score == 1.0 and grades["artifacts_valid"].reason == "all artifacts present and valid"
    assert grades["coverage"].score == 1.0 and "6/6" in grades["coverage"].reason


def test_artifacts_valid_fails_on_missing_and_invalid_artifacts(shop_design):
    design = copy.deepcopy(shop_design)
    design["microservices"] = None
    design["database_schema"]["tables"][0]["columns"][0]["type"] = "text; drop table x"
    grade = _grades(design, {})["artifacts_valid"]
    assert grade.score == pytest.approx(1 / 3)
    assert "no service architecture" in grade.reason and "database schema invalid" in grade.reason


def test_coverage_counts_requirements_traced_to_something(shop_design):
    design = copy.deepcopy(shop_design)
    design["traceability"] = [t for t in design["traceability"] if t["requirement_id"] != "R3"]
    design["traceability"][0] = {**design["traceability"][0], "endpoints": [], "tables": [], "services": []}
    grade = _grades(design, {})["coverage"]
    assert grade.score == pytest.approx(4 / 6) and "not traced: R1, R3" in grade.reason


MUST_INCLUDE = {
    "entities": (["Customer", "orders", "Category"], ["Customer", "Invoice"]),
    "tables": (["customers", "order_item"], ["customers", "invoices"]),
    "columns": (["orders.customer_id", "payments.provider_reference"], ["orders.customer_id", "orders.coupon"]),
    "indexes": (["orders(customer_id)", "payments(provider_reference)"], ["orders(customer_id)", "orders(total_amount)"]),
    "endpoints": (["POST /orders", "GET /orders/{}", "GET /api/v1/products/{product_id}", "GET /prod*"],
                  ["POST /orders", "DELETE /refunds/{}"]),
}


@pytest.mark.parametrize("grader", sorted(MUST_INCLUDE))
def test_must_include_graders_pass_and_fail(grader, shop_design):
    good, bad = MUST_INCLUDE[grader]
    assert _grades(shop_design, {grader: good})[grader].score == 1.0
    grade = _grades(shop_design, {grader: bad})[grader]
    assert grade.score == 0.5 and f"missing: {bad[1]}" in grade.reason


def _services_design() -> dict:
    return {"microservices": {
        "style": "microservices", "rationale": "peak load; shard the clicks table by link_id",
        "services": [{"name": "links-service", "kind": "service"}, {"name": "analytics-service", "kind": "service"},
                     {"name": "identity-service", "kind": "service"}],
        "events": [{"name": "link.created"}, {"name": "user.deleted"}],
        "infrastructure": {"message_broker": "Kafka", "api_gateway": {"name": "gw"}, "caches": []}}}


def test_services_events_and_parsimony():
    design = _services_design()
    grades = _grades(design, {"services": ["links", "identity-*"], "events": ["link.*", "user.deleted"],
                              "parsimony": {"min": 2, "max": 4}})
    assert [grades[g].score for g in ("services", "events", "parsimony")] == [1.0, 1.0, 1.0]
    grades = _grades(design, {"services": ["billing"], "events": ["order.placed"], "parsimony": {"min": 1, "max": 1}})
    assert grades["services"].score == 0 and grades["events"].score == 0
    assert grades["parsimony"].score == pytest.approx(1 / 3) and "3 deployable(s) (microservices)" in grades["parsimony"].reason


def test_a_modular_monolith_counts_as_one_deployable(shop_design):
    assert shop_design["microservices"]["style"] == "modular_monolith"
    assert _grades(shop_design, {"parsimony": {"min": 1, "max": 1}})["parsimony"].score == 1.0


def test_must_not_include_detects_concepts_and_ignores_negated_mentions(shop_design):
    grade = _grades(_services_design(), {"must_not_include": ["microservices", "sharding", "message_broker", "cache"]})
    assert grade["must_not_include"].score == 0.25
    assert grade["must_not_include"].reason == "has: microservices, sharding, message_broker"
    design = copy.deepcopy(shop_design)
    design["microservices"]["rationale"] = "A modular monolith; no sharding is needed at 150 requests/s."
    assert _grades(design, {"must_not_include": ["microservices", "sharding"]})["must_not_include"].score == 1.0


def _capacity_design(**figures: float) -> dict:
    return {"capacity": {"inputs": {"writes_per_month": 10_000_000},
                         "figures": [{"name": k, "value": v, "unit": "", "formula": "…"} for k, v in figures.items()]}}


def test_capacity_within_tolerance_passes_and_outside_fails():
    expected = CapacityExpectation.model_validate(
        {"avg_write_qps": 4, "avg_read_qps": 40, "storage_per_month_gb": 12.7, "tolerance": 0.05})
    good = _capacity_design(avg_write_qps=3.86, avg_read_qps=38.6, storage_per_month_gb=12.7, peak_read_qps=120)
    grade = capacity(GradeContext(good), expected)
    assert grade.score == 1.0 and grade.reason == "3/3 figures within ±5%"
    bad = _capacity_design(avg_write_qps=3.86, avg_read_qps=60, storage_per_month_gb=12.7)
    grade = capacity(GradeContext(bad), expected)
    assert grade.score == pytest.approx(2 / 3) and "avg_read_qps 60, expected 40 ±5%" in grade.reason
    grade = capacity(GradeContext(_capacity_design(avg_write_qps=4)), expected)
    assert "avg_read_qps missing" in grade.reason


def test_capacity_absent_scores_zero_with_the_reason(shop_design):
    grade = _grades(shop_design, {"capacity": {"avg_write_qps": 4}})["capacity"]
    assert grade == Grade("capacity", 0.0, "no capacity estimate in the design")


def test_capacity_expectation_rejects_non_numbers():
    with pytest.raises(ValueError, match="'avg_write_qps' must be a number"):
        CapacityExpectation.model_validate({"avg_write_qps": "four"})


def test_the_registry_takes_a_new_grader_in_a_few_lines(shop_design, monkeypatch):
    from backend_architect.evals.graders import base

    monkeypatch.setattr(base, "_REGISTRY", dict(base._REGISTRY))

    @register("title_has", expectation=str)
    def title_has(ctx: GradeContext, expected: str) -> Grade:
        return Grade("title_has", float(expected in ctx.design["title"]), "checked the title")

    assert "title_has" in registry()
    assert _grades(shop_design, {"title_has": "shop"})["title_has"].score == 1.0
    with pytest.raises(ValueError, match="registered twice"):
        register("title_has", expectation=str)(title_has)


def test_a_crashing_grader_scores_zero_and_the_rest_still_grade(shop_design):
    design = copy.deepcopy(shop_design)
    design["database_schema"]["tables"][0]["columns"] = None  # columns grader iterates it
    grades = _grades(design, {"columns": ["customers.email"]})
    assert grades["columns"].score == 0 and grades["columns"].reason.startswith("grader crashed: TypeError")
    assert grades["coverage"].score == 1.0


@pytest.mark.parametrize("word,one", [("orders", "order"), ("categories", "category"), ("Order", "order"),
                                      ("addresses", "address"), ("status", "status"), ("order_items", "orderitem")])
def test_singular(word, one):
    assert singular(word) == one


def test_roles_accept_either_spelling_of_a_role(shop_design):
    roles = shop_design["api_specification"]["authentication"]["roles"]
    assert _grades(shop_design, {"roles": [f"nobody|{roles[0]}"]})["roles"].score == 1.0
    grade = _grades(shop_design, {"roles": [roles[0], "organiser|organizer"]})["roles"]
    assert grade.score == 0.5 and "missing: organiser|organizer" in grade.reason
