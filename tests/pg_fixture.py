"""SQLAlchemy access to the session's throwaway PostgreSQL (`backend_architect.checks.pg.temporary_server`, the
server `verify` uses), and a fresh database per test. Import the fixtures into a test module:
`from .pg_fixture import pg_database_uri, pg_uri  # noqa: F401`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest


@pytest.fixture(scope="session")
def pg_uri(pg_dsn: str) -> str:
    """SQLAlchemy URI (psycopg 3) of the session's throwaway server, the one `verify` uses (conftest's pg_dsn)."""
    from sqlalchemy.engine import URL

    parts = dict(item.split("=", 1) for item in pg_dsn.split())
    return URL.create("postgresql+psycopg", username=parts.get("user"), database=parts.get("dbname"),
                      query={"host": parts["host"], "port": parts.get("port", "5432")}).render_as_string(
        hide_password=False)


@pytest.fixture
def pg_database_uri(pg_uri: str) -> Iterator[str]:
    """A new, empty database for one test, dropped afterwards, so tests cannot see each other's tables."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(pg_uri, isolation_level="AUTOCOMMIT")  # CREATE DATABASE refuses transactions
    try:
        with admin.connect() as conn:
            conn.execute(text(f"CREATE DATABASE {name}"))
        yield make_url(pg_uri).set(database=name).render_as_string(hide_password=False)
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    finally:
        admin.dispose()
