"""A real PostgreSQL for tests, from the `pgserver` wheel (it ships the server binaries).

Kept small and self-contained on purpose: one server per test session on a Unix socket in a
temporary directory, and a fresh database per test. Import the fixtures into a test module:
`from .pg_fixture import pg_database_uri, pg_uri  # noqa: F401`.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest


def _driver_uri(uri: str) -> str:
    # pgserver hands out libpq URIs; SQLAlchemy needs the driver named, and we use psycopg 3.
    return uri.replace("postgresql://", "postgresql+psycopg://", 1)


@pytest.fixture(scope="session")
def pg_uri() -> Iterator[str]:
    """SQLAlchemy URI of the session's PostgreSQL server (database `postgres`)."""
    try:
        with warnings.catch_warnings():  # platformdirs warns on import when XDG_RUNTIME_DIR is unset (CI)
            warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
            import pgserver
    except ImportError:  # `make test` installs the test extra, so this only skips partial installs
        pytest.skip("pgserver is not installed (pip install -e '.[test]'); it provides PostgreSQL for these tests")
    # As root, pgserver runs PostgreSQL as its own unprivileged user, which cannot enter pytest's
    # private (0700) temporary directories. So the server gets a directory of its own that others
    # may traverse but not list, and pgserver creates (and owns) the data directory inside it.
    home = Path(tempfile.mkdtemp(prefix="ba-pg-"))
    os.chmod(home, 0o711)
    try:
        server = pgserver.get_server(home / "pgdata", cleanup_mode="delete")
        try:
            yield _driver_uri(server.get_uri())
        finally:
            server.cleanup()
    finally:
        shutil.rmtree(home, ignore_errors=True)


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
