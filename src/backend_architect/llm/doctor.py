"""`backend-architect doctor`: what an endpoint can do, one small request per capability.

Each probe is a single request with no retries (a doctor should report, not wait), and each
failure is described by the same `describe_error` a design run uses.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..tools import default_registry
from .errors import describe_error
from .strict import strict_schema

if TYPE_CHECKING:
    from openai import AsyncOpenAI

__all__ = ["Check", "run_checks"]

# A brief small enough for any model, fenced the way a design run sends it (the builtin reads it).
_PROBE = ("Call the search_knowledge tool once with the query 'pagination'. Context:\n```yaml\ntitle: Doctor check\n"
          "requirements:\n  - Customers place orders for products.\n```")
_JSON_PROBE = 'Answer with the JSON object {"ok": true} and nothing else.'


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


def _search_tool(strict: bool) -> dict[str, Any]:
    tool = default_registry().schemas()[0]
    if not strict:
        return tool
    return {"type": "function", "function": {**tool["function"], "strict": True,
                                             "parameters": strict_schema(tool["function"]["parameters"])}}


def _called(response: Any) -> tuple[bool, str]:
    message = response.choices[0].message if getattr(response, "choices", None) else None
    calls = getattr(message, "tool_calls", None) or []
    for call in calls:
        if call.function.name == "search_knowledge":
            try:
                json.loads(call.function.arguments or "")
            except json.JSONDecodeError:
                return False, "called the tool with arguments that are not JSON"
            return True, "called search_knowledge with JSON arguments"
    said = (getattr(message, "content", None) or "").strip().replace("\n", " ")[:80]
    return False, "answered in text instead of calling the tool" + (f": {said!r}" if said else "")


async def run_checks(client: AsyncOpenAI, model: str, *, base_url: str | None = None) -> list[Check]:
    chat = client.chat.completions
    user = [{"role": "user", "content": _PROBE}]

    async def basic() -> tuple[bool, str]:
        response = await chat.create(model=model, messages=[{"role": "user", "content": "Say OK."}], max_tokens=16)
        if isinstance(response, str) or not getattr(response, "choices", None):
            return False, "answered 200 without a usable completion (check --base-url)"
        fingerprint = getattr(response, "system_fingerprint", None)
        return True, f"answered as {getattr(response, 'model', model)}" + (f" ({fingerprint})" if fingerprint else "")

    async def tools() -> tuple[bool, str]:
        return _called(await chat.create(model=model, messages=user, tools=[_search_tool(False)],
                                         tool_choice="auto", max_tokens=200))

    async def strict() -> tuple[bool, str]:
        return _called(await chat.create(model=model, messages=user, tools=[_search_tool(True)],
                                         tool_choice="auto", max_tokens=200))

    async def json_schema() -> tuple[bool, str]:
        schema = {"type": "object", "properties": {"ok": {"type": "boolean"}}, "required": ["ok"],
                  "additionalProperties": False}
        response = await chat.create(model=model, messages=[{"role": "user", "content": _JSON_PROBE}], max_tokens=50,
                                     response_format={"type": "json_schema", "json_schema": {
                                         "name": "probe", "schema": schema, "strict": True}})
        text = (response.choices[0].message.content or "") if getattr(response, "choices", None) else ""
        try:
            return isinstance(json.loads(text), dict), "answered with JSON"
        except json.JSONDecodeError:
            return False, "accepted response_format but did not answer with JSON"

    async def streaming() -> tuple[bool, str]:
        stream = await chat.create(model=model, messages=[{"role": "user", "content": "Say OK."}], max_tokens=16,
                                   stream=True)
        chunks = 0
        async for _ in stream:
            chunks += 1
        return chunks > 0, f"{chunks} chunks"

    probes: list[tuple[str, Callable[[], Awaitable[tuple[bool, str]]]]] = [
        ("chat", basic), ("tools", tools), ("strict tools", strict), ("JSON schema", json_schema),
        ("streaming", streaming)]
    checks: list[Check] = []
    for name, probe in probes:
        try:
            ok, detail = await probe()
        except Exception as exc:  # noqa: BLE001 - a doctor reports every failure, it never crashes on one
            ok, detail = False, str(describe_error(exc, base_url=base_url, model=model, secrets=[client.api_key]))
        checks.append(Check(name, ok, detail))
        if name == "chat" and not ok:
            checks += [Check(other, False, "skipped: the endpoint does not answer") for other, _ in probes[1:]]
            break
    return checks
