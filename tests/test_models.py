"""The stacked group against the reference model it stands for.

The acceptance test: a group trained with the engine's batching ends with, branch by
branch, the weights each plain model ends with when trained alone on the same batches.
"""

import dataclasses

import keras
import numpy as np
import pandas as pd
import pytest

from study.spec import datasets
from study.spec.activations import MAIN_FOUR
from study.spec.config import GroupSpec
from study.train import engine, models

N_FEATURES, N_CLASSES = 10, 4
BRANCHES = [(a, s) for a in MAIN_FOUR for s in (0, 1)]


branch_weights = models.branch_weights  # branch k's weights, in its plain model's order


def max_relative_difference(a, b):
    """max |a - b| / max |b|, for one tensor."""
    return float(np.abs(a - b).max() / np.abs(b).max())


@pytest.mark.parametrize("initializer", ["glorot_uniform", "he_normal", "legacy_uniform", "orthogonal"])
def test_branch_starts_from_the_plain_model(initializer):
    group = models.stacked_mlp(3, 16, BRANCHES, N_FEATURES, N_CLASSES, initializer)
    for k, (act, seed) in enumerate(BRANCHES):
        plain = models.plain_mlp(3, 16, act, N_FEATURES, N_CLASSES, initializer, seed)
        expected = plain.get_weights()
        got = branch_weights(group, k)
        assert [w.shape for w in got] == [w.shape for w in expected]
        for g, e in zip(got, expected):
            np.testing.assert_array_equal(g, e)
    # seeds differ between branches and between layers
    w = branch_weights(group, 0)
    assert not np.array_equal(w[0], branch_weights(group, 1)[0])
    assert not np.array_equal(w[2][:10], w[0][:10, :])


@pytest.mark.parametrize("initializer", ["glorot_uniform", "he_normal", "orthogonal"])
def test_a_cnn_branch_starts_from_and_computes_the_plain_cnn(initializer):
    group = models.stacked_cnn(3, 8, BRANCHES, 40, N_CLASSES, initializer)
    x = np.random.default_rng(0).normal(size=(16, 40)).astype(np.float32)
    out = keras.ops.convert_to_numpy(group(x))
    for k, (act, seed) in enumerate(BRANCHES):
        plain = models.plain_cnn(3, 8, act, 40, N_CLASSES, initializer, seed)
        for g, e in zip(branch_weights(group, k), plain.get_weights()):
            np.testing.assert_array_equal(g, e)
        np.testing.assert_allclose(keras.ops.convert_to_numpy(plain(x)), out[:, k], rtol=1e-5, atol=1e-5)
    # Keras's fans for a convolution count its window: glorot's limit is sqrt(6 / (5 x 1 + 5 x 8)) in layer 1
    first = branch_weights(group, 0)[0]
    assert first.shape == (5, 1, 8)
    if initializer == "glorot_uniform":
        assert 0.8 * np.sqrt(6 / 45) < np.abs(first).max() <= np.sqrt(6 / 45)


def test_unstack_gives_the_branch():
    group = models.stacked_mlp(3, 16, BRANCHES, N_FEATURES, N_CLASSES)
    # move the weights away from the initial draw, so unstack cannot just re-draw them
    rng = np.random.default_rng(0)
    group.set_weights([w + rng.normal(0, 0.1, w.shape).astype(w.dtype) for w in group.get_weights()])
    x = rng.normal(size=(32, N_FEATURES)).astype(np.float32)
    out = keras.ops.convert_to_numpy(group(x))
    assert out.shape == (32, len(BRANCHES), N_CLASSES)
    for k, (_act, _) in enumerate(BRANCHES):
        plain = models.unstack(group, k)
        assert len(plain.layers) == 1 + 3 + 1  # input, 3 hidden, logits
        assert [layer.activation for layer in plain.layers[1:4]] != [None] * 3
        for p, g in zip(plain.get_weights(), branch_weights(group, k)):
            np.testing.assert_array_equal(p, g)
        np.testing.assert_allclose(keras.ops.convert_to_numpy(plain(x)), out[:, k], rtol=1e-5, atol=1e-5)
    # the branches really differ in what they compute
    assert np.abs(out[:, 0] - out[:, 2]).max() > 1e-3


