"""The agent loop: request → tool calls → validate → repair → … → finish.

It yields events and never prints. Budgets (turns, repairs per tool) end a run cleanly, and
whatever was accepted before that is kept in the design the last event carries.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import yaml

from ..inputs.brief import Brief
from ..llm.config import BUILTIN_NOTICE
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
from ..inputs.knowledge import KnowledgeBase
from ..llm.caller import ModelCaller
from ..llm.errors import ModelCallError
from ..llm.pricing import Price, price_for
from ..llm.profiles import Profile, resolve_profile
from ..llm.retry import RetryPolicy
from ..llm.stream import ToolCall
from ..inputs.prompts import Persona
from .phases import ONE_SHOT, PHASES, REQUIRED_TOOLS, accepted_summary, phase_system_prompt
from .tools import DesignState, ToolRegistry, default_registry
from ..llm.transcript import Transcript, redact

if TYPE_CHECKING:
    from openai import AsyncOpenAI

__all__ = ["Budgets", "ModelError", "ToolRound", "assistant_message", "brief_message", "run_design", "run_tool_calls"]


@dataclass(frozen=True)
class Budgets:
    max_turns: int = 16
    max_repairs_per_tool: int = 3
    max_nudges: int = 2  # answers without a usable tool call (prose, or cut off at the output limit)
    max_total_tokens: int | None = None
    max_cost: float | None = None  # USD, where the model's price is known


# The model path's one error type; kept under its old name for callers of the loop.
ModelError = ModelCallError


def brief_message(brief: Brief, extra: str = "") -> str:
    data = brief.model_dump(mode="json", exclude_defaults=True)
    ids = ", ".join(brief.requirement_ids()) or "(none)"
    lead = ("Design the backend for this requirements brief." if extra else
            "Design the backend for this requirements brief. Consult the knowledge base, then emit the database "
            "schema, the API specification and the service architecture with the tools, then call finish_design.")
    return (
        f"{lead}\n\n```yaml\n{yaml.safe_dump(data, sort_keys=False, allow_unicode=True)}```\n\n"
        f"Requirement ids to trace: {ids}" + (f"\n\n{extra}" if extra else "")
    )


@dataclass
class _Round:
    """One answer and its results, as they go back to the model within a phase."""

    messages: list[dict[str, Any]]
    names: frozenset[str] = frozenset()
    failed: bool = False  # every call of it failed


def _kept(rounds: list[_Round]) -> list[dict[str, Any]]:
    """The phase's exchange without what a later round superseded: a failed attempt at a tool the model
    called again (its arguments live on as the draft the next call is merged with), and knowledge searches
    but the last two. This is what keeps repairs from growing the request by a whole artifact each time."""
    out: list[dict[str, Any]] = []
    searches = [i for i, r in enumerate(rounds) if r.names == {"search_knowledge"}]
    for i, round_ in enumerate(rounds):
        if i in searches[:-2]:
            continue
        if round_.failed and round_.names and any(round_.names & later.names for later in rounds[i + 1:]):
            continue
        out.extend(round_.messages)
    return out


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
    profile: Profile | None = None,
    retry: RetryPolicy | None = None,
    prices: Mapping[str, Price] | None = None,
    base_url: str | None = None,
    stream: bool = False,
    state: DesignState | None = None,
    usage: Usage | None = None,
    phased: bool = True,
) -> AsyncIterator[Event]:
    """`state` and `usage`, when given, are the caller's to read if the run is cancelled midway (Ctrl-C,
    SIGTERM): what was accepted so far and what it cost."""
    registry = registry or default_registry()
    transcript = transcript if transcript is not None else Transcript()
    state = state if state is not None else DesignState(brief=brief, knowledge=knowledge)
    usage = usage if usage is not None else Usage()
    price = price_for(model, prices)
    repairs: Counter[str] = Counter()
    nudges = 0
    turn = 0
    phases = PHASES if phased else (ONE_SHOT,)
    failed_before: dict[str, str] = {}  # each tool's last failed arguments
    hot: set[str] = set()  # tools whose last failed call repeated the one before it word for word
    phase_at = 0
    searches = 0  # knowledge searches in this phase
    abandoned: set[str] = set()
    rounds: list[_Round] = []
    system = phase_system_prompt(persona.system_prompt) if phased else persona.system_prompt

    asks_for_graphql = "graphql" in brief.model_dump_json().lower()

    def offered() -> list[str]:
        if not phased:
            return [n for n in registry.names if n != "amend_database_schema"]
        names = [n for n in phases[phase_at].tools if n not in abandoned]
        if caller.structured.profile.small:
            # Optional detail a small model only gets wrong (the 1.5B model sharded users by a column it does not
            # have, four answers running): the design is complete without it, and says what it lacks.
            names = [n for n in names if n not in BEYOND_SMALL]
            if not asks_for_graphql:  # it wrote a shop's GraphQL schema for a URL shortener's services phase
                names = [n for n in names if n != "emit_graphql_schema"]
        if state.capacity is not None:
            # Computed once: offered again, a small model calls it again and again instead of moving on.
            names = [n for n in names if n != "estimate_capacity"]
        if searches >= MAX_SEARCHES_PER_PHASE:
            # The 1.5B model searched the same words twenty times running in the API phase, never emitting it.
            names = [n for n in names if n != "search_knowledge"] or names
        return names

    def request_messages() -> list[dict[str, Any]]:
        if not phased:
            opening = brief_message(brief)
        else:
            phase = phases[phase_at]
            summary = accepted_summary(state)
            opening = brief_message(brief, (summary + "\n\n" if summary else "") + phase.instruction)
        return [{"role": "system", "content": system}, {"role": "user", "content": opening}, *_kept(rounds)]

    caller = ModelCaller(client, model, [], profile or resolve_profile(model), retry or RetryPolicy(),
                         base_url, record=lambda kind, body: transcript.record(kind, turn, body), stream=stream)
    state.drop_unused_at_once = caller.structured.profile.small
    yield RunStarted(model=model, builtin=builtin, brief_title=brief.title)

    def stop(reason: str) -> RunFailed:
        reason = redact(reason, transcript.secrets)
        transcript.record("outcome", turn, {"status": "failed", "reason": reason, "mode": caller.mode,
                                            "usage": usage.as_dict()})
        return RunFailed(reason=reason, design=state.design(model=model, builtin=builtin, failure=reason),
                         usage=usage)

    for turn in range(1, budgets.max_turns + 1):
        phase = phases[phase_at]
        names = offered()
        tools = registry.schemas(names, compact=phased, small=phased and caller.structured.profile.small)
        yield ModelRequested(turn=turn, phase=phase.name, tools=names)
        started = time.monotonic()
        try:
            base = caller.structured.profile.temperature  # only a model sampled near-greedy is sampled hotter
            answer = await caller.turn(request_messages(), tools=tools, max_tokens=phase.max_tokens,
                                       temperature=max(base, REPEAT_TEMPERATURE) if hot and base is not None else None)
        except ModelCallError as exc:
            usage.add_failed(exc.attempts)
            yield stop(str(exc))
            return
        if answer.system_fingerprint == BUILTIN_NOTICE:
            builtin = True  # the rule-based model served over HTTP: the design must still say so
        usage.add(answer.prompt_tokens, answer.completion_tokens,
                  price.cost(answer.prompt_tokens, answer.completion_tokens) if price else None)
        usage.add_failed(answer.failed_attempts)
        calls = [] if answer.truncated else answer.calls
        yield ModelResponded(turn=turn, tool_calls=[c.name for c in calls], text=answer.text, notices=answer.notices,
                             seconds=time.monotonic() - started, prompt_tokens=answer.prompt_tokens,
                             completion_tokens=answer.completion_tokens)
        exhausted = _budget_exhausted(usage, budgets)
        if exhausted:
            yield stop(exhausted)
            return
        if not calls:
            nudges += 1
            if nudges > budgets.max_nudges:
                said = answer.text.strip().replace("\n", " ")
                yield stop("the model's answers were cut off at the output token limit (finish_reason length); "
                           "raise the server's output limit or use another model" if answer.truncated else
                           "the model stopped calling tools before the design was finished"
                           + (f"; it said: {said[:300]}" if said else ""))
                return
            if answer.truncated:
                # The partial turn is dropped, not kept: nothing in it was run, and the model starts it again.
                rounds.append(_Round([{"role": "user", "content": TRUNCATED_NOTE}]))
                continue
            todo = ([n for n in names if n != "search_knowledge" and not (n == "estimate_capacity" and state.capacity)]
                    if phased else state.missing + ["finish_design"])
            # Said plainly for small models, which answer with prose or write the tool's result themselves.
            rounds.append(_Round([answer.assistant, {"role": "user", "content": "Your answer called no tool, so "
                                                     "nothing was done. The design is not finished; call a tool now "
                                                     "(still to call: " + ", ".join(todo) + "). Tool results come "
                                                     "from the system: never write them yourself."}]))
            continue
        round_ = run_tool_calls(registry, state, calls, turn=turn, repairs=repairs,
                                max_repairs=budgets.max_repairs_per_tool,
                                optional=set(registry.names) - REQUIRED_TOOLS if phased else None,
                                optional_repairs=min(budgets.max_repairs_per_tool, SMALL_OPTIONAL_REPAIRS)
                                if caller.structured.profile.small else None)
        for event in round_.events:
            yield event
        searches += sum(c.name == "search_knowledge" for c in calls)
        if round_.exhausted:
            yield stop(round_.exhausted)
            return
        rounds.append(_Round([answer.assistant, *caller.results(calls, round_.contents)],
                             frozenset(c.name for c in calls), failed=not any(round_.oks)))
        # The same failed call again, word for word: near-greedy sampling (a small model's profile) would write it
        # a third time, so the next answer is sampled hotter (the 1.5B model resent one API three times).
        for call, ok in zip(calls, round_.oks):
            hot.discard(call.name)  # a knowledge search in between leaves the repeated tool hot
            if ok:
                failed_before.pop(call.name, None)
                continue
            if _same_arguments(failed_before.get(call.name), call.arguments):
                hot.add(call.name)
            failed_before[call.name] = call.arguments
        for name in round_.abandoned:
            abandoned.add(name)
            state.given_up.add(name)
            state.drafts.pop(name, None)
            hot.discard(name)
        if round_.finished:
            transcript.record("outcome", turn, {"status": "complete", "mode": caller.mode, "usage": usage.as_dict()})
            yield RunFinished(design=state.design(model=model, builtin=builtin), usage=usage)
            return
        moved = False
        while phase_at + 1 < len(phases) and (phases[phase_at].done(state) or not set(offered()) - {"search_knowledge"}):
            phase_at, moved = phase_at + 1, True
        if moved:
            rounds = []
            nudges = 0
            searches = 0
            hot.clear()
            failed_before.clear()
            transcript.record("phase", turn, {"phase": phases[phase_at].name})
    yield stop(f"turn budget exhausted: no finished design after {budgets.max_turns} turns")


def _same_arguments(before: str | None, now: str) -> bool:
    if before is None:
        return False
    try:
        return bool(json.loads(before) == json.loads(now))
    except (json.JSONDecodeError, RecursionError):
        return before == now


def assistant_message(content: str | None, calls: list[ToolCall]) -> dict[str, Any]:
    """The assistant's turn as it goes back to the model on the next request (native tool calling)."""
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if calls:
        message["tool_calls"] = [{"id": c.id, "type": "function",
                                  "function": {"name": c.name, "arguments": c.arguments}} for c in calls]
    return message


