"""Checks against real systems: the OpenAPI and AsyncAPI validators, PostgreSQL (parse, apply, EXPLAIN)."""
