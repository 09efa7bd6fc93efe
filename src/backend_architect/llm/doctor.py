"""`backend-architect doctor`: what an endpoint can do, one small request per capability.

Each probe is a single request with no retries (a doctor should report, not wait), and each
failure is described by the same `describe_error` a design run uses.
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .errors import ModelCallError, describe_error
from .strict import strict_schema
from .wire import WireCompletion, WireMessage, read_completion

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


def _search_tool(tool: dict[str, Any], strict: bool) -> dict[str, Any]:
    if not strict:
        return tool
    return {"type": "function", "function": {**tool["function"], "strict": True,
                                             "parameters": strict_schema(tool["function"]["parameters"])}}


def _message(response: WireCompletion) -> WireMessage:
    message = response.choices[0].message if response.choices else None
    if message is None:
        raise ModelCallError("answered 200 without a usable completion (check --base-url)")
    return message


def _called(response: WireCompletion) -> tuple[bool, str]:
    message = _message(response)
    for call in message.tool_calls or []:
        if call.function is not None and call.function.name == "search_knowledge":
            try:
                json.loads(call.function.arguments)
            except json.JSONDecodeError:
                return False, "called the tool with arguments that are not JSON"
            return True, "called search_knowledge with JSON arguments"
    said = (message.content or "").strip().replace("\n", " ")[:80]
    return False, "answered in text instead of calling the tool" + (f": {said!r}" if said else "")


async def run_checks(client: AsyncOpenAI, model: str, search_tool: dict[str, Any], *,
                     base_url: str | None = None,
                     on_check: Callable[[str, Check | None, float], None] = lambda name, check, s: None) -> list[Check]:
    """`on_check(name, None, 0)` before each probe and `on_check(name, check, seconds)` after it: a slow
    local server then shows progress, also when the output is piped."""
    """`search_tool`: the search_knowledge tool as a design run offers it (the loop's registry owns it)."""
    chat = client.chat.completions
    user = [{"role": "user", "content": _PROBE}]

    async def ask(**request: Any) -> WireCompletion:
        # Read like a design run reads answers: through the wire models, not the SDK's unvalidated objects.
        raw = await chat.with_raw_response.create(model=model, **request)
        return read_completion(raw.text, base_url=base_url)[0]

    async def basic() -> tuple[bool, str]:
        response = await ask(messages=[{"role": "user", "content": "Say OK."}], max_tokens=16)
        _message(response)
        fingerprint = response.system_fingerprint
        return True, "answered" + (f" ({fingerprint})" if fingerprint else "")

    async def tools() -> tuple[bool, str]:
        return _called(await ask(messages=user, tools=[_search_tool(search_tool, False)], tool_choice="auto", max_tokens=200))

    async def strict() -> tuple[bool, str]:
        return _called(await ask(messages=user, tools=[_search_tool(search_tool, True)], tool_choice="auto", max_tokens=200))

    async def json_schema() -> tuple[bool, str]:
        schema = {"type": "object", "properties": {"ok": {"type": "boolean"}}, "required": ["ok"],
                  "additionalProperties": False}
        response = await ask(messages=[{"role": "user", "content": _JSON_PROBE}], max_tokens=50,
                             response_format={"type": "json_schema", "json_schema": {
                                 "name": "probe", "schema": schema, "strict": True}})
        text = _message(response).content or ""
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
        on_check(name, None, 0.0)
        started = time.monotonic()
        try:
            ok, detail = await probe()
        except Exception as exc:  # noqa: BLE001 - a doctor reports every failure, it never crashes on one
            ok, detail = False, str(describe_error(exc, base_url=base_url, model=model, secrets=[client.api_key]))
        checks.append(Check(name, ok, detail))
        on_check(name, checks[-1], time.monotonic() - started)
        if name == "chat" and not ok:
            checks += [Check(other, False, "skipped: the endpoint does not answer") for other, _ in probes[1:]]
            break
    return checks
