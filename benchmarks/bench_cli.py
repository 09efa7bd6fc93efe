"""Wall and CPU time of `backend-architect --help`, of `review` on one small file, and of `design` on each example.

Run: `make bench` (or `.venv/bin/python benchmarks/bench_cli.py [--runs N] [--skip-design] [--against SRC]`).
Results go to benchmarks/results.md. Times include the Python start-up, as a user sees them; CPU is the child's
user + system time (wait4), the figure to read on a shared machine. `--against SRC` also runs the start-up rows
with another checkout's `src` (e.g. a `git worktree` of main) on PYTHONPATH, interleaved run by run with this
one, and prints both (`python -m backend_architect` for both, so the two differ only in the code).
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
SMALL = ROOT / "tests" / "fixtures" / "openapi" / "petstore.yaml"
STARTUP = [("--help", ["--help"]), ("review petstore.yaml --format json", ["review", str(SMALL), "--format", "json"]),
           ("review petstore.yaml (table)", ["review", str(SMALL)])]


def run_once(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall, CPU) seconds of one run."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=ROOT)
    _, _, usage = os.wait4(proc.pid, 0)
    return time.perf_counter() - start, usage.ru_utime + usage.ru_stime


def _env(pythonpath: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "PYTHONDONTWRITEBYTECODE")}
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    return env


def timed(cmd: list[str], runs: int) -> tuple[list[float], list[float]]:
    env = _env()
    subprocess.run(cmd, capture_output=True, env=env, cwd=ROOT)  # a first run writes the bytecode caches
    samples = [run_once(cmd, env) for _ in range(runs)]
    return [w for w, _ in samples], [c for _, c in samples]


def compare(against: str, runs: int) -> None:
    trees = [("before", _env(against)), ("after", _env(str(ROOT / "src")))]
    print(f"| command | before wall s | after wall s | before CPU s | after CPU s |  ({runs} runs, medians)")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, args in STARTUP:
        cmd = [sys.executable, "-m", "backend_architect", *args]
        got: dict[str, list[tuple[float, float]]] = {"before": [], "after": []}
        for _, env in trees:
            subprocess.run(cmd, capture_output=True, env=env, cwd=ROOT)
        for _ in range(runs):
            for label, env in trees:
                got[label].append(run_once(cmd, env))
        med = {k: (statistics.median(w for w, _ in v), statistics.median(c for _, c in v)) for k, v in got.items()}
        print(f"| `{name}` | {med['before'][0]:.3f} | {med['after'][0]:.3f} | {med['before'][1]:.3f} | "
              f"{med['after'][1]:.3f} |")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--skip-design", action="store_true", help="only the start-up rows")
    parser.add_argument("--against", help="another checkout's src directory: before/after start-up, interleaved")
    args = parser.parse_args()
    if args.against:
        compare(args.against, args.runs)
        return
    rows = [(f"backend-architect {name}", *timed([str(EXE), *argv], args.runs)) for name, argv in STARTUP]
    if not args.skip_design:
        with tempfile.TemporaryDirectory() as tmp:
            for brief in sorted((ROOT / "examples" / "briefs").iterdir()):
                cmd = [str(EXE), "design", str(brief), "-o", str(Path(tmp) / brief.stem)]
                rows.append((f"design {brief.name}", *timed(cmd, args.runs)))
    lines = [
        "# CLI wall time and CPU (builtin model)",
        "",
        f"{args.runs} runs each, {platform.python_implementation()} {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}, {time.strftime('%Y-%m-%d %H:%M')}. "
        "Includes interpreter start-up; CPU is user + system.",
        "",
        "| command | median wall s | min wall s | max wall s | median CPU s |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for name, walls, cpus in rows:
        lines.append(f"| `{name}` | {statistics.median(walls):.3f} | {min(walls):.3f} | {max(walls):.3f} | "
                     f"{statistics.median(cpus):.3f} |")
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
