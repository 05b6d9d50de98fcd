"""The per-layer probes against values worked out by hand on small arrays."""

import math

import numpy as np
import pytest
from keras import ops as keras_ops

from study.spec import activations
from study.train import probes


def arr(rows):
    return np.array(rows, dtype=np.float32)  # the dtype the model's layer outputs have


RELU = activations.get("relu")
SIGMOID = activations.get("sigmoid")
TANH = activations.get("tanh")


def test_exact_zero_and_active():
    a = arr([[0, 1, 0], [2, 0, -0.5]])
    # zeros: (0,0), (0,2), (1,1) -> 3 of 6 = 0.5; a negative value is not a zero
    assert probes.exact_zero(a) == 0.5
    a = arr([[0, 1, 0], [2, 0, 0]])
    # 4 zeros of 6 -> 2/3; active is the rest, 1/3
    assert probes.exact_zero(a) == pytest.approx(2 / 3)
    assert probes.layer_metrics(a, a, RELU)["active"] == pytest.approx(1 / 3)
    assert probes.exact_zero(arr([[1e-30, -1e-30]])) == 0.0  # tiny is not exactly zero


def test_near_zero_uses_the_layer_mean_abs_scale():
    a = arr([[0.01, 1.0], [2.0, -0.99]])
    # mean |a| = (0.01 + 1 + 2 + 0.99) / 4 = 1.0; threshold 0.1 x 1.0 = 0.1 -> only 0.01: 1/4
    assert probes.near_zero(a) == 0.25
    a = arr([[0, 10], [10, -0.5]])
    # mean |a| = 20.5 / 4 = 5.125; threshold 0.5125 -> 0 and -0.5 count: 2/4
    assert probes.near_zero(a) == 0.5
    # the same layer scaled by 1e-3: the scale moves with it, same answer
    assert probes.near_zero(a * np.float32(1e-3)) == 0.5
    # level 0.05: threshold 0.25625 -> only the 0 counts: 1/4
    assert probes.near_zero(a, level=0.05) == 0.25
    a = arr([[0.05, 0.3], [0.2, 0.25]])
    # mean |a| = 0.8 / 4 = 0.2; threshold 0.02 -> none below: 0
    assert probes.near_zero(a) == 0.0
    # an all-zero layer: everything is near zero
    assert probes.near_zero(arr([[0, 0], [0, 0]])) == 1.0


def test_hoyer_by_hand():
    # n = 4 units, sqrt(n) = 2, so hoyer = (2 - l1/l2) / (2 - 1) = 2 - l1/l2 per row
    a = arr(
        [
            [0, 0, 3, 0],  # one-hot: l1 = 3, l2 = 3, ratio 1 -> 1
            [2, 2, 2, 2],  # constant: l1 = 8, l2 = 4, ratio 2 -> 0
            [0, 0, 0, 0],  # all zero: counts as maximally sparse -> 1
            [-3, 4, 0, 0],
        ]
    )  # l1 = 7, l2 = 5, ratio 1.4 -> 0.6
    assert probes.hoyer(a[:1]) == pytest.approx(1.0)
    assert probes.hoyer(a[1:2]) == pytest.approx(0.0, abs=1e-7)
    assert probes.hoyer(a[2:3]) == 1.0
    assert probes.hoyer(a[3:4]) == pytest.approx(0.6)
    # averaged over examples: (1 + 0 + 1 + 0.6) / 4 = 0.65
    assert probes.hoyer(a) == pytest.approx(0.65)
    # n = 9, sqrt(n) = 3: row [1, 1, 0, ...]: l1 = 2, l2 = sqrt(2), ratio sqrt(2) -> (3 - 1.41421) / 2
    b = np.zeros((1, 9), np.float32)
    b[0, :2] = 1
    assert probes.hoyer(b) == pytest.approx((3 - math.sqrt(2)) / 2)


def test_dead_units():
    a = arr([[1, 0, 2, 0], [3, 0, 0, 0], [0, 0, 5, 0.5]])
    # unit 1 is 0 on all three examples; unit 3 is 0 on two but not the third;
    # units 0 and 2 are active somewhere -> 1 dead unit of 4 = 0.25
    assert probes.dead(a) == 0.25
    assert probes.dead(arr([[0, 0], [0, 0]])) == 1.0
    assert probes.dead(arr([[1, -1], [0, 0]])) == 0.0  # a negative output is not dead


def test_saturated_sigmoid_and_tanh():
    # sigmoid: saturated where s(1 - s) < 0.05 x 0.25 = 0.0125, i.e. |z| > ~4.36
    z = arr([[-10, 0, 4], [10, 1, -5]])
    # s'(+-10) = 4.5e-5 yes; s'(0) = 0.25 no; s'(4) = 0.0177 no; s'(1) = 0.197 no;
    # s'(-5) = 0.0066 yes -> 3 of 6 = 0.5
    assert probes.saturated(z, SIGMOID) == 0.5
    # a layer driven hard: every |z| >= 20 -> all saturated
    assert probes.saturated(arr([[20, -30], [-25, 40]]), SIGMOID) == 1.0
    # tanh: saturated where 1 - tanh^2 < 0.05 x 1, i.e. |z| > atanh(sqrt(0.95)) = ~2.18
    z = arr([[2, -3, 0, 10]])
    # 1 - tanh^2: 0.0707 no, 0.0099 yes, 1 no, ~8e-9 yes -> 2 of 4
    assert probes.saturated(z, TANH) == 0.5


