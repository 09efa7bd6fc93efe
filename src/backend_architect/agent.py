"""The agent loop: request → tool calls → validate → repair → … → finish.

It yields events and never prints. Budgets (turns, repairs per tool) end a run cleanly, and
whatever was accepted before that is kept in the design the last event carries.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import yaml
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt, wait_none

from . import __version__
from .brief import Brief
from .config import BUILTIN_NOTICE
from .events import (
    ArtifactAccepted,
    Event,
    ModelRequested,
    ModelResponded,
    RunFailed,
    RunFinished,
    RunStarted,
    ToolCalled,
    Usage,
)
from .knowledge import KnowledgeBase
from .llm.stream import ToolCall
from .prompts import Persona
from .spec import Design
from .spec.design import GeneratedBy
from .tools import DesignState, ToolRegistry, default_registry
from .transcript import Transcript, redact

if TYPE_CHECKING:
    from openai import AsyncOpenAI

__all__ = ["Budgets", "ModelError", "ToolRound", "assistant_message", "brief_message", "run_design", "run_tool_calls"]


@dataclass(frozen=True)
class Budgets:
    max_turns: int = 16
    max_repairs_per_tool: int = 3
    max_nudges: int = 2


class ModelError(Exception):
    """The model's answer could not be used at all (no choices, no message)."""


def brief_message(brief: Brief) -> str:
    data = brief.model_dump(mode="json", exclude_defaults=True)
    ids = ", ".join(brief.requirement_ids()) or "(none)"
    return (
        "Design the backend for this requirements brief. Consult the knowledge base, then emit the database "
        "schema, the API specification and the service architecture with the tools, then call finish_design.\n\n"
        f"```yaml\n{yaml.safe_dump(data, sort_keys=False, allow_unicode=True)}```\n\n"
        f"Requirement ids to trace: {ids}"
    )


async def run_design(
    brief: Brief,
    *,
    client: AsyncOpenAI,
    model: str,
    persona: Persona,
    knowledge: KnowledgeBase,
    budgets: Budgets = Budgets(),
    transcript: Transcript | None = None,
    registry: ToolRegistry | None = None,
    builtin: bool = False,
) -> AsyncIterator[Event]:
    registry = registry or default_registry()
    transcript = transcript if transcript is not None else Transcript()
    state = DesignState(brief=brief, knowledge=knowledge)
    usage = Usage()
    repairs: Counter[str] = Counter()
    nudges = 0
    messages: list[dict[str, Any]] = [
        {"role": "system", "content": persona.system_prompt},
        {"role": "user", "content": brief_message(brief)},
    ]
    tools = registry.schemas()
    yield RunStarted(model=model, builtin=builtin, brief_title=brief.title)

    def design(failure: str | None = None) -> Design:
        return _assemble(state, model=model, builtin=builtin, failure=failure)

    for turn in range(1, budgets.max_turns + 1):
        yield ModelRequested(turn=turn)
        request = {"model": model, "messages": messages, "tools": tools, "tool_choice": "auto"}
        transcript.record("request", turn, request)
        try:
            response = await _complete(client, request)
        except Exception as exc:  # noqa: BLE001 - every failure of the model call ends the run cleanly
            reason = redact(_describe_error(exc), transcript.secrets)
            transcript.record("error", turn, {"error": reason})
            yield RunFailed(reason=reason, design=design(reason), usage=usage)
            return
        transcript.record("response", turn, response.model_dump(mode="json", exclude_none=True))
        if getattr(response, "system_fingerprint", None) == BUILTIN_NOTICE:
            builtin = True  # the rule-based model served over HTTP: the design must still say so
        if response.usage:
            usage.add(response.usage.prompt_tokens or 0, response.usage.completion_tokens or 0)
        else:
            usage.add(0, 0)
        message = response.choices[0].message
        calls = [ToolCall(c.id, c.function.name, c.function.arguments) for c in message.tool_calls or []]
        yield ModelResponded(turn=turn, tool_calls=[c.name for c in calls], text=message.content or "")
        messages.append(assistant_message(message.content, calls))
        if not calls:
            nudges += 1
            if nudges > budgets.max_nudges:
                said = (message.content or "").strip().replace("\n", " ")
                reason = redact("the model stopped calling tools before the design was finished" + (
                    f"; it said: {said[:300]}" if said else ""), transcript.secrets)
                yield RunFailed(reason=reason, design=design(reason), usage=usage)
                return
            todo = state.missing + ["finish_design"]
            messages.append({"role": "user", "content": "The design is not finished. Use the tools; still to call: "
                                                        + ", ".join(todo) + "."})
            continue
        round_ = run_tool_calls(registry, state, calls, turn=turn, messages=messages, repairs=repairs,
                                max_repairs=budgets.max_repairs_per_tool)
        for event in round_.events:
            yield event
        if round_.exhausted:
            yield RunFailed(reason=round_.exhausted, design=design(round_.exhausted), usage=usage)
            return
        if round_.finished:
            yield RunFinished(design=design(), usage=usage)
            return
    reason = f"turn budget exhausted: no finished design after {budgets.max_turns} turns"
    yield RunFailed(reason=reason, design=design(reason), usage=usage)


