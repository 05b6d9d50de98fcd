"""Model-level probes on hand-built nets whose answer is known: linear regions along a line,
and collapse to a constant over an interval."""

import numpy as np
import pytest

from study.spec import datasets
from study.train import models, probes
from study.train.measure import outputs_of


def set_branch(group, layer, k, kernel, bias):
    dense = group.get_layer(layer)
    w, b = [np.array(v) for v in dense.get_weights()]
    w[k], b[k] = kernel, bias
    dense.set_weights([w, b])


def one_layer_net():
    """Two ReLU branches, 2 inputs, 3 hidden units. Branch 0: z_i = x_1 - c_i with kinks at
    c = -0.5, 0, 0.5; branch 1: z_i = x_1 + 5, never crossing 0 on [-1, 1]."""
    group = models.stacked_mlp(1, 3, [("relu", 0), ("relu", 1)], n_features=2, n_outputs=2)
    set_branch(group, "hidden_0", 0, [[1, 1, 1], [0, 0, 0]], [0.5, 0.0, -0.5])
    set_branch(group, "hidden_0", 1, [[1, 1, 1], [0, 0, 0]], [5.0, 5.0, 5.0])
    return group


def line(n_points, start=-1.0, end=1.0):
    t = np.linspace(start, end, n_points, dtype=np.float32)
    return np.stack([t, np.zeros_like(t)], axis=1)[None]  # one line from (-1, 0) to (1, 0)


@pytest.mark.parametrize("n_points, chunk", [(101, 512), (101, 7), (2048, 512), (1000, 1)])
def test_regions_of_a_one_layer_net_are_counted_exactly(n_points, chunk):
    # Any chunking of the line gives the same count: chunks overlap by exactly one point.
    pre = models.preactivation_model(one_layer_net())
    counts = probes.regions_along_lines(pre, line(n_points), chunk=chunk)
    assert counts.tolist() == [4.0, 1.0]  # three kinks cut the line into four regions; none for branch 1


def test_regions_are_averaged_over_lines_and_drawn_between_examples():
    pre = models.preactivation_model(one_layer_net())
    half = line(101, 0.25, 1.0)  # crosses only the kink at 0.5
    both = np.concatenate([line(101), half])
    assert probes.regions_along_lines(pre, both).tolist() == [(4 + 2) / 2, 1.0]
    x = np.random.default_rng(0).normal(size=(50, 2)).astype(np.float32)
    lines = probes.lines_through(x, seed=0, n_lines=3, n_points=11)
    assert lines.shape == (3, 11, 2)
    for segment in lines:  # each line runs from one example to another
        assert any(np.allclose(segment[0], row) for row in x) and any(np.allclose(segment[-1], row) for row in x)
    np.testing.assert_array_equal(lines, probes.lines_through(x, seed=0, n_lines=3, n_points=11))


def test_collapse_of_a_hand_built_constant_net_and_a_live_one():
    data = datasets.load("abs_1d")
    group = models.stacked_mlp(2, 2, [("relu", 0), ("relu", 1)], n_features=1, n_outputs=1)
    # Branch 0: the first layer is negative over the whole interval, so every later unit sees
    # the same input and the output is the constant bias of the head. Branch 1: identity-like.
    set_branch(group, "hidden_0", 0, [[1.0, -1.0]], [-10.0, -10.0])
    set_branch(group, "hidden_0", 1, [[1.0, -1.0]], [0.0, 0.0])
    set_branch(group, "hidden_1", 0, np.eye(2), [0.1, 0.1])
    set_branch(group, "hidden_1", 1, np.eye(2), [0.0, 0.0])
    set_branch(group, "logits", 0, [[1.0], [1.0]], [0.3])
    set_branch(group, "logits", 1, [[1.0], [1.0]], [0.0])
    out = outputs_of(group, data.x_grid)[..., 0]
    assert probes.collapsed(out, data.y_grid).tolist() == [1.0, 0.0]
    np.testing.assert_allclose(out[:, 0], 0.5, rtol=1e-6)  # 0.1 + 0.1 + 0.3 everywhere
    np.testing.assert_allclose(out[:, 1], np.abs(data.x_grid[:, 0]), rtol=1e-5, atol=1e-6)  # |x| itself
    # Nearly constant counts too: a slope of 1e-5 over the interval is below 0.1% of |x|'s range.
    nearly = 0.5 + 1e-5 * data.x_grid[:, :1]
    assert probes.collapsed(nearly, data.y_grid).tolist() == [1.0]
    assert probes.collapsed(nearly * 1e3, data.y_grid).tolist() == [0.0]


def test_compiled_evaluation_gives_the_eager_numbers():
    """Evaluation and probes run through Keras's compiled predict function: the same numbers, faster."""
    import keras

    from study.spec.config import GroupSpec
    from study.train import engine

    spec = GroupSpec(
        "mnist1d",
        depth=3,
        width=16,
        activations=("sigmoid", "relu"),
        seeds=(0, 1),
        epochs=1,
        n_train=256,
        probe_size=64,
    )
    data = engine.load_data(spec)
    group, _ = engine.build_group(spec, data)
    eager = keras.ops.convert_to_numpy(group(data.x_val, training=False))
    np.testing.assert_array_equal(outputs_of(group, data.x_val), eager)
    probe = models.probe_model(group)
    for compiled, plain in zip(probe.predict_on_batch(data.x_val[:64]), probe(data.x_val[:64], training=False)):
        np.testing.assert_array_equal(compiled, keras.ops.convert_to_numpy(plain))
