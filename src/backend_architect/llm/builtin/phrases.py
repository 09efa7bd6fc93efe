"""Reading requirement sentences: who does what to which thing, per what.

Word classes come from lemminflect's English lexicon (can this word be a noun? a verb? which form
is it?); the grammar on top is a few English habits: a plural subject takes a base-form verb
("Members book classes"), a singular one an -s form ("A loan lasts three weeks"); a participle
after "are" is passive ("Drivers are paid"); "with a photo" is an attribute, "with photos" a
child; words in parentheses are examples, not things; "never stored" stores nothing.

Every loop here advances by at least one token per turn: an input can be slow, never endless.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import lemminflect

__all__ = ["Phrase", "lemma", "noun_lemma", "plural_of", "read_phrases", "word_classes"]

DET = set("a an the their his her its our my your each every new multiple many several other own existing all any "
          "some this that these those one more no whose".split())
ARTICLES = set("a an the their his her its our my your each every all some any".split())
PREP = set("to of in on at by for with from into about over under after before within between via across per "
           "during until than as without through against around near".split())
CONJ = {"and", "or", "but", "nor", "then", "so", "while", "when", "where", "if", "because", "who", "which", "that",
        "until", "once", "whether", "unless", "although"}
MODAL = set("can can't cannot should must will may could might shall need needs want wants able".split())
AUX = set("is are was were be been being am get gets got become becomes turn turns stay stays".split())
PRON = set("them it they we you he she us i me him who which what whose whom there here everyone someone anyone "
           "nobody everybody something anything nothing how why".split())
SUBJECT_PRON = set("we they you i he she it who".split())
# Objects of these describe their subject ("a room has a capacity"), when singular and indefinite.
HAVING = set("have include contain hold carry need show".split())
ADVERB = set("also only optionally quickly easily not never always automatically instantly immediately later "
             "again too very just still already even soon now then usually often ever maybe".split())
PARTICLE = set("up down out off back away in over along".split())
NEGATION = set("never not no don't doesn't won't cannot".split())
NUMBERS = set("zero one two three four five six seven eight nine ten eleven twelve twenty thirty fifty hundred "
              "thousand million billion half dozen".split())
ADJ = set("""short long new old weekly daily monthly yearly hourly public private first last next previous original
current active inactive simple single basic main personal online offline due free paid open closed real full
internal external large small recent upcoming past future live total available unique fast slow cheap secure
own local nearest latest several whole same different certain overdue late early""".split())
# Words the lexicon calls nouns that never name a stored thing in a brief.
MASS = set("food work stuff time help advice feedback money information traffic way lot kind sort part "
           "place side end start top bottom front back middle".split())
GENERIC_HEADS = set("slot item line entry record rule schedule log request setting session event type plan "
                    "template level list pass".split())
PARTICIPLES = set("taught bought sent made built paid held kept sold written given taken seen known shown done "
                  "run put set cut read left lost found told".split())
_TOKEN = re.compile(r"'s\b|[a-z][a-z_-]*(?:'[a-z]+)?|\d+(?:[.,]\d+)*|[,.;:!?()\[\]—–]")
_POSSESSIVE = re.compile(r"(?<=[a-z])'s\b|(?<=s)'(?=\s)")
_CLAUSE = re.compile(r"[,;:]|\bbut\b|\bwhile\b")
_NEGATED = re.compile(r"\b(never|not|n't|no longer)\b.*\b(stored|kept|saved|persisted|logged|retained|store|keep|"
                      r"save)\b")
_PUNCT = set(",.;:!?()[]—–")
_STOP = ".;:!?"


@functools.lru_cache(maxsize=8192)
def word_classes(word: str) -> dict[str, tuple[str, ...]]:
    """lemminflect's readings of a word: {'NOUN': ('book',), 'VERB': ('book',)}; {} if it is not in the lexicon."""
    if "_" in word or "-" in word:
        return word_classes(re.split(r"[_-]", word)[-1])
    return dict(lemminflect.getAllLemmas(word))


def noun_like(word: str) -> bool:
    return "NOUN" in word_classes(word) or "PROPN" in word_classes(word)


def verb_like(word: str) -> bool:
    return "VERB" in word_classes(word) or "AUX" in word_classes(word) or word in PARTICIPLES


def lemma(word: str) -> str:
    readings = word_classes(word)
    for pos in ("VERB", "AUX"):
        if pos in readings:
            return readings[pos][0]
    return word


