"""The chat loop: read a line, run a command or a turn, render its events, store every message.

Ctrl-C while an answer streams cancels that turn only (what arrived is kept, marked interrupted);
Ctrl-C again within two seconds, or Ctrl-D, leaves. The OpenAI SDK is imported on the first model
call, not at start, so the prompt appears quickly.
"""

from __future__ import annotations

import asyncio
import signal
import sys
import threading
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from rich.console import Console

from ..llm.config import BUILTIN_NOTICE, Settings
from ..inputs.conversation import BRIEF_PREFIX
from ..design.events import TextDelta, ToolCalled, TurnFinished, Usage
from ..inputs.knowledge import KnowledgeBase
from ..inputs.prompts import Persona
from ..llm.transcript import Transcript
from .render import MarkdownStream, tool_line, usage_line
from .store import SessionStore

if TYPE_CHECKING:
    from openai import AsyncOpenAI

    from ..design.agent import Budgets
    from ..spec import Design
    from .turn import Conversation
    from prompt_toolkit import PromptSession
    from prompt_toolkit.input import Input
    from prompt_toolkit.output import Output

__all__ = ["ChatApp"]

DOUBLE_INTERRUPT_SECONDS = 2.0
UNFINISHED = "[unfinished: the chat stopped (killed, or hung) before this answer was complete]"
WARM_UP_DELAY = 0.2  # after the prompt is drawn, so the warm-up does not delay it
ClientFactory = Callable[[Settings, KnowledgeBase], "AsyncOpenAI"]


def _default_client(settings: Settings, knowledge: KnowledgeBase) -> AsyncOpenAI:
    from ..llm import make_client
    from ..llm.threaded import threaded_builtin_client

    # In a thread: Ctrl-C (a signal the event loop handles) stops a builtin turn however long its work takes.
    return make_client(settings, knowledge=knowledge,
                       http_client=threaded_builtin_client(knowledge) if settings.builtin else None)


