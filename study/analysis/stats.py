"""Aggregates over seeds, after Agarwal et al. (2021, rliable).

Seeds are the unit of replication. Point estimates are interquartile means (IQM);
intervals are 95% stratified bootstrap intervals with a seeded generator, so the same
results give the same intervals. Arrays are (runs, tasks): runs are seeds, tasks are
anything the estimate pools over (layers, depths); a 1-D array is one task.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats as sps

from study.analysis.intervals import interval

BOOTSTRAP_SEED = 20260101
N_BOOTSTRAP = 2000


def _2d(x):
    x = np.asarray(x, dtype=np.float64)
    return x[:, None] if x.ndim == 1 else x


def iqm(x, axis=None):
    """Mean of the middle 50% of values (scipy's trim_mean, 25% cut at each end).

    With axis=None over all values, giving a float; with axis=-1 row by row, vectorised.
    """
    x = np.asarray(x, dtype=np.float64)
    if axis is None:
        return float(sps.trim_mean(x.ravel(), 0.25))
    return sps.trim_mean(x, 0.25, axis=axis)


@dataclass(frozen=True)
class Estimate:
    value: float
    low: float
    high: float
    n: int = 0  # runs (seeds) behind it

    def fmt(self, digits=3, percent=False, points=False) -> str:
        """ "0.123 [0.1, 0.15]"; with percent "12.3% [10.0, 15.0]"; a difference of fractions with points,
        "+12.3 pp [+10.0, +15.0]"."""
        style = "pp" if points else "%" if percent else ""
        return interval(self.value, self.low, self.high, style, decimals=max(digits - 2, 0), digits=digits)


def bootstrap(x, statistic=iqm, n=N_BOOTSTRAP, seed=BOOTSTRAP_SEED, level=0.95) -> Estimate:
    """`statistic` with a percentile interval; runs are resampled within each task (stratified).

    `statistic(values, axis=-1)` must reduce each row of a (samples, values) array.
    """
    x = _2d(x)
    x = x[~np.isnan(x).any(axis=1)]
    if len(x) == 0:
        return Estimate(np.nan, np.nan, np.nan, 0)
    rng = np.random.default_rng(seed)
    runs, tasks = x.shape
    idx = rng.integers(0, runs, size=(n, runs, tasks))
    resampled = np.take_along_axis(x[None], idx, axis=1).reshape(n, runs * tasks)
    samples = statistic(resampled, axis=-1)
    alpha = (1 - level) / 2
    lo, hi = np.quantile(samples, [alpha, 1 - alpha])
    return Estimate(statistic(x), float(lo), float(hi), runs)


def probability_of_improvement(x, y) -> float:
    """P(X > Y) + P(X = Y)/2 per task (Mann-Whitney), averaged over tasks."""
    x, y = _2d(x), _2d(y)
    per_task = []
    for j in range(x.shape[1]):
        greater = (x[:, j][:, None] > y[:, j][None, :]).mean()
        ties = (x[:, j][:, None] == y[:, j][None, :]).mean()
        per_task.append(greater + 0.5 * ties)
    return float(np.mean(per_task))


def improvement(x, y, n=N_BOOTSTRAP, seed=BOOTSTRAP_SEED, level=0.95) -> Estimate:
    """`probability_of_improvement` of X over Y with a stratified bootstrap interval (Agarwal et al.
    2021): the runs of X and of Y are resampled independently within each task."""
    x, y = _2d(x), _2d(y)
    keep = ~(np.isnan(x).any(axis=1)), ~(np.isnan(y).any(axis=1))
    x, y = x[keep[0]], y[keep[1]]
    if not len(x) or not len(y):
        return Estimate(np.nan, np.nan, np.nan, 0)
    rng = np.random.default_rng(seed)

    def resample(a):  # runs drawn with replacement, task by task
        return np.take_along_axis(a, rng.integers(0, len(a), a.shape), axis=0)

    samples = [probability_of_improvement(resample(x), resample(y)) for _ in range(n)]
    lo, hi = np.quantile(samples, [(1 - level) / 2, (1 + level) / 2])
    return Estimate(probability_of_improvement(x, y), float(lo), float(hi), min(len(x), len(y)))


class Unpaired(ValueError):
    """Paired samples of different sizes (a seed left out of one side): never paired by position."""


def _paired(x, y):
    x, y = _2d(x), _2d(y)
    if x.shape != y.shape:
        raise Unpaired(f"paired samples differ in shape: {x.shape} and {y.shape}")
    return x, y


def paired_difference(x, y, **kwargs) -> Estimate:
    """IQM of x - y, paired by run (same seed, same batches), with its bootstrap interval."""
    x, y = _paired(x, y)
    return bootstrap(x - y, **kwargs)


def mean(x, axis=None):
    """The plain mean, as a `bootstrap` statistic: for proportions (0/1 outcomes), where an IQM would drop the tails."""
    x = np.asarray(x, dtype=np.float64)
    return float(x.mean()) if axis is None else x.mean(axis=axis)


@dataclass(frozen=True)
class Equivalence:
    """Two one-sided tests (TOST) of a paired difference against the margin [-margin, margin]."""

    difference: float  # mean paired difference
    low: float  # its 90% t-interval: inside the margin exactly when both one-sided tests reject at 5%
    high: float
    p: float  # the larger of the two one-sided p-values
    margin: float
    n: int = 0  # paired runs (seeds)
    se: float = 0.0  # standard error of the mean difference

    @property
    def value(self) -> float:
        return self.difference

    def estimate(self, level: float = 0.95) -> Estimate:
        """The mean difference with its t-interval at `level` (the TOST's own is the 90% one): a key number
        stated, as every other, with its 95% interval."""
        half = sps.t(df=max(self.n - 1, 1)).ppf(0.5 + level / 2) * self.se if self.se else 0.0
        return Estimate(self.difference, self.difference - half, self.difference + half, self.n)

    @property
    def equivalent(self) -> bool:
        return self.p < 0.05

    @property
    def different(self) -> bool:
        """The interval lies wholly outside the margin: shown not equivalent."""
        return self.low > self.margin or self.high < -self.margin

    def fmt(self, digits=3, percent=False) -> str:
        return (
            interval(self.difference, self.low, self.high, "pp" if percent else "+", decimals=digits - 1)
            + f", TOST p = {self.p:.2g}"
        )


def equivalence(x, y, margin: float) -> Equivalence:
    """TOST of the paired difference x - y (same seed, same batches) against +-margin."""
    x, y = _paired(x, y)
    d = (x - y).ravel()
    d = d[np.isfinite(d)]
    n, m = len(d), float(d.mean())
    se = d.std(ddof=1) / np.sqrt(n) if n > 1 else np.inf
    if se == 0:  # identical differences: the interval is the point
        inside = abs(m) < margin
        return Equivalence(m, m, m, 0.0 if inside else 1.0, margin, n)
    t = sps.t(df=max(n - 1, 1))
    p_low = t.sf((m + margin) / se)  # H0: difference <= -margin
    p_high = t.cdf((m - margin) / se)  # H0: difference >= +margin
    half = t.ppf(0.95) * se
    return Equivalence(m, m - half, m + half, float(max(p_low, p_high)), margin, n, float(se))
