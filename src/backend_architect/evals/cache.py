"""The response cache and the per-case meter, both in an HTTP transport under the OpenAI client.

The agent is unchanged: the transport wraps whatever transport the client had (the SDK's httpx2
one, a legacy httpx one under respx, the builtin model's), looks each request up by the sha256 of
its canonical JSON (model, messages, tools and every parameter, plus the URL and, when cases are
repeated, the epoch), and counts tokens, cost and failures into the meter of the case that is
running (a context variable, so concurrent cases keep separate books).
"""

from __future__ import annotations

import hashlib
import json
import os
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..render.files import write_atomic
from .prices import cost_usd

__all__ = ["CURRENT_METER", "Meter", "MeteredTransport", "ResponseCache", "RunBudget", "request_key"]


def _parse(body: bytes) -> Any:
    try:
        return json.loads(body or b"{}")
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None


def request_key(url: str, body: bytes, salt: str = "", parsed: Any = None) -> str:
    parsed = _parse(body) if parsed is None else parsed
    if parsed is None:
        canonical = body.decode("latin-1")
    else:
        canonical = json.dumps(parsed, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(f"{url}\n{salt}\n{canonical}".encode()).hexdigest()


class ResponseCache:
    """One file a response, under two-character shards: safe with concurrent writers, flat in memory."""

    def __init__(self, directory: Path):
        self.directory = directory

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.json"

    def get(self, key: str) -> bytes | None:
        try:
            return self._path(key).read_bytes()
        except OSError:
            return None

    def put(self, key: str, body: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, body.decode("utf-8"))


@dataclass
class RunBudget:
    """Limits over the whole run; once spent, no new case starts (and cases in flight stop)."""

    max_tokens: int | None = None
    max_cost: float | None = None
    tokens: int = 0
    cost: float = 0.0

    @property
    def exhausted(self) -> str | None:
        if self.max_tokens is not None and self.tokens >= self.max_tokens:
            return f"run token budget of {self.max_tokens} spent"
        if self.max_cost is not None and self.cost >= self.max_cost:
            return f"run cost budget of ${self.max_cost:g} spent"
        return None


@dataclass
class Meter:
    """What one case spent, and why it stopped if a budget or the server stopped it."""

    model: str
    salt: str = ""
    max_tokens: int | None = None
    max_cost: float | None = None
    run: RunBudget = field(default_factory=RunBudget)
    requests: int = 0
    cache_hits: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float | None = 0.0
    last_status: int | None = None
    transport_error: str | None = None
    budget_stop: str | None = None

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def over_budget(self) -> str | None:
        if self.max_tokens is not None and self.tokens >= self.max_tokens:
            return f"case token budget of {self.max_tokens} spent"
        if self.max_cost is not None and self.cost is not None and self.cost >= self.max_cost:
            return f"case cost budget of ${self.max_cost:g} spent"
        return self.run.exhausted

    def record(self, model: str, answer: Any, *, cached: bool) -> None:
        """Count one answered request; `answer` is the parsed response body (None when not JSON)."""
        self.requests += 1
        self.cache_hits += cached
        usage = (answer.get("usage") if isinstance(answer, dict) else None) or {}
        prompt, completion = int(usage.get("prompt_tokens") or 0), int(usage.get("completion_tokens") or 0)
        self.prompt_tokens += prompt
        self.completion_tokens += completion
        if cached:
            return  # a cached answer costs nothing, and does not spend the run's budget
        spent = cost_usd(model, prompt, completion)
        self.cost = None if spent is None or self.cost is None else self.cost + spent
        self.run.tokens += prompt + completion
        self.run.cost += spent or 0.0


CURRENT_METER: ContextVar[Meter | None] = ContextVar("backend_architect_eval_meter", default=None)


class MeteredTransport:
    """Wraps an async transport of httpx or httpx2 (`response_cls` is that library's Response)."""

    def __init__(self, inner: Any, response_cls: type, cache: ResponseCache | None = None):
        self.inner = inner
        self.response_cls = response_cls
        self.cache = cache

    async def handle_async_request(self, request: Any) -> Any:
        meter = CURRENT_METER.get()
        body = await request.aread()
        parsed = _parse(body)
        model = parsed.get("model") if isinstance(parsed, dict) and isinstance(parsed.get("model"), str) else ""
        model = model or (meter.model if meter else "")
        key = None
        if self.cache is not None and request.method == "POST":
            key = request_key(str(request.url), body, meter.salt if meter else "", parsed)
            hit = self.cache.get(key)
            if hit is not None:
                if meter:
                    meter.record(model, _parse(hit), cached=True)
                return self._response(200, hit, request)
        stop = meter.over_budget() if meter else None
        if stop:
            meter.budget_stop = stop  # type: ignore[union-attr]
            # A 400 is final for the SDK (no retries); the agent ends the case with this message.
            payload = {"error": {"message": f"budget: {stop}", "type": "budget_exceeded", "code": None, "param": None}}
            return self._response(400, json.dumps(payload).encode(), request)
        try:
            response = await self.inner.handle_async_request(request)
            data = await response.aread()
        except Exception as exc:
            if meter:
                meter.transport_error = f"{type(exc).__name__}: {exc}"
            raise
        answer = _parse(data) if response.status_code == 200 else None
        if meter:
            meter.last_status = response.status_code
            if response.status_code == 200:
                meter.record(model, answer, cached=False)
                meter.transport_error = None
            else:
                meter.requests += 1
                meter.transport_error = f"HTTP {response.status_code}"
        if key is not None and answer is not None:
            self.cache.put(key, data)  # type: ignore[union-attr]
        return self._response(response.status_code, data, request, headers=_plain_headers(response.headers))

    def _response(self, status: int, data: bytes, request: Any, headers: dict[str, str] | None = None) -> Any:
        return self.response_cls(status, content=data, request=request,
                                 headers=headers or {"content-type": "application/json"})

    async def aclose(self) -> None:
        await self.inner.aclose()

    async def __aenter__(self) -> MeteredTransport:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


def _plain_headers(headers: Any) -> dict[str, str]:
    # The body is already decoded: drop the headers that described its encoding on the wire.
    skip = {"content-encoding", "content-length", "transfer-encoding"}
    return {k: v for k, v in headers.items() if k.lower() not in skip}


def cache_dir_default() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "backend-architect" / "eval"
