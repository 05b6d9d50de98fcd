"""C10: a ReLU's derivative is 0 on the negative side, so such a neuron stops training (a "dead
cell"); Leaky ReLU was invented to fix this.

Two experiments. `collapse`: deep narrow nets fitting y = |x| on an interval, as in Lu et
al. (2020); a net has collapsed when its output is constant over the interval
(`study.probes.collapsed`), and the collapse fraction over many initialisations is read at
initialisation and after training, by width. `dead_units`: MNIST-1D nets at increasing
learning rates; the fraction of units negative on every probe input (dead for ReLU,
"dormant" for Leaky ReLU, which still passes a 0.01 slope) through training, and the share
of those units that come back by the next recorded epoch.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from study.train import probes
from study.analysis import stats
from study.claims import Finding, Key
from study.analysis.style import BOOT, PALETTE
from study.analysis.selection import final_epoch, layer_mean, per_seed
from study.analysis.verdicts import NUANCED, REFUTED, SUPPORTED, Rule

CLAIM = "C10"
EXPERIMENTS = ("collapse", "dead_units")
PAIR = ("relu", "leaky_relu")

RULE = Rule(
    (SUPPORTED, "(a) at the narrowest width, trained ReLU nets collapse more often than Leaky ReLU nets from the "
                "same initial weights (paired difference, lower bound above 0) and (b) at the highest learning "
                "rate trained ReLU nets keep dead units (lower bound above 0) while a larger share of Leaky "
                "ReLU's dormant units revive than of ReLU's dead ones (paired difference, lower bound above 0)",
     lambda e: e["a"] and e["b"]),
    (NUANCED, "exactly one of (a) and (b) holds", lambda e: e["a"] != e["b"]),
    otherwise=REFUTED,
)


def collapse_fractions(study):
    df = study.frame("collapse")
    last = final_epoch(df)
    out = {}
    for (depth, width), sub in df[df["metric"] == "collapsed"].groupby(["depth", "width"]):
        for epoch in (0, last):
            table = per_seed(sub, "collapsed", columns="activation", epoch=epoch)
            out[(depth, width, epoch)] = table
    return out, last


def revival_share(df, activation, lr):
    """Per seed: units that revived by the next recorded epoch / units dormant at the epoch before."""
    sub = df[(df["activation"] == activation) & (df["learning_rate"] == lr)]
    revived = per_seed(sub, "revived", columns=["epoch", "layer"])
    dormant = per_seed(sub, "dormant", columns=["epoch", "layer"])
    epochs = sorted(dormant.columns.get_level_values(0).unique())
    before = sum(dormant[e].to_numpy() for e in epochs[:-1])  # dormant at the epoch before each revival
    after = sum(revived[e].to_numpy() for e in epochs[1:])
    with np.errstate(invalid="ignore", divide="ignore"):
        return (after.sum(1) / before.sum(1))


def _share_text(share):
    share = share[np.isfinite(share)]
    return stats.bootstrap(share).fmt(percent=True) if len(share) else "no unit was ever dormant"


def finding(study) -> Finding:
    fractions, last_a = collapse_fractions(study)
    keys = sorted(fractions)
    narrowest = min(w for _, w, _ in keys)
    depth_a = max(d for d, _, _ in keys)
    rows = {}
    for depth, width, epoch in keys:
        t = fractions[(depth, width, epoch)]
        label = f"depth {depth}, width {width}, " + ("init" if epoch == 0 else f"{last_a} epochs")
        rows[label] = {f"{a} collapsed": stats.bootstrap(t[a].to_numpy(), statistic=stats.mean).fmt(percent=True)
                       for a in PAIR}
        rows[label]["relu - leaky"] = stats.paired_difference(t["relu"], t["leaky_relu"], statistic=stats.mean).fmt(points=True)
    trained = fractions[(depth_a, narrowest, last_a)]
    collapse_gap = stats.paired_difference(trained["relu"], trained["leaky_relu"], statistic=stats.mean)

    dead = study.frame("dead_units")
    last_b, top = final_epoch(dead), float(dead["learning_rate"].max())
    tried = max(s.learning_rate for s in study.specs("dead_units"))
    highest = (f"Adam's highest rate ({top:g})" if top >= tried else
               f"the highest Adam rate with models left ({top:g}; every group at {tried:g} lost its models)")
    shares = {}
    for lr in sorted(dead["learning_rate"].unique()):
        for a in PAIR:
            shares[(a, lr)] = revival_share(dead, a, lr)
            rows[f"MNIST-1D, Adam {lr:g}, {a}"] = {
                "dead or dormant (trained)": stats.bootstrap(layer_mean(dead, "dormant", activation=a, learning_rate=lr,
                                                                        epoch=last_b)).fmt(percent=True),
                "revival share": _share_text(shares[(a, lr)])}
    relu_dead = stats.bootstrap(layer_mean(dead, "dormant", activation="relu", learning_rate=top, epoch=last_b))
    share = {a: shares[(a, top)] for a in PAIR}
    revival_gap = stats.paired_difference(np.nan_to_num(share["leaky_relu"]), np.nan_to_num(share["relu"]))
    part_a = collapse_gap.low > 0
    part_b = relu_dead.low > 0 and revival_gap.low > 0
    verdict = RULE({"a": part_a, "b": part_b})
    text = (
        f"(a) Of the depth-{depth_a}, width-{narrowest} nets fitting |x|, "
        f"{stats.bootstrap(trained['relu'].to_numpy(), statistic=stats.mean).fmt(percent=True)} of the ReLU nets and "
        f"{stats.bootstrap(trained['leaky_relu'].to_numpy(), statistic=stats.mean).fmt(percent=True)} of the Leaky "
        f"ReLU nets started from the same weights compute a constant after {last_a} epochs (to within "
        f"{probes.COLLAPSE_LEVEL:.1%} of |x|'s range over the interval; difference "
        f"{collapse_gap.fmt(points=True)}); the table gives every width, at initialisation and trained. "
        f"(b) In the depth-{int(dead['depth'].max())} MNIST-1D nets at {highest}, "
        f"{relu_dead.fmt(percent=True)} of ReLU units are dead after {last_b} epochs; of the units negative on "
        f"every probe input at one recorded epoch, "
        f"{stats.bootstrap(np.nan_to_num(share['relu'])).fmt(percent=True)} come back by the next for ReLU and "
        f"{stats.bootstrap(np.nan_to_num(share['leaky_relu'])).fmt(percent=True)} for Leaky ReLU (difference "
        f"{revival_gap.fmt(points=True)}). A dead ReLU unit gets no gradient through itself, but it can still "
        f"come back when the layers below it move."
    )
    return Finding(CLAIM, verdict, Key.of(f"collapse ReLU - Leaky at width {narrowest}", collapse_gap, "pp"),
                   text, pd.DataFrame(rows).T.fillna(""),
                   "Lu et al. (2020): deep narrow ReLU nets collapse to a constant with a probability that grows with "
                   "depth and falls with width; Maas et al. (2013) introduced the 0.01 slope.")


def collapse_by_width(study):
    """The fraction of deep narrow nets fitting |x| whose output is constant over the input interval, by width
    and depth, at initialisation and after training, for ReLU and Leaky ReLU: means over seeds with 95%
    bootstrap intervals."""
    df = study.frame("collapse")
    last = final_epoch(df)
    sub = df[(df["metric"] == "collapsed") & df["epoch"].isin([0, last])].copy()
    sub["state"] = np.where(sub["epoch"] == 0, "initialisation", f"trained ({last} epochs)")
    g = sns.relplot(sub, x="width", y="value", hue="activation", style="state", col="depth", kind="line",
                    palette=PALETTE, hue_order=list(PAIR), marker="o", height=3.2, aspect=1.2,
                    estimator="mean", errorbar=("ci", 95), n_boot=200, seed=0)
    g.set_axis_labels("width (units per hidden layer)", "fraction of nets that are constant")
    g.figure.suptitle("C10 (a): deep narrow nets collapsing to a constant, fitting |x|", y=1.03)
    return g.figure


def dead_units_through_training(study):
    """The fraction of hidden units negative on every probe input (dead ReLUs, dormant Leaky ReLUs) per epoch,
    at each Adam learning rate, MNIST-1D. Lines and bars are IQMs over seeds, bands and bars their 95%
    bootstrap intervals."""
    df = study.frame("dead_units")
    sub = df[df["metric"] == "dormant"]
    sub = sub.groupby(["activation", "learning_rate", "epoch", "seed"], as_index=False)["value"].mean()
    g = sns.relplot(sub, x="epoch", y="value", hue="activation", col="learning_rate", kind="line",
                    palette=PALETTE, hue_order=list(PAIR), marker="o", height=3, aspect=1, **BOOT)
    g.set_titles("Adam, learning rate {col_name}")
    g.set_axis_labels("epoch", "units negative on every probe input")
    g.figure.suptitle("C10 (b): dead (ReLU) and dormant (Leaky ReLU) units, MNIST-1D", y=1.03)
    plt.setp(g.axes.flat, ylim=(-0.02, 1.02))
    return g.figure


FIGURES = {"collapse_by_width": collapse_by_width, "dead_units_through_training": dead_units_through_training}
