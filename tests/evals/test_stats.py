"""The statistics against known values (R's t.test and pt/qt)."""

from __future__ import annotations

import math

import pytest

from backend_architect.evals.stats import mean_ci, paired_t_test, pass_at_k, std_error, t_cdf, t_quantile


def test_paired_t_test_matches_r_on_students_sleep_data():
    # t.test(extra ~ group, data = sleep, paired = TRUE): t = -4.0621, df = 9, p-value = 0.002833
    group1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0]
    group2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4]
    result = paired_t_test(group2, group1)
    assert result.t == pytest.approx(-4.0621, abs=1e-4)
    assert result.df == 9 and result.p_value == pytest.approx(0.002833, abs=1e-6)
    assert result.mean_diff == pytest.approx(-1.58) and result.significant()


@pytest.mark.parametrize("t,df,p", [(2.0, 10, 0.9633060), (-1.0, 3, 0.1955011), (0.0, 5, 0.5), (12.0, 1, 0.5 + math.atan(12.0) / math.pi)])
def test_t_cdf_matches_r_pt(t, df, p):
    assert t_cdf(t, df) == pytest.approx(p, abs=1e-6)


def test_t_quantile_matches_r_qt():
    assert t_quantile(0.975, 9) == pytest.approx(2.262157, abs=1e-5)
    assert t_quantile(0.975, 1000) == pytest.approx(1.962339, abs=1e-5)


def test_no_noise_and_no_pairs():
    assert paired_t_test([0.5, 0.5], [0.5, 0.5]).p_value == 1.0
    same_shift = paired_t_test([0.1, 0.2, 0.3], [0.2, 0.3, 0.4])
    assert same_shift.p_value == 0.0 and same_shift.t == math.inf
    assert not paired_t_test([0.1], [0.9]).significant()
    with pytest.raises(ValueError):
        paired_t_test([1.0], [1.0, 2.0])


def test_standard_error_and_confidence_interval():
    assert std_error([1.0, 2.0, 3.0, 4.0]) == pytest.approx(0.6454972)
    m, low, high = mean_ci([1.0, 2.0, 3.0, 4.0])
    assert m == 2.5 and low == pytest.approx(0.4457397, abs=1e-5) and high == pytest.approx(4.55426, abs=1e-5)
    assert mean_ci([0.7]) == (0.7, 0.7, 0.7)


def test_pass_at_k():
    assert pass_at_k(5, 2, 1) == pytest.approx(0.4)
    assert pass_at_k(5, 2, 3) == pytest.approx(0.9)
    assert pass_at_k(5, 0, 5) == 0.0 and pass_at_k(3, 3, 1) == 1.0
    with pytest.raises(ValueError):
        pass_at_k(2, 1, 3)
