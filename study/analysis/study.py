"""The stored runs of one selection (a profile, or what a custom `run` trained), loaded on demand per
experiment, once, and read in each setting the experiments are repeated in."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd

from study import store
from study.analysis import tuning
from study.commands import command
from study.errors import MissingInput
from study.spec.config import get_profile
from study.spec.grid import MAIN_SETTING, Experiment, Selection


class Study:
    """The stored runs of a selection (a profile, or what a custom `run` trained), loaded on
    demand per experiment, once.

    A model flagged as diverged (its training loss not finite, or above ten times its initial
    value) is left out of every analysis, and with it its seed in that group: the models of one
    seed in a group share their batches and are compared in pairs, so they go together.
    `excluded` lists the diverged models; the report gives the count.
    """

    def __init__(
        self,
        out: Path,
        selection: Selection | str,
        experiments: list[Experiment],
        rerun_options: list[str] | None = None,
        subset: list[str] | None = None,
    ):
        self.out = Path(out)
        self.selection = Selection(selection) if isinstance(selection, str) else selection
        self.profile = self.selection.profile
        self.experiments = {e.name: e for e in experiments}
        # repeated in every hint, so following one writes where the user asked
        self.rerun_options = rerun_options if rerun_options is not None else self.selection.options()
        self.subset = subset or []  # experiment names given to figures/report, when not all
        self._frames, self._specs, self._info, self._in_setting = {}, {}, None, {}
        self.cache = {}  # what later stages compute from these runs once (the claims' findings)
        self.sweeps = {}  # tuned setting: per experiment, each activation's chosen rate (tuning.sweep)
        self.excluded = pd.DataFrame(
            {
                "run": pd.Series(dtype=str),
                "activation": pd.Series(dtype=str),
                "seed": pd.Series(dtype=int),
                "epoch": pd.Series(dtype=int),
            }
        )

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

    def in_setting(self, setting: str) -> Study:
        """The same study in a replica setting, with the experiments repeated there (made once, so its runs
        are read and checked once)."""
        if setting not in self._in_setting:
            chosen = [e for e in self.experiments.values() if setting in e.settings(self.profile)]
            self._in_setting[setting] = Study(
                self.out, replace(self.selection, setting=setting), chosen, self.rerun_options, self.subset
            )
        return self._in_setting[setting]

    def command(self, verb, *names) -> str:
        """The command that makes a missing input, with every option the user gave."""
        names = names or self.subset or ([] if verb in ("figures", "report") else ["all"])
        return command(verb, *names, *self.rerun_options)

    def _stored(self, read, specs):
        """read(results, specs), its missing or damaged runs reported with the command that makes them."""
        try:
            return read(self.out / "results", specs)
        except MissingInput as exc:
            raise type(exc)(f"{exc}; run '{self.command('run')}' first") from None

    def frame(self, name) -> pd.DataFrame:
        """The experiment's rows, diverged models left out; in the tuned setting, each activation's rows at its
        chosen rate alone (the choice made before anything is left out: a diverged model counts against its rate)."""
        if name not in self._frames:
            df = self._stored(store.load, self.specs(name))
            if self.selection.setting == tuning.SETTING:
                chosen = tuning.chosen_rates(df, get_profile(self.profile).learning_rate)
                self.sweeps[name] = tuning.sweep(df, chosen)
                df = tuning.at_rates(df, chosen)
            self._frames[name] = self._without_diverged(df)
        return self._frames[name]

    def _without_diverged(self, df) -> pd.DataFrame:
        flags = df[(df["metric"] == "diverged") & (df["value"] > 0)]
        first = flags.groupby(["run", "activation", "seed"], as_index=False)["epoch"].min()
        if first.empty:
            return df
        self.excluded = (
            pd.concat([self.excluded, first], ignore_index=True)
            .drop_duplicates(["run", "activation", "seed"])
            .reset_index(drop=True)
        )
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

    def views(self) -> dict[str, Study]:
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
        return all(
            name in self.experiments
            and set(self.experiments[name].activations) <= set(self.selection.activations_of(self.experiments[name]))
            for name in experiments
        )

    def emptied(self, experiments) -> list[str]:
        """The groups of these experiments that lost every model to divergence."""
        return sorted(
            {s.key() for name in experiments for s in self.specs(name)}
            - {k for name in experiments for k in self.frame(name)["run"].unique()}
        )
