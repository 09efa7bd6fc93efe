"""Hand-written designs a senior architect would sign, one per shipped example brief: the false-positive bar
of the brief-aware rules (each must get 0 errors from them). Written as a reviewer would want them: owners
scope what they own, staff-only functions say so, bodies take only what the client may set, line items travel
with their order, associations are unique, bookings cannot overlap, quantities cannot go negative.
"""

from __future__ import annotations

from pathlib import Path

from backend_architect.inputs.brief import load_brief
from backend_architect.spec import CapacityInputs, PerformancePlan
from backend_architect.spec.design import Design
from backend_architect.spec.sizing import estimate_capacity

from .briefaware import api, col, design, ep, schema, services, table, trace, unique

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "briefs"
V = "/api/v1"


def _brief(name: str):
    return load_brief(EXAMPLES / name).brief


def online_shop() -> Design:
    data = schema(
        table("customers", col("email", "text", unique=True), col("full_name", "text"),
              col("password_hash", "text"), col("phone", "text", null=True)),
        table("categories", col("name", "text"), col("slug", "text", unique=True)),
        table("products", col("category_id", fk="categories"), col("sku", "text", unique=True), col("name", "text"),
              col("description", "text", null=True), col("price", "numeric(12,2)", check="price >= 0"),
              col("stock_quantity", "integer", check="stock_quantity >= 0")),
        table("orders", col("customer_id", fk="customers"), col("status", "text"),
              col("total_amount", "numeric(12,2)", check="total_amount >= 0"), col("currency", "char(3)")),
        table("order_items", col("order_id", fk="orders", on_delete="cascade"), col("product_id", fk="products"),
              col("quantity", "integer", check="quantity > 0"),
              col("unit_price", "numeric(12,2)", check="unit_price >= 0"),
              indexes=[unique("order_items", "order_id", "product_id")]),
        table("payments", col("order_id", fk="orders"), col("amount", "numeric(12,2)", check="amount >= 0"),
              col("status", "text"), col("provider_reference", "text", unique=True)),
    )
    spec = api({
        "customers": [ep("POST", "/customers", public=True, body="CustomerCreate", resp="Customer"),
                      ep("GET", "/customers", resp="Customer", many=True, roles=("staff",)),
                      ep("GET", "/customers/{customer_id}", resp="Customer", scope="id"),
                      ep("PATCH", "/customers/{customer_id}", body="CustomerUpdate", resp="Customer", scope="id")],
        "auth": [ep("POST", "/auth/tokens", public=True, body="TokenRequest", resp="TokenPair")],
        "categories": [ep("GET", "/categories", public=True, resp="Category", many=True),
                       ep("POST", "/categories", body="Category", resp="Category", roles=("staff",)),
                       ep("PATCH", "/categories/{category_id}", body="Category", resp="Category", roles=("staff",))],
        "products": [ep("GET", "/products", public=True, resp="Product", many=True),
                     ep("GET", "/products/{product_id}", public=True, resp="Product"),
                     ep("POST", "/products", body="ProductWrite", resp="Product", roles=("staff",)),
                     ep("PATCH", "/products/{product_id}", body="ProductWrite", resp="Product", roles=("staff",)),
                     ep("DELETE", "/products/{product_id}", roles=("staff",))],
        "orders": [ep("POST", "/orders", body="OrderCreate", resp="Order", roles=("customer",)),
                   ep("GET", "/orders", resp="Order", many=True, scope="customer_id"),
                   ep("GET", "/orders/{order_id}", resp="Order", scope="customer_id"),
                   ep("GET", "/orders/{order_id}/items", resp="OrderItem", many=True, scope="order_id.customer_id"),
                   ep("PATCH", "/orders/{order_id}", body="OrderFulfilment", resp="Order", roles=("staff",))],
        "payments": [ep("POST", "/payments", body="PaymentCreate", resp="Payment", roles=("customer",)),
                     ep("GET", "/payments/{payment_id}", resp="Payment", scope="order_id.customer_id")],
    }, {
        "Customer": ["id:string:uuid:ro", "email:string:email", "full_name", "phone"],
        "CustomerCreate": ["email:string:email", "full_name", "phone", "password"],
        "CustomerUpdate": ["full_name", "phone"],
        "TokenRequest": ["email", "password"], "TokenPair": ["access_token", "refresh_token"],
        "Category": ["id:string:uuid:ro", "name", "slug"],
        "Product": ["id:string:uuid:ro", "category_id:string:uuid", "sku", "name", "description",
                    "price:string:decimal", "stock_quantity:integer"],
        "ProductWrite": ["category_id:string:uuid", "sku", "name", "description", "price:string:decimal",
                         "stock_quantity:integer"],
        "OrderLine": ["product_id:string:uuid", "quantity:integer"],
        "OrderCreate": ["items:array:ref=OrderLine", "currency"],
        "Order": ["id:string:uuid:ro", "status:string:ro", "total_amount:string:decimal:ro", "currency",
                  "items:array:ref=OrderItem"],
        "OrderItem": ["product_id:string:uuid", "quantity:integer", "unit_price:string:decimal:ro"],
        "OrderFulfilment": ["status:string{paid|shipped|delivered|cancelled}"],
        "PaymentCreate": ["order_id:string:uuid", "provider_token"],
        "Payment": ["id:string:uuid:ro", "order_id:string:uuid", "amount:string:decimal:ro", "status:string:ro"],
    }, ["customer", "staff"])
    svc = services("identity", "catalog", "ordering", "billing", owns={
        "identity": ["customers"], "catalog": ["categories", "products"], "ordering": ["orders", "order_items"],
        "billing": ["payments"]})
    return design(_brief("online-shop.yaml"), spec, data, svc, trace(
        R1=[f"POST {V}/customers", f"POST {V}/auth/tokens"], R2=[f"GET {V}/products", f"GET {V}/categories"],
        R3=[f"POST {V}/orders"], R4=[f"POST {V}/payments", f"GET {V}/payments/{{payment_id}}"],
        R5=[f"GET {V}/orders", f"GET {V}/orders/{{order_id}}"],
        R6=[f"POST {V}/products", f"PATCH {V}/products/{{product_id}}", f"POST {V}/categories"]))


