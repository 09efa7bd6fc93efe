"""Loading requirement briefs: YAML, Markdown, plain text and stdin, and the errors they give."""

from __future__ import annotations

import io
import sys
import time

import pytest

from backend_architect.inputs.brief import MAX_BRIEF_BYTES, BriefError, load_brief, parse_brief

VALID_YAML = b"""\
title: Online shop
summary: A small shop that sells books.
requirements:
  - Customers browse the catalog
  - Customers place orders
non_functional:
  peak_rps: 400
  daily_active_users: 20000
constraints:
  - Runs on AWS
entities:
  - name: order
    fields: [id, total]
"""


def _error(raw: bytes, **kwargs) -> BriefError:
    with pytest.raises(BriefError) as info:
        parse_brief(raw, **kwargs)
    return info.value


# --- YAML -------------------------------------------------------------------------------------


def test_valid_yaml_brief():
    loaded = parse_brief(VALID_YAML, source="shop.yaml", suffix=".yaml")
    brief = loaded.brief
    assert loaded.source == "shop.yaml"
    assert loaded.warnings == []
    assert brief.title == "Online shop"
    assert brief.summary == "A small shop that sells books."
    assert brief.non_functional.peak_rps == 400
    assert brief.non_functional.daily_active_users == 20000
    assert brief.constraints == ["Runs on AWS"]
    assert brief.entities[0].name == "order" and brief.entities[0].fields == ["id", "total"]


def test_plain_string_requirements_are_numbered():
    brief = parse_brief(VALID_YAML).brief
    assert [(r.id, r.text) for r in brief.requirements] == [
        ("R1", "Customers browse the catalog"),
        ("R2", "Customers place orders"),
    ]
    assert brief.requirement_ids() == ["R1", "R2"]


def test_requirement_ids_kept_or_positional():
    raw = b"title: T\nrequirements:\n  - first\n  - {id: AUTH-1, text: second}\n  - {text: third}\n"
    brief = parse_brief(raw).brief
    assert [(r.id, r.text) for r in brief.requirements] == [("R1", "first"), ("AUTH-1", "second"), ("R3", "third")]


def test_duplicate_requirement_ids_rejected():
    err = _error(b"title: T\nrequirements:\n  - {id: A1, text: a}\n  - {id: A1, text: b}\n")
    assert "A1" in err.reason and "twice" in err.reason


def test_positional_id_colliding_with_an_explicit_id_takes_the_next_free_one():
    reqs = parse_brief(b"title: T\nrequirements:\n  - {id: R2, text: a}\n  - b\n  - c\n").brief.requirements
    assert [(r.id, r.text) for r in reqs] == [("R2", "a"), ("R3", "b"), ("R4", "c")]


def test_ratio_and_percent_strings_become_numbers():
    raw = b"title: T\nnon_functional:\n  read_write_ratio: '10:1'\n  availability: '99.9%'\n"
    nfr = parse_brief(raw).brief.non_functional
    assert nfr.read_write_ratio == 10.0
    assert nfr.availability == 99.9


def test_ratio_with_zero_writes_rejected():
    err = _error(b"title: T\nnon_functional:\n  read_write_ratio: '5:0'\n")
    assert err.field == "non_functional.read_write_ratio"
    assert err.line == 3


def test_unknown_top_level_key_is_a_warning():
    loaded = parse_brief(b"title: T\nsummary: s\ncolour: blue\n", source="b.yaml")
    assert loaded.brief.title == "T"
    assert len(loaded.warnings) == 1
    assert "'colour'" in loaded.warnings[0]
    assert loaded.warnings[0].startswith("b.yaml:3:")


def test_unknown_non_functional_key_kept_in_extra():
    raw = b"title: T\nnon_functional:\n  peak_rps: 10\n  budget: cheap\n"
    loaded = parse_brief(raw)
    assert loaded.brief.non_functional.extra == {"budget": "cheap"}
    assert loaded.brief.non_functional.peak_rps == 10
    assert len(loaded.warnings) == 1
    assert "'budget'" in loaded.warnings[0] and ":4:" in loaded.warnings[0]


# --- errors -----------------------------------------------------------------------------------


def test_bad_yaml_reports_line():
    err = _error(b"title: T\nsummary: ok\nbad: x: y\n", source="b.yaml")
    assert err.line == 3
    assert err.source == "b.yaml"
    assert "invalid YAML" in str(err) and str(err).startswith("b.yaml:3:")


def test_missing_title():
    err = _error(b"summary: no title here\n")
    assert err.field == "title"
    assert "required" in err.reason


def test_requirements_wrong_type():
    err = _error(b"title: T\nrequirements: 5\n")
    assert err.field == "requirements"
    assert err.line == 2


