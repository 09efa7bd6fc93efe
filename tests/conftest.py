from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "briefs"
API_KEY = "sk-test-DO-NOT-LEAK-1234567890"
BASE_URL = "http://llm.test/v1"


def completion(*calls: tuple[str, dict[str, Any] | str], content: str | None = None, turn: int = 1,
               usage: tuple[int, int] = (100, 20)) -> dict[str, Any]:
    """A Chat Completions response body whose message calls the given tools."""
    tool_calls = [
        {"id": f"call_{turn}_{i}", "type": "function",
         "function": {"name": name, "arguments": args if isinstance(args, str) else json.dumps(args)}}
        for i, (name, args) in enumerate(calls)
    ]
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if tool_calls:
        message["tool_calls"] = tool_calls
    return {
        "id": f"chatcmpl-{turn}", "object": "chat.completion", "created": 0, "model": "gpt-test",
        "choices": [{"index": 0, "message": message, "finish_reason": "tool_calls" if tool_calls else "stop"}],
        "usage": {"prompt_tokens": usage[0], "completion_tokens": usage[1], "total_tokens": sum(usage)},
    }


def plan_calls(plan: Any) -> list[tuple[str, dict[str, Any]]]:
    """Every design tool's arguments from a builtin plan, in the persona's order (GraphQL only when asked)."""
    return [
        ("estimate_capacity", plan.capacity_args),
        ("emit_database_schema", {"database_schema": plan.schema}),
        ("emit_api_spec", {"api_specification": plan.api}),
        *([("emit_graphql_schema", {"graphql": plan.graphql})] if plan.graphql else []),
        ("emit_service_architecture", {"microservices": plan.services}),
        ("emit_performance_plan", {"performance": plan.performance}),
        ("record_decisions", {"decisions": plan.decisions}),
        ("finish_design", plan.finish),
    ]


def happy_script(plan: Any) -> list[dict[str, Any]]:
    """A model that consults the knowledge base, then uses every tool once."""
    steps = [("search_knowledge", {"query": "indexing foreign keys", "k": 2}), *plan_calls(plan)]
    return [completion(step, turn=i) for i, step in enumerate(steps, start=1)]


@pytest.fixture(autouse=True)
def _own_cache_dir(tmp_path_factory, monkeypatch):
    """What `doctor` learns is cached under XDG_CACHE_HOME: each test gets its own, never the user's."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg-cache")))


@pytest.fixture
def shop_brief():
    from backend_architect.inputs.brief import load_brief

    return load_brief(EXAMPLES / "online-shop.yaml").brief


@pytest.fixture
def knowledge():
    from backend_architect.inputs.knowledge import load_knowledge

    return load_knowledge()


@pytest.fixture
def persona():
    from backend_architect.inputs.prompts import load_persona

    return load_persona()


@pytest.fixture
def shop_plan(shop_brief, knowledge):
    """What the builtin model would emit for the shop: a known-valid set of tool arguments."""
    from backend_architect.llm.builtin.architect import Plan

    return Plan(shop_brief, knowledge)


@pytest.fixture(scope="session")
def pg_dsn():
    """A real, throwaway PostgreSQL for the session (pgserver's binaries from `make test`, else an installed one)."""
    from backend_architect.checks.pg import temporary_server

    with temporary_server() as dsn:
        yield dsn


@pytest.fixture(scope="session")
def builtin_designs(tmp_path_factory):
    """The builtin model's designs of the example briefs, made once, written as `design` writes them."""
    import asyncio

    from backend_architect.design.agent import run_design
    from backend_architect.inputs.brief import load_brief
    from backend_architect.llm.config import Settings
    from backend_architect.design.events import RunFinished
    from backend_architect.inputs.knowledge import load_knowledge
    from backend_architect.llm import make_client
    from backend_architect.design.output import write_design
    from backend_architect.inputs.prompts import load_persona

    knowledge, persona = load_knowledge(), load_persona()
    out = {}

    async def one(path):
        client = make_client(Settings(model="builtin"), knowledge=knowledge)
        try:
            async for event in run_design(load_brief(path).brief, client=client, model="builtin", persona=persona,
                                          knowledge=knowledge, builtin=True):
                if isinstance(event, RunFinished):
                    return event.design
        finally:
            await client.close()
        raise AssertionError(f"no finished design for {path}")

    for path in sorted(EXAMPLES.iterdir()):
        directory = tmp_path_factory.mktemp(path.stem)
        write_design(directory, asyncio.run(one(path)))
        out[path.stem] = directory
    return out


def remote_settings(**overrides: Any):
    from backend_architect.llm.config import Settings

    values: dict[str, Any] = {"model": "gpt-test", "base_url": BASE_URL, "api_key": API_KEY, "max_attempts": 1}
    values.update(overrides)
    return Settings(**values)


class FakeSleep:
    """Records the backoff waits instead of sleeping, so retry tests are instant and can check the waits."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def run_agent(brief, persona, knowledge, budgets=None, settings=None, sleep=None, **kwargs: Any):
    """Run the loop against whatever respx scripts, through the real client factory and retry policy."""
    import asyncio
    import dataclasses

    import httpx

    from backend_architect.design.agent import Budgets, run_design
    from backend_architect.llm import make_client
    from backend_architect.llm.client import retry_policy
    from backend_architect.llm.transcript import Transcript

    settings = settings or remote_settings()
    transcript = Transcript(secrets=settings.secrets())
    policy = retry_policy(settings)
    if sleep is not None:
        policy = dataclasses.replace(policy, sleep=sleep)

    async def go():
        client = make_client(settings, http_client=httpx.AsyncClient())
        try:
            return [e async for e in run_design(brief, client=client, model=settings.model, persona=persona,
                                                knowledge=knowledge, budgets=budgets or Budgets(),
                                                transcript=transcript, retry=policy, base_url=settings.base_url,
                                                prices=settings.prices, stream=settings.stream, **kwargs)]
        finally:
            await client.close()

    return asyncio.run(go()), transcript
