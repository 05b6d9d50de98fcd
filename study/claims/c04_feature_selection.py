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

import numpy as np
import pandas as pd
import seaborn as sns
from scipy import stats as sps

from study.analysis import stats
from study.claims import Finding, Key
from study.spec.datasets import relevant_features
from study.analysis.style import BOOT, colours, seed_means, shown
from study.analysis.selection import final_epoch, per_seed
from study.analysis.verdicts import NUANCED, REFUTED, SUPPORTED, Rule

CLAIM = "C4"
EXPERIMENTS = ("feature_selection",)
SATURATING = ("sigmoid", "tanh")
SHOWN = ("sigmoid", "tanh", "relu", "leaky_relu", "linear", "relu + L1")

RULE = Rule(
    (SUPPORTED, "ReLU's final training loss is below sigmoid's and tanh's and its relevance AUC above both "
                "(paired differences, 95% intervals excluding 0), and the sparser ReLU (L1 penalty) selects "
                "better still than plain ReLU",
     lambda e: e["fits"] and e["selects"] and e["sparser_selects"]),
    (REFUTED, "ReLU neither fits nor selects better than both sigmoid and tanh",
     lambda e: not e["fits"] and not e["selects"]),
    otherwise=NUANCED,
)


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


def finding(study) -> Finding:
    df = labelled(study.frame("feature_selection"))
    last = final_epoch(df)
    relu = {m: scores(df, "relu", m, last) for m in ("train_loss", "relevance_auc", "test_accuracy")}
    fit = {b: stats.paired_difference(relu["train_loss"].to_numpy(), scores(df, b, "train_loss", last).to_numpy())
           for b in SATURATING}
    pick = {b: stats.paired_difference(relu["relevance_auc"].to_numpy(),
                                       scores(df, b, "relevance_auc", last).to_numpy()) for b in SATURATING}
    sparser = stats.paired_difference(scores(df, "relu + L1", "relevance_auc", last).to_numpy(),
                                      relu["relevance_auc"].to_numpy())
    evidence = {"fits": all(d.high < 0 for d in fit.values()), "selects": all(d.low > 0 for d in pick.values()),
                "sparser_selects": sparser.low > 0}
    verdict = RULE(evidence)

    # Across every model and task: does the sparser net select better? (Spearman, seed means)
    points = seed_means(df[(df["epoch"] == last) & df["metric"].isin(["hoyer", "relevance_auc"])],
                        "model", "informative", "metric").groupby(["model", "informative", "metric"])["value"].mean()
    table_points = points.unstack("metric").dropna()
    rho = sps.spearmanr(table_points["hoyer"], table_points["relevance_auc"]).statistic
    rho_text = f"{rho:.2f}" if np.isfinite(rho) else "undefined (one of them does not vary)"

    def word(d, better_low, name):
        """'better than name', 'worse than name' or 'not clearly different from name'."""
        if d.low > 0 if better_low else d.high < 0:
            return f"better than {name}"
        if d.high < 0 if better_low else d.low > 0:
            return f"worse than {name}"
        return f"not clearly different from {name}"

    text = (
        f"Pooled over N = {', '.join(map(str, sorted(df['informative'].unique())))} informative inputs among 100, after "
        f"{last} epochs: ReLU's final training loss minus sigmoid's is {fit['sigmoid'].fmt()} and minus tanh's "
        f"{fit['tanh'].fmt()} (it fits {word(fit['sigmoid'], False, 'sigmoid')}, {word(fit['tanh'], False, 'tanh')}). "
        f"Its first layer's relevance AUC minus sigmoid's is {pick['sigmoid'].fmt()} and minus tanh's "
        f"{pick['tanh'].fmt()} (it selects {word(pick['sigmoid'], True, 'sigmoid')}, {word(pick['tanh'], True, 'tanh')}). "
        f"Made sparser by an L1 penalty on its activations, ReLU's relevance AUC changes by {sparser.fmt()} "
        f"({word(sparser, True, 'plain ReLU')}). Across activations and tasks, Hoyer sparsity and relevance AUC have a Spearman "
        f"correlation of {rho_text} (seed means of {len(table_points)} model-task pairs)."
    )
    rows = {}
    for model in [*SHOWN, *shown(df)[4:]]:  # and a user's activations
        if model not in set(df["model"]):
            continue
        rows[model] = {
            "train loss": stats.bootstrap(scores(df, model, "train_loss", last)).fmt(),
            "test accuracy": stats.bootstrap(scores(df, model, "test_accuracy", last)).fmt(percent=True),
            "relevance AUC": stats.bootstrap(scores(df, model, "relevance_auc", last)).fmt(),
            "weight share on informative": stats.bootstrap(scores(df, model, "relevance_share", last)).fmt(percent=True),
            "Hoyer sparsity": stats.bootstrap(per_seed(df, "hoyer", columns=["informative", "layer"], model=model,
                                                       epoch=last)).fmt(),
        }
    return Finding(CLAIM, verdict, Key.of("ReLU - sigmoid relevance AUC", pick["sigmoid"]), text,
                   pd.DataFrame(rows).T,
                   "Glorot et al. (2011) argue that sparse representations disentangle the factors of variation; "
                   "no published number measures feature selection by activation directly.")


def selection_by_informative(study):
    """Fitting (final training loss) and feature selection (relevance AUC of the first layer's per-input
    weight norms against the true informative inputs) against the number of informative inputs among 100, per
    activation and for ReLU under an L1 activity penalty. Lines and bars are IQMs over seeds, bands and bars
    their 95% bootstrap intervals."""
    df = labelled(study.frame("feature_selection"))
    last = final_epoch(df)
    sub = df[(df["epoch"] == last) & (((df["metric"] == "relevance_auc") & (df["layer"] == 0)) |
                                      ((df["metric"] == "train_loss") & (df["layer"] == -1)))]
    order = [m for m in [*SHOWN, *shown(sub)[4:]] if m in set(sub["model"])]
    palette = {**colours(sub), "relu + L1": "black"}
    g = sns.relplot(sub, x="informative", y="value", hue="model", col="metric", kind="line", marker="o",
                    palette=palette, hue_order=order, height=3, aspect=1.1, facet_kws={"sharey": False}, **BOOT)
    ns = sorted(sub["informative"].unique())
    for ax in g.axes.flat:
        ax.set_xscale("log")
        ax.minorticks_off()
        ax.set_xticks(ns, [str(n) for n in ns])
    g.set_titles("{col_name}")
    g.set_axis_labels("informative inputs among 100 (log scale)", "")
    g.figure.suptitle(f"C4: fitting and feature selection after {last} epochs", y=1.03)
    return g.figure


FIGURES = {"selection_by_informative": selection_by_informative}
