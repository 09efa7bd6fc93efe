"""Dollar prices per million tokens (input, output): a small table that is easy to replace.

A price lookup of the configuration work can take its place: anything with `price(model)` works.
Unknown models cost None (shown as "n/a"), so a cost budget cannot be enforced for them.
"""

from __future__ import annotations

__all__ = ["PRICES", "cost_usd", "price"]

PRICES: dict[str, tuple[float, float]] = {
    "builtin": (0.0, 0.0),
    "gpt-4.1": (2.00, 8.00),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1-nano": (0.10, 0.40),
    "gpt-4o": (2.50, 10.00),
    "gpt-4o-mini": (0.15, 0.60),
    "o4-mini": (1.10, 4.40),
}


def price(model: str) -> tuple[float, float] | None:
    if model in PRICES:
        return PRICES[model]
    # Dated snapshots ("gpt-4o-2024-08-06") cost what their family costs.
    family = max((name for name in PRICES if model.startswith(name + "-")), key=len, default=None)
    return PRICES[family] if family else None


def cost_usd(model: str, prompt_tokens: int, completion_tokens: int) -> float | None:
    rates = price(model)
    if rates is None:
        return None
    return (prompt_tokens * rates[0] + completion_tokens * rates[1]) / 1_000_000
