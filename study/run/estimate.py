"""How long the groups left to train will take on this machine, from the measured times of stored groups.

A group's time is taken from the stored groups of the same backend, device (CPU or GPU) and number
of cores, in the run folder and in the repository's reference results:
- a group stored with the same structure (data set, architecture, depth, width, models, epochs, batch
  size, training examples, normalisation, skips)
  took that long, whatever its other settings (seeds, rates, initialiser barely change the time);
- any other is fitted over all of them as
      seconds = a + b x (epochs + 1) + c x work + d x steps x depth,
  work = models x (epochs + 1) x weights per model x training examples (the arithmetic), steps x depth
  the layers stepped through (the per-layer cost of each step, whatever its size), a the group's fixed
  cost and b each epoch's (its evaluation); a-d at least 0, chosen to make the relative errors small
  (a smoke group weighs as much as a full one);
- the cost benchmark takes its stored run's warm-up and seconds per repeat (its epochs).
The time left with N workers is the groups' total over N, or the longest group if that is longer, plus
the start of the command and of its workers.
Checked against a measured smoke run in bench/estimate.py (within a factor of 1.5).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from study.spec.config import ROOT, GroupSpec

START_S = 5.0  # importing Keras and its backend, once per process (bench/time_breakdown.py: 2.6-6.3 s here)
TYPICAL = {"n_features": 40, "n_outputs": 10, "n_train": 3500}  # MNIST-1D's, for a data set never stored
KNOWN = {"fashion_mnist": {"n_features": 784, "n_outputs": 10, "n_train": 55000}}  # sizes told without loading


@dataclass(frozen=True)
class Measured:
    spec: dict
    run: dict

    @property
    def seconds(self) -> float:
        return float(self.run["total_time_s"])


def _machine(spec: dict, run: dict) -> tuple:
    kind = "GPU" if run.get("device", "CPU").startswith("GPU") else "CPU"
    return (spec.get("backend", "tensorflow"), kind, run.get("cpu_count"))


def this_machine(backend: str) -> tuple:
    """What `_machine` reads for a group trained here; told without starting a backend (seconds)."""
    gpu = Path("/dev/nvidia0").exists() or Path("/dev/kfd").exists()
    return (backend, "GPU" if gpu else "CPU", os.cpu_count())


def stored_times(folders: list[Path]) -> list[Measured]:
    """Every finished group's spec and run information under the folders' results/runs (cost benchmarks too)."""
    from study import store  # here, not at import: `list` and `--help` need no pandas

    found, seen = [], set()
    for folder in folders:
        for config in sorted((folder / "runs").glob("*/config.json")):
            if config.parent.name in seen or not (config.parent / store.MARKER).exists():
                continue
            try:
                c = json.loads(config.read_text())
            except (OSError, ValueError):
                continue  # a damaged run: the store reports it elsewhere
            if "total_time_s" not in c["run"]:
                continue
            seen.add(config.parent.name)
            found.append(Measured(c["spec"], c["run"]))
    return found


def _structure(spec: dict) -> tuple:
    models = len(spec["activations"]) * len(spec["seeds"])
    shape = (spec["dataset"], spec.get("architecture", "mlp"), spec["depth"], spec["width"], models, spec["epochs"])
    return (*shape, spec["batch_size"], spec.get("n_train"), spec.get("normalization"), spec.get("residual"))


def work(spec: dict, sizes: dict) -> float:
    """Models x (epochs + 1) x weights per model x training examples, in units of 10^9."""
    w, d = spec["width"], spec["depth"]
    weights = sizes["n_features"] * w + (d - 1) * w * w + w * sizes["n_outputs"]
    n_train = spec.get("n_train") or sizes["n_train"]
    return len(spec["activations"]) * len(spec["seeds"]) * (spec["epochs"] + 1) * weights * n_train / 1e9


def terms(spec: dict, sizes: dict) -> np.ndarray:
    """What a group's seconds are fitted on: 1, epochs + 1, work, and steps x depth (in thousands)."""
    n_train = spec.get("n_train") or sizes["n_train"]
    steps = spec["epochs"] * -(-n_train // spec["batch_size"])
    return np.array([1.0, spec["epochs"] + 1, work(spec, sizes), steps * spec["depth"] / 1e3])


def _fit(rows: np.ndarray, seconds: np.ndarray) -> np.ndarray:
    """The coefficients, at least 0, that make the relative errors of rows @ coefficients small."""
    from scipy.optimize import nnls

    coefficients, _ = nnls(rows / seconds[:, None], np.ones_like(seconds))
    return coefficients


class Estimator:
    """Seconds per group, from the measured groups of one backend and device."""

    def __init__(self, measured: list[Measured]):
        trained = [m for m in measured if not m.spec.get("benchmark") and m.seconds > 0]
        self.same = {}
        for m in trained:
            self.same.setdefault(_structure(m.spec), []).append(m.seconds)
        self.sizes = {}  # each data set's sizes, its training split whole (the largest stored)
        for m in sorted(trained, key=lambda m: m.run["n_train"]):
            self.sizes[m.spec["dataset"]] = {k: m.run[k] for k in TYPICAL}
        rows = [terms(m.spec, {k: m.run[k] for k in TYPICAL}) for m in trained]  # each with its own sizes
        self.coefficients = _fit(np.array(rows), np.array([m.seconds for m in trained])) if trained else None
        benchmarks = [m for m in measured if m.spec.get("benchmark")]
        self.benchmark = None
        if benchmarks:  # (warm-up and calibration, seconds per repeat); runs stored before the warm-up was timed: 10 s
            warm_up = [m.seconds - m.run["wall_time_s"] for m in benchmarks if m.seconds > m.run["wall_time_s"]]
            per_repeat = [m.run["wall_time_s"] / m.spec["epochs"] for m in benchmarks]
            self.benchmark = (float(np.median(warm_up)) if warm_up else 10.0, float(np.median(per_repeat)))

    def seconds(self, spec: GroupSpec) -> float | None:
        d = spec.to_dict()
        if spec.benchmark:  # the cost benchmark: a warm-up, then the same timings every repeat (its epochs)
            return self.benchmark[0] + spec.epochs * self.benchmark[1] if self.benchmark else 60.0
        if (same := self.same.get(_structure(d))) is not None:
            return float(np.median(same))
        if self.coefficients is None:
            return None
        sizes = self.sizes.get(spec.dataset) or KNOWN.get(spec.dataset, TYPICAL)
        return float(terms(d, sizes) @ self.coefficients)


@dataclass(frozen=True)
class Estimate:
    seconds: list[float]  # per group left
    based_on: int  # stored groups measured

    def wall(self, workers: int) -> float:
        if not self.seconds:
            return 0.0
        start = START_S * (1 if workers <= 1 else 2)  # the command's imports, then its workers' (in parallel)
        return start + max(sum(self.seconds) / max(1, workers), max(self.seconds))

    def line(self, workers: list[int]) -> str:
        times = ", ".join(f"{duration(self.wall(n))} with {n} worker{'s' * (n > 1)}" for n in workers)
        return (
            f"time left on this machine: about {times} (estimated from {self.based_on} stored groups' measured times)"
        )


def duration(seconds: float) -> str:
    if seconds < 90:
        return f"{max(1, round(seconds))} s"
    if seconds < 90 * 60:
        return f"{round(seconds / 60)} min"
    return f"{seconds / 3600:.1f} h"


def estimate(todo: list[GroupSpec], results: Path) -> Estimate | None:
    """The estimate for the groups in `todo`, from the groups stored in `results` and the reference's;
    None when no stored group of their backend and device was measured."""
    if not todo:
        return Estimate([], 0)
    measured = stored_times([results, ROOT / "results"])
    mine = [m for m in measured if _machine(m.spec, m.run) == this_machine(todo[0].backend)]
    estimator = Estimator(mine)
    seconds = [estimator.seconds(s) for s in todo]
    if not mine or any(s is None for s in seconds):
        return None
    return Estimate(seconds, len(mine))
