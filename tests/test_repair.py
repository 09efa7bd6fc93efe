"""Repairs a small model can act on: grouped errors that echo the bad value, drafts, the brief's numbers."""

from __future__ import annotations

import copy
import json

import pytest

from backend_architect.design.repair import merge_draft
from backend_architect.design.tools import DesignState, default_registry


def _state(brief, knowledge):
    return DesignState(brief=brief, knowledge=knowledge)


def test_errors_of_one_kind_are_one_line_with_a_corrected_fragment(shop_brief, knowledge, shop_plan):
    """The real run's failure: 15 × `tables.N.indexes.M.reason: Field required`. (An index's reason is now derived
    when an access pattern names the index; a query cannot be, so the grouping is shown on queries.)"""
    schema = copy.deepcopy(shop_plan.schema)
    dropped = 0
    for pattern in schema["access_patterns"]:
        pattern.pop("query", None)
        dropped += 1
    assert dropped >= 3
    outcome = default_registry().call("emit_database_schema", json.dumps({"database_schema": schema}),
                                      _state(shop_brief, knowledge))
    assert not outcome.ok
    missing = [e for e in outcome.errors if "query" in e]
    assert len(missing) == 1, outcome.errors
    assert f"the same at {dropped - 1} more place(s)" in missing[0]
    assert '"query": "<fill in>"' in missing[0]  # the model's own access pattern, with what it lacks


def test_what_the_schema_already_says_may_be_left_out(shop_brief, knowledge, shop_plan):
    """Index reasons where an access pattern names the index, access pattern descriptions: derived, not asked."""
    schema = copy.deepcopy(shop_plan.schema)
    for table in schema["tables"]:
        for index in table["indexes"]:
            index.pop("reason", None)
    for pattern in schema["access_patterns"]:
        pattern.pop("description", None)
    state = _state(shop_brief, knowledge)
    outcome = default_registry().call("emit_database_schema", json.dumps({"database_schema": schema}), state)
    assert outcome.ok, outcome.errors
    index = next(i for t in state.data.tables for i in t.indexes)
    assert index.reason.startswith("serves the access pattern ")


def test_a_bad_value_is_echoed_and_no_class_name_is_shown(shop_brief, knowledge, shop_plan):
    schema = copy.deepcopy(shop_plan.schema)
    schema["access_patterns"][0]["name"] = "GET /events"
    schema["migrations"] = "alembic"
    outcome = default_registry().call("emit_database_schema", json.dumps({"database_schema": schema}),
                                      _state(shop_brief, knowledge))
    text = " ".join(outcome.errors)
    assert "access_patterns.0.name: \"GET /events\": String should match pattern" in text
    assert "migrations" in text and "instance of" not in text and "MigrationPlan" not in text


def test_an_explicit_null_for_an_optional_list_is_accepted(shop_brief, knowledge, shop_plan):
    schema = copy.deepcopy(shop_plan.schema)
    schema["nosql_models"] = None
    schema["enums"] = None
    outcome = default_registry().call("emit_database_schema", json.dumps({"database_schema": schema}),
                                      _state(shop_brief, knowledge))
    assert outcome.ok, outcome.errors


def test_after_a_failure_the_repair_may_send_only_the_corrected_items(shop_brief, knowledge, shop_plan):
    registry, state = default_registry(), _state(shop_brief, knowledge)
    schema = copy.deepcopy(shop_plan.schema)
    broken = copy.deepcopy(schema)
    table = broken["tables"][0]
    table["columns"][0]["type"] = "not a type ("
    first = registry.call("emit_database_schema", json.dumps({"database_schema": broken}), state)
    assert not first.ok and "only the" in json.loads(first.content)["instruction"]
    # Only the one table, corrected: everything else comes from the failed attempt.
    fixed = registry.call("emit_database_schema",
                          json.dumps({"database_schema": {"tables": [schema["tables"][0]]}}), state)
    assert fixed.ok, fixed.errors
    assert [t.name for t in state.data.tables] == [t["name"] for t in schema["tables"]]
    assert "emit_database_schema" not in state.drafts


