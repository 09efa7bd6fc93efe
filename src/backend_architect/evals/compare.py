"""`eval compare RUN_A RUN_B`: per-case differences, and whether the mean difference is noise.

Cases are paired by suite/case (and by model when a run holds several); each side's
score is the case's mean over its epochs; the test is a two-sided paired t-test on B − A.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .results import read_results
from .stats import PairedTest, paired_t_test

__all__ = ["Comparison", "compare_runs", "render_comparison"]


@dataclass
class Comparison:
    rows: list[tuple[str, float, float]]  # (case, score A, score B)
    only_a: list[str]
    only_b: list[str]
    test: PairedTest
    alpha: float = 0.05

    @property
    def verdict(self) -> str:
        t = self.test
        if t.n < 2:
            return "too few paired cases to test"
        direction = "better" if t.mean_diff > 0 else "worse"
        if t.significant(self.alpha):
            return f"B is {direction} than A by {t.mean_diff:+.3f}: more than noise (p = {t.p_value:.3g})"
        return f"no difference beyond noise (mean {t.mean_diff:+.3f}, p = {t.p_value:.3g}, n = {t.n})"

    @property
    def regressed(self) -> bool:
        return self.test.significant(self.alpha) and self.test.mean_diff < 0


def _scores(path: Path, with_model: bool) -> dict[str, float]:
    sums: dict[str, list[float]] = defaultdict(list)
    for r in read_results(path):
        if r.get("status") != "scored":
            continue
        key = f"{r['suite']}/{r['case']}" + (f" [{r['model']}]" if with_model else "")
        sums[key].append(float(r["score"]))
    return {k: sum(v) / len(v) for k, v in sums.items()}


def _models(path: Path) -> set[str]:
    return {r["model"] for r in read_results(path)}


def compare_runs(a: Path, b: Path, *, alpha: float = 0.05) -> Comparison:
    for path in (a, b):
        if not read_results(path):
            raise FileNotFoundError(f"{path}: no results (expected a run directory or a results .jsonl file)")
    # One model a side: pair by case (model A against model B). Several: pair each model with itself.
    with_model = len(_models(a)) > 1 or len(_models(b)) > 1
    sa, sb = _scores(a, with_model), _scores(b, with_model)
    common = sorted(set(sa) & set(sb))
    rows = [(k, sa[k], sb[k]) for k in common]
    test = paired_t_test([r[1] for r in rows], [r[2] for r in rows])
    return Comparison(rows, sorted(set(sa) - set(sb)), sorted(set(sb) - set(sa)), test, alpha)


def render_comparison(cmp: Comparison, *, all_rows: bool = False) -> list[Any]:
    from rich.table import Table
    from rich.text import Text

    table = Table(title="Per-case scores (A → B)", title_justify="left")
    for head in ("case", "A", "B", "Δ"):
        table.add_column(head, justify="left" if head == "case" else "right")
    for case, sa, sb in cmp.rows:
        diff = sb - sa
        if not all_rows and abs(diff) < 1e-9:
            continue
        style = "green" if diff > 0 else "red" if diff < 0 else ""
        table.add_row(case, f"{sa:.3f}", f"{sb:.3f}", Text(f"{diff:+.3f}", style=style))
    same = sum(1 for _, sa, sb in cmp.rows if abs(sb - sa) < 1e-9)
    lines: list[Any] = [table] if table.row_count else []
    if same and not all_rows:
        lines.append(f"{same} of {len(cmp.rows)} paired cases unchanged (--all shows them)")
    if cmp.only_a or cmp.only_b:
        lines.append(f"only in A: {', '.join(cmp.only_a) or '-'}; only in B: {', '.join(cmp.only_b) or '-'}")
    t = cmp.test
    lines.append(f"paired t-test: n = {t.n}, mean Δ = {t.mean_diff:+.4f}, t = {t.t:.3f}, df = {t.df}, "
                 f"p = {t.p_value:.4g}")
    lines.append(cmp.verdict)
    return lines
