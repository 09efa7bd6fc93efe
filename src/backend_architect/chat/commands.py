"""Slash commands: one ordered registry, which /help lists and the completer offers."""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from prompt_toolkit.completion import CompleteEvent, Completer, Completion
from prompt_toolkit.document import Document

if TYPE_CHECKING:
    from ..llm.config import Settings
    from ..llm.transcript import Transcript
    from ..spec import Design
    from .store import SessionInfo, SessionStore
    from .turn import Conversation


class ChatApp(Protocol):
    """What a slash command may use of the chat (`app.ChatApp` is the one there is).

    A protocol, so that the app imports the commands and the commands never import the app.
    """

    settings: Settings
    multiline: bool
    session_id: str
    transcript: Transcript
    store: SessionStore

    @property
    def conversation(self) -> Conversation: ...
    def say(self, text: str, style: str | None = None) -> None: ...
    def show_markdown(self, text: str) -> None: ...
    def design(self) -> Design: ...
    def persist(self) -> None: ...
    def open_session(self, session_id: str | None) -> None: ...
    async def set_settings(self, settings: Settings) -> None: ...
    async def send(self, text: str) -> None: ...

__all__ = ["COMMANDS", "ChatApp", "SlashCompleter", "dispatch"]

Handler = Callable[["ChatApp", str], Awaitable[bool]]  # True: leave the chat

# /show NAME -> the file `design` would write for it
SHOWABLE = {"api": "openapi.yaml", "schema": "schema.sql", "services": "services.yaml", "design": "design.md",
            "json": "design.json"}


@dataclass(frozen=True)
class Command:
    name: str
    usage: str
    help: str
    handler: Handler
    choices: tuple[str, ...] = ()


async def _help(app: ChatApp, arg: str) -> bool:
    width = max(len(c.usage) for c in COMMANDS)
    for command in COMMANDS:
        app.say(f"  {command.usage:<{width}}  {command.help}")
    app.say("  Enter sends; Meta+Enter (Esc, Enter) adds a line; pasted text stays whole.", "dim")
    return False


async def _brief(app: ChatApp, arg: str) -> bool:
    from ..inputs.brief import BriefError, load_brief

    if not arg:
        app.say("usage: /brief FILE", "yellow")
        return False
    try:
        loaded = load_brief(arg)
    except BriefError as exc:
        app.say(f"error: {exc}", "red")
        return False
    for warning in loaded.warnings:
        app.say(f"warning: {warning}", "yellow")
    app.conversation.load_brief(loaded.brief)
    app.persist()
    brief = loaded.brief
    app.say(f"brief loaded: {brief.title!r}, {len(brief.requirements)} requirement(s). Ask the architect to "
            "design it, or discuss it first.", "cyan")
    return False


async def _design(app: ChatApp, arg: str) -> bool:
    state = app.conversation.design_state
    design = app.design()
    lines = [f"# {design.title}", "", f"status: **{design.status}**"
             + (f" ({design.failure})" if design.failure else ""), ""]
    lines.append(f"- requirements: {', '.join(state.brief.requirement_ids()) or 'none yet'}")
    lines.append(f"- schema: {len(state.data.tables)} tables" if state.data else "- schema: not yet")
    lines.append(f"- API: {len(state.api.endpoints())} endpoints" if state.api else "- API: not yet")
    lines.append(f"- services: {state.services.style}, {len(state.services.services)} services"
                 if state.services else "- services: not yet")
    if state.finish and state.finish.summary:
        lines += ["", state.finish.summary]
    app.show_markdown("\n".join(lines))
    return False


async def _show(app: ChatApp, arg: str) -> bool:
    from ..design.output import render_files

    what = arg.strip().lower() or "design"
    if what not in SHOWABLE:
        app.say(f"usage: /show {'|'.join(SHOWABLE)}", "yellow")
        return False
    files = {name: content for name, content, _ in render_files(app.design())}
    content = files.get(SHOWABLE[what])
    if content is None:
        app.say(f"no {what} in the design yet", "yellow")
        return False
    if what == "design":
        app.show_markdown(content)
    else:
        language = {"openapi.yaml": "yaml", "services.yaml": "yaml", "schema.sql": "sql"}.get(SHOWABLE[what], "json")
        app.show_markdown(f"```{language}\n{content}```")
    return False


async def _review(app: ChatApp, arg: str) -> bool:
    from .review import review_design

    findings = review_design(app.conversation.design_state)
    if not findings:
        app.say("no findings: every artifact is accepted, consistent, and the requirements are traced", "green")
    for f in findings:
        app.say(f"  {f.severity}: {f.location}: {f.message} [{f.rule_id}]", "red" if f.severity == "error" else None)
    return False


