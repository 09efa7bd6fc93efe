"""Brief conformance rules, and the requirement reader they stand on."""

from __future__ import annotations

import pytest

from backend_architect.review.english import read_requirement

from .briefaware import api, brief, bundle, col, ep, found, schema, table, trace

SOCIAL = brief(["Users follow and unfollow other users.", "Users see a home feed of recent posts."],
               [("Follow", ["follower_id", "followee_id"]), ("User", ["email: email unique"])])


@pytest.mark.parametrize(("text", "actor", "verbs", "kinds"), [
    ("Customers can pay for an order and see its payment status.", "customer", ["pay", "see"], {"read", "write"}),
    ("The office manager adds, edits and retires equipment.", "manager", ["add", "edit", "retire"], {"write"}),
    ("Visitors can browse products by category and search the catalog.", "visitor", ["browse"], {"read"}),
    ("Users like and comment on posts.", "user", ["like", "comment"], {"write"}),
    ("Anyone following a short link is redirected to the original URL.", "anyone", ["redirect"], {"read"}),
    ("Staff manage products, categories and stock levels.", "staff", ["manage"], {"write"}),
    ("Users can sign up, log in and belong to an organization.", "user", ["sign", "log", "belong"], {"write"}),
    ("the librarian (one volunteer, part time) adds books", "librarian", ["add"], {"write"}),
])
def test_the_reader_finds_the_actor_and_the_verbs(text, actor, verbs, kinds):
    reading = read_requirement(text)
    assert (reading.actor, reading.verbs, reading.kinds) == (actor, verbs, kinds)
    assert reading.person


def test_the_reader_leaves_system_behaviour_and_possessives_apart():
    assert not read_requirement("Each redirect records a click with referrer and country.").person
    assert not read_requirement("Each project has many tasks with a title, status and due date.").person
    assert read_requirement("Customers can view their order history.").own_nouns == ["order", "history"]
    assert read_requirement("Users see recent posts from the people they follow.").own_nouns == []


def test_declared_fields_missing_from_their_table_are_named():
    data = schema(table("users", col("email", "text")), table("follows", col("name", "text")))
    messages = [f.message for f in found(bundle(brief_=SOCIAL, data=data), "brief-declared-fields")]
    assert len(messages) == 2 and all("Follow." in m and "follows" in m for m in messages)
    assert any("follower_id" in m for m in messages) and any("followee_id" in m for m in messages)


def test_declared_fields_present_or_renamed_are_not_reported():
    data = schema(table("users", col("email_address", "text", description="the brief's email, renamed")),
                  table("follows", col("follower_id", fk="users"), col("followee_id", fk="users")))
    assert found(bundle(brief_=SOCIAL, data=data), "brief-declared-fields") == []


def test_a_declared_field_of_another_kind_of_type_or_not_unique_is_named_with_its_column_fixed():
    """equipment-booking run 10: `email uuid` for the brief's `email: email unique`, and a serial number that was
    part of a four-column key, unique no more once the key gave way to id."""
    shop = brief(["Staff add equipment."], [("Equipment", ["serial_number: string unique", "price: money",
                                                           "starts_at: timestamp", "name"]),
                                            ("User", ["email: email unique"])])
    data = schema(table("users", col("email", "uuid", unique=True)),
                  table("equipment", col("serial_number", "text"), col("price", "integer"),
                        col("starts_at", "text"), col("name", "uuid")))
    found_ = {f.location: f for f in found(bundle(brief_=shop, data=data), "brief-declared-types")}
    assert set(found_) == {"users.email", "equipment.serial_number", "equipment.starts_at"}  # cents and an untyped
    email = found_["users.email"]                                                             # field are left alone
    assert "of type text, not uuid" in email.message
    assert email.fix == {"database_schema": {"tables": [{"name": "users", "columns": [
        {"name": "email", "type": "text", "unique": True, "not_null": True}]}]}}
    serial = found_["equipment.serial_number"].fix["database_schema"]["tables"][0]["columns"][0]
    assert serial["unique"] is True and serial["type"] == "text"
    assert found_["equipment.starts_at"].fix["database_schema"]["tables"][0]["columns"][0]["type"] == "timestamptz"
    right = schema(table("users", col("email", "varchar(320)", unique=True)),
                   table("equipment", col("serial_number", "text", unique=True), col("price", "numeric(12,2)"),
                         col("starts_at", "timestamptz"), col("name", "text")))
    assert found(bundle(brief_=shop, data=right), "brief-declared-types") == []
    # equipment-booking run 12: every booking column nullable; a field the brief does not mark optional is NOT NULL
    optional = brief(["Staff add equipment."], [("Equipment", ["name", "notes?"])])
    loose = schema(table("equipment", col("name", "text", null=True), col("notes", "text", null=True)))
    [finding] = found(bundle(brief_=optional, data=loose), "brief-declared-types")
    assert finding.location == "equipment.name" and "NOT NULL" in finding.message
    assert finding.fix["database_schema"]["tables"][0]["columns"][0]["not_null"] is True


