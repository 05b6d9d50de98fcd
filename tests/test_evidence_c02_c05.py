"""The evidence of claims C2-C5 on the smoke profile's stored runs: its numbers and the verdict, no prose."""

import dataclasses
import math

import numpy as np
import pytest

from study.analysis.selection import MAIN_INIT
from study.analysis.verdicts import (
    BEYOND,
    INCONCLUSIVE,
    NOT_TESTABLE,
    NUANCED,
    REFUTED,
    STRADDLES,
    SUPPORTED,
    VERDICTS,
    WITHIN,
)
from study.claims import c02_activation_rate as c2
from study.claims import c03_flipped_relu as c3
from study.claims import c04_feature_selection as c4
from study.claims import c05_expressivity as c5


def ordered(est) -> bool:
    """A finite estimate inside its own interval."""
    return all(map(math.isfinite, (est.value, est.low, est.high))) and est.low <= est.value <= est.high


def fraction(est) -> bool:
    """An ordered estimate of a fraction: its interval within [0, 1]."""
    return ordered(est) and 0 <= est.low and est.high <= 1


def key_sound(key) -> bool:
    return ordered(key) and key.n > 0


@pytest.fixture(scope="module")
def c2_evidence(smoke_study):
    return c2.evidence(smoke_study)


@pytest.fixture(scope="module")
def c3_evidence(smoke_study):
    return c3.evidence(smoke_study)


@pytest.fixture(scope="module")
def c4_evidence(smoke_study):
    return c4.evidence(smoke_study)


@pytest.fixture(scope="module")
def c5_evidence(smoke_study):
    return c5.evidence(smoke_study)


@pytest.mark.parametrize("module", [c2, c3, c4, c5], ids=lambda m: m.CLAIM)
def test_protocol(module):
    """The new protocol only: no `finding` for the framework to fall back to, a frozen Evidence, LITERATURE."""
    assert not hasattr(module, "finding")
    assert dataclasses.is_dataclass(module.Evidence) and module.Evidence.__dataclass_params__.frozen
    assert isinstance(module.LITERATURE, str) and module.LITERATURE
    assert all(callable(getattr(module, f)) for f in ("evidence", "verdict", "text", "table"))


# --- C2: activation rate by depth ---------------------------------------------------------


def test_c2_rates_and_ratios(c2_evidence):
    e = c2_evidence
    assert e.depth >= 2 and e.epochs >= 1 and e.predicted == 2.0 ** -(e.depth - 1)
    assert set(e.first) == set(e.last) == set(e.ratios)
    assert {s for s, _ in e.ratios} == {"initialisation", "trained"}
    assert ("trained", MAIN_INIT) in e.ratios and e.ratio == e.ratios[("trained", MAIN_INIT)]
    for k in e.ratios:
        assert fraction(e.first[k]) and fraction(e.last[k]), k
        assert ordered(e.ratios[k]) and e.ratios[k].low > 0, k
        assert e.ratios[k].n == e.first[k].n == e.last[k].n > 0, k
    # one rate per hidden layer, each near He et al.'s 1/2: the rate does not halve layer after layer
    assert len(e.layer_rates) == e.depth
    assert all(0.25 < r < 0.75 for r in e.layer_rates)
    assert e.ratio.low > e.predicted
    # the product of the rates is what falls geometrically
    assert e.paths == pytest.approx(float(np.prod(e.layer_rates)))
    assert 0 < e.paths <= min(e.layer_rates)


def test_c2_key_and_verdict(c2_evidence):
    e = c2_evidence
    assert key_sound(e.key) and e.key.unit == ""
    f = e.factor
    assert (e.key.value, e.key.low, e.key.high, e.key.n) == (f.value, f.low, f.high, f.n)
    assert set(e.factors) == set(e.ratios) and all(ordered(x) and x.n == e.seeds for x in e.factors.values())
    assert c2.verdict(e) == c2.RULE(e) and c2.verdict(e) in VERDICTS and c2.verdict(e) != NOT_TESTABLE
    where = c2.SESOI.decide(f.low - 0.5, f.high - 0.5)
    assert c2.verdict(e) == {WITHIN: SUPPORTED, BEYOND: REFUTED, STRADDLES: INCONCLUSIVE}.get(where, REFUTED)
    # the fitted factor and the end-to-end ratio tell one story: the rate does not halve per layer here
    assert f.low > 0.5 and e.ratio.low > e.predicted


# --- C3: flipped ReLUs --------------------------------------------------------------------


