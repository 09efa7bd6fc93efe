"""Authorization rules: each with a design that triggers it and the same design put right."""

from __future__ import annotations

from .briefaware import api, brief, bundle, col, ep, found, schema, table

SHOP = schema(
    table("customers", col("email", "text", unique=True), col("password_hash", "text")),
    table("orders", col("customer_id", fk="customers"), col("status", "text"),
          col("total_amount", "numeric(12,2)", check="total_amount >= 0")),
    table("order_items", col("order_id", fk="orders"), col("product_id", fk="products"),
          col("quantity", "integer", check="quantity > 0")),
    table("products", col("name", "text"), col("price", "numeric(12,2)", check="price >= 0")),
    table("payments", col("order_id", fk="orders"), col("amount", "numeric(12,2)", check="amount >= 0")),
)
SHOP_BRIEF = brief(["Visitors can browse products.", "Customers can view their order history."])
SCHEMAS = {"Order": ["id:string:uuid:ro", "status:string", "total_amount:number:decimal:ro"],
           "OrderCreate": ["items:array:ref=OrderLine"], "Product": ["id:string:uuid:ro", "name"],
           "Payment": ["id:string:uuid:ro", "amount:number"], "OrderItem": ["id:string:uuid:ro", "quantity:integer"],
           "Customer": ["id:string:uuid:ro", "email:string:email"], "OrderLine": ["product_id:string:uuid", "quantity:integer"],
           "CustomerCreate": ["email:string:email", "password:string"]}


def shop(resources: dict, schemas: dict | None = None, roles: list[str] | None = None):
    return bundle(brief_=SHOP_BRIEF, data=SHOP, api_=api(resources, schemas or SCHEMAS, roles or ["customer", "staff"]))


def test_public_payments_and_order_items_are_reported_and_a_public_catalog_is_not():
    b = shop({"payments": [ep("GET", "/payments", public=True, resp="Payment", many=True)],
              "order-items": [ep("GET", "/order-items/{order_item_id}", public=True, resp="OrderItem")],
              "products": [ep("GET", "/products", public=True, resp="Product", many=True)]})
    messages = {f.location: f.message for f in found(b, "authz-sensitive-public")}
    assert any("GET /api/v1/payments is public" in m and "payment" in m for m in messages.values())
    assert any("order-items" in loc and "order_id.customer_id" in m for loc, m in messages.items())
    assert not any("products" in loc for loc in messages)  # the brief lets visitors browse products


def test_public_reads_are_fine_when_signed_in_and_scoped():
    b = shop({"payments": [ep("GET", "/payments", resp="Payment", many=True, scope="order_id.customer_id")]})
    assert found(b, "authz-sensitive-public") == []
    assert found(b, "authz-owner-scope") == []


def test_a_public_write_is_reported_but_sign_up_and_sign_in_are_not():
    b = shop({"orders": [ep("POST", "/orders", public=True, body="OrderCreate", resp="Order")],
              "customers": [ep("POST", "/customers", public=True, body="CustomerCreate", resp="Customer")],
              "auth": [ep("POST", "/auth/tokens", public=True, body="CustomerCreate", resp="Customer")]})
    locations = [f.location for f in found(b, "authz-write-public")]
    assert locations == ["/paths/~1api~1v1~1orders/post/security"]


def test_owned_rows_open_to_any_caller_are_reported_with_the_owner_column_to_scope_by():
    b = shop({"orders": [ep("GET", "/orders", resp="Order", many=True),
                         ep("PATCH", "/orders/{order_id}", body="OrderCreate", resp="Order"),
                         ep("DELETE", "/orders/{order_id}")],
              "customers": [ep("GET", "/customers/{customer_id}", resp="Customer")]})
    got = {f.location.split("/")[-1] + " " + f.location.split("/")[-2]: f.message for f in found(b, "authz-owner-scope")}
    assert len(got) == 4
    assert all("x-owner-scope" in m for m in got.values())
    assert any("customer_id" in m and "list every order" in m for m in got.values())
    assert any("email" in m for m in got.values())  # the customer record carries personal fields


def test_owner_scope_a_me_path_or_a_staff_role_each_satisfy_the_owner_rule():
    b = shop({"orders": [ep("GET", "/orders", resp="Order", many=True, scope="customer_id"),
                         ep("PATCH", "/orders/{order_id}", body="OrderCreate", resp="Order", roles=("staff",)),
                         ep("DELETE", "/orders/{order_id}", scope="customer_id")],
              "me": [ep("GET", "/me", resp="Customer")]})
    assert found(b, "authz-owner-scope") == []


