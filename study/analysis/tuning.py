"""The tuned setting: every activation read at its own best learning rate, chosen on the validation split.

Each experiment repeated in the `tuned` setting trains its grid at every rate of a log-spaced Adam sweep
(grid.TUNED_RATES). Per configuration (data set, depth, width, initialiser, penalty, net) and activation, the
rate with the best validation accuracy after the last epoch (the IQM over seeds) among the rates where no model
diverged (a rate is not chosen on its survivors) is the activation's rate there; every analysis of the setting
reads those runs alone. Rates within TIE of the best are tied (a smaller gap is seed noise, and a sweep over a
plateau would otherwise pick its end by chance): among them the one nearest the shared rate is chosen, so tuning
moves a rate only for a gain that matters. Where no rate trains a configuration beyond chance (its best within
STALL_MARGIN of chance, as a stalled run is defined), no rate is better than another and the shared one is kept.
A choice at the sweep's lowest or highest rate then means every rate
nearer the shared one is worse by more than TIE: the sweep does not bracket the best, `edges` lists it, the report
says so, and the experiment's sweep is to be widened until none is left.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from study.analysis import stats
from study.analysis.selection import STALL_MARGIN
from study.spec import datasets

SETTING = "tuned"
SCORE = "val_accuracy"
# What makes a configuration: every setting of a group but its rate (and what follows from the grid: epochs, task)
CONFIG = [
    *("dataset", "inputs", "depth", "width", "initializer", "activity_l1", "architecture", "normalization", "residual")
]
BY = [*CONFIG, "optimizer", "activation"]
# One point of validation accuracy: the smallest accuracy gain the claims count (C5's SESOI), about the seed spread
TIE = 0.01


def chosen_rates(df: pd.DataFrame, shared: float) -> pd.Series:
    """The chosen learning rate per configuration and activation (a Series indexed by BY): among the rates where
    no model diverged, those whose IQM over seeds of the final validation accuracy is within TIE of the best, the
    one nearest `shared` in log scale (the higher-scoring of two as near; where none trains beyond chance, all
    count as tied; where every rate lost a model, the lowest)."""
    by = [c for c in BY if c in df.columns]
    final = df[(df["metric"] == SCORE) & (df["epoch"] == df["epochs"])]
    flagged = df[(df["metric"] == "diverged") & (df["value"] > 0)]
    keys = [*by, "learning_rate"]
    lost = set(map(tuple, flagged[keys].drop_duplicates().itertuples(index=False)))
    lost |= set(map(tuple, final.loc[~np.isfinite(final["value"]), keys].itertuples(index=False)))
    score = final.groupby(keys, observed=True)["value"].agg(lambda v: stats.iqm(v.to_numpy()))
    score[[k in lost for k in score.index]] = -np.inf
    chance = score.index.get_level_values("dataset").map(lambda d: datasets.chance_accuracy(d) or -np.inf)
    floor = pd.Series(np.asarray(chance, dtype=float) + STALL_MARGIN, index=score.index)
    return (
        score.groupby(level=by, observed=True)
        .apply(lambda s: pick(s.droplevel(by), shared, float(floor[s.index].iloc[0])))
        .rename("learning_rate")
    )


def pick(score: pd.Series, shared: float, floor: float = -np.inf) -> float:
    """One configuration's rate from its scores by rate (-inf where a model diverged); at or below `floor` (chance
    and the stall margin) a rate does not train the configuration at all."""
    if not np.isfinite(score.max()):
        return float(score.index.min())
    tied = score[np.isfinite(score)] if score.max() <= floor else score[score >= score.max() - TIE]
    distance = np.round(np.abs(np.log10(tied.index.to_numpy(dtype=float) / shared)), 6)
    order = np.lexsort((-tied.to_numpy(), distance))  # nearest the shared rate first, then the better score
    return float(tied.index[order[0]])


def at_rates(df: pd.DataFrame, chosen: pd.Series) -> pd.DataFrame:
    """The rows of each configuration and activation at its chosen rate."""
    by = list(chosen.index.names)
    wanted = pd.MultiIndex.from_frame(chosen.reset_index()[[*by, "learning_rate"]])
    keep = pd.MultiIndex.from_frame(df[[*by, "learning_rate"]]).isin(wanted)
    return df[keep].reset_index(drop=True)


def sweep(df: pd.DataFrame, chosen: pd.Series) -> pd.DataFrame:
    """One row per configuration and activation: its chosen rate, the sweep's lowest and highest rates, and
    whether the choice is at an edge (the sweep does not bracket the best)."""
    by = list(chosen.index.names)
    rates = df.groupby(by, observed=True)["learning_rate"].agg(["min", "max"])
    table = chosen.to_frame().join(rates)
    table["edge"] = (table["learning_rate"] == table["min"]) | (table["learning_rate"] == table["max"])
    return table.reset_index()


def edges(table: pd.DataFrame) -> pd.DataFrame:
    """The choices at an edge of their sweep."""
    return table[table["edge"]]
