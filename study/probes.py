"""Per-layer measurements on a fixed probe set, defined once here and quoted in the report.

Each function takes one hidden layer of one model on the probe set: pre-activations `z`
and activations `a = f(z)`, both (examples, units).
"""

from __future__ import annotations

import numpy as np

from study.activations import SATURATION_LEVEL, Activation, ops

NEAR_ZERO_LEVEL = 0.1  # |a| below 10% of the layer's mean |a| counts as near zero

DEFINITIONS = {
    "exact_zero": "fraction of activations exactly 0",
    "active": "fraction of activations not exactly 0 (the activation rate of C2)",
    "near_zero": f"fraction of activations with |a| < {NEAR_ZERO_LEVEL:g} x the layer's mean |a| "
                 "(comparable across activations: sigmoid and tanh never give exact zeros)",
    "hoyer": "Hoyer sparsity of each example's activation vector, (sqrt(n) - |a|_1/|a|_2)/(sqrt(n) - 1), "
             "averaged over examples (0 = all equal, 1 = one unit active; an all-zero vector counts as 1)",
    "dead": "fraction of units that output exactly 0 on every probe example",
    "saturated": f"fraction of activations where |f'(z)| < {SATURATION_LEVEL:g} x max|f'| "
                 "(sigmoid and tanh only)",
    "mean_abs_derivative": "mean |f'(z)| over examples and units",
    "grad_norm": "L2 norm of the loss gradient with respect to the layer's weight matrix, on the probe set",
}


def exact_zero(a):
    return float(np.mean(a == 0))


def near_zero(a, level=NEAR_ZERO_LEVEL):
    scale = np.mean(np.abs(a))
    if scale == 0:
        return 1.0
    return float(np.mean(np.abs(a) < level * scale))


def hoyer(a):
    n = a.shape[1]
    if n == 1:
        return float("nan")  # undefined for a single unit
    l1 = np.abs(a).sum(1)
    l2 = np.sqrt((a.astype(np.float64) ** 2).sum(1))
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(l2 > 0, l1 / l2, 1.0)  # an all-zero vector counts as maximally sparse
    return float(np.mean((np.sqrt(n) - ratio) / (np.sqrt(n) - 1)))


def dead(a):
    return float(np.mean(np.all(a == 0, axis=0)))


def saturated(z, act: Activation):
    if not act.bounded:
        return float("nan")
    d = np.abs(ops.convert_to_numpy(act.derivative(z)))
    return float(np.mean(d < SATURATION_LEVEL * act.max_derivative))


def mean_abs_derivative(z, act: Activation):
    return float(np.mean(np.abs(ops.convert_to_numpy(act.derivative(z)))))


def layer_metrics(z, a, act: Activation) -> dict[str, float]:
    """Every per-layer measure but the gradient norm, which needs the model."""
    zero = exact_zero(a)
    return {
        "exact_zero": zero,
        "active": 1.0 - zero,
        "near_zero": near_zero(a),
        "hoyer": hoyer(a),
        "dead": dead(a),
        "saturated": saturated(z, act),
        "mean_abs_derivative": mean_abs_derivative(z, act),
    }