def assistant_message(content: str | None, calls: list[ToolCall]) -> dict[str, Any]:
    """The assistant's turn as it goes back to the model on the next request."""
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if calls:
        message["tool_calls"] = [{"id": c.id, "type": "function",
                                  "function": {"name": c.name, "arguments": c.arguments}} for c in calls]
    return message


@dataclass
class ToolRound:
    events: list[Event]
    finished: bool = False
    exhausted: str | None = None  # the reason, when a tool ran out of repairs


def run_tool_calls(registry: ToolRegistry, state: DesignState, calls: list[ToolCall], *, turn: int,
                   messages: list[dict[str, Any]], repairs: Counter[str], max_repairs: int) -> ToolRound:
    """Run one answer's tool calls against the design state, appending each result to `messages`."""
    round_ = ToolRound(events=[])
    for call in calls:
        outcome = registry.call(call.name, call.arguments, state)
        messages.append({"role": "tool", "tool_call_id": call.id, "content": outcome.content})
        round_.events.append(ToolCalled(turn=turn, name=call.name, ok=outcome.ok, summary=outcome.summary,
                                        errors=outcome.errors))
        if outcome.ok and outcome.artifact:
            round_.events.append(ArtifactAccepted(artifact=outcome.artifact))
        if not outcome.ok:
            repairs[call.name] += 1
            if repairs[call.name] > max_repairs:
                round_.exhausted = (f"repair budget exhausted: {call.name} was still invalid after "
                                    f"{max_repairs} repairs (last error: {outcome.errors[0]})")
                return round_
        round_.finished = round_.finished or outcome.finished
    return round_


async def _complete(client: AsyncOpenAI, request: dict[str, Any]) -> Any:
    # Network retries belong to the SDK; this layer re-asks only when a 200 carried no usable answer.
    async for attempt in AsyncRetrying(stop=stop_after_attempt(2), wait=wait_none(),
                                       retry=retry_if_exception_type(ModelError), reraise=True):
        with attempt:
            response = await client.chat.completions.create(**request)
            if not getattr(response, "choices", None) or response.choices[0].message is None:
                raise ModelError("the server answered 200 with no choices")
            return response
    raise AssertionError("unreachable")  # pragma: no cover


def _describe_error(exc: Exception) -> str:
    import openai

    if isinstance(exc, openai.AuthenticationError):
        return "the server refused the API key (401): check OPENAI_API_KEY"
    if isinstance(exc, openai.NotFoundError):
        return "not found (404): check --base-url and the model name"
    if isinstance(exc, openai.APIStatusError):
        return f"the model server answered {exc.status_code}: {exc.message}"
    if isinstance(exc, openai.APIConnectionError):
        return f"cannot reach the model server: {exc.message}"
    if isinstance(exc, ModelError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def _assemble(state: DesignState, *, model: str, builtin: bool, failure: str | None) -> Design:
    finish = state.finish
    return Design(
        title=state.brief.title,
        status="complete" if failure is None else "incomplete",
        failure=failure,
        generated_by=GeneratedBy(model=model, builtin=builtin, tool_version=__version__),
        brief=state.brief,
        summary=finish.summary if finish else "",
        api_specification=state.api,
        database_schema=state.data,
        microservices=state.services,
        traceability=list(finish.traceability) if finish else [],
        open_questions=list(finish.open_questions) if finish else [],
        knowledge_consulted=list(state.consulted),
    )
