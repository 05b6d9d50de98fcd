"""The selections every claim makes of the stored runs: the helpers below pick rows of the long-format
frame (`study.analysis.study.Study.frame`) and shape them as (seeds, tasks) tables ready for `study.analysis.stats`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from study.analysis import stats
from study.spec import datasets

# Where every claim reads its main numbers.
REFERENCE_DEPTH = 4  # C1 and C12 are read at this depth (Glorot et al. 2011 used 3 hidden layers)
MAIN_INIT = "glorot_uniform"  # Keras's default


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


# A run stalled when it learned next to nothing: a classifier whose final training accuracy is within
# STALL_MARGIN of chance (1 / classes), a regression whose final training loss is above STALL_FRACTION of its
# loss at initialisation. Deep nets that stall sit at chance while others of the same setting train: where some
# runs of a setting stall and others do not, its outcomes are bimodal and an IQM over them is not a typical run.
STALL_MARGIN = 0.05
STALL_FRACTION = 0.9
UNMOVED = 1e-6  # a training loss within this fraction of its initial value never moved


def stalled_runs(df, by=("activation",)) -> pd.DataFrame:
    """One row per run (the `by` columns, and the group's run key and the seed): `stalled`, True or False.
    A run whose training loss never moved from its value at initialisation stalled too, whatever its accuracy."""
    keys = ["run", *by, "seed"]
    rows = df[(df["layer"] == -1) & (df["epoch"] == df["epochs"])]
    acc = rows[rows["metric"] == "train_accuracy"]
    chance = acc["dataset"].map(datasets.chance_accuracy)
    acc, chance = acc.set_index(keys), chance.set_axis(pd.MultiIndex.from_frame(acc[keys]))
    loss = df[(df["metric"] == "train_loss") & (df["layer"] == -1)]
    first = loss[loss["epoch"] == 0].set_index(keys)["value"]
    last = loss[loss["epoch"] == loss["epochs"]].set_index(keys)["value"]
    both = pd.concat({"first": first, "last": last}, axis=1).dropna()
    unmoved = (both["last"] - both["first"]).abs() <= UNMOVED * both["first"].abs()
    out = [(acc["value"] < chance + STALL_MARGIN) | unmoved.reindex(acc.index, fill_value=False)]
    regression = both[both.index.isin(loss[loss["task"] == "regression"].set_index(keys).index)]
    if len(regression):
        out.append(~(regression["last"] <= STALL_FRACTION * regression["first"]))
    return pd.concat(out).rename("stalled").reset_index()[[*keys, "stalled"]]


def stalled_share(flags) -> str:
    """The share of runs that stalled with its 95% interval, and whether the outcomes are bimodal."""
    x = np.asarray(flags, dtype=float)
    text = stats.bootstrap(x, statistic=stats.mean).fmt(percent=True)
    return text + (f", bimodal ({int(x.sum())} of {len(x)})" if 0 < x.sum() < len(x) else "")


def nearest_depth(df, depth):
    depths = np.array(sorted(df["depth"].unique()))
    return int(depths[np.argmin(np.abs(depths - depth))])


def deepest(df):
    return int(df["depth"].max())


def layer_mean(df, metric, **where) -> np.ndarray:
    """Per-seed mean over the hidden layers."""
    return per_seed(df, metric, **where).mean(axis=1).to_numpy()


def best_learning_rates(df, score="val_accuracy", by=("activation", "optimizer")) -> pd.Series:
    """Each activation's best learning rate (per optimiser), chosen on the validation split alone.

    The score is the IQM over seeds of a validation metric after the last epoch; accuracy is
    maximised, loss minimised; a run whose score is not finite (diverged) counts as the worst.
    Only rows of that one validation metric are read: the test split cannot enter the choice.
    """
    if not score.startswith("val_"):
        raise ValueError(
            f"learning rates are chosen on the validation split: got '{score}' "
            "(choose a val_ metric, such as val_accuracy or val_loss)"
        )
    rows = df[df["metric"] == score]
    rows = rows[rows["epoch"] == rows["epochs"]]
    higher = score.endswith("accuracy")
    worst = -np.inf if higher else np.inf
    values = rows["value"].where(np.isfinite(rows["value"]), worst)
    summary = values.groupby([rows[c] for c in [*by, "learning_rate"]]).agg(
        lambda v: stats.iqm(v.to_numpy()) if np.isfinite(v).all() else np.median(v)
    )
    best = summary.groupby(level=list(by)).idxmax() if higher else summary.groupby(level=list(by)).idxmin()
    return best.map(lambda index: index[-1]).rename("learning_rate")
