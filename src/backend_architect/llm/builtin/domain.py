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
from .lexicon import ACTORS, LEXICON, NOT_ENTITIES, TENANTS, TRANSACTION_FIELDS, VERBS, lexicon_for
from .attributes import value_columns
from .belonging import account_fields, key_money_records, owner_decisions
from .entities import EntityModel, FieldModel, guess_kind, parse_field  # noqa: F401 - read here, used by callers
from .phrases import read_phrases
from .words import (EVENT_LIKE, NOMINAL, OWNING_VERBS, PERSONS, RELATIONAL, STAFF, VALUE_HEADS, _plural, _GENERIC_TRANSACTIONS, _OBJECT_PREPS,  # noqa: F401
                    _TAKING_VERBS, _candidates, _canonical, _plural, _sentences, _singular_head, _snake, is_person,
                    nominal_for, plural, singular)

__all__ = ["Domain", "EntityModel", "FieldModel", "Join", "read_domain", "plural", "singular"]


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


def _lexicon_fields(name: str, lexicon: dict[str, tuple[str, list[str], list[str]]] = LEXICON) -> list[FieldModel]:
    specs = lexicon[name][1] if name in lexicon else TRANSACTION_FIELDS.get(name, [])
    return [f for f in (parse_field(spec) for spec in specs) if f]


def read_domain(brief: Brief) -> Domain:
    text_by_req = {r.id: r.text for r in brief.requirements}
    corpus = " ".join([brief.title, brief.summary, *text_by_req.values(), *brief.constraints]).lower()
    shortener = bool(re.search(r"\bshort(en|ener|ened)?\b", corpus))
    lexicon = lexicon_for(corpus)
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
    else:  # declared entities win, but do not exclude a thing people clearly keep ("users keep collections")
        for candidate, sentence in _needed_undeclared(texts, entities, shortener).items():
            entities[candidate] = EntityModel(name=candidate, source=sentence)

    for name, model in entities.items():
        context, _, lex_parents = lexicon.get(name, ("", [], []))
        model.context = context
        if model.inferred and not model.fields:
            model.fields = _lexicon_fields(name, lexicon)
        if model.inferred:
            for parent in lex_parents:
                if parent != "@actor" and parent in entities:
                    model.add_parent(parent, composition=True)

    if "product" in entities and entities["product"].inferred and not re.search(
            r"\b(products?|buy|buys|sell|sells|sold|shop|store|cart|checkout|orders?|purchases?|catalog(ue)?)\b", corpus):
        # "Items are returned and checked" in a tool library: the items are the things already named, not a
        # product catalog (SYNONYMS reads item as product, which holds only where things are sold)
        del entities["product"]
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
        _, _, lex_parents = lexicon.get(name, ("", [], []))
        if model.inferred and "@actor" in lex_parents and actor and name != actor:
            model.add_parent(actor)
    said: dict[str, str] = {}  # what "one" or "it" stands for: the last thing a sentence named
    for rid, text in text_by_req.items():
        found = _mentioned(text.lower(), entities, shortener)
        mentions[rid] = found
        if not any(model.inferred for model in entities.values()):
            continue
        declared = {n: list(m.parents) for n, m in entities.items() if not m.inferred}
        _relate_phrases(text, entities, actor, tenant, shortener, said, joins)
        for clause in _sentences([text]):  # "attendees buy tickets; an order can hold several tickets"
            _relate(clause, _mentioned(clause, entities, shortener), entities, actor, tenant, joins)
        for name, parents in declared.items():  # what the brief declares is related as declared
            entities[name].parents = parents
        joins[:] = [j for j in joins if j.left not in declared or j.right not in declared]
    for name, model in entities.items():
        _, _, lex_parents = lexicon.get(name, ("", [], []))
        if model.inferred and "@actor" in lex_parents and actor and model.creator not in (None, actor) and (
                is_person(model.creator)):
            # "Readers comment on posts": a comment is the reader's, not the first actor's the brief names
            model.parents = [(p, comp) for p, comp in model.parents if p != actor]
    sentences = list(dict.fromkeys(_sentences(texts)))
    key_money_records(sentences, entities, actor, tenant, shortener)
    for name, model in entities.items():
        if name == actor and model.inferred and not model.fields:
            model.fields = account_fields(corpus)  # the people who sign up sign in with something
        if not model.fields and model.inferred and len(model.parents) < 2:
            model.fields = [FieldModel(name="name"), FieldModel(name="description", kind="text", required=False)]
        if not model.context:
            owner = next((p for p, comp in model.parents if comp and p in entities), None)
            model.context = entities[owner].context or owner if owner else model.name
    for model in entities.values():  # "an order can hold several tickets": the order then keys no ticket
        for parent in [p for p, comp in model.parents if comp and p in entities]:
            entities[parent].parents = [(p, c) for p, c in entities[parent].parents if p != model.name or c]
    for owner, column, kind in value_columns(texts, entities, shortener):
        entities[owner].fields.append(FieldModel(name=column, kind=kind))
    owner_decisions(sentences, entities, actor)
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


