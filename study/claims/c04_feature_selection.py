"""C4: a sparse ReLU model finds the relevant features better and fits the training data better.

Read from the `feature_selection` experiment: two-class tasks with N informative inputs among
100 (N = 2 to 50), after the last epoch. Fitting is the final training loss; selection is the
relevance AUC of the first layer (how well its per-input weight norms rank the informative
inputs first; `study.probes.relevance_auc`). ReLU is compared with sigmoid and tanh paired by
seed (same initial weights' seeds, same batches), pooling the N values as tasks; a sparser ReLU
(an L1 penalty on its activations) is compared with plain ReLU the same way, which asks
directly whether more sparsity buys better selection.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import seaborn as sns
from scipy import stats as sps

from study.analysis import stats
from study.analysis.selection import final_epoch, per_seed
from study.analysis.style import BOOT, colours, own_ylabels, seed_means, shown
from study.analysis.verdicts import BELOW, BEYOND, INCONCLUSIVE, NUANCED, REFUTED, STRADDLES, SUPPORTED, Rule, Sesoi
from study.claims import Key
from study.spec.datasets import relevant_features

CLAIM = "C4"
EXPERIMENTS = ("feature_selection",)
SATURATING = ("sigmoid", "tanh")
SHOWN = ("sigmoid", "tanh", "relu", "leaky_relu", "linear", "relu + L1")

AUC = Sesoi(
    0.02, "relevance AUC", "", "two in a hundred pairs of inputs ranked the other way is the least a user notices"
)
LOSS = Sesoi(0.01, "final training loss (nats)", "", "a hundredth of a nat is below what changes a model's accuracy")

RULE = Rule(
    (
        SUPPORTED,
        "ReLU's final training loss is below sigmoid's and tanh's and its relevance AUC above both, each by more "
        "than its SESOI (paired differences, 95% intervals), and the sparser ReLU (L1 penalty) selects better "
        "than plain ReLU by more than the AUC's SESOI",
        lambda e: e.fits and e.selects and e.sparser_selects,
    ),
    (
        REFUTED,
        "ReLU neither fits nor selects better than both sigmoid and tanh by more than the SESOI, and no "
        "interval straddles it",
        lambda e: not e.fits and not e.selects and not e.undecided,
    ),
    (
        INCONCLUSIVE,
        "no part is shown beyond its SESOI and some interval straddles it",
        lambda e: not e.fits and not e.selects,
    ),
    otherwise=NUANCED,
    sesoi=(AUC, LOSS),
)
# What each verdict means for someone choosing an activation (the report's 'What this means in practice')
PRACTICE = {
    SUPPORTED: (
        "Where few inputs matter, a ReLU net fits and ranks them better than sigmoid or tanh, and more so "
        "with an L1 penalty on its activations."
    ),
    NUANCED: (
        "ReLU's sparsity does not reliably pick out the relevant inputs: select features explicitly where "
        "that is the aim."
    ),
    REFUTED: "ReLU does not find the relevant inputs better: select features explicitly where that is the aim.",
    INCONCLUSIVE: (
        "Whether ReLU's sparsity helps it find the relevant inputs by a margin that matters, these runs "
        "cannot tell: select features explicitly where that is the aim."
    ),
}
LITERATURE = (
    "Glorot et al. (2011) argue that sparse representations disentangle the factors of variation; "
    "no published number measures feature selection by activation directly."
)
PERCENT = ("test accuracy", "weight share on informative")  # the table's columns shown as percentages


@dataclass(frozen=True)
class Evidence:
    informative: tuple[int, ...]  # the values of N pooled over
    epochs: int
    fit: dict[str, stats.Estimate]  # {sigmoid, tanh: ReLU's final training loss minus theirs, paired}
    pick: dict[str, stats.Estimate]  # {sigmoid, tanh: ReLU's relevance AUC minus theirs, paired}
    sparser: stats.Estimate  # relevance AUC of ReLU + L1 minus plain ReLU's, paired
    rho: float  # Spearman correlation of Hoyer sparsity and relevance AUC over model-task seed means
    pairs: int  # the model-task pairs behind rho
    models: dict[str, dict[str, stats.Estimate]]  # {model: {table column: IQM over seeds and tasks}}

    @property
    def fits(self) -> bool:
        return all(LOSS.decide(d.low, d.high) == BELOW for d in self.fit.values())

    @property
    def selects(self) -> bool:
        return all(AUC.decide(d.low, d.high) == BEYOND for d in self.pick.values())

    @property
    def sparser_selects(self) -> bool:
        return AUC.decide(self.sparser.low, self.sparser.high) == BEYOND

    @property
    def undecided(self) -> bool:
        """Some difference whose interval straddles its SESOI."""
        return bool(straddling(self))

    @property
    def key(self) -> Key:
        return Key.of("ReLU - sigmoid relevance AUC", self.pick["sigmoid"])


def _n_informative(dataset: str) -> int:
    return int(relevant_features(dataset).sum())


def labelled(df: pd.DataFrame) -> pd.DataFrame:
    """The frame with a `model` column ('relu + L1' for the penalised ReLU) and N informative inputs."""
    df = df.copy()
    df["model"] = np.where(df["activity_l1"] > 0, df["activation"] + " + L1", df["activation"])
    df["informative"] = df["dataset"].map(_n_informative)
    return df


def scores(df, model, metric, last):
    layer = 0 if metric.startswith("relevance") else -1
    return per_seed(df, metric, columns="informative", model=model, epoch=last, layer=layer)


def _paired(df, a, b, metric, last) -> stats.Estimate:
    return stats.paired_difference(scores(df, a, metric, last).to_numpy(), scores(df, b, metric, last).to_numpy())


def _correlation(df, last) -> tuple[float, int]:
    """Across every model and task: does the sparser net select better? (Spearman, seed means)"""
    points = (
        seed_means(
            df[(df["epoch"] == last) & df["metric"].isin(["hoyer", "relevance_auc"])], "model", "informative", "metric"
        )
        .groupby(["model", "informative", "metric"])["value"]
        .mean()
    )
    table_points = points.unstack("metric").dropna()
    rho = sps.spearmanr(table_points["hoyer"], table_points["relevance_auc"]).statistic
    return float(rho), len(table_points)


def _models(df, last) -> dict[str, dict[str, stats.Estimate]]:
    rows = {}
    for model in [*SHOWN, *shown(df)[4:]]:  # and a user's activations
        if model not in set(df["model"]):
            continue
        rows[model] = {
            "train loss": stats.bootstrap(scores(df, model, "train_loss", last)),
            "test accuracy": stats.bootstrap(scores(df, model, "test_accuracy", last)),
            "relevance AUC": stats.bootstrap(scores(df, model, "relevance_auc", last)),
            "weight share on informative": stats.bootstrap(scores(df, model, "relevance_share", last)),
            "Hoyer sparsity": stats.bootstrap(
                per_seed(df, "hoyer", columns=["informative", "layer"], model=model, epoch=last)
            ),
        }
    return rows


def evidence(study) -> Evidence:
    df = labelled(study.frame("feature_selection"))
    last = final_epoch(df)
    fit = {b: _paired(df, "relu", b, "train_loss", last) for b in SATURATING}
    pick = {b: _paired(df, "relu", b, "relevance_auc", last) for b in SATURATING}
    sparser = _paired(df, "relu + L1", "relu", "relevance_auc", last)
    rho, pairs = _correlation(df, last)
    informative = tuple(int(n) for n in sorted(df["informative"].unique()))
    return Evidence(informative, last, fit, pick, sparser, rho, pairs, _models(df, last))


def straddling(e: Evidence) -> list:
    """The differences whose intervals straddle their SESOI (for an inconclusive verdict)."""
    fits = [(d, LOSS, 0.0) for d in e.fit.values() if LOSS.decide(d.low, d.high) == STRADDLES]
    return fits + [(d, AUC, 0.0) for d in e.pick.values() if AUC.decide(d.low, d.high) == STRADDLES]


def verdict(e: Evidence) -> str:
    return RULE(e)


def _word(d, better_low, name):
    """'better than name', 'worse than name' or 'not clearly different from name'."""
    if d.low > 0 if better_low else d.high < 0:
        return f"better than {name}"
    if d.high < 0 if better_low else d.low > 0:
        return f"worse than {name}"
    return f"not clearly different from {name}"


def text(e: Evidence) -> str:
    fit, pick = e.fit, e.pick
    rho = f"{e.rho:.2f}" if np.isfinite(e.rho) else "undefined (one of them does not vary)"
    return (
        f"Pooled over N = {', '.join(map(str, e.informative))} informative inputs among 100, after "
        f"{e.epochs} epochs: ReLU's final training loss minus sigmoid's is {fit['sigmoid'].fmt()} and minus tanh's "
        f"{fit['tanh'].fmt()} (it fits {_word(fit['sigmoid'], False, 'sigmoid')}, "
        f"{_word(fit['tanh'], False, 'tanh')}). "
        f"Its first layer's relevance AUC minus sigmoid's is {pick['sigmoid'].fmt()} and minus tanh's "
        f"{pick['tanh'].fmt()} (it selects {_word(pick['sigmoid'], True, 'sigmoid')}, "
        f"{_word(pick['tanh'], True, 'tanh')}). "
        f"Made sparser by an L1 penalty on its activations, ReLU's relevance AUC changes by {e.sparser.fmt()} "
        f"({_word(e.sparser, True, 'plain ReLU')}). Across activations and tasks, Hoyer sparsity and relevance AUC "
        f"have a Spearman correlation of {rho} (seed means of {e.pairs} model-task pairs)."
    )


def table(e: Evidence) -> pd.DataFrame:
    return pd.DataFrame(
        {model: {c: est.fmt(percent=c in PERCENT) for c, est in row.items()} for model, row in e.models.items()}
    ).T


def selection_by_informative(study):
    """Fitting (final training loss) and feature selection (relevance AUC of the first layer's per-input
    weight norms against the true informative inputs) against the number of informative inputs among 100, per
    activation and for ReLU under an L1 activity penalty. Lines and bars are IQMs over seeds, bands and bars
    their 95% bootstrap intervals."""
    df = labelled(study.frame("feature_selection"))
    last = final_epoch(df)
    sub = df[
        (df["epoch"] == last)
        & (
            ((df["metric"] == "relevance_auc") & (df["layer"] == 0))
            | ((df["metric"] == "train_loss") & (df["layer"] == -1))
        )
    ]
    order = [m for m in [*SHOWN, *shown(sub)[4:]] if m in set(sub["model"])]
    palette = {**colours(sub), "relu + L1": "black"}
    panels = {"train_loss": "final training loss (cross-entropy)", "relevance_auc": "relevance AUC (0.5 = chance)"}
    g = sns.relplot(
        sub.assign(metric=sub["metric"].map(panels)),
        x="informative",
        y="value",
        hue="model",
        col="metric",
        col_order=list(panels.values()),
        kind="line",
        marker="o",
        palette=palette,
        hue_order=order,
        height=3,
        aspect=1.1,
        facet_kws={"sharey": False},
        **BOOT,
    )
    ns = sorted(sub["informative"].unique())
    for ax in g.axes.flat:
        ax.set_xscale("log")
        ax.minorticks_off()
        ax.set_xticks(ns, [str(n) for n in ns])
    g.set_titles("{col_name}")
    g.set_axis_labels("informative inputs among 100 (log scale)", "")
    own_ylabels(g)
    g.figure.suptitle(f"C4: fitting and feature selection after {last} epochs", y=1.03)
    return g.figure


FIGURES = {"selection_by_informative": selection_by_informative}
