"""`backend-architect models` and `backend-architect doctor`: what the configuration resolves to, and
what the endpoint can do. Registered in cli/app.py; kept here so app.py stays thin. Never prints the key."""

from __future__ import annotations

import asyncio

import typer
from rich.console import Console
from rich.table import Table

from ..llm.config import ConfigError, Settings, resolve_settings

__all__ = ["doctor", "show_models"]


def _settings(console: Console, model: str | None, base_url: str | None, mode: str | None) -> Settings:
    try:
        return resolve_settings(model=model, base_url=base_url, structured_output=mode)
    except ConfigError as exc:
        console.print(f"[bold red]error:[/] {exc}", highlight=False)
        raise typer.Exit(2) from None


def _describe(settings: Settings) -> list[tuple[str, str]]:
    from ..llm.pricing import price_for
    from ..llm.profiles import resolve_profile

    profile = resolve_profile(settings.model, settings.structured_output)
    price = price_for(settings.model, settings.prices)
    return [
        ("model", settings.model),
        ("server", "in-process (builtin)" if settings.builtin else settings.base_url or "https://api.openai.com/v1"),
        ("API key", "set" if settings.api_key else "not set"),
        ("profile", f"{profile.name}: {profile.mode}" + (" (strict)" if profile.strict else "")
         + (" (learned by doctor)" if settings.mode_learned else "")
         + (", strips <think>" if profile.think else "")),
        ("retries", "none: in-process" if settings.builtin else
         f"{settings.max_attempts} attempts within {settings.deadline:g} s, {settings.timeout:g} s each"),
        ("price", f"${price.input:g} in / ${price.output:g} out per 1M tokens" if price else "unknown"),
        ("config files", ", ".join(settings.sources) or "none"),
    ]


def _pairs(console: Console, title: str, rows: list[tuple[str, str]]) -> None:
    table = Table(title=title, title_justify="left", show_header=False)
    table.add_column(style="bold")
    table.add_column()
    for key, value in rows:
        table.add_row(key, value)
    console.print(table)


def show_models(model: str | None, base_url: str | None, mode: str | None) -> None:
    from ..llm.profiles import KNOWN_PROFILES

    console = Console()
    table = Table(title="Known model profiles (first match wins)", title_justify="left")
    for column in ("profile", "model names matching", "structured output", "notes"):
        table.add_column(column)
    for p in KNOWN_PROFILES:
        table.add_row(p.name, p.pattern, p.mode + (" strict" if p.strict else "") + (" <think>" if p.think else ""),
                      p.notes)
    console.print(table)
    _pairs(console, "The current configuration resolves to", _describe(_settings(Console(stderr=True), model,
                                                                                 base_url, mode)))


def doctor(model: str | None, base_url: str | None) -> None:
    from ..design.tools import default_registry
    from ..llm import make_client
    from ..llm.doctor import Check, run_checks

    console = Console()
    settings = _settings(Console(stderr=True), model, base_url, None)
    _pairs(console, "Configuration", _describe(settings))
    console.print("probing: one request per capability, each without retries…", highlight=False)

    def progress(name: str, check: Check | None, seconds: float) -> None:
        if check is None:
            console.print(f"  {name}: asking…", highlight=False)
        else:
            console.print(f"  {name}: {'yes' if check.ok else 'no'} after {seconds:.1f} s", highlight=False)

    async def go() -> list[Check]:
        client = make_client(settings)
        try:
            search_tool = next(s for s in default_registry().schemas() if s["function"]["name"] == "search_knowledge")
            return await run_checks(client, settings.model, search_tool, base_url=settings.base_url,
                                    on_check=progress)
        finally:
            await client.close()

    checks = asyncio.run(go())
    from ..llm.learned import remember

    if checks[0].ok and not settings.builtin:
        mode = remember(settings.base_url, settings.model, {c.name: c.ok for c in checks})
        console.print(f"structured output for this server and model from now on: {mode} (unless --structured-output "
                      "or the config file says otherwise)", highlight=False)
    table = Table(title="What the endpoint can do", title_justify="left")
    for column in ("capability", "works", "detail"):
        table.add_column(column)
    for check in checks:
        table.add_row(check.name, "[green]yes[/]" if check.ok else "[red]no[/]", check.detail)
    console.print(table)
    if not checks[0].ok:
        raise typer.Exit(1)
