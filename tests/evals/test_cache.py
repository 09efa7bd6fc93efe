"""The response cache and meter under the OpenAI client: re-runs cost nothing, keys cover the whole request."""

from __future__ import annotations

import asyncio

import httpx
import openai
import pytest
import respx

from backend_architect.llm.config import Settings
from backend_architect.evals.cache import CURRENT_METER, Meter, MeteredTransport, ResponseCache, request_key
from backend_architect.llm import make_client

from ..conftest import API_KEY, BASE_URL, completion


def test_the_key_is_canonical_json_of_the_whole_request():
    a = request_key("u", b'{"model": "m", "messages": [{"role": "user", "content": "x"}], "temperature": 0}')
    b = request_key("u", b'{"temperature":0,"messages":[{"content":"x","role":"user"}],"model":"m"}')
    assert a == b and len(a) == 64
    assert a != request_key("u", b'{"model": "m", "messages": [{"role": "user", "content": "x"}], "temperature": 1}')
    assert a != request_key("u", b'{"model": "m", "messages": [{"role": "user", "content": "x"}], "temperature": 0}',
                            salt="epoch=2")


def _ask(cache: ResponseCache, meter: Meter, model: str = "gpt-4o-mini") -> str:
    async def go():
        token = CURRENT_METER.set(meter)
        http = httpx.AsyncClient(transport=MeteredTransport(httpx.AsyncHTTPTransport(), httpx.Response, cache))
        client = make_client(Settings(model=model, base_url=BASE_URL, api_key=API_KEY),
                             http_client=http)
        try:
            response = await client.chat.completions.create(model=model, messages=[{"role": "user", "content": "hi"}])
            return response.choices[0].message.content
        finally:
            CURRENT_METER.reset(token)
            await client.close()

    return asyncio.run(go())


def test_a_second_identical_request_is_served_from_the_cache_for_free(tmp_path):
    cache = ResponseCache(tmp_path)
    with respx.mock() as mock:
        route = mock.post(f"{BASE_URL}/chat/completions").mock(
            return_value=httpx.Response(200, json=completion(content="hello", usage=(1_000_000, 0))))
        first, second = Meter("gpt-4o-mini"), Meter("gpt-4o-mini")
        assert _ask(cache, first) == "hello" and _ask(cache, second) == "hello"
    assert route.call_count == 1
    assert (first.requests, first.cache_hits, first.cost) == (1, 0, 0.15)
    assert (second.requests, second.cache_hits, second.cost, second.prompt_tokens) == (1, 1, 0.0, 1_000_000)


def test_errors_are_not_cached_and_are_recorded_on_the_meter(tmp_path):
    cache = ResponseCache(tmp_path)
    with respx.mock() as mock:
        mock.post(f"{BASE_URL}/chat/completions").mock(
            return_value=httpx.Response(429, json={"error": {"message": "slow down"}}, headers={"retry-after": "0"}))
        meter = Meter("m")
        with pytest.raises(openai.RateLimitError):
            _ask(cache, meter, model="m")
    assert meter.transport_error == "HTTP 429" and not list(tmp_path.rglob("*.json"))


def test_a_spent_budget_answers_400_without_reaching_the_server(tmp_path):
    meter = Meter("gpt-4o-mini", max_tokens=10, prompt_tokens=10)
    with respx.mock(assert_all_called=False) as mock:
        route = mock.post(f"{BASE_URL}/chat/completions")
        with pytest.raises(openai.BadRequestError, match="case token budget of 10 spent"):
            _ask(ResponseCache(tmp_path), meter)
    assert route.call_count == 0 and meter.budget_stop == "case token budget of 10 spent"
