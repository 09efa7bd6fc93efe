"""Reading a brief the way an architect would, without a language model.

Entities come from the brief's `entities` when given, otherwise from the requirements' text:
a lexicon of common domain nouns, plus patterns that find unknown ones ("users can book
appointments with doctors" → patient-like actors, appointments, doctors). Relations come from
how sentences connect them ("orders contain multiple products" → a join table).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ...inputs.brief import Brief
from .lexicon import (ACTORS, LEXICON, NOT_ENTITIES, ROLE_WORDS, SHORTENER_ONLY, SYNONYMS, TENANTS,
                      TRANSACTION_FIELDS, VERBS)
from .phrases import MASS, _plural, noun_lemma, plural_of, read_phrases, word_classes

__all__ = ["Domain", "EntityModel", "FieldModel", "Join", "read_domain", "plural", "singular"]


@dataclass
class FieldModel:
    name: str
    kind: str = "string"  # string text email url int decimal money bool timestamp date enum secret
    unique: bool = False
    required: bool = True
    enum_values: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.kind == "enum" and not self.enum_values:
            self.enum_values = ["active", "inactive"]


@dataclass
class EntityModel:
    name: str
    fields: list[FieldModel] = field(default_factory=list)
    parents: list[tuple[str, bool]] = field(default_factory=list)  # (parent entity, composition?)
    context: str = ""
    inferred: bool = True
    notes: str = ""
    # Declared `x_id` fields: column -> the entity it references (follower_id -> user).
    fk_columns: dict[str, str] = field(default_factory=dict)
    creator: str | None = None  # the person whose requirement creates it ("doctors write prescriptions")
    takers: set[str] = field(default_factory=set)  # people set on it later ("the driver accepts the trip")
    source: str = ""  # the sentence an inferred entity was read from

    def field(self, name: str) -> FieldModel | None:
        return next((f for f in self.fields if f.name == name), None)

    def key_columns(self, parent: str) -> list[str]:
        """The foreign-key columns that reference `parent`: declared ones (follower_id, followee_id), else
        `parent_id`."""
        return [c for c, p in self.fk_columns.items() if p == parent] or [f"{parent}_id"]

    def add_parent(self, parent: str, composition: bool = False) -> None:
        if parent != self.name and parent not in [p for p, _ in self.parents]:
            self.parents.append((parent, composition))


@dataclass
class Join:
    left: str
    right: str
    item: bool  # an order line with quantity and price, not a bare link


@dataclass
class Domain:
    entities: dict[str, EntityModel]
    joins: list[Join]
    actor: str | None
    tenant: str | None
    mentions: dict[str, list[str]]  # requirement id -> entities it mentions
    features: set[str]
    shortener: bool = False
    corpus: str = ""
    roles: list[str] = field(default_factory=list)  # the people who act, first the one who signs up
    questions: list[str] = field(default_factory=list)  # what the reading could not settle  # the brief's words, lower-cased: title, summary, requirements, constraints


def singular(word: str) -> str:
    """The singular of a noun, by lemminflect's English lexicon (see phrases.noun_lemma)."""
    return noun_lemma(word.lower())


def plural(word: str) -> str:
    """The plural of a noun, by lemminflect's inflection tables (see phrases.plural_of)."""
    return plural_of(word)


def _snake(text: str) -> str:
    text = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", text)  # OrderItem -> Order_Item
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def parse_field(spec: str) -> FieldModel | None:
    """The brief's field mini-language: `name[: type] [unique] [?]`, type one of string, text, email, url,
    int, decimal, money, bool, timestamp, date, secret, enum(a, b), or `ref Entity` (handled by the caller)."""
    text = spec.strip()
    if not text:
        return None
    name_part, _, type_part = text.partition(":")
    name = _snake(name_part)
    if not name or not re.match(r"^[a-z_]", name):
        return None
    type_part = type_part.strip().lower()
    optional = type_part.endswith("?") or "optional" in type_part or name_part.strip().endswith("?")
    unique = "unique" in type_part
    enum_match = re.search(r"enum\s*\(([^)]*)\)", type_part)
    if enum_match:
        values = [_snake(v) for v in enum_match.group(1).split(",") if _snake(v)]
        return FieldModel(name=name, kind="enum", unique=False, required=not optional, enum_values=values)
    words = re.sub(r"[?]|unique|optional|required", " ", type_part).split()
    kind = _KINDS.get(words[0], words[0]) if words else guess_kind(name)
    if kind not in _KIND_SET:
        kind = guess_kind(name)
    return FieldModel(name=name, kind=kind, unique=unique, required=not optional)


