"""Who may do what: roles from the brief's actors, rows scoped to their owner, public reads only where the
brief lets visitors browse, and request bodies without the fields the server owns.

An architect's defaults, in the vocabulary of the review's authorization rules: a row that belongs to a
person (through its foreign keys) is read and changed by that person (`owner_scope`), reference data is
written by the roles that manage it, and only sign-up and sign-in are public writes.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from .words import STAFF, is_person

if TYPE_CHECKING:
    from .plan import PlanView

__all__ = ["set_later", "CALLER_KEYS", "Access", "access_for", "caller_column", "is_privileged", "client_status_values", "owner_path", "principals", "server_owned", "system_written", "ISSUED"]

_PRINCIPAL_EXTRA = {"account", "profile"}
# Status values only the server decides (a payment succeeded, an order shipped): never a client's to set.
_SERVER_STATUS = {"paid", "shipped", "delivered", "succeeded", "success", "failed", "refunded", "approved",
                  "rejected", "completed", "fulfilled", "processing", "verified", "settled", "captured", "charged",
                  "authorized", "authorised", "confirmed", "returned", "dispatched", "in_transit", "banned",
                  "suspended", "disputed", "cleared", "overdue", "expired", "published", "resolved", "closed"}
_SERVER_FIELD = re.compile(r"^(total|subtotal|grand_total|amount_due|balance|unit_price)$|^total_|_total$|_count$")
_VISITOR = re.compile(r"\b(visitors?|guests?|anyone|anonymous|public|without (an account|signing|logging|sign))")
_READ_WORDS = re.compile(r"\b(browse|see|view|read|search|find|list|look|scroll|explore|discover)")


# What the operator issues to a person (an invoice, a payout) and what the system sends them (a reminder): when no one
# in the brief writes it, its person reads it and no one who signs up creates, changes or deletes it.
ISSUED = {"invoice", "bill", "statement", "receipt", "payout", "payslip", "credit_note", "remittance", "disbursement"}
_SENT = {"reminder", "notification", "alert", "notice", "digest"}


# Role names an ordinary caller never has (the review's reading of x-roles): these may list everyone.
_PRIVILEGED = ("admin", "staff", "manager", "operator", "support", "moderator", "superuser", "backoffice", "ops",
               "auditor", "editor", "clerk", "librarian")
# Key columns that name the caller when they reference the signed-in actor (follower_id, not followee_id).
CALLER_KEYS = {"follower_id", "author_id", "owner_id", "creator_id", "created_by", "sender_id", "requester_id",
               "reporter_id"}


def is_privileged(role: str) -> bool:
    return any(word in role.lower() for word in _PRIVILEGED)


def caller_column(plan: PlanView, name: str) -> str | None:
    """The key column the server fills from the access token: the actor's id on the rows they create."""
    d = plan.domain
    entity = d.entities[name]
    people = principals(plan)
    if name in people or system_written(plan, name):
        return None  # an admin issuing an invoice names whose it is
    owners = [p for p, _ in entity.parents if p in people and p not in entity.takers]
    # Who creates it ("doctors write prescriptions"), else the signed-in actor's rows, else the one person a
    # row can belong to ("drivers register their vehicles").
    owner = entity.creator if entity.creator in owners else (
        d.actor if d.actor in owners else (owners[0] if len(owners) == 1 else None))
    if owner is None:
        return None
    columns = entity.key_columns(owner)
    return next((c for c in columns if c in CALLER_KEYS), columns[0])


def set_later(plan: PlanView, name: str) -> set[str]:
    """Key columns of people who take the row on after it is created (trips.driver_id): not in its create body."""
    entity = plan.domain.entities[name]
    return {c for p in entity.takers if p in plan.domain.entities for c in entity.key_columns(p)}


def principals(plan: PlanView) -> set[str]:
    """Entities that are people with accounts: they own their rows."""
    d = plan.domain
    return {n for n, e in d.entities.items()
            if n == d.actor or is_person(n) or n in _PRINCIPAL_EXTRA or any(f.kind == "secret" for f in e.fields)}


def owner_path(plan: PlanView, name: str) -> list[str] | None:
    """The foreign-key chain from a table to the person or tenant it belongs to (order_item → order_id,
    customer_id); ["id"] for a person's own record; None for shared reference data."""
    d = plan.domain
    owners = principals(plan) | ({d.tenant} if d.tenant else set())
    if name in owners:
        return ["id"]
    seen = {name}
    current, path = name, []
    for _ in range(4):
        entity = d.entities[current]
        if d.tenant and current != d.tenant:
            return [*path, f"{d.tenant}_id"]
        refs = [(p, entity.key_columns(p)[0]) for p, _ in entity.parents if p in d.entities]
        direct = next(((p, c) for p, c in refs if p in owners), None)
        if direct:
            return [*path, direct[1]]
        nxt = next(((p, c) for p, c in refs if p not in seen), None)
        if nxt is None:
            return None
        seen.add(nxt[0])
        path.append(nxt[1])
        current = nxt[0]
    return None


def system_written(plan: PlanView, name: str) -> bool:
    """Nobody in the brief writes it: "invoices are paid monthly", "reminders are sent when a loan is late". The
    person it belongs to reads it; the system or an admin writes it. A tenant's records keep the tenant's rules,
    and what a person creates ("a freelancer creates invoices") is theirs to write."""
    d = plan.domain
    entity = d.entities[name]
    if name.split("_")[-1] not in ISSUED | _SENT or d.tenant or entity.creator in principals(plan):
        return False
    path = owner_path(plan, name)
    return bool(path) and path != ["id"]