class _Call(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def arguments(self) -> str: ...


@dataclass
class ToolRound:
    """One answer's tool calls, run: the events, each result's content (in call order) and how it ended."""

    events: list[Event] = field(default_factory=list)
    contents: list[str] = field(default_factory=list)
    finished: bool = False
    exhausted: str | None = None  # the reason, when a tool ran out of repairs
    abandoned: list[str] = field(default_factory=list)  # optional tools that ran out of repairs: given up
    oks: list[bool] = field(default_factory=list)


def run_tool_calls(registry: ToolRegistry, state: DesignState, calls: Sequence[_Call], *, turn: int,
                   repairs: Counter[str], max_repairs: int, optional: set[str] | None = None,
                   optional_repairs: int | None = None) -> ToolRound:
    """Run one answer's tool calls against the design state. How the results go back to the model depends on
    the structured-output mode (tool messages, or a user message), so the caller appends them. An optional tool
    is given up after `optional_repairs` (default `max_repairs`)."""
    round_ = ToolRound()
    for call in calls:
        outcome = registry.call(call.name, call.arguments, state)
        round_.contents.append(outcome.content)
        round_.oks.append(outcome.ok)
        round_.events.append(ToolCalled(turn=turn, name=call.name, ok=outcome.ok, summary=outcome.summary,
                                        errors=outcome.errors))
        if outcome.ok and outcome.artifact:
            round_.events.append(ArtifactAccepted(artifact=outcome.artifact))
        if not outcome.ok and outcome.counts_as_repair:
            repairs[call.name] += 1
            given = max_repairs if optional_repairs is None else optional_repairs
            if repairs[call.name] > given and optional and call.name in optional:
                if call.name not in round_.abandoned:
                    round_.abandoned.append(call.name)
                    round_.contents[-1] = json.dumps({"ok": False, "tool": call.name, "errors": outcome.errors[:3],
                                                      "instruction": f"{call.name} is given up after {given} "
                                                      "repairs; go on without it."})
                continue
            if repairs[call.name] > max_repairs:
                round_.exhausted = (f"repair budget exhausted: {call.name} was still invalid after "
                                    f"{max_repairs} repairs (last error: {outcome.errors[0]})")
                return round_
    # Finished only if the design is still finished after the last call: an artifact emitted after
    # finish_design in the same answer voids its traceability (the emit tools reset it).
    round_.finished = state.finish is not None and any(c.name == "finish_design" for c in calls)
    return round_


# A small model (minutes an answer on a CPU) is not offered these, and gives an optional tool up sooner.
BEYOND_SMALL = frozenset({"amend_database_schema"})
# Knowledge searches a phase offers; then the phase's own tools only.
MAX_SEARCHES_PER_PHASE = 2
SMALL_OPTIONAL_REPAIRS = 2
# A repair answered word for word like the failed attempt before it is asked again at this temperature.
REPEAT_TEMPERATURE = 0.7
TRUNCATED_NOTE = ("Your last answer was cut off at the output token limit and was discarded; nothing in it was run. "
                  "Call one tool at a time and keep the arguments compact.")


def _budget_exhausted(usage: Usage, budgets: Budgets) -> str | None:
    if budgets.max_total_tokens is not None and usage.total_tokens > budgets.max_total_tokens:
        return (f"token budget exhausted: {usage.total_tokens} tokens used, the budget is "
                f"{budgets.max_total_tokens}")
    if budgets.max_cost is not None and usage.cost is not None and usage.cost > budgets.max_cost:
        return f"cost budget exhausted: ${usage.cost:.4f} spent, the budget is ${budgets.max_cost:.4f}"
    return None

