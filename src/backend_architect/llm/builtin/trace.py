"""Requirement → operation: each requirement's verbs and their objects give the operations it is traced to
(read or write, on which resource), the way an architect reads "Customers place orders" as POST /orders and
"Doctors see their appointments" as GET /appointments.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from .belonging import decides, returns
from .words import EVENT_LIKE, NOMINAL, VALUE_HEADS, _canonical, _sentences, _singular_head, nominal_for
from .lexicon import NOT_ENTITIES, VERBS
from .phrases import lemma, read_phrases

if TYPE_CHECKING:
    from .domain import Domain
    from .phrases import Phrase
    from .plan import PlanView

__all__ = ["operations_for"]

_CREATE = set("create add post publish upload write send submit register define open place record invite schedule "
              "request log save share attach enrol enroll raise file build make issue generate shorten "
              "sell connect link import paste".split())
_UPDATE = set("update edit change rename assign move mark approve cancel close archive complete grade acknowledge "
              "accept confirm fix reply deliver pick dispatch resolve reject return rate_for set check scan "
              "verify reassign reopen unpublish tag".split())
_DELETE = set("delete remove unfollow unlike withdraw".split())
_READ = set("see view list browse search find show read track get look watch query scroll receive know export "
            "download monitor compare filter sort open_for".split())
_MANAGE = set("manage administer maintain curate run keep".split())
# Verbs that take their object after a preposition: "comment on a recipe", "reply to tickets".
_PREP_VERBS = {"set": {"on", "for"}, "comment": {"on"}, "reply": {"to"}, "respond": {"to"}, "vote": {"on", "for"},
               "apply": {"for", "to"}, "subscribe": {"to"}, "pay": {"for"}, "look": {"at", "for"},
               "search": {"for"}, "bid": {"on"}, "check": {"in"}, "enrol": {"in"}, "enroll": {"in"}}
_REPLY_NOUNS = {"reply": "reply", "respond": "response"}
_LOOK_AND_ACT = {"open", "check", "review", "track"}


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


def _value_owner(d: Domain, phrases: list[Phrase], name: str) -> str | None:
    """The entity holding a value the sentence names (attributes.py put it there): the subject's, else any."""
    head = name.split("_")[-1]
    subjects = [_canonical(_singular_head(ph.head), d.shortener) for ph in phrases if ph.role == "subject"]
    holders = [n for n, e in d.entities.items() if any(f.name == head or f.name.endswith("_" + head) for f in e.fields)]
    return next((n for n in subjects if n in holders), holders[0] if holders else None)


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

    read_asked = False
    for sentence in _sentences([text]):
        phrases = read_phrases(sentence, VERBS, NOT_ENTITIES)
        read_asked = read_asked or any(
            _kind(v) == ["list", "get"] for v in {ph.verb for ph in phrases if ph.verb} | {
                ph.subject_of for ph in phrases if ph.role == "subject" and ph.subject_of})
        direct_entity: dict[str, bool] = {}  # verb -> its direct object named an entity
        for ph in phrases:
            if ph.role == "subject" or ph.verb is None or ph.aside or (ph.attribute and ph.prep == "with"):
                continue
            name = _canonical(_singular_head(ph.head), d.shortener)
            verb = ph.verb
            if ph.passive_verb:
                # "Trainers see who is booked into their class": the clause serves the subject's verb.
                verb = next((p.subject_of for p in phrases if p.role == "subject" and p.subject_of), verb)
            if ph.prep is None:
                direct_entity.setdefault(verb, name in d.entities)
            if name not in d.entities:
                owner = _value_owner(d, phrases, name) if name.split("_")[-1] in VALUE_HEADS else None
                if owner and _kind(verb):
                    add(owner, _kind(verb))  # "tutors set their hourly rate": a column of the tutor, updated
                continue
            # "see a feed of posts": a read reaches through "of" when what it names directly is no entity.
            through_of = ph.prep in {"of", "per", "for", "by", "into", "in"} and (verb in _READ or verb in _MANAGE) \
                and not direct_entity.get(verb, False)
            if ph.prep is not None and ph.prep not in _PREP_VERBS.get(verb, set()) and not through_of:
                continue
            nominal = nominal_for(verb, {name}) or _REPLY_NOUNS.get(verb)
            if nominal and nominal in d.entities and nominal != name:
                add(nominal, ["create"])
                add(name, ["get"])  # "review the restaurant": the thing is read as the record is made
                continue
            kinds = _kind(verb)
            if nominal and nominal not in d.entities and not kinds:
                # "book an appointment" makes one; "pay for an order" with no payments table updates it
                kinds = ["create"] if name in EVENT_LIKE else ["update"]
            if nominal == name:
                kinds = ["create"]
            if verb in _LOOK_AND_ACT:
                kinds = [*kinds, "list"]  # "open a ticket", "check a booking": read as well as written
            if verb == "list" and d.entities[name].offered:
                kinds = ["create", *kinds]  # "residents list tools they are happy to lend": they put them up
            add(name, kinds)
        # "Customers pay by card", "students ... submit their work": a transaction whose object is no entity
        # still makes its record.
        verbs = {ph.subject_of for ph in phrases if ph.role == "subject" and not ph.passive and ph.subject_of}
        verbs |= {ph.verb for ph in phrases if ph.verb and not ph.passive_verb}
        if any(ph.role == "subject" for ph in phrases) or not phrases or re.match(
                r"^\W*(anyone|everyone|someone|we|they|you)\b", sentence):
            for verb in verbs:
                nominal = NOMINAL.get(verb) or _REPLY_NOUNS.get(verb)
                if nominal and nominal in d.entities:
                    add(nominal, ["create"])
        if any(ph.role == "subject" and ph.passive and ph.subject_of == "pay" for ph in phrases) \
                and "payment" in d.entities:
            add("payment", ["create"])
        # "receive alerts and acknowledge them": a verb whose object is a pronoun acts on the last thing named.
        for match in re.finditer(r"\b([a-z]+) (them|it)\b", sentence):
            kinds = _kind(lemma(match.group(1)))
            before = [_canonical(_singular_head(ph.head), d.shortener) for ph in phrases
                      if ph.position < match.start() and not ph.aside]
            target = next((n for n in reversed(before) if n in d.entities), None)
            if kinds and target:
                add(target, kinds)
    for name in d.entities:
        # "the owner says yes or no", "items are returned and checked": the thing's owner acts on the request
        ops = eps.get(name, {})
        if "decide" in ops and decides(name, lowered):
            found += [ops["decide"], ops["owner_list"]]
        if "return" in ops and returns(lowered):
            found.append(ops["return"])
    if not found and read_asked and eps:
        # "Managers see attendance reports": a report names no table; it reads the records it sums up, the
        # transactions (bookings, orders, loans), else the table that most others hang off.
        facts = [n for n in d.entities if n in eps and (n in EVENT_LIKE or n in set(NOMINAL.values()))]
        ranked = sorted((n for n in d.entities if n in eps), key=lambda n: -len(d.entities[n].parents))
        add((facts or ranked or [None])[0], ["list"])
    return list(dict.fromkeys(found))
