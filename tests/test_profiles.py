"""Model profiles and structured-output modes: what goes over the wire in each, and fallback on a 400."""

from __future__ import annotations

import json

import httpx
import pytest
import respx

from backend_architect.design.events import RunFailed, RunFinished, ToolCalled
from backend_architect.design.phases import phase_system_prompt
from backend_architect.llm.profiles import KNOWN_PROFILES, fallback, resolve_profile
from backend_architect.llm.strict import drop_filled_nulls, strict_schema
from backend_architect.llm.structured import extract_json_calls, strip_think
from backend_architect.design.tools import default_registry

from .conftest import BASE_URL, completion, happy_script, remote_settings, run_agent


def _as_text(body, *, think: str = "") -> dict:
    """The same answer written as fenced JSON in the text, the way a model without tool calling writes it."""
    message = body["choices"][0]["message"]
    call = message.pop("tool_calls")[0]["function"]
    message["content"] = (f"<think>{think}</think>\n" if think else "") + "Here you go:\n```json\n" + json.dumps(
        {"tool": call["name"], "arguments": json.loads(call["arguments"])}) + "\n```"
    body["choices"][0]["finish_reason"] = "stop"
    return body


@pytest.fixture
def route():
    with respx.mock(base_url=BASE_URL) as mock:
        yield mock.post("/chat/completions")


@pytest.mark.parametrize("model,profile,mode", [
    ("builtin", "builtin", "tools"), ("gpt-4.1-mini", "openai-gpt", "tools"), ("gpt-5", "openai-gpt5", "tools"),
    ("o4-mini", "openai-reasoning", "tools"), ("gpt-3.5-turbo", "openai-legacy", "tools"),
    ("llama3.1:8b", "llama", "tools"), ("llama2", "llama-old", "json_object"),
    ("qwen2.5-coder:32b", "qwen", "tools"), ("Qwen/Qwen3-32B", "qwen3", "tools"),
    ("deepseek-r1:14b", "deepseek-r1", "text"), ("mistral-small", "mistral", "tools"),
    ("gemma2:9b", "gemma", "text"), ("something-new", "generic", "tools"),
])
def test_known_profiles(model, profile, mode):
    resolved = resolve_profile(model)
    assert (resolved.name, resolved.mode) == (profile, mode)
    assert resolved.strict == (profile in ("openai-gpt", "openai-gpt5", "openai-reasoning"))


def test_a_forced_mode_overrides_the_profile_and_a_bad_one_is_refused():
    assert resolve_profile("gpt-4.1", "text").mode == "text"
    assert resolve_profile("gpt-4.1", "text").strict is False
    assert resolve_profile("llama3.1", "tools-strict").strict is True
    with pytest.raises(ValueError, match="json_schema"):
        resolve_profile("gpt-4.1", "xml")


def test_the_fallback_chain_ends():
    profile = resolve_profile("gpt-4.1")
    seen = []
    while profile is not None:
        seen.append((profile.mode, profile.strict))
        profile = fallback(profile, "tools")
    assert seen == [("tools", True), ("tools", False), ("json_schema", False), ("json_object", False),
                    ("text", False)]
    assert fallback(resolve_profile("gpt-4.1"), "strict").strict is False
    assert len({p.name for p in KNOWN_PROFILES}) == len(KNOWN_PROFILES)


def test_every_tool_schema_can_be_made_strict_and_forced_nulls_are_dropped_again():
    for tool in default_registry().schemas():
        schema = tool["function"]["parameters"]
        tight = strict_schema(schema)
        assert tight is not None, tool["function"]["name"]
        for node in _objects(tight):
            assert node["additionalProperties"] is False and set(node["required"]) == set(node["properties"])
            assert all("default" not in sub for sub in node["properties"].values() if isinstance(sub, dict))
    search = default_registry().schemas()[0]["function"]["parameters"]
    assert drop_filled_nulls({"query": "x", "k": None}, search) == {"query": "x"}
    assert strict_schema({"type": "object", "additionalProperties": {"type": "string"}}) is None


def _objects(node):
    if isinstance(node, dict):
        if node.get("type") == "object":
            yield node
        for value in node.values():
            yield from _objects(value)
    elif isinstance(node, list):
        for value in node:
            yield from _objects(value)


