"""PostgreSQL DDL rendering, the real validators, and writing a design to disk."""

from __future__ import annotations

import os
from typing import Any

import pytest
import yaml

from backend_architect.inputs.brief import Brief
from backend_architect.design.output import OutputError, slugify, write_atomic, write_design
from backend_architect.render.openapi import openapi_document
from backend_architect.render.sql import render_sql, sql_statements
from backend_architect.spec import ApiSpecification, DatabaseSchema, Design, ServiceArchitecture
from backend_architect.spec.design import GeneratedBy
from backend_architect.checks.validate import check_openapi, check_sql


def pk(name: str = "id") -> dict[str, Any]:
    return {"name": name, "type": "uuid", "primary_key": True}


def fk(name: str, table: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "type": "uuid", "references": {"table": table, **extra}}


# Given child-first on purpose: "order" references "user", both reserved words.
SCHEMA = DatabaseSchema.model_validate({
    "enums": [{"name": "order_status", "values": ["pending", "paid"]}],
    "tables": [
        {"name": "order", "description": "Customer's orders", "columns": [
            pk(), fk("user_id", "user"), {"name": "status", "type": "order_status", "not_null": True,
                                            "default": "'pending'"}],
         "indexes": [{"name": "order_user_idx", "columns": ["user_id", "status desc"], "reason": "history"}]},
        {"name": "user", "columns": [pk(), {"name": "email", "type": "text", "unique": True, "not_null": True}]},
    ],
})

API = ApiSpecification.model_validate({
    "title": "Shop API",
    "authentication": {"schemes": [{"name": "bearerAuth", "type": "bearer_jwt"}]},
    "versioning": {"deprecation_policy": "six months"},
    "rate_limits": [{"tier": "default", "requests": 1000, "period": "hour"}],
    "schemas": [{"name": "Order", "properties": [{"name": "id", "type": "string", "format": "uuid", "required": True}]}],
    "resources": [{"name": "orders", "endpoints": [
        {"method": "GET", "path": "/orders/{order_id}", "operation_id": "getOrder", "summary": "Get an order",
         "parameters": [{"name": "order_id", "location": "path", "required": True, "format": "uuid"}],
         "responses": [{"status": 200, "description": "the order", "schema_ref": "Order"}]},
    ]}],
})

SERVICES = ServiceArchitecture.model_validate({
    "style": "modular_monolith", "rationale": "small team",
    "services": [{"name": "shop", "kind": "module", "description": "everything", "responsibilities": ["sell"],
                  "owned_tables": ["order", "user"], "endpoints": ["GET /api/v1/orders/{order_id}"]}],
})


def design(**artifacts: Any) -> Design:
    return Design(title="Online Shop", generated_by=GeneratedBy(model="test", builtin=False, tool_version="0"),
                  brief=Brief(title="T", summary="A shop."), summary="Sells things.", **artifacts)


# --- SQL --------------------------------------------------------------------------------------


def test_referenced_table_comes_first():
    sql = render_sql(SCHEMA)
    assert sql.index('CREATE TABLE "user"') < sql.index('CREATE TABLE "order"')
    assert sql.index("CREATE TYPE order_status") < sql.index('CREATE TABLE "order"')
    assert sql.index('CREATE TABLE "order"') < sql.index("CREATE INDEX order_user_idx")


def test_reserved_words_are_quoted():
    sql = render_sql(SCHEMA)
    assert 'CREATE TABLE "order" (' in sql
    assert 'REFERENCES "user" (id) ON DELETE RESTRICT' in sql
    assert 'ON "order" USING btree (user_id, status DESC)' in sql
    assert "CREATE TABLE order " not in sql and "CREATE TABLE user " not in sql


def test_literals_are_escaped():
    sql = render_sql(SCHEMA)
    assert "COMMENT ON TABLE \"order\" IS 'Customer''s orders';" in sql
    assert "AS ENUM ('pending', 'paid');" in sql