def test_declared_fields_are_checked_against_api_schemas_without_a_schema():
    spec = api({"follows": [ep("GET", "/follows", resp="Follow", many=True)]}, {"Follow": ["name", "description"]})
    [finding] = [f for f in found(bundle(brief_=SOCIAL, api_=spec), "brief-declared-fields")][:1]
    assert "Follow.follower_id" in finding.message


SHOP = brief(["Customers can pay for an order and see its payment status.", "Staff manage products."])
PAY = api({"payments": [ep("POST", "/payments", body="Payment", resp="Payment", roles=("staff",)),
                        ep("GET", "/payments/{payment_id}", resp="Payment", scope="order_id.customer_id")],
           "products": [ep("POST", "/products", body="Payment", resp="Payment", roles=("staff",))]},
          {"Payment": ["id:string:uuid:ro", "amount:number"]}, ["customer", "staff"])


def test_a_requirement_traced_to_an_operation_its_actor_may_not_call_is_not_served():
    b = bundle(brief_=SHOP, api_=PAY, traceability=trace(R1=["POST /api/v1/payments"], R2=["POST /api/v1/products"]))
    [finding] = found(b, "brief-requirement-served")
    assert finding.location == "traceability/R1"
    assert "no read operation" in finding.message and "allows only staff" in finding.message


def test_a_requirement_served_by_fitting_operations_is_not_reported():
    spec = api({"payments": [ep("POST", "/payments", body="Payment", resp="Payment", roles=("customer",)),
                             ep("GET", "/payments/{payment_id}", resp="Payment", scope="order_id.customer_id")],
                "products": [ep("POST", "/products", body="Payment", resp="Payment", roles=("staff",))]},
               {"Payment": ["id:string:uuid:ro", "amount:number"]}, ["customer", "staff"])
    b = bundle(brief_=SHOP, api_=spec, traceability=trace(
        R1=["POST /api/v1/payments", "GET /api/v1/payments/{payment_id}"], R2=["POST /api/v1/products"]))
    assert found(b, "brief-requirement-served") == []


def test_a_requirement_the_design_asks_about_is_not_reported_but_a_mere_mention_is():
    traced = trace(R1=["POST /api/v1/payments"], R2=["POST /api/v1/products"])
    asked = ["R1 (Customers can pay for an order and see its payment status.) is not served by an operation of "
             "this design. Which operation should serve it?"]
    assert found(bundle(brief_=SHOP, api_=PAY, traceability=traced, notes=asked), "brief-requirement-served") == []
    mentioned = ["R1 is served by the payments module.", "R1: limit per user or per IP?",
                 "R10 is not served here; which card brands?"]  # none says R1 is not served
    assert [f.location for f in found(bundle(brief_=SHOP, api_=PAY, traceability=traced, notes=mentioned),
                                      "brief-requirement-served")] == ["traceability/R1"]
    # Requirements stated as qualities need no operation
    quota = brief(["Anonymous clients get 1234 requests an hour.", "Staff manage products."])
    assert found(bundle(brief_=quota, api_=PAY, traceability=trace(R1=["POST /api/v1/products"],
                                                                   R2=["POST /api/v1/products"])),
                 "brief-requirement-served") == []


