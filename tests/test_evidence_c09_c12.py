"""The evidence of claims C9-C12 on the smoke profile's stored runs: its numbers and the verdict, no prose."""

import dataclasses
import math

import numpy as np
import pytest

from study.analysis.verdicts import NUANCED, REFUTED, SUPPORTED, VERDICTS
from study.claims import c09_sigmoid_derivative as c9
from study.claims import c10_dead_units as c10
from study.claims import c11_better_activation as c11
from study.claims import c12_brain as c12
from study.spec.activations import users_in


def ordered(e, lo=-math.inf, hi=math.inf) -> bool:
    """An estimate's interval holds its value, all finite and within [lo, hi]."""
    return (
        all(math.isfinite(x) for x in (e.value, e.low, e.high)) and lo <= e.low <= e.value <= e.high <= hi and e.n > 0
    )


def finite_key(e) -> bool:
    key = e.key
    return ordered(key) and key.name != ""


def decided(module, e) -> bool:
    return module.verdict(e) == module.RULE(e) and module.verdict(e) in VERDICTS


@pytest.fixture(scope="module")
def e9(smoke_study):
    return c9.evidence(smoke_study)


@pytest.fixture(scope="module")
def e10(smoke_study):
    return c10.evidence(smoke_study)


@pytest.fixture(scope="module")
def e11(smoke_study):
    return c11.evidence(smoke_study)


@pytest.fixture(scope="module")
def e12(smoke_study):
    return c12.evidence(smoke_study)


# --- C9 -----------------------------------------------------------------------------------


def test_c9_sigmoid_gradient_factor_and_derivative(e9, smoke_study):
    assert finite_key(e9) and decided(c9, e9)
    assert e9.key.value == e9.factor.value and e9.key.n == e9.factor.n
    assert e9.depth == max(s.depth for s in smoke_study.specs("gradients")) and e9.epochs >= 1
    # a sigmoid's slope is at most 0.25, so the gradient shrinks on its way back through the layers
    assert ordered(e9.factor, 0, 1)
    for d in (e9.derivative_init, e9.derivative_trained):
        assert ordered(d, 0, 0.25)
    for s in (e9.saturated_init, e9.saturated_trained):
        assert ordered(s, 0, 1)
    # the factor is below SHRINKS, so the rule never answers "refuted" on it alone
    assert e9.factor.value < c9.SHRINKS and c9.verdict(e9) != REFUTED


def test_c9_top_layer_courses_are_consistent(e9):
    assert list(e9.courses) == [c9.GB_INIT, c9.MAIN_INIT]
    for c in e9.courses.values():
        assert c.seeds > 0 and 0 <= c.escaped <= c.saturated <= c.seeds
        assert math.isnan(c.first_epoch) == (c.saturated == 0)
        assert c.saturated == 0 or 0 <= c.first_epoch <= e9.gb_epochs
        assert ordered(c.final, 0, 1)  # a sigmoid's mean output
    assert e9.gb_epochs >= 1


def test_c9_reads_glorot_and_bengio_as_they_ran_it_under_both_input_scalings(e9):
    assert set(e9.as_run) == {"standardised", "unit_range"}
    for a in e9.as_run.values():
        assert a.batch == 10 and a.depth == 4 and a.updates > 0 and a.rate > 0
        assert a.seeds > 0 and 0 <= a.escaped <= a.saturated <= a.seeds
        assert math.isnan(a.onset) == (a.saturated == 0) and ordered(a.accuracy, 0, 1)
    assert e9.gb_saturates == any(a.saturated / a.seeds > 0.5 for a in e9.as_run.values())
    # without the runs as they ran it, the shortened setting decides
    short = dataclasses.replace(e9, as_run={})
    gb = e9.courses[c9.GB_INIT]
    assert short.gb_saturates == (gb.saturated / gb.seeds > 0.5)
    saturating = dataclasses.replace(next(iter(e9.as_run.values())), saturated=3, seeds=3, onset=200.0, escaped=1)
    assert dataclasses.replace(e9, as_run={"unit_range": saturating}).gb_saturates
    assert "Glorot & Bengio as run, [0, 1] inputs" in " ".join(c9.table(e9).index)


