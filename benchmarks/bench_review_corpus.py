"""`backend-architect review` over a directory of real documents, one process per file, as CI runs it.

Run: `.venv/bin/python benchmarks/bench_review_corpus.py DIR [--spectral PATH] [--squawk PATH] [--markdown OUT]`.
Nothing is fetched: DIR is whatever the person points at (OpenAPI files, YAML or JSON, and PostgreSQL
files, in any sub-directories). A YAML/JSON file counts as a document when it starts an OpenAPI or
Swagger document; the other files of a multi-file spec are read through its refs. Per file: exit
code, wall time, peak memory (the child's maximum resident set, from wait4) and findings by rule;
Spectral (`spectral:oas`) on the API documents and squawk on the SQL files beside them, when given.
The per-file rows go to --jsonl (one JSON object a line) and a summary to --markdown.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

EXE = Path(sys.executable).parent / "backend-architect"
SQL = re.compile(r"\.(sql|ddl|pgsql|psql)(\.[A-Za-z0-9]+)?$", re.I)
ROOT_DOC = re.compile(rb"""^\s*\{?\s*["']?(openapi|swagger)["']?\s*:""", re.M)


def documents(directory: Path) -> list[tuple[str, Path]]:
    found = []
    for path in sorted(directory.rglob("*")):
        if not path.is_file():
            continue
        if SQL.search(path.name):
            found.append(("sql", path))
        elif path.suffix.lower() in (".yaml", ".yml", ".json"):
            with path.open("rb") as handle:
                head = handle.read(4096)
            if ROOT_DOC.search(head):
                found.append(("api", path))
    return found


def run(cmd: list[str], timeout: float, stdout: Any = subprocess.DEVNULL) -> tuple[int, float, int]:
    """(exit code, wall seconds, peak RSS in MB); exit -9 when killed at the timeout."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=stdout, stderr=subprocess.DEVNULL)
    deadline = start + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() > deadline:
            proc.kill()
            _, status, usage = os.wait4(proc.pid, 0)
            break
        time.sleep(0.005)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, time.perf_counter() - start, usage.ru_maxrss // 1024


def review(path: Path, timeout: float) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        code, wall, rss = run([str(EXE), "review", str(path), "--format", "json", "-o", out.name], timeout)
        try:
            report = json.loads(Path(out.name).read_text() or "{}")
        except json.JSONDecodeError:
            report = {}
    findings = report.get("findings", [])
    return {"exit": code, "seconds": round(wall, 3), "rss_mb": rss, "findings": len(findings),
            "by_rule": dict(Counter(f["rule_id"] for f in findings)),
            "unparsable": [f["message"] for f in findings if f["rule_id"] == "input-unparsable"][:3]}


def other(kind: str, path: Path, args: argparse.Namespace, ruleset: Path) -> dict[str, Any] | None:
    if kind == "api" and args.spectral:
        cmd = [args.spectral, "lint", str(path), "--ruleset", str(ruleset), "--format", "json", "--quiet"]
    elif kind == "sql" and args.squawk:
        cmd = [args.squawk, str(path), "--reporter", "json"]
    else:
        return None
    with tempfile.TemporaryFile() as out:
        code, wall, rss = run(cmd, args.timeout, stdout=out)
        out.seek(0)
        text = out.read().decode("utf-8", "replace")
    try:
        count = len(json.loads(text)) if text.strip() else 0
    except json.JSONDecodeError:
        count = None
    return {"tool": "spectral" if kind == "api" else "squawk", "exit": code, "seconds": round(wall, 3),
            "rss_mb": rss, "findings": count}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("directory", type=Path)
    parser.add_argument("--spectral", help="the spectral executable (npm @stoplight/spectral-cli)")
    parser.add_argument("--squawk", help="the squawk executable (npm squawk-cli)")
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--jsonl", type=Path, help="per-file rows, one JSON object a line")
    parser.add_argument("--markdown", type=Path, help="write the summary table here")
    args = parser.parse_args()
    docs = documents(args.directory)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        ruleset = Path(tmp) / ".spectral.yaml"
        ruleset.write_text('extends: ["spectral:oas"]\n')
        for kind, path in docs:
            row = {"file": str(path.relative_to(args.directory)), "kind": kind, "bytes": path.stat().st_size,
                   **review(path, args.timeout)}
            row["other"] = other(kind, path, args, ruleset)
            rows.append(row)
            print(json.dumps(row), flush=True)
    if args.jsonl:
        args.jsonl.write_text("".join(json.dumps(r) + "\n" for r in rows))
    load = os.getloadavg()[0]
    lines = [f"{len(rows)} files from {args.directory.name}/ ({platform.python_implementation()} "
             f"{platform.python_version()}, {os.cpu_count()} CPUs, load average {load:.1f}, "
             f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}); one process per file, start-up included.", "",
             "| file | kind | MB | exit | s | peak RSS MB | findings | other tool | its exit | its s | its RSS MB "
             "| its findings |", "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: |"]
    for r in rows:
        o = r["other"] or {}
        lines.append(f"| {r['file']} | {r['kind']} | {r['bytes'] / 2**20:.2f} | {r['exit']} | {r['seconds']:.2f} | "
                     f"{r['rss_mb']} | {r['findings']} | {o.get('tool', '')} | {o.get('exit', '')} | "
                     f"{o.get('seconds', '')} | {o.get('rss_mb', '')} | {o.get('findings', '')} |")
    totals = Counter()
    for r in rows:
        totals.update(r["by_rule"])
    crashed = [r["file"] for r in rows if r["exit"] not in (0, 1)]
    lines += ["", f"Totals: {sum(r['seconds'] for r in rows):.1f} s for review"
              + (f", {sum((r['other'] or {}).get('seconds', 0) for r in rows):.1f} s for the other tools"
                 if any(r["other"] for r in rows) else "")
              + f"; exits other than 0/1: {len(crashed)} {crashed[:5]}; "
              f"input-unparsable: {totals.get('input-unparsable', 0)}; api-ref-unresolved: "
              f"{totals.get('api-ref-unresolved', 0)}.", "",
              "Findings by rule: " + ", ".join(f"{k} {v}" for k, v in totals.most_common())]
    text = "\n".join(lines) + "\n"
    if args.markdown:
        args.markdown.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
