"""A finished Chat Completions answer re-sent as a stream of server-sent events, the way servers stream.

Text goes out a few words per chunk and each tool call's arguments in two pieces, so that
offline runs exercise the client's reassembly just as a real server does.
"""

from __future__ import annotations

import json
import re
from typing import Any

__all__ = ["sse_body"]


def _event(data: dict[str, Any] | str) -> bytes:
    return b"data: " + (data if isinstance(data, str) else json.dumps(data)).encode() + b"\n\n"


def sse_body(completion: dict[str, Any], *, include_usage: bool) -> bytes:
    base: dict[str, Any] = {key: completion[key] for key in ("id", "created", "model", "system_fingerprint") if key in completion}
    base["object"] = "chat.completion.chunk"

    def chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
        return _event({**base, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]})

    choice = completion["choices"][0]
    message = choice["message"]
    out = [chunk({"role": "assistant", "content": ""})]
    for piece in re.findall(r"\S+\s*|\s+", message.get("content") or ""):
        out.append(chunk({"content": piece}))
    for index, call in enumerate(message.get("tool_calls") or []):
        arguments = call["function"]["arguments"]
        half = len(arguments) // 2
        out.append(chunk({"tool_calls": [{"index": index, "id": call["id"], "type": "function",
                                          "function": {"name": call["function"]["name"],
                                                       "arguments": arguments[:half]}}]}))
        out.append(chunk({"tool_calls": [{"index": index, "function": {"arguments": arguments[half:]}}]}))
    out.append(chunk({}, choice.get("finish_reason") or "stop"))
    if include_usage and completion.get("usage"):
        out.append(_event({**base, "choices": [], "usage": completion["usage"]}))
    out.append(_event("[DONE]"))
    return b"".join(out)