def _plan(app_min: int, app_max: int, cache: dict) -> PerformancePlan:
    return PerformancePlan.model_validate({
        "caching": [{"name": "hot", "layer": "application", "what": "hot rows by id", "technology": "Redis 7",
                     "ttl_seconds": 300, "invalidation": "delete on write", "stampede_protection": "single-flight"}],
        "load_balancing": {"algorithm": "least_connections", "health_check": "GET /healthz every 5 s"},
        "scaling": [{"component": "api", "direction": "horizontal", "min_instances": app_min,
                     "max_instances": app_max, "trigger": "CPU above 60 % for 5 minutes",
                     "reason": f"{app_min} instances carry the estimated peak at 60 % CPU"}, cache],
        "monitoring": {"slos": [{"name": "latency", "indicator": "p99", "objective": "99.9 %"}],
                       "red_metrics": ["rate, errors, duration per route"], "use_metrics": ["CPU, memory"],
                       "alerts": [{"name": "burn", "condition": "burn rate > 14.4 over 1 h", "severity": "page"}]},
        "bottlenecks": [{"component": "database", "limit": "writes", "first_at": "peak", "relief": "shards"}]})


def photo_social() -> Design:
    data = schema(
        table("users", col("email", "text", unique=True), col("username", "text", unique=True),
              col("password_hash", "text"), col("bio", "text", null=True)),
        table("posts", col("user_id", fk="users"), col("photo_url", "text"), col("caption", "text", null=True),
              col("status", "text"), col("like_count", "bigint", check="like_count >= 0")),
        table("follows", col("follower_id", fk="users"), col("followee_id", fk="users"),
              col("created_at", "timestamptz"), indexes=[unique("follows", "follower_id", "followee_id"),
                                                         {"name": "follows_followee", "columns": ["followee_id"],
                                                          "reason": "followers of a user"}]),
        table("comments", col("post_id", fk="posts", on_delete="cascade"), col("user_id", fk="users"),
              col("body", "text")),
        table("likes", col("post_id", fk="posts", on_delete="cascade"), col("user_id", fk="users"),
              indexes=[unique("likes", "post_id", "user_id"), {"name": "likes_user", "columns": ["user_id"],
                                                                "reason": "likes of a user"}]),
        scaling={"read_replicas": 2, "replication": "async_streaming", "rationale": "reads dominate",
                 "sharding": {"shard_key": "user_id", "strategy": "hash", "shards": 1024,
                              "tables": ["posts", "comments", "likes"], "reason": "4,000 writes/s, 720 TB",
                              "rebalancing": "logical shards moved between nodes"}},
    )
    spec = api({
        "users": [ep("POST", "/users", public=True, body="UserCreate", resp="Me"),
                  ep("GET", "/users/{user_id}", resp="Profile")],
        "auth": [ep("POST", "/auth/tokens", public=True, body="TokenRequest", resp="TokenPair")],
        "me": [ep("GET", "/me", resp="Me"), ep("PATCH", "/me", body="ProfileUpdate", resp="Me"),
               ep("GET", "/me/feed", resp="Post", many=True)],
        "posts": [ep("POST", "/posts", body="PostCreate", resp="Post"),
                  ep("GET", "/posts/{post_id}", resp="Post"),
                  ep("PATCH", "/posts/{post_id}", body="PostUpdate", resp="Post", scope="user_id"),
                  ep("DELETE", "/posts/{post_id}", scope="user_id"),
                  ep("GET", "/posts/{post_id}/comments", resp="Comment", many=True),
                  ep("POST", "/posts/{post_id}/comments", body="CommentCreate", resp="Comment"),
                  ep("POST", "/posts/{post_id}/likes", resp="Post"),
                  ep("DELETE", "/posts/{post_id}/likes/me")],
        "comments": [ep("DELETE", "/comments/{comment_id}", scope="user_id")],
        "follows": [ep("POST", "/follows", body="FollowCreate", resp="Follow"),
                    ep("DELETE", "/follows/{follow_id}", scope="follower_id")],
    }, {
        "UserCreate": ["email:string:email", "username", "password"], "Profile": ["id:string:uuid:ro", "username", "bio"],
        "Me": ["id:string:uuid:ro", "email:string:email", "username", "bio"], "ProfileUpdate": ["username", "bio"],
        "TokenRequest": ["email", "password"], "TokenPair": ["access_token", "refresh_token"],
        "PostCreate": ["photo_url:string:uri", "caption"], "PostUpdate": ["caption"],
        "Post": ["id:string:uuid:ro", "user_id:string:uuid:ro", "photo_url:string:uri", "caption",
                 "like_count:integer:ro"],
        "CommentCreate": ["body"], "Comment": ["id:string:uuid:ro", "user_id:string:uuid:ro", "body"],
        "FollowCreate": ["followee_id:string:uuid"], "Follow": ["id:string:uuid:ro", "followee_id:string:uuid"],
    }, ["user"])
    svc = services("identity-service", "content-service", "graph-service", "engagement-service", "feed-service",
                   style="microservices", broker="Kafka", events=["post.created"],
                   subscribed={"feed-service": ["post.created"]},
                   owns={"identity-service": ["users"], "content-service": ["posts"], "graph-service": ["follows"],
                         "engagement-service": ["comments", "likes"]})
    capacity = estimate_capacity(CapacityInputs(daily_active_users=50_000_000, writes_per_month=3e9,
                                                reads_per_month=300e9, peak_rps=400_000, avg_write_kb=2,
                                                retention_years=10))
    cluster = {"component": "Redis Cluster", "direction": "horizontal", "min_instances": 80, "max_instances": 160,
               "trigger": "memory above 70 %", "reason": "the 4 TB hot set spread over 80 primaries by hash slot"}
    return design(_brief("photo-social.yaml"), spec, data, svc, trace(
        R1=[f"POST {V}/users", f"POST {V}/auth/tokens"], R2=[f"POST {V}/posts"],
        R3=[f"POST {V}/follows", f"DELETE {V}/follows/{{follow_id}}"], R4=[f"GET {V}/me/feed"],
        R5=[f"POST {V}/posts/{{post_id}}/likes", f"POST {V}/posts/{{post_id}}/comments"],
        R6=[f"GET {V}/posts/{{post_id}}", f"GET {V}/users/{{user_id}}", f"GET {V}/posts/{{post_id}}/comments"]),
        capacity=capacity, performance=_plan(2300, 4600, cluster))


