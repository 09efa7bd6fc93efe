"""The API key never appears in a transcript, a log line, an error message or any file a run writes."""

from __future__ import annotations

import logging
import re

import httpx
import pytest
import respx
from typer.testing import CliRunner

from backend_architect.cli.app import app
from backend_architect.llm.builtin.server import BuiltinServer
from backend_architect.design.output import write_design

from .conftest import API_KEY, BASE_URL, EXAMPLES, FakeSleep, completion, remote_settings, run_agent


def _files(directory):
    return [p for p in directory.rglob("*") if p.is_file()]


def test_a_whole_run_over_http_with_debug_logs_leaks_the_key_nowhere(tmp_path, monkeypatch, caplog):
    caplog.set_level(logging.DEBUG)  # the SDK and httpx log requests at DEBUG
    monkeypatch.setenv("OPENAI_API_KEY", API_KEY)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out"
    with BuiltinServer() as server:
        result = CliRunner().invoke(app, ["design", str(EXAMPLES / "online-shop.yaml"), "-o", str(out),
                                          "--base-url", server.base_url, "--model", "served-builtin"])
    assert result.exit_code == 0, result.output
    assert caplog.records, "expected the SDK's debug logs to be captured"
    assert API_KEY not in caplog.text
    assert API_KEY not in result.stdout + result.stderr
    assert re.search(r"usage: \d+ requests", result.stdout)  # tokens and cost at the end of the run
    written = _files(out)
    assert {p.name for p in written} >= {"design.md", "design.json", "transcript.jsonl"}
    for path in written:
        assert API_KEY not in path.read_text(encoding="utf-8"), path


@pytest.mark.parametrize("status", [400, 401, 500])
def test_a_server_echoing_the_key_in_its_error_is_redacted_everywhere(tmp_path, caplog, status, shop_brief, persona,
                                                                      knowledge):
    caplog.set_level(logging.DEBUG)
    body = {"error": {"message": f"Incorrect API key provided: {API_KEY}. Get one at …", "type": "x"}}
    with respx.mock(base_url=BASE_URL) as mock:
        route = mock.post("/chat/completions").mock(return_value=httpx.Response(status, json=body))
        events, transcript = run_agent(shop_brief, persona, knowledge, settings=remote_settings(max_attempts=2),
                                       sleep=FakeSleep())
    final = events[-1]
    assert route.call_count == (2 if status == 500 else 1)
    assert API_KEY not in final.reason and API_KEY not in caplog.text
    for path in write_design(tmp_path, final.design, transcript.text()):
        assert API_KEY not in path.path.read_text(encoding="utf-8"), path


def test_a_model_quoting_the_key_back_is_redacted_in_the_transcript(shop_brief, persona, knowledge):
    with respx.mock(base_url=BASE_URL) as mock:
        mock.post("/chat/completions").mock(return_value=httpx.Response(
            200, json=completion(content=f"your key is {API_KEY}")))
        events, transcript = run_agent(shop_brief, persona, knowledge)
    assert API_KEY not in transcript.text() and API_KEY not in events[-1].reason
    assert "[REDACTED]" in transcript.text()


def test_settings_and_errors_do_not_show_the_key():
    settings = remote_settings()
    assert API_KEY not in repr(settings) and API_KEY not in str(settings)


def test_the_model_path_error_itself_is_scrubbed_not_only_the_run_reason():
    """Callers of the model path other than the loop (the chat, the doctor) get scrubbed errors too."""
    import asyncio

    from backend_architect.llm import make_client
    from backend_architect.llm.caller import ModelCaller
    from backend_architect.llm.errors import ModelCallError
    from backend_architect.llm.profiles import resolve_profile
    from backend_architect.llm.retry import RetryPolicy

    async def go():
        client = make_client(remote_settings(), http_client=httpx.AsyncClient())
        caller = ModelCaller(client, "gpt-test", [], resolve_profile("gpt-test"), RetryPolicy(max_attempts=1))
        try:
            await caller.turn([{"role": "user", "content": "hi"}])
        finally:
            await client.close()

    with respx.mock(base_url=BASE_URL) as mock:
        mock.post("/chat/completions").mock(return_value=httpx.Response(
            422, json={"error": {"message": f"bad key {API_KEY} in field x"}}))
        with pytest.raises(ModelCallError) as info:
            asyncio.run(go())
    assert API_KEY not in str(info.value) and "[REDACTED]" in str(info.value)