def test_shared_content_may_be_read_by_any_signed_in_user_but_not_changed():
    data = schema(table("users", col("password_hash", "text")), table("posts", col("user_id", fk="users")))
    social = brief(["Users see a home feed of recent posts from the people they follow."])
    spec = api({"posts": [ep("GET", "/posts", resp="Post", many=True), ep("DELETE", "/posts/{post_id}")]},
               {"Post": ["id:string:uuid:ro", "caption"]}, ["user"])
    locations = [f.location for f in found(bundle(brief_=social, data=data, api_=spec), "authz-owner-scope")]
    assert locations == ["/paths/~1api~1v1~1posts~1{post_id}/delete"]


def test_writes_of_one_resource_restricted_unevenly_are_reported():
    uneven = shop({"products": [ep("POST", "/products", body="Product", resp="Product", roles=("staff",)),
                                ep("PATCH", "/products/{product_id}", body="Product", resp="Product")]})
    [finding] = found(uneven, "authz-role-consistency")
    assert "PATCH /api/v1/products/{product_id}" in finding.message and "staff" in finding.message
    even = shop({"products": [ep("POST", "/products", body="Product", resp="Product", roles=("staff",)),
                              ep("PATCH", "/products/{product_id}", body="Product", resp="Product", roles=("staff",))]})
    assert found(even, "authz-role-consistency") == []


def test_server_owned_fields_in_request_bodies_are_reported():
    schemas = {**SCHEMAS, "OrderCreate": ["status:string", "total_amount:number", "customer_id:string:uuid",
                                          "created_at:string:date-time", "note"],
               "OrderUpdate": ["status:string{cancelled|shipped}"]}
    b = shop({"orders": [ep("POST", "/orders", body="OrderCreate", resp="Order", scope="customer_id"),
                         ep("PATCH", "/orders/{order_id}", body="OrderUpdate", resp="Order", scope="customer_id")]},
             schemas)
    fields = {f.location.rsplit("/", 1)[-1]: f.message for f in found(b, "authz-server-owned-fields")
              if "OrderCreate" in f.location}
    assert set(fields) == {"status", "total_amount", "customer_id", "created_at"}
    update = [f.message for f in found(b, "authz-server-owned-fields") if "OrderUpdate" in f.location]
    assert update and "shipped" in update[0] and "cancelled" not in update[0].split("set it to")[1]


def test_client_settable_fields_read_only_fields_and_staff_operations_are_not_reported():
    schemas = {**SCHEMAS, "OrderCreate": ["items:array:ref=OrderLine", "note", "total_amount:number:ro"],
               "OrderUpdate": ["status:string{cancelled}"], "Booking": ["starts_at:string:date-time", "followee_id"]}
    b = shop({"orders": [ep("POST", "/orders", body="OrderCreate", resp="Order", scope="customer_id"),
                         ep("PATCH", "/orders/{order_id}", body="OrderUpdate", resp="Order", scope="customer_id"),
                         ep("PUT", "/orders/{order_id}/status", body="Order", resp="Order", roles=("staff",))],
              "bookings": [ep("POST", "/bookings", body="Booking", resp="Booking")]}, schemas)
    assert found(b, "authz-server-owned-fields") == []


def test_customers_may_create_what_only_staff_may_change():
    b = shop({"orders": [ep("POST", "/orders", body="OrderCreate", resp="Order"),
                         ep("PATCH", "/orders/{order_id}", body="OrderCreate", resp="Order", roles=("staff",)),
                         ep("DELETE", "/orders/{order_id}", scope="customer_id")]})
    assert found(b, "authz-role-consistency") == []


def test_people_another_actor_deals_with_may_be_listed_but_not_changed_by_anyone():
    data = schema(table("patients", col("password_hash", "text")), table("doctors", col("name", "text")),
                  table("appointments", col("patient_id", fk="patients"), col("doctor_id", fk="doctors")))
    clinic = brief(["Patients can book appointments with doctors."])
    spec = api({"doctors": [ep("GET", "/doctors", resp="Doctor", many=True), ep("DELETE", "/doctors/{doctor_id}")]},
               {"Doctor": ["id:string:uuid:ro", "name"]}, ["patient", "doctor"])
    locations = [f.location for f in found(bundle(brief_=clinic, data=data, api_=spec), "authz-owner-scope")]
    assert locations == ["/paths/~1api~1v1~1doctors~1{doctor_id}/delete"]


