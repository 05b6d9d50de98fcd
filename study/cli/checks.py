"""Checks made before anything is written: the backend, the plotting backend, the output folder, and that
the committed reference is not mixed with a narrowed selection."""

from __future__ import annotations

import importlib.util
import os
import shutil
import tempfile
from pathlib import Path

from study.cli.parser import UsageError
from study.cli.selection import selection
from study.errors import check_choice
from study.run import backends as training_backends
from study.run import cluster
from study.spec import config

MIN_FREE_MB = 100  # a quick profile's results, figures and report take about 20 MB


def check_backend():
    name = os.environ["KERAS_BACKEND"]
    check_choice("KERAS_BACKEND", name, training_backends.BACKENDS)
    installed = training_backends.installed()
    if name not in installed:
        raise UsageError(
            f"KERAS_BACKEND is '{name}' but {training_backends.BACKENDS[name]} is not installed here "
            f"(installed: {', '.join(installed)})"
        )


def check_plotting():
    """Figures are drawn to files with Agg; a bogus MPLBACKEND would make matplotlib fail on import."""
    given = os.environ.pop("MPLBACKEND", None)
    import matplotlib.rcsetup
    from matplotlib.backends import backend_registry

    os.environ["MPLBACKEND"] = "Agg"
    if given:
        try:
            matplotlib.rcsetup.validate_backend(given)
        except ValueError:
            raise UsageError(
                f"MPLBACKEND '{given}' is not a matplotlib backend (figures are drawn with "
                f"Agg; unset it or choose from {', '.join(backend_registry.list_builtin())})"
            ) from None


def check_out(args):
    """The output folder: not the repository unless the profile lives there, and a folder (with folders
    results/, figures/ and report/ in it, where they exist), for every command."""
    out = Path(args.out).absolute()
    home = config.home(args.profile, args.command)
    if out.resolve() == config.ROOT.resolve() and home.resolve() != out.resolve():
        raise UsageError(
            f"--out {args.out}: the repository holds the committed {config.REFERENCE} reference's results/, "
            f"figures/ and report/; give the {args.profile} profile a folder of its own (default {home})"
        )
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out}: it is a file, not a folder")
    for part in ("results", "results/runs", "figures", "report"):
        if (out / part).exists() and not (out / part).is_dir():
            raise UsageError(f"--out {out}: {out / part} is a file where a folder belongs (move it away)")


def check_writable(out: Path):
    """The output folder, or the nearest folder above it that exists, must take new files."""
    out = Path(out).absolute()
    existing = out
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        raise UsageError(f"--out {out}: {existing} is a file, not a folder")
    try:
        fd, probe = tempfile.mkstemp(dir=existing, prefix=".study-write-check-")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise UsageError(f"--out {out}: cannot write in {existing} ({exc.strerror or exc})") from None
    free_mb = shutil.disk_usage(existing).free / 2**20
    if free_mb < MIN_FREE_MB:
        raise UsageError(
            f"--out {out}: only {free_mb:.0f} MB free on its file system (at least {MIN_FREE_MB} MB needed)"
        )


CLUSTER_OPTIONS = ("cluster_config", "partition", "time", "mem", "cpus", "gpus", "groups_per_task", "parallel")


def check_executor(args):
    """Cluster options need a cluster executor, and SLURM needs its sbatch."""
    if args.command != "run":
        return
    if args.executor == "local":
        given = [f"--{o.replace('_', '-')}" for o in CLUSTER_OPTIONS if getattr(args, o) is not None]
        given += ["--wait"] if args.wait else []
        if given:
            raise UsageError(
                f"{', '.join(given)} apply only to a job array: add --executor slurm (or submitit-local), or drop them"
            )
        return
    check_choice("executor", args.executor, cluster.EXECUTORS)
    if importlib.util.find_spec("submitit") is None:
        raise UsageError("--executor needs submitit: pip install submitit")
    if args.executor == "slurm" and shutil.which("sbatch") is None:
        raise UsageError(
            "--executor slurm: no SLURM here (sbatch is not on PATH); run it on the cluster's login node, "
            "or use --executor submitit-local to run the same job array on this machine"
        )


def check_reference_kept(args):
    """The repository holds the reference profile's results/, figures/ and report/: a narrowed selection of that
    profile (other seeds, epochs, activations...) would mix into them, so it needs its own --out."""
    narrowed = selection(args).options()[2:]  # beyond --profile
    if args.out is None and args.profile == config.REFERENCE and narrowed and args.command != "status":
        raise UsageError(
            f"{' '.join(narrowed)} narrows the {config.REFERENCE} profile, whose results/, figures/ and "
            f"report/ in the repository are the committed reference: give it its own --out"
        )
