"""`/review`: the findings on the design as it stands.

The seam for the rules engine: `review_design` is the one function the chat calls. It reports what
validation knows (which artifacts are accepted, the cross-artifact checks, traceability) and the
findings of `backend_architect.review`'s rules on the artifacts accepted so far.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..spec import cross_check
from ..design.tools import DesignState

__all__ = ["Finding", "review_design"]


@dataclass(frozen=True)
class Finding:
    """Shaped like the rules engine's Finding(rule_id, severity, location, message), so it can replace this."""

    rule_id: str
    severity: str  # "error" | "warning" | "info"
    location: str
    message: str


# The rules that repeat what cross_check above already reports.
_COVERED = {"cross-service-references", "cross-requirement-traced"}


def review_design(state: DesignState) -> list[Finding]:
    findings: list[Finding] = []
    for tool, artifact in (("emit_database_schema", "schema"), ("emit_api_spec", "api"),
                           ("emit_service_architecture", "services")):
        if tool in state.missing:
            findings.append(Finding("validation.missing", "warning", artifact, f"no {artifact} accepted yet"))
    for error in cross_check(state.brief, state.api, state.data, state.services, state.finish):
        location, _, message = error.partition(": ")
        findings.append(Finding("validation.cross_check", "error", location, message or error))
    from ..review.report import review_artifacts

    traced = list(state.finish.traceability) if state.finish else None
    for f in review_artifacts(state.brief, state.api, state.data, state.services, traced):
        if f.rule_id not in _COVERED:
            findings.append(Finding(f.rule_id, f.severity, f.location, f.message))
    if state.finish is None and not state.missing:
        findings.append(Finding("validation.unfinished", "warning", "traceability",
                                "every artifact is accepted but finish_design has not traced the requirements"))
    return findings
