"""The command line. Thin: parse arguments, call the library, render events, set exit codes.

Heavy modules (the OpenAI SDK, validators) are imported inside commands so `--help` stays fast; the commands
with modules of their own (design, review, verify, eval: see `lazy.LAZY_COMMANDS`) are imported only when
they run, or when `--help` lists them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from .. import __version__
from .common import EXIT_USAGE, fail
from .lazy import LazyGroup

__all__ = ["app", "main"]

app = typer.Typer(
    name="backend-architect",
    cls=LazyGroup,
    help="An expert backend architect: give it a requirements brief, get a validated design "
         "(OpenAPI, PostgreSQL DDL, services). Offline by default with the builtin rule-based model.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)



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


@app.command()
def models(
    model: Annotated[Optional[str], typer.Option("--model", "-m", help="Model name.")] = None,
    base_url: Annotated[Optional[str], typer.Option("--base-url", help="An OpenAI-compatible server.")] = None,
    structured_output: Annotated[Optional[str], typer.Option("--structured-output", metavar="MODE")] = None,
) -> None:
    """Known model profiles, and what the current configuration resolves to (the key is never shown)."""
    from .doctor import show_models

    show_models(model, base_url, structured_output)


@app.command()
def doctor(
    model: Annotated[Optional[str], typer.Option("--model", "-m", help="Model name.")] = None,
    base_url: Annotated[Optional[str], typer.Option("--base-url", help="An OpenAI-compatible server.")] = None,
) -> None:
    """Check the endpoint with small requests: chat, tools, strict tools, JSON schema, streaming."""
    from .doctor import doctor as run_doctor

    run_doctor(model, base_url)


@app.command()
def chat(
    brief: Annotated[Optional[Path], typer.Option("--brief", "-b", help="Start from this brief.")] = None,
    model: Annotated[Optional[str], typer.Option("--model", "-m", help="Model name, or 'builtin' "
                                                 "[env: BACKEND_ARCHITECT_MODEL].")] = None,
    base_url: Annotated[Optional[str], typer.Option("--base-url", help="An OpenAI-compatible server "
                                                    "[env: OPENAI_BASE_URL].")] = None,
    persona: Annotated[str, typer.Option("--persona", help="A persona file of prompts/.")] = "backend-architect",
    resume_last: Annotated[bool, typer.Option("--continue", "-c", help="Resume the last session.")] = False,
    session: Annotated[Optional[str], typer.Option("--session", "-s", help="Resume (or name) a session.")] = None,
    structured_output: Annotated[Optional[str], typer.Option(
        "--structured-output", metavar="MODE", help="How tool calls are obtained: 'tools' natively; any other mode "
        "puts the tools in the prompt [default: the model's profile, or what doctor learned].")] = None,
) -> None:
    """Chat with the architect in the terminal, and leave with a design (/help inside)."""
    from rich.console import Console

    from .chat import UsageError, chat_main

    try:
        chat_main(brief=brief, model=model, base_url=base_url, persona=persona, resume_last=resume_last,
                  session=session, structured_output=structured_output)
    except UsageError as exc:
        raise fail(Console(stderr=True, soft_wrap=True), str(exc), EXIT_USAGE) from None


@app.command()
def sessions() -> None:
    """List the stored chat sessions, the latest first."""
    from .chat import sessions_main

    sessions_main()


def main() -> None:
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
