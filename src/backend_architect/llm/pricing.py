"""Prices per million tokens, for the cost line at the end of a run.

A small table of list prices (USD per 1M input / output tokens); users add or override entries in
the config file (`[prices."model-name"] input = … output = …`). A model with no price has no cost:
the run says "cost unknown" rather than guess.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["DEFAULT_PRICES", "Price", "price_for"]


@dataclass(frozen=True)
class Price:
    input: float  # USD per 1M prompt tokens
    output: float  # USD per 1M completion tokens

    def cost(self, prompt_tokens: int, completion_tokens: int) -> float:
        return (prompt_tokens * self.input + completion_tokens * self.output) / 1_000_000


DEFAULT_PRICES: dict[str, Price] = {
    "builtin": Price(0.0, 0.0),
    "gpt-4.1": Price(2.00, 8.00),
    "gpt-4.1-mini": Price(0.40, 1.60),
    "gpt-4.1-nano": Price(0.10, 0.40),
    "gpt-4o": Price(2.50, 10.00),
    "gpt-4o-mini": Price(0.15, 0.60),
    "gpt-5": Price(1.25, 10.00),
    "gpt-5-mini": Price(0.25, 2.00),
    "gpt-5-nano": Price(0.05, 0.40),
    "o3": Price(2.00, 8.00),
    "o4-mini": Price(1.10, 4.40),
}


def price_for(model: str, extra: Mapping[str, Price] | None = None) -> Price | None:
    """The exact entry, else the longest entry the name starts with (dated snapshots: gpt-4.1-mini-2025-04-14)."""
    table = {**DEFAULT_PRICES, **(extra or {})}
    if model in table:
        return table[model]
    prefixes = [name for name in table if model.startswith(name + "-")]
    return table[max(prefixes, key=len)] if prefixes else None