def equipment_booking() -> Design:
    exclusion = {"name": "bookings_no_overlap", "elements": ["equipment_id WITH =",
                                                             "tstzrange(starts_at, ends_at) WITH &&"],
                 "where": "status = 'booked'", "reason": "an item is booked once at a time"}
    data = schema(
        table("employees", col("email", "text", unique=True), col("full_name", "text"), col("password_hash", "text")),
        table("equipment", col("name", "text"), col("kind", "text"), col("serial_number", "text", unique=True),
              col("status", "text")),
        table("bookings", col("employee_id", fk="employees"), col("equipment_id", fk="equipment"),
              col("starts_at", "timestamptz"), col("ends_at", "timestamptz"), col("status", "text"),
              exclusions=[exclusion]),
    )
    spec = api({
        "auth": [ep("POST", "/auth/tokens", public=True, body="TokenRequest", resp="TokenPair")],
        "equipment": [ep("GET", "/equipment", resp="Equipment", many=True),
                      ep("GET", "/equipment/{equipment_id}", resp="Equipment"),
                      ep("GET", "/equipment/{equipment_id}/availability", resp="Slot", many=True),
                      ep("POST", "/equipment", body="EquipmentWrite", resp="Equipment", roles=("office_manager",)),
                      ep("PATCH", "/equipment/{equipment_id}", body="EquipmentWrite", resp="Equipment",
                         roles=("office_manager",))],
        "bookings": [ep("POST", "/bookings", body="BookingCreate", resp="Booking"),
                     ep("GET", "/bookings", resp="Booking", many=True, scope="employee_id"),
                     ep("GET", "/bookings/{booking_id}", resp="Booking", scope="employee_id"),
                     ep("PATCH", "/bookings/{booking_id}", body="BookingCancel", resp="Booking",
                        scope="employee_id")],
    }, {
        "TokenRequest": ["email", "password"], "TokenPair": ["access_token", "refresh_token"],
        "Equipment": ["id:string:uuid:ro", "name", "kind", "serial_number", "status"],
        "EquipmentWrite": ["name", "kind", "serial_number", "status:string{available|retired}"],
        "Slot": ["starts_at:string:date-time", "ends_at:string:date-time"],
        "BookingCreate": ["equipment_id:string:uuid", "starts_at:string:date-time", "ends_at:string:date-time"],
        "BookingCancel": ["status:string{cancelled}"],
        "Booking": ["id:string:uuid:ro", "equipment_id:string:uuid", "starts_at:string:date-time",
                    "ends_at:string:date-time", "status:string:ro"],
    }, ["employee", "office_manager"])
    svc = services("identity", "booking", owns={"identity": ["employees"], "booking": ["equipment", "bookings"]})
    return design(_brief("equipment-booking.yaml"), spec, data, svc, trace(
        R1=[f"POST {V}/auth/tokens"], R2=[f"GET {V}/equipment", f"GET {V}/equipment/{{equipment_id}}/availability"],
        R3=[f"POST {V}/bookings", f"PATCH {V}/bookings/{{booking_id}}"], R4=[f"GET {V}/bookings"],
        R5=[f"POST {V}/equipment", f"PATCH {V}/equipment/{{equipment_id}}"]))


