"""The command line. Thin: parse arguments, call the library, render events, set exit codes.

Heavy modules (the OpenAI SDK, validators) are imported inside commands so `--help` stays fast.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from . import __version__

if TYPE_CHECKING:
    from rich.console import Console

    from .events import Event

__all__ = ["app", "main"]

app = typer.Typer(
    name="backend-architect",
    help="An expert backend architect: give it a requirements brief, get a validated design "
         "(OpenAPI, PostgreSQL DDL, services). Offline by default with the builtin rule-based model.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def _version(value: bool) -> None:
    if value:
        typer.echo(f"backend-architect {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[Optional[bool], typer.Option("--version", callback=_version, is_eager=True,
                                                    help="Show the version and exit.")] = None,
) -> None:
    """backend-architect"""


def _fail(console: Console, message: str, code: int) -> typer.Exit:
    console.print(f"[bold red]error:[/] {message}", highlight=False, markup=True)
    return typer.Exit(code)


@app.command()
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
) -> None:
    """Design a backend from a requirements brief and write the artifacts."""
    from rich.console import Console

    from .agent import Budgets
    from .brief import BriefError, load_brief
    from .config import ConfigError, resolve_settings
    from .frontmatter import FrontMatterError
    from .output import OutputError, slugify
    from .prompts import PersonaError, load_persona

    err = Console(stderr=True, soft_wrap=True)
    try:
        loaded = load_brief(brief)
        settings = resolve_settings(model=model, base_url=base_url)
        persona_obj = load_persona(persona)
    except (BriefError, ConfigError, PersonaError, FrontMatterError) as exc:
        raise _fail(err, str(exc), EXIT_USAGE) from None
    for warning in loaded.warnings:
        err.print(f"[yellow]warning:[/] {warning}", highlight=False)
    if settings.builtin:
        from .config import BUILTIN_NOTICE

        err.print(f"[cyan]note:[/] using the builtin model ({BUILTIN_NOTICE}). Set OPENAI_API_KEY or --base-url "
                  "to design with a real model.", highlight=False)
    out_dir = output or Path("designs") / slugify(loaded.brief.title)
    budgets = Budgets(max_turns=max_turns, max_repairs_per_tool=max_repairs)
    try:
        final, written = asyncio.run(_design(loaded.brief, settings, persona_obj, budgets, out_dir, err))
    except (OutputError, OSError) as exc:
        raise _fail(err, f"cannot write the design to {out_dir}: {exc}", EXIT_FAILED) from None
    _summary(written, out_dir, final)
    from .events import RunFailed

    if isinstance(final, RunFailed):
        raise _fail(err, f"{final.reason} (valid parts saved in {out_dir})", EXIT_FAILED)


async def _design(brief, settings, persona, budgets, out_dir: Path, err: Console):  # type: ignore[no-untyped-def]
    from .agent import run_design
    from .events import RunFailed, RunFinished
    from .knowledge import load_knowledge
    from .llm import make_client
    from .output import write_design
    from .transcript import Transcript

    knowledge = load_knowledge()
    transcript = Transcript(secrets=settings.secrets())
    client = make_client(settings, knowledge=knowledge)
    final = None
    progress = _Progress(err)
    try:
        async for event in run_design(brief, client=client, model=settings.model, persona=persona,
                                      knowledge=knowledge, budgets=budgets, transcript=transcript,
                                      builtin=settings.builtin):
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
        self.console = console
        self.live = console.is_terminal
        self.status = console.status("starting…") if self.live else None
        if self.status:
            self.status.start()

    def show(self, event: Event) -> None:
        from .events import ModelRequested, RunFailed, RunFinished, RunStarted, ToolCalled

        line = None
        if isinstance(event, RunStarted):
            line = f"designing {event.brief_title!r} with model {event.model}"
        elif isinstance(event, ModelRequested):
            if self.status:
                self.status.update(f"turn {event.turn}: waiting for the model…")
        elif isinstance(event, ToolCalled):
            mark = "ok" if event.ok else "needs repair"
            line = f"turn {event.turn}: {event.name}: {mark}: {event.summary}"
            for error in event.errors[:5]:
                line += f"\n    - {error}"
        elif isinstance(event, RunFinished):
            line = (f"finished: {event.usage.requests} requests, {event.usage.total_tokens} tokens")
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
        table.add_row(item.path.name, str(item.size), item.what)
    console.print(table)


def _add_eval() -> None:
    from .evals.cli import eval_app  # typer only at import; the runner loads inside the commands

    app.add_typer(eval_app, name="eval")


_add_eval()


def main() -> None:
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
