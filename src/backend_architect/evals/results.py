"""Results as JSONL, one line a finished case, appended and fsynced as each case finishes.

A run killed at any moment (even SIGKILL) leaves whole lines plus at most one torn last line;
reading tolerates it and `--resume` cuts it off before appending, so no line is ever glued to a
fragment. The last record of a key wins, so a retried error replaces the error.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import IO, Any

__all__ = ["RESULTS", "ResultStore", "read_results", "record_key"]

RESULTS = "results.jsonl"


def record_key(suite: str, case: str, model: str, epoch: int) -> str:
    return f"{suite}/{case}|{model}|{epoch}"


def read_results(path: Path) -> list[dict[str, Any]]:
    """The last record of every key, in first-seen order; a torn or corrupt line is skipped."""
    if path.is_dir():
        path = path / RESULTS
    records: dict[str, dict[str, Any]] = {}
    try:
        lines = path.read_bytes().split(b"\n")
    except FileNotFoundError:
        return []
    for line in lines:
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except (json.JSONDecodeError, UnicodeDecodeError):
            continue
        if isinstance(record, dict) and "key" in record:
            records[record["key"]] = record
    return list(records.values())


def _lock(handle: IO[bytes], path: Path) -> None:
    """Two runs appending to one file would interleave their cases: the second one is refused."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX: no advisory locks
        return
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        raise FileExistsError(f"another run is writing to {path}") from None


class ResultStore:
    def __init__(self, directory: Path):
        self.path = directory / RESULTS
        self._handle: IO[bytes] | None = None

    def open(self, *, resume: bool) -> list[dict[str, Any]]:
        """Open for appending; with `resume`, return what is already there (torn tail cut off)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("ab")
        _lock(handle, self.path)  # before reading or cutting anything another run may be writing
        existing: list[dict[str, Any]] = []
        if os.fstat(handle.fileno()).st_size:
            if not resume:
                handle.close()
                raise FileExistsError(f"{self.path} already has results: use --resume to finish that run, "
                                      "or another output directory")
            data = self.path.read_bytes()
            end = data.rfind(b"\n") + 1
            if end < len(data):  # a torn last line from a killed run
                os.ftruncate(handle.fileno(), end)
                os.fsync(handle.fileno())
            existing = read_results(self.path)
        self._handle = handle
        return existing

    def append(self, record: dict[str, Any]) -> None:
        assert self._handle is not None, "open() first"
        line = json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"
        self._handle.write(line)
        self._handle.flush()
        os.fsync(self._handle.fileno())

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None
