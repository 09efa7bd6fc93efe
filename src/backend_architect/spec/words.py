"""English plurals, as table and resource names use them: one reading shared by the spec layer (a model's
`user_id` refers to `users`) and the review rules above it."""

from __future__ import annotations

import functools

__all__ = ["a", "singular"]

_IRREGULAR = {"people": "people", "staff": "staff", "data": "data", "media": "media", "news": "news",
              "series": "series", "status": "status", "address": "address", "analysis": "analysis", "bus": "bus",
              "access": "access", "class": "class", "business": "business", "process": "process", "children": "child",
              "men": "man", "women": "woman", "aliases": "alias", "statuses": "status", "addresses": "address"}


@functools.lru_cache(maxsize=8192)  # pure, and the rules ask for the same few hundred names thousands of times
def singular(word: str) -> str:
    word = word.lower().replace("-", "_")
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    last = word.rsplit("_", 1)
    head, tail = (last[0] + "_", last[1]) if len(last) == 2 else ("", word)
    if tail in _IRREGULAR:
        return head + _IRREGULAR[tail]
    for suffix, repl in (("ies", "y"), ("sses", "ss"), ("xes", "x"), ("ches", "ch"), ("shes", "sh"), ("s", "")):
        if tail.endswith(suffix) and not tail.endswith("ss") and not tail.endswith("us") and len(tail) > 3:
            return head + tail[: -len(suffix)] + repl
    return word


def a(noun: str) -> str:
    """'an invoice', 'a tool': the indefinite article by the first letter (no 'a invoice' in a summary)."""
    return ("an " if noun[:1].lower() in "aeio" else "a ") + noun