def test_a_requirement_traced_only_to_tables_is_not_served():
    b = bundle(brief_=SOCIAL, api_=PAY, traceability=trace(R1=["follows"], R2=["GET /api/v1/payments/{payment_id}"]))
    [finding] = found(b, "brief-requirement-served")
    assert finding.location == "traceability/R1" and "traced to no operation" in finding.message


def test_without_traceability_operations_on_the_named_resources_serve_the_requirement():
    assert found(bundle(brief_=SHOP, api_=PAY), "brief-requirement-served")[0].location == "traceability/R1"
    staff_only = brief(["Staff manage products."])
    assert found(bundle(brief_=staff_only, api_=PAY), "brief-requirement-served") == []


ORDERS = schema(table("orders", col("customer_id", fk="customers")), table("customers", col("password_hash", "text")),
                table("order_items", col("order_id", fk="orders", on_delete="cascade"),
                      col("quantity", "integer", check="quantity > 0")))


def test_line_items_created_apart_from_their_order_are_reported_with_the_requirement():
    spec = api({"orders": [ep("POST", "/orders", body="OrderCreate", resp="OrderCreate")],
                "order-items": [ep("POST", "/order-items", body="OrderItem", resp="OrderItem")]},
               {"OrderCreate": ["currency"], "OrderItem": ["order_id", "quantity:integer"]})
    wants = brief(["Customers can place an order containing multiple products with quantities."])
    [finding] = found(bundle(brief_=wants, api_=spec, data=ORDERS), "brief-child-with-parent")
    assert "order_items" in finding.message and "R1" in finding.message and "POST /api/v1/order-items" in finding.message


@pytest.mark.parametrize("resources,schemas", [
    ({"orders": [ep("POST", "/orders", body="OrderCreate", resp="OrderCreate")]},
     {"OrderCreate": ["items:array:ref=Line"], "Line": ["product_id", "quantity:integer"]}),
    ({"orders": [ep("POST", "/orders", body="OrderCreate", resp="OrderCreate"),
                 ep("POST", "/orders/{order_id}/items", body="Line", resp="Line")]},
     {"OrderCreate": ["currency"], "Line": ["product_id", "quantity:integer"]}),
], ids=["with-the-order", "under-the-order"])
def test_line_items_created_with_or_under_their_order_are_not_reported(resources, schemas):
    assert found(bundle(api_=api(resources, schemas), data=ORDERS), "brief-child-with-parent") == []


def test_visitors_must_read_without_signing_in_but_a_guest_may_write_with_a_token():
    spec = api({"tables": [ep("GET", "/tables", resp="Table", many=True)],
                "reservations": [ep("POST", "/reservations", body="Table", resp="Table")]},
               {"Table": ["id:string:uuid:ro", "seats:integer"]})
    guests = brief(["Guests can browse tables.", "Guests can reserve a table."])
    b = bundle(brief_=guests, api_=spec, traceability=trace(R1=["GET /api/v1/tables"],
                                                            R2=["POST /api/v1/reservations"]))
    [finding] = found(b, "brief-requirement-served")
    assert finding.location == "traceability/R1" and "allows any signed-in caller" in finding.message


def test_a_comment_deleted_with_its_post_is_created_under_it_or_naming_it():
    data = schema(table("users", col("password_hash", "text")), table("posts", col("user_id", fk="users")),
                  table("comments", col("post_id", fk="posts", on_delete="cascade"), col("user_id", fk="users"),
                        col("body", "text")))
    loose = api({"comments": [ep("POST", "/comments", body="CommentCreate", resp="CommentCreate")]},
                {"CommentCreate": ["body"]})
    [finding] = found(bundle(api_=loose, data=data), "brief-child-with-parent")
    assert "POST /api/v1/comments" in finding.message and "post_id" in finding.message
    for resources, props in (({"comments": [ep("POST", "/comments", body="CommentCreate", resp="CommentCreate")]},
                               ["post_id:string:uuid", "body"]),
                              ({"posts": [ep("POST", "/posts/{post_id}/comments", body="CommentCreate",
                                             resp="CommentCreate")]}, ["body"])):
        assert found(bundle(api_=api(resources, {"CommentCreate": props}), data=data), "brief-child-with-parent") == []