def test_the_person_a_caller_chooses_is_not_a_server_owned_field():
    data = schema(table("patients", col("password_hash", "text")), table("doctors", col("password_hash", "text")),
                  table("appointments", col("patient_id", fk="patients"), col("doctor_id", fk="doctors")))
    clinic = brief(["Patients can book appointments with doctors."])

    def owned(body: list[str], roles: tuple[str, ...] = ()) -> list[str]:
        spec = api({"appointments": [ep("POST", "/appointments", body="AppointmentCreate", resp="AppointmentCreate",
                                        roles=roles)]}, {"AppointmentCreate": body}, ["patient", "doctor"])
        return sorted(f.location.rsplit("/", 1)[-1]
                      for f in found(bundle(brief_=clinic, data=data, api_=spec), "authz-server-owned-fields"))

    # The body leaves the patient out (the caller's, from the token) and takes the doctor the patient chose.
    assert owned(["doctor_id", "starts_at"]) == []
    # The operation's roles say who calls: the patient's own key is the server's, the doctor's is chosen.
    assert owned(["patient_id", "doctor_id"], roles=("patient",)) == ["patient_id"]
    # Without roles, the table's owner (its first person key, patient_id) is the caller's; the doctor is chosen.
    assert owned(["patient_id", "doctor_id"]) == ["patient_id"]


def test_rows_owned_through_a_parent_read_with_the_persons_own_rows_are_theirs_only():
    """url-shortener: "Users can list their links and see click counts per link": the clicks of their links, so
    `GET /clicks/{id}` open to any signed-in user reads other people's clicks (the 1.5B model's run 17)."""
    data = schema(table("users", col("password_hash", "text")), table("links", col("user_id", fk="users")),
                  table("clicks", col("link_id", fk="links"), col("country", "text")))
    shortener = brief(["Users can list their links and see click counts per link."])
    spec = api({"clicks": [ep("GET", "/clicks/{click_id}", resp="Click")]},
               {"Click": ["id:string:uuid:ro", "country"]}, ["user"])
    [finding] = found(bundle(brief_=shortener, data=data, api_=spec), "authz-owner-scope")
    assert "link_id.user_id" in finding.message and finding.fix == {"owner_scope": "link_id.user_id"}
    # run 19: the clicks also carry a user_id of their own; they still hang from the user's links
    clicker = schema(table("users", col("password_hash", "text")), table("links", col("user_id", fk="users")),
                     table("clicks", col("link_id", fk="links"), col("user_id", fk="users")))
    listed = api({"clicks": [ep("GET", "/clicks", resp="Click", many=True)]},
                 {"Click": ["id:string:uuid:ro", "country"]}, ["user"])
    [finding] = found(bundle(brief_=shortener, data=clicker, api_=listed), "authz-owner-scope")
    assert finding.fix == {"owner_scope": "user_id"}
    everyone = brief(["Users see the click counts of every link."])
    assert found(bundle(brief_=everyone, data=data, api_=spec), "authz-owner-scope") == []


def test_writes_the_brief_gives_only_to_staff_are_restricted_to_a_privileged_role():
    """equipment-booking run 12: `POST /equipment` open to every signed-in employee, where the brief has the
    office manager add, edit and retire equipment."""
    data = schema(table("employees", col("password_hash", "text")), table("equipment", col("name", "text")),
                  table("bookings", col("employee_id", fk="employees"), col("equipment_id", fk="equipment")))
    office = brief(["Employees book an item for a time slot.", "The office manager adds, edits and retires equipment."])
    spec = api({"equipment": [ep("POST", "/equipment", body="Equipment", resp="Equipment"),
                              ep("PATCH", "/equipment/{equipment_id}", body="Equipment", resp="Equipment",
                                 roles=("admin",))],
                "bookings": [ep("POST", "/bookings", body="Booking", resp="Booking")]},
               {"Equipment": ["id:string:uuid:ro", "name"], "Booking": ["id:string:uuid:ro", "equipment_id"]},
               ["user", "admin"])
    [finding] = found(bundle(brief_=office, data=data, api_=spec), "authz-staff-writes")
    assert finding.location.endswith("equipment/post") and finding.fix == {"roles": ["admin"]}
    assert "manager" in finding.message
    shared = brief(["Employees add equipment they bring.", "The office manager retires equipment."])
    assert found(bundle(brief_=shared, data=data, api_=spec), "authz-staff-writes") == []


