"""One respx test per fault of a model server: the outcome, and exactly how many HTTP calls it took.

Backoff waits go to a FakeSleep, so nothing here sleeps and no assertion depends on time.
"""

from __future__ import annotations

import json

import httpx
import pytest
import respx

from backend_architect.design.agent import TRUNCATED_NOTE, Budgets
from backend_architect.design.events import ModelResponded, RunFailed, RunFinished, ToolCalled

from .conftest import API_KEY, BASE_URL, FakeSleep, completion, happy_script, remote_settings, run_agent


def _ok(bodies):
    return [httpx.Response(200, json=b) for b in bodies]


def _error(status, message, headers=None, code=None):
    return httpx.Response(status, headers=headers or {},
                          json={"error": {"message": message, "type": "invalid_request_error", "code": code}})


@pytest.fixture
def route():
    with respx.mock(base_url=BASE_URL, assert_all_mocked=True) as mock:
        yield mock.post("/chat/completions")


@pytest.fixture
def run(shop_brief, persona, knowledge):
    def go(budgets=None, sleep=None, **settings):
        return run_agent(shop_brief, persona, knowledge, budgets, remote_settings(**settings), sleep)
    return go


# --- the network layer -------------------------------------------------------------------------------------------

def test_429_with_retry_after_ms_waits_that_long_then_succeeds(route, run, shop_plan):
    sleep = FakeSleep()
    route.side_effect = [_error(429, "slow down", {"retry-after-ms": "7"})] + _ok(happy_script(shop_plan))
    events, transcript = run(sleep=sleep, max_attempts=3)
    assert isinstance(events[-1], RunFinished)
    assert route.call_count == 9  # 2 for the first turn, 1 for each of the other four
    assert sleep.waits == [0.007]
    assert '"type": "retry"' in transcript.text()
    responded = next(e for e in events if isinstance(e, ModelResponded))
    assert responded.notices == ["attempt 1 failed (429); retried after 0.0 s"]


def test_retry_after_in_seconds_is_honoured(route, run, shop_plan):
    sleep = FakeSleep()
    route.side_effect = [_error(503, "busy", {"retry-after": "2"})] + _ok(happy_script(shop_plan))
    events, _ = run(sleep=sleep, max_attempts=2)
    assert isinstance(events[-1], RunFinished) and route.call_count == 9 and sleep.waits == [2.0]


def test_a_persistent_500_is_tried_exactly_the_configured_number_of_times(route, run):
    sleep = FakeSleep()
    route.mock(return_value=_error(500, "internal error"))
    events, _ = run(sleep=sleep, max_attempts=4)
    assert isinstance(events[-1], RunFailed)
    assert "failed (500)" in events[-1].reason and "try again later" in events[-1].reason
    assert route.call_count == 4
    assert len(sleep.waits) == 3
    # Exponential backoff with at most a quarter of jitter off: 0.5, 1, 2 seconds.
    for wait, nominal in zip(sleep.waits, (0.5, 1.0, 2.0)):
        assert 0.75 * nominal <= wait <= nominal


def test_503_with_x_should_retry_false_is_not_retried(route, run):
    route.mock(return_value=_error(503, "overloaded", {"x-should-retry": "false"}))
    events, _ = run(sleep=FakeSleep(), max_attempts=5)
    assert isinstance(events[-1], RunFailed) and route.call_count == 1


def test_x_should_retry_true_makes_a_409_like_status_retryable(route, run, shop_plan):
    route.side_effect = [_error(418, "teapot", {"x-should-retry": "true"})] + _ok(happy_script(shop_plan))
    events, _ = run(sleep=FakeSleep(), max_attempts=2)
    assert isinstance(events[-1], RunFinished) and route.call_count == 9


def test_a_retry_after_longer_than_the_cap_is_not_waited_for(route, run):
    sleep = FakeSleep()
    route.mock(return_value=_error(429, "quota", {"retry-after": "3600"}))
    events, _ = run(sleep=sleep, max_attempts=5)
    assert isinstance(events[-1], RunFailed) and "rate limited (429)" in events[-1].reason
    assert route.call_count == 1 and sleep.waits == []


