"""Personas: `prompts/NAME.md`, front matter (name, description, version, capabilities) and a body."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .frontmatter import read_front_matter
from .resources import prompts_dir

__all__ = ["Persona", "PersonaError", "load_persona"]

DEFAULT_PERSONA = "backend-architect"


class PersonaError(ValueError):
    pass


@dataclass(frozen=True)
class Persona:
    name: str
    description: str
    version: str
    system_prompt: str
    capabilities: list[dict[str, Any]] = field(default_factory=list)
    path: Path | None = None


def load_persona(name: str = DEFAULT_PERSONA, directory: Path | None = None) -> Persona:
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}", name):
        raise PersonaError(f"persona name {name!r}: use letters, digits, '-' and '_' (a file of prompts/)")
    folder = directory or prompts_dir()
    path = folder / f"{name}.md"
    if not path.is_file():
        known = sorted(p.stem for p in folder.glob("*.md")) if folder.is_dir() else []
        raise PersonaError(f"no persona {name!r} in {folder} (known: {', '.join(known) or 'none'})")
    meta, body = read_front_matter(path)
    if not body.strip():
        raise PersonaError(f"{path}: the persona has no system prompt")
    return Persona(
        name=str(meta.get("name", name)),
        description=str(meta.get("description", "")),
        version=str(meta.get("version", "0")),
        system_prompt=body.strip(),
        capabilities=list(meta.get("capabilities") or []),
        path=path,
    )