def test_strict_models_get_strict_tools_and_their_null_defaults_still_validate(route, shop_brief, persona, knowledge,
                                                                               shop_plan):
    bodies = happy_script(shop_plan)
    bodies[0] = completion(("search_knowledge", {"query": "indexing", "k": None}))
    route.side_effect = [httpx.Response(200, json=b) for b in bodies]
    events, _ = run_agent(shop_brief, persona, knowledge, settings=remote_settings(model="gpt-4.1-mini"))
    assert isinstance(events[-1], RunFinished)
    sent = json.loads(route.calls[0].request.content)
    assert all(t["function"]["strict"] is True for t in sent["tools"])
    assert next(e for e in events if isinstance(e, ToolCalled)).ok


def test_a_model_that_only_answers_in_text_succeeds_with_prompted_json(route, shop_brief, persona, knowledge,
                                                                       shop_plan):
    route.side_effect = [httpx.Response(200, json=_as_text(b)) for b in happy_script(shop_plan)]
    events, transcript = run_agent(shop_brief, persona, knowledge, settings=remote_settings(model="llama2"))
    assert isinstance(events[-1], RunFinished) and route.call_count == 8
    first = json.loads(route.calls[0].request.content)
    assert "tools" not in first and first["response_format"] == {"type": "json_object"}
    assert [m["role"] for m in first["messages"]] == ["system", "user"]
    assert phase_system_prompt(persona.system_prompt) in first["messages"][0]["content"]
    assert "arguments schema" in first["messages"][0]["content"]
    second = json.loads(route.calls[1].request.content)["messages"]
    assert second[-2]["role"] == "assistant" and second[-1]["role"] == "user"
    assert second[-1]["content"].startswith("Result of search_knowledge:")
    assert '"mode": "json_object"' in transcript.lines[-1]


def test_a_reasoning_model_in_text_mode_has_its_think_block_ignored(route, shop_brief, persona, knowledge,
                                                                    shop_plan):
    decoy = '```json\n{"tool": "finish_design", "arguments": {}}\n```'
    route.side_effect = [httpx.Response(200, json=_as_text(b, think=decoy)) for b in happy_script(shop_plan)]
    events, _ = run_agent(shop_brief, persona, knowledge, settings=remote_settings(model="deepseek-r1:14b"))
    assert isinstance(events[-1], RunFinished) and route.call_count == 8
    first = json.loads(route.calls[0].request.content)
    assert "tools" not in first and "response_format" not in first


def test_a_server_refusing_tools_falls_back_to_json_schema(route, shop_brief, persona, knowledge, shop_plan):
    refusal = httpx.Response(400, json={"error": {"message": "tools is not supported for this model",
                                                  "param": "tools", "type": "invalid_request_error"}})
    route.side_effect = [refusal] + [httpx.Response(200, json=_as_text(b)) for b in happy_script(shop_plan)]
    events, transcript = run_agent(shop_brief, persona, knowledge, settings=remote_settings(model="llama3.1"))
    assert isinstance(events[-1], RunFinished) and route.call_count == 9
    retried = json.loads(route.calls[1].request.content)
    assert "tools" not in retried and retried["response_format"]["type"] == "json_schema"
    assert '"type": "fallback"' in transcript.text()
    assert events[2].notices == ["the server refused tools; structured output now by json_schema"]


def test_a_server_refusing_every_mode_fails_once_per_mode(route, shop_brief, persona, knowledge):
    route.mock(return_value=httpx.Response(400, json={"error": {"message": "response_format and tools unsupported"}}))
    events, _ = run_agent(shop_brief, persona, knowledge, settings=remote_settings(model="llama3.1"))
    assert isinstance(events[-1], RunFailed) and "rejected the request (400)" in events[-1].reason
    assert route.call_count == 4  # tools, json_schema, json_object, text


def test_a_tool_call_written_as_text_counts_only_if_it_names_an_offered_tool(route, shop_brief, persona, knowledge,
                                                                             shop_plan):
    shell = completion(content='{"name": "run_shell", "arguments": {"cmd": "rm -rf /"}}')
    llama_style = completion(content='<tool_call>{"name": "search_knowledge", "arguments": {"query": "x"}}'
                                     '</tool_call>')
    route.side_effect = [httpx.Response(200, json=b) for b in [shell, llama_style, *happy_script(shop_plan)[1:]]]
    events, _ = run_agent(shop_brief, persona, knowledge)
    assert isinstance(events[-1], RunFinished) and route.call_count == 9
    assert [e.name for e in events if isinstance(e, ToolCalled)][0] == "search_knowledge"
    nudged = json.loads(route.calls[1].request.content)["messages"][-1]
    assert nudged["role"] == "user" and "still to call" in nudged["content"]


