"""Requests and answers in each structured-output mode (see `profiles.py`).

`StructuredOutput` turns the loop's conversation into a request for the current mode, and a
response message into `ToolRequest`s plus the assistant message to keep in the conversation. The
loop never sees the mode: it gets calls, runs them, and hands the results back to `results()`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from .profiles import Profile
from .strict import drop_filled_nulls, strict_schema

__all__ = ["StructuredOutput", "ToolRequest", "extract_json_calls", "strip_think"]

_THINK = re.compile(r"<think>.*?</think>", re.S | re.I)
_FENCE = re.compile(r"```(?:json|tool_call)?\s*\n?(.*?)```", re.S | re.I)
_TAG = re.compile(r"<tool_call>(.*?)</tool_call>", re.S | re.I)


@dataclass(frozen=True)
class ToolRequest:
    id: str
    name: str
    arguments: str


def strip_think(text: str) -> str:
    """Drop reasoning blocks. An unclosed <think> hides the rest; a lone </think> hides what precedes it."""
    text = _THINK.sub("", text)
    if "</think>" in text.lower():
        text = text[text.lower().rindex("</think>") + len("</think>"):]
    lowered = text.lower()
    if "<think>" in lowered:
        text = text[:lowered.index("<think>")]
    return text.strip()


_RESPONSE = re.compile(r"<tool_response>.*?(</tool_response>|$)", re.S | re.I)


def _candidates(text: str) -> list[str]:
    """Every place a call may be written: each <tool_call> tag, each fence, else the text's JSON values. What a
    model writes inside <tool_response> (imitating the results its chat template shows it) is never a call."""
    text = _RESPONSE.sub("", text)
    found = [m.group(1) for m in _TAG.finditer(text)] + [m.group(1) for m in _FENCE.finditer(text)]
    if not found:
        found.append(text)
    return [c.strip() for c in found if c.strip()]


def _undouble(text: str) -> str:
    """`{{"name": …}}`: Qwen2.5's chat template shows the call format with doubled braces (it is a Python
    format string there), and small models copy it. Only ever tried after the text failed to parse."""
    while text.startswith("{{") and text.endswith("}}"):
        text = text[1:-1].strip()
    return text


def _values(candidate: str) -> list[Any]:
    """The JSON values of a candidate: the whole of it, or each object written in it one after another."""
    for attempt in (candidate, _undouble(candidate), candidate.replace("{{", "{").replace("}}", "}")):
        try:
            return [json.loads(attempt)]
        except (json.JSONDecodeError, RecursionError):
            continue
    decoder = json.JSONDecoder()
    values, at = [], candidate.find("{")
    while 0 <= at < len(candidate):
        try:
            value, end = decoder.raw_decode(candidate, at)
        except (json.JSONDecodeError, RecursionError):
            at = candidate.find("{", at + 1)  # `{{…}}` inline is read from its inner brace
            continue
        values.append(value)
        at = candidate.find("{", end)
    return values


def _as_call(item: Any, parameters: dict[str, dict[str, Any]]) -> tuple[str, str] | None:
    if not isinstance(item, dict):
        return None
    if isinstance(item.get("function"), dict):
        item = item["function"]
    name = item.get("tool", item.get("name", item.get("function")))  # Qwen 1.5B writes {"function": "<name>", …}
    if isinstance(name, str) and name in parameters:
        args = item.get("arguments", item.get("parameters", {}))
        return name, args if isinstance(args, str) else json.dumps(args, ensure_ascii=False)
    # The bare argument object of an offered tool (`{"database_schema": {…}}`): taken when it fits one tool only.
    fits = [tool for tool, schema in parameters.items() if _fits(item, schema)]
    if len(fits) == 1:
        return fits[0], json.dumps(item, ensure_ascii=False)
    return None


def _fits(item: dict[str, Any], schema: dict[str, Any]) -> bool:
    properties = schema.get("properties")
    if not isinstance(properties, dict) or not item:
        return False
    return set(item) <= set(properties) and set(schema.get("required", [])) <= set(item)


_NAMED = re.compile(r'^\s*\{+\s*"(?:name|function|tool)"\s*:\s*"([A-Za-z_][A-Za-z0-9_]*)"\s*,\s*"(?:arguments|parameters)"\s*:',
                    re.S)


def _broken_call(candidate: str, parameters: dict[str, dict[str, Any]]) -> list[tuple[str, str]]:
    """A call to an offered tool whose JSON does not parse (a JavaScript regex literal, a missing brace): it is
    still run, so the tool answers with the JSON error and where it is, instead of a vague nudge."""
    match = _NAMED.match(candidate)
    if not match or match.group(1) not in parameters:
        return []
    return [(match.group(1), candidate[match.end():].strip().removesuffix("}").strip())]


def extract_json_calls(text: str, offered: set[str] | dict[str, dict[str, Any]], *,
                       prefix: str = "text_call") -> list[ToolRequest]:
    """Tool calls written as JSON in text, every one of them; a call is taken only if it names an offered tool,
    or is the argument object of exactly one (`offered` with the tools' parameter schemas)."""
    parameters = offered if isinstance(offered, dict) else {name: {} for name in offered}
    calls: list[tuple[str, str]] = []
    for candidate in _candidates(strip_think(text or "")):
        found = []
        for data in _values(candidate):
            items = data.get("tool_calls", data.get("calls")) if isinstance(data, dict) else data
            if not isinstance(items, list):
                items = [data]
            found += [c for c in (_as_call(i, parameters) for i in items) if c is not None]
        calls += found or _broken_call(candidate, parameters)
    return [ToolRequest(f"{prefix}_{i}", name, args) for i, (name, args) in enumerate(calls)]


def call_schema(tools: list[dict[str, Any]]) -> dict[str, Any]:
    """One JSON schema for an answer: a call of one of `tools`, each tool's name tied to its own arguments. A server
    that turns the schema into a grammar (llama.cpp, vLLM, SGLang) then lets a model write only calls that parse
    and have every required field: the 1.5B model left out required fields four attempts running before this."""
    defs: dict[str, Any] = {}
    choices = []
    for tool in tools:
        fn = tool["function"]
        prefix = f"{fn['name']}__"
        parameters = _bounded(_renamed_refs(fn.get("parameters") or {"type": "object"}, prefix))
        for name, definition in parameters.pop("$defs", {}).items():
            defs[prefix + name] = definition
        choices.append({"type": "object", "additionalProperties": False, "required": ["tool", "arguments"],
                        "properties": {"tool": {"const": fn["name"]}, "arguments": parameters}})
    schema: dict[str, Any] = choices[0] if len(choices) == 1 else {"type": "object", "anyOf": choices}
    return {**schema, "$defs": defs} if defs else schema


# The longest free text a grammar lets one string be: a SQL statement or a rationale fits; a model caught in a
# loop ("…_123456789012345678901234…", seen from the 1.5B model) is stopped at it instead of at max_tokens.
MAX_STRING = 1000
# And the longest list: the 1.5B model listed "Retrieve user workspaces" as a responsibility until its answer's cap.
MAX_ITEMS = 40


def _bounded(node: Any) -> Any:
    """Every free-text string given a maxLength and every list a maxItems: a grammar then ends them, however the
    model loops."""
    if isinstance(node, dict):
        out = {k: _bounded(v) if k not in ("const", "enum", "default", "examples") else v for k, v in node.items()}
        if out.get("type") == "string" and not {"maxLength", "pattern", "enum", "const", "format"} & set(out):
            out["maxLength"] = MAX_STRING
        if out.get("type") == "array" and "maxItems" not in out:
            out["maxItems"] = MAX_ITEMS
        return out
    if isinstance(node, list):
        return [_bounded(v) for v in node]
    return node


def _renamed_refs(node: Any, prefix: str) -> Any:
    if isinstance(node, dict):
        out = {k: _renamed_refs(v, prefix) for k, v in node.items()}
        ref = out.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            out["$ref"] = "#/$defs/" + prefix + ref[len("#/$defs/"):]
        return out
    if isinstance(node, list):
        return [_renamed_refs(v, prefix) for v in node]
    return node


def _protocol(tools: list[dict[str, Any]]) -> str:
    lines = ["Answer every turn with exactly one JSON object and nothing else, of this form:",
             '{"tool": "<tool name>", "arguments": {<the arguments, matching the tool\'s JSON schema>}}',
             "The tools:"]
    for tool in tools:
        fn = tool["function"]
        lines.append(f"- {fn['name']}: {fn.get('description', '')}\n  arguments schema: "
                     + json.dumps(fn.get("parameters", {}), separators=(",", ":")))
    lines.append("Tool results come back as a user message starting with 'Result of <tool name>:'.")
    return "\n".join(lines)


def _alternating(messages: list[dict[str, Any]], protocol: str) -> list[dict[str, Any]]:
    """The conversation for a server without tool calling: the protocol joins the system prompt, and
    consecutive user messages are merged, since many chat templates (Mistral's, Llama's) insist on one
    system message first and strictly alternating turns."""
    out: list[dict[str, Any]] = []
    for message in messages:
        if out and message["role"] == out[-1]["role"] and message["role"] in ("user", "system"):
            out[-1] = {**out[-1], "content": f"{out[-1]['content']}\n\n{message['content']}"}
        else:
            out.append(dict(message))
    if out and out[0]["role"] == "system":
        out[0]["content"] = f"{out[0]['content']}\n\n{protocol}"
    else:
        out.insert(0, {"role": "system", "content": protocol})
    return out


class StructuredOutput:
    """One structured-output mode bound to one set of tools."""

    def __init__(self, tools: list[dict[str, Any]], profile: Profile):
        self.tools = tools
        self.profile = profile
        self.names = {t["function"]["name"] for t in tools}
        self._parameters = {t["function"]["name"]: t["function"].get("parameters", {}) for t in tools}
        self._strict: set[str] = set()
        self.answers = 0  # numbers the ids of calls read from text, which carry none of their own
        self._native = [self._native_tool(t) for t in tools] if profile.mode == "tools" else []

    def _native_tool(self, tool: dict[str, Any]) -> dict[str, Any]:
        if not self.profile.strict:
            return tool
        tightened = strict_schema(tool["function"].get("parameters", {}))
        if tightened is None:  # free-form maps cannot be strict: send this tool as it is
            return tool
        self._strict.add(tool["function"]["name"])
        return {"type": "function", "function": {**tool["function"], "parameters": tightened, "strict": True}}

    @property
    def mode(self) -> str:
        return self.profile.mode + ("+strict" if self._strict else "")

    def request(self, model: str, messages: list[dict[str, Any]]) -> dict[str, Any]:
        request: dict[str, Any] = {"model": model, "messages": messages}
        mode = self.profile.mode
        if mode == "tools":
            return {**request, "tools": self._native, **({"tool_choice": "auto"} if self.profile.tool_choice else {})}
        request["messages"] = _alternating(messages, _protocol(self.tools))
        if mode == "json_schema":
            schema = call_schema(self.tools)
            request["response_format"] = {"type": "json_schema",
                                          "json_schema": {"name": "tool_call", "schema": schema, "strict": False}}
        elif mode == "json_object":
            request["response_format"] = {"type": "json_object"}
        return request

    def parse(self, message: Any) -> tuple[list[ToolRequest], dict[str, Any]]:
        """The calls of an answer, and the assistant message to keep in the conversation."""
        text = getattr(message, "content", None) or ""
        self.answers += 1
        prefix = f"text_call_{self.answers}"
        if self.profile.mode != "tools":
            return extract_json_calls(text, self._parameters, prefix=prefix), {"role": "assistant", "content": text}
        calls = self._loosen(self._native_calls(getattr(message, "tool_calls", None) or []))
        if not calls and text:
            # Llama, Qwen and friends behind some servers write the call as text: take it if it names our tool.
            calls = extract_json_calls(text, self._parameters, prefix=prefix)
            text = "" if calls else text
        assistant: dict[str, Any] = {"role": "assistant", "content": text or None}
        if calls:
            assistant["tool_calls"] = [{"id": c.id, "type": "function",
                                        "function": {"name": c.name, "arguments": c.arguments}} for c in calls]
        return calls, assistant

    def _native_calls(self, raw: list[Any]) -> list[ToolRequest]:
        calls: list[ToolRequest] = []
        echoes: set[tuple[str, str, str]] = set()
        ids: set[str] = set()
        for index, item in enumerate(raw):
            fn = getattr(item, "function", None)
            name = str(getattr(fn, "name", "") or "")
            args = getattr(fn, "arguments", None) or ""
            call_id = str(getattr(item, "id", "") or f"call_{index}")
            if (call_id, name, args) in echoes:
                continue  # the same call twice under one id: a server echo, run it once
            echoes.add((call_id, name, args))
            if call_id in ids:
                call_id = f"{call_id}_{index}"  # two different calls, one id: the second gets its own
            ids.add(call_id)
            calls.append(ToolRequest(call_id, name, args))
        return calls

    def _loosen(self, calls: list[ToolRequest]) -> list[ToolRequest]:
        """Undo the strict transform's forced nulls, so pydantic's defaults apply."""
        if not self._strict:
            return calls
        out = []
        for call in calls:
            if call.name in self._strict:
                try:
                    value = json.loads(call.arguments)
                except (json.JSONDecodeError, RecursionError):
                    value = None
                if isinstance(value, dict):
                    loosened = drop_filled_nulls(value, self._parameters[call.name])
                    call = ToolRequest(call.id, call.name, json.dumps(loosened, ensure_ascii=False))
            out.append(call)
        return out

    def results(self, calls: list[ToolRequest], contents: list[str]) -> list[dict[str, Any]]:
        """The messages that carry tool results back: tool messages natively, one user message otherwise."""
        if self.profile.mode == "tools":
            return [{"role": "tool", "tool_call_id": c.id, "content": body} for c, body in zip(calls, contents)]
        text = "\n\n".join(f"Result of {c.name}:\n{body}" for c, body in zip(calls, contents))
        return [{"role": "user", "content": text}]
