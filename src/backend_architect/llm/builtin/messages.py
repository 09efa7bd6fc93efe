"""What the builtin model reads from the messages it is sent: the brief, and which tools have succeeded."""

from __future__ import annotations

import json
import re
from typing import Any

from ...inputs.brief import Brief, BriefError, parse_brief

__all__ = ["find_brief", "progress"]


def progress(messages: list[dict[str, Any]]) -> tuple[set[str], tuple[str, list[str]] | None]:
    names: dict[str, str] = {}
    done: set[str] = set()
    last_failure = None
    for m in messages:
        if m.get("role") == "assistant":
            last_failure = None
            for call in m.get("tool_calls") or []:
                names[call.get("id", "")] = call.get("function", {}).get("name", "")
        elif m.get("role") == "tool":
            name = names.get(m.get("tool_call_id", ""), "")
            try:
                result = json.loads(m.get("content") or "{}")
            except json.JSONDecodeError:
                result = {}
            if result.get("ok"):
                done.add(name)
            else:
                last_failure = (name, [str(e) for e in result.get("errors", [])])
    return done, last_failure


_FENCE = re.compile(r"```ya?ml\n(.*?)```", re.S)


def find_brief(messages: list[dict[str, Any]]) -> Brief | None:
    for m in messages:
        if m.get("role") != "user" or not isinstance(m.get("content"), str):
            continue
        fenced = _FENCE.search(m["content"])
        try:
            if fenced:
                return parse_brief(fenced.group(1).encode(), suffix=".yaml").brief
            return parse_brief(m["content"].encode(), suffix=".md").brief
        except BriefError:
            continue
    return None
