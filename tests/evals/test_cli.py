"""`backend-architect eval` end to end with the builtin model: exit codes, reports, resume after SIGKILL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from typer.testing import CliRunner

from backend_architect.cli.app import app
from backend_architect.evals.results import read_results

runner = CliRunner()

SUITE = """\
suite: tiny
cases:
  - id: todo
    brief: {title: Team to-do lists, requirements: [Users create lists and add tasks to a list.]}
    expect: {tables: [lists, tasks], must_not_include: [microservices]}
  - id: clinic
    brief: {title: Clinic, requirements: [Patients book appointments with doctors.]}
    expect: {tables: [invoices, payments, refunds], endpoints: ["POST /invoices", "POST /refunds"], columns: [invoices.total]}
"""


@pytest.fixture(autouse=True)
def _offline(monkeypatch):
    for var in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "BACKEND_ARCHITECT_MODEL"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture
def suite(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.yaml"
    path.write_text(SUITE)
    return path


def _eval(*args: str):
    return runner.invoke(app, ["eval", *args, "--model", "builtin", "--no-cache"])


def test_eval_prints_the_table_writes_the_reports_and_min_score_sets_the_exit_code(suite, tmp_path):
    out = tmp_path / "run"
    result = _eval(str(suite), "-o", str(out), "--min-score", "0.5")
    assert result.exit_code == 0, result.output
    assert "tiny/todo" in result.stdout and "tiny/clinic" in result.stdout and "Graders" in result.stdout
    assert "turn 1 (schema): waiting for the model" in result.stderr  # piped: a line per request
    report = json.loads((out / "report.json").read_text())
    assert report["models"][0]["model"] == "builtin" and report["models"][0]["cases"] == 2
    suite_xml = ET.parse(out / "junit.xml").getroot().find("testsuite")
    assert suite_xml.get("tests") == "2" and suite_xml.get("failures") == "1"  # clinic has no invoices
    assert (out / "report.md").read_text().startswith("# Eval report")
    mean = report["models"][0]["mean_score"]
    # --resume with nothing missing only re-reports; the gate is the mean score.
    result = _eval(str(suite), "-o", str(out), "--resume", "--min-score", str(min(1.0, mean + 0.01)))
    assert result.exit_code == 1 and "below --min-score" in result.stderr
    assert "2 case(s) already scored, 0 to run" in result.stderr


def test_usage_errors_exit_2(suite, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("suite: bad\ncases:\n  - id: a\n    brief: {title: T}\n    expect: {nope: 1}\n")
    result = _eval(str(bad))
    assert result.exit_code == 2 and f"{bad}:5: cases[0].expect.nope: no grader named 'nope'" in result.stderr
    out = tmp_path / "run"
    assert _eval(str(suite), "-o", str(out), "-k", "todo").exit_code == 0
    result = _eval(str(suite), "-o", str(out))
    assert result.exit_code == 2 and "--resume" in result.stderr
    assert _eval(str(suite), "-k", "nothing-matches").exit_code == 2


def _lines(path: Path) -> list[str]:
    return path.read_text().splitlines()


def test_resume_after_sigkill_gives_the_same_results_as_an_uninterrupted_run(suite, tmp_path):
    whole = tmp_path / "whole"
    assert _eval(str(suite), "-o", str(whole), "--repeat", "2", "-j", "1").exit_code == 0

    killed = tmp_path / "killed"
    env = {k: v for k, v in os.environ.items() if k not in ("OPENAI_API_KEY", "OPENAI_BASE_URL")}
    proc = subprocess.Popen([sys.executable, "-m", "backend_architect", "eval", str(suite), "-o", str(killed),
                             "--model", "builtin", "--no-cache", "--repeat", "2", "-j", "1"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    results = killed / "results.jsonl"
    deadline = time.monotonic() + 120  # a guard against a hung child, not a timing assertion
    while time.monotonic() < deadline and proc.poll() is None:
        if results.exists() and results.read_bytes().count(b"\n") >= 1:
            break
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    before = _lines(results)
    assert 1 <= len(before) < 4, "the child finished before the kill"
    with results.open("ab") as handle:  # as if the kill had landed in the middle of a write
        handle.write(b'{"key": "tiny/clinic|builtin|2", "status": "sco')

    result = _eval(str(suite), "-o", str(killed), "--resume", "--repeat", "2", "-j", "1")
    assert result.exit_code == 0, result.output
    after = _lines(results)
    assert after[: len(before)] == before  # what was there is kept, the torn line is gone
    keys = Counter(json.loads(line)["key"] for line in after)
    assert len(keys) == 4 and set(keys.values()) == {1}  # no case ran twice

    def essence(path: Path) -> list[tuple]:
        return sorted((r["key"], r["status"], r["score"], r["passed"], json.dumps(r["grades"]))
                      for r in read_results(path))

    assert essence(killed) == essence(whole)


def test_compare_reports_differences_and_the_paired_test(tmp_path):
    def run(name: str, scores: list[float]) -> Path:
        directory = tmp_path / name
        directory.mkdir()
        lines = [json.dumps({"key": f"s/c{i}|m|1", "suite": "s", "case": f"c{i}", "model": "m", "epoch": 1,
                             "status": "scored", "score": score, "passed": score >= 0.8}) for i, score in enumerate(scores)]
        (directory / "results.jsonl").write_text("\n".join(lines) + "\n")
        return directory

    a = run("a", [0.9, 0.8, 0.85, 0.95, 0.7, 0.9])
    b = run("b", [0.7, 0.6, 0.6, 0.8, 0.5, 0.9])
    result = runner.invoke(app, ["eval", "compare", str(a), str(b), "--fail-on-regression"])
    assert result.exit_code == 1
    assert "s/c0" in result.stdout and "-0.200" in result.stdout and "s/c5" not in result.stdout
    assert "B is worse than A" in result.stdout and "more than noise" in result.stdout
    result = runner.invoke(app, ["eval", "compare", str(a), str(a), "--fail-on-regression", "--all"])
    assert result.exit_code == 0 and "no difference beyond noise" in result.stdout and "s/c5" in result.stdout
    assert runner.invoke(app, ["eval", "compare", str(a), str(tmp_path / "nope")]).exit_code == 2
