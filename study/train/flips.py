"""Sign-flipped twins (C3's exact test): each flipped ReLU started from its ReLU twin's weights, sign-flipped.

relu_mirror(x) = relu(-x), neg_relu(x) = -relu(x) and relu_rot180(x) = -relu(-x) put a constant -1 on a ReLU's
input, output or both, and the neighbouring layers absorb it: the flipped net whose weights are the ReLU net's
under the sign pattern below computes the ReLU net's function, layer by layer (tests/test_flips.py works it out
and checks it). Gradient descent, momentum and Adam commute with a fixed sign flip of the parameters, so trained
on the same batches from these starts the flipped net stays the flipped ReLU net step for step: whatever differs
between the two after training is float rounding. A group with `GroupSpec.sign_twins` starts every flipped branch
this way from the ReLU branch of its seed, and records how far their outputs end apart (`output_differences`).
"""

from __future__ import annotations

import numpy as np

from study.train import models

# Sign of (first hidden kernel, later hidden kernels, hidden biases, head kernel) of the flipped net relative to the
# ReLU net, and the sign of its hidden activations (act) and pre-activations (pre) relative to the ReLU net's. The
# head bias never changes sign.
FLIPS = {
    "relu_mirror": dict(first=-1, later=-1, bias=-1, head=+1, act=+1, pre=-1),
    "neg_relu": dict(first=+1, later=-1, bias=+1, head=-1, act=-1, pre=+1),
    "relu_rot180": dict(first=-1, later=+1, bias=-1, head=-1, act=-1, pre=-1),
}
TWIN = "relu"


def flip_weights(flip: str, relu_weights: list) -> list:
    """The flipped net's weights [W_1, b_1, ..., W_L, b_L, W_out, b_out] for ReLU weights [V_1, c_1, ..., V_out,
    c_out] (one branch, input side first): the sign pattern FLIPS[flip]."""
    s = FLIPS[flip]
    n_hidden = len(relu_weights) // 2 - 1
    out = []
    for i in range(n_hidden):
        kernel, bias = relu_weights[2 * i], relu_weights[2 * i + 1]
        out += [(s["first"] if i == 0 else s["later"]) * kernel, s["bias"] * bias]
    return out + [s["head"] * relu_weights[-2], relu_weights[-1].copy()]


def dense_layers(group) -> list:
    """The group's Dense layers, input side first, the head last."""
    return [d for d, _ in models.hidden_layers(group)] + [group.get_layer("logits")]


def branch_weights(group, k: int) -> list:
    """Branch k's [kernel, bias] per layer, input side first."""
    out = []
    for dense in dense_layers(group):
        kernel, bias = dense.get_weights()
        out += [kernel[k], bias[k]]
    return out


def set_branch_weights(group, k: int, weights: list):
    for i, dense in enumerate(dense_layers(group)):
        kernel, bias = dense.get_weights()
        kernel[k], bias[k] = weights[2 * i], weights[2 * i + 1]
        dense.set_weights([kernel, bias])


def twins(branches: list[tuple[str, int]]) -> list[int]:
    """For each branch, the index of the ReLU branch of its seed (the ReLU branches their own)."""
    relu = {seed: k for k, (act, seed) in enumerate(branches) if act == TWIN}
    return [relu[seed] for _, seed in branches]


def start_as_twins(group, branches: list[tuple[str, int]]):
    """Sets every flipped branch's weights to the sign flip of its ReLU twin's."""
    for k, (twin, (act, _)) in enumerate(zip(twins(branches), branches)):
        if act != TWIN:
            set_branch_weights(group, k, flip_weights(act, branch_weights(group, twin)))


def output_differences(outputs: np.ndarray, branches: list[tuple[str, int]]) -> np.ndarray:
    """Per branch, max |its outputs - its twin's| / max |its twin's| over the examples; outputs (batch, K, n)."""
    twin = outputs[:, twins(branches)].astype(np.float64)
    scale = np.abs(twin).max(axis=(0, 2))
    return np.abs(outputs.astype(np.float64) - twin).max(axis=(0, 2)) / np.where(scale > 0, scale, 1.0)
