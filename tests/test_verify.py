"""`verify` and the throwaway PostgreSQL: real servers, no mocks."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from backend_architect.cli.app import app
from backend_architect.checks.pg import Binaries, PostgresUnavailable, find_binaries, temporary_server
from backend_architect.checks.verify import VerifyError, split_statements, verify_sql

BROKEN = Path(__file__).resolve().parent / "fixtures" / "broken-design"
runner = CliRunner()


def test_the_throwaway_server_starts_answers_and_is_deleted() -> None:
    import psycopg

    with temporary_server() as dsn:
        root = Path(dsn.split()[0].removeprefix("host="))
        with psycopg.connect(dsn) as conn:
            assert conn.execute("SELECT 1 + 1").fetchone() == (2,)
            # Unix socket only: no TCP listener.
            assert conn.execute("SHOW listen_addresses").fetchone() == ("",)
    assert not root.exists()


def test_binaries_are_found_from_pip_alone() -> None:
    found = find_binaries()
    assert found is not None and (found.bindir / "postgres").exists()


def test_missing_binaries_are_reported(tmp_path: Path) -> None:
    with pytest.raises(PostgresUnavailable, match="initdb"):
        with temporary_server(Binaries(tmp_path, "env"), timeout=5):
            pass


def test_split_statements_keeps_lines() -> None:
    assert split_statements("-- c\nCREATE TABLE a (x int);\n\nCREATE TABLE b (y int);") == [
        (2, "CREATE TABLE a (x int)"), (4, "CREATE TABLE b (y int)")]
    with pytest.raises(VerifyError):
        split_statements("CREATE TABLE (")


def test_every_failing_statement_is_reported_on_the_users_server(pg_dsn: str) -> None:
    import psycopg

    sql = ("CREATE TABLE a (id int PRIMARY KEY);\nCREATE TABLE b (a_id uuid REFERENCES a (id));\n"
           "CREATE TABLE c (x no_such_type);\nCREATE INDEX ON a (id);")
    report = verify_sql(sql, dsn=pg_dsn)
    assert [s.line for s in report.failures] == [2, 3]
    assert "incompatible types" in report.failures[0].error and "no_such_type" in report.failures[1].error
    with psycopg.connect(pg_dsn) as conn:  # rolled back: nothing is left on the user's server
        assert conn.execute("SELECT count(*) FROM pg_tables WHERE tablename = 'a'").fetchone() == (0,)


def test_verify_command_catches_the_wrong_column_type() -> None:
    result = runner.invoke(app, ["verify", str(BROKEN)])
    assert result.exit_code == 1
    assert "schema.sql:21" in result.stdout and "incompatible types: integer and uuid" in result.stdout


def test_verify_command_on_builtin_designs(builtin_designs: dict[str, Path], pg_dsn: str) -> None:
    import psycopg

    with psycopg.connect(pg_dsn) as conn:
        contrib = bool(conn.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'btree_gist'").fetchone())
    for name, directory in builtin_designs.items():
        result = runner.invoke(app, ["verify", str(directory), "--dsn", pg_dsn])
        assert "statements applied" in result.stdout
        if result.exit_code and not contrib:
            # pgserver is built without contrib modules: a booking's EXCLUDE (btree_gist) is the only thing
            # allowed to fail here; every packaged and managed PostgreSQL has btree_gist.
            fails = [ln for ln in result.stdout.splitlines() if ln.startswith("FAIL")]
            assert fails and all("btree_gist" in ln or "EXCLUDE" in ln or "no_overlap" in ln for ln in fails), \
                (name, result.stdout)
            continue
        assert result.exit_code == 0, (name, result.stdout)


def test_verify_usage_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert runner.invoke(app, ["verify", str(tmp_path)]).exit_code == 2
    assert runner.invoke(app, ["verify", str(BROKEN), "--dsn", "host=/nonexistent-dir port=1"]).exit_code == 2
    monkeypatch.setattr("backend_architect.checks.pg.find_binaries", lambda: None)
    result = runner.invoke(app, ["verify", str(BROKEN)])
    assert result.exit_code == 2 and "pip install 'backend-architect[verify]'" in result.output


def test_design_with_verify_proves_the_schema(tmp_path: Path) -> None:
    brief = Path(__file__).resolve().parents[1] / "examples" / "briefs" / "url-shortener.yaml"
    result = runner.invoke(app, ["design", str(brief), "-o", str(tmp_path / "out"), "--model", "builtin", "--verify"])
    assert result.exit_code == 0, result.output
    assert "statements applied" in result.stdout and "access patterns use their index" in result.stdout


@pytest.mark.skipif(os.geteuid() != 0, reason="only root runs the server as another user")
def test_binaries_in_a_private_directory_are_copied_for_the_server_user(tmp_path: Path) -> None:
    import shutil

    import psycopg

    found = find_binaries()
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    for part in ("bin", "lib", "share"):
        shutil.copytree(found.bindir.parent / part, private / "pg" / part, symlinks=True)
    libdirs = []
    for i, libdir in enumerate(found.libdirs):
        shutil.copytree(libdir, private / f"libs{i}")
        libdirs.append(private / f"libs{i}")
    hidden = Binaries(private / "pg" / "bin", "env", tuple(libdirs))
    with temporary_server(hidden) as dsn, psycopg.connect(dsn) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)


def test_verify_catches_missing_and_misordered_foreign_key_indexes() -> None:
    result = runner.invoke(app, ["verify", str(Path(__file__).resolve().parent / "fixtures" / "missing-fk-index")],
                           env={"COLUMNS": "300"})
    assert result.exit_code == 1
    assert "orders_by_customer_newest: declares index ix_orders_customer_id_created_at, which the schema does not" \
           in result.stdout
    assert "leaves out its leading column created_at" in result.stdout
    assert "1/3 access patterns use their index" in result.stdout
