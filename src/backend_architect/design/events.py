"""What the agent loop reports. The loop never prints; the CLI (or chat, or eval runner) renders these."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only: importing the spec models is what makes the chat slow to start
    from ..spec import Design

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
    cost: float | None = 0.0  # USD; None once any request had no known price
    failed: int = 0  # attempts that got no answer (timed out, cut off, refused): they cost time, maybe tokens

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def add(self, prompt: int, completion: int, cost: float | None = 0.0) -> None:
        self.prompt_tokens += prompt
        self.completion_tokens += completion
        self.requests += 1
        self.cost = None if self.cost is None or cost is None else self.cost + cost

    def add_failed(self, attempts: int) -> None:
        self.failed += attempts

    def as_dict(self) -> dict[str, float | int | None]:
        return {"requests": self.requests, "failed_attempts": self.failed, "prompt_tokens": self.prompt_tokens,
                "completion_tokens": self.completion_tokens, "total_tokens": self.total_tokens,
                "cost_usd": None if self.cost is None else round(self.cost, 6)}

    def describe(self) -> str:
        cost = "cost unknown" if self.cost is None else f"${self.cost:.4f}"
        failed = f" (and {self.failed} attempt(s) without an answer)" if self.failed else ""
        return (f"{self.requests} requests{failed}, {self.total_tokens} tokens ({self.prompt_tokens} in, "
                f"{self.completion_tokens} out), {cost}")


@dataclass
class RunStarted:
    model: str
    builtin: bool
    brief_title: str


@dataclass
class ModelRequested:
    turn: int
    phase: str = ""
    tools: list[str] = field(default_factory=list)


@dataclass
class ModelResponded:
    turn: int
    tool_calls: list[str]
    text: str = ""
    notices: list[str] = field(default_factory=list)  # retries and fallbacks it took to get this answer
    seconds: float = 0.0  # from the request to the answer, retries included
    prompt_tokens: int = 0
    completion_tokens: int = 0


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
