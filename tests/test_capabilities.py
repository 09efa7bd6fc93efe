"""Every capability on the builtin model, on briefs of three scales whose designs must differ where they should:
a small internal tool, a mid-size shop, a large social network (and the shop again at a large scale)."""

from __future__ import annotations

import json

import pytest
import yaml

from backend_architect.inputs.brief import load_brief, parse_brief
from backend_architect.llm.builtin.architect import Plan
from backend_architect.render.openapi import openapi_document
from backend_architect.spec import Design
from backend_architect.design.tools import DesignState, default_registry
from backend_architect.checks.validate import check_graphql

from .conftest import EXAMPLES, plan_calls


def _design(brief, knowledge) -> Design:
    """Every builtin artifact through the real tools, as the agent would send them."""
    plan = Plan(brief, knowledge)
    state = DesignState(brief=brief, knowledge=knowledge)
    registry = default_registry()
    for name, args in plan_calls(plan):
        outcome = registry.call(name, json.dumps(args), state)
        assert outcome.ok, (name, outcome.errors)
    return state.design(model="builtin", builtin=True)


@pytest.fixture(scope="module")
def designs():
    from backend_architect.inputs.knowledge import load_knowledge

    kb = load_knowledge()
    shop = load_brief(EXAMPLES / "online-shop.yaml").brief
    big_shop = shop.model_copy(update={"non_functional": shop.non_functional.model_copy(
        update={"peak_rps": 8000, "daily_active_users": 3_000_000, "team_size": 60})})
    return {
        "small": _design(load_brief(EXAMPLES / "equipment-booking.yaml").brief, kb),
        "mid": _design(shop, kb),
        "large": _design(load_brief(EXAMPLES / "photo-social.yaml").brief, kb),
        "big_shop": _design(big_shop, kb),
    }


def test_the_small_tool_is_not_over_engineered(designs):
    d = designs["small"]
    assert d.microservices.style == "modular_monolith"
    scaling = d.database_schema.scaling
    assert scaling.read_replicas == 0 and scaling.sharding is None and scaling.partitioning == []
    assert d.database_schema.nosql_models == []
    assert d.microservices.sagas == [] and d.microservices.outbox == []
    assert d.microservices.infrastructure.message_broker is None
    assert [c.layer for c in d.performance.caching] == ["client", "database"]  # no shared cache at 5 req/s
    assert d.graphql is None
    assert "no read replicas" in scaling.rationale and "no sharding" in scaling.rationale


def test_the_mid_size_shop_caches_reads_but_keeps_one_database(designs):
    d = designs["mid"]
    assert d.microservices.style == "modular_monolith"
    assert d.database_schema.scaling.read_replicas == 0 and d.database_schema.scaling.sharding is None
    cache = next(c for c in d.performance.caching if c.layer == "application")
    assert cache.ttl_seconds > 0 and cache.stampede_protection and "delete" in cache.invalidation
    assert cache.endpoints and all(e.startswith("GET ") for e in cache.endpoints)
    denormalized = {(x.table, x.column) for x in d.database_schema.normalization.denormalizations}
    assert ("order_items", "unit_price") in denormalized and ("orders", "total_amount") in denormalized


def test_the_large_network_gets_replicas_shards_and_services_with_the_numbers(designs):
    d = designs["large"]
    assert d.microservices.style == "microservices"
    scaling = d.database_schema.scaling
    assert scaling.read_replicas >= 1 and scaling.replication != "none"
    assert scaling.sharding is not None and scaling.sharding.shard_key == "user_id"
    assert "writes/s" in scaling.sharding.reason and "GB" in scaling.sharding.reason
    assert scaling.partitioning and scaling.partitioning[0].column == "created_at"
    assert any(m.kind == "wide_column" for m in d.database_schema.nosql_models)  # the home timeline
    assert d.capacity.value("avg_write_qps") == pytest.approx(3e9 / 2_592_000, rel=0.01)
    assert d.microservices.outbox and d.microservices.infrastructure.message_broker
    assert {f.layer for f in d.performance.caching} >= {"client", "application", "database"}
    assert any(s.direction == "horizontal" and s.component == "PostgreSQL" for s in d.performance.scaling)