def test_merge_draft_replaces_named_items_and_keeps_the_rest():
    draft = {"a": {"tables": [{"name": "x", "v": 1}, {"name": "y", "v": 1}], "k": 1}}
    assert merge_draft(draft, {"a": {"tables": [{"name": "y", "v": 2}, {"name": "z"}]}}) == {
        "a": {"tables": [{"name": "x", "v": 1}, {"name": "y", "v": 2}, {"name": "z"}], "k": 1}}
    assert merge_draft({"l": [1, 2]}, {"l": [3]}) == {"l": [3]}


def test_capacity_inputs_the_brief_states_are_the_briefs(knowledge):
    """The real run: the brief said 2,000,000 DAU, 4,000 req/s at peak, 100:1; the model sent other numbers."""
    from backend_architect.inputs.brief import load_brief

    from .conftest import EXAMPLES

    brief = load_brief(EXAMPLES / "url-shortener.yaml").brief
    state = _state(brief, knowledge)
    sent = {"inputs": {"daily_active_users": 200000, "peak_rps": 130000, "read_write_ratio": 0.5,
                       "writes_per_user_per_day": 2}}
    outcome = default_registry().call("estimate_capacity", json.dumps(sent), state)
    assert outcome.ok, outcome.errors
    inputs = state.capacity.inputs
    assert (inputs.daily_active_users, inputs.peak_rps, inputs.read_write_ratio) == (2_000_000, 4000, 100)
    notes = json.loads(outcome.content)["notes"]
    assert any("peak_rps is 4000 as the brief states (you sent 130000)" in n for n in notes)
    # A guessed volume that would contradict the stated peak and ratio is left out; the rates follow the brief.
    assert inputs.writes_per_user_per_day is None and any("writes_per_user_per_day left out" in n for n in notes)
    figures = {f.name: f.value for f in state.capacity.figures}
    assert figures["peak_read_qps"] > 50 * figures["peak_write_qps"]
    # Inputs the brief leaves open stay the model's.
    sent = {"inputs": {"peak_rps": 4000, "read_write_ratio": 100, "avg_query_ms": 7}}
    assert default_registry().call("estimate_capacity", json.dumps(sent), state).ok
    assert state.capacity.inputs.avg_query_ms == 7


def test_empty_references_and_literal_defaults_are_read_as_meant(shop_brief, knowledge, shop_plan):
    """Qwen2.5-Coder-1.5B wrote `references` objects without a table on plain columns and `default: 0`."""
    schema = copy.deepcopy(shop_plan.schema)
    plain = next(c for t in schema["tables"] for c in t["columns"] if not c.get("references") and not c.get("primary_key"))
    plain["references"] = {"table": None, "column": None}
    counter = {"name": "visits", "type": "integer", "not_null": True, "default": 0, "check": "visits >= 0"}
    schema["tables"][0]["columns"].append(counter)
    state = _state(shop_brief, knowledge)
    outcome = default_registry().call("emit_database_schema", json.dumps({"database_schema": schema}), state)
    assert outcome.ok, outcome.errors
    column = next(c for c in state.data.tables[0].columns if c.name == "visits")
    assert column.default == "0"
    # a reference that says anything (a column, an on_delete) but no table is still asked about, not dropped
    for meant in ({"column": "id"}, {"on_delete": "cascade"}):
        schema["tables"][0]["columns"][-1] = {**counter, "references": meant}
        outcome = default_registry().call("emit_database_schema", json.dumps({"database_schema": schema}), state)
        assert not outcome.ok and any("references.table" in e for e in outcome.errors)


