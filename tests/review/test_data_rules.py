"""Each data rule: a DDL that triggers it and one that does not (read through `parse_ddl`, as users' files are)."""

from __future__ import annotations

import pytest

from backend_architect.review.ddl import DdlError, parse_ddl
from backend_architect.review.engine import run_rules

PARENT = "CREATE TABLE users (id uuid PRIMARY KEY);\n"
CASES: dict[str, tuple[str, str]] = {
    "data-table-primary-key": ("CREATE TABLE logs (line text);", "CREATE TABLE logs (id bigint PRIMARY KEY, line text);"),
    "data-foreign-key-indexed": (
        PARENT + "CREATE TABLE posts (id uuid PRIMARY KEY, user_id uuid REFERENCES users (id));",
        PARENT + "CREATE TABLE posts (id uuid PRIMARY KEY, user_id uuid REFERENCES users (id));\n"
                 "CREATE INDEX ix_posts_user ON posts (user_id, id);"),
    "data-duplicate-index": (
        "CREATE TABLE t (id int PRIMARY KEY, a int, b int);\nCREATE INDEX i1 ON t (a);\nCREATE INDEX i2 ON t (a, b);",
        "CREATE TABLE t (id int PRIMARY KEY, a int, b int);\nCREATE INDEX i1 ON t (b);\nCREATE INDEX i2 ON t (a, b);"),
    "data-multi-valued-attribute": (
        "CREATE TABLE posts (id int PRIMARY KEY, tag_ids text);",
        "CREATE TABLE posts (id int PRIMARY KEY, tag_ids uuid[]);"),
    "data-entity-attribute-value": (
        "CREATE TABLE props (id int PRIMARY KEY, entity_id int, attribute text, value text);",
        "CREATE TABLE props (id int PRIMARY KEY, entity_id int, colour text, size int);"),
    "data-money-not-float": (
        "CREATE TABLE orders (id int PRIMARY KEY, total_amount double precision);",
        "CREATE TABLE orders (id int PRIMARY KEY, total_amount numeric(12,2), weight_kg real);"),
    "data-timestamp-with-time-zone": (
        "CREATE TABLE e (id int PRIMARY KEY, created_at timestamp);",
        "CREATE TABLE e (id int PRIMARY KEY, created_at timestamptz);"),
    "data-enum-constrained": (
        "CREATE TABLE orders (id int PRIMARY KEY, status text NOT NULL);",
        "CREATE TABLE orders (id int PRIMARY KEY, status text NOT NULL CHECK (status IN ('new', 'paid')));"),
}


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_triggers_and_passes(rule_id: str) -> None:
    bad, good = CASES[rule_id]
    found = run_rules("data", parse_ddl(bad)[0], only=[rule_id])
    assert found and all(f.rule_id == rule_id for f in found) and found[0].message
    assert run_rules("data", parse_ddl(good)[0], only=[rule_id]) == []


def test_every_data_rule_has_a_case() -> None:
    from backend_architect.review import all_rules

    assert {r.id for r in all_rules() if r.artifact == "data"} == set(CASES) | {"data-index-justified"}


def test_index_justified_by_access_pattern_constraint_or_foreign_key() -> None:
    from backend_architect.spec.data import AccessPattern

    sql = (PARENT + "CREATE TABLE posts (id uuid PRIMARY KEY, user_id uuid REFERENCES users (id), slug text, "
           "title text);\nCREATE INDEX ix_user ON posts (user_id);\nCREATE UNIQUE INDEX ux_slug ON posts (slug);\n"
           "CREATE INDEX ix_title ON posts (title);")
    schema = parse_ddl(sql)[0]
    assert run_rules("data", schema, only=["data-index-justified"]) == []  # no access patterns declared: not judged
    pattern = AccessPattern.model_construct(name="posts_by_title", description="d", table="posts",
                                            query="SELECT * FROM posts WHERE title = $1", index="ix_title")
    other = AccessPattern.model_construct(name="posts_by_id", description="d", table="posts",
                                          query="SELECT * FROM posts WHERE id = $1", index="posts_pkey")
    found = run_rules("data", schema.model_copy(update={"access_patterns": [other]}), only=["data-index-justified"])
    assert [f.location for f in found] == ["posts.ix_title"]
    assert run_rules("data", schema.model_copy(update={"access_patterns": [pattern]}), only=["data-index-justified"]) == []


def test_ddl_reading_keeps_keys_indexes_enums_and_lines() -> None:
    sql = ("CREATE TYPE mood AS ENUM ('ok', 'sad');\n"
           "CREATE TABLE a (id int, b int, PRIMARY KEY (id, b));\n"
           "CREATE TABLE c (\n  id int PRIMARY KEY,\n  a_id int\n);\n"
           "ALTER TABLE c ADD CONSTRAINT fk FOREIGN KEY (a_id) REFERENCES a (id) ON DELETE CASCADE;\n"
           "CREATE UNIQUE INDEX CONCURRENTLY ix ON c USING btree (a_id DESC) WHERE a_id > 0;\n")
    schema, lines = parse_ddl(sql)
    assert schema.enums[0].values == ["ok", "sad"]
    assert schema.table("a").primary_key() == ["id", "b"]
    c = schema.table("c")
    assert c.column("a_id").references.table == "a" and c.column("a_id").references.on_delete == "cascade"
    assert c.indexes[0].columns == ["a_id desc"] and c.indexes[0].unique and c.indexes[0].where
    assert lines["c"] == 3 and lines["c.a_id"] == 5


