"""No input can hang the brief readers or the builtin model (issue 13: "Drivers are paid." spun forever).

Each call runs under a wall-clock alarm; a loop that stops advancing fails the test instead of
hanging the suite. The bound is generous (the machine is shared); the hang it catches is infinite.
"""

from __future__ import annotations

import signal
from contextlib import contextmanager

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backend_architect.inputs.brief import BriefError, parse_brief
from backend_architect.inputs.knowledge import load_knowledge
from backend_architect.llm.builtin.architect import NothingToDesign, Plan
from backend_architect.llm.builtin.domain import read_domain
from backend_architect.llm.builtin.lexicon import NOT_ENTITIES, VERBS
from backend_architect.llm.builtin.phrases import PARTICIPLES, read_phrases

BOUND_S = 20
KB = load_knowledge()


class Hung(Exception):
    pass


@contextmanager
def bounded(seconds: int = BOUND_S):
    def _alarm(signum, frame):
        raise Hung(f"did not finish within {seconds} s")

    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _design(text: str) -> None:
    """Everything the builtin does with a brief: load it, read it, plan the whole design."""
    try:
        loaded = parse_brief(text.encode(), source="brief.md", suffix=".md")
    except BriefError:
        return
    read_domain(loaded.brief)
    try:
        Plan(loaded.brief, KB)
    except NothingToDesign:
        pass


WORDS = sorted(PARTICIPLES | VERBS | {"are", "is", "be", "been", "paid", "sold", "sent", "drivers", "invoices",
                                     "tickets", "emails", "the", "a", "of", "and", "can", "per", "with", "users",
                                     "orders", "class", "style", "end", "graph", "~800", "2.5k", "two"})
PUNCT = list(",.;:!?()-#*`>|")
sentences = st.lists(st.sampled_from(WORDS + PUNCT), min_size=1, max_size=40).map(" ".join)


@pytest.mark.parametrize("sentence", ["Drivers are paid.", "Invoices are paid", "Tickets are sold.",
                                      "Emails are sent.", "paid", "paid paid paid.", " ".join(sorted(PARTICIPLES)),
                                      "... ,,, ;;; !!! ???", "()" * 500])
def test_known_hangs_finish(sentence):
    with bounded():
        read_phrases(sentence.lower(), VERBS, NOT_ENTITIES)
        _design(f"# App\n\n- {sentence}\n- Users can sign up.\n")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sentences)
def test_any_sentence_of_awkward_words_finishes(sentence):
    with bounded():
        read_phrases(sentence.lower(), VERBS, NOT_ENTITIES)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(min_size=1, max_size=400))
def test_any_text_finishes_through_reader_and_model(text):
    with bounded():
        read_phrases(text.lower(), VERBS, NOT_ENTITIES)
        _design(text)
        _design(f"# Brief\n\n{text}\n")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(sentences, min_size=1, max_size=8))
def test_briefs_of_awkward_sentences_finish(items):
    with bounded():
        _design("# Awkward\n\n" + "\n".join(f"- {s}" for s in items) + "\n")


def test_ten_thousand_words_finish():
    words = (WORDS * (10_000 // len(WORDS) + 1))[:10_000]
    with bounded(60):
        read_phrases(" ".join(words), VERBS, NOT_ENTITIES)
        _design("# Long\n\n" + " ".join(words) + ".\n")
