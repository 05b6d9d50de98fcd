"""From stored runs to findings: one function per claim, each returning its numbers and verdict.

The verdict rules are fixed here, in code, before any reference run; the report only
prints what these functions return.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from study import stats, store
from study.activations import MAIN_FOUR
from study.grid import Experiment

SUPPORTED, REFUTED, NUANCED, NOT_TESTABLE = "supported", "refuted", "nuanced", "not testable here"
REFERENCE_DEPTH = 4  # C1 and C12 are read at this depth (Glorot et al. 2011 used 3 hidden layers)
MAIN_INIT = "glorot_uniform"  # Keras's default
BRAIN_ACTIVE = (0.01, 0.04)  # Lennie 2003
GLOROT2011_ZEROS_MNIST = 0.834


@dataclass
class Finding:
    claim: str
    verdict: str
    key: str  # the key number with its interval
    text: str  # what the numbers say, in sentences
    table: pd.DataFrame
    literature: str
    figures: list[str] = field(default_factory=list)


class Study:
    """The stored runs of one profile, loaded on demand per experiment."""

    def __init__(self, out: Path, profile: str, experiments: list[Experiment]):
        self.out, self.profile = Path(out), profile
        self.experiments = {e.name: e for e in experiments}
        self._frames = {}

    def specs(self, name):
        return self.experiments[name].specs(self.profile)

    def frame(self, name) -> pd.DataFrame:
        if name not in self._frames:
            try:
                self._frames[name] = store.load(self.out / "results", self.specs(name))
            except store.MissingRuns as exc:
                raise store.MissingRuns(
                    f"{exc}; run 'python -m study run {name} --profile {self.profile}' first") from None
        return self._frames[name]

    def info(self) -> list[dict]:
        keys, specs = set(), []
        for name in self.experiments:
            for s in self.specs(name):
                if s.key() not in keys:
                    keys.add(s.key())
                    specs.append(s)
        return [store.read_config(self.out / "results", s) for s in specs]


# ---- selections ------------------------------------------------------------------------

def final_epoch(df):
    return int(df["epoch"].max())


def select(df, metric, **where) -> pd.DataFrame:
    mask = df["metric"] == metric
    for col, val in where.items():
        mask &= df[col] == val
    return df[mask]


def per_seed(df, metric, index="seed", columns="layer", **where) -> pd.DataFrame:
    """A (seeds, tasks) table of one metric, ready for stats."""
    return select(df, metric, **where).pivot_table(index=index, columns=columns, values="value")


def nearest_depth(df, depth):
    depths = np.array(sorted(df["depth"].unique()))
    return int(depths[np.argmin(np.abs(depths - depth))])


def deepest(df):
    return int(df["depth"].max())


def layer_mean(df, metric, **where) -> np.ndarray:
    """Per-seed mean over the hidden layers."""
    return per_seed(df, metric, **where).mean(axis=1).to_numpy()


def estimates_table(rows: dict[str, dict[str, stats.Estimate]], percent=False) -> pd.DataFrame:
    return pd.DataFrame({col: {r: e.fmt(percent=percent) for r, e in cols.items()}
                         for col, cols in rows.items()}).T


# ---- claims ---------------------------------------------------------------------------

def c1_sparsity(df) -> Finding:
    depth, last = nearest_depth(df, REFERENCE_DEPTH), final_epoch(df)
    where = dict(depth=depth, epoch=last, initializer=MAIN_INIT)
    measures = ["exact_zero", "near_zero", "hoyer"]
    values = {a: {m: layer_mean(df, m, activation=a, **where) for m in measures} for a in MAIN_FOUR}
    est = {a: {m: stats.bootstrap(values[a][m]) for m in measures} for a in MAIN_FOUR}
    relu_zero = est["relu"]["exact_zero"]
    diffs = {b: stats.paired_difference(values["relu"]["near_zero"], values[b]["near_zero"])
             for b in ("sigmoid", "tanh")}
    saturating_zero = max(est[b]["exact_zero"].high for b in ("sigmoid", "tanh"))
    sparser = all(d.low > 0 for d in diffs.values())
    if relu_zero.low > 0.2 and saturating_zero == 0 and sparser:
        verdict = SUPPORTED
    elif relu_zero.low > 0.2:
        verdict = NUANCED
    else:
        verdict = REFUTED
    def compared(b):
        d = diffs[b]
        word = "above" if d.low > 0 else ("below" if d.high < 0 else "not clearly different from")
        return f"{word} {b}'s (difference {d.fmt(percent=True)})"

    text = (
        f"In the depth-{depth} nets after {last} epochs, ReLU leaves {relu_zero.fmt(percent=True)} of "
        f"hidden activations at exactly zero; sigmoid and tanh leave "
        + ("none" if saturating_zero == 0 else f"up to {100 * saturating_zero:.1f}% (upper bound)")
        + f". On the near-zero measure, which sigmoid and tanh can also reach, ReLU's fraction is "
        f"{compared('sigmoid')} and {compared('tanh')} (paired by seed). Leaky ReLU, which keeps a "
        f"0.01 slope, has "
        f"{est['leaky_relu']['exact_zero'].fmt(percent=True)} exact zeros but "
        f"{est['leaky_relu']['near_zero'].fmt(percent=True)} near-zero activations."
    )
    table = pd.DataFrame({a: {m: est[a][m].fmt(percent=m != 'hoyer') for m in measures} for a in MAIN_FOUR}).T
    return Finding("C1", verdict, f"ReLU exact zeros {relu_zero.fmt(percent=True)}", text, table,
                   f"Glorot et al. (2011): {100 * GLOROT2011_ZEROS_MNIST:.1f}% exact zeros on MNIST "
                   "(as reported in summaries), about 50% at initialisation.",
                   ["sparsity_by_activation", "sparsity_through_training"])


def c2_activation_rate(df) -> Finding:
    depth = deepest(df)
    rows, ratio_est = {}, {}
    for epoch, label in [(0, "initialisation"), (final_epoch(df), "trained")]:
        for init in sorted(df["initializer"].unique()):
            rate = per_seed(df, "active", activation="relu", depth=depth, epoch=epoch, initializer=init)
            first, last = rate.iloc[:, 0].to_numpy(), rate.iloc[:, -1].to_numpy()
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio_est[(label, init)] = stats.bootstrap(last / first)
            rows[f"{label}, {init}"] = {"layer 1": stats.bootstrap(first),
                                        f"layer {depth}": stats.bootstrap(last)}
    predicted = 2.0 ** -(depth - 1)
    main = ratio_est[("trained", MAIN_INIT)]
    if np.isnan(main.value):
        verdict = NOT_TESTABLE
    elif main.low > 100 * predicted:
        verdict = REFUTED
    elif main.low <= predicted <= main.high:
        verdict = SUPPORTED
    else:
        verdict = NUANCED
    per_layer = per_seed(df, "active", activation="relu", depth=depth, epoch=final_epoch(df),
                         initializer=MAIN_INIT).mean(axis=0)
    paths = float(np.prod(per_layer.to_numpy()))
    text = (
        f"C2 predicts that the activation rate {depth - 1} layers deeper is 2^-{depth - 1} = "
        f"{predicted:.2g} of the first layer's. In the trained depth-{depth} ReLU nets ({MAIN_INIT}) the "
        f"last hidden layer's rate is {main.fmt()} times the first layer's; at initialisation "
        f"{ratio_est[('initialisation', MAIN_INIT)].fmt()}. The fraction of non-zero activations "
        f"stays near the 1/2 per layer that He et al. (2015) assume, at every depth. What does fall "
        f"geometrically is the product of the per-layer rates, {paths:.2g} over the {depth} layers: "
        f"the share of input-to-output paths that are fully active if layers switched units on "
        f"independently."
    )
    table = pd.DataFrame({k: {c: e.fmt(percent=True) for c, e in v.items()} for k, v in rows.items()}).T
    table["last / first"] = [ratio_est[(k.split(", ")[0], k.split(", ")[1])].fmt() for k in table.index]
    return Finding("C2", verdict, f"rate ratio {main.fmt()} vs predicted {predicted:.2g}", text, table,
                   "He et al. (2015): each ReLU is active with probability 1/2 at every layer.",
                   ["activation_rate_by_layer"])


def c6_vanishing_gradients(df) -> Finding:
    depth, shallow, last = deepest(df), int(df["depth"].min()), final_epoch(df)
    inits = sorted(df["initializer"].unique())
    within, across, rows = {}, {}, {}
    for init in inits:
        for a in MAIN_FOUR:
            g = per_seed(df, "grad_norm", activation=a, depth=depth, epoch=0, initializer=init)
            g0 = per_seed(df, "grad_norm", activation=a, depth=shallow, epoch=0, initializer=init)
            # Within the deep net: first hidden layer vs last. Across nets: the deep net's first
            # layer vs the shallowest net's, which also sees a gradient that is small everywhere.
            within[(a, init)] = stats.bootstrap(g.iloc[:, 0].to_numpy() / g.iloc[:, -1].to_numpy())
            across[(a, init)] = stats.bootstrap(g.iloc[:, 0].to_numpy() / g0.iloc[:, 0].to_numpy())
            acc = per_seed(df, "train_accuracy", columns="epoch", activation=a, depth=depth,
                           initializer=init, layer=-1)[last].to_numpy()
            rows[f"{a}, {init}"] = {
                f"layer 1 / layer {depth} (init)": within[(a, init)].fmt(),
                f"layer 1, depth {depth} / depth {shallow} (init)": across[(a, init)].fmt(),
                "final train accuracy": stats.bootstrap(acc).fmt(percent=True)}
    sig_acc = stats.bootstrap(per_seed(df, "train_accuracy", columns="epoch", activation="sigmoid", depth=depth,
                                       initializer=MAIN_INIT, layer=-1)[last].to_numpy())
    stalls = sig_acc.value < 0.2
    vanishing = {i: min(within[("relu", i)].value, across[("relu", i)].value) < 0.01 for i in inits}
    verdict = REFUTED if not stalls else (NUANCED if any(vanishing.values()) else SUPPORTED)
    text = (
        f"At initialisation, the first hidden layer of the depth-{depth} nets receives a gradient "
        + "; ".join(f"{within[(a, i)].fmt()} times the last layer's and {across[(a, i)].fmt()} times "
                    f"the depth-{shallow} net's for {a} ({i})" for a in ("sigmoid", "relu") for i in inits)
        + f". After {last} epochs the depth-{depth} sigmoid nets ({MAIN_INIT}) reach "
        f"{sig_acc.fmt(percent=True)} training accuracy (chance is about 10%)."
    )
    if any(vanishing.values()):
        text += (f" ReLU's gradient vanishes too under {', '.join(i for i, v in vanishing.items() if v)}: "
                 "the constant slope keeps the gradient from shrinking layer by layer only when the "
                 "initialiser makes up for the half of the units that ReLU switches off.")
    return Finding("C6", verdict, f"sigmoid depth {depth} train accuracy {sig_acc.fmt(percent=True)}", text,
                   pd.DataFrame(rows).T,
                   "Glorot & Bengio (2010): deep sigmoid nets' top layer saturates early; MNIST "
                   "test error 2.21% sigmoid vs 1.76% tanh with 5 hidden layers.",
                   ["gradient_norm_by_layer", "training_curves"])


def c9_sigmoid_derivative(df) -> Finding:
    depth, last = deepest(df), final_epoch(df)
    where = dict(activation="sigmoid", depth=depth, initializer=MAIN_INIT)
    g = per_seed(df, "grad_norm", epoch=0, **where).to_numpy()
    # Geometric-mean factor by which the gradient norm shrinks per layer on the way back, from the
    # last hidden layer to the second: all of them take sigmoid outputs as input (the first takes
    # the standardised features, whose scale would enter the factor).
    first = 1 if depth > 2 else 0
    factor = stats.bootstrap((g[:, first] / g[:, -1]) ** (1.0 / max(depth - 1 - first, 1)))
    deriv = {e: stats.bootstrap(layer_mean(df, "mean_abs_derivative", epoch=e, **where)) for e in (0, last)}
    sat = {e: stats.bootstrap(per_seed(df, "saturated", epoch=e, **where).max(axis=1).to_numpy())
           for e in (0, last)}
    shrinks, saturates = factor.value < 0.5, sat[last].value > 0.5
    verdict = REFUTED if not shrinks else (SUPPORTED if saturates else NUANCED)
    text = (
        f"Sigmoid's derivative is at most 0.25. In the depth-{depth} sigmoid nets its mean |f'(z)| is "
        f"{deriv[0].fmt()} at initialisation and {deriv[last].fmt()} after {last} epochs, and the "
        f"weight-gradient norm changes by a factor of {factor.fmt()} per layer on its way back. In the "
        f"most saturated layer {sat[0].fmt(percent=True)} of activations are saturated at "
        f"initialisation and {sat[last].fmt(percent=True)} after training"
    )
    if shrinks and not saturates:
        text += ": the gradient vanishes without saturation, because a slope of at most 0.25 is already far below 1."
    elif shrinks:
        text += ": saturation adds to the small slope near 0."
    else:
        text += ": the gradient does not shrink by more than half per layer."
    table = pd.DataFrame({
        "initialisation": {"mean |f'(z)|": deriv[0].fmt(), "most saturated layer": sat[0].fmt(percent=True)},
        "trained": {"mean |f'(z)|": deriv[last].fmt(), "most saturated layer": sat[last].fmt(percent=True)},
    }).T
    table["gradient factor per layer (init)"] = [factor.fmt(), ""]
    return Finding("C9", verdict, f"gradient factor per layer {factor.fmt()}", text, table,
                   "Glorot & Bengio (2010): with 5 hidden layers the sigmoid top layer saturates at 0 early in "
                   "training.", ["derivative_by_layer"])


def c12_brain(df) -> Finding:
    depth, last = nearest_depth(df, REFERENCE_DEPTH), final_epoch(df)
    active = stats.bootstrap(layer_mean(df, "active", activation="relu", depth=depth, epoch=last,
                                        initializer=MAIN_INIT))
    lo, hi = BRAIN_ACTIVE
    if active.low <= hi and active.high >= lo:
        verdict = SUPPORTED
    elif active.value <= 5 * hi:
        verdict = NUANCED
    else:
        verdict = REFUTED
    by_depth = {d: stats.bootstrap(layer_mean(df, "active", activation="relu", depth=d, epoch=last,
                                              initializer=MAIN_INIT)) for d in sorted(df["depth"].unique())}
    text = (
        f"After {last} epochs, {active.fmt(percent=True)} of the depth-{depth} ReLU net's hidden "
        f"activations are non-zero, {active.value / hi:.1f} times the brain's upper estimate of "
        f"{100 * hi:.0f}% (Lennie 2003) and against {100 * (1 - GLOROT2011_ZEROS_MNIST):.1f}% non-zero in "
        f"Glorot et al. (2011) on MNIST. Across depths the active fraction ranges from "
        f"{100 * min(e.value for e in by_depth.values()):.1f}% to {100 * max(e.value for e in by_depth.values()):.1f}%."
    )
    table = pd.DataFrame({"ReLU active fraction": {f"depth {d}": e.fmt(percent=True) for d, e in by_depth.items()}})
    return Finding("C12", verdict, f"ReLU active {active.fmt(percent=True)} vs brain 1-4%", text, table,
                   "Lennie (2003): 1-4% of neurons active at once; Glorot et al. (2011): 83.4% zeros on MNIST.",
                   ["active_fraction_vs_brain"])


RULES = {  # the verdict rules above, in words, for the report's methods
    "C1": "supported if ReLU's exact-zero fraction has a lower bound above 20%, sigmoid and tanh have "
          "none, and ReLU's near-zero fraction exceeds both (paired difference, lower bound above 0); "
          "nuanced if the first holds but not both others; refuted otherwise.",
    "C2": "on the ratio of the last to the first hidden layer's ReLU activation rate in the deepest "
          "trained nets: supported if its interval contains 2^-(N-1), refuted if its lower bound is "
          "over 100 times that, nuanced otherwise.",
    "C6": "refuted unless the deepest sigmoid nets stall (training accuracy IQM below 20%); then "
          "supported if, under every initialiser, the first hidden layer of the deepest ReLU nets gets "
          "at least 0.01 times the gradient norm of their last hidden layer and of the shallowest "
          "net's first layer (at initialisation), nuanced if not.",
    "C9": "refuted unless the sigmoid gradient shrinks by more than 2x per layer at initialisation; then "
          "supported if over 50% of the activations of the most saturated trained layer are saturated, "
          "nuanced if the gradient vanishes without saturation.",
    "C12": "supported if ReLU's active fraction interval meets the brain's 1-4%, nuanced if its IQM is "
           "within 5x of 4%, refuted otherwise.",
}

CLAIM_ANALYSES = {  # claim -> (experiment whose runs it reads, analysis)
    "C1": ("sparsity", c1_sparsity),
    "C2": ("sparsity", c2_activation_rate),
    "C6": ("gradients", c6_vanishing_gradients),
    "C9": ("gradients", c9_sigmoid_derivative),
    "C12": ("sparsity", c12_brain),
}


def findings(study: Study) -> list[Finding]:
    return [fn(study.frame(exp)) for exp, fn in CLAIM_ANALYSES.values() if exp in study.experiments]
