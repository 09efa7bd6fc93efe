"""The brief-aware rules on whole designs of the shipped example briefs: hand-written right ones get 0 errors
(false positives stay low), and the builtin model's own designs are measured against the same bar."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from backend_architect.design.output import write_design
from backend_architect.review import all_rules
from backend_architect.review.report import review_design

from .briefaware import FAMILIES, new_family_errors
from .correct_designs import CORRECT, EXAMPLES


def test_every_example_brief_has_a_hand_written_design():
    assert set(CORRECT) == {p.name for p in EXAMPLES.iterdir()}


@pytest.mark.parametrize("name", sorted(CORRECT))
def test_a_right_design_gets_no_error_from_the_brief_aware_rules(name):
    findings = review_design(CORRECT[name]())
    assert [(f.rule_id, f.location, f.message) for f in new_family_errors(findings)] == []


@pytest.mark.parametrize("name", sorted(CORRECT))
def test_a_right_design_written_to_disk_reviews_the_same(name, tmp_path: Path):
    from typer.testing import CliRunner

    from backend_architect.cli.app import app

    write_design(tmp_path, CORRECT[name]())
    result = CliRunner().invoke(app, ["review", str(tmp_path), "--format", "json"])
    findings = json.loads(result.output)["findings"]
    assert [f for f in findings if f["severity"] == "error" and f["rule_id"].startswith(FAMILIES)] == []


@pytest.mark.parametrize("name", sorted(CORRECT))
def test_the_builtin_design_of_each_example_gets_no_error_from_the_brief_aware_rules(builtin_designs, name):
    stem = Path(name).stem
    findings = json.loads((builtin_designs[stem] / "review.json").read_text())["findings"]
    errors = sorted({f["rule_id"] for f in findings if f["severity"] == "error" and f["rule_id"].startswith(FAMILIES)})
    assert errors == []


def test_every_brief_aware_rule_has_its_family_and_a_test():
    tests = "".join(p.read_text() for p in Path(__file__).parent.glob("test_*_rules.py"))
    tests += (Path(__file__).parent / "test_frozen_designs.py").read_text()
    rules = [r for r in all_rules() if r.id.startswith(FAMILIES)]
    assert len(rules) == 25
    assert [r.id for r in rules if f'"{r.id}"' not in tests] == []
    assert all(r.rationale and r.title for r in rules)


def test_design_md_says_who_reaches_what_and_which_constraints_hold():
    from backend_architect.render.markdown import render_markdown

    booking = render_markdown(CORRECT["equipment-booking.yaml"]())
    assert "Owner-scoped operations" in booking and "`GET /bookings` (`employee_id`)" in booking
    assert "`bookings_no_overlap` EXCLUDE USING gist (equipment_id WITH =, tstzrange(starts_at, ends_at) WITH &&)" \
        in booking
    assert "`order_items.quantity`: `CHECK (quantity > 0)`" in render_markdown(CORRECT["online-shop.yaml"]())
