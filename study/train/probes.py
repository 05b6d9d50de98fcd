"""Per-layer measurements on a fixed probe set, defined once here and quoted in the report.

Each function takes one hidden layer of one model on the probe set: pre-activations `z`
and activations `a = f(z)`, both (examples, units).
"""

from __future__ import annotations

import numpy as np

from study.spec.activation_type import SATURATION_LEVEL, Activation, ops

NEAR_ZERO_LEVEL = 0.1  # |a| below 10% of the layer's mean |a| counts as near zero
COLLAPSE_LEVEL = 1e-3  # output range below 0.1% of the target's range over the interval: constant
N_LINES, POINTS_PER_LINE, LINE_CHUNK = 4, 2048, 512

DEFINITIONS = {
    "exact_zero": "fraction of activations exactly 0",
    "active": "fraction of activations not exactly 0 (the activation rate of C2)",
    "near_zero": f"fraction of activations with |a| < {NEAR_ZERO_LEVEL:g} x the layer's mean |a| "
    "(comparable across activations: sigmoid and tanh never give exact zeros)",
    "hoyer": "Hoyer sparsity of each example's activation vector, (sqrt(n) - |a|_1/|a|_2)/(sqrt(n) - 1), "
    "averaged over examples (0 = all equal, 1 = one unit active; an all-zero vector counts as 1)",
    "dead": "fraction of units that output exactly 0 on every probe example",
    "saturated": f"fraction of activations where |f'(z)| < {SATURATION_LEVEL:g} x max|f'| (sigmoid and tanh only)",
    "mean_abs_derivative": "mean |f'(z)| over examples and units",
    "dormant": "fraction of units whose pre-activation is at most 0 on every probe example (dead for ReLU, "
    "'dormant' for Leaky ReLU, which still passes a 0.01 slope)",
    "revived": "fraction of the layer's units that were dormant at the previous recorded epoch and are not now",
    "grad_norm": "L2 norm of the loss gradient with respect to the layer's weight matrix, on the probe set",
    "linear_regions": f"for nets of a piecewise-linear activation with a kink at 0 (the ReLU family): the number "
    f"of linear regions crossed along {N_LINES} straight segments between random pairs of probe "
    f"examples, counted as 1 + the number of changes of the activation pattern (the signs of "
    f"every hidden pre-activation) between {POINTS_PER_LINE} evenly spaced points, averaged over "
    "the segments; a lower bound that tightens with more points; at initialisation and at the end",
    "collapsed": f"regression on an interval: 1 if the net's output over a dense grid of the interval varies by "
    f"less than {COLLAPSE_LEVEL:g} x the target's range (the net computes a constant), else 0",
    "relevance_auc": "tasks with known informative features (C4): the area under the ROC curve of the first "
    "layer's per-input weight norms (L2 over its units) against the true relevance, i.e. the "
    "probability that an informative input's norm exceeds a noise input's (1 = every informative "
    "input ranked first, 0.5 = chance)",
    "relevance_share": "tasks with known informative features (C4): the share of the first layer's weight mass "
    "(the sum of per-input norms) on the informative inputs",
}


# Each measure takes a block of consecutive branches of one activation: arrays (branches, examples, units),
# and returns one value per branch.
BRANCH_AXES = (-2, -1)


def exact_zero(a):
    return np.mean(a == 0, axis=BRANCH_AXES)


def near_zero(a, level=NEAR_ZERO_LEVEL):
    scale = np.mean(np.abs(a), axis=BRANCH_AXES, keepdims=True)
    frac = np.mean(np.abs(a) < level * scale, axis=BRANCH_AXES)
    return np.where(scale[..., 0, 0] == 0, 1.0, frac)


def hoyer(a):
    n = a.shape[-1]
    if n == 1:
        return np.full(a.shape[:-2], np.nan)  # undefined for a single unit
    l1 = np.abs(a).sum(-1)
    l2 = np.sqrt((a.astype(np.float64) ** 2).sum(-1))
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(l2 > 0, l1 / l2, 1.0)  # an all-zero vector counts as maximally sparse
    return np.mean((np.sqrt(n) - ratio) / (np.sqrt(n) - 1), axis=-1)


def dead(a):
    return np.mean(np.all(a == 0, axis=-2), axis=-1)


def dormant(z):
    return np.mean(dormant_units(z), axis=-1)


def abs_derivative(z, act: Activation):
    return np.abs(ops.convert_to_numpy(act.derivative(z)))


def saturated(z, act: Activation, d=None):
    """d: |f'(z)|, when the caller has it already."""
    if not act.bounded:
        return np.full(z.shape[:-2], np.nan)
    d = abs_derivative(z, act) if d is None else d
    return np.mean(d < SATURATION_LEVEL * act.max_derivative, axis=BRANCH_AXES)


