"""The brief-aware rules inside the design loop: they run with the brief on every emission they can judge and at
finish_design; with the gate on, their errors fail the call like the form rules' (the model must repair); with it
off (until the builtin complies, issue 13) they are named to the model as review warnings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from backend_architect.design.tools import DesignState, default_registry
from backend_architect.review import report

from .briefaware import trace
from .correct_designs import online_shop


# Today's builtin designs pass these rules (issue 13); the frozen copy of an earlier one still breaks them.
_FROZEN_SHOP = json.loads((Path(__file__).resolve().parents[1] / "fixtures" / "frozen" / "online-shop"
                           / "design.json").read_text())


class _Frozen:
    schema = _FROZEN_SHOP["database_schema"]
    api = _FROZEN_SHOP["api_specification"]


@pytest.fixture
def broken_shop_plan():
    return _Frozen()


def _state(shop_brief, knowledge, **artifacts) -> DesignState:
    return DesignState(brief=shop_brief, knowledge=knowledge, **artifacts)


def test_the_builtin_api_is_told_of_its_authorization_problems_as_warnings_while_the_gate_is_off(
        shop_brief, knowledge, broken_shop_plan, monkeypatch):
    monkeypatch.setattr(report, "GATE_BRIEF_RULES", False)
    shop_plan = broken_shop_plan
    registry = default_registry()
    state = _state(shop_brief, knowledge)
    assert registry.call("emit_database_schema", json.dumps({"database_schema": shop_plan.schema}), state).ok
    outcome = registry.call("emit_api_spec", json.dumps({"api_specification": shop_plan.api}), state)
    assert outcome.ok and "authz-owner-scope" in outcome.summary and "authz-sensitive-public" in outcome.summary


def test_with_the_gate_on_the_errors_fail_the_call_and_name_what_to_change(shop_brief, knowledge, broken_shop_plan,
                                                                            monkeypatch):
    shop_plan = broken_shop_plan
    monkeypatch.setattr(report, "GATE_BRIEF_RULES", True)
    registry = default_registry()
    state = _state(shop_brief, knowledge)
    schema = registry.call("emit_database_schema", json.dumps({"database_schema": shop_plan.schema}), state)
    assert not schema.ok or state.data is not None
    if not schema.ok:  # the builtin's schema has unchecked quantities: the schema rules ran with the brief
        errors = json.loads(schema.content)["errors"]
        assert any(e.startswith("schema-quantity-check at ") for e in errors)
        from backend_architect.spec import DatabaseSchema

        state.data = DatabaseSchema.model_validate(shop_plan.schema)
    outcome = registry.call("emit_api_spec", json.dumps({"api_specification": shop_plan.api}), state)
    assert not outcome.ok
    errors = json.loads(outcome.content)["errors"]
    assert any(e.startswith("authz-sensitive-public at resource 'payments', ") for e in errors)  # the design's own terms
    assert state.api is None  # not accepted


@pytest.mark.parametrize("gate", [True, False])
def test_finish_design_runs_the_whole_design_rules_with_the_gate(shop_brief, knowledge, monkeypatch, gate):
    monkeypatch.setattr(report, "GATE_BRIEF_RULES", gate)
    right = online_shop()
    state = _state(right.brief, knowledge, api=right.api_specification, data=right.database_schema,
                   services=right.microservices)
    state.reminded = True  # the reminder of skipped capabilities (capacity, performance) is not this test's
    items = [t.model_dump() for t in right.traceability]
    r4 = next(t for t in items if t["requirement_id"] == "R4")
    r4["endpoints"] = ["POST /api/v1/products"]  # staff only, and no read: R4 is not served
    args = {"summary": "a shop", "traceability": items, "open_questions": []}
    outcome = default_registry().call("finish_design", json.dumps(args), state)
    assert outcome.ok is not gate
    if gate:
        errors = json.loads(outcome.content)["errors"]
        assert any(e.startswith("brief-requirement-served at traceability/R4: requirement R4") for e in errors)


def test_finish_design_accepts_the_right_design_with_the_gate_on(knowledge, monkeypatch):
    monkeypatch.setattr(report, "GATE_BRIEF_RULES", True)
    right = online_shop()
    errors = [f for f in report.finish_findings(right.brief, right.api_specification, right.database_schema,
                                                right.microservices, traceability=right.traceability)
              if f.severity == "error"]
    assert errors == []
    broken = trace(R4=["POST /api/v1/products"])
    errors = [f.rule_id for f in report.finish_findings(right.brief, right.api_specification, right.database_schema,
                                                        right.microservices, traceability=broken)
              if f.severity == "error"]
    assert "brief-requirement-served" in errors
