"""Claim C3, "a mirrored or 180-degree-rotated ReLU works just as well", as an exact identity.

Each flipped ReLU is relu with a constant coefficient of -1 put on its input, its output or
both: relu_mirror(x) = relu(-x), neg_relu(x) = -relu(x), relu_rot180(x) = -relu(-x). That
coefficient is not a new degree of freedom: it is absorbed by the neighbouring affine
layers, whose weights change sign instead. Writing the ReLU net's hidden layers l = 1..L as
(V_l, c_l) and its head as (V_out, c_out), the flipped net (W_l, b_l, W_out, b_out) computes
the same function, layer by layer, when

    relu_mirror:  W_l = -V_l, b_l = -c_l (every l); W_out = V_out, b_out = c_out
    neg_relu:     W_1 = V_1, W_l = -V_l (l >= 2), b_l = c_l; W_out = -V_out, b_out = c_out
    relu_rot180:  W_1 = -V_1, W_l = V_l (l >= 2), b_l = -c_l; W_out = -V_out, b_out = c_out

Then, layer by layer, the flipped net's pre-activations z'_l and activations a'_l are those
of the ReLU net, z_l and h_l = relu(z_l), up to sign:

    relu_mirror:  z'_l = -z_l, a'_l = relu(z_l) = h_l
    neg_relu:     z'_l =  z_l, a'_l = -h_l
    relu_rot180:  z'_l = -z_l, a'_l = -h_l

and the head, which undoes the sign of a'_L, gives the same logits. The map is a fixed
diagonal sign flip S of the parameters (S = S^-1), so the flipped net's loss is L(S theta),
its gradient is S grad, and SGD, momentum and Adam (elementwise: m -> S m, v -> v) commute
with S: trained on the same batches from corresponding starts, the flipped net *stays* the
flipped ReLU net, step for step. Under a sign-symmetric initialiser (glorot_uniform is
U[-a, a], biases start at zero; the study's other initialisers are symmetric too) S theta is
distributed as theta, so a flipped net drawn from its own seed is a ReLU net drawn from
another seed: the flipped nets are the ReLU net in distribution, and any difference a study
measures between them, same initialiser, optimiser and data, can only be seed noise.

In IEEE arithmetic negation is exact and round-to-nearest is sign-symmetric, so every
product, sum and update on the flipped branch is the exact negation (or copy) of the one on
the ReLU branch, provided both are computed in the same order. The tests check bit-equality
where that holds and show where it does not: two *identical* ReLU branches in different
slots of one group already drift apart by ~1e-7 (TensorFlow on CPU sums the head-bias
gradient, a reduction over the batch axis of a (K, batch, 10) tensor, in a slot-dependent
order), so the flipped branch is compared both with the ReLU branch in slot 0 (to float
rounding) and with a ReLU twin trained in its own slot (exactly).
"""

import functools
from dataclasses import replace

import keras
import numpy as np
import pytest

from study.spec import datasets
from study.spec.config import GroupSpec
from study.train import engine, models
from study.train.flips import FLIPS, branch_weights, flip_weights, set_branch_weights

# Worst relative difference max|a - b| / max|b| allowed between the flipped branch and
# flip(a ReLU branch); see the docstring for why two constants.
FUNCTION_RTOL = 0.0  # outputs, z and a of the freshly flipped net: measured exactly 0
# After training, against flip(a ReLU twin in the same slot): measured exactly 0 on TensorFlow. XLA
# (JAX) compiles a negated ReLU into other fused kernels, so there it is float32 rounding (1.2e-7).
EXACT = keras.backend.backend() == "tensorflow"
TWIN_RTOL = 0.0 if EXACT else 1e-6
# After training, against flip(the ReLU branch in slot 0). Measured (CPU, TensorFlow 2.21, Keras 3.15, 21 steps):
# adam 1.18e-7, sgd 1.28e-7, momentum 9.6e-8 for every flip, the same numbers as two
# identical ReLU branches in slots 0 and 1 reach: float32 rounding (eps 1.19e-7) of the
# slot-dependent head-bias gradient sum, carried forward by training. About 8x headroom.
GROUP_RTOL = 1e-6
MOVED_ATOL = 1e-3  # training must move every weight tensor by more than this (max abs)
# The unreparametrised flipped branch must end at least this far from flip(relu), with
# signs (measured 2.0-2.8) and in magnitudes alone (measured 0.74-1.84).
CONTROL_MIN_RDIFF = 0.1

