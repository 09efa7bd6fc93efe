"""Must-include and must-not-include graders: named things the design should (not) have.

Names match forgivingly where people write them loosely: entities and tables by their singular
('Order' finds `orders`), endpoints with any parameter name (`GET /pastes/{}` finds
`GET /api/v1/pastes/{paste_id}`), services and events by glob or substring.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Iterable
from typing import Any

from .base import Grade, GradeContext, register, singular

__all__ = ["FORBIDDEN_CONCEPTS"]


def _fraction(name: str, wanted: list[str], found: Callable[[str], bool], what: str) -> Grade:
    if not wanted:
        return Grade(name, 1.0, f"no {what} expected")
    missing = [w for w in wanted if not found(w)]
    reason = f"{len(wanted) - len(missing)}/{len(wanted)} {what} found"
    return Grade(name, (len(wanted) - len(missing)) / len(wanted),
                 reason + (f"; missing: {', '.join(missing)}" if missing else ""))


def _like(pattern: str, names: Iterable[str]) -> bool:
    glob = pattern.lower() if any(ch in pattern for ch in "*?[") else f"*{pattern.lower()}*"
    return any(fnmatch.fnmatchcase(n.lower(), glob) for n in names)


@register("entities", expectation=list[str])
def entities(ctx: GradeContext, expected: list[str]) -> Grade:
    """Domain entities, found as a table or an API schema (singular or plural)."""
    names = {singular(t["name"]) for t in ctx.tables()}
    names |= {singular(s["name"]) for s in ctx.section("api_specification").get("schemas") or []}
    return _fraction("entities", expected, lambda e: singular(e) in names, "entities")


def _table(ctx: GradeContext, name: str) -> dict[str, Any] | None:
    return next((t for t in ctx.tables() if t["name"] == name), None) or next(
        (t for t in ctx.tables() if singular(t["name"]) == singular(name)), None)


@register("tables", expectation=list[str])
def tables(ctx: GradeContext, expected: list[str]) -> Grade:
    """Tables by name (singular or plural)."""
    return _fraction("tables", expected, lambda name: _table(ctx, name) is not None, "tables")


def _has_column(ctx: GradeContext, ref: str) -> bool:
    table_name, _, column = ref.partition(".")
    table = _table(ctx, table_name)
    return table is not None and any(c["name"] == column for c in table["columns"])


@register("columns", expectation=list[str])
def columns(ctx: GradeContext, expected: list[str]) -> Grade:
    """Columns written `table.column`."""
    return _fraction("columns", expected, lambda ref: _has_column(ctx, ref), "columns")


_INDEX = re.compile(r"^\s*([a-z_][a-z0-9_]*)\s*\(([^)]*)\)\s*$")


def _has_index(ctx: GradeContext, ref: str) -> bool:
    match = _INDEX.match(ref)
    if not match:
        return False
    table = _table(ctx, match.group(1))
    wanted = [c.split()[0] for c in match.group(2).split(",") if c.strip()]
    if table is None or not wanted:
        return False
    for index in table.get("indexes") or []:
        if [c.split()[0] for c in index["columns"]][: len(wanted)] == wanted:
            return True
    # PostgreSQL indexes a primary key and a unique column by itself.
    column = next((c for c in table["columns"] if [c["name"]] == wanted), None)
    return bool(column and (column.get("unique") or column.get("primary_key")))


@register("indexes", expectation=list[str])
def indexes(ctx: GradeContext, expected: list[str]) -> Grade:
    """Indexes written `table(col1, col2)`: an index led by those columns (a unique or key column counts)."""
    return _fraction("indexes", expected, lambda ref: _has_index(ctx, ref), "indexes")


def _path_shape(path: str) -> str:
    return re.sub(r"\{[^}]*\}", "{}", path.rstrip("/") or "/")


def _has_endpoint(ctx: GradeContext, ref: str) -> bool:
    method, _, path = ref.strip().partition(" ")
    base = ctx.section("api_specification").get("base_path", "")
    want = _path_shape(path.strip())
    for have_method, have_path in ctx.endpoints():
        if have_method != method.upper():
            continue
        for candidate in (_path_shape(have_path), _path_shape(base + have_path)):
            if fnmatch.fnmatchcase(candidate, want):
                return True
    return False


@register("endpoints", expectation=list[str])
def endpoints(ctx: GradeContext, expected: list[str]) -> Grade:
    """Endpoints written `METHOD /path`; any parameter name matches `{}` or `{x}`; `*` globs."""
    return _fraction("endpoints", expected, lambda ref: _has_endpoint(ctx, ref), "endpoints")


@register("events", expectation=list[str])
def events(ctx: GradeContext, expected: list[str]) -> Grade:
    """Declared events by name or glob (`paste.*`)."""
    return _fraction("events", expected, lambda e: _like(e, ctx.events()), "events")


@register("services", expectation=list[str])
def services(ctx: GradeContext, expected: list[str]) -> Grade:
    """Services or modules by name, glob or substring (`identity` finds `identity-service`)."""
    names = [s["name"] for s in ctx.services()]
    return _fraction("services", expected, lambda s: _like(s, names), "services")


_NEGATED = re.compile(r"\b(no|not|without|avoid|instead of|rather than|before)\b[^.;]{0,40}$")


def _prose(ctx: GradeContext) -> list[str]:
    arch = ctx.section("microservices")
    infra = arch.get("infrastructure") or {}
    texts = [arch.get("rationale", ""), ctx.design.get("summary", ""), *(infra.get("databases") or []),
             *(infra.get("caches") or []), infra.get("message_broker") or ""]
    texts += [s.get("scaling", "") for s in ctx.services()]
    return [t.lower() for t in texts if t]


def _mentions(ctx: GradeContext, word: str) -> bool:
    """A word in the design's prose, unless the sentence says it is not done ('no sharding needed')."""
    for text in _prose(ctx):
        for match in re.finditer(re.escape(word.lower()), text):
            if not _NEGATED.search(text[: match.start()]):
                return True
    return False


FORBIDDEN_CONCEPTS: dict[str, Callable[[GradeContext], bool]] = {
    "microservices": lambda ctx: ctx.section("microservices").get("style") == "microservices",
    "message_broker": lambda ctx: bool((ctx.section("microservices").get("infrastructure") or {}).get("message_broker")),
    "events": lambda ctx: bool(ctx.events()),
    "api_gateway": lambda ctx: bool((ctx.section("microservices").get("infrastructure") or {}).get("api_gateway")),
    "sharding": lambda ctx: _mentions(ctx, "shard"),
    "cache": lambda ctx: bool((ctx.section("microservices").get("infrastructure") or {}).get("caches")),
}


@register("must_not_include", expectation=list[str])
def must_not_include(ctx: GradeContext, expected: list[str]) -> Grade:
    """Things a design this size should not have: microservices, message_broker, events, api_gateway,
    sharding, cache; any other word is looked for in the design's prose."""
    present = [w for w in expected if FORBIDDEN_CONCEPTS.get(w, lambda c, w=w: _mentions(c, w))(ctx)]
    if not expected:
        return Grade("must_not_include", 1.0, "nothing forbidden")
    reason = "none of: " + ", ".join(expected) if not present else "has: " + ", ".join(present)
    return Grade("must_not_include", 1 - len(present) / len(expected), reason)