@functools.lru_cache(maxsize=8192)
def noun_lemma(word: str) -> str:
    """The singular of a noun by lemminflect's lexicon ("categories" → "category", "menus" → "menu"),
    by its out-of-vocabulary rules for words it does not know; compounds inflect their last word."""
    *mods, last = word.split("_")
    if last in {"data", "media", "news", "series", "species", "status", "bus", "campus", "analysis"}:
        return word
    if last == "people":
        return "_".join([*mods, "person"])
    readings = word_classes(last)
    if "NOUN" in readings:
        one = readings["NOUN"][0]
    elif readings:
        return word
    else:
        one = lemminflect.getLemma(last, upos="NOUN")[0] if last.endswith("s") else last
    return "_".join([*mods, one])


@functools.lru_cache(maxsize=8192)
def plural_of(word: str) -> str:
    """The plural of a (possibly compound) noun by lemminflect's inflection tables."""
    *mods, last = word.split("_")
    if last in {"data", "media", "news", "series", "species", "staff", "equipment", "feedback", "information"}:
        return word
    forms = lemminflect.getInflection(last, tag="NNS")
    many = forms[0] if forms else last + "s"
    if last == "person":
        many = "people"
    return "_".join([*mods, many])


@functools.lru_cache(maxsize=8192)
def _vbz(word: str) -> bool:
    """Third-person -s form of a verb ("lasts", "fixes")."""
    readings = word_classes(word)
    return "VERB" in readings and word in (lemminflect.getInflection(readings["VERB"][0], tag="VBZ") or ())


def _base_verb(word: str) -> bool:
    readings = word_classes(word)
    return "VERB" in readings and word in readings["VERB"]


@functools.lru_cache(maxsize=8192)
def _participle(word: str) -> bool:
    """A past form of a verb ("paid", "booked"), by the lexicon's inflections: "feed" and "need" are not."""
    if word in PARTICIPLES:
        return True
    readings = word_classes(word)
    if "VERB" not in readings:
        return False
    verb = readings["VERB"][0]
    return word != verb and word in (*(lemminflect.getInflection(verb, tag="VBN") or ()),
                                     *(lemminflect.getInflection(verb, tag="VBD") or ()))


def _plural(word: str) -> bool:
    readings = word_classes(word)
    if "NOUN" in readings:
        return word not in readings["NOUN"] or word in {"data", "media", "people", "staff"}
    return word.endswith("s") and not word.endswith(("ss", "us", "is"))


@dataclass
class Phrase:
    head: str  # as written (plural or not), or a compound such as alert_rules
    words: list[str]
    role: str  # subject | object
    prep: str | None  # the preposition before it, if any
    verb: str | None  # the verb (lemma) before it, if any
    position: int
    fallback: bool = False  # the head was a non-noun ("history"), so the modifier stands in
    determiner: bool = False  # "a book", "their orders": a countable thing
    attribute: bool = False  # "with a price": a property of the noun before, not a thing
    aside: bool = False  # inside parentheses: examples or a field list
    negated: bool = False  # in a clause that says it is not stored ("card numbers are never stored")
    passive: bool = False  # the subject of "are paid"
    possessive: bool = False  # "their orders", "its own menus": the subject's
    indefinite: bool = False  # "a destination": one thing mentioned in passing
    passive_verb: bool = False  # the verb before it is passive ("who is booked into their class")
    subject_of: str | None = None  # for subjects: the verb (lemma) they do


def _function_word(word: str) -> bool:
    return (word in DET or word in PREP or word in CONJ or word in MODAL or word in PRON or word in ADVERB
            or word in NUMBERS or word in AUX or word in NEGATION or word[0].isdigit())


def _adjective(word: str) -> bool:
    readings = word_classes(word)
    if word in ADJ:
        return True
    return "ADJ" in readings and "NOUN" not in readings