def test_non_functional_wrong_type_names_field_and_line():
    err = _error(b"title: T\nsummary: s\nnon_functional:\n  regions: [eu]\n  peak_rps: lots\n")
    assert err.field == "non_functional.peak_rps"
    assert err.line == 5


def test_yaml_that_is_not_a_mapping():
    err = _error(b"- just\n- a list\n", suffix=".yaml")
    assert "mapping" in err.reason


@pytest.mark.parametrize("raw", [b"", b"   \n\t\n  "])
def test_empty_brief(raw):
    assert "empty" in _error(raw).reason


def test_binary_data_rejected():
    assert "binary" in _error(b"title: T\x00\x01\x02").reason


def test_not_utf8_reports_line():
    err = _error(b"title: ok\nsummary: caf\xe9\n")
    assert "UTF-8" in err.reason
    assert err.line == 2


def test_too_large_rejected():
    raw = b"title: T\nsummary: " + b"x" * MAX_BRIEF_BYTES + b"\n"
    assert "larger" in _error(raw).reason


def _alias_bomb() -> bytes:
    # Billion laughs: nine levels of nine aliases each expand to 9**9 scalars.
    lines = ["title: bomb", "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for prev, name in zip("abcdefgh", "bcdefghi"):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]")
    return "\n".join(lines).encode()


def test_alias_bomb_rejected_quickly():
    start = time.monotonic()
    with pytest.raises(BriefError) as info:
        parse_brief(_alias_bomb(), source="bomb.yaml")
    assert time.monotonic() - start < 5
    assert "too many nodes" in info.value.reason


def test_alias_bomb_error_names_source():
    with pytest.raises(BriefError) as info:
        parse_brief(_alias_bomb(), source="bomb.yaml")
    assert info.value.source == "bomb.yaml"


# --- Markdown and plain text ------------------------------------------------------------------

MARKDOWN = b"""\
# Online shop

A small shop for books.
It sells online.

## Requirements
- Customers browse the catalog
- R7: Customers place orders

## Constraints
- Must run on AWS

## Non-functional
- peak_rps: 400
"""


def test_markdown_brief():
    loaded = parse_brief(MARKDOWN, source="shop.md", suffix=".md")
    brief = loaded.brief
    assert brief.title == "Online shop"
    assert brief.summary == "A small shop for books. It sells online."
    assert [(r.id, r.text) for r in brief.requirements] == [
        ("R1", "Customers browse the catalog"),
        ("R7", "Customers place orders"),
    ]
    assert brief.constraints == ["Must run on AWS"]
    assert brief.non_functional.peak_rps == 400
    assert loaded.warnings == []


def test_markdown_detected_without_suffix():
    assert parse_brief(MARKDOWN).brief.title == "Online shop"


def test_plain_text_sentences_become_requirements():
    raw = b"Book shop\n\nUsers browse books. Users buy books! Admins add books?\n"
    loaded = parse_brief(raw, suffix=".txt")
    assert loaded.brief.title == "Book shop"
    assert [r.text for r in loaded.brief.requirements] == ["Users browse books.", "Users buy books!", "Admins add books?"]
    assert [r.id for r in loaded.brief.requirements] == ["R1", "R2", "R3"]
    assert len(loaded.warnings) == 1 and "sentence" in loaded.warnings[0]


# --- load_brief -------------------------------------------------------------------------------


def test_load_brief_from_file(tmp_path):
    path = tmp_path / "shop.yaml"
    path.write_bytes(VALID_YAML)
    loaded = load_brief(path)
    assert loaded.source == str(path)
    assert loaded.brief.title == "Online shop"


def test_load_brief_missing_file(tmp_path):
    with pytest.raises(BriefError) as info:
        load_brief(tmp_path / "nope.yaml")
    assert "no such file" in info.value.reason
    assert info.value.source == str(tmp_path / "nope.yaml")


def test_load_brief_from_stdin(monkeypatch):
    class FakeStdin:
        buffer = io.BytesIO(b"title: From stdin\nrequirements: [one]\n")

    monkeypatch.setattr(sys, "stdin", FakeStdin())
    loaded = load_brief("-")
    assert loaded.source == "<stdin>"
    assert loaded.brief.title == "From stdin"
    assert loaded.brief.requirements[0].id == "R1"


def test_typed_fields_written_as_yaml_mappings_are_fields():
    """`fields: [title, servings: int]` is YAML for a string and a one-key mapping; people mean two fields."""
    raw = b"title: Recipes\nrequirements: [Cooks publish recipes.]\nentities:\n" \
          b"  - name: Recipe\n    fields: [title, servings: int, cook_id]\n" \
          b"  - name: Rating\n    fields: {stars: int, recipe_id: ref Recipe}\n"
    brief = parse_brief(raw, suffix=".yaml").brief
    assert brief.entities[0].fields == ["title", "servings: int", "cook_id"]
    assert brief.entities[1].fields == ["stars: int", "recipe_id: ref Recipe"]
