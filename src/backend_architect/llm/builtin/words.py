"""The words of a brief: which nouns are things a system stores, which are people, and which verbs make a
record ("book" makes a booking). Read with lemminflect's lexicon (phrases.py); the domain model
(domain.py) is built from them.
"""

from __future__ import annotations

import re

from .lexicon import LEXICON, NOT_ENTITIES, ROLE_WORDS, SHORTENER_ONLY, SYNONYMS, VERBS
from .phrases import MASS, noun_lemma, plural_of, read_phrases, word_classes

__all__ = ["EVENT_LIKE", "NOMINAL", "OWNING_VERBS", "PERSONS", "RELATIONAL", "STAFF", "VALUE_HEADS", "is_person", "nominal_for", "plural",
           "singular"]


def singular(word: str) -> str:
    """The singular of a noun, by lemminflect's English lexicon (see phrases.noun_lemma)."""
    return noun_lemma(word.lower())


def plural(word: str) -> str:
    """The plural of a noun, by lemminflect's inflection tables (see phrases.plural_of)."""
    return plural_of(word)


def _snake(text: str) -> str:
    text = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", text)  # OrderItem -> Order_Item
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def _canonical(word: str, shortener: bool) -> str:
    word = _snake(word)
    if word == "url" or word.endswith("_url"):
        return "link" if shortener else word
    if shortener and word in SHORTENER_ONLY:
        return SHORTENER_ONLY[word]
    return SYNONYMS.get(word, word)


def _sentences(texts: list[str]) -> list[str]:
    return [s for t in texts for s in re.split(r"(?<=[.!?;])\s+", t.lower()) if s.strip()]


# The thing a transaction between an actor and an entity leaves behind: "members borrow books" is a loan.
NOMINAL = {"borrow": "loan", "lend": "loan", "reserve": "reservation", "book": "booking", "pay": "payment",
           "rate": "review", "review": "review", "follow": "follow", "like": "like", "submit": "submission",
           "enrol": "enrollment", "enroll": "enrollment", "subscribe": "subscription", "order": "order",
           "purchase": "order", "buy": "order", "rent": "rental", "hire": "rental", "comment": "comment",
           "vote": "vote", "bid": "bid", "apply": "application", "bookmark": "bookmark",
           "favourite": "favorite", "favorite": "favorite", "enlist": "enrollment", "reply": "reply",
           "paste": "paste"}
PERSONS = set("""user customer member employee patient student teacher doctor nurse guest visitor parent child cook
rider driver attendee organiser organizer agent librarian freelancer client dispatcher operator receptionist trainer
instructor lead manager admin administrator staff owner seller buyer vendor host tenant landlord author reader
subscriber follower player coach volunteer courier passenger traveller traveler therapist tutor mentor candidate
recruiter applicant contractor worker technician pharmacist vet clinician caregiver resident homeowner shopper
merchant partner photographer artist creator editor moderator reviewer writer speaker learner""".split())
# People named by how they stand to another user ("neighbours borrow one"): the same people, not a kind of their own.
RELATIONAL = set("neighbour neighbor friend peer colleague coworker classmate teammate flatmate roommate housemate "
                 "fellow".split())
# People who run the system rather than use it: a role of the user account, not a table of their own.
STAFF = set("""admin administrator staff librarian receptionist lead team_lead manager moderator operator dispatcher
support_agent front_desk volunteer""".split())
_MACHINES = set("sensor device server computer printer monitor router scanner tracker container trailer meter timer "
                "processor controller handler reader player_card".split())


# Heads that measure or price something ("an hourly rate"): a figure on a record, never a record of their own.
VALUE_HEADS = {"rate", "fee", "price", "cost", "wage", "salary", "budget", "commission", "surcharge", "amount", "total",
               "discount", "tax", "balance", "percentage", "markup", "allowance"}


# Things whose names end like a doer's ("reminders are sent"): never people.
_ER_THINGS = set("""order folder letter paper number filter chapter banner error reminder voucher sticker poster marker
counter header footer layer border cluster ledger answer offer corner register container trailer charger binder
tender remainder wrapper""".split())


# Heads that mean nothing alone ("fixes records", "see the details"): only a modifier makes them a thing.
_BARE_GENERIC = {"record", "entry", "line", "setting", "thing", "detail", "info", "form", "field", "value", "tracker",
                 "sale", "fleet"}


