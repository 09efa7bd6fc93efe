"""The conversation behind a chat: its brief, its state across processes, and how an interruption is closed."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx
import respx

from backend_architect.design.agent import Budgets
from backend_architect.chat.turn import INTERRUPTED, Conversation, run_turn
from backend_architect.llm.config import Settings
from backend_architect.design.events import ToolCalled, TurnFinished
from backend_architect.llm import make_client
from backend_architect.inputs.conversation import conversation_brief
from backend_architect.llm.stream import StreamedMessage, ToolCall
from backend_architect.design.tools import default_registry

from .conftest import API_KEY, BASE_URL, completion, plan_calls
from .test_chat import _sse


def _user(text: str) -> dict[str, str]:
    return {"role": "user", "content": text}


def test_the_brief_is_what_the_person_stated(shop_brief):
    messages = [_user("hi"), _user("Members borrow books. Librarians manage the catalogue!"),
                _user("What about caching?"), _user("show me the schema"), _user("Members can reserve a book.")]
    brief = conversation_brief(messages)
    assert [(r.id, r.text) for r in brief.requirements] == [
        ("R1", "Members borrow books."), ("R2", "Librarians manage the catalogue!"),
        ("R3", "Members can reserve a book.")]
    assert brief.title == "Members borrow books"
    assert conversation_brief([_user("hello"), _user("Why?")]) is None
    extended = conversation_brief([_user("Customers can leave reviews of products.")], shop_brief)
    assert extended.requirement_ids() == shop_brief.requirement_ids() + ["R7"]


def test_an_interrupted_answer_is_kept_marked_and_open_calls_are_answered(persona, knowledge):
    conversation = Conversation(persona=persona, knowledge=knowledge)
    conversation.messages += [_user("Design it."), {"role": "assistant", "content": None, "tool_calls": [
        {"id": "call_9", "type": "function", "function": {"name": "emit_api_spec", "arguments": "{}"}}]}]
    conversation.pending = StreamedMessage(content="Half an ans", tool_calls=[ToolCall("c", "x", "{")])
    added = conversation.close_interrupted()
    assert added[0]["role"] == "tool" and added[0]["tool_call_id"] == "call_9"
    assert json.loads(added[0]["content"])["ok"] is False
    assert added[1] == {"role": "assistant", "content": f"Half an ans\n\n{INTERRUPTED}"}
    assert conversation.messages[-2:] == added and conversation.pending is None
    assert conversation.close_open_calls("again") == []


def test_the_design_state_survives_a_dump_and_restore(persona, knowledge, shop_brief, shop_plan):
    first = Conversation(persona=persona, knowledge=knowledge)
    first.load_brief(shop_brief)
    registry = default_registry()
    for name, args in plan_calls(shop_plan):
        assert registry.call(name, json.dumps(args), first.design_state).ok
    dump = json.loads(json.dumps(first.state_dump()))

    second = Conversation(persona=persona, knowledge=knowledge, messages=list(first.messages))
    second.restore(dump)
    assert second.design("builtin", True).model_dump() == first.design("builtin", True).model_dump()
    assert second.design("builtin", True).status == "complete"
    assert second.design_state.capacity is not None and len(second.design_state.decisions) >= 3
    fresh = Conversation(persona=persona, knowledge=knowledge)
    assert fresh.design("m", False).status == "incomplete" and "emit_api_spec" in fresh.design("m", False).failure


def test_a_requirement_stated_after_the_finish_reopens_the_design(persona, knowledge, shop_brief, shop_plan):
    chat = Conversation(persona=persona, knowledge=knowledge)
    chat.load_brief(shop_brief)
    registry = default_registry()
    for name, args in plan_calls(shop_plan):
        assert registry.call(name, json.dumps(args), chat.design_state).ok
    assert chat.design("builtin", True).status == "complete"
    chat.messages.append(_user("Customers can cancel orders within an hour."))
    chat.refresh_brief()
    design = chat.design("builtin", True)
    assert design.status == "incomplete" and "finish_design" in design.failure


def _turn(chat, text, responses, **options):
    """One chat turn against a model scripted with respx: the events, and the route to count calls on."""
    async def go():
        client = make_client(Settings(model="gpt-test", base_url=BASE_URL, api_key=API_KEY),
                             http_client=httpx.AsyncClient())
        try:
            return [e async for e in run_turn(chat, text, client=client, model="gpt-test", **options)]
        finally:
            await client.close()

    with respx.mock(base_url=BASE_URL) as mock:
        route = mock.post("/chat/completions")
        route.side_effect = responses
        return asyncio.run(go()), route


def test_a_chat_turn_retries_a_429_before_the_stream_opens(persona, knowledge):
    """The chat goes through the one retry layer too: a 429 with retry-after-ms, then the streamed answer."""
    events, route = _turn(Conversation(persona=persona, knowledge=knowledge), "Hi", [
        httpx.Response(429, headers={"retry-after-ms": "1"}, json={"error": {"message": "slow"}}),
        _sse(completion(content="Hello there.", turn=1))])
    assert route.call_count == 2
    assert isinstance(events[-1], TurnFinished) and events[-1].text == "Hello there." and events[-1].failure is None


def test_tool_calls_cut_off_at_the_output_limit_are_not_run(persona, knowledge):
    cut = completion(("emit_database_schema", '{"database_schema": {"tab'), turn=1)
    cut["choices"][0]["finish_reason"] = "length"
    chat = Conversation(persona=persona, knowledge=knowledge)
    events, _ = _turn(chat, "Design it.", [_sse(cut)])
    assert not any(isinstance(e, ToolCalled) for e in events)
    assert isinstance(events[-1], TurnFinished) and "output token limit" in events[-1].failure
    assert "not run: emit_database_schema" in chat.messages[-1]["content"]


def test_the_token_budget_stops_a_chat_turn(persona, knowledge):
    events, _ = _turn(Conversation(persona=persona, knowledge=knowledge), "Hi",
                      [_sse(completion(content="A long answer.", turn=1, usage=(100, 20)))],
                      budgets=Budgets(max_total_tokens=50))
    assert isinstance(events[-1], TurnFinished) and "token budget exhausted: 120 tokens" in events[-1].failure


RECORDINGS = Path(__file__).parent / "fixtures" / "recordings"


def test_the_chat_runs_a_tool_call_a_real_model_wrote_as_text(persona, knowledge):
    """A stream recorded from Qwen2.5-Coder-1.5B-Instruct (Q4_K_M) behind llama-server --jinja: the model wrote
    the call as text with the doubled braces of its chat template, `{{"name": "search_knowledge", …}}}`. The
    chat runs it instead of printing it, and the next request carries its result."""
    recorded = (RECORDINGS / "qwen2.5-coder-1.5b-chat-text-call.sse").read_bytes()
    assert b'{{' in recorded  # the quirk this guards
    chat = Conversation(persona=persona, knowledge=knowledge)
    events, route = _turn(chat, "How do I choose capacity inputs?", [
        httpx.Response(200, content=recorded, headers={"content-type": "text/event-stream"}),
        _sse(completion(content="Use the stated peak and ratio.", turn=2))])
    called = [e for e in events if isinstance(e, ToolCalled)]
    assert [(e.name, e.ok) for e in called] == [("search_knowledge", True)]
    assert route.call_count == 2
    second = json.loads(route.calls[1].request.content)["messages"]
    assert second[-2]["tool_calls"][0]["function"]["name"] == "search_knowledge"
    assert json.loads(second[-2]["tool_calls"][0]["function"]["arguments"])["query"].startswith("capacity inputs")
    assert second[-1]["role"] == "tool" and json.loads(second[-1]["content"])["ok"] is True
    assert isinstance(events[-1], TurnFinished) and events[-1].text == "Use the stated peak and ratio."


def test_a_model_without_native_tools_chats_with_the_tools_in_the_prompt(persona, knowledge):
    """What `doctor` learned (or the profile) says this model cannot call tools natively: the chat then offers them
    in the prompt as `design` does, reads the recorded text call, sends its result back as a user message, and
    streams prose but not the call."""
    from backend_architect.design.events import TextDelta
    from backend_architect.llm.profiles import resolve_profile

    recorded = (RECORDINGS / "qwen2.5-coder-1.5b-chat-text-call.sse").read_bytes()
    chat = Conversation(persona=persona, knowledge=knowledge)
    events, route = _turn(chat, "How do I choose capacity inputs?", [
        httpx.Response(200, content=recorded, headers={"content-type": "text/event-stream"}),
        _sse(completion(content="Use the stated peak and ratio.", turn=2))],
        profile=resolve_profile("qwen2.5-coder-1.5b-instruct", "json_schema"))
    first = json.loads(route.calls[0].request.content)
    assert "tools" not in first and "response_format" not in first  # prose must stay possible
    assert "search_knowledge" in first["messages"][0]["content"] and "Markdown prose" in first["messages"][0]["content"]
    assert [(e.name, e.ok) for e in events if isinstance(e, ToolCalled)] == [("search_knowledge", True)]
    second = json.loads(route.calls[1].request.content)["messages"]
    assert second[-1]["role"] == "user" and second[-1]["content"].startswith("Result of search_knowledge:")
    assert not any(m["role"] == "tool" or m.get("tool_calls") for m in second)
    shown = "".join(e.text for e in events if isinstance(e, TextDelta))
    assert "search_knowledge" not in shown and shown == "Use the stated peak and ratio."
    assert isinstance(events[-1], TurnFinished) and events[-1].text == "Use the stated peak and ratio."


def test_prose_that_starts_like_a_call_is_still_shown(persona, knowledge):
    from backend_architect.design.events import TextDelta
    from backend_architect.llm.profiles import resolve_profile

    chat = Conversation(persona=persona, knowledge=knowledge)
    events, _ = _turn(chat, "An example?", [_sse(completion(content="`orders` is the table.", turn=1))],
                      profile=resolve_profile("gemma-2b"))
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "`orders` is the table."