@pytest.mark.parametrize("text,names", [
    ('{"tool": "search_knowledge", "arguments": {"query": "q"}}', ["search_knowledge"]),
    ('[{"name": "search_knowledge", "parameters": {"query": "q"}}, {"name": "nope", "arguments": {}}]',
     ["search_knowledge"]),
    ('{"tool_calls": [{"function": {"name": "finish_design", "arguments": "{}"}}]}', ["finish_design"]),
    ("<think>hmm {\"tool\": \"finish_design\"}", []),
    ("I'd call search_knowledge but won't", []),
    # Broken JSON naming an offered tool is still a call: the tool then says where the JSON breaks.
    ('```json\n{"tool": "search_knowledge", "arguments": {"query": "q"\n```', ["search_knowledge"]),
])
def test_json_calls_in_text(text, names):
    offered = {"search_knowledge", "finish_design"}
    assert [c.name for c in extract_json_calls(text, offered)] == names


def test_strip_think():
    assert strip_think("<think>a</think>b") == "b"
    assert strip_think("reasoning without an opening tag</think>answer") == "answer"
    assert strip_think("answer<think>unfinished") == "answer"


def test_a_server_refusing_only_tool_choice_keeps_native_tools(route, shop_brief, persona, knowledge, shop_plan):
    refusal = httpx.Response(400, json={"error": {"message": '"auto" tool choice requires --enable-auto-tool-choice',
                                                  "param": "tool_choice"}})
    route.side_effect = [refusal] + [httpx.Response(200, json=b) for b in happy_script(shop_plan)]
    events, _ = run_agent(shop_brief, persona, knowledge, settings=remote_settings(model="qwen2.5"))
    assert isinstance(events[-1], RunFinished) and route.call_count == 9
    retried = json.loads(route.calls[1].request.content)
    assert retried["tools"] and "tool_choice" not in retried


def test_without_tool_calling_the_roles_alternate_even_after_a_cut_off_answer(route, shop_brief, persona, knowledge,
                                                                              shop_plan):
    bodies = [_as_text(b) for b in happy_script(shop_plan)]
    cut = _as_text(happy_script(shop_plan)[1])
    cut["choices"][0]["finish_reason"] = "length"
    route.side_effect = [httpx.Response(200, json=b) for b in [bodies[0], cut, *bodies[1:]]]
    events, _ = run_agent(shop_brief, persona, knowledge, settings=remote_settings(model="gemma2"))
    assert isinstance(events[-1], RunFinished) and route.call_count == 9
    for call in route.calls:
        roles = [m["role"] for m in json.loads(call.request.content)["messages"]]
        assert roles[0] == "system" and "system" not in roles[1:]
        assert all(a != b for a, b in zip(roles[1:], roles[2:])), roles


def test_a_strict_schema_the_server_refuses_falls_back_to_plain_tools(route, shop_brief, persona, knowledge,
                                                                     shop_plan):
    refusal = httpx.Response(400, json={"error": {
        "message": "Invalid schema for function 'emit_api_spec': In context=(), 'uniqueItems' is not permitted.",
        "param": "tools[2].function.parameters", "type": "invalid_request_error"}})
    route.side_effect = [refusal] + [httpx.Response(200, json=b) for b in happy_script(shop_plan)]
    events, _ = run_agent(shop_brief, persona, knowledge, settings=remote_settings(model="gpt-4.1"))
    assert isinstance(events[-1], RunFinished) and route.call_count == 9
    first, retried = (json.loads(route.calls[i].request.content) for i in (0, 1))
    assert all(t["function"].get("strict") for t in first["tools"])
    assert not any(t["function"].get("strict") for t in retried["tools"]) and "response_format" not in retried


OFFERED = {name: default_registry().schemas([name])[0]["function"]["parameters"]
           for name in ("search_knowledge", "emit_database_schema", "finish_design")}


