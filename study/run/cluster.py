"""Runs a sweep as a job array on a SLURM cluster, through submitit.

The sweep is a list of independent groups and the store is the only coordination: each
array task trains its share of the groups with `worker.train_and_store`, which claims a
group through its lock, skips it if it is finished or held by a live worker, and stores it
with its marker last. So a task that dies loses only its unfinished group, and submitting
the same sweep again trains exactly what is missing.

`submitit-local` runs the same array through submitit's LocalExecutor: real subprocesses,
the same code path as SLURM except the scheduler. The tests use it.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields
from pathlib import Path

from study.run.pool import slowest_first

EXECUTORS = {
    "local": "a pool of processes on this machine (--jobs)",
    "slurm": "a SLURM job array, through submitit",
    "submitit-local": "the same job array run by submitit on this machine, without a scheduler",
}


# The smallest value each numeric setting takes (a task needs a minute, a GB, a CPU; no GPU is fine).
LEAST = {"time": 1, "mem": 1, "cpus": 1, "gpus": 0, "groups_per_task": 1, "parallel": 1}


@dataclass
class Resources:
    """What each array task asks the scheduler for; from --cluster-config and options, options winning."""

    partition: str | None = None
    time: int = 120  # minutes per task
    mem: int = 8  # GB per task
    cpus: int = 2  # per task
    gpus: int = 0  # per task
    groups_per_task: int = 1
    parallel: int | None = None  # tasks running at once; None: as the scheduler allows

    @classmethod
    def from_file(cls, path: Path | None) -> Resources:
        if path is None:
            return cls()
        with open(path, "rb") as f:
            table = tomllib.load(f)
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(table) - known)
        if unknown:
            raise ValueError(f"{path}: unknown setting {', '.join(unknown)} (choose from {', '.join(sorted(known))})")
        resources = cls(**table)
        resources.check(f"{path}: ")
        return resources

    def check(self, where: str = ""):
        """Raises ValueError naming the first setting of the wrong type or out of range."""
        if self.partition is not None and not (isinstance(self.partition, str) and self.partition.strip()):
            raise ValueError(f"{where}partition must be a partition's name, got {self.partition!r}")
        for name, least in LEAST.items():
            value = getattr(self, name)
            if value is None and name == "parallel":
                continue
            if isinstance(value, bool) or not isinstance(value, int) or value < least:
                raise ValueError(f"{where}{name} must be a whole number of at least {least}, got {value!r}")

    def executor_parameters(self) -> dict:
        params = dict(
            timeout_min=self.time,
            mem_gb=self.mem,
            cpus_per_task=self.cpus,
            gpus_per_node=self.gpus,
            name="activation-study",
        )
        if self.partition:
            params["slurm_partition"] = self.partition
        if self.parallel:
            params["slurm_array_parallelism"] = self.parallel
        return params


def chunks(specs, size: int) -> list[list]:
    """The groups of each task, slowest first, so the array's tail is short tasks."""
    ordered = slowest_first(specs)
    return [ordered[i : i + size] for i in range(0, len(ordered), size)]


def train_share(results, specs) -> dict[str, str]:
    """One array task: its groups, each claimed, trained and stored, or skipped. {key: outcome}."""
    from study.run import worker

    return {s.key(): worker.train_and_store(results, s) for s in specs}


def submit(specs, results: Path, logs: Path, executor: str, resources: Resources):
    """Submits the groups as one job array; returns the submitit jobs."""
    import submitit

    cluster = {"slurm": "slurm", "submitit-local": "local"}[executor]
    ex = submitit.AutoExecutor(folder=logs, cluster=cluster)
    ex.update_parameters(**resources.executor_parameters())
    shares = chunks(specs, resources.groups_per_task)
    return ex.map_array(train_share, [results] * len(shares), shares)


def wait(jobs) -> tuple[dict[str, int], list[str]]:
    """Waits for every task; returns the outcome counts and one line per task that did not finish."""
    from submitit.core.utils import FailedJobError, UncompletedJobError

    counts, failures = {"trained": 0, "skipped": 0}, []
    for job in jobs:
        try:
            for outcome in job.result().values():
                counts[outcome] += 1
        except (FailedJobError, UncompletedJobError) as exc:
            first = next((line for line in str(exc).splitlines() if line.strip()), type(exc).__name__)
            failures.append(f"task {job.job_id} did not finish: {first}")
    return counts, failures