OPTIMIZERS = {  # learning rates at which a few epochs move every tensor
    "adam": 1e-3,
    "sgd": 0.05,
    "momentum": 0.01,
}
N_TRAIN, EPOCHS, BATCH = 400, 3, 64  # 7 steps an epoch, the last a partial batch of 16
DEPTH, WIDTH = 3, 16


def max_relative_difference(a, b):
    """max |a - b| / max |b|; 0 where both are identically 0."""
    num, den = float(np.abs(a - b).max()), float(np.abs(b).max())
    return num / den if den > 0 else (0.0 if num == 0 else np.inf)


def spec_for(flip, optimizer="adam"):
    """The settings of every group here; the branches are given to `build` explicitly."""
    return GroupSpec(
        dataset="digits",
        depth=DEPTH,
        width=WIDTH,
        activations=(flip,),
        seeds=(0,),
        epochs=EPOCHS,
        optimizer=optimizer,
        learning_rate=OPTIMIZERS[optimizer],
        batch_size=BATCH,
        n_train=N_TRAIN,
    )


def build(spec, data, branches):
    engine.set_determinism(spec, spec.data_seed)
    return models.stacked_mlp(spec.depth, spec.width, branches, data.n_features, data.n_outputs, spec.initializer)


def test_flip_is_an_involution_that_changes_signs_only():
    rng = np.random.default_rng(0)
    w = [rng.normal(size=s).astype(np.float32) for s in [(5, 4), (4,), (4, 4), (4,), (4, 3), (3,)]]
    for flip in FLIPS:
        f = flip_weights(flip, w)
        assert all(np.array_equal(np.abs(a), np.abs(b)) for a, b in zip(f, w))
        assert all(np.array_equal(a, b) for a, b in zip(flip_weights(flip, f), w))
        assert any(not np.array_equal(a, b) for a, b in zip(f, w))


@pytest.mark.parametrize("flip", list(FLIPS))
def test_flipped_net_computes_the_relu_net(flip):
    spec = spec_for(flip)
    data = datasets.load(spec.dataset, n_train=spec.n_train, seed=spec.data_seed)
    group = build(spec, data, [("relu", 0), (flip, 0)])
    # nonzero biases, so that their sign pattern is exercised too
    rng = np.random.default_rng(1)
    relu = [w if w.ndim == 2 else rng.normal(0, 0.3, w.shape).astype(w.dtype) for w in branch_weights(group, 0)]
    set_branch_weights(group, 0, relu)
    set_branch_weights(group, 1, flip_weights(flip, relu))

    x = np.concatenate([data.x_train, data.x_val])
    out = keras.ops.convert_to_numpy(group(x))  # (batch, K, classes)
    rd = max_relative_difference(out[:, 1], out[:, 0])
    print(f"\n{flip}: outputs rdiff {rd:.3g}", end="")
    assert rd <= FUNCTION_RTOL
    assert np.abs(out[:, 0]).max() > 0.1  # a nontrivial function

    probes = [keras.ops.convert_to_numpy(t) for t in models.probe_model(group)(x)]
    assert len(probes) == 2 * DEPTH
    s = FLIPS[flip]
    for layer in range(DEPTH):
        z, a = probes[2 * layer], probes[2 * layer + 1]  # (K, batch, units)
        assert max_relative_difference(z[1], s["pre"] * z[0]) <= FUNCTION_RTOL, (flip, layer, "z")
        assert max_relative_difference(a[1], s["act"] * a[0]) <= FUNCTION_RTOL, (flip, layer, "a")
        assert 0.05 < (a[0] > 0).mean() < 0.95  # ReLU units both on and off: the kink is exercised
    # the flip does something: without the reparametrised weights the outputs differ
    set_branch_weights(group, 1, relu)
    unflipped = keras.ops.convert_to_numpy(group(x))
    assert max_relative_difference(unflipped[:, 1], unflipped[:, 0]) > 0.1