def test_guests_with_accounts_are_not_anonymous():
    guests = brief(["Guests receive a confirmation of their reservation."])
    data = schema(table("guests", col("password_hash", "text")), table("reservations", col("guest_id", fk="guests")))
    spec = api({"reservations": [ep("GET", "/reservations", resp="Reservation", many=True, scope="guest_id")]},
               {"Reservation": ["id:string:uuid:ro"]}, ["guest"])
    b = bundle(brief_=guests, data=data, api_=spec, traceability=trace(R1=["GET /api/v1/reservations"]))
    assert found(b, "brief-requirement-served") == []
    # Without a guests table a guest is a visitor: the read must be public.
    b = bundle(brief_=guests, data=schema(table("reservations", col("code", "text"))), api_=spec,
               traceability=trace(R1=["GET /api/v1/reservations"]))
    assert [f.location for f in found(b, "brief-requirement-served")] == ["traceability/R1"]


LINKS = brief(["Users can list their links and see click counts per link.", "Customers view their order history."])


def test_rows_a_requirement_calls_the_persons_own_must_lead_to_the_person():
    users = table("users", col("email", "text", unique=True), col("password_hash", "text"))
    unowned = schema(users, table("short_urls", col("code", "text", unique=True)),
                     table("clicks", col("short_url_id", fk="short_urls")))
    (finding,) = found(bundle(brief_=LINKS, data=unowned), "brief-owned-rows")
    assert finding.location == "short_urls" and "R1" in finding.message  # the top of the unowned tables
    owned = schema(users, table("short_urls", col("user_id", fk="users"), col("code", "text", unique=True)),
                   table("clicks", col("short_url_id", fk="short_urls")))
    assert found(bundle(brief_=LINKS, data=owned), "brief-owned-rows") == []
    # url-shortener run 19: clicks carry a user_id (the clicker's) and short_urls none; the links are still not
    # the user's. A table of the user's own that hangs from no unowned one (bookmarks) satisfies the noun.
    clicker = schema(users, table("short_urls", col("code", "text", unique=True)),
                     table("clicks", col("short_url_id", fk="short_urls"), col("user_id", fk="users")))
    assert [f.location for f in found(bundle(brief_=LINKS, data=clicker), "brief-owned-rows")] == ["short_urls"]
    bookmarks = schema(users, table("bookmarks", col("user_id", fk="users")), table("tags", col("name", "text")))
    assert found(bundle(brief_=LINKS, data=bookmarks), "brief-owned-rows") == []
    # A table the requirement names is checked by itself, whatever the others are.
    orders = schema(users, table("customers", col("email", "text"), col("password_hash", "text")),
                    table("orders", col("total", "numeric")), table("order_items", col("order_id", fk="orders")))
    named = [f.location for f in found(bundle(brief_=LINKS, data=orders), "brief-owned-rows")]
    assert named == ["orders"]


def test_a_change_verb_is_served_by_an_action_on_the_row_or_a_retirements_delete():
    data = schema(table("users", col("password_hash", "text")), table("reviews", col("body", "text")),
                  table("equipment", col("name", "text")))
    mods = brief(["Moderators approve reviews.", "The office manager retires equipment."])
    spec = api({"reviews": [ep("POST", "/reviews/{review_id}/approval", resp="Review", roles=("admin",))],
                "equipment": [ep("DELETE", "/equipment/{equipment_id}", roles=("admin",)),
                              ep("GET", "/equipment", resp="Review", many=True)]},
               {"Review": ["id:string:uuid:ro", "body"]}, ["user", "admin"])
    from backend_architect.review.conformance import unserved_on_emit

    assert list(unserved_on_emit(bundle(brief_=mods, data=data, api_=spec))) == []


def test_a_nullable_key_that_says_on_delete_set_null_is_not_asked_to_be_not_null():
    shop = brief(["Customers order products."], [("OrderItem", ["product_id"])])
    data = schema(table("products", col("name", "text")),
                  table("order_items", col("product_id", fk="products", null=True, on_delete="set null")))
    assert found(bundle(brief_=shop, data=data), "brief-declared-types") == []
