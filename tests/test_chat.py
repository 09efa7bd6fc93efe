"""The chat driven like a person would: typed lines through prompt_toolkit's pipe input, the model scripted
with respx (streamed, as servers stream), or the builtin model in a real second process."""

from __future__ import annotations

import asyncio
import copy
import io
import json
import os
import signal
import subprocess
import sys

import httpx
import pytest
import respx
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput
from rich.console import Console

from backend_architect.cli.chat import chat_main
from backend_architect.chat.store import SessionStore
from backend_architect.chat.turn import INTERRUPTED
from backend_architect.llm import make_client
from backend_architect.llm.builtin.sse import sse_body
from backend_architect.design.output import render_files

from .conftest import API_KEY, BASE_URL, EXAMPLES, completion

SHOP = EXAMPLES / "online-shop.yaml"


@pytest.fixture(autouse=True)
def _env(monkeypatch, tmp_path):
    monkeypatch.setenv("BACKEND_ARCHITECT_SESSIONS", str(tmp_path / "data" / "sessions.db"))
    monkeypatch.setenv("OPENAI_API_KEY", API_KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", BASE_URL)
    monkeypatch.setenv("BACKEND_ARCHITECT_MODEL", "gpt-test")
    monkeypatch.chdir(tmp_path)


def _sse(body: dict) -> httpx.Response:
    return httpx.Response(200, content=sse_body(body, include_usage=True),
                          headers={"content-type": "text/event-stream"})


def _chat(typed: str, **options) -> str:
    console = Console(file=io.StringIO(), width=120)
    with create_pipe_input() as pipe:
        pipe.send_text(typed)
        chat_main(console=console, client_factory=lambda s, k: make_client(s, http_client=httpx.AsyncClient()),
                  pt_input=pipe, pt_output=DummyOutput(), **options)
    return console.file.getvalue()


def _db_bytes(tmp_path) -> bytes:
    return b"".join(p.read_bytes() for p in (tmp_path / "data").iterdir() if p.is_file())


@respx.mock(base_url=BASE_URL, assert_all_called=True)
def test_a_design_then_a_refinement_then_save_writes_what_design_writes(respx_mock, tmp_path, shop_plan):
    refined = copy.deepcopy(shop_plan.api)
    refined["rate_limits"][0]["requests"] = 1234
    # What the person states in the chat is a requirement too (R7 after the brief's R1-R6): trace it.
    finish = copy.deepcopy(shop_plan.finish)
    finish["traceability"].append({**finish["traceability"][0], "requirement_id": "R7"})
    route = respx_mock.post("/chat/completions")
    route.side_effect = [
        _sse(completion(("emit_database_schema", {"database_schema": shop_plan.schema}),
                        ("emit_api_spec", {"api_specification": shop_plan.api}), turn=1)),
        _sse(completion(("emit_service_architecture", {"microservices": shop_plan.services}),
                        ("estimate_capacity", shop_plan.capacity_args),
                        ("emit_performance_plan", {"performance": shop_plan.performance}),
                        ("record_decisions", {"decisions": shop_plan.decisions}),
                        ("finish_design", shop_plan.finish), turn=2)),
        _sse(completion(content="The design is **done**: 3 artifacts.\n\n- schema\n- API\n", turn=3)),
        _sse(completion(("emit_api_spec", {"api_specification": refined}), ("finish_design", finish), turn=4)),
        _sse(completion(content="Raised the default rate limit.", turn=5)),
    ]
    out = _chat("Design it.\rAnonymous clients get 1234 requests an hour.\r/save saved\r/exit\r", brief=SHOP)

    assert "brief loaded: 'Online shop'" in out
    assert "· emit_database_schema: ok: accepted" in out and "· finish_design: ok: design complete" in out
    assert "The design is **done**: 3 artifacts." in out and "Raised the default rate limit." in out
    assert "design changed: API, schema, services, capacity, performance, traceability; no findings" in out
    assert "design changed: API, traceability; no findings" in out
    assert "tokens: 200 in + 40 out" in out and "session 600 over 5 request(s)" in out
    # The refinement went to the model with the whole conversation before it.
    sent = json.loads(route.calls[3].request.content)
    assert sent["stream"] is True
    assert [m["role"] for m in sent["messages"]][:3] == ["system", "user", "user"]
    assert sent["messages"][-1] == {"role": "user", "content": "Anonymous clients get 1234 requests an hour."}
    assert sent["messages"][0]["content"].endswith("- R7: Anonymous clients get 1234 requests an hour.")
    assert "The design is **done**" in json.dumps(sent["messages"])

    saved = tmp_path / "saved"
    design = json.loads((saved / "design.json").read_text())
    from backend_architect.spec import Design

    rendered = {name for name, _, _ in render_files(Design.model_validate(design))}
    on_disk = {str(p.relative_to(saved)) for p in saved.rglob("*") if p.is_file() and not p.name.startswith(".")}
    assert on_disk == rendered | {"transcript.jsonl"}
    assert {"design.md", "openapi.yaml", "schema.sql", "services.yaml",
            "migrations/versions/0001_initial.py"} <= on_disk  # no asyncapi.yaml: the shop's monolith has no events
    assert design["status"] == "complete"
    assert "1234" in (saved / "openapi.yaml").read_text() and "R7" in (saved / "design.md").read_text()
    expected = dict((name, content) for name, content, _ in render_files(Design.model_validate(design)))
    for name in ("design.md", "openapi.yaml", "schema.sql", "services.yaml"):
        assert (saved / name).read_text() == expected[name], name
    assert API_KEY not in (saved / "transcript.jsonl").read_text()
    assert API_KEY.encode() not in _db_bytes(tmp_path)


@respx.mock(base_url=BASE_URL)
def test_ctrl_c_stops_the_answer_keeps_what_arrived_and_the_chat_goes_on(respx_mock, tmp_path):
    async def slow_answer():
        for word in ["Caching ", "helps ", "when reads "]:
            yield b"data: " + json.dumps({"id": "c", "object": "chat.completion.chunk", "created": 0,
                                          "model": "gpt-test", "choices": [{"index": 0, "delta": {"content": word},
                                                                            "finish_reason": None}]}).encode() + b"\n\n"
        os.kill(os.getpid(), signal.SIGINT)  # the person presses Ctrl-C mid-answer
        await asyncio.sleep(30)

    route = respx_mock.post("/chat/completions")
    route.side_effect = [
        httpx.Response(200, content=slow_answer(), headers={"content-type": "text/event-stream"}),
        _sse(completion(content="Go on, then.", turn=2)),
    ]
    out = _chat("When does caching help?\rok, next question\r\x04")

    assert "Caching helps when reads \n[interrupted]" in out
    assert "Go on, then." in out
    after = json.loads(route.calls[1].request.content)["messages"]
    assert after[-3:] == [
        {"role": "user", "content": "When does caching help?"},
        {"role": "assistant", "content": f"Caching helps when reads\n\n{INTERRUPTED}"},
        {"role": "user", "content": "ok, next question"},
    ]
    store = SessionStore()
    stored = store.messages(store.latest())
    assert stored[1:] == after[1:] + [{"role": "assistant", "content": "Go on, then."}]


def _cli(*args: str, typed: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "backend_architect", *args], input=typed, text=True,
                          capture_output=True, env=env, timeout=120)


