"""Findings as SARIF 2.1.0, the format code-scanning dashboards (GitHub, GitLab, Azure DevOps) read."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from .engine import Finding, Rule

__all__ = ["SARIF_SCHEMA", "sarif_log"]

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
_LEVEL = {"error": "error", "warning": "warning", "info": "note"}
# Findings that come from outside the rule registry: inputs that cannot be read, and `--validate`.
EXTRA_RULES = (("input-unparsable", "error", "A file given to review could not be read as an artifact."),
               ("api-oas-schema", "error", "The OpenAPI document breaks the OpenAPI schema (openapi-spec-validator)."))


@functools.lru_cache(maxsize=256)
def _uri(file: str) -> str:  # cached: resolving a path is a system call, and thousands of findings share a file
    path = Path(file)
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.resolve().as_uri()


def sarif_log(findings: list[Finding], rules: list[Rule], *, version: str) -> dict[str, Any]:
    descriptors: list[dict[str, Any]] = [
        {"id": r.id, "name": r.id.replace("-", " ").title().replace(" ", ""),
         "shortDescription": {"text": r.title}, "fullDescription": {"text": r.rationale},
         "help": {"text": f"{r.title}. {r.rationale}"},
         "defaultConfiguration": {"level": _LEVEL[r.severity]},
         "properties": {"artifact": r.artifact, "tags": [r.id.split("-", 1)[0]]}}
        for r in rules
    ]
    for rule_id, severity, text in EXTRA_RULES:
        descriptors.append({"id": rule_id, "shortDescription": {"text": text},
                            "defaultConfiguration": {"level": _LEVEL[severity]}})
    position = {d["id"]: i for i, d in enumerate(descriptors)}
    results = []
    for f in findings:
        location: dict[str, Any] = {"logicalLocations": [{"fullyQualifiedName": f.location, "kind": "member"}]}
        if f.file:
            physical: dict[str, Any] = {"artifactLocation": {"uri": _uri(f.file)}}
            if f.line:
                physical["region"] = {"startLine": f.line}
            location["physicalLocation"] = physical
        result: dict[str, Any] = {"ruleId": f.rule_id, "level": _LEVEL[f.severity], "message": {"text": f.message},
                                  "locations": [location]}
        if f.rule_id in position:
            result["ruleIndex"] = position[f.rule_id]
        results.append(result)
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "backend-architect", "version": version, "semanticVersion": version,
                                "informationUri": "https://github.com/backend-architect/backend-architect",
                                "rules": descriptors}},
            "results": results,
        }],
    }
