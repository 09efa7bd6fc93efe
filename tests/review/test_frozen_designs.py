"""The acceptance of issue 12: on frozen copies of the builtin's online-shop and photo-social designs (as the
builtin made them before it was taught these rules), `review DIR --format json` reports every problem a senior
architect rejects them for, each naming the resource, field or requirement."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from backend_architect.cli.app import app

FROZEN = Path(__file__).resolve().parents[1] / "fixtures" / "frozen"


def review(name: str) -> list[dict]:
    result = CliRunner().invoke(app, ["review", str(FROZEN / name), "--format", "json"])
    assert result.exit_code == 1, result.output
    return json.loads(result.output)["findings"]


def has(findings: list[dict], rule_id: str, *words: str) -> bool:
    return any(f["rule_id"] == rule_id and f["severity"] == "error" and all(w in f["message"] for w in words)
               for f in findings)


@pytest.fixture(scope="module")
def shop() -> list[dict]:
    return review("online-shop")


@pytest.fixture(scope="module")
def social() -> list[dict]:
    return review("photo-social")


@pytest.mark.parametrize("path", ["GET /api/v1/payments ", "GET /api/v1/payments/{payment_id} ",
                                  "GET /api/v1/order-items "])
def test_public_payments_and_order_items(shop, path):
    assert has(shop, "authz-sensitive-public", path, "public")


@pytest.mark.parametrize("path", [f"{m} /api/v1/{r}" for r in ("customers/{customer_id}", "orders/{order_id}")
                                  for m in ("GET", "PATCH", "DELETE")])
def test_any_customer_reaches_any_customer_and_any_order(shop, path):
    assert has(shop, "authz-owner-scope", path, "x-owner-scope")


@pytest.mark.parametrize("field", ["OrderCreate.status", "OrderCreate.total_amount"])
def test_order_create_takes_server_owned_fields(shop, field):
    assert has(shop, "authz-server-owned-fields", field)


def test_an_order_cannot_carry_its_items_so_r3_cannot_be_done(shop):
    assert has(shop, "brief-child-with-parent", "order_items", "POST /api/v1/orders", "R3")


def test_r4_customers_pay_is_traced_to_a_staff_only_operation(shop):
    assert has(shop, "brief-requirement-served", "R4", "POST /api/v1/payments allows only staff", "customer")


@pytest.mark.parametrize("field", ["follower_id", "followee_id"])
def test_follow_lost_its_declared_fields(social, field):
    assert has(social, "brief-declared-fields", f"Follow.{field}", "follows")


def test_r3_follow_is_traced_to_no_endpoint(social):
    assert has(social, "brief-requirement-served", "R3", "traced to no operation")


def test_r4_home_feed_is_traced_to_a_write(social):
    assert has(social, "brief-requirement-served", "R4", "POST /api/v1/posts", "no read operation")


def test_the_same_like_can_be_stored_twice(social):
    assert has(social, "schema-association-unique", "likes", "(post_id, user_id)")


def test_the_findings_point_into_the_files(shop, social):
    for findings in (shop, social):
        assert all(f.get("file") for f in findings)
        assert any(f["file"].endswith("openapi.yaml") for f in findings if f["rule_id"].startswith("authz-"))
        assert any(f["file"].endswith("schema.sql") for f in findings if f["rule_id"].startswith("schema-"))
