"""A user's PostgreSQL file as a `DatabaseSchema`, read through PostgreSQL's own parser (pglast).

The models are built with `model_construct`, not validated: a schema people bring may break the
invariants our emit tools enforce (a table without a primary key), and reporting exactly that is
the review's job. Only what the rules read is kept: tables, columns, keys, indexes, enums.

Files as people keep them: psql meta-commands (`\\c`, `\\set`, `\\ir`) and the data of
`COPY ... FROM stdin` are blanked out (same length, so every offset stays right) before parsing;
a statement PostgreSQL cannot parse is reported with its line and the others are still read.
Names are schema-qualified unless in the search path's first schema (`public` by default); a
migration that alters or indexes tables it does not create is reviewed for what it holds (those
tables are marked `ELSEWHERE`). Partitions are marked `PARTITION_OF`: their parent's key covers
them. `INCLUDE` columns of a covering index are kept as `"column include"`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .locate import Place, line_starts, place_of

if TYPE_CHECKING:  # at run time imported where used: `review` of an OpenAPI file never builds these models
    from ..spec.data import DatabaseSchema, EnumType

__all__ = ["ELSEWHERE", "PARTITION_OF", "DdlError", "DdlResult", "parse_ddl", "read_ddl"]

PARTITION_OF = "partition of "  # a Table.description prefix: the table is a partition of the named one
ELSEWHERE = "created elsewhere"  # a Table.description: the file alters or indexes a table it does not create

# libpg_query's internal type names, back to what people write.
_TYPE_NAMES = {"int2": "smallint", "int4": "integer", "int8": "bigint", "float4": "real", "float8": "double precision",
               "bool": "boolean", "bpchar": "char", "varchar": "varchar", "timestamptz": "timestamptz",
               "timestamp": "timestamp", "timetz": "timetz", "numeric": "numeric"}
_ON_DELETE = {"c": "cascade", "r": "restrict", "n": "set null", "a": "no action", "d": "no action"}
_SENDS_QUERY = {"\\g", "\\gx", "\\gset", "\\gexec", "\\gdesc", "\\crosstabview", "\\watch"}
_COPY_FROM_STDIN = re.compile(r"^\s*COPY\b[^;]*\bFROM\s+stdin\b", re.I)


class DdlError(Exception):
    def __init__(self, message: str, place: Place | None = None) -> None:
        super().__init__(message)
        self.place = place


@dataclass
class DdlResult:
    schema: DatabaseSchema
    places: dict[str, Place]  # table, table.column, table.index -> (line, column)
    notes: list[tuple[str, str, Place, str]] = field(default_factory=list)  # (rule id, severity, place, message)


def _type_name(type_name: Any) -> str:
    names = [n.sval for n in type_name.names]
    base = _TYPE_NAMES.get(names[-1], names[-1]) if names[0] == "pg_catalog" or len(names) == 1 else ".".join(names)
    mods = [m.val.ival for m in type_name.typmods or () if hasattr(getattr(m, "val", None), "ival")]
    if mods and base not in ("timestamp", "timestamptz"):
        base += "(" + ",".join(map(str, mods)) + ")"
    return base + ("[]" * len(type_name.arrayBounds or ()))


def mask_psql(text: str) -> tuple[str, list[tuple[int, str]]]:
    """The text with psql meta-command lines and COPY data blanked out, and the meta-commands by line."""
    out: list[str] = []
    commands: list[tuple[int, str]] = []
    in_copy = False
    for number, line in enumerate(text.splitlines(keepends=True), start=1):
        stripped = line.lstrip()
        if in_copy:
            if stripped.rstrip("\r\n") == "\\.":
                in_copy = False
            out.append(_blank(line))
        elif stripped.startswith("\\"):
            command = stripped.split(None, 1)[0]
            commands.append((number, command))
            blank = _blank(line)
            # \g, \gset, \gexec... end the query before them as a semicolon would
            out.append(";" + blank[1:] if command in _SENDS_QUERY and blank[:1] == " " else blank)
        else:
            in_copy = bool(_COPY_FROM_STDIN.match(line)) and line.rstrip().endswith(";")
            out.append(line)
    return "".join(out), commands


def _blank(line: str) -> str:
    body = line.rstrip("\r\n")
    return " " * len(body) + line[len(body):]


class _Builder:
    def __init__(self, starts: list[int]) -> None:
        self.starts = starts
        self.tables: dict[str, dict[str, Any]] = {}
        self.enums: list[EnumType] = []
        self.places: dict[str, Place] = {}
        self.default_schema = "public"

    def place(self, offset: int) -> Place:
        return place_of(self.starts, offset)

    def name(self, relation: Any) -> str:
        schema = relation.schemaname or self.default_schema
        return relation.relname if schema == "public" else f"{schema}.{relation.relname}"

    def table(self, relation: Any, at: Place, *, create: bool = True) -> dict[str, Any] | None:
        name = self.name(relation)
        if name not in self.tables and create:
            self.tables[name] = {"name": name, "columns": {}, "indexes": [], "description": ELSEWHERE, "exclusions": []}
            self.places[name] = at
        return self.tables.get(name)

    def add_column(self, table: dict[str, Any], elt: Any, at: Place) -> None:
        name = table["name"]
        table["columns"][elt.colname] = {"name": elt.colname, "type": _type_name(elt.typeName),
                                         "primary_key": False, "unique": False, "not_null": False,
                                         "default": None, "references": None, "description": ""}
        where = getattr(elt, "location", None)
        self.places[f"{name}.{elt.colname}"] = self.place(where) if where and where > 0 else at
        for con in elt.constraints or ():
            self.constraint(table, con, elt.colname)

    def constraint(self, table: dict[str, Any], con: Any, column: str | None) -> None:
        from ..spec.data import Exclusion, ForeignKey, Index

        from pglast.enums import ConstrType

        keys = [k.sval for k in con.keys or ()] or ([column] if column else [])
        cols = table["columns"]
        if con.contype == ConstrType.CONSTR_PRIMARY:
            table["has_key"] = True
            for key in keys:
                if key in cols:
                    cols[key]["primary_key"] = True
        elif con.contype == ConstrType.CONSTR_UNIQUE and len(keys) == 1 and keys[0] in cols:
            cols[keys[0]]["unique"] = True
        elif con.contype == ConstrType.CONSTR_UNIQUE and keys:
            include = [f"{k.sval} include" for k in getattr(con, "including", None) or ()]
            table["indexes"].append(Index.model_construct(name=con.conname or f"{table['name']}_{'_'.join(keys)}_key",
                                                          columns=keys + include, unique=True, method="btree",
                                                          where=None, reason="unique constraint"))
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
                    table=self.name(con.pktable), column=pk_cols[0],
                    on_delete=_ON_DELETE.get(con.fk_del_action, "no action"))

    def create_table(self, stmt: Any, at: Place) -> None:
        from pglast import ast

        name = self.name(stmt.relation)
        table: dict[str, Any] = {"name": name, "columns": {}, "indexes": [], "description": "", "exclusions": []}
        if stmt.partbound is not None and stmt.inhRelations:
            table["description"] = PARTITION_OF + self.name(stmt.inhRelations[0])
        self.tables[name] = table
        self.places[name] = at
        for elt in stmt.tableElts or ():
            if isinstance(elt, ast.ColumnDef):
                self.add_column(table, elt, at)
        for elt in stmt.tableElts or ():
            if isinstance(elt, ast.Constraint):
                self.constraint(table, elt, None)

    def index(self, stmt: Any, at: Place) -> None:
        from ..spec.data import Index

        from pglast.enums import SortByDir
        from pglast.stream import RawStream

        table = self.table(stmt.relation, at)
        assert table is not None
        columns = []
        for elem in stmt.indexParams or ():
            col = elem.name or RawStream()(elem.expr)
            columns.append(col + (" desc" if elem.ordering == SortByDir.SORTBY_DESC else ""))
        columns += [f"{elem.name} include" for elem in stmt.indexIncludingParams or () if elem.name]
        name = stmt.idxname or f"{table['name']}_{'_'.join(c.split()[0] for c in columns)}_idx"
        where = RawStream()(stmt.whereClause) if stmt.whereClause else None
        table["indexes"].append(Index.model_construct(name=name, columns=columns, unique=bool(stmt.unique),
                                                      method=stmt.accessMethod or "btree", where=where,
                                                      reason="declared in the DDL"))
        self.places[f"{table['name']}.{name}"] = at

    def alter_table(self, stmt: Any, at: Place) -> None:
        from pglast import ast
        from pglast.enums import AlterTableType, ObjectType

        if stmt.relation is None or stmt.objtype != ObjectType.OBJECT_TABLE:
            return  # ALTER TABLE also changes views' and sequences' owners in pg_dump output
        for cmd in stmt.cmds or ():
            # The table is looked up (or noted as created elsewhere) only when the command adds something to it.
            if cmd.subtype == AlterTableType.AT_AttachPartition and isinstance(cmd.def_, ast.PartitionCmd):
                parent = self.table(stmt.relation, at)
                child = self.table(cmd.def_.name, at)
                if parent is not None and child is not None and not child["description"].startswith(PARTITION_OF):
                    child["description"] = PARTITION_OF + parent["name"]
            elif isinstance(cmd.def_, ast.Constraint):
                self.constraint(self.table(stmt.relation, at), cmd.def_, None)  # type: ignore[arg-type]
            elif isinstance(cmd.def_, ast.ColumnDef) and cmd.subtype == AlterTableType.AT_AddColumn:
                self.add_column(self.table(stmt.relation, at), cmd.def_, at)  # type: ignore[arg-type]

    def search_path(self, stmt: Any) -> None:
        if stmt.name == "search_path" and stmt.args:
            first = getattr(getattr(stmt.args[0], "val", None), "sval", None)
            if first and first != "$user":
                self.default_schema = first

    def build(self) -> DatabaseSchema:
        from ..spec.data import Column, DatabaseSchema, Table

        tables = []
        for t in self.tables.values():
            parent = self.tables.get(t["description"][len(PARTITION_OF):]) if t["description"].startswith(
                PARTITION_OF) else None
            if parent is not None:  # the parent's primary key is every partition's: PostgreSQL enforces it
                for column in t["columns"].values():
                    column["primary_key"] = column["primary_key"] or bool(parent["columns"].get(column["name"], {})
                                                                          .get("primary_key"))
            columns = [Column.model_construct(**c) for c in t["columns"].values()]
            tables.append(Table.model_construct(name=t["name"], description=t["description"], columns=columns,
                                                indexes=t["indexes"], exclusions=t["exclusions"]))
        return DatabaseSchema.model_construct(engine="postgresql", enums=self.enums, tables=tables, relationships=[])


_PSQL_VARIABLE = re.compile(r"""(?<![:\w\]\)'"]):(?:'(\w+)'|"(\w+)"|([A-Za-z_]\w*))""")


