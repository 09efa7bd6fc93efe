"""The record of every request and response of a run, with secrets scrubbed before it is kept.

Given a file, each record is also appended to it the moment it exists and flushed, so a run killed by
`timeout` (SIGTERM) or SIGKILL still leaves every request sent and every answer received.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

__all__ = ["Transcript", "redact"]

REDACTED = "[REDACTED]"


def redact(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        if secret and len(secret) >= 6:
            text = text.replace(secret, REDACTED)
    return text


@dataclass
class Transcript:
    secrets: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    _sink: IO[str] | None = field(default=None, repr=False)

    def stream_to(self, path: Path) -> None:
        """Append every record to `path`: those so far now, each later one as it is made (umask mode)."""
        self.close()
        self._sink = open(path, "a", encoding="utf-8", newline="\n")  # noqa: SIM115 - kept open for the run
        for line in self.lines:
            self._sink.write(line + "\n")
        self._sink.flush()

    def close(self) -> None:
        if self._sink is not None:
            self._sink.close()
            self._sink = None

    def record(self, kind: str, turn: int, body: Any) -> None:
        line = redact(json.dumps({"type": kind, "turn": turn, "body": body}, ensure_ascii=False, default=str),
                      self.secrets)
        self.lines.append(line)
        if self._sink is not None:
            # Flushed to the OS, not fsynced: a killed process loses nothing; only a power cut could.
            self._sink.write(line + "\n")
            self._sink.flush()

    def text(self) -> str:
        return "".join(line + "\n" for line in self.lines)
