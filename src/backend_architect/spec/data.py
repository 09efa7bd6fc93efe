"""The database schema: the contract `emit_database_schema` fills in (PostgreSQL)."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import Field, model_validator

from ._base import StrictModel, no_duplicates as _no_duplicates, pg_object_name
from .as_meant import index_by_column, schema_as_meant

__all__ = [
    "AccessPattern",
    "Column",
    "DataScaling",
    "DatabaseSchema",
    "Denormalization",
    "EnumType",
    "Exclusion",
    "ForeignKey",
    "Index",
    "MigrationPlan",
    "MigrationStep",
    "NoSqlAccess",
    "NoSqlItem",
    "NoSqlModel",
    "Normalization",
    "Partitioning",
    "Relationship",
    "RiskyChange",
    "Sharding",
    "Table",
]

IDENT = r"^[a-z_][a-z0-9_]{0,62}$"
# A PostgreSQL type name as people write it: `text`, `numeric(12,2)`, `timestamp with time zone`,
# `varchar(255)`, `uuid[]`. Anything else (a semicolon, a comment) is refused before it reaches SQL.
_TYPE = re.compile(r"^[a-z][a-z0-9_]*(?: [a-z][a-z0-9_]*){0,3}(?:\(\d+(?:, ?\d+)?\))?(?:\[\])?$")


class ForeignKey(StrictModel):
    table: str = Field(pattern=IDENT)
    column: str = Field(default="id", pattern=IDENT)
    on_delete: Literal["cascade", "restrict", "set null", "no action"] = "restrict"


class Column(StrictModel):
    name: str = Field(pattern=IDENT)
    type: str = Field(description="PostgreSQL type, e.g. uuid, text, integer, numeric(12,2), timestamptz, or an enum")
    primary_key: bool = False
    unique: bool = False
    not_null: bool = False
    default: str | None = Field(default=None, description="SQL expression, e.g. now(), gen_random_uuid(), 0")
    references: ForeignKey | None = None
    check: str | None = Field(default=None, description="a CHECK constraint on this column, one SQL boolean "
                              "expression, e.g. quantity > 0 or amount >= 0")
    description: str = ""

    @model_validator(mode="before")
    @classmethod
    def _plain_values(cls, data: Any) -> Any:
        """What small models write for "nothing" and for literals: `references: {}` (or all nulls) is no
        reference, and a default of 0, 1.5 or true is that SQL literal."""
        if not isinstance(data, dict):
            return data
        ref = data.get("references")
        if isinstance(ref, dict) and not any(ref.values()):  # {} or nulls only: no reference meant
            data = {**data, "references": None}
        default = data.get("default")
        if isinstance(default, str) and not default.strip():
            data = {**data, "default": None}  # "" is no SQL expression: no default
        elif isinstance(default, bool):
            data = {**data, "default": "true" if default else "false"}
        elif isinstance(default, (int, float)):
            data = {**data, "default": repr(default)}
        return data

    @model_validator(mode="after")
    def _type(self) -> Column:
        self.type = " ".join(self.type.lower().split())
        if not _TYPE.match(self.type):
            raise ValueError(f"column {self.name!r}: {self.type!r} is not a PostgreSQL type name")
        for what, text in (("default", self.default), ("check", self.check)):
            if text is not None and (";" in text or "--" in text or "/*" in text):
                raise ValueError(f"column {self.name!r}: the {what} must be one SQL expression")
        return self


class Index(StrictModel):
    name: str = Field(pattern=IDENT)
    columns: list[str] = Field(min_length=1, description="column names, in index order; append ' desc' to sort")
    unique: bool = False
    method: Literal["btree", "hash", "gin", "gist", "brin"] = "btree"
    where: str | None = Field(default=None, description="predicate of a partial index")
    reason: str = Field(min_length=1, description="the access pattern or constraint this index serves")

    def column_names(self) -> list[str]:
        return [c.split()[0] for c in self.columns]


class Exclusion(StrictModel):
    """An EXCLUDE constraint: no two rows whose elements all match, e.g. two bookings of one item whose time
    ranges overlap (elements `equipment_id WITH =` and `tstzrange(starts_at, ends_at) WITH &&`)."""

    name: str = Field(pattern=IDENT)
    elements: list[str] = Field(min_length=1, description="'<column or expression> WITH <operator>', e.g. "
                                "'room_id WITH =', 'tstzrange(starts_at, ends_at) WITH &&'")
    where: str | None = Field(default=None, description="predicate, e.g. status <> 'cancelled'")
    reason: str = Field(min_length=1)

    @model_validator(mode="after")
    def _check(self) -> Exclusion:
        for text in [*self.elements, self.where or ""]:
            if ";" in text or "--" in text or "/*" in text:
                raise ValueError(f"exclusion {self.name!r}: elements and where must be SQL expressions")
        for element in self.elements:
            if not re.fullmatch(r".+\s+WITH\s+\S+", element.strip(), re.I | re.S):
                raise ValueError(f"exclusion {self.name!r}: {element!r} must read '<expression> WITH <operator>'")
        return self


class Table(StrictModel):
    name: str = Field(pattern=IDENT)
    description: str = ""
    columns: list[Column] = Field(min_length=1)
    indexes: list[Index] = Field(default_factory=list)
    exclusions: list[Exclusion] = Field(default_factory=list, description="EXCLUDE constraints, e.g. bookings of "
                                        "one item must not overlap in time")

    @model_validator(mode="after")
    def _check(self) -> Table:
        names = [c.name for c in self.columns]
        _no_duplicates(names, f"column in {self.name}")
        for index in self.indexes:
            for col in index.columns:
                parts = col.split()
                if parts[0] not in names or len(parts) > 2 or (len(parts) == 2 and parts[1] not in ("asc", "desc")):
                    raise ValueError(f"index {index.name!r} of {self.name}: {col!r} is not a column of the table")
            if index.where and (";" in index.where or "--" in index.where):
                raise ValueError(f"index {index.name!r}: 'where' must be one SQL predicate")
        if sum(c.primary_key for c in self.columns) == 0:
            raise ValueError(f"table {self.name!r} has no primary key column")
        return self

    def primary_key(self) -> list[str]:
        return [c.name for c in self.columns if c.primary_key]

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)

    def implicit_index_names(self) -> set[str]:
        """The indexes PostgreSQL creates for the primary key and unique columns, named as it names them."""
        return {pg_object_name(self.name, None, "pkey")} | {pg_object_name(self.name, c.name, "key")
                                                           for c in self.columns if c.unique and not c.primary_key}

    def index_names(self) -> set[str]:
        """Explicit indexes plus the implicit ones."""
        return {i.name for i in self.indexes} | self.implicit_index_names()


class EnumType(StrictModel):
    name: str = Field(pattern=IDENT)
    values: list[str] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> EnumType:
        _no_duplicates(self.values, f"value of enum {self.name}")
        for value in self.values:
            if "'" in value or not value.strip():
                raise ValueError(f"enum {self.name}: value {value!r} must be non-empty and contain no quote")
        return self


class Relationship(StrictModel):
    from_table: str = Field(pattern=IDENT, description="the referencing (child) table")
    to_table: str = Field(pattern=IDENT, description="the referenced (parent) table")
    kind: Literal["one_to_one", "one_to_many", "many_to_many"]
    via: str = Field(description="the foreign-key column, or the join table of a many-to-many")
    description: str = ""


class AccessPattern(StrictModel):
    """A query the application runs, and the index that serves it: what `verify` proves with EXPLAIN."""

    name: str = Field(pattern=IDENT, description="snake_case, e.g. orders_by_customer_newest")
    description: str = Field(min_length=1)
    table: str = Field(pattern=IDENT, description="the table the query reads first")
    query: str = Field(min_length=1, description="one SQL statement with $1, $2 … parameters")
    index: str = Field(pattern=IDENT, description="the index serving it: a name from the table's indexes, "
                       "<table>_pkey for the primary key, or <table>_<column>_key for a unique column")
    frequency: Literal["hot", "warm", "cold"] = "warm"

    @model_validator(mode="after")
    def _one_statement(self) -> AccessPattern:
        self.query = self.query.strip().rstrip(";").strip()
        if ";" in self.query or "--" in self.query:
            raise ValueError(f"access pattern {self.name!r}: the query must be one statement without comments")
        return self


class Denormalization(StrictModel):
    table: str = Field(pattern=IDENT)
    column: str = Field(pattern=IDENT)
    source: str = Field(min_length=1, description="where the value really lives, e.g. sum of order_items")
    reason: str = Field(min_length=1)
    kept_in_sync_by: str = Field(min_length=1, description="e.g. same transaction, trigger, event handler")


class Normalization(StrictModel):
    target: Literal["1NF", "2NF", "3NF", "BCNF"] = "3NF"
    rationale: str = Field(min_length=1)
    denormalizations: list[Denormalization] = Field(default_factory=list)


class NoSqlItem(StrictModel):
    entity: str = Field(min_length=1)
    partition_key: str = Field(min_length=1, description="key pattern, e.g. URL#{code}")
    sort_key: str | None = Field(default=None, description="e.g. CLICK#{timestamp}")
    attributes: list[str] = Field(min_length=1)


class NoSqlAccess(StrictModel):
    name: str = Field(pattern=IDENT)
    key_condition: str = Field(min_length=1, description="e.g. GET URL#{code}, or PK = USER#{id} AND SK > …")
    description: str = Field(min_length=1)


class NoSqlModel(StrictModel):
    name: str = Field(pattern=IDENT)
    engine: Literal["dynamodb", "mongodb", "redis", "cassandra"]
    kind: Literal["key_value", "document", "wide_column"]
    reasoning: str = Field(min_length=1, description="why this access pattern is better served outside PostgreSQL")
    source_of_truth: str = Field(min_length=1, description="e.g. 'a read model of table links, written on create'")
    items: list[NoSqlItem] = Field(min_length=1)
    access_patterns: list[NoSqlAccess] = Field(min_length=1)
    ttl_attribute: str | None = None


class MigrationStep(StrictModel):
    phase: Literal["expand", "migrate", "contract"]
    description: str = Field(min_length=1)


class RiskyChange(StrictModel):
    name: str = Field(min_length=1, description="e.g. rename customers.full_name to display_name")
    steps: list[MigrationStep] = Field(min_length=2)

    @model_validator(mode="after")
    def _ordered(self) -> RiskyChange:
        order = {"expand": 0, "migrate": 1, "contract": 2}
        phases = [order[step.phase] for step in self.steps]
        if phases != sorted(phases):
            raise ValueError(f"risky change {self.name!r}: steps must go expand → migrate → contract")
        return self


class MigrationPlan(StrictModel):
    tool: Literal["alembic"] = "alembic"
    strategy: str = Field(min_length=1, description="how changes ship without downtime (expand/contract)")
    rules: list[str] = Field(default_factory=list, description="e.g. CREATE INDEX CONCURRENTLY, lock_timeout")
    risky_changes: list[RiskyChange] = Field(default_factory=list)


class Partitioning(StrictModel):
    table: str = Field(pattern=IDENT)
    column: str = Field(pattern=IDENT)
    strategy: Literal["range", "hash", "list"]
    scheme: str = Field(min_length=1, description="e.g. monthly partitions, 16 hash partitions")
    reason: str = Field(min_length=1)


class Sharding(StrictModel):
    shard_key: str = Field(pattern=IDENT, description="a column every sharded table carries")
    strategy: Literal["hash", "range", "directory", "geo"]
    shards: int = Field(ge=2)
    tables: list[str] = Field(min_length=1)
    reason: str = Field(min_length=1, description="the numbers that make one primary insufficient")
    rebalancing: str = Field(min_length=1)


class DataScaling(StrictModel):
    read_replicas: int = Field(default=0, ge=0, le=15)
    replication: Literal["none", "async_streaming", "sync_streaming", "multi_region"] = "none"
    failover: str = ""
    partitioning: list[Partitioning] = Field(default_factory=list)
    sharding: Sharding | None = None
    rationale: str = Field(min_length=1, description="the load that needs (or does not need) these")

    @model_validator(mode="after")
    def _consistent(self) -> DataScaling:
        if self.read_replicas and self.replication == "none":
            raise ValueError("read_replicas need a replication mode (e.g. async_streaming)")
        return self


class DatabaseSchema(StrictModel):
    engine: Literal["postgresql"] = "postgresql"
    enums: list[EnumType] = Field(default_factory=list)
    tables: list[Table] = Field(min_length=1)
    relationships: list[Relationship] = Field(default_factory=list)
    normalization: Normalization | None = None
    access_patterns: list[AccessPattern] = Field(default_factory=list)
    nosql_models: list[NoSqlModel] = Field(default_factory=list)
    migrations: MigrationPlan | None = None
    scaling: DataScaling | None = None

    @model_validator(mode="before")
    @classmethod
    def _as_meant(cls, data: Any) -> Any:
        return schema_as_meant(data)

    @model_validator(mode="after")
    def _references(self) -> DatabaseSchema:
        tables = {t.name: t for t in self.tables}
        _no_duplicates([t.name for t in self.tables], "table")
        _no_duplicates([e.name for e in self.enums], "enum")
        _no_duplicates([i.name for t in self.tables for i in t.indexes], "index name")
        overlap = set(tables) & {e.name for e in self.enums}
        if overlap:
            raise ValueError(f"{sorted(overlap)[0]!r} is both a table and an enum")
        self._check_relation_names(tables)
        for table in self.tables:
            for col in table.columns:
                fk = col.references
                if fk is None:
                    continue
                target = tables.get(fk.table)
                if target is None:
                    raise ValueError(f"{table.name}.{col.name} references unknown table {fk.table!r}")
                target_col = target.column(fk.column)
                if target_col is None:
                    raise ValueError(f"{table.name}.{col.name} references unknown column {fk.table}.{fk.column}")
                if not (target_col.primary_key or target_col.unique) and target.primary_key() != [fk.column]:
                    raise ValueError(
                        f"{table.name}.{col.name} references {fk.table}.{fk.column}, which is neither "
                        "the primary key nor unique"
                    )
                if fk.on_delete == "set null" and col.not_null:
                    raise ValueError(f"{table.name}.{col.name} is NOT NULL but its foreign key says ON DELETE SET NULL")
        for rel in self.relationships:
            for name in (rel.from_table, rel.to_table):
                if name not in tables:
                    raise ValueError(f"relationship {rel.from_table} -> {rel.to_table}: unknown table {name!r}")
        self._check_capabilities(tables)
        return self

    def _check_relation_names(self, tables: dict[str, Table]) -> None:
        """Tables and indexes share one namespace in PostgreSQL: a clash fails at CREATE time."""
        owner: dict[str, str] = {name: f"table {name}" for name in tables}
        for table in self.tables:
            for name in sorted(table.implicit_index_names()):
                if name in owner:
                    raise ValueError(f"PostgreSQL would name an index of {table.name} {name!r}, which is already "
                                     f"{owner[name]}; rename the table or the column")
                owner[name] = f"the primary-key or unique index of {table.name}"
        for table in self.tables:
            for index in [*table.indexes, *table.exclusions]:  # an EXCLUDE constraint is backed by an index
                if index.name in owner:
                    raise ValueError(f"index {index.name!r} of {table.name} has the name of {owner[index.name]}; "
                                     "give it another name")
                owner[index.name] = f"an index of {table.name}"

    def _check_capabilities(self, tables: dict[str, Table]) -> None:
        _no_duplicates([p.name for p in self.access_patterns], "access pattern")
        _no_duplicates([m.name for m in self.nosql_models], "NoSQL model")
        for pattern in self.access_patterns:
            table = tables.get(pattern.table)
            if table is None:
                raise ValueError(f"access pattern {pattern.name!r}: unknown table {pattern.table!r}")
            if pattern.index not in table.index_names():
                pattern.index = index_by_column(table, pattern) or pattern.index
            if pattern.index not in table.index_names():
                raise ValueError(f"access pattern {pattern.name!r}: {pattern.table} has no index {pattern.index!r} "
                                 f"(its indexes: {', '.join(sorted(table.index_names()))})")
        columns = [(d.table, d.column, "denormalization") for d in (self.normalization.denormalizations
                                                                   if self.normalization else [])]
        scaling = self.scaling
        if scaling:
            columns += [(p.table, p.column, "partitioning") for p in scaling.partitioning]
            if scaling.sharding:
                columns += [(t, scaling.sharding.shard_key, "sharding") for t in scaling.sharding.tables]
        for table_name, column, what in columns:
            table = tables.get(table_name)
            if table is None or table.column(column) is None:
                raise ValueError(f"{what}: {table_name}.{column} is not a column of the schema")

    def table(self, name: str) -> Table | None:
        return next((t for t in self.tables if t.name == name), None)

    def table_names(self) -> set[str]:
        return {t.name for t in self.tables}
