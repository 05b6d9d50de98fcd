"""C12: only about 1-4% of brain neurons are active at once; how does a trained ReLU net compare?

Read from the `sparsity` experiment: the fraction of non-zero ReLU activations after the
last epoch at depth 4 (and across depths), against Lennie's (2003) 1-4% and Glorot et
al.'s (2011) trained rectifier nets.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from study import stats
from study.claims import MAIN_INIT, REFERENCE_DEPTH, Finding, Key
from study.figures import BOOT, seed_means
from study.literature import BRAIN_ACTIVE, GLOROT2011_ZEROS_MNIST
from study.selection import final_epoch, layer_mean, nearest_depth
from study.verdicts import NUANCED, REFUTED, SUPPORTED, Rule

CLAIM = "C12"
EXPERIMENTS = ("sparsity",)
CLOSE = 5  # within this factor of the brain's upper estimate counts as close

RULE = Rule(
    (SUPPORTED, f"ReLU's active fraction interval meets the brain's {100 * BRAIN_ACTIVE[0]:.0f}-{BRAIN_ACTIVE[1]:.0%}",
     lambda e: e["active"].low <= BRAIN_ACTIVE[1] and e["active"].high >= BRAIN_ACTIVE[0]),
    (NUANCED, f"its IQM is within {CLOSE}x of {BRAIN_ACTIVE[1]:.0%}", lambda e: e["active"].value <= CLOSE * BRAIN_ACTIVE[1]),
    otherwise=REFUTED,
)


def finding(study) -> Finding:
    df = study.frame("sparsity")
    depth, last = nearest_depth(df, REFERENCE_DEPTH), final_epoch(df)
    active = stats.bootstrap(layer_mean(df, "active", activation="relu", depth=depth, epoch=last,
                                        initializer=MAIN_INIT))
    verdict = RULE({"active": active})
    lo, hi = BRAIN_ACTIVE
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
    return Finding(CLAIM, verdict, Key.of("ReLU active fraction (brain: 1-4%)", active, "%"), text, table,
                   "Lennie (2003): 1-4% of neurons active at once; Glorot et al. (2011): 83.4% zeros on MNIST.")


def active_fraction_vs_brain(study):
    df = study.frame("sparsity")
    last = final_epoch(df)
    sub = seed_means(df[(df["metric"] == "active") & (df["activation"] == "relu") & (df["epoch"] == last)],
                     "depth", "initializer")
    fig, ax = plt.subplots(figsize=(6, 3.4))
    sns.pointplot(sub, x="depth", y="value", hue="initializer", dodge=0.3, ax=ax, **BOOT)
    lo, hi = BRAIN_ACTIVE
    ax.axhspan(lo, hi, color="tab:green", alpha=0.3, label="brain, 1-4% (Lennie 2003)")
    ax.axhline(1 - GLOROT2011_ZEROS_MNIST, ls="--", c="k", lw=1, label="ReLU net, MNIST (Glorot 2011)")
    ax.set_ylim(0, 1)
    ax.set_ylabel("fraction of ReLU activations non-zero")
    ax.set_title(f"C12: active fraction after {last} epochs vs the brain")
    ax.legend(fontsize=7)
    return fig


FIGURES = {"active_fraction_vs_brain": active_fraction_vs_brain}
