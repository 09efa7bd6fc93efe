"""What a chat means for the design: the brief a conversation amounts to.

Shared by the chat (which validates against that brief) and the builtin model (which designs from
it), so both read the same requirements, with the same ids, out of the same messages.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:  # the chat imports this module before its first prompt; pydantic can wait
    from .brief import Brief

__all__ = ["BRIEF_PREFIX", "CHAT_HEADING", "brief_text", "conversation_brief", "is_question", "is_statement"]

# The chat appends a section with this heading to the persona; the builtin model recognises a chat by it.
CHAT_HEADING = "## In this chat"
# A loaded brief enters the conversation as a user message that starts with this.
BRIEF_PREFIX = "Requirements brief for this conversation"

_QUESTION = re.compile(r"^(what|how|why|when|where|which|who|should|shall|can|could|would|is|are|does|do|did|"
                       r"explain|tell me|compare)\b", re.I)
# Requests about the chat itself, not requirements of the system being designed.
_REQUEST = re.compile(r"^(please\s+)?(show|list|print|display|summari[sz]e|review|save|help|thanks|thank you|ok|"
                      r"okay|yes|no|hi|hello|hey|design it|go ahead|redesign|start over)\b", re.I)
_SENTENCE = re.compile(r"(?<=[.!;])\s+|\n+")


def brief_text(brief: Brief) -> str:
    data = brief.model_dump(mode="json", exclude_defaults=True)
    ids = ", ".join(brief.requirement_ids()) or "(none)"
    return (f"{BRIEF_PREFIX}:\n\n```yaml\n{yaml.safe_dump(data, sort_keys=False, allow_unicode=True)}```\n\n"
            f"Requirement ids to trace: {ids}")


def is_question(text: str) -> bool:
    text = text.strip()
    return text.endswith("?") or bool(_QUESTION.match(text))


def is_statement(text: str) -> bool:
    """Something a person says about the system: a requirement, not a question or a request to the chat."""
    text = text.strip()
    return (len(text.split()) >= 3 and not text.startswith(("/", BRIEF_PREFIX)) and not is_question(text)
            and not _REQUEST.match(text))


def _user_texts(messages: list[dict[str, Any]]) -> list[str]:
    return [m["content"] for m in messages if m.get("role") == "user" and isinstance(m.get("content"), str)]


def conversation_brief(messages: list[dict[str, Any]], base: Brief | None = None) -> Brief | None:
    """The brief: `base` (a loaded brief) plus every sentence the person stated, each one requirement.

    None when there is no base and nothing has been stated yet.
    """
    from .brief import Brief

    sentences = [s.strip() for text in _user_texts(messages) if is_statement(text)
                 for s in _SENTENCE.split(text) if len(s.strip().split()) >= 3]
    if base is None and not sentences:
        return None
    taken = set(base.requirement_ids()) if base else set()
    extra, n = [], 0
    for sentence in sentences:
        n += 1
        while f"R{n}" in taken:
            n += 1
        taken.add(f"R{n}")
        extra.append({"id": f"R{n}", "text": sentence})
    if base is not None:
        data = base.model_dump(mode="json")
        data["requirements"] = data["requirements"] + extra
        return Brief.model_validate(data)
    title = re.sub(r"[.!;:,]+$", "", sentences[0])
    title = title if len(title) <= 60 else title[:60].rsplit(" ", 1)[0]
    return Brief.model_validate({"title": title, "summary": " ".join(sentences), "requirements": extra})