def url_shortener() -> Design:
    data = schema(
        table("users", col("email", "text", unique=True), col("password_hash", "text")),
        table("links", col("user_id", fk="users"), col("code", "char(7)", unique=True), col("target_url", "text"),
              col("expires_at", "timestamptz", null=True), col("click_count", "bigint", check="click_count >= 0")),
        table("clicks", col("link_id", fk="links"), col("referrer", "text", null=True),
              col("country", "char(2)", null=True), col("clicked_at", "timestamptz")),
        scaling={"partitioning": [{"table": "clicks", "column": "clicked_at", "strategy": "range",
                                   "scheme": "monthly partitions", "reason": "clicks grow with every redirect"}],
                 "rationale": "clicks dominate the storage"},
    )
    spec = api({
        "users": [ep("POST", "/users", public=True, body="SignUp", resp="User")],
        "auth": [ep("POST", "/auth/tokens", public=True, body="SignUp", resp="TokenPair")],
        "links": [ep("POST", "/links", body="LinkCreate", resp="Link"),
                  ep("GET", "/links", resp="Link", many=True, scope="user_id"),
                  ep("GET", "/links/{link_id}", resp="Link", scope="user_id")],
        "r": [ep("GET", "/r/{code}", public=True, status=302)],
    }, {
        "SignUp": ["email:string:email", "password"], "User": ["id:string:uuid:ro", "email:string:email"],
        "TokenPair": ["access_token", "refresh_token"],
        "LinkCreate": ["target_url:string:uri", "expires_at:string:date-time"],
        "Link": ["id:string:uuid:ro", "code:string:ro", "target_url:string:uri", "expires_at:string:date-time",
                 "click_count:integer:ro"],
    })
    svc = services("identity", "links", owns={"identity": ["users"], "links": ["links", "clicks"]})
    capacity = estimate_capacity(CapacityInputs(daily_active_users=2_000_000, peak_rps=4000, read_write_ratio=100,
                                                avg_write_kb=0.5, retention_years=5))
    redis = {"component": "Redis", "direction": "vertical", "reason": "the hot codes fit one node with a replica"}
    return design(_brief("url-shortener.yaml"), spec, data, svc, trace(
        R1=[f"POST {V}/users", f"POST {V}/auth/tokens"], R2=[f"POST {V}/links"], R3=[f"GET {V}/r/{{code}}"],
        R4=[f"GET {V}/r/{{code}}", "clicks"], R5=[f"GET {V}/links"]),
        capacity=capacity, performance=_plan(24, 48, redis))


