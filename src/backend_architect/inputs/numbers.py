"""Numbers as people write them in a brief: "~800", "about 2.5k", "10M", "1,200", "two and a half".

`read_number` returns the value and, when the text was approximate or in words, what was assumed, so the
loader can say so in a warning instead of rejecting the brief.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["read_figures", "read_number"]

_UNITS = {"zero": 0, "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
          "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
          "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
          "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
          "couple": 2, "few": 3, "dozen": 12}
_SCALES = {"hundred": 100, "thousand": 1e3, "k": 1e3, "m": 1e6, "mn": 1e6, "million": 1e6, "b": 1e9, "bn": 1e9,
           "billion": 1e9}
_APPROX = re.compile(r"^\s*(~|≈|about|around|roughly|approx\.?|approximately|circa|ca\.?|maybe|up to|under|over|"
                     r"nearly|almost|some|>|<|>=|<=)\s*", re.I)
_DIGITS = re.compile(r"^(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)\s*(k|m|mn|b|bn|thousand|million|billion|hundred)?\b", re.I)
_FILLER = {"and", "a", "an", "of", "-"}


def _words(text: str) -> float | None:
    """"two and a half" → 2.5, "a few hundred" → 300, "twenty-five" → 25, "half a million" → 500000."""
    tokens = [t for t in re.split(r"[\s-]+", text.lower()) if t]
    total, current, seen = 0.0, 0.0, False
    for i, token in enumerate(tokens):
        if token == "half":
            if current or total:
                current += 0.5
            else:
                current = 0.5
            seen = True
        elif token in _UNITS and not (token in {"a", "an"} and i + 1 < len(tokens) and tokens[i + 1] == "half"):
            if token in {"a", "an"} and i + 1 < len(tokens) and tokens[i + 1] in _UNITS:
                continue  # "a dozen", "a few"
            if token in {"a", "an"} and i + 1 < len(tokens) and tokens[i + 1] in _SCALES:
                current = current or 1
                continue
            current += _UNITS[token]
            seen = True
        elif token in _SCALES:
            current = (current or 1) * _SCALES[token]
            if _SCALES[token] >= 1000:
                total, current = total + current, 0.0
            seen = True
        elif token in _FILLER:
            continue
        else:
            break
    return total + current if seen else None


def read_number(text: str) -> tuple[float, str | None] | None:
    """(value, what was assumed or None) for a number written in a brief; None when it is not a number."""
    raw = text.strip()
    approx = _APPROX.match(raw)
    rest = raw[approx.end():] if approx else raw
    rest = rest.replace("_", "")
    match = _DIGITS.match(rest)
    if match:
        digits = match.group(1).replace(",", "")
        value = float(digits) * _SCALES.get((match.group(2) or "").lower(), 1)
        if approx:
            return value, f"read {raw!r} as {_plain(value)} (approximate)"
        return value, None  # "2.5k", "10M", "1,200" are exact ways to write a number
    value = _words(rest)
    if value is None:
        return None
    return value, f"read {raw!r} as {_plain(value)}"


def _plain(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


_INTEGER_FIELDS = {"daily_active_users", "team_size"}
_NUMBER_FIELDS = {"daily_active_users", "writes_per_month", "reads_per_month", "peak_rps", "read_write_ratio",
                  "data_retention_years", "avg_payload_kb", "latency_p99_ms", "team_size"}


def read_figures(nfr: dict[str, Any]) -> list[tuple[str, str]]:
    """Numbers written as people write them ("~800", "two and a half") read in place; (key, what was assumed)
    for each one that needed an assumption. Anything unreadable is left for validation to name."""
    notes = []
    for key in _NUMBER_FIELDS & set(nfr):
        value = nfr[key]
        if not isinstance(value, str) or (key == "read_write_ratio" and re.search(r"[:/]", value)):
            continue
        read = read_number(value)
        if read is None:
            continue
        number, assumed = read
        if key in _INTEGER_FIELDS and not float(number).is_integer():
            rounded = int(number + 0.5)
            assumed = f"{assumed or f'read {value!r} as {number:g}'}, rounded to {rounded}"
            number = rounded
        nfr[key] = int(number) if float(number).is_integer() else number
        if assumed:
            notes.append((key, assumed))
    return notes
