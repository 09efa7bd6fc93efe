"""Progress lines for a run, for a terminal and a pipe alike.

A local model may think for minutes; a log that says nothing in that time reads as a hang. Each
request gets a line when it is sent and one when its answer comes, with the time it took and, where
the server reported tokens, the speed. The CLI prints them; the loop still never prints.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from .events import Event, ModelRequested, ModelResponded

__all__ = ["ProgressLines"]


class ProgressLines:
    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self.clock = clock
        self.started = clock()

    def elapsed(self) -> str:
        seconds = int(self.clock() - self.started)
        return f"{seconds // 60:d}:{seconds % 60:02d}"

    def line(self, event: Event) -> str | None:
        if isinstance(event, ModelRequested):
            phase = f" ({event.phase})" if event.phase else ""
            return f"[{self.elapsed()}] turn {event.turn}{phase}: waiting for the model…"
        if isinstance(event, ModelResponded):
            speed = ""
            if event.completion_tokens and event.seconds > 0:
                speed = f", {event.completion_tokens} tokens out, {event.completion_tokens / event.seconds:.1f} tokens/s"
            what = ", ".join(event.tool_calls) if event.tool_calls else "no tool call"
            notes = "".join(f"\n    {n}" for n in event.notices)
            return f"[{self.elapsed()}] turn {event.turn}: answered in {event.seconds:.0f} s ({what}{speed}){notes}"
        return None