def test_c3_equivalence_tests(c3_evidence):
    e = c3_evidence
    assert e.epochs >= 1 and len(e.depths) >= 1 and list(e.depths) == sorted(e.depths)
    assert set(e.tests) == {(d, f, m) for d in e.depths for f in c3.FLIPS for m in c3.MARGINS}
    assert set(e.accuracy) == {(d, a) for d in e.depths for a in c3.ORDER}
    # the smoke run's sign-flipped twins: 3 flips x its seeds, ending where their ReLU twins end
    assert e.exact is not None and e.exact.pairs == 3 * e.accuracy[(e.depths[0], "relu")].n and e.exact.agree
    for (d, a), est in e.accuracy.items():
        assert fraction(est) and est.n > 1, (d, a)
    for (d, flip, metric), t in e.tests.items():
        assert t.low <= t.difference <= t.high, (d, flip, metric)  # the 90% interval holds its difference
        assert t.margin == c3.MARGINS[metric] and 0 <= t.p <= 1
        assert t.n == e.accuracy[(d, "relu")].n
        wide = t.estimate()  # the 95% interval holds the TOST's 90% one
        assert wide.low <= t.low <= t.high <= wide.high
        assert not (t.equivalent and t.different)
        if t.equivalent:
            assert -t.margin < t.low and t.high < t.margin
        if metric == "test_accuracy" and t.n < 4:  # the IQM of fewer than four seeds is their mean
            diff = e.accuracy[(d, flip)].value - e.accuracy[(d, "relu")].value
            assert t.difference == pytest.approx(diff)  # flip minus relu, paired by seed


def test_c3_key_and_verdict(c3_evidence):
    e = c3_evidence
    depth, flip, metric = e.worst
    assert metric == "test_accuracy" and flip in c3.FLIPS and depth in e.depths
    largest = max(abs(t.difference) for (_, _, m), t in e.tests.items() if m == "test_accuracy")
    assert abs(e.tests[e.worst].difference) == largest
    assert key_sound(e.key) and e.key.unit == "pp" and e.key.value == e.tests[e.worst].difference
    assert e.key.low <= e.tests[e.worst].low and e.tests[e.worst].high <= e.key.high
    assert 0 <= e.shown_equivalent <= len(e.tests)
    v = c3.verdict(e)
    assert v == c3.RULE(e) and v in (SUPPORTED, REFUTED, NUANCED)
    assert (v == SUPPORTED) == (e.shown_equivalent == len(e.tests))


# --- C4: feature selection ----------------------------------------------------------------


def test_c4_differences_and_models(c4_evidence):
    e = c4_evidence
    assert e.epochs >= 1 and len(e.informative) >= 2 and list(e.informative) == sorted(e.informative)
    assert all(1 <= n <= 100 for n in e.informative)
    assert set(e.fit) == set(e.pick) == set(c4.SATURATING)
    for d in [*e.fit.values(), *e.pick.values(), e.sparser]:
        assert ordered(d) and d.n > 1
    assert set(c4.SHOWN) <= set(e.models)
    for model, row in e.models.items():
        assert list(row) == [
            "train loss",
            "test accuracy",
            "relevance AUC",
            "weight share on informative",
            "Hoyer sparsity",
        ], model
        assert all(ordered(est) for est in row.values()), model
        assert row["train loss"].low > 0
        assert all(fraction(row[c]) for c in ("test accuracy", "relevance AUC", "weight share on informative"))
    hoyer = {m: row["Hoyer sparsity"] for m, row in e.models.items()}
    for b in c4.SATURATING:  # ReLU's representation is the sparser one
        assert hoyer["relu"].low > hoyer[b].high, b
    assert math.isnan(e.rho) or -1 <= e.rho <= 1
    assert e.pairs == len(e.models) * len(e.informative)


def test_c4_key_and_verdict(c4_evidence):
    e = c4_evidence
    assert e.key.value == e.pick["sigmoid"].value and e.key.n == e.pick["sigmoid"].n and key_sound(e.key)
    v = c4.verdict(e)
    assert v == c4.RULE(e) and v in (SUPPORTED, REFUTED, NUANCED, INCONCLUSIVE)
    if v == SUPPORTED:
        assert e.fits and e.selects and e.sparser_selects
    if v in (REFUTED, INCONCLUSIVE):
        assert not e.fits and not e.selects and e.undecided == (v == INCONCLUSIVE)
    # a difference counts only beyond its smallest effect of interest
    if e.fits:
        assert all(d.high < -c4.LOSS.size for d in e.fit.values())
    if e.selects:
        assert all(d.low > c4.AUC.size for d in e.pick.values())


# --- C5: expressivity ---------------------------------------------------------------------


