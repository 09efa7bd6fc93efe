"""The review as the design run writes it: review.json, the "Review" section of design.md, and the
findings of one emitted artifact that go back to the model."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from .bundle import Bundle
from .engine import Finding, run_rules, sort_findings

if TYPE_CHECKING:
    from ..spec import Design

__all__ = ["artifact_findings", "finish_findings", "review_artifacts", "review_design", "review_json",
           "review_markdown"]


def review_design(design: Design) -> list[Finding]:
    """Every rule over a finished (or partial) design, as `review DIR` would report it."""
    from . import review_bundle
    from .load import fill_from_design

    bundle = Bundle()
    fill_from_design(bundle, design)
    bundle.files = {}  # the design is in memory; findings name artifacts, not files
    return review_bundle(bundle)


def review_artifacts(brief: Any, api: Any, data: Any, services: Any, traceability: Any = None) -> list[Finding]:
    """Every rule over the artifacts accepted so far (the chat's /review): no files, no line numbers."""
    from ..render.openapi import openapi_document
    from . import review_bundle

    bundle = Bundle(openapi=openapi_document(api) if api is not None else None, data=data, services=services,
                    brief=brief, traceability=traceability)
    return review_bundle(bundle)


# The brief-aware families. Their errors go back to the model like the form rules' once GATE_BRIEF_RULES is on;
# until the builtin model's designs pass them (issue 13) it is off, because the builtin cannot repair and a failed
# call ends its run: off, they reach the model as review warnings in the accepted result (it may repair them), and
# stay errors in review.json, design.md and `review`.
BRIEF_FAMILIES = ("authz-", "brief-", "schema-", "numbers-")
GATE_BRIEF_RULES = False


def _in_loop(findings: list[Finding]) -> list[Finding]:
    if GATE_BRIEF_RULES:
        return findings
    return [replace(f, severity="warning") if f.severity == "error" and f.rule_id.startswith(BRIEF_FAMILIES) else f
            for f in findings]


def artifact_findings(kind: str, subject: Any, *, data: Any = None, brief: Any = None, api: Any = None,
                      services: Any = None) -> list[Finding]:
    """The rules of one artifact as it is emitted (the API as its rendered OpenAPI document), plus the cross
    rules that artifact can break with what is accepted so far: the brief-aware rules registered `on_emit` for
    it (authorization on the API, schema semantics and declared fields on the schema, the broker on the
    services), and exposing sensitive columns of the accepted schema."""
    from ..render.openapi import openapi_document
    from .engine import RULES

    own = run_rules(kind, subject) if kind != "api" else []  # type: ignore[arg-type]
    bundle = Bundle(brief=brief, data=data, services=services)
    if kind == "api":
        bundle.openapi = openapi_document(subject)
        assert bundle.api is not None
        own = run_rules("api", bundle.api)
    elif kind == "data":
        bundle.data = subject
    elif kind == "services":
        bundle.services = subject
    if bundle.openapi is None and api is not None:
        bundle.openapi = openapi_document(api)
    cross = [r.id for r in RULES.values() if r.artifact == "cross" and kind in r.on_emit]
    if kind == "api":
        cross.append("cross-sensitive-exposed")
    return sort_findings(_in_loop(own + run_rules("cross", bundle, only=cross)))


def finish_findings(brief: Any, api: Any, data: Any, services: Any, *, traceability: Any, capacity: Any = None,
                    performance: Any = None, notes: list[str] | None = None) -> list[Finding]:
    """Every cross rule over the whole design as `finish_design` would leave it: what only the finished design
    can show (requirements served by what they are traced to, numbers that agree)."""
    from ..render.openapi import openapi_document

    bundle = Bundle(openapi=openapi_document(api) if api is not None else None, data=data, services=services,
                    brief=brief, traceability=list(traceability), capacity=capacity, performance=performance,
                    notes=list(notes or []))
    return _in_loop(run_rules("cross", bundle))


def review_json(findings: list[Finding]) -> str:
    counts = Counter(f.severity for f in findings)
    document = {"summary": {s: counts.get(s, 0) for s in ("error", "warning", "info")},
                "findings": [f.to_dict() for f in findings]}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def review_markdown(findings: list[Finding]) -> str:
    counts = Counter(f.severity for f in findings)
    lines = ["## Review", "",
             f"The rules (`backend-architect review --list-rules`) found {counts.get('error', 0)} errors, "
             f"{counts.get('warning', 0)} warnings and {counts.get('info', 0)} notes in this design. "
             "Full list: `review.json`.", ""]
    shown = [f for f in findings if f.severity != "info"]
    if shown:
        lines += ["| Severity | Rule | Where | Finding |", "| --- | --- | --- | --- |"]
        lines += [f"| {f.severity} | `{f.rule_id}` | `{_cell(f.location)}` | {_cell(f.message)} |" for f in shown]
        lines.append("")
    return "\n".join(lines) + "\n"
