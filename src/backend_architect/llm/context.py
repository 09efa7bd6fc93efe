"""The context window a local server really has, and a check before a prompt that would not fit.

Ollama's default window is 2-8k tokens and it cuts a longer prompt silently; llama.cpp refuses it
after reading it. Both say their window where it can be read: llama.cpp's `GET /props`
(`default_generation_settings.n_ctx`) and Ollama's `POST /api/show` (`model_info.<arch>.context_length`,
or `num_ctx` in its parameters). Asked once per run, only of loopback and LAN servers.
"""

from __future__ import annotations

import json
import re
from typing import Any

__all__ = ["BYTES_PER_TOKEN", "estimate_tokens", "fit", "read_context_window"]

# Measured on the design run's requests with Qwen2.5's tokenizer and chat template: 3.5-3.95 bytes of
# request JSON a token. The low end, so the estimate errs towards "too long".
BYTES_PER_TOKEN = 3.5
WARN_SHARE = 0.85


def estimate_tokens(request: dict[str, Any]) -> int:
    """The text the template renders, not the request's JSON: a model's JSON answer inside a message would
    count every quote twice once escaped (the first real run was refused at an estimated 7,685 tokens for a
    request of about 6,000)."""
    size = sum(len(str(m.get("content") or "")) + len(json.dumps(m.get("tool_calls") or "", ensure_ascii=False))
               + 16 for m in request.get("messages") or [])
    size += len(json.dumps(request.get("tools") or "", ensure_ascii=False))
    return int(size / BYTES_PER_TOKEN)


async def read_context_window(base_url: str, model: str, timeout: float = 5.0) -> int | None:
    """The window the server reports, or None when it reports none (or is not llama.cpp or Ollama)."""
    import httpx

    root = re.sub(r"/v1/?$", "", base_url.rstrip("/"))
    async with httpx.AsyncClient(timeout=timeout) as http:
        try:
            response = await http.get(f"{root}/props")
            if response.status_code == 200:
                n_ctx = (response.json().get("default_generation_settings") or {}).get("n_ctx")
                if isinstance(n_ctx, int) and n_ctx > 0:
                    return n_ctx
            response = await http.post(f"{root}/api/show", json={"model": model})
            if response.status_code == 200:
                return _ollama_window(response.json())
        except (httpx.HTTPError, ValueError, AttributeError):
            return None
    return None


def _ollama_window(data: Any) -> int | None:
    if not isinstance(data, dict):
        return None
    # num_ctx set on the model (a Modelfile's PARAMETER) is what Ollama runs with; context_length is the maximum.
    match = re.search(r"(?m)^\s*num_ctx\s+(\d+)", str(data.get("parameters") or ""))
    if match:
        return int(match.group(1))
    info = data.get("model_info") or {}
    lengths = [v for k, v in info.items() if k.endswith(".context_length") and isinstance(v, int)]
    return min(lengths) if lengths else None


MIN_ANSWER = 1024  # the least room an answer needs: below it, refuse rather than get a cut answer


def fit(request: dict[str, Any], window: int, answer_budget: int) -> tuple[str | None, str | None, int | None]:
    """(refusal, warning, room): a prompt that cannot fit with room for an answer is refused before it is sent;
    one that fits with less room than the budget is sent with the budget cut to `room` (the estimate errs
    high, so room is a floor)."""
    need = estimate_tokens(request)
    room = window - need
    if room < min(answer_budget, MIN_ANSWER):
        return (f"the request needs about {need:,} tokens plus up to {answer_budget:,} for the answer, but the "
                f"server's context window is {window:,} tokens: start the server with a larger window "
                "(llama.cpp -c 16384, Ollama num_ctx) or use a model with a longer context"), None, None
    if need + answer_budget > window * WARN_SHARE:
        return None, (f"the request is about {need:,} tokens of a {window:,}-token context window; the answer "
                      f"budget is {min(room, answer_budget):,} tokens and may cut it short"), min(room, answer_budget)
    return None, None, None