def test_independent_tables_keep_given_order():
    schema = DatabaseSchema.model_validate({"tables": [
        {"name": "zebras", "columns": [pk()]}, {"name": "apples", "columns": [pk()]}]})
    labels = [label for label, _ in sql_statements(schema)]
    assert labels == ["table zebras", "table apples"]


def test_foreign_key_cycle_is_deferred():
    schema = DatabaseSchema.model_validate({"tables": [
        {"name": "a", "columns": [pk(), fk("b_id", "b")]},
        {"name": "b", "columns": [pk(), fk("a_id", "a", on_delete="set null")]},
    ]})
    statements = sql_statements(schema)
    labels = [label for label, _ in statements]
    alters = [(label, sql) for label, sql in statements if sql.startswith("ALTER TABLE")]
    assert len(alters) == 1
    label, alter = alters[0]
    assert "ADD CONSTRAINT" in alter and "FOREIGN KEY" in alter
    assert labels.index(label) > max(labels.index("table a"), labels.index("table b"))
    # The deferred FK is not also inlined in its CREATE TABLE.
    child = label.split()[-1].split(".")[0]
    create = dict(statements)[f"table {child}"]
    assert "REFERENCES" not in create
    assert check_sql(statements) == []


def test_self_reference_is_inline():
    schema = DatabaseSchema.model_validate({"tables": [
        {"name": "categories", "columns": [pk(), fk("parent_id", "categories", on_delete="cascade")]}]})
    statements = sql_statements(schema)
    assert len(statements) == 1
    assert "REFERENCES categories (id) ON DELETE CASCADE" in statements[0][1]


def test_foreign_key_section_heading():
    schema = DatabaseSchema.model_validate({"tables": [
        {"name": "a", "columns": [pk(), fk("b_id", "b")]}, {"name": "b", "columns": [pk(), fk("a_id", "a")]}]})
    assert "-- foreigns" not in render_sql(schema)


def test_check_sql_accepts_valid_schema():
    assert check_sql(sql_statements(SCHEMA)) == []


def test_check_sql_reports_broken_statement():
    problems = check_sql([("ok", "SELECT 1;"), ("x", "CREATE TABLE (")])
    assert len(problems) == 1
    assert problems[0].startswith("x: PostgreSQL rejects it")


def test_check_sql_flags_two_statements_under_one_label():
    problems = check_sql([("table t", "CREATE TABLE t (id int); DROP TABLE t;")])
    assert problems == ["table t: expected one SQL statement, found 2"]


# --- OpenAPI ----------------------------------------------------------------------------------


def test_check_openapi_accepts_minimal_document():
    doc = {"openapi": "3.1.0", "info": {"title": "T", "version": "1.0.0"}, "paths": {}}
    assert check_openapi(doc) == []


def test_check_openapi_reports_problems():
    assert check_openapi({"openapi": "3.1.0", "paths": {}}) == [
        "openapi.yaml at (root): 'info' is a required property"]
    doc = {"openapi": "3.1.0", "info": {"title": "T", "version": "1"},
           "paths": {"/x": {"get": {"responses": {"200": {}}}}}}
    problems = check_openapi(doc)
    assert len(problems) == 1 and "paths//x/get/responses/200" in problems[0] and "description" in problems[0]


def test_check_openapi_reports_wrongly_typed_responses():
    doc = {"openapi": "3.1.0", "info": {"title": "T", "version": "1"}, "paths": {"/x": {"get": {"responses": "nope"}}}}
    assert check_openapi(doc)


def test_rendered_openapi_is_valid():
    doc = openapi_document(API, description="A shop.")
    assert check_openapi(doc) == []
    assert list(doc["paths"]) == ["/api/v1/orders/{order_id}"]


# --- writing ----------------------------------------------------------------------------------


