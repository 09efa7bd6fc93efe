"""Configuration: flags > environment > ./backend-architect.toml > $XDG_CONFIG_HOME/backend-architect/config.toml
> defaults; and the `models` and `doctor` commands, which never print the key."""

from __future__ import annotations

import socket

import pytest
from typer.testing import CliRunner

from backend_architect.cli.app import app
from backend_architect.llm.config import ConfigError, resolve_settings
from backend_architect.llm.builtin.server import BuiltinServer
from backend_architect.llm.pricing import Price, price_for

from .conftest import API_KEY

runner = CliRunner()


@pytest.fixture
def dirs(tmp_path, monkeypatch):
    for var in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "BACKEND_ARCHITECT_MODEL"):
        monkeypatch.delenv(var, raising=False)
    xdg, project = tmp_path / "xdg", tmp_path / "project"
    (xdg / "backend-architect").mkdir(parents=True)
    project.mkdir()
    monkeypatch.setenv("XDG_CONFIG_HOME", str(xdg))
    monkeypatch.chdir(project)
    return xdg / "backend-architect" / "config.toml", project / "backend-architect.toml"


def _env(xdg_file, **extra):
    return {"XDG_CONFIG_HOME": str(xdg_file.parent.parent), **extra}


def test_precedence_flags_env_project_user_defaults(dirs):
    user, project = dirs
    user.write_text('model = "user-model"\nbase_url = "http://user/v1"\nmax_attempts = 5\ntimeout = 30\n')
    settings = resolve_settings(env=_env(user))
    assert (settings.model, settings.base_url, settings.max_attempts, settings.timeout) == \
        ("user-model", "http://user/v1", 5, 30.0)
    project.write_text('model = "project-model"\n')
    settings = resolve_settings(env=_env(user))
    assert (settings.model, settings.base_url, settings.max_attempts) == ("project-model", "http://user/v1", 5)
    assert settings.sources == (str(user), str(project))
    settings = resolve_settings(env=_env(user, BACKEND_ARCHITECT_MODEL="env-model", OPENAI_BASE_URL="http://env/v1"))
    assert (settings.model, settings.base_url) == ("env-model", "http://env/v1")
    settings = resolve_settings(model="flag-model", base_url="http://flag/v1",
                                env=_env(user, BACKEND_ARCHITECT_MODEL="env-model"))
    assert (settings.model, settings.base_url) == ("flag-model", "http://flag/v1")


def test_xdg_defaults_to_home_dot_config(tmp_path):
    (tmp_path / ".config" / "backend-architect").mkdir(parents=True)
    (tmp_path / ".config" / "backend-architect" / "config.toml").write_text('model = "builtin"\nmax_attempts = 7\n')
    assert resolve_settings(env={"HOME": str(tmp_path)}, cwd=tmp_path).max_attempts == 7


@pytest.mark.parametrize("text,says", [
    ('api_key = "sk-123456"\n', "OPENAI_API_KEY"),
    ('modle = "x"\n', "unknown key 'modle'"),
    ('max_attempts = "three"\n', "wrong type"),
    ("model = \n", "invalid TOML"),
    ('structured_output = "xml"\n', "json_schema"),
    ('[prices."m"]\ninput = 1\n', "prices.m"),
])
def test_bad_config_files_are_clear_errors(dirs, text, says):
    user, project = dirs
    project.write_text(text)
    with pytest.raises(ConfigError, match=says.replace(".", r"\.").replace("(", r"\(")) as info:
        resolve_settings(env=_env(user))
    assert str(project) in str(info.value)


def test_prices_from_config_extend_the_table(dirs):
    user, _ = dirs
    user.write_text('[prices."my-llama"]\ninput = 0.2\noutput = 0.6\n')
    settings = resolve_settings(env=_env(user))
    assert price_for("my-llama", settings.prices) == Price(0.2, 0.6)
    assert price_for("gpt-4.1-mini-2025-04-14") == price_for("gpt-4.1-mini") == Price(0.40, 1.60)
    assert price_for("unknown-model") is None


