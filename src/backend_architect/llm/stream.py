"""A streamed Chat Completions answer, put back together: text as it arrives, tool calls by index.

Servers send a tool call in pieces (the id and name first, the arguments in fragments), keyed by
`index`; the pieces of one call are concatenated in arrival order.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .retry import RetryPolicy

if TYPE_CHECKING:
    from openai import AsyncOpenAI

__all__ = ["StreamedMessage", "ToolCall", "stream_completion"]


@dataclass
class ToolCall:
    id: str
    name: str
    arguments: str


@dataclass
class StreamedMessage:
    content: str = ""
    tool_calls: list[ToolCall] = field(default_factory=list)
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    fingerprint: str | None = None
    finish_reason: str | None = None

    def dump(self) -> dict[str, Any]:
        """What the transcript keeps of it."""
        body: dict[str, Any] = {"content": self.content, "finish_reason": self.finish_reason}
        if self.tool_calls:
            body["tool_calls"] = [{"id": c.id, "name": c.name, "arguments": c.arguments} for c in self.tool_calls]
        if self.prompt_tokens is not None:
            body["usage"] = {"prompt_tokens": self.prompt_tokens, "completion_tokens": self.completion_tokens}
        return body


async def stream_completion(client: AsyncOpenAI, request: dict[str, Any], message: StreamedMessage,
                            policy: RetryPolicy | None = None) -> AsyncIterator[str]:
    """Yield text deltas while filling `message`; whatever arrived stays in `message` if the stream is cut.

    Opening the stream goes through the one retry layer (429, 5xx, timeouts: nothing has been shown yet);
    a stream that breaks off after text was shown is not retried here, the chat keeps what arrived.
    """
    from .retry import call_with_retries

    stream = await call_with_retries(
        lambda: client.chat.completions.create(**request, stream=True, stream_options={"include_usage": True}),
        policy or RetryPolicy())
    parts: dict[int, dict[str, Any]] = {}
    try:
        async for chunk in stream:
            if getattr(chunk, "system_fingerprint", None):
                message.fingerprint = chunk.system_fingerprint
            if chunk.usage is not None:
                message.prompt_tokens = chunk.usage.prompt_tokens or 0
                message.completion_tokens = chunk.usage.completion_tokens or 0
            for choice in chunk.choices or []:
                if choice.finish_reason:
                    message.finish_reason = choice.finish_reason
                delta = choice.delta
                if delta is None:
                    continue
                if delta.content:
                    message.content += delta.content
                    yield delta.content
                for piece in delta.tool_calls or []:
                    slot = parts.setdefault(piece.index, {"id": "", "name": "", "arguments": ""})
                    if piece.id:
                        slot["id"] = piece.id
                    if piece.function is not None:
                        slot["name"] += piece.function.name or ""
                        slot["arguments"] += piece.function.arguments or ""
    finally:
        message.tool_calls = [ToolCall(id=p["id"] or f"call_{i}", name=p["name"], arguments=p["arguments"])
                              for i, p in sorted(parts.items())]
        await stream.close()
