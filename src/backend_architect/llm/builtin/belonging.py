"""Whose a record is when the brief does not say it in so many words.

"Invoices are paid monthly" names no one, yet an invoice is a demand for one person's money: it belongs to
the person who pays it (or, for a payout, to the person paid). "A neighbour asks to borrow one and the owner
says yes or no": the loan is the borrower's request, and the tool's owner decides it. And the people who sign
up need something to sign in with. Read after the relations (domain.py), on the entities it found.
"""

from __future__ import annotations

import re

from .entities import EntityModel, FieldModel, parse_field
from .lexicon import NOT_ENTITIES, VERBS
from .phrases import read_phrases
from .words import EVENT_LIKE, NOMINAL, _canonical, _singular_head, is_person, plural

__all__ = ["MONEY_RECORDS", "PAID_OUT", "account_fields", "decides", "key_money_records", "owner_decisions",
           "returns"]

# Records of one person's money: what they are billed (invoices, bills, statements), what they pay or are paid
# (payments, payouts). Not "transaction" or "transfer": a sales transaction of a product is nobody's bill.
MONEY_RECORDS = {"invoice", "bill", "statement", "receipt", "payment", "charge", "refund", "payout", "payslip",
                 "credit_note", "remittance", "disbursement"}
# Money paid out to a person ("drivers are paid"): theirs as the payee, not the payer's.
PAID_OUT = {"payout", "payslip", "remittance", "disbursement"}
_OWNERS = {"account", "profile"}  # a person's login under another name (access.principals reads the same)

# The owner of a thing decides a request of it: "the owner says yes or no", "hosts approve or decline bookings".
_DECISION = re.compile(r"\b(?:says? (?:yes|no)|yes or no|approv(?:e|es|ed|ing)|accept(?:s|ed|ing)?|"
                       r"declin(?:e|es|ed|ing)|reject(?:s|ed|ing)?|refus(?:e|es|ed|ing)|turns? (?:it |them )?down)\b")
_DECIDER = re.compile(r"\b(?:owners?|lenders?)\b")
# A stated return: the request ends when the thing comes back ("items are returned and checked").
_RETURNED = re.compile(r"\b(?:return|returns|returned|returning|bring(?:s)? (?:it |them )?back|brought back|"
                       r"hand(?:s|ed)? (?:it |them )?back)\b")
_DAMAGE = re.compile(r"\b(?:damaged|damage|broken|breaks|broke)\b")
# Sign-in through another system: the people table then holds no password ("sign in with their work account").
_SSO = re.compile(r"\b(?:sso|single sign-?on|work accounts?|company accounts?|google|microsoft|saml|oidc|openid|"
                  r"identity provider|active directory|ldap|okta)\b")


def _owned(name: str, entities: dict[str, EntityModel], actor: str | None, tenant: str | None,
           seen: frozenset[str] = frozenset()) -> bool:
    """The record reaches a person or the tenant through its keys (an order's payment is its customer's)."""
    for parent, _ in entities[name].parents:
        if parent not in entities or parent in seen:
            continue
        if parent in (actor, tenant) or is_person(parent) or parent in _OWNERS:
            return True
        if _owned(parent, entities, actor, tenant, seen | {name}):
            return True
    return False


def _paid_people(sentences: list[str], entities: dict[str, EntityModel], shortener: bool) -> dict[str, str]:
    """The people the brief has paid or billed in the passive: {"paid": "driver"} for "drivers are paid",
    {"billed": "member"} for "members are invoiced monthly"."""
    found: dict[str, str] = {}
    for sentence in sentences:
        for ph in read_phrases(sentence, VERBS, NOT_ENTITIES):
            word = _canonical(_singular_head(ph.head), shortener)
            if ph.role != "subject" or not ph.passive or word not in entities or not is_person(word):
                continue
            if ph.subject_of == "pay":
                found.setdefault("paid", word)
            elif ph.subject_of in {"invoice", "bill", "charge"}:
                found.setdefault("billed", word)
    return found


