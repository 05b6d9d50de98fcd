"""The CPU threads each worker's backend may use: the cores shared out among the workers.

Two workers that each spread every op over all the cores contend for them; with each given its
share, the same groups train sooner with two workers on two cores (bench/worker_threads.py), and
to the same numbers: a thread count changes how an op's work is split, never the order in which
a sum is reduced (tested). Set in a worker before its backend starts, through the variables
each backend reads at start-up.
"""

from __future__ import annotations

import os


def cores() -> int:
    """The cores this process may run on (a SLURM task's allocation, a container's CPU set)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def share(workers: int) -> int:
    """Each of `workers` workers' threads: the cores divided evenly, at least one."""
    return max(1, cores() // max(1, workers))


def variables(threads: int) -> dict[str, str]:
    """The environment that limits TensorFlow, JAX (XLA) and PyTorch to `threads` threads per op."""
    xla = os.environ.get("XLA_FLAGS", "")
    if threads == 1 and "xla_cpu_multi_thread_eigen" not in xla:
        xla = f"{xla} --xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1".strip()
    return {
        "TF_NUM_INTRAOP_THREADS": str(threads),
        "TF_NUM_INTEROP_THREADS": str(threads),
        "OMP_NUM_THREADS": str(threads),
        "XLA_FLAGS": xla,
    }


def limit(threads: int):
    """Limits this process's backend to `threads` threads; call before Keras is imported."""
    os.environ.update(variables(threads))
