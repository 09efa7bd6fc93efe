"""The review as the design run writes it: review.json, the "Review" section of design.md, and the
findings of one emitted artifact that go back to the model."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace
from typing import IO, TYPE_CHECKING, Any

from .bundle import Bundle
from .engine import Finding, run_rules, sort_findings
from .jsontext import dumps_indented

if TYPE_CHECKING:
    from ..spec import Design

__all__ = ["artifact_findings", "by_rule", "finish_findings", "review_artifacts", "review_design", "review_json",
           "review_markdown", "write_report", "write_text"]


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
GATE_BRIEF_RULES = True


def _in_loop(findings: list[Finding]) -> list[Finding]:
    if GATE_BRIEF_RULES:
        return findings
    return [replace(f, severity="warning") if f.severity == "error" and f.rule_id.startswith(BRIEF_FAMILIES) else f
            for f in findings]


def artifact_findings(kind: str, subject: Any, *, data: Any = None, brief: Any = None, api: Any = None,
                      services: Any = None, capacity: Any = None) -> list[Finding]:
    """The rules of one artifact as it is emitted (the API as its rendered OpenAPI document), plus the cross
    rules that artifact can break with what is accepted so far: the brief-aware rules registered `on_emit` for
    it (authorization on the API, schema semantics and declared fields on the schema, the broker on the
    services), and exposing sensitive columns of the accepted schema."""
    from ..render.openapi import openapi_document
    from .engine import RULES

    own = run_rules(kind, subject) if kind not in ("api", "performance") else []  # type: ignore[arg-type]
    bundle = Bundle(brief=brief, data=data, services=services, capacity=capacity)
    if kind == "api":
        bundle.openapi = openapi_document(subject)
        assert bundle.api is not None
        own = run_rules("api", bundle.api)
    elif kind == "data":
        bundle.data = subject
    elif kind == "services":
        bundle.services = subject
    elif kind == "performance":
        bundle.performance = subject
    if bundle.openapi is None and api is not None:
        bundle.openapi = openapi_document(api)
    cross = [r.id for r in RULES.values() if r.artifact == "cross" and kind in r.on_emit]
    if kind == "api":
        cross.append("cross-sensitive-exposed")
    found = own + run_rules("cross", bundle, only=cross)
    if kind == "api":
        from .conformance import unserved_on_emit

        served = RULES["brief-requirement-served"]
        found += [Finding(served.id, served.severity, served.artifact, loc, msg, fix=fix)
                  for loc, msg, fix in unserved_on_emit(bundle)]
    return sort_findings(_in_loop(found))


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
    return dumps_indented(document) + "\n"


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


def by_rule(findings: list[Finding]) -> dict[str, int]:
    """Findings per rule, the worst severity first and then the most frequent: what matters, before the detail."""
    from .engine import SEVERITY_ORDER

    counts = Counter(f.rule_id for f in findings)
    worst: dict[str, int] = {}
    for f in findings:
        worst[f.rule_id] = min(worst.get(f.rule_id, 9), SEVERITY_ORDER[f.severity])
    return dict(sorted(counts.items(), key=lambda kv: (worst[kv[0]], -kv[1], kv[0])))


def _out(handle: IO[str] | None) -> IO[str]:
    import sys

    return handle if handle is not None else sys.stdout


def write_report(handle: IO[str] | None, document: dict[str, Any]) -> None:
    _out(handle).write(dumps_indented(document) + "\n")


_ANSI = {"error": "\033[31m", "warning": "\033[33m", "info": "\033[36m", "bold": "\033[1m", "dim": "\033[2m"}


def write_text(handle: IO[str] | None, findings: list[Finding], kinds: list[str], prose: str | None, *,
               colour: bool) -> None:
    """The terminal report: a summary by rule, then one line per finding (`file:line:column`, as editors jump
    to), then the totals. Plain writes, not a rich table: 100,000 findings print in about a second."""
    import os
    from pathlib import Path

    out = _out(handle)
    paint = colour and out.isatty() and "NO_COLOR" not in os.environ

    def c(style: str, text: str) -> str:
        return f"{_ANSI[style]}{text}\033[0m" if paint else text

    severity = {f.rule_id: f.severity for f in findings}
    lines: list[str] = []
    if findings:
        summary = by_rule(findings)
        width = max(len(r) for r in summary)
        lines.append(c("bold", "Findings by rule"))
        lines += [f"  {count:>7}  {c(severity[r], f'{severity[r]:<7}')}  {r:<{width}}" for r, count in summary.items()]
        lines.append("")
    for f in findings:
        where = Path(f.file).name if f.file else "-"
        where += f":{f.line}" + (f":{f.column}" if f.column else "") if f.line else ""
        at = f"  {c('dim', f.location)}" if f.location and f.location != f.file else ""
        lines.append(f"{where}: {c(f.severity, f.severity)} {f.rule_id}: {f.message}{at}")
    counts = Counter(f.severity for f in findings)
    if findings:
        lines.append("")
    lines.append(f"reviewed {', '.join(kinds) or 'nothing'}: {counts.get('error', 0)} errors, "
                 f"{counts.get('warning', 0)} warnings, {counts.get('info', 0)} notes")
    if prose:
        lines += ["", c("bold", "Model review"), "", prose]
    out.write("\n".join(lines) + "\n")