def train_both(spec):
    """A group and each of its branches alone, trained on the same batches from the same weights."""
    data = datasets.load(spec.dataset, n_train=spec.n_train, seed=spec.data_seed)
    n = len(data.x_train)
    orders = list(engine.batch_orders(spec, n))
    assert len(orders) == spec.epochs

    engine.set_determinism(spec, spec.data_seed)
    group = engine.new_group(spec, data)
    initial = [branch_weights(group, k) for k in range(len(spec.branches))]
    plains = [models.unstack(group, k) for k in range(len(spec.branches))]  # before training

    engine.compile_model(group, spec, engine.BranchSumLoss(spec.task), n)
    for order in orders:
        engine.fit_epoch(group, spec, data, order)

    for plain in plains:
        engine.compile_model(plain, spec, engine.plain_loss(spec.task), n)
        for order in orders:
            engine.fit_epoch(plain, spec, data, order)

    return {
        "spec": spec,
        "data": data,
        "orders": orders,
        "initial": initial,
        "group": [branch_weights(group, k) for k in range(len(spec.branches))],
        "plain": [p.get_weights() for p in plains],
    }


@pytest.fixture(scope="module")
def trained():
    """A group of the four activations x seeds 0, 1 and each branch alone, trained on the same batches."""
    # 600 examples in batches of 64: 10 Adam steps an epoch, the last one a partial batch of 24
    spec = GroupSpec(
        dataset="digits", depth=3, width=16, activations=MAIN_FOUR, seeds=(0, 1), epochs=3, batch_size=64, n_train=600
    )
    result = train_both(spec)
    assert len(result["data"].x_train) == 600
    return result


def assert_group_equals_plain(trained, limit=1e-4):
    spec = trained["spec"]
    worst = {}
    for k, branch in enumerate(spec.branches):
        group_w, plain_w = trained["group"][k], trained["plain"][k]
        assert len(group_w) == len(plain_w) >= spec.depth + 2  # every layer's kernel, and the head's bias
        for i, (g, p) in enumerate(zip(group_w, plain_w)):
            assert g.shape == p.shape
            worst[(branch, i)] = max_relative_difference(g, p)
    bad = {key: v for key, v in worst.items() if not v < limit}
    assert not bad, f"group and plain weights differ: {bad}"
    for k, (init, final) in enumerate(zip(trained["initial"], trained["group"])):  # training moved them
        assert max(np.abs(w1 - w0).max() for w0, w1 in zip(init, final)) > 1e-3, spec.branches[k]


OPTIONS = {  # each new optimiser, initialiser and the regression task, against the plain model
    "sgd, legacy_uniform": dict(optimizer="sgd", learning_rate=0.05, initializer="legacy_uniform"),
    "momentum, orthogonal": dict(optimizer="momentum", learning_rate=0.01, initializer="orthogonal"),
    "adam, regression": dict(dataset="abs_1d", initializer="he_normal", activations=("relu", "leaky_relu", "tanh")),
    "adam, L1 activity penalty": dict(activity_l1=3e-3),
    # the 1-D CNN (three convolutions of 8 channels): the same equivalence with the plain Keras CNN
    "cnn, MNIST-1D": dict(architecture="cnn", dataset="mnist1d", width=8),
    "cnn, sgd, orthogonal": dict(
        architecture="cnn", width=8, optimizer="sgd", learning_rate=0.05, initializer="orthogonal"
    ),
}


@pytest.mark.parametrize("option", list(OPTIONS))
def test_group_training_equals_plain_training_for_every_option(option):
    settings = dict(
        dataset="digits", depth=3, width=16, activations=MAIN_FOUR, seeds=(0, 1), epochs=2, batch_size=64, n_train=320
    )
    spec = GroupSpec(**{**settings, **OPTIONS[option]})
    assert_group_equals_plain(train_both(spec))


