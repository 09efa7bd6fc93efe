"""The prompt diet: phases with their own tools and compact schemas, and local servers' context windows."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
import respx

from backend_architect.design.agent import Budgets, run_design
from backend_architect.design.events import ModelRequested, ModelResponded, RunFinished
from backend_architect.design.phases import PHASES
from backend_architect.design.progress import ProgressLines
from backend_architect.design.tools import default_registry
from backend_architect.inputs.brief import load_brief
from backend_architect.llm import make_client
from backend_architect.llm.compact import compact_schema
from backend_architect.llm.config import Settings
from backend_architect.llm.context import fit, read_context_window
from backend_architect.llm.errors import describe_error
from backend_architect.llm.transcript import Transcript

from .conftest import API_KEY, BASE_URL, EXAMPLES, completion

# Bytes of request JSON per token, at the most (measured 3.5-3.95 with Qwen2.5's template and tokenizer).
BYTES_PER_TOKEN = 3.95


def _builtin_requests(brief_path, persona, knowledge, phased=True):
    async def go():
        client = make_client(Settings(model="builtin"), knowledge=knowledge)
        transcript = Transcript()
        events = [e async for e in run_design(load_brief(brief_path).brief, client=client, model="builtin",
                                               persona=persona, knowledge=knowledge, transcript=transcript,
                                               builtin=True, phased=phased)]
        await client.close()
        return events, [json.loads(line)["body"] for line in transcript.lines if '"type": "request"' in line]

    return asyncio.run(go())


@pytest.mark.parametrize("brief", sorted(p.name for p in EXAMPLES.iterdir()))
def test_every_request_of_an_example_brief_fits_the_token_budget(brief, persona, knowledge):
    """Tokens counted with the real tokenizer are in benchmarks/results.md; this guards them by size:
    the first request ≤ 4,000 tokens and every request ≤ 8,000 (at 3.95 bytes a token, the worst measured)."""
    events, requests = _builtin_requests(EXAMPLES / brief, persona, knowledge)
    assert isinstance(events[-1], RunFinished) and events[-1].design.status == "complete"
    sizes = [len(json.dumps({"messages": r["messages"], "tools": r.get("tools")})) for r in requests]
    assert sizes[0] <= 4000 * BYTES_PER_TOKEN * 0.92, sizes  # 8 % headroom for the chat template's own text
    assert max(sizes) <= 8000 * BYTES_PER_TOKEN * 0.92, sizes
    # Each phase offers only its tools, and sets an output budget.
    phases = [(e.phase, e.tools) for e in events if isinstance(e, ModelRequested)]
    assert [p for p, _ in phases][0] == "schema" and "finish" in [p for p, _ in phases]
    assert all(r["max_tokens"] == next(p.max_tokens for p in PHASES if p.name == ph)
               for r, (ph, _) in zip(requests, phases))
    assert all("emit_api_spec" not in tools for ph, tools in phases if ph == "schema")


def test_the_one_shot_mode_offers_every_tool_with_full_schemas(persona, knowledge, shop_brief):
    events, requests = _builtin_requests(EXAMPLES / "online-shop.yaml", persona, knowledge, phased=False)
    assert isinstance(events[-1], RunFinished)
    assert len(requests[0]["tools"]) == 9 and "title" in json.dumps(requests[0]["tools"])


def test_compact_schemas_keep_what_validation_needs_and_drop_the_rest():
    tool = next(t for t in default_registry().schemas() if t["function"]["name"] == "emit_database_schema")
    full = tool["function"]["parameters"]
    compact = compact_schema(full, ["DatabaseSchema.migrations", "DatabaseSchema.scaling"])
    text = json.dumps(compact)
    # Titles and defaults as keywords are gone (properties named `title` or `default` stay).
    assert '"Primary Key"' not in text and '"default": false' not in text and "additionalProperties" not in text
    assert "MigrationPlan" not in compact["$defs"] and "DataScaling" not in compact["$defs"]
    table = compact["$defs"]["Table"]
    assert table["required"] == full["$defs"]["Table"]["required"]
    assert len(text) < len(json.dumps(full)) * 0.55


@respx.mock
def test_the_context_window_is_read_from_llama_cpp_and_ollama():
    respx.get("http://127.0.0.1:8080/props").respond(200, json={"default_generation_settings": {"n_ctx": 8192}})
    assert asyncio.run(read_context_window("http://127.0.0.1:8080/v1", "m")) == 8192
    respx.get("http://127.0.0.1:11434/props").respond(404)
    respx.post("http://127.0.0.1:11434/api/show").respond(200, json={
        "model_info": {"qwen2.context_length": 32768}, "parameters": "num_ctx                        4096"})
    assert asyncio.run(read_context_window("http://127.0.0.1:11434/v1", "qwen2.5-coder")) == 4096


def test_a_prompt_that_cannot_fit_is_refused_before_it_is_sent():
    request = {"messages": [{"role": "user", "content": "x" * 40_000}]}
    refusal, _, _ = fit(request, 4096, 1000)
    assert refusal and "4,096" in refusal and "-c" in refusal and "num_ctx" in refusal
    refusal, warning, room = fit({"messages": [{"role": "user", "content": "x" * 20_000}]}, 8192, 2000)
    assert refusal is None and warning and "8,192" in warning and room == 2000
    # A repair that resends a long answer: 6,300 estimated tokens leave ~1,900 of 8,192; the budget of 3,000 is
    # cut to the room left instead of refusing a request the server would take (the real run's failure).
    refusal, warning, room = fit({"messages": [{"role": "user", "content": "x" * 22_000}]}, 8192, 3000)
    assert refusal is None and 1024 <= room < 3000 and f"{room:,}" in warning
    assert fit({"messages": [{"role": "user", "content": "hi"}]}, 8192, 2000) == (None, None, None)


@respx.mock
def test_a_run_against_a_small_window_stops_before_sending(persona, knowledge, shop_brief):
    respx.get("http://127.0.0.1:8080/props").respond(200, json={"default_generation_settings": {"n_ctx": 2048}})
    chat = respx.post("http://127.0.0.1:8080/v1/chat/completions").respond(500)

    async def go():
        client = make_client(Settings(model="qwen2.5-coder", base_url="http://127.0.0.1:8080/v1"),
                             http_client=httpx.AsyncClient())
        return [e async for e in run_design(shop_brief, client=client, model="qwen2.5-coder", persona=persona,
                                             knowledge=knowledge, base_url="http://127.0.0.1:8080/v1",
                                             budgets=Budgets(max_turns=2))]

    events = asyncio.run(go())
    assert chat.call_count == 0
    assert "context window is 2,048 tokens" in events[-1].reason


def test_the_timeout_message_names_the_setting_the_file_and_the_flag():
    import openai

    exc = openai.APITimeoutError(request=httpx.Request("POST", "http://127.0.0.1:8080/v1/chat/completions"))
    local = str(describe_error(exc, base_url="http://127.0.0.1:8080/v1", timeout=120))
    assert "--timeout" in local and "backend-architect.toml" in local and "now 120 s" in local
    assert "try again later" not in local and "local model" in local
    remote = str(describe_error(exc, base_url="https://api.example.com/v1", timeout=120))
    assert "--timeout" in remote and "try again later" in remote


def test_progress_lines_say_what_is_awaited_and_how_long_it_took():
    now = [100.0]
    lines = ProgressLines(clock=lambda: now[0])
    now[0] = 165.0
    assert lines.line(ModelRequested(turn=2, phase="api")) == "[1:05] turn 2 (api): waiting for the model…"
    answered = lines.line(ModelResponded(turn=2, tool_calls=["emit_api_spec"], seconds=40, completion_tokens=80))
    assert answered == "[1:05] turn 2: answered in 40 s (emit_api_spec, 80 tokens out, 2.0 tokens/s)"


def test_what_doctor_learned_chooses_the_mode_of_later_runs(tmp_path):
    from backend_architect.llm.config import resolve_settings
    from backend_architect.llm.learned import remember

    env = {"XDG_CACHE_HOME": str(tmp_path / "cache"), "XDG_CONFIG_HOME": str(tmp_path / "config"),
           "OPENAI_BASE_URL": "http://127.0.0.1:8080/v1"}
    before = resolve_settings(model="qwen2.5-coder-1.5b-instruct", env=env, cwd=tmp_path)
    assert before.structured_output is None  # the profile's guess: native tools
    # What doctor saw with Qwen2.5-Coder-1.5B behind llama-server: tools answered in text, JSON schema worked.
    mode = remember("http://127.0.0.1:8080/v1", "qwen2.5-coder-1.5b-instruct",
                    {"chat": True, "tools": False, "strict tools": False, "JSON schema": True}, env)
    assert mode == "json_schema"
    after = resolve_settings(model="qwen2.5-coder-1.5b-instruct", env=env, cwd=tmp_path)
    assert after.structured_output == "json_schema" and after.mode_learned
    # Per server and model; a flag still wins.
    assert resolve_settings(model="other", env=env, cwd=tmp_path).structured_output is None
    assert resolve_settings(model="qwen2.5-coder-1.5b-instruct", structured_output="text", env=env,
                            cwd=tmp_path).structured_output == "text"


@pytest.mark.parametrize("model,cap", [("qwen2.5-coder-1.5b-instruct", 3000), ("qwen2.5-coder:7b", 3000),
                                       ("llama-3.1-70b-instruct", None), ("gpt-4.1-mini", None),
                                       ("mixtral-8x7b", None)])
def test_a_small_models_answers_are_capped_below_the_phase_budget(model, cap):
    from backend_architect.llm.profiles import resolve_profile

    assert resolve_profile(model).max_output == cap


@respx.mock
def test_a_small_model_is_asked_for_near_greedy_answers_and_a_refusal_drops_the_parameter():
    """At llama.cpp's default temperature (0.8) the 1.5B model wrote a different schema on each repair."""
    from backend_architect.llm.caller import ModelCaller
    from backend_architect.llm.profiles import resolve_profile

    assert resolve_profile("qwen2.5-coder-1.5b-instruct").temperature == 0.2
    assert resolve_profile("gpt-4.1-mini").temperature is None and resolve_profile("llama-3.1-70b").temperature is None
    bodies = []

    def answer(request):
        body = json.loads(request.content)
        bodies.append(body)
        if "temperature" in body and len(bodies) == 2:
            return httpx.Response(400, json={"error": {"message": "Unsupported parameter: 'temperature'",
                                                       "param": "temperature"}})
        return httpx.Response(200, json=completion(content="ok"))

    respx.post(f"{BASE_URL}/chat/completions").mock(side_effect=answer)

    async def go():
        client = make_client(Settings(model="qwen2.5-coder-1.5b-instruct", base_url=BASE_URL, api_key=API_KEY,
                                      max_attempts=1), http_client=httpx.AsyncClient())
        caller = ModelCaller(client=client, model="qwen2.5-coder-1.5b-instruct", tools=[],
                             profile=resolve_profile("qwen2.5-coder-1.5b-instruct", "text"))
        try:
            await caller.turn([{"role": "user", "content": "hi"}])
            await caller.turn([{"role": "user", "content": "again"}])
        finally:
            await client.close()

    asyncio.run(go())
    assert bodies[0]["temperature"] == 0.2
    assert "temperature" in bodies[1] and "temperature" not in bodies[2]  # refused once, then left out


