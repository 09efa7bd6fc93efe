"""`design`: a brief in, a design directory out. Listed on the app by `cli/lazy.py`, imported when it runs."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from .common import EXIT_FAILED, EXIT_USAGE, fail

if TYPE_CHECKING:
    import asyncio

    from rich.console import Console

    from ..design.events import Event, RunFailed, RunFinished
    from ..design.output import Staging, WrittenFile
    from ..inputs.brief import Brief

__all__ = ["design"]


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
    force: Annotated[bool, typer.Option("--force", help="Replace files in the output directory that have one of "
                                        "the design's names but were not written by backend-architect.")] = False,
) -> None:
    """Design a backend from a requirements brief and write the artifacts."""
    from rich.console import Console

    from ..design.agent import Budgets
    from ..inputs.brief import BriefError, load_brief
    from ..llm.config import ConfigError, resolve_settings
    from ..inputs.frontmatter import FrontMatterError
    from ..design.output import OutputError, prepare, slugify
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
    nothing = _nothing_to_design(loaded.brief)
    if nothing:
        raise fail(err, nothing, EXIT_USAGE)
    if settings.builtin:
        from ..llm.config import BUILTIN_NOTICE

        err.print(f"[cyan]note:[/] using the builtin model ({BUILTIN_NOTICE}). Set OPENAI_API_KEY or --base-url "
                  "to design with a real model.", highlight=False)
    out_dir = output or Path("designs") / slugify(loaded.brief.title)
    budgets = Budgets(max_turns=max_turns, max_repairs_per_tool=max_repairs,
                      max_total_tokens=max_tokens or settings.max_total_tokens, max_cost=settings.max_cost)
    try:  # before any request is paid for: a run that could not write its result is not started
        staging = prepare(out_dir, force=force)
    except OutputError as exc:
        raise fail(err, f"cannot write the design to {out_dir}: {exc}", EXIT_USAGE) from None
    for note in staging.recovered:
        err.print(f"[cyan]note:[/] {note}", highlight=False)
    try:
        import asyncio  # here, not at the top: `--help` and the other commands start faster

        final, stopped_by = asyncio.run(_design(loaded.brief, settings, persona_obj, budgets, staging, err))
        with _signals_deferred() as deferred:  # the few renames that keep the result are not cut short
            code = _write(final, staging, err)
        stopped_by = stopped_by or deferred[0]
    except Exception:
        if staging.path.exists():  # a fault of ours must not take the transcript of a paid run with it
            _keep(staging, [], err)
        raise
    finally:
        staging.discard()  # gone already unless writing failed
    if stopped_by:
        raise typer.Exit(128 + stopped_by)
    if code:
        raise typer.Exit(code)
    if verify:
        from .review import verify_written

        verify_written(out_dir)


@contextmanager
def _signals_deferred() -> Iterator[list[int]]:
    """Ctrl-C or SIGTERM while the result is written is noted, not obeyed: the writing takes milliseconds,
    and an exception in the middle of it could lose what it was keeping."""
    import signal

    noted = [0]

    def note(number: int, _frame: object) -> None:
        noted[0] = noted[0] or number

    try:
        previous = {sig: signal.signal(sig, note) for sig in (signal.SIGINT, signal.SIGTERM)}
    except ValueError:  # not the main thread: nothing to defer
        yield noted
        return
    try:
        yield noted
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _nothing_to_design(brief: Brief) -> str | None:
    """Why a brief cannot be designed by any model, or None: a title alone says nothing to design (nor does a
    requirement that only repeats it, which is what a Markdown brief of one heading becomes)."""
    title = brief.title.strip().rstrip(".").casefold()
    said = [r for r in brief.requirements if r.text.strip().rstrip(".").casefold() != title]
    if said or brief.entities or brief.summary.strip():
        return None
    return (f"the brief {brief.title!r} has a title and nothing else to design: add requirements (what the system "
            "must do), a summary, or the entities it stores")


def _write(final: RunFinished | RunFailed, staging: Staging, err: Console) -> int:
    """Put the result where it belongs and say so once; the exit code (0, 1, or 2 for a person's file)."""
    from ..design.events import RunFinished
    from ..design.output import OutputConflict, OutputError, has_content, incomplete_files, render_files

    unchanged = (f"{staging.shown} is unchanged" if staging.target.exists() else f"{staging.shown} was not created")
    if isinstance(final, RunFinished):
        files = render_files(final.design)
        try:
            _summary(staging.commit(files), staging.shown, final, "Design written to")
            return 0
        except (OutputError, OSError) as exc:
            where = f"; the design is in {staging.kept_in}" if _keep(staging, files, err) else ""
            fail(err, f"cannot put the design in {staging.shown}: {exc}{where}",
                 EXIT_USAGE if isinstance(exc, OutputConflict) else EXIT_FAILED)
            return EXIT_USAGE if isinstance(exc, OutputConflict) else EXIT_FAILED
    written = _keep(staging, incomplete_files(final.design), err)
    if not written:
        fail(err, f"{final.reason} ({unchanged})", EXIT_FAILED)
    elif has_content(final.design):
        _summary(written, staging.kept_in, final, "Incomplete design (the valid parts) kept in")
        fail(err, f"{final.reason} (the valid parts are in {staging.kept_in}; {unchanged})", EXIT_FAILED)
    else:
        fail(err, f"{final.reason} (nothing valid was produced; the transcript is in "
                  f"{staging.kept_in / 'transcript.jsonl'}; {unchanged})", EXIT_FAILED)
    return EXIT_FAILED


def _keep(staging: Staging, files: list[tuple[str, str, str]], err: Console) -> list[WrittenFile]:
    from ..design.output import OutputError

    try:
        return staging.keep_incomplete(files)
    except (OutputError, OSError) as exc:
        err.print(f"[yellow]warning:[/] could not keep the run in {staging.incomplete_shown}: {exc}", highlight=False)
        return []


async def _design(brief, settings, persona, budgets, staging: Staging,  # type: ignore[no-untyped-def]
                  err: Console) -> tuple[RunFinished | RunFailed, int]:
    """The run; Ctrl-C and SIGTERM end it like a failure, with what was accepted so far. Returns the last
    event and the signal that stopped it (0 if none)."""
    import asyncio
    import signal

    from ..design.agent import run_design
    from ..design.events import RunFailed, RunFinished, Usage
    from ..design.state import DesignState
    from ..inputs.knowledge import load_knowledge
    from ..llm import make_client
    from ..llm.client import retry_policy
    from ..llm.profiles import resolve_profile
    from ..llm.threaded import threaded_builtin_client
    from ..llm.transcript import Transcript

    knowledge = load_knowledge()
    transcript = Transcript(secrets=settings.secrets())
    transcript.stream_to(staging.transcript_path)
    state, usage = DesignState(brief=brief, knowledge=knowledge), Usage()
    # The builtin model in a thread, so that SIGTERM stops it mid-answer too (see llm/threaded.py).
    client = make_client(settings, knowledge=knowledge,
                         http_client=threaded_builtin_client(knowledge) if settings.builtin else None)
    final: RunFinished | RunFailed | None = None
    progress = _Progress(err)
    stopped_by: list[int] = []
    task, loop = asyncio.current_task(), asyncio.get_running_loop()
    assert task is not None

    def on_signal(number: int) -> None:
        if not stopped_by:  # the first one stops the run; a second must not break the writing of what is kept
            stopped_by.append(number)
            task.cancel()

    handled = [sig for sig in (signal.SIGINT, signal.SIGTERM) if _handle(loop, sig, on_signal)]
    try:
        async for event in run_design(brief, client=client, model=settings.model, persona=persona,
                                      knowledge=knowledge, budgets=budgets, transcript=transcript,
                                      builtin=settings.builtin, retry=retry_policy(settings),
                                      profile=resolve_profile(settings.model, settings.structured_output),
                                      prices=settings.prices, base_url=settings.base_url,
                                      stream=settings.stream, phased=settings.phases, state=state, usage=usage):
            progress.show(event)
            if isinstance(event, (RunFinished, RunFailed)):
                final = event
    except asyncio.CancelledError:
        if not stopped_by:
            raise
        task.uncancel()
        reason = "interrupted (Ctrl-C)" if stopped_by[0] == signal.SIGINT else "stopped by SIGTERM"
        transcript.record("outcome", usage.requests, {"status": "interrupted", "reason": reason,
                                                      "usage": usage.as_dict()})
        final = RunFailed(reason=reason, design=state.design(model=settings.model, builtin=settings.builtin,
                                                             failure=reason), usage=usage)
    finally:
        progress.stop()
        try:
            await client.close()
        except asyncio.CancelledError:  # the signal came after the last event: the result stands
            if not stopped_by:
                raise
            task.uncancel()
        finally:
            for sig in handled:
                loop.remove_signal_handler(sig)
            transcript.close()
    assert final is not None
    return final, (stopped_by[0] if stopped_by else 0)


def _handle(loop: asyncio.AbstractEventLoop, sig: int, handler) -> bool:  # type: ignore[no-untyped-def]
    try:
        loop.add_signal_handler(sig, handler, sig)
        return True
    except (NotImplementedError, RuntimeError, ValueError):  # not the main thread, or no signals here
        return False


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
        from ..design.events import ModelRequested, ModelResponded, RunFinished, RunStarted, ToolCalled

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
        if line:
            self.console.print(line, highlight=False, markup=False)

    def stop(self) -> None:
        if self.status:
            self.status.stop()


def _summary(written, out_dir: Path, final, title: str) -> None:  # type: ignore[no-untyped-def]
    from rich.console import Console
    from rich.table import Table

    console = Console()
    table = Table(title=f"{title} {out_dir}", title_justify="left")
    table.add_column("file")
    table.add_column("bytes", justify="right")
    table.add_column("what")
    for item in written:
        table.add_row(str(item.path.relative_to(out_dir)), str(item.size), item.what)
    console.print(table)
    console.print(f"usage: {final.usage.describe()}", highlight=False)
