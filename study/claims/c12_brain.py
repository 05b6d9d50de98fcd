"""C12: only about 1-4% of brain neurons are active at once; how does a trained ReLU net compare,
and how close can an L1 penalty on its activations bring it without costing accuracy?

Read from the `sparsity` experiment (the fraction of non-zero ReLU activations after the last
epoch at depth 4, and across depths) and the `activity_penalty` experiment (the same depth-4
ReLU nets trained with an L1 penalty on their hidden activations, Glorot et al.'s (2011)
regulariser, at strengths from zero up), against Lennie's (2003) 1-4% and Glorot et al.'s
trained rectifier nets. A penalised net "keeps its accuracy" when the IQM of its paired
test-accuracy difference from the unpenalised net (same seeds, same batches) is above -1
percentage point.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from study.analysis import stats
from study.claims import MAIN_INIT, REFERENCE_DEPTH, Finding, Key
from study.analysis.style import BOOT, seed_means
from study.analysis.literature import BRAIN_ACTIVE, GLOROT2011_ZEROS_MNIST
from study.analysis.selection import final_epoch, layer_mean, nearest_depth, per_seed
from study.analysis.verdicts import NUANCED, REFUTED, SUPPORTED, Rule

CLAIM = "C12"
EXPERIMENTS = ("sparsity", "activity_penalty")
CLOSE = 5  # within this factor of the brain's upper estimate counts as close
KEPT = -0.01  # a penalised net keeps its accuracy: paired test-accuracy difference (IQM) above -1 pp

RULE = Rule(
    (SUPPORTED, f"ReLU's active fraction interval meets the brain's {100 * BRAIN_ACTIVE[0]:.0f}-{BRAIN_ACTIVE[1]:.0%}",
     lambda e: e["active"].low <= BRAIN_ACTIVE[1] and e["active"].high >= BRAIN_ACTIVE[0]),
    (NUANCED, f"its IQM, or that of a penalised net that keeps its accuracy, is within {CLOSE}x of "
              f"{BRAIN_ACTIVE[1]:.0%}",
     lambda e: min(e["active"].value, e["sparsest_kept"].value) <= CLOSE * BRAIN_ACTIVE[1]),
    otherwise=REFUTED,
)


def penalty_sweep(study) -> pd.DataFrame:
    """Per L1 strength: active fraction and test accuracy (IQM [95% CI]) and the paired accuracy
    difference from the unpenalised net, as Estimates; one row per strength, weakest first."""
    df = study.frame("activity_penalty")
    last = final_epoch(df)
    rows = {}
    base = per_seed(df, "test_accuracy", columns="epoch", activity_l1=0.0, epoch=last)
    for l1 in sorted(df["activity_l1"].unique()):
        where = dict(activity_l1=l1, epoch=last)
        acc = per_seed(df, "test_accuracy", columns="epoch", **where)
        rows[l1] = {"active": stats.bootstrap(layer_mean(df, "active", **where)),
                    "accuracy": stats.bootstrap(acc),
                    "difference": stats.paired_difference(acc.to_numpy(), base.to_numpy())}
    return pd.DataFrame(rows).T


def finding(study) -> Finding:
    df = study.frame("sparsity")
    depth, last = nearest_depth(df, REFERENCE_DEPTH), final_epoch(df)
    active = stats.bootstrap(layer_mean(df, "active", activation="relu", depth=depth, epoch=last,
                                        initializer=MAIN_INIT))
    sweep = penalty_sweep(study)
    kept = sweep[[d.value > KEPT for d in sweep["difference"]]]
    sparsest = min(kept["active"], key=lambda e: e.value)
    strength = kept.index[[e is sparsest for e in kept["active"]]][0]
    verdict = RULE({"active": active, "sparsest_kept": sparsest})
    lo, hi = BRAIN_ACTIVE
    by_depth = {d: stats.bootstrap(layer_mean(df, "active", activation="relu", depth=d, epoch=last,
                                              initializer=MAIN_INIT)) for d in sorted(df["depth"].unique())}
    text = (
        f"After {last} epochs, {active.fmt(percent=True)} of the depth-{depth} ReLU net's hidden "
        f"activations are non-zero, {active.value / hi:.1f} times the brain's upper estimate of "
        f"{100 * hi:.0f}% (Lennie 2003) and against {100 * (1 - GLOROT2011_ZEROS_MNIST):.1f}% non-zero in "
        f"Glorot et al. (2011) on MNIST (as reported in summaries). Across depths the active fraction ranges from "
        f"{100 * min(e.value for e in by_depth.values()):.1f}% to {100 * max(e.value for e in by_depth.values()):.1f}%. "
        f"An L1 penalty on the activations makes the net sparser: the sparsest net that keeps its accuracy "
        f"(within 1 percentage point of the unpenalised net's, paired by seed) is the one at strength {strength:g}, "
        f"with {sparsest.fmt(percent=True)} of its activations non-zero"
        + (f", {sparsest.value / hi:.1f} times the brain's upper estimate" if sparsest.value > hi else
           ", inside the brain's range" if sparsest.value >= lo else ", below the brain's range")
        + f" (test accuracy {sweep.loc[strength, 'accuracy'].fmt(percent=True)} against "
        f"{sweep.loc[0.0, 'accuracy'].fmt(percent=True)} unpenalised). The strongest penalty, {sweep.index[-1]:g}, leaves "
        f"{sweep['active'].iloc[-1].fmt(percent=True)} active at {sweep['accuracy'].iloc[-1].fmt(percent=True)} accuracy."
    )
    table = pd.concat([
        pd.DataFrame({"active fraction": {f"depth {d}": e.fmt(percent=True) for d, e in by_depth.items()}}),
        pd.DataFrame({"active fraction": {f"depth {depth}, L1 {l1:g}": r["active"].fmt(percent=True)
                                          for l1, r in sweep.iterrows()},
                      "test accuracy": {f"depth {depth}, L1 {l1:g}": r["accuracy"].fmt(percent=True)
                                        for l1, r in sweep.iterrows()},
                      "accuracy vs no penalty": {f"depth {depth}, L1 {l1:g}": r["difference"].fmt(points=True)
                                                 for l1, r in sweep.iterrows()}}),
    ]).fillna("")
    return Finding(CLAIM, verdict, Key.of("ReLU active fraction (brain: 1-4%)", active, "%"), text, table,
                   "Lennie (2003): 1-4% of neurons active at once; Glorot et al. (2011): 83.4% zeros on MNIST "
                   "(as reported in summaries).")


def active_fraction_vs_brain(study):
    """The fraction of non-zero ReLU activations after training, by depth and initialiser (IQM over seeds, 95%
    interval), beside the brain's 1-4% (Lennie 2003) and a ReLU net on MNIST (Glorot et al. 2011)."""
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