@pytest.mark.parametrize("name", ["relu", "leaky_relu", "linear", "elu", "swish"])
def test_saturated_is_nan_for_unbounded(name):
    z = arr([[-50, 50], [0.5, -0.5]])
    assert math.isnan(probes.saturated(z, activations.get(name)))


def test_mean_abs_derivative():
    z = arr([[-1, 2, 0.5], [3, -0.2, -4]])
    # relu' = 1 where z > 0: 2, 0.5, 3 -> 3 of 6 = 0.5
    assert probes.mean_abs_derivative(z, RELU) == 0.5
    # |neg_relu'| = |-1| where z > 0: the same 0.5 (absolute values)
    assert probes.mean_abs_derivative(z, activations.get("neg_relu")) == 0.5
    # leaky: 1 on 3 entries, 0.01 on 3 -> (3 + 0.03) / 6 = 0.505
    assert probes.mean_abs_derivative(z, activations.get("leaky_relu")) == pytest.approx(0.505)
    zeros = np.zeros((3, 5), np.float32)
    assert probes.mean_abs_derivative(zeros, SIGMOID) == pytest.approx(0.25)  # s(0)(1 - s(0))
    assert probes.mean_abs_derivative(zeros, TANH) == pytest.approx(1.0)
    assert probes.mean_abs_derivative(zeros, RELU) == 0.0  # z > 0 is strict


def test_layer_metrics():
    z = arr([[-1, 2, -0.5], [3, -0.2, -4]])
    a = np.maximum(z, 0)  # [[0, 2, 0], [3, 0, 0]]
    m = probes.layer_metrics(z, a, RELU)
    assert set(m) == {
        "exact_zero",
        "active",
        "near_zero",
        "hoyer",
        "dead",
        "dormant",
        "saturated",
        "mean_abs_derivative",
    }
    assert set(m) <= set(probes.DEFINITIONS)
    assert set(probes.DEFINITIONS) - set(m) == {
        "grad_norm",
        "revived",
        "linear_regions",
        "collapsed",
        "relevance_auc",
        "relevance_share",
    }
    assert m["exact_zero"] == pytest.approx(4 / 6)  # 4 zeros of 6
    assert m["active"] == pytest.approx(2 / 6)
    assert m["dead"] == pytest.approx(1 / 3)  # unit 2 is 0 on both examples
    assert m["dormant"] == pytest.approx(1 / 3)  # and its pre-activation negative on both
    # mean |a| = 5/6, threshold 1/12: the four zeros -> 4/6
    assert m["near_zero"] == pytest.approx(4 / 6)
    # n = 3; each row has one nonzero: ratio 1 -> (sqrt(3) - 1)/(sqrt(3) - 1) = 1
    assert m["hoyer"] == pytest.approx(1.0)
    assert math.isnan(m["saturated"])
    assert m["mean_abs_derivative"] == pytest.approx(2 / 6)  # z > 0 at 2 and 3
    assert all(np.ndim(v) == 0 for v in m.values())


def test_layer_metrics_of_a_run_of_branches_are_each_branch_alone():
    rng = np.random.default_rng(0)
    for act in (RELU, SIGMOID, activations.get("leaky_relu")):
        z = rng.normal(size=(5, 40, 7)).astype(np.float32)
        z[2, :, :3] = -1.0  # some dead units in one branch
        a = keras_ops.convert_to_numpy(act(z))
        together = probes.layer_metrics(z, a, act)
        for k in range(5):
            alone = probes.layer_metrics(z[k], a[k], act)
            for metric, value in alone.items():
                np.testing.assert_allclose(together[metric][k], value, rtol=1e-6, equal_nan=True)
        assert together["dormant"][2] >= 3 / 7


def test_dormant_units_and_revival():
    z_before = arr([[[-1, 2, -3], [-2, 1, -1]]])  # (K=1, examples, units): units 0 and 2 dormant
    z_now = arr([[[-1, 2, 3], [-2, 1, -1]]])  # unit 2 is positive on one example now
    before, now = probes.dormant_units(z_before), probes.dormant_units(z_now)
    assert before.tolist() == [[True, False, True]] and now.tolist() == [[True, False, False]]
    assert probes.revived(before, now).tolist() == [pytest.approx(1 / 3)]
    assert probes.revived(now, before).tolist() == [0.0]  # dying is not reviving


def test_relevance_scores_on_a_hand_built_first_layer():
    """Branch 0 puts all its weight on the informative inputs, branch 1 none, branch 2 the same everywhere."""
    relevant = np.array([True, True, False, False, False])
    kernel = np.zeros((3, 5, 4))
    kernel[0, :2] = 1.0  # norms (2, 2, 0, 0, 0)
    kernel[1, 2:] = 1.0  # norms (0, 0, 2, 2, 2)
    kernel[2] = 0.5  # norms all 1
    kernel[0, 0, 0] = 3.0  # informative norms differ: sqrt(12) and 2
    np.testing.assert_allclose(probes.relevance_auc(kernel, relevant), [1.0, 0.0, 0.5])
    np.testing.assert_allclose(probes.relevance_share(kernel, relevant), [1.0, 0.0, 0.4])
    kernel[1, 0, 0] = 5.0  # one informative input now above every noise input, the other still below
    assert probes.relevance_auc(kernel, relevant)[1] == pytest.approx(0.5)
