"""Normalisation layers and residual connections: the stacked group against the plain Keras models.

Each option and their combinations must keep the group's promise: branch k computes, and trains
to, what its plain model (Keras's own BatchNormalization, LayerNormalization and Add layers)
computes and trains to. Layer norm taken over the K models' units together would couple the
models; the negative control shows the equivalence test catches it.
"""

import keras
import numpy as np
import pytest
from test_models import assert_group_equals_plain, max_relative_difference, train_both

from study.spec.config import GroupSpec
from study.train import models, normalization

BRANCHES = [("relu", 0), ("tanh", 1), ("sigmoid", 2), ("leaky_relu", 3)]
MODERN = {
    "batchnorm": dict(normalization="batchnorm"),
    "layernorm": dict(normalization="layernorm"),
    "residual": dict(residual=True),
    "residual + batchnorm": dict(normalization="batchnorm", residual=True),
    "residual + layernorm (pre-norm)": dict(normalization="layernorm", residual=True),
}


@pytest.mark.parametrize("n_features", [10, 16])  # 16: the first layer's widths match, so it has a skip too
@pytest.mark.parametrize("option", list(MODERN))
def test_a_modern_branch_starts_from_and_computes_its_plain_model(option, n_features):
    x = np.random.default_rng(0).normal(size=(32, n_features)).astype(np.float32)
    group = models.stacked_mlp(3, 16, BRANCHES, n_features, 4, **MODERN[option])
    plains = [models.plain_mlp(3, 16, a, n_features, 4, seed=s, **MODERN[option]) for a, s in BRANCHES]
    for k, plain in enumerate(plains):
        for g, p in zip(models.branch_weights(group, k), plain.get_weights(), strict=True):
            np.testing.assert_array_equal(g, p)
    # training mode: batch statistics (and the moving averages updated from them), then evaluation mode
    for training in (True, False):
        out = keras.ops.convert_to_numpy(group(x, training=training))
        for k, plain in enumerate(plains):
            np.testing.assert_allclose(
                keras.ops.convert_to_numpy(plain(x, training=training)), out[:, k], rtol=1e-5, atol=1e-5
            )
            for g, p in zip(models.branch_weights(group, k), plain.get_weights(), strict=True):
                np.testing.assert_allclose(g, p, rtol=1e-6, atol=1e-7)
    for k in range(len(BRANCHES)):  # unstack gives the branch back as its plain model
        again = keras.ops.convert_to_numpy(models.unstack(group, k)(x))
        np.testing.assert_allclose(again, keras.ops.convert_to_numpy(group(x))[:, k], rtol=1e-5, atol=1e-5)


def test_the_modern_layers_are_where_the_methods_say():
    def names(**options):
        return [layer.name for layer in models.plain_mlp(2, 8, "relu", 8, 3, **options).layers]

    assert names(normalization="batchnorm") == ["x", "hidden_0", "norm_0", "act_0"] + [
        "hidden_1",
        "norm_1",
        "act_1",
    ] + ["logits"]
    # pre-norm residual: LN -> Dense -> activation, added to its input; the first layer's widths match here
    assert names(normalization="layernorm", residual=True) == [
        "x",
        "prenorm_0",
        "hidden_0",
        "skip_0",
        "prenorm_1",
        "hidden_1",
        "skip_1",
        "logits",
    ]
    bn = models.plain_mlp(1, 8, "relu", 4, 3, normalization="batchnorm")
    assert not bn.get_layer("hidden_0").use_bias  # the normalisation's offset is the bias
    assert isinstance(bn.get_layer("norm_0"), keras.layers.BatchNormalization)


def modern_spec(optimizer, **option):
    rate = {"adam": 1e-3, "sgd": 0.05}[optimizer]
    return GroupSpec(  # 3 steps an epoch, the last a partial batch: small, as the equivalence needs no more
        dataset="digits",
        depth=3,
        width=12,
        activations=("relu", "sigmoid"),  # two blocks of the group; the four at initialisation above
        seeds=(0,),
        epochs=2,
        batch_size=64,
        n_train=160,
        optimizer=optimizer,
        learning_rate=rate,
        **option,
    )