_KINDS = {"str": "string", "varchar": "string", "integer": "int", "number": "decimal", "float": "decimal",
          "numeric": "decimal", "boolean": "bool", "datetime": "timestamp", "timestamptz": "timestamp",
          "uri": "url", "password": "secret", "currency": "money", "price": "money"}
_KIND_SET = {"string", "text", "email", "url", "int", "decimal", "money", "bool", "timestamp", "date", "enum",
             "secret", "uuid"}


def guess_kind(name: str) -> str:
    if name.endswith("_at") or name in {"timestamp", "time"}:
        return "timestamp"
    if name.endswith("date") or name in {"birthday", "date_of_birth"}:
        return "date"
    if "email" in name:
        return "email"
    if name.endswith(("_hash", "password", "secret", "token")):
        return "secret"
    if re.search(r"(price|amount|total|cost|fee|balance|salary|budget)", name):
        return "money"
    if re.search(r"(count|quantity|qty|stock|rating|age|position|capacity|size|duration|minutes|seconds)", name):
        return "int"
    if name.startswith(("is_", "has_")) or name in {"active", "enabled", "verified", "published"}:
        return "bool"
    if re.search(r"(url|website|avatar|link)$", name):
        return "url"
    if name in {"description", "body", "content", "notes", "bio", "summary", "text", "comment", "message"}:
        return "text"
    if name in {"status", "state"}:
        return "enum"
    return "string"


def _lexicon_fields(name: str) -> list[FieldModel]:
    specs = LEXICON[name][1] if name in LEXICON else TRANSACTION_FIELDS.get(name, [])
    return [f for f in (parse_field(spec) for spec in specs) if f]


