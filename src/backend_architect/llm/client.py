"""The single factory for the OpenAI client.

Real servers get the SDK's default httpx2 transport (the fast one). Tests pass a legacy
`httpx.AsyncClient`, which the SDK accepts and respx intercepts. The builtin model is
installed as the transport of an httpx2 client, so offline runs use the same client code.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .config import Settings
from .retry import RetryPolicy

if TYPE_CHECKING:
    from openai import AsyncOpenAI

    from ..inputs.knowledge import KnowledgeBase

__all__ = ["BUILTIN_BASE_URL", "make_client", "retry_policy"]

BUILTIN_BASE_URL = "http://builtin.invalid/v1"


def make_client(settings: Settings, *, http_client: Any = None, knowledge: KnowledgeBase | None = None) -> AsyncOpenAI:
    from openai import AsyncOpenAI

    if settings.builtin:
        if http_client is None:
            from .builtin.transport import builtin_http_client

            http_client = builtin_http_client(knowledge)
        # In-process answers do not fail transiently: no retries to stack.
        return AsyncOpenAI(api_key="builtin-needs-no-key", base_url=BUILTIN_BASE_URL, http_client=http_client,
                           max_retries=0)
    # max_retries=0: network retries are ours alone (llm/retry.py), so two layers never multiply.
    return AsyncOpenAI(
        api_key=settings.api_key or "no-key-needed",
        base_url=settings.base_url,
        http_client=http_client,
        max_retries=0,
        timeout=settings.timeout,
    )


def retry_policy(settings: Settings) -> RetryPolicy:
    """The network retry policy for these settings; the in-process builtin never fails transiently."""
    if settings.builtin:
        return RetryPolicy(max_attempts=1)
    return RetryPolicy(max_attempts=settings.max_attempts, deadline=settings.deadline)
