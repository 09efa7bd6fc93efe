"""A chat turn that never finished: killed mid-turn, or a builtin turn stopped with Ctrl-C."""

from __future__ import annotations

import asyncio
import io
import json
import os
import sqlite3
import subprocess
import sys
import threading
import time

from rich.console import Console

from backend_architect.chat.app import UNFINISHED, ChatApp
from backend_architect.chat.store import SessionStore
from backend_architect.llm.builtin.model import BuiltinModel
from backend_architect.llm.config import Settings

ORDERS = "Customers place orders for products. Admins manage the product catalog."

# A builtin chat whose model answers once, then hangs for good (as a stuck model does): the test kills it.
_HANGS = r"""
import sys, threading
from backend_architect.llm.builtin.model import BuiltinModel
real, seen = BuiltinModel.respond, [0]
def respond(self, method, path, body):
    if method == "POST":
        seen[0] += 1
        if seen[0] > 1:
            threading.Event().wait()
    return real(self, method, path, body)
BuiltinModel.respond = respond
from backend_architect.cli import main
sys.argv = ["backend-architect", "chat"]
main()
"""


def _env(tmp_path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in {"OPENAI_API_KEY", "OPENAI_BASE_URL", "BACKEND_ARCHITECT_MODEL"}}
    return {**env, "BACKEND_ARCHITECT_SESSIONS": str(tmp_path / "sessions.db")}


def _tool_results_stored(db) -> bool:
    if not db.exists():
        return False
    with sqlite3.connect(db) as conn:
        try:
            rows = conn.execute("SELECT body FROM messages").fetchall()
            open_turn = conn.execute("SELECT 1 FROM open_turns").fetchone()
        except sqlite3.OperationalError:
            return False
    return bool(open_turn) and any(json.loads(body).get("role") == "tool" for (body,) in rows)


def test_continue_after_a_turn_killed_midway_reopens_it_marked_unfinished(tmp_path):
    db = tmp_path / "sessions.db"
    proc = subprocess.Popen([sys.executable, "-c", _HANGS], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=_env(tmp_path), text=True, cwd=tmp_path)
    try:
        proc.stdin.write(ORDERS + "\n")
        proc.stdin.flush()
        deadline = time.monotonic() + 60
        while not _tool_results_stored(db):
            assert time.monotonic() < deadline and proc.poll() is None, "the first answer was never stored"
            time.sleep(0.1)
    finally:
        proc.kill()  # SIGKILL mid-turn: no handler runs, the turn stays open in the store
        proc.communicate(timeout=30)

    second = subprocess.run([sys.executable, "-m", "backend_architect", "chat", "--continue"], input=ORDERS + "\n",
                            capture_output=True, text=True, env=_env(tmp_path), cwd=tmp_path, timeout=120)
    assert second.returncode == 0, second.stderr
    assert f"> {ORDERS}" in second.stdout and UNFINISHED in second.stdout  # the replay says so
    assert "finish_design: ok" in second.stdout  # and the session goes on
    store = SessionStore(db)
    messages = store.messages(store.latest())
    marker = next(i for i, m in enumerate(messages) if m.get("content") == UNFINISHED)
    assert messages[marker - 1]["role"] == "tool"  # every open call answered before the marker
    assert messages[marker + 1] == {"role": "user", "content": ORDERS}
    assert not store.turn_open(store.latest())


def test_ctrl_c_stops_a_builtin_turn_even_while_the_model_works(tmp_path, monkeypatch, persona, knowledge):
    working, release = threading.Event(), threading.Event()
    real = BuiltinModel.respond

    def slow(self, method, path, body):  # type: ignore[no-untyped-def]
        working.set()
        release.wait(30)  # a long (or stuck) computation of the in-process model
        return real(self, method, path, body)

    monkeypatch.setattr(BuiltinModel, "respond", slow)
    store = SessionStore(tmp_path / "s.db")
    console = Console(file=io.StringIO(), width=120)
    app = ChatApp(settings=Settings(model="builtin"), persona=persona, knowledge=knowledge, store=store,
                  console=console)

    async def press_ctrl_c_once_the_model_works() -> None:
        while not working.is_set():
            await asyncio.sleep(0.05)
        app.interrupt()

    async def go() -> float:
        started = time.monotonic()
        pressing = asyncio.ensure_future(press_ctrl_c_once_the_model_works())
        await app.send(ORDERS)
        await pressing
        return time.monotonic() - started

    try:
        elapsed = asyncio.run(go())
    finally:
        release.set()
    assert elapsed < 10  # not the 30 s the model would have taken
    assert "[interrupted]" in console.file.getvalue()
    assert not store.turn_open(app.session_id)
    assert store.messages(app.session_id)[-1] == {"role": "user", "content": ORDERS}


def test_save_in_the_chat_keeps_a_persons_file_unless_forced(tmp_path, persona, knowledge):
    from backend_architect.chat.commands import dispatch

    out = tmp_path / "out"
    out.mkdir()
    (out / "design.md").write_text("# mine\n")
    console = Console(file=io.StringIO(), width=200)
    app = ChatApp(settings=Settings(model="builtin"), persona=persona, knowledge=knowledge,
                  store=SessionStore(tmp_path / "s.db"), console=console)
    asyncio.run(dispatch(app, f"/save {out}"))
    assert (out / "design.md").read_text() == "# mine\n" and "--force" in console.file.getvalue()
    asyncio.run(dispatch(app, f"/save {out} --force"))
    assert (out / "design.md").read_text() != "# mine\n" and (out / "design.json").exists()
