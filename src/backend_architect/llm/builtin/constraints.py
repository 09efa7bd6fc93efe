"""Constraints an architect puts in the schema rather than trusting the application: one row per pair in an
association (a user likes a post once), and no two bookings of one thing whose times overlap."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .access import caller_column

if TYPE_CHECKING:
    from .domain import EntityModel
    from .plan import PlanView

__all__ = ["no_overlap", "pair_unique"]

_BOOKING_WORDS = ("booking", "reservation", "appointment", "rental", "slot", "shift", "lease", "allocation")
_PLAIN = {"id", "created_at", "updated_at"}


def pair_unique(table: str, cols: list[dict[str, Any]], entity: EntityModel) -> list[dict[str, Any]]:
    """An association (only keys besides id and timestamps) holds each pair once."""
    keys = [c["name"] for c in cols if c.get("references")]
    others = [c for c in cols if not c.get("references") and c["name"] not in _PLAIN]
    if len(keys) < 2 or others:
        return []
    return [{"name": f"ux_{table}_{'_'.join(k.removesuffix('_id') for k in keys[:2])}", "columns": keys[:2],
             "unique": True, "reason": f"each pair is recorded once: one {entity.name.replace('_', ' ')} per "
                                       f"{keys[0][:-3]} and {keys[1][:-3]}"}]


def no_overlap(plan: PlanView, name: str, table: str, cols: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Two bookings of the same thing may not overlap in time: an EXCLUDE constraint (btree_gist), not a check
    the application races on."""
    names = {c["name"] for c in cols}
    if not any(word in name for word in _BOOKING_WORDS) or not {"starts_at", "ends_at"} <= names:
        return []
    caller = caller_column(plan, name)
    keys = [c["name"] for c in cols if c.get("references") and c["name"] != f"{plan.domain.tenant}_id"]
    # The booked thing; failing one, the person: nobody holds two overlapping bookings.
    booked = [k for k in keys if k != caller] or keys
    if not booked:
        return []
    status = next((c for c in cols if c["name"] == "status"), None)
    where = "status <> 'cancelled'" if status and "cancelled" in _enum_values(plan, table, "status") else None
    return [{"name": f"{table}_no_overlap", "elements": [f"{booked[0]} WITH =",
                                                         "tstzrange(starts_at, ends_at) WITH &&"],
             **({"where": where} if where else {}),
             "reason": f"one {booked[0][:-3].replace('_', ' ')} cannot be booked twice for overlapping times"}]


def _enum_values(plan: PlanView, table: str, column: str) -> list[str]:
    entity = next((e for n, e in plan.domain.entities.items() if plan.tables.get(n) == table), None)
    field = entity.field(column) if entity else None
    return field.enum_values if field else []
