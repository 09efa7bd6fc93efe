"""Rules over a `DatabaseSchema` (ours, or one read from a user's DDL by `ddl.py`)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from .ddl import ELSEWHERE, PARTITION_OF
from .engine import rule

if TYPE_CHECKING:
    from ..spec.data import Column, DatabaseSchema, Index, Table

__all__ = ["SENSITIVE", "is_sensitive"]

Found = Iterator[tuple[str, str]]

# Secrets by name: the secret noun ends the name (password, password_hash, client_secret), so that
# secret_scanning or verifiable_password_authentication are not taken for secrets. Tokens are not here:
# a token endpoint rightly returns the token it issues; a token *column* is still caught, because the
# cross rule also compares response fields with sensitive columns.
SENSITIVE = re.compile(r"(^|_)(password|passwd|secret|api_key|apikey|private_key|salt|otp|ssn|pin_code"
                       r"|card_number|cvv|cvc)(_hash|_digest|_encrypted|_ciphertext)?$", re.I)
_SENSITIVE_COLUMN = re.compile(r"(^|_)token(_hash|_digest)?$", re.I)
_MONEY = re.compile(r"(^|_)(price|amount|cost|total|balance|fee|fees|salary|money|subtotal|tax|refund|payment"
                    r"|revenue|discount|charge)(_|$)")
# A tax rate, a discount percentage or a fee multiplier is a ratio, not an amount of money.
_RATIO = re.compile(r"(^|_)(rate|ratio|percent|percentage|pct|factor|multiplier|weight|share)s?(_|$)")
_FLOAT = {"real", "float", "float4", "float8", "double precision", "double"}
# `type` only on its own: event_type, content_type, mime_type hold open-ended values.
_ENUMISH = re.compile(r"(^|_)(status|state|kind|role|category|level|priority|stage|gender|visibility|tier)$|^type$")
_TEXTUAL = re.compile(r"^(text|varchar|character varying|char|character|bpchar|citext)(\(\d+\))?$")


def _columns(schema: DatabaseSchema) -> Iterator[tuple[Table, Column]]:
    for table in schema.tables:
        for col in table.columns:
            yield table, col


def is_sensitive(name: str, *, column: bool = False) -> bool:
    return bool(SENSITIVE.search(name) or (column and _SENSITIVE_COLUMN.search(name)))


def _covered(table: Table, columns: list[str]) -> bool:
    """Whether an index, the primary key or a unique column leads with `columns` (usable for the FK lookups)."""
    pk = table.primary_key()
    if pk[: len(columns)] == columns:
        return True
    if len(columns) == 1 and (col := table.column(columns[0])) is not None and col.unique:
        return True
    return any(i.column_names()[: len(columns)] == columns and i.method == "btree" and not i.where
               for i in table.indexes)


@rule("data-table-primary-key", "error", "data",
      "splinter 0004_no_primary_key; sqlcheck No Primary Key: every table needs a primary key.")
def table_primary_key(schema: DatabaseSchema) -> Found:
    """Every table has a primary key"""
    for table in schema.tables:
        if table.description.startswith(PARTITION_OF) or table.description == ELSEWHERE:
            continue  # a partition is keyed by its parent's key; a table created elsewhere, where it is created
        if not table.primary_key():
            yield table.name, f"table {table.name} has no primary key; add one (e.g. `id uuid PRIMARY KEY`)"


@rule("data-foreign-key-indexed", "warning", "data",
      "splinter 0001_unindexed_foreign_keys: index every foreign key, or joins and parent deletes scan the child.")
def foreign_key_indexed(schema: DatabaseSchema) -> Found:
    """Every foreign key is indexed"""
    for table, col in _columns(schema):
        if col.references and table.description != ELSEWHERE and not _covered(table, [col.name]):
            yield f"{table.name}.{col.name}", (f"foreign key {table.name}.{col.name} has no index leading with it; "
                                               f"add `CREATE INDEX ON {table.name} ({col.name})`")


def _signature(index: Index) -> tuple[object, ...]:
    return (tuple(c.lower() for c in index.columns), index.method, (index.where or "").lower())


@rule("data-duplicate-index", "warning", "data",
      "splinter 0009_duplicate_index; sqlcheck Index Overuse: an index that repeats or prefixes another only costs writes.")
def duplicate_index(schema: DatabaseSchema) -> Found:
    """No duplicate or redundant (prefix) indexes"""
    for table in schema.tables:
        pk = table.primary_key()
        for i, index in enumerate(table.indexes):
            cols = index.column_names()
            covering = any(c.endswith(" include") for c in index.columns)  # INCLUDE columns: index-only scans
            if cols == pk and index.method == "btree" and not index.where and not covering:
                yield f"{table.name}.{index.name}", f"index {index.name} repeats the primary key of {table.name}; drop it"
                continue
            for other in table.indexes[i + 1:] + table.indexes[:i]:
                if _signature(other) == _signature(index):
                    if table.indexes.index(other) > i:
                        yield f"{table.name}.{index.name}", f"indexes {index.name} and {other.name} are identical; drop one"
                    break
                longer = other.column_names()
                if (not index.unique and index.method == other.method == "btree" and not index.where
                        and not other.where and len(cols) < len(longer) and longer[: len(cols)] == cols):
                    yield f"{table.name}.{index.name}", (f"index {index.name} ({', '.join(cols)}) is a prefix of "
                                                         f"{other.name} ({', '.join(longer)}), which serves the same "
                                                         "lookups; drop it")
                    break


@rule("data-multi-valued-attribute", "warning", "data",
      "sqlcheck Multi-Valued Attribute (Jaywalking): a comma list in a text column; use a child table or an array.")
def multi_valued_attribute(schema: DatabaseSchema) -> Found:
    """No comma-separated lists in text columns"""
    for table, col in _columns(schema):
        textual = bool(_TEXTUAL.match(col.type))
        listy = re.search(r"(_ids|_list|^tags|_tags)$", col.name) or re.search(
            r"comma[- ]separated|separated by commas|csv", col.description, re.I)
        if textual and listy:
            yield f"{table.name}.{col.name}", (f"{table.name}.{col.name} ({col.type}) holds a list; use a join "
                                               "table with a foreign key (or an array type) instead")


@rule("data-entity-attribute-value", "warning", "data",
      "sqlcheck Entity-Attribute-Value: generic attribute/value rows lose types and constraints; model real columns or jsonb.")
def entity_attribute_value(schema: DatabaseSchema) -> Found:
    """No entity-attribute-value tables"""
    for table in schema.tables:
        names = {c.name for c in table.columns}
        has_attr = names & {"attribute", "attribute_name", "attr", "attr_name", "property", "property_name", "key", "field_name"}
        has_value = names & {"value", "attribute_value", "attr_value", "property_value", "val", "field_value"}
        # Entity-attribute-value needs the entity: a key/value table keyed by its key alone (Rails'
        # ar_internal_metadata, a settings table) holds one value per key, which is a plain map.
        keyed_by_attr = set(table.primary_key()) <= has_attr and bool(table.primary_key())
        entity = any((c.references is not None or c.name.endswith("_id")) and c.name not in has_attr
                     for c in table.columns)
        if has_attr and has_value and entity and not keyed_by_attr:
            yield table.name, (f"table {table.name} stores {sorted(has_attr)[0]}/{sorted(has_value)[0]} pairs "
                               "(entity-attribute-value); use typed columns, or one jsonb column if truly open-ended")


@rule("data-money-not-float", "error", "data",
      "sqlcheck Imprecise Data Type; PostgreSQL wiki Don't Do This: money in float loses cents; use numeric or integer cents.")
def money_not_float(schema: DatabaseSchema) -> Found:
    """Money is not stored as a floating-point number"""
    for table, col in _columns(schema):
        if col.type in _FLOAT and _MONEY.search(col.name) and not _RATIO.search(col.name):
            yield f"{table.name}.{col.name}", (f"{table.name}.{col.name} is money stored as {col.type}; use "
                                               "numeric(12,2) or integer minor units")


@rule("data-timestamp-with-time-zone", "warning", "data",
      "squawk prefer-timestamptz; PostgreSQL wiki Don't use timestamp (without time zone).")
def timestamp_with_time_zone(schema: DatabaseSchema) -> Found:
    """Timestamps carry a time zone"""
    for table, col in _columns(schema):
        if re.fullmatch(r"timestamp(\(\d\))?( without time zone)?", col.type):
            yield f"{table.name}.{col.name}", f"{table.name}.{col.name} is {col.type}; use timestamptz"


@rule("data-enum-constrained", "warning", "data",
      "sqlcheck Enumerated Types / Zalando #112: a status-like text column needs an enum type or a CHECK constraint.")
def enum_constrained(schema: DatabaseSchema) -> Found:
    """Status-like columns are constrained to their values"""
    for table, col in _columns(schema):
        constrained = col.references is not None or "check" in col.description.lower()
        if _ENUMISH.search(col.name) and _TEXTUAL.match(col.type) and not constrained:
            yield f"{table.name}.{col.name}", (f"{table.name}.{col.name} is free {col.type}; use an enum type "
                                               "or a CHECK (... IN (...)) constraint")


@rule("data-index-justified", "warning", "data",
      "splinter 0005_unused_index / sqlcheck Index Overuse: each index serves a declared access pattern or a constraint.")
def index_justified(schema: DatabaseSchema) -> Found:
    """Every index serves an access pattern or a constraint"""
    if not schema.access_patterns:
        return  # a schema without declared access patterns (a user's DDL) gives nothing to justify against
    used = {p.index for p in schema.access_patterns}
    for table in schema.tables:
        fk_columns = {c.name for c in table.columns if c.references}
        for index in table.indexes:
            if index.unique or index.name in used or index.column_names()[0] in fk_columns:
                continue
            yield f"{table.name}.{index.name}", (f"index {index.name} on {table.name} serves no declared access "
                                                 "pattern, unique constraint or foreign key; declare the query it "
                                                 "serves or drop it")
