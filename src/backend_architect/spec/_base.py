"""What every spec model shares: unknown fields are errors, so a model's typo never passes silently."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

__all__ = ["StrictModel", "no_duplicates"]


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


def no_duplicates(items: list[object], what: str) -> None:
    seen: set[object] = set()
    for item in items:
        if item in seen:
            shown = " ".join(map(str, item)) if isinstance(item, tuple) else item
            raise ValueError(f"duplicate {what} {shown!r}")
        seen.add(item)
