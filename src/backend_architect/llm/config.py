"""Settings: flags > environment (OPENAI_API_KEY, OPENAI_BASE_URL, BACKEND_ARCHITECT_MODEL) > the project's
`./backend-architect.toml` > the user's `$XDG_CONFIG_HOME/backend-architect/config.toml` > defaults.

With no key and no base URL the builtin offline model does the work. The API key is read only from
the environment or a flag, never from a config file: project files get committed and shared.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .pricing import Price

__all__ = ["BUILTIN", "BUILTIN_NOTICE", "ConfigError", "DEFAULT_REMOTE_MODEL", "PROJECT_CONFIG", "Settings",
           "config_paths", "resolve_settings"]

BUILTIN = "builtin"
# The builtin model puts this in `system_fingerprint`, so a design made through it says so even when served.
BUILTIN_NOTICE = "offline rule-based model, no LLM"
DEFAULT_REMOTE_MODEL = "gpt-4.1-mini"
PROJECT_CONFIG = "backend-architect.toml"
_KEYS = {"model": str, "base_url": str, "structured_output": str, "timeout": (int, float),
         "max_attempts": int, "deadline": (int, float), "max_total_tokens": int, "max_cost": (int, float),
         "prices": dict, "stream": bool, "phases": bool}


class ConfigError(ValueError):
    pass


@dataclass(frozen=True)
class Settings:
    model: str
    base_url: str | None = None
    # Never printed: repr=False keeps the key out of tracebacks and logs of the settings object.
    api_key: str | None = field(default=None, repr=False)
    timeout: float = 120.0  # seconds per attempt
    max_attempts: int = 3  # network attempts per request, the first included
    deadline: float = 300.0  # seconds for all attempts of one request
    structured_output: str | None = None  # None: the model's profile decides
    max_total_tokens: int | None = None
    max_cost: float | None = None
    stream: bool = False  # the builtin never streams
    prices: Mapping[str, Price] = field(default_factory=dict)
    sources: tuple[str, ...] = ()  # the config files that were read, for `models` and `doctor`
    mode_learned: bool = False  # structured_output came from what `doctor` found (llm/learned.py)
    # The design run in phases with compact schemas (design/phases.py); `phases = false` in the config file
    # offers every tool at once with full schemas and keeps the whole conversation (for large-context models).
    phases: bool = True

    @property
    def builtin(self) -> bool:
        return self.model == BUILTIN

    def secrets(self) -> list[str]:
        return [self.api_key] if self.api_key else []


def config_paths(env: Mapping[str, str], cwd: Path | None = None) -> list[Path]:
    """User file first, project file last: later files override earlier ones."""
    xdg = env.get("XDG_CONFIG_HOME") or str(Path(env.get("HOME", str(Path.home()))) / ".config")
    return [Path(xdg) / "backend-architect" / "config.toml", (cwd or Path.cwd()) / PROJECT_CONFIG]


def _load_file(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the config file ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    if "api_key" in data:
        raise ConfigError(f"{path}: api_key does not belong in a config file; set OPENAI_API_KEY instead")
    for key, value in data.items():
        wanted = _KEYS.get(key)
        if wanted is None:
            raise ConfigError(f"{path}: unknown key {key!r}; known keys: {', '.join(sorted(_KEYS))}")
        if not isinstance(value, wanted) or (isinstance(value, bool) and wanted is not bool):
            raise ConfigError(f"{path}: {key} has the wrong type ({type(value).__name__})")
    if "structured_output" in data:
        _check_mode(data["structured_output"], str(path))
    return data


def _check_mode(mode: str, where: str) -> None:
    from .profiles import MODE_CHOICES

    if mode not in MODE_CHOICES:
        raise ConfigError(f"{where}: unknown structured-output mode {mode!r}; choose one of: "
                          + ", ".join(MODE_CHOICES))


def _prices(raw: Mapping[str, Any], where: str) -> dict[str, Price]:
    from .pricing import Price

    out = {}
    for name, entry in raw.items():
        try:
            out[name] = Price(float(entry["input"]), float(entry["output"]))
        except (TypeError, KeyError, ValueError):
            raise ConfigError(f"{where}: prices.{name} needs numbers 'input' and 'output' (USD per 1M tokens)") \
                from None
    return out


def resolve_settings(
    *,
    model: str | None = None,
    base_url: str | None = None,
    api_key: str | None = None,
    structured_output: str | None = None,
    stream: bool | None = None,
    timeout: float | None = None,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> Settings:
    env = os.environ if env is None else env
    merged: dict[str, Any] = {}
    prices: dict[str, Price] = {}
    sources = []
    for path in config_paths(env, cwd):
        if path.is_file():
            data = _load_file(path)
            prices.update(_prices(data.pop("prices", {}), str(path)))
            merged.update(data)
            sources.append(str(path))
    key = api_key or env.get("OPENAI_API_KEY") or None
    url = base_url or env.get("OPENAI_BASE_URL") or merged.get("base_url") or None
    chosen = model or env.get("BACKEND_ARCHITECT_MODEL") or merged.get("model") or None
    mode = structured_output or merged.get("structured_output")
    learned = False
    if structured_output is not None:
        _check_mode(structured_output, "--structured-output")
    if chosen is None:
        chosen = DEFAULT_REMOTE_MODEL if (key or url) else BUILTIN
    common: dict[str, Any] = {
        "timeout": float(timeout if timeout is not None else merged.get("timeout", 120.0)), "max_attempts": max(int(merged.get("max_attempts", 3)), 1),
        # A --timeout longer than the deadline would be cut short by it: the flag is the person's intent.
        "deadline": max(float(merged.get("deadline", 300.0)), float(timeout or 0)), "max_total_tokens": merged.get("max_total_tokens"),
        "max_cost": merged.get("max_cost"), "prices": prices, "sources": tuple(sources),
        "phases": bool(merged.get("phases", True)),
    }
    if chosen == BUILTIN:
        return Settings(model=BUILTIN, **common)
    if not key and not url:
        raise ConfigError(
            f"model {chosen!r} needs a server: set OPENAI_API_KEY (OpenAI) or --base-url / OPENAI_BASE_URL "
            "(vLLM, Ollama, llama.cpp, a gateway), or use --model builtin"
        )
    if mode is None:
        from .learned import learned_mode

        mode = learned_mode(url, chosen, env)  # what `doctor` found this server and model can do
        learned = mode is not None
    return Settings(model=chosen, base_url=url, api_key=key, structured_output=mode, mode_learned=learned,
                    stream=bool(merged.get("stream", False) if stream is None else stream), **common)