def read_domain(brief: Brief) -> Domain:
    text_by_req = {r.id: r.text for r in brief.requirements}
    corpus = " ".join([brief.title, brief.summary, *text_by_req.values(), *brief.constraints]).lower()
    shortener = bool(re.search(r"\bshort(en|ener|ened)?\b", corpus))
    entities: dict[str, EntityModel] = {}
    mentions: dict[str, list[str]] = {rid: [] for rid in text_by_req}

    if brief.entities:
        for given in brief.entities:
            name = _canonical(singular(_snake(given.name)), shortener)
            model = EntityModel(name=name, inferred=False, notes=given.notes or "")
            for spec in given.fields:
                ref = re.match(r"^\s*([A-Za-z_ ]+?)\s*:\s*ref\s+([A-Za-z_]+)", spec)
                if ref:
                    model.add_parent(singular(_snake(ref.group(2))))
                    continue
                parsed = parse_field(spec)
                if parsed and parsed.name.endswith("_id") and parsed.name != "id":
                    model.fk_columns[parsed.name] = _canonical(singular(parsed.name[:-3]), shortener)
                elif parsed and parsed.name not in {"id", "created_at", "updated_at"}:
                    model.fields.append(parsed)
            entities[name] = model
    texts = [brief.summary, *text_by_req.values()]
    found, source, actors = _candidates(texts, shortener)
    if not brief.entities:
        for candidate in found:
            entities.setdefault(candidate, EntityModel(name=candidate, source=source.get(candidate, "")))

    for name, model in entities.items():
        context, _, lex_parents = LEXICON.get(name, ("", [], []))
        model.context = context
        if model.inferred and not model.fields:
            model.fields = _lexicon_fields(name)
        if model.inferred:
            for parent in lex_parents:
                if parent != "@actor" and parent in entities:
                    model.add_parent(parent, composition=True)

    actor = next((n for n in entities if n in ACTORS), None) or next(
        (n for n in actors if n in entities and n not in STAFF), None)
    if actor is None and re.search(r"\b(sign ?up|log ?in|sign ?in|account|authenticat|users?)\b", corpus):
        actor = "user"
        entities = {"user": EntityModel(name="user", context="identity", fields=_lexicon_fields("user")), **entities}
    tenants = [n for n in entities if n in TENANTS]
    if len(tenants) > 1 and "tenant" in tenants:
        del entities["tenant"]
        tenants.remove("tenant")
    tenant = tenants[0] if tenants else None
    if tenant is None and re.search(r"multi-?tenant", corpus):
        tenant = "tenant"
        entities = {"tenant": EntityModel(name="tenant", context="tenancy", fields=_lexicon_fields("tenant")),
                    **entities}
    questions = _resolve_declared_keys(entities, actor)
    joins: list[Join] = []
    for name, model in entities.items():
        _, _, lex_parents = LEXICON.get(name, ("", [], []))
        if model.inferred and "@actor" in lex_parents and actor and name != actor:
            model.add_parent(actor)
    for rid, text in text_by_req.items():
        found = _mentioned(text.lower(), entities, shortener)
        mentions[rid] = found
        if brief.entities:
            continue
        _relate_phrases(text, entities, actor, tenant, shortener)
        _relate(text.lower(), found, entities, actor, tenant, joins)
    for name, model in entities.items():
        _, _, lex_parents = LEXICON.get(name, ("", [], []))
        if model.inferred and "@actor" in lex_parents and actor and model.creator not in (None, actor) and (
                is_person(model.creator)):
            # "Readers comment on posts": a comment is the reader's, not the first actor's the brief names
            model.parents = [(p, comp) for p, comp in model.parents if p != actor]
    for model in entities.values():
        if not model.fields and model.inferred and len(model.parents) < 2:
            model.fields = [FieldModel(name="name"), FieldModel(name="description", kind="text", required=False)]
        if not model.context:
            owner = next((p for p, comp in model.parents if comp and p in entities), None)
            model.context = entities[owner].context or owner if owner else model.name
    features = set()
    if re.search(r"redirect", corpus):
        features.add("redirect")
    if re.search(r"\b(log ?in|sign ?in|sign ?up|authenticat|password)", corpus) or actor:
        features.add("auth")
    if re.search(r"\bsearch", corpus):
        features.add("search")
    roles = list(dict.fromkeys([*([actor] if actor else []), *(a for a in actors if a in entities or a in STAFF)]))
    return Domain(entities=entities, joins=joins, actor=actor, tenant=tenant, mentions=mentions, features=features,
                  roles=roles, questions=questions,
                  shortener=shortener, corpus=corpus)


# Who a person-shaped key names when the brief has no such entity: the signed-in actor.
_PERSON_KEYS = set("follower followee author owner creator sender recipient receiver assignee reporter reviewer "
                   "buyer seller host guest requester approver".split())


def _resolve_declared_keys(entities: dict[str, EntityModel], actor: str | None) -> list[str]:
    """Declared `x_id` fields become foreign keys to the entity they mean; one that names nothing known stays a
    plain column and becomes an open question, never dropped."""
    questions = []
    people = [n for n in entities if is_person(n)]
    for name, model in entities.items():
        for column, target in list(model.fk_columns.items()):
            resolved = target if target in entities else None
            if resolved is None and (target in _PERSON_KEYS or is_person(target)):
                resolved = actor if actor in entities else (people[0] if people else None)
            if resolved is None:
                del model.fk_columns[column]
                model.fields.append(FieldModel(name=column, kind="uuid"))
                questions.append(f"{name}.{column} names no entity of the brief ({target}): which table does it "
                                 "reference?")
                continue
            model.fk_columns[column] = resolved
            model.add_parent(resolved, composition=name.startswith(resolved + "_"))
    return questions


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
# People who run the system rather than use it: a role of the user account, not a table of their own.
STAFF = set("""admin administrator staff librarian receptionist lead team_lead manager moderator operator dispatcher
support_agent front_desk volunteer""".split())
_MACHINES = set("sensor device server computer printer monitor router scanner tracker container trailer meter timer "
                "processor controller handler reader player_card".split())


