"""Chat Completions semantics for the builtin model: read the conversation, decide the next tool call."""

from __future__ import annotations

import json
import re
from typing import Any

from ...inputs.brief import Brief
from ..config import BUILTIN_NOTICE
from ...inputs.knowledge import KnowledgeBase, load_knowledge
from .architect import NothingToDesign, Plan
from .chat import chat_decision, in_chat
from .messages import find_brief, progress
from .sse import sse_body

__all__ = ["BUILTIN_NOTICE", "BuiltinModel"]

_STEPS = [
    ("estimate_capacity", "inputs"),
    ("emit_database_schema", "database_schema"),
    ("emit_api_spec", "api_specification"),
    ("emit_graphql_schema", "graphql"),
    ("emit_service_architecture", "microservices"),
    ("emit_performance_plan", "performance"),
    ("record_decisions", "decisions"),
]
_QUERIES = [
    "REST resource design pagination status codes",
    "authentication rate limiting tiers",
    "schema design normalization indexing foreign keys",
    "decomposition modular monolith bounded contexts data ownership",
    "capacity planning caching bottleneck",
    "event-driven sagas outbox",
]


class BuiltinModel:
    def __init__(self, knowledge: KnowledgeBase | None = None):
        self.knowledge = knowledge
        self._plans: dict[str, Plan] = {}

    def _plan(self, brief: Brief) -> Plan:
        """The design is a pure function of the brief: work it out once per conversation, not per turn."""
        key = brief.model_dump_json()
        if key not in self._plans:
            if len(self._plans) >= 16:
                self._plans.pop(next(iter(self._plans)))
            self._plans[key] = Plan(brief, self.knowledge or load_knowledge())
        return self._plans[key]

    def handle(self, method: str, path: str, body: bytes) -> tuple[int, dict[str, Any]]:
        if method == "GET" and path.endswith("/models"):
            return 200, {"object": "list", "data": [{"id": "builtin", "object": "model", "owned_by": "local"}]}
        if method != "POST" or not path.endswith("/chat/completions"):
            return 404, _error(f"the builtin model serves POST /v1/chat/completions, not {method} {path}",
                               "not_found")
        try:
            request = json.loads(body or b"{}")
        except json.JSONDecodeError:
            return 400, _error("the request body is not JSON", "invalid_request_error")
        if not isinstance(request, dict) or not isinstance(request.get("messages"), list) or not request["messages"]:
            return 400, _error("'messages' must be a non-empty list", "invalid_request_error")
        return 200, self.complete(request)

    def respond(self, method: str, path: str, body: bytes) -> tuple[int, str, bytes]:
        """(status, content type, body): JSON, or server-sent events when the request asks to stream."""
        status, payload = self.handle(method, path, body)
        if status == 200 and method == "POST":
            request = json.loads(body)
            if request.get("stream"):
                include_usage = bool((request.get("stream_options") or {}).get("include_usage"))
                return status, "text/event-stream", sse_body(payload, include_usage=include_usage)
        return status, "application/json", json.dumps(payload).encode()

    def complete(self, request: dict[str, Any]) -> dict[str, Any]:
        messages: list[dict[str, Any]] = request["messages"]
        offered = {t.get("function", {}).get("name") for t in request.get("tools") or []}
        turn = sum(1 for m in messages if m.get("role") == "assistant") + 1
        if in_chat(messages):
            content, calls = chat_decision(self._decide, messages, offered)
        else:
            done, last_failure = progress(messages)
            content, calls = self._decide(messages, offered, done, last_failure)
        tool_calls = [{"id": f"call_{turn}_{i}", "type": "function",
                       "function": {"name": name, "arguments": json.dumps(args, ensure_ascii=False)}}
                      for i, (name, args) in enumerate(calls)]
        message: dict[str, Any] = {"role": "assistant", "content": content}
        if tool_calls:
            message["tool_calls"] = tool_calls
        prompt_chars = sum(len(str(m.get("content") or "")) for m in messages)
        completion_chars = len(content or "") + sum(len(c["function"]["arguments"]) for c in tool_calls)
        return {
            "id": f"builtin-{turn}",
            "object": "chat.completion",
            "created": 0,
            "model": "builtin",
            "system_fingerprint": BUILTIN_NOTICE,
            "choices": [{"index": 0, "message": message, "finish_reason": "tool_calls" if tool_calls else "stop"}],
            # Characters / 4: the usual rough token estimate; the builtin model has no tokenizer.
            "usage": {"prompt_tokens": prompt_chars // 4, "completion_tokens": completion_chars // 4,
                      "total_tokens": (prompt_chars + completion_chars) // 4},
        }

    def _decide(self, messages: list[dict[str, Any]], offered: set[str], done: set[str],
                last_failure: tuple[str, list[str]] | None,
                brief: Brief | None = None) -> tuple[str | None, list[tuple[str, dict[str, Any]]]]:
        brief = brief or find_brief(messages)
        if last_failure:
            name, errors = last_failure
            unserved = _unserved(errors) if name == "finish_design" and brief is not None else None
            if unserved and _failures(messages, "finish_design") <= _MAX_FINISH_REPAIRS:
                return None, [("finish_design", _as_open_questions(self._plan(brief).finish, unserved, brief))]
            return (f"The {BUILTIN_NOTICE} cannot repair {name}; its rules produced: "
                    + "; ".join(errors[:3]), [])
        if brief is None:
            return (f"I am the builtin {BUILTIN_NOTICE}. Give me a requirements brief (a title and a list of "
                    "requirements) and I will design it; open-ended questions need a real model.", [])
        try:
            plan = self._plan(brief)
        except NothingToDesign as exc:
            return (f"I am the builtin {BUILTIN_NOTICE}: {exc}. Describe what the system stores and who uses it "
                    "(for example 'Customers place orders for products'); open-ended questions need a real "
                    "model.", [])
        if "search_knowledge" in offered and "search_knowledge" not in done:
            return None, [("search_knowledge", {"query": q, "k": 1}) for q in _QUERIES]
        payloads = {"inputs": plan.capacity_args["inputs"], "database_schema": plan.schema,
                    "api_specification": plan.api, "graphql": plan.graphql, "microservices": plan.services,
                    "performance": plan.performance, "decisions": plan.decisions}
        for tool, key in _STEPS:
            if tool in offered and tool not in done and payloads[key] is not None:
                return None, [(tool, {key: payloads[key]})]
        if "finish_design" in offered and "finish_design" not in done:
            return None, [("finish_design", plan.finish)]
        return f"The design is finished ({BUILTIN_NOTICE}).", []


_MAX_FINISH_REPAIRS = 3
_TRACE_ERROR = re.compile(r"^brief-[a-z-]+ at traceability/([^:\s]+): (.*)$", re.S)


def _unserved(errors: list[str]) -> dict[str, str] | None:
    """Requirement id -> why, when every error is about what a requirement is traced to (the rest of the
    design stands); None otherwise."""
    found = {}
    for error in errors:
        if error.startswith("... and "):
            continue
        match = _TRACE_ERROR.match(error)
        if match is None:
            return None
        found[match.group(1)] = match.group(2)
    return found or None


def _failures(messages: list[dict[str, Any]], tool: str) -> int:
    names = {c.get("id"): c.get("function", {}).get("name") for m in messages if m.get("role") == "assistant"
             for c in m.get("tool_calls") or []}
    return sum(1 for m in messages if m.get("role") == "tool" and names.get(m.get("tool_call_id")) == tool
               and '"ok": false' in str(m.get("content")))


def _as_open_questions(finish: dict[str, Any], unserved: dict[str, str], brief: Brief) -> dict[str, Any]:
    """What a rule-based model cannot serve is said, not traced wrongly: the requirement keeps its tables and
    services, loses the operations that do not serve it, and becomes an open question naming it."""
    finish = json.loads(json.dumps(finish))
    texts = {r.id: r.text for r in brief.requirements}
    questions = list(finish.get("open_questions") or [])
    for item in finish["traceability"]:
        rid = item["requirement_id"]
        if rid not in unserved:
            continue
        item["endpoints"] = []
        if not (item["tables"] or item["services"]):
            item["notes"] = "Not served by an operation of this design: see the open questions."
        why = unserved[rid].split(": ", 1)[-1].split(". Trace it", 1)[0]
        questions.append(f"{rid} ({texts.get(rid, '')}) is not served by an operation of this offline design "
                         f"({why}). Which operation should serve it, and for whom?")
    finish["open_questions"] = questions
    return finish


def _error(message: str, kind: str) -> dict[str, Any]:
    return {"error": {"message": message, "type": kind, "param": None, "code": None}}
