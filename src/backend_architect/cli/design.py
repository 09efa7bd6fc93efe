"""`design`: a brief in, a design directory out. Registered on the app by `cli/app.py`."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from .common import EXIT_FAILED, EXIT_USAGE, fail

if TYPE_CHECKING:
    from rich.console import Console

    from ..design.events import Event

__all__ = ["register"]


def design(
    brief: Annotated[str, typer.Argument(help="A YAML or Markdown/plain-text brief, or '-' for standard input.")],
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Output directory "
                                                   "[default: designs/<slug of the title>].")] = None,
    model: Annotated[Optional[str], typer.Option("--model", "-m", help="Model name, or 'builtin' for the offline "
                                                 "rule-based model [env: BACKEND_ARCHITECT_MODEL].")] = None,
    base_url: Annotated[Optional[str], typer.Option("--base-url", help="An OpenAI-compatible server "
                                                    "[env: OPENAI_BASE_URL].")] = None,
    persona: Annotated[str, typer.Option("--persona", help="A persona file of prompts/.")] = "backend-architect",
    max_turns: Annotated[int, typer.Option("--max-turns", min=1, max=100, help="Turn budget.")] = 16,
    max_repairs: Annotated[int, typer.Option("--max-repairs", min=0, max=20, help="Repairs per tool.")] = 3,
    structured_output: Annotated[Optional[str], typer.Option(
        "--structured-output", metavar="MODE", help="Force how tool calls are obtained: tools, tools-strict, "
        "json_schema, json_object or text [default: the model's profile].")] = None,
    max_tokens: Annotated[Optional[int], typer.Option("--max-tokens", min=1, help="Total token budget of the "
                                                      "run.")] = None,
    stream: Annotated[Optional[bool], typer.Option("--stream/--no-stream", help="Stream the model's answers "
                                                   "[default: off, or `stream` in the config file].")] = None,
    timeout: Annotated[Optional[float], typer.Option("--timeout", min=1, help="Seconds to wait for one answer "
                                                    "[default: `timeout` in the config file, else 120].")] = None,
    verify: Annotated[bool, typer.Option("--verify", help="Then prove schema.sql and the access patterns on a "
                                         "throwaway PostgreSQL (the [verify] extra).")] = False,
) -> None:
    """Design a backend from a requirements brief and write the artifacts."""
    from rich.console import Console

    from ..design.agent import Budgets
    from ..inputs.brief import BriefError, load_brief
    from ..llm.config import ConfigError, resolve_settings
    from ..inputs.frontmatter import FrontMatterError
    from ..design.output import OutputError, slugify
    from ..inputs.prompts import PersonaError, load_persona

    err = Console(stderr=True, soft_wrap=True)
    try:
        loaded = load_brief(brief)
        settings = resolve_settings(model=model, base_url=base_url, structured_output=structured_output,
                                    stream=stream, timeout=timeout)
        persona_obj = load_persona(persona)
    except (BriefError, ConfigError, PersonaError, FrontMatterError) as exc:
        raise fail(err, str(exc), EXIT_USAGE) from None
    for warning in loaded.warnings:
        err.print(f"[yellow]warning:[/] {warning}", highlight=False)
    if settings.builtin:
        from ..llm.config import BUILTIN_NOTICE

        err.print(f"[cyan]note:[/] using the builtin model ({BUILTIN_NOTICE}). Set OPENAI_API_KEY or --base-url "
                  "to design with a real model.", highlight=False)
    out_dir = output or Path("designs") / slugify(loaded.brief.title)
    budgets = Budgets(max_turns=max_turns, max_repairs_per_tool=max_repairs,
                      max_total_tokens=max_tokens or settings.max_total_tokens, max_cost=settings.max_cost)
    try:
        final, written = asyncio.run(_design(loaded.brief, settings, persona_obj, budgets, out_dir, err))
    except (OutputError, OSError) as exc:
        raise fail(err, f"cannot write the design to {out_dir}: {exc}", EXIT_FAILED) from None
    _summary(written, out_dir, final)
    from ..design.events import RunFailed

    if isinstance(final, RunFailed):
        raise fail(err, f"{final.reason} (valid parts saved in {out_dir})", EXIT_FAILED)
    if verify:
        from .review import verify_written

        verify_written(out_dir)


async def _design(brief, settings, persona, budgets, out_dir: Path, err: Console):  # type: ignore[no-untyped-def]
    from ..design.agent import run_design
    from ..design.events import RunFailed, RunFinished
    from ..inputs.knowledge import load_knowledge
    from ..llm import make_client
    from ..llm.client import retry_policy
    from ..llm.profiles import resolve_profile
    from ..design.output import write_design
    from ..llm.transcript import Transcript

    knowledge = load_knowledge()
    transcript = Transcript(secrets=settings.secrets())
    client = make_client(settings, knowledge=knowledge)
    final = None
    progress = _Progress(err)
    try:
        async for event in run_design(brief, client=client, model=settings.model, persona=persona,
                                      knowledge=knowledge, budgets=budgets, transcript=transcript,
                                      builtin=settings.builtin, retry=retry_policy(settings),
                                      profile=resolve_profile(settings.model, settings.structured_output),
                                      prices=settings.prices, base_url=settings.base_url,
                                      stream=settings.stream, phased=settings.phases):
            progress.show(event)
            if isinstance(event, (RunFinished, RunFailed)):
                final = event
    finally:
        progress.stop()
        await client.close()
    assert final is not None
    written = write_design(out_dir, final.design, transcript.text())
    return final, written


class _Progress:
    """A spinner with the current step on a terminal; plain lines when piped."""

    def __init__(self, console: Console):
        from ..design.progress import ProgressLines

        self.console = console
        self.lines = ProgressLines()
        self.live = console.is_terminal
        self.status = console.status("starting…") if self.live else None
        if self.status:
            self.status.start()

    def show(self, event: Event) -> None:
        from ..design.events import ModelRequested, ModelResponded, RunFailed, RunFinished, RunStarted, ToolCalled

        line = None
        if isinstance(event, RunStarted):
            line = f"designing {event.brief_title!r} with model {event.model}"
        elif isinstance(event, (ModelRequested, ModelResponded)):
            line = self.lines.line(event)  # also when piped: a slow local model must not look like a hang
            if self.status and isinstance(event, ModelRequested):
                self.status.update(line or "")
                line = None
        elif isinstance(event, ToolCalled):
            mark = "ok" if event.ok else "needs repair"
            line = f"turn {event.turn}: {event.name}: {mark}: {event.summary}"
            for error in event.errors[:5]:
                line += f"\n    - {error}"
        elif isinstance(event, RunFinished):
            line = f"finished: {event.usage.describe()}"
        elif isinstance(event, RunFailed):
            line = f"stopped: {event.reason}"
        if line:
            self.console.print(line, highlight=False, markup=False)

    def stop(self) -> None:
        if self.status:
            self.status.stop()


def _summary(written, out_dir: Path, final) -> None:  # type: ignore[no-untyped-def]
    from rich.console import Console
    from rich.table import Table

    console = Console()
    table = Table(title=f"Design written to {out_dir}", title_justify="left")
    table.add_column("file")
    table.add_column("bytes", justify="right")
    table.add_column("what")
    for item in written:
        table.add_row(str(item.path.relative_to(out_dir)), str(item.size), item.what)
    console.print(table)
    console.print(f"usage: {final.usage.describe()}", highlight=False)


def register(app: typer.Typer) -> None:
    app.command("design")(design)