def path_owner(plan: PlanView, name: str) -> str | None:
    """The person an owner path ends at (reminder → loan_id.resident_id → resident)."""
    d = plan.domain
    current = name
    for column in owner_path(plan, name) or []:
        parent = next((p for p, _ in d.entities[current].parents if p in d.entities
                       and column in d.entities[current].key_columns(p)), None)
        if parent is None:
            return None
        current = parent
    return current if current in principals(plan) else None


class Access:
    """The authorization of one entity's operations. `read_roles`: beside an owner scope, the roles that read
    every row (an admin reads every invoice, a resident their own); `create_roles`, when creating is not
    `write_roles`' (the system sends a notification, its reader marks it read)."""

    def __init__(self, public_read: bool, list_scope: str | None, item_scope: str | None, list_roles: list[str],
                 write_roles: list[str], write_scope: str | None, read_roles: list[str] | None = None,
                 create_roles: list[str] | None = None):
        self.public_read = public_read
        self.list_scope = list_scope
        self.item_scope = item_scope
        self.list_roles = list_roles
        self.write_roles = write_roles
        self.write_scope = write_scope
        self.read_roles = read_roles or []
        self.create_roles = write_roles if create_roles is None else create_roles


def _visitor_reads(plan: PlanView, name: str) -> bool:
    """A requirement lets visitors read this entity ("Visitors can browse upcoming events")."""
    d = plan.domain
    for req in plan.brief.requirements:
        text = req.text.lower()
        if _VISITOR.search(text) and _READ_WORDS.search(text) and name in d.mentions.get(req.id, []):
            return True
    return False


def access_for(plan: PlanView, name: str, managers: list[str]) -> Access:
    """`managers`: the roles the brief has writing this entity when no one owns it (librarian, staff)."""
    d = plan.domain
    people = principals(plan)
    path = owner_path(plan, name)
    scope = ".".join(path) if path else None
    privileged = [r for r in managers if r != d.actor] or ([plan.privileged_role] if plan.privileged_role else [])
    operators = [r for r in managers if r != d.actor] or ([plan.operator_role] if plan.operator_role else [])
    if name in people:
        # A person's own record: they read and change it; listing everyone is for staff (and the admin who bills
        # the people who sign up picks whom from them).
        staff = [r for r in (operators if name == d.actor else privileged) if is_privileged(r)]
        return Access(False, None if staff else "id", "id", staff, [], "id")
    if path and system_written(plan, name) and operators:
        # An invoice is read by the resident it bills and by the admin who issues it; a reminder by the borrower
        # of the loan it is about. Only the admin (or the system) writes them; a notification's reader marks it
        # read and dismisses it.
        owner = path_owner(plan, name)
        # Roles name who may call: the owner's role and the staff's, or none (then the owner scope alone decides)
        readers = [owner, *operators] if owner in plan.roles else []
        inbox = d.entities[name].field("read_at") is not None
        return Access(False, scope, scope, [], [] if inbox else operators, scope if inbox else None,
                      read_roles=readers, create_roles=operators)
    if path:
        # The caller's rows: a customer sees and changes their own orders. What its owner offers to others (tools
        # a resident lends) is browsed by every signed-in person and changed only by its owner.
        public = _visitor_reads(plan, name) and not any(f.kind == "secret" for f in d.entities[name].fields)
        shared = public or d.entities[name].offered
        return Access(public, None if shared else scope, None if shared else scope, [], [], scope)
    public = _visitor_reads(plan, name)
    return Access(public, None, None, [], privileged, None)


def client_status_values(values: list[str]) -> list[str]:
    """The status transitions a client may ask for (cancel an order), not the ones the server decides."""
    return [v for v in values[1:] if v not in _SERVER_STATUS]


def server_owned(name: str) -> bool:
    """Fields the server computes or sets: totals, prices copied at order time, counters."""
    return bool(_SERVER_FIELD.search(name))


def managers_by_entity(plan: PlanView) -> dict[str, list[str]]:
    """Per entity, the staff-like roles a requirement has writing it ("Librarians manage books")."""
    d = plan.domain
    out: dict[str, list[str]] = {}
    for req in plan.brief.requirements:
        text = req.text.lower()
        subject = next((r for r in d.roles if re.match(
            rf"^\W*(?:(?:the|our|a|an|each|every)\s+)?(?:[a-z-]+\s+){{0,2}}?{re.escape(r.replace('_', ' '))}s?\b",
            text)), None)
        if subject is None or (subject == d.actor and subject not in STAFF):
            continue
        if not re.search(r"\b(manage|add|create|publish|edit|update|delete|remove|define|register|fix|set|upload|"
                         r"assign|enrol|enroll|post|write|grade|schedule|retire|register|approve)", text):
            continue
        for name in d.mentions.get(req.id, []):
            if name != subject:
                out.setdefault(name, [])
                if subject not in out[name]:
                    out[name].append(subject)
    return out


def plan_roles(plan: PlanView) -> list[str]:
    d = plan.domain
    first = d.actor or "user"
    return list(dict.fromkeys([first, *d.roles] + ([plan.privileged_role] if plan.privileged_role else [])))


def endpoint_access(acc: Access, op: str) -> dict[str, Any]:
    """The auth fields of one operation (list, get, create, update, delete) under `acc`."""
    if op in ("list", "get"):
        if acc.public_read:
            return {"auth_required": False}
        scope = acc.list_scope if op == "list" else acc.item_scope
        roles = acc.list_roles if op == "list" and scope is None else (acc.read_roles if scope else [])
        return {"auth_required": True, "owner_scope": scope, "roles": roles}
    if op == "create":
        return {"auth_required": True, "roles": acc.create_roles}
    return {"auth_required": True, "owner_scope": acc.write_scope if not acc.write_roles else None,
            "roles": acc.write_roles}
