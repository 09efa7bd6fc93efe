"""The command line through typer's CliRunner: exit codes, messages, and what lands on disk."""

from __future__ import annotations

import json
import socket

import pytest
from typer.testing import CliRunner

import backend_architect
from backend_architect.cli.app import app

from .conftest import EXAMPLES

runner = CliRunner()


@pytest.fixture(autouse=True)
def _offline(monkeypatch):
    for var in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "BACKEND_ARCHITECT_MODEL"):
        monkeypatch.delenv(var, raising=False)


@pytest.mark.parametrize("brief", sorted(p.name for p in EXAMPLES.iterdir()))
def test_design_writes_every_artifact_offline(brief, tmp_path):
    out = tmp_path / "out"
    result = runner.invoke(app, ["design", str(EXAMPLES / brief), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "builtin model (offline rule-based model, no LLM)" in result.stderr
    for name in ("design.md", "design.json", "openapi.yaml", "schema.sql", "services.yaml", "transcript.jsonl"):
        assert (out / name).stat().st_size > 0, name
        assert name in result.stdout
    assert json.loads((out / "design.json").read_text())["status"] == "complete"
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")], "temporary files left behind"


def test_design_reads_stdin_and_defaults_the_directory_to_the_title(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    raw = (EXAMPLES / "url-shortener.yaml").read_text()
    result = runner.invoke(app, ["design", "-"], input=raw)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "designs" / "url-shortener" / "openapi.yaml").is_file()


BAD_BRIEFS = [
    ("bad.yaml", b"title: Shop\nrequirements:\n  - a\n  - [b\n", "bad.yaml:5", "invalid YAML"),
    ("untitled.yaml", b"summary: no title here\nrequirements: [a]\n", "title", "is required"),
    ("wrong.yaml", b"title: T\nnon_functional:\n  peak_rps: lots\n", "bad.yaml", "non_functional.peak_rps"),
    ("empty.yaml", b"", "empty.yaml", "empty"),
    ("binary.yaml", b"title: \x00\x01\x02", "binary.yaml", "binary"),
    ("huge.yaml", b"title: T\nsummary: " + b"x" * 1_000_001, "huge.yaml", "larger than 1 MB"),
]


@pytest.mark.parametrize("name,raw,where,what", BAD_BRIEFS, ids=[b[0] for b in BAD_BRIEFS])
def test_bad_briefs_exit_2_with_one_clear_error_and_write_nothing(name, raw, where, what, tmp_path):
    path = tmp_path / name
    path.write_bytes(raw)
    out = tmp_path / "out"
    result = runner.invoke(app, ["design", str(path), "-o", str(out)])
    assert result.exit_code == 2
    assert what in result.stderr
    if name == "wrong.yaml":
        assert f"{path}:3: non_functional.peak_rps" in result.stderr
    elif where != "title":
        assert where.replace("bad.yaml", str(path)).split(":")[0] in result.stderr
    assert "Traceback" not in result.output
    assert not out.exists()


def test_missing_file_and_unknown_persona_are_usage_errors(tmp_path):
    result = runner.invoke(app, ["design", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 2 and "no such file" in result.stderr
    result = runner.invoke(app, ["design", str(EXAMPLES / "online-shop.yaml"), "--persona", "nobody"])
    assert result.exit_code == 2 and "no persona 'nobody'" in result.stderr and "backend-architect" in result.stderr
    result = runner.invoke(app, ["design", str(EXAMPLES / "online-shop.yaml"), "--persona", "../etc/passwd"])
    assert result.exit_code == 2


def test_a_named_model_with_no_server_configured_is_a_usage_error():
    result = runner.invoke(app, ["design", str(EXAMPLES / "online-shop.yaml"), "--model", "gpt-4o"])
    assert result.exit_code == 2
    assert "OPENAI_API_KEY" in result.stderr and "--model builtin" in result.stderr


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_an_unreachable_server_fails_with_exit_1_saves_the_record_and_never_writes_the_key(tmp_path, monkeypatch):
    key = "sk-cli-secret-0123456789abcdef"
    monkeypatch.setenv("OPENAI_API_KEY", key)
    out = tmp_path / "out"
    result = runner.invoke(app, ["design", str(EXAMPLES / "online-shop.yaml"), "-o", str(out),
                                 "--base-url", f"http://127.0.0.1:{_closed_port()}/v1", "--model", "gpt-test"])
    assert result.exit_code == 1
    assert result.stderr.count("cannot reach the model server") == 1  # said once, not "stopped:" then "error:"
    assert not out.exists()  # nothing valid: no design directory of empty files
    kept = tmp_path / "out.incomplete"
    assert sorted(p.name for p in kept.iterdir()) == [".backend-architect-files.json", "design.json",
                                                      "transcript.jsonl"]
    short = json.loads((kept / "design.json").read_text())
    assert short["status"] == "incomplete" and "cannot reach" in short["failure"] and "brief" not in short
    assert "out.incomplete" in result.stderr
    for path in kept.iterdir():
        assert key not in path.read_text(), path.name
    assert key not in result.output


def test_version_and_help():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and backend_architect.__version__ in result.stdout
    result = runner.invoke(app, ["design", "--help"])
    assert result.exit_code == 0 and "--base-url" in result.stdout


def test_the_public_surface_is_small():
    assert backend_architect.__all__ == ["__version__"]
    from backend_architect import spec

    assert set(spec.__all__) == {"ApiSpecification", "CapacityEstimate", "CapacityInputs", "DatabaseSchema",
                                 "Decision", "Design", "FinishDesign", "GraphQLSpecification", "PerformancePlan",
                                 "RecordDecisions", "ServiceArchitecture", "TraceItem", "cross_check"}


def test_an_output_path_that_is_a_file_is_a_one_line_failure(tmp_path):
    target = tmp_path / "taken"
    target.write_text("not a directory")
    result = runner.invoke(app, ["design", str(EXAMPLES / "url-shortener.yaml"), "-o", str(target)])
    assert result.exit_code == 2  # found before any request
    assert "cannot write the design" in result.stderr and "not a directory" in result.stderr
    assert "Traceback" not in result.output and "designing" not in result.stderr
    assert target.read_text() == "not a directory"