def test_composite_primary_key_prefix_covers_foreign_key() -> None:
    sql = PARENT + "CREATE TABLE m (user_id uuid REFERENCES users (id), n int, PRIMARY KEY (user_id, n));"
    assert run_rules("data", parse_ddl(sql)[0], only=["data-foreign-key-indexed"]) == []


@pytest.mark.parametrize("bad", ["CREATE TABLE (", "CREATE TABLE (;\nSELECT FROM WHERE;"])
def test_unreadable_ddl_is_an_error(bad: str) -> None:
    with pytest.raises(DdlError, match="line 1"):
        parse_ddl(bad)


@pytest.mark.parametrize("valid", ["SELECT 1;", "", "-- nothing but a comment\n"])
def test_valid_sql_without_tables_is_an_empty_schema(valid: str) -> None:
    assert parse_ddl(valid)[0].tables == []


def _found(sql: str, rule_id: str) -> list[str]:
    return [f.location for f in run_rules("data", parse_ddl(sql)[0], only=[rule_id])]


def test_partitions_are_keyed_by_their_parent() -> None:
    sql = ("CREATE TABLE payment (id int, paid date, PRIMARY KEY (id, paid)) PARTITION BY RANGE (paid);\n"
           "CREATE TABLE payment_2024 PARTITION OF payment FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');\n"
           "CREATE TABLE payment_2025 (id int NOT NULL, paid date NOT NULL);\n"
           "ALTER TABLE ONLY payment ATTACH PARTITION payment_2025 FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');\n"
           "CREATE TABLE loose (id int);\n")
    assert _found(sql, "data-table-primary-key") == ["loose"]


def test_same_named_tables_in_different_schemas_stay_apart() -> None:
    sql = ("CREATE TABLE public.orders (id int PRIMARY KEY, total numeric);\n"
           "CREATE TABLE archive.orders (note text);\nSET search_path = billing, public;\n"
           "CREATE TABLE orders (id int PRIMARY KEY);\n")
    schema = parse_ddl(sql)[0]
    assert sorted(schema.table_names()) == ["archive.orders", "billing.orders", "orders"]
    assert _found(sql, "data-table-primary-key") == ["archive.orders"]


def test_a_covering_index_is_not_a_duplicate_of_the_primary_key() -> None:
    sql = "CREATE TABLE t (id int PRIMARY KEY, v text);\nCREATE INDEX t_cover ON t (id) INCLUDE (v);\n"
    assert _found(sql, "data-duplicate-index") == []
    assert _found(sql.replace(" INCLUDE (v)", ""), "data-duplicate-index") == ["t.t_cover"]


def test_rates_are_not_money_and_key_value_maps_are_not_eav() -> None:
    assert _found("CREATE TABLE i (id int PRIMARY KEY, tax_rate real, discount_pct float, tax float);",
                  "data-money-not-float") == ["i.tax"]
    rails = ("CREATE TABLE ar_internal_metadata (key varchar NOT NULL PRIMARY KEY, value varchar, "
             "created_at timestamp(6) NOT NULL, updated_at timestamp(6) NOT NULL);")
    assert _found(rails, "data-entity-attribute-value") == []


def test_migrations_are_reviewed_for_what_they_hold() -> None:
    sql = ("ALTER TABLE users ADD COLUMN balance double precision;\n"
           "ALTER TABLE posts ADD CONSTRAINT posts_user FOREIGN KEY (user_id) REFERENCES users (id);\n"
           "CREATE INDEX posts_title ON posts (title);\n")
    assert _found(sql, "data-money-not-float") == ["users.balance"]
    assert _found(sql, "data-table-primary-key") == [] and _found(sql, "data-foreign-key-indexed") == []


def test_psql_meta_commands_and_copy_data_are_skipped_with_offsets_kept() -> None:
    from backend_architect.review.ddl import read_ddl

    sql = ("\\set ON_ERROR_STOP 1\n\\c shop\nCREATE TABLE t (id int PRIMARY KEY, name text);\n"
           "COPY public.t (id, name) FROM stdin;\n1\tZoë; DROP TABLE\n2\t\\N\n\\.\n"
           "CREATE TABLE u (id int, amount float);\n")
    result = read_ddl(sql)
    assert [t.name for t in result.schema.tables] == ["t", "u"]
    assert result.places["u.amount"] == (8, 25)
    assert [n[0] for n in result.notes] == ["input-psql-meta-command"] and "\\c (line 2)" in result.notes[0][3]


def test_a_query_sent_by_gset_ends_where_the_meta_command_stands() -> None:
    from backend_architect.review.ddl import read_ddl

    sql = "SELECT :'month'::date AS m\n\\gset\nCREATE TABLE t (id int PRIMARY KEY, total float);\n"
    result = read_ddl(sql)
    assert [n[0] for n in result.notes] == ["input-psql-meta-command"]
    assert result.places["t.total"] == (3, 37)