def test_no_attempt_starts_after_the_deadline(route, run):
    sleep = FakeSleep()
    route.mock(return_value=_error(503, "busy", {"retry-after-ms": "5000"}))
    events, _ = run(sleep=sleep, max_attempts=10, deadline=1.0)
    assert isinstance(events[-1], RunFailed) and route.call_count == 1 and sleep.waits == []


@pytest.mark.parametrize("fault", [httpx.ReadTimeout("read timed out"), httpx.ConnectError("connection refused"),
                                   httpx.RemoteProtocolError("peer closed connection")],
                         ids=["read-timeout", "connect-error", "dropped-connection"])
def test_a_timeout_or_dropped_connection_then_success(route, run, shop_plan, fault):
    route.side_effect = [fault] + _ok(happy_script(shop_plan))
    events, _ = run(sleep=FakeSleep(), max_attempts=2)
    assert isinstance(events[-1], RunFinished) and route.call_count == 9


def test_timeouts_until_the_cap_say_so(route, run):
    route.side_effect = httpx.ReadTimeout("read timed out")
    events, _ = run(sleep=FakeSleep(), max_attempts=3)
    assert isinstance(events[-1], RunFailed) and "did not answer in time" in events[-1].reason
    assert route.call_count == 3
    # The usage line counts them: it said "0 requests" after three timeouts.
    assert events[-1].usage.failed == 3 and "3 attempt(s) without an answer" in events[-1].usage.describe()
    assert "--timeout" in events[-1].reason


@pytest.mark.parametrize("status,message,says", [
    (401, f"Incorrect API key provided: {API_KEY}", "check OPENAI_API_KEY"),
    (403, "You do not have access to this model", "permissions"),
    (404, "The model `gpt-test` does not exist", "check --base-url"),
    (400, "This model's maximum context length is 128000 tokens. However, your messages resulted in 200000 tokens",
     "context window"),
])
def test_client_errors_fail_fast_with_what_to_do(route, run, status, message, says):
    route.mock(return_value=_error(status, message))
    events, transcript = run(sleep=FakeSleep(), max_attempts=5)
    final = events[-1]
    assert isinstance(final, RunFailed) and says in final.reason and str(status) in final.reason
    assert route.call_count == 1
    assert API_KEY not in final.reason and API_KEY not in transcript.text()


# --- answers that arrive but cannot be used ----------------------------------------------------------------------

@pytest.mark.parametrize("body", [
    {"id": "x", "object": "chat.completion", "created": 0, "model": "gpt-test", "choices": []},
    {"id": "x", "object": "chat.completion", "created": 0, "model": "gpt-test"},
], ids=["empty-choices", "missing-choices"])
def test_an_answer_without_choices_is_asked_once_more_then_fails(route, run, body):
    route.mock(return_value=httpx.Response(200, json=body))
    events, _ = run()
    assert isinstance(events[-1], RunFailed) and "no choices" in events[-1].reason
    assert route.call_count == 2


def test_an_html_page_fails_fast_pointing_at_the_base_url(route, run):
    route.mock(return_value=httpx.Response(200, text="<!doctype html><html><body>Sign in</body></html>",
                                           headers={"content-type": "text/html"}))
    events, _ = run(max_attempts=3)
    assert isinstance(events[-1], RunFailed)
    assert "not JSON" in events[-1].reason and "/v1" in events[-1].reason
    assert route.call_count == 1


def test_content_filter_stops_the_run_cleanly(route, run):
    body = completion(content="")
    body["choices"][0]["finish_reason"] = "content_filter"
    route.mock(return_value=httpx.Response(200, json=body))
    events, _ = run()
    assert isinstance(events[-1], RunFailed) and "content filter" in events[-1].reason
    assert route.call_count == 1


def test_an_answer_cut_off_at_length_is_dropped_and_asked_again(route, run, shop_plan):
    cut = completion(("emit_database_schema", '{"database_schema": {"tables": [{"na'), turn=2)
    cut["choices"][0]["finish_reason"] = "length"
    bodies = happy_script(shop_plan)
    route.side_effect = _ok([bodies[0], cut, *bodies[1:]])
    events, _ = run()
    assert isinstance(events[-1], RunFinished) and route.call_count == 9
    schema_calls = [e for e in events if isinstance(e, ToolCalled) and e.name == "emit_database_schema"]
    assert [e.ok for e in schema_calls] == [True]  # nothing of the cut-off turn was run
    retried = json.loads(route.calls[2].request.content)["messages"]
    assert retried[-1] == {"role": "user", "content": TRUNCATED_NOTE}
    assert not any("tables\": [{\"na" in json.dumps(m) for m in retried)


