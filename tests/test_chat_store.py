"""The sessions store: WAL, concurrent writers, nothing lost, no key kept."""

from __future__ import annotations

import multiprocessing
import sqlite3

from backend_architect.chat.store import SessionStore

KEY = "sk-store-secret-0123456789"


def _writer(path: str, session_id: str, count: int) -> None:
    store = SessionStore(__import__("pathlib").Path(path))
    store.create(session_id)
    for i in range(count):
        store.append(session_id, {"role": "user", "content": f"{session_id} message {i}"})
        store.append("shared", {"role": "assistant", "content": f"{session_id} shared {i}"})
    store.close()


def test_wal_and_a_round_trip(tmp_path):
    store = SessionStore(tmp_path / "s.db")
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    sid = store.create(model="builtin")
    store.append(sid, {"role": "user", "content": "hello"}, {"role": "assistant", "content": "hi"})
    store.save_state(sid, {"api": None}, title="A shop")
    assert store.messages(sid) == [{"role": "user", "content": "hello"}, {"role": "assistant", "content": "hi"}]
    assert store.state(sid) == {"api": None}
    assert store.latest() == sid
    [info] = store.sessions()
    assert (info.id, info.title, info.model, info.messages) == (sid, "A shop", "builtin", 2)


def test_two_processes_writing_at_once_do_not_corrupt_the_store(tmp_path):
    path = tmp_path / "s.db"
    SessionStore(path).create("shared")
    ctx = multiprocessing.get_context("spawn")
    workers = [ctx.Process(target=_writer, args=(str(path), f"chat{n}", 150)) for n in range(2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(60)
        assert w.exitcode == 0
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    store = SessionStore(path)
    for n in range(2):
        assert [m["content"] for m in store.messages(f"chat{n}")] == [f"chat{n} message {i}" for i in range(150)]
    shared = [m["content"] for m in store.messages("shared")]
    assert len(shared) == 300
    for n in range(2):  # each writer's own order is kept inside the interleaving
        assert [c for c in shared if c.startswith(f"chat{n} ")] == [f"chat{n} shared {i}" for i in range(150)]


def test_the_api_key_is_never_stored(tmp_path):
    path = tmp_path / "s.db"
    store = SessionStore(path, secrets_=[KEY])
    sid = store.create()
    store.append(sid, {"role": "assistant", "content": f"the server said: bad key {KEY}"})
    store.save_state(sid, {"note": KEY})
    store.close()
    for file in tmp_path.iterdir():
        assert KEY.encode() not in file.read_bytes(), file.name
