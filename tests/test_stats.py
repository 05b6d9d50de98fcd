"""The equivalence test (TOST) against scipy's t distribution and cases worked out by hand."""

import numpy as np
import pytest
from scipy import stats as sps

from study.analysis import stats


def test_tost_matches_two_one_sided_t_tests():
    rng = np.random.default_rng(0)
    x, y = rng.normal(0.80, 0.01, 10), rng.normal(0.80, 0.01, 10)
    e = stats.equivalence(x, y, margin=0.02)
    d = x - y
    p_low = sps.ttest_1samp(d, -0.02, alternative="greater").pvalue
    p_high = sps.ttest_1samp(d, 0.02, alternative="less").pvalue
    assert e.p == pytest.approx(max(p_low, p_high))
    assert e.difference == pytest.approx(d.mean())
    lo, hi = sps.t.interval(0.90, len(d) - 1, loc=d.mean(), scale=sps.sem(d))
    assert (e.low, e.high) == (pytest.approx(lo), pytest.approx(hi))
    # Both tests reject at 5% exactly when the 90% interval lies inside the margin.
    assert e.equivalent == (-0.02 < e.low and e.high < 0.02)
    assert e.equivalent and not e.different


def test_tost_sees_a_difference_and_an_undecided_case():
    far = stats.equivalence([0.9, 0.91, 0.89, 0.9], [0.8, 0.8, 0.81, 0.79], margin=0.02)
    assert far.different and not far.equivalent
    noisy = stats.equivalence([0.9, 0.7, 0.85], [0.8, 0.8, 0.8], margin=0.02)
    assert not noisy.equivalent and not noisy.different
    same = stats.equivalence([0.5, 0.6], [0.5, 0.6], margin=0.02)  # identical: zero spread
    assert same.equivalent and same.difference == 0


def test_a_tost_key_number_carries_the_95_percent_interval():
    rng = np.random.default_rng(1)
    d = rng.normal(0.01, 0.02, 10)
    e = stats.equivalence(d, np.zeros(10), margin=0.02)
    key = e.estimate()
    lo, hi = sps.t.interval(0.95, 9, loc=d.mean(), scale=sps.sem(d))
    assert (key.value, key.low, key.high, key.n) == (pytest.approx(d.mean()), pytest.approx(lo), pytest.approx(hi), 10)
    assert key.low < e.low and e.high < key.high  # wider than the TOST's 90% interval
    same = stats.equivalence([0.5, 0.6], [0.5, 0.6], margin=0.02).estimate()
    assert same.low == same.high == 0


def test_differences_of_fractions_read_in_percentage_points():
    e = stats.Estimate(0.312, -0.0051, 0.319, 10)
    assert e.fmt(points=True) == "+31.2 pp [-0.5, +31.9]" and e.fmt(percent=True) == "31.2% [-0.5, 31.9]"


def test_mean_is_a_bootstrap_statistic_for_proportions():
    outcomes = np.array([1, 0, 0, 0, 1, 0, 0, 0, 0, 0], dtype=float)
    e = stats.bootstrap(outcomes, statistic=stats.mean)
    assert e.value == pytest.approx(0.2) and 0 <= e.low < 0.2 < e.high <= 0.6
    assert stats.iqm(outcomes) == 0.0  # why proportions need the mean: the IQM drops the ones


def test_probability_of_improvement_with_its_interval():
    rng = np.random.default_rng(0)
    better = rng.normal(1.0, 0.1, (10, 3))
    worse = rng.normal(0.0, 0.1, (10, 3))
    e = stats.improvement(better, worse)
    assert e.value == 1.0 and e.low > 0.9 and e.n == 10
    same = stats.improvement(worse, worse + rng.normal(0, 1e-3, (10, 3)))
    assert same.low < 0.5 < same.high  # undecided: the interval straddles one half
    flipped = stats.improvement(worse, better)
    assert flipped.value == 0.0 and flipped.high < 0.1
    assert stats.improvement(better, worse) == e  # seeded: the same interval every time