def test_names_in_capitals_are_read_as_postgresql_folds_them(shop_brief, knowledge):
    """The 1.5B model named its tables USER, URL, CLICK: unquoted, PostgreSQL reads user, url, click."""
    schema = {"enums": [{"name": "Link_Status", "values": ["Active", "Expired"]}],
              "tables": [{"name": "LINKS", "columns": [
                  {"name": "ID", "type": "uuid", "primary_key": True},
                  {"name": "Code", "type": "text", "not_null": True},
                  {"name": "Status", "type": "Link_Status", "not_null": True}],
                  "indexes": [{"name": "IX_Links_Code", "columns": ["Code DESC"], "unique": True,
                               "reason": "redirect lookups by code"}]}],
              "access_patterns": [{"name": "Link_By_Code", "table": "LINKS", "index": "IX_Links_Code",
                                   "query": "SELECT * FROM LINKS WHERE Code = $1", "description": "a redirect"}]}
    state = _state(shop_brief.model_copy(update={"entities": []}), knowledge)
    outcome = default_registry().call("emit_database_schema", json.dumps({"database_schema": schema}), state)
    assert outcome.ok, outcome.errors
    table = state.data.tables[0]
    assert (table.name, [c.name for c in table.columns]) == ("links", ["id", "code", "status"])
    assert table.indexes[0].name == "ix_links_code" and table.indexes[0].columns == ["code desc"]
    assert state.data.access_patterns[0].index == "ix_links_code"
    assert state.data.enums[0].name == "link_status" and state.data.enums[0].values == ["Active", "Expired"]


def test_a_reserved_table_name_unquoted_in_a_query_is_quoted_and_said(shop_brief, knowledge):
    """`SELECT * FROM user WHERE id = $1` reads the current user, not the table user (the real run's schema)."""
    schema = {"tables": [{"name": "user", "columns": [{"name": "id", "type": "uuid", "primary_key": True},
                                                      {"name": "email", "type": "text", "not_null": True}]}],
              "access_patterns": [{"name": "get_user", "table": "user", "index": "user_pkey",
                                   "query": "SELECT * FROM user WHERE id = $1", "description": "a user by id"}]}
    state = _state(shop_brief.model_copy(update={"entities": []}), knowledge)
    outcome = default_registry().call("emit_database_schema", json.dumps({"database_schema": schema}), state)
    assert outcome.ok, outcome.errors
    assert state.data.access_patterns[0].query == 'SELECT * FROM "user" WHERE id = $1'
    assert "quoted user in get_user" in outcome.summary


def test_api_parts_written_the_json_schema_way_are_read_as_meant():
    """The 1.5B model's API: properties as a JSON Schema object, resource names capitalised, snake_case ids."""
    from backend_architect.spec.api import Endpoint, Resource, SchemaDef

    schema = SchemaDef.model_validate({"name": "User", "type": "object", "required": ["email"], "properties": {
        "id": {"type": "string", "format": "uuid", "readOnly": True}, "email": {"type": "string"},
        "links": {"type": "array", "items": {"$ref": "#/components/schemas/Link"}}}})
    by_name = {p.name: p for p in schema.properties}
    assert by_name["id"].read_only and by_name["email"].required and not by_name["id"].required
    assert by_name["links"].items == "object" and by_name["links"].ref == "Link"
    endpoint = {"method": "GET", "path": "/users", "operation_id": "get_user", "summary": "the users",
                "responses": [{"status": 200, "description": "the user"}]}
    assert Endpoint.model_validate(endpoint).operation_id == "getUser"
    assert Resource.model_validate({"name": "Users", "endpoints": [endpoint]}).name == "users"


def test_path_parameters_the_path_already_names_are_declared():
    from backend_architect.spec.api import Endpoint

    endpoint = Endpoint.model_validate({
        "method": "GET", "path": "/users/{user_id}/links/{code}", "operation_id": "getLink", "summary": "a link",
        "parameters": [{"name": "code", "location": "path"}], "responses": [{"status": 200, "description": "ok"}]})
    assert [(p.name, p.location, p.required) for p in endpoint.parameters] == [("code", "path", True),
                                                                              ("user_id", "path", True)]


def test_oauth2_fields_on_a_bearer_scheme_are_left_out():
    from backend_architect.spec.api import SecurityScheme

    scheme = SecurityScheme.model_validate({"name": "bearer_jwt", "type": "bearer_jwt", "token_ttl_minutes": 15,
                                            "oauth2_flow": "authorization_code",
                                            "authorization_url": "https://example.com/auth/login"})
    assert scheme.oauth2_flow is None and scheme.authorization_url is None and scheme.token_ttl_minutes == 15
    oauth = SecurityScheme.model_validate({"name": "oauth", "type": "oauth2", "oauth2_flow": "client_credentials",
                                           "token_url": "https://example.com/token"})
    assert oauth.token_url == "https://example.com/token"  # where they apply, they stay


