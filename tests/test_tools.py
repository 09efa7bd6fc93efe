"""Tools over a design that changes: a new schema is accepted, the stale services must follow before finishing."""

from __future__ import annotations

import copy
import json

from backend_architect.design.tools import DesignState, default_registry

from .conftest import plan_calls


def test_a_changed_schema_is_accepted_and_finish_waits_for_the_services_to_follow(shop_brief, knowledge, shop_plan):
    registry, state = default_registry(), DesignState(brief=shop_brief, knowledge=knowledge)
    for name, args in plan_calls(shop_plan):
        assert registry.call(name, json.dumps(args), state).ok, name

    grown = copy.deepcopy(shop_plan.schema)
    extra = copy.deepcopy(grown["tables"][0])
    extra["name"], extra["indexes"] = "wishlists", []
    extra["columns"] = [c for c in extra["columns"] if not c.get("references") and not c.get("unique")]
    grown["tables"].append(extra)
    outcome = registry.call("emit_database_schema", json.dumps({"database_schema": grown}), state)
    assert outcome.ok and "wishlists" in outcome.content and "emit them again (emit_service_architecture" in outcome.content
    assert state.finish is None  # the traceability was for the old design

    refused = registry.call("finish_design", json.dumps(shop_plan.finish), state)
    assert not refused.ok and any("wishlists" in e for e in refused.errors)

    services = copy.deepcopy(shop_plan.services)
    services["services"][0]["owned_tables"].append("wishlists")
    assert registry.call("emit_service_architecture", json.dumps({"microservices": services}), state).ok
    assert registry.call("finish_design", json.dumps(shop_plan.finish), state).ok


def test_arguments_inside_one_wrapper_key_are_taken_and_not_kept_in_the_draft(shop_brief, knowledge, shop_plan):
    """Qwen2.5-Coder-1.5B wrapped its schema as {"inputs": {"database_schema": ...}} (the capacity tool's key):
    the call is taken from inside the wrapper, so no repair repeats "inputs: not a field here"."""
    registry, state = default_registry(), DesignState(brief=shop_brief, knowledge=knowledge)
    broken = copy.deepcopy(shop_plan.schema)
    broken["tables"][0]["columns"][0]["type"] = "not a type"
    first = registry.call("emit_database_schema", json.dumps({"inputs": {"database_schema": broken}}), state)
    assert not first.ok and "inputs" not in state.drafts["emit_database_schema"]
    assert not any("inputs" in e for e in first.errors)
    wrapped = {"inputs": {"database_schema": shop_plan.schema}}
    outcome = registry.call("emit_database_schema", json.dumps(wrapped), state)
    assert outcome.ok, outcome.errors
    # A wrapper around something that is not the tool's arguments is still an error that names it.
    other = registry.call("emit_database_schema", json.dumps({"inputs": {"tables": []}}), state)
    assert not other.ok and any("inputs" in e for e in other.errors)


def test_an_unused_index_sent_back_unchanged_in_a_repair_is_dropped_and_said(shop_brief, knowledge, shop_plan):
    """A small model resends its whole schema with the same unjustified index (the real run, four times): the
    first time it is an error; sent again, the index is dropped and the acceptance names it."""
    registry, state = default_registry(), DesignState(brief=shop_brief, knowledge=knowledge)
    schema = copy.deepcopy(shop_plan.schema)
    table = schema["tables"][0]
    extra = {"name": "ix_unused_probe", "columns": [table["columns"][-1]["name"]], "reason": "just in case"}
    table["indexes"] = [*table.get("indexes", []), extra]
    first = registry.call("emit_database_schema", json.dumps({"database_schema": schema}), state)
    assert not first.ok and any("ix_unused_probe" in e and "serves no declared access pattern" in e
                                for e in first.errors)
    # Sent again with a new unused index: the told one is dropped, the new one is asked about first.
    newer = {"name": "ix_unused_newer", "columns": [table["columns"][-1]["name"]], "reason": "maybe"}
    table["indexes"].append(newer)
    second = registry.call("emit_database_schema", json.dumps({"database_schema": schema}), state)
    assert not second.ok and any("ix_unused_newer" in e for e in second.errors)
    assert not any("ix_unused_probe" in e for e in second.errors)
    third = registry.call("emit_database_schema", json.dumps({"database_schema": schema}), state)
    assert third.ok, third.errors
    assert f"dropped {table['name']}.ix_unused_newer, {table['name']}.ix_unused_probe" in third.summary
    assert all(not i.name.startswith("ix_unused") for t in state.data.tables for i in t.indexes)


def test_another_tools_arguments_under_this_name_run_that_tool(shop_brief, knowledge):
    """The 1.5B model sent search_knowledge's arguments as estimate_capacity: the search runs, and says so."""
    registry, state = default_registry(), DesignState(brief=shop_brief, knowledge=knowledge)
    outcome = registry.call("estimate_capacity", json.dumps({"query": "capacity estimation", "k": 2}), state)
    assert outcome.ok and outcome.summary.startswith("ran search_knowledge")
    assert json.loads(outcome.content)["tool"] == "search_knowledge"


def test_keys_a_tool_does_not_have_are_not_carried_into_its_next_attempt(shop_brief, knowledge, shop_plan):
    """Merged into every later attempt, a stray key failed them all (the real run's estimate_capacity)."""
    registry, state = default_registry(), DesignState(brief=shop_brief, knowledge=knowledge)
    bad = {"inputs": {"daily_active_users": "many"}, "notes_for_me": "x"}
    assert not registry.call("estimate_capacity", json.dumps(bad), state).ok
    assert "notes_for_me" not in state.drafts["estimate_capacity"]
    good = registry.call("estimate_capacity", json.dumps(shop_plan.capacity_args), state)
    assert good.ok, good.errors


def test_a_small_models_unused_index_is_dropped_at_first_sight_and_said(shop_brief, knowledge, shop_plan):
    """A 1.5B model takes minutes per repair on a CPU: its unexplained index is dropped at once, not asked about."""
    registry, state = default_registry(), DesignState(brief=shop_brief, knowledge=knowledge)
    state.drop_unused_at_once = True
    schema = copy.deepcopy(shop_plan.schema)
    table = schema["tables"][0]
    table["indexes"] = [*table.get("indexes", []), {"name": "ix_unused_probe", "columns": [table["columns"][-1]["name"]],
                                                    "reason": "just in case"}]
    outcome = registry.call("emit_database_schema", json.dumps({"database_schema": schema}), state)
    assert outcome.ok, outcome.errors
    assert f"dropped {table['name']}.ix_unused_probe" in outcome.summary
