"""A user's PostgreSQL DDL as a `DatabaseSchema`, read through PostgreSQL's own parser (pglast).

The models are built with `model_construct`, not validated: a schema people bring may break the
invariants our emit tools enforce (a table without a primary key), and reporting exactly that is
the review's job. Only what the rules read is kept: tables, columns, keys, indexes, enums.
"""

from __future__ import annotations

from typing import Any

from ..spec.data import Column, DatabaseSchema, EnumType, Exclusion, ForeignKey, Index, Table

__all__ = ["DdlError", "parse_ddl"]

# libpg_query's internal type names, back to what people write.
_TYPE_NAMES = {"int2": "smallint", "int4": "integer", "int8": "bigint", "float4": "real", "float8": "double precision",
               "bool": "boolean", "bpchar": "char", "varchar": "varchar", "timestamptz": "timestamptz",
               "timestamp": "timestamp", "timetz": "timetz", "numeric": "numeric"}
_ON_DELETE = {"c": "cascade", "r": "restrict", "n": "set null", "a": "no action", "d": "no action"}


class DdlError(Exception):
    pass


def _type_name(type_name: Any) -> str:
    names = [n.sval for n in type_name.names]
    base = _TYPE_NAMES.get(names[-1], names[-1]) if names[0] == "pg_catalog" or len(names) == 1 else ".".join(names)
    mods = [m.val.ival for m in type_name.typmods or () if hasattr(getattr(m, "val", None), "ival")]
    if mods and base not in ("timestamp", "timestamptz"):
        base += "(" + ",".join(map(str, mods)) + ")"
    return base + ("[]" * len(type_name.arrayBounds or ()))


def _line(source: bytes, offset: int) -> int:
    return source.count(b"\n", 0, offset) + 1


