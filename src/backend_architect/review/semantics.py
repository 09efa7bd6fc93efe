"""Schema semantics: what a schema means, beyond what it declares. An association allows each pair once;
every table belongs to the model; quantities and amounts cannot go negative; two bookings of one thing
cannot overlap. Each is a constraint PostgreSQL enforces only when the schema asks for it.
"""

from __future__ import annotations

import json

import re
from collections.abc import Iterator

from .bundle import Bundle
from .ddl import ELSEWHERE, PARTITION_OF
from .engine import rule
from .english import singular
from .facts import facts, snake

__all__ = ["association_pairs"]

Found = Iterator[tuple[str, str]]
_META = re.compile(r"^(id|created_at|updated_at|deleted_at|inserted_at|modified_at|created_on|updated_on)$")
_NUMERIC = re.compile(r"^(smallint|integer|int|int2|int4|int8|bigint|numeric|decimal|real|double precision|float\d?|"
                      r"money|smallserial|serial|bigserial)(\(.*\))?$")
_QUANTITY = re.compile(r"^(quantity|qty|amount|price|count|stock|total|subtotal|seats|capacity|units)$|"
                       r"_(quantity|qty|amount|price|count|stock|total|seats|units)$|^(stock|total|quantity)_")
_STANDALONE = re.compile(r"standalone|stand-alone|lookup|reference data|outbox|audit|\blog\b|settings|config|queue|"
                         r"idempotency|cache|staging|archive|history|backup|singleton|independent|on purpose|deliberately|"
                         r"no relation|"
                         r"not related|unrelated|isolated", re.I)
_BOOKING = {"booking", "reservation", "appointment", "rental", "slot", "shift", "lease", "allocation", "meeting",
            "hold", "checkout", "loan"}
_RANGE_PAIRS = (("starts_at", "ends_at"), ("start_at", "end_at"), ("start_time", "end_time"),
                ("starts_on", "ends_on"), ("start_date", "end_date"), ("check_in", "check_out"),
                ("check_in_at", "check_out_at"), ("begins_at", "ends_at"), ("from_time", "to_time"),
                ("valid_from", "valid_to"), ("start", "end"), ("period_start", "period_end"))
_OVERLAP_STATED = re.compile(r"overlap|double[- ]book|exclu(de|sion)|for update|serializable|advisory lock", re.I)


def association_pairs(bundle: Bundle) -> dict[str, tuple[list[str], str]]:
    """Association tables → (their pair of key columns, why it is one)."""
    assert bundle.data is not None
    out: dict[str, tuple[list[str], str]] = {}
    tables = {singular(t.name): t for t in bundle.data.tables}
    if bundle.brief is not None:
        for entity in bundle.brief.entities:
            names = [snake(f.split(":", 1)[0].strip()).strip("_?") for f in entity.fields]
            table = tables.get(singular(snake(entity.name)))
            if table is None or len(names) < 2 or not all(n.endswith("_id") for n in names):
                continue
            present = [n for n in names if table.column(n) is not None]
            if len(present) >= 2:
                out[table.name] = (present, f"the brief declares {entity.name} as the pair ({', '.join(names)})")
    for rel in bundle.data.relationships:
        table = bundle.data.table(rel.via)
        if rel.kind == "many_to_many" and table is not None and table.name not in out:
            fks = [c.name for c in table.columns if c.references is not None]
            if len(fks) >= 2:
                out[table.name] = (fks[:2], f"it is the join table of {rel.from_table} and {rel.to_table}")
    for table in bundle.data.tables:
        if table.name in out:
            continue
        fks = [c.name for c in table.columns if c.references is not None]
        rest = [c.name for c in table.columns if c.references is None and not _META.match(c.name)]
        if len(fks) == 2 and not rest:
            out[table.name] = (fks, "it holds nothing but the two keys")
    return out


@rule("schema-association-unique", "error", "cross",
      "Normal forms (a relation has no duplicate tuples; Karwin's SQL Antipatterns): an association table has a "
      "unique key over its pair, or the same like, follow or membership is stored twice.",
      on_emit=("data",))
