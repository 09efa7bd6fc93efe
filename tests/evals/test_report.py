"""Aggregates, pass@k and the report files from hand-made records."""

from __future__ import annotations

import json
from xml.etree import ElementTree as ET

import pytest

from backend_architect.evals.report import aggregate, render_markdown, write_reports


def _record(case: str, model: str, epoch: int, score: float | None, *, cost: float | None = 0.01) -> dict:
    base = {"key": f"s/{case}|{model}|{epoch}", "suite": "s", "case": case, "model": model, "epoch": epoch,
            "latency_s": 1.0, "prompt_tokens": 100, "completion_tokens": 10, "cost_usd": cost}
    if score is None:
        return {**base, "status": "error", "error": "the model server answered 429"}
    return {**base, "status": "scored", "score": score, "passed": score >= 0.8, "threshold": 0.8,
            "grades": [{"grader": "tables", "score": score, "reason": "r"}]}


RECORDS = [_record("a", "m1", 1, 1.0), _record("a", "m1", 2, 0.5), _record("a", "m1", 3, 0.9),
           _record("b", "m1", 1, 0.6), _record("b", "m1", 2, 0.7), _record("b", "m1", 3, None),
           _record("a", "m2", 1, 0.4, cost=None)]


def test_aggregate_per_case_then_per_model_with_pass_at_k():
    report = aggregate(RECORDS)
    a = next(c for c in report["cases"] if c["case"] == "s/a" and c["model"] == "m1")
    assert a["score"] == pytest.approx(0.8) and a["passes"] == 2 and a["pass_at_k"] == {"1": 0.6667, "3": 1.0}
    b = next(c for c in report["cases"] if c["case"] == "s/b")
    assert b["errors"] == 1 and b["score"] == pytest.approx(0.65) and b["pass_at_k"] == {"1": 0.0, "2": 0.0}
    m1 = next(m for m in report["models"] if m["model"] == "m1")
    assert m1["mean_score"] == pytest.approx(0.725) and m1["std_error"] == pytest.approx(0.075)
    assert m1["errors"] == 1 and m1["cost_usd"] == pytest.approx(0.06) and m1["graders"] == {"tables": 0.725}
    assert m1["pass_at_k"]["1"] == pytest.approx(0.3333, abs=1e-4)
    m2 = next(m for m in report["models"] if m["model"] == "m2")
    assert m2["cost_usd"] is None and m2["ci95"] == [0.4, 0.4]  # unknown price; one case: no interval


def test_report_files(tmp_path):
    write_reports(tmp_path, RECORDS)
    assert json.loads((tmp_path / "report.json").read_text())["models"][0]["model"] == "m1"
    markdown = (tmp_path / "report.md").read_text()
    assert "| s/a | m1 | 0.800 | 2/3 |" in markdown and "`s/b|m1|3`: error: the model server answered 429" in markdown
    root = ET.parse(tmp_path / "junit.xml").getroot()
    m1 = next(s for s in root.iter("testsuite") if s.get("name") == "s.m1")
    assert (m1.get("tests"), m1.get("failures"), m1.get("errors")) == ("6", "3", "1")
    failure = next(c for c in m1.iter("testcase") if c.get("name") == "a#2").find("failure")
    assert failure.get("message") == "score 0.500 below 0.80" and "tables: 0.50 r" in failure.text
    assert "pass@1 0.33" in render_markdown(aggregate(RECORDS), RECORDS)
