"""Chat sessions in SQLite: every message stored the moment it exists, so a killed terminal loses nothing.

A turn is marked open while it runs; a chat killed or hung mid-turn leaves the mark, and the next
`--continue` sees it and reopens the session with that turn marked unfinished.

WAL lets one chat read while another writes; each write is one short IMMEDIATE transaction with a
busy timeout, so two chats at once queue for the lock instead of failing or corrupting the file.
Messages are redacted with the run's secrets before they are stored: the API key never lands here.
"""

from __future__ import annotations

import json
import os
import secrets
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..llm.transcript import redact

__all__ = ["SessionInfo", "SessionStore", "default_path"]

ENV_PATH = "BACKEND_ARCHITECT_SESSIONS"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL DEFAULT '',
    model TEXT NOT NULL DEFAULT '',
    created REAL NOT NULL,
    updated REAL NOT NULL,
    state TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE IF NOT EXISTS messages (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    created REAL NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS messages_by_session ON messages (session_id, seq);
CREATE TABLE IF NOT EXISTS open_turns (
    session_id TEXT PRIMARY KEY REFERENCES sessions(id) ON DELETE CASCADE,
    started REAL NOT NULL
);
"""


def default_path() -> Path:
    override = os.environ.get(ENV_PATH)
    if override:
        return Path(override)
    from platformdirs import user_data_dir

    return Path(user_data_dir("backend-architect", appauthor=False)) / "sessions.db"


@dataclass(frozen=True)
class SessionInfo:
    id: str
    title: str
    model: str
    created: float
    updated: float
    messages: int


class SessionStore:
    def __init__(self, path: Path | None = None, *, secrets_: list[str] | None = None) -> None:
        self.path = path or default_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.secrets = list(secrets_ or [])
        # Autocommit mode: transactions are the explicit BEGIN IMMEDIATE blocks below.
        self.db = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA busy_timeout=30000")
        self.db.execute("PRAGMA foreign_keys=ON")
        self.db.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: durable across a killed process
        with self._write():
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    self.db.execute(statement)

    @contextmanager
    def _write(self) -> Iterator[None]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def close(self) -> None:
        self.db.close()

    def _clean(self, value: Any) -> str:
        return redact(json.dumps(value, ensure_ascii=False), self.secrets)

    def create(self, session_id: str | None = None, *, model: str = "", title: str = "") -> str:
        session_id = session_id or time.strftime("%Y%m%d-") + secrets.token_hex(3)
        now = time.time()
        with self._write():
            self.db.execute("INSERT OR IGNORE INTO sessions (id, title, model, created, updated) "
                            "VALUES (?, ?, ?, ?, ?)", (session_id, title, model, now, now))
        return session_id

    def exists(self, session_id: str) -> bool:
        return self.db.execute("SELECT 1 FROM sessions WHERE id = ?", (session_id,)).fetchone() is not None

    def latest(self) -> str | None:
        row = self.db.execute("SELECT id FROM sessions ORDER BY updated DESC, rowid DESC LIMIT 1").fetchone()
        return row[0] if row else None

    def append(self, session_id: str, *messages: dict[str, Any]) -> None:
        now = time.time()
        with self._write():
            self.db.executemany("INSERT INTO messages (session_id, created, body) VALUES (?, ?, ?)",
                                [(session_id, now, self._clean(m)) for m in messages])
            self.db.execute("UPDATE sessions SET updated = ? WHERE id = ?", (now, session_id))

    def save_state(self, session_id: str, state: dict[str, Any], *, title: str | None = None,
                   model: str | None = None) -> None:
        with self._write():
            self.db.execute("UPDATE sessions SET state = ?, updated = ?, title = COALESCE(?, title), "
                            "model = COALESCE(?, model) WHERE id = ?",
                            (self._clean(state), time.time(), title, model, session_id))

    def begin_turn(self, session_id: str) -> None:
        with self._write():
            self.db.execute("INSERT OR REPLACE INTO open_turns (session_id, started) VALUES (?, ?)",
                            (session_id, time.time()))

    def end_turn(self, session_id: str) -> None:
        with self._write():
            self.db.execute("DELETE FROM open_turns WHERE session_id = ?", (session_id,))

    def turn_open(self, session_id: str) -> bool:
        """Whether the session's last turn began and never ended (the chat was killed, or hung, mid-turn)."""
        return self.db.execute("SELECT 1 FROM open_turns WHERE session_id = ?", (session_id,)).fetchone() is not None

    def messages(self, session_id: str) -> list[dict[str, Any]]:
        rows = self.db.execute("SELECT body FROM messages WHERE session_id = ? ORDER BY seq", (session_id,))
        return [json.loads(body) for (body,) in rows]

    def state(self, session_id: str) -> dict[str, Any]:
        row = self.db.execute("SELECT state FROM sessions WHERE id = ?", (session_id,)).fetchone()
        return json.loads(row[0]) if row else {}

    def sessions(self, limit: int = 50) -> list[SessionInfo]:
        rows = self.db.execute(
            "SELECT s.id, s.title, s.model, s.created, s.updated, "
            "(SELECT COUNT(*) FROM messages m WHERE m.session_id = s.id) "
            "FROM sessions s ORDER BY s.updated DESC, s.rowid DESC LIMIT ?", (limit,))
        return [SessionInfo(*row) for row in rows]