def association_unique(bundle: Bundle) -> Found:
    """Association tables have a unique key over their pair"""
    if bundle.data is None:
        return
    for name, (pair, why) in association_pairs(bundle).items():
        table = bundle.data.table(name)
        assert table is not None
        keys = [table.primary_key()] + [i.column_names() for i in table.indexes if i.unique and not i.where] + \
            [[c.name] for c in table.columns if c.unique] + [i.column_names() for i in table.indexes if i.unique]
        if any(k and set(k) <= set(pair) for k in keys):
            continue
        yield name, (f"{name} is an association ({why}) but nothing stops the same ({', '.join(pair)}) pair twice: "
                     f"add a unique index on ({', '.join(pair)}) or make it the primary key")


@rule("schema-table-reachable", "warning", "cross",
      "Model integrity: every table is related to the rest of the model by a foreign key, unless the design says "
      "why it stands alone (an orphan is usually a lost relationship).",
      on_emit=("data",))
def table_reachable(bundle: Bundle) -> Found:
    """Every table is reachable from the others"""
    data = bundle.data
    if data is None or len(data.tables) < 2:
        return
    referenced = {c.references.table for t in data.tables for c in t.columns if c.references is not None}
    # A partition is reached through its parent; a table the file only alters is modelled where it is created.
    referenced |= {t.name for t in data.tables if _derived(t)}
    outboxes = {b.table for b in bundle.services.outbox} if bundle.services is not None else set()
    for table in data.tables:
        if table.name in referenced or any(c.references is not None for c in table.columns):
            continue
        if table.name in outboxes or _STANDALONE.search(table.name.replace("_", " ")) or \
                _STANDALONE.search(table.description or ""):
            continue
        yield table.name, (f"table {table.name} has no foreign key and none points at it: relate it to the model "
                           "(a lost relationship?) or say in its description why it stands alone")


# A person's money (what they are billed, pay or are paid) and what is sent to them: rows of one person.
_MONEY = {"invoice", "bill", "statement", "receipt", "payment", "charge", "refund", "payout", "payslip",
          "credit_note", "remittance", "disbursement", "chargeback"}
_NOTICES = {"reminder", "notification", "alert", "notice", "digest"}
_NOBODYS = re.compile(r"nobody's|no one's|not personal|(business|company|platform|operator)'s own|internal", re.I)


def _ownerless(bundle: Bundle, kinds: set[str]) -> Iterator[tuple[str, str, str]]:
    """(table, kind, the people table) for each table of these kinds that no foreign-key chain (nor an owner
    column) ties to the people who sign in or to a tenant. Silent when nobody signs in: then no row has an
    owner to be scoped to."""
    data = bundle.data
    if data is None:
        return
    f = facts(bundle)
    people = sorted(t.name for t in data.tables if singular(t.name) in f.principals)
    if not people:
        return
    for table in data.tables:
        name = singular(table.name)
        kind = name.rsplit("_", 1)[-1] if name.rsplit("_", 1)[-1] in kinds else (name if name in kinds else None)
        if kind is None or name in f.owner_path or _derived(table) or _NOBODYS.search(table.description or ""):
            continue
        yield table.name, kind, people[0]


@rule("schema-money-record-owner", "error", "cross",
      "OWASP API1 2023 broken object-level authorization: an invoice, payment or payout is one person's money; a "
      "table of them with no key to that person (directly or through the record it settles) cannot be scoped "
      "to its owner, so every signed-in caller reaches every row.",
      on_emit=("data",))
def money_record_owner(bundle: Bundle) -> Found:
    """Money records (invoices, payments, payouts) belong to a person"""
    for table, kind, people in _ownerless(bundle, _MONEY):
        person = singular(people)
        yield table, (f"{table} rows are a person's money but belong to no one: no foreign key leads from {table} "
                      f"to {people} (the people who sign in) or to a tenant, so no operation can scope a {kind} to "
                      f"its owner and any signed-in caller reaches every one. Key each row to the person it bills "
                      f"or pays ({table}.{person}_id REFERENCES {people}), or to the record it settles "
                      f"(payments.order_id → orders.customer_id); or say in its description that it is nobody's "
                      "(the business's own)")


@rule("schema-notice-owner", "warning", "cross",
      "OWASP API1 2023: a reminder or notification is sent to someone; keyed to no one, it is readable by every "
      "signed-in caller or by no one.",
      on_emit=("data",))
def notice_owner(bundle: Bundle) -> Found:
    """Reminders and notifications are keyed to their recipient or to what they are about"""
    for table, kind, people in _ownerless(bundle, _NOTICES):
        yield table, (f"{table} are sent to someone but keyed to no one: relate each {kind} to the record it is "
                      f"about (reminders.loan_id, whose borrower reads it) or to its recipient "
                      f"({table}.{singular(people)}_id REFERENCES {people})")


