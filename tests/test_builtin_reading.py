"""How the builtin model reads briefs written by people: which nouns become tables, and what they hold."""

from __future__ import annotations

from backend_architect.inputs.brief import parse_brief
from backend_architect.llm.builtin.domain import read_domain


def _entities(text: str, suffix: str = ".txt"):
    return read_domain(parse_brief(text.encode(), suffix=suffix).brief).entities


def test_a_plain_text_brief_is_read_once_so_a_passing_noun_is_no_table():
    """A plain-text brief's summary repeats its requirements: read twice, 'a thread' scored as a thing."""
    names = set(_entities("Helpdesk\n\nCustomers open tickets. Agents reply to tickets, replies form a thread on the "
                          "ticket. Agents add internal notes.\n"))
    assert {"ticket", "reply", "note"} <= names and "thread" not in names


def test_what_a_machine_uploads_in_passing_and_whose_children_are_no_tables():
    names = set(_entities("Fleet\n\nOperators register trucks. The system ingests readings even when a truck was "
                          "offline and uploads a backlog. Parents can see the grades of their own children.\n"))
    assert {"truck", "reading"} <= names and not names & {"backlog", "child"}


def test_a_described_record_and_a_kind_of_thing_a_person_joins_are_tables():
    names = set(_entities("Food\n\nRestaurants manage their own menus: menu items with a price and a photo. Drivers "
                          "are paid weekly, a payout per driver per week. When a class is full members join a "
                          "waiting list.\n"))
    assert {"menu_item", "payout", "waiting_list"} <= names
