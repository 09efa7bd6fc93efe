"""The chat's output: streaming Markdown, one line per tool call, a usage line per turn.

On a terminal, Markdown streams the way aider's mdstream does: a short live region at the bottom
shows the part still arriving, and lines that can no longer change go to the normal scrollback,
printed once. Unlike mdstream, only the unfinished block (text after the last blank line outside a
code fence) is ever rendered again, so a long answer costs no more per chunk than a short one; and
a block whose layout depends on lines still to come (a table, a numbered list) reaches scrollback
only once it is complete, so no flushed line is ever wrong. Nothing is cut with "…": the live region
shows the last lines, and every line reaches scrollback.
When output is not a terminal the text is written as it arrives, plain.
"""

from __future__ import annotations

import io
import re
import time
from collections.abc import Callable

from typing import TYPE_CHECKING

from rich.console import Console
from rich.text import Text

from ..design.events import ToolCalled, Usage

if TYPE_CHECKING:
    from rich.live import Live

__all__ = ["MarkdownStream", "PriceLookup", "cost_of", "tool_line", "usage_line"]

LIVE_LINES = 6
_FENCE = re.compile(r"^\s{0,3}(```|~~~)")
_REFLOWS = re.compile(r"\s{0,3}(\||\d{1,9}[.)]\s)")
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")

# The seam for a price table: (model, usage) -> dollars, or None where the price is unknown.
PriceLookup = Callable[[str, Usage], "float | None"]


def cost_of(model: str, usage: Usage) -> float | None:
    """No price table yet: the cost is unknown for every model (and nothing for the builtin one)."""
    return 0.0 if model == "builtin" else None


def block_end(text: str) -> int:
    """Where the last finished block ends: after the last blank line that is outside a code fence."""
    end, position, fenced = 0, 0, False
    for line in text.splitlines(keepends=True):
        position += len(line)
        if not line.endswith("\n"):
            break  # the last line is still arriving
        if _FENCE.match(line):
            fenced = not fenced
        elif not fenced and not line.strip():
            end = position
    return end


class MarkdownStream:
    def __init__(self, console: Console, *, live_lines: int = LIVE_LINES, min_interval: float = 0.05) -> None:
        self.console = console
        self.plain = not console.is_terminal
        self.live_lines = live_lines
        self.min_interval = min_interval
        self.text = ""
        self.start = 0  # where the unfinished block begins in `text`
        self.flushed = 0  # lines of the unfinished block already in scrollback
        self.rendered_at = 0.0
        self.live: Live | None = None

    def _lines(self, markdown: str) -> list[str]:
        from rich.markdown import Markdown  # markdown-it and pygments: paid on the first answer, not at start

        width = self.console.width
        buffer = io.StringIO()
        # Same colours as the real console: none under NO_COLOR, and its colour depth otherwise.
        depth = self.console.color_system or "standard"
        Console(file=buffer, width=width, force_terminal=True, color_system=depth,  # type: ignore[arg-type]
                no_color=self.console.no_color or self.console.color_system is None,
                highlight=False).print(Markdown(markdown))
        lines = buffer.getvalue().splitlines()
        # A block's own padding (code blocks have some) would double the one blank line put between blocks.
        while lines and not _ANSI.sub("", lines[-1]).strip():
            lines.pop()
        while lines and not _ANSI.sub("", lines[0]).strip():
            lines.pop(0)
        return lines

    def _scrollback(self, lines: list[str]) -> None:
        target = self.live.console if self.live else self.console
        for line in lines:
            target.print(Text.from_ansi(line), highlight=False, soft_wrap=True)

    def update(self, delta: str) -> None:
        self.text += delta
        if self.plain:
            self.console.file.write(delta)
            self.console.file.flush()
            return
        end = self.start + block_end(self.text[self.start:])
        if end > self.start:
            lines = self._lines(self.text[self.start:end])
            # Blocks render one by one: the blank line between them is ours to put back.
            self._scrollback(lines[self.flushed:] + ([""] if lines else []))
            self.start, self.flushed = end, 0
        now = time.monotonic()
        if now - self.rendered_at >= self.min_interval:
            self.rendered_at = now
            self._show_pending(final=False)

    def _show_pending(self, *, final: bool) -> None:
        pending = self.text[self.start:]
        lines = self._lines(pending) if pending.strip() else []
        keep = 0 if final else self.live_lines
        # A table's column widths, or an ordered list's number width, change as rows arrive: such a block
        # goes to scrollback only when it is finished, and the live region shows its last lines meanwhile.
        held = not final and bool(_REFLOWS.match(pending))
        if len(lines) - self.flushed > keep and not held:
            cut = len(lines) - keep
            if self.live is None and not final:
                self._start_live()
            self._scrollback(lines[self.flushed:cut])
            self.flushed = cut
        if final:
            return
        if self.live is None:
            self._start_live()
        assert self.live is not None
        shown = lines[max(self.flushed, len(lines) - self.live_lines):]
        self.live.update(Text.from_ansi("\n".join(shown)), refresh=True)

    def _start_live(self) -> None:
        from rich.live import Live

        self.live = Live(Text(""), console=self.console, auto_refresh=False, transient=True,
                         vertical_overflow="visible")
        self.live.start()

    def finish(self, *, interrupted: bool = False) -> None:
        if self.plain:
            if self.text and not self.text.endswith("\n"):
                self.console.file.write("\n")
            if interrupted:
                self.console.file.write("[interrupted]\n")
            self.console.file.flush()
            return
        if self.live is not None:
            self.live.update(Text(""), refresh=True)
        self._show_pending(final=True)
        if self.live is not None:
            self.live.stop()
            self.live = None
        if interrupted:
            self.console.print("[interrupted]", style="yellow", markup=False, highlight=False)


def tool_line(event: ToolCalled) -> str:
    mark = "ok" if event.ok else f"rejected, {len(event.errors)} error(s)"
    line = f"  · {event.name}: {mark}" + (f": {event.summary}" if event.ok and event.summary else "")
    if event.errors:
        line += f" (first: {event.errors[0]})"
    return line


def usage_line(model: str, turn: Usage, session: Usage, price: PriceLookup = cost_of) -> str:
    def cost(usage: Usage) -> str:
        dollars = price(model, usage)
        return "" if dollars is None else f", ${dollars:.4f}"

    return (f"  tokens: {turn.prompt_tokens:,} in + {turn.completion_tokens:,} out{cost(turn)} this turn; "
            f"session {session.total_tokens:,}{cost(session)} over {session.requests} request(s)"
            + ("" if price(model, session) is not None else "; cost unknown for this model"))
