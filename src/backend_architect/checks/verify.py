"""Prove the database claims on a real PostgreSQL: every statement of schema.sql applies.

On a throwaway server each statement runs on its own (autocommit), so even statements that
cannot run in a transaction (CREATE INDEX CONCURRENTLY) are tried. On the user's server (`--dsn`)
everything runs in one transaction, inside a private schema, with a savepoint per statement so
that one failure does not hide the next, and the transaction is rolled back at the end.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .pg import error_text

__all__ = ["StatementResult", "VerifyError", "VerifyReport", "schema_file", "split_statements", "verify_design", "verify_sql"]

STATEMENT_TIMEOUT = "15s"


class VerifyError(Exception):
    pass


@dataclass(frozen=True)
class StatementResult:
    line: int
    statement: str
    error: str | None = None
    skipped: bool = False  # needs a contrib extension the throwaway server lacks (btree_gist in pgserver)

    @property
    def ok(self) -> bool:
        return self.error is None or self.skipped

    @property
    def label(self) -> str:
        first = self.statement.strip().splitlines()[0] if self.statement.strip() else ""
        return first[:90] + ("…" if len(first) > 90 else "")


@dataclass
class VerifyReport:
    server: str
    statements: list[StatementResult] = field(default_factory=list)
    checks: list[Any] = field(default_factory=list)  # access-pattern plan checks, when the design declares them

    @property
    def failures(self) -> list[Any]:
        return [s for s in self.statements if not s.ok] + [c for c in self.checks if not c.ok]


def split_statements(sql: str) -> list[tuple[int, str]]:
    """(line, statement) for each statement, split by PostgreSQL's own parser."""
    import pglast
    from pglast.parser import ParseError

    try:
        slices = pglast.split(sql, only_slices=True)
    except ParseError as exc:
        raise VerifyError(f"PostgreSQL cannot parse the file: {exc}") from None
    return [(sql.count("\n", 0, s.start) + 1, sql[s]) for s in slices]


@contextmanager
def _connection(dsn: str | None) -> Iterator[tuple[Any, bool]]:
    """(connection, private): a throwaway server when `dsn` is None, else the user's, rolled back."""
    import psycopg

    if dsn is None:
        from .pg import temporary_server

        with temporary_server() as own_dsn, psycopg.connect(own_dsn, autocommit=True) as conn:
            yield conn, True
        return
    try:
        conn = psycopg.connect(dsn, autocommit=False, connect_timeout=10)
    except psycopg.Error as exc:
        raise VerifyError(f"cannot connect to --dsn: {error_text(exc)}") from None
    try:
        yield conn, False
    finally:
        conn.rollback()  # nothing verify did survives on the user's server
        conn.close()


def verify_sql(sql: str, *, dsn: str | None = None, plans: Any = None) -> VerifyReport:
    """Apply each statement of `sql`; then, if given, run `plans(conn)` for plan checks on the same schema."""
    import psycopg

    statements = split_statements(sql)
    with _connection(dsn) as (conn, private):
        server = conn.execute("SHOW server_version").fetchone()[0]
        conn.execute(f"SET statement_timeout = '{STATEMENT_TIMEOUT}'")
        if not private:
            # A private schema first in the search path: the user's own tables are never touched or clashed with.
            schema = f"ba_verify_{secrets.token_hex(4)}"
            conn.execute(f"CREATE SCHEMA {schema}")
            conn.execute(f"SET LOCAL search_path TO {schema}, public")
        report = VerifyReport(server=server)
        missing_contrib = False
        for line, statement in statements:
            error = None
            try:
                if private:
                    conn.execute(statement)
                else:
                    with conn.transaction():  # a savepoint: a failure rolls back this statement only
                        conn.execute(statement)
            except psycopg.Error as exc:
                error = error_text(exc)
            # The throwaway server is a minimal build without contrib modules; every packaged or managed
            # PostgreSQL has them. What needs one is reported, not failed; on --dsn it is a real failure.
            skipped = private and error is not None and (
                bool(re.search(r'extension "[a-z_]+" is not available', error))
                or (missing_contrib and "operator class" in error))
            missing_contrib = missing_contrib or (skipped and "extension" in error)
            report.statements.append(StatementResult(line, statement, error, skipped=skipped))
        if plans is not None:
            report.checks = plans(conn)
    return report


def schema_file(path: Path) -> Path:
    """schema.sql of a design directory, or the SQL file itself."""
    if path.is_dir():
        candidate = path / "schema.sql"
        if not candidate.is_file():
            raise VerifyError(f"{path}: no schema.sql in it")
        return candidate
    if not path.is_file():
        raise VerifyError(f"{path}: no such file or directory")
    return path


def access_patterns(design: dict[str, Any]) -> list[Any]:
    """The access patterns a design.json declares (`database_schema.access_patterns`)."""
    from .explain import AccessPattern

    schema = design.get("database_schema") if isinstance(design.get("database_schema"), dict) else {}
    out = []
    for raw in schema.get("access_patterns") or []:
        query = raw.get("query") or raw.get("sql") if isinstance(raw, dict) else None
        if query:
            index = raw.get("index") or raw.get("index_name") or None
            out.append(AccessPattern(str(raw.get("name") or query[:40]), str(query), index))
    return out


def verify_design(sql_path: Path, *, dsn: str | None = None) -> VerifyReport:
    """Verify a schema file; beside a design.json, its access patterns' plans are checked too."""
    import json

    patterns = []
    design_path = sql_path.parent / "design.json"
    if design_path.is_file():
        try:
            patterns = access_patterns(json.loads(design_path.read_text(encoding="utf-8")))
        except (ValueError, AttributeError, OSError):
            patterns = []  # a design.json we cannot read adds no plan checks; the schema is still verified

    def plans(conn: Any) -> list[Any]:
        from .explain import check_plans

        return check_plans(conn, patterns)

    return verify_sql(sql_path.read_text(encoding="utf-8"), dsn=dsn, plans=plans if patterns else None)
