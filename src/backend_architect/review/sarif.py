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
EXTRA_RULES = (("input-unparsable", "error", "A file given to review (or a statement in it) could not be read."),
               ("input-statement-unparsable", "warning", "A SQL statement the PostgreSQL parser cannot read was "
                "skipped; the rest of the file was reviewed."),
               ("input-psql-meta-command", "info", "psql meta-commands (\\c, \\set, \\ir, ...) were skipped: review "
                "reads SQL."),
               ("api-ref-unresolved", "error", "A $ref cannot be followed (missing, outside the document's directory "
                "tree, or remote); what it stands for was not reviewed."),
               ("api-oas-schema", "error", "The OpenAPI document breaks the OpenAPI schema (openapi-spec-validator)."))


def _uri(file: str, cwd: Path) -> str:
    path = Path(file)
    try:
        return path.resolve().relative_to(cwd).as_posix()
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
    cwd, uris = Path.cwd().resolve(), dict[str, str]()
    for f in findings:
        location: dict[str, Any] = {"logicalLocations": [{"fullyQualifiedName": f.location, "kind": "member"}]}
        if f.file:
            if f.file not in uris:  # resolving a path costs system calls: once a file, not once a finding
                uris[f.file] = _uri(f.file, cwd)
            physical: dict[str, Any] = {"artifactLocation": {"uri": uris[f.file]}}
            if f.line:
                physical["region"] = {"startLine": f.line, **({"startColumn": f.column} if f.column else {})}
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