def test_an_index_without_a_reason_is_explained_by_what_it_is_or_asked_about(shop_brief, knowledge, shop_plan):
    """The 1.5B model left `reason` out of six indexes, four attempts running: a unique index or one leading
    with a foreign key explains itself; any other is asked about as unused, then dropped if it comes back."""
    schema = copy.deepcopy(shop_plan.schema)
    table = next(t for t in schema["tables"] if any(c.get("references") for c in t["columns"]))
    fk = next(c["name"] for c in table["columns"] if c.get("references"))
    plain = next(c["name"] for c in table["columns"]
                 if not c.get("references") and not c.get("primary_key") and not c.get("unique"))
    table["indexes"] = [*table.get("indexes", []), {"name": "ix_by_fk_probe", "columns": [fk]},
                        {"name": "ix_plain_probe", "columns": [plain]}]
    state = _state(shop_brief, knowledge)
    first = default_registry().call("emit_database_schema", json.dumps({"database_schema": schema}), state)
    assert not first.ok and [e for e in first.errors if "ix_plain_probe" in e] and \
        not [e for e in first.errors if "ix_by_fk_probe" in e or "reason" in e]
    second = default_registry().call("emit_database_schema", json.dumps({"database_schema": schema}), state)
    assert second.ok, second.errors
    kept = {i.name: i.reason for t in state.data.tables for i in t.indexes}
    assert kept["ix_by_fk_probe"] == f"indexes the foreign key {fk}" and "ix_plain_probe" not in kept


def test_the_primary_key_index_written_out_is_left_to_postgresql():
    """The 1.5B model declared `users_pkey` on users(id): PostgreSQL creates that index itself, by that name."""
    from backend_architect.spec.data import DatabaseSchema

    table = {"name": "users", "columns": [{"name": "id", "type": "uuid", "primary_key": True},
                                          {"name": "email", "type": "text"}],
             "indexes": [{"name": "users_pkey", "columns": ["id"], "unique": True},
                         {"name": "users_email_idx", "columns": ["email"], "reason": "sign-in by email"}]}
    schema = DatabaseSchema.model_validate({"tables": [table]})
    assert [i.name for i in schema.tables[0].indexes] == ["users_email_idx"]
    clash = {**table, "indexes": [{"name": "users_pkey", "columns": ["email"], "reason": "x"}]}  # not the pk: named
    with pytest.raises(ValueError, match="users_pkey"):
        DatabaseSchema.model_validate({"tables": [clash]})


def _api(resources, refresh="POST /auth/tokens"):
    return {"title": "t", "versioning": {"deprecation_policy": "Sunset headers"},
            "authentication": {"schemes": [{"name": "bearer_jwt", "type": "bearer_jwt", "refresh_endpoint": refresh}]},
            "resources": resources}


def _ep(method, path, op):
    return {"method": method, "path": path, "operation_id": op, "summary": op, "auth_required": False,
            "responses": [{"status": 200, "description": "ok"}]}


def _as_meant(spec):
    from backend_architect.design.api_meant import shapes_as_meant

    return shapes_as_meant({"api_specification": spec})[0]["api_specification"]


def test_a_resource_written_once_per_endpoint_is_one_resource():
    """The 1.5B model wrote `ShortUrls` three times, one endpoint each: one resource with the three."""
    from backend_architect.spec.api import ApiSpecification

    written = _api([
        {"name": "ShortUrls", "endpoints": [_ep("GET", "/short-urls", "listShortUrls")]},
        {"name": "auth", "endpoints": [_ep("POST", "/auth/tokens", "signIn")]},
        {"name": "ShortUrls", "description": "links", "endpoints": [_ep("POST", "/short-urls", "createShortUrl")]}])
    spec = ApiSpecification.model_validate(_as_meant(written))
    assert [(r.name, r.description, len(r.endpoints)) for r in spec.resources] == [("shorturls", "links", 2),
                                                                                    ("auth", "", 1)]
    # A person's file is validated as written: the duplicate is named, not merged away.
    with pytest.raises(ValueError, match="duplicate resource 'shorturls'"):
        ApiSpecification.model_validate(written)
    # The same endpoint twice is still refused, named.
    with pytest.raises(ValueError, match="duplicate endpoint 'GET /short-urls'"):
        ApiSpecification.model_validate(_as_meant(_api([
            {"name": "links", "endpoints": [_ep("GET", "/short-urls", "a")]},
            {"name": "links", "endpoints": [_ep("GET", "/short-urls", "b")]},
            {"name": "auth", "endpoints": [_ep("POST", "/auth/tokens", "signIn")]}])))