def test_answers_always_cut_off_end_the_run_saying_why(route, run):
    cut = completion(("emit_api_spec", '{"api_spec'))
    cut["choices"][0]["finish_reason"] = "length"
    route.mock(return_value=httpx.Response(200, json=cut))
    events, _ = run(budgets=Budgets(max_nudges=1))
    assert isinstance(events[-1], RunFailed) and "output token limit" in events[-1].reason
    assert route.call_count == 2


def test_duplicate_tool_call_ids_get_their_own_ids_and_an_echo_runs_once(route, run, shop_plan):
    twice = completion(("search_knowledge", {"query": "pagination"}), ("search_knowledge", {"query": "caching"}),
                       ("search_knowledge", {"query": "caching"}))
    for call in twice["choices"][0]["message"]["tool_calls"]:
        call["id"] = "call_same"
    # The third is an exact echo of the second; the second is a different call under the first one's id.
    route.side_effect = _ok([twice, *happy_script(shop_plan)[1:]])
    events, _ = run()
    assert isinstance(events[-1], RunFinished) and route.call_count == 8
    searches = [e for e in events if isinstance(e, ToolCalled) and e.name == "search_knowledge"]
    assert len(searches) == 2  # the pagination search and one caching search; the echo ran once
    messages = json.loads(route.calls[1].request.content)["messages"]
    offered = [c["id"] for c in messages[-3]["tool_calls"]]
    answered = [m["tool_call_id"] for m in messages[-2:]]
    assert len(set(offered)) == 2 and offered == answered


def test_empty_arguments_are_a_repairable_error(route, run, shop_plan):
    route.side_effect = _ok([completion(("search_knowledge", "")), *happy_script(shop_plan)])
    events, _ = run()
    assert isinstance(events[-1], RunFinished) and route.call_count == 9
    first = next(e for e in events if isinstance(e, ToolCalled))
    assert not first.ok and "query" in first.errors[0]


# --- budgets -----------------------------------------------------------------------------------------------------

def test_the_token_budget_stops_the_run_and_keeps_what_was_valid(route, run, shop_plan):
    route.side_effect = _ok(happy_script(shop_plan))
    events, transcript = run(budgets=Budgets(max_total_tokens=400))
    final = events[-1]
    assert isinstance(final, RunFailed) and "token budget exhausted: 480 tokens" in final.reason
    assert route.call_count == 4 and final.design.database_schema is not None
    outcome = json.loads(transcript.lines[-1])
    assert outcome["type"] == "outcome" and outcome["body"]["usage"]["total_tokens"] == 480


def test_cost_is_counted_from_the_price_table_and_can_stop_a_run(route, run, shop_plan):
    from backend_architect.llm.pricing import Price

    route.side_effect = _ok(happy_script(shop_plan))
    events, _ = run(budgets=Budgets(max_cost=0.25), model="pricey-model",
                    prices={"pricey-model": Price(input=1000.0, output=0.0)})
    # 100 prompt tokens a turn at $1000 per million is $0.10 a turn: the third turn crosses $0.25.
    assert isinstance(events[-1], RunFailed) and "cost budget exhausted: $0.3000" in events[-1].reason
    assert route.call_count == 3


def test_the_sdk_does_not_retry_on_its_own():
    """One retry layer: with the SDK's own retries on, a persistent 500 would cost (N+1) × our attempts."""
    from backend_architect.llm import make_client

    assert make_client(remote_settings(max_attempts=5), http_client=httpx.AsyncClient()).max_retries == 0


def test_retry_after_as_an_http_date_and_garbage():
    import email.utils
    import time

    from backend_architect.llm.retry import retry_after_seconds

    soon = email.utils.formatdate(time.time() + 30, usegmt=True)
    assert 25 <= retry_after_seconds(httpx.Headers({"retry-after": soon})) <= 31
    assert retry_after_seconds(httpx.Headers({"retry-after": "soon"})) is None
    assert retry_after_seconds(httpx.Headers({"retry-after-ms": "250", "retry-after": "9"})) == 0.25
    assert retry_after_seconds(None) is None
