"""A small noun-phrase reader for requirement sentences: who does what to which thing, per what.

Not a parser: a tagger of function words plus a few English habits ("Members book classes" —
a plural subject is followed by its verb), enough to find the things a system stores.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Phrase", "read_phrases"]

DET = set("a an the their his her its our my your each every new multiple many several other own existing all any "
          "some this that these those one more".split())
# Words that start a noun phrase: the word before one of these is a verb ("set an expiry").
ARTICLES = set("a an the their his her its our my your each every all some any".split())
PREP = set("to of in on at by for with from into about over under after before within between up via across per "
           "during until than as without".split())
CONJ = {"and", "or", "but", "nor", "then", "so"}
MODAL = set("can should must will may could might shall cannot need needs want wants".split())
PRON = set("them it they we you he she us who which what whose whom there here".split())
ADVERB = set("also only optionally quickly easily not never always automatically instantly immediately later "
             "once twice again".split())
ADJ = set("""short long new old weekly daily monthly yearly hourly public private first last next previous original "
          "current active inactive simple single basic main personal online offline due free paid open closed "
          "real full internal external large small recent upcoming past future live total available unique fast slow
cheap secure""".split())
PARTICIPLES = set("taught bought sent made built paid held kept sold written given taken seen known shown done".split())
NUMBERS = set("zero one two three four five six seven eight nine ten hundred thousand million".split())
GENERIC_HEADS = set("slot item line entry record rule schedule log request setting session event type plan "
                    "template".split())
_TOKEN = re.compile(r"[a-z][a-z'-]*|\d+|[,.;:!?()]")


@dataclass
class Phrase:
    head: str  # singular-ready word, or a compound such as alert_rule
    words: list[str]
    role: str  # subject | object
    prep: str | None  # the preposition before it, if any
    verb: str | None  # the verb before it, if any
    position: int
    fallback: bool = False  # the head was a non-noun ("history"), so the modifier stands in


def _function_word(word: str) -> bool:
    return word in DET | PREP | CONJ | MODAL | PRON | ADVERB or word in NUMBERS or word.isdigit()


def _adjective(word: str) -> bool:
    return word in ADJ or (word.endswith(("ly", "ive", "ous", "ful", "able", "ible", "less")) and len(word) > 5)


def _plural_looking(word: str) -> bool:
    return word.endswith("s") and not word.endswith(("ss", "us", "is")) and len(word) > 3


def read_phrases(sentence: str, verbs: set[str], not_nouns: set[str]) -> list[Phrase]:
    tokens = [(m.group(0), m.start()) for m in _TOKEN.finditer(sentence.lower())]
    phrases: list[Phrase] = []
    i, prep, verb, expect_verb = 0, None, None, False
    while i < len(tokens):
        word, pos = tokens[i]
        if word in ",.;:!?()" or word in CONJ:
            # "with referrer and country": a conjunction carries the preposition over to the next noun.
            prep = phrases[-1].prep if (word in CONJ or word == ",") and phrases else None
            expect_verb = False if word in ".;:!?" else expect_verb
            i += 1
            continue
        if word in PREP:
            prep, i = word, i + 1
            continue
        if word in MODAL:
            expect_verb, i = True, i + 1
            continue
        if _function_word(word):
            i += 1
            continue
        nxt_word = tokens[i + 1][0] if i + 1 < len(tokens) else ""
        after_verb = i > 0 and tokens[i - 1][0] == verb and verb is not None
        verb_like = not after_verb and (nxt_word in ARTICLES or nxt_word in {"them", "it", "us"} or word in PARTICIPLES
                     or (word.endswith("ed") and len(word) > 4))
        if expect_verb or verb_like or (word in verbs and not after_verb and not phrases_expect_noun(tokens, i)):
            verb, prep, expect_verb, i = word, None, False, i + 1
            continue
        # A run of content words: modifiers then a head. A plural ends it ("members book classes").
        run, start, first = [], pos, i
        while i < len(tokens):
            w = tokens[i][0]
            after = tokens[i + 1][0] if i + 1 < len(tokens) else ""
            if w in ",.;:!?()" or _function_word(w) or (run and w in verbs and _plural_looking(run[-1])) \
                    or (run and w.endswith(("ing", "ed")) and len(w) > 5) or w in PARTICIPLES \
                    or (run and (after in ARTICLES or after in {"them", "it", "us"})):
                break
            run.append(w)
            i += 1
            if _plural_looking(w) and i < len(tokens) and tokens[i][0] not in ",.;:!?()" \
                    and not _function_word(tokens[i][0]):
                break
        if i == first:
            # The word itself stops a run ("Drivers are paid."): step over it, or the loop never ends.
            i += 1
        run = [w for w in run if not _adjective(w)]
        if not run:
            prep = None
            continue
        head, fallback = run[-1], False
        if head in not_nouns and len(run) > 1:
            head, fallback = run[-2], True  # "order history" -> order, but weakly: "expiry date" is no entity
        elif head.rstrip("s") in GENERIC_HEADS and len(run) > 1 and run[-2] not in not_nouns:
            head = f"{run[-2]}_{head}"  # "alert rules" -> alert_rule
        nxt = tokens[i][0] if i < len(tokens) else ""
        role = "subject" if nxt in MODAL or (not phrases and verb is None and prep is None) else "object"
        phrases.append(Phrase(head=head, words=run, role=role, prep=prep, verb=verb, position=start,
                              fallback=fallback))
        if role == "subject":
            expect_verb = nxt not in MODAL and _plural_looking(run[-1])
        prep = None
    return phrases


def phrases_expect_noun(tokens: list[tuple[str, int]], i: int) -> bool:
    """A verb-looking word right after a determiner is a noun ("the order", "a review")."""
    return i > 0 and tokens[i - 1][0] in DET