def test_builtin_chat_offline_and_continue_in_a_second_process(tmp_path):
    env = {k: v for k, v in os.environ.items()
           if k not in {"OPENAI_API_KEY", "OPENAI_BASE_URL", "BACKEND_ARCHITECT_MODEL"}}
    first = _cli("chat", typed="hello there\nWhat is cursor pagination?\n"
                 "Customers place orders for products. Admins manage the product catalog.\n", env=env)
    assert first.returncode == 0, first.stderr
    out = first.stdout
    assert "builtin (offline rule-based model, no LLM)" in out
    assert "needs a real model" in out  # "hello there": says plainly what it cannot do
    assert "· search_knowledge: ok" in out and "Source: `api-design#pagination" in out
    assert "· finish_design: ok: design complete" in out and "tracing R1, R2" in out

    second = _cli("chat", "--continue", typed="Customers can write reviews of products.\n/design\n/review\n"
                  "/show schema\n/save again\n", env=env)
    assert second.returncode == 0, second.stderr
    out = second.stdout
    # The conversation so far is shown again, and the design carried over.
    assert "> What is cursor pagination?" in out and "Designed from the conversation so far" in out
    assert "tracing R1, R2, R3" in out
    assert "- schema: 4 tables" in out and "status: **complete**" in out
    assert "no findings" in out and "CREATE TABLE reviews" in out
    assert json.loads((tmp_path / "again" / "design.json").read_text())["status"] == "complete"

    listing = _cli("sessions", typed="", env=env)
    assert listing.returncode == 0 and listing.stdout.count("\n") == 1
    assert "Customers place orders for products" in listing.stdout


@respx.mock(base_url=BASE_URL)
def test_meta_enter_and_a_bracketed_paste_make_one_multi_line_message(respx_mock):
    route = respx_mock.post("/chat/completions")
    route.side_effect = [_sse(completion(content="Noted.", turn=i)) for i in (1, 2)]
    _chat("first line\x1b\rsecond line\r\x1b[200~pasted\nblock\x1b[201~\r\x04")
    sent = [json.loads(call.request.content)["messages"][-1]["content"] for call in route.calls]
    assert sent == ["first line\nsecond line", "pasted\nblock"]


def test_slash_commands_complete_from_the_one_registry():
    from prompt_toolkit.completion import CompleteEvent
    from prompt_toolkit.document import Document

    from backend_architect.chat.commands import COMMANDS, SlashCompleter

    def complete(text: str) -> list[str]:
        return [c.text for c in SlashCompleter().get_completions(Document(text), CompleteEvent())]

    assert [c.name for c in COMMANDS][:3] == ["/help", "/brief", "/design"]
    assert complete("/s") == ["/show", "/save", "/sessions"]
    assert complete("/show s") == ["schema", "services"]
    assert complete("hello") == []


def test_chat_usage_errors_exit_2_and_help_lists_the_options():
    from typer.testing import CliRunner

    from backend_architect.cli.app import app

    runner = CliRunner()
    result = runner.invoke(app, ["chat", "--continue"])
    assert result.exit_code == 2 and "no session to continue yet" in result.stderr
    result = runner.invoke(app, ["chat", "--continue", "--session", "x"])
    assert result.exit_code == 2 and "alternatives" in result.stderr
    result = runner.invoke(app, ["chat", "--brief", "missing.yaml"])
    assert result.exit_code == 2 and "missing.yaml" in result.stderr
    result = runner.invoke(app, ["chat", "--help"])
    assert result.exit_code == 0 and "--continue" in result.stdout and "--session" in result.stdout
    result = runner.invoke(app, ["sessions"])
    assert result.exit_code == 0 and "no sessions yet" in result.stdout
