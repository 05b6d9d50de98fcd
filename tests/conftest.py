"""Shared test setup.

The environment is fixed here, before any test module imports Keras: the backend is read
once at import time, and Keras writes `keras.json` under KERAS_HOME on first import, which
must never be the user's home folder. Subprocesses started by the tests inherit it all.
"""

import atexit
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("MPLBACKEND", "Agg")
_SCRATCH = tempfile.mkdtemp(prefix="study-tests-")
atexit.register(shutil.rmtree, _SCRATCH, ignore_errors=True)
# Always a scratch folder, even if the caller set one: tests never write to the home folder.
os.environ["KERAS_HOME"] = os.path.join(_SCRATCH, "keras")
os.environ["MPLCONFIGDIR"] = os.path.join(_SCRATCH, "matplotlib")

import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from study.spec.config import GroupSpec  # noqa: E402

REPO = Path(__file__).resolve().parent.parent


def pytest_configure(config):
    # Keras's TensorFlow backend calls np.array(tensor, copy=False) on every convert_to_numpy.
    config.addinivalue_line(
        "filterwarnings", "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"
    )


def run_study(*args, out=None, check=True, timeout=600, env=None) -> subprocess.CompletedProcess:
    """`python -m study ARGS [--out OUT]` in a fresh process, from the repository root; `env` adds
    to (or overrides) this process's environment."""
    args = [*args, *(["--out", out] if out is not None else [])]
    proc = subprocess.run(
        [sys.executable, "-m", "study", *map(str, args)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )
    if check and proc.returncode != 0:
        raise AssertionError(
            f"python -m study {' '.join(map(str, args))} exited {proc.returncode}:\n{proc.stderr[-4000:]}"
        )
    return proc


@pytest.fixture(scope="session")
def study_cli():
    """The function `run_study`, for tests that start the command line."""
    return run_study


@pytest.fixture(scope="session")
def smoke_run(tmp_path_factory) -> Path:
    """`python -m study run all --profile smoke`, once per session; its --out folder.

    The runs are under `<out>/results/runs/<key>/`.
    """
    if os.environ.get("STUDY_SMOKE_RUN"):  # a folder where that command has run already: quick reruns of tests
        return Path(os.environ["STUDY_SMOKE_RUN"])
    out = tmp_path_factory.mktemp("smoke_run")
    run_study("run", "all", "--profile", "smoke", "--jobs", "2", "--out", out)
    return out


# --- stored runs, real and made up ------------------------------------------------------


def stored_metrics(out: Path, specs) -> dict:
    """{run key: metrics without wall_time} of the finished runs among these groups under out/results."""
    from study import store

    runs = {}
    for spec in specs:
        if store.is_done(out / "results", spec):
            df = pd.read_parquet(store.run_dir(out / "results", spec) / "metrics.parquet")
            runs[spec.key()] = df[df["metric"] != "wall_time"].reset_index(drop=True)
    return runs


METRIC_COLUMNS = ["activation", "seed", "epoch", "layer", "metric", "value", "step"]


def tiny_spec(**changes) -> GroupSpec:
    settings = dict(
        dataset="digits",
        depth=2,
        width=8,
        activations=("relu", "tanh"),
        seeds=(0,),
        epochs=1,
        n_train=64,
        probe_size=16,
    )
    return GroupSpec(**{**settings, **changes})


def fake_metrics(spec: GroupSpec, offset=0.0) -> pd.DataFrame:
    rows = []
    for i, (act, seed) in enumerate(spec.branches):
        for epoch in range(spec.epochs + 1):
            rows.append((act, seed, epoch, -1, "train_loss", 2.0 - epoch + i + offset, 4 * epoch))
            for layer in range(spec.depth):
                rows.append((act, seed, epoch, layer, "hoyer", 0.1 * layer + 0.01 * i + offset, 4 * epoch))
    return pd.DataFrame(rows, columns=METRIC_COLUMNS)


@pytest.fixture(scope="session")
def smoke_study(smoke_run):
    """The smoke run's stored runs as a Study (every experiment, the main setting and its replicas)."""
    from study.analysis.study import Study
    from study.spec import grid

    return Study(smoke_run, grid.Selection("smoke"), list(grid.discover().values()))


@pytest.fixture(scope="session")
def smoke_report(smoke_run) -> Path:
    """Figures and report of the smoke run, drawn once; the report folder (report.md, index.html,
    claims.json, report.pdf)."""
    run_study("figures", "--profile", "smoke", "--out", smoke_run)
    run_study("report", "--profile", "smoke", "--out", smoke_run)
    return smoke_run / "report"
