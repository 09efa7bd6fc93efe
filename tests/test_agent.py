"""The agent loop against a model scripted at the HTTP layer with respx.

The client is built by the real factory with a legacy httpx.AsyncClient, which the OpenAI SDK
accepts and respx intercepts (the SDK's default httpx2 transport is invisible to respx).
"""

from __future__ import annotations

import copy
import json

import httpx
import pytest
import respx

from backend_architect.design.agent import Budgets
from backend_architect.design.events import RunFailed, RunFinished, ToolCalled
from backend_architect.design.output import write_design

from backend_architect.design.phases import phase_system_prompt

from .conftest import API_KEY, BASE_URL, completion, happy_script, run_agent


def _run(brief, persona, knowledge, budgets=Budgets(), settings=None):
    return run_agent(brief, persona, knowledge, budgets, settings)


def _script(route, bodies):
    route.side_effect = [httpx.Response(200, json=b) for b in bodies]


@respx.mock(base_url=BASE_URL, assert_all_called=True)
def test_respx_sees_every_request_and_a_valid_run_finishes(respx_mock, shop_brief, persona, knowledge, shop_plan):
    route = respx_mock.post("/chat/completions")
    _script(route, happy_script(shop_plan))
    events, transcript = _run(shop_brief, persona, knowledge)

    assert route.call_count == 8
    first = json.loads(route.calls[0].request.content)
    assert first["model"] == "gpt-test"
    assert first["messages"][0] == {"role": "system", "content": phase_system_prompt(persona.system_prompt)}
    assert "```yaml" in first["messages"][1]["content"] and "R6" in first["messages"][1]["content"]
    # The first phase offers the database's tools only, with compact schemas.
    assert [t["function"]["name"] for t in first["tools"]] == [
        "search_knowledge", "estimate_capacity", "emit_database_schema"]
    assert "title" not in json.dumps(first["tools"][2]["function"]["parameters"]["$defs"]["Table"])
    # The tool result of turn 1 is sent back with the matching id on turn 2.
    second = json.loads(route.calls[1].request.content)
    assert second["messages"][-1]["role"] == "tool" and second["messages"][-1]["tool_call_id"] == "call_1_0"
    assert "rate" in second["messages"][-1]["content"] or "index" in second["messages"][-1]["content"].lower()

    final = events[-1]
    assert isinstance(final, RunFinished)
    assert final.design.status == "complete"
    assert {t.requirement_id for t in final.design.traceability} == set(shop_brief.requirement_ids())
    assert final.usage.requests == 8 and final.usage.total_tokens == 8 * 120
    assert final.design.capacity is not None and final.design.performance is not None
    assert len(final.design.decisions) == len(shop_plan.decisions)
    # The key went over HTTP, but never into the transcript.
    assert route.calls[0].request.headers["authorization"] == f"Bearer {API_KEY}"
    assert API_KEY not in transcript.text()
    assert [json.loads(line)["type"] for line in transcript.lines if '"phase"' not in line[:20]] == [
        "request", "response"] * 8 + ["outcome"]
    assert json.loads(transcript.lines[-1])["body"]["usage"]["total_tokens"] == 8 * 120


@respx.mock(base_url=BASE_URL)
def test_invalid_arguments_are_sent_back_and_repaired(respx_mock, shop_brief, persona, knowledge, shop_plan):
    broken = copy.deepcopy(shop_plan.schema)
    broken["tables"][2]["columns"][1]["references"]["table"] = "kategories"
    bodies = happy_script(shop_plan)
    bodies[2:2] = [
        completion(("emit_database_schema", '{"database_schema": {"tables": [{"name": "x"'), turn=2),  # truncated
        completion(("emit_database_schema", {"database_schema": broken}), turn=3),
    ]
    route = respx_mock.post("/chat/completions")
    _script(route, bodies)
    events, _ = _run(shop_brief, persona, knowledge)

    assert isinstance(events[-1], RunFinished)
    assert route.call_count == 10
    truncated_result = json.loads(route.calls[3].request.content)["messages"][-1]
    assert truncated_result["role"] == "tool"
    assert "not valid JSON" in truncated_result["content"]
    fk_result = json.loads(json.loads(route.calls[4].request.content)["messages"][-1]["content"])
    assert fk_result["ok"] is False
    assert any("kategories" in e for e in fk_result["errors"])
    assert "call emit_database_schema again" in fk_result["instruction"]
    repairs = [e for e in events if isinstance(e, ToolCalled) and e.name == "emit_database_schema"]
    assert [e.ok for e in repairs] == [False, False, True]


@respx.mock(base_url=BASE_URL)
def test_exhausted_repair_budget_fails_cleanly_and_keeps_the_valid_part(
        respx_mock, tmp_path, shop_brief, persona, knowledge, shop_plan):
    bad_api = copy.deepcopy(shop_plan.api)
    bad_api["resources"][0]["endpoints"][1]["request_schema"] = "Basket"  # POST: a schema the API does not define
    route = respx_mock.post("/chat/completions")
    _script(route, [
        completion(("emit_database_schema", {"database_schema": shop_plan.schema}), turn=1),
        completion(("emit_api_spec", {"api_specification": bad_api}), turn=2),
        completion(("emit_api_spec", {"api_specification": bad_api}), turn=3),
    ])
    events, transcript = _run(shop_brief, persona, knowledge, Budgets(max_repairs_per_tool=1))

    final = events[-1]
    assert isinstance(final, RunFailed)
    assert "repair budget exhausted" in final.reason and "emit_api_spec" in final.reason
    assert "Basket" in final.reason
    assert route.call_count == 3
    assert final.design.database_schema is not None and final.design.api_specification is None

    written = {f.path.name for f in write_design(tmp_path, final.design, transcript.text())}
    assert written == {"design.md", "design.json", "review.json", "schema.sql", "0001_initial.py", "transcript.jsonl"}
    assert json.loads((tmp_path / "design.json").read_text())["status"] == "incomplete"
    assert "Incomplete design" in (tmp_path / "design.md").read_text()


