"""Suite files: the shipped suites load; errors name the file, the line and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from backend_architect.evals.suite import SuiteError, load_suites, select

from ..conftest import ROOT


def test_the_shipped_suites_have_enough_cases_across_scales():
    suites = {s.name: s for s in load_suites([ROOT / "evals"])}
    cases = [c for s in suites.values() for c in s.cases]
    assert len(cases) >= 15
    assert len(suites["primer"].cases) >= 4 and len(suites["small"].cases) >= 5
    monoliths = [c for c in cases if c.expect.get("parsimony") == {"min": 1, "max": 1}]
    assert len(monoliths) >= 5
    pastebin = next(c for c in suites["primer"].cases if c.id == "pastebin")
    assert pastebin.expect["capacity"]["avg_write_qps"] == 4 and pastebin.pass_threshold == 0.7
    assert pastebin.brief.non_functional.writes_per_month == 10_000_000
    shop = next(c for c in suites["examples"].cases if c.id == "online-shop")
    assert shop.brief.title == "Online shop"  # loaded from its path


def test_select_by_glob_substring_and_tag():
    suites = load_suites([ROOT / "evals"])
    assert [c.name for c in select(suites, "primer/past*")] == ["primer/pastebin"]
    assert {c.name for c in select(suites, "monolith")} >= {"small/todo-app", "examples/online-shop"}
    assert select(suites, "no-such-thing") == []


def _suite(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "s.yaml"
    path.write_text(text)
    return path


GOOD_CASE = "  - id: a\n    brief: {title: T, requirements: [Users log in.]}\n"
BAD_SUITES = [
    ("suite: s\ncases:\n  - id: a\n    brief: {title: T}\n    expect:\n      tabels: [x]\n",
     ":6: cases[0].expect.tabels: no grader named 'tabels'"),
    ("suite: s\ncases:\n  - id: a\n    brief:\n      title: T\n      non_functional:\n        peak_rps: lots\n",
     ":7: cases[0].brief.non_functional.peak_rps: Input should be a valid number"),
    ("suite: s\ncases:\n  - id: a\n    brief: {title: T}\n    expect:\n      parsimony: {min: 3, max: 1}\n",
     ":6: cases[0].expect.parsimony: min (3) is above max (1)"),
    ("suite: s\ncases:\n" + GOOD_CASE + GOOD_CASE, ":5: cases[1].id: case id 'a' is used twice"),
    ("suite: s\ncases:\n  - id: a\n    brief: missing.yaml\n", ":4: cases[0].brief: brief missing.yaml:"),
    ("suite: s\ncases:\n  - brief: {title: T}\n", ":3: cases[0].id: is required"),
    ("suite: s\ncases: [\n", "invalid YAML"),
    ("suite: S!\ncases:\n" + GOOD_CASE, ":1: suite: String should match pattern"),
]


@pytest.mark.parametrize("text,message", BAD_SUITES)
def test_errors_name_the_file_line_and_field(tmp_path, text, message):
    path = _suite(tmp_path, text)
    with pytest.raises(SuiteError) as info:
        load_suites([path])
    assert str(info.value).startswith(str(path)) and message in str(info.value)


def test_missing_paths_and_empty_directories(tmp_path):
    with pytest.raises(SuiteError, match="no such suite"):
        load_suites([tmp_path / "nope.yaml"])
    with pytest.raises(SuiteError, match="no suite files"):
        load_suites([tmp_path])
