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


def pg_object_name(name1: str, name2: str | None, label: str) -> str:
    """The name PostgreSQL gives a constraint's index (makeObjectName): `name1_name2_label`, the longer of
    the two names shortened first until the whole fits in 63 bytes."""
    overhead = len(label) + 1 + (1 if name2 else 0)
    n1, n2 = len(name1), len(name2 or "")
    while n1 + n2 > 63 - overhead:
        if n1 > n2:
            n1 -= 1
        else:
            n2 -= 1
    return "_".join(part for part in (name1[:n1], (name2 or "")[:n2] if name2 else None, label) if part)
