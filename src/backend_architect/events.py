"""What the agent loop reports. The loop never prints; the CLI (or chat, or eval runner) renders these."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only: importing the spec models is what makes the chat slow to start
    from .spec import Design

__all__ = [
    "ArtifactAccepted",
    "Event",
    "ModelRequested",
    "ModelResponded",
    "RunFailed",
    "RunFinished",
    "RunStarted",
    "TextDelta",
    "ToolCalled",
    "TurnFinished",
    "Usage",
]


@dataclass
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0
    requests: int = 0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def add(self, prompt: int, completion: int) -> None:
        self.prompt_tokens += prompt
        self.completion_tokens += completion
        self.requests += 1


@dataclass
class RunStarted:
    model: str
    builtin: bool
    brief_title: str


@dataclass
class ModelRequested:
    turn: int


@dataclass
class ModelResponded:
    turn: int
    tool_calls: list[str]
    text: str = ""


@dataclass
class ToolCalled:
    turn: int
    name: str
    ok: bool
    summary: str
    errors: list[str] = field(default_factory=list)


@dataclass
class ArtifactAccepted:
    artifact: str


@dataclass
class RunFinished:
    design: Design
    usage: Usage


@dataclass
class RunFailed:
    reason: str
    design: Design
    usage: Usage


@dataclass
class TextDelta:
    """A piece of the model's answer, as it streams (chat only)."""

    text: str


@dataclass
class TurnFinished:
    """One chat turn is over: the answer, what the design gained, and what the turn cost."""

    text: str
    changed: list[str]
    usage: Usage
    failure: str | None = None


Event = (RunStarted | ModelRequested | ModelResponded | ToolCalled | ArtifactAccepted | RunFinished | RunFailed
         | TextDelta | TurnFinished)