def saas_projects() -> Design:
    data = schema(
        table("organizations", col("name", "text")),
        table("users", col("organization_id", fk="organizations"), col("email", "text", unique=True),
              col("password_hash", "text"), col("role", "text")),
        table("projects", col("organization_id", fk="organizations"), col("name", "text")),
        table("tasks", col("organization_id", fk="organizations"), col("project_id", fk="projects",
                                                                         on_delete="cascade"),
              col("title", "text"), col("status", "text"), col("due_date", "date", null=True),
              col("assignee_id", fk="users", null=True, on_delete="set null")),
        table("comments", col("organization_id", fk="organizations"), col("task_id", fk="tasks", on_delete="cascade"),
              col("user_id", fk="users"), col("body", "text")),
        table("invitations", col("organization_id", fk="organizations"), col("email", "text"),
              col("invited_by", fk="users"), col("expires_at", "timestamptz")),
    )
    spec = api({
        "users": [ep("POST", "/users", public=True, body="SignUp", resp="Me")],
        "auth": [ep("POST", "/auth/tokens", public=True, body="SignUp", resp="TokenPair")],
        "me": [ep("GET", "/me", resp="Me")],
        "projects": [ep("POST", "/projects", body="ProjectWrite", resp="Project"),
                     ep("GET", "/projects", resp="Project", many=True, scope="organization_id"),
                     ep("GET", "/projects/{project_id}", resp="Project", scope="organization_id"),
                     ep("PATCH", "/projects/{project_id}", body="ProjectWrite", resp="Project",
                        scope="organization_id"),
                     ep("GET", "/projects/{project_id}/tasks", resp="Task", many=True, scope="organization_id"),
                     ep("POST", "/projects/{project_id}/tasks", body="TaskCreate", resp="Task")],
        "tasks": [ep("PATCH", "/tasks/{task_id}", body="TaskUpdate", resp="Task", scope="organization_id"),
                  ep("GET", "/tasks/{task_id}/comments", resp="Comment", many=True, scope="organization_id"),
                  ep("POST", "/tasks/{task_id}/comments", body="CommentCreate", resp="Comment")],
        "invitations": [ep("POST", "/invitations", body="InvitationCreate", resp="Invitation", roles=("admin",))],
    }, {
        "SignUp": ["email:string:email", "password", "organization_name"],
        "Me": ["id:string:uuid:ro", "email:string:email", "role:string:ro"],
        "TokenPair": ["access_token", "refresh_token"],
        "ProjectWrite": ["name"], "Project": ["id:string:uuid:ro", "name"],
        "TaskCreate": ["title", "due_date:string:date", "assignee_id:string:uuid"],
        "TaskUpdate": ["title", "status:string{todo|in_progress|done}", "due_date:string:date",
                       "assignee_id:string:uuid"],
        "Task": ["id:string:uuid:ro", "title", "status", "due_date:string:date", "assignee_id:string:uuid"],
        "CommentCreate": ["body"], "Comment": ["id:string:uuid:ro", "body"],
        "InvitationCreate": ["email:string:email"], "Invitation": ["id:string:uuid:ro", "email:string:email"],
    }, ["member", "admin"])
    svc = services("identity", "projects", owns={"identity": ["organizations", "users", "invitations"],
                                                 "projects": ["projects", "tasks", "comments"]})
    return design(_brief("saas-projects.md"), spec, data, svc, trace(
        R1=[f"POST {V}/users", f"POST {V}/auth/tokens"], R2=[f"POST {V}/projects"],
        R3=[f"POST {V}/projects/{{project_id}}/tasks", "tasks"],
        R4=[f"PATCH {V}/tasks/{{task_id}}", f"POST {V}/tasks/{{task_id}}/comments"], R5=[f"POST {V}/invitations"]))


CORRECT = {"online-shop.yaml": online_shop, "photo-social.yaml": photo_social,
           "equipment-booking.yaml": equipment_booking, "url-shortener.yaml": url_shortener,
           "saas-projects.md": saas_projects}
