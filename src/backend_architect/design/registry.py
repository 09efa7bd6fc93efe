"""The tool registry's mechanics: how a call's arguments are read, drafted, prepared, validated and handled, and
how the outcome is told to the model. Which tools there are, and what each does, is `tools.py`'s."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError

from ..llm.compact import compact_schema
from ..llm.strict import drop_filled_nulls
from .repair import describe_validation, merge_draft, other_tool, unwrapped, without_empty_extras
from .state import DesignState

__all__ = ["Handler", "MAX_ERRORS_SHOWN", "Prepare", "Tool", "ToolOutcome", "ToolRegistry", "failure", "success"]

MAX_ERRORS_SHOWN = 12


@dataclass
class ToolOutcome:
    ok: bool
    content: str  # what the model is told
    summary: str = ""  # what a person is told
    errors: list[str] = field(default_factory=list)
    artifact: str | None = None
    finished: bool = False
    # A reminder (finish_design's one nudge about skipped capability tools) is not a failed repair.
    counts_as_repair: bool = True


Handler = Callable[[Any, DesignState], ToolOutcome]
# Adjusts the raw arguments before validation; returns them and notes for the model (what was changed).
Prepare = Callable[[dict[str, Any], DesignState], tuple[dict[str, Any], list[str]]]


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    arguments: type[BaseModel]
    handler: Handler
    later: tuple[str, ...] = ()  # optional properties ('Definition.field') a compact schema leaves to later
    prepare: Prepare | None = None
    # Optional features a small model's schema also leaves out: given them, the 1.5B model wrote an order-payment
    # saga and invented events for a URL shortener's modular monolith, 2,600 tokens and three minutes an answer.
    beyond_small: tuple[str, ...] = ()
    # Lists a small model's schema bounds ('Definition.field' -> items): the 1.5B model wrote access patterns, each
    # a longer query than the last, until its 3,000-token cap (equipment-booking, two runs of five minutes each).
    small_lists: tuple[tuple[str, int], ...] = ()

    def schema(self, compact: bool = False, small: bool = False) -> dict[str, Any]:
        parameters = self.arguments.model_json_schema()
        omit = self.later + (self.beyond_small if small else ())
        parameters = compact_schema(parameters, omit) if compact else parameters
        if compact and small:
            for name, items in self.small_lists:
                owner, field = name.split(".")
                node = parameters if parameters.get("title", owner) == owner and owner not in \
                    parameters.get("$defs", {}) else parameters.get("$defs", {}).get(owner, {})
                prop = node.get("properties", {}).get(field)
                if isinstance(prop, dict):
                    prop["maxItems"] = items
        return {
            "type": "function",
            "function": {
                "name": self.name,
                "description": self.description,
                "parameters": parameters,
            },
        }


class ToolRegistry:
    def __init__(self, tools: list[Tool]):
        self._tools = {t.name: t for t in tools}

    @property
    def names(self) -> list[str]:
        return list(self._tools)

    def schemas(self, names: Sequence[str] | None = None, compact: bool = False,
                small: bool = False) -> list[dict[str, Any]]:
        """The tools' schemas, all or those `names` (in registry order, unknown names skipped); `small` (with
        `compact`) also leaves out what a small model only invents."""
        return [t.schema(compact, small) for t in self._tools.values() if names is None or t.name in names]

    def call(self, name: str, arguments: str | None, state: DesignState) -> ToolOutcome:
        tool = self._tools.get(name)
        if tool is None:
            return failure(name, [f"unknown tool {name!r}; the tools are: {', '.join(self.names)}"])
        try:
            raw = json.loads(arguments or "{}")
        except json.JSONDecodeError as exc:
            near = (arguments or "")[max(exc.pos - 60, 0):exc.pos + 40].replace("\n", " ")
            return failure(name, [f"the arguments are not valid JSON ({exc.msg} at character {exc.pos}, near "
                                   f"{near!r}); write plain JSON (strings in double quotes, no comments or regex "
                                   "literals) and send the call again"])
        except RecursionError:  # found by the property test: thousands of nested brackets
            return failure(name, ["the arguments are nested too deeply"])
        if not isinstance(raw, dict):
            return failure(name, ["the arguments must be a JSON object"])
        raw = unwrapped(set(tool.arguments.model_fields), raw)
        other = other_tool(list(self._tools.values()), tool, raw)
        if other is not None:
            # The arguments of another tool under this one's name (the 1.5B model sent search_knowledge's
            # {"query", "k"} as estimate_capacity): run the tool they fit, and say so.
            outcome = self.call(other.name, json.dumps(raw), state)
            outcome.summary = f"ran {other.name} (the arguments are its own, not {name}'s): {outcome.summary}"
            return outcome
        outcome = self._validated(tool, raw, state)
        if name != "search_knowledge":
            if outcome.ok:
                state.drafts.pop(name, None)
            elif outcome.counts_as_repair:
                # Only the tool's own fields are kept for the next attempt: a key it does not have can never be
                # valid, and merged into every later attempt it would fail them all.
                own = {k: v for k, v in raw.items() if k in tool.arguments.model_fields}
                draft = state.drafts.get(name)
                state.drafts[name] = merge_draft(draft, own) if isinstance(draft, dict) else own
        return outcome

    def _validated(self, tool: Tool, raw: dict[str, Any], state: DesignState) -> ToolOutcome:
        name = tool.name
        draft = state.drafts.get(name)
        raw = merge_draft(draft, raw) if isinstance(draft, dict) else raw
        notes: list[str] = []
        try:
            # An explicit null for an optional field means "not given": drop it so the default applies.
            raw = drop_filled_nulls(raw, tool.arguments.model_json_schema())
            if tool.prepare:
                try:
                    raw, notes = tool.prepare(raw, state)
                except Exception:  # noqa: BLE001 - a reading step tripping over odd input: validate as written
                    notes = []
            try:
                parsed = tool.arguments.model_validate(raw)
            except ValidationError as exc:
                emptied = without_empty_extras(raw, exc)
                if emptied is None:
                    raise
                parsed = tool.arguments.model_validate(emptied)
        except ValidationError as exc:
            return failure(name, describe_validation(exc, raw, tool.arguments.model_json_schema()),
                           partial=draft is not None)
        except RecursionError:
            return failure(name, ["the arguments are nested too deeply"])
        except (TypeError, KeyError, AttributeError) as exc:  # an odd shape a reading step tripped over
            return failure(name, [f"the arguments have an unexpected shape ({type(exc).__name__}: {exc}); "
                                   "follow the tool's schema (lists where it says array, objects where object)"])
        try:
            outcome = tool.handler(parsed, state)
        except Exception as exc:  # noqa: BLE001 - a checker tripping over odd input must not end the run
            return failure(name, [f"the artifact could not be checked ({type(exc).__name__}: {exc}); "
                                   "simplify the part that caused it"])
        if notes and outcome.ok:
            body = json.loads(outcome.content)
            body["notes"] = notes
            outcome.content = json.dumps(body)
            outcome.summary += "; " + "; ".join(notes)
        return outcome


def failure(name: str, errors: list[str], partial: bool = False) -> ToolOutcome:
    shown = errors[:MAX_ERRORS_SHOWN]
    more = len(errors) - len(shown)
    body = {
        "ok": False,
        "tool": name,
        "errors": shown + ([f"... and {more} more"] if more > 0 else []),
        "instruction": f"{len(errors)} error(s). Fix exactly these and call {name} again. You may send only the "
                       "corrected parts: list items replace the items of the same name, other fields replace theirs, "
                       "and everything you leave out is kept from this attempt"
                       + (" (already merged with your earlier attempt)." if partial else "."),
    }
    return ToolOutcome(ok=False, content=json.dumps(body), summary=f"{len(errors)} error(s)", errors=errors)


def success(name: str, summary: str, artifact: str | None = None, finished: bool = False) -> ToolOutcome:
    return ToolOutcome(ok=True, content=json.dumps({"ok": True, "tool": name, "result": summary}), summary=summary,
                       artifact=artifact, finished=finished)
