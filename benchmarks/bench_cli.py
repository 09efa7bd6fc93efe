"""Wall time of `backend-architect --help` and of `backend-architect design` on each example (builtin model).

Run: `make bench` (or `.venv/bin/python benchmarks/bench_cli.py [--runs N]`). Results go to
benchmarks/results.md. Times include the Python start-up, as a user sees them.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXE = Path(sys.executable).parent / "backend-architect"


def timed(cmd: list[str], runs: int) -> list[float]:
    env = {k: v for k, v in os.environ.items() if k not in ("OPENAI_API_KEY", "OPENAI_BASE_URL")}
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True, env=env, cwd=ROOT)
        samples.append(time.perf_counter() - start)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    rows = [("backend-architect --help", timed([str(EXE), "--help"], args.runs))]
    with tempfile.TemporaryDirectory() as tmp:
        for brief in sorted((ROOT / "examples" / "briefs").iterdir()):
            cmd = [str(EXE), "design", str(brief), "-o", str(Path(tmp) / brief.stem)]
            rows.append((f"design {brief.name}", timed(cmd, args.runs)))
    lines = [
        "# CLI wall time (builtin model)",
        "",
        f"{args.runs} runs each, {platform.python_implementation()} {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, {time.strftime('%Y-%m-%d')}. Includes interpreter start-up.",
        "",
        "| command | median s | min s | max s |",
        "| --- | ---: | ---: | ---: |",
    ]
    for name, samples in rows:
        lines.append(f"| `{name}` | {statistics.median(samples):.3f} | {min(samples):.3f} | {max(samples):.3f} |")
    text = "\n".join(lines) + "\n"
    replace_section(ROOT / "benchmarks" / "results.md", text)
    print(text)


def replace_section(path: Path, text: str) -> None:
    """Put this benchmark's section first in the results file, keeping the other benchmarks' sections."""
    old = path.read_text() if path.exists() else ""
    lines = old.splitlines(keepends=True)
    if lines and lines[0].startswith("# CLI wall time"):
        rest = next((i for i, line in enumerate(lines[1:], 1) if line.startswith(("# ", "<!--"))), len(lines))
        lines = lines[rest:]
    path.write_text(text + ("\n" + "".join(lines) if lines else ""))


if __name__ == "__main__":
    main()
