"""The record of every request and response of a run, with secrets scrubbed before it is kept."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

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

    def record(self, kind: str, turn: int, body: Any) -> None:
        line = json.dumps({"type": kind, "turn": turn, "body": body}, ensure_ascii=False, default=str)
        self.lines.append(redact(line, self.secrets))

    def text(self) -> str:
        return "".join(line + "\n" for line in self.lines)
