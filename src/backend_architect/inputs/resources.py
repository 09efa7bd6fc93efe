"""Where the persona and knowledge folders live.

They are top-level folders of the repository, so that people edit them without
touching code. BACKEND_ARCHITECT_HOME points elsewhere (another checkout, a deployment).
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["home", "knowledge_dir", "prompts_dir"]


def home() -> Path:
    env = os.environ.get("BACKEND_ARCHITECT_HOME")
    if env:
        return Path(env)
    # src/backend_architect/inputs/resources.py -> repository root (editable installs and checkouts).
    return Path(__file__).resolve().parents[3]


def prompts_dir() -> Path:
    return home() / "prompts"


def knowledge_dir() -> Path:
    return home() / "knowledge"