async def _save(app: ChatApp, arg: str) -> bool:
    from ..design.output import OutputError, slugify, write_design

    design = app.design()
    words = arg.split()
    force = "--force" in words  # as in `design`: replace a person's files that have one of our names
    words = [w for w in words if w != "--force"]
    directory = Path(" ".join(words)) if words else Path("designs") / slugify(design.title)
    try:
        written = write_design(directory, design, app.transcript.text(), force=force)
    except (OutputError, OSError) as exc:
        app.say(f"error: cannot write the design to {directory}: {exc}", "red")
        return False
    app.say(f"design ({design.status}) written to {directory}: " + ", ".join(f.path.name for f in written), "cyan")
    return False


async def _model(app: ChatApp, arg: str) -> bool:
    from ..llm.config import ConfigError, resolve_settings

    if not arg.strip():
        app.say(f"model: {app.settings.model}")
        return False
    try:
        settings = resolve_settings(model=arg.strip(), base_url=app.settings.base_url, api_key=app.settings.api_key)
    except ConfigError as exc:
        app.say(f"error: {exc}", "red")
        return False
    await app.set_settings(settings)
    app.say(f"model: {settings.model}", "cyan")
    return False


async def _usage(app: ChatApp, arg: str) -> bool:
    from .render import cost_of

    usage = app.conversation.usage
    cost = cost_of(app.settings.model, usage)
    app.say(f"session {app.session_id}: {usage.requests} request(s), {usage.prompt_tokens:,} tokens in, "
            f"{usage.completion_tokens:,} out" + (f", ${cost:.4f}" if cost is not None else ", cost unknown"))
    return False


async def _new(app: ChatApp, arg: str) -> bool:
    app.persist()
    app.open_session(None)
    app.say(f"new session {app.session_id}", "cyan")
    return False


async def _sessions(app: ChatApp, arg: str) -> bool:
    for line in session_lines(app.store.sessions()):
        app.say(line)
    return False


def session_lines(sessions: Iterable[SessionInfo]) -> list[str]:
    lines = []
    for s in sessions:
        when = datetime.fromtimestamp(s.updated).strftime("%Y-%m-%d %H:%M")
        lines.append(f"{s.id}  {when}  {s.messages:>4} messages  {s.model:<14} {s.title}")
    return lines or ["no sessions yet"]


async def _multiline(app: ChatApp, arg: str) -> bool:
    app.multiline = not app.multiline
    app.say("multi-line on: Enter adds a line, Meta+Enter (Esc, Enter) sends" if app.multiline
            else "multi-line off: Enter sends", "cyan")
    return False


async def _edit(app: ChatApp, arg: str) -> bool:
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    with tempfile.NamedTemporaryFile("w+", suffix=".md", delete=False) as handle:
        handle.write(arg)
        path = handle.name
    try:
        subprocess.run([*shlex.split(editor), path], check=False)
        text = Path(path).read_text(encoding="utf-8").strip()
    finally:
        os.unlink(path)
    if not text:
        app.say("nothing to send", "dim")
        return False
    app.say(f"> {text}", "bold")
    await app.send(text)
    return False


async def _exit(app: ChatApp, arg: str) -> bool:
    return True


COMMANDS: list[Command] = [
    Command("/help", "/help", "list the commands", _help),
    Command("/brief", "/brief FILE", "load a requirements brief into the conversation", _brief),
    Command("/design", "/design", "summarize the current design", _design),
    Command("/show", "/show " + "|".join(SHOWABLE), "show an artifact of the current design", _show,
            tuple(SHOWABLE)),
    Command("/review", "/review", "findings on the current design (validation and cross-checks)", _review),
    Command("/save", "/save [DIR] [--force]", "write the design as `design` does [default: designs/<title>]",
            _save),
    Command("/model", "/model NAME", "switch the model (builtin for the offline one)", _model),
    Command("/usage", "/usage", "tokens and cost of this session", _usage),
    Command("/new", "/new", "start a new session", _new),
    Command("/sessions", "/sessions", "list stored sessions", _sessions),
    Command("/multiline", "/multiline", "toggle multi-line input", _multiline),
    Command("/edit", "/edit", "write the message in $EDITOR", _edit),
    Command("/exit", "/exit", "leave (the session is kept)", _exit),
]
_BY_NAME = {c.name: c for c in COMMANDS}


async def dispatch(app: ChatApp, line: str) -> bool:
    name, _, arg = line.strip().partition(" ")
    command = _BY_NAME.get(name.lower())
    if command is None:
        app.say(f"unknown command {name}; /help lists them", "yellow")
        return False
    return await command.handler(app, arg.strip())


class SlashCompleter(Completer):
    def get_completions(self, document: Document, complete_event: CompleteEvent) -> Iterable[Completion]:
        text = document.text_before_cursor
        if not text.startswith("/"):
            return
        name, space, arg = text.partition(" ")
        if not space:
            for command in COMMANDS:
                if command.name.startswith(name):
                    yield Completion(command.name, start_position=-len(name), display_meta=command.help)
            return
        chosen = _BY_NAME.get(name)
        for choice in chosen.choices if chosen else ():
            if choice.startswith(arg):
                yield Completion(choice, start_position=-len(arg))
