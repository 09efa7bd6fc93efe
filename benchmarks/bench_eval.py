"""The eval runner against an OpenAI-compatible server on 127.0.0.1 that answers after a fixed latency.

The server is the builtin model served by `BuiltinServer` in a separate process, with a delay of
L seconds before each answer. Measured: wall time against the ideal ceil(N/C) × calls per case × L,
for L = 1 s and 0.1 s, N = 200, C = 20 and 50; the runner's own CPU time per case; concurrency 1 vs
8, cold vs through the response cache; and peak memory for 200 vs 2,000 cases (against a server
that answers at once without tool calls, so the runner, not the agent, is what is measured).

Run: `make bench-eval` (or `.venv/bin/python benchmarks/bench_eval.py [--quick]`). Appends to
benchmarks/results.md.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import math
import multiprocessing
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def _serve(delay: float, mode: str, queue: Any) -> None:
    from backend_architect.llm.builtin.model import BuiltinModel
    from backend_architect.llm.builtin.server import BuiltinServer

    class Delayed(BuiltinModel):  # `respond` (JSON or SSE) goes through this `handle`
        def handle(self, method: str, path: str, body: bytes) -> tuple[int, dict[str, Any]]:
            time.sleep(delay)
            if mode == "chatty":  # answers at once and never calls a tool: the agent gives up after 3 asks
                return 200, {"id": "x", "object": "chat.completion", "created": 0, "model": "bench",
                             "choices": [{"index": 0, "finish_reason": "stop",
                                          "message": {"role": "assistant", "content": "No."}}],
                             "usage": {"prompt_tokens": 10, "completion_tokens": 1, "total_tokens": 11}}
            return super().handle(method, path, body)

    server = BuiltinServer(model=Delayed())
    server.httpd.socket.listen(512)  # the default backlog of 5 drops bursts of 50 connections
    with server:
        queue.put(server.base_url)
        while True:
            time.sleep(3600)


class Server:
    def __init__(self, delay: float, mode: str = "builtin"):
        ctx = multiprocessing.get_context("spawn")
        self.queue = ctx.Queue()
        self.proc = ctx.Process(target=_serve, args=(delay, mode, self.queue), daemon=True)

    def __enter__(self) -> str:
        self.proc.start()
        return self.queue.get(timeout=60)

    def __exit__(self, *exc: object) -> None:
        self.proc.kill()
        self.proc.join()


def _cases(n: int) -> list[Any]:
    from backend_architect.evals.suite import load_suites, select

    base = select(load_suites([ROOT / "evals"]), None)
    return [dataclasses.replace(base[i % len(base)], id=f"{base[i % len(base)].id}-{i}") for i in range(n)]


def run_once(base_url: str, n: int, concurrency: int, cache_dir: Path | None) -> dict[str, float]:
    from backend_architect.evals.cache import ResponseCache
    from backend_architect.evals.runner import EvalConfig, default_client_factory, run_eval
    from backend_architect.inputs.knowledge import load_knowledge
    from backend_architect.inputs.prompts import load_persona

    knowledge, persona = load_knowledge(), load_persona()
    cases = _cases(n)
    with tempfile.TemporaryDirectory() as tmp:
        config = EvalConfig(models=["bench-model"], out_dir=Path(tmp) / "run", concurrency=concurrency)
        cache = ResponseCache(cache_dir) if cache_dir else None
        factory = default_client_factory(base_url=base_url, cache=cache, knowledge=knowledge)
        cpu, wall = time.process_time(), time.perf_counter()
        asyncio.run(run_eval(cases, config, client_factory=factory, knowledge=knowledge, persona=persona))
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        records = [json.loads(line) for line in (Path(tmp) / "run" / "results.jsonl").read_text().splitlines()]
    calls = sum(r["requests"] for r in records) / len(records)
    errors = sum(r["status"] == "error" for r in records)
    return {"wall": wall, "cpu": cpu, "calls": calls, "errors": errors,
            "hits": sum(r["cache_hits"] for r in records) / len(records)}


def latency_rows(quick: bool, mode: str) -> list[str]:
    n = 40 if quick else 200
    rows = ["| L | N | C | calls/case | ideal s | wall s | ideal/wall | runner CPU s/case |",
            "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for delay in (1.0, 0.1):
        with Server(delay, mode) as url:
            for concurrency in (20, 50):
                m = run_once(url, n, concurrency, None)
                ideal = math.ceil(n / concurrency) * m["calls"] * delay
                rows.append(f"| {delay:g} s | {n} | {concurrency} | {m['calls']:.1f} | {ideal:.1f} | {m['wall']:.1f} "
                            f"| {ideal / m['wall']:.2f} | {m['cpu'] / n:.3f} |")
                print(rows[-1], flush=True)
    return rows


def cache_rows(quick: bool) -> list[str]:
    n = 16 if quick else 32
    rows = ["| L | N | C | cache | wall s | runner CPU s/case | cache hits/case |",
            "| ---: | ---: | ---: | --- | ---: | ---: | ---: |"]
    with Server(0.1) as url, tempfile.TemporaryDirectory() as tmp:
        for concurrency in (1, 8):
            cache_dir = Path(tmp) / f"cache-{concurrency}"
            for label in ("cold", "cached"):
                m = run_once(url, n, concurrency, cache_dir)
                rows.append(f"| 0.1 s | {n} | {concurrency} | {label} | {m['wall']:.1f} | {m['cpu'] / n:.3f} "
                            f"| {m['hits']:.1f} |")
                print(rows[-1], flush=True)
    return rows


def _peak_mb() -> float:
    # VmHWM, after clear_refs reset it: ru_maxrss survives execve, so a child started by a big parent
    # would report the parent's peak.
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def memory_child(n: int, mode: str) -> None:
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass
    with Server(0.0, mode=mode) as url:
        m = run_once(url, n, 50, None)
    print(json.dumps({"n": n, "peak_mb": _peak_mb(), "wall": m["wall"], "cpu": m["cpu"]}))


def memory_rows(quick: bool) -> list[str]:
    rows = ["| server | N | C | peak RSS MB | wall s | runner CPU s/case |", "| --- | ---: | ---: | ---: | ---: | ---: |"]
    sizes = [("chatty", 200), ("chatty", 2000), ("builtin", 50), ("builtin", 200)]
    for mode, n in ([(m, max(20, n // 10)) for m, n in sizes] if quick else sizes):
        out = subprocess.run([sys.executable, __file__, "--memory-child", str(n), "--mode", mode], check=True,
                             capture_output=True, text=True).stdout
        m = json.loads(out.strip().splitlines()[-1])
        rows.append(f"| {mode} | {n} | 50 | {m['peak_mb']:.1f} | {m['wall']:.1f} | {m['cpu'] / n:.4f} |")
        print(rows[-1], flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="smaller N, for a smoke run")
    parser.add_argument("--memory-child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--mode", default="chatty", help=argparse.SUPPRESS)
    parser.add_argument("--only", choices=["latency", "cache", "memory"], help="run one section")
    args = parser.parse_args()
    if args.memory_child:
        memory_child(args.memory_child, args.mode)
        return
    load = os.getloadavg()[0]
    lines = ["", "# Eval runner against a server on 127.0.0.1 with a fixed latency L", "",
             f"{platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} CPUs, "
             f"load average {load:.1f} at the start, {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC"
             + (" (--quick)" if args.quick else "") + ". Server: the builtin model in its own process.", ""]
    if args.only in (None, "latency"):
        lines += ["## Wall time against the ideal ceil(N/C) × calls per case × L", "",
                  "The runner alone: the server answers without tool calls, so each case is 3 model calls "
                  "(the ask and two nudges) and no artifact to validate.", ""] + latency_rows(args.quick, "chatty")
        lines += ["", "Whole cases: the server is the builtin model, so each case is 9 model calls and the agent "
                  "validates every artifact (openapi-spec-validator, pglast) in the runner's process.", ""]
        lines += latency_rows(args.quick, "builtin")
    if args.only in (None, "cache"):
        lines += ["", "## Concurrency 1 vs 8, cold vs through the response cache", "",
                  "The 16 shipped cases twice over: in a cold run the second copy of a brief already hits "
                  "the cache.", ""] + cache_rows(args.quick)
    if args.only in (None, "memory"):
        lines += ["", "## Peak memory (a fresh process per row; L = 0)", ""] + memory_rows(args.quick)
    text = "\n".join(lines) + "\n"
    with (ROOT / "benchmarks" / "results.md").open("a") as handle:
        handle.write(text)
    print(text)


if __name__ == "__main__":
    main()
