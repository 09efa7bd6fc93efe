"""The database schema: the contract `emit_database_schema` fills in (PostgreSQL)."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, model_validator

from ._base import StrictModel, no_duplicates as _no_duplicates

__all__ = ["Column", "DatabaseSchema", "EnumType", "ForeignKey", "Index", "Relationship", "Table"]

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
    description: str = ""

    @model_validator(mode="after")
    def _type(self) -> Column:
        self.type = " ".join(self.type.lower().split())
        if not _TYPE.match(self.type):
            raise ValueError(f"column {self.name!r}: {self.type!r} is not a PostgreSQL type name")
        if self.default is not None and (";" in self.default or "--" in self.default or "/*" in self.default):
            raise ValueError(f"column {self.name!r}: the default must be one SQL expression")
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


class Table(StrictModel):
    name: str = Field(pattern=IDENT)
    description: str = ""
    columns: list[Column] = Field(min_length=1)
    indexes: list[Index] = Field(default_factory=list)

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


class DatabaseSchema(StrictModel):
    engine: Literal["postgresql"] = "postgresql"
    enums: list[EnumType] = Field(default_factory=list)
    tables: list[Table] = Field(min_length=1)
    relationships: list[Relationship] = Field(default_factory=list)

    @model_validator(mode="after")
    def _references(self) -> DatabaseSchema:
        tables = {t.name: t for t in self.tables}
        _no_duplicates([t.name for t in self.tables], "table")
        _no_duplicates([e.name for e in self.enums], "enum")
        _no_duplicates([i.name for t in self.tables for i in t.indexes], "index name")
        overlap = set(tables) & {e.name for e in self.enums}
        if overlap:
            raise ValueError(f"{sorted(overlap)[0]!r} is both a table and an enum")
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
        return self

    def table(self, name: str) -> Table | None:
        return next((t for t in self.tables if t.name == name), None)

    def table_names(self) -> set[str]:
        return {t.name for t in self.tables}
