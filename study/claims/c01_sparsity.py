"""C1: ReLU's one-sided inhibition makes activations sparse; sigmoid and tanh do not.

Read from the `sparsity` experiment at depth 4 after the last epoch (glorot_uniform): the
fraction of exact zeros, and, since sigmoid and tanh never output exact zeros, the
near-zero fraction and Hoyer sparsity, which every activation can reach.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import seaborn as sns

from study.analysis import stats
from study.analysis.literature import GLOROT2011_ZEROS_MNIST
from study.analysis.selection import MAIN_INIT, REFERENCE_DEPTH, final_epoch, layer_mean, nearest_depth
from study.analysis.style import BOOT, colours, in_words, line_styles, rows_shown, seed_means, shown, tidy_ticks, words
from study.analysis.verdicts import BEYOND, INCONCLUSIVE, NUANCED, REFUTED, STRADDLES, SUPPORTED, Rule, Sesoi
from study.claims import Key

CLAIM = "C1"
EXPERIMENTS = ("sparsity",)
MEASURES = ["exact_zero", "near_zero", "hoyer"]
MIN_ZEROS = 0.2
SESOI = Sesoi(
    0.05, "near-zero activations", "pp", "five in a hundred activations is the least sparsity that saves work"
)

RULE = Rule(
    (
        SUPPORTED,
        f"ReLU's exact-zero fraction has a lower bound above {MIN_ZEROS:.0%}, sigmoid and tanh have "
        "none, and ReLU's near-zero fraction exceeds both beyond the SESOI (paired differences)",
        lambda e: e.relu_zero.low > MIN_ZEROS and e.saturating_zero == 0 and e.sparser,
    ),
    (
        INCONCLUSIVE,
        "the first two hold and a near-zero difference straddles the SESOI",
        lambda e: e.relu_zero.low > MIN_ZEROS and e.saturating_zero == 0 and e.undecided,
    ),
    (NUANCED, "the first holds but not both others", lambda e: e.relu_zero.low > MIN_ZEROS),
    otherwise=REFUTED,
    sesoi=(SESOI,),
)
# What each verdict means for someone choosing an activation (the report's 'What this means in practice')
PRACTICE = {
    SUPPORTED: (
        "ReLU, unlike sigmoid, tanh and Leaky ReLU, leaves a large share of activations exactly zero: choose "
        "it where exact sparsity pays (skipping zeros, compact activations)."
    ),
    NUANCED: (
        "ReLU gives exact zeros, but not by every measure of sparsity: measure the sparsity your use needs in"
        " your own net."
    ),
    REFUTED: "Do not count on ReLU for sparse activations here.",
    INCONCLUSIVE: "ReLU gives exact zeros; whether it is sparser than sigmoid and tanh by a margin, these runs"
    " cannot tell.",
}
LITERATURE = (
    f"Glorot et al. (2011): {100 * GLOROT2011_ZEROS_MNIST:.1f}% exact zeros on MNIST "
    "(as reported in summaries), about 50% at initialisation."
)


@dataclass(frozen=True)
class Evidence:
    depth: int
    epochs: int
    measures: dict[str, dict[str, stats.Estimate]]  # {activation: {measure: IQM over seeds of the layer mean}}
    near_zero_above: dict[str, stats.Estimate]  # ReLU's near-zero fraction minus sigmoid's and tanh's, paired
    saturating_zero: float  # the largest upper bound of sigmoid's and tanh's exact-zero fractions

    @property
    def relu_zero(self) -> stats.Estimate:
        return self.measures["relu"]["exact_zero"]

    @property
    def sparser(self) -> bool:
        return all(SESOI.decide(d.low, d.high) == BEYOND for d in self.near_zero_above.values())

    @property
    def undecided(self) -> bool:
        return bool(straddling(self))

    @property
    def key(self) -> Key:
        return Key.of("ReLU exact zeros", self.relu_zero, "%")


def evidence(study) -> Evidence:
    df = study.frame("sparsity")
    depth, last = nearest_depth(df, REFERENCE_DEPTH), final_epoch(df)
    where = dict(depth=depth, epoch=last, initializer=MAIN_INIT)
    values = {a: {m: layer_mean(df, m, activation=a, **where) for m in MEASURES} for a in shown(df)}
    est = {a: {m: stats.bootstrap(values[a][m]) for m in MEASURES} for a in shown(df)}
    diffs = {
        b: stats.paired_difference(values["relu"]["near_zero"], values[b]["near_zero"]) for b in ("sigmoid", "tanh")
    }
    saturating_zero = max(est[b]["exact_zero"].high for b in ("sigmoid", "tanh"))
    return Evidence(depth, last, est, diffs, saturating_zero)


def straddling(e: Evidence) -> list:
    """The near-zero differences whose intervals straddle the SESOI (for an inconclusive verdict)."""
    return [(d, SESOI, 0.0) for d in e.near_zero_above.values() if SESOI.decide(d.low, d.high) == STRADDLES]


def verdict(e: Evidence) -> str:
    return RULE(e)


def mechanism(e: Evidence) -> str:
    """One sentence from the measurements, compared across settings (normalisation, skips)."""
    return (
        f"ReLU's depth-{e.depth} activations are exactly zero {e.relu_zero.fmt(percent=True)} of the time, "
        f"sigmoid's and tanh's at most {e.saturating_zero:.1%}"
    )


def text(e: Evidence) -> str:
    def compared(b):
        d = e.near_zero_above[b]
        word = "above" if d.low > 0 else ("below" if d.high < 0 else "not clearly different from")
        return f"{word} {b}'s (difference {d.fmt(points=True)})"

    leaky = e.measures["leaky_relu"]
    return (
        f"In the depth-{e.depth} nets after {e.epochs} epochs, ReLU leaves {e.relu_zero.fmt(percent=True)} of "
        f"hidden activations at exactly zero; sigmoid and tanh leave "
        + ("none" if e.saturating_zero == 0 else f"up to {100 * e.saturating_zero:.1f}% (upper bound)")
        + f". On the near-zero measure, which sigmoid and tanh can also reach, ReLU's fraction is "
        f"{compared('sigmoid')} and {compared('tanh')} (paired by seed). Leaky ReLU, which keeps a "
        f"0.01 slope, has "
        f"{leaky['exact_zero'].fmt(percent=True)} exact zeros but "
        f"{leaky['near_zero'].fmt(percent=True)} near-zero activations."
    )


def table(e: Evidence) -> pd.DataFrame:
    return pd.DataFrame({a: {m: est[m].fmt(percent=m != "hoyer") for m in MEASURES} for a, est in e.measures.items()}).T


def sparsity_by_activation(study):
    """Sparsity of the hidden activations after training, by activation, at the reference depth under Glorot
    uniform initialisation: the fraction exactly zero, the fraction near zero and the Hoyer score, each the
    mean over hidden layers of one net, then the IQM over seeds with its 95% interval. The dashed line is
    Glorot et al.'s (2011) 83.4% exact zeros on MNIST (as reported in summaries)."""
    df = study.frame("sparsity")
    depth = nearest_depth(df, REFERENCE_DEPTH)
    sub = rows_shown(df, depth=depth, epoch=final_epoch(df), initializer=MAIN_INIT)
    sub = in_words(seed_means(sub[sub["metric"].isin(MEASURES)], "activation", "metric"), "metric")
    g = sns.catplot(
        sub,
        x="activation",
        y="value",
        col="metric",
        col_order=[words(m) for m in MEASURES],
        hue="activation",
        kind="bar",
        palette=colours(df),
        order=shown(df),
        height=3,
        aspect=0.9,
        legend=False,
        **BOOT,
    )
    g.set_titles("{col_name}")
    g.set_axis_labels("activation", "fraction / score (IQM over seeds)")
    g.axes.flat[0].axhline(GLOROT2011_ZEROS_MNIST, ls="--", c="k", lw=1)
    g.axes.flat[0].annotate(
        "Glorot 2011, MNIST", (0, GLOROT2011_ZEROS_MNIST), xytext=(0, 3), textcoords="offset points", fontsize=7
    )
    tidy_ticks(g.axes.flat)
    g.figure.suptitle(f"C1: sparsity after training (depth {depth}, {words(MAIN_INIT)})", y=1.03)
    return g.figure


def sparsity_through_training(study):
    """The same three sparsity measures from initialisation (epoch 0) through training, under both
    initialisers. Lines and bars are IQMs over seeds, bands and bars their 95% bootstrap intervals."""
    df = study.frame("sparsity")
    depth = nearest_depth(df, REFERENCE_DEPTH)
    sub = rows_shown(df, depth=depth)
    sub = in_words(sub[sub["metric"].isin(MEASURES)], "metric", "initializer")
    g = sns.relplot(
        sub,
        x="epoch",
        y="value",
        hue="activation",
        col="metric",
        col_order=[words(m) for m in MEASURES],
        row="initializer",
        kind="line",
        marker="o",
        palette=colours(df),
        hue_order=shown(df),
        **line_styles(df),
        height=2.6,
        aspect=1.1,
        facet_kws={"margin_titles": True},
        **BOOT,
    )
    g.set_titles(col_template="{col_name}", row_template="{row_name}")
    g.set_axis_labels("epoch (0 = initialisation)", "fraction / score")
    g.figure.suptitle(f"C1: sparsity through training (depth {depth})", y=1.02)
    return g.figure


FIGURES = {"sparsity_by_activation": sparsity_by_activation, "sparsity_through_training": sparsity_through_training}
