"""Streamed answers: assembled into the same turn, and a stream that breaks off is dropped whole and retried."""

from __future__ import annotations

import json

import httpx
import pytest
import respx

from backend_architect.design.events import RunFailed, RunFinished, ToolCalled

from .conftest import BASE_URL, FakeSleep, happy_script, remote_settings, run_agent


def _chunks(body: dict) -> list[bytes]:
    """A completion body as the SSE chunks a server streams, tool arguments in 50-character pieces."""
    base = {"id": body["id"], "object": "chat.completion.chunk", "created": 0, "model": body["model"]}
    message = body["choices"][0]["message"]

    def event(delta: dict, finish: str | None = None, **extra) -> bytes:
        data = {**base, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **extra}
        return f"data: {json.dumps(data)}\n\n".encode()

    out = [event({"role": "assistant", "content": message.get("content") or ""})]
    for index, call in enumerate(message.get("tool_calls", [])):
        args = call["function"]["arguments"]
        out.append(event({"tool_calls": [{"index": index, "id": call["id"], "type": "function",
                                          "function": {"name": call["function"]["name"], "arguments": ""}}]}))
        out += [event({"tool_calls": [{"index": index, "function": {"arguments": args[i:i + 50]}}]})
                for i in range(0, len(args), 50)]
    out.append(event({}, body["choices"][0]["finish_reason"]))
    usage = {**base, "choices": [], "usage": body["usage"]}
    out.append(f"data: {json.dumps(usage)}\n\n".encode())
    return out + [b"data: [DONE]\n\n"]


class _Broken(httpx.AsyncByteStream):
    """Sends some chunks, then the connection drops."""

    def __init__(self, chunks: list[bytes]):
        self.chunks = chunks

    async def __aiter__(self):
        for chunk in self.chunks:
            yield chunk
        raise httpx.RemoteProtocolError("peer closed connection without sending complete message body")


def _streamed(body: dict) -> httpx.Response:
    return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=b"".join(_chunks(body)))


@pytest.fixture
def route():
    with respx.mock(base_url=BASE_URL) as mock:
        yield mock.post("/chat/completions")


@pytest.fixture
def run(shop_brief, persona, knowledge):
    def go(**settings):
        return run_agent(shop_brief, persona, knowledge, None, remote_settings(stream=True, **settings), FakeSleep())
    return go


def test_a_streamed_run_is_assembled_and_finishes(route, run, shop_plan):
    route.side_effect = [_streamed(b) for b in happy_script(shop_plan)]
    events, transcript = run()
    assert isinstance(events[-1], RunFinished) and route.call_count == 8
    assert events[-1].usage.total_tokens == 8 * 120  # from the usage chunk
    sent = json.loads(route.calls[0].request.content)
    assert sent["stream"] is True and sent["stream_options"] == {"include_usage": True}


@pytest.mark.parametrize("how", ["connection-dropped", "ended-without-finishing"])
def test_a_stream_cut_off_mid_answer_is_dropped_and_retried(route, run, shop_plan, how):
    bodies = happy_script(shop_plan)
    partial = _chunks(bodies[1])[:4]  # the role, the call's name and two pieces of its arguments
    cut = (httpx.Response(200, headers={"content-type": "text/event-stream"}, stream=_Broken(partial))
           if how == "connection-dropped" else
           httpx.Response(200, headers={"content-type": "text/event-stream"}, content=b"".join(partial)))
    route.side_effect = [_streamed(bodies[0]), cut, *[_streamed(b) for b in bodies[1:]]]
    events, transcript = run(max_attempts=2)
    assert isinstance(events[-1], RunFinished) and route.call_count == 9
    schema = [e for e in events if isinstance(e, ToolCalled) and e.name == "emit_database_schema"]
    assert [e.ok for e in schema] == [True]  # nothing of the partial turn was run
    # The retried request is the same conversation: the partial answer is not in it.
    assert route.calls[2].request.content == route.calls[1].request.content
    assert '"type": "retry"' in transcript.text()


def test_streams_that_always_break_off_end_the_run_after_the_cap(route, run, shop_plan):
    partial = _chunks(happy_script(shop_plan)[0])[:2]
    route.side_effect = lambda request: httpx.Response(200, headers={"content-type": "text/event-stream"},
                                                       stream=_Broken(partial))
    events, _ = run(max_attempts=3)
    assert isinstance(events[-1], RunFailed) and route.call_count == 3
    assert "stream broke off after 2 chunks" in events[-1].reason and "--no-stream" in events[-1].reason


def test_a_server_refusing_stream_options_is_asked_again_without_them(route, run, shop_plan):
    refusal = httpx.Response(400, json={"error": {"message": "Unrecognized request argument: stream_options"}})
    route.side_effect = [refusal, *[_streamed(b) for b in happy_script(shop_plan)]]
    events, _ = run()
    assert isinstance(events[-1], RunFinished) and route.call_count == 9
    assert "stream_options" not in json.loads(route.calls[1].request.content)