def test_write_design_writes_every_artifact(tmp_path):
    out = tmp_path / "out"
    full = design(api_specification=API, database_schema=SCHEMA, microservices=SERVICES)
    written = write_design(out, full)
    names = {str(w.path.relative_to(out)) for w in written}
    assert names == {"design.md", "design.json", "review.json", "openapi.yaml", "schema.sql", "services.yaml",
                     "migrations/versions/0001_initial.py"}
    for w in written:
        assert out in w.path.parents and w.size == len(w.path.read_bytes()) > 0
    reloaded = Design.model_validate_json((out / "design.json").read_text(encoding="utf-8"))
    assert reloaded == full
    assert yaml.safe_load((out / "openapi.yaml").read_text(encoding="utf-8"))["openapi"].startswith("3.1")
    assert (out / "schema.sql").read_text(encoding="utf-8") == render_sql(SCHEMA)
    assert "Online Shop" in (out / "design.md").read_text(encoding="utf-8")
    services = yaml.safe_load((out / "services.yaml").read_text(encoding="utf-8"))
    assert [s["name"] for s in services["microservices"]] == ["shop"]


def test_write_design_removes_stale_artifacts(tmp_path):
    out = tmp_path / "out"
    write_design(out, design(api_specification=API, database_schema=SCHEMA, microservices=SERVICES))
    written = write_design(out, design(api_specification=API))
    assert {w.path.name for w in written} == {"design.md", "design.json", "review.json", "openapi.yaml"}
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == ["design.json", "design.md", "openapi.yaml", "review.json"]


def test_write_design_with_transcript(tmp_path):
    written = write_design(tmp_path, design(), transcript='{"turn": 1}\n')
    assert (tmp_path / "transcript.jsonl").read_text(encoding="utf-8") == '{"turn": 1}\n'
    assert {w.path.name for w in written} == {"design.md", "design.json", "review.json", "transcript.jsonl"}


def test_write_atomic_replaces_and_leaves_no_temp_files(tmp_path):
    target = tmp_path / "file.txt"
    write_atomic(target, "first\n")
    write_atomic(target, "second\n")
    assert target.read_text(encoding="utf-8") == "second\n"
    assert os.listdir(tmp_path) == ["file.txt"]


def test_write_refused_through_symlink(tmp_path):
    """A file being written is never followed through a symlink."""
    out = tmp_path / "out"
    out.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me", encoding="utf-8")
    (out / "design.md").symlink_to(victim)
    with pytest.raises(OutputError, match="symbolic link"):
        write_design(out, design())
    assert victim.read_text(encoding="utf-8") == "keep me"
    assert (out / "design.md").is_symlink()


def test_a_stale_artifact_behind_a_symlink_is_left_alone(tmp_path):
    """Even when the manifest names it, a symlinked stale artifact is neither followed nor removed."""
    out = tmp_path / "out"
    write_design(out, design(api_specification=API))
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me", encoding="utf-8")
    (out / "openapi.yaml").unlink()
    (out / "openapi.yaml").symlink_to(victim)
    write_design(out, design())
    assert victim.read_text(encoding="utf-8") == "keep me" and (out / "openapi.yaml").is_symlink()


def test_files_a_person_put_there_are_never_removed(tmp_path):
    """Only files an earlier run wrote (its manifest) are removed as stale: not a hand-written ADR or spec."""
    out = tmp_path / "proj"
    (out / "adr").mkdir(parents=True)
    (out / "adr" / "0001-use-kafka.md").write_text("# mine\n", encoding="utf-8")
    (out / "openapi.yaml").write_text("openapi: 3.1.0\n", encoding="utf-8")
    write_design(out, design())
    assert (out / "adr" / "0001-use-kafka.md").read_text(encoding="utf-8") == "# mine\n"
    assert (out / "openapi.yaml").exists()


@pytest.mark.parametrize(("text", "slug"), [
    ("Online Shop: v2!", "online-shop-v2"),
    ("  --Hello__World--  ", "hello-world"),
    ("!!!", "design"),
    ("a" * 100, "a" * 60),
])
def test_slugify(text, slug):
    assert slugify(text) == slug
