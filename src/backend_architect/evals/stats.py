"""The statistics the reports need, without scipy: mean, standard error, Student's t, pass@k.

The t distribution's CDF comes from the regularized incomplete beta function (the continued
fraction of Numerical Recipes, §6.4), which is accurate to ~1e-10 for the sizes here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["PairedTest", "mean", "mean_ci", "paired_t_test", "pass_at_k", "std_error", "t_cdf", "t_quantile"]


def mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def std_error(values: list[float]) -> float:
    n = len(values)
    if n < 2:
        return 0.0
    m = mean(values)
    return math.sqrt(sum((v - m) ** 2 for v in values) / (n - 1) / n)


def _beta_cf(a: float, b: float, x: float) -> float:
    tiny, c, d = 1e-300, 1.0, 1.0 - (a + b) * x / (a + 1)
    d = 1 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 300):
        for num in (m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
                    -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))):
            d = 1 + num * d
            d = 1 / (d if abs(d) > tiny else tiny)
            c = 1 + num / c
            c = c if abs(c) > tiny else tiny
            h *= d * c
        if abs(d * c - 1) < 1e-15:
            break
    return h


def _reg_inc_beta(a: float, b: float, x: float) -> float:
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    front = math.exp(math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x))
    if x < (a + 1) / (a + b + 2):
        return front * _beta_cf(a, b, x) / a
    return 1 - front * _beta_cf(b, a, 1 - x) / b


def t_cdf(t: float, df: float) -> float:
    """P(T <= t) for Student's t with `df` degrees of freedom."""
    tail = 0.5 * _reg_inc_beta(df / 2, 0.5, df / (df + t * t))
    return 1 - tail if t > 0 else tail


def t_quantile(p: float, df: float) -> float:
    """The t with P(T <= t) = p, by bisection (monotone CDF)."""
    lo, hi = -1e3, 1e3
    for _ in range(200):
        mid = (lo + hi) / 2
        if t_cdf(mid, df) < p:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def mean_ci(values: list[float], level: float = 0.95) -> tuple[float, float, float]:
    """(mean, low, high): a t confidence interval of the mean."""
    m, se = mean(values), std_error(values)
    if len(values) < 2 or se == 0:
        return m, m, m
    half = t_quantile(0.5 + level / 2, len(values) - 1) * se
    return m, m - half, m + half


@dataclass(frozen=True)
class PairedTest:
    n: int
    mean_diff: float
    t: float
    df: int
    p_value: float

    def significant(self, alpha: float = 0.05) -> bool:
        return self.n >= 2 and self.p_value < alpha


def paired_t_test(a: list[float], b: list[float]) -> PairedTest:
    """Two-sided paired t-test of b - a."""
    if len(a) != len(b):
        raise ValueError("paired samples must have the same length")
    diffs = [y - x for x, y in zip(a, b)]
    n, m = len(diffs), mean(diffs)
    if n < 2:
        return PairedTest(n, m, 0.0, max(n - 1, 0), 1.0)
    se = std_error(diffs)
    if se <= 1e-12 * max(1.0, abs(m)):  # every pair moved by the same amount: no noise at all
        return PairedTest(n, m, math.copysign(math.inf, m) if m else 0.0, n - 1, 0.0 if m else 1.0)
    t = m / se
    return PairedTest(n, m, t, n - 1, min(1.0, 2 * t_cdf(-abs(t), n - 1)))


def pass_at_k(n: int, c: int, k: int) -> float:
    """The unbiased estimator of pass@k from n samples with c passes (Chen et al., 2021)."""
    if k > n:
        raise ValueError(f"k={k} is more than the {n} samples")
    if n - c < k:
        return 1.0
    return 1.0 - math.comb(n - c, k) / math.comb(n, k)
