"""Graders of how well a design read its brief: the tables an architect would model (precision and
recall, so junk tables cost as much as missing ones), the roles, and which kind of operation each
requirement is traced to.
"""

from __future__ import annotations

import fnmatch
import re

from pydantic import BaseModel, ConfigDict, Field

from .base import Grade, GradeContext, register, singular

__all__ = ["TableSet", "table_precision_recall"]


class TableSet(BaseModel):
    model_config = ConfigDict(extra="forbid")

    expected: list[str] = Field(min_length=1, description="the tables an architect would model")
    allowed: list[str] = Field(default_factory=list,
                               description="also acceptable, not required (a join table, an optional entity)")


def _infrastructure(name: str) -> bool:
    """Tables that are machinery, not domain: an outbox, a migration ledger."""
    return name.endswith("_outbox") or name in {"outbox", "schema_migrations", "idempotency_keys"}


def _matches(table: str, names: list[str]) -> str | None:
    """The expected name a table matches; `reviews|ratings` accepts either spelling of one thing."""
    key = singular(table)
    return next((n for n in names for alt in n.split("|") if singular(alt) == key or fnmatch.fnmatchcase(table, alt)),
                None)


def table_precision_recall(tables: list[str], expected: TableSet) -> tuple[float, float, list[str], list[str]]:
    """(precision, recall, missing, junk) of domain tables against the expectation."""
    domain = [t for t in tables if not _infrastructure(t)]
    missing = [e for e in expected.expected if not any(_matches(t, [e]) for t in domain)]
    junk = [t for t in domain if not _matches(t, expected.expected + expected.allowed)]
    recall = 1 - len(missing) / len(expected.expected)
    precision = 1 - len(junk) / len(domain) if domain else 0.0
    return precision, recall, missing, junk


@register("table_set", expectation=TableSet)
def table_set(ctx: GradeContext, expected: TableSet) -> Grade:
    """Domain tables against the ones an architect would model: F1 of precision (no junk) and recall."""
    precision, recall, missing, junk = table_precision_recall([t["name"] for t in ctx.tables()], expected)
    f1 = 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)
    reason = f"precision {precision:.0%}, recall {recall:.0%}"
    if missing:
        reason += f"; missing: {', '.join(missing)}"
    if junk:
        reason += f"; not expected: {', '.join(junk)}"
    return Grade("table_set", f1, reason)


@register("roles", expectation=list[str])
def roles(ctx: GradeContext, expected: list[str]) -> Grade:
    """The API's roles include the actors the brief names (customer, staff, driver, …)."""
    have = {singular(r) for r in (ctx.section("api_specification").get("authentication") or {}).get("roles") or []}
    # `organiser|organizer` accepts either name, as in table_set
    missing = [r for r in expected if not any(singular(a.strip()) in have for a in r.split("|"))]
    score = 1 - len(missing) / len(expected) if expected else 1.0
    return Grade("roles", score, f"{len(expected) - len(missing)}/{len(expected)} roles"
                 + (f"; missing: {', '.join(missing)}" if missing else ""))


_READ = {"GET"}


@register("operations", expectation=dict[str, str])
def operations(ctx: GradeContext, expected: dict[str, str]) -> Grade:
    """Each requirement is traced to an operation of the right kind: `R1: POST`, `R2: GET /orders*`, or
    `R3: read` / `write` (any GET / any non-GET). A requirement traced only to the wrong kind fails."""
    traces = {t.get("requirement_id"): t.get("endpoints") or [] for t in ctx.design.get("traceability") or []}
    base = ctx.section("api_specification").get("base_path", "")
    wrong: list[str] = []
    for rid, want in expected.items():
        method, _, path = want.strip().partition(" ")
        ok = False
        for endpoint in traces.get(rid, []):
            have_method, _, have_path = endpoint.partition(" ")
            have_path = have_path.removeprefix(base) if base else have_path
            kind_ok = (method.lower() == "read" and have_method in _READ) or \
                (method.lower() == "write" and have_method not in _READ) or have_method == method.upper()
            shape = re.sub(r"\{[^}]*\}", "{}", have_path)
            if kind_ok and (not path or fnmatch.fnmatchcase(shape, re.sub(r"\{[^}]*\}", "{}", path))):
                ok = True
                break
        if not ok:
            wrong.append(f"{rid} (want {want}, traced to {', '.join(traces.get(rid, [])) or 'nothing'})")
    score = 1 - len(wrong) / len(expected) if expected else 1.0
    return Grade("operations", score, f"{len(expected) - len(wrong)}/{len(expected)} requirements traced to the "
                 "right kind of operation" + (f"; wrong: {'; '.join(wrong)}" if wrong else ""))
