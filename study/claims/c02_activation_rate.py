"""C2: adding N layers lowers the ReLU activation rate by a factor of 2^N, in theory.

Read from the deepest nets of the `sparsity` experiment: the fraction of non-zero ReLU
activations in the last hidden layer against the first, at initialisation and trained,
beside the product of the per-layer rates (the share of fully active paths, were the
layers independent), which is what does fall geometrically.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from study.analysis import stats
from study.claims import MAIN_INIT, Finding, Key
from study.analysis.style import BOOT, with_state
from study.analysis.selection import deepest, final_epoch, per_seed
from study.analysis.verdicts import NOT_TESTABLE, NUANCED, REFUTED, SUPPORTED, Rule

CLAIM = "C2"
EXPERIMENTS = ("sparsity",)
FAR_OFF = 100  # a ratio this many times the prediction refutes it

RULE = Rule(
    (NOT_TESTABLE, "the ratio is undefined (no active units in the first layer)", lambda e: np.isnan(e["ratio"].value)),
    (REFUTED, f"the lower bound of the ratio of the last to the first hidden layer's ReLU activation rate in "
              f"the deepest trained nets is over {FAR_OFF} times the predicted 2^-(N-1)",
     lambda e: e["ratio"].low > FAR_OFF * e["predicted"]),
    (SUPPORTED, "its interval contains 2^-(N-1)", lambda e: e["ratio"].low <= e["predicted"] <= e["ratio"].high),
    otherwise=NUANCED,
)


def finding(study) -> Finding:
    df = study.frame("sparsity")
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
    verdict = RULE({"ratio": main, "predicted": predicted})
    per_layer = per_seed(df, "active", activation="relu", depth=depth, epoch=final_epoch(df),
                         initializer=MAIN_INIT).mean(axis=0)
    paths = float(np.prod(per_layer.to_numpy()))
    text = (
        f"C2 predicts that the activation rate {depth - 1} layers deeper is 2^-{depth - 1} = "
        f"{predicted:.2g} of the first layer's. In the trained depth-{depth} ReLU nets ({MAIN_INIT}) the "
        f"last hidden layer's rate is {main.fmt()} times the first layer's; at initialisation "
        f"{ratio_est[('initialisation', MAIN_INIT)].fmt()}. The fraction of non-zero activations per layer "
        f"(mean over seeds) stays between {per_layer.min():.0%} and {per_layer.max():.0%} in these trained nets, "
        f"where He et al. (2015) assume 1/2 at initialisation: it does not halve layer after layer. What does fall "
        f"geometrically is the product of the per-layer rates, {paths:.2g} over the {depth} layers: "
        f"the share of input-to-output paths that are fully active if layers switched units on "
        f"independently."
    )
    table = pd.DataFrame({k: {c: e.fmt(percent=True) for c, e in v.items()} for k, v in rows.items()}).T
    table["last / first"] = [ratio_est[(k.split(", ")[0], k.split(", ")[1])].fmt() for k in table.index]
    return Finding(CLAIM, verdict, Key.of(f"rate ratio (predicted {predicted:.2g})", main), text, table,
                   "He et al. (2015): each ReLU is active with probability 1/2 at every layer.")


def activation_rate_by_layer(study):
    """The fraction of non-zero ReLU activations in each hidden layer of the deepest nets, at initialisation
    and after training, under both initialisers (log scale). The dashed line is C2's prediction, layer 1's
    rate halved at every layer; the dotted line the product of the per-layer rates (trained, Glorot uniform)."""
    df = study.frame("sparsity")
    depth = deepest(df)
    last = final_epoch(df)
    sub = with_state(df[(df["metric"] == "active") & (df["activation"] == "relu") & (df["depth"] == depth)],
                     last)
    fig, ax = plt.subplots(figsize=(6, 3.6))
    sns.lineplot(sub, x="layer", y="value", hue="initializer", style="state", marker="o", ax=ax, **BOOT)
    layers = np.arange(1, depth + 1)
    trained = sub[(sub["epoch"] == last) & (sub["initializer"] == MAIN_INIT)]
    rates = trained.groupby("layer")["value"].mean().to_numpy()
    ax.plot(layers, rates[0] * 2.0 ** -(layers - 1), "k--", lw=1,
            label="C2: layer 1's rate x 2^-(N-1)")
    ax.plot(layers, np.cumprod(rates), "k:", lw=1.5,
            label=f"product of rates up to layer N, trained ({MAIN_INIT})")
    ax.set_yscale("log")
    ax.set_ylim(max(1e-12, rates[0] * 2.0 ** -(depth - 1) / 2), 1.5)
    ax.set_xlabel(f"hidden layer N (depth-{depth} ReLU nets)")
    ax.set_ylabel("activation rate (fraction non-zero)")
    ax.legend(fontsize=7)
    ax.set_title("C2: ReLU activation rate by layer")
    return fig


FIGURES = {"activation_rate_by_layer": activation_rate_by_layer}
