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

import contextlib
import io
import shutil
import subprocess
import time
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
    from study.run import pool, threads, worker

    threads.limit(threads.cores())  # the task's allocation, not the whole node
    pool.quiet_import()
    return {s.key(): worker.train_and_store(results, s) for s in specs}


class Refused(ValueError):
    """The scheduler refused the array (an unknown partition, a time or memory over its limits)."""


def submit(specs, results: Path, logs: Path, executor: str, resources: Resources):
    """Submits the groups as one job array; returns the submitit jobs. Raises Refused with the scheduler's words."""
    import submitit
    from submitit.core.utils import FailedJobError

    cluster = {"slurm": "slurm", "submitit-local": "local"}[executor]
    new_logs = not logs.exists()
    ex = submitit.AutoExecutor(folder=logs, cluster=cluster)
    ex.update_parameters(**resources.executor_parameters())
    shares = chunks(specs, resources.groups_per_task)
    try:
        with contextlib.redirect_stderr(io.StringIO()):  # submitit prints sbatch's refusal too: said once, below
            return ex.map_array(train_share, [results] * len(shares), shares)
    except FailedJobError as exc:  # sbatch's own error line, e.g. "invalid partition specified: gpu"
        if new_logs:  # nothing half-written: the refused array's submission script goes too
            shutil.rmtree(logs, ignore_errors=True)
        lines = [line.strip().removeprefix("sbatch: error: ") for line in str(exc).splitlines() if line.strip()]
        reason = lines[0] if lines else "sbatch failed"
        if "partition" in reason.lower() and executor == "slurm":
            reason += f" (partitions here: {', '.join(partitions()) or 'none found'})"
        raise Refused(f"the scheduler refused the job array: {reason}") from None


def partitions() -> list[str]:
    out = subprocess.run(["sinfo", "--noheader", "--format=%R"], capture_output=True, text=True, timeout=60)
    return sorted(set(out.stdout.split())) if out.returncode == 0 else []


# The scheduler's states of a task that has not ended yet (squeue's long names).
ACTIVE = set("PENDING CONFIGURING RUNNING COMPLETING SUSPENDED REQUEUED REQUEUE_HOLD RESIZING".split()) | set(
    "SIGNALING STAGE_OUT STOPPED PREEMPTED".split()
)


def scheduler_states(jobs) -> dict[str, str] | None:
    """{task id: state} as squeue has them, finished tasks included; None when squeue cannot answer.

    submitit asks sacct, which needs the cluster's accounting database; where there is none, every
    state reads UNKNOWN and a task that died would be waited for forever. squeue needs no database.
    """
    arrays = sorted({job.job_id.split("_")[0] for job in jobs})
    try:
        out = subprocess.run(
            ["squeue", "--noheader", "--array", "--states=all", "--format=%i %T", "--jobs", ",".join(arrays)],
            capture_output=True,
            text=True,
            timeout=60,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if out.returncode != 0:
        return None
    return dict(line.split(maxsplit=1) for line in out.stdout.splitlines() if len(line.split()) == 2)


def ended_without_result(jobs) -> dict[str, str]:
    """{task id: its final state} for the tasks the scheduler has finished with but that left no result."""
    states = scheduler_states(jobs)
    if states is None:
        return {}
    gone = {}
    for job in jobs:
        state = states.get(job.job_id, "ENDED")  # squeue forgets a task some minutes after it ends
        if state not in ACTIVE and not _result_appears(job):
            gone[job.job_id] = state
    return gone


def _result_appears(job, seconds: float = 15) -> bool:
    """Whether the task's result file is there, allowing a shared file system its delay."""
    deadline = time.monotonic() + seconds
    while not job.paths.result_pickle.exists():
        if time.monotonic() > deadline:
            return False
        time.sleep(1)
    return True


def _outcomes(job, counts: dict, failures: list):
    from submitit.core.utils import FailedJobError, UncompletedJobError

    try:
        for outcome in job.result().values():
            counts[outcome] += 1
    except (FailedJobError, UncompletedJobError) as exc:
        first = next((line for line in str(exc).splitlines() if line.strip()), type(exc).__name__)
        failures.append(f"task {job.job_id} did not finish: {first}")


def wait(jobs, executor: str = "slurm", poll: float = 5.0) -> tuple[dict[str, int], list[str]]:
    """Waits for every task; returns the outcome counts and one line per task that did not finish.

    On SLURM a task is over when its result file is there or squeue says it ended; submitit's own
    check asks sacct, which needs the accounting database that not every cluster has.
    """
    counts, failures, waiting = {"trained": 0, "skipped": 0}, [], list(jobs)
    while waiting:
        if executor == "slurm":
            done = [job for job in waiting if job.paths.result_pickle.exists()]
            gone = ended_without_result([job for job in waiting if job not in done])
        else:
            done, gone = [job for job in waiting if job.done()], {}
        for job in done:
            _outcomes(job, counts, failures)
        for job_id, state in gone.items():
            failures.append(f"task {job_id} did not finish: it ended {state} without a result")
        waiting = [job for job in waiting if job not in done and job.job_id not in gone]
        if waiting:
            time.sleep(poll)
    return counts, failures
