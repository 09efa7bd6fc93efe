"""Settings: flags > environment (OPENAI_API_KEY, OPENAI_BASE_URL, BACKEND_ARCHITECT_MODEL) > defaults.

With no key and no base URL the builtin offline model does the work.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["BUILTIN", "BUILTIN_NOTICE", "ConfigError", "DEFAULT_REMOTE_MODEL", "Settings", "resolve_settings"]

BUILTIN = "builtin"
# The builtin model puts this in `system_fingerprint`, so a design made through it says so even when served.
BUILTIN_NOTICE = "offline rule-based model, no LLM"
DEFAULT_REMOTE_MODEL = "gpt-4.1-mini"


class ConfigError(ValueError):
    pass


@dataclass(frozen=True)
class Settings:
    model: str
    base_url: str | None = None
    # Never printed: repr=False keeps the key out of tracebacks and logs of the settings object.
    api_key: str | None = field(default=None, repr=False)
    timeout: float = 120.0
    max_retries: int = 2

    @property
    def builtin(self) -> bool:
        return self.model == BUILTIN

    def secrets(self) -> list[str]:
        return [self.api_key] if self.api_key else []


def resolve_settings(
    *,
    model: str | None = None,
    base_url: str | None = None,
    api_key: str | None = None,
    env: Mapping[str, str] | None = None,
) -> Settings:
    env = os.environ if env is None else env
    key = api_key or env.get("OPENAI_API_KEY") or None
    url = base_url or env.get("OPENAI_BASE_URL") or None
    chosen = model or env.get("BACKEND_ARCHITECT_MODEL") or None
    if chosen is None:
        chosen = DEFAULT_REMOTE_MODEL if (key or url) else BUILTIN
    if chosen == BUILTIN:
        return Settings(model=BUILTIN)
    if not key and not url:
        raise ConfigError(
            f"model {chosen!r} needs a server: set OPENAI_API_KEY (OpenAI) or --base-url / OPENAI_BASE_URL "
            "(vLLM, Ollama, llama.cpp, a gateway), or use --model builtin"
        )
    return Settings(model=chosen, base_url=url, api_key=key)
