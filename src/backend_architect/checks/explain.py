"""EXPLAIN checks: does the planner serve each declared access pattern with the index the design names?

Tables are empty on a throwaway server, so with default costs the planner would rightly pick a
sequential scan for everything. `enable_seqscan = off` makes a sequential scan the last resort:
if the query *can* use the declared index, the plan shows it; if it cannot (the index is missing,
leads with the wrong column, or the column types do not match), the plan shows a sequential scan
or another index, and the check fails. The plan is the generic one (parameters unknown), as a
prepared statement in the application would get: `EXPLAIN (GENERIC_PLAN)` on PostgreSQL 16+, else
PREPARE + EXPLAIN EXECUTE with typed placeholder values under `plan_cache_mode = force_generic_plan`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

__all__ = ["AccessPattern", "PlanCheck", "check_plans", "indexes_in_plan"]

_PLACEHOLDER = {"integer": "1", "bigint": "1", "smallint": "1", "numeric": "1", "real": "1", "double precision": "1",
                "text": "'x'", "character varying": "'x'", "character": "'x'", "citext": "'x'", "boolean": "true",
                "uuid": "'00000000-0000-0000-0000-000000000000'", "timestamp with time zone": "now()",
                "timestamp without time zone": "now()", "date": "current_date", "jsonb": "'{}'", "json": "'{}'"}


@dataclass(frozen=True)
class AccessPattern:
    name: str
    query: str  # SQL with $1, $2, ... parameters
    index: str | None  # the index the design says serves it; None: the pattern claims no index


@dataclass(frozen=True)
class PlanCheck:
    name: str
    ok: bool
    message: str
    plan: str = ""


def _nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans") or []:
        yield from _nodes(child)


def indexes_in_plan(plan: dict[str, Any]) -> tuple[list[str], list[str]]:
    """(index names used, tables read by a sequential scan) anywhere in a JSON plan tree."""
    used, seq = [], []
    for node in _nodes(plan):
        if node.get("Index Name"):
            used.append(node["Index Name"])
        if node.get("Node Type") == "Seq Scan":
            seq.append(node.get("Relation Name", "?"))
    return used, seq


def _leading_column(conn: Any, index: str) -> str | None:
    """The first column of an index (None for an expression index)."""
    row = conn.execute("SELECT a.attname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                       "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0] "
                       "WHERE c.relname = %s", (index,)).fetchone()
    return row[0] if row else None


def _whole_index_scan(conn: Any, plan: dict[str, Any], index: str) -> str | None:
    """Why using `index` is no real use: it has a condition that leaves out its leading column, so the scan
    reads the whole index (an ORDER BY served with no condition at all is a real use)."""
    leading = _leading_column(conn, index)
    for node in _nodes(plan):
        cond = node.get("Index Cond")
        if node.get("Index Name") == index and cond and leading and not re.search(rf"\b{re.escape(leading)}\b", cond):
            return (f"the plan reads all of {index} (condition {cond} leaves out its leading column {leading}); lead "
                    f"the index with the columns the query filters on")
    return None


def _one_line(plan: dict[str, Any]) -> str:
    return " → ".join(f"{n.get('Node Type')}" + (f" on {n['Relation Name']}" if n.get("Relation Name") else "")
                      + (f" using {n['Index Name']}" if n.get("Index Name") else "") for n in _nodes(plan))


def _explain(conn: Any, query: str, generic: bool) -> dict[str, Any]:
    if generic:
        row = conn.execute(f"EXPLAIN (GENERIC_PLAN, FORMAT JSON) {query}").fetchone()
        return row[0][0]["Plan"]
    conn.execute("DEALLOCATE ALL")
    conn.execute(f"PREPARE ba_access_pattern AS {query}")
    types = conn.execute("SELECT parameter_types::text[] FROM pg_prepared_statements "
                         "WHERE name = 'ba_access_pattern'").fetchone()[0] or []
    values = []
    for t in types:
        label = conn.execute("SELECT e.enumlabel FROM pg_enum e WHERE e.enumtypid = %s::regtype "
                             "ORDER BY e.enumsortorder LIMIT 1", (t,)).fetchone()
        value = f"'{label[0]}'" if label else _PLACEHOLDER.get(t, "NULL")
        values.append(f"{value}::{t}")
    args = f"({', '.join(values)})" if values else ""
    row = conn.execute(f"EXPLAIN (FORMAT JSON) EXECUTE ba_access_pattern{args}").fetchone()
    conn.execute("DEALLOCATE ba_access_pattern")
    return row[0][0]["Plan"]


MAX_SET_ASIDE = 3


def _set_aside(conn: Any, index: str) -> None:
    """Drop an index (or the constraint that owns it) inside the current savepoint, which is rolled back."""
    owner = conn.execute("SELECT c.conrelid::regclass::text, c.conname FROM pg_constraint c "
                         "JOIN pg_class i ON i.oid = c.conindid WHERE i.relname = %s AND c.contype IN ('p', 'u', 'x')",
                         (index,)).fetchone()
    if owner:
        conn.execute(f'ALTER TABLE {owner[0]} DROP CONSTRAINT "{owner[1]}" CASCADE')
    else:
        conn.execute(f'DROP INDEX "{index}" CASCADE')


def _check_one(conn: Any, pattern: AccessPattern, generic: bool) -> PlanCheck:
    """The plan for one pattern. On empty tables two indexes with the same leading column cost the same and the
    planner may pick either; so when it picks another index, that one is set aside (dropped in a savepoint that
    is rolled back) and the query planned again: the check asks whether the declared index *can* serve it."""
    import psycopg

    set_aside: list[str] = []
    result: PlanCheck | None = None
    with conn.transaction():
        # SET LOCAL: the planner settings end with this savepoint/transaction.
        conn.execute("SET LOCAL enable_seqscan = off")
        conn.execute("SET LOCAL plan_cache_mode = force_generic_plan")
        for _ in range(MAX_SET_ASIDE + 1):
            plan = _explain(conn, pattern.query, generic)
            used, seq = indexes_in_plan(plan)
            shown = _one_line(plan)
            if pattern.index is None:
                result = PlanCheck(pattern.name, True, f"no index claimed; plan: {shown}", shown)
            elif pattern.index in used and (why := _whole_index_scan(conn, plan, pattern.index)):
                result = PlanCheck(pattern.name, False, f"declares index {pattern.index} but {why}", shown)
            elif pattern.index in used:
                note = (f" (after setting aside {', '.join(set_aside)}, which costs the same on empty tables)"
                        if set_aside else "")
                result = PlanCheck(pattern.name, True, f"uses {pattern.index}{note}", shown)
            elif used and len(set_aside) < MAX_SET_ASIDE:
                for other in used:
                    _set_aside(conn, other)
                    set_aside.append(other)
                continue
            else:
                why = f"a sequential scan of {', '.join(seq)}" if seq else f"{', '.join(used) or 'no index'}"
                result = PlanCheck(pattern.name, False, f"declares index {pattern.index} but the planner uses {why} "
                                   f"even with enable_seqscan off (plan: {shown}); fix the index columns or the query",
                                   shown)
            break
        raise psycopg.Rollback()  # undo whatever was set aside
    assert result is not None
    return result


def check_plans(conn: Any, patterns: list[AccessPattern], *, generic: bool | None = None) -> list[PlanCheck]:
    """EXPLAIN each pattern's query; each runs in a savepoint (or its own transaction) so one failure stays local.

    `generic`: use EXPLAIN (GENERIC_PLAN); by default when the server is PostgreSQL 16 or later.
    """
    import psycopg

    if not patterns:
        return []
    if generic is None:
        generic = int(conn.execute("SHOW server_version_num").fetchone()[0]) >= 160000
    checks = []
    for pattern in patterns:
        try:
            exists = pattern.index is None or conn.execute(
                "SELECT 1 FROM pg_class WHERE relkind IN ('i', 'I') AND relname = %s", (pattern.index,)).fetchone()
            if not exists:
                checks.append(PlanCheck(pattern.name, False, f"declares index {pattern.index}, which the schema does "
                                        "not create"))
                continue
            checks.append(_check_one(conn, pattern, generic))
        except psycopg.Error as exc:
            from .pg import error_text

            checks.append(PlanCheck(pattern.name, False, f"the query fails: {error_text(exc)}"))
    return checks
