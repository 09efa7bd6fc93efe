"""What we read of a Chat Completions answer, validated at the boundary.

The SDK builds its response objects without validation, so a server's odd body (choices a string,
tool calls a number) would surface later as a TypeError deep in the loop. We read the body
ourselves into these lenient models instead: anything they cannot make sense of is one typed
`ModelCallError`, never a traceback.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from .errors import ModelCallError

__all__ = ["WireCompletion", "read_completion"]


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore")


class WireFunction(_Wire):
    name: str = ""
    arguments: str = ""

    @field_validator("name", "arguments", mode="before")
    @classmethod
    def _text(cls, value: Any) -> Any:
        if value is None:
            return ""
        # Some servers send arguments as an object rather than a JSON string: same meaning.
        return json.dumps(value, ensure_ascii=False) if isinstance(value, (dict, list)) else value


class WireToolCall(_Wire):
    id: str | None = None
    function: WireFunction | None = None


class WireMessage(_Wire):
    content: str | None = None
    tool_calls: list[WireToolCall] | None = None

    @field_validator("content", mode="before")
    @classmethod
    def _parts(cls, value: Any) -> Any:
        if isinstance(value, list):  # content parts: [{"type": "text", "text": "…"}, …]
            return "".join(p.get("text", "") for p in value if isinstance(p, dict) and isinstance(p.get("text"), str))
        return value


class WireChoice(_Wire):
    message: WireMessage | None = None
    finish_reason: str | None = None


class WireUsage(_Wire):
    prompt_tokens: int | None = None
    completion_tokens: int | None = None


class WireCompletion(_Wire):
    choices: list[WireChoice] | None = None
    usage: WireUsage | None = None
    system_fingerprint: str | None = None


def read_completion(body: str | dict[str, Any], *, base_url: str | None = None) -> tuple[WireCompletion, Any]:
    """The validated answer and the decoded body (for the transcript), or a ModelCallError saying what is wrong."""
    if isinstance(body, str):
        try:
            data: Any = json.loads(body)
        except (json.JSONDecodeError, RecursionError):
            start = body[:60].strip().replace("\n", " ")
            where = f" at {base_url}" if base_url else ""
            raise ModelCallError(f"the server{where} answered with something that is not JSON ({start!r}…): "
                                 "check --base-url; OpenAI-compatible servers usually end in /v1",
                                 kind="not_json") from None
    else:
        data = body
    try:
        return WireCompletion.model_validate(data), data
    except (ValidationError, RecursionError) as exc:
        first = exc.errors(include_url=False)[0] if isinstance(exc, ValidationError) else {"loc": (), "msg": "deep"}
        where = ".".join(str(p) for p in first["loc"]) or "(body)"
        raise ModelCallError(f"the server's answer is not a chat completion ({where}: {first['msg']})",
                             kind="malformed", retryable=True) from None