@respx.mock(base_url=BASE_URL)
def test_turn_budget_stops_a_model_that_never_finishes(respx_mock, shop_brief, persona, knowledge):
    route = respx_mock.post("/chat/completions")
    route.side_effect = [httpx.Response(200, json=completion(("search_knowledge", {"query": "cache"}), turn=i))
                         for i in range(1, 4)]
    events, _ = _run(shop_brief, persona, knowledge, Budgets(max_turns=3))
    assert isinstance(events[-1], RunFailed)
    assert "turn budget exhausted" in events[-1].reason
    assert route.call_count == 3


@respx.mock(base_url=BASE_URL)
def test_unknown_tool_is_told_which_tools_exist(respx_mock, shop_brief, persona, knowledge, shop_plan):
    route = respx_mock.post("/chat/completions")
    _script(route, [completion(("run_shell", {"cmd": "rm -rf /"}), turn=1)] + happy_script(shop_plan))
    events, _ = _run(shop_brief, persona, knowledge)
    answer = json.loads(json.loads(route.calls[1].request.content)["messages"][-1]["content"])
    assert answer["ok"] is False and "emit_api_spec" in answer["errors"][0]
    assert isinstance(events[-1], RunFinished)


@respx.mock(base_url=BASE_URL)
def test_an_answer_without_choices_is_asked_again_once(respx_mock, shop_brief, persona, knowledge, shop_plan):
    empty = {"id": "x", "object": "chat.completion", "created": 0, "model": "gpt-test", "choices": []}
    route = respx_mock.post("/chat/completions")
    bodies = happy_script(shop_plan)
    route.side_effect = [httpx.Response(200, json=empty)] + [httpx.Response(200, json=b) for b in bodies]
    events, _ = _run(shop_brief, persona, knowledge)
    assert isinstance(events[-1], RunFinished)
    assert route.call_count == 9


@respx.mock(base_url=BASE_URL)
def test_a_refused_key_fails_with_a_clear_reason_that_does_not_leak_it(respx_mock, shop_brief, persona, knowledge):
    route = respx_mock.post("/chat/completions").mock(return_value=httpx.Response(
        401, json={"error": {"message": f"Incorrect API key provided: {API_KEY}", "type": "invalid_request_error"}}))
    events, transcript = _run(shop_brief, persona, knowledge)
    final = events[-1]
    assert isinstance(final, RunFailed)
    assert "401" in final.reason and "OPENAI_API_KEY" in final.reason
    assert API_KEY not in final.reason and API_KEY not in transcript.text()
    assert route.call_count == 1


def test_text_only_answers_are_nudged_then_fail(shop_brief, persona, knowledge):
    with respx.mock(base_url=BASE_URL) as mock:
        route = mock.post("/chat/completions")
        route.side_effect = [httpx.Response(200, json=completion(content="Here is my design in prose.", turn=i))
                             for i in range(1, 4)]
        events, _ = _run(shop_brief, persona, knowledge)
    assert isinstance(events[-1], RunFailed)
    assert "stopped calling tools" in events[-1].reason
    nudge = json.loads(route.calls[1].request.content)["messages"][-1]
    assert nudge["role"] == "user" and "emit_database_schema" in nudge["content"]


@pytest.mark.parametrize("env,expected", [
    ({}, "builtin"),
    ({"OPENAI_API_KEY": "sk-x"}, "gpt-4.1-mini"),
    ({"OPENAI_BASE_URL": "http://127.0.0.1:11434/v1", "BACKEND_ARCHITECT_MODEL": "llama3"}, "llama3"),
])
def test_settings_resolve_offline_by_default(env, expected):
    from backend_architect.llm.config import resolve_settings

    settings = resolve_settings(env=env)
    assert settings.model == expected
    assert "sk-x" not in repr(settings)


def test_a_named_model_without_a_server_is_a_clear_error():
    from backend_architect.llm.config import ConfigError, resolve_settings

    with pytest.raises(ConfigError, match="OPENAI_API_KEY"):
        resolve_settings(model="gpt-4o", env={})


def test_a_checker_that_crashes_becomes_a_tool_error_not_a_crash(monkeypatch, shop_brief, knowledge, shop_plan):
    from backend_architect.checks import validate
    from backend_architect.design.tools import DesignState, default_registry

    def boom(document, limit=10):
        raise RuntimeError("validator bug")

    monkeypatch.setattr(validate, "check_openapi", boom)
    outcome = default_registry().call("emit_api_spec", json.dumps({"api_specification": shop_plan.api}),
                                      DesignState(brief=shop_brief, knowledge=knowledge))
    assert not outcome.ok and "validator bug" in outcome.errors[0]
