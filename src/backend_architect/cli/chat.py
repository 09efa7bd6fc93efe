"""`backend-architect chat` and `backend-architect sessions`: set up, then hand over to the ChatApp."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console

if TYPE_CHECKING:
    from prompt_toolkit.input import Input
    from prompt_toolkit.output import Output

    from ..chat.app import ClientFactory

__all__ = ["UsageError", "chat_main", "sessions_main"]


class UsageError(Exception):
    pass


def chat_main(*, brief: Path | None = None, model: str | None = None, base_url: str | None = None,
              persona: str = "backend-architect", resume_last: bool = False, session: str | None = None,
              console: Console | None = None, client_factory: ClientFactory | None = None,
              pt_input: Input | None = None, pt_output: Output | None = None,
              structured_output: str | None = None) -> None:
    """Raises UsageError for bad arguments, briefs, personas or settings (exit code 2)."""
    from ..llm.config import ConfigError, resolve_settings
    from ..inputs.frontmatter import FrontMatterError
    from ..inputs.knowledge import load_knowledge
    from ..inputs.prompts import PersonaError, load_persona
    from ..chat.app import ChatApp
    from ..chat.store import SessionStore

    if resume_last and session:
        raise UsageError("--continue and --session are alternatives: give one")
    try:
        # Without a mode, the model's profile decides, or what `doctor` learned of this server and model.
        settings = resolve_settings(model=model, base_url=base_url, structured_output=structured_output)
        persona_obj = load_persona(persona)
    except (ConfigError, PersonaError, FrontMatterError) as exc:
        raise UsageError(str(exc)) from None
    loaded = None
    if brief is not None:  # pydantic and the brief model only when there is a brief: the prompt comes sooner
        from ..inputs.brief import BriefError, load_brief

        try:
            loaded = load_brief(brief)
        except BriefError as exc:
            raise UsageError(str(exc)) from None
    store = SessionStore(secrets_=settings.secrets())
    session_id = session
    if resume_last:
        session_id = store.latest()
        if session_id is None:
            raise UsageError("no session to continue yet")
    resumed = bool(session_id and store.exists(session_id))
    app = ChatApp(settings=settings, persona=persona_obj, knowledge=load_knowledge(), store=store,
                  console=console or Console(soft_wrap=True), session_id=session_id,
                  client_factory=client_factory, pt_input=pt_input, pt_output=pt_output)
    if loaded is not None:
        for warning in loaded.warnings:
            app.say(f"warning: {warning}", "yellow")
        app.conversation.load_brief(loaded.brief)
        app.persist()
        app.say(f"brief loaded: {loaded.brief.title!r}, {len(loaded.brief.requirements)} requirement(s)", "cyan")
    try:
        asyncio.run(app.run(replay=resumed))
    finally:
        store.close()


def sessions_main(console: Console | None = None) -> None:
    from ..chat.commands import session_lines
    from ..chat.store import SessionStore

    console = console or Console(soft_wrap=True)
    store = SessionStore()
    try:
        for line in session_lines(store.sessions()):
            console.print(line, markup=False, highlight=False)
    finally:
        store.close()
