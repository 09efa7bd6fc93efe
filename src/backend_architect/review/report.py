"""The review as the design run writes it: review.json, the "Review" section of design.md, and the
findings of one emitted artifact that go back to the model."""

from __future__ import annotations

import json
from collections import Counter
from typing import TYPE_CHECKING, Any

from .bundle import Bundle
from .engine import Finding, run_rules, sort_findings

if TYPE_CHECKING:
    from ..spec import Design

__all__ = ["artifact_findings", "review_artifacts", "review_design", "review_json", "review_markdown"]


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


def artifact_findings(kind: str, subject: Any, *, data: Any = None) -> list[Finding]:
    """The rules of one artifact as it is emitted (the API as its rendered OpenAPI document), plus the
    cross rule an API can break on its own: exposing sensitive columns of the accepted schema."""
    if kind != "api":
        return run_rules(kind, subject)  # type: ignore[arg-type]
    from ..render.openapi import openapi_document

    bundle = Bundle(openapi=openapi_document(subject), data=data)
    assert bundle.api is not None
    return sort_findings(run_rules("api", bundle.api) + run_rules("cross", bundle, only=["cross-sensitive-exposed"]))


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