def accuracy_against_sparsity(study):
    """Each penalty strength's active fraction against its test accuracy, with 95% intervals both ways."""
    sweep = penalty_sweep(study)
    fig, ax = plt.subplots(figsize=(6, 3.6))
    lo, hi = BRAIN_ACTIVE
    ax.axvspan(lo, hi, color="tab:green", alpha=0.3, label="brain, 1-4% (Lennie 2003)")
    ax.axvline(1 - GLOROT2011_ZEROS_MNIST, ls="--", c="k", lw=1, label="ReLU net, MNIST (Glorot 2011)")
    for l1, r in sweep.iterrows():
        a, acc = r["active"], r["accuracy"]
        ax.errorbar(a.value, acc.value, xerr=[[a.value - a.low], [a.high - a.value]],
                    yerr=[[acc.value - acc.low], [acc.high - acc.value]], fmt="o", c="tab:green", capsize=2)
        ax.annotate(f"L1 {l1:g}", (a.value, acc.value), xytext=(4, 4), textcoords="offset points", fontsize=7)
    ax.set_xscale("log")
    ax.set_xlim(0.005, 1)
    ax.set_xlabel("fraction of ReLU activations non-zero (log scale)")
    ax.set_ylabel("test accuracy")
    ax.set_title("C12: sparser by an L1 activity penalty, at what accuracy?")
    ax.legend(fontsize=7, loc="lower right")
    return fig


FIGURES = {"active_fraction_vs_brain": active_fraction_vs_brain,
           "accuracy_against_sparsity": accuracy_against_sparsity}
