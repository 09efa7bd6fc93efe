"""Mermaid diagrams generated from the models (never written by the model)."""

from __future__ import annotations

import re

from ..spec.data import DatabaseSchema
from ..spec.services import Saga, ServiceArchitecture

__all__ = ["er_diagram", "saga_sequence", "service_flowchart"]


# Words Mermaid's grammars reserve: a node or entity named `class`, `style`, `end` or `graph` breaks the diagram.
_RESERVED = {"end", "class", "classdef", "style", "linkstyle", "graph", "flowchart", "subgraph", "click", "call",
             "href", "direction", "default", "interpolate", "erdiagram", "sequencediagram", "participant", "actor",
             "loop", "alt", "else", "opt", "par", "and", "rect", "critical", "break", "note", "over", "left", "right",
             "of", "activate", "deactivate", "autonumber", "box", "title", "accdescr", "acctitle"}


def _ident(text: str) -> str:
    """A safe id: only letters, digits and underscores, never a reserved word, never starting with a digit."""
    ident = re.sub(r"[^A-Za-z0-9_]", "_", text) or "_"
    if ident.lower() in _RESERVED or ident[0].isdigit():
        ident = f"{ident}_"
    return ident


def _node(text: str) -> str:
    """Flowchart and sequence ids carry a prefix, so no name can be read as a keyword."""
    return "n_" + re.sub(r"[^A-Za-z0-9_]", "_", text)


def _label(text: str) -> str:
    """A quoted label: quotes become #quot; (Mermaid's entity code)."""
    return '"' + text.replace('"', "#quot;") + '"'


def er_diagram(schema: DatabaseSchema) -> str:
    lines = ["erDiagram"]
    enum_names = {e.name for e in schema.enums}
    for table in schema.tables:
        lines.append(f"    {_ident(table.name)} {{")
        for col in table.columns:
            kind = "enum" if col.type in enum_names else col.type
            kind = _ident(kind.split("(")[0].replace(" ", "_"))
            keys = ", ".join(k for k, on in (("PK", col.primary_key), ("FK", col.references is not None),
                                            ("UK", col.unique)) if on)
            lines.append(f"        {kind} {_ident(col.name)}{' ' + keys if keys else ''}")
        lines.append("    }")
    for table in schema.tables:
        for col in table.columns:
            fk = col.references
            if fk is None:
                continue
            one = col.unique or (col.primary_key and len(table.primary_key()) == 1)
            lines.append(f'    {_ident(fk.table)} ||--{"o|" if one else "o{"} {_ident(table.name)} : "{col.name}"')
    return "\n".join(lines)


def service_flowchart(arch: ServiceArchitecture) -> str:
    lines = ["flowchart LR", "    client([Clients])"]
    gateway = arch.infrastructure.api_gateway
    if gateway:
        lines.append(f"    gw[{_label(gateway.name)}]")
        lines.append("    client --> gw")
    for svc in arch.services:
        lines.append(f"    {_node(svc.name)}[{_label(svc.name)}]")
        if gateway and any(r.service == svc.name for r in gateway.routes):
            lines.append(f"    gw --> {_node(svc.name)}")
    for svc in arch.services:
        for dep in svc.depends_on:
            lines.append(f"    {_node(svc.name)} -->|{_label(dep.protocol)}| {_node(dep.service)}")
    publishers = {e: s.name for s in arch.services for e in s.events_published}
    if arch.events:
        broker = arch.infrastructure.message_broker or "events"
        lines.append(f"    bus{{{{{_label(broker)}}}}}")
        for svc in arch.services:
            for event in svc.events_published:
                lines.append(f"    {_node(svc.name)} -.->|{_label(event)}| bus")
            for event in svc.events_subscribed:
                if event in publishers:
                    lines.append(f"    bus -.->|{_label(event)}| {_node(svc.name)}")
    return "\n".join(lines)


def _text(text: str) -> str:
    # Mermaid ends a message at ';' and a line at '#'; neither belongs in a label.
    return re.sub(r"[;#\n]", ",", text)


def saga_sequence(saga: Saga) -> str:
    """The happy path, then the compensations in reverse, as a sequence diagram."""
    lead = saga.orchestrator or saga.steps[0].service
    lines = ["sequenceDiagram"]
    for name in dict.fromkeys([lead] + [s.service for s in saga.steps]):
        lines.append(f"    participant {_node(name)} as {_text(name)}")
    for step in saga.steps:
        lines.append(f"    {_node(lead)}->>{_node(step.service)}: {_text(step.action)}")
    compensable = [s for s in saga.steps if s.compensation]
    if compensable:
        lines.append("    alt a later step fails")
        for step in reversed(compensable):
            lines.append(f"        {_node(lead)}->>{_node(step.service)}: {_text(step.compensation or '')}")
        lines.append("    end")
    return "\n".join(lines)
