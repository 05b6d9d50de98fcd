"""How long the groups left to train will take on this machine, from the measured times of stored groups.

A group's time is taken from the stored groups of the same backend, device (CPU or GPU) and number
of cores, in the run folder and in the repository's reference results:
- a group stored with the same structure (data set, architecture, depth, width, models, epochs)
  took that long, whatever its other settings (seeds, rates, initialiser barely change the time);
- any other is fitted as  seconds = a + b x work,  work = models x (epochs + 1) x weights per model
  x training examples, per data set when it has 5 or more stored groups, else over all of them,
  with a and b chosen to make the relative errors small (a smoke group weighs as much as a full one).
The time left with N workers is the groups' total over N, or the longest group if that is longer.
Checked against a measured smoke run in bench/estimate.py (within a factor of 1.5).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from study.spec.config import ROOT, GroupSpec

MIN_PER_KIND = 5
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
    """Every finished training group's spec and run information under the folders' results/runs."""
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
            if c["spec"].get("benchmark") or "total_time_s" not in c["run"]:
                continue
            seen.add(config.parent.name)
            found.append(Measured(c["spec"], c["run"]))
    return found


def _structure(spec: dict) -> tuple:
    models = len(spec["activations"]) * len(spec["seeds"])
    return (spec["dataset"], spec.get("architecture", "mlp"), spec["depth"], spec["width"], models, spec["epochs"])


def work(spec: dict, sizes: dict) -> float:
    """Models x (epochs + 1) x weights per model x training examples, in units of 10^9."""
    w, d = spec["width"], spec["depth"]
    weights = sizes["n_features"] * w + (d - 1) * w * w + w * sizes["n_outputs"]
    n_train = spec.get("n_train") or sizes["n_train"]
    return len(spec["activations"]) * len(spec["seeds"]) * (spec["epochs"] + 1) * weights * n_train / 1e9


def _fit(points: list[tuple[float, float]]) -> tuple[float, float]:
    """(a, b) of seconds = a + b x work, least squares on the relative error, both at least 0."""
    x = np.array([w for w, _ in points])
    t = np.array([s for _, s in points])
    design = np.c_[np.ones_like(x), x] / t[:, None]
    (a, b), *_ = np.linalg.lstsq(design, np.ones_like(t), rcond=None)
    if a < 0 or b < 0:  # one term alone
        a, b = (0.0, float(np.sum(x / t) / np.sum((x / t) ** 2))) if b > 0 else (float(np.median(t)), 0.0)
    return float(a), float(b)


class Estimator:
    """Seconds per group, from the measured groups of one backend and device."""

    def __init__(self, measured: list[Measured]):
        self.same = {}
        for m in measured:
            self.same.setdefault(_structure(m.spec), []).append(m.seconds)
        self.sizes = {m.spec["dataset"]: {k: m.run[k] for k in TYPICAL} for m in measured}
        by_data = {}
        for m in measured:
            by_data.setdefault(m.spec["dataset"], []).append((work(m.spec, self.sizes[m.spec["dataset"]]), m.seconds))
        every = [p for points in by_data.values() for p in points]
        self.overall = _fit(every) if every else None
        self.fits = {d: _fit(points) for d, points in by_data.items() if len(points) >= MIN_PER_KIND}

    def seconds(self, spec: GroupSpec) -> float | None:
        d = spec.to_dict()
        if spec.benchmark:  # the cost benchmark: a fixed set of timings, about a minute
            return 60.0
        if (same := self.same.get(_structure(d))) is not None:
            return float(np.median(same))
        if self.overall is None:
            return None
        a, b = self.fits.get(spec.dataset, self.overall)
        return a + b * work(d, self.sizes.get(spec.dataset) or KNOWN.get(spec.dataset, TYPICAL))


@dataclass(frozen=True)
class Estimate:
    seconds: list[float]  # per group left
    based_on: int  # stored groups measured

    def wall(self, workers: int) -> float:
        return max(sum(self.seconds) / max(1, workers), max(self.seconds, default=0.0))

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
