"""What models write, read as they meant it: small models write names in capitals, leave out what the
schema already says, and declare what PostgreSQL creates by itself. Each reading is one a person would
make without asking; anything that would need a guess is left for validation to name.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from ._base import pg_object_name
from .words import singular

__all__ = ["UNEXPLAINED", "copied_indexes", "index_by_column", "schema_as_meant"]


def schema_as_meant(data: Any) -> Any:
    """What small models write, read as they meant it, on a copy (the caller's dict is left alone):
    unquoted names in capitals as PostgreSQL folds them (`USER` is user); what the schema already says
    may be left out: an index's reason when an access pattern names the index, an access pattern's
    description from its name. Odd shapes are left for validation to name."""
    if not isinstance(data, dict):
        return data
    data = _fold(data)  # a new structure: the edits below do not reach the caller's data
    patterns = [p for p in _items(data.get("access_patterns")) if isinstance(p, dict)]
    served: dict[str, list[str]] = {}
    for p in patterns:
        if isinstance(p.get("index"), str) and isinstance(p.get("name"), str):
            served.setdefault(p["index"], []).append(p["name"])
        if not p.get("description") and isinstance(p.get("name"), str):
            p["description"] = p["name"].replace("_", " ")
    for table in _items(data.get("tables")):
        if not isinstance(table, dict):
            continue
        keys = {c.get("name") for c in _items(table.get("columns")) if isinstance(c, dict)
                and isinstance(c.get("references"), dict) and c["references"].get("table")}
        if isinstance(table.get("indexes"), list):
            # Under PostgreSQL's own name on the primary key it would clash with the index PostgreSQL makes.
            pkey = pg_object_name(str(table.get("name")), None, "pkey")
            table["indexes"] = [i for i in table["indexes"] if _implicit_copy(table, i) != (pkey, pkey)]
        for index in _items(table.get("indexes")):
            name = index.get("name") if isinstance(index, dict) else None
            if not isinstance(name, str) or index.get("reason"):
                continue
            columns = [str(c).split()[0] for c in _items(index.get("columns")) if str(c).strip()]
            if name in served:
                index["reason"] = "serves the access pattern " + ", ".join(served[name])
            elif index.get("unique") is True and columns:
                index["reason"] = f"keeps ({', '.join(columns)}) unique"
            elif columns and columns[0] in keys:
                index["reason"] = f"indexes the foreign key {columns[0]}"
            else:
                # No query, constraint or key explains it: the loop asks about it as an unused index (and
                # drops it if it comes back unexplained), so this text never reaches an accepted schema.
                index["reason"] = UNEXPLAINED
    return data


UNEXPLAINED = "no reason given"


def _implicit_copy(table: dict[str, Any], index: Any) -> tuple[str, Any] | None:
    """(the name of the index PostgreSQL makes by itself, the copy's own name) when `index` merely copies it: a plain
    index on exactly the primary key's columns (`<table>_pkey`) or on exactly one unique column
    (`<table>_<column>_key`). A partial, sorted or non-btree index is its own."""
    if not isinstance(index, dict) or not isinstance(table.get("name"), str):
        return None
    if index.get("where") or index.get("method") not in (None, "btree"):
        return None
    written = [str(c).strip() for c in _items(index.get("columns"))]
    if not written or any(len(c.split()) != 1 for c in written):
        return None
    columns = [c for c in _items(table.get("columns")) if isinstance(c, dict)]
    pk = [c.get("name") for c in columns if c.get("primary_key") is True]
    if pk and written == pk:
        return pg_object_name(table["name"], None, "pkey"), index.get("name")
    unique = [c.get("name") for c in columns if c.get("unique") is True and c.get("primary_key") is not True]
    if len(written) == 1 and written[0] in unique:
        return pg_object_name(table["name"], written[0], "key"), index.get("name")
    return None


def copied_indexes(data: Any, small: bool = False) -> tuple[Any, list[str]]:
    """A model's schema (the design tool's step; a person's schema is reviewed as written, where
    data-duplicate-index names such an index): an index on exactly the primary key or one unique column is the
    one PostgreSQL makes by itself (the 1.5B model indexed users(id) and users(email) beside `id primary key` and
    `email unique`), so it is left out, and the access patterns naming it name PostgreSQL's."""
    if not isinstance(data, dict) or not isinstance(data.get("tables"), list):
        return data, []
    data = copy.deepcopy(data)
    patterns = [p for p in _items(data.get("access_patterns")) if isinstance(p, dict)]
    notes = _brief_types(data["tables"]) + _surrogate_keys(data["tables"], small) + _repeated_patterns(data)
    patterns = [p for p in _items(data.get("access_patterns")) if isinstance(p, dict)]
    for table in data["tables"]:
        if not isinstance(table, dict) or not isinstance(table.get("indexes"), list):
            continue
        kept = []
        for index in table["indexes"]:
            implied = _implicit_copy(table, index)
            if implied is None:
                kept.append(index)
                continue
            notes.append(f"{table['name']}.{implied[1]} left out: it copies {implied[0]}, which PostgreSQL creates")
            for p in patterns:
                if p.get("index") == implied[1] and _fold_name(p.get("table")) == _fold_name(table["name"]):
                    p["index"] = implied[0]
        table["indexes"] = kept
    notes += _per_table_index_names(data["tables"], patterns)
    notes += _inline_enums(data)
    notes += _implied_references(data["tables"])
    if small:
        notes += _indexes_patterns_name(data["tables"], patterns)
    return data, notes


def _indexes_patterns_name(tables: list[Any], patterns: list[dict[str, Any]]) -> list[str]:
    """For a small model: an access pattern naming an index the table does not have (`idx_equipment_status`,
    `WHERE status = $1`), twice running in equipment-booking run 8, gets that index on the column its name and
    its query both name."""
    by_name = {t["name"]: t for t in tables if isinstance(t, dict) and isinstance(t.get("name"), str)}
    notes = []
    for p in patterns:
        table, name, query = by_name.get(p.get("table")), p.get("index"), p.get("query")
        if table is None or not isinstance(name, str) or not isinstance(query, str):
            continue
        columns = [c for c in _items(table.get("columns")) if isinstance(c, dict) and isinstance(c.get("name"), str)]
        indexes = table.setdefault("indexes", []) if isinstance(table.get("indexes", []), list) else None
        if indexes is None or any(isinstance(i, dict) and i.get("name") == name for i in indexes):
            continue
        implied = {pg_object_name(table["name"], None, "pkey")} | {
            pg_object_name(table["name"], c["name"], "key") for c in columns if c.get("unique") is True}
        if name in implied:
            continue
        named = [c["name"] for c in columns if re.search(rf"(^|_){re.escape(c['name'])}(_|$)",
                                                         name.lower().replace(table["name"], ""))
                 and re.search(rf"\b{re.escape(c['name'])}\b\s*(=|<|>|in\b|between\b)", query, re.I)]
        if not named:
            continue
        filtered = {m.group(1).lower() for m in _FILTERED.finditer(query)} - _SQL_WORDS
        if filtered - {c["name"] for c in columns}:
            continue  # `WHERE status = $1 AND employee_id = $2` on equipment, which has no employee_id (run 10)
        column = max(named, key=len)
        indexes.append({"name": name, "columns": [column], "reason": f"serves the access pattern {p.get('name')}"})
        notes.append(f"{table['name']}.{name} on ({column}) added: the access pattern {p.get('name')} names it")
    return notes


# A column a query compares (`status = $1`, `starts_at < $2`, `kind IN (…)`), and words that read as one.
_FILTERED = re.compile(r"\b([A-Za-z_][A-Za-z0-9_]*)\s*(?:=|<>|!=|<=|>=|<|>|\bin\b|\bbetween\b|\blike\b|\bis\b)", re.I)
_SQL_WORDS = {"and", "or", "not", "where", "select", "from", "limit", "offset", "by", "null", "true", "false", "now"}

# The brief's field notation (`email: email unique`, `password_hash: secret`, `serial_number: string`), which the
# 1.5B model wrote as column types: PostgreSQL has none of these types.
_BRIEF_TEXT_TYPES = {"string", "email", "url", "secret", "str", "phone"}


def _brief_types(tables: list[Any]) -> list[str]:
    notes = []
    for table in tables:
        for column in _items(table.get("columns")) if isinstance(table, dict) else []:
            kind = column.get("type") if isinstance(column, dict) else None
            if isinstance(kind, str) and kind.strip().lower() in _BRIEF_TEXT_TYPES:
                column["type"] = "text"
                notes.append(f"{table.get('name')}.{column.get('name')} is text (the brief's {kind.strip()!r})")
    return notes


def _repeated_patterns(data: dict[str, Any]) -> list[str]:
    """An access pattern sent twice (equipment-booking run 9: names cut at 63 characters came out the same): the
    same query again is left out; another query under the same name gets a name of its own."""
    patterns = data.get("access_patterns")
    if not isinstance(patterns, list):
        return []
    seen: dict[str, Any] = {}
    kept, notes = [], []
    for p in patterns:
        name = p.get("name") if isinstance(p, dict) else None
        if not isinstance(name, str):
            kept.append(p)
            continue
        if name in seen and seen[name].get("query") == p.get("query"):
            notes.append(f"access pattern {name} sent twice: once kept")
            continue
        if name in seen:
            n = 2
            while f"{name[:60]}_{n}" in seen:
                n += 1
            p["name"] = f"{name[:60]}_{n}"
            notes.append(f"access pattern {name} sent twice with another query: the second is {p['name']}")
        seen[p["name"]] = p
        kept.append(p)
    data["access_patterns"] = kept
    return notes


def _surrogate_keys(tables: list[Any], small: bool = False) -> list[str]:
    """A table with no primary key (the 1.5B model copied the equipment-booking brief's Booking fields, which name
    none): its `id` column is the key, or an `id uuid` is added as the first column. Rows a person books, cancels
    and lists need an identity; a surrogate key is what an expert gives them. For a small model, a one-column key
    that is not `id` (employee.email, equipment.serial_number, booking.employee_id: one booking per employee)
    gives way to `id` too: a natural key stays unique, a reference stays a plain column."""
    notes = []
    for table in tables:
        columns = table.get("columns") if isinstance(table, dict) else None
        if not isinstance(columns, list) or not columns:
            continue
        keys = [c for c in columns if isinstance(c, dict) and c.get("primary_key") is True]
        if small and len(keys) > 1 and not all(str(k.get("name", "")).endswith("_id") for k in keys) and \
                not any(isinstance(c, dict) and c.get("name") == "id" for c in columns):
            # equipment (name, kind, serial_number, status) and booking (employee_id, …, status), both keyed on
            # every column in run 10: a key that changes with the row's status is no identity. A key of
            # references only (a join table's) stays.
            for key in keys:
                key["primary_key"] = False
            notes.append(f"{table.get('name')}'s key of {len(keys)} columns "
                         f"({', '.join(str(k.get('name')) for k in keys)}) gives way to id")
            keys = []
        if small and len(keys) == 1 and keys[0].get("name") != "id" and isinstance(keys[0].get("name"), str) and \
                not any(isinstance(c, dict) and c.get("name") == "id" for c in columns):
            key = keys[0]
            key["primary_key"], key["not_null"] = False, True
            if key["name"].endswith("_id"):
                key["unique"] = False
                notes.append(f"{table.get('name')}.{key['name']} is not its primary key (a reference, one of many)")
            else:
                key["unique"] = True
                notes.append(f"{table.get('name')}.{key['name']} is unique, not its primary key")
            keys = []
        if keys:
            continue
        own = next((c for c in columns if isinstance(c, dict) and c.get("name") == "id"), None)
        if own is not None:
            own["primary_key"] = True
            notes.append(f"{table.get('name')}.id is its primary key: the table named none")
        else:
            columns.insert(0, {"name": "id", "type": "uuid", "primary_key": True, "default": "gen_random_uuid()"})
            notes.append(f"{table.get('name')}.id uuid added as its primary key: the table had none")
    return notes


_KEY_TYPES = re.compile(r"^(uuid|integer|int|int4|int8|bigint|smallint|serial|bigserial)$", re.I)


def _implied_references(tables: list[Any]) -> list[str]:
    """A column `<table>_id` of the type of that table's one-column primary key, with no reference written
    (`short_urls.user_id uuid`, `clicks.short_url_id uuid`: the 1.5B model's way of relating them): a foreign key
    to it, restrict on delete, as the column's name says."""
    keys: dict[str, tuple[str, str, str]] = {}  # singular name -> (table, pk column, its type)
    for table in tables:
        if not isinstance(table, dict) or not isinstance(table.get("name"), str):
            continue
        pk = [c for c in _items(table.get("columns")) if isinstance(c, dict) and c.get("primary_key") is True]
        if len(pk) == 1 and isinstance(pk[0].get("name"), str) and isinstance(pk[0].get("type"), str):
            kind = {"serial": "integer", "bigserial": "bigint"}.get(pk[0]["type"].lower(), pk[0]["type"].lower())
            for name in {table["name"].lower(), singular(table["name"].lower())}:
                keys.setdefault(name, (table["name"], pk[0]["name"], kind))
    notes = []
    for table in tables:
        if not isinstance(table, dict):
            continue
        for column in _items(table.get("columns")):
            if not isinstance(column, dict) or column.get("references") or column.get("primary_key") is True:
                continue
            name, kind = column.get("name"), column.get("type")
            found = keys.get(name[:-3].lower()) if isinstance(name, str) and name.lower().endswith("_id") else None
            if found is None or not isinstance(kind, str) or found[0] == table.get("name"):
                continue
            retyped = ""
            if kind.lower() != found[2]:
                if not _KEY_TYPES.match(kind) or not _KEY_TYPES.match(found[2]):
                    continue  # a `country_id text` beside `countries.id integer` is a code, not the key
                column["type"], retyped = found[2], f", of its type {found[2]} (not {kind})"
            column["references"] = {"table": found[0], "column": found[1]}
            notes.append(f"{table.get('name')}.{name} references {found[0]}({found[1]}){retyped}, as its name says")
    return notes


_INLINE_ENUM = re.compile(r"^\s*enum\s*\((.+)\)\s*$", re.I)


def _inline_enums(data: dict[str, Any]) -> list[str]:
    """A column typed `enum(projector, camera, laptop)`, as a brief writes a field (the 1.5B model copied the
    equipment-booking brief's notation): an enum type `<table>_<column>` with those values, and the column of it."""
    enums = data.get("enums") if isinstance(data.get("enums"), list) else []
    taken = {e.get("name") for e in enums if isinstance(e, dict)}
    notes = []
    for table in data["tables"]:
        if not isinstance(table, dict) or not isinstance(table.get("name"), str):
            continue
        for column in _items(table.get("columns")):
            found = _INLINE_ENUM.match(column.get("type", "")) if isinstance(column, dict) and \
                isinstance(column.get("type"), str) else None
            if found is None or not isinstance(column.get("name"), str):
                continue
            values = [v.strip().strip("'\"") for v in found.group(1).split(",") if v.strip().strip("'\"")]
            name = pg_object_name(table["name"], None, column["name"]).lower()
            if not values or name in taken:
                continue
            enums.append({"name": name, "values": values})
            taken.add(name)
            column["type"] = name
            notes.append(f"{table['name']}.{column['name']} is of the enum {name} ({', '.join(values)})")
    if notes:
        data["enums"] = enums
    return notes


def _per_table_index_names(tables: list[Any], patterns: list[dict[str, Any]]) -> list[str]:
    """An index name written in more than one table (`idx_user_id` on links and on clicks) names each table's own
    index: PostgreSQL's index names are one namespace per schema, so each becomes `<table>_<name>`, and the
    access patterns of that table naming it follow."""
    seen: dict[str, int] = {}
    for table in tables:
        for index in _items(table.get("indexes")) if isinstance(table, dict) else []:
            if isinstance(index, dict) and isinstance(index.get("name"), str):
                seen[_fold_name(index["name"])] = seen.get(_fold_name(index["name"]), 0) + 1
    notes = []
    for table in tables:
        if not isinstance(table, dict) or not isinstance(table.get("name"), str):
            continue
        for index in _items(table.get("indexes")):
            name = index.get("name") if isinstance(index, dict) else None
            if not isinstance(name, str) or seen.get(_fold_name(name), 0) < 2:
                continue
            renamed = pg_object_name(table["name"], None, name.lower())
            index["name"] = renamed
            notes.append(f"{table['name']}.{name} renamed {renamed}: index names are one namespace in PostgreSQL")
            for p in patterns:
                if _fold_name(p.get("index")) == _fold_name(name) and _fold_name(p.get("table")) == _fold_name(table["name"]):
                    p["index"] = renamed
    return notes


def _items(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


_NAME_KEYS = {"name", "table", "column", "index", "from_table", "to_table", "via", "shard_key"}
_NAME_LIST_KEYS = {"columns", "tables"}
_PLAIN_SORTED = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\s+(asc|desc))?(\s+nulls\s+(first|last))?$", re.I)


def _fold(value: Any, key: str = "") -> Any:
    if isinstance(value, dict):
        return {k: _fold(v, k) for k, v in value.items()}
    if isinstance(value, list):
        if key in _NAME_LIST_KEYS:  # index columns, sharded tables: names; the schema's tables: objects
            return [_fold_name(v) if isinstance(v, str) else _fold(v) for v in value]
        if key in ("values", "query", "elements"):
            return value  # enum values keep their case; SQL text is PostgreSQL's to fold
        return [_fold(v) for v in value]
    if key in _NAME_KEYS and isinstance(value, str):
        return _fold_name(value)
    return value


def _fold_name(value: Any) -> Any:
    """`Name` → name, `Created_At DESC` → created_at DESC; anything else (quoted, expressions) as it is."""
    if isinstance(value, str) and _PLAIN_SORTED.match(value):
        return " ".join(value.lower().split())
    return value


_INDEX_WORDS = {"idx", "ix", "index", "key", "unique", "uniq", "uk", "pk", "pkey", "fk", "by", "on", "lookup", "asc",
                "desc", "btree", "gin", "gist", "hash", "brin"}


def index_by_column(table: Any, pattern: Any) -> str | None:
    """The one index that leads with the column a misnamed index names (`idx_code` when the index on code is
    `links_code_key`, `idx_id` for the primary key), or None when that is not one index."""
    named = pattern.index.lower().replace(table.name, "")
    leading: dict[str, list[str]] = {}
    for index in table.indexes:
        leading.setdefault(index.column_names()[0], []).append(index.name)
    for column in table.columns:
        if column.primary_key and len(table.primary_key()) == 1:
            leading.setdefault(column.name, []).append(pg_object_name(table.name, None, "pkey"))
        elif column.unique and not column.primary_key:
            leading.setdefault(column.name, []).append(pg_object_name(table.name, column.name, "key"))
    # The column the name means is the longest one it names (idx_orders_customer_id is customer_id, not id),
    # whether or not an index leads with it: then only an index leading with that column will do.
    named_columns = [c.name for c in table.columns if re.search(rf"(^|_){re.escape(c.name)}(_|$)", named)]
    if not named_columns:
        return None
    meant = max(named_columns, key=len)
    if [c for c in named_columns if len(c) == len(meant) and c != meant]:
        return None
    # Every word of the name is the table's, an index word, or a column's: `idx_url_user_id` on url, which has no
    # user_id, names user_id, not the primary key `id` (the 1.5B model's pattern, url-shortener run 17).
    said = {w for c in named_columns for w in c.split("_")} | set(table.name.split("_")) | {
        singular(w) for w in table.name.split("_")} | _INDEX_WORDS
    if [w for w in re.split(r"[^a-z0-9]+", pattern.index.lower()) if w and w not in said and singular(w) not in said]:
        return None
    found = leading.get(meant, [])
    return found[0] if len(found) == 1 else None