def test_a_top_layer_course_has_an_onset_an_end_and_a_length():
    from study.analysis import saturation

    steps = np.arange(0, 1000, 100.0)
    course = np.array([0.5, 0.3, 0.05, 0.02, 0.01, 0.04, 0.2, 0.3, 0.08, 0.4])  # below 0.1 from step 200 to 600
    e = saturation.episode(steps, course, 0.1)
    assert e["saturated"] and e["onset"] == 200 and e["end"] == 600 and e["lasted"] == 400 and e["escaped"]
    never_back = saturation.episode(steps, np.r_[0.5, np.full(9, 0.01)], 0.1)
    assert never_back["onset"] == 100 and np.isnan(never_back["end"]) and never_back["lasted"] == 800
    assert not never_back["escaped"]
    assert not saturation.episode(steps, np.full(10, 0.5), 0.1)["saturated"]


# --- C10 ----------------------------------------------------------------------------------


def test_c10_collapse_fractions(e10):
    assert finite_key(e10) and decided(c10, e10)
    assert e10.key.unit == "pp" and e10.key.value == e10.collapse_gap.value
    widths = {w for _, w, _ in e10.collapse}
    assert e10.width == min(widths) and e10.depth_a == max(d for d, _, _ in e10.collapse)
    for (_depth, _width, epoch), est in e10.collapse.items():
        assert epoch in (0, e10.epochs_a)
        assert ordered(est["relu"], 0, 1) and ordered(est["leaky_relu"], 0, 1)
        assert ordered(est["difference"], -1, 1)
    # both states are read at every width
    assert {(w, ep) for _, w, ep in e10.collapse} == {(w, ep) for w in widths for ep in (0, e10.epochs_a)}
    assert e10.part_a == (e10.collapse_gap.low > 0)
    # Lu et al. (2020): deep narrow ReLU nets collapse more often the narrower they are
    init = {w: e10.collapse[(e10.depth_a, w, 0)]["relu"].value for w in widths}
    assert init[min(widths)] >= init[max(widths)] and init[min(widths)] >= 0.5


def test_c10_dead_units_and_revival(e10, smoke_study):
    rates = {lr for _, lr in e10.dormant}
    assert e10.top_rate == max(rates) and e10.top_rate <= e10.tried_rate
    assert e10.tried_rate == max(s.learning_rate for s in smoke_study.specs("dead_units"))
    assert set(e10.dormant) == set(e10.revival) == {(a, lr) for a in c10.PAIR for lr in rates}
    for est in e10.dormant.values():
        assert ordered(est, 0, 1)
    for est in e10.revival.values():  # n = 0 where no unit was ever dormant
        assert (est.n == 0 and math.isnan(est.value)) or ordered(est, 0, 1)
    for est in e10.revival_top.values():
        assert ordered(est, 0, 1)
    # the diverged models are counted per activation and rate, every rate tried
    assert set(e10.diverged) == {(a, s.learning_rate) for s in smoke_study.specs("dead_units") for a in c10.PAIR}
    assert all(0 <= k <= n for k, n in e10.diverged.values())


def test_c10_says_which_activation_diverged_at_which_rate(e10):
    lost = dataclasses.replace(e10, diverged={("relu", 9.0): (0, 10), ("leaky_relu", 9.0): (10, 10)})
    assert (
        "at Adam 9 the Leaky ReLU models diverged in all 10 seeds and the ReLU models in none; as a seed's models "
        "are left out together, no model at that rate is left." in c10.text(lost)
    )
    assert "diverged" not in c10.diverged_text(dataclasses.replace(e10, diverged={("relu", 9.0): (0, 10)}))
    assert ordered(e10.revival_gap, -1, 1)
    assert e10.relu_dead == e10.dormant[("relu", e10.top_rate)]
    assert e10.part_b == (e10.relu_dead.low > 0 and e10.revival_gap.low > 0)


# --- C11 ----------------------------------------------------------------------------------


