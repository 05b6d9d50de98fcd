"""Every activation's value and written-out derivative, checked against independent numpy."""

import math

import numpy as np
import pytest
from keras import ops

from study.spec import activations
from study.spec.activations import ACTIVATIONS, LEAKY_SLOPE, SELU_ALPHA, SELU_SCALE

# Away from the kink at 0 of the relu-like functions, on both sides, into the tails.
POINTS = np.array([-3.1, -1.7, -0.3, 0.3, 1.7, 3.1], dtype=np.float64)
H = 1e-6  # central differences in float64: truncation ~H^2, round-off ~1e-16/H


def _np(x):
    return ops.convert_to_numpy(x)


# The checks below run in float64; a backend that computes float64 input in float32 (JAX
# outside its 64-bit mode) cannot meet their tolerances, so they are skipped there.
float64_only = pytest.mark.skipif(
    _np(ops.tanh(np.float64(0.5)) ** 2).dtype != np.float64, reason="the backend computes float64 input in float32"
)


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _elu(x, alpha=1.0):
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))


_erf = np.vectorize(math.erf)

# Written from the formulas, not from study.activations.
REFERENCE = {
    "sigmoid": _sigmoid,
    "tanh": np.tanh,
    "relu": lambda x: np.maximum(x, 0),
    "leaky_relu": lambda x: np.where(x > 0, x, 0.01 * x),
    "linear": lambda x: x,
    "relu_mirror": lambda x: np.maximum(-x, 0),
    "relu_rot180": lambda x: np.minimum(x, 0),
    "neg_relu": lambda x: -np.maximum(x, 0),
    "elu": _elu,
    "selu": lambda x: 1.0507009873554805 * _elu(x, 1.6732632423543772),
    "gelu": lambda x: x * 0.5 * (1 + _erf(x / np.sqrt(2))),
    "swish": lambda x: x * _sigmoid(x),
    "softplus": lambda x: np.log1p(np.exp(x)),
}


def test_every_activation_has_a_reference():
    assert set(ACTIVATIONS) == set(REFERENCE), "add a numpy reference for each new activation"
    assert activations.names() == list(ACTIVATIONS)
    assert set(activations.MAIN_FOUR) <= set(ACTIVATIONS)


@float64_only
@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_value_matches_reference(name):
    act = activations.get(name)
    assert act.name == name
    got = _np(act(POINTS))
    assert got.shape == POINTS.shape
    # Not to machine precision: TensorFlow casts leaky_relu's slope and gelu's constants to
    # float32 (relative error ~1e-7) even for float64 input.
    np.testing.assert_allclose(got, REFERENCE[name](POINTS), rtol=1e-6, atol=1e-9)


@float64_only
@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_derivative_matches_finite_differences(name):
    act = activations.get(name)
    numeric = (_np(act(POINTS + H)) - _np(act(POINTS - H))) / (2 * H)
    reference = (REFERENCE[name](POINTS + H) - REFERENCE[name](POINTS - H)) / (2 * H)
    written = _np(act.derivative(POINTS))
    assert written.shape == POINTS.shape
    np.testing.assert_allclose(written, numeric, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(written, reference, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_float32_derivative_matches_float64_reference(name):
    # On every backend: the model's own dtype against finite differences of the numpy formula.
    act = activations.get(name)
    reference = (REFERENCE[name](POINTS + H) - REFERENCE[name](POINTS - H)) / (2 * H)
    written = _np(act.derivative(POINTS.astype(np.float32)))
    np.testing.assert_allclose(written, reference, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_derivative_of_float32_input(name):
    # The probes pass float32 pre-activations from the model.
    act = activations.get(name)
    x = POINTS.astype(np.float32)
    np.testing.assert_allclose(_np(act.derivative(x)), _np(act.derivative(POINTS)), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_max_derivative_is_the_largest_slope(name):
    # `saturated` measures |f'| against max_derivative, so it must be sup |f'| (to 0.1%).
    act = activations.get(name)
    grid = np.linspace(-8, 8, 16001)  # step 1e-3; 0 itself excluded below (the kink)
    grid = grid[grid != 0]
    slope = np.abs(_np(act.derivative(grid)))
    assert slope.max() <= act.max_derivative * (1 + 1e-3)
    assert slope.max() >= act.max_derivative * (1 - 1e-3)


def test_only_sigmoid_and_tanh_are_bounded():
    assert {n for n, a in ACTIVATIONS.items() if a.bounded} == {"sigmoid", "tanh"}


@float64_only
def test_known_values():
    def f(name, x):
        return _np(activations.get(name)(np.asarray(x, dtype=np.float64)))

    def df(name, x):
        return _np(activations.get(name).derivative(np.asarray(x, dtype=np.float64)))

    assert f("sigmoid", 0.0) == 0.5
    assert df("sigmoid", 0.0) == 0.25
    assert f("tanh", 0.0) == 0.0
    assert df("tanh", 0.0) == 1.0
    # The leaky slope is Maas et al.'s 0.01, not Keras's default 0.2 (or 0.3).
    assert LEAKY_SLOPE == 0.01
    assert f("leaky_relu", -1.0) == pytest.approx(-0.01, rel=1e-6)
    assert _np(activations.get("leaky_relu")(np.float32(-1.0))) == np.float32(-0.01)
    assert f("leaky_relu", 2.0) == 2.0
    assert df("leaky_relu", -1.0) == pytest.approx(0.01, abs=1e-15)
    assert df("leaky_relu", 1.0) == 1.0
    assert f("selu", 1.0) == pytest.approx(SELU_SCALE)
    assert f("selu", -50.0) == pytest.approx(-SELU_SCALE * SELU_ALPHA)
    assert f("softplus", 0.0) == pytest.approx(math.log(2), abs=1e-15)
    assert f("gelu", 0.0) == 0.0

    x = POINTS
    relu = f("relu", x)
    np.testing.assert_array_equal(relu, [0, 0, 0, 0.3, 1.7, 3.1])
    np.testing.assert_array_equal(f("relu_mirror", x), f("relu", -x))
    np.testing.assert_array_equal(f("relu_rot180", x), -f("relu", -x))
    np.testing.assert_array_equal(f("neg_relu", x), -relu)
    np.testing.assert_array_equal(f("linear", x), x)
    np.testing.assert_array_equal(df("relu", x), [0, 0, 0, 1, 1, 1])
    np.testing.assert_array_equal(df("relu_mirror", x), [-1, -1, -1, 0, 0, 0])
    np.testing.assert_array_equal(df("relu_rot180", x), [1, 1, 1, 0, 0, 0])
    np.testing.assert_array_equal(df("neg_relu", x), [0, 0, 0, -1, -1, -1])


def test_unknown_name_lists_the_known_ones():
    with pytest.raises(activations.UnknownChoice) as info:
        activations.get("nope")
    assert isinstance(info.value, ValueError)
    message = str(info.value)
    assert "'nope'" in message
    for name in ACTIVATIONS:
        assert name in message
