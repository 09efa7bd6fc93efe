"""Plain-text and Markdown briefs as people write them: numbers in words or approximate, setext
headings, one long paragraph, several paragraphs (issue 13)."""

from __future__ import annotations

import pytest

from backend_architect.inputs.brief import parse_brief
from backend_architect.inputs.numbers import read_number


@pytest.mark.parametrize("text, value, assumed", [
    ("~800", 800, True), ("about 2,000", 2000, True), ("2.5k", 2500, False), ("10M", 10_000_000, False),
    ("1,200", 1200, False), ("two and a half", 2.5, True), ("twenty-five", 25, True), ("a dozen", 12, True),
    ("a few hundred", 300, True), ("half a million", 500_000, True),
])
def test_numbers_people_write(text, value, assumed):
    number, note = read_number(text)
    assert number == value
    assert (note is not None) == assumed


def test_not_a_number():
    assert read_number("tiny") is None


def test_yaml_approximate_figures_are_read_with_a_warning():
    loaded = parse_brief(b"title: Shop\nrequirements: [Customers place orders.]\n"
                         b"non_functional: {daily_active_users: '~800', team_size: two and a half}\n",
                         suffix=".yaml")
    nfr = loaded.brief.non_functional
    assert nfr.daily_active_users == 800 and nfr.team_size == 3
    assert any("~800" in w and "approximate" in w for w in loaded.warnings)
    assert any("two and a half" in w and "rounded to 3" in w for w in loaded.warnings)


def test_unreadable_figure_still_names_the_field():
    with pytest.raises(Exception, match="non_functional.daily_active_users"):
        parse_brief(b"title: Shop\nrequirements: [x]\nnon_functional: {daily_active_users: lots}\n", suffix=".yaml")


def test_one_long_paragraph_gets_a_short_title_and_every_sentence():
    text = ("Customers order food from local restaurants in the app and drivers deliver it to their door, which "
            "is the whole idea. Restaurants manage their menus. Customers pay by card.\n")
    brief = parse_brief(text.encode(), suffix=".txt").brief
    assert len(brief.title.split()) <= 10
    texts = [r.text for r in brief.requirements]
    assert texts[-1] == "Customers pay by card." and len(texts) == 3
    assert texts[0].startswith("Customers order food")


def test_setext_heading_and_later_paragraphs():
    text = b"Event ticketing\n===============\n\nOrganisers publish events.\n\nAttendees buy tickets.\n"
    brief = parse_brief(text, suffix=".md").brief
    assert brief.title == "Event ticketing"
    assert [r.text for r in brief.requirements] == ["Organisers publish events.", "Attendees buy tickets."]


def test_labelled_figure_in_prose_is_a_figure_not_a_requirement():
    loaded = parse_brief(b"# Clinic\n\nPatients book appointments. Team: two and a half devs.\n", suffix=".md")
    assert loaded.brief.non_functional.team_size == 3
    assert [r.text for r in loaded.brief.requirements] == ["Patients book appointments."]
