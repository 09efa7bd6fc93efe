"""Schema semantics rules: association keys, reachable tables, CHECKs on quantities, no overlapping bookings."""

from __future__ import annotations

from pathlib import Path

import pytest

from backend_architect.review.ddl import parse_ddl
from backend_architect.render.sql import render_sql
from backend_architect.review import Bundle

from .briefaware import brief, bundle, col, found, schema, table, unique

USERS = table("users", col("password_hash", "text"))
POSTS = table("posts", col("user_id", fk="users"))
LIKES = brief([], [("Like", ["post_id", "user_id"])])


def test_an_association_without_a_unique_pair_is_reported():
    likes = table("likes", col("post_id", fk="posts"), col("user_id", fk="users"), col("created_at", "timestamptz"))
    [finding] = found(bundle(brief_=LIKES, data=schema(USERS, POSTS, likes)), "schema-association-unique")
    assert finding.location == "likes" and "(post_id, user_id)" in finding.message
    # Without the brief, a table of two keys and a timestamp is still recognised as an association.
    assert found(bundle(data=schema(USERS, POSTS, likes)), "schema-association-unique")


def test_a_unique_pair_or_a_composite_key_satisfies_the_association_rule():
    likes = table("likes", col("post_id", fk="posts"), col("user_id", fk="users"),
                  indexes=[unique("likes", "post_id", "user_id")])
    assert found(bundle(brief_=LIKES, data=schema(USERS, POSTS, likes)), "schema-association-unique") == []
    ddl = ("CREATE TABLE users (id uuid PRIMARY KEY);\nCREATE TABLE posts (id uuid PRIMARY KEY);\n"
           "CREATE TABLE likes (post_id uuid REFERENCES posts(id), user_id uuid REFERENCES users(id),\n"
           "  PRIMARY KEY (post_id, user_id));")
    assert found(Bundle(data=parse_ddl(ddl)[0], brief=LIKES), "schema-association-unique") == []


def test_a_table_related_to_nothing_is_reported_unless_it_says_why():
    lone = table("follows", col("name", "text"))
    [finding] = found(bundle(data=schema(USERS, POSTS, lone)), "schema-table-reachable")
    assert finding.location == "follows" and finding.severity == "warning"
    said = table("settings", col("value", "text"), description="standalone key-value settings of the app")
    assert found(bundle(data=schema(USERS, POSTS, said)), "schema-table-reachable") == []


def test_quantities_and_amounts_without_a_check_are_reported_and_checks_are_rendered():
    items = table("order_items", col("quantity", "integer"), col("unit_price", "numeric(12,2)", check="unit_price >= 0"),
                  col("note", "text"))
    data = schema(items)
    assert [f.location for f in found(bundle(data=data), "schema-quantity-check")] == ["order_items.quantity"]
    assert "CHECK (unit_price >= 0)" in render_sql(data)


def test_a_check_written_in_ddl_counts():
    ddl = "CREATE TABLE order_items (id uuid PRIMARY KEY, quantity integer NOT NULL CHECK (quantity > 0));"
    assert found(Bundle(data=parse_ddl(ddl)[0]), "schema-quantity-check") == []


EQUIPMENT = table("equipment", col("name", "text"))


def test_bookings_that_may_overlap_are_reported():
    bookings = table("bookings", col("equipment_id", fk="equipment"), col("starts_at", "timestamptz"),
                     col("ends_at", "timestamptz"))
    [finding] = found(bundle(data=schema(EQUIPMENT, bookings)), "schema-no-overlap")
    assert finding.location == "bookings" and "equipment_id WITH =" in finding.message


def test_an_exclusion_constraint_or_a_stated_lock_prevents_overlaps():
    exclusion = {"name": "bookings_no_overlap", "elements": ["equipment_id WITH =",
                                                             "tstzrange(starts_at, ends_at) WITH &&"],
                 "where": "status <> 'cancelled'", "reason": "one booking of an item at a time"}
    bookings = table("bookings", col("equipment_id", fk="equipment"), col("starts_at", "timestamptz"),
                     col("ends_at", "timestamptz"), col("status", "text"), exclusions=[exclusion])
    data = schema(EQUIPMENT, bookings)
    assert found(bundle(data=data), "schema-no-overlap") == []
    assert "EXCLUDE USING gist (equipment_id WITH =, tstzrange(starts_at, ends_at) WITH &&)" in render_sql(data)
    assert "CREATE EXTENSION IF NOT EXISTS btree_gist" in render_sql(data)
    locked = table("reservations", col("room_id", fk="equipment"), col("start_time", "timestamptz"),
                   col("end_time", "timestamptz"),
                   description="overlaps are refused under SELECT … FOR UPDATE of the room row")
    assert found(bundle(data=schema(EQUIPMENT, locked)), "schema-no-overlap") == []


@pytest.fixture(scope="module")
def gist_dsn(pg_dsn: str):
    """A server with btree_gist (a contrib module every packaged and managed PostgreSQL has, but the pgserver
    wheel lacks): the session's, or an installed one."""
    import psycopg

    from backend_architect.checks.pg import Binaries, temporary_server

    with psycopg.connect(pg_dsn) as conn:
        if conn.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'btree_gist'").fetchone():
            yield pg_dsn
            return
    installed = [d for d in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
                 if (d.parent / "lib" / "btree_gist.so").exists() and (d / "initdb").exists()]
    if not installed:
        pytest.skip("no PostgreSQL with the btree_gist contrib module")
    with temporary_server(Binaries(installed[0], "installed")) as dsn:
        yield dsn


