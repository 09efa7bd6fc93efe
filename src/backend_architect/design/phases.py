"""The run in phases: schema → API → services → performance → decisions and finish.

Each phase offers only its tools, with compact schemas and optional detail left to a later phase, and
starts from a fresh conversation: the system prompt, the brief, a summary of what was accepted (names,
not JSON) and the phase's instruction. A request then carries one artifact's schema and one phase's
exchange instead of every schema and every emitted JSON so far: for the example briefs the first
request fell from ~16,000 tokens to under 4,000, and no request exceeds 8,000 (benchmarks/results.md),
so the whole run fits an 8k context and a CPU's prefill takes seconds, not minutes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from .state import DesignState

__all__ = ["ONE_SHOT", "PHASES", "REQUIRED_TOOLS", "Phase", "accepted_summary", "phase_system_prompt"]


@dataclass(frozen=True)
class Phase:
    name: str
    tools: tuple[str, ...]
    instruction: str
    done: Callable[[DesignState], bool]
    # The answer's output budget: this phase's artifact from a capable model fits (the builtin's API for the
    # online shop is ~9,600 tokens); a small model's profile caps it lower (profiles.py), so a runaway answer
    # stops after minutes, not after the hour a CPU takes to write 10,000 tokens.
    max_tokens: int


PHASES: tuple[Phase, ...] = (
    Phase("schema", ("search_knowledge", "estimate_capacity", "emit_database_schema"),
          "Phase 1 of 5, the database. Call estimate_capacity with the brief's numbers, then emit_database_schema: "
          "3NF tables with constraints, one access pattern per query the API will run (name, table, one SQL "
          "statement with $1 parameters, and the index serving it: an explicit index, <table>_pkey or "
          "<table>_<column>_key), each index with the reason it exists. Migrations, scaling and NoSQL come later.",
          lambda s: s.data is not None, 6000),
    Phase("api", ("search_knowledge", "emit_api_spec", "emit_graphql_schema"),
          "Phase 2 of 5, the API. Call emit_api_spec: resources and endpoints over the tables above, versioning, "
          "authentication (a bearer JWT scheme whose refresh_endpoint is 'POST /auth/tokens', and a resource "
          "'auth' with that endpoint, public: auth_required false), public operations auth_required false, rate "
          "limits. GraphQL only if the brief asks for it.",
          lambda s: s.api is not None, 10000),
    Phase("services", ("search_knowledge", "emit_graphql_schema", "emit_service_architecture"),
          "Phase 3 of 5, the services. Call emit_service_architecture: a modular monolith unless the numbers "
          "justify services; each table owned by exactly one module, its endpoints as 'METHOD /path' from the "
          "API above, events only where another module needs them (with an outbox table).",
          lambda s: s.services is not None, 4000),
    Phase("performance", ("estimate_capacity", "emit_performance_plan"),
          "Phase 4 of 5, performance. Call emit_performance_plan: cache layers only where the read:write ratio "
          "calls for them, load balancing, one scaling rule per component, monitoring (SLOs, RED metrics, "
          "burn-rate alerts) and the bottlenecks in the order they bind, quoting the capacity figures.",
          lambda s: s.performance is not None, 3000),
    Phase("finish", ("record_decisions", "amend_database_schema", "finish_design"),
          "Phase 5 of 5, decisions and finish. Call record_decisions (3-5 MADR records: context, at least two "
          "options with pros and cons, the chosen one, consequences), optionally amend_database_schema "
          "(migrations, scaling), then finish_design: a summary, one traceability item per requirement id naming "
          "its endpoints, tables and services exactly as above, and open questions.",
          lambda s: s.finish is not None, 4000),
)

# The one-shot mode: every tool at once, the whole conversation kept (for large models, `phases = false`).
ONE_SHOT = Phase("all", (), "", lambda s: s.finish is not None, 8000)
# What a design cannot be complete without; a tool outside these that runs out of repairs is given up.
REQUIRED_TOOLS = frozenset({"emit_database_schema", "emit_api_spec", "emit_service_architecture", "finish_design"})


def phase_system_prompt(persona_prompt: str) -> str:
    """The persona without its step-by-step workflow: each phase gives its own instruction instead."""
    intro = persona_prompt.split("\n## ", 1)[0].strip()
    rules = re.search(r"^## Rules\n(.*?)(?=^## |\Z)", persona_prompt, re.S | re.M)
    tools_note = ("Work only through tool calls, one tool per answer; never paste JSON or specs in prose. When a "
                  "tool returns errors, fix exactly those and call it again.")
    return "\n\n".join(p for p in (intro, rules.group(1).strip() if rules else "", tools_note) if p)


def accepted_summary(state: DesignState) -> str:
    """What later phases must refer to by name: tables and columns, endpoints, services, capacity figures."""
    lines: list[str] = []
    if state.capacity is not None:
        figures = ", ".join(f"{f.name} {f.value:,.4g} {f.unit}" for f in state.capacity.figures[:10])
        lines.append(f"Capacity (from estimate_capacity; quote, do not recompute): {figures}")
    if state.data is not None:
        lines.append("Accepted database schema, tables (columns): " + "; ".join(
            f"{t.name}({', '.join(c.name for c in t.columns)})" for t in state.data.tables))
        if state.data.access_patterns:
            lines.append("Access patterns: " + ", ".join(p.name for p in state.data.access_patterns))
    if state.data is not None and state.api is None:
        # Said outright: a small model otherwise takes its resources from the knowledge base's examples (the 1.5B
        # model designed orders and payments for a URL shortener after a search returned the shop's gateway).
        lines.append("The API's resources are these tables and auth, nothing else: "
                     + ", ".join(t.name for t in state.data.tables) + ".")
    if state.data is not None and state.api is not None and state.services is None:
        # As for the API: the services phase's knowledge search returns the shop's gateway example, and the 1.5B
        # model gave a URL shortener an order-service and a payment-service.
        lines.append("The services own these tables, each exactly once, nothing else: "
                     + ", ".join(t.name for t in state.data.tables) + ".")
    if state.api is not None:
        lines.append(f"Accepted API endpoints: " + ", ".join(f"{e.method} {state.api.base_path}{e.path}"
                                                             for e in state.api.endpoints()))
    if state.graphql is not None:
        lines.append("Accepted GraphQL root fields: " + ", ".join(sorted(state.graphql_fields() or ())))
    if state.services is not None:
        lines.append(f"Accepted services ({state.services.style}): " + "; ".join(
            f"{s.name} owns {', '.join(s.owned_tables) or 'no tables'}" for s in state.services.services)
            + ("; events: " + ", ".join(e.name for e in state.services.events) if state.services.events else ""))
    if state.performance is not None:
        lines.append("Performance plan accepted.")
    if state.decisions:
        lines.append("Decisions recorded: " + "; ".join(d.title for d in state.decisions))
    return "\n".join(lines)
