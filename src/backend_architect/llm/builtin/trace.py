"""Requirement → operation: each requirement's verbs and their objects give the operations it is traced to
(read or write, on which resource), the way an architect reads "Customers place orders" as POST /orders and
"Doctors see their appointments" as GET /appointments.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from .domain import NOMINAL, _canonical, _sentences, _singular_head
from .lexicon import NOT_ENTITIES, VERBS
from .phrases import read_phrases

if TYPE_CHECKING:
    from .plan import PlanView

__all__ = ["operations_for"]

_CREATE = set("create add post publish upload write send submit register define open place record invite schedule "
              "request log save share attach enrol enroll raise file start build make issue generate shorten "
              "sell list_for".split())
_UPDATE = set("update edit change rename assign move mark approve cancel close archive complete grade acknowledge "
              "accept confirm fix reply deliver pick dispatch resolve reject return rate_for set check scan "
              "verify reassign reopen unpublish tag".split())
_DELETE = set("delete remove unfollow unlike withdraw".split())
_READ = set("see view list browse search find show read track get look watch query scroll receive know export "
            "download monitor compare filter sort open_for".split())
_MANAGE = set("manage administer maintain curate run".split())
# Verbs that take their object after a preposition: "comment on a recipe", "reply to tickets".
_PREP_VERBS = {"comment": {"on"}, "reply": {"to"}, "respond": {"to"}, "vote": {"on", "for"},
               "apply": {"for", "to"}, "subscribe": {"to"}, "pay": {"for"}, "look": {"at", "for"},
               "search": {"for"}, "bid": {"on"}, "check": {"in"}, "enrol": {"in"}, "enroll": {"in"}}
_REPLY_NOUNS = {"reply": "reply", "respond": "response"}


def _kind(verb: str) -> list[str]:
    if verb in _MANAGE:
        return ["list", "create", "update", "delete"]
    if verb in _CREATE:
        return ["create"]
    if verb in _DELETE:
        return ["delete"]
    if verb in _UPDATE:
        return ["update"]
    if verb in _READ:
        return ["list", "get"]
    return []


def operations_for(plan: PlanView, text: str) -> list[str]:
    """'METHOD /path' (relative to the base path) of the operations one requirement needs, in order."""
    d = plan.domain
    eps = plan.endpoints_by_entity
    found: list[str] = []
    lowered = text.lower()
    if re.search(r"\b(log ?in|sign ?in|authenticat)", lowered) and "auth" in eps:
        found.append(eps["auth"]["login"])
    if re.search(r"\b(sign ?up|register an account|create an account)\b", lowered) and d.actor in eps:
        found.append(eps[d.actor]["create"])
    if re.search(r"\bredirect", lowered) and "redirect" in eps:
        found.append(eps["redirect"]["follow"])

    def add(name: str | None, ops: list[str]) -> None:
        if name and name in eps:
            found.extend(eps[name][op] for op in ops if op in eps[name])

    for sentence in _sentences([text]):
        phrases = read_phrases(sentence, VERBS, NOT_ENTITIES)
        acted: set[str] = set()
        for ph in phrases:
            if ph.role == "subject" or ph.verb is None or ph.aside or ph.attribute:
                continue
            name = _canonical(_singular_head(ph.head), d.shortener)
            if name not in d.entities:
                continue
            verb = ph.verb
            if ph.prep is not None and ph.prep not in _PREP_VERBS.get(verb, set()):
                if ph.prep in {"for", "to", "into", "under", "in"} and verb in _CREATE and (verb, "") in acted:
                    continue  # "create invoices for a client": the client is context, not acted on
                continue
            acted.add((verb, ""))
            nominal = NOMINAL.get(verb) or _REPLY_NOUNS.get(verb)
            if nominal and nominal in d.entities and nominal != name:
                add(nominal, ["create"])
                continue
            kinds = _kind(verb)
            if nominal == name:
                kinds = ["create"]
            add(name, kinds)
        # "Customers pay by card", "Users like posts": a transaction with no object read still happens.
        for ph in phrases:
            verb = ph.subject_of if ph.role == "subject" and not ph.passive else None
            nominal = NOMINAL.get(verb or "") or _REPLY_NOUNS.get(verb or "")
            if nominal and nominal in d.entities:
                add(nominal, ["create"])
            elif ph.role == "subject" and ph.passive and ph.subject_of == "pay" and "payment" in d.entities:
                add("payment", ["create"])
    return list(dict.fromkeys(found))
