"""`backend-architect review` on a large OpenAPI document: wall time and peak memory, optionally against Spectral.

Run: `.venv/bin/python benchmarks/bench_review.py [--resources 1000] [--runs 3] [--spectral PATH]`.
The document is generated (5 operations per resource, so 1000 resources give 5000 operations) with
a few defects sprinkled in, written as JSON and YAML. Each command runs as its own process, as a
user runs it; peak memory is the child's maximum resident set size (from wait4). Results are
appended to benchmarks/results.md as one section, replaced on the next run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
EXE = Path(sys.executable).parent / "backend-architect"
RESULTS = ROOT / "benchmarks" / "results.md"
BEGIN, END = "<!-- bench_review:begin -->", "<!-- bench_review:end -->"


def problem(desc: str) -> dict[str, Any]:
    return {"description": desc, "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}


def generate(resources: int) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {"Problem": {"type": "object", "properties": {
        "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"}}}}
    slow_down = {**problem("slow down"), "headers": {"Retry-After": {"schema": {"type": "integer"}}}}
    errors = {"400": problem("bad request"), "401": problem("unauthorised"), "429": slow_down,
              "500": problem("server error")}
    for i in range(resources):
        name, schema = f"things{i}", f"Thing{i}"
        ref = {"$ref": f"#/components/schemas/{schema}"}
        item_id = {"name": "thing_id", "in": "path", "required": True, "schema": {"type": "string", "format": "uuid"}}
        page = [{"name": "limit", "in": "query", "schema": {"type": "integer"}},
                {"name": "cursor", "in": "query", "schema": {"type": "string"}}]
        paths[f"/api/v1/{name}"] = {
            "get": {"operationId": f"list{schema}", "summary": "list", "parameters": page if i % 10 else [],
                    "responses": {"200": {"description": "page", "content": {"application/json": {"schema": {
                        "type": "object", "properties": {"items": {"type": "array", "items": ref},
                                                         "next_cursor": {"type": ["string", "null"]}}}}}}, **errors}},
            "post": {"operationId": f"create{schema}", "summary": "create",
                     "requestBody": {"content": {"application/json": {"schema": ref}}},
                     "responses": {"201": {"description": "created", "content": {"application/json": {"schema": ref}}},
                                   **errors}},
        }
        paths[f"/api/v1/{name}/{{thing_id}}"] = {
            "parameters": [item_id],
            **{method: {"operationId": f"{method}{schema}", "summary": method,
                        "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": ref}}},
                                      "404": problem("not found"), **errors}}
               for method in ("get", "patch", "delete")},
        }
        schemas[schema] = {"type": "object", "required": ["id"], "properties": {
            "id": {"type": "string", "format": "uuid", "readOnly": True},
            "display_name": {"type": "string"}, "created_at": {"type": "string", "format": "date-time"},
            "status": {"type": "string", "enum": ["active", "archived"]},
            **({"updatedAt": {"type": "string"}} if i % 25 == 0 else {}),
            "amount": {"type": "number"}}}
    return {"openapi": "3.1.0", "info": {"title": "Large API", "version": "1.0.0",
                                         "description": "Rate limits: 100 requests per minute."},
            "security": [{"bearerAuth": []}], "paths": paths,
            "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
                           "schemas": schemas}}


def _describe(path: Path) -> str:
    doc = json.loads(path.read_text(encoding="utf-8"))
    ops = sum(1 for item in doc.get("paths", {}).values() for k in item if k in ("get", "put", "post", "delete",
                                                                                 "patch", "head", "options", "trace"))
    return f"OpenAPI {doc.get('openapi')}, {ops} operations, {path.stat().st_size / 2**20:.1f} MB"


def measure(cmd: list[str], runs: int) -> tuple[list[float], float, int, int]:
    """Wall times, median CPU seconds, peak RSS in MB (max over runs), and the last exit code."""
    times, cpu, peak, code = [], [], 0, 0
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
        _, status, usage = os.wait4(proc.pid, 0)
        times.append(time.perf_counter() - start)
        proc.returncode = code = os.waitstatus_to_exitcode(status)
        cpu.append(usage.ru_utime + usage.ru_stime)
        peak = max(peak, usage.ru_maxrss // 1024)  # Linux reports KiB
    return times, statistics.median(cpu), peak, code


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--resources", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--spectral", help="path to the spectral executable (npm @stoplight/spectral-cli)")
    parser.add_argument("--spectral-runs", type=int, default=1, help="Spectral is slow: one run is usually enough")
    parser.add_argument("--document", type=Path, help="also a real document, e.g. GitHub's api.github.com.json from "
                        "the npm package @octokit/openapi")
    args = parser.parse_args()
    doc = generate(args.resources)
    operations = sum(1 for item in doc["paths"].values() for k in item if k != "parameters")
    rows: list[tuple[str, list[float], float, int, int]] = []
    with tempfile.TemporaryDirectory() as tmp:
        as_json, as_yaml = Path(tmp) / "large.json", Path(tmp) / "large.yaml"
        as_json.write_text(json.dumps(doc))
        import yaml

        as_yaml.write_text(yaml.safe_dump(doc, sort_keys=False))
        size_mb = as_json.stat().st_size / 2**20
        for label, path, fmt in (("review JSON, --format json", as_json, "json"),
                                 ("review YAML, --format json", as_yaml, "json"),
                                 ("review JSON, --format sarif (with line numbers)", as_json, "sarif"),
                                 ("review YAML, --format sarif (with line numbers)", as_yaml, "sarif")):
            rows.append((label, *measure([str(EXE), "review", str(path), "--format", fmt], args.runs)))
        ruleset = Path(tmp) / ".spectral.yaml"
        ruleset.write_text('extends: ["spectral:oas"]\n')
        targets = [("generated", as_json)] + ([(args.document.name, args.document)] if args.document else [])
        for name, path in targets:
            if path != as_json:
                rows.append((f"review {name}, --format json", *measure(
                    [str(EXE), "review", str(path), "--format", "json"], args.runs)))
            if args.spectral:
                rows.append((f"Spectral `spectral:oas`, {name}", *measure(
                    [args.spectral, "lint", str(path), "--ruleset", str(ruleset), "--format", "json", "--quiet"],
                    args.spectral_runs)))
    lines = [BEGIN, "# review on a large OpenAPI document", "",
             f"{operations} operations, {len(doc['components']['schemas'])} schemas, {size_mb:.1f} MB as JSON; "
             f"{args.runs} runs each, {platform.python_implementation()} {platform.python_version()}, "
             f"{os.cpu_count()} CPUs, {time.strftime('%Y-%m-%d')}. Each a separate process, start-up included; "
             "peak memory is the process's maximum resident set."
             + (f" Also {args.document.name}: {_describe(args.document)}." if args.document else ""), "",
             "| command | runs | median wall s | min wall s | CPU s | peak RSS MB | exit |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for name, samples, cpu, peak, code in rows:
        lines.append(f"| {name} | {len(samples)} | {statistics.median(samples):.2f} | {min(samples):.2f} | {cpu:.2f} | "
                     f"{peak} | {code} |")
    lines.append(END)
    section = "\n".join(lines) + "\n"
    text = RESULTS.read_text() if RESULTS.exists() else ""
    if BEGIN in text and END in text:
        text = text[: text.index(BEGIN)] + section + text[text.index(END) + len(END) + 1:]
    else:
        text = text.rstrip("\n") + "\n\n" + section
    RESULTS.write_text(text)
    print(section)


if __name__ == "__main__":
    main()
