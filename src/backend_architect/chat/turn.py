"""One chat turn: the agent loop of `design`, run per user message over a conversation that lasts.

The tools, their validation and the repair loop are the agent's own (`run_tool_calls`); what
differs is that answers stream, that a text answer ends the turn instead of being nudged, and that
the design state carries over from turn to turn.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from ..design.agent import Budgets, _budget_exhausted, assistant_message, run_tool_calls
from ..inputs.brief import Brief
from ..llm.config import BUILTIN_NOTICE
from ..inputs.conversation import CHAT_HEADING, brief_text, conversation_brief
from ..design.events import Event, ModelRequested, ModelResponded, TextDelta, TurnFinished, Usage
from ..inputs.knowledge import KnowledgeBase
from ..llm.errors import describe_error
from ..llm.retry import RetryPolicy
from ..llm.stream import StreamedMessage, stream_completion
from ..llm.profiles import Profile
from ..llm.structured import StructuredOutput, extract_json_calls
from ..inputs.prompts import Persona
from ..spec import (
    ApiSpecification,
    CapacityEstimate,
    DatabaseSchema,
    Decision,
    Design,
    FinishDesign,
    GraphQLSpecification,
    PerformancePlan,
    ServiceArchitecture,
)
from ..design.tools import DesignState, ToolRegistry, default_registry
from ..llm.transcript import Transcript, redact

if TYPE_CHECKING:
    from openai import AsyncOpenAI

__all__ = ["CHAT_GUIDE", "Conversation", "INTERRUPTED", "run_turn"]

CHAT_GUIDE = f"""

{CHAT_HEADING}

