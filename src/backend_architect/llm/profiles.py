"""Model profiles: how structured output is obtained is a property of the model and its server.

Four modes, best first:
- `tools`: native function calling (`tools` + `tool_choice`), with `strict` schemas where the model
  family supports them and the schema can be made strict (see `strict.py`);
- `json_schema`: `response_format={"type": "json_schema", ...}` wrapping `{"tool", "arguments"}`;
- `json_object`: `response_format={"type": "json_object"}`, the tools' schemas in the prompt;
- `text`: no structured-output parameter at all; the tool call is read from fenced JSON in the text,
  after `<think>` blocks are stripped.

A server that answers 400 naming one of these parameters moves the run one step down the chain
(`fallback`); `--structured-output MODE` forces a mode and disables nothing else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Literal, cast

__all__ = ["KNOWN_PROFILES", "MODES", "MODE_CHOICES", "Mode", "Profile", "fallback", "resolve_profile"]

Mode = Literal["tools", "json_schema", "json_object", "text"]
MODES: tuple[Mode, ...] = ("tools", "json_schema", "json_object", "text")
MODE_CHOICES: tuple[str, ...] = (*MODES, "tools-strict")  # what --structured-output accepts


@dataclass(frozen=True)
class Profile:
    name: str
    pattern: str  # a regular expression searched in the lower-cased model name
    mode: Mode
    strict: bool = False
    think: bool = False  # the model writes <think>…</think> before answering
    tool_choice: bool = True  # send tool_choice="auto" (some servers refuse the parameter, not the tools)
    max_output: int | None = None  # the model's own output limit, where it is lower than a phase's budget
    max_tokens_param: str = "max_tokens"  # reasoning models take max_completion_tokens instead
    temperature: float | None = None  # sent when set (small local models); None leaves the server's default
    small: bool = False  # a model of SMALL_MODEL_B or less: minutes per answer on a CPU, so fewer repairs asked
    notes: str = ""

    def matches(self, model: str) -> bool:
        return re.search(self.pattern, model.lower()) is not None


# First match wins, so specific families come before their generic relatives.
KNOWN_PROFILES: tuple[Profile, ...] = (
    Profile("builtin", r"^builtin$", "tools", notes="the offline rule-based model"),
    Profile("openai-reasoning", r"^(openai/)?o[1-9](-|$)", "tools", strict=True, notes="o-series",
            max_tokens_param="max_completion_tokens"),
    Profile("openai-gpt5", r"^(openai/)?gpt-5", "tools", strict=True, notes="strict function schemas",
            max_tokens_param="max_completion_tokens"),
    Profile("openai-gpt", r"^(openai/)?(gpt-4\.1|gpt-4o)", "tools", strict=True,
            notes="strict function schemas"),
    Profile("openai-legacy", r"^(openai/)?gpt-(3\.5|4)", "tools", notes="tools without strict"),
    Profile("deepseek-r1", r"deepseek-r1|deepseek-reasoner", "text", think=True,
            notes="reasoning model without dependable tool calls; JSON read from text after <think>"),
    Profile("qwq", r"qwq", "text", think=True, notes="reasoning model; JSON read from text after <think>"),
    Profile("qwen3", r"qwen3", "tools", think=True, notes="tools; may think first"),
    Profile("qwen", r"qwen", "tools"),
    Profile("deepseek", r"deepseek", "tools"),
    Profile("llama", r"llama[-_ ]?3\.[1-9]|llama[-_ ]?4", "tools", notes="Llama 3.1+ tool calling"),
    Profile("llama-old", r"llama", "json_object", notes="older Llama: JSON with the schema in the prompt"),
    Profile("mistral", r"mistral|mixtral|codestral|ministral|magistral", "tools"),
    Profile("gemma", r"gemma", "text", notes="no native tool calling"),
    Profile("phi", r"(^|[-/])phi", "text", notes="no native tool calling"),
    Profile("generic", r".", "tools", notes="unknown model: native tools, falling back on a 400"),
)


# A model this small writes a few tokens a second on a CPU and rarely anything useful past ~3,000 tokens.
SMALL_MODEL_B = 8.0
SMALL_MODEL_OUTPUT = 3000
# ... and at a server's default temperature (llama.cpp 0.8) it writes a different, often invalid, schema on every
# attempt of a repair; near-greedy sampling keeps what it got right.
SMALL_MODEL_TEMPERATURE = 0.2


def parameters_b(model: str) -> float | None:
    """The parameter count a model's name states, in billions ('qwen2.5-coder-1.5b-instruct' → 1.5)."""
    match = re.search(r"(?<![a-z0-9.])(\d+(?:\.\d+)?)b(?![a-z])", model.lower().replace(":", "-"))
    return float(match.group(1)) if match else None


def resolve_profile(model: str, mode: str | None = None) -> Profile:
    """The profile of `model`; `mode` (from --structured-output) overrides the profile's mode."""
    profile = next(p for p in KNOWN_PROFILES if p.matches(model))
    size = parameters_b(model)
    if size is not None and size <= SMALL_MODEL_B:
        profile = replace(profile, small=True, max_output=profile.max_output or SMALL_MODEL_OUTPUT,
                          temperature=SMALL_MODEL_TEMPERATURE if profile.temperature is None else profile.temperature)
    if mode is None:
        return profile
    if mode == "tools-strict":
        return replace(profile, mode="tools", strict=True)
    if mode not in MODES:
        raise ValueError(f"unknown structured-output mode {mode!r}; choose one of: " + ", ".join(MODE_CHOICES))
    return replace(profile, mode=cast(Mode, mode), strict=profile.strict and mode == "tools")


def fallback(profile: Profile, refused: str) -> Profile | None:
    """The next profile down the chain after the server refused `refused`, or None at the bottom."""
    if profile.mode == "tools" and profile.tool_choice and refused == "tool_choice":
        return replace(profile, tool_choice=False)
    if profile.mode == "tools" and profile.strict:
        # A strict schema refused reads as a refusal of `tools` ("Invalid schema for function …",
        # param tools[0]…): plain tools come before giving up native tool calling.
        return replace(profile, strict=False)
    index = MODES.index(profile.mode)
    if index + 1 >= len(MODES):
        return None
    return replace(profile, mode=MODES[index + 1], strict=False)