# Generic words that are things when someone creates them ("create lists") and nothing otherwise.
_CREATABLE_GENERIC = {"list", "record", "entry", "form"}


def is_person(word: str) -> bool:
    last = word.split("_")[-1]
    if word in PERSONS or last in PERSONS or last in RELATIONAL:
        return True
    if last in _ER_THINGS:
        return False
    return last not in _MACHINES and last.endswith(("er", "or", "ist", "ee", "ant", "ian")) and len(last) > 4 \
        and bool(re.match(r".*(?:[^aeiou]er|or|ist|ee|ant|ian)$", last))


def _noun_ok(word: str, phrase_determiner: bool, raw: str = "") -> bool:
    """A head the lexicon knows as a noun; an unknown word only when written as a countable thing ("a webhook")."""
    last = word.split("_")[-1]
    if word in LEXICON or word in SYNONYMS or is_person(word):
        return True
    readings = word_classes(last) or word_classes(raw.split("_")[-1] if raw else last)
    if "NOUN" in readings:
        return last not in MASS
    return not readings and phrase_determiner and len(last) > 3


def _candidates(texts: list[str], shortener: bool) -> tuple[list[str], dict[str, str], list[str]]:
    """(entity names best first, the sentence each came from, the people who act)."""
    scores: dict[str, int] = {}
    source: dict[str, str] = {}
    actors: list[str] = []
    order: list[str] = []

    def score(word: str, points: int, sentence: str) -> None:
        if word not in scores:
            order.append(word)
            scores[word] = 0
        scores[word] += points
        if points >= 2 and word not in source:
            source[word] = sentence.strip()

    # A plain-text brief's summary repeats its requirements: a sentence read twice would count its nouns twice
    for sentence in dict.fromkeys(_sentences(texts)):
        phrases = read_phrases(sentence, VERBS, NOT_ENTITIES)
        humans_act = bool(_PERSON_PRONOUNS.match(sentence))  # "anyone can comment on a recipe"
        if len(phrases) == 1 and not (phrases[0].verb or phrases[0].subject_of or phrases[0].passive):
            continue  # "A tutoring marketplace.": a verbless fragment names the system, not a thing it stores
        for index, phrase in enumerate(phrases):
            if phrase.aside or phrase.negated or phrase.attribute:
                continue
            after = phrases[index + 1] if index + 1 < len(phrases) else None
            raw = phrase.head
            word = _canonical(_singular_head(raw), shortener)
            if raw.startswith("account") and len(phrase.words) > 1:
                word = "account"  # "a financial account" is not the user's login
            created = phrase.prep is None and phrase.verb in OWNING_VERBS and phrase.role == "object"
            if created and _singular_head(raw) in _CREATABLE_GENERIC:
                word = _singular_head(raw)  # "Users can create lists", "create records"
            if word.split("_")[-1] in VALUE_HEADS and not (after and after.prep == "per"):
                continue  # "an hourly rate", "a cancellation fee": a column (attributes.py), not a table
            if not (created and word in _CREATABLE_GENERIC) and (
                    len(word) < 3 or word in NOT_ENTITIES or word in _BARE_GENERIC or raw in ROLE_WORDS
                    or word in ROLE_WORDS or (word in {"url", "short_url"} and not shortener)
                    or not _noun_ok(word, phrase.determiner, raw)):
                if word in STAFF or word.split("_")[-1] in STAFF or word in ROLE_WORDS:
                    humans_act = humans_act or (phrase.role == "subject" and word != "system")
                    if phrase.role == "subject" and phrase.subject_of and word not in actors and word in STAFF:
                        actors.append(word)
                continue
            human = is_person(word)
            points = 0
            if phrase.fallback:
                pass
            elif phrase.role == "subject":
                if human and phrase.subject_of and not phrase.passive:
                    points += 2
                    humans_act = True
                    if word not in actors:
                        actors.append(word)
                else:
                    points += 2 if phrase.passive else 1
            elif phrase.prep is None:
                # "replies form a thread": one thing in passing, unless the verb makes it
                # "replies form a thread", "the system uploads a backlog": one thing in passing, unless a person
                # makes it ("users create a list") or names a kind of thing ("members join a waiting list")
                points += 1 if phrase.indefinite and not (humans_act and (
                    phrase.verb in OWNING_VERBS or "_" in raw)) else 2
            elif phrase.indefinite and phrase.prep not in {"of", "per"}:
                pass  # "from a pickup point to a destination": a detail of the trip, not a kind of thing
            elif human and phrase.prep == "of" and not phrase.subject_of:
                points += 1  # "the grades of their own children": whose they are, not someone who acts
            elif phrase.prep in {"of", "for", "per", "with", "to", "into", "under", "within"}:
                points += 2 if _plural(raw) and phrase.prep in {"of", "per", "with", "into", "for"} else 1
            elif phrase.prep in {"at", "in", "on", "from"} and _plural(raw) and not phrase.determiner:
                points += 2  # "publish events at venues": a kind of thing, not "on the shelves"
            if after and not after.aside and ((after.prep == "with" and after.attribute) or (
                    after.prep == "per" and phrase.prep is None)):
                points = max(points, 1) + 1  # "menu items with a price", "a payout per driver": a described record
            if points and word in LEXICON:
                points += 3  # a known domain noun, when the sentence does something with it
            if word in STAFF or word.split("_")[-1] in STAFF or word in RELATIONAL:
                points = 0  # staff act on the system; they are a role of the user account, not a table
            score(word, points, sentence)
        verbs = {p.verb for p in phrases if p.verb and not p.passive_verb} | {
            p.subject_of for p in phrases if p.subject_of and not p.passive}
        objects = {_canonical(_singular_head(p.head), shortener) for p in phrases
                   if p.role == "object" and p.prep is None and not p.aside}
        for verb in verbs:
            nominal = nominal_for(verb, objects)
            if nominal and humans_act and not (nominal in _GENERIC_TRANSACTIONS
                                               and objects & EVENT_LIKE - {nominal}):
                score(nominal, 3, sentence)
        if any(p.passive and p.subject_of == "pay" and is_person(_singular_head(p.head)) for p in phrases):
            score("payout", 3, sentence)
    keep = [w for w in order if scores[w] >= 2]
    return keep[:16], source, actors


