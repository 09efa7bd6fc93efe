"""`backend-architect chat` in a real terminal (a pty): time to the first prompt, then a check that it
answers, renders Markdown (ANSI styling, no raw `**`), and leaves on Ctrl-D.

Run: `.venv/bin/python benchmarks/bench_chat.py [--runs N]`; results go to benchmarks/chat_results.md.
tests/test_chat_terminal.py runs the same check once.
"""

from __future__ import annotations

import argparse
import os
import platform
import pty
import re
import select
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from fcntl import ioctl
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXE = Path(sys.executable).parent / "backend-architect"
PROMPT = "›".encode()
CPR_REQUEST = b"\x1b[6n"


class Terminal:
    """The chat on the slave side of a pty, 40x120, TERM=xterm-256color; the master side is the person."""

    def __init__(self, data_dir: Path, *args: str):
        self.master, slave = pty.openpty()
        ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
        env = {k: v for k, v in os.environ.items()
               if k not in {"OPENAI_API_KEY", "OPENAI_BASE_URL", "BACKEND_ARCHITECT_MODEL", "NO_COLOR"}}
        env.update(TERM="xterm-256color", BACKEND_ARCHITECT_SESSIONS=str(data_dir / "sessions.db"),
                   COLUMNS="120", LINES="40")
        self.started = time.perf_counter()
        self.process = subprocess.Popen([str(EXE), "chat", *args], stdin=slave, stdout=slave, stderr=slave,
                                        env=env, cwd=data_dir, start_new_session=True)
        os.close(slave)
        self.output = b""

    def expect(self, needle: bytes, timeout: float = 30.0, start: int = 0) -> float:
        """Read until `needle` appears after offset `start`; answer cursor-position requests like a terminal."""
        deadline = time.monotonic() + timeout
        while needle not in self.output[start:]:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"{needle!r} not seen; the screen so far: {self.output[-2000:]!r}")
            ready, _, _ = select.select([self.master], [], [], min(left, 0.5))
            if ready:
                try:
                    chunk = os.read(self.master, 65536)
                except OSError:  # the child closed the terminal
                    chunk = b""
                if not chunk and self.process.poll() is not None:
                    raise TimeoutError(f"the chat exited before {needle!r}: {self.output[-2000:]!r}")
                if CPR_REQUEST in chunk:
                    os.write(self.master, b"\x1b[1;1R")
                self.output += chunk
        return time.perf_counter() - self.started

    def type(self, text: str) -> None:
        os.write(self.master, text.encode())

    def close(self) -> int:
        try:
            return self.process.wait(timeout=20)
        finally:
            os.close(self.master)


def terminal_check(data_dir: Path) -> dict[str, object]:
    term = Terminal(data_dir, "--model", "builtin")
    try:
        to_prompt = term.expect(PROMPT)
        mark = len(term.output)
        term.type("What is cursor pagination?\r")
        term.expect(b"tokens:", start=mark)  # the usage line closes the turn
        answer = term.output[mark:]
        plain = re.sub(rb"\x1b\[[0-9;?]*[A-Za-z]", b"", answer)
        term.expect(PROMPT, start=mark + answer.rfind(b"tokens:"))
        term.type("\x04")  # Ctrl-D
        term.expect(b"saved; resume it with", start=mark)
        code = term.close()
    except BaseException:
        term.process.kill()
        term.close()
        raise
    return {
        "seconds_to_prompt": to_prompt,
        "exit_code": code,
        "styled": b"\x1b[1m" in answer or b"\x1b[1;" in answer,  # bold headings: Markdown was rendered
        # Only a heading marker: the live region may briefly show an emphasis whose closing `*` has not
        # arrived yet, and those frames are in the byte stream even though the screen replaced them.
        "raw_markdown_left": b"### " in plain,
        "answered": b"Pagination" in plain,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    results = []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            results.append(terminal_check(Path(tmp)))
            print(results[-1])
    times = [float(r["seconds_to_prompt"]) for r in results]  # type: ignore[arg-type]
    helps = []
    for _ in range(args.runs):  # for scale: the same machine, the same moment, the cheapest command
        start = time.perf_counter()
        subprocess.run([str(EXE), "--help"], check=True, capture_output=True)
        helps.append(time.perf_counter() - start)
    text = "\n".join([
        "# `backend-architect chat` in a pty (builtin model)",
        "",
        f"{args.runs} runs, {platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} CPUs, "
        f"{time.strftime('%Y-%m-%d')}, load average {os.getloadavg()[0]:.1f} at the end (other work on the "
        "machine slows start-up). Launch to the first prompt, interpreter start-up included.",
        "",
        f"- time to first prompt: median {statistics.median(times):.3f} s, min {min(times):.3f} s, "
        f"max {max(times):.3f} s (aim: under 0.5 s); `backend-architect --help` meanwhile: median "
        f"{statistics.median(helps):.3f} s",
        f"- answered, rendered Markdown and left on Ctrl-D with exit code 0 in every run: "
        f"{all(r['answered'] and r['styled'] and not r['raw_markdown_left'] and r['exit_code'] == 0 for r in results)}",
    ]) + "\n"
    (ROOT / "benchmarks" / "chat_results.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