def train_group(spec, branches, reparametrise=()):
    """Trains a group (branches listed) on the engine's batches; branch weights before and after.

    Each k in `reparametrise` first gets flip(branch 0's weights), its activation's flip."""
    data = datasets.load(spec.dataset, n_train=spec.n_train, seed=spec.data_seed)
    n = len(data.x_train)
    group = build(spec, data, branches)
    for k in reparametrise:
        set_branch_weights(group, k, flip_weights(branches[k][0], branch_weights(group, 0)))
    initial = [branch_weights(group, k) for k in range(len(branches))]
    engine.compile_model(group, spec, engine.BranchSumLoss(spec.task), n)
    for order in engine.batch_orders(spec, n):
        engine.fit_epoch(group, spec, data, order)
    final = [branch_weights(group, k) for k in range(len(branches))]
    out = keras.ops.convert_to_numpy(group(data.x_val))
    return {"initial": initial, "final": final, "out": out}


@functools.cache
def train(flip, optimizer):
    """[relu, flip(relu), the flip from its own seeded draw], trained side by side."""
    return train_group(spec_for(flip, optimizer), [("relu", 0), (flip, 0), (flip, 0)], reparametrise=(1,))


@functools.cache
def train_twins(optimizer):
    """Three identical ReLU branches, trained side by side: the same slots as `train`'s group."""
    return train_group(spec_for("relu", optimizer), [("relu", 0)] * 3)


def worst(got, expected):
    return max(max_relative_difference(g, e) for g, e in zip(got, expected))


CASES = [(f, o) for f in FLIPS for o in OPTIMIZERS]


@pytest.mark.parametrize("flip,optimizer", CASES)
def test_training_keeps_the_reparametrisation(flip, optimizer):
    """The flipped branch stays flip(ReLU branch), to float32 rounding, through training."""
    r = train(flip, optimizer)
    relu, flipped = r["final"][0], r["final"][1]
    per_tensor = [max_relative_difference(w, e) for w, e in zip(flipped, flip_weights(flip, relu))]
    outputs = max_relative_difference(r["out"][:, 1], r["out"][:, 0])
    print(
        f"\n{flip:12s} {optimizer:8s} vs slot 0: worst rdiff of weights {max(per_tensor):.3g} "
        f"(per tensor {[f'{v:.2g}' for v in per_tensor]}); outputs {outputs:.3g}",
        end="",
    )
    assert max(per_tensor) <= GROUP_RTOL, per_tensor
    assert outputs <= GROUP_RTOL


@pytest.mark.parametrize("flip,optimizer", CASES)
def test_training_keeps_the_reparametrisation_exactly_against_a_twin(flip, optimizer):
    """Bit-exact against a ReLU branch trained in the flipped branch's own slot.

    What is left above is the group's slot effect, not the flip: two identical ReLU
    branches drift apart by exactly as much as the flipped branch and the ReLU branch."""
    r, twins = train(flip, optimizer), train_twins(optimizer)
    assert worst(r["initial"][1], flip_weights(flip, twins["initial"][1])) == 0
    exact = worst(r["final"][1], flip_weights(flip, twins["final"][1]))
    slot_drift = worst(twins["final"][1], twins["final"][0])
    flip_vs_slot0 = worst(r["final"][1], flip_weights(flip, r["final"][0]))
    print(f"\n{flip:12s} {optimizer:8s} vs twin: {exact:.3g}; twin slot 1 vs slot 0: {slot_drift:.3g}", end="")
    assert exact <= TWIN_RTOL
    assert worst(r["final"][0], twins["final"][0]) <= TWIN_RTOL  # the ReLU branch is its twin too
    if EXACT:
        assert flip_vs_slot0 == slot_drift