def test_models_shows_profiles_and_the_resolution_without_the_key(dirs, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", API_KEY)
    result = runner.invoke(app, ["models", "--model", "deepseek-r1:14b", "--base-url", "http://127.0.0.1:9/v1"])
    assert result.exit_code == 0, result.output
    assert "openai-gpt" in result.stdout and "deepseek-r1" in result.stdout and "text" in result.stdout
    assert "set" in result.stdout and API_KEY not in result.stdout
    result = runner.invoke(app, ["models", "--structured-output", "xml"])
    assert result.exit_code == 2 and "json_schema" in result.stderr
    result = runner.invoke(app, ["chat", "--structured-output", "xml"])
    assert result.exit_code == 2 and "json_schema" in result.stderr


def test_doctor_against_the_builtin_in_process(dirs):
    result = runner.invoke(app, ["doctor"])
    assert result.exit_code == 0, result.output
    assert "chat" in result.stdout and "called search_knowledge" in result.stdout
    assert "tools: asking…" in result.stdout and "tools: yes after" in result.stdout  # a line per probe, piped too
    assert "streaming" in result.stdout and "chunks" in result.stdout  # the builtin model streams SSE


def test_doctor_against_a_server_on_loopback_never_shows_the_key(dirs, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", API_KEY)
    with BuiltinServer() as server:
        result = runner.invoke(app, ["doctor", "--base-url", server.base_url, "--model", "served"])
    assert result.exit_code == 0, result.output
    assert "offline rule-based model" in result.stdout and API_KEY not in result.output


def test_doctor_on_a_closed_port_says_what_to_check(dirs):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = runner.invoke(app, ["doctor", "--base-url", f"http://127.0.0.1:{port}/v1", "--model", "x"])
    assert result.exit_code == 1
    assert "cannot reach" in result.stdout and "skipped" in result.stdout


def test_doctor_reports_each_capability_of_a_scripted_server():
    """Through respx: a server that streams and calls tools, but refuses strict schemas and JSON schema."""
    import asyncio
    import json

    import httpx
    import respx

    from backend_architect.design.tools import default_registry
    from backend_architect.llm import make_client
    from backend_architect.llm.doctor import run_checks

    from .conftest import BASE_URL, completion, remote_settings

    def answer(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        if body.get("stream"):
            chunk = {"id": "c", "object": "chat.completion.chunk", "created": 0, "model": "m",
                     "choices": [{"index": 0, "delta": {"content": "OK"}, "finish_reason": "stop"}]}
            return httpx.Response(200, headers={"content-type": "text/event-stream"},
                                  content=f"data: {json.dumps(chunk)}\n\ndata: [DONE]\n\n".encode())
        if "response_format" in body:
            return httpx.Response(400, json={"error": {"message": "response_format is not supported"}})
        if any(t["function"].get("strict") for t in body.get("tools", [])):
            return httpx.Response(400, json={"error": {"message": "strict is not supported"}})
        if body.get("tools"):
            return httpx.Response(200, json=completion(("search_knowledge", {"query": "pagination"})))
        return httpx.Response(200, json=completion(content="OK"))

    async def go():
        client = make_client(remote_settings(), http_client=httpx.AsyncClient())
        try:
            return await run_checks(client, "gpt-test", default_registry().schemas()[0], base_url=BASE_URL)
        finally:
            await client.close()

    with respx.mock(base_url=BASE_URL) as mock:
        route = mock.post("/chat/completions").mock(side_effect=answer)
        checks = asyncio.run(go())
    assert {c.name: c.ok for c in checks} == {"chat": True, "tools": True, "strict tools": False,
                                              "JSON schema": False, "streaming": True}
    assert route.call_count == 5  # one small request per capability, no retries


def test_design_refuses_an_unknown_structured_output_mode_before_writing(dirs, tmp_path):
    from .conftest import EXAMPLES

    out = tmp_path / "out"
    result = runner.invoke(app, ["design", str(EXAMPLES / "online-shop.yaml"), "-o", str(out),
                                 "--structured-output", "xml"])
    assert result.exit_code == 2 and "tools-strict" in result.stderr and not out.exists()
