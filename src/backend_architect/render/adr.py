"""Architecture decision records as MADR files (https://adr.github.io/madr/), one per decision.

Files are `adr/NNNN-<slug>.md`, numbered from 0001 in the order the decisions were recorded.
Numbers come from list position, not from the title, so two titles that slug alike still get
distinct files, and a title can never steer the path (the slug keeps only [a-z0-9-]).
The records carry no date: a design regenerated from the same brief gives the same files.
"""

from __future__ import annotations

from ..spec.decisions import ConsideredOption, Decision
from .files import slugify

__all__ = ["ADR_DIR", "adr_files", "adr_index"]

ADR_DIR = "adr"
_SLUG_LENGTH = 50


def _one_line(text: str) -> str:
    """Titles and list items stay on their line: a newline in one would start new Markdown blocks."""
    return " ".join(text.split())


def _clause(text: str) -> str:
    """Text to follow "because": "It scales" reads "because it scales"; acronyms ("ACID …") stay."""
    text = _one_line(text)
    return text[0].lower() + text[1:] if len(text) > 1 and text[0].isupper() and text[1].islower() else text


def _paths(decisions: list[Decision]) -> list[str]:
    return [f"{ADR_DIR}/{i:04d}-{slugify(d.title, max_length=_SLUG_LENGTH)}.md" for i, d in enumerate(decisions, 1)]


def _bullets(items: list[str], prefix: str = "") -> list[str]:
    return [f"* {prefix}{_clause(item) if prefix else _one_line(item)}" for item in items]


def _option_section(option: ConsideredOption, chosen: bool) -> list[str]:
    lines = [f"### {_one_line(option.name)}" + (" (chosen)" if chosen else ""), ""]
    pros = _bullets(option.pros, "Good, because ")
    cons = _bullets(option.cons, "Bad, because ")
    lines += (pros + cons) or ["* No pros or cons were recorded."]
    return lines + [""]


def _record(number: int, decision: Decision) -> str:
    chosen = _one_line(decision.chosen_option)
    lines = [
        f"# {number:04d}. {_one_line(decision.title)}",
        "",
        f"* Status: {decision.status}",
        "* Deciders: backend-architect (generated design; review with the team)",
        "",
        "## Context and Problem Statement",
        "",
        decision.context.strip(),
        "",
        "## Decision Drivers",
        "",
        *_bullets(decision.decision_drivers),
        "",
        "## Considered Options",
        "",
        *_bullets([o.name for o in decision.considered_options]),
        "",
        "## Decision Outcome",
        "",
        f"Chosen option: \"{chosen}\", because {_clause(decision.justification)}",
        "",
        "### Consequences",
        "",
        *(_bullets(decision.positive_consequences, "Good, because ")
          + _bullets(decision.negative_consequences, "Bad, because ")
          or ["* No consequences were recorded."]),
        "",
        "## Pros and Cons of the Options",
        "",
    ]
    for option in decision.considered_options:
        lines += _option_section(option, option.name == decision.chosen_option)
    return "\n".join(lines).rstrip("\n") + "\n"


def adr_files(decisions: list[Decision]) -> list[tuple[str, str]]:
    """(relative path, Markdown) for each decision, in order."""
    return [(path, _record(i, d)) for i, (path, d) in enumerate(zip(_paths(decisions), decisions), 1)]


def adr_index(decisions: list[Decision]) -> list[tuple[str, str]]:
    """('NNNN. Title', relative path) for each decision: what design.md lists and links."""
    paths = _paths(decisions)
    return [(f"{i:04d}. {_one_line(d.title)}", path) for i, (path, d) in enumerate(zip(paths, decisions), 1)]
