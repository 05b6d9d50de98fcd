"""The evidence of claims C6-C8 on the smoke profile's stored runs: its numbers and the verdict, no prose."""

import math

import pytest

from study.analysis.selection import MAIN_INIT
from study.analysis.verdicts import NUANCED, REFUTED, SUPPORTED, VERDICTS
from study.claims import c06_vanishing_gradients as c6
from study.claims import c07_convergence as c7
from study.claims import c08_compute_cost as c8


def ordered(est) -> bool:
    """A finite estimate inside its own interval."""
    return all(map(math.isfinite, (est.value, est.low, est.high))) and est.low <= est.value <= est.high


def key_sound(key) -> bool:
    return ordered(key) and key.n > 0


@pytest.fixture(scope="module")
def c6_evidence(smoke_study):
    return c6.evidence(smoke_study)


@pytest.fixture(scope="module")
def c7_evidence(smoke_study):
    return c7.evidence(smoke_study)


@pytest.fixture(scope="module")
def c8_evidence(smoke_study):
    return c8.evidence(smoke_study)


# --- C6: vanishing gradients --------------------------------------------------------------


def test_c6_gradient_ratios_and_accuracies(c6_evidence):
    e = c6_evidence
    assert e.depth > e.shallow >= 1 and e.epochs >= 1
    assert MAIN_INIT in e.inits and list(e.inits) == sorted(e.inits)
    cells = {(a, i) for a in ("sigmoid", "tanh", "relu", "leaky_relu") for i in e.inits}
    assert set(e.within) == set(e.across) == set(e.accuracy) == set(e.stalled) >= cells
    for k in e.within:
        assert ordered(e.within[k]) and e.within[k].low > 0, k  # norms: the ratios are positive
        assert ordered(e.across[k]) and e.across[k].low > 0, k
        assert 0 <= e.accuracy[k].low <= e.accuracy[k].value <= e.accuracy[k].high <= 1, k
        assert set(e.stalled[k]) <= {0.0, 1.0} and len(e.stalled[k]) == e.accuracy[k].n, k
    for i in e.inits:  # the deep sigmoid net's first layer gets a smaller share of the gradient than ReLU's
        assert e.within[("sigmoid", i)].value < e.within[("relu", i)].value, i
    for (a, i), (k, n) in e.bimodal.items():
        assert 0 < k < n == len(e.stalled[(a, i)])


def test_c6_key_and_verdict(c6_evidence):
    e = c6_evidence
    assert e.sigmoid_accuracy == e.accuracy[("sigmoid", MAIN_INIT)]
    assert key_sound(e.key) and e.key.unit == "%" and e.key.value == e.sigmoid_accuracy.value
    assert set(e.relu_vanishes) == set(e.inits)
    v = c6.verdict(e)
    assert v == c6.RULE(e) and v in VERDICTS
    assert (v == REFUTED) == (e.sigmoid_accuracy.value >= c6.STALLED_ACCURACY)
    if v != REFUTED:
        assert (v == SUPPORTED) == (not any(e.relu_vanishes.values()))


# --- C7: convergence --------------------------------------------------------------------------


def test_c7_speeds_and_ratios(c7_evidence):
    e = c7_evidence
    optimizers = {o for _, o in e.tuned.speeds}
    assert optimizers == set(c7.SHARED_RATE)
    for c in (e.tuned, e.shared):
        assert set(c.ratios) == set(c.epoch_ratios) == {(o, b) for o in optimizers for b in c7.SLOWER}
        assert {a for a, _ in c.speeds} >= {"sigmoid", "tanh", "relu", "leaky_relu"}
        for r in c.ratios.values():
            assert ordered(r) and r.low > 0  # losses are positive: so are their areas' ratios
        for (a, o), s in c.speeds.items():
            assert s.rate > 0 and ordered(s.area) and s.area.low > 0, (a, o)
            assert 0 <= s.reached.low <= s.reached.value <= s.reached.high <= 1, (a, o)
            assert 0 <= s.steady.low <= s.steady.value <= s.steady.high <= 1, (a, o)
            assert (s.epochs is None) == (s.reached.value == 0) == (s.seconds is None), (a, o)
            assert len(s.stalled) == s.area.n
    assert all(s.rate == c7.SHARED_RATE[o] for (_, o), s in e.shared.speeds.items())
    assert e.key.value == e.ratios[("adam", "sigmoid")].value and key_sound(e.key)


def test_c7_verdict_overall_and_per_optimizer(c7_evidence):
    e = c7_evidence
    v = c7.verdict(e)
    assert v == c7.RULE(e) == c7.RULE(e.tuned) and v in VERDICTS
    assert c7.RULE(e.shared) in VERDICTS
    each = {o: c7.RULE(e.tuned.only(o)) for o, _ in e.ratios}
    assert all(set(e.tuned.only(o).ratios) == {(o, b) for b in c7.SLOWER} for o in each)
    if v in (SUPPORTED, REFUTED):  # every ratio, or none, has its lower bound above 1: so under each optimiser
        assert set(each.values()) == {v}
    else:  # some ratios have it and others not: within one optimiser, or the optimisers disagree
        assert v == NUANCED and (NUANCED in each.values() or len(set(each.values())) > 1)


# --- C8: compute cost ---------------------------------------------------------------------------


def test_c8_time_ratios(c8_evidence):
    e = c8_evidence
    assert len(e.devices) >= 1 and e.repeats >= 1
    assert list(e.sizes) == sorted(e.sizes) and e.sizes[0] > 0 and e.largest == max(e.sizes)
    assert "relu" not in e.activations and {"sigmoid", "tanh", "leaky_relu"} <= set(e.activations)
    assert len(e.medians) == len(e.devices) * len(e.activations) * (2 * len(e.sizes) + 1)
    for k, r in e.medians.items():
        assert ordered(r) and r.low > 0, k  # times are positive
        assert r.n == e.repeats, k  # one ratio per repeat, relu timed in the same repeat


def test_c8_key_and_verdict(c8_evidence):
    e = c8_evidence
    assert key_sound(e.key) and e.key.value == e.step(e.devices[0], "sigmoid").value
    assert e.isolation == all(e.isolated(e.devices[0], a).low > c8.ISOLATION for a in ("sigmoid", "tanh"))
    v = c8.verdict(e)
    assert v == c8.RULE(e) and v in VERDICTS
    assert (v == REFUTED) == (not e.isolation)
    assert (v == SUPPORTED) == (e.isolation and e.training)