# Heads that mean nothing alone ("fixes records", "see the details"): only a modifier makes them a thing.
_BARE_GENERIC = {"record", "entry", "line", "setting", "thing", "detail", "info", "form", "field", "value", "tracker",
                 "sale", "fleet"}


# Generic words that are things when someone creates them ("create lists") and nothing otherwise.
_CREATABLE_GENERIC = {"list", "record", "entry", "form"}


def is_person(word: str) -> bool:
    last = word.split("_")[-1]
    if word in PERSONS or last in PERSONS:
        return True
    return last not in _MACHINES and last.endswith(("er", "or", "ist", "ee", "ant", "ian")) and len(last) > 4 \
        and bool(re.match(r".*(?:[^aeiou]er|or|ist|ee|ant|ian)$", last)) and last not in {"order", "folder", "letter",
                                                                                       "paper", "number", "filter",
                                                                                       "chapter", "banner", "error"}


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

    for sentence in _sentences(texts):
        phrases = read_phrases(sentence, VERBS, NOT_ENTITIES)
        humans_act = bool(_PERSON_PRONOUNS.match(sentence))  # "anyone can comment on a recipe"
        for phrase in phrases:
            if phrase.aside or phrase.negated or phrase.attribute:
                continue
            raw = phrase.head
            word = _canonical(_singular_head(raw), shortener)
            if raw.startswith("account") and len(phrase.words) > 1:
                word = "account"  # "a financial account" is not the user's login
            created = phrase.prep is None and phrase.verb in OWNING_VERBS and phrase.role == "object"
            if created and _singular_head(raw) in _CREATABLE_GENERIC:
                word = _singular_head(raw)  # "Users can create lists", "create records"
            if not (created and word in _CREATABLE_GENERIC) and (
                    len(word) < 3 or word in NOT_ENTITIES or word in _BARE_GENERIC or raw in ROLE_WORDS
                    or word in ROLE_WORDS or (word in {"url", "short_url"} and not shortener)
                    or not _noun_ok(word, phrase.determiner, raw)):
                if word in STAFF or word.split("_")[-1] in STAFF or word in ROLE_WORDS:
                    humans_act = humans_act or phrase.role == "subject"
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
                points += 1 if phrase.indefinite and phrase.verb not in OWNING_VERBS else 2
            elif phrase.indefinite and phrase.prep not in {"of", "per"}:
                pass  # "from a pickup point to a destination": a detail of the trip, not a kind of thing
            elif phrase.prep in {"of", "for", "per", "with", "to", "into", "under", "within"}:
                points += 2 if _plural(raw) and phrase.prep in {"of", "per", "with", "into", "for"} else 1
            elif phrase.prep in {"at", "in", "on", "from"} and _plural(raw) and not phrase.determiner:
                points += 2  # "publish events at venues": a kind of thing, not "on the shelves"
            if points and word in LEXICON:
                points += 3  # a known domain noun, when the sentence does something with it
            if word in STAFF or word.split("_")[-1] in STAFF:
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
    return NOMINAL.get(verb or "")


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


