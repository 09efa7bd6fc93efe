"""`review --with-model`: a review in prose, written by the model, on top of the rule findings.

The rules are the evidence; the model is asked to weigh them and add what rules cannot see. It goes
through the one client factory, like the design loop, so any OpenAI-compatible server works.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from .bundle import Bundle
from .engine import Finding

if TYPE_CHECKING:
    from ..llm.config import Settings

__all__ = ["model_review", "review_messages"]

MAX_FINDINGS = 60
MAX_ARTIFACT_CHARS = 24_000
SYSTEM = ("You are a senior backend architect reviewing a design. You get the artifacts (possibly truncated) and the "
          "findings of a rule-based linter. Write a concise review in Markdown: the three to five most important "
          "risks first, each with the fix; then what the rules cannot judge (domain fit, consistency model, scaling, "
          "security posture). Do not repeat every finding; refer to rule ids when you rely on one.")


def _artifacts(bundle: Bundle) -> str:
    parts: dict[str, Any] = {}
    if bundle.openapi is not None:
        parts["openapi"] = bundle.openapi
    if bundle.data is not None:
        parts["database_schema"] = bundle.data.model_dump(mode="json", exclude_defaults=True)
    if bundle.services is not None:
        parts["services"] = bundle.services.model_dump(mode="json", exclude_defaults=True)
    text = json.dumps(parts, ensure_ascii=False, separators=(",", ":"), default=str)
    return text if len(text) <= MAX_ARTIFACT_CHARS else text[:MAX_ARTIFACT_CHARS] + " …(truncated)"


def review_messages(bundle: Bundle, findings: list[Finding]) -> list[dict[str, str]]:
    shown = [f"- [{f.severity}] {f.rule_id} at {f.location}: {f.message}" for f in findings[:MAX_FINDINGS]]
    if len(findings) > MAX_FINDINGS:
        shown.append(f"- … and {len(findings) - MAX_FINDINGS} more")
    user = (f"Artifacts ({', '.join(bundle.kinds)}):\n```json\n{_artifacts(bundle)}\n```\n\n"
            f"Linter findings ({len(findings)}):\n" + ("\n".join(shown) or "- none"))
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": user}]


async def model_review(bundle: Bundle, findings: list[Finding], settings: Settings, *,
                       http_client: Any = None) -> str:
    from ..llm import make_client

    if settings.builtin:
        raise ValueError("the builtin model is rule-based and writes no prose review; set OPENAI_API_KEY or "
                         "--base-url to use a real model")
    from ..llm.client import retry_policy
    from ..llm.retry import call_with_retries

    client = make_client(settings, http_client=http_client)
    messages = review_messages(bundle, findings)
    try:
        # The one retry layer the design loop uses (the SDK's own retries are off).
        response = await call_with_retries(
            lambda: client.chat.completions.create(model=settings.model, messages=messages),  # type: ignore[arg-type]
            retry_policy(settings))
    finally:
        await client.close()
    if not response.choices or not response.choices[0].message.content:
        raise ValueError("the model answered with no text")
    return response.choices[0].message.content.strip()