@pytest.mark.parametrize("written", ["/auth/tokens", "/api/v1/auth/tokens", "post /auth/tokens"])
def test_a_refresh_endpoint_written_as_its_path_is_the_endpoint_there(written):
    from backend_architect.spec.api import ApiSpecification

    spec = ApiSpecification.model_validate(_api([{"name": "auth", "endpoints": [_ep("POST", "/auth/tokens", "a")]}],
                                                refresh=written))
    assert spec.authentication.schemes[0].refresh_endpoint == "POST /auth/tokens"


def test_a_refresh_endpoint_that_does_not_exist_says_what_to_add():
    from backend_architect.spec.api import ApiSpecification

    with pytest.raises(ValueError, match="add it \\(a public 'POST /auth/tokens'"):
        ApiSpecification.model_validate(_api([{"name": "links", "endpoints": [_ep("GET", "/links", "a")]}],
                                             refresh="/auth/tokens"))


def test_an_index_that_copies_the_primary_key_or_a_unique_column_is_left_to_postgresql(shop_brief, knowledge):
    """The 1.5B model indexed users(id) and users(email) beside `id primary key` and `email unique`, and named the
    first in an access pattern: both are indexes PostgreSQL makes itself, and the pattern names its index."""
    schema = {"tables": [{"name": "users", "columns": [
        {"name": "id", "type": "uuid", "primary_key": True}, {"name": "email", "type": "text", "unique": True},
        {"name": "name", "type": "text"}], "indexes": [
        {"name": "idx_users_id", "columns": ["id"], "reason": "lookups by id"},
        {"name": "idx_users_email", "columns": ["email"], "reason": "lookups by email"},
        {"name": "idx_users_email_desc", "columns": ["email desc"], "reason": "sorted"},
        {"name": "idx_users_name", "columns": ["name"], "reason": "by name"}]}],
        "access_patterns": [
            {"name": "get_user", "table": "users", "index": "idx_users_id", "query": "SELECT * FROM users WHERE id = $1"},
            {"name": "by_name", "table": "users", "index": "idx_users_name",
             "query": "SELECT * FROM users WHERE name = $1"},
            {"name": "sorted", "table": "users", "index": "idx_users_email_desc",
             "query": "SELECT * FROM users ORDER BY email DESC LIMIT 10"}]}
    state = _state(shop_brief.model_copy(update={"entities": []}), knowledge)
    outcome = default_registry().call("emit_database_schema", json.dumps({"database_schema": schema}), state)
    assert outcome.ok, outcome.errors
    assert [i.name for i in state.data.tables[0].indexes] == ["idx_users_email_desc", "idx_users_name"]
    assert state.data.access_patterns[0].index == "users_pkey"
    assert "users.idx_users_id left out: it copies users_pkey" in outcome.summary
    # A person's schema is validated as written: the copy stays, for data-duplicate-index to name.
    from backend_architect.spec.data import DatabaseSchema

    assert len(DatabaseSchema.model_validate(schema).tables[0].indexes) == 4