class _Builder:
    def __init__(self, source: bytes) -> None:
        self.source = source
        self.tables: dict[str, dict[str, Any]] = {}
        self.enums: list[EnumType] = []
        self.lines: dict[str, int] = {}

    def table(self, name: str) -> dict[str, Any] | None:
        return self.tables.get(name)

    def constraint(self, table: dict[str, Any], con: Any, column: str | None) -> None:
        from pglast.enums import ConstrType

        keys = [k.sval for k in con.keys or ()] or ([column] if column else [])
        cols = table["columns"]
        if con.contype == ConstrType.CONSTR_PRIMARY:
            for key in keys:
                if key in cols:
                    cols[key]["primary_key"] = True
        elif con.contype == ConstrType.CONSTR_UNIQUE and len(keys) == 1 and keys[0] in cols:
            cols[keys[0]]["unique"] = True
        elif con.contype == ConstrType.CONSTR_UNIQUE and keys:
            table["indexes"].append(Index.model_construct(name=con.conname or f"{table['name']}_{'_'.join(keys)}_key",
                                                          columns=keys, unique=True, method="btree", where=None,
                                                          reason="unique constraint"))
        elif con.contype == ConstrType.CONSTR_NOTNULL and column in cols:
            cols[column]["not_null"] = True
        elif con.contype == ConstrType.CONSTR_CHECK:
            # A CHECK naming one column constrains its values (enum-like); the rules read it from the description.
            from pglast.stream import RawStream

            text = RawStream()(con.raw_expr)
            for name in cols:
                if column == name or f"{name} " in f"{text} " or f"({name}" in text:
                    cols[name]["description"] = f"CHECK ({text})"
        elif con.contype == ConstrType.CONSTR_EXCLUSION:
            # EXCLUDE USING gist (room_id WITH =, tstzrange(starts_at, ends_at) WITH &&): what schema-no-overlap asks
            from pglast.stream import RawStream

            elements = [f"{elem.name or RawStream()(elem.expr)} WITH {ops[-1].sval}"
                        for elem, ops in con.exclusions or ()]
            table["exclusions"].append(Exclusion.model_construct(
                name=con.conname or f"{table['name']}_excl", elements=elements, reason="declared in the DDL",
                where=RawStream()(con.where_clause) if con.where_clause else None))
        elif con.contype == ConstrType.CONSTR_FOREIGN:
            fk_cols = [a.sval for a in con.fk_attrs or ()] or ([column] if column else [])
            pk_cols = [a.sval for a in con.pk_attrs or ()] or ["id"]
            if fk_cols and fk_cols[0] in cols:
                # One column carries the reference: the first, which is what an index must lead with.
                cols[fk_cols[0]]["references"] = ForeignKey.model_construct(
                    table=con.pktable.relname, column=pk_cols[0], on_delete=_ON_DELETE.get(con.fk_del_action, "no action"))

    def create_table(self, stmt: Any, line: int) -> None:
        from pglast import ast

        name = stmt.relation.relname
        table: dict[str, Any] = {"name": name, "columns": {}, "indexes": [], "exclusions": []}
        self.tables[name] = table
        self.lines[name] = line
        for elt in stmt.tableElts or ():
            if isinstance(elt, ast.ColumnDef):
                table["columns"][elt.colname] = {"name": elt.colname, "type": _type_name(elt.typeName),
                                                 "primary_key": False, "unique": False, "not_null": False,
                                                 "default": None, "references": None, "description": ""}
                where = getattr(elt, "location", None)
                self.lines[f"{name}.{elt.colname}"] = _line(self.source, where) if where and where > 0 else line
        for elt in stmt.tableElts or ():
            if isinstance(elt, ast.ColumnDef):
                for con in elt.constraints or ():
                    self.constraint(table, con, elt.colname)
            elif isinstance(elt, ast.Constraint):
                self.constraint(table, elt, None)

    def index(self, stmt: Any, line: int) -> None:
        from pglast.enums import SortByDir
        from pglast.stream import RawStream

        table = self.table(stmt.relation.relname)
        if table is None:
            return
        columns = []
        for elem in stmt.indexParams or ():
            col = elem.name or RawStream()(elem.expr)
            columns.append(col + (" desc" if elem.ordering == SortByDir.SORTBY_DESC else ""))
        name = stmt.idxname or f"{table['name']}_{'_'.join(c.split()[0] for c in columns)}_idx"
        where = RawStream()(stmt.whereClause) if stmt.whereClause else None
        table["indexes"].append(Index.model_construct(name=name, columns=columns, unique=bool(stmt.unique),
                                                      method=stmt.accessMethod or "btree", where=where,
                                                      reason="declared in the DDL"))
        self.lines[f"{table['name']}.{name}"] = line

    def build(self) -> DatabaseSchema:
        tables = []
        for t in self.tables.values():
            columns = [Column.model_construct(**c) for c in t["columns"].values()]
            tables.append(Table.model_construct(name=t["name"], description="", columns=columns, indexes=t["indexes"],
                                                exclusions=t["exclusions"]))
        return DatabaseSchema.model_construct(engine="postgresql", enums=self.enums, tables=tables, relationships=[])


def parse_ddl(text: str) -> tuple[DatabaseSchema, dict[str, int]]:
    """The schema the DDL creates, and the line of each table, column and index (for reports)."""
    import pglast
    from pglast import ast
    from pglast.parser import ParseError

    try:
        statements = pglast.parse_sql(text)
    except ParseError as exc:
        raise DdlError(f"PostgreSQL cannot parse it: {exc}") from None
    source = text.encode()
    builder = _Builder(source)
    for raw in statements:
        stmt, line = raw.stmt, _line(source, raw.stmt_location or 0)
        if isinstance(stmt, ast.CreateStmt):
            builder.create_table(stmt, line)
        elif isinstance(stmt, ast.IndexStmt):
            builder.index(stmt, line)
        elif isinstance(stmt, ast.CreateEnumStmt):
            builder.enums.append(EnumType.model_construct(name=stmt.typeName[-1].sval,
                                                          values=[v.sval for v in stmt.vals or ()]))
        elif isinstance(stmt, ast.AlterTableStmt):
            table = builder.table(stmt.relation.relname)
            for cmd in stmt.cmds or ():
                if table is not None and isinstance(cmd.def_, ast.Constraint):
                    builder.constraint(table, cmd.def_, None)
    if not builder.tables:
        raise DdlError("it creates no table")
    return builder.build(), builder.lines
