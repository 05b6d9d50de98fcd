"""Experiments and the grid of groups each one trains.

An experiment script under `experiments/` declares one `Experiment`: data set, activations,
and its axes: depths (per profile), initialisers, optimisers with their learning rates (a
sweep is a grid axis like any other), widths, seeds and epochs where they differ from the
profile's. `specs(profile)` expands it into groups, one per point of the grid; activations
x seeds are the branches of a group. Experiments whose grids overlap share runs through
the store.
"""

from __future__ import annotations

import functools
import importlib.util
import itertools
from dataclasses import dataclass, field, replace

from study.errors import UnknownChoice, check_choice
from study.spec import activations
from study.spec.config import ROOT, GroupSpec, get_profile
from study.spec.settings import (  # noqa: F401  (experiments and the report read these through grid)
    ALSO_ON_DIGITS,
    ALSO_ON_DIGITS_AND_CNN,
    MAIN_SETTING,
    MODERN,
    SETTING_TEXT,
    SETTINGS,
    TUNED_RATES,
    also_fashion,
    also_modern,
    also_tuned,
    data_budget,
    depth_cap,
    every_setting,
    in_profile,
    log_sweep,
    model_of,
)

EXPERIMENTS_DIR = ROOT / "experiments"


# Depths per profile shared by the depth experiments: doublings up to 32 (the reference run skips 16: a depth-16
# group costs half a depth-32 one and adds a point between two measured ones).
DEPTH_LADDER = {"smoke": (1, 4), "quick": (1, 2, 4, 8, 16, 32), "full": (1, 2, 4, 8, 32)}


