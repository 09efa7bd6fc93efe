"""The builtin model in `backend-architect chat`: what a rule-based model can honestly do with a chat.

A statement about the system adds to the brief the conversation amounts to, and the design is
derived again from all of it; a question is answered from the knowledge base through the
search_knowledge tool; anything else gets a plain account of what works offline and what needs a
real model.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from ..config import BUILTIN_NOTICE
from ...inputs.conversation import BRIEF_PREFIX, CHAT_HEADING, conversation_brief, is_question, is_statement
from .messages import find_brief, progress

__all__ = ["chat_decision", "in_chat"]

Decision = tuple[str | None, list[tuple[str, dict[str, Any]]]]
# The model's own next step (`BuiltinModel._decide`), handed in so this module never imports the model.
Decide = Callable[..., Decision]

_DESIGN_WORDS = re.compile(r"\b(design|redesign|go ahead|build it|start over)\b", re.I)
_ANSWER_CHARS = 1500

OFFLINE_HELP = (
    f"I am the builtin model ({BUILTIN_NOTICE}), so I cannot discuss open-ended points. Offline I can:\n\n"
    "- **design** from what you describe: say what the system stores and who does what (for example "
    "*Customers place orders for products*), or load a brief with `/brief FILE`; each statement you add "
    "refines the design;\n"
    "- **answer questions** from the knowledge base (API design, databases, microservices, scaling);\n"
    "- `/show`, `/review`, `/design` and `/save` work on the design as it stands.\n\n"
    "Weighing trade-offs with you, or changing a design beyond what the rules derive, needs a real model: "
    "set `OPENAI_API_KEY` or `--base-url`."
)


def in_chat(messages: list[dict[str, Any]]) -> bool:
    first = messages[0] if messages else {}
    return first.get("role") == "system" and CHAT_HEADING in str(first.get("content") or "")


def chat_decision(decide: Decide, messages: list[dict[str, Any]], offered: set[str]) -> Decision:
    last_user = max(i for i, m in enumerate(messages) if m.get("role") == "user")
    text = str(messages[last_user].get("content") or "")
    turn = messages[last_user + 1:]
    if is_question(text):
        results = _search_results(turn)
        if results is None and "search_knowledge" in offered:
            return None, [("search_knowledge", {"query": text[:500], "k": 2})]
        return _answer(results or []), []
    if not (is_statement(text) or _DESIGN_WORDS.search(text) or text.startswith(BRIEF_PREFIX)):
        return OFFLINE_HELP, []
    loaded = [m for m in reversed(messages) if str(m.get("content") or "").startswith(BRIEF_PREFIX)]
    brief = conversation_brief(messages, find_brief(loaded) if loaded else None)
    if brief is None:
        return OFFLINE_HELP, []
    done, last_failure = progress(turn)
    if "finish_design" in done:
        return _designed(turn, brief.requirement_ids()), []
    content, calls = decide(turn, offered, done, last_failure, brief=brief)
    return content, calls


def _search_results(turn: list[dict[str, Any]]) -> list[dict[str, Any]] | None:
    for message in turn:
        if message.get("role") == "tool":
            try:
                body = json.loads(message.get("content") or "{}")
            except json.JSONDecodeError:
                continue
            if body.get("tool") == "search_knowledge":
                return list(body.get("results") or [])
    return None


def _answer(results: list[dict[str, Any]]) -> str:
    if not results:
        return f"The knowledge base has nothing on that. {OFFLINE_HELP}"
    parts = [f"From the knowledge base (the builtin model, {BUILTIN_NOTICE}, quotes the sections that match; "
             "a real model would tailor the answer):"]
    for result in results:
        body, used = [], 0
        for paragraph in str(result.get("text") or "").split("\n\n"):
            if used and used + len(paragraph) > _ANSWER_CHARS:
                break  # whole paragraphs only: the rest is one search away, never cut mid-sentence
            body.append(paragraph)
            used += len(paragraph)
        parts.append(f"### {result.get('title')}\n\n" + "\n\n".join(body) + f"\n\n*Source: `{result.get('ref')}`*")
    return "\n\n".join(parts)


def _designed(turn: list[dict[str, Any]], ids: list[str]) -> str:
    lines = []
    for message in turn:
        if message.get("role") != "tool":
            continue
        try:
            body = json.loads(message.get("content") or "{}")
        except json.JSONDecodeError:
            continue
        if body.get("ok") and body.get("tool") != "search_knowledge":
            result = str(body.get('result')).split("; the service architecture")[0]  # fixed later in the turn
            lines.append(f"- `{body.get('tool')}`: {result}")
    return (f"Designed from the conversation so far ({BUILTIN_NOTICE}), tracing {', '.join(ids)}:\n\n"
            + "\n".join(lines) + "\n\nSee it with `/show api`, `/show schema`, `/show services`, check it with "
            "`/review`, write it with `/save`. Add a statement to refine it.")
