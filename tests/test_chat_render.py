"""Streaming Markdown: finished lines reach scrollback once, in order, whole; nothing is cut with an ellipsis."""

from __future__ import annotations

import io
import re

from rich.console import Console
from rich.text import Text

from backend_architect.chat.render import MarkdownStream, block_end, usage_line
from backend_architect.design.events import Usage

ANSWER = """# Caching plan

Cache-aside where reads outnumber writes at least 5:1, with TTLs and jitter so that entries do not expire together.

```python
def get(key):

    return cache.get(key) or load(key)
```

1. Measure the hit rate.
2. Invalidate on write.

""" + "\n".join(f"- item {i} of a long list that keeps going" for i in range(40)) + "\n\n" + \
    "\n".join(f"{i}. numbered step {i}" for i in range(1, 13)) + "\n\n| table | width |\n| --- | --- |\n" + \
    "\n".join(f"| row {i} | {'x' * i} |" for i in range(1, 12)) + "\n\nThe end.\n"


def _plain(text: str) -> list[str]:
    return [line.rstrip() for line in re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text).splitlines()]


def test_block_end_waits_for_a_blank_line_outside_a_fence():
    assert block_end("para\n") == 0
    assert block_end("para\n\nnext") == len("para\n\n")
    assert block_end("```\ncode\n\nmore\n") == 0
    assert block_end("```\ncode\n\n```\n\nafter") == len("```\ncode\n\n```\n\n")


class _FakeLive:
    """Stands in for rich's Live: records what the live region would show, writes nothing."""

    def __init__(self, seen: list[list[str]], console: Console):
        self.seen, self.console = seen, console

    def update(self, renderable: Text, refresh: bool = False) -> None:
        self.seen.append(renderable.plain.splitlines())

    def stop(self) -> None:
        pass


def test_streamed_markdown_matches_a_one_shot_render_line_for_line(monkeypatch):
    terminal = Console(file=io.StringIO(), width=80, force_terminal=True, color_system="truecolor")
    stream = MarkdownStream(terminal, live_lines=4, min_interval=0)
    live_frames: list[list[str]] = []
    monkeypatch.setattr(stream, "_start_live", lambda: setattr(stream, "live", _FakeLive(live_frames, terminal)))
    for i in range(0, len(ANSWER), 7):
        stream.update(ANSWER[i:i + 7])
    stream.finish()
    shown = [line for line in _plain(terminal.file.getvalue()) if line.strip()]

    reference = Console(file=io.StringIO(), width=80, force_terminal=True)
    from rich.markdown import Markdown

    reference.print(Markdown(ANSWER))
    expected = [line for line in _plain(reference.file.getvalue()) if line.strip()]
    # Every line of the answer reaches the scrollback exactly once and in order (the live region is transient).
    assert shown == expected
    assert sum("item 39 of a long list" in line for line in shown) == 1
    assert "…" not in "".join(shown)
    # The live region stayed short the whole time.
    assert live_frames and max(len(frame) for frame in live_frames) <= 4


def test_plain_output_is_the_text_as_it_arrives():
    piped = Console(file=io.StringIO(), width=80)
    stream = MarkdownStream(piped)
    for piece in ["**bold** ", "and ", "more"]:
        stream.update(piece)
    stream.finish(interrupted=True)
    assert piped.file.getvalue() == "**bold** and more\n[interrupted]\n"


def test_usage_line_says_when_the_cost_is_unknown():
    line = usage_line("gpt-test", Usage(100, 20, 1), Usage(300, 60, 3))
    assert "100 in + 20 out this turn" in line and "session 360 over 3 request(s)" in line
    assert "cost unknown" in line
    priced = usage_line("gpt-test", Usage(100, 20, 1), Usage(300, 60, 3), price=lambda m, u: u.total_tokens / 1e6)
    assert "$0.0001" in priced and "cost unknown" not in priced


def test_no_color_keeps_the_layout_and_drops_the_colours():
    terminal = Console(file=io.StringIO(), width=80, force_terminal=True, no_color=True)
    stream = MarkdownStream(terminal, min_interval=0)
    stream.update("# Title\n\nSome `code` and **bold**.\n")
    stream.finish()
    out = terminal.file.getvalue()
    assert "Title" in out and "**" not in out
    assert not re.search(r"\x1b\[(3|4)[0-9]", out) and "38;" not in out
