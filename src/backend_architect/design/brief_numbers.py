"""Capacity inputs the brief states are the brief's, not the model's.

A 1.5B model sized a URL shortener the brief put at 2,000,000 daily users and 4,000 requests/s at
200,000 users and 130,000 requests/s, and the tool computed 434 instances without a word. The
numbers a brief states are requirements: they replace what the model sent, and the tool's answer
says which it replaced, so the model learns the right figures for the rest of the design.
"""

from __future__ import annotations

import math
from typing import Any

from ..inputs.brief import Brief

__all__ = ["stated_capacity"]

# brief's non_functional field → estimate_capacity input
_FIELDS = {"daily_active_users": "daily_active_users", "writes_per_month": "writes_per_month",
           "reads_per_month": "reads_per_month", "peak_rps": "peak_rps", "read_write_ratio": "read_write_ratio",
           "data_retention_years": "retention_years", "avg_payload_kb": "avg_write_kb"}


def stated_capacity(raw: dict[str, Any], brief: Brief) -> tuple[dict[str, Any], list[str]]:
    """`raw` (estimate_capacity's arguments) with the brief's stated numbers in place of the model's."""
    inputs = raw.get("inputs")
    if not isinstance(inputs, dict):
        return raw, []
    stated = brief.non_functional
    inputs = dict(inputs)
    notes = []
    for field, target in _FIELDS.items():
        value = getattr(stated, field, None)
        if value is None:
            continue
        sent = inputs.get(target)
        if isinstance(sent, (int, float)) and not isinstance(sent, bool) and math.isclose(sent, value, rel_tol=0.01):
            continue
        inputs[target] = value
        notes.append(f"{target} is {value:g} as the brief states" + ("" if sent is None else f" (you sent {sent!r})"))
    # Volumes the model guessed must not contradict the load the brief states: with a stated peak and read:write
    # ratio (and no stated monthly volumes) the rates follow from those; with a stated ratio, reads follow writes.
    guessed: tuple[str, ...] = ()
    if stated.peak_rps is not None and stated.read_write_ratio is not None and stated.writes_per_month is None:
        guessed = ("writes_per_month", "reads_per_month", "writes_per_user_per_day", "reads_per_user_per_day")
    elif stated.read_write_ratio is not None and stated.reads_per_month is None:
        guessed = ("reads_per_month", "reads_per_user_per_day")
    dropped = [name for name in guessed if inputs.pop(name, None) is not None]
    if dropped:
        notes.append(f"{', '.join(dropped)} left out: the brief's stated load (peak_rps, read_write_ratio) decides "
                     "the rates")
    return {**raw, "inputs": inputs}, notes