@dataclass(frozen=True)
class Experiment:
    name: str
    claims: tuple[str, ...]
    title: str
    dataset: str | tuple[str, ...] | dict[str, tuple[str, ...]]  # several: a grid axis; a dict: per profile
    activations: tuple[str, ...]
    depths: dict[str, tuple[int, ...]]  # per profile
    initializers: tuple[str, ...] = ("glorot_uniform",)
    # {optimizer: {profile: learning rates}}; None: Adam at the profile's rate
    learning_rates: dict[str, dict[str, tuple[float, ...]]] | None = None
    widths: dict[str, tuple[int, ...]] | None = None  # per profile; None: the profile's width
    seeds: dict[str, int] | None = None  # seeds 0..N-1 per profile; None: the profile's seeds
    # per profile, the seeds at which a new group begins: seeds added to a stored run train in groups of their own,
    # so the earlier groups keep their keys (and runs)
    seed_blocks: dict[str, tuple[int, ...]] = field(default_factory=dict)
    epochs: dict[str, int] | None = None  # per profile; None: the profile's epochs
    penalties: tuple[float, ...] = (0.0,)  # L1 activity penalties (GroupSpec.activity_l1), a grid axis
    inputs: tuple[str, ...] = ("standardised",)  # input scalings (datasets.INPUTS), a grid axis
    penalized: tuple[str, ...] | None = None  # the activations trained under a non-zero penalty (None: all)
    # activations trained only under an initialiser of their own (selu: lecun_normal), in groups of their own
    own_initializer: dict[str, str] = field(default_factory=dict)
    options: dict = field(default_factory=dict)  # further GroupSpec fields (n_train, batch_size, ...)
    replicas: dict[str, tuple[str, ...]] = field(default_factory=dict)  # per profile: SETTINGS the grid is repeated in

    def settings(self, profile) -> tuple[str, ...]:
        """The replica settings of this experiment in the profile (besides its main one)."""
        return tuple(self.replicas.get(get_profile(profile).name, ()))

    def datasets(self, profile) -> tuple[str, ...]:
        if isinstance(self.dataset, str):
            return (self.dataset,)
        return self.dataset[profile] if isinstance(self.dataset, dict) else tuple(self.dataset)

    def seeds_of(self, profile) -> tuple[int, ...]:
        p = get_profile(profile)
        return tuple(range(self.seeds[p.name])) if self.seeds else p.seeds

    def specs(
        self,
        profile: str,
        acts=None,
        seeds: int | None = None,
        epochs: int | None = None,
        optimizer: str | None = None,
        learning_rate: float | None = None,
        backend: str | None = None,
        setting: str | None = None,
    ) -> list[GroupSpec]:
        """The experiment's groups in its main setting, or in one of its replica settings; the options narrow
        or override its grid, as on the command line."""
        p = get_profile(profile)
        chosen_seeds = self.first_seeds(p, seeds)
        # A user's activations (module:function) join the experiment's, in groups of their own: the
        # built-in groups keep their keys (and stored runs), and theirs are stored apart.
        acts, users = activations.split(acts or (), self.activations)
        for a in acts:
            activations.get(a)
        rates = self.rates(p, optimizer, learning_rate, in_profile(setting, "learning_rates", p.name))
        settings = {**dict(batch_size=p.batch_size, n_train=p.n_train, probe_size=p.probe_size), **self.options}
        if backend is not None:  # another backend's runs (the default is this process's backend)
            settings["backend"] = backend
        data, widths, depths, only = self.in_setting(p, setting, settings)
        budget = {
            ds: data_budget(ds, p.name, settings, self.epochs[p.name] if self.epochs else p.epochs) for ds in data
        }
        inits = self.initializers_of(acts, only)
        if not depths or not inits:  # a replica that trains nothing is a mistake in the experiment's declaration
            raise ValueError(
                f"the '{setting}' setting leaves the '{self.name}' experiment no groups "
                f"(its depths {self.depths[p.name]}, initialisers {self.initializers}): drop it from replicas"
            )
        penalized = functools.partial(self.trained, acts)

        built_in = [
            GroupSpec(
                dataset=ds,
                depth=d,
                width=w,
                activations=penalized(l1, init),
                seeds=block,
                epochs=epochs or budget[ds][1],
                initializer=init,
                optimizer=opt,
                learning_rate=lr,
                activity_l1=l1,
                inputs=scaling,
                **budget[ds][0],
            )
            for ds, scaling, block in itertools.product(data, self.inputs, self.blocks(p, chosen_seeds))
            for l1 in self.penalties
            for init in inits
            if penalized(l1, init)
            for opt, lrs in rates.items()
            for lr, w, d in itertools.product(lrs, widths, depths)
        ]
        return self.with_users(built_in, users)

    def first_seeds(self, p, seeds: int | None) -> tuple[int, ...]:
        """The profile's seeds of this experiment, or the first `seeds` of them (checked)."""
        all_seeds = self.seeds_of(p.name)
        if seeds is not None and not 1 <= seeds <= len(all_seeds):
            raise UnknownChoice(
                f"--seeds {seeds}: the {p.name} profile's '{self.name}' experiment has {len(all_seeds)} seeds "
                f"(choose 1-{len(all_seeds)})"
            )
        return all_seeds[:seeds] if seeds else all_seeds

    def blocks(self, p, seeds: tuple[int, ...]) -> list[tuple[int, ...]]:
        """The seeds in their groups (`seed_blocks`): one group for all where the profile has no blocks."""
        starts = [0, *(i for i in self.seed_blocks.get(p.name, ()) if 0 < i < len(seeds)), len(seeds)]
        return [seeds[a:b] for a, b in zip(starts, starts[1:])]

    def in_setting(self, p, setting: str | None, settings: dict):
        """(data sets, widths, depths, the initialisers allowed or None) of the grid in a setting; the setting's
        other changes (the architecture, say) go into `settings`."""
        data = self.datasets(p.name)
        widths, depths = self.widths[p.name] if self.widths else (p.width,), self.depths[p.name]
        only = None
        if setting not in (None, MAIN_SETTING):
            changes = dict(SETTINGS[check_choice("setting", setting, self.settings(p.name))])
            data = (changes.pop("dataset"),) if "dataset" in changes else data
            widths = (changes.pop("width"),) if "width" in changes else widths
            changes.pop("max_depth", None)
            changes.pop("learning_rates", None)  # a sweep in place of the shared rate (Experiment.rates)
            cap = depth_cap(setting, p.name) or max(depths)
            depths = tuple(d for d in depths if d <= cap)
            only = changes.pop("initializers", None)
            prefer = changes.pop("prefer_initializers", None)
            if prefer and set(prefer) & set(self.initializers):
                only = prefer
            settings.update(changes)
        return data, widths, depths, only

    def initializers_of(self, acts, only) -> tuple[str, ...]:
        """The experiment's initialisers and those of its activations' own, narrowed to `only` where given."""
        own = [self.own_initializer[a] for a in acts if a in self.own_initializer]
        return tuple(i for i in dict.fromkeys([*self.initializers, *own]) if only is None or i in only)

    def trained(self, acts, l1: float, init: str) -> tuple[str, ...]:
        """The activations a group at this penalty and initialiser trains."""
        chosen = acts if l1 == 0 or self.penalized is None else tuple(a for a in acts if a in self.penalized)
        return tuple(
            a
            for a in chosen
            if (self.own_initializer[a] == init if a in self.own_initializer else init in self.initializers)
        )

    def rates(self, p, optimizer: str | None, learning_rate: float | None, sweep=None) -> dict[str, tuple[float, ...]]:
        """{optimizer: learning rates} in the profile: the experiment's sweep, or Adam at the profile's rate (or at
        the setting's `sweep` of rates), narrowed to one optimizer or one rate by the options."""
        if sweep and self.learning_rates:  # an experiment that sweeps rates of its own is tuned already
            raise ValueError(f"the '{self.name}' experiment sweeps its own learning rates: drop the sweep's setting")
        rates = (
            {opt: by_profile[p.name] for opt, by_profile in self.learning_rates.items()}
            if self.learning_rates
            else {"adam": tuple(sweep or (p.learning_rate,))}
        )
        if optimizer is not None:  # the experiment's rates for it, or the profile's rate
            rates = {optimizer: rates.get(optimizer, (p.learning_rate,))}
        if learning_rate is not None:
            rates = {opt: (learning_rate,) for opt in rates}
        return rates

    def with_users(self, built_in: list[GroupSpec], users: tuple[str, ...]) -> list[GroupSpec]:
        """The built-in groups, and a user's activations in groups of their own beside them."""
        if not users:
            return built_in
        if self.options.get("benchmark"):  # timed beside ReLU in the same run: a ratio across runs is not one
            return [replace(s, activations=(*s.activations, *users)) for s in built_in]
        # unpenalised, under the experiment's own initialisers: as a built-in activation is trained
        mine = {
            s.key(): s
            for s in (
                replace(s, activations=users)
                for s in built_in
                if s.activity_l1 == 0 and s.initializer in self.initializers
            )
        }
        return built_in + list(mine.values())