def test_operation_ids_shared_by_resources_and_paths_under_the_base_path_are_read_as_meant():
    """The 1.5B model named every create `create` and wrote `/api/v1/users` under the base path `/api/v1`."""
    from backend_architect.spec.api import ApiSpecification

    deprecated = {**_ep("GET", "/api/v1/people", "old"), "deprecated": True, "replacement": "GET /api/v1/users"}
    written = _api([
        {"name": "users", "endpoints": [_ep("POST", "/api/v1/users", "create"), _ep("GET", "/users", "listUsers"),
                                        deprecated]},
        {"name": "short_urls", "endpoints": [_ep("POST", "/short_urls", "create"), _ep("GET", "/short_urls", "list")]},
        {"name": "auth", "endpoints": [_ep("POST", "/auth/tokens", "signIn")]}])
    spec = ApiSpecification.model_validate(_as_meant(written))
    assert [(e.path, e.operation_id) for e in spec.endpoints()] == [
        ("/users", "createUsers"), ("/users", "listUsers"), ("/people", "old"), ("/short_urls", "createShortUrls"),
        ("/short_urls", "list"), ("/auth/tokens", "signIn")]
    assert spec.endpoints()[2].replacement == "GET /users"
    with pytest.raises(ValueError, match="duplicate operation_id 'create'"):  # a person's file: named, not renamed
        ApiSpecification.model_validate(written)


def _url_state(shop_brief, knowledge):
    state = _state(shop_brief.model_copy(update={"entities": []}), knowledge)
    schema = {"tables": [
        {"name": "users", "columns": [{"name": "id", "type": "uuid", "primary_key": True},
                                      {"name": "email", "type": "text", "unique": True, "not_null": True},
                                      {"name": "password_hash", "type": "text", "not_null": True},
                                      {"name": "created_at", "type": "timestamptz", "not_null": True}]},
        {"name": "short_urls", "columns": [{"name": "id", "type": "bigint", "primary_key": True},
                                           {"name": "price", "type": "numeric(12,2)"}]}]}
    from backend_architect.spec.data import DatabaseSchema

    state.data = DatabaseSchema.model_validate(schema)
    return state


def test_a_reference_to_a_table_gets_the_tables_row_as_its_schema(shop_brief, knowledge):
    """`"schema_ref": "user"` with no schemas defined (the 1.5B model, three attempts running): the row of users,
    its secret write-only; `ShortUrls` names the schema derived for short_urls; 'token' the RFC 6749 answer."""
    from backend_architect.design.api_meant import refs_from_tables

    state = _url_state(shop_brief, knowledge)
    raw = {"api_specification": {"resources": [
        {"name": "users", "endpoints": [{"method": "GET", "path": "/users/{id}", "responses": [
            {"status": 200, "schema_ref": "user"}]}]},
        {"name": "links", "endpoints": [{"method": "GET", "path": "/links", "responses": [
            {"status": 200, "schema_ref": "short_url"}, {"status": 201, "schema_ref": "ShortUrls"}]},
            {"method": "POST", "path": "/auth/tokens", "responses": [{"status": 200, "schema_ref": "Token"}]},
            {"method": "POST", "path": "/auth/login", "responses": [{"status": 201, "schema_ref": "auth_response"},
                                                                    {"status": 401, "schema_ref": "Error"}]},
            {"method": "GET", "path": "/other", "responses": [{"status": 200, "schema_ref": "Nothing"},
                                                              {"status": 404, "schema_ref": "error_response"}]}]}]}}
    out, notes = refs_from_tables(raw, state)
    assert raw["api_specification"].get("schemas") is None  # the caller's arguments are left alone
    spec = out["api_specification"]
    schemas = {s["name"]: {p["name"]: p for p in s["properties"]} for s in spec["schemas"]}
    assert set(schemas) == {"User", "ShortUrl", "Token", "AuthResponse"}
    user = schemas["User"]
    assert user["password_hash"].get("write_only") and user["id"].get("read_only") and user["id"]["format"] == "uuid"
    assert user["email"] == {"name": "email", "type": "string", "format": "email", "required": True}
    assert user["created_at"]["format"] == "date-time" and user["created_at"].get("read_only")
    assert schemas["ShortUrl"]["price"] == {"name": "price", "type": "string", "format": "decimal"}
    assert schemas["ShortUrl"]["id"]["type"] == "integer"
    assert set(schemas["Token"]) == {"access_token", "token_type", "expires_in", "refresh_token"}
    refs = [r["schema_ref"] for res in spec["resources"] for e in res["endpoints"] for r in e["responses"]]
    assert set(schemas["AuthResponse"]) == set(schemas["Token"])  # what a sign-in endpoint returns
    assert refs == ["User", "ShortUrl", "ShortUrl", "Token", "AuthResponse", None, "Nothing", None]  # what names nothing is left to validation
    assert any("schema User derived from the columns of table users" in n for n in notes)


