"""EXPLAIN checks on a real server: the declared index serves the pattern, or the check says why not."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from backend_architect.checks.explain import AccessPattern, check_plans, indexes_in_plan
from backend_architect.checks.verify import access_patterns, verify_design

DDL = """
CREATE TYPE order_status AS ENUM ('pending', 'paid');
CREATE TABLE customers (id uuid PRIMARY KEY);
CREATE TABLE orders (id uuid PRIMARY KEY, customer_id uuid REFERENCES customers (id), status order_status,
                     created_at timestamptz, total numeric(12,2));
CREATE INDEX ix_orders_customer ON orders (customer_id, created_at DESC);
CREATE INDEX ix_orders_created ON orders (created_at);
"""
GOOD = AccessPattern("orders of a customer", "SELECT * FROM orders WHERE customer_id = $1 ORDER BY created_at DESC "
                     "LIMIT 20", "ix_orders_customer")
BY_STATUS = AccessPattern("orders by status", "SELECT * FROM orders WHERE status = $1", "ix_orders_created")
MISSING = AccessPattern("orders by status", "SELECT * FROM orders WHERE status = $1", "ix_orders_status")
BROKEN = AccessPattern("typo", "SELECT * FROM order WHERE id = $1", "orders_pkey")


@pytest.fixture
def conn(pg_dsn: str):
    import psycopg

    with psycopg.connect(pg_dsn) as connection:  # one transaction, rolled back: tests leave nothing behind
        connection.execute(DDL)
        yield connection
        connection.rollback()


@pytest.mark.parametrize("generic", [True, False], ids=["generic-plan", "prepare-execute"])
def test_declared_index_used_or_not(conn, generic: bool) -> None:
    checks = check_plans(conn, [GOOD, BY_STATUS, MISSING, BROKEN], generic=generic)
    assert [c.ok for c in checks] == [True, False, False, False]
    assert "uses ix_orders_customer" in checks[0].message
    assert "sequential scan of orders" in checks[1].message
    assert "does not create" in checks[2].message
    assert "the query fails" in checks[3].message


def test_plan_tree_walk() -> None:
    plan = {"Node Type": "Nested Loop", "Plans": [{"Node Type": "Seq Scan", "Relation Name": "a"},
                                                   {"Node Type": "Index Scan", "Index Name": "ix_b"}]}
    assert indexes_in_plan(plan) == (["ix_b"], ["a"])


def test_access_patterns_are_read_from_design_json() -> None:
    design = {"database_schema": {"access_patterns": [
        {"name": "a", "query": "SELECT 1", "index": "ix"}, {"name": "b", "sql": "SELECT 2"}, {"name": "no query"}]}}
    assert access_patterns(design) == [AccessPattern("a", "SELECT 1", "ix"), AccessPattern("b", "SELECT 2", None)]
    assert access_patterns({}) == []


def test_verify_design_checks_the_plans_beside_schema_sql(tmp_path: Path, pg_dsn: str) -> None:
    (tmp_path / "schema.sql").write_text(DDL)
    (tmp_path / "design.json").write_text(json.dumps({"database_schema": {"access_patterns": [
        {"name": GOOD.name, "query": GOOD.query, "index": GOOD.index},
        {"name": MISSING.name, "query": MISSING.query, "index": MISSING.index}]}}))
    report = verify_design(tmp_path / "schema.sql", dsn=pg_dsn)
    assert all(s.ok for s in report.statements)
    assert [c.ok for c in report.checks] == [True, False] and len(report.failures) == 1


def test_an_equally_cheap_competitor_is_set_aside(conn) -> None:
    # On empty tables both indexes lead with customer_id and cost the same; the declared one can serve the query.
    conn.execute("CREATE INDEX ix_orders_customer_status ON orders (customer_id, status, created_at DESC)")
    conn.execute("CREATE INDEX ix_orders_customer_total ON orders (customer_id, total)")
    [check] = check_plans(conn, [GOOD])
    assert check.ok
    assert conn.execute("SELECT count(*) FROM pg_indexes WHERE tablename = 'orders'").fetchone()[0] == 5  # restored