@pytest.mark.parametrize("flip,optimizer", CASES)
def test_training_moved_every_tensor(flip, optimizer):
    # otherwise the equality above would hold trivially
    r = train(flip, optimizer)
    for k in (0, 1):
        for i, (w0, w1) in enumerate(zip(r["initial"][k], r["final"][k])):
            assert np.abs(w1 - w0).max() > MOVED_ATOL, (flip, optimizer, k, i)


@pytest.mark.parametrize("flip,optimizer", CASES)
def test_unreparametrised_flip_ends_elsewhere(flip, optimizer):
    """Negative control: the flipped branch from its own seeded draw is not flip(relu)."""
    r = train(flip, optimizer)
    relu, control = r["final"][0], r["final"][2]
    # seed 0 draws the same kernels for every activation, so the control starts at the ReLU
    # branch's own weights, not at their flip
    assert all(np.array_equal(a, b) for a, b in zip(r["initial"][2], r["initial"][0]))
    expected = flip_weights(flip, relu)
    rd = worst(control, expected)
    # and not just by the sign of its start: the magnitudes differ too, it trained elsewhere
    rd_abs = worst([np.abs(w) for w in control], [np.abs(e) for e in expected])
    print(f"\n{flip:12s} {optimizer:8s} control rdiff {rd:.3g}, of magnitudes {rd_abs:.3g}", end="")
    assert rd > CONTROL_MIN_RDIFF
    assert rd_abs > CONTROL_MIN_RDIFF


def test_sign_twins_start_each_flip_as_its_relu_twin_and_end_there_to_rounding():
    """The study's own exact path (GroupSpec.sign_twins, the `flips_exact` experiment): every flipped branch starts
    from the sign flip of its seed's ReLU branch, and its test outputs end within float rounding of its twin's."""
    acts = ("relu", *FLIPS)
    spec = replace(spec_for("relu"), activations=acts, seeds=(0, 1), sign_twins=True)
    data = datasets.load(spec.dataset, n_train=spec.n_train, seed=spec.data_seed)
    group = engine.new_group(spec, data)
    for k, (act, seed) in enumerate(spec.branches):
        twin = spec.branches.index(("relu", seed))
        expected = flip_weights(act, branch_weights(group, twin)) if act != "relu" else branch_weights(group, k)
        assert worst(branch_weights(group, k), expected) == 0
    assert worst(branch_weights(group, 0), branch_weights(group, 1)) > 0.1  # seeds 0 and 1: other draws

    rows, _ = engine.train_group(spec, data)
    diff = rows[rows["metric"] == "twin_output_difference"]
    assert sorted(diff["epoch"].unique()) == list(spec.record_epochs)
    assert (diff.loc[diff["activation"] == "relu", "value"] == 0).all()
    print(f"\nlargest twin output difference {diff['value'].max():.3g}", end="")
    assert 0 <= diff["value"].max() <= GROUP_RTOL
    final = rows[(rows["metric"] == "test_accuracy") & (rows["epoch"] == spec.epochs)]
    assert final.groupby("seed")["value"].nunique().eq(1).all()  # every flip classifies as its twin does
    plain = replace(spec, sign_twins=False)
    assert "twin_output_difference" not in set(engine.train_group(plain, data)[0]["metric"])


@pytest.mark.parametrize(
    "changes,message",
    [
        (dict(activations=("relu_mirror", "neg_relu")), "needs relu and flipped ReLUs"),
        (dict(activations=("relu", "tanh")), "needs relu and flipped ReLUs"),
        (dict(residual=True), "needs the plain MLP"),
    ],
)
def test_sign_twins_refuse_what_the_flip_does_not_cover(changes, message):
    with pytest.raises(ValueError, match=message):
        replace(spec_for("relu"), sign_twins=True, **changes)