def test_a_reference_differing_from_a_defined_schema_in_case_or_number_names_it(shop_brief, knowledge):
    from backend_architect.design.api_meant import refs_from_tables

    state = _url_state(shop_brief, knowledge)
    raw = {"api_specification": {"schemas": [{"name": "Link", "properties": [{"name": "id", "type": "string"}]}],
                                 "resources": [{"name": "links", "endpoints": [{"method": "GET", "path": "/links",
                                                "responses": [{"status": 200, "schema_ref": "links"}]}]}]}}
    out, notes = refs_from_tables(raw, state)
    assert out["api_specification"]["resources"][0]["endpoints"][0]["responses"][0]["schema_ref"] == "Link"
    assert notes == ["'links' read as the schema Link"] and len(out["api_specification"]["schemas"]) == 1


def test_a_public_sign_in_endpoint_with_roles_stays_public_and_a_bearer_scheme_has_no_api_key_header():
    """The 1.5B model, writing through a grammar, filled every field: roles on POST /auth/tokens, an api key header
    on its bearer scheme. Nobody has a role before signing in; a header name describes nothing of a JWT. Only a
    POST to a sign-in path is read so: a public GET /users/{id}/tokens with roles stays a contradiction to repair."""
    from backend_architect.spec.api import ApiSpecification

    sign_in = {**_ep("POST", "/auth/tokens", "signIn"), "roles": ["customer"], "scopes": ["x"], "owner_scope": "id"}
    listed = {**_ep("GET", "/users/{user_id}/tokens", "listTokens"), "roles": ["admin"], "owner_scope": "user_id"}
    spec = _api([{"name": "auth", "endpoints": [sign_in]}])
    spec["authentication"]["schemes"][0]["api_key_header"] = "Authorization"
    read = ApiSpecification.model_validate(_as_meant(spec))
    assert read.endpoints()[0].roles == [] and read.endpoints()[0].owner_scope is None
    assert read.authentication.schemes[0].api_key_header is None
    with pytest.raises(ValueError, match="is public"):
        ApiSpecification.model_validate(_as_meant(_api([{"name": "auth", "endpoints": [sign_in, listed]}])))
    with pytest.raises(ValueError, match="is public"):  # a person's file keeps its contradiction, named
        ApiSpecification.model_validate(_api([{"name": "auth", "endpoints": [sign_in]}]))


def test_the_token_endpoint_a_bearer_scheme_names_is_added_when_missing(shop_brief, knowledge):
    """In every run and every repair the 1.5B model named refresh_endpoint '/auth/tokens' and never wrote it: the
    scheme declares it, RFC 6749 fixes its shape, so it is added (and said); one that exists is left alone."""
    from backend_architect.design.api_meant import api_as_meant
    from backend_architect.spec.api import ApiSpecification

    raw = {"api_specification": _api([{"name": "links", "endpoints": [_ep("GET", "/links", "listLinks")]}],
                                     refresh="/auth/tokens")}
    out, notes = api_as_meant(raw, _url_state(shop_brief, knowledge))
    spec = ApiSpecification.model_validate(out["api_specification"])
    added = next(e for e in spec.endpoints() if e.path == "/auth/tokens")
    assert added.method == "POST" and not added.auth_required and added.request_schema == "TokenRequest"
    assert spec.authentication.schemes[0].refresh_endpoint == "POST /auth/tokens"
    assert notes and notes[0].startswith("POST /auth/tokens added")
    present = {"api_specification": _api([{"name": "auth", "endpoints": [_ep("POST", "/auth/tokens", "signIn")]}])}
    assert api_as_meant(present, _url_state(shop_brief, knowledge)) == (present, [])