# Things that hold many of another ("a collection of recipes"): a link table, not a key to one of them.
_CONTAINERS = {"collection", "list", "playlist", "album", "board", "folder", "set", "bundle", "wishlist", "shelf"}
_KEEPING = OWNING_VERBS | {"keep", "save", "collect", "curate", "organise", "organize", "maintain"}


def _needed_undeclared(texts: list[str], entities: dict[str, EntityModel], shortener: bool) -> dict[str, str]:
    """Things a person makes or keeps in a brief that declares its entities, which it did not declare: not a
    person (a role of a declared account), not a declared field ("photos" are posts' photo_url), not a value."""
    declared_fields = {f.name.removesuffix("_url").removesuffix("_id") for m in entities.values() for f in m.fields}
    declared_fields |= {c.removesuffix("_id") for m in entities.values() for c in m.fk_columns}
    needed: dict[str, str] = {}
    for sentence in dict.fromkeys(_sentences(texts)):
        phrases = read_phrases(sentence, VERBS, NOT_ENTITIES)
        subject = next((ph for ph in phrases if ph.role == "subject" and ph.subject_of and not ph.passive), None)
        if subject is None or not (is_person(_singular_head(subject.head))
                                   or _canonical(_singular_head(subject.head), shortener) in entities):
            continue
        for ph in phrases:
            word = _canonical(_singular_head(ph.head), shortener)
            if ph.role != "object" or ph.prep is not None or ph.verb not in _KEEPING or ph.aside or ph.negated \
                    or ph.attribute or word in entities or word in NOT_ENTITIES or is_person(word) \
                    or word.split("_")[-1] in declared_fields | VALUE_HEADS or not _plural(ph.head):
                continue
            needed.setdefault(word, sentence.strip())
    return needed


# Records about a person, who is then one of their keys (reviews.tutor_id), not only their author's.
_ABOUT_SOMEONE = {"review", "rating", "complaint", "tip", "message", "endorsement"}

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


# What is sent about something else: it keys what it is about.
_NOTICES = {"reminder", "notification", "alert", "notice", "email", "digest"}
# "reminders are sent when a loan is late": the clause after the notice says what it is about.
_WHEN = re.compile(r"^\W*(?:[a-z]+ ){0,3}?(?:when|whenever|once|if|as soon as)\b")
# "tools they own", "tools they are happy to lend", "items they want to sell": the thing is the subject's. Only its
# owner lends, sells, shares or offers a thing.
_OWNED_AFTER = re.compile(r"^\W*(?:that |which )?(?:they|he|she|we|you|i) (?:already )?(?:(?:are|is|am) (?:happy|"
                          r"willing|glad|ready|able) to |(?:want|wish|would like|'d like) to |(?:can|will|may) )?"
                          r"(?:own|make|made|build|built|write|wrote|create|created|grow|grew|lend|lent|sell|sold|share|"
                          r"shared|offer|offered|rent out|rented out|donate|donated)\b")
_OFFERING = re.compile(r"\b(?:lend|lent|sell|sold|share|shared|offer|offered|rent out|rented out|donate|donated)$")
_PRONOUN = re.compile(r"\b(?:one|it|them|an? item|the item)\b")  # "borrow an item": one of the things named