def _singular_head(phrase_head: str) -> str:
    *modifiers, head = phrase_head.split("_")
    return "_".join([*modifiers, singular(head)])


# Verbs whose subject creates and owns the object; "borrow", "view" or "rate" do not make it the owner.
OWNING_VERBS = set("create creates add adds write writes post posts upload uploads shorten shortens submit submits "
                   "publish define register place open record send make build own start file raise request "
                   "register registers publish publishes place places open opens define defines record records send "
                   "sends make makes build builds own owns start starts file files raise raises".split())


def _plural(word: str) -> bool:
    return word.endswith("s") and not word.endswith(("ss", "us", "is"))


_PLANS = {"plan", "membership", "subscription", "pass", "package", "tier", "bundle"}


def nominal_for(verb: str | None, objects: set[str]) -> str | None:
    """The record a transaction leaves: buying a plan is a subscription, buying things an order."""
    if verb in {"buy", "purchase"} and objects & _PLANS:
        return "subscription"
    nominal = NOMINAL.get(verb or "")
    booked = sorted(objects & EVENT_LIKE - _GENERIC_TRANSACTIONS)
    if nominal in _GENERIC_TRANSACTIONS and len(booked) == 1:
        return booked[0]  # "book lessons": the lesson is the booking
    return nominal


# Transactions that "book an appointment" or "order a ride" already are: no second table for them.
_GENERIC_TRANSACTIONS = {"booking", "reservation", "order"}
_PERSON_PRONOUNS = re.compile(r"^\W*(anyone|everyone|someone|we|they|you|people|users can)\b")
# A person who takes on a thing is recorded on it ("the driver accepts the trip" → trips.driver_id).
_TAKING_VERBS = {"accept", "claim", "take", "request", "assign", "handle", "teach", "lead", "host", "organise",
                 "organize", "run", "deliver", "treat"}
# Verbs whose object follows a preposition: "pay for a trip", "comment on a post".
_OBJECT_PREPS = {"pay": ("for",), "comment": ("on",), "reply": ("to",), "vote": ("on", "for"), "bid": ("on",),
                 "apply": ("for", "to"), "subscribe": ("to",), "enrol": ("in",), "enroll": ("in",)}
# Objects that already are the transaction: "patients book appointments" needs no bookings table.
EVENT_LIKE = {"appointment", "reservation", "booking", "visit", "trip", "ride", "session", "lesson", "order",
              "loan", "rental", "shift", "consultation", "meeting", "enrollment", "subscription", "payment"}