def test_a_repair_answered_word_for_word_like_the_last_is_asked_again_hotter(shop_brief, persona, knowledge, shop_plan):
    """The 1.5B model at 0.2 resent one failing API three times, identical: after the second identical failure
    the next answer is sampled at REPEAT_TEMPERATURE, and then at the profile's 0.2 again."""
    from backend_architect.design.agent import REPEAT_TEMPERATURE
    from backend_architect.llm.profiles import resolve_profile

    from .conftest import remote_settings, run_agent

    model = "qwen2.5-coder-1.5b-instruct"
    broken = {"database_schema": {**shop_plan.schema, "tables": []}}
    fixed = {"database_schema": shop_plan.schema}
    script = [completion(("emit_database_schema", broken), turn=1), completion(("emit_database_schema", broken), turn=2),
              completion(("emit_database_schema", fixed), turn=3), completion(content="done", turn=4)]
    bodies = []

    def answer(request):
        bodies.append(json.loads(request.content))
        return httpx.Response(200, json=script[min(len(bodies), len(script)) - 1])

    with respx.mock(base_url=BASE_URL) as mock:
        mock.post("/chat/completions").mock(side_effect=answer)
        run_agent(shop_brief, persona, knowledge, budgets=Budgets(max_turns=4, max_nudges=0),
                  settings=remote_settings(model=model), profile=resolve_profile(model, "tools"))
    temperatures = [b.get("temperature") for b in bodies]
    assert temperatures[:4] == [0.2, 0.2, REPEAT_TEMPERATURE, 0.2]
    # A model the profile leaves at its server's temperature is never sent one (it would be cooler, not hotter).
    bodies.clear()
    with respx.mock(base_url=BASE_URL) as mock:
        mock.post("/chat/completions").mock(side_effect=answer)
        run_agent(shop_brief, persona, knowledge, budgets=Budgets(max_turns=4, max_nudges=0),
                  settings=remote_settings(model="gpt-4.1"), profile=resolve_profile("gpt-4.1", "tools"))
    assert len(bodies) >= 3 and not any("temperature" in b for b in bodies)
