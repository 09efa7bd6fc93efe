"""The model-graded rubric: a judge model answers through a tool call with a typed verdict.

Off unless a judge model is configured. Broken judge output (not JSON, the wrong shape, no tool
call, a server error) is retried once with the error shown to the judge, then recorded as a grade
with `error=True`, which the case's score leaves out. It never ends the run.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .base import Grade, GradeContext, register

if TYPE_CHECKING:
    from openai import AsyncOpenAI

__all__ = ["Judge", "Verdict", "rubric"]

MAX_DESIGN_CHARS = 40_000
SYSTEM = (
    "You are a principal backend architect reviewing a design against a rubric. Read the requirements and "
    "the design, judge only what the rubric asks, and answer by calling submit_verdict with a score from 0 "
    "(fails the rubric) to 1 (fully meets it) and a one-paragraph reason that cites the design."
)


class Verdict(BaseModel):
    model_config = ConfigDict(extra="forbid")

    score: float = Field(ge=0, le=1, description="0 fails the rubric, 1 fully meets it")
    reason: str = Field(min_length=1, description="why, citing parts of the design")


TOOL = {"type": "function", "function": {
    "name": "submit_verdict", "description": "Submit the verdict on the design.",
    "parameters": Verdict.model_json_schema()}}


@dataclass
class Judge:
    client: AsyncOpenAI
    model: str
    attempts: int = 2

    async def verdict(self, rubric_text: str, design: dict[str, Any]) -> Verdict:
        shown = {k: v for k, v in design.items() if k not in ("knowledge_consulted", "generated_by")}
        text = json.dumps(shown, ensure_ascii=False, separators=(",", ":"))[:MAX_DESIGN_CHARS]
        messages: list[dict[str, Any]] = [
            {"role": "system", "content": SYSTEM},
            {"role": "user", "content": f"Rubric:\n{rubric_text}\n\nDesign (JSON):\n{text}"},
        ]
        last = "no attempt"
        for _ in range(self.attempts):
            try:
                request: dict[str, Any] = {
                    "model": self.model, "messages": messages, "tools": [TOOL], "temperature": 0,
                    "tool_choice": {"type": "function", "function": {"name": "submit_verdict"}}}
                response = await self.client.chat.completions.create(**request)
                message = response.choices[0].message
                calls = message.tool_calls or []
                if not calls:
                    raise ValueError("the judge did not call submit_verdict")
                raw = calls[0].function.arguments
                try:
                    return Verdict.model_validate_json(raw)
                except ValidationError as exc:
                    last = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'arguments'}: {e['msg']}" for e in exc.errors()[:3])
                    messages += [
                        {"role": "assistant", "content": None, "tool_calls": [
                            {"id": calls[0].id, "type": "function",
                             "function": {"name": "submit_verdict", "arguments": raw}}]},
                        {"role": "tool", "tool_call_id": calls[0].id,
                         "content": f"Invalid verdict: {last}. Call submit_verdict again with valid arguments."},
                    ]
            except Exception as exc:  # noqa: BLE001 - a judge failure is recorded, never fatal
                last = f"{type(exc).__name__}: {str(exc)[:200]}"
        raise JudgeError(last)


class JudgeError(Exception):
    pass


@register("rubric", expectation=str)
async def rubric(ctx: GradeContext, expected: str) -> Grade | None:
    """A rubric judged by a model (only with --judge MODEL)."""
    if ctx.judge is None:
        return None
    try:
        verdict = await ctx.judge.verdict(expected, ctx.design)
    except JudgeError as exc:
        return Grade("rubric", 0.0, f"judge error after {ctx.judge.attempts} attempts: {exc}", error=True)
    return Grade("rubric", verdict.score, verdict.reason)