class ChatApp:
    def __init__(self, *, settings: Settings, persona: Persona, knowledge: KnowledgeBase, store: SessionStore,
                 console: Console, session_id: str | None = None, client_factory: ClientFactory | None = None,
                 budgets: Budgets | None = None, pt_input: Input | None = None,
                 pt_output: Output | None = None) -> None:
        self.settings = settings
        self.persona = persona
        self.knowledge = knowledge
        self.store = store
        self.console = console
        self.client_factory = client_factory or _default_client
        self.budgets = budgets
        self.pt_input, self.pt_output = pt_input, pt_output
        self.multiline = False
        self.last_interrupt = 0.0
        self._client: AsyncOpenAI | None = None
        self._task: asyncio.Task[None] | None = None
        self._reading: asyncio.Future[str] | None = None
        self._streams: list[MarkdownStream] = []
        self.leaving = False
        # The conversation (and with it the agent, tools and spec models) is built on first use, so the
        # prompt appears before those imports are paid for.
        self._conversation: Conversation | None = None
        self._resume: tuple[list[dict[str, Any]], dict[str, Any]] | None = None
        self.transcript = Transcript(secrets=settings.secrets())
        self.open_session(session_id)

    # -- sessions ---------------------------------------------------------------------------------

    def open_session(self, session_id: str | None) -> None:
        """Resume `session_id` if it exists (a new session of that name if not), or start a new one."""
        self._conversation, self._resume = None, None
        if session_id and self.store.exists(session_id):
            self.session_id = session_id
            self._resume = (self.store.messages(session_id), self.store.state(session_id))
            self.saved = len(self._resume[0])
            self.unfinished = self.store.turn_open(session_id)
            return
        self.session_id = self.store.create(session_id, model=self.settings.model)
        self.saved = 0
        self.unfinished = False

    @property
    def conversation(self) -> Conversation:
        if self._conversation is None:
            from .turn import Conversation

            stored, state = self._resume or ([], {})
            self._conversation = Conversation(persona=self.persona, knowledge=self.knowledge, messages=list(stored))
            if state:
                self._conversation.restore(state)
                self._conversation.usage = Usage(**state.get("usage", {}))
            # A chat killed between a tool call and its result would leave the API an unanswerable history.
            self._conversation.close_open_calls("the chat ended before this call ran")
            if self.unfinished:  # said in the history too, so the model (and a later replay) knows
                self._conversation.messages.append({"role": "assistant", "content": UNFINISHED})
            self.persist()
            if self.unfinished:
                self.store.end_turn(self.session_id)
                self.unfinished = False
        return self._conversation

    def persist(self) -> None:
        """Store the messages that exist since the last call, and the design state."""
        if self._conversation is None:
            return  # nothing said yet in this process
        new = self._conversation.messages[self.saved:]
        if new:
            self.store.append(self.session_id, *new)
            self.saved += len(new)
        state = self._conversation.state_dump()
        state["usage"] = vars(self._conversation.usage)
        self.store.save_state(self.session_id, state, title=self._conversation.design_state.brief.title,
                              model=self.settings.model)

    @property
    def builtin(self) -> bool:
        return self.settings.builtin or self.conversation.builtin_seen

    def design(self) -> Design:
        return self.conversation.design(self.settings.model, self.builtin)

    # -- the model ----------------------------------------------------------------------------------

    def client(self) -> AsyncOpenAI:
        if self._client is None:
            self._client = self.client_factory(self.settings, self.knowledge)
        return self._client

    async def set_settings(self, settings: Settings) -> None:
        await self.close_client()
        self.settings = settings
        for secret in settings.secrets():  # a key given later is kept out of the record and the store too
            for known in (self.transcript.secrets, self.store.secrets):
                if secret not in known:
                    known.append(secret)

    async def close_client(self) -> None:
        if self._client is not None:
            await self._client.close()
            self._client = None

    # -- output ---------------------------------------------------------------------------------------

    def say(self, text: str, style: str | None = None) -> None:
        self.console.print(text, style=style, markup=False, highlight=False, soft_wrap=True)

    def show_markdown(self, text: str) -> None:
        stream = MarkdownStream(self.console)
        stream.update(text if text.endswith("\n") else text + "\n")
        stream.finish()

    def replay(self) -> None:
        """Show a resumed conversation: what the person said and what the architect answered."""
        messages = self._resume[0] if self._conversation is None and self._resume else self.conversation.messages
        for message in messages:
            content = message.get("content")
            if not isinstance(content, str) or not content.strip():
                continue
            if message["role"] == "user":
                brief = content.startswith(BRIEF_PREFIX)
                self.say("> (a requirements brief was loaded)" if brief else f"> {content}", "bold")
            elif message["role"] == "assistant":
                self.show_markdown(content)
        if self.unfinished:
            self.say(UNFINISHED, "yellow")

    # -- a turn ---------------------------------------------------------------------------------------

    async def send(self, text: str) -> None:
        """Run one turn; Ctrl-C (see `interrupt`) cancels it and keeps what arrived."""
        _ = self.conversation  # an unfinished turn of a resumed session is closed before a new one opens
        self.store.begin_turn(self.session_id)
        task = self._task = asyncio.ensure_future(self._turn(text))
        self._streams = []
        try:
            await task
        except asyncio.CancelledError:
            if not task.cancelled():
                raise
            if self._streams and self._streams[-1].text:
                self._streams[-1].finish(interrupted=True)
            else:
                self.say("[interrupted]", "yellow")
            self.conversation.close_interrupted()
            self.persist()
        finally:
            self._task = None
            self.store.end_turn(self.session_id)

    def interrupt(self) -> None:
        """Ctrl-C: stop the answer if one is running; otherwise a second press within two seconds leaves."""
        now = time.monotonic()
        twice = now - self.last_interrupt < DOUBLE_INTERRUPT_SECONDS
        self.last_interrupt = now
        if self._task is not None and not self._task.done():
            self._task.cancel()
        elif twice:
            self.leaving = True
            if self._reading is not None:
                self._reading.cancel()
        else:
            self.say("(Ctrl-C again to leave, or Ctrl-D)", "dim")

    async def _turn(self, text: str) -> None:
        from ..design.agent import Budgets
        from .turn import run_turn

        stream: MarkdownStream | None = None
        from ..llm.client import retry_policy

        from ..llm.profiles import resolve_profile

        profile = resolve_profile(self.settings.model, self.settings.structured_output)
        async for event in run_turn(self.conversation, text, client=self.client(), model=self.settings.model,
                                    budgets=self.budgets or Budgets(), transcript=self.transcript,
                                    retry=retry_policy(self.settings), profile=profile):
            if isinstance(event, TextDelta):
                if stream is None:
                    stream = MarkdownStream(self.console)
                    self._streams.append(stream)
                stream.update(event.text)
                continue
            if stream is not None:
                stream.finish()
                stream = None
            self.persist()
            if isinstance(event, ToolCalled):  # one line each; it also says what was accepted
                self.say(tool_line(event), "dim" if event.ok else "yellow")
            elif isinstance(event, TurnFinished):
                self._turn_summary(event)

    def _turn_summary(self, event: TurnFinished) -> None:
        from .review import review_design

        if event.failure:
            self.say(f"  stopped: {event.failure}", "red")
        if event.changed:
            findings = review_design(self.conversation.design_state)
            verdict = "no findings" if not findings else f"{len(findings)} finding(s):"
            self.say(f"  design changed: {', '.join(event.changed)}; {verdict}", "cyan")
            for finding in findings[:3]:
                self.say(f"    {finding.severity}: {finding.location}: {finding.message}", "yellow")
            if len(findings) > 3:
                self.say(f"    and {len(findings) - 3} more: /review lists them all", "yellow")
        self.say(usage_line(self.settings.model, event.usage, self.conversation.usage), "dim")

    # -- the prompt -----------------------------------------------------------------------------------

    def _prompt_session(self) -> PromptSession[str]:
        from prompt_toolkit import PromptSession
        from prompt_toolkit.filters import Condition
        from prompt_toolkit.history import FileHistory
        from prompt_toolkit.key_binding import KeyBindings

        from .commands import SlashCompleter

        bindings = KeyBindings()

        @bindings.add("escape", "enter")  # Meta+Enter: a new line, or send when in /multiline mode
        def _meta_enter(event: Any) -> None:
            if self.multiline:
                event.current_buffer.validate_and_handle()
            else:
                event.current_buffer.insert_text("\n")

        history = FileHistory(str(self.store.path.parent / "history"))
        return PromptSession(history=history, completer=SlashCompleter(), key_bindings=bindings,
                             multiline=Condition(lambda: self.multiline), input=self.pt_input,
                             output=self.pt_output, complete_while_typing=True)

    def _reader(self) -> tuple[Callable[[], Awaitable[str]], bool]:
        """prompt_toolkit on a terminal (or the input a test hands in); plain lines from a pipe.

        The flag says whether the reader is plain: prompt_toolkit takes Ctrl-C as a key while it
        reads (and puts its own SIGINT handler in place), a plain reader leaves it to `interrupt`.
        """
        if self.pt_input is not None or sys.stdin.isatty():
            session = self._prompt_session()
            return (lambda: session.prompt_async("› " if not self.multiline else "… ")), False

        async def read_line() -> str:
            self._reading = _stdin_line(asyncio.get_running_loop())
            try:
                line = await self._reading
            finally:
                self._reading = None
            if not line:
                raise EOFError
            return line

        return read_line, True

    async def run(self, *, replay: bool = False) -> None:
        from .commands import dispatch

        loop = asyncio.get_running_loop()
        read, plain = self._reader()
        self.say(f"backend-architect chat · session {self.session_id} · model {self.settings.model}"
                 + (f" ({BUILTIN_NOTICE})" if self.settings.builtin else ""), "bold")
        self.say("/help lists the commands; Ctrl-C stops an answer; Ctrl-D leaves.", "dim")
        if replay:
            self.replay()
        guarded = plain and _install_sigint(loop, self.interrupt)
        if not plain:  # while the person types, import what the first answer needs (about a second of work)
            loop.call_later(WARM_UP_DELAY, lambda: threading.Thread(target=_warm_up, daemon=True).start())
        try:
            while not self.leaving:
                try:
                    text = (await read()).strip()
                except KeyboardInterrupt:  # Ctrl-C at prompt_toolkit's prompt
                    self.interrupt()
                    continue
                except EOFError:
                    break
                except asyncio.CancelledError:
                    if self.leaving:
                        break
                    raise
                if not text:
                    continue
                # Between prompts, Ctrl-C is a signal: ours, until prompt_toolkit reads again.
                handled = not plain and _install_sigint(loop, self.interrupt)
                try:
                    if text.startswith("/"):
                        self.leaving = await dispatch(self, text)
                    else:
                        await self.send(text)
                finally:
                    if handled:
                        loop.remove_signal_handler(signal.SIGINT)
        finally:
            if guarded:
                loop.remove_signal_handler(signal.SIGINT)
            self.persist()
            await self.close_client()
            self.say(f"session {self.session_id} saved; resume it with: backend-architect chat --session "
                     f"{self.session_id}", "dim")

def _install_sigint(loop: asyncio.AbstractEventLoop, handler: Callable[[], None]) -> bool:
    try:
        loop.add_signal_handler(signal.SIGINT, handler)
        return True
    except (NotImplementedError, RuntimeError, ValueError):  # not the main thread, or no signals here
        return False



def _stdin_line(loop: asyncio.AbstractEventLoop) -> asyncio.Future[str]:
    """The next line of standard input, read in a daemon thread: one blocked on a pipe that stays open
    must not keep the chat from leaving (asyncio.to_thread's executor is joined at exit)."""
    future: asyncio.Future[str] = loop.create_future()

    def deliver(line: str) -> None:
        if not future.done():
            future.set_result(line)

    threading.Thread(target=lambda: loop.call_soon_threadsafe(deliver, sys.stdin.readline()), daemon=True).start()
    return future


def _warm_up() -> None:
    import importlib

    for name in ("backend_architect.chat.turn", "openai"):
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - only a head start: the first turn imports (and reports) it again
            return
