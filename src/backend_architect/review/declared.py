"""Brief conformance, the fields the brief declares: each is a column of its entity's table (or a property of its
schema), of the kind of type the brief gives it, unique where it says so, and NOT NULL unless marked optional.
Split from conformance.py (requirements served, children created with their parent)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from .bundle import Bundle
from .engine import rule
from .english import singular
from .facts import snake

__all__: list[str] = []

Found = Iterator[tuple[Any, ...]]  # (location, message) or (location, message, fix)


def _field_name(spec: str) -> str:
    return snake(spec.split(":", 1)[0].strip()).strip("_?")


_BRIEF_TYPE = {"string": "text", "text": "text", "email": "text", "url": "text", "secret": "text", "int": "integer",
               "integer": "integer", "decimal": "numeric(12,2)", "money": "numeric(12,2)", "number": "numeric",
               "bool": "boolean", "boolean": "boolean", "date": "date", "timestamp": "timestamptz", "uuid": "uuid"}


def _declared_column(table: str, name: str, spec: str, enums: set[str]) -> dict[str, object]:
    """The column a brief's field declares (`kind: enum(projector, camera)`, `serial_number: string unique`), as a
    schema fragment to send: an enum field brings its enum type."""
    kind = spec.split(":", 1)[1].strip() if ":" in spec else "text"
    enum = re.match(r"enum\s*\((.+)\)", kind, re.I)
    words = re.sub(r"\(.*\)", "", kind).lower().split()
    column: dict[str, object] = {"name": name, "type": _BRIEF_TYPE.get(words[0].rstrip("?"), "text") if words
                                 else "text", "not_null": not spec.strip().endswith("?") and "?" not in kind}
    if "unique" in words:
        column["unique"] = True
    fragment: dict[str, object] = {"tables": [{"name": table, "columns": [column]}]}
    if enum:
        type_name = f"{table}_{name}"[:63]
        column["type"] = type_name
        if type_name not in enums:
            fragment["enums"] = [{"name": type_name, "values": [v.strip().strip("'\"") for v in enum.group(1).split(",")
                                                                 if v.strip()]}]
    return fragment


def _mentions(text: str, word: str) -> bool:
    return bool(re.search(rf"(?<![A-Za-z0-9_]){re.escape(word)}(?![A-Za-z0-9_])", text, re.I))


@rule("brief-declared-fields", "error", "cross",
      "Brief conformance: every field the brief declares on an entity is a column of its table (or a property "
      "of its schema); a renamed one names the brief's field in its description.", on_emit=("data",))
def declared_fields(bundle: Bundle) -> Found:
    """Every declared field of the brief's entities exists"""
    brief = bundle.brief
    if brief is None or not brief.entities:
        return
    if bundle.data is not None:
        tables = {singular(t.name): t for t in bundle.data.tables}
        for entity in brief.entities:
            table = tables.get(singular(snake(entity.name)))
            if table is None:
                continue  # a missing entity is cross-brief-entity-present's finding
            columns = {c.name for c in table.columns}
            described = " ".join([table.description, *(c.description for c in table.columns), *bundle.notes])
            for spec in entity.fields:
                name = _field_name(spec)
                if not name or name in columns or _mentions(described, name):
                    continue
                yield f"{table.name}.{name}", (
                    f"the brief declares {entity.name}.{name} ({spec.strip()}), but table {table.name} has no column "
                    f"{name} (its columns: {', '.join(sorted(columns))}); add it, or name {name!r} in the "
                    "description of the column that replaces it"), {"database_schema": _declared_column(
                        table.name, name, spec, {e.name for e in bundle.data.enums})}
        return
    api = bundle.api
    if api is None:
        return
    schemas = {singular(snake(n)): (n, s) for n, s in api.component_schemas().items() if isinstance(s, dict)}
    for entity in brief.entities:
        found = schemas.get(singular(snake(entity.name)))
        if found is None:
            continue
        name, schema = found
        props = schema.get("properties") if isinstance(schema.get("properties"), dict) else {}
        described = " ".join(str((p or {}).get("description", "")) for p in props.values() if isinstance(p, dict))
        for spec in entity.fields:
            field = _field_name(spec)
            if not field or field in props or "secret" in spec.lower() or "password" in field or \
                    _mentions(described + " " + str(schema.get("description", "")), field):
                continue
            yield f"/components/schemas/{name}", (f"the brief declares {entity.name}.{field} ({spec.strip()}), but "
                                                  f"schema {name} has no property {field}")


# A type's family, to compare a brief's field with its column: a brief's `money` may be integer cents.
_FAMILIES = (("text", r"text|varchar.*|character varying.*|char.*|character.*|citext|string|email|url|secret|phone"),
             ("number", r"int.*|smallint|bigint|serial|bigserial|numeric.*|decimal.*|real|double.*|float.*|money|number"),
             ("boolean", r"bool(ean)?"), ("timestamp", r"timestamp.*|timestamptz|datetime"), ("date", r"date"),
             ("uuid", r"uuid"))


def _family(kind: str) -> str | None:
    kind = re.sub(r"\s+", " ", kind.strip().lower().rstrip("?"))
    return next((name for name, pattern in _FAMILIES if re.fullmatch(pattern, kind)), None)


@rule("brief-declared-types", "error", "cross",
      "Brief conformance: a field the brief types (`email: email unique`, `starts_at: timestamp`) keeps that kind "
      "of type and its uniqueness in its column, and one it does not mark optional (`notes?`) is NOT NULL; an "
      "email stored as uuid, a serial number that may repeat or a booking with no start is not the field the "
      "brief declared.", on_emit=("data",))
def declared_types(bundle: Bundle) -> Found:
    """Every typed field of the brief's entities has a column of that kind, unique where declared"""
    brief, data = bundle.brief, bundle.data
    if brief is None or data is None or not brief.entities:
        return
    tables = {singular(t.name): t for t in data.tables}
    for entity in brief.entities:
        table = tables.get(singular(snake(entity.name)))
        for spec in entity.fields if table is not None else []:
            column = table.column(_field_name(spec))
            if column is None:
                continue
            words = re.sub(r"\(.*\)", "", spec.split(":", 1)[1]).lower().split() if ":" in spec else []
            declared = _family(words[0]) if words else None
            written = _family(column.type)
            fix: dict[str, Any] = {}
            if declared and written and declared != written:
                fix["type"] = _declared_column(table.name, column.name, spec, set())["tables"][0]["columns"][0]["type"]
            unique = column.unique or column.primary_key or table.primary_key() == [column.name] or any(
                i.unique and i.column_names() == [column.name] for i in table.indexes)
            if "unique" in words and not unique:
                fix["unique"] = True
            set_null = column.references is not None and column.references.on_delete == "set null"
            if not (column.not_null or column.primary_key or "?" in spec or set_null):
                fix["not_null"] = True  # `status: enum(booked, cancelled)`: a booking has one; `notes?` may not
            if not fix:
                continue
            said = " and ".join(([f"of type {fix['type']}, not {column.type}"] if "type" in fix else [])
                                + (["unique"] if "unique" in fix else []) + (["NOT NULL"] if "not_null" in fix else []))
            yield f"{table.name}.{column.name}", (
                f"the brief declares {entity.name}.{column.name} ({spec.strip()}): make the column {said}"), {
                    "database_schema": {"tables": [{"name": table.name, "columns": [
                        {**column.model_dump(mode="json", exclude_defaults=True), **fix}]}]}}