def test_a_shop_at_large_scale_splits_into_services_with_a_saga_and_an_outbox(designs):
    d = designs["big_shop"]
    arch = d.microservices
    assert arch.style == "microservices" and len(arch.services) >= 3
    saga = next(s for s in arch.sagas if s.name == "order-payment")
    assert all(step.compensation for step in saga.steps[:-1]) and saga.orchestrator
    for box in arch.outbox:
        assert arch.owner_of(box.table) == box.service
        assert box.table in d.database_schema.table_names()
    for service in arch.services:
        for dep in service.depends_on:
            assert dep.protocol == "rest" and dep.timeout_ms and dep.reason.startswith("synchronous")
    gateway = arch.infrastructure.api_gateway
    assert {"authentication", "rate_limiting", "request_logging"} <= set(gateway.features)
    assert "Kubernetes" in arch.infrastructure.service_discovery


def test_graphql_only_when_asked_and_it_builds_with_connections(designs):
    assert designs["mid"].graphql is None
    g = designs["large"].graphql
    assert check_graphql(g.sdl) == []
    from graphql import build_schema

    schema = build_schema(g.sdl)
    posts = schema.query_type.fields["posts"]
    assert {"first", "after"} <= set(posts.args)
    assert str(posts.type) == "PostConnection!"
    assert "createPost" in schema.mutation_type.fields
    assert "PostCreateInput" in schema.type_map


def test_openapi_carries_security_429_problems_and_deprecation_policy(designs):
    api = designs["mid"].api_specification
    doc = openapi_document(api)
    assert doc["components"]["securitySchemes"]["bearerAuth"]["bearerFormat"] == "JWT"
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            assert "429" in op["responses"], (method, path)
            assert set(op["responses"]["429"]["headers"]) >= {"Retry-After", "RateLimit", "RateLimit-Policy"}
            for status, response in op["responses"].items():
                if int(status) >= 400:
                    assert "application/problem+json" in response["content"], (method, path, status)
            assert "security" in op  # public operations say so with []
    staff_only = doc["paths"]["/api/v1/products"]["post"]
    assert staff_only["x-roles"] == ["staff"] and "403" in staff_only["responses"]
    assert doc["paths"]["/api/v1/products"]["get"]["security"] == []  # visitors browse the catalog
    assert "Sunset" in doc["info"]["description"]
    assert api.authentication.schemes[0].refresh_endpoint == "POST /auth/tokens"


def test_every_index_is_served_by_a_declared_access_pattern_or_a_constraint(designs):
    for d in designs.values():
        schema = d.database_schema
        served = {p.index for p in schema.access_patterns}
        for table in schema.tables:
            fks = {c.name for c in table.columns if c.references}
            for index in table.indexes:
                assert index.name in served or index.unique or index.column_names()[0] in fks, index.name
        for pattern in schema.access_patterns:
            assert pattern.query.startswith("SELECT") and pattern.table in pattern.query


def test_decisions_are_madr_complete_and_differ_by_scale(designs):
    titles = {name: [x.title for x in d.decisions] for name, d in designs.items()}
    assert "Use a modular monolith" in titles["small"]
    assert "Use microservices per bounded context" in titles["large"]
    assert any("shard" in t.lower() for t in titles["large"])
    assert any("single postgresql primary" in t.lower() for t in titles["small"])
    for d in designs.values():
        for decision in d.decisions:
            assert len(decision.considered_options) >= 2 and decision.decision_drivers


def test_bottlenecks_name_the_first_to_bind(designs):
    first = designs["large"].performance.bottlenecks[0]
    assert first.component in {"application instances", "database reads", "database writes", "database connections"}
    assert "% used" in first.first_at


def test_a_brief_without_numbers_says_what_it_assumed(knowledge):
    brief = parse_brief(b"title: Notes\nrequirements: [Users write notes and share them with other users.]\n",
                        suffix=".yaml").brief
    design = _design(brief, knowledge)
    assert any("No load was stated" in a for a in design.capacity.assumptions)
    assert design.database_schema.scaling.read_replicas == 0


def test_design_md_has_a_section_per_capability(designs, tmp_path):
    from backend_architect.render.markdown import render_markdown

    md = render_markdown(designs["large"])
    for heading in ["## Capacity estimate", "## API", "## GraphQL", "### Normalization", "### Access patterns",
                    "### NoSQL models", "### Migrations", "### Replication and sharding", "### Communication",
                    "### Events", "### Distributed transactions", "## Performance and scalability",
                    "### Caching", "### Load balancing", "### Scaling", "### Monitoring", "### Bottlenecks",
                    "## Decisions"]:
        assert heading in md, heading
    small = render_markdown(designs["small"])
    assert "Not offered: the brief does not ask for GraphQL" in small
    assert "No sagas: every write stays inside one module's transaction." in small
    assert "](adr/0001-use-a-modular-monolith.md)" in small
    assert yaml.safe_load  # the YAML artifacts are checked in test_builtin