def key_money_records(sentences: list[str], entities: dict[str, EntityModel], actor: str | None,
                      tenant: str | None, shortener: bool) -> None:
    """A money record that belongs to no one ("invoices are paid monthly") is keyed to its person: the payee of
    a payout ("drivers are paid"), else the person billed, else the people who sign up, who are the ones
    paying. Without it every signed-in person could read every invoice: no owner column to scope it by."""
    paid = _paid_people(sentences, entities, shortener)
    for name, model in entities.items():
        if not model.inferred or name.split("_")[-1] not in MONEY_RECORDS or _owned(name, entities, actor, tenant):
            continue
        person = paid.get("paid") if name.split("_")[-1] in PAID_OUT else paid.get("billed")
        person = person or (actor if actor in entities and name.split("_")[-1] not in PAID_OUT else None)
        if person and person != name:
            model.add_parent(person)


def _about(transaction: str, sentence: str) -> bool:
    """The sentence speaks of the transaction: by its name, as a request, or by the verb that makes it
    ("asks to borrow one" makes a loan)."""
    verbs = [v for v, n in NOMINAL.items() if n == transaction]
    words = [transaction.replace("_", " "), plural(transaction).replace("_", " "), "request", "requests", *verbs]
    return any(re.search(rf"\b{re.escape(w)}\w*", sentence) for w in words)


def decides(transaction: str, sentence: str) -> bool:
    """The sentence has someone approve or decline the transaction ("the owner says yes or no")."""
    return bool(_DECISION.search(sentence)) and _about(transaction, sentence)


def returns(sentence: str) -> bool:
    """The sentence brings a thing back ("items are returned, checked and sometimes reported damaged")."""
    return bool(_RETURNED.search(sentence))


def owner_decisions(sentences: list[str], entities: dict[str, EntityModel], actor: str | None) -> None:
    """A transaction of a thing a person owns (a loan of a resident's tool, a booking of a host's flat) that the
    brief has its owner approve or decline becomes a request: it records the owner's decision (status
    requested → approved or declined), and `decider` names the thing whose owner decides. Things no person
    owns (library books, meeting rooms) are decided by the staff who manage them, not here."""
    for name, model in entities.items():
        if not model.inferred or name not in set(NOMINAL.values()) | EVENT_LIKE:
            continue
        for thing, _ in model.parents:
            if thing not in entities or is_person(thing) or thing == actor:
                continue
            owners = [p for p, _ in entities[thing].parents if p in entities and (is_person(p) or p == actor)]
            if not owners:
                continue
            names = {w for o in owners for w in (o.replace("_", " "), plural(o).replace("_", " "))}
            decided = [s for s in sentences if decides(name, s) and (
                _DECIDER.search(s) or any(re.search(rf"\b{re.escape(w)}\b", s) for w in names))]
            if decided:
                model.decider = thing
                _request_fields(model, " ".join(sentences))
                break


def _request_fields(model: EntityModel, corpus: str) -> None:
    """A request's status, set by the requester (cancelled) and the owner (approved, declined), and by the
    return when the thing comes back; nothing is handed over before the owner says yes, so when it was handed
    over is not known at the request."""
    values = ["requested", "approved", "declined", "cancelled"]
    if _RETURNED.search(corpus) or model.field("returned_at"):
        values.append("returned")
    model.fields = [f for f in model.fields if f.name != "status"]
    model.fields.insert(0, FieldModel(name="status", kind="enum", enum_values=values))
    for f in model.fields:
        if f.name in {"borrowed_at", "picked_up_at", "handed_over_at"}:
            f.required = False
    if _DAMAGE.search(corpus) and values[-1] == "returned":
        # "returned, checked and sometimes reported damaged": the owner's check of the return, on the record
        model.fields += [FieldModel(name="damage_reported_at", kind="timestamp", required=False),
                         FieldModel(name="damage_note", kind="text", required=False)]


def account_fields(corpus: str) -> list[FieldModel]:
    """What the people who sign up hold when the brief gives them no fields: an email to sign in with and a
    password hash, unless they sign in through another system (SSO), and a name others see."""
    specs = ["email: email unique", "full_name"] + ([] if _SSO.search(corpus) else ["password_hash: secret"])
    return [f for f in (parse_field(s) for s in specs) if f]
