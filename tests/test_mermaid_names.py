"""Mermaid diagrams survive names that are Mermaid keywords (issue 13: a module named `class` broke the
gym brief's flowchart)."""

from __future__ import annotations

import re

from backend_architect.render.mermaid import er_diagram, service_flowchart
from backend_architect.spec import DatabaseSchema, ServiceArchitecture

KEYWORDS = ["class", "style", "end", "graph", "subgraph", "click"]


def _arch() -> ServiceArchitecture:
    services = [{"name": n, "kind": "module", "bounded_context": n, "description": f"the {n} module",
                 "responsibilities": [f"owns {n}"], "owned_tables": [], "endpoints": [],
                 "depends_on": [{"service": KEYWORDS[(i + 1) % len(KEYWORDS)], "protocol": "in_process",
                                 "reason": "reads"}]}
                for i, n in enumerate(KEYWORDS)]
    return ServiceArchitecture.model_validate({
        "style": "modular_monolith", "rationale": "one team", "services": services,
        "infrastructure": {"databases": ["PostgreSQL"]}})


def test_flowchart_ids_are_never_keywords_and_labels_are_quoted():
    chart = service_flowchart(_arch())
    for line in chart.splitlines()[1:]:
        first = line.split()[0]
        assert first.lower() not in KEYWORDS, line
        for ident in re.findall(r"(?:^|\s|-->|\|)\s*([A-Za-z_][A-Za-z0-9_]*)\[", line):
            assert ident.lower() not in KEYWORDS
    assert 'n_class["class"]' in chart and 'n_end["end"]' in chart


def test_er_entities_named_as_keywords_are_renamed():
    schema = DatabaseSchema.model_validate({"engine": "postgresql", "tables": [
        {"name": "style", "columns": [{"name": "id", "type": "uuid", "primary_key": True, "not_null": True}]},
        {"name": "end", "columns": [{"name": "id", "type": "uuid", "primary_key": True, "not_null": True},
                                    {"name": "style_id", "type": "uuid", "not_null": True,
                                     "references": {"table": "style", "column": "id"}}],
         "indexes": [{"name": "ix_end_style_id", "columns": ["style_id"], "reason": "fk"}]}]})
    diagram = er_diagram(schema)
    assert "    style_ {" in diagram and "    end_ {" in diagram
    assert 'style_ ||--o{ end_ : "style_id"' in diagram
