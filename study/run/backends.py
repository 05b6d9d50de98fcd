"""The Keras backends, and training a selection on one of them in its own process (Keras fixes the backend
at import). A group's backend is part of its spec, so each backend's runs sit side by side in one store under
their own keys; `study.report.backends` compares the verdicts they give.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import time

from study.errors import MissingInput

BACKENDS = {"tensorflow": "tensorflow", "jax": "jax", "torch": "torch"}  # name -> module that must be installed


def installed() -> list[str]:
    return [b for b, module in BACKENDS.items() if importlib.util.find_spec(module) is not None]


def train(backend: str, experiments: list[str], options: list[str], jobs: int, out) -> float:
    """`python -m study run` under one backend; returns its wall time in seconds (start to finish)."""
    cmd = [
        sys.executable,
        "-m",
        "study",
        "run",
        *experiments,
        *options,
        "--main-setting",
        "--jobs",
        str(jobs),
        "--out",
        str(out),
    ]  # the comparison reads the main setting alone
    t0 = time.perf_counter()
    done = subprocess.run(cmd, env={**os.environ, "KERAS_BACKEND": backend})
    if done.returncode != 0:
        raise MissingInput(f"the {backend} run ended with exit status {done.returncode}: nothing compared")
    return time.perf_counter() - t0