def read_phrases(sentence: str, verbs: set[str], not_nouns: set[str]) -> list[Phrase]:
    """Noun phrases of one sentence with their grammatical role. `verbs` are words read as verbs where
    the grammar leaves it open; `not_nouns` are heads that hand over to their modifier ("order history")."""
    text = _POSSESSIVE.sub(" 's", sentence.lower())  # "doctors' schedules": the owner is a determiner
    text = re.sub(r"\b(we|they|you|i)'(ve|re|ll|d)\b", r"\1", text)  # "we've got": the pronoun is the subject
    tokens = [(m.group(0), m.start()) for m in _TOKEN.finditer(text)]
    tokens = [(w if w != "'s" else "the", p) for w, p in tokens]
    n = len(tokens)
    # "card numbers are never stored": negation belongs to its clause, not to the whole sentence.
    cuts = [0, *(m.end() for m in _CLAUSE.finditer(text)), len(text) + 1]
    negated_spans = [(a, b) for a, b in zip(cuts, cuts[1:]) if _NEGATED.search(text[a:b])]
    phrases: list[Phrase] = []
    i, prep, verb, depth = 0, None, None, 0
    expect_verb = False  # after a modal, or right after a subject
    subject: Phrase | None = None
    after_aux = passive_verb = False
    verb_at = -2  # the index of the last word read as a verb
    while i < n:
        word, pos = tokens[i]
        nxt = tokens[i + 1][0] if i + 1 < n else ""
        if word in _PUNCT or word in CONJ:
            depth += 1 if word in "([" else (-1 if word in ")]" and depth else 0)
            if word in _STOP:
                subject, verb, expect_verb = None, None, False
            if word in CONJ or word == ",":
                # "with referrer and country": the conjunction carries the preposition to the next noun;
                # "adds books and fixes records": a verb-form word before a noun starts a new predicate.
                last = next((p for p in reversed(phrases) if not p.aside), None)
                prep = last.prep if last and word in {"and", "or", ","} else None
                if word in CONJ - {"and", "or"}:
                    subject, verb, prep = None, None, None
            i += 1
            continue
        if word in PREP and not (word == "to" and nxt and verb_like(nxt) and not noun_like(nxt)):
            prep, after_aux, i = word, False, i + 1
            continue
        if word in MODAL or word == "to":
            expect_verb, i = True, i + 1
            continue
        if word in AUX:
            after_aux, i = True, i + 1
            continue
        if word in PARTICLE and i and tokens[i - 1][0] not in DET and (
                verb is not None or tokens[i - 1][0] in PARTICIPLES or _participle(tokens[i - 1][0])):
            # "sign up", and "are paid out" (a participle read as a state still takes its particle)
            i += 1
            continue
        if _function_word(word):
            i += 1
            continue
        prev = tokens[i - 1][0] if i else ""
        readings = word_classes(word)
        after_det = prev in DET
        # "invoices are paid monthly": a participle that is also an adjective ("a paid plan") is a passive here
        acted_on = after_aux and word in ADJ and _participle(word)
        if not acted_on and (after_aux and word in ADJ | {"full", "empty", "late", "ready", "done"} or (
                after_aux and _adjective(word))):
            # "When a class is full, members join": the clause is complete; a new one starts.
            subject, verb, after_aux, i = None, None, False, i + 1
            continue
        if after_aux and _participle(word):
            # "Drivers are paid": a passive; its subject is acted on.
            if subject is not None:
                subject.passive, subject.subject_of = True, lemma(word)
            verb, prep, after_aux, i = lemma(word), None, False, i + 1
            passive_verb = True
            continue
        if verb_at == i - 1 and _participle(word) and word not in verbs and noun_like(nxt) and not _function_word(nxt):
            i += 1  # "read published posts": a participle between a verb and its noun describes the noun
            continue
        is_verb = not after_det and (
            expect_verb
            or ("VERB" in readings and "NOUN" not in readings and not _adjective(word)
                and not (word.endswith("ing") and noun_like(nxt)))
            or (word in PARTICIPLES or (_participle(word) and not noun_like(nxt)))
            or (subject is not None and verb is None and "VERB" in readings
                and (_vbz(word) if not _plural(subject.words[-1]) else _base_verb(word)))
            or (prev in {"and", "or"} and "VERB" in readings and (_vbz(word) or _base_verb(word))
                and (nxt in DET or nxt in PRON or (verb is not None and noun_like(nxt) and not _function_word(nxt)))
                and phrases and phrases[-1].role == "object"
                # "by card or bank transfer": one more noun; "for hours and uploads a backlog": a verb
                and not (phrases[-1].prep and "NOUN" in readings and nxt not in DET and nxt not in PRON))
            or (word.endswith("ing") and "VERB" in readings and (nxt in DET or nxt in PRON))  # "containing many"
            # "the owner accepts or rejects the request": a verb joined to the verb just read, not a noun "rejects"
            or (prev in {"and", "or"} and verb_at == i - 2 and "VERB" in readings and (_vbz(word) or _base_verb(word)))
            or (prev in SUBJECT_PRON and "VERB" in readings and (_vbz(word) or _base_verb(word)))
            or (i and _plural(prev) and noun_like(prev) and _base_verb(word)
                and (nxt == "" or nxt in _PUNCT or nxt in PREP or nxt in CONJ))  # "how long tickets wait."
            or (word in verbs and "NOUN" not in readings))
        if is_verb:
            verb_at = i
            verb, prep, expect_verb, after_aux, i = lemma(word), None, False, False, i + 1
            passive_verb = False
            if subject is not None and subject.subject_of is None:
                subject.subject_of = verb
            continue
        # A noun phrase: modifiers then a head. It ends before a verb that agrees with it
        # ("Team leads assign", "a loan lasts"), and after a plural followed by more nouns.
        run: list[str] = []
        start, first = pos, i
        lead = tokens[i - 2][0] if prev in DET and i > 1 else prev
        subject_position = (verb is None and prep is None) or lead in {",", ";", "but", "while", "when", "once"}
        while i < n:
            w = tokens[i][0]
            after = tokens[i + 1][0] if i + 1 < n else ""
            if w in _PUNCT or _function_word(w) or (w in PARTICLE and run):
                break
            if run and _participle(w):
                break
            if run and "VERB" in word_classes(w) and "NOUN" not in word_classes(w) and not _adjective(w) \
                    and not w.endswith("ing"):
                break  # "Admins enrol students": a word that is only a verb ends the noun phrase
            if run and w.endswith("ing") and "VERB" in word_classes(w) and (after in DET or after in PRON
                                                                           or after in NUMBERS):
                break  # "an order containing multiple products": a participle clause, not a compound
            if run and "VERB" in word_classes(w) and (noun_like(run[-1]) or not word_classes(run[-1])) and (
                    (_plural(run[-1]) and _base_verb(w))
                    or (subject_position and not _plural(run[-1]) and _vbz(w)
                        and not (noun_like(w) and (after in MODAL or after in AUX or (
                            "VERB" in word_classes(after) and "NOUN" not in word_classes(after)))))
                    or (after in ARTICLES or after in {"them", "it", "us", "their"})):
                break
            run.append(w)
            i += 1
            if _plural(w) and "NOUN" in word_classes(w) and i < n and not noun_like(tokens[i][0]):
                break
        if i == first:
            i += 1  # the word itself stops a run: step over it, or the loop never ends
        words = [w for w in run if w not in ADJ and (not _adjective(w) or (w == run[-1] and noun_like(w)))]
        if not words:
            prep, after_aux = None, False
            continue
        head, fallback = words[-1], False
        if noun_lemma(head) in GENERIC_HEADS and len(words) > 1:
            head = f"{words[-2]}_{head}"  # "alert rules" -> alert_rules, "waiting list" -> waiting_list
        elif head in not_nouns and len(words) > 1:
            head, fallback = words[-2], True  # "order history" -> order, but weakly
        nxt_tok = tokens[i][0] if i < n else ""
        before = tokens[first - 1][0] if first else ""
        before = tokens[first - 2][0] if before in DET and first > 1 else before
        agrees = nxt_tok in MODAL or nxt_tok in AUX or ("VERB" in word_classes(nxt_tok) and nxt_tok not in DET and (
            (_plural(words[-1]) and _base_verb(nxt_tok)) or (not _plural(words[-1]) and _vbz(nxt_tok))))
        role = "object"
        if subject is None and verb is None and prep is None and not after_aux:
            role = "subject"
        elif nxt_tok in MODAL or (agrees and before in {"and", "or", ",", "but", "who", "that", "which", "when",
                                                        "while", "until", "once", ";"}):
            role = "subject"  # "... and customers reply back": a new clause with its own subject
        indefinite = prev in {"a", "an"} and not _plural(words[-1])
        phrase = Phrase(head=head, words=words, role=role, prep=prep, verb=verb, position=start, fallback=fallback,
                        determiner=prev in DET, indefinite=indefinite, possessive=prev in {"their", "his", "her", "its", "my", "your", "own"},
                        attribute=(prep == "with" and indefinite) or (prep is None and verb in HAVING and indefinite),
                        aside=depth > 0, negated=any(a <= start < b for a, b in negated_spans))
        if after_aux:
            phrase.attribute = phrase.attribute or not phrase.determiner  # "is overdue", "are free"
        phrase.passive_verb = passive_verb and role == "object"
        phrases.append(phrase)
        if role == "subject":
            subject, verb, prep = phrase, None, None
        prep, after_aux = None, False
    return phrases
