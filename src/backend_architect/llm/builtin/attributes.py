"""Values a brief names as things ("an hourly rate", "a cancellation fee") are columns of what they belong to:
the noun they describe ("a profile with an hourly rate"), else whoever sets them ("tutors set their rate")."""

from __future__ import annotations

import re
from typing import Protocol

from .lexicon import NOT_ENTITIES, VERBS
from .phrases import read_phrases
from .words import VALUE_HEADS, _canonical, is_person, _sentences, _singular_head, _snake

__all__ = ["value_columns"]

_MONEY = VALUE_HEADS - {"rate", "percentage", "tax", "discount", "markup"}
_PER_TIME = {"hourly", "daily", "weekly", "monthly", "yearly", "annual", "nightly", "hour", "day", "night", "session",
             "lesson", "flat", "base"}
_NOT_MODIFIERS = {"a", "an", "the", "their", "its", "his", "her", "our", "your", "my", "own", "set", "and", "or",
                  "with", "of", "per", "each", "every", "any", "some", "new"}


class _Entity(Protocol):
    inferred: bool

    def field(self, name: str) -> object | None: ...


def value_columns(texts: list[str], entities: dict[str, _Entity], shortener: bool) -> list[tuple[str, str, str]]:
    """(entity, column, kind) for each value the brief attaches to an entity, in the order it says them."""
    found: list[tuple[str, str, str]] = []
    for sentence in dict.fromkeys(_sentences(texts)):
        phrases = read_phrases(sentence, VERBS, NOT_ENTITIES)
        names = [_canonical(_singular_head(p.head), shortener) for p in phrases]
        for index, ph in enumerate(phrases):
            head = names[index].split("_")[-1]
            after = phrases[index + 1] if index + 1 < len(phrases) else None
            if head not in VALUE_HEADS or ph.role == "subject" or (after and after.prep == "per"):
                continue  # "a budget per category" is a record of its own
            before = re.search(rf"(\w+)\s+{re.escape(ph.words[-1])}\b", sentence[ph.position:ph.position + 60])
            modifier = before.group(1) if before and before.group(1) not in _NOT_MODIFIERS else ""
            column = _snake(f"{modifier}_{head}" if modifier and "_" not in names[index] else names[index])
            subject = next((n for p, n in zip(phrases, names) if p.role == "subject" and n in entities), None)
            owner = None
            if ph.prep == "with":  # "a profile with an hourly rate"
                owner = next((n for n in reversed(names[:index]) if n in entities), None)
            elif not ph.possessive:  # "book lessons and pay the delivery fee": the lesson's fee, not the student's
                owner = next((n for p, n in zip(reversed(phrases[:index]), reversed(names[:index]))
                              if p.role == "object" and n in entities and not is_person(n)), None)
            owner = owner or subject  # "tutors set their hourly rate"
            if owner is None or not entities[owner].inferred or entities[owner].field(column):
                continue
            kind = "money" if head in _MONEY or (head == "rate" and (not modifier or modifier in _PER_TIME)) \
                else "decimal"
            if (owner, column, kind) not in found:
                found.append((owner, column, kind))
    return found