def mean_abs_derivative(z, act: Activation, d=None):
    return np.mean(abs_derivative(z, act) if d is None else d, axis=BRANCH_AXES)


def layer_metrics(z, a, act: Activation) -> dict[str, np.ndarray]:
    """Every per-layer measure but the gradient norm, which needs the model, for a block of
    branches of one activation: z and a are (branches, examples, units)."""
    zero, d = exact_zero(a), abs_derivative(z, act)
    return {
        "exact_zero": zero,
        "active": 1.0 - zero,
        "near_zero": near_zero(a),
        "hoyer": hoyer(a),
        "dead": dead(a),
        "dormant": dormant(z),
        "saturated": saturated(z, act, d),
        "mean_abs_derivative": mean_abs_derivative(z, act, d),
    }


def dormant_units(z):
    """(K, examples, units) pre-activations -> (K, units): negative (or 0) on every example."""
    return np.all(z <= 0, axis=-2)


def revived(before, now):
    """Per branch, the fraction of units dormant before and not dormant now; masks (K, units)."""
    return (before & ~now).mean(axis=-1)


def collapsed(outputs, target, level=COLLAPSE_LEVEL):
    """Per branch, 1.0 where the output over the interval's grid is constant; outputs (grid, K)."""
    spread = outputs.max(axis=0) - outputs.min(axis=0)
    return (spread < level * (target.max() - target.min())).astype(float)


def lines_through(x, seed, n_lines=N_LINES, n_points=POINTS_PER_LINE):
    """(n_lines, n_points, features): evenly spaced points on segments between random pairs of rows of x."""
    rng = np.random.default_rng([seed, 2])
    pairs = (
        rng.choice(len(x), size=(n_lines, 2), replace=False)
        if len(x) >= 2 * n_lines
        else rng.integers(0, len(x), size=(n_lines, 2))
    )
    t = np.linspace(0.0, 1.0, n_points, dtype=np.float32)[None, :, None]
    start, end = x[pairs[:, 0]][:, None, :], x[pairs[:, 1]][:, None, :]
    return (start + t * (end - start)).astype(np.float32)


def as_units(layer_output) -> np.ndarray:
    """A layer's (K, examples, ...) output as (K, examples, units): a convolution's units are its positions
    x channels."""
    a = np.asarray(layer_output)
    return a.reshape(a.shape[0], a.shape[1], -1)


def pattern_changes(zs):
    """Per branch, how often the activation pattern changes between consecutive points.

    zs: per hidden layer, (K, points, units) pre-activations along a path.
    """
    changed = None
    for z in zs:
        on = z > 0  # once per point, not once per neighbour
        flips = np.any(on[:, 1:] != on[:, :-1], axis=-1)  # (K, points - 1)
        changed = flips if changed is None else changed | flips
    return changed.sum(axis=-1)


def regions_along_lines(preactivations, lines, chunk=LINE_CHUNK):
    """Per branch, the mean number of linear regions crossed along each line.

    `preactivations` maps a batch of inputs to every hidden layer's (K, batch, units); the
    lines are cut into chunks that overlap by one point, so no change is missed or counted twice.
    """
    totals = 0
    for line in lines:
        count = 0
        for start in range(0, len(line) - 1, chunk):
            points = line[start : start + chunk + 1]
            # a short last chunk is padded with its last point (no change of pattern): one shape, one trace
            points = np.concatenate([points, np.repeat(points[-1:], chunk + 1 - len(points), axis=0)])
            zs = preactivations.predict_on_batch(points)
            zs = [as_units(z) for z in (zs if isinstance(zs, (list, tuple)) else [zs])]
            count = count + pattern_changes(zs)
        totals = totals + 1 + count
    return totals / len(lines)


def feature_norms(kernel):
    """(K, features): the L2 norm of each input feature's first-layer weights; kernel (K, features, units)."""
    return np.sqrt((np.asarray(kernel, dtype=np.float64) ** 2).sum(axis=-1))


def relevance_auc(kernel, relevant):
    """Per branch, how well the first layer's per-feature weight norms rank the informative features
    above the noise ones: the area under the ROC curve, P(norm of an informative feature > norm of a
    noise feature), ties counted half. 1 ranks every informative feature first, 0.5 is chance."""
    norms = feature_norms(kernel)
    hit, miss = norms[:, relevant], norms[:, ~relevant]
    greater = (hit[:, :, None] > miss[:, None, :]).mean(axis=(1, 2))
    ties = (hit[:, :, None] == miss[:, None, :]).mean(axis=(1, 2))
    return greater + 0.5 * ties


def relevance_share(kernel, relevant):
    """Per branch, the share of first-layer weight mass (sum of per-feature norms) on the informative features."""
    norms = feature_norms(kernel)
    return norms[:, relevant].sum(axis=1) / norms.sum(axis=1)