def test_c11_leaderboard_numbers(e11, smoke_study):
    names = set(e11.accuracy)
    assert set(smoke_study.experiments["leaderboard"].activations) <= names
    assert set(e11.improvement) == set(e11.rank) == set(e11.per_task) == set(e11.stalled) == names
    assert set(e11.builtin) == names - {"relu"} - set(users_in(names))
    for a in names:
        assert ordered(e11.accuracy[a], 0, 1) and ordered(e11.improvement[a], 0, 1)
        assert set(e11.per_task[a]) == set(e11.tasks)
        assert all(ordered(p, 0, 1) for p in e11.per_task[a].values())
        assert ordered(e11.stalled[a], 0, 1) and 0 <= e11.stalled_runs[a] <= e11.stalled[a].n
        assert e11.stalled[a].value == pytest.approx(e11.stalled_runs[a] / e11.stalled[a].n)
    assert e11.improvement["relu"].value == pytest.approx(0.5)  # ReLU against itself
    # ranks: best first, between 1 and the number of activations, averaging to the middle rank
    ranks = list(e11.rank.values())
    assert ranks == sorted(ranks) and all(1 <= r <= len(names) for r in ranks)
    assert sum(ranks) / len(ranks) == pytest.approx((len(names) + 1) / 2)
    assert len(e11.tasks) == 2  # the smoke profile: two data sets at one depth


def test_c11_verdict_reads_the_builtin_activations(e11, smoke_study):
    assert finite_key(e11) and decided(c11, e11)
    assert e11.top in e11.builtin
    assert e11.improvement[e11.top].value == max(e11.improvement[a].value for a in e11.builtin)
    assert e11.key.value == e11.improvement[e11.top].value
    assert set(e11.better_overall) <= set(e11.builtin) and not set(e11.better_overall) & set(e11.worse_overall)
    assert all(e11.per_task[a][t].low > 0.5 for a, ts in e11.better_somewhere.items() for t in ts)
    assert (c11.verdict(e11) == SUPPORTED) == bool(e11.better_overall)
    if "cost" in smoke_study.experiments:  # C8's cost beside the leaderboard
        assert e11.device and e11.step_time["relu"].value == pytest.approx(1.0)
        assert all(ordered(t, 0) for t in e11.step_time.values())


# --- C12 ----------------------------------------------------------------------------------


def test_c12_active_fraction(e12, smoke_study):
    assert finite_key(e12) and decided(c12, e12)
    assert e12.key.unit == "%" and e12.key.value == e12.active.value
    assert ordered(e12.active, 0, 1)
    assert set(e12.by_depth) == {s.depth for s in smoke_study.specs("sparsity")}
    assert e12.by_depth[e12.depth] == e12.active
    assert all(ordered(x, 0, 1) for x in e12.by_depth.values())
    # a ReLU net trained for a few epochs is nowhere near the brain's 1-4%: about half its units fire
    assert 0.2 < e12.active.value < 0.8
    assert c12.verdict(e12) == REFUTED


def test_c12_penalty_sweep(e12):
    strengths = list(e12.sweep)
    assert strengths == sorted(strengths) and strengths[0] == 0.0
    for r in e12.sweep.values():
        assert ordered(r["active"], 0, 1) and ordered(r["accuracy"], 0, 1) and ordered(r["difference"], -1, 1)
    unpenalised = e12.sweep[0.0]["difference"]
    assert unpenalised.value == unpenalised.low == unpenalised.high == 0  # paired with itself
    kept = [l1 for l1, r in e12.sweep.items() if r["difference"].value > c12.KEPT]
    assert e12.strength in kept
    assert e12.sparsest_kept.value == min(e12.sweep[l1]["active"].value for l1 in kept)
    # the strongest penalty leaves fewer units active than none
    assert e12.sweep[strengths[-1]]["active"].value < e12.sweep[0.0]["active"].value


def test_the_questions_are_answered_in_words_from_the_same_numbers(smoke_study):
    e11, e12 = c11.evidence(smoke_study), c12.evidence(smoke_study)
    opening = {SUPPORTED: "yes:", NUANCED: "only on some tasks", REFUTED: "no:"}[c11.verdict(e11)]
    assert c11.answer(e11).startswith(opening)
    assert e12.active.fmt(percent=True) in c12.answer(e12)
    brain = dataclasses.replace(e12, active=dataclasses.replace(e12.active, value=0.02, low=0.015, high=0.03))
    assert c12.answer(brain).startswith("like the brain") and c12.verdict(brain) == SUPPORTED