@pytest.mark.parametrize("text,names", [
    # Qwen2.5's template shows the call with doubled braces, and a 1.5B model copies them.
    ('{{"name": "search_knowledge", "arguments": {"query": "indexing"}}}', ["search_knowledge"]),
    ('```json\n{{"name": "search_knowledge", "arguments": {{"query": "indexing"}}}}\n```', ["search_knowledge"]),
    # The argument object of an offered tool, without the name/arguments wrapper.
    ('```json\n{"database_schema": {"tables": []}}\n```', ["emit_database_schema"]),
    ('{"query": "capacity inputs", "k": 2}', ["search_knowledge"]),
    # Several calls in one answer are all taken, in order.
    ('<tool_call>\n{"name": "search_knowledge", "arguments": {"query": "a"}}\n</tool_call>\n'
     '<tool_call>\n{"name": "search_knowledge", "arguments": {"query": "b"}}\n</tool_call>',
     ["search_knowledge", "search_knowledge"]),
    ('```json\n{"name": "search_knowledge", "arguments": {"query": "a"}}\n```\nthen\n'
     '```json\n{"name": "finish_design", "arguments": {}}\n```', ["search_knowledge", "finish_design"]),
    ('{"name": "search_knowledge", "arguments": {"query": "a"}}\n{"name": "search_knowledge", "arguments": '
     '{"query": "b"}}', ["search_knowledge", "search_knowledge"]),
    # An object that fits no offered tool is not a call.
    ('```json\n{"tables": [{"name": "users"}]}\n```', []),
    # Qwen2.5-Coder-1.5B's own form in the recorded run: the name under "function", two calls in two fences.
    ('```json\n{"function": "search_knowledge", "arguments": {"query": "a"}}\n```\n\n'
     '```json\n{"function": "finish_design", "arguments": {}}\n```', ["search_knowledge", "finish_design"]),
    # It also imitates the tool results its template shows it: a <tool_response> is never a call.
    ('<tool_response>\n{"ok": true, "tool": "search_knowledge", "result": "3 sections"}\n</tool_response>', []),
])
def test_near_miss_calls_in_text_are_taken(text, names):
    calls = extract_json_calls(text, OFFERED)
    assert [c.name for c in calls] == names
    assert all(json.loads(c.arguments) is not None for c in calls)
    assert len({c.id for c in calls}) == len(calls)


def test_a_call_whose_json_is_broken_is_run_so_the_tool_says_where():
    """The recorded run's schema had a JavaScript regex literal in it: the model is told where, not nudged."""
    from backend_architect.design.tools import DesignState

    text = ('```json\n{"function": "emit_database_schema", "arguments": {"database_schema": {"tables": [{"name": '
            '"link", "columns": [{"name": "code", "type": "text", "pattern": /^[a-z]{7}$/}]}]}}}\n```')
    (call,) = extract_json_calls(text, OFFERED)
    assert call.name == "emit_database_schema"
    outcome = default_registry().call(call.name, call.arguments, DesignState(brief=None, knowledge=None))
    assert not outcome.ok and "not valid JSON" in outcome.errors[0] and "/^[a-z]{7}$/" in outcome.errors[0]


def test_the_json_schema_mode_ties_each_tool_to_its_own_arguments(shop_plan):
    """A grammar-backed server (llama.cpp, vLLM) writes only what the response schema allows: a call of an offered
    tool whose arguments are that tool's, every required field present; each tool's definitions kept apart."""
    import jsonschema

    from backend_architect.llm.structured import call_schema

    registry = default_registry()
    schema = call_schema(registry.schemas(["search_knowledge", "emit_database_schema", "amend_database_schema"],
                                          compact=True))
    jsonschema.Draft202012Validator.check_schema(schema)
    valid = jsonschema.Draft202012Validator(schema)
    assert {name.split("__")[0] for name in schema["$defs"]} == {"emit_database_schema", "amend_database_schema"}
    assert valid.is_valid({"tool": "search_knowledge", "arguments": {"query": "indexes"}})
    assert valid.is_valid({"tool": "emit_database_schema", "arguments": {"database_schema": shop_plan.schema}})
    # Another tool's arguments under this name, a missing required field, an unknown tool: none can be written.
    assert not valid.is_valid({"tool": "emit_database_schema", "arguments": {"query": "indexes"}})
    table = dict(shop_plan.schema["tables"][0])
    del table["columns"]
    broken = {**shop_plan.schema, "tables": [table]}
    assert not valid.is_valid({"tool": "emit_database_schema", "arguments": {"database_schema": broken}})
    assert not valid.is_valid({"tool": "finish_design", "arguments": {}})
    # One tool: its call alone, no anyOf.
    single = call_schema(registry.schemas(["search_knowledge"]))
    assert single["properties"]["tool"] == {"const": "search_knowledge"} and "anyOf" not in single


def test_a_small_model_is_known_small():
    assert resolve_profile("qwen2.5-coder-1.5b-instruct").small and not resolve_profile("gpt-4o").small
    assert not resolve_profile("llama-3.1-70b-instruct").small