def test_legacy_uniform_draws_within_its_bounds_with_its_variance():
    fan_in, fan_out = 400, 300
    w = keras.ops.convert_to_numpy(models.seeded_initializer("legacy_uniform", 7)((fan_in, fan_out)))
    limit = 1 / np.sqrt(fan_in)
    assert np.abs(w).max() <= limit and np.abs(w).max() > 0.99 * limit
    assert w.var() == pytest.approx(1 / (3 * fan_in), rel=0.02)  # U[-a, a] has variance a^2 / 3
    assert abs(w.mean()) < 0.01 * limit
    again = keras.ops.convert_to_numpy(models.seeded_initializer("legacy_uniform", 7)((fan_in, fan_out)))
    np.testing.assert_array_equal(w, again)  # seeded: the same draw every time
    other = keras.ops.convert_to_numpy(models.seeded_initializer("legacy_uniform", 8)((fan_in, fan_out)))
    assert not np.array_equal(w, other)


def test_training_moved_every_tensor(trained):
    # otherwise the equivalence below would hold trivially
    for k, (init, final) in enumerate(zip(trained["initial"], trained["group"])):
        for i, (w0, w1) in enumerate(zip(init, final)):
            assert np.abs(w1 - w0).max() > 1e-3, f"branch {trained['spec'].branches[k]} tensor {i} did not train"


def test_group_training_equals_plain_training(trained):
    """EQUIVALENCE: every tensor of every branch within 1e-4 of the plain model's, relative."""
    assert sorted({a for a, _ in trained["spec"].branches}) == sorted(MAIN_FOUR)
    assert_group_equals_plain(trained)


def test_difference_measure_detects_other_training(trained):
    # The same start and data in another batch order ends elsewhere: the 1e-4 bound above
    # is far below the differences training produces, so it could fail.
    spec, data = trained["spec"], trained["data"]
    k = spec.branches.index(("relu", 0))
    plain = models.plain_mlp(spec.depth, spec.width, "relu", data.n_features, data.n_classes, spec.initializer, 0)
    engine.compile_model(plain, spec, engine.plain_loss(spec.task), len(data.x_train))
    for order in trained["orders"]:
        engine.fit_epoch(plain, spec, data, order[::-1])
    diffs = [max_relative_difference(w, p) for w, p in zip(plain.get_weights(), trained["plain"][k])]
    assert max(diffs) > 1e-3
    # and branches trained side by side did not leak into each other
    assert max_relative_difference(trained["group"][k][0], trained["group"][k + 1][0]) > 0.1


def test_train_plain_matches_the_group(trained):
    """engine.train_plain, which builds each plain model from its seed, ends at the group's weights."""
    spec, data = trained["spec"], trained["data"]
    # Two of the branches (to save time): same data, epochs and so the same batch orders.
    sub = dataclasses.replace(spec, activations=("sigmoid", "relu"), seeds=(1,))
    assert list(engine.batch_orders(sub, 600))[-1].tolist() == trained["orders"][-1].tolist()
    models_by_branch = engine.train_plain(sub, data)
    assert list(models_by_branch) == [("sigmoid", 1), ("relu", 1)]
    for branch, model in models_by_branch.items():
        k = spec.branches.index(branch)
        for i, (p, g) in enumerate(zip(model.get_weights(), trained["group"][k])):
            assert max_relative_difference(g, p) < 1e-4, (branch, i)