def test_c5_accuracy_and_regions(c5_evidence):
    e = c5_evidence
    d0, deepest = e.depths[0], e.depths[-1]
    assert e.epochs >= 1 and len(e.depths) >= 2 and list(e.depths) == sorted(e.depths)
    assert 0 < e.baseline < 1
    # the advantage, the accuracies and the stall flags for every depth trained
    assert set(e.advantage) == set(e.accuracy) == set(e.relu_stalled) == set(e.depths)
    assert set(e.regions) == {(d, t) for d in e.depths for t in (0, e.epochs)}
    for d in e.depths:
        assert {"linear", "relu"} <= set(e.accuracy[d])
        assert all(fraction(est) for est in e.accuracy[d].values()), d
        assert ordered(e.advantage[d]) and -1 <= e.advantage[d].low and e.advantage[d].high <= 1, d
        assert len(e.relu_stalled[d]) == e.accuracy[d]["relu"].n and set(e.relu_stalled[d]) <= {True, False}
        if e.advantage[d].n < 4:  # the IQM of fewer than four seeds is their mean
            diff = e.accuracy[d]["relu"].value - e.accuracy[d]["linear"].value
            assert e.advantage[d].value == pytest.approx(diff)  # relu minus linear
    assert e.linear == {d: a["linear"] for d, a in e.accuracy.items()}
    for t in (0, e.epochs):  # a line crosses at least one region; deeper ReLU nets cut it into more
        assert all(ordered(e.regions[(d, t)]) and e.regions[(d, t)].low >= 1 for d in e.depths)
        assert e.regions[(deepest, t)].value > e.regions[(d0, t)].value


def test_c5_trend_key_and_verdict(c5_evidence):
    e = c5_evidence
    # the trend is a line per seed through the advantage against log2(depth)
    assert ordered(e.trend) and e.trend.n == e.advantage[e.depths[0]].n
    if e.trend.n < 4 and len(e.depths) == 2:  # two depths: the slope is the difference over log2 of their ratio
        d0, d1 = e.depths
        expected = (e.advantage[d1].value - e.advantage[d0].value) / np.log2(d1 / d0)
        assert e.trend.value == pytest.approx(expected)
    assert e.key.unit == "pp" and key_sound(e.key) and e.key.value == e.trend.value
    v = c5.verdict(e)
    assert v == c5.RULE(e) and v in (SUPPORTED, REFUTED, NUANCED, INCONCLUSIVE)
    if v == REFUTED:
        assert all(a.low <= c5.SESOI.size for a in e.advantage.values())
    if v == SUPPORTED:
        assert e.linear_at_baseline and e.trend.low > c5.SESOI.size
    if v == INCONCLUSIVE:
        assert e.trend.low <= c5.SESOI.size <= e.trend.high


def test_c2_per_layer_factor_on_a_synthetic_rate_profile():
    layers = np.arange(6)
    rng = np.random.default_rng(0)
    halving = 0.5 * 0.5**layers * np.exp(rng.normal(0, 0.02, (10, 6)))  # each layer half the one below
    flat = 0.4 * np.ones((10, 6))  # the same share everywhere
    np.testing.assert_allclose(c2.per_layer_factor(halving), 0.5, rtol=0.03)
    np.testing.assert_allclose(c2.per_layer_factor(flat), 1.0)
    assert np.isnan(c2.per_layer_factor(np.array([[0.3, 0.0, 0.0]]))).all()  # one active layer: no line
    decide = c2.SESOI.decide
    assert decide(0.47 - 0.5, 0.55 - 0.5) == WITHIN  # supported: within 1/2 +- 0.1
    assert decide(0.95 - 0.5, 1.0 - 0.5) == BEYOND  # refuted: a flat profile
    assert decide(0.55 - 0.5, 0.7 - 0.5) == STRADDLES  # inconclusive


def test_c3_decides_from_the_sign_flipped_twins_and_the_independent_draws():
    from types import SimpleNamespace

    def evidence(exact, different=False, equivalent=False):
        test = SimpleNamespace(different=different, equivalent=equivalent)
        return c3.Evidence(5, (4,), {(4, "neg_relu", "test_accuracy"): test}, {}, exact)

    agree, apart = c3.Exact(8e-8, 0.2, 0.009, 30, 80), c3.Exact(0.3, 0.4, 0.05, 30, 80)
    assert agree.agree and not apart.agree
    assert not c3.Exact(1e-8, 0.2, 0.03, 30, 80).agree  # the final accuracies must be within the margin too
    assert c3.verdict(evidence(agree)) == SUPPORTED  # the draws need only not differ
    assert c3.verdict(evidence(apart, equivalent=True)) == REFUTED
    assert c3.verdict(evidence(agree, different=True)) == NUANCED
    assert c3.verdict(evidence(None)) == NUANCED  # without twins the draws must show equivalence
    assert c3.verdict(evidence(None, equivalent=True)) == SUPPORTED
    assert c3.verdict(evidence(None, different=True)) == REFUTED
    assert c3.ROUNDING in c3.RULE.sesoi
