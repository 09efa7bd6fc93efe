"""Who may do what in the builtin model's designs: invoices are their payer's, reminders the borrower's, a loan
request both the borrower's and the tool owner's, and signing up is public."""

from __future__ import annotations

import pytest

from backend_architect.inputs.brief import parse_brief
from backend_architect.llm.builtin.architect import Plan

from .conftest import ROOT
from .test_builtin_reading import COOP


def _plan(text: str, knowledge, suffix: str = ".md") -> Plan:
    return Plan(parse_brief(text.encode(), suffix=suffix).brief, knowledge)


def _endpoints(plan: Plan, resource: str) -> dict[str, dict]:
    """'METHOD /path' -> endpoint, of one resource."""
    eps = next(r for r in plan.api["resources"] if r["name"] == resource)["endpoints"]
    return {f"{ep['method']} {ep['path']}": ep for ep in eps}


def _schema(plan: Plan, name: str) -> dict[str, dict]:
    return {p["name"]: p for p in next(s for s in plan.api["schemas"] if s["name"] == name)["properties"]}


@pytest.fixture(scope="module")
def coop():
    from backend_architect.inputs.knowledge import load_knowledge

    return _plan(COOP, load_knowledge())


def test_an_invoice_is_read_by_its_resident_and_the_admin_and_issued_and_voided_only_by_the_admin(coop):
    invoices = _endpoints(coop, "invoices")
    assert set(invoices) == {"GET /invoices", "POST /invoices", "GET /invoices/{invoice_id}",
                             "PATCH /invoices/{invoice_id}"}  # no DELETE: an issued invoice is voided, not deleted
    for key in ("GET /invoices", "GET /invoices/{invoice_id}"):
        assert invoices[key]["owner_scope"] == "resident_id" and invoices[key]["roles"] == ["resident", "admin"]
    assert invoices["POST /invoices"]["roles"] == ["admin"] and invoices["PATCH /invoices/{invoice_id}"]["roles"] == [
        "admin"]
    assert list(_schema(coop, "InvoiceUpdate")) == ["status"]  # void it, or mark it paid
    assert "resident_id" in _schema(coop, "InvoiceCreate")  # the admin names whose invoice it is
    assert coop.roles == ["resident", "admin"]


def test_a_reminder_is_read_by_the_borrower_of_its_loan_and_sent_only_by_the_system(coop):
    reminders = _endpoints(coop, "reminders")
    assert reminders["GET /reminders"]["owner_scope"] == "loan_id.resident_id"
    assert all(ep["roles"] == ["admin"] for key, ep in reminders.items() if not key.startswith("GET"))


def test_the_borrower_asks_and_cancels_and_the_tools_owner_sees_decides_and_takes_the_return(coop):
    loans = _endpoints(coop, "loans")
    borrower = {k: ep["owner_scope"] for k, ep in loans.items() if ep.get("owner_scope") == "resident_id"}
    assert set(borrower) == {"GET /loans", "GET /loans/{loan_id}", "PATCH /loans/{loan_id}"}
    owner = {k for k, ep in loans.items() if ep.get("owner_scope") == "tool_id.resident_id"}
    assert owner == {"GET /tools/{tool_id}/loans", "POST /loans/{loan_id}/decision", "POST /loans/{loan_id}/return"}
    assert not any(k.startswith("DELETE") for k in loans)  # a declined or cancelled request stays on the record
    assert _schema(coop, "LoanUpdate")["status"]["enum"] == ["cancelled"]  # the borrower cannot approve their own
    assert _schema(coop, "LoanDecision")["decision"]["enum"] == ["approve", "decline"]
    assert set(_schema(coop, "LoanCreate")) == {"tool_id", "due_at"}  # the borrower comes from the token
    assert "damage_note" in _schema(coop, "LoanReturn")


def test_signing_up_is_public_and_only_the_admin_lists_every_resident(coop):
    residents = _endpoints(coop, "residents")
    assert residents["POST /residents"]["auth_required"] is False
    assert residents["GET /residents"]["roles"] == ["admin"]
    assert _schema(coop, "ResidentCreate")["password"]["write_only"]


def test_the_owners_decision_and_the_return_are_traced_to_the_requirements_that_ask_for_them(coop):
    trace = {t["requirement_id"]: t["endpoints"] for t in coop.finish["traceability"]}
    assert trace["R1"][0] == "POST /api/v1/tools"  # "residents list tools they are happy to lend": they post them
    assert "POST /api/v1/loans/{loan_id}/decision" in trace["R2"] and "POST /api/v1/loans" in trace["R2"]
    assert trace["R3"] == ["POST /api/v1/loans/{loan_id}/return"]


def test_in_a_gym_invoices_are_the_members_and_a_late_bookings_reminder_the_booking_members(knowledge):
    plan = _plan("# Gym\n\nMembers sign up and book classes. Invoices are paid monthly; reminders are sent when a "
                 "booking is late.\n", knowledge)
    assert _endpoints(plan, "invoices")["GET /invoices"]["owner_scope"] == "member_id"
    assert _endpoints(plan, "invoices")["POST /invoices"]["roles"] == ["admin"]
    assert _endpoints(plan, "reminders")["GET /reminders"]["owner_scope"] == "booking_id.member_id"


def test_in_a_rental_marketplace_the_host_decides_the_bookings_of_their_flats(knowledge):
    plan = _plan("# Flats\n\nHosts list flats they rent out. Guests book a flat for a few nights and the host "
                 "approves or declines the request.\n", knowledge)
    bookings = _endpoints(plan, "bookings")
    assert bookings["POST /bookings/{booking_id}/decision"]["owner_scope"] == "flat_id.host_id"
    assert bookings["GET /bookings"]["owner_scope"] == "guest_id"


def test_what_a_person_writes_or_a_staff_brief_names_keeps_its_writers(knowledge):
    """A freelancer creates invoices: they are not issued by an admin. A brief with staff gives the staff
    its issued records, and no admin role is made up."""
    invoicing = _plan((ROOT / "evals/briefs/invoicing.md").read_text(), knowledge)
    assert not _endpoints(invoicing, "invoices")["POST /invoices"]["roles"]
    rides = _plan((ROOT / "evals/briefs/ride-hailing.txt").read_text(), knowledge, ".txt")
    payouts = _endpoints(rides, "payouts")
    assert payouts["POST /payouts"]["roles"] == ["operator"] and "admin" not in rides.roles
    assert payouts["GET /payouts"]["owner_scope"] == "driver_id"
    library = _plan("# Library\n\nMembers borrow books. Librarians manage books.\n", knowledge)
    assert "admin" not in library.roles  # nothing there is issued or sent: no role is invented
