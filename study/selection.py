"""The stored runs of one profile, and the selections every claim makes of them.

`Study` loads each experiment's runs on demand (once); the helpers below pick rows of the
long-format frame and shape them as (seeds, tasks) tables ready for `study.stats`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from study import stats, store
from study.grid import Experiment


class Study:
    """The stored runs of one profile, loaded on demand per experiment."""

    def __init__(self, out: Path, profile: str, experiments: list[Experiment]):
        self.out, self.profile = Path(out), profile
        self.experiments = {e.name: e for e in experiments}
        self._frames = {}

    def specs(self, name):
        return self.experiments[name].specs(self.profile)

    def frame(self, name) -> pd.DataFrame:
        if name not in self._frames:
            try:
                self._frames[name] = store.load(self.out / "results", self.specs(name))
            except store.MissingRuns as exc:
                raise store.MissingRuns(
                    f"{exc}; run 'python -m study run {name} --profile {self.profile}' first") from None
        return self._frames[name]

    def all_specs(self):
        """Every group of every experiment, once (experiments may share groups)."""
        found = {}
        for name in self.experiments:
            for s in self.specs(name):
                found.setdefault(s.key(), s)
        return list(found.values())

    def info(self) -> list[dict]:
        return [store.read_config(self.out / "results", s) for s in self.all_specs()]


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
        raise ValueError(f"learning rates are chosen on the validation split: got '{score}' "
                         "(choose a val_ metric, such as val_accuracy or val_loss)")
    rows = df[df["metric"] == score]
    rows = rows[rows["epoch"] == rows["epochs"]]
    higher = score.endswith("accuracy")
    worst = -np.inf if higher else np.inf
    values = rows["value"].where(np.isfinite(rows["value"]), worst)
    summary = values.groupby([rows[c] for c in [*by, "learning_rate"]]).agg(
        lambda v: stats.iqm(v.to_numpy()) if np.isfinite(v).all() else np.median(v))
    best = summary.groupby(level=list(by)).idxmax() if higher else summary.groupby(level=list(by)).idxmin()
    return best.map(lambda index: index[-1]).rename("learning_rate")