def _as_literal(match: re.Match[str]) -> str:
    """A psql variable as a literal of the same length, so that offsets stay right."""
    if match.group(1):
        return "'" + match.group(1) + "' "
    if match.group(2):
        return '"' + match.group(2) + '" '
    return " " + match.group(3)


def _version() -> str:
    from pglast.parser import get_postgresql_version

    return ".".join(map(str, get_postgresql_version()[:1]))


_DATA_STATEMENT = re.compile(r"\s*(?:--[^\n]*\n\s*)*(insert|update|delete|select|values|copy|merge)\b", re.I)


def _schema_statements_only(text: str) -> str:
    """The text with data statements blanked out (offsets kept): building Python trees for a dump's
    INSERTs is most of the time a review of it took (0.7 s of 0.8 on Chinook's), and no rule reads them."""
    import pglast

    out, end = [], 0
    for piece in pglast.split(text, with_parser=False, only_slices=True):
        if _DATA_STATEMENT.match(text, piece.start):
            out.append(text[end:piece.start])
            out.append(re.sub(r"[^\n]", " ", text[piece]))
            end = piece.stop
    out.append(text[end:])
    return "".join(out)


def _statements(text: str, starts: list[int], notes: list[tuple[str, str, Place, str]]) -> list[Any]:
    """Every statement pglast can parse; each one it cannot is blanked out (offsets kept) and noted with its line."""
    import pglast
    import pglast.parser
    from pglast.parser import ParseError

    try:
        pglast.parser.parse_sql_json(text)  # the whole text checked in C, no Python objects made
        return list(pglast.parse_sql(_schema_statements_only(text)))
    except ParseError:
        pass
    try:
        pieces = list(pglast.split(text, with_parser=False, only_slices=True))
    except Exception:  # noqa: BLE001 - not even the scanner reads it (an unterminated quote)
        pieces = []
    pieces = pieces or [slice(0, len(text))]  # the scanner gives up on some broken statements without a word
    out, end = [], 0
    for piece in pieces:
        out.append(text[end:piece.start])
        end = piece.stop
        statement = text[piece]
        try:
            pglast.parse_sql(statement)
        except ParseError as exc:
            # psql substitutes its variables (:name, :'name', :"name") before the server sees the statement
            substituted = _PSQL_VARIABLE.sub(_as_literal, statement)
            try:
                pglast.parse_sql(substituted)
                statement = substituted
            except ParseError:
                message, where = (exc.args + (0,))[:2] if exc.args else ("syntax error", 0)
                at = place_of(starts, piece.start + max(int(where or 0), 0))
                notes.append(("input-statement-unparsable", "warning", at,
                              f"statement at line {at[0]} skipped: PostgreSQL {_version()}'s parser reads {message} "
                              "(syntax of a later PostgreSQL, or not SQL)"))
                statement = re.sub(r"[^\n]", " ", statement)
        out.append(statement)
    out.append(text[end:])
    try:  # parsed again as one text, so that every offset in every node is an offset in the file
        return list(pglast.parse_sql("".join(out)))
    except ParseError:
        return []


