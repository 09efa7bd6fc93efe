"""A real model (scripted with respx) using each capability tool, including a repair after invalid arguments."""

from __future__ import annotations

import copy
import json

import pytest
import respx

from backend_architect.inputs.brief import load_brief
from backend_architect.design.events import RunFinished, ToolCalled
from backend_architect.llm.builtin.architect import Plan

from .conftest import BASE_URL, EXAMPLES, completion, happy_script
from .test_agent import _run, _script


def _bad_peak_factor(plan):
    return {"inputs": {**plan.capacity_args["inputs"], "peak_to_average": 500}}


def _bad_sdl(plan):
    return {"graphql": dict(plan.graphql, sdl=plan.graphql["sdl"].replace("type Query {", "type Query {\n  broken(: Int"))}


def _no_pagination(plan):
    sdl = plan.graphql["sdl"].replace("posts(first: Int = 20, after: String): PostConnection!", "posts: PostConnection!")
    return {"graphql": dict(plan.graphql, sdl=sdl)}


def _cache_without_stampede(plan):
    performance = copy.deepcopy(plan.performance)
    cache = next(c for c in performance["caching"] if c["layer"] == "application")
    cache["stampede_protection"] = ""
    return {"performance": performance}


def _cache_on_unknown_endpoint(plan):
    performance = copy.deepcopy(plan.performance)
    next(c for c in performance["caching"] if c["layer"] == "application")["endpoints"] = ["GET /api/v1/carts/{id}"]
    return {"performance": performance}


def _chosen_not_considered(plan):
    decisions = copy.deepcopy(plan.decisions)
    decisions[0]["chosen_option"] = "Serverless functions"
    return {"decisions": decisions}


def _unserved_index(plan):
    schema = copy.deepcopy(plan.schema)
    schema["tables"][2]["indexes"].append({"name": "ix_products_name", "columns": ["name"], "reason": "maybe"})
    return {"database_schema": schema}


def _pattern_on_wrong_index(plan):
    schema = copy.deepcopy(plan.schema)
    schema["access_patterns"][0]["index"] = "ix_missing"
    return {"database_schema": schema}


def _saga_without_compensation(plan):
    services = copy.deepcopy(plan.services)
    services["sagas"][0]["steps"][0]["compensation"] = None
    return {"microservices": services}


def _event_without_payload(plan):
    services = copy.deepcopy(plan.services)
    if not services["events"]:  # a monolith publishes none: give it one to break
        services["events"] = [{"name": "order.deleted", "description": "an order was deleted",
                               "payload": [{"name": "id", "type": "uuid"}], "key": "id"}]
    services["events"][0]["payload"] = []
    services["events"][0]["key"] = None
    return {"microservices": services}


def _undeclared_scope(plan):
    api = copy.deepcopy(plan.api)
    api["resources"][0]["endpoints"][3]["scopes"] = ["orders:write"]
    return {"api_specification": api}


def _outbox_owned_by_other(plan):
    services = copy.deepcopy(plan.services)
    owner = next(s for s in services["services"] if s["owned_tables"] and s["name"] != services["outbox"][0]["service"])
    table = services["outbox"][0]["table"]
    for s in services["services"]:
        if table in s["owned_tables"]:
            s["owned_tables"].remove(table)
    owner["owned_tables"].append(table)
    return {"microservices": services}


def _big_shop(knowledge):
    brief = load_brief(EXAMPLES / "online-shop.yaml").brief
    nfr = brief.non_functional.model_copy(update={"peak_rps": 8000, "daily_active_users": 3_000_000, "team_size": 60})
    return brief.model_copy(update={"non_functional": nfr})


CASES = [
    ("estimate_capacity", "shop", _bad_peak_factor, "peak_to_average: 500: Input should be less than or equal to 100"),
    ("emit_database_schema", "shop", _unserved_index, "ix_products_name on products serves no declared access"),
    ("emit_database_schema", "shop", _pattern_on_wrong_index, "has no index 'ix_missing'"),
    ("emit_api_spec", "shop", _undeclared_scope, "needs scope 'orders:write', which no security scheme declares"),
    ("emit_graphql_schema", "social", _bad_sdl, "schema.graphql at line"),
    ("emit_graphql_schema", "social", _no_pagination, "Query.posts returns PostConnection but has no first or after"),
    ("emit_service_architecture", "big_shop", _saga_without_compensation, "needs a compensation"),
    ("emit_service_architecture", "shop", _event_without_payload, "has no payload fields"),
    ("emit_service_architecture", "big_shop", _outbox_owned_by_other, "must be owned by"),
    ("emit_performance_plan", "shop", _cache_without_stampede, "needs stampede_protection"),
    ("emit_performance_plan", "shop", _cache_on_unknown_endpoint, "'GET /api/v1/carts/{id}', which is not an API"),
    ("record_decisions", "shop", _chosen_not_considered, "is not one of the considered options"),
]


