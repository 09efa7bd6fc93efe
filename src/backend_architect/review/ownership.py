"""Brief conformance of who owns what: rows a requirement calls a person's own ("users list their links") lead to
that person by a foreign key. Split from conformance.py, whose readings of requirements it shares."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..spec.words import a as _a
from .bundle import Bundle
from .conformance import SIGN_IN, short
from .engine import rule
from .english import singular
from .facts import facts

__all__: list[str] = []


_SELF_NOUNS = {"profile", "account", "password", "email", "setting", "detail", "data", "information", "name",
               "preference", "credential", "avatar", "address", "photo", "picture"}


@rule("brief-owned-rows", "error", "cross",
      "Brief conformance (OWASP API1 2023): rows a requirement calls a person's own ('users list their links') "
      "lead to that person by a foreign key; without one no query finds them and no endpoint can scope to them.",
      on_emit=("data",))
def owned_rows(bundle: Bundle) -> Iterator[tuple[str, str, dict[str, object]]]:
    """A person's own rows lead to the person"""
    if bundle.brief is None or bundle.data is None:
        return
    f = facts(bundle)
    owners = f.principals | f.tenants
    said: set[str] = set()
    for req in bundle.brief.requirements:
        reading = f.readings.get(req.id)
        own = [n for n in (reading.own_nouns if reading is not None and reading.person else []) if n not in _SELF_NOUNS]
        principal = reading.actor if reading is not None and reading.actor in f.principals else (
            next(iter(f.principals)) if len(f.principals) == 1 else None)
        if not own or reading is None or principal is None or all(SIGN_IN.fullmatch(v) for v in reading.verbs):
            continue  # "Employees log in with their company email": their own credentials, on their own row
        people = next(t for t in f.tables if singular(t) == principal)
        things = [t for t in f.tables if singular(t) not in owners]
        named = [t for t in things if singular(t) in own or len(t.split("_")) > 1 and
                 {singular(w) for w in t.split("_")} <= set(reading.nouns)]
        if named:
            lacking = [t for t in named if not f.owned(singular(t))]
        elif things and (not any(f.owned(singular(t)) for t in things) or _under_unowned(f, things)):
            # "their links" names no table: the table at the top of the unowned ones (clicks lead to short_urls)
            tops = _under_unowned(f, things) or [t for t in things if not any(
                c.references is not None and c.references.table in things and c.references.table != t
                for c in f.tables[t].columns)]
            lacking = tops if len(tops) == 1 else []
            if not lacking:
                yield people, (f"requirement {req.id} ({short(req.text)}) is about {_a(reading.actor or principal)}'s "
                               f"own {', '.join(own)}, but no table leads to {people} by a foreign key: add "
                               f"{principal}_id (references {people}) to the table of {', '.join(own)}"), {}
                continue
        else:
            continue
        for table in lacking:
            if table in said:
                continue
            said.add(table)
            key = f"{principal}_id"
            kind, pk = _key_of(f.tables[people])
            column = {"name": key, "type": kind, "not_null": True,
                      "references": {"table": people, "column": pk, "on_delete": "cascade"},
                      "description": f"the {principal} whose row it is"}
            index = {"name": f"{table}_{key}_idx", "columns": [key], "reason": f"indexes the foreign key {key}: "
                     f"a {principal}'s own {table}"}
            yield table, (f"requirement {req.id} ({short(req.text)}) is about {_a(reading.actor or principal)}'s own "
                          f"{', '.join(own)}, but {table} has no foreign key leading to {people}: no query can find "
                          f"{_a(principal)}'s rows; add {key}"), {
                "database_schema": {"tables": [{"name": table, "columns": [column], "indexes": [index]}]}}


def _under_unowned(f: Any, things: list[str]) -> list[str]:
    """The one unowned table every owned one hangs from: url-shortener run 19 gave clicks a user_id (the clicker's)
    and short_urls none, for "users list their links and see click counts per link"."""
    owned = [t for t in things if f.owned(singular(t))]
    tops = [t for t in things if not f.owned(singular(t)) and not any(
        c.references is not None and c.references.table in things and c.references.table != t
        for c in f.tables[t].columns)]
    if len(tops) != 1 or not owned:
        return []
    under = all(any(c.references is not None and c.references.table == tops[0] for c in f.tables[t].columns)
                for t in owned)
    return tops if under else []


def _key_of(table: Any) -> tuple[str, str]:
    """(the type a reference to the table has, the column it references)."""
    pk = [c for c in table.columns if c.primary_key]
    kind = pk[0].type.lower() if len(pk) == 1 else "uuid"
    return {"serial": "integer", "bigserial": "bigint", "smallserial": "smallint"}.get(kind, kind), \
        (pk[0].name if len(pk) == 1 else "id")