def test_the_rendered_checks_and_exclusion_run_on_postgresql_and_refuse_what_they_should(gist_dsn: str):
    import psycopg

    pg_dsn = gist_dsn

    exclusion = {"name": "bookings_no_overlap", "elements": ["equipment_id WITH =",
                                                             "tstzrange(starts_at, ends_at) WITH &&"],
                 "reason": "one booking of an item at a time"}
    data = schema(EQUIPMENT, table("bookings", col("equipment_id", fk="equipment"), col("starts_at", "timestamptz"),
                                   col("ends_at", "timestamptz"), col("seats", "integer", check="seats > 0"),
                                   exclusions=[exclusion]))
    with psycopg.connect(pg_dsn) as conn:  # rolled back on exit: nothing is left behind
        conn.execute(render_sql(data))
        conn.execute("INSERT INTO equipment VALUES ('00000000-0000-0000-0000-000000000001', 'camera')")
        insert = ("INSERT INTO bookings VALUES (gen_random_uuid(), '00000000-0000-0000-0000-000000000001', "
                  "%s, %s, %s)")
        conn.execute(insert, ("2026-01-01 10:00Z", "2026-01-01 12:00Z", 1))
        for starts, ends, seats, error in (("2026-01-01 11:00Z", "2026-01-01 13:00Z", 1, psycopg.errors.ExclusionViolation),
                                           ("2026-01-02 11:00Z", "2026-01-02 13:00Z", 0, psycopg.errors.CheckViolation)):
            with conn.transaction():
                try:
                    with conn.transaction():
                        conn.execute(insert, (starts, ends, seats))
                except error:
                    continue
            raise AssertionError(f"PostgreSQL accepted {starts}–{ends} with {seats} seats")
        conn.rollback()


def test_the_overlap_to_exclude_is_the_booked_things_not_the_bookers():
    data = schema(table("patients", col("password_hash", "text")), table("doctors", col("name", "text")),
                  table("appointments", col("patient_id", fk="patients"), col("doctor_id", fk="doctors"),
                        col("starts_at", "timestamptz"), col("ends_at", "timestamptz")))
    [finding] = found(bundle(data=data), "schema-no-overlap")
    assert "doctor_id WITH =" in finding.message


def test_an_exclusion_written_in_ddl_counts():
    ddl = ("CREATE TABLE rooms (id uuid PRIMARY KEY);\n"
           "CREATE TABLE reservations (id uuid PRIMARY KEY, room_id uuid NOT NULL REFERENCES rooms(id),\n"
           "  starts_at timestamptz NOT NULL, ends_at timestamptz NOT NULL);\n")
    assert found(Bundle(data=parse_ddl(ddl)[0]), "schema-no-overlap")
    excluded = ddl + ("ALTER TABLE reservations ADD CONSTRAINT no_overlap EXCLUDE USING gist "
                      "(room_id WITH =, tstzrange(starts_at, ends_at) WITH &&);")
    schema_, _ = parse_ddl(excluded)
    assert found(Bundle(data=schema_), "schema-no-overlap") == []
    assert schema_.table("reservations").exclusions[0].elements == ["room_id WITH =",
                                                                    "tstzrange(starts_at, ends_at) WITH &&"]


RESIDENTS = table("residents", col("email", "text", unique=True), col("password_hash", "text"))
LOANS = table("loans", col("resident_id", fk="residents"), col("due_at", "timestamptz"))


def test_an_invoice_keyed_to_no_one_is_an_error_and_one_keyed_to_its_payer_or_through_its_record_is_not():
    """The co-op's first design: invoices with an amount and a status, and no key to the resident they bill."""
    lone = table("invoices", col("number", "text"), col("amount_due", "numeric(12,2)", check="amount_due >= 0"))
    [finding] = found(bundle(data=schema(RESIDENTS, LOANS, lone)), "schema-money-record-owner")
    assert finding.location == "invoices" and finding.severity == "error"
    assert "invoices.resident_id REFERENCES residents" in finding.message
    keyed = table("invoices", col("resident_id", fk="residents"), col("number", "text"))
    settles = table("payments", col("loan_id", fk="loans"), col("amount", "numeric(12,2)", check="amount >= 0"))
    assert found(bundle(data=schema(RESIDENTS, LOANS, keyed, settles)), "schema-money-record-owner") == []


def test_a_money_table_is_nobodys_only_when_no_one_signs_in_or_its_description_says_so():
    lone = table("invoices", col("number", "text"))
    nobody_signs_in = table("tools", col("name", "text"))
    assert found(bundle(data=schema(nobody_signs_in, lone)), "schema-money-record-owner") == []
    own = table("payouts", col("amount", "numeric(12,2)", check="amount >= 0"),
                description="the platform's own payouts to its bank, nobody's personal record")
    sales = table("transactions", col("amount", "numeric(12,2)", check="amount >= 0"))  # a sale is nobody's bill
    assert found(bundle(data=schema(RESIDENTS, own, sales)), "schema-money-record-owner") == []


def test_a_reminder_keyed_to_no_one_is_a_warning_and_one_about_a_loan_is_not():
    lone = table("reminders", col("sent_at", "timestamptz"))
    [finding] = found(bundle(data=schema(RESIDENTS, LOANS, lone)), "schema-notice-owner")
    assert finding.location == "reminders" and finding.severity == "warning"
    about = table("reminders", col("loan_id", fk="loans"), col("sent_at", "timestamptz"))
    assert found(bundle(data=schema(RESIDENTS, LOANS, about)), "schema-notice-owner") == []