@pytest.mark.parametrize("tool,which,breaker,message", CASES, ids=[f"{c[0]}-{c[2].__name__[1:]}" for c in CASES])
def test_each_tool_is_repaired_after_invalid_arguments(tool, which, breaker, message, knowledge, persona):
    brief = {"shop": lambda: load_brief(EXAMPLES / "online-shop.yaml").brief,
             "social": lambda: load_brief(EXAMPLES / "photo-social.yaml").brief,
             "big_shop": lambda: _big_shop(knowledge)}[which]()
    plan = Plan(brief, knowledge)
    bodies = happy_script(plan)
    at = next(i for i, b in enumerate(bodies) if b["choices"][0]["message"]["tool_calls"][0]["function"]["name"] == tool)
    bodies.insert(at, completion((tool, breaker(plan)), turn=at + 1))
    with respx.mock(base_url=BASE_URL) as mock:
        route = mock.post("/chat/completions")
        _script(route, bodies)
        events, _ = _run(brief, persona, knowledge)
        # What the model was told after its invalid call: the exact error, and to send the whole artifact again.
        told = json.loads(json.loads(route.calls[at + 1].request.content)["messages"][-1]["content"])
    assert told["ok"] is False and any(message in e for e in told["errors"]), told["errors"]
    assert f"call {tool} again" in told["instruction"]
    calls = [e for e in events if isinstance(e, ToolCalled) and e.name == tool]
    assert [e.ok for e in calls] == [False, True]
    final = events[-1]
    assert isinstance(final, RunFinished), getattr(final, "reason", "")
    assert final.design.status == "complete"


def test_finish_reminds_once_of_skipped_capabilities_then_accepts(shop_brief, knowledge, persona, shop_plan):
    core = [b for b in happy_script(shop_plan) if b["choices"][0]["message"]["tool_calls"][0]["function"]["name"] in
            {"emit_database_schema", "emit_api_spec", "emit_service_architecture", "finish_design"}]
    core.append(completion(("finish_design", shop_plan.finish), turn=9))
    with respx.mock(base_url=BASE_URL) as mock:
        route = mock.post("/chat/completions")
        _script(route, core)
        events, _ = _run(shop_brief, persona, knowledge)
        reminder = json.loads(json.loads(route.calls[4].request.content)["messages"][-1]["content"])
    assert reminder["ok"] is False
    assert {"estimate_capacity was not called; a complete design covers it",
            "emit_performance_plan was not called; a complete design covers it"} <= set(reminder["errors"])
    final = events[-1]
    assert isinstance(final, RunFinished) and final.design.capacity is None and final.design.performance is None
    from backend_architect.render.markdown import render_markdown

    md = render_markdown(final.design)
    assert "_Not produced: estimate_capacity was not called" in md


def test_an_artifact_emitted_after_finish_in_the_same_answer_leaves_the_run_unfinished(shop_plan, shop_brief, knowledge):
    """finish_design then an emit, in one answer: the emit voids the traceability, so the run goes on."""
    from collections import Counter

    from backend_architect.design.agent import run_tool_calls
    from backend_architect.llm.stream import ToolCall
    from backend_architect.design.tools import DesignState, default_registry

    from .conftest import plan_calls

    registry, state = default_registry(), DesignState(brief=shop_brief, knowledge=knowledge)
    calls = [ToolCall(f"c{i}", name, json.dumps(args)) for i, (name, args) in enumerate(plan_calls(shop_plan))]
    calls.append(ToolCall("late", "emit_api_spec", json.dumps({"api_specification": shop_plan.api})))
    round_ = run_tool_calls(registry, state, calls, turn=1, repairs=Counter(), max_repairs=3)
    assert not round_.finished and state.finish is None
    assert run_tool_calls(registry, state, calls[-2:-1], turn=2, repairs=Counter(), max_repairs=3).finished


def test_the_reminder_does_not_spend_a_repair(shop_plan, shop_brief, knowledge, persona):
    from backend_architect.design.agent import Budgets

    core = [b for b in happy_script(shop_plan) if b["choices"][0]["message"]["tool_calls"][0]["function"]["name"] in
            {"emit_database_schema", "emit_api_spec", "emit_service_architecture", "finish_design"}]
    core.append(completion(("finish_design", shop_plan.finish), turn=9))
    with respx.mock(base_url=BASE_URL) as mock:
        _script(mock.post("/chat/completions"), core)
        events, _ = _run(shop_brief, persona, knowledge, Budgets(max_repairs_per_tool=0))
    assert isinstance(events[-1], RunFinished), getattr(events[-1], "reason", "")


def test_an_access_pattern_on_a_keyword_table_is_read_through_its_quotes(shop_brief, knowledge):
    """render/sql.py quotes a table named order; its access pattern's query must be able to as well."""
    from backend_architect.design.tools import DesignState, default_registry

    schema = {"tables": [{"name": "order", "columns": [
        {"name": "id", "type": "uuid", "primary_key": True}, {"name": "customer", "type": "text", "not_null": True}],
        "indexes": [{"name": "ix_order_customer", "columns": ["customer"], "reason": "orders of a customer"}]}],
        "access_patterns": [{"name": "orders_of_customer", "description": "orders of a customer", "table": "order",
                             "query": 'SELECT * FROM "order" WHERE customer = $1', "index": "ix_order_customer"}]}
    brief = shop_brief.model_copy(update={"entities": []})  # the point is the quoting, not the brief's fields
    outcome = default_registry().call("emit_database_schema", json.dumps({"database_schema": schema}),
                                      DesignState(brief=brief, knowledge=knowledge))
    assert outcome.ok, outcome.errors
