"""Architecture review: rules with stable ids over every artifact and across them.

`review_bundle` runs every rule that has what it needs; `RULES` lists them (id, severity, rationale).
"""

from __future__ import annotations

from . import api, cross, data, services  # noqa: F401 - the rule modules register their rules on import
from . import authz, conformance, declared, numbers, ownership, semantics  # noqa: F401 - brief-aware families, registered alike
from .bundle import Bundle
from .engine import RULES, Finding, Rule, Severity, run_rules, sort_findings

__all__ = ["RULES", "Bundle", "Finding", "Rule", "Severity", "all_rules", "review_bundle"]


def all_rules() -> list[Rule]:
    return list(RULES.values())


def review_bundle(bundle: Bundle) -> list[Finding]:
    """Every applicable rule over the bundle; each finding knows the file (and line, when known) it is about."""
    findings = list(bundle.problems)
    subjects = (("api", bundle.api), ("data", bundle.data), ("services", bundle.services))
    for artifact, subject in subjects:
        if subject is None:
            continue
        file = bundle.files.get(artifact)
        lines = bundle.lines.get(artifact, {})
        for f in run_rules(artifact, subject):  # type: ignore[arg-type]
            findings.append(f.at(file, lines.get(f.location) or lines.get(f.location.split(".")[0])))
    design_file = bundle.files.get("design")
    tables = bundle.data.table_names() if bundle.data is not None else set()
    data_lines = bundle.lines.get("data", {})
    for f in run_rules("cross", bundle):
        file = design_file or bundle.files.get("api") or bundle.files.get("data") or bundle.files.get("services")
        line = None
        if f.location.startswith("/"):
            file = bundle.files.get("api", file)
        elif f.location.split(".")[0] in tables and "data" in bundle.files:
            # `table` or `table.column`: the schema file, at the line of the column (or of its table)
            file = bundle.files["data"]
            line = data_lines.get(f.location) or data_lines.get(f.location.split(".")[0])
        elif f.location.startswith("services/") and "services" in bundle.files:
            file = bundle.files["services"]
        findings.append(f.at(file, line))
    if bundle.openapi is not None:
        from .refs import ref_findings

        findings += ref_findings(bundle.api, bundle.refs, bundle.files.get("api"))
    return sort_findings(findings)
