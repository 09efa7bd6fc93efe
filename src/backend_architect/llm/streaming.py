"""Streamed answers, put back together into one ChatCompletion.

A stream that breaks off (the connection drops, or it ends before any `finish_reason`) raises
`StreamCut`, which the retry layer treats like a dropped connection: the partial turn is thrown
away whole and the request sent again. Nothing from a partial turn ever reaches the tools.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .errors import ModelCallError, StreamCut

__all__ = ["collect_stream"]


@dataclass
class _Call:
    id: str = ""
    name: str = ""
    arguments: list[str] = field(default_factory=list)


async def collect_stream(stream: Any) -> Any:
    """Read a chat-completion chunk stream to its end and return the equivalent ChatCompletion."""
    import openai
    from openai.types.chat import ChatCompletion
    from pydantic import ValidationError

    text: list[str] = []
    calls: dict[int, _Call] = {}
    finish: str | None = None
    head: dict[str, Any] = {}
    usage: Any = None
    chunks = 0
    iterator = stream.__aiter__()
    while True:
        # Only the read of the next chunk may fail as a transport error (the SDK raises APIConnectionError,
        # which the retry layer retries); a bug in the assembly below must not pass for a dropped stream.
        try:
            chunk = await iterator.__anext__()
        except StopAsyncIteration:
            break
        except openai.APIConnectionError as exc:
            raise StreamCut(f"the answer stream broke off after {chunks} chunks ({exc.message.rstrip('.')}); "
                            "if this persists, try --no-stream") from None
        chunks += 1
        head = head or {"id": getattr(chunk, "id", "") or "stream", "model": getattr(chunk, "model", "") or "",
                        "created": getattr(chunk, "created", 0) or 0,
                        "system_fingerprint": getattr(chunk, "system_fingerprint", None)}
        usage = getattr(chunk, "usage", None) or usage
        for choice in getattr(chunk, "choices", None) or []:
            if getattr(choice, "index", 0) != 0:
                continue
            delta = choice.delta
            if delta.content:
                text.append(delta.content)
            for part in delta.tool_calls or []:
                call = calls.setdefault(part.index, _Call())
                call.id = call.id or (part.id or "")
                if part.function is not None:
                    call.name = call.name or (part.function.name or "")
                    call.arguments.append(part.function.arguments or "")
            finish = choice.finish_reason or finish
    if finish is None:
        raise StreamCut(f"the answer stream ended after {chunks} chunks without finishing; "
                        "if this persists, try --no-stream")
    message: dict[str, Any] = {"role": "assistant", "content": "".join(text) or None}
    if calls:
        message["tool_calls"] = [{"id": c.id or f"call_{i}", "type": "function",
                                  "function": {"name": c.name, "arguments": "".join(c.arguments)}}
                                 for i, c in sorted(calls.items())]
    body = {**head, "object": "chat.completion",
            "choices": [{"index": 0, "message": message, "finish_reason": finish}]}
    if usage is not None:
        body["usage"] = usage.model_dump() if hasattr(usage, "model_dump") else usage
    try:
        return ChatCompletion.model_validate(body)
    except ValidationError as exc:
        raise ModelCallError(f"the streamed answer could not be read ({exc.error_count()} problems)",
                             kind="malformed") from None
