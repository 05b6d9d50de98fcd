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

from dataclasses import dataclass

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from study.analysis import stats
from study.analysis.literature import BRAIN_ACTIVE, GLOROT2011_ZEROS_MNIST
from study.analysis.selection import final_epoch, layer_mean, nearest_depth, per_seed
from study.analysis.style import BOOT, BRAIN_COLOUR, INIT_COLOURS, in_words, seed_means
from study.analysis.verdicts import NUANCED, REFUTED, SUPPORTED, Rule, Sesoi
from study.claims import MAIN_INIT, REFERENCE_DEPTH, Key

CLAIM = "C12"
EXPERIMENTS = ("sparsity", "activity_penalty")
CLOSE = 5  # within this factor of the brain's upper estimate counts as close
KEPT = -0.01  # a penalised net keeps its accuracy: paired test-accuracy difference (IQM) above -1 pp
NEAR = (
    Sesoi(-KEPT, "test accuracy lost to the penalty", "pp", "one point of accuracy is the least a user would give up"),
    Sesoi(CLOSE, "times the brain's 4%, for 'close'", "", "within a factor of five of a range spanning four"),
)

# The key number (ReLU's active fraction) is read against the brain's range by a factor, not against a difference
KEY_SESOI = None
RULE = Rule(
    (
        SUPPORTED,
        f"ReLU's active fraction interval meets the brain's {100 * BRAIN_ACTIVE[0]:.0f}-{BRAIN_ACTIVE[1]:.0%}",
        lambda e: e.active.low <= BRAIN_ACTIVE[1] and e.active.high >= BRAIN_ACTIVE[0],
    ),
    (
        NUANCED,
        f"its IQM, or that of a penalised net that keeps its accuracy, is within {CLOSE}x of {BRAIN_ACTIVE[1]:.0%}",
        lambda e: min(e.active.value, e.sparsest_kept.value) <= CLOSE * BRAIN_ACTIVE[1],
    ),
    otherwise=REFUTED,
    sesoi=(*NEAR,),
)
# What each verdict means for someone choosing an activation (the report's 'What this means in practice')
PRACTICE = {
    SUPPORTED: "A trained ReLU net is as sparse as the brain.",
    NUANCED: "A trained ReLU net comes near the brain's sparsity only with help (an activity penalty).",
    REFUTED: (
        "The brain's sparsity is no argument for ReLU: trained ReLU nets are far denser, and the sparsest "
        "that an activity penalty makes without losing accuracy stays far above the brain's share."
    ),
}
LITERATURE = (
    "Lennie (2003): 1-4% of neurons active at once; Glorot et al. (2011): 83.4% zeros on MNIST "
    "(as reported in summaries)."
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
        rows[l1] = {
            "active": stats.bootstrap(layer_mean(df, "active", **where)),
            "accuracy": stats.bootstrap(acc),
            "difference": stats.paired_difference(acc.to_numpy(), base.to_numpy()),
        }
    return pd.DataFrame(rows).T


@dataclass(frozen=True)
class Evidence:
    depth: int
    epochs: int
    active: stats.Estimate  # ReLU's active (non-zero) fraction at `depth` after the last epoch, Glorot uniform
    by_depth: dict[int, stats.Estimate]  # {depth: the same}
    sweep: dict[float, dict[str, stats.Estimate]]  # {L1 strength, weakest first: {"active": active fraction,
    #   "accuracy": test accuracy, "difference": test accuracy minus the unpenalised net's, paired}}
    strength: float  # the strength of the sparsest net that keeps its accuracy (difference above KEPT)

    @property
    def sparsest_kept(self) -> stats.Estimate:
        return self.sweep[self.strength]["active"]

    @property
    def key(self) -> Key:
        return Key.of("ReLU active fraction (brain: 1-4%)", self.active, "%")


def _sparsest_kept(sweep: dict) -> float:
    """The strength whose net is sparsest (lowest active IQM; the weakest of ties) among those that keep
    their accuracy."""
    kept = [l1 for l1, r in sweep.items() if r["difference"].value > KEPT]
    return min(kept, key=lambda l1: sweep[l1]["active"].value)


def answer(e: Evidence) -> str:
    """The question's answer in words, read from the same numbers as the verdict."""
    low, high = BRAIN_ACTIVE
    if e.active.low <= high and e.active.high >= low:
        return f"like the brain: {e.active.fmt(percent=True)} of its units are active, within the brain's range"
    times = e.active.value / high
    denser = (
        f"{times:.0f} times the brain's share (at most {high:.0%})" if times >= 2 else f"above the brain's {high:.0%}"
    )
    return (
        f"far denser: a trained ReLU net has {e.active.fmt(percent=True)} of its units active, {denser}; the "
        f"sparsest L1-penalised net that keeps its accuracy, {e.sparsest_kept.fmt(percent=True)}"
        if e.active.low > high
        else f"sparser than the brain: {e.active.fmt(percent=True)} of its units are active"
    )


def evidence(study) -> Evidence:
    df = study.frame("sparsity")
    depth, last = nearest_depth(df, REFERENCE_DEPTH), final_epoch(df)
    by_depth = {
        d: stats.bootstrap(layer_mean(df, "active", activation="relu", depth=d, epoch=last, initializer=MAIN_INIT))
        for d in sorted(df["depth"].unique())
    }
    active = stats.bootstrap(
        layer_mean(df, "active", activation="relu", depth=depth, epoch=last, initializer=MAIN_INIT)
    )
    sweep = {float(l1): dict(r) for l1, r in penalty_sweep(study).iterrows()}
    return Evidence(depth, last, active, {int(d): e for d, e in by_depth.items()}, sweep, _sparsest_kept(sweep))


def verdict(e: Evidence) -> str:
    return RULE(e)


def mechanism(e: Evidence) -> str:
    """One sentence from the measurements, compared across settings (normalisation, skips)."""
    return f"{e.active.fmt(percent=True)} of the depth-{e.depth} ReLU net's hidden activations are non-zero"


def text(e: Evidence) -> str:
    lo, hi = BRAIN_ACTIVE
    sparsest, strength = e.sparsest_kept, e.strength
    strongest = e.sweep[max(e.sweep)]
    return (
        f"After {e.epochs} epochs, {e.active.fmt(percent=True)} of the depth-{e.depth} ReLU net's hidden "
        f"activations are non-zero, {e.active.value / hi:.1f} times the brain's upper estimate of "
        f"{100 * hi:.0f}% (Lennie 2003) and against {100 * (1 - GLOROT2011_ZEROS_MNIST):.1f}% non-zero in "
        f"Glorot et al. (2011) on MNIST (as reported in summaries). Across depths the active fraction ranges from "
        f"{100 * min(x.value for x in e.by_depth.values()):.1f}% to "
        f"{100 * max(x.value for x in e.by_depth.values()):.1f}%. "
        f"An L1 penalty on the activations makes the net sparser: the sparsest net that keeps its accuracy "
        f"(within 1 percentage point of the unpenalised net's, paired by seed) is the one at strength {strength:g}, "
        f"with {sparsest.fmt(percent=True)} of its activations non-zero"
        + (
            f", {sparsest.value / hi:.1f} times the brain's upper estimate"
            if sparsest.value > hi
            else ", inside the brain's range"
            if sparsest.value >= lo
            else ", below the brain's range"
        )
        + f" (test accuracy {e.sweep[strength]['accuracy'].fmt(percent=True)} against "
        f"{e.sweep[0.0]['accuracy'].fmt(percent=True)} unpenalised). The strongest penalty, {max(e.sweep):g}, leaves "
        f"{strongest['active'].fmt(percent=True)} active at {strongest['accuracy'].fmt(percent=True)} accuracy."
    )


def table(e: Evidence) -> pd.DataFrame:
    penalised = {f"depth {e.depth}, L1 {l1:g}": r for l1, r in e.sweep.items()}
    return pd.concat(
        [
            pd.DataFrame({"active fraction": {f"depth {d}": x.fmt(percent=True) for d, x in e.by_depth.items()}}),
            pd.DataFrame(
                {
                    "active fraction": {k: r["active"].fmt(percent=True) for k, r in penalised.items()},
                    "test accuracy": {k: r["accuracy"].fmt(percent=True) for k, r in penalised.items()},
                    "accuracy vs no penalty": {k: r["difference"].fmt(points=True) for k, r in penalised.items()},
                }
            ),
        ]
    ).fillna("")


def active_fraction_vs_brain(study):
    """The fraction of non-zero ReLU activations after training, by depth and initialiser (IQM over seeds, 95%
    interval), beside the brain's 1-4% (Lennie 2003) and a ReLU net on MNIST (Glorot et al. 2011)."""
    df = study.frame("sparsity")
    last = final_epoch(df)
    sub = seed_means(
        df[(df["metric"] == "active") & (df["activation"] == "relu") & (df["epoch"] == last)], "depth", "initializer"
    )
    fig, ax = plt.subplots(figsize=(6, 3.4))
    sns.pointplot(
        in_words(sub, "initializer"),
        x="depth",
        y="value",
        hue="initializer",
        palette=INIT_COLOURS,
        dodge=0.3,
        ax=ax,
        **BOOT,
    )
    lo, hi = BRAIN_ACTIVE
    ax.axhspan(lo, hi, color=BRAIN_COLOUR, alpha=0.5, label="brain, 1-4% (Lennie 2003)")
    ax.axhline(1 - GLOROT2011_ZEROS_MNIST, ls="--", c="k", lw=1, label="ReLU net, MNIST (Glorot 2011)")
    ax.set_ylim(0, 1)
    ax.set_xlabel("depth (hidden layers)")
    ax.set_ylabel("fraction of ReLU activations non-zero")
    ax.set_title(f"C12: active fraction after {last} epochs vs the brain")
    ax.legend(fontsize=7)
    return fig


def accuracy_against_sparsity(study):
    """Each penalty strength's active fraction against its test accuracy, with 95% intervals both ways."""
    sweep = penalty_sweep(study)
    fig, ax = plt.subplots(figsize=(6.6, 3.6))
    lo, hi = BRAIN_ACTIVE
    ax.axvspan(lo, hi, color=BRAIN_COLOUR, alpha=0.5, label="brain, 1-4% (Lennie 2003)")
    ax.axvline(1 - GLOROT2011_ZEROS_MNIST, ls="--", c="k", lw=1, label="ReLU net, MNIST (Glorot 2011)")
    # one shade per penalty, named in the legend: labels beside the points would overlap where they crowd
    rows = list(sweep.iterrows())
    shades = sns.color_palette("crest", len(rows))
    ax.plot([r["active"].value for _, r in rows], [r["accuracy"].value for _, r in rows], c="0.7", lw=0.8, zorder=1)
    for (l1, r), shade in zip(rows, shades, strict=True):
        a, acc = r["active"], r["accuracy"]
        ax.errorbar(
            a.value,
            acc.value,
            xerr=[[a.value - a.low], [a.high - a.value]],
            yerr=[[acc.value - acc.low], [acc.high - acc.value]],
            fmt="o",
            c=shade,
            capsize=2,
            label=f"L1 penalty {l1:g}",
        )
    values = [v for _, r in rows for v in (r["accuracy"].low, r["accuracy"].high)]
    pad = 0.1 * (max(values) - min(values)) + 0.005
    ax.set_ylim(min(values) - pad, max(values) + pad)
    ax.set_xscale("log")
    fewest = min(r["active"].low for _, r in rows)
    ax.set_xlim(min(0.005, fewest / 2) if fewest > 0 else 0.005, 1)  # every point inside, the brain's range too
    ax.set_xlabel("fraction of ReLU activations non-zero (log scale)")
    ax.set_ylabel("test accuracy (fraction)")
    ax.set_title("C12: sparser by an L1 activity penalty, at what accuracy?")
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
    return fig


FIGURES = {"active_fraction_vs_brain": active_fraction_vs_brain, "accuracy_against_sparsity": accuracy_against_sparsity}