def _relate_phrases(text: str, entities: dict[str, EntityModel], actor: str | None, tenant: str | None,
                    shortener: bool, said: dict[str, str] | None = None, joins: list[Join] | None = None) -> None:
    """Who owns what and what belongs to what, from each sentence's grammar: a person who creates a thing owns
    it; a transaction ("borrow a book") belongs to its person and to its object; "X per Y", "X at Y",
    "X with Y", "X for Y" make Y a parent of X. A person never belongs to another person."""
    for sentence in _sentences([text]):
        phrases = read_phrases(sentence, VERBS, NOT_ENTITIES)
        said = {} if said is None else said
        names = []
        for ph in phrases:
            word = _canonical(_singular_head(ph.head), shortener)
            if word in RELATIONAL and actor in entities:
                word = actor  # "neighbours borrow": other residents, the same people
            names.append(word if word in entities and not ph.aside else None)
        subject = next((n for ph, n in zip(phrases, names) if ph.role == "subject" and n and not ph.passive
                        and ph.subject_of), None)
        subject_verbs = {ph.subject_of for ph in phrases if ph.role == "subject" and not ph.passive}
        first_object: str | None = None
        for index, (ph, name) in enumerate(zip(phrases, names)):
            about = names[index + 1] if index + 1 < len(phrases) else None
            if name and about and name.split("_")[-1] in _NOTICES and not is_person(about) and (
                    phrases[index + 1].prep in {"before", "after", "about"} or _WHEN.match(
                        sentence[ph.position + len(" ".join(ph.words)):phrases[index + 1].position])):
                # "reminders are sent before a loan is due", "... when a loan is late": a loan's reminder
                entities[name].add_parent(about)
            if name is None or ph.role == "subject":
                continue
            model = entities[name]
            person = is_person(name) or name == actor
            if ph.prep is None or ph.prep in _OBJECT_PREPS.get(ph.verb or "", ()):
                first_object = first_object or name
                after = _OWNED_AFTER.match(sentence[ph.position + len(" ".join(ph.words)):])
                if subject and subject != name and not person and name != tenant and (
                        ph.verb in OWNING_VERBS or ph.verb in _TAKING_VERBS or ph.possessive or ph.verb == "keep"
                        or after):
                    catalog = name in LEXICON and not LEXICON[name][2]
                    if catalog and subject == actor and ph.verb in OWNING_VERBS and model.creator is None:
                        model.creator = subject  # "a freelancer creates invoices": theirs to write, not issued
                    if not (catalog and subject == actor):
                        model.add_parent(subject)
                        model.offered = model.offered or bool(after and _OFFERING.search(after.group(0)))
                        if ph.verb in OWNING_VERBS and model.creator is None:
                            model.creator = subject
                        elif ph.verb in _TAKING_VERBS and ph.verb not in {"request"}:
                            model.takers.add(subject)
            nxt = index + 1
            if nxt < len(phrases) and names[nxt] and phrases[nxt].prep in {"per", "at", "in", "within", "of", "for",
                                                                           "under", "on", "with"}:
                parent = names[nxt]
                if phrases[nxt].prep == "of" and name.split("_")[-1] in _CONTAINERS and _plural(phrases[nxt].head):
                    if joins is not None and not any(j.left == name and j.right == parent for j in joins):
                        joins.append(Join(left=name, right=parent, item=False))  # "collections of recipes"
                    continue
                transactional = set(NOMINAL.values()) | EVENT_LIKE
                if parent in transactional and name not in transactional:
                    continue  # "a book that is on loan": a thing does not belong to a transaction about it
                if parent not in (name, tenant) and not person and not any(
                        p == name for p, _ in entities[parent].parents):
                    if parent != actor or name in EVENT_LIKE or (subject and subject != actor):
                        model.add_parent(parent)
        if first_object is None and said.get("thing") and _PRONOUN.search(sentence):
            first_object = said["thing"]  # "residents list tools; neighbours borrow one": one of the tools
        things = [n for ph, n in zip(phrases, names) if n and ph.role == "object" and not is_person(n) and n != actor]
        if things:
            said["thing"] = things[0]
        for verb in {ph.verb for ph in phrases if ph.verb and not ph.passive_verb} | subject_verbs:
            nominal = nominal_for(verb, {n for n in names if n})
            if not nominal or nominal not in entities or (nominal in _GENERIC_TRANSACTIONS
                                                          and first_object in EVENT_LIKE):
                continue
            if subject and subject != nominal:
                entities[nominal].add_parent(subject)
                entities[nominal].creator = entities[nominal].creator or subject
            if first_object and first_object not in (nominal, subject) and (
                    not is_person(first_object) or nominal in _ABOUT_SOMEONE):  # "the student rates the tutor"
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
    contain = re.search(r"\b(contain|contains|include|includes|hold|holds|consist of|consists of|ha(?:ve|s) (?:many|multiple|"
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