def read_ddl(text: str) -> DdlResult:
    """The schema a PostgreSQL file creates or alters, the place of each table, column and index, and notes
    (skipped psql meta-commands, unparsable statements)."""
    from ..spec.data import EnumType

    from pglast import ast

    masked, commands = mask_psql(text)
    starts = line_starts(text)
    notes: list[tuple[str, str, Place, str]] = []
    if commands:
        shown = ", ".join(f"{cmd} (line {line})" for line, cmd in commands[:5])
        more = f" and {len(commands) - 5} more" if len(commands) > 5 else ""
        notes.append(("input-psql-meta-command", "info", (commands[0][0], 1),
                      f"{len(commands)} psql meta-command(s) skipped: {shown}{more}; review reads SQL only"))
    statements = _statements(masked, starts, notes)
    if not statements and any(n[0] == "input-statement-unparsable" for n in notes):
        first = next(n for n in notes if n[0] == "input-statement-unparsable")
        raise DdlError(first[3].replace(" skipped:", ":", 1), first[2])
    builder = _Builder(starts)
    for raw in statements:
        stmt, at = raw.stmt, place_of(starts, raw.stmt_location or 0)
        if isinstance(stmt, ast.CreateStmt):
            builder.create_table(stmt, at)
        elif isinstance(stmt, ast.IndexStmt):
            builder.index(stmt, at)
        elif isinstance(stmt, ast.CreateEnumStmt):
            builder.enums.append(EnumType.model_construct(name=stmt.typeName[-1].sval,
                                                          values=[v.sval for v in stmt.vals or ()]))
        elif isinstance(stmt, ast.AlterTableStmt):
            builder.alter_table(stmt, at)
        elif isinstance(stmt, ast.VariableSetStmt):
            builder.search_path(stmt)
    return DdlResult(builder.build(), builder.places, notes)


def parse_ddl(text: str) -> tuple[DatabaseSchema, dict[str, int]]:
    """The schema the DDL creates, and the line of each table, column and index (for reports)."""
    result = read_ddl(text)
    return result.schema, {name: place[0] for name, place in result.places.items()}
