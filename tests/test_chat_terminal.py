"""The chat in a real terminal (a pty): it starts, answers, renders Markdown, and leaves on Ctrl-D."""

from __future__ import annotations

import importlib.util
import sys

import pytest

from .conftest import ROOT

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a pty")


def test_the_chat_in_a_pty_answers_renders_markdown_and_exits_on_ctrl_d(tmp_path):
    spec = importlib.util.spec_from_file_location("bench_chat", ROOT / "benchmarks" / "bench_chat.py")
    assert spec and spec.loader
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    result = bench.terminal_check(tmp_path)
    assert result["answered"] and result["styled"] and not result["raw_markdown_left"]
    assert result["exit_code"] == 0
    assert result["seconds_to_prompt"] < 5  # the benchmark's aim is 0.5 s; CI machines vary


def test_ctrl_c_twice_at_the_prompt_leaves(tmp_path):
    spec = importlib.util.spec_from_file_location("bench_chat", ROOT / "benchmarks" / "bench_chat.py")
    assert spec and spec.loader
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    term = bench.Terminal(tmp_path, "--model", "builtin")
    try:
        term.expect(bench.PROMPT)
        term.type("\x03")
        term.expect(b"Ctrl-C again to leave")
        term.expect(bench.PROMPT, start=term.output.rfind(b"Ctrl-C again to leave"))
        term.type("\x03")
        term.expect(b"saved; resume it with")
        assert term.close() == 0
    finally:
        if term.process.poll() is None:
            term.process.kill()