@pytest.mark.parametrize("optimizer", ["adam", "sgd"])
@pytest.mark.parametrize("option", list(MODERN))
def test_modern_group_training_equals_plain_training(option, optimizer):
    """EQUIVALENCE: every weight (and batch norm's moving statistics) within 1e-4 of the plain model's."""
    assert_group_equals_plain(train_both(modern_spec(optimizer, **MODERN[option])))


def test_layer_norm_over_the_whole_group_fails_the_equivalence(monkeypatch):
    """Negative control: normalising over the K models' units together couples the models."""
    monkeypatch.setattr(normalization.BranchNormalization, "AXES", {"batchnorm": (-2,), "layernorm": (0, -1)})
    trained = train_both(modern_spec("adam", normalization="layernorm"))
    worst = max(
        max_relative_difference(g, p)
        for group_w, plain_w in zip(trained["group"], trained["plain"])
        for g, p in zip(group_w, plain_w)
    )
    assert worst > 1e-2
    with pytest.raises(AssertionError, match="group and plain weights differ"):
        assert_group_equals_plain(trained)


def test_the_gradient_norm_of_a_normalised_layer_covers_its_scales_and_offsets():
    group = models.stacked_mlp(2, 8, BRANCHES, 5, 3, normalization="batchnorm")
    parameters = models.layer_parameters(group)
    assert [[v.path.split("/")[-1] for v in layer] for layer in parameters] == [["kernel", "gamma", "beta"]] * 2
    plain = models.layer_parameters(models.stacked_mlp(2, 8, BRANCHES, 5, 3))
    assert [len(layer) for layer in plain] == [1, 1]


@pytest.mark.parametrize(
    "bad, message",
    [
        (dict(normalization="groupnorm"), "unknown normalization 'groupnorm' (choose from none, batchnorm, layernorm)"),
        (dict(architecture="cnn", residual=True), "settings of the MLP, not of the cnn"),
        (dict(architecture="cnn", normalization="batchnorm"), "settings of the MLP, not of the cnn"),
    ],
)
def test_bad_modern_options_are_refused_by_name(bad, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        GroupSpec(dataset="mnist1d", depth=2, width=8, activations=("relu",), seeds=(0,), epochs=1, **bad)


def test_modern_options_enter_the_key_only_when_set():
    base = GroupSpec(dataset="mnist1d", depth=2, width=8, activations=("relu",), seeds=(0,), epochs=1)
    keys = {
        GroupSpec(**{**base.to_dict(), **option, "activations": ("relu",), "seeds": (0,)}).key()
        for option in MODERN.values()
    }
    assert len(keys) == len(MODERN) and base.key() not in keys
    assert GroupSpec(**{**base.to_dict(), "normalization": "none", "residual": False}).key() == base.key()


def test_a_batch_norm_nets_gradient_is_taken_as_training_takes_it_and_leaves_its_averages():
    """At initialisation the moving averages are 0 and 1: a gradient in inference mode would be the
    unnormalised net's. The probe's gradient uses the batch's statistics and puts the averages back."""
    from study.train import engine, gradients

    x = np.random.default_rng(1).normal(3.0, 2.0, size=(64, 10)).astype(np.float32)  # far from mean 0, scale 1
    y = np.random.default_rng(2).integers(0, 4, 64)
    group = models.stacked_mlp(4, 16, BRANCHES, 10, 4, normalization="batchnorm")
    loss = engine.BranchSumLoss("classification")
    before = [keras.ops.convert_to_numpy(v.value) for v in group.non_trainable_variables]
    norms = gradients.kernel_grad_norms(group, loss, x, y, models.layer_parameters(group))
    for b, v in zip(before, group.non_trainable_variables, strict=True):
        np.testing.assert_array_equal(b, keras.ops.convert_to_numpy(v.value))
    # the same by hand, in training mode, with a plain Keras model of branch 0
    plain = models.unstack(group, 0)
    with_tape = __import__("tensorflow").GradientTape
    with with_tape() as tape:
        out = plain(x, training=True)
        value = keras.losses.SparseCategoricalCrossentropy(from_logits=True)(y, out)
    layer = [plain.get_layer(n) for n in ("hidden_0", "norm_0")]
    grads = tape.gradient(value, [layer[0].kernel, layer[1].gamma, layer[1].beta])
    expected = np.sqrt(sum(float((keras.ops.convert_to_numpy(g).astype(np.float64) ** 2).sum()) for g in grads))
    assert norms[0, 0] == pytest.approx(expected, rel=1e-4)