def test_without_roles_the_owner_key_is_the_callers_even_when_another_person_key_is_left_out():
    """orders(customer_id, courier_id), POST /orders taking customer_id: a customer could order for another."""
    data = schema(table("customers", col("password_hash", "text")), table("couriers", col("password_hash", "text")),
                  table("orders", col("customer_id", fk="customers"), col("courier_id", fk="couriers")))
    shop = brief(["Customers place orders; couriers deliver them."])
    spec = api({"orders": [ep("POST", "/orders", body="OrderCreate", resp="OrderCreate")]},
               {"OrderCreate": ["customer_id", "note"]}, ["customer", "courier"])
    found_at = [f.location.rsplit("/", 1)[-1] for f in found(bundle(brief_=shop, data=data, api_=spec),
                                                             "authz-server-owned-fields")]
    assert found_at == ["customer_id"]


def test_a_payment_edited_or_deleted_by_its_owner_is_reported_and_staff_moving_its_status_is_not():
    b = shop({"payments": [ep("PATCH", "/payments/{payment_id}", body="Payment", resp="Payment",
                              scope="order_id.customer_id"),
                           ep("DELETE", "/payments/{payment_id}", scope="order_id.customer_id")],
              "orders": [ep("PATCH", "/orders/{order_id}", body="OrderCreate", resp="Order", scope="customer_id")]})
    got = {f.location: f.message for f in found(b, "authz-ledger-immutable")}
    assert set(got) == {"/paths/~1api~1v1~1payments~1{payment_id}/patch",
                        "/paths/~1api~1v1~1payments~1{payment_id}/delete"}  # an order may change
    assert "never deleted" in got["/paths/~1api~1v1~1payments~1{payment_id}/delete"]
    ok = shop({"payments": [ep("GET", "/payments/{payment_id}", resp="Payment", scope="order_id.customer_id"),
                            ep("PATCH", "/payments/{payment_id}", body="Payment", resp="Payment", roles=("staff",))]})
    assert found(ok, "authz-ledger-immutable") == []


def test_signing_up_or_in_behind_a_token_is_reported_with_the_fix():
    """Run 17: the 1.5B model's POST /auth/register and POST /auth/login required a token."""
    spec = api({"users": [ep("POST", "/auth/register"), ep("POST", "/auth/login", roles=("user",)),
                          ep("POST", "/sessions"), ep("POST", "/auth/sign-up", public=True),
                          ep("POST", "/auth/tokens"), ep("POST", "/tokens")]}, {}, ["user"])
    findings = found(bundle(api_=spec), "authz-sign-in-public")
    # POST /sessions is left alone: a gym's training sessions are booked with a token; POST /tokens may be an API
    # key's creation. POST /auth/tokens is the token endpoint (equipment-booking run 15 had it behind a token).
    assert {f.location.split("/")[-2].replace("~1", "/") for f in findings} == {
        "/api/v1/auth/register", "/api/v1/auth/login", "/api/v1/auth/tokens"}
    login = next(f for f in findings if "login" in f.location)
    assert login.fix == {"auth_required": False, "roles": []}


def test_the_comments_of_posts_everyone_reads_are_not_the_readers_own():
    """A second reading: "their home feed of posts … with the comments on each post" named one of their own
    nouns, and the comments of everyone's posts became private."""
    data = schema(table("users", col("password_hash", "text")), table("posts", col("user_id", fk="users")),
                  table("comments", col("post_id", fk="posts"), col("body", "text")))
    social = brief(["Users see their home feed of recent posts from the people they follow, with the comments on "
                    "each post."])
    spec = api({"comments": [ep("GET", "/posts/{post_id}/comments", resp="Comment", many=True)]},
               {"Comment": ["id:string:uuid:ro", "body"]}, ["user"])
    assert found(bundle(brief_=social, data=data, api_=spec), "authz-owner-scope") == []


def test_staff_writes_need_a_staff_role_to_restrict_to():
    data = schema(table("users", col("password_hash", "text")), table("listings", col("title", "text")))
    agents = brief(["Property managers add listings."])
    spec = api({"listings": [ep("POST", "/listings", body="Listing", resp="Listing")]},
               {"Listing": ["id:string:uuid:ro", "title"]}, ["user"])
    assert found(bundle(brief_=agents, data=data, api_=spec), "authz-staff-writes") == []
