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

import pytest  # noqa: E402

REPO = Path(__file__).resolve().parent.parent


def pytest_configure(config):
    # Keras's TensorFlow backend calls np.array(tensor, copy=False) on every convert_to_numpy.
    config.addinivalue_line(
        "filterwarnings", "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning")


def run_study(*args, check=True, timeout=600) -> subprocess.CompletedProcess:
    """`python -m study ARGS` in a fresh process, from the repository root."""
    proc = subprocess.run([sys.executable, "-m", "study", *map(str, args)], cwd=REPO,
                          capture_output=True, text=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f"python -m study {' '.join(map(str, args))} exited {proc.returncode}:\n"
                             f"{proc.stderr[-4000:]}")
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
    out = tmp_path_factory.mktemp("smoke_run")
    run_study("run", "all", "--profile", "smoke", "--out", out)
    return out
