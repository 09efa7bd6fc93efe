"""The schema and the performance plan as a small model meant them: the prepare steps of emit_database_schema and
emit_performance_plan, and the access patterns the schema's prepare step set aside, judged once the review's
columns are in. Split from repair.py (the repair messages and merges) and tools.py (the handlers)."""

from __future__ import annotations

import copy
import re
from typing import Any

__all__ = ["DEFAULT_TRIGGER", "performance_as_written", "schema_as_written", "set_aside_patterns"]


def schema_as_written(raw: dict[str, Any], state: Any) -> tuple[dict[str, Any], list[str]]:
    """The prepare step of emit_database_schema: indexes that copy what PostgreSQL creates are left out, and said."""
    from ..spec.as_meant import copied_indexes

    small = bool(getattr(state, "drop_unused_at_once", False))
    if small:
        state.set_aside = []
    written = copy.deepcopy(raw.get("database_schema"))
    queried = _tables_queried(written)  # before the index steps, which work on each pattern's table
    schema, notes = copied_indexes(written, small=small)
    notes = queried + notes
    if small:
        notes += _on_missing_columns(schema, state)
    return ({**raw, "database_schema": schema} if notes or (small and state.set_aside) else raw), notes


DEFAULT_TRIGGER = "CPU > 60 % for 5 min"


def performance_as_written(raw: dict[str, Any], state: Any) -> tuple[dict[str, Any], list[str]]:
    """The prepare step of emit_performance_plan, for a small model: a horizontal scaling rule with no trigger
    gets the usual one, and the acceptance says so. The 1.5B model left it out in url-shortener run 17 and
    equipment-booking run 12, and each time a repair of about a minute only added the line the error gave."""
    plan = raw.get("performance")
    if not getattr(state, "drop_unused_at_once", False) or not isinstance(plan, dict) or \
            not isinstance(plan.get("scaling"), list):
        return raw, []
    rules = copy.deepcopy(plan["scaling"])
    notes = []
    for rule in rules:
        if isinstance(rule, dict) and rule.get("direction") == "horizontal" and not rule.get("trigger"):
            rule["trigger"] = DEFAULT_TRIGGER
            notes.append(f"scaling of {rule.get('component')}: trigger {DEFAULT_TRIGGER!r} (none was given)")
    return ({**raw, "performance": {**plan, "scaling": rules}} if notes else raw), notes


def _tables_queried(schema: Any) -> list[str]:
    """An access pattern whose query reads one table of the schema, not the one it names (equipment-booking run
    13: `"table": "booking"`, `SELECT * FROM equipment WHERE …`): its table is the one its query reads."""
    from .access import query_columns

    if not isinstance(schema, dict) or not isinstance(schema.get("access_patterns"), list):
        return []
    tables = {t.get("name") for t in schema.get("tables") or [] if isinstance(t, dict)}
    notes = []
    for p in schema["access_patterns"]:
        if not isinstance(p, dict) or not isinstance(p.get("query"), str) or p.get("table") not in tables:
            continue
        read = query_columns(p["query"])
        if read is not None and len(read[0]) == 1 and p["table"] not in read[0] and read[0] <= tables:
            [table] = read[0]
            notes.append(f"access pattern {p.get('name')} is of {table}, the table its query reads (not {p['table']})")
            p["table"] = table
    return notes


def _on_missing_columns(schema: Any, state: Any) -> list[str]:
    """For a small model: an index on a column its table lacks is left out, and an access pattern whose query names
    such a column is set aside (state.set_aside) until the review's fixes are in: equipment-booking run 10 wrote
    `SELECT * FROM equipment WHERE employee_id = $1`, then an index on it, and repaired neither in three tries;
    url-shortener run 17's `url WHERE user_id` is served once brief-owned-rows adds url.user_id."""
    from .access import missing_columns

    state.set_aside = []
    if not isinstance(schema, dict) or not isinstance(schema.get("tables"), list):
        return []
    tables = {t["name"]: t for t in schema["tables"] if isinstance(t, dict) and isinstance(t.get("name"), str)}
    notes = []
    for table in tables.values():
        have = {c.get("name") for c in table.get("columns") or [] if isinstance(c, dict)}
        indexes = table.get("indexes")
        if not isinstance(indexes, list):
            continue
        kept = []
        for index in indexes:
            cols = index.get("columns") if isinstance(index, dict) else None
            firsts = [c.split()[0] for c in cols if isinstance(c, str) and c.split()] if isinstance(cols, list) else []
            lacking = [c for c in firsts if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", c) and c not in have]
            if lacking:
                notes.append(f"{table['name']}.{index.get('name')} left out: {table['name']} has no column "
                              f"{', '.join(lacking)}")
            else:
                kept.append(index)
        table["indexes"] = kept
    patterns = schema.get("access_patterns")
    if isinstance(patterns, list):
        kept = []
        for p in patterns:
            table = tables.get(p.get("table")) if isinstance(p, dict) else None
            query = p.get("query") if isinstance(p, dict) else None
            lacked = missing_columns(query, table) if table is not None and isinstance(query, str) else []
            if lacked:
                state.set_aside.append((p, lacked))
            else:
                kept.append(p)
        schema["access_patterns"] = kept
    return notes


def set_aside_patterns(schema: Any, set_aside: list[tuple[dict[str, Any], list[str]]]
                        ) -> tuple[Any, list[tuple[str, str]], list[tuple[str, str]]]:
    """A small model's patterns set aside for the columns their table lacked (repair.py): kept, with the index that
    leads with such a column, when the review's fixes added it; else left out, with the column named."""
    from .access import missing_columns

    kept: list[tuple[str, str]] = []
    left: list[tuple[str, str]] = []
    added: list[dict[str, Any]] = []
    for pattern, lacked in set_aside:
        name = str(pattern.get("name"))
        table = next((t for t in schema.tables if t.name == pattern.get("table")), None)
        if table is None:
            continue
        lacking = missing_columns(pattern["query"], table)
        index = None if lacking else next((i for i in table.indexes if i.column_names()[0] in lacked), None)
        if lacking:
            left.append((name, f"{table.name} has no column {', '.join(lacking)}; query the table that has it"))
        elif name in {q.name for q in schema.access_patterns} | {q["name"] for q in added}:
            left.append((name, "another access pattern has its name"))
        elif index is None:
            left.append((name, f"no index of {table.name} leads with {', '.join(lacked)}"))
        else:
            added.append({**pattern, "index": index.name})
            kept.append((name, f"{table.name}.{', '.join(lacked)} added, {index.name} serves it"))
    if not added:
        return schema, [], left
    data = schema.model_dump(mode="json", exclude_defaults=True)
    data["access_patterns"] = [*data.get("access_patterns", []), *added]
    try:
        return type(schema).model_validate(data), kept, left
    except ValueError as exc:
        return schema, [], left + [(str(p.get("name")), f"not valid ({exc})") for p in added]
