"""Experiments and the grid of groups each one trains.

An experiment script under `experiments/` declares one `Experiment`: data set, activations,
initialisers and depths per profile. `specs(profile)` expands it into groups (one per depth
and initialiser; activations x seeds are the branches of a group). Experiments whose grids
overlap share runs through the store.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass, field

from study import activations
from study.config import ROOT, GroupSpec, get_profile

EXPERIMENTS_DIR = ROOT / "experiments"


# Depths per profile shared by the depth experiments: doublings up to at least 32.
DEPTH_LADDER = {"smoke": (1, 4), "quick": (1, 2, 4, 8, 16, 32), "full": (1, 2, 4, 8, 16, 32, 64)}


@dataclass(frozen=True)
class Experiment:
    name: str
    claims: tuple[str, ...]
    title: str
    dataset: str
    activations: tuple[str, ...]
    depths: dict[str, tuple[int, ...]]  # per profile
    initializers: tuple[str, ...] = ("glorot_uniform",)
    options: dict = field(default_factory=dict)  # further GroupSpec fields

    def specs(self, profile: str, acts=None, seeds: int | None = None, epochs: int | None = None) -> list[GroupSpec]:
        p = get_profile(profile)
        if seeds is not None and not 1 <= seeds <= len(p.seeds):
            raise activations.UnknownChoice(
                f"--seeds {seeds}: the {p.name} profile has seeds {list(p.seeds)} (choose 1-{len(p.seeds)})")
        acts = tuple(acts or self.activations)
        for a in acts:
            activations.get(a)
        return [
            GroupSpec(dataset=self.dataset, depth=d, width=p.width, activations=acts,
                      seeds=p.seeds[:seeds] if seeds else p.seeds, epochs=epochs or p.epochs,
                      initializer=init, batch_size=p.batch_size, learning_rate=p.learning_rate,
                      n_train=p.n_train, probe_size=p.probe_size, **self.options)
            for init in self.initializers
            for d in self.depths[p.name]
        ]


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
    return known[activations.check_choice("experiment", name, known)]
