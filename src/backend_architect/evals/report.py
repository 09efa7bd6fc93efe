"""Reports of a run: the aggregate (report.json), a Markdown report, JUnit XML, a terminal table.

Scores are aggregated per case first (the mean over epochs), then per model over cases, so a
repeated case weighs as much as any other; the standard error and the t interval are over cases.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

from ..render.files import write_atomic
from .stats import mean, mean_ci, pass_at_k, std_error

__all__ = ["aggregate", "render_markdown", "render_table", "write_reports"]


def aggregate(records: list[dict[str, Any]]) -> dict[str, Any]:
    by_case: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for r in records:
        by_case[(f"{r['suite']}/{r['case']}", r["model"])].append(r)
    cases = []
    for (name, model), rs in by_case.items():
        scored = [r for r in rs if r.get("status") == "scored"]
        passes = sum(bool(r.get("passed")) for r in scored)
        n = len(scored)
        costs = [r.get("cost_usd") for r in rs]
        row: dict[str, Any] = {
            "case": name, "model": model, "epochs": len(rs), "errors": len(rs) - n,
            "score": round(mean([r["score"] for r in scored]), 4) if n else None,
            "passes": passes, "pass_rate": round(passes / n, 4) if n else None,
            "tokens": round(mean([r.get("prompt_tokens", 0) + r.get("completion_tokens", 0) for r in rs])),
            "cost_usd": _total(costs),
            "latency_s": round(mean([r.get("latency_s", 0.0) for r in rs]), 3),
            "grades": _grade_means(scored),
        }
        if n > 1:
            row["pass_at_k"] = {str(k): round(pass_at_k(n, passes, k), 4) for k in sorted({1, n})}
        cases.append(row)
    cases.sort(key=lambda c: (c["model"], c["case"]))
    models = []
    for model in sorted({c["model"] for c in cases}):
        rows = [c for c in cases if c["model"] == model]
        scores = [c["score"] for c in rows if c["score"] is not None]
        m, low, high = mean_ci(scores)
        costs = [c["cost_usd"] for c in rows]
        graders: dict[str, list[float]] = defaultdict(list)
        for c in rows:
            for g, s in c["grades"].items():
                graders[g].append(s)
        models.append({
            "model": model, "cases": len(rows), "scored": len(scores), "errors": sum(c["errors"] for c in rows),
            "mean_score": round(m, 4), "std_error": round(std_error(scores), 4),
            "ci95": [round(low, 4), round(high, 4)],
            "passed": sum(1 for c in rows if c["pass_rate"] is not None and c["pass_rate"] >= 0.5),
            "tokens": sum(c["tokens"] * c["epochs"] for c in rows),
            "cost_usd": _total(costs),
            "graders": {g: round(mean(v), 4) for g, v in sorted(graders.items())},
        })
        repeated = [c["pass_at_k"] for c in rows if "pass_at_k" in c]
        if repeated:
            ks = sorted({k for p in repeated for k in p}, key=int)
            models[-1]["pass_at_k"] = {k: round(mean([p[k] for p in repeated if k in p]), 4) for k in ks}
    return {"models": models, "cases": cases}


def _total(costs: list[float | None]) -> float | None:
    """The sum, or None when any part is unknown (a model with no price)."""
    known = [c for c in costs if c is not None]
    return round(sum(known), 6) if len(known) == len(costs) else None


def _grade_means(scored: list[dict[str, Any]]) -> dict[str, float]:
    sums: dict[str, list[float]] = defaultdict(list)
    for r in scored:
        for g in r.get("grades") or []:
            if not g.get("error"):
                sums[g["grader"]].append(g["score"])
    return {g: round(mean(v), 4) for g, v in sums.items()}


def _money(value: float | None) -> str:
    return "n/a" if value is None else f"${value:.4f}"


def _score(value: float | None) -> str:
    return "error" if value is None else f"{value:.3f}"


def _pass(case: dict[str, Any]) -> str:
    if case["pass_rate"] is None:
        return "ERROR"
    if case["epochs"] > 1:
        return f"{case['passes']}/{case['epochs'] - case['errors']}"
    return "PASS" if case["passes"] else "FAIL"


def _case_rows(report: dict[str, Any]) -> list[list[str]]:
    return [[c["case"], c["model"], _score(c["score"]), _pass(c), str(c["tokens"]), _money(c["cost_usd"]),
             f"{c['latency_s']:.2f}s"] for c in report["cases"]]


def _passes(model: dict[str, Any]) -> str:
    shown = f"{model['passed']}/{model['cases']}"
    if "pass_at_k" in model:
        shown += " (" + ", ".join(f"pass@{k} {v:.2f}" for k, v in model["pass_at_k"].items()) + ")"
    return shown


def _model_rows(report: dict[str, Any]) -> list[list[str]]:
    return [[m["model"], f"{m['mean_score']:.3f} ± {m['std_error']:.3f}",
             f"[{m['ci95'][0]:.3f}, {m['ci95'][1]:.3f}]", _passes(m), str(m["errors"]),
             str(m["tokens"]), _money(m["cost_usd"])] for m in report["models"]]


def _grader_rows(report: dict[str, Any]) -> list[list[str]]:
    graders = sorted({g for m in report["models"] for g in m["graders"]})
    return [[g, *(f"{m['graders'][g]:.3f}" if g in m["graders"] else "-" for m in report["models"])] for g in graders]


CASE_HEAD = ["case", "model", "score", "pass", "tokens", "cost", "latency"]
MODEL_HEAD = ["model", "mean ± s.e.", "95% CI", "passed", "errors", "tokens", "cost"]


def render_table(report: dict[str, Any]) -> list[Any]:
    """Rich renderables: cases, then models, then the per-grader breakdown."""
    from rich.table import Table

    tables = []
    for title, head, rows in (("Cases", CASE_HEAD, _case_rows(report)), ("Models", MODEL_HEAD, _model_rows(report))):
        table = Table(title=title, title_justify="left")
        for h in head:
            table.add_column(h, justify="left" if h in ("case", "model") else "right")
        for row in rows:
            table.add_row(*row)
        tables.append(table)
    table = Table(title="Graders (mean score)", title_justify="left")
    table.add_column("grader")
    for m in report["models"]:
        table.add_column(m["model"], justify="right")
    for row in _grader_rows(report):
        table.add_row(*row)
    tables.append(table)
    return tables


def _md_table(head: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(head) + " |", "|" + "|".join(" --- " for _ in head) + "|"]
    out += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return out


def render_markdown(report: dict[str, Any], records: list[dict[str, Any]]) -> str:
    lines = ["# Eval report", "", "## Models", ""] + _md_table(MODEL_HEAD, _model_rows(report))
    lines += ["", "## Graders (mean score)", ""]
    lines += _md_table(["grader", *(m["model"] for m in report["models"])], _grader_rows(report))
    lines += ["", "## Cases", ""] + _md_table(CASE_HEAD, _case_rows(report))
    lines += ["", "## Failures and errors", ""]
    for r in records:
        if r.get("status") == "error":
            lines.append(f"- `{r['key']}`: error: {r.get('error', '')}")
        elif not r.get("passed"):
            low = [f"{g['grader']} {g['score']:.2f} ({g['reason']})" for g in r.get("grades") or [] if g["score"] < 1]
            lines.append(f"- `{r['key']}` scored {r['score']:.3f}: " + "; ".join(low))
    return "\n".join(lines) + "\n"


def render_junit(records: list[dict[str, Any]]) -> str:
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in records:
        groups[f"{r['suite']}.{r['model']}"].append(r)
    root = ET.Element("testsuites", name="backend-architect eval")
    for name, rs in sorted(groups.items()):
        suite = ET.SubElement(root, "testsuite", name=name, tests=str(len(rs)),
                              failures=str(sum(1 for r in rs if r.get("status") == "scored" and not r.get("passed"))),
                              errors=str(sum(1 for r in rs if r.get("status") == "error")),
                              time=f"{sum(r.get('latency_s', 0) for r in rs):.3f}")
        for r in rs:
            case = ET.SubElement(suite, "testcase", classname=name, name=f"{r['case']}#{r['epoch']}",
                                 time=f"{r.get('latency_s', 0):.3f}")
            if r.get("status") == "error":
                ET.SubElement(case, "error", message=str(r.get("error", ""))[:500])
            elif not r.get("passed"):
                failure = ET.SubElement(case, "failure",
                                        message=f"score {r['score']:.3f} below {r.get('threshold', 0):.2f}")
                failure.text = "\n".join(f"{g['grader']}: {g['score']:.2f} {g['reason']}" for g in r.get("grades") or [])
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def write_reports(out_dir: Path, records: list[dict[str, Any]]) -> dict[str, Any]:
    report = aggregate(records)
    write_atomic(out_dir / "report.json", json.dumps(report, indent=2) + "\n")
    write_atomic(out_dir / "report.md", render_markdown(report, records))
    write_atomic(out_dir / "junit.xml", render_junit(records))
    return report