def test_activity_penalty_adds_exactly_its_stated_amount():
    """L1 x sum |a| / batch, per hidden layer and branch, on weights chosen by hand."""
    x = np.array([[1.0, -2.0], [0.5, 0.5], [-1.0, 3.0]], dtype=np.float32)  # batch of 3
    w = np.array([[1.0, -1.0, 2.0], [0.5, 1.0, -1.0]], dtype=np.float32)  # 2 inputs -> 3 units
    hidden = np.maximum(x @ w, 0)  # ReLU, zero bias: [[0,0,4],[0.75,0,0.5],[0.5,4,0]]
    assert hidden.sum() == pytest.approx(9.75)
    plain = models.plain_mlp(1, 3, "relu", 2, 2, activity_l1=0.1)
    plain.get_layer("hidden_0").set_weights([w, np.zeros(3, np.float32)])
    plain(x)
    assert float(sum(keras.ops.convert_to_numpy(v) for v in plain.losses)) == pytest.approx(0.1 * 9.75 / 3, rel=1e-6)

    group = models.stacked_mlp(1, 3, [("relu", 0), ("relu", 1)], 2, 2, activity_l1=0.1)
    dense = group.get_layer("hidden_0")
    dense.set_weights([np.stack([w, 2 * w]), np.zeros((2, 3), np.float32)])  # branch 2: twice the activations
    group(x)
    assert float(sum(keras.ops.convert_to_numpy(v) for v in group.losses)) == pytest.approx(
        0.1 * (9.75 + 2 * 9.75) / 3, rel=1e-6
    )  # the branches' penalties summed, each over the batch
    assert not models.stacked_mlp(1, 3, [("relu", 0)], 2, 2).losses  # no penalty unless asked


def test_a_setting_added_later_keeps_earlier_keys():
    """Runs stored before activity_l1 existed keep their keys: the setting is hashed only when set."""
    import hashlib
    import json

    spec = GroupSpec(dataset="digits", depth=2, width=8, activations=("relu",), seeds=(0,), epochs=1)
    later = {"activity_l1", "trace_every", "benchmark", "device", "architecture", "normalization", "residual"}
    later |= {"sign_twins", "inputs"}
    legacy = {k: v for k, v in spec.to_dict().items() if k not in later}
    assert spec.key() == hashlib.sha256(json.dumps(legacy, sort_keys=True).encode()).hexdigest()[:16]
    assert dataclasses.replace(spec, activity_l1=1e-3).key() != spec.key()
    assert dataclasses.replace(spec, architecture="cnn").key() != spec.key()
    assert dataclasses.replace(spec, inputs="unit_range").key() != spec.key()


def test_early_training_is_traced_where_the_schedule_says_without_changing_training():
    """trace_every=3 with 5 steps an epoch: records after steps 0, 3, 5 | 8, 10 | ... and the same weights."""
    base = dict(
        dataset="digits",
        depth=2,
        width=8,
        activations=("sigmoid", "tanh"),
        seeds=(0,),
        epochs=3,
        n_train=600,
        batch_size=128,
        probe_size=64,
    )
    traced_spec, plain_spec = GroupSpec(**base, trace_every=3), GroupSpec(**base)
    assert traced_spec.steps_per_epoch(600) == 5  # 4 full batches and a partial one of 88
    traced, _ = engine.train_group(traced_spec)
    untraced, _ = engine.train_group(plain_spec)
    means = traced[traced["metric"] == "act_mean"]
    assert sorted(set(means["step"])) == [0, 3, 5, 8, 10, 13, 15]
    assert set(means["layer"]) == {0, 1} and set(means["activation"]) == {"sigmoid", "tanh"}
    assert (means["epoch"] == means["step"] // 5).all()
    low, high = (
        traced[traced["metric"] == m].set_index(["activation", "layer", "step"])["value"]
        for m in ("act_p02", "act_p98")
    )
    mid = means.set_index(["activation", "layer", "step"])["value"]
    assert ((low <= mid) & (mid <= high)).all() and (high > low).all()
    assert ((mid > 0) & (mid < 1)).loc["sigmoid"].all()  # sigmoid outputs
    assert "act_mean" not in set(untraced["metric"])
    shared = untraced.columns.tolist()
    same = traced[~traced["metric"].isin(["act_mean", "act_p02", "act_p98", "wall_time"])]
    pd.testing.assert_frame_equal(
        same.reset_index(drop=True)[shared], untraced[untraced["metric"] != "wall_time"].reset_index(drop=True)
    )