def _derived(table: object) -> bool:
    description = getattr(table, "description", "") or ""
    return description.startswith(PARTITION_OF) or description == ELSEWHERE


def _has_check(table_checks: str, column: object) -> bool:
    name = getattr(column, "name", "")
    if getattr(column, "check", None):
        return True
    description = getattr(column, "description", "") or ""
    return "CHECK" in description.upper() or bool(re.search(rf"\b{re.escape(name)}\b", table_checks))


@rule("schema-quantity-check", "error", "cross",
      "Domain integrity (sqlcheck, Celko): quantities, amounts, prices and counts carry a CHECK constraint "
      "(>= 0 or > 0), so no bug or race stores a negative stock or a negative payment.",
      on_emit=("data",))
def quantity_check(bundle: Bundle) -> Found:
    """Quantities, amounts and counts carry CHECK constraints"""
    if bundle.data is None:
        return
    # In a person's SQL file the fix is SQL; in a design (or the loop) it is the schema's Column.check field.
    field_hint = "" if bundle.files.get("data") and not bundle.files.get("design") else " (Column.check)"
    for table in bundle.data.tables:
        if _derived(table):  # a partition has its parent's CHECKs; a table created elsewhere, its own file's
            continue
        for column in table.columns:
            if column.references is not None or column.primary_key or not _QUANTITY.search(column.name):
                continue
            if not _NUMERIC.match(column.type.strip().lower()):
                continue
            if _has_check("", column):
                continue
            op = ">= 0" if re.search(r"count|stock|total|amount|price", column.name) else "> 0"
            yield f"{table.name}.{column.name}", (f"{table.name}.{column.name} ({column.type}) has no CHECK: add "
                                                  f"CHECK ({column.name} {op}){field_hint}")


def _range_columns(table: object) -> tuple[str, str] | None:
    columns = {c.name: c for c in getattr(table, "columns", [])}
    for start, end in _RANGE_PAIRS:
        if start in columns and end in columns:
            return start, end
    for c in columns.values():
        if re.match(r"^(tstzrange|tsrange|daterange|tstzmultirange)", c.type):
            return c.name, c.name
    return None


@rule("schema-no-overlap", "error", "cross",
      "Temporal integrity (PostgreSQL EXCLUDE USING gist; Snodgrass): bookings of one thing must not overlap in "
      "time; only an exclusion constraint (or a stated lock) keeps two concurrent requests from double-booking.",
      on_emit=("data",))
def no_overlap(bundle: Bundle) -> Found:
    """Time ranges that must not overlap have an exclusion constraint or a stated alternative"""
    if bundle.data is None:
        return
    notes = " ".join(bundle.notes)
    for table in bundle.data.tables:
        words = set(singular(table.name).split("_"))
        if not words & _BOOKING:
            continue
        span = _range_columns(table)
        fks = [c.name for c in table.columns if c.references is not None]
        if span is None or not fks:
            continue
        if getattr(table, "exclusions", None):
            continue
        stated = " ".join([table.description or "", *(c.description or "" for c in table.columns)])
        if _OVERLAP_STATED.search(stated) or (_OVERLAP_STATED.search(notes) and table.name in notes):
            continue
        principals = facts(bundle).principals
        booked = [c.name for c in table.columns if c.references is not None
                  and singular(c.references.table) not in principals]
        thing = booked[0] if booked else fks[-1]  # the item, room or doctor booked, not the person booking
        exclusion = {"name": f"{table.name}_no_overlap"[:63],
                     "elements": [f"{thing} WITH =", f"tstzrange({span[0]}, {span[1]}) WITH &&"],
                     "reason": f"no two {table.name} of one {thing} at the same time"}
        yield table.name, (f"{table.name} ({span[0]}–{span[1]}) lets two rows of the same {thing} overlap in time: add "
                           f"an exclusion constraint (SQL: EXCLUDE USING gist ({thing} WITH =, tstzrange({span[0]}, "
                           f"{span[1]}) WITH &&), with the btree_gist extension; in a design's schema: "
                           f"{json.dumps({'exclusions': [exclusion]})}), or state in the table's description how "
                           "overlaps are prevented"), {"database_schema": {"tables": [{"name": table.name,
                                                                                       "exclusions": [exclusion]}]}}
