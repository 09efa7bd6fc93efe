"""One model turn: build the request for the profile's mode, send it through the one retry layer,
check the answer, and hand the loop plain tool calls.

Failures come out as `ModelCallError` with an actionable message; nothing else escapes for a bad
server or a bad answer. Two re-asks live here, apart from network retries, and they never stack
with them because their triggers are disjoint: a 200 without choices (asked once more), and a 400
refusing a structured-output parameter (the next mode down the profile's chain, immediately).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .errors import ModelCallError, describe_error, unsupported_parameter
from .profiles import Profile, fallback
from .retry import RetryPolicy, call_with_retries
from .streaming import collect_stream
from .structured import StructuredOutput, ToolRequest
from .wire import read_completion

if TYPE_CHECKING:
    from openai import AsyncOpenAI

__all__ = ["ModelCaller", "ModelTurn"]

EMPTY_ANSWER_ATTEMPTS = 2
# A slow CPU's speeds (a 1.5B model on 2 shared cores: ~70 prompt tokens/s read, 1.5-5 tokens/s written).
PREFILL_TOKENS_PER_S = 50.0
DECODE_TOKENS_PER_S = 2.0


@dataclass
class ModelTurn:
    calls: list[ToolRequest]
    text: str
    finish_reason: str | None
    assistant: dict[str, Any]
    prompt_tokens: int = 0
    completion_tokens: int = 0
    system_fingerprint: str | None = None
    notices: list[str] = field(default_factory=list)
    failed_attempts: int = 0  # network attempts before this answer that got none (timeouts, 5xx)

    @property
    def truncated(self) -> bool:
        """Cut off at the output limit: any call in it may be half-written, so none is run."""
        return self.finish_reason == "length"


Recorder = Callable[[str, Any], None]


@dataclass
class ModelCaller:
    client: AsyncOpenAI
    model: str
    tools: list[dict[str, Any]]
    profile: Profile
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    base_url: str | None = None
    record: Recorder = field(default=lambda kind, body: None)
    stream: bool = False  # stream answers (and retry a stream that breaks off, dropping what came)
    on_retry: Callable[[BaseException, int, float], None] | None = None  # progress lines while waiting
    window: int | None = None  # the server's context window in tokens, when known (read once from local servers)

    def __post_init__(self) -> None:
        self.structured = StructuredOutput(self.tools, self.profile)
        self._stream_usage = True
        self._notices: list[str] = []
        self._failed = 0
        self._send_max_tokens = True  # until the server refuses the parameter
        self._send_temperature = True  # likewise
        self._window_asked = False

    def use_tools(self, tools: list[dict[str, Any]]) -> None:
        """Offer other tools from the next request on (the run's phases), in the mode reached so far."""
        if tools != self.tools:
            answers = self.structured.answers
            self.tools = tools
            self.structured = StructuredOutput(tools, self.structured.profile)
            self.structured.answers = answers  # text-call ids stay unique across the run

    @property
    def mode(self) -> str:
        return self.structured.mode

    async def _send(self, request: dict[str, Any]) -> str | dict[str, Any]:
        """The answer's body: the raw text (read by `wire.py`, not by the SDK's unvalidated models), or the
        assembled stream as a dict."""
        extra: dict[str, Any] = {}
        scaled = self._scaled_timeout(request)
        if scaled is not None:
            extra["timeout"] = scaled
        if not self.stream:
            raw = await self.client.chat.completions.with_raw_response.create(**request, **extra)
            return raw.text
        if self._stream_usage:
            extra["stream_options"] = {"include_usage": True}
        completion = await collect_stream(await self.client.chat.completions.create(**request, stream=True, **extra))
        return completion.model_dump(mode="json", exclude_none=True)

    def _sampling(self, temperature: float | None = None) -> dict[str, Any]:
        temperature = self.structured.profile.temperature if temperature is None else temperature
        return {} if temperature is None or not self._send_temperature else {"temperature": temperature}

    def _limit(self, max_tokens: int | None) -> dict[str, Any]:
        cap = self.structured.profile.max_output
        limit = min(x for x in (max_tokens, cap) if x is not None) if (max_tokens or cap) else None
        if limit is None or not self._send_max_tokens:
            return {}
        return {self.structured.profile.max_tokens_param: limit}

    async def turn(self, messages: list[dict[str, Any]], *, tools: list[dict[str, Any]] | None = None,
                   max_tokens: int | None = None, temperature: float | None = None) -> ModelTurn:
        """One answer. `tools` replaces the offered tools; `max_tokens` bounds the answer (the profile's cap
        lowers it; a server refusing the parameter gets requests without it); `temperature` replaces the
        profile's for this answer."""
        if tools is not None:
            self.use_tools(tools)
        empty = 0
        self._notices = []
        self._failed = 0
        max_tokens = await self._check_window(messages, max_tokens)
        while True:
            request = {**self.structured.request(self.model, messages), **self._limit(max_tokens),
                       **self._sampling(temperature)}
            self.record("request", {**request, "stream": True} if self.stream else request)
            try:
                response = await call_with_retries(lambda: self._send(request), self.policy, self._on_retry)
            except Exception as exc:  # noqa: BLE001 - every SDK failure becomes one typed, described error
                refused = unsupported_parameter(exc)
                if refused == "stream_options" and self.stream and self._stream_usage:
                    self._stream_usage = False  # usage then comes from the last chunk, if the server sends it
                    continue
                if refused == "temperature" and self._send_temperature:
                    self._send_temperature = False
                    continue
                if refused in ("max_tokens", "max_completion_tokens") and self._send_max_tokens:
                    self._send_max_tokens = False
                    self._notices.append(f"the server refused {refused}; answers are not bounded")
                    continue
                lower = fallback(self.structured.profile, refused) if refused else None
                if lower is None:
                    error = describe_error(exc, base_url=self.base_url, model=self.model,
                                           secrets=[self.client.api_key], timeout=self._timeout())
                    error.attempts = self._failed + 1
                    raise error from None
                self.record("fallback", {"refused": refused, "from": self.structured.mode, "to": lower.mode})
                self._notices.append(f"the server refused {refused}; structured output now by {lower.mode}")
                self.structured = StructuredOutput(self.tools, lower)
                continue
            try:
                turn = self._check(response)
                turn.notices = self._notices
                turn.failed_attempts = self._failed
                return turn
            except ModelCallError as exc:
                empty += 1
                if not exc.retryable or empty >= EMPTY_ANSWER_ATTEMPTS:
                    raise

    async def _check_window(self, messages: list[dict[str, Any]], max_tokens: int | None) -> int | None:
        """Refuses a prompt that leaves no room for an answer; returns the answer budget, cut to the room left
        in the window (a repair that resends a long answer still fits an 8k window with a smaller budget)."""
        from .context import fit, read_context_window
        from .errors import is_local

        if self.window is None and not self._window_asked and self.base_url and is_local(self.base_url):
            self._window_asked = True
            self.window = await read_context_window(self.base_url, self.model)
            if self.window:
                self.record("context_window", {"tokens": self.window})
        if not self.window:
            return max_tokens
        budget = next(iter(self._limit(max_tokens).values()), None) or max_tokens or 1000
        refusal, warning, room = fit(self.structured.request(self.model, messages), self.window, budget)
        if refusal:
            raise ModelCallError(refusal, kind="context_length")
        if warning:
            self._notices.append(warning)
        return min(max_tokens, room) if max_tokens and room else max_tokens

    def _scaled_timeout(self, request: dict[str, Any]) -> float | None:
        """For a server on this machine or the LAN, the wait grows with the prompt and the answer's budget: a
        CPU reads ~50-100 prompt tokens/s and writes a few per second, so a fixed 120 s fails a long prompt
        that is simply being read. Remote services keep the configured timeout."""
        from .errors import is_local

        base = self._timeout()
        if base is None or not is_local(self.base_url):
            return None
        prompt_tokens = len(json.dumps(request.get("messages", []))) / 4 + len(json.dumps(request.get("tools", []))) / 4
        answer = request.get("max_tokens") or request.get("max_completion_tokens") or 1000
        return max(base, prompt_tokens / PREFILL_TOKENS_PER_S + answer / DECODE_TOKENS_PER_S)

    def _timeout(self) -> float | None:
        timeout = getattr(self.client, "timeout", None)
        return timeout if isinstance(timeout, (int, float)) else getattr(timeout, "read", None)

    def _on_retry(self, exc: BaseException, attempt: int, wait: float) -> None:
        self._failed += 1
        if self.on_retry:
            self.on_retry(exc, attempt, wait)
        status = getattr(exc, "status_code", None)
        self.record("retry", {"attempt": attempt, "error": type(exc).__name__, "status": status,
                              "wait_seconds": round(wait, 3)})
        self._notices.append(f"attempt {attempt} failed ({status or type(exc).__name__}); retried after {wait:.1f} s")

    def _check(self, body: str | dict[str, Any]) -> ModelTurn:
        try:
            response, data = read_completion(body, base_url=self.base_url)
        except ModelCallError:
            self.record("response", body if isinstance(body, dict) else {"unreadable": body[:10_000]})
            raise
        self.record("response", data)
        choice = response.choices[0] if response.choices else None
        message = choice.message if choice else None
        if choice is None or message is None:
            raise ModelCallError("the server answered 200 with no choices, twice", kind="no_choices", retryable=True)
        finish = choice.finish_reason
        if finish == "content_filter":
            raise ModelCallError("the server's content filter stopped the answer (finish_reason content_filter); "
                                 "rephrase the brief or use another model", kind="content_filter")
        calls, assistant = self.structured.parse(message)
        usage = response.usage
        return ModelTurn(
            calls=calls, text="" if calls else (message.content or ""), finish_reason=finish, assistant=assistant,
            prompt_tokens=max(usage.prompt_tokens or 0, 0) if usage else 0,
            completion_tokens=max(usage.completion_tokens or 0, 0) if usage else 0,
            system_fingerprint=response.system_fingerprint,
        )

    def results(self, calls: list[ToolRequest], contents: list[str]) -> list[dict[str, Any]]:
        return self.structured.results(calls, contents)