@dataclass(frozen=True)
class Selection:
    """What a command trains or draws: a profile, narrowed or overridden by the command-line options.

    `run`, `figures` and `report` take the same options, so the runs a custom `run` made are the
    ones `figures` and `report` draw.
    """

    profile: str = "quick"
    activations: tuple[str, ...] | None = None
    seeds: int | None = None
    epochs: int | None = None
    optimizer: str | None = None
    learning_rate: float | None = None
    backend: str | None = None  # None: this process's Keras backend; set to read another backend's runs
    setting: str | None = None  # None: each experiment's main setting; else one of its replica SETTINGS

    def specs(self, experiment: Experiment) -> list[GroupSpec]:
        return experiment.specs(
            self.profile,
            acts=self.activations,
            seeds=self.seeds,
            epochs=self.epochs,
            optimizer=self.optimizer,
            learning_rate=self.learning_rate,
            backend=self.backend,
            setting=self.setting,
        )

    def misfit(self, experiment: Experiment) -> str | None:
        """Why the options cannot apply to the experiment (more seeds than it has), or None when they can."""
        have = len(experiment.seeds_of(self.profile))
        if self.seeds is not None and self.seeds > have:
            return f"the {self.profile} profile's '{experiment.name}' experiment has {have} seed(s), not {self.seeds}"
        return None

    def every_setting(self, experiment: Experiment) -> list[GroupSpec]:
        """The groups of the main setting and of every replica setting: what `run` trains."""
        return [
            s
            for name in (None, *experiment.settings(self.profile))
            for s in replace(self, setting=name).specs(experiment)
        ]

    def activations_of(self, experiment: Experiment) -> tuple[str, ...]:
        """The activations the selection trains in this experiment: the built-ins it names (or all the
        experiment's), then the user's (module:function@hash)."""
        built_in, users = activations.split(self.activations or (), experiment.activations)
        return built_in + users

    def options(self) -> list[str]:
        """The selection as command-line options, to repeat in hints."""
        given = [
            ("--profile", self.profile),
            ("--activations", ",".join(self.activations) if self.activations else None),
            ("--seeds", self.seeds),
            ("--epochs", self.epochs),
            ("--optimizer", self.optimizer),
            ("--learning-rate", None if self.learning_rate is None else f"{self.learning_rate:g}"),
        ]
        return [str(x) for flag, value in given if value is not None for x in (flag, value)]


def discover() -> dict[str, Experiment]:
    """Every Experiment declared by a script in experiments/, by name."""
    found = {}
    for path in sorted(EXPERIMENTS_DIR.glob("*.py")):
        spec = importlib.util.spec_from_file_location(f"experiments.{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        exp = getattr(module, "EXPERIMENT", None)
        if isinstance(exp, Experiment):
            found[exp.name] = exp
    return found


def get(name: str) -> Experiment:
    known = discover()
    return known[check_choice("experiment", name, known)]