This is an interactive chat in a terminal (backend-architect chat). Answer in concise Markdown. When
the person asks for a design or a change to one, call the emit tools with the whole corrected
artifact; the tool results tell you whether it was accepted. Call finish_design when every artifact
is accepted and the requirements listed below are traced (they are the brief's, if one was loaded, and
every sentence the person has stated about the system). Otherwise just answer."""

INTERRUPTED = "[interrupted by the user]"
PROMPTED_CHAT = ("\n\nIn this chat you may also answer the person directly: then write Markdown prose, with no JSON "
                 "object in it.")


@dataclass
class _CallHold:
    """In the prompted mode an answer that starts like a call (`{`, a fence, `<tool_call>`) is held back instead of
    streamed to the terminal: it is run, not shown. Prose streams as it comes."""

    enabled: bool
    held: str = ""
    decided: bool = False

    def feed(self, piece: str) -> list[str]:
        if self.decided and self.held:
            self.held += piece
            return []
        if not self.enabled or self.decided:
            return [piece]
        self.held += piece
        start = self.held.lstrip()
        if not start:
            return []
        if start[0] in "{[`<":
            self.decided = True  # held to the end: the caller shows it only if no call is read from it
            return []
        self.decided, shown, self.held = True, self.held, ""
        return [shown]
_PLACEHOLDER = Brief(title="Chat design")
_ARTIFACTS = {"api": "API", "data": "schema", "services": "services", "graphql": "GraphQL",
              "capacity": "capacity", "performance": "performance", "finish": "traceability"}
# What a session stores of the design state, so --continue restores every accepted artifact.
_STORED: dict[str, type[BaseModel]] = {
    "api": ApiSpecification, "data": DatabaseSchema, "services": ServiceArchitecture, "graphql": GraphQLSpecification,
    "capacity": CapacityEstimate, "performance": PerformancePlan, "finish": FinishDesign}


@dataclass
class Conversation:
    """The messages sent to the model and the design they have produced, across turns."""

    persona: Persona
    knowledge: KnowledgeBase
    messages: list[dict[str, Any]] = field(default_factory=list)
    loaded_brief: Brief | None = None
    state: DesignState | None = None
    usage: Usage = field(default_factory=Usage)
    pending: StreamedMessage | None = None  # the answer streaming now, until it joins `messages`
    builtin_seen: bool = False  # the rule-based model answered (also when served over HTTP)

    def __post_init__(self) -> None:
        if not self.messages or self.messages[0].get("role") != "system":
            self.messages.insert(0, {"role": "system", "content": ""})
        if self.state is None:
            self.state = DesignState(brief=_PLACEHOLDER, knowledge=self.knowledge)
        self.refresh_brief()

    @property
    def design_state(self) -> DesignState:
        assert self.state is not None
        return self.state

    def load_brief(self, brief: Brief) -> dict[str, Any]:
        self.loaded_brief = brief
        message = {"role": "user", "content": brief_text(brief)}
        self.messages.append(message)
        self.refresh_brief()
        return message

    def refresh_brief(self) -> None:
        """The design is checked against the brief the conversation amounts to so far, and the model is told
        its requirement ids in the system message, which is rewritten each time (the store keeps the first
        version; resuming rewrites it from the stored conversation)."""
        state = self.design_state
        before = state.brief.requirement_ids()
        brief = state.brief = conversation_brief(self.messages, self.loaded_brief) or _PLACEHOLDER
        if brief.requirement_ids() != before and state.finish is not None:
            state.finish = None  # a new requirement is not traced yet: the design is no longer finished
        listed = "".join(f"\n- {r.id}: {r.text}" for r in brief.requirements)
        self.messages[0] = {"role": "system", "content": self.persona.system_prompt + CHAT_GUIDE
                            + (f"\n\nRequirements to trace so far:{listed}" if listed else "")}

    def close_interrupted(self) -> list[dict[str, Any]]:
        """After Ctrl-C: keep what arrived, marked, and answer any tool call left open. Returns what was added."""
        added = self.close_open_calls("interrupted by the user")
        if self.pending is not None and (self.pending.content or self.pending.tool_calls):
            kept = (self.pending.content.rstrip() + "\n\n" + INTERRUPTED).strip()
            added.append({"role": "assistant", "content": kept})
            self.messages.append(added[-1])
        self.pending = None
        return added

    def close_open_calls(self, why: str) -> list[dict[str, Any]]:
        """An assistant message whose tool calls have no results is rejected by the API: give them one."""
        answered = {m.get("tool_call_id") for m in self.messages if m.get("role") == "tool"}
        added = [{"role": "tool", "tool_call_id": call["id"], "content": json.dumps({"ok": False, "errors": [why]})}
                 for message in self.messages for call in message.get("tool_calls") or []
                 if call["id"] not in answered]
        self.messages.extend(added)
        return added

    def design(self, model: str, builtin: bool) -> Design:
        state = self.design_state
        failure = None
        if state.finish is None:
            todo = state.missing + ["finish_design"]
            failure = "the chat has not finished the design yet (still to call: " + ", ".join(todo) + ")"
        return state.design(model=model, builtin=builtin, failure=failure)

    def state_dump(self) -> dict[str, Any]:
        state = self.design_state
        dump: dict[str, Any] = {
            "loaded_brief": self.loaded_brief.model_dump(mode="json") if self.loaded_brief else None,
            "consulted": list(state.consulted),
            "decisions": [d.model_dump(mode="json") for d in state.decisions],
        }
        for name in _STORED:
            value = getattr(state, name)
            dump[name] = value.model_dump(mode="json") if value is not None else None
        return dump

    def restore(self, dump: dict[str, Any]) -> None:
        """Put back a stored design state. An artifact the current validators refuse (a session saved by an
        older version) is left out rather than crashing the resume; the model can emit it again."""
        from pydantic import ValidationError

        state = self.design_state
        self.loaded_brief = Brief.model_validate(dump["loaded_brief"]) if dump.get("loaded_brief") else None
        self.refresh_brief()  # first: the brief it rebuilds must not void the stored traceability
        for name, model in _STORED.items():
            try:
                setattr(state, name, model.model_validate(dump[name]) if dump.get(name) else None)
            except ValidationError:
                setattr(state, name, None)
        try:
            state.decisions = [Decision.model_validate(d) for d in dump.get("decisions") or []]
        except ValidationError:
            state.decisions = []
        state.consulted = list(dump.get("consulted") or [])

    def _artifacts(self) -> dict[str, object]:
        return {name: getattr(self.design_state, name) for name in _ARTIFACTS}


async def run_turn(
    conversation: Conversation,
    text: str,
    *,
    client: AsyncOpenAI,
    model: str,
    budgets: Budgets = Budgets(),
    retry: RetryPolicy | None = None,
    transcript: Transcript | None = None,
    registry: ToolRegistry | None = None,
    profile: Profile | None = None,
) -> AsyncIterator[Event]:
    """Answer one user message: stream, run tool calls, repeat until the model answers in text.

    `profile` (the model's, or what `doctor` learned of this server) decides how tools are offered: natively,
    or, for a model without dependable native tool calls, in the prompt as `design` does in its text modes
    (JSON-schema-constrained answers cannot be prose, so every non-native mode chats in `text`). Calls written as
    text are read alike in both; in the prompted mode the results go back as a user message."""
    registry = registry or default_registry()
    transcript = transcript if transcript is not None else Transcript()
    messages = conversation.messages
    messages.append({"role": "user", "content": text})
    conversation.refresh_brief()
    before = conversation._artifacts()
    usage = Usage()
    repairs: Counter[str] = Counter()
    tools = registry.schemas(compact=True)  # ~8,000 tokens instead of ~16,000: titles, defaults, nulls gone
    parameters = {t["function"]["name"]: t["function"]["parameters"] for t in tools}
    prompted = None if profile is None or profile.mode == "tools" else \
        StructuredOutput(tools, replace(profile, mode="text", strict=False))

    def finished(answer: str, failure: str | None = None) -> TurnFinished:
        after = conversation._artifacts()
        changed = [label for name, label in _ARTIFACTS.items() if after[name] is not before[name]]
        return TurnFinished(text=answer, changed=changed, usage=usage, failure=failure)

    for step in range(1, budgets.max_turns + 1):
        yield ModelRequested(turn=step)
        if prompted is None:
            request = {"model": model, "messages": messages, "tools": tools, "tool_choice": "auto"}
        else:
            request = prompted.request(model, messages)
            request["messages"][0]["content"] += PROMPTED_CHAT
        transcript.record("request", step, request)
        message = conversation.pending = StreamedMessage()
        held = _CallHold(enabled=prompted is not None)
        try:
            async for piece in stream_completion(client, request, message, retry):
                for shown in held.feed(piece):
                    yield TextDelta(shown)
        except Exception as exc:  # noqa: BLE001 - a failed model call ends the turn, not the chat
            reason = str(describe_error(exc, model=model, secrets=transcript.secrets))
            transcript.record("error", step, {"error": reason})
            conversation.pending = None
            if held.held:
                yield TextDelta(held.held)  # what was held back is shown: nothing of it will run
            if message.content:
                messages.append({"role": "assistant", "content": f"{message.content}\n\n[cut off: {reason}]"})
            yield finished(message.content, reason)
            return
        conversation.pending = None
        transcript.record("response", step, message.dump())
        conversation.builtin_seen = conversation.builtin_seen or message.fingerprint == BUILTIN_NOTICE
        for total in (usage, conversation.usage):
            total.add(message.prompt_tokens or 0, message.completion_tokens or 0)
        exhausted = _budget_exhausted(conversation.usage, budgets)  # the session's spend, as in `design`
        if exhausted:
            if held.held:
                yield TextDelta(held.held)
            messages.append({"role": "assistant", "content": (message.content or "") + f"\n\n[stopped: {exhausted}]"})
            yield finished(message.content, exhausted)
            return
        calls = message.tool_calls
        content = message.content
        if not calls and content and message.finish_reason != "length":
            # A model without native tool calls (or a server that does not parse them) writes the call as text:
            # `<tool_call>`, fenced JSON, doubled braces, a bare argument object; read as in `design`.
            calls = extract_json_calls(content, parameters, prefix=f"text_call_{step}")  # type: ignore[assignment]
            content = "" if calls else content
        if message.finish_reason == "length" and calls:
            # Tool arguments cut off at the output limit are not run (as in `design`): the text is kept.
            dropped = ", ".join(c.name for c in calls)
            messages.append({"role": "assistant", "content": (message.content + "\n\n" if message.content else "")
                             + f"[cut off at the output token limit; not run: {dropped}]"})
            yield finished(message.content, f"the answer was cut off at the output token limit; {dropped} not run")
            return
        if not calls and held.held:
            yield TextDelta(held.held)  # it looked like a call, and was prose after all
        yield ModelResponded(turn=step, tool_calls=[c.name for c in calls], text=content)
        if prompted is None:
            messages.append(assistant_message(content or ("" if not calls else None), calls))
        else:
            messages.append({"role": "assistant", "content": message.content})
        if not calls:
            yield finished(content)
            return
        round_ = run_tool_calls(registry, conversation.design_state, calls, turn=step, repairs=repairs,
                                max_repairs=budgets.max_repairs_per_tool)
        if prompted is None:
            messages.extend({"role": "tool", "tool_call_id": call.id, "content": content}
                            for call, content in zip(calls, round_.contents))
        else:
            messages.extend(prompted.results(calls, round_.contents))
        for event in round_.events:
            yield event
        if round_.exhausted:
            conversation.close_open_calls("not run: " + round_.exhausted)
            yield finished(message.content, round_.exhausted)
            return
    yield finished("", f"turn budget exhausted: the model was still calling tools after {budgets.max_turns} steps")
