"""The one retry layer for the network.

The SDK's client is built with `max_retries=0` and this module owns every network retry. Why not the
SDK's own loop (which does honour `retry-after-ms`, `Retry-After` and `x-should-retry`)? Three things
it cannot give us: a deadline across all attempts of a request, a wait that tests can inject without
patching private SDK methods, and one place that decides, so a second layer can never multiply calls
(3 SDK attempts × 3 outer attempts = 9). tenacity runs the loop; the policy below is all it knows.

Retried: 408, 409, 429, 5xx, timeouts, dropped connections and cut-off streams, unless the server says
`x-should-retry: false` (and `x-should-retry: true` makes anything retryable, as the SDK does).
Never retried: the other 4xx (a wrong key, URL, model or an over-long context does not fix itself).
"""

from __future__ import annotations

import asyncio
import email.utils
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt, stop_before_delay

__all__ = ["RetryPolicy", "call_with_retries", "is_retryable", "retry_after_seconds"]

T = TypeVar("T")
RETRYABLE_STATUS = frozenset({408, 409, 429})


async def _sleep(seconds: float) -> None:
    await asyncio.sleep(seconds)


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 3  # attempts in all, the first included
    deadline: float = 300.0  # seconds for all attempts of one request; no attempt starts after it
    base_delay: float = 0.5
    max_delay: float = 8.0
    max_retry_after: float = 60.0  # a server asking for a longer wait is not retried: we say so instead
    sleep: Callable[[float], Awaitable[None]] = field(default=_sleep, compare=False)


def _headers(exc: BaseException) -> Any:
    response = getattr(exc, "response", None)
    return getattr(response, "headers", None)


def retry_after_seconds(headers: Any) -> float | None:
    """The wait a server asks for: `retry-after-ms` first, then `Retry-After` in seconds or as a date."""
    if headers is None:
        return None
    for name, divisor in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            return max(float(value) / divisor, 0.0)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        return max(when.timestamp() - time.time(), 0.0)
    return None


def is_retryable(exc: BaseException, policy: RetryPolicy | None = None) -> bool:
    import openai

    from .errors import StreamCut

    policy = policy or RetryPolicy()
    if isinstance(exc, (openai.APIConnectionError, StreamCut)):  # timeouts are a subclass of the first
        return True
    if not isinstance(exc, openai.APIStatusError):
        return False
    headers = _headers(exc)
    verdict = headers.get("x-should-retry") if headers is not None else None
    wait = retry_after_seconds(headers)
    if wait is not None and wait > policy.max_retry_after:
        return False
    if verdict == "false":
        return False
    if verdict == "true":
        return True
    return exc.status_code in RETRYABLE_STATUS or exc.status_code >= 500


def _wait(policy: RetryPolicy) -> Callable[[RetryCallState], float]:
    def wait(state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        asked = retry_after_seconds(_headers(exc)) if exc else None
        if asked is not None:
            return asked
        backoff = min(policy.base_delay * 2 ** (state.attempt_number - 1), policy.max_delay)
        # Full-jitter-lite: up to a quarter off, so clients that failed together do not return together.
        return backoff * (1 - 0.25 * random.random())

    return wait


async def call_with_retries(send: Callable[[], Awaitable[T]], policy: RetryPolicy,
                            on_retry: Callable[[BaseException, int, float], None] | None = None) -> T:
    """Call `send` until it succeeds, fails for good, or the attempt cap or deadline is reached.

    The last exception is re-raised as it was, so callers describe one typed SDK error.
    """
    def before_sleep(state: RetryCallState) -> None:
        if on_retry and state.outcome and state.next_action:
            on_retry(state.outcome.exception(), state.attempt_number, state.next_action.sleep)

    retrying = AsyncRetrying(
        stop=stop_after_attempt(max(policy.max_attempts, 1)) | stop_before_delay(policy.deadline),
        wait=_wait(policy),
        retry=retry_if_exception(lambda exc: is_retryable(exc, policy)),
        sleep=policy.sleep,
        before_sleep=before_sleep,
        reraise=True,
    )
    async for attempt in retrying:
        with attempt:
            return await send()
    raise AssertionError("unreachable")  # pragma: no cover
