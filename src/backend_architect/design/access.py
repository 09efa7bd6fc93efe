"""Access patterns against the schema: each query parses and reads its table, each index is justified."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..spec import DatabaseSchema
from ..spec.as_meant import UNEXPLAINED

if TYPE_CHECKING:
    from ..spec.data import Index, Table

__all__ = ["check_access", "missing_columns", "query_columns", "quote_reserved", "unused_indexes", "without_indexes"]


def query_columns(query: str) -> tuple[set[str], set[str]] | None:
    """(the tables, the columns) a query names, its output names (`count(*) AS n … ORDER BY n`) left out; None when
    PostgreSQL's parser rejects it or it is not one statement."""
    import json

    from pglast import parser
    from pglast.parser import ParseError

    try:
        tree = json.loads(parser.parse_sql_json(query))
    except (ParseError, RecursionError, ValueError):
        return None
    if len(tree.get("stmts", [])) != 1:
        return None
    tables: set[str] = set()
    columns: set[str] = set()
    aliases: set[str] = set()
    stack: list[Any] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
            continue
        if not isinstance(node, dict):
            continue
        if "RangeFunction" in node or "RangeSubselect" in node:
            return None  # `plainto_tsquery(…) query`, `unnest(…) AS t(tag)`: names that are no table's columns
        if "RangeVar" in node and isinstance(node["RangeVar"], dict):
            tables.add(node["RangeVar"].get("relname", ""))
        if "ResTarget" in node and isinstance(node["ResTarget"], dict) and node["ResTarget"].get("name"):
            aliases.add(node["ResTarget"]["name"])
        fields = node.get("ColumnRef", {}).get("fields") if isinstance(node.get("ColumnRef"), dict) else None
        if fields and isinstance(fields[-1], dict) and "String" in fields[-1]:
            columns.add(fields[-1]["String"].get("sval", ""))
        stack.extend(node.values())
    return tables, columns - aliases - {""}


def missing_columns(query: str, table: Any) -> list[str]:
    """The columns a query of this one table names that the table does not have (`SELECT * FROM equipment WHERE
    employee_id = $1`, the 1.5B model's pattern in equipment-booking run 10); none when it reads other tables too
    or does not parse (the access check says that). `table` is a Table or its dict as a model wrote it."""
    read = query_columns(query)
    name = table.get("name") if isinstance(table, dict) else table.name
    if read is None or read[0] != {name}:
        return []
    cols = (table.get("columns") if isinstance(table, dict) else table.columns) or []
    have = {c.get("name") if isinstance(c, dict) else c.name for c in cols}
    return sorted(read[1] - have)


def check_access(schema: DatabaseSchema) -> list[str]:
    """Each access pattern's query must parse and read its table; each index must be justified."""
    import pglast
    from pglast.parser import ParseError
    from pglast.visitors import referenced_relations

    errors = []
    for pattern in schema.access_patterns:
        try:
            parsed = pglast.parse_sql(pattern.query)
        except ParseError as exc:
            errors.append(f"access pattern {pattern.name}: PostgreSQL rejects the query: {exc}")
            continue
        if len(parsed) != 1:
            errors.append(f"access pattern {pattern.name}: the query must be one statement")
            continue
        # referenced_relations keeps quotes as written: "order" is the table order.
        relations = {name.rsplit(".", 1)[-1].strip('"') for name in referenced_relations(pattern.query)}
        if pattern.table not in relations:
            errors.append(f"access pattern {pattern.name}: the query does not read {pattern.table}")
        unknown = sorted(relations - schema.table_names())
        if unknown:
            errors.append(f"access pattern {pattern.name}: the query reads unknown tables {unknown}")
        table = next((t for t in schema.tables if t.name == pattern.table), None)
        missing = missing_columns(pattern.query, table) if table is not None else []
        if missing:
            errors.append(f"access pattern {pattern.name}: {pattern.table} has no column {', '.join(missing)} "
                          f"(its columns: {', '.join(c.name for c in table.columns)}); add the column or query "
                          "the table that has it")
    for table, index in unused_indexes(schema):
        errors.append(f"index {index.name} on {table.name} serves no declared access pattern and no constraint; "
                      "add the access pattern it serves (name, table, query, index), make its first column a "
                      "foreign key (references), or drop it")
    return errors


def unused_indexes(schema: DatabaseSchema) -> list[tuple[Table, Index]]:
    """(table, index) of the indexes no access pattern, constraint or foreign key justifies."""
    served = {p.index for p in schema.access_patterns}
    found = []
    for table in schema.tables:
        fk_columns = {c.name for c in table.columns if c.references}
        for index in table.indexes:
            explained = index.reason != UNEXPLAINED and (index.unique or index.column_names()[0] in fk_columns)
            if not (index.name in served or explained):
                found.append((table, index))
    return found


def without_indexes(schema: DatabaseSchema, names: set[tuple[str, str]]) -> DatabaseSchema:
    """The schema without the named (table, index) pairs."""
    tables = [t.model_copy(update={"indexes": [i for i in t.indexes if (t.name, i.name) not in names]})
              for t in schema.tables]
    return schema.model_copy(update={"tables": tables})


def quote_reserved(schema: DatabaseSchema) -> tuple[DatabaseSchema, list[str]]:
    """Access-pattern queries with a table named by a reserved word written unquoted (`FROM user`, which
    PostgreSQL reads as the current user) get it quoted, as schema.sql writes it; and a note saying so."""
    import re

    from pglast.keywords import COL_NAME_KEYWORDS, RESERVED_KEYWORDS, TYPE_FUNC_NAME_KEYWORDS

    reserved = [t.name for t in schema.tables if t.name in RESERVED_KEYWORDS | TYPE_FUNC_NAME_KEYWORDS | COL_NAME_KEYWORDS]
    if not reserved:
        return schema, []
    notes, patterns = [], []
    for pattern in schema.access_patterns:
        # only outside string literals ('from user' in a comparison stays as written)
        parts = re.split(r"('(?:[^']|'')*')", pattern.query)
        for i in range(0, len(parts), 2):
            for name in reserved:
                parts[i] = re.sub(rf"(?i)\b(from|join|update|into)\s+{re.escape(name)}\b(?!\s*\(\s*\))",
                                  rf'\1 "{name}"', parts[i])
        query = "".join(parts)
        if query != pattern.query:
            notes.append(f"quoted {', '.join(reserved)} in {pattern.name} (a reserved word in PostgreSQL)")
            pattern = pattern.model_copy(update={"query": query})
        patterns.append(pattern)
    return schema.model_copy(update={"access_patterns": patterns}), notes
