"""What `doctor` learned about a server and model, kept so that later runs choose their mode by it.

The profile guesses from the model's name; doctor asks the server. Qwen2.5-Coder-1.5B behind
llama-server matches the `qwen` profile (native tools), yet it answers tool requests in text; doctor
sees that, and a run without --structured-output then uses what worked (JSON schema, else text).
Kept per base URL and model in `$XDG_CACHE_HOME/backend-architect/capabilities.json`.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping
from pathlib import Path

__all__ = ["cache_path", "learned_mode", "mode_from_checks", "remember"]


def cache_path(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    root = env.get("XDG_CACHE_HOME") or str(Path(env.get("HOME", str(Path.home()))) / ".cache")
    return Path(root) / "backend-architect" / "capabilities.json"


def _key(base_url: str | None, model: str) -> str:
    return f"{(base_url or 'https://api.openai.com/v1').rstrip('/')} {model}"


def mode_from_checks(works: Mapping[str, bool]) -> str:
    """The best structured-output mode that worked (doctor's check names)."""
    if works.get("tools"):
        return "tools-strict" if works.get("strict tools") else "tools"
    if works.get("JSON schema"):
        return "json_schema"
    return "text"


def _load(path: Path) -> dict[str, dict]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def remember(base_url: str | None, model: str, works: Mapping[str, bool], env: Mapping[str, str] | None = None) -> str:
    """Store doctor's findings; returns the mode they choose."""
    import tempfile

    path = cache_path(env)
    data = _load(path)
    mode = mode_from_checks(works)
    data[_key(base_url, model)] = {"mode": mode, "works": dict(works), "checked": int(time.time())}
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".capabilities.", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(json.dumps(data, indent=1))
    os.replace(tmp, path)  # readers never see half a file
    return mode


def learned_mode(base_url: str | None, model: str, env: Mapping[str, str] | None = None) -> str | None:
    entry = _load(cache_path(env)).get(_key(base_url, model))
    mode = entry.get("mode") if isinstance(entry, dict) else None
    return mode if isinstance(mode, str) else None