def _relate_phrases(text: str, entities: dict[str, EntityModel], actor: str | None, tenant: str | None,
                    shortener: bool) -> None:
    """Who owns what and what belongs to what, from each sentence's grammar: a person who creates a thing owns
    it; a transaction ("borrow a book") belongs to its person and to its object; "X per Y", "X at Y",
    "X with Y", "X for Y" make Y a parent of X. A person never belongs to another person."""
    for sentence in _sentences([text]):
        phrases = read_phrases(sentence, VERBS, NOT_ENTITIES)
        names = []
        for ph in phrases:
            word = _canonical(_singular_head(ph.head), shortener)
            names.append(word if word in entities and not ph.aside else None)
        subject = next((n for ph, n in zip(phrases, names) if ph.role == "subject" and n and not ph.passive
                        and ph.subject_of), None)
        subject_verbs = {ph.subject_of for ph in phrases if ph.role == "subject" and not ph.passive}
        first_object: str | None = None
        for index, (ph, name) in enumerate(zip(phrases, names)):
            if name is None or ph.role == "subject":
                continue
            model = entities[name]
            person = is_person(name) or name == actor
            if ph.prep is None or ph.prep in _OBJECT_PREPS.get(ph.verb or "", ()):
                first_object = first_object or name
                if subject and subject != name and not person and name != tenant and (
                        ph.verb in OWNING_VERBS or ph.verb in _TAKING_VERBS or ph.possessive):
                    catalog = name in LEXICON and not LEXICON[name][2]
                    if not (catalog and subject == actor):
                        model.add_parent(subject)
                        if ph.verb in OWNING_VERBS and model.creator is None:
                            model.creator = subject
                        elif ph.verb in _TAKING_VERBS and ph.verb not in {"request"}:
                            model.takers.add(subject)
            nxt = index + 1
            if nxt < len(phrases) and names[nxt] and phrases[nxt].prep in {"per", "at", "in", "within", "of", "for",
                                                                           "under", "on", "with"}:
                parent = names[nxt]
                transactional = set(NOMINAL.values()) | EVENT_LIKE
                if parent in transactional and name not in transactional:
                    continue  # "a book that is on loan": a thing does not belong to a transaction about it
                if parent not in (name, tenant) and not person and not any(
                        p == name for p, _ in entities[parent].parents):
                    if parent != actor or name in EVENT_LIKE or (subject and subject != actor):
                        model.add_parent(parent)
        for verb in {ph.verb for ph in phrases if ph.verb and not ph.passive_verb} | subject_verbs:
            nominal = nominal_for(verb, {n for n in names if n})
            if not nominal or nominal not in entities or (nominal in _GENERIC_TRANSACTIONS
                                                          and first_object in EVENT_LIKE):
                continue
            if subject and subject != nominal:
                entities[nominal].add_parent(subject)
                entities[nominal].creator = entities[nominal].creator or subject
            if first_object and first_object not in (nominal, subject) and not is_person(first_object):
                entities[nominal].add_parent(first_object)


def _mentioned(text: str, entities: dict[str, EntityModel], shortener: bool) -> list[str]:
    return [w for _, w in mention_positions(text, entities, shortener)]


def mention_positions(text: str, entities: dict[str, EntityModel], shortener: bool) -> list[tuple[int, str]]:
    """(character position, entity) of each entity's first mention, in order."""
    found: list[tuple[int, str]] = []
    for match in re.finditer(r"[a-z]+(?:\s+url)?", text):
        word = _canonical(singular(match.group(0).replace(" ", "_")), shortener)
        if word not in entities:
            word = _canonical(singular(match.group(0).split()[0]), shortener)
        if word in entities and word not in [w for _, w in found]:
            found.append((match.start(), word))
    return sorted(found)


def _relate(text: str, found: list[str], entities: dict[str, EntityModel], actor: str | None, tenant: str | None,
            joins: list[Join]) -> None:
    """Turn how a sentence connects entities into foreign keys and join tables."""
    if len(found) < 2:
        return
    contain = re.search(r"\b(contain|contains|include|includes|consist of|consists of|ha(?:ve|s) (?:many|multiple|"
                        r"several|one or more)|with (?:many|multiple|several|one or more))\b", text)
    belong = re.search(r"\b(belongs? to|in an?|within|under|of an?)\b", text)
    first, rest = found[0], found[1:]
    for other in rest:
        a, b = entities[first], entities[other]
        if other in (actor, tenant) and first in (actor, tenant):
            continue
        if is_person(first) or first == actor:
            continue  # a person belongs to no one; what people own is read from the verbs
        if other == tenant or first == tenant:
            if first != actor and first != tenant:
                a.add_parent(other)
            continue
        if other == actor:
            continue  # what the actor owns is read from the verbs, not from being in the same sentence
        if first == actor:
            continue  # ownership by the actor is read from the verb (see _relate_phrases)
        if contain and contain.start() > text.find(first):
            catalog = other in LEXICON and not LEXICON[other][2]
            if catalog and not any(j.left == first and j.right == other for j in joins):
                joins.append(Join(left=first, right=other, item=first in {"order", "cart", "invoice"}))
            elif not catalog and (first, True) not in b.parents:
                b.add_parent(first, composition=True)
        elif belong and belong.start() > text.find(first):
            a.add_parent(other, composition=True)
