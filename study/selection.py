"""The stored runs of one profile, and the selections every claim makes of them.

`Study` loads each experiment's runs on demand (once); the helpers below pick rows of the
long-format frame and shape them as (seeds, tasks) tables ready for `study.stats`.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from study import datasets, stats, store
from study.grid import MAIN_SETTING, Experiment, Selection


class Study:
    """The stored runs of a selection (a profile, or what a custom `run` trained), loaded on
    demand per experiment, once.

    A model flagged as diverged (its training loss not finite, or above ten times its initial
    value) is left out of every analysis, and with it its seed in that group: the models of one
    seed in a group share their batches and are compared in pairs, so they go together.
    `excluded` lists the diverged models; the report gives the count.
    """

    def __init__(self, out: Path, selection: Selection | str, experiments: list[Experiment],
                 rerun_options: list[str] | None = None, subset: list[str] | None = None):
        self.out = Path(out)
        self.selection = Selection(selection) if isinstance(selection, str) else selection
        self.profile = self.selection.profile
        self.experiments = {e.name: e for e in experiments}
        # repeated in every hint, so following one writes where the user asked
        self.rerun_options = rerun_options if rerun_options is not None else self.selection.options()
        self.subset = subset or []  # experiment names given to figures/report, when not all
        self._frames, self._specs, self._info, self._in_setting = {}, {}, None, {}
        self.excluded = pd.DataFrame({"run": pd.Series(dtype=str), "activation": pd.Series(dtype=str),
                                      "seed": pd.Series(dtype=int), "epoch": pd.Series(dtype=int)})

    def specs(self, name):
        """The experiment's groups; a benchmark's, once for every device it was stored for (looked up once)."""
        if name not in self._specs:
            found = []
            for spec in self.selection.specs(self.experiments[name]):
                found += (store.variants(self.out / "results", spec, "device") or [spec]) if spec.benchmark else [spec]
            self._specs[name] = found
        return self._specs[name]

    def settings(self) -> list[str]:
        """The replica settings any of the study's experiments is repeated in (grid.SETTINGS)."""
        return list(dict.fromkeys(s for e in self.experiments.values() for s in e.settings(self.profile)))

    def in_setting(self, setting: str) -> "Study":
        """The same study in a replica setting, with the experiments repeated there (made once, so its runs
        are read and checked once)."""
        if setting not in self._in_setting:
            chosen = [e for e in self.experiments.values() if setting in e.settings(self.profile)]
            self._in_setting[setting] = Study(self.out, replace(self.selection, setting=setting), chosen,
                                              self.rerun_options, self.subset)
        return self._in_setting[setting]

    def command(self, verb, *names) -> str:
        """The command that makes a missing input, with every option the user gave."""
        names = names or self.subset or ([] if verb in ("figures", "report") else ["all"])
        return " ".join(["python -m study", verb, *names, *self.rerun_options])

    def _stored(self, read, specs):
        """read(results, specs), its missing or damaged runs reported with the command that makes them."""
        try:
            return read(self.out / "results", specs)
        except store.MissingInput as exc:
            raise type(exc)(f"{exc}; run '{self.command('run')}' first") from None

    def frame(self, name) -> pd.DataFrame:
        if name not in self._frames:
            self._frames[name] = self._without_diverged(self._stored(store.load, self.specs(name)))
        return self._frames[name]

    def _without_diverged(self, df) -> pd.DataFrame:
        flags = df[(df["metric"] == "diverged") & (df["value"] > 0)]
        first = flags.groupby(["run", "activation", "seed"], as_index=False)["epoch"].min()
        if first.empty:
            return df
        self.excluded = (pd.concat([self.excluded, first], ignore_index=True)
                         .drop_duplicates(["run", "activation", "seed"]).reset_index(drop=True))
        keys = df.set_index(["run", "seed"]).index
        out = keys.isin(first.set_index(["run", "seed"]).index)
        return df[~out].reset_index(drop=True)

    def diverged(self) -> pd.DataFrame:
        """Every model left out as diverged: run, activation, seed and the epoch it was flagged."""
        for name in self.experiments:
            self.frame(name)
        return self.excluded

    def all_specs(self):
        """Every group of every experiment, once (experiments may share groups)."""
        found = {}
        for name in self.experiments:
            for s in self.specs(name):
                found.setdefault(s.key(), s)
        return list(found.values())

    def views(self) -> dict[str, "Study"]:
        """{setting: the study in it}: the main setting (this study), then every replica setting."""
        return {MAIN_SETTING: self, **{name: self.in_setting(name) for name in self.settings()}}

    def every_setting_specs(self):
        """Every group of the main setting and of every replica setting, once."""
        return [s for view in self.views().values() for s in view.all_specs()]

    def every_setting_info(self) -> list[dict]:
        """Every group's stored config.json, in the main setting and in every replica setting."""
        return [c for view in self.views().values() for c in view.info()]

    def info(self) -> list[dict]:
        """Every group's stored config.json (spec and run environment), read and checked once."""
        if self._info is None:
            self._stored(store.check, self.all_specs())
            self._info = [store.read_config(self.out / "results", s) for s in self.all_specs()]
        return self._info

    def answers(self, experiments) -> bool:
        """Whether the selection holds every activation these experiments declare."""
        return all(name in self.experiments and set(self.experiments[name].activations)
                   <= set(self.selection.activations_of(self.experiments[name])) for name in experiments)

    def emptied(self, experiments) -> list[str]:
        """The groups of these experiments that lost every model to divergence."""
        return sorted({s.key() for name in experiments for s in self.specs(name)}
                      - {k for name in experiments for k in self.frame(name)["run"].unique()})


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


def stalled_runs(df, by=("activation",)) -> pd.DataFrame:
    """One row per run (the `by` columns, and the group's run key and the seed): `stalled`, True or False."""
    keys = ["run", *by, "seed"]
    rows = df[(df["layer"] == -1) & (df["epoch"] == df["epochs"])]
    acc = rows[rows["metric"] == "train_accuracy"]
    chance = acc["dataset"].map(datasets.chance_accuracy)
    out = [acc.assign(stalled=acc["value"] < chance + STALL_MARGIN)]
    regression = df[(df["task"] == "regression") & (df["metric"] == "train_loss") & (df["layer"] == -1)]
    if len(regression):
        first = regression[regression["epoch"] == 0].set_index(keys)["value"]
        last = regression[regression["epoch"] == regression["epochs"]].set_index(keys)["value"]
        both = pd.concat({"first": first, "last": last}, axis=1).dropna()
        out.append((~(both["last"] <= STALL_FRACTION * both["first"])).rename("stalled").reset_index())
    return pd.concat([o[[*keys, "stalled"]] for o in out], ignore_index=True)


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
